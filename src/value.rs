//! SQL values: SQLite's five storage classes.
//!
//! Text is kept as bytes, because SQLite stores whatever bytes a caller binds as text (it is
//! *meant* to be UTF-8 but is not validated); functions that need `str` convert lossily.
//!
//! Ordering between values of different classes follows SQLite (`datatype3.html` §4.1):
//! NULL < INTEGER/REAL (compared numerically) < TEXT (by collation) < BLOB (memcmp).

use std::cmp::Ordering;

/// Storage class codes as `sqlite3_column_type` reports them.
pub const SQLITE_INTEGER: i32 = 1;
pub const SQLITE_FLOAT: i32 = 2;
pub const SQLITE_TEXT: i32 = 3;
pub const SQLITE_BLOB: i32 = 4;
pub const SQLITE_NULL: i32 = 5;

#[derive(Clone, Debug, Default)]
pub enum Value {
    #[default]
    Null,
    Integer(i64),
    Real(f64),
    /// UTF-8 by convention, not validated.
    Text(Vec<u8>),
    Blob(Vec<u8>),
}

impl Value {
    pub fn text(s: &str) -> Value {
        Value::Text(s.as_bytes().to_vec())
    }

    /// `sqlite3_value_type` code.
    pub fn type_code(&self) -> i32 {
        match self {
            Value::Null => SQLITE_NULL,
            Value::Integer(_) => SQLITE_INTEGER,
            Value::Real(_) => SQLITE_FLOAT,
            Value::Text(_) => SQLITE_TEXT,
            Value::Blob(_) => SQLITE_BLOB,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Rank of the storage class in SQLite's cross-class ordering.
    fn class_rank(&self) -> u8 {
        match self {
            Value::Null => 0,
            Value::Integer(_) | Value::Real(_) => 1,
            Value::Text(_) => 2,
            Value::Blob(_) => 3,
        }
    }

    /// Compare two values as SQLite does with the BINARY collation (no affinity applied).
    /// NULLs compare equal to each other here (callers handle SQL's NULL semantics).
    pub fn cmp_binary(&self, other: &Value) -> Ordering {
        self.cmp_with(other, &|a: &[u8], b: &[u8]| a.cmp(b))
    }

    /// Compare with a text collation function.
    pub fn cmp_with(&self, other: &Value, coll: &dyn Fn(&[u8], &[u8]) -> Ordering) -> Ordering {
        match (self, other) {
            (Value::Integer(a), Value::Integer(b)) => a.cmp(b),
            (Value::Real(a), Value::Real(b)) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
            (Value::Integer(a), Value::Real(b)) => int_real_cmp(*a, *b),
            (Value::Real(a), Value::Integer(b)) => int_real_cmp(*b, *a).reverse(),
            (Value::Text(a), Value::Text(b)) => coll(a, b),
            (Value::Blob(a), Value::Blob(b)) => a.cmp(b),
            _ => self.class_rank().cmp(&other.class_rank()),
        }
    }
}

/// Compare an integer with a real exactly (no precision loss for large integers).
pub fn int_real_cmp(i: i64, r: f64) -> Ordering {
    if r.is_nan() {
        return Ordering::Greater;
    }
    if r < -9223372036854775808.0 {
        return Ordering::Greater;
    }
    if r >= 9223372036854775808.0 {
        return Ordering::Less;
    }
    let ri = r as i64;
    match i.cmp(&ri) {
        Ordering::Equal => {
            let frac = r - (ri as f64);
            if frac > 0.0 {
                Ordering::Less
            } else if frac < 0.0 {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        }
        o => o,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn cross_class_order() {
        let v = [
            Value::Null,
            Value::Integer(-5),
            Value::Real(1.5),
            Value::Integer(2),
            Value::text("a"),
            Value::Blob(vec![0]),
        ];
        for w in v.windows(2) {
            assert_eq!(
                w[0].cmp_binary(&w[1]),
                Ordering::Less,
                "{:?} < {:?}",
                w[0],
                w[1]
            );
        }
        assert_eq!(
            int_real_cmp(i64::MAX, 9223372036854775807.0),
            Ordering::Less
        );
    }
}
