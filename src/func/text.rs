//! Conversions between SQLite's storage classes, exactly as SQLite 3.40.1 does them. Other
//! layers (the VM, the C API) use these; they are the one place the rules live.
//!
//! - [`real_to_text`]: `%!.15g` rendering (`1.0`, `1.0e+20`, `-0.0` → `0.0`, `Inf`).
//! - [`atof`] / [`atoi64`]: `sqlite3AtoF` / `sqlite3Atoi64` (prefix parsing with SQLite's
//!   return codes), and the `value_to_*` accessors built on them (`sqlite3_value_int64`, …).
//! - [`apply_affinity`] (column/comparison affinity), [`cast`] (`CAST(x AS type)`),
//!   [`is_true`] (truthiness), [`numeric_value`] (`sqlite3_value_numeric_type`).
//!
//! Invariants: no function here panics on any byte string; text is treated as UTF-8 bytes but
//! never validated (SQLite stores invalid UTF-8 as given).

use super::f80::F80;
use super::printf::{format, PrintfArg};
use crate::value::Value;

/// Column affinity (`datatype3.html` §3), ordered like SQLite's `SQLITE_AFF_*` codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Affinity {
    Blob,
    Text,
    Numeric,
    Integer,
    Real,
}

impl Affinity {
    /// From the one-letter code used in affinity strings ('A'..'E'); anything else is BLOB.
    pub fn from_char(c: u8) -> Affinity {
        match c {
            b'B' | b'b' => Affinity::Text,
            b'C' | b'c' => Affinity::Numeric,
            b'D' | b'd' => Affinity::Integer,
            b'E' | b'e' => Affinity::Real,
            _ => Affinity::Blob,
        }
    }
    pub fn to_char(self) -> u8 {
        match self {
            Affinity::Blob => b'A',
            Affinity::Text => b'B',
            Affinity::Numeric => b'C',
            Affinity::Integer => b'D',
            Affinity::Real => b'E',
        }
    }
    /// Affinity of a declared column type (`datatype3.html` §3.1 rules, in order).
    pub fn from_decltype(decl: &str) -> Affinity {
        let d = decl.to_ascii_uppercase();
        if d.contains("INT") {
            Affinity::Integer
        } else if d.contains("CHAR") || d.contains("CLOB") || d.contains("TEXT") {
            Affinity::Text
        } else if d.contains("BLOB") || d.is_empty() {
            Affinity::Blob
        } else if d.contains("REAL") || d.contains("FLOA") || d.contains("DOUB") {
            Affinity::Real
        } else {
            Affinity::Numeric
        }
    }
}

/// SQLite's `sqlite3Isspace`: space, \t, \n, \v, \f, \r.
pub fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Integer → text.
pub fn i64_to_text(i: i64) -> String {
    i.to_string()
}

