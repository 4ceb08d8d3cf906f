//! SQLite's printf engine (`sqlite3_str_vappendf`), shared by the SQL functions
//! `printf()`/`format()`, the real→text conversion (`%!.15g`) and the C API's
//! `sqlite3_mprintf` family.
//!
//! Entry point: [`format`] takes the format bytes and a slice of [`PrintfArg`]. Conversions
//! consume arguments left to right; a missing argument reads as 0 / 0.0 / NULL (the SQL
//! function's behaviour). An unknown conversion character stops formatting at that point
//! (SQLite does the same). For the C API, [`arg_kinds`] lists which `va_arg` type each
//! conversion of a format consumes, so a C shim can collect the arguments first.
//!
//! Floating point digits are produced exactly as SQLite does it, with 80-bit `long double`
//! arithmetic (emulated by [`super::f80::F80`]): at most 16 significant digits (26 with `!`),
//! the rest printed as `0`.
//!
//! Invariant: the output never exceeds [`MAX_LEN`] bytes; a larger result is `SQLITE_TOOBIG`.

use super::f80::F80;
use crate::error::{codes::SQLITE_TOOBIG, Error, Result};
use std::borrow::Cow;

/// SQLite's default `SQLITE_MAX_LENGTH`.
pub const MAX_LEN: usize = 1_000_000_000;

/// One argument for [`format`].
#[derive(Clone, Copy, Debug)]
pub enum PrintfArg<'a> {
    Int(i64),
    Double(f64),
    /// `None` is a NULL pointer (prints as `""`, `(NULL)` for `%q`, `NULL` for `%Q`).
    Str(Option<&'a [u8]>),
    Ptr(usize),
    /// An SQL value, converted per conversion as `sqlite3_value_int64` / `_double` / `_text`
    /// would (the SQL `printf()` function's semantics).
    Val(&'a crate::value::Value),
}

/// What a conversion consumes (for a C shim reading a `va_list`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgKind {
    /// `int` (or `long` / `long long` per `long_level` 0/1/2); `signed` for `%d %i`.
    /// The shim passes it as `PrintfArg::Int`, sign-extending signed values and
    /// zero-extending unsigned ones (so `%u` of an `int` -1 prints 4294967295, as in C).
    Int {
        long_level: u8,
        signed: bool,
    },
    Double,
    /// `char*`
    Str,
    /// `char*` from `sqlite3_malloc` that the C caller's printf frees (`%z`).
    DynStr,
    /// `void*` (`%p`)
    Ptr,
    /// `int*` that receives the output length so far (`%n`; see [`format_counting`]).
    Size,
    /// `%c` in C: an `unsigned int` code point.
    Char,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Decimal,
    Radix,
    Float,
    Exp,
    Generic,
    Size,
    String,
    DynString,
    Percent,
    CharX,
    SqlEscape,
    SqlEscape2,
    SqlEscape3,
    Pointer,
    Ordinal,
    Invalid,
}

struct Info {
    base: u8,
    signed: bool,
    kind: Kind,
    charset: usize,
    prefix: usize,
}

const DIGITS: &[u8] = b"0123456789ABCDEF0123456789abcdef";
const PREFIX: &[u8] = b"-x0\0X0\0";

fn info(c: u8) -> Info {
    let i = |base, signed, kind, charset, prefix| Info {
        base,
        signed,
        kind,
        charset,
        prefix,
    };
    match c {
        b'd' | b'i' => i(10, true, Kind::Decimal, 0, 0),
        b's' => i(0, false, Kind::String, 0, 0),
        b'g' => i(0, true, Kind::Generic, 30, 0),
        b'z' => i(0, false, Kind::DynString, 0, 0),
        b'q' => i(0, false, Kind::SqlEscape, 0, 0),
        b'Q' => i(0, false, Kind::SqlEscape2, 0, 0),
        b'w' => i(0, false, Kind::SqlEscape3, 0, 0),
        b'c' => i(0, false, Kind::CharX, 0, 0),
        b'o' => i(8, false, Kind::Radix, 0, 2),
        b'u' => i(10, false, Kind::Decimal, 0, 0),
        b'x' => i(16, false, Kind::Radix, 16, 1),
        b'X' => i(16, false, Kind::Radix, 0, 4),
        b'f' => i(0, true, Kind::Float, 0, 0),
        b'e' => i(0, true, Kind::Exp, 30, 0),
        b'E' => i(0, true, Kind::Exp, 14, 0),
        b'G' => i(0, true, Kind::Generic, 14, 0),
        b'n' => i(0, false, Kind::Size, 0, 0),
        b'%' => i(0, false, Kind::Percent, 0, 0),
        b'p' => i(16, false, Kind::Pointer, 0, 1),
        b'r' => i(10, true, Kind::Ordinal, 0, 0),
        _ => i(0, false, Kind::Invalid, 0, 0),
    }
}

