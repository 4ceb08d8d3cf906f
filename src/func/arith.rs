//! SQL operators with SQLite 3.40.1's value semantics, for the VM: arithmetic (`OP_Add` …
//! `OP_Remainder`), concatenation, bitwise operators and shifts, unary minus / NOT / `~`, and
//! comparison with the affinity rules of `OP_Eq`/`OP_Lt`/….
//!
//! Rules kept here (from `vdbe.c`):
//! - Arithmetic on two INTEGERs stays integer unless it overflows, then it is done in REAL;
//!   text/blob operands are converted by `numericType` (integer-looking text acts as INTEGER);
//!   any NULL operand gives NULL; division or remainder by zero gives NULL; a NaN result is
//!   NULL.
//! - `%` always works on integers (`5.5 % 2` = 1.0) and gives REAL if either operand was not
//!   an integer after conversion.
//! - Comparisons: NULL on either side gives `None`; with NUMERIC/INTEGER/REAL affinity, text
//!   operands that look numeric are compared as numbers; with TEXT affinity, numbers are
//!   compared as their text; then `sqlite3MemCompare` ordering (numbers < text < blob).

use super::math::real;
use super::text::{
    apply_affinity, atof, atoi64, numeric_value, value_text_cow, value_to_f64, value_to_i64,
    Affinity,
};
use crate::value::Value;
use std::cmp::Ordering;

/// A text collation as the comparison helpers take it (`None` = BINARY).
pub type CollFn<'a> = &'a dyn Fn(&[u8], &[u8]) -> Ordering;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
}

/// `numericType`: the number a value acts as in arithmetic (NULL stays NULL).
fn numeric_operand(v: &Value) -> Value {
    match v {
        Value::Text(t) | Value::Blob(t) => {
            // computeNumericType
            let (r, rc) = atof(t);
            if rc <= 0 {
                let (ix, irc) = atoi64(t);
                if rc == 0 && irc <= 1 {
                    Value::Integer(ix)
                } else {
                    Value::Real(r)
                }
            } else if rc & 2 == 0 {
                match atoi64(t) {
                    (ix, 0) => Value::Integer(ix),
                    _ => Value::Real(r),
                }
            } else {
                Value::Real(r)
            }
        }
        other => other.clone(),
    }
}

/// `lhs <op> rhs`.
pub fn arith(op: ArithOp, lhs: &Value, rhs: &Value) -> Value {
    if lhs.is_null() || rhs.is_null() {
        return Value::Null;
    }
    let (a, b) = (numeric_operand(lhs), numeric_operand(rhs));
    if let (Value::Integer(x), Value::Integer(y)) = (&a, &b) {
        let (x, y) = (*x, *y);
        let r = match op {
            ArithOp::Add => x.checked_add(y),
            ArithOp::Subtract => x.checked_sub(y),
            ArithOp::Multiply => x.checked_mul(y),
            ArithOp::Divide => {
                if y == 0 {
                    return Value::Null;
                }
                x.checked_div(y)
            }
            ArithOp::Remainder => {
                if y == 0 {
                    return Value::Null;
                }
                let y = if y == -1 { 1 } else { y };
                Some(x % y)
            }
        };
        if let Some(r) = r {
            return Value::Integer(r);
        }
    }
    // fp_math
    let (x, y) = (value_to_f64(&a), value_to_f64(&b));
    let r = match op {
        ArithOp::Add => x + y,
        ArithOp::Subtract => x - y,
        ArithOp::Multiply => x * y,
        ArithOp::Divide => {
            if y == 0.0 {
                return Value::Null;
            }
            x / y
        }
        ArithOp::Remainder => {
            let (ix, iy) = (value_to_i64(lhs), value_to_i64(rhs));
            if iy == 0 {
                return Value::Null;
            }
            let iy = if iy == -1 { 1 } else { iy };
            (ix % iy) as f64
        }
    };
    real(r)
}

/// Unary minus (SQLite compiles `-x` as `0 - x`).
pub fn negate(v: &Value) -> Value {
    arith(ArithOp::Subtract, &Value::Integer(0), v)
}