/// Real → text as SQLite renders it (`%!.15g`).
pub fn real_to_text(r: f64) -> String {
    match format(b"%!.15g", &[PrintfArg::Double(r)]) {
        Ok(b) => String::from_utf8(b).unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// SQLite's `doubleToInt64`: saturating conversion (NaN → 0).
pub fn double_to_i64(r: f64) -> i64 {
    if r.is_nan() {
        0
    } else if r <= i64::MIN as f64 {
        i64::MIN
    } else if r >= i64::MAX as f64 {
        i64::MAX
    } else {
        r as i64
    }
}

/// `sqlite3RealSameAsInt`: the real is exactly this (small enough) integer.
pub fn real_same_as_int(r: f64, i: i64) -> bool {
    let r2 = i as f64;
    r == 0.0 || (r.to_bits() == r2.to_bits() && (-2251799813685248..2251799813685248).contains(&i))
}

/// `sqlite3AtoF`. Returns the value of the longest numeric prefix (0.0 if none) and a code:
/// `1` the whole text (modulo surrounding spaces) is an integer literal, `2` (one of `.` or
/// exponent) / `3` (both) it is a real
/// literal, `-1` a numeric prefix followed by junk (real-looking),
/// `0` not a number.
pub fn atof(z: &[u8]) -> (f64, i32) {
    let n = z.len();
    let mut i = 0;
    let mut sign = 1i32;
    let mut s: i64 = 0;
    let mut d: i32 = 0;
    let mut esign = 1i32;
    let mut e: i32 = 0;
    let mut e_valid = true;
    let mut n_digit = 0;
    let mut e_type = 1;
    const LIM: i64 = (i64::MAX - 9) / 10;
    while i < n && is_space(z[i]) {
        i += 1;
    }
    if i >= n {
        return (0.0, 0);
    }
    if z[i] == b'-' {
        sign = -1;
        i += 1;
    } else if z[i] == b'+' {
        i += 1;
    }
    'parse: {
        while i < n && z[i].is_ascii_digit() {
            s = s * 10 + (z[i] - b'0') as i64;
            i += 1;
            n_digit += 1;
            if s >= LIM {
                while i < n && z[i].is_ascii_digit() {
                    i += 1;
                    d += 1;
                }
            }
        }
        if i >= n {
            break 'parse;
        }
        if z[i] == b'.' {
            i += 1;
            e_type += 1;
            while i < n && z[i].is_ascii_digit() {
                if s < LIM {
                    s = s * 10 + (z[i] - b'0') as i64;
                    d -= 1;
                    n_digit += 1;
                }
                i += 1;
            }
        }
        if i >= n {
            break 'parse;
        }
        if z[i] == b'e' || z[i] == b'E' {
            i += 1;
            e_valid = false;
            e_type += 1;
            if i >= n {
                break 'parse;
            }
            if z[i] == b'-' {
                esign = -1;
                i += 1;
            } else if z[i] == b'+' {
                i += 1;
            }
            while i < n && z[i].is_ascii_digit() {
                e = if e < 10000 {
                    e * 10 + (z[i] - b'0') as i32
                } else {
                    10000
                };
                i += 1;
                e_valid = true;
            }
        }
        while i < n && is_space(z[i]) {
            i += 1;
        }
    }
    // do_atof_calc
    let mut e = e * esign + d;
    let esign = if e < 0 {
        e = -e;
        -1
    } else {
        1
    };
    let result = if s == 0 {
        if sign < 0 && n_digit > 0 {
            -0.0
        } else {
            0.0
        }
    } else {
        while e > 0 {
            if esign > 0 {
                if s >= i64::MAX / 10 {
                    break;
                }
                s *= 10;
            } else {
                if s % 10 != 0 {
                    break;
                }
                s /= 10;
            }
            e -= 1;
        }
        let s = if sign < 0 { -s } else { s };
        if e == 0 {
            s as f64
        } else {
            let mut scale = F80::from_f64(1.0);
            let ten = F80::from_f64(10.0);
            let sl = F80::from_i64(s);
            if e > 307 {
                if e < 342 {
                    while e % 308 != 0 {
                        scale = scale.mul(ten);
                        e -= 1;
                    }
                    if esign < 0 {
                        let r = sl.div(scale).to_f64();
                        r / 1.0e308
                    } else {
                        let r = sl.mul(scale).to_f64();
                        r * 1.0e308
                    }
                } else if esign < 0 {
                    0.0 * s as f64
                } else {
                    f64::INFINITY * s as f64
                }
            } else {
                let e22 = F80::from_f64(1.0e22);
                while e % 22 != 0 {
                    scale = scale.mul(ten);
                    e -= 1;
                }
                while e > 0 {
                    scale = scale.mul(e22);
                    e -= 22;
                }
                if esign < 0 {
                    sl.div(scale).to_f64()
                } else {
                    sl.mul(scale).to_f64()
                }
            }
        }
    };
    let rc = if i == n && n_digit > 0 && e_valid && e_type > 0 {
        e_type
    } else if e_type >= 2 && (e_type == 3 || e_valid) && n_digit > 0 {
        -1
    } else {
        0
    };
    (result, rc)
}

/// `sqlite3Atoi64`. Returns the (saturated) value of the integer prefix and a code: `0` the
/// text is exactly an integer (modulo spaces) that fits, `1` extra text after the digits,
/// `2` too large, `3` exactly 9223372036854775808 (fits only if negative), `-1` no digits.
pub fn atoi64(z: &[u8]) -> (i64, i32) {
    let n = z.len();
    let mut i = 0;
    let mut neg = false;
    while i < n && is_space(z[i]) {
        i += 1;
    }
    if i < n {
        if z[i] == b'-' {
            neg = true;
            i += 1;
        } else if z[i] == b'+' {
            i += 1;
        }
    }
    let z_start = i;
    while i < n && z[i] == b'0' {
        i += 1;
    }
    let num = i;
    let mut u: u64 = 0;
    let mut j = num;
    while j < n && z[j].is_ascii_digit() {
        u = u.wrapping_mul(10).wrapping_add((z[j] - b'0') as u64);
        j += 1;
    }
    let ndig = j - num;
    let mut value: i64 = if u > i64::MAX as u64 {
        if neg {
            i64::MIN
        } else {
            i64::MAX
        }
    } else if neg {
        -(u as i64)
    } else {
        u as i64
    };
    let mut rc = 0;
    if ndig == 0 && z_start == num {
        rc = -1;
    } else if j < n && z[j..].iter().any(|&b| !is_space(b)) {
        rc = 1;
    }
    if ndig < 19 {
        return (value, rc);
    }
    let c = if ndig > 19 {
        std::cmp::Ordering::Greater
    } else {
        z[num..j].cmp(b"9223372036854775808".as_slice())
    };
    if c == std::cmp::Ordering::Less {
        return (value, rc);
    }
    value = if neg { i64::MIN } else { i64::MAX };
    if c == std::cmp::Ordering::Greater {
        (value, 2)
    } else if neg {
        (value, rc)
    } else {
        (value, 3)
    }
}

/// `sqlite3_value_int64`.
pub fn value_to_i64(v: &Value) -> i64 {
    match v {
        Value::Null => 0,
        Value::Integer(i) => *i,
        Value::Real(r) => double_to_i64(*r),
        Value::Text(t) | Value::Blob(t) => atoi64(t).0,
    }
}

/// `sqlite3_value_double`.
pub fn value_to_f64(v: &Value) -> f64 {
    match v {
        Value::Null => 0.0,
        Value::Integer(i) => *i as f64,
        Value::Real(r) => *r,
        Value::Text(t) | Value::Blob(t) => atof(t).0,
    }
}

/// `sqlite3_value_text` as bytes: `None` for NULL, the decimal rendering for numbers, the bytes
/// for text and blobs.
pub fn value_to_text(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::Null => None,
        Value::Integer(i) => Some(i.to_string().into_bytes()),
        Value::Real(r) => Some(real_to_text(*r).into_bytes()),
        Value::Text(t) | Value::Blob(t) => Some(t.clone()),
    }
}