struct Args<'a, 'b> {
    args: &'b [PrintfArg<'a>],
    used: usize,
}

impl<'a, 'b> Args<'a, 'b> {
    fn next(&mut self) -> Option<PrintfArg<'a>> {
        let a = self.args.get(self.used).copied();
        if a.is_some() {
            self.used += 1;
        }
        a
    }
    fn int(&mut self) -> i64 {
        match self.next() {
            Some(PrintfArg::Int(i)) => i,
            Some(PrintfArg::Double(d)) => super::text::double_to_i64(d),
            Some(PrintfArg::Str(Some(s))) => super::text::atoi64(s).0,
            Some(PrintfArg::Ptr(p)) => p as i64,
            Some(PrintfArg::Val(v)) => super::text::value_to_i64(v),
            _ => 0,
        }
    }
    fn double(&mut self) -> f64 {
        match self.next() {
            Some(PrintfArg::Int(i)) => i as f64,
            Some(PrintfArg::Double(d)) => d,
            Some(PrintfArg::Str(Some(s))) => super::text::atof(s).0,
            Some(PrintfArg::Ptr(p)) => p as f64,
            Some(PrintfArg::Val(v)) => super::text::value_to_f64(v),
            _ => 0.0,
        }
    }
    fn text(&mut self) -> Option<Cow<'a, [u8]>> {
        match self.next() {
            Some(PrintfArg::Str(s)) => s.map(|s| Cow::Borrowed(cstr(s))),
            Some(PrintfArg::Val(v)) => match super::text::value_text_cow(v)? {
                Cow::Borrowed(b) => Some(Cow::Borrowed(cstr(b))),
                Cow::Owned(o) => Some(Cow::Owned(o)),
            },
            Some(PrintfArg::Int(i)) => Some(Cow::Owned(i.to_string().into_bytes())),
            Some(PrintfArg::Double(d)) => {
                Some(Cow::Owned(super::text::real_to_text(d).into_bytes()))
            }
            _ => None,
        }
    }
}

/// The bytes up to the first NUL (C string semantics).
fn cstr(s: &[u8]) -> &[u8] {
    match s.iter().position(|&b| b == 0) {
        Some(p) => &s[..p],
        None => s,
    }
}

fn too_big() -> Error {
    Error::code(SQLITE_TOOBIG)
}

struct Out {
    buf: Vec<u8>,
}

impl Out {
    fn push_n(&mut self, n: usize, c: u8) -> Result<()> {
        if self.buf.len().saturating_add(n) > MAX_LEN {
            return Err(too_big());
        }
        self.buf.resize(self.buf.len() + n, c);
        Ok(())
    }
    fn push(&mut self, s: &[u8]) -> Result<()> {
        if self.buf.len().saturating_add(s.len()) > MAX_LEN {
            return Err(too_big());
        }
        self.buf.extend_from_slice(s);
        Ok(())
    }
}

/// Parsed flags of one conversion.
#[derive(Default)]
struct Spec {
    left: bool,
    prefix: u8,
    alt: bool,
    alt2: bool,
    zeropad: bool,
    thousand: bool,
    long_level: u8,
    width: i64,
    precision: i64,
}

/// Format like SQLite's `sqlite3_str_appendf` with SQL-function argument semantics.
pub fn format(fmt: &[u8], args: &[PrintfArg]) -> Result<Vec<u8>> {
    format_counting(fmt, args, &mut Vec::new())
}

