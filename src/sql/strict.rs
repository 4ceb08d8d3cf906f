//! STRICT tables (SQLite 3.37+, `stricttables.html`).
//!
//! Invariants:
//! - A STRICT table's every column has one of the types INT, INTEGER, REAL, TEXT, BLOB, ANY
//!   (any case, no size): CREATE TABLE fails otherwise with SQLite's `missing datatype for
//!   t.a` / `unknown datatype for t.a: "varchar"`. ANY columns have no affinity (values are
//!   stored as given); the others have their type's affinity.
//! - Each row written by INSERT or UPDATE is checked after affinity is applied, before CHECK
//!   constraints and uniqueness: a non-NULL value whose type is not the column's fails the
//!   statement with SQLITE_CONSTRAINT_DATATYPE and `cannot store TEXT value in INTEGER
//!   column t.a` (REAL columns accept integers, ANY accepts everything).

use super::build::Builder;
use super::schema::{Column, Table, AFF_BLOB};
use crate::error::codes::SQLITE_CONSTRAINT_DATATYPE;
use crate::error::{Error, Result};
use crate::vdbe::{Opcode, P4};
use sqlite3_parser::ast;

/// `Halt` P2 for an aborting error.
const OE_ABORT: i32 = 2;

/// The STRICT type names SQLite accepts.
const STRICT_TYPES: &[&str] = &["INT", "INTEGER", "REAL", "TEXT", "BLOB", "ANY"];

/// Validate the column types of a STRICT table and set ANY columns' affinity.
pub fn strict_columns(tname: &str, cols: &mut [Column]) -> Result<()> {
    for c in cols.iter_mut() {
        let ty = match &c.decltype {
            None => {
                return Err(Error::sql(format!(
                    "missing datatype for {tname}.{}",
                    c.name
                )))
            }
            Some(t) => t.clone(),
        };
        if !STRICT_TYPES.iter().any(|s| s.eq_ignore_ascii_case(&ty)) {
            return Err(Error::sql(format!(
                "unknown datatype for {tname}.{}: \"{ty}\"",
                c.name
            )));
        }
        if ty.eq_ignore_ascii_case("ANY") {
            c.affinity = AFF_BLOB;
        }
    }
    Ok(())
}

impl<'a> Builder<'a> {
    /// Type checks of a STRICT table's new row (`rec` columns, `rid` rowid), after affinity.
    pub(super) fn strict_checks(&mut self, db: usize, t: &Table, rec: i32, rid: i32) -> Result<()> {
        if !t.strict {
            return Ok(());
        }
        let ty = self.reg();
        let name = self.reg();
        for (i, c) in t.columns.iter().enumerate() {
            if t.ipk == Some(i) {
                continue;
            }
            let decl = c.decltype.clone().unwrap_or_default().to_ascii_uppercase();
            // Value types refused by this column type.
            let refused: &[(&str, &str)] = match decl.as_str() {
                "INT" | "INTEGER" => &[("real", "REAL"), ("text", "TEXT"), ("blob", "BLOB")],
                "REAL" => &[("text", "TEXT"), ("blob", "BLOB")],
                "TEXT" => &[("integer", "INT"), ("real", "REAL"), ("blob", "BLOB")],
                "BLOB" => &[("integer", "INT"), ("real", "REAL"), ("text", "TEXT")],
                _ => &[],
            };
            if refused.is_empty() {
                continue;
            }
            let col = ast::Expr::Id(ast::Id(format!("\"{}\"", c.name.replace('"', "\"\""))));
            let call = ast::Expr::FunctionCall {
                name: ast::Id("typeof".into()),
                distinctness: None,
                args: Some(vec![col]),
                order_by: None,
                filter_over: None,
            };
            self.index_row_expr(db, t, rec, rid, &mut |b| b.expr(&call, ty))?;
            for (lower, upper) in refused {
                let next = self.label();
                self.string(lower, name);
                self.emit4(Opcode::Ne, name, next, ty, P4::Coll(None), 0);
                self.emit4(
                    Opcode::Halt,
                    SQLITE_CONSTRAINT_DATATYPE,
                    OE_ABORT,
                    0,
                    P4::Text(format!(
                        "cannot store {upper} value in {decl} column {}.{}",
                        t.name, c.name
                    )),
                    0,
                );
                self.resolve(next);
            }
        }
        Ok(())
    }
}
