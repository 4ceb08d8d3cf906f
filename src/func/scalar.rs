//! Core scalar functions (`lang_corefunc.html`) with SQLite 3.40.1's exact edge cases.
//!
//! Every function takes already-evaluated arguments (the resolver has checked the argument
//! count) and never panics on any input: argument access goes through [`arg`], which yields
//! NULL for a missing argument.

use super::collation::binary_cmp;
use super::like::{glob_match, like_match, utf8_read, MAX_PATTERN_LEN};
use super::printf::{format, PrintfArg, MAX_LEN};
use super::text::{
    is_true, real_to_text, utf8_char_count, value_text_cow, value_to_f64, value_to_i64,
};
use super::FuncContext;
use crate::error::{codes::SQLITE_TOOBIG, Error, Result};
use crate::value::Value;
use std::cmp::Ordering;

static NULL: Value = Value::Null;

/// Argument `i`, or NULL when absent.
pub(crate) fn arg(args: &[Value], i: usize) -> &Value {
    args.get(i).unwrap_or(&NULL)
}

/// `sqlite3_value_int`: the low 32 bits of the 64-bit value.
pub(crate) fn value_int(v: &Value) -> i32 {
    value_to_i64(v) as i32
}

pub(crate) fn too_big() -> Error {
    Error::code(SQLITE_TOOBIG)
}

/// Compare with the function's collation (BINARY when none).
pub(crate) fn coll_cmp(ctx: &FuncContext, a: &Value, b: &Value) -> Ordering {
    match &ctx.collation {
        Some(c) => a.cmp_with(b, &|x: &[u8], y: &[u8]| c(x, y)),
        None => a.cmp_with(b, &binary_cmp),
    }
}

pub fn abs(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    Ok(match arg(a, 0) {
        Value::Null => Value::Null,
        Value::Integer(i) => {
            if *i == i64::MIN {
                return Err(Error::sql("integer overflow"));
            }
            Value::Integer(i.abs())
        }
        other => {
            // `if( rVal<0 ) rVal = -rVal;`: -0.0 stays -0.0 (f64::abs would clear the sign).
            let r = value_to_f64(other);
            Value::Real(if r < 0.0 { -r } else { r })
        }
    })
}

pub fn changes(ctx: &mut FuncContext, _: &[Value]) -> Result<Value> {
    Ok(Value::Integer(ctx.changes))
}

pub fn total_changes(ctx: &mut FuncContext, _: &[Value]) -> Result<Value> {
    Ok(Value::Integer(ctx.total_changes))
}

pub fn last_insert_rowid(ctx: &mut FuncContext, _: &[Value]) -> Result<Value> {
    Ok(Value::Integer(ctx.last_insert_rowid))
}

/// Append the UTF-8 encoding of `c` as SQLite writes it (no surrogate check).
pub(crate) fn push_utf8(out: &mut Vec<u8>, c: u32) {
    if c < 0x80 {
        out.push(c as u8);
    } else if c < 0x800 {
        out.push(0xC0 | (c >> 6) as u8);
        out.push(0x80 | (c & 0x3F) as u8);
    } else if c < 0x10000 {
        out.push(0xE0 | (c >> 12) as u8);
        out.push(0x80 | ((c >> 6) & 0x3F) as u8);
        out.push(0x80 | (c & 0x3F) as u8);
    } else {
        out.push(0xF0 | ((c >> 18) & 0x07) as u8);
        out.push(0x80 | ((c >> 12) & 0x3F) as u8);
        out.push(0x80 | ((c >> 6) & 0x3F) as u8);
        out.push(0x80 | (c & 0x3F) as u8);
    }
}

pub fn char_fn(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    let mut out = Vec::with_capacity(a.len());
    for v in a {
        let x = value_to_i64(v);
        let c = if !(0..=0x10ffff).contains(&x) {
            0xfffd
        } else {
            x as u32
        };
        push_utf8(&mut out, c);
    }
    Ok(Value::Text(out))
}

pub fn coalesce(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    Ok(a.iter()
        .find(|v| !v.is_null())
        .cloned()
        .unwrap_or(Value::Null))
}

pub fn printf(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    let fmt = match value_text_cow(arg(a, 0)) {
        Some(f) => f,
        None => return Ok(Value::Null),
    };
    let args: Vec<PrintfArg> = a.iter().skip(1).map(PrintfArg::Val).collect();
    // A result over the length limit is NULL, as SQLite's failed string accumulator gives.
    match format(&fmt, &args) {
        Ok(t) => Ok(Value::Text(t)),
        Err(e) if e.code == SQLITE_TOOBIG => Ok(Value::Null),
        Err(e) => Err(e),
    }
}