/// [`format`], also recording for each `%n` (in order) the output length at that point, which
/// a C caller stores through the `int*` it passed (SQLite writes `pAccum->nChar` there).
pub fn format_counting(fmt: &[u8], args: &[PrintfArg], sizes: &mut Vec<usize>) -> Result<Vec<u8>> {
    let mut out = Out { buf: Vec::new() };
    let mut a = Args { args, used: 0 };
    let mut i = 0usize;
    let n = fmt.len();
    let at = |i: usize| -> u8 { fmt.get(i).copied().unwrap_or(0) };
    while i < n {
        let c = at(i);
        if c == 0 {
            break;
        }
        if c != b'%' {
            let start = i;
            while i < n && fmt[i] != b'%' && fmt[i] != 0 {
                i += 1;
            }
            out.push(&fmt[start..i])?;
            continue;
        }
        i += 1;
        let mut c = at(i);
        if c == 0 {
            out.push(b"%")?;
            break;
        }
        let mut sp = Spec {
            precision: -1,
            ..Spec::default()
        };
        // Flags, width, precision (SQLite's loop, same quirks).
        loop {
            let mut done = false;
            match c {
                b'-' => sp.left = true,
                b'+' => sp.prefix = b'+',
                b' ' => sp.prefix = b' ',
                b'#' => sp.alt = true,
                b'!' => sp.alt2 = true,
                b'0' => sp.zeropad = true,
                b',' => sp.thousand = true,
                b'l' => {
                    sp.long_level = 1;
                    i += 1;
                    c = at(i);
                    if c == b'l' {
                        i += 1;
                        c = at(i);
                        sp.long_level = 2;
                    }
                    done = true;
                }
                b'1'..=b'9' => {
                    let mut wx: u32 = (c - b'0') as u32;
                    loop {
                        i += 1;
                        c = at(i);
                        if !c.is_ascii_digit() {
                            break;
                        }
                        wx = wx.wrapping_mul(10).wrapping_add((c - b'0') as u32);
                    }
                    sp.width = (wx & 0x7fff_ffff) as i64;
                    if c != b'.' && c != b'l' {
                        done = true;
                    } else {
                        i -= 1;
                    }
                }
                b'*' => {
                    let w = a.int() as i32;
                    sp.width = w as i64;
                    if w < 0 {
                        sp.left = true;
                        sp.width = if w >= -2147483647 { -(w as i64) } else { 0 };
                    }
                    let c1 = at(i + 1);
                    if c1 != b'.' && c1 != b'l' {
                        i += 1;
                        c = at(i);
                        done = true;
                    }
                }
                b'.' => {
                    i += 1;
                    c = at(i);
                    if c == b'*' {
                        let p = a.int() as i32;
                        sp.precision = p as i64;
                        if p < 0 {
                            sp.precision = if p >= -2147483647 { -(p as i64) } else { -1 };
                        }
                        i += 1;
                        c = at(i);
                    } else {
                        let mut px: u32 = 0;
                        while c.is_ascii_digit() {
                            px = px.wrapping_mul(10).wrapping_add((c - b'0') as u32);
                            i += 1;
                            c = at(i);
                        }
                        sp.precision = (px & 0x7fff_ffff) as i64;
                    }
                    if c == b'l' {
                        i -= 1;
                    } else {
                        done = true;
                    }
                }
                _ => done = true,
            }
            if done {
                break;
            }
            i += 1;
            c = at(i);
            if c == 0 {
                break;
            }
        }
        // `c` is the conversion character at fmt[i].
        let inf = info(c);
        if sp.width > MAX_LEN as i64 || sp.precision > MAX_LEN as i64 {
            return Err(too_big());
        }
        let mut body: Vec<u8> = Vec::new();
        let mut width = sp.width;
        match inf.kind {
            Kind::Invalid => return Ok(out.buf),
            Kind::Percent => body.push(b'%'),
            Kind::Size => {
                // C callers pass an `int*` for %n (see `arg_kinds`); it is consumed and the
                // count recorded in `sizes` for the caller to store. SQL `printf()` passes none.
                if let Some(PrintfArg::Ptr(_)) = a.args.get(a.used) {
                    a.used += 1;
                    sizes.push(out.buf.len());
                }
                width = 0;
            }
            Kind::Decimal | Kind::Radix | Kind::Pointer | Kind::Ordinal => {
                let thousand = sp.thousand && inf.kind == Kind::Decimal;
                let mut prefix = 0u8;
                let longvalue: u64 = if inf.signed {
                    let v = a.int();
                    if v < 0 {
                        prefix = b'-';
                        v.unsigned_abs()
                    } else {
                        prefix = sp.prefix;
                        v as u64
                    }
                } else {
                    a.int() as u64
                };
                let mut alt = sp.alt;
                if longvalue == 0 {
                    alt = false;
                }
                let mut precision = sp.precision;
                if sp.zeropad && precision < width - (prefix != 0) as i64 {
                    precision = width - (prefix != 0) as i64;
                }
                // Digits, least significant first.
                let mut rev: Vec<u8> = Vec::new();
                if inf.kind == Kind::Ordinal {
                    let x = longvalue % 10;
                    let suffix: &[u8; 2] = if x >= 4 || (longvalue / 10) % 10 == 1 {
                        b"th"
                    } else {
                        match x {
                            1 => b"st",
                            2 => b"nd",
                            3 => b"rd",
                            _ => b"th",
                        }
                    };
                    rev.push(suffix[1]);
                    rev.push(suffix[0]);
                }
                let digits_start = rev.len();
                let base = inf.base.max(2) as u64;
                let mut v = longvalue;
                loop {
                    rev.push(DIGITS[inf.charset + (v % base) as usize]);
                    v /= base;
                    if v == 0 {
                        break;
                    }
                }
                let mut length = (rev.len()) as i64;
                while precision > length {
                    rev.push(b'0');
                    length += 1;
                }
                let mut digits: Vec<u8> = rev[digits_start..].iter().rev().copied().collect();
                if thousand {
                    let len = digits.len();
                    let mut d2 = Vec::with_capacity(len + len / 3);
                    for (k, &ch) in digits.iter().enumerate() {
                        if k > 0 && (len - k) % 3 == 0 {
                            d2.push(b',');
                        }
                        d2.push(ch);
                    }
                    digits = d2;
                }
                // SQLite builds right to left: digits, sign, then "0x"/"0" (radix only).
                if alt && inf.prefix != 0 {
                    let mut pre: Vec<u8> = PREFIX
                        .get(inf.prefix..)
                        .unwrap_or(&[])
                        .iter()
                        .copied()
                        .take_while(|&x| x != 0)
                        .collect();
                    pre.reverse();
                    body.extend_from_slice(&pre);
                }
                if prefix != 0 {
                    body.push(prefix);
                }
                body.extend_from_slice(&digits);
                body.extend(rev[..digits_start].iter().rev());
            }
            Kind::Float | Kind::Exp | Kind::Generic => {
                let v = a.double();
                let (b, has_prefix, finite) = fmt_float(v, inf.kind, inf.charset, &sp)?;
                body = b;
                if finite && sp.zeropad && !sp.left && (body.len() as i64) < width {
                    let npad = (width - body.len() as i64) as usize;
                    let at = has_prefix as usize;
                    body.splice(at..at, std::iter::repeat(b'0').take(npad));
                }
            }
            Kind::CharX => {
                let mut ch: Vec<u8> = Vec::new();
                // C callers pass `%c` an integer code point; SQL passes a value whose first
                // character is used.
                let t = if let Some(PrintfArg::Int(code)) = a.args.get(a.used).copied() {
                    a.used += 1;
                    let c = char::from_u32(code as u32).unwrap_or('\u{fffd}');
                    let mut b = [0u8; 4];
                    Some(Cow::Owned(c.encode_utf8(&mut b).as_bytes().to_vec()))
                } else {
                    a.text()
                };
                match t.as_deref() {
                    Some(s) => {
                        if let Some(&b0) = s.first() {
                            ch.push(b0);
                            if b0 & 0xc0 == 0xc0 {
                                let mut k = 1;
                                while ch.len() < 4 {
                                    match s.get(k) {
                                        Some(&b) if b & 0xc0 == 0x80 => {
                                            ch.push(b);
                                            k += 1;
                                        }
                                        _ => break,
                                    }
                                }
                            }
                        } else {
                            ch.push(0);
                        }
                    }
                    None => ch.push(0),
                }
                let mut precision = sp.precision;
                if precision > 1 {
                    width -= precision - 1;
                    if width > 1 && !sp.left {
                        out.push_n((width - 1) as usize, b' ')?;
                        width = 0;
                    }
                    out.push(&ch)?;
                    precision -= 1;
                    while precision > 1 {
                        out.push(&ch)?;
                        precision -= 1;
                    }
                }
                body = ch;
                width = adjust_width_utf8(&body, width);
            }
            Kind::String | Kind::DynString => {
                let st = a.text().unwrap_or(Cow::Borrowed(b""));
                let s: &[u8] = &st;
                let len = if sp.precision >= 0 {
                    if sp.alt2 {
                        let mut z = 0usize;
                        let mut p = sp.precision;
                        while p > 0 && z < s.len() {
                            p -= 1;
                            z = skip_utf8(s, z);
                        }
                        z
                    } else {
                        (sp.precision as usize).min(s.len())
                    }
                } else {
                    s.len()
                };
                body = s[..len].to_vec();
                if sp.alt2 {
                    width = adjust_width_utf8(&body, width);
                }
            }
            Kind::SqlEscape | Kind::SqlEscape2 | Kind::SqlEscape3 => {
                let q = if inf.kind == Kind::SqlEscape3 {
                    b'"'
                } else {
                    b'\''
                };
                let arg = a.text();
                let isnull = arg.is_none();
                let esc: &[u8] = match &arg {
                    Some(s) => s,
                    None if inf.kind == Kind::SqlEscape2 => b"NULL",
                    None => b"(NULL)",
                };
                let mut k = sp.precision;
                let mut idx = 0usize;
                while k != 0 && idx < esc.len() {
                    let ch = esc[idx];
                    if sp.alt2 && ch & 0xc0 == 0xc0 {
                        while esc.get(idx + 1).is_some_and(|&b| b & 0xc0 == 0x80) {
                            idx += 1;
                        }
                    }
                    idx += 1;
                    k -= 1;
                }
                let idx = idx.min(esc.len());
                let need_quote = !isnull && inf.kind == Kind::SqlEscape2;
                if need_quote {
                    body.push(q);
                }
                for &ch in &esc[..idx] {
                    body.push(ch);
                    if ch == q {
                        body.push(ch);
                    }
                }
                if need_quote {
                    body.push(q);
                }
                if sp.alt2 {
                    width = adjust_width_utf8(&body, width);
                }
            }
        }
        let pad = width - body.len() as i64;
        if pad > 0 {
            if !sp.left {
                out.push_n(pad as usize, b' ')?;
            }
            out.push(&body)?;
            if sp.left {
                out.push_n(pad as usize, b' ')?;
            }
        } else {
            out.push(&body)?;
        }
        i += 1;
    }
    Ok(out.buf)
}