/// Borrowing variant of [`value_to_text`]: avoids a copy for text and blobs.
pub fn value_text_cow(v: &Value) -> Option<std::borrow::Cow<'_, [u8]>> {
    use std::borrow::Cow;
    match v {
        Value::Null => None,
        Value::Integer(i) => Some(Cow::Owned(i.to_string().into_bytes())),
        Value::Real(r) => Some(Cow::Owned(real_to_text(*r).into_bytes())),
        Value::Text(t) | Value::Blob(t) => Some(Cow::Borrowed(t)),
    }
}

/// SQLite's `sqlite3VdbeIntegerAffinity` on a real: becomes an integer when that is exact and
/// not at the i64 bounds.
fn real_integer_affinity(r: f64) -> Value {
    let ix = double_to_i64(r);
    if r == ix as f64 && ix > i64::MIN && ix < i64::MAX {
        Value::Integer(ix)
    } else {
        Value::Real(r)
    }
}

/// `applyNumericAffinity`: text that looks like a number becomes one; `None` if it does not.
/// `try_for_int` turns an integral real into an integer (INTEGER/NUMERIC affinity).
fn numeric_from_text(t: &[u8], try_for_int: bool) -> Option<Value> {
    let (r, rc) = atof(t);
    if rc <= 0 {
        return None;
    }
    if rc == 1 {
        let ir = double_to_i64(r);
        if real_same_as_int(r, ir) {
            return Some(Value::Integer(ir));
        }
        let (iv, irc) = atoi64(t);
        if irc == 0 {
            return Some(Value::Integer(iv));
        }
    }
    if try_for_int {
        Some(real_integer_affinity(r))
    } else {
        Some(Value::Real(r))
    }
}

