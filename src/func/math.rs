//! Math functions (`lang_mathfunc.html`), as SQLite 3.40.1 builds them with
//! `SQLITE_ENABLE_MATH_FUNCTIONS`: arguments must be numeric (INTEGER, REAL, or text that looks
//! like a number) or the result is NULL; a NaN result is NULL. `ceil`/`floor`/`trunc` keep
//! integers as integers. Results come from the platform libm (as SQLite's do).

use super::scalar::arg;
use super::text::numeric_value;
use super::FuncContext;
use crate::error::Result;
use crate::value::Value;

/// Numeric value of an argument as SQLite's `sqlite3_value_numeric_type` sees it.
fn num(v: &Value) -> Option<Value> {
    match numeric_value(v) {
        x @ (Value::Integer(_) | Value::Real(_)) => Some(x),
        _ => None,
    }
}

fn as_f64(v: &Value) -> f64 {
    match v {
        Value::Integer(i) => *i as f64,
        Value::Real(r) => *r,
        _ => 0.0,
    }
}

/// A real result; NaN becomes NULL as in `sqlite3_result_double`.
pub(crate) fn real(r: f64) -> Value {
    if r.is_nan() {
        Value::Null
    } else {
        Value::Real(r)
    }
}

fn math1(a: &[Value], f: fn(f64) -> f64) -> Result<Value> {
    Ok(match num(arg(a, 0)) {
        Some(v) => real(f(as_f64(&v))),
        None => Value::Null,
    })
}

fn math2(a: &[Value], f: fn(f64, f64) -> f64) -> Result<Value> {
    Ok(match (num(arg(a, 0)), num(arg(a, 1))) {
        (Some(x), Some(y)) => real(f(as_f64(&x), as_f64(&y))),
        _ => Value::Null,
    })
}

fn int_or(a: &[Value], f: fn(f64) -> f64) -> Result<Value> {
    Ok(match num(arg(a, 0)) {
        Some(Value::Integer(i)) => Value::Integer(i),
        Some(v) => real(f(as_f64(&v))),
        None => Value::Null,
    })
}

macro_rules! m1 {
    ($name:ident, $f:expr) => {
        pub fn $name(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
            math1(a, $f)
        }
    };
}

m1!(acos, f64::acos);
m1!(asin, f64::asin);
m1!(atan, f64::atan);
m1!(acosh, glibc_acosh);
m1!(asinh, glibc_asinh);
m1!(atanh, glibc_atanh);

// Rust's std computes acosh/asinh/atanh with its own formulas; SQLite gets glibc's. These are
// glibc's algorithms on top of libm's log/log1p/sqrt, so the results agree bit for bit.
const LN2: f64 = std::f64::consts::LN_2;

fn glibc_acosh(x: f64) -> f64 {
    if x < 1.0 || x.is_nan() {
        f64::NAN
    } else if x >= 268435456.0 {
        if x.is_infinite() {
            x
        } else {
            x.ln() + LN2
        }
    } else if x == 1.0 {
        0.0
    } else if x > 2.0 {
        let t = x * x;
        (2.0 * x - 1.0 / (x + (t - 1.0).sqrt())).ln()
    } else {
        let t = x - 1.0;
        (t + (2.0 * t + t * t).sqrt()).ln_1p()
    }
}

fn glibc_asinh(x: f64) -> f64 {
    if x.is_nan() || x.is_infinite() {
        return x;
    }
    let xa = x.abs();
    if xa < 3.725290298461914e-9 {
        return x;
    }
    let w = if xa > 268435456.0 {
        xa.ln() + LN2
    } else if xa > 2.0 {
        (2.0 * xa + 1.0 / ((xa * xa + 1.0).sqrt() + xa)).ln()
    } else {
        let t = xa * xa;
        (xa + t / (1.0 + (1.0 + t).sqrt())).ln_1p()
    };
    w.copysign(x)
}

fn glibc_atanh(x: f64) -> f64 {
    let xa = x.abs();
    let t;
    if xa < 0.5 {
        if xa < 3.725290298461914e-9 {
            return x;
        }
        let t2 = xa + xa;
        t = 0.5 * (t2 + t2 * xa / (1.0 - xa)).ln_1p();
    } else if xa < 1.0 {
        t = 0.5 * ((xa + xa) / (1.0 - xa)).ln_1p();
    } else if xa > 1.0 || x.is_nan() {
        return f64::NAN;
    } else {
        return x / 0.0;
    }
    t.copysign(x)
}
m1!(cos, f64::cos);
m1!(sin, f64::sin);
m1!(tan, f64::tan);
m1!(cosh, f64::cosh);
m1!(sinh, f64::sinh);
m1!(tanh, f64::tanh);
m1!(exp, f64::exp);
m1!(sqrt, f64::sqrt);
m1!(degrees, |x| x * (180.0 / std::f64::consts::PI));
m1!(radians, |x| x * (std::f64::consts::PI / 180.0));

pub fn ceil(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    int_or(a, f64::ceil)
}
pub fn floor(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    int_or(a, f64::floor)
}
pub fn trunc(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    int_or(a, f64::trunc)
}

pub fn atan2(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    math2(a, f64::atan2)
}
pub fn pow(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    math2(a, f64::powf)
}
pub fn fmod(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    math2(a, |x, y| x % y)
}

pub fn pi(_: &mut FuncContext, _: &[Value]) -> Result<Value> {
    Ok(Value::Real(std::f64::consts::PI))
}

/// log(X) (base 10), ln(X), log10(X), log2(X) and log(B, X): non-positive inputs and bases
/// whose log is not positive give NULL, as in SQLite's `logFunc`.
fn log_impl(a: &[Value], kind: u8) -> Result<Value> {
    let x = match num(arg(a, 0)) {
        Some(v) => as_f64(&v),
        None => return Ok(Value::Null),
    };
    if x <= 0.0 {
        return Ok(Value::Null);
    }
    let ans = if a.len() >= 2 {
        let b = x.ln();
        if b <= 0.0 {
            return Ok(Value::Null);
        }
        let x2 = super::text::value_to_f64(arg(a, 1));
        if x2 <= 0.0 {
            return Ok(Value::Null);
        }
        x2.ln() / b
    } else {
        match kind {
            // SQLite divides the natural log (it does not call log10/log2).
            1 => x.ln() / std::f64::consts::LN_10,
            2 => x.ln() / std::f64::consts::LN_2,
            _ => x.ln(),
        }
    };
    Ok(real(ans))
}

pub fn ln(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    log_impl(a, 0)
}
pub fn log10(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    log_impl(a, 1)
}
pub fn log2(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    log_impl(a, 2)
}