fn skip_utf8(s: &[u8], mut z: usize) -> usize {
    let b = s.get(z).copied().unwrap_or(0);
    z += 1;
    if b >= 0xc0 {
        while z < s.len() && s[z] & 0xc0 == 0x80 {
            z += 1;
        }
    }
    z
}

/// With the `!` flag, width counts characters: add one for each continuation byte.
fn adjust_width_utf8(body: &[u8], mut width: i64) -> i64 {
    if width > 0 {
        width += body.iter().filter(|&&b| b & 0xc0 == 0x80).count() as i64;
    }
    width
}

/// Round/scale constants SQLite uses (doubles promoted to long double).
const AR_ROUND: [f64; 10] = [
    5.0e-01, 5.0e-02, 5.0e-03, 5.0e-04, 5.0e-05, 5.0e-06, 5.0e-07, 5.0e-08, 5.0e-09, 5.0e-10,
];

fn getdigit(val: &mut F80, cnt: &mut i32) -> u8 {
    if *cnt <= 0 {
        return b'0';
    }
    *cnt -= 1;
    let digit = val.trunc_i64();
    let d = F80::from_i64(digit);
    *val = val.sub(d).mul(F80::from_f64(10.0));
    b'0' + (digit.clamp(0, 9) as u8)
}

/// `%f`, `%e`, `%g` (and `%E`, `%G`) exactly as SQLite 3.40.1's printf.
fn fmt_float(v: f64, kind: Kind, charset: usize, sp: &Spec) -> Result<(Vec<u8>, bool, bool)> {
    let mut precision = if sp.precision < 0 { 6 } else { sp.precision };
    let mut kind = kind;
    let f10 = F80::from_f64(10.0);
    let mut real = F80::from_f64(v);
    let prefix;
    if real.lt(F80::ZERO) {
        real = real.neg();
        prefix = b'-';
    } else {
        prefix = sp.prefix;
    }
    if kind == Kind::Generic && precision > 0 {
        precision -= 1;
    }
    let mut idx = precision & 0xfff;
    let mut rounder = F80::from_f64(AR_ROUND[(idx % 10) as usize]);
    while idx >= 10 {
        rounder = rounder.mul(F80::from_f64(1.0e-10));
        idx -= 10;
    }
    if kind == Kind::Float {
        let rx = real.to_f64();
        let u = rx.to_bits();
        let ex = -1023 + ((u >> 52) & 0x7ff) as i64;
        if precision + (ex / 3) < 15 {
            rounder = rounder.add(real.mul(F80::from_f64(3e-16)));
        }
        real = real.add(rounder);
    }
    let mut exp: i64 = 0;
    if real.is_nan() {
        return Ok((b"NaN".to_vec(), false, false));
    }
    if real.partial_cmp(&F80::ZERO) == Some(std::cmp::Ordering::Greater) {
        let mut scale = F80::from_f64(1.0);
        let e100 = F80::from_f64(1e100);
        let e10 = F80::from_f64(1e10);
        while real.ge(e100.mul(scale)) && exp <= 350 {
            scale = scale.mul(e100);
            exp += 100;
        }
        while real.ge(e10.mul(scale)) && exp <= 350 {
            scale = scale.mul(e10);
            exp += 10;
        }
        while real.ge(f10.mul(scale)) && exp <= 350 {
            scale = scale.mul(f10);
            exp += 1;
        }
        real = real.div(scale);
        let em8 = F80::from_f64(1e-8);
        let e8 = F80::from_f64(1e8);
        while real.lt(em8) {
            real = real.mul(e8);
            exp -= 8;
        }
        let one = F80::from_f64(1.0);
        while real.lt(one) {
            real = real.mul(f10);
            exp -= 1;
        }
        if exp > 350 {
            let mut b = Vec::new();
            if prefix != 0 {
                b.push(prefix);
            }
            b.extend_from_slice(b"Inf");
            return Ok((b, false, false));
        }
    }
    if kind != Kind::Float {
        real = real.add(rounder);
        if real.ge(f10) {
            real = real.mul(F80::from_f64(0.1));
            exp += 1;
        }
    }
    let flag_rtz;
    if kind == Kind::Generic {
        flag_rtz = !sp.alt;
        if exp < -4 || exp > precision {
            kind = Kind::Exp;
        } else {
            precision -= exp;
            kind = Kind::Float;
        }
    } else {
        flag_rtz = sp.alt2;
    }
    let mut e2 = if kind == Kind::Exp { 0 } else { exp };
    if (e2.max(0) + precision) as usize > MAX_LEN {
        return Err(too_big());
    }
    let mut nsd: i32 = 16 + if sp.alt2 { 10 } else { 0 };
    let flag_dp = precision > 0 || sp.alt || sp.alt2;
    let mut b: Vec<u8> = Vec::new();
    if prefix != 0 {
        b.push(prefix);
    }
    let body_start = b.len();
    if e2 < 0 {
        b.push(b'0');
    } else {
        while e2 >= 0 {
            b.push(getdigit(&mut real, &mut nsd));
            e2 -= 1;
        }
    }
    if flag_dp {
        b.push(b'.');
    }
    e2 += 1;
    while e2 < 0 {
        b.push(b'0');
        precision -= 1;
        e2 += 1;
    }
    while precision > 0 {
        precision -= 1;
        b.push(getdigit(&mut real, &mut nsd));
    }
    if flag_rtz && flag_dp {
        while b.len() > body_start && b.last() == Some(&b'0') {
            b.pop();
        }
        if b.last() == Some(&b'.') {
            if sp.alt2 {
                b.push(b'0');
            } else {
                b.pop();
            }
        }
    }
    if kind == Kind::Exp {
        b.push(DIGITS[charset]);
        let mut e = exp;
        if e < 0 {
            b.push(b'-');
            e = -e;
        } else {
            b.push(b'+');
        }
        if e >= 100 {
            b.push(b'0' + (e / 100) as u8);
            e %= 100;
        }
        b.push(b'0' + (e / 10) as u8);
        b.push(b'0' + (e % 10) as u8);
    }
    Ok((b, prefix != 0, true))
}