/// Escape character for `like(P,S,E)`: must be exactly one character.
fn like_escape(v: &Value) -> Result<Option<Option<u32>>> {
    match value_text_cow(v) {
        None => Ok(None),
        Some(e) => {
            if utf8_char_count(&e) != 1 {
                return Err(Error::sql("ESCAPE expression must be a single character"));
            }
            Ok(Some(Some(utf8_read(&e).0)))
        }
    }
}

fn pattern_len_check(p: &Value) -> Result<()> {
    let n = match p {
        Value::Text(t) | Value::Blob(t) => t.len(),
        Value::Null => 0,
        other => value_text_cow(other).map(|t| t.len()).unwrap_or(0),
    };
    if n > MAX_PATTERN_LEN {
        return Err(Error::sql("LIKE or GLOB pattern too complex"));
    }
    Ok(())
}

/// Debian's SQLite is built with SQLITE_LIKE_DOESNT_MATCH_BLOBS (`sqlite_compileoption_used`
/// says 1): LIKE and GLOB with a BLOB pattern or subject are false, before anything else.
fn blob_operand(a: &[Value]) -> bool {
    matches!(arg(a, 0), Value::Blob(_)) || matches!(arg(a, 1), Value::Blob(_))
}

pub fn like(ctx: &mut FuncContext, a: &[Value]) -> Result<Value> {
    if blob_operand(a) {
        return Ok(Value::Integer(0));
    }
    pattern_len_check(arg(a, 0))?;
    let escape = if a.len() >= 3 {
        match like_escape(arg(a, 2))? {
            None => return Ok(Value::Null),
            Some(e) => e,
        }
    } else {
        None
    };
    let (p, s) = match (value_text_cow(arg(a, 0)), value_text_cow(arg(a, 1))) {
        (Some(p), Some(s)) => (p, s),
        _ => return Ok(Value::Null),
    };
    Ok(Value::Integer(
        like_match(&p, &s, escape, ctx.case_sensitive_like) as i64,
    ))
}

pub fn glob(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    if blob_operand(a) {
        return Ok(Value::Integer(0));
    }
    pattern_len_check(arg(a, 0))?;
    let (p, s) = match (value_text_cow(arg(a, 0)), value_text_cow(arg(a, 1))) {
        (Some(p), Some(s)) => (p, s),
        _ => return Ok(Value::Null),
    };
    Ok(Value::Integer(glob_match(&p, &s) as i64))
}

pub(crate) fn hex_upper(bytes: &[u8]) -> Vec<u8> {
    const H: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(H[(b >> 4) as usize]);
        out.push(H[(b & 15) as usize]);
    }
    out
}

pub fn hex(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    let b = value_text_cow(arg(a, 0)).unwrap_or_default();
    Ok(Value::Text(hex_upper(&b)))
}

pub fn iif(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    Ok(if is_true(arg(a, 0)) == Some(true) {
        arg(a, 1).clone()
    } else {
        arg(a, 2).clone()
    })
}

pub fn instr(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    let (h, n) = (arg(a, 0), arg(a, 1));
    if h.is_null() || n.is_null() {
        return Ok(Value::Null);
    }
    let is_text = !(matches!(h, Value::Blob(_)) && matches!(n, Value::Blob(_)));
    let hay = value_text_cow(h).unwrap_or_default();
    let needle = value_text_cow(n).unwrap_or_default();
    let (hay, needle): (&[u8], &[u8]) = (&hay, &needle);
    let mut pos = 1i64;
    if !needle.is_empty() {
        let mut i = 0usize;
        loop {
            if needle.len() > hay.len() - i {
                pos = 0;
                break;
            }
            if hay[i..].starts_with(needle) {
                break;
            }
            pos += 1;
            i += 1;
            while is_text && i < hay.len() && hay[i] & 0xc0 == 0x80 {
                i += 1;
            }
        }
    }
    Ok(Value::Integer(pos))
}

/// The bytes before the first NUL (what `sqlite3_value_text` shows to C string code).
pub(crate) fn cut_nul(t: &[u8]) -> &[u8] {
    match t.iter().position(|&b| b == 0) {
        Some(p) => &t[..p],
        None => t,
    }
}