/// `lhs || rhs`: NULL if either is NULL, else the text of both (blob bytes as is).
pub fn concat(lhs: &Value, rhs: &Value) -> Value {
    match (value_text_cow(lhs), value_text_cow(rhs)) {
        (Some(a), Some(b)) => {
            let mut out = Vec::with_capacity(a.len() + b.len());
            out.extend_from_slice(&a);
            out.extend_from_slice(&b);
            Value::Text(out)
        }
        _ => Value::Null,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BitOp {
    And,
    Or,
    ShiftLeft,
    ShiftRight,
}

/// `lhs & rhs`, `lhs | rhs`, `lhs << rhs`, `lhs >> rhs` (negative shifts reverse direction).
pub fn bitwise(op: BitOp, lhs: &Value, rhs: &Value) -> Value {
    if lhs.is_null() || rhs.is_null() {
        return Value::Null;
    }
    let mut a = value_to_i64(lhs);
    let mut b = value_to_i64(rhs);
    let mut op = op;
    match op {
        BitOp::And => a &= b,
        BitOp::Or => a |= b,
        _ if b != 0 => {
            if b < 0 {
                op = if op == BitOp::ShiftLeft {
                    BitOp::ShiftRight
                } else {
                    BitOp::ShiftLeft
                };
                b = if b > -64 { -b } else { 64 };
            }
            if b >= 64 {
                a = if a >= 0 || op == BitOp::ShiftLeft {
                    0
                } else {
                    -1
                };
            } else if op == BitOp::ShiftLeft {
                a = ((a as u64) << b) as i64;
            } else {
                a >>= b; // arithmetic shift = SQLite's sign extension
            }
        }
        _ => {}
    }
    Value::Integer(a)
}

/// `~x`.
pub fn bit_not(v: &Value) -> Value {
    if v.is_null() {
        Value::Null
    } else {
        Value::Integer(!value_to_i64(v))
    }
}

/// `NOT x` (NULL stays NULL).
pub fn logical_not(v: &Value) -> Value {
    match super::text::is_true(v) {
        None => Value::Null,
        Some(b) => Value::Integer(!b as i64),
    }
}

/// `sqlite3MemCompare`: total order used by ORDER BY, min/max, and comparisons after affinity
/// (NULLs are equal to each other and less than everything).
pub fn mem_compare(a: &Value, b: &Value, coll: Option<CollFn>) -> Ordering {
    match coll {
        Some(c) => a.cmp_with(b, c),
        None => a.cmp_binary(b),
    }
}

/// Compare `lhs` with `rhs` as the comparison opcodes do after applying `aff` (the
/// comparison affinity the resolver chose; `None` = BLOB/no affinity). `None` if either side
/// is NULL.
pub fn compare(
    lhs: &Value,
    rhs: &Value,
    aff: Option<Affinity>,
    coll: Option<CollFn>,
) -> Option<Ordering> {
    if lhs.is_null() || rhs.is_null() {
        return None;
    }
    let (l, r) = match aff {
        Some(Affinity::Numeric | Affinity::Integer | Affinity::Real) => {
            let conv = |v: &Value| match v {
                Value::Text(_) => numeric_value(v),
                other => other.clone(),
            };
            (conv(lhs), conv(rhs))
        }
        Some(Affinity::Text) => (
            apply_affinity(lhs.clone(), Affinity::Text),
            apply_affinity(rhs.clone(), Affinity::Text),
        ),
        _ => (lhs.clone(), rhs.clone()),
    };
    Some(mem_compare(&l, &r, coll))
}

#[cfg(test)]
mod tests {
    use super::*;
    fn i(x: i64) -> Value {
        Value::Integer(x)
    }
    #[test]
    fn arithmetic() {
        assert!(
            matches!(arith(ArithOp::Add, &i(i64::MAX), &i(1)), Value::Real(r) if r == 9.223372036854775808e18)
        );
        assert!(matches!(
            arith(ArithOp::Divide, &i(7), &i(2)),
            Value::Integer(3)
        ));
        assert!(matches!(arith(ArithOp::Divide, &i(7), &i(0)), Value::Null));
        assert!(matches!(
            arith(ArithOp::Divide, &i(i64::MIN), &i(-1)),
            Value::Real(_)
        ));
        assert!(
            matches!(arith(ArithOp::Remainder, &Value::Real(5.5), &i(2)), Value::Real(r) if r == 1.0)
        );
        assert!(matches!(
            arith(ArithOp::Remainder, &i(i64::MIN), &i(-1)),
            Value::Integer(0)
        ));
        assert!(matches!(
            arith(ArithOp::Add, &Value::text("3"), &Value::text("4")),
            Value::Integer(7)
        ));
        assert!(matches!(
            arith(ArithOp::Add, &Value::text("3.0"), &i(1)),
            Value::Real(r) if r == 4.0
        ));
        assert!(matches!(
            arith(ArithOp::Multiply, &Value::text("abc"), &i(1)),
            Value::Integer(0)
        ));
        assert!(matches!(negate(&i(i64::MIN)), Value::Real(_)));
        assert!(matches!(
            bitwise(BitOp::ShiftRight, &i(-16), &i(2)),
            Value::Integer(-4)
        ));
        assert!(matches!(
            bitwise(BitOp::ShiftLeft, &i(1), &i(-1)),
            Value::Integer(0)
        ));
        assert!(matches!(
            bitwise(BitOp::ShiftLeft, &i(1), &i(64)),
            Value::Integer(0)
        ));
        assert!(matches!(
            bitwise(BitOp::ShiftRight, &i(-1), &i(100)),
            Value::Integer(-1)
        ));
        assert_eq!(
            compare(&i(1), &Value::text("1"), Some(Affinity::Numeric), None),
            Some(Ordering::Equal)
        );
        assert_eq!(
            compare(&i(1), &Value::text("1"), None, None),
            Some(Ordering::Less)
        );
        assert_eq!(
            compare(&i(10), &Value::text("9"), Some(Affinity::Text), None),
            Some(Ordering::Less)
        );
        assert_eq!(compare(&Value::Null, &i(1), None, None), None);
    }
}