/// The `va_arg` types a format consumes, in order (for the C API's variadic shim).
/// Stops at the first invalid conversion, as [`format`] does.
pub fn arg_kinds(fmt: &[u8]) -> Vec<ArgKind> {
    let mut kinds = Vec::new();
    let mut i = 0;
    let at = |i: usize| fmt.get(i).copied().unwrap_or(0);
    while i < fmt.len() && at(i) != 0 {
        if at(i) != b'%' {
            i += 1;
            continue;
        }
        i += 1;
        let mut long_level = 0u8;
        loop {
            let c = at(i);
            match c {
                b'-' | b'+' | b' ' | b'#' | b'!' | b'0' | b',' | b'.' => i += 1,
                b'1'..=b'9' => i += 1,
                b'*' => {
                    kinds.push(ArgKind::Int {
                        long_level: 0,
                        signed: true,
                    });
                    i += 1
                }
                b'l' => {
                    long_level += 1;
                    i += 1
                }
                _ => break,
            }
        }
        let c = at(i);
        let k = match info(c).kind {
            Kind::Decimal | Kind::Radix | Kind::Ordinal => Some(ArgKind::Int {
                long_level: long_level.min(2),
                signed: info(c).signed,
            }),
            Kind::Pointer => Some(ArgKind::Ptr),
            Kind::Float | Kind::Exp | Kind::Generic => Some(ArgKind::Double),
            Kind::DynString => Some(ArgKind::DynStr),
            Kind::String | Kind::SqlEscape | Kind::SqlEscape2 | Kind::SqlEscape3 => {
                Some(ArgKind::Str)
            }
            Kind::CharX => Some(ArgKind::Char),
            Kind::Size => Some(ArgKind::Size),
            Kind::Percent => None,
            Kind::Invalid => return kinds,
        };
        if let Some(k) = k {
            kinds.push(k);
        }
        if c == 0 {
            break;
        }
        i += 1;
    }
    kinds
}