/// Apply a column (or comparison) affinity, with the *observable* result SQLite gives:
/// - NUMERIC / INTEGER: numeric-looking text becomes INTEGER (or REAL if not integral);
///   an integral REAL becomes INTEGER.
/// - REAL: numeric-looking text and integers become REAL (SQLite may store an integral real
///   as an integer in the record, but it reads back as REAL; this function returns REAL).
/// - TEXT: numbers become their text rendering. BLOB: unchanged. NULL and blobs never change.
pub fn apply_affinity(v: Value, aff: Affinity) -> Value {
    match aff {
        Affinity::Blob => v,
        Affinity::Text => match v {
            Value::Integer(_) | Value::Real(_) => {
                Value::Text(value_to_text(&v).unwrap_or_default())
            }
            other => other,
        },
        Affinity::Numeric | Affinity::Integer => match v {
            Value::Text(ref t) => numeric_from_text(t, true).unwrap_or(v),
            Value::Real(r) => real_integer_affinity(r),
            other => other,
        },
        Affinity::Real => match v {
            Value::Text(ref t) => match numeric_from_text(t, true) {
                Some(Value::Integer(i)) => Value::Real(i as f64),
                Some(x) => x,
                None => v,
            },
            Value::Integer(i) => Value::Real(i as f64),
            other => other,
        },
    }
}

/// `sqlite3_value_numeric_type` conversion: text that looks numeric becomes INTEGER or REAL
/// (no integral-real-to-integer step); everything else unchanged.
pub fn numeric_value(v: &Value) -> Value {
    match v {
        Value::Text(t) => numeric_from_text(t, false).unwrap_or_else(|| v.clone()),
        other => other.clone(),
    }
}

/// `CAST(v AS <affinity>)` (`sqlite3VdbeMemCast`). NULL stays NULL.
pub fn cast(v: Value, aff: Affinity) -> Value {
    match (&v, aff) {
        (Value::Null, _) => v,
        (Value::Blob(_), Affinity::Blob) => v,
        (_, Affinity::Blob) => match value_to_text(&v) {
            Some(t) => Value::Blob(t),
            None => Value::Null,
        },
        (_, Affinity::Text) => match v {
            Value::Text(_) => v,
            Value::Blob(b) => Value::Text(b),
            other => Value::Text(value_to_text(&other).unwrap_or_default()),
        },
        (_, Affinity::Integer) => Value::Integer(value_to_i64(&v)),
        (_, Affinity::Real) => Value::Real(value_to_f64(&v)),
        (Value::Integer(_) | Value::Real(_), Affinity::Numeric) => v,
        (Value::Text(t) | Value::Blob(t), Affinity::Numeric) => {
            // sqlite3VdbeMemNumerify
            let (r, rc) = atof(t);
            let (ix, irc) = atoi64(t);
            if (rc == 0 || rc == 1) && irc <= 1 {
                Value::Integer(ix)
            } else {
                let ix2 = double_to_i64(r);
                if real_same_as_int(r, ix2) {
                    Value::Integer(ix2)
                } else {
                    Value::Real(r)
                }
            }
        }
    }
}

/// Truthiness (`sqlite3VdbeBooleanValue`): `None` for NULL.
pub fn is_true(v: &Value) -> Option<bool> {
    match v {
        Value::Null => None,
        Value::Integer(i) => Some(*i != 0),
        other => Some(value_to_f64(other) != 0.0),
    }
}

