//! `EXPLAIN` output: one row per instruction, with SQLite's columns
//! `addr|opcode|p1|p2|p3|p4|p5|comment`. P4 is rendered as SQLite's `displayP4` does where we
//! have the information (`k(2,-B,)` for key infos, `BINARY-8` for collations, `name(n)` for
//! functions); an unused P4 or missing comment is NULL.
//!
//! Invariant: the listing is a pure function of the program; it never runs it.

use super::program::{FuncRef, Op, P4};
use crate::value::Value;

pub const COLUMN_NAMES: [&str; 8] = ["addr", "opcode", "p1", "p2", "p3", "p4", "p5", "comment"];

/// Fill `out` with the listing row of instruction `addr`.
pub fn listing_row(addr: usize, op: &Op, out: &mut Vec<Value>) {
    out.clear();
    out.push(Value::Integer(addr as i64));
    out.push(Value::text(op.opcode.name()));
    out.push(Value::Integer(op.p1 as i64));
    out.push(Value::Integer(op.p2 as i64));
    out.push(Value::Integer(op.p3 as i64));
    out.push(match display_p4(op) {
        Some(s) => Value::Text(s.into_bytes()),
        None => Value::Null,
    });
    out.push(Value::Integer(op.p5 as i64));
    out.push(match &op.comment {
        Some(c) => Value::text(c),
        None => Value::Null,
    });
}

fn display_p4(op: &Op) -> Option<String> {
    Some(match &op.p4 {
        P4::None => return None,
        P4::Int32(i) => i.to_string(),
        P4::Int64(i) => i.to_string(),
        P4::Real(r) => super::mem::real_to_text(*r),
        P4::Text(t) | P4::Affinity(t) | P4::Table(t) | P4::Pragma(t) => t.clone(),
        P4::Blob(b) => {
            let mut s = String::with_capacity(b.len() * 2);
            for c in b {
                s.push_str(&format!("{c:02X}"));
            }
            s
        }
        P4::Value(v) => match v {
            Value::Null => "NULL".into(),
            Value::Integer(i) => i.to_string(),
            Value::Real(r) => super::mem::real_to_text(*r),
            Value::Text(t) => String::from_utf8_lossy(t).into_owned(),
            Value::Blob(_) => "(blob)".into(),
        },
        P4::KeyInfo(k) => {
            let mut s = format!("k({}", k.desc.len());
            for (i, d) in k.desc.iter().enumerate() {
                s.push(',');
                if *d {
                    s.push('-');
                }
                if k.collations.get(i).map(|c| c.is_some()).unwrap_or(false) {
                    s.push_str("coll");
                } else {
                    s.push('B');
                }
            }
            s.push(')');
            s
        }
        P4::Coll(c) => {
            if c.is_some() {
                "coll".into()
            } else {
                "BINARY-8".into()
            }
        }
        P4::Func(f) => {
            let name = match f {
                FuncRef::Builtin(d) => d.name.to_string(),
                FuncRef::User { name, .. } => name.clone(),
            };
            let n = match op.opcode {
                super::Opcode::AggFinal | super::Opcode::AggValue => op.p2,
                _ => op.p5 as i32,
            };
            format!("{name}({n})")
        }
        P4::VTab(v) => format!("vtab:{}", v.name),
        P4::IntArray(a) => {
            let parts: Vec<String> = a.iter().map(|x| x.to_string()).collect();
            format!("[{}]", parts.join(","))
        }
        P4::Window(w) => format!("window({})", w.funcs.len()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vdbe::Opcode;

    #[test]
    fn listing_row_matches_sqlite_shape() {
        // sqlite3: EXPLAIN SELECT 1 → "0|Init|0|4|0||0|" etc.; P4 NULL when unused.
        let op = Op {
            opcode: Opcode::OpenRead,
            p1: 0,
            p2: 2,
            p3: 0,
            p4: P4::Int32(2),
            p5: 0,
            comment: None,
        };
        let mut row = Vec::new();
        listing_row(2, &op, &mut row);
        assert_eq!(row.len(), 8);
        assert!(matches!(row[0], Value::Integer(2)));
        assert!(matches!(&row[1], Value::Text(t) if t == b"OpenRead"));
        assert!(matches!(&row[5], Value::Text(t) if t == b"2"));
        assert!(row[7].is_null());
        let op = Op {
            opcode: Opcode::Le,
            p1: 2,
            p2: 11,
            p3: 1,
            p4: P4::Coll(None),
            p5: 81,
            comment: None,
        };
        listing_row(5, &op, &mut row);
        assert!(matches!(&row[5], Value::Text(t) if t == b"BINARY-8"));
        assert!(matches!(row[6], Value::Integer(81)));
    }
}