#[cfg(test)]
mod tests {
    use super::*;
    fn f(fmt: &str, args: &[PrintfArg]) -> String {
        String::from_utf8(format(fmt.as_bytes(), args).unwrap()).unwrap()
    }
    use PrintfArg::*;

    #[test]
    fn arg_kinds_for_c_shim() {
        use ArgKind as K;
        assert_eq!(
            arg_kinds(b"%d %lld %5.2f %s %*d %q %c %p %% %x %.*s"),
            vec![
                K::Int {
                    long_level: 0,
                    signed: true
                },
                K::Int {
                    long_level: 2,
                    signed: true
                },
                K::Double,
                K::Str,
                K::Int {
                    long_level: 0,
                    signed: true
                },
                K::Int {
                    long_level: 0,
                    signed: true
                },
                K::Str,
                K::Char,
                K::Ptr,
                K::Int {
                    long_level: 0,
                    signed: false
                },
                K::Int {
                    long_level: 0,
                    signed: true
                },
                K::Str,
            ]
        );
        // Formatting stops at an unknown conversion, and so does the argument list.
        assert_eq!(
            arg_kinds(b"%d %y %s"),
            vec![K::Int {
                long_level: 0,
                signed: true
            }]
        );
        // C-style arguments: %c takes a code point, %s a NUL-terminated string.
        assert_eq!(
            f(
                "%c|%s|%n%p|%lu",
                &[
                    PrintfArg::Int(0xe9),
                    PrintfArg::Str(Some(b"ab\0cd")),
                    PrintfArg::Ptr(0),
                    PrintfArg::Ptr(255),
                    PrintfArg::Int(-1)
                ]
            ),
            "\u{e9}|ab|FF|18446744073709551615"
        );
    }