pub fn length(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    Ok(match arg(a, 0) {
        Value::Null => Value::Null,
        Value::Blob(b) => Value::Integer(b.len() as i64),
        Value::Text(t) => Value::Integer(utf8_char_count(t) as i64),
        other => Value::Integer(value_text_cow(other).map(|t| t.len()).unwrap_or(0) as i64),
    })
}

pub fn likely(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    Ok(arg(a, 0).clone())
}

pub fn likelihood(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    let p = arg(a, 1);
    let ok = match p {
        Value::Real(r) => (0.0..=1.0).contains(r),
        Value::Integer(i) => (0..=1).contains(i),
        _ => false,
    };
    if !ok {
        return Err(Error::sql(
            "second argument to likelihood() must be a constant between 0.0 and 1.0",
        ));
    }
    Ok(arg(a, 0).clone())
}

fn map_ascii(a: &[Value], upper: bool) -> Result<Value> {
    Ok(match value_text_cow(arg(a, 0)) {
        None => Value::Null,
        Some(t) => Value::Text(if upper {
            t.to_ascii_uppercase()
        } else {
            t.to_ascii_lowercase()
        }),
    })
}

pub fn lower(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    map_ascii(a, false)
}

pub fn upper(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    map_ascii(a, true)
}

/// trim/ltrim/rtrim: `flags` 1 = left, 2 = right.
fn trim_impl(a: &[Value], flags: u8) -> Result<Value> {
    let s = match arg(a, 0) {
        Value::Null => return Ok(Value::Null),
        v => value_text_cow(v).unwrap_or_default(),
    };
    let s: &[u8] = &s;
    let chars: Vec<&[u8]> = if a.len() < 2 {
        vec![b" ".as_slice()]
    } else {
        match value_text_cow(arg(a, 1)) {
            None => return Ok(Value::Null),
            Some(set) => {
                let set = cut_nul(&set).to_vec();
                let mut out: Vec<Vec<u8>> = Vec::new();
                let mut i = 0;
                while i < set.len() {
                    let (_, n) = utf8_read(&set[i..]);
                    let n = n.max(1);
                    out.push(set[i..(i + n).min(set.len())].to_vec());
                    i += n;
                }
                return Ok(Value::Text(trim_with(
                    s,
                    &out.iter().map(|v| v.as_slice()).collect::<Vec<_>>(),
                    flags,
                )));
            }
        }
    };
    Ok(Value::Text(trim_with(s, &chars, flags)))
}

fn trim_with(s: &[u8], chars: &[&[u8]], flags: u8) -> Vec<u8> {
    let mut lo = 0usize;
    let mut hi = s.len();
    if chars.is_empty() {
        return s.to_vec();
    }
    if flags & 1 != 0 {
        'outer: while lo < hi {
            for c in chars {
                if !c.is_empty() && s[lo..hi].starts_with(c) {
                    lo += c.len();
                    continue 'outer;
                }
            }
            break;
        }
    }
    if flags & 2 != 0 {
        'outer2: while hi > lo {
            for c in chars {
                if !c.is_empty() && s[lo..hi].ends_with(c) {
                    hi -= c.len();
                    continue 'outer2;
                }
            }
            break;
        }
    }
    s[lo..hi].to_vec()
}

pub fn trim(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    trim_impl(a, 3)
}
pub fn ltrim(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    trim_impl(a, 1)
}
pub fn rtrim(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    trim_impl(a, 2)
}

fn minmax(ctx: &FuncContext, a: &[Value], want_max: bool) -> Result<Value> {
    // SQLite's minmaxFunc: on ties min() takes the later argument, max() keeps the earlier.
    let mut best = 0usize;
    for (i, v) in a.iter().enumerate() {
        if v.is_null() {
            return Ok(Value::Null);
        }
        if i > 0 {
            let c = coll_cmp(ctx, &a[best], v);
            if (want_max && c == Ordering::Less) || (!want_max && c != Ordering::Less) {
                best = i;
            }
        }
    }
    Ok(a.get(best).cloned().unwrap_or(Value::Null))
}

pub fn max_scalar(ctx: &mut FuncContext, a: &[Value]) -> Result<Value> {
    minmax(ctx, a, true)
}
pub fn min_scalar(ctx: &mut FuncContext, a: &[Value]) -> Result<Value> {
    minmax(ctx, a, false)
}

pub fn nullif(ctx: &mut FuncContext, a: &[Value]) -> Result<Value> {
    let (x, y) = (arg(a, 0), arg(a, 1));
    if coll_cmp(ctx, x, y) != Ordering::Equal {
        Ok(x.clone())
    } else {
        Ok(Value::Null)
    }
}