/// Number of characters in UTF-8 text as SQLite counts them (bytes that are not continuation
/// bytes), stopping at the first NUL.
pub fn utf8_char_count(t: &[u8]) -> usize {
    t.iter()
        .take_while(|&&b| b != 0)
        .filter(|&&b| b & 0xc0 != 0x80)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_rendering() {
        assert_eq!(real_to_text(1e20), "1.0e+20");
        assert_eq!(real_to_text(0.1), "0.1");
        assert_eq!(real_to_text(1.0 / 3.0), "0.333333333333333");
        assert_eq!(real_to_text(100.0), "100.0");
        assert_eq!(real_to_text(1e-7), "1.0e-07");
        assert_eq!(real_to_text(-0.0), "0.0");
        assert_eq!(real_to_text(-1.5), "-1.5");
        assert_eq!(real_to_text(9.223372036854776e18), "9.22337203685478e+18");
    }

    #[test]
    fn atof_codes() {
        assert_eq!(atof(b"12"), (12.0, 1));
        assert_eq!(atof(b" 3.5 "), (3.5, 2));
        assert_eq!(atof(b"1e3"), (1000.0, 2));
        assert_eq!(atof(b"1.5e3"), (1500.0, 3));
        assert_eq!(atof(b"1e"), (1.0, 0));
        assert_eq!(atof(b"12abc"), (12.0, 0));
        assert_eq!(atof(b"1.5x"), (1.5, -1));
        assert_eq!(atof(b""), (0.0, 0));
        assert_eq!(atof(b"."), (0.0, 0));
        assert_eq!(atof(b".5"), (0.5, 2));
        assert_eq!(atof(b"0.1").0, 0.1);
        assert_eq!(atof(b"1e400").0, f64::INFINITY);
        assert_eq!(atof(b"-1e-400").0, 0.0);
        assert_eq!(atof(b"2.2250738585072014e-308").0, 2.2250738585072014e-308);
        assert_eq!(atof(b"1.7976931348623157e308").0, f64::MAX);
    }

    #[test]
    fn atoi_codes() {
        assert_eq!(atoi64(b"12abc"), (12, 1));
        assert_eq!(atoi64(b" 12 "), (12, 0));
        assert_eq!(atoi64(b"abc"), (0, -1));
        assert_eq!(atoi64(b"9223372036854775808"), (i64::MAX, 3));
        assert_eq!(atoi64(b"-9223372036854775808"), (i64::MIN, 0));
        assert_eq!(atoi64(b"-9223372036854775809"), (i64::MIN, 2));
        assert_eq!(atoi64(b"99999999999999999999999"), (i64::MAX, 2));
    }

    #[test]
    fn decltype_affinity() {
        // The examples of datatype3.html §3.1.1.
        let cases = [
            ("INT", Affinity::Integer),
            ("INTEGER", Affinity::Integer),
            ("TINYINT", Affinity::Integer),
            ("UNSIGNED BIG INT", Affinity::Integer),
            ("FLOATING POINT", Affinity::Integer),
            ("CHARACTER(20)", Affinity::Text),
            ("VARCHAR(255)", Affinity::Text),
            ("NVARCHAR(100)", Affinity::Text),
            ("TEXT", Affinity::Text),
            ("CLOB", Affinity::Text),
            ("BLOB", Affinity::Blob),
            ("", Affinity::Blob),
            ("REAL", Affinity::Real),
            ("DOUBLE PRECISION", Affinity::Real),
            ("FLOAT", Affinity::Real),
            ("NUMERIC", Affinity::Numeric),
            ("DECIMAL(10,5)", Affinity::Numeric),
            ("BOOLEAN", Affinity::Numeric),
            ("DATETIME", Affinity::Numeric),
            ("STRING", Affinity::Numeric),
        ];
        for (d, a) in cases {
            assert_eq!(Affinity::from_decltype(d), a, "{d}");
            assert_eq!(Affinity::from_char(a.to_char()), a);
        }
    }

    #[test]
    fn casts() {
        let t = |s: &str| Value::text(s);
        assert!(matches!(
            cast(t("12abc"), Affinity::Integer),
            Value::Integer(12)
        ));
        assert!(matches!(
            cast(t("1e3"), Affinity::Integer),
            Value::Integer(1)
        ));
        assert!(matches!(
            cast(t(" 1e3x"), Affinity::Numeric),
            Value::Integer(1000)
        ));
        assert!(matches!(
            cast(t("1.0"), Affinity::Numeric),
            Value::Integer(1)
        ));
        assert!(matches!(cast(t("1e18"), Affinity::Numeric), Value::Real(_)));
        assert!(matches!(
            cast(t("-0"), Affinity::Numeric),
            Value::Integer(0)
        ));
        assert!(matches!(
            cast(Value::Real(1e19), Affinity::Integer),
            Value::Integer(i64::MAX)
        ));
        assert!(
            matches!(cast(Value::Integer(12), Affinity::Blob), Value::Blob(ref b) if b == b"12")
        );
        assert!(matches!(
            apply_affinity(t("1.0"), Affinity::Integer),
            Value::Integer(1)
        ));
        assert!(matches!(apply_affinity(t("1.5"), Affinity::Numeric), Value::Real(r) if r == 1.5));
        assert!(matches!(apply_affinity(t("1"), Affinity::Real), Value::Real(r) if r == 1.0));
        assert!(matches!(
            apply_affinity(t("x1"), Affinity::Numeric),
            Value::Text(_)
        ));
        assert!(
            matches!(apply_affinity(Value::Integer(5), Affinity::Text), Value::Text(ref b) if b == b"5")
        );
        assert_eq!(is_true(&t("0.5")), Some(true));
        assert_eq!(is_true(&t("abc")), Some(false));
        assert_eq!(is_true(&Value::Null), None);
    }
}