    #[test]
    fn floats_like_sqlite() {
        let g = |x: f64| f("%!.15g", &[Double(x)]);
        assert_eq!(g(1e20), "1.0e+20");
        assert_eq!(g(0.1), "0.1");
        assert_eq!(g(1.0 / 3.0), "0.333333333333333");
        assert_eq!(g(100.0), "100.0");
        assert_eq!(g(1e-7), "1.0e-07");
        assert_eq!(g(1e15), "1.0e+15");
        assert_eq!(g(123456789012345678.0), "1.23456789012346e+17");
        assert_eq!(g(-0.0), "0.0");
        assert_eq!(g(0.0001), "0.0001");
        assert_eq!(g(f64::INFINITY), "Inf");
        assert_eq!(g(f64::NEG_INFINITY), "-Inf");
        assert_eq!(
            f("%!.20e", &[Double(1.0 / 3.0)]),
            "3.33333333333333314829e-01"
        );
        assert_eq!(f("%!.20e", &[Double(0.1)]), "1.00000000000000005551e-01");
        assert_eq!(f("%.20f", &[Double(0.1)]), "0.10000000000000000000");
        assert_eq!(f("%.2f", &[Double(2.675)]), "2.68");
        assert_eq!(
            f(
                "%.0f %.0f %.0e %#.0f %g %g %g %!g %#g",
                &[
                    Double(0.5),
                    Double(1.5),
                    Double(15.0),
                    Double(3.0),
                    Double(100000.0),
                    Double(1e6),
                    Double(1e15),
                    Double(1e15),
                    Double(1.5)
                ]
            ),
            "1 2 2e+01 3. 100000 1e+06 1e+15 1.0e+15 1.50000"
        );
    }