/// SQL literal for a value (`quote()`, also used for `.dump`-style output).
pub fn quote_value(v: &Value) -> Vec<u8> {
    match v {
        Value::Null => b"NULL".to_vec(),
        Value::Integer(i) => i.to_string().into_bytes(),
        Value::Real(r) => {
            let s = real_to_text(*r);
            let (back, _) = super::text::atof(s.as_bytes());
            if back == *r || (back.is_nan() && r.is_nan()) {
                s.into_bytes()
            } else {
                format(b"%!.20e", &[PrintfArg::Double(*r)]).unwrap_or_default()
            }
        }
        Value::Text(t) => {
            let t = cut_nul(t);
            let mut out = Vec::with_capacity(t.len() + 2);
            out.push(b'\'');
            for &b in t {
                out.push(b);
                if b == b'\'' {
                    out.push(b'\'');
                }
            }
            out.push(b'\'');
            out
        }
        Value::Blob(b) => {
            let mut out = b"X'".to_vec();
            out.extend_from_slice(&hex_upper(b));
            out.push(b'\'');
            out
        }
    }
}

pub fn quote(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    Ok(Value::Text(quote_value(arg(a, 0))))
}

/// Process-wide pseudo-random generator (xorshift64*), seeded from the OS once.
pub(crate) fn random_u64() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering as AO};
    static STATE: AtomicU64 = AtomicU64::new(0);
    let mut s = STATE.load(AO::Relaxed);
    if s == 0 {
        let mut seed = [0u8; 8];
        let ok = std::fs::File::open("/dev/urandom")
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut seed))
            .is_ok();
        s = u64::from_le_bytes(seed);
        if !ok || s == 0 {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0x9E37_79B9_7F4A_7C15);
            s = t | 1;
        }
    }
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    STATE.store(s, AO::Relaxed);
    s.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

pub fn random(_: &mut FuncContext, _: &[Value]) -> Result<Value> {
    let mut r = random_u64() as i64;
    if r < 0 {
        r = -(r & i64::MAX);
    }
    Ok(Value::Integer(r))
}

pub fn randomblob(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    let n = value_to_i64(arg(a, 0)).max(1);
    if n as u64 > MAX_LEN as u64 {
        return Err(too_big());
    }
    let mut out = Vec::with_capacity(n as usize);
    while out.len() < n as usize {
        let r = random_u64().to_le_bytes();
        let take = (n as usize - out.len()).min(8);
        out.extend_from_slice(&r[..take]);
    }
    Ok(Value::Blob(out))
}

pub fn replace(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    let s = match value_text_cow(arg(a, 0)) {
        None => return Ok(Value::Null),
        Some(s) => s,
    };
    let pat = match value_text_cow(arg(a, 1)) {
        None => return Ok(Value::Null),
        Some(p) => p,
    };
    if pat.first().copied().unwrap_or(0) == 0 {
        return Ok(arg(a, 0).clone());
    }
    let pat: &[u8] = &pat;
    let rep = match value_text_cow(arg(a, 2)) {
        None => return Ok(Value::Null),
        Some(r) => r,
    };
    let s: &[u8] = &s;
    let rep: &[u8] = &rep;
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i..].starts_with(pat) {
            out.extend_from_slice(rep);
            i += pat.len();
        } else {
            out.push(s[i]);
            i += 1;
        }
        if out.len() > MAX_LEN {
            return Err(too_big());
        }
    }
    Ok(Value::Text(out))
}

pub fn round(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    let mut n = 0i32;
    if a.len() >= 2 {
        if arg(a, 1).is_null() {
            return Ok(Value::Null);
        }
        n = value_int(arg(a, 1)).clamp(0, 30);
    }
    let x = arg(a, 0);
    if x.is_null() {
        return Ok(Value::Null);
    }
    let mut r = value_to_f64(x);
    if !(-4503599627370496.0..=4503599627370496.0).contains(&r) {
        // No fractional part (or NaN): nothing to round.
    } else if n == 0 {
        r = (r + if r < 0.0 { -0.5 } else { 0.5 }) as i64 as f64;
    } else {
        let s = format(b"%.*f", &[PrintfArg::Int(n as i64), PrintfArg::Double(r)])?;
        r = super::text::atof(&s).0;
    }
    Ok(Value::Real(r))
}