    #[test]
    fn mixed_conversions_like_sqlite() {
        let got = f(
            "%d|%5.2f|%-5s|%05d|%x|%X|%o|%#x|%,d|%e|%g|%G|%c|%q|%Q|%w|%z|%%|%s|%10.3s|",
            &[
                Int(42),
                Double(3.14159),
                Str(Some(b"ab")),
                Int(-42),
                Int(255),
                Int(255),
                Int(8),
                Int(255),
                Int(1234567),
                Double(1234.5),
                Double(0.0001),
                Double(1e-10),
                Str(Some(b"hello")),
                Str(Some(b"it's")),
                Str(None),
                Str(Some(b"a\"b")),
                Str(Some(b"zz")),
                Str(None),
                Str(Some(b"abcdef")),
            ],
        );
        assert_eq!(got, "42| 3.14|ab   |-0042|ff|FF|10|0xff|1,234,567|1.234500e+03|0.0001|1E-10|h|it''s|NULL|a\"\"b|zz|%||       abc|");
        assert_eq!(
            f(
                "%5c|%.3c|%!.3s|%r|%y|after",
                &[
                    Str(Some(b"xyz")),
                    Str(Some(b"q")),
                    Str(Some("h\u{e9}llo".as_bytes())),
                    Int(3)
                ]
            ),
            "    x|qqq|h\u{e9}l|3rd|"
        );
        assert_eq!(f("%lld %p %n %i", &[Int(5), Int(255), Int(1)]), "5 FF  1");
    }
}