pub fn sign(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    let x = arg(a, 0);
    Ok(match x {
        Value::Null | Value::Blob(_) => Value::Null,
        Value::Integer(i) => Value::Integer(i.signum()),
        Value::Real(r) => Value::Integer(if *r > 0.0 {
            1
        } else if *r < 0.0 {
            -1
        } else {
            0
        }),
        Value::Text(_) => match super::text::numeric_value(x) {
            Value::Integer(i) => Value::Integer(i.signum()),
            Value::Real(r) => Value::Integer(if r > 0.0 {
                1
            } else if r < 0.0 {
                -1
            } else {
                0
            }),
            _ => Value::Null,
        },
    })
}

pub fn substr(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    if arg(a, 1).is_null() || (a.len() >= 3 && arg(a, 2).is_null()) {
        return Ok(Value::Null);
    }
    let x = arg(a, 0);
    if matches!(x, Value::Blob(b) if b.is_empty()) {
        // sqlite3_value_blob() of an empty blob is NULL, and substrFunc returns NULL then.
        return Ok(Value::Null);
    }
    let mut p1 = value_int(arg(a, 1)) as i64;
    let is_blob = matches!(x, Value::Blob(_));
    let data = match value_text_cow(x) {
        None => return Ok(Value::Null),
        Some(d) => d,
    };
    let z: &[u8] = if is_blob { &data } else { cut_nul(&data) };
    let mut len = 0i64;
    if is_blob {
        len = z.len() as i64;
    } else if p1 < 0 {
        len = utf8_char_count(z) as i64;
    }
    let mut neg_p2 = false;
    let mut p2: i64 = if a.len() >= 3 {
        let v = value_int(arg(a, 2)) as i64;
        if v < 0 {
            neg_p2 = true;
            -v
        } else {
            v
        }
    } else {
        MAX_LEN as i64
    };
    if p1 < 0 {
        p1 += len;
        if p1 < 0 {
            p2 += p1;
            if p2 < 0 {
                p2 = 0;
            }
            p1 = 0;
        }
    } else if p1 > 0 {
        p1 -= 1;
    } else if p2 > 0 {
        p2 -= 1;
    }
    if neg_p2 {
        p1 -= p2;
        if p1 < 0 {
            p2 += p1;
            p1 = 0;
        }
    }
    if !is_blob {
        let mut i = 0usize;
        let skip = |i: &mut usize| {
            let b = z[*i];
            *i += 1;
            if b >= 0xc0 {
                while *i < z.len() && z[*i] & 0xc0 == 0x80 {
                    *i += 1;
                }
            }
        };
        while i < z.len() && p1 > 0 {
            skip(&mut i);
            p1 -= 1;
        }
        let start = i;
        while i < z.len() && p2 > 0 {
            skip(&mut i);
            p2 -= 1;
        }
        Ok(Value::Text(z[start..i].to_vec()))
    } else {
        if p1 + p2 > len {
            p2 = (len - p1).max(0);
        }
        let start = (p1.max(0) as usize).min(z.len());
        let end = (start + p2.max(0) as usize).min(z.len());
        Ok(Value::Blob(z[start..end].to_vec()))
    }
}

pub fn typeof_fn(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    Ok(Value::text(match arg(a, 0) {
        Value::Null => "null",
        Value::Integer(_) => "integer",
        Value::Real(_) => "real",
        Value::Text(_) => "text",
        Value::Blob(_) => "blob",
    }))
}

pub fn unicode(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    match value_text_cow(arg(a, 0)) {
        Some(t) if t.first().is_some_and(|&b| b != 0) => Ok(Value::Integer(utf8_read(&t).0 as i64)),
        _ => Ok(Value::Null),
    }
}

pub fn zeroblob(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    let n = value_to_i64(arg(a, 0)).max(0);
    if n as u64 > MAX_LEN as u64 {
        return Err(too_big());
    }
    Ok(Value::Blob(vec![0u8; n as usize]))
}

pub fn sqlite_version(_: &mut FuncContext, _: &[Value]) -> Result<Value> {
    Ok(Value::text("3.40.1"))
}

pub fn sqlite_source_id(_: &mut FuncContext, _: &[Value]) -> Result<Value> {
    Ok(Value::text(
        "2022-12-28 14:03:47 df5c253c0b3dd24916e4ec7cf77d3db5294cc9fd",
    ))
}

pub fn epiloglite_version(_: &mut FuncContext, _: &[Value]) -> Result<Value> {
    Ok(Value::text(concat!(
        "EpilogLite ",
        env!("CARGO_PKG_VERSION")
    )))
}
