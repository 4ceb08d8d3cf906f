//! SQLite's printf (`sqlite3_str_vappendf`) over an already-fetched argument list.
//!
//! The C shim (`varargs.c`) walks the `va_list` with the same format grammar as [`format`] and
//! stores each argument as an [`Arg`]; this module formats. Invariants:
//! 1. The grammar (flags `-+ #!0,`, width / precision with `*`, `l`/`ll`, conversions
//!    `d i u x X o c s z q Q w f e E g G p n % r`) is identical in both walkers, so the i-th
//!    fetched argument is the one the i-th conversion consumes.
//! 2. A missing or mistyped argument formats as 0 / NULL, never panics.
//! 3. As in SQLite, an unknown conversion character stops formatting.

use std::os::raw::c_char;

/// One fetched argument.
#[derive(Clone, Copy, Debug)]
pub enum Arg {
    /// `int` (sign-extended; unsigned conversions use the low 32 bits).
    Int(i64),
    /// `long` / `long long`.
    Int64(i64),
    Double(f64),
    Ptr(*const c_char),
}

struct Args<'a> {
    a: &'a [Arg],
    i: usize,
}
impl Args<'_> {
    fn next(&mut self) -> Option<Arg> {
        let r = self.a.get(self.i).copied();
        self.i += 1;
        r
    }
    fn int(&mut self) -> i64 {
        match self.next() {
            Some(Arg::Int(v)) | Some(Arg::Int64(v)) => v,
            Some(Arg::Double(d)) => d as i64,
            Some(Arg::Ptr(p)) => p as i64,
            None => 0,
        }
    }
    fn uint(&mut self) -> u64 {
        match self.next() {
            Some(Arg::Int(v)) => v as u32 as u64,
            Some(Arg::Int64(v)) => v as u64,
            Some(Arg::Double(d)) => d as u64,
            Some(Arg::Ptr(p)) => p as u64,
            None => 0,
        }
    }
    fn double(&mut self) -> f64 {
        match self.next() {
            Some(Arg::Double(d)) => d,
            Some(Arg::Int(v)) | Some(Arg::Int64(v)) => v as f64,
            _ => 0.0,
        }
    }
    fn ptr(&mut self) -> *const c_char {
        match self.next() {
            Some(Arg::Ptr(p)) => p,
            _ => std::ptr::null(),
        }
    }
}

/// Bytes of a C string (empty for NULL).
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string (the printf contract).
unsafe fn cbytes<'a>(p: *const c_char) -> Option<&'a [u8]> {
    if p.is_null() {
        None
    } else {
        // SAFETY: caller guarantees a NUL-terminated string.
        Some(unsafe { std::ffi::CStr::from_ptr(p) }.to_bytes())
    }
}

const MAX_PREC: i64 = 100_000_000;

/// Format `fmt` with `args`, appending to `out`. `%z` arguments are freed with `sqlite3_free`.
///
/// # Safety
/// Pointer arguments must be what the conversions say (C strings for `%s %z %q %Q %w`, an
/// `int*` for `%n`), as for C's printf.
pub unsafe fn format(out: &mut Vec<u8>, fmt: &[u8], args: &[Arg]) {
    let mut a = Args { a: args, i: 0 };
    let mut i = 0usize;
    let at = |i: usize| fmt.get(i).copied().unwrap_or(0);
    while i < fmt.len() {
        let c = at(i);
        if c != b'%' {
            let start = i;
            while i < fmt.len() && at(i) != b'%' {
                i += 1;
            }
            out.extend_from_slice(&fmt[start..i]);
            continue;
        }
        i += 1;
        if i >= fmt.len() {
            out.push(b'%');
            break;
        }
        let (mut left, mut plus, mut blank, mut alt, mut alt2, mut zero, mut thousand) =
            (false, false, false, false, false, false, false);
        loop {
            match at(i) {
                b'-' => left = true,
                b'+' => plus = true,
                b' ' => blank = true,
                b'#' => alt = true,
                b'!' => alt2 = true,
                b'0' => zero = true,
                b',' => thousand = true,
                _ => break,
            }
            i += 1;
        }
        let mut width: i64;
        if at(i) == b'*' {
            let w = a.int() as i32 as i64;
            if w < 0 {
                left = true;
                width = if w >= -2147483647 { -w } else { 0 };
            } else {
                width = w;
            }
            i += 1;
        } else {
            let mut wx: u64 = 0;
            while at(i).is_ascii_digit() {
                wx = wx.wrapping_mul(10).wrapping_add((at(i) - b'0') as u64);
                i += 1;
            }
            width = (wx & 0x7fff_ffff) as i64;
        }
        let mut precision: i64 = -1;
        if at(i) == b'.' {
            i += 1;
            if at(i) == b'*' {
                let p = a.int() as i32 as i64;
                precision = if p < 0 {
                    if p >= -2147483647 {
                        -p
                    } else {
                        -1
                    }
                } else {
                    p
                };
                i += 1;
            } else {
                let mut px: u64 = 0;
                while at(i).is_ascii_digit() {
                    px = px.wrapping_mul(10).wrapping_add((at(i) - b'0') as u64);
                    i += 1;
                }
                precision = (px & 0x7fff_ffff) as i64;
            }
        }
        let mut long = 0;
        if at(i) == b'l' {
            long = 1;
            i += 1;
            if at(i) == b'l' {
                long = 2;
                i += 1;
            }
        }
        let conv = at(i);
        i += 1;
        let _ = long;
        width = width.min(MAX_PREC);
        precision = precision.min(MAX_PREC);
        let mut buf: Vec<u8> = Vec::new();
        // Whether width counts characters (UTF-8) rather than bytes.
        let mut width_in_chars = false;
        match conv {
            b'd' | b'i' | b'u' | b'x' | b'X' | b'o' | b'p' | b'r' => {
                let signed = matches!(conv, b'd' | b'i' | b'r');
                let (mut mag, prefix): (u64, Option<u8>) = if conv == b'p' {
                    (a.uint_ptr(), None)
                } else if signed {
                    let v = a.int();
                    if v < 0 {
                        (v.unsigned_abs(), Some(b'-'))
                    } else {
                        (
                            v as u64,
                            if plus {
                                Some(b'+')
                            } else if blank {
                                Some(b' ')
                            } else {
                                None
                            },
                        )
                    }
                } else {
                    (a.uint(), None)
                };
                let thousand = thousand && matches!(conv, b'd' | b'i' | b'u');
                let mut alt = alt;
                if mag == 0 {
                    alt = false;
                }
                if zero && precision < width - prefix.is_some() as i64 {
                    precision = width - prefix.is_some() as i64;
                }
                let (base, upper) = match conv {
                    b'x' | b'p' => (16u64, false),
                    b'X' => (16, true),
                    b'o' => (8, false),
                    _ => (10, false),
                };
                let orig = mag;
                let mut digits: Vec<u8> = Vec::new();
                loop {
                    let d = (mag % base) as u8;
                    digits.push(if d < 10 {
                        b'0' + d
                    } else if upper {
                        b'A' + d - 10
                    } else {
                        b'a' + d - 10
                    });
                    mag /= base;
                    if mag == 0 {
                        break;
                    }
                }
                digits.reverse();
                if conv == b'r' {
                    let x = orig % 100;
                    let suf: &[u8] = if (11..=13).contains(&x) {
                        b"th"
                    } else {
                        match orig % 10 {
                            1 => b"st",
                            2 => b"nd",
                            3 => b"rd",
                            _ => b"th",
                        }
                    };
                    digits.extend_from_slice(suf);
                }
                let mut body: Vec<u8> = Vec::new();
                let pad = precision - digits.len() as i64;
                for _ in 0..pad.max(0) {
                    body.push(b'0');
                }
                body.extend_from_slice(&digits);
                if thousand {
                    let n = body.len();
                    let mut t = Vec::with_capacity(n + n / 3);
                    for (k, &ch) in body.iter().enumerate() {
                        if k > 0 && (n - k) % 3 == 0 {
                            t.push(b',');
                        }
                        t.push(ch);
                    }
                    body = t;
                }
                if let Some(p) = prefix {
                    buf.push(p);
                }
                if alt {
                    match conv {
                        b'o' => buf.push(b'0'),
                        b'x' | b'p' => buf.extend_from_slice(b"0x"),
                        b'X' => buf.extend_from_slice(b"0X"),
                        _ => {}
                    }
                }
                buf.extend_from_slice(&body);
            }
            b'f' | b'e' | b'E' | b'g' | b'G' => {
                let v = a.double();
                buf = fmt_float(v, conv, precision, plus, blank, alt, alt2);
                if zero && !left && (buf.len() as i64) < width {
                    let signed = matches!(buf.first(), Some(b'-' | b'+' | b' '));
                    let n = (width - buf.len() as i64) as usize;
                    let at_ = signed as usize;
                    let zeros = vec![b'0'; n];
                    buf.splice(at_..at_, zeros);
                }
            }
            b'n' => {
                let p = a.ptr() as *mut std::os::raw::c_int;
                if !p.is_null() {
                    // SAFETY: `%n` takes an `int*` (printf contract, as in SQLite).
                    unsafe { *p = out.len().min(i32::MAX as usize) as std::os::raw::c_int };
                }
                continue;
            }
            b'%' => buf.push(b'%'),
            b'c' => {
                let ch = a.uint() as u32;
                let ch = char::from_u32(ch).unwrap_or('\u{fffd}');
                let mut tmp = [0u8; 4];
                let s = ch.encode_utf8(&mut tmp).as_bytes().to_vec();
                let n = precision.max(1);
                for _ in 0..n {
                    buf.extend_from_slice(&s);
                }
                width_in_chars = true;
            }
            b's' | b'z' => {
                let p = a.ptr();
                // SAFETY: `%s`/`%z` take a C string (printf contract).
                let s = unsafe { cbytes(p) }.unwrap_or(b"");
                let s = if precision >= 0 {
                    if alt2 {
                        utf8_prefix_chars(s, precision as usize)
                    } else {
                        let n = s.len().min(precision as usize);
                        &s[..n]
                    }
                } else {
                    s
                };
                buf.extend_from_slice(s);
                if conv == b'z' && !p.is_null() {
                    // SAFETY: `%z` hands over a string obtained from sqlite3_malloc.
                    unsafe { super::mem::sqlite3_free(p as *mut std::os::raw::c_void) };
                }
                width_in_chars = alt2;
            }
            b'q' | b'Q' | b'w' => {
                let p = a.ptr();
                let q = if conv == b'w' { b'"' } else { b'\'' };
                // SAFETY: C string per the printf contract.
                let arg = unsafe { cbytes(p) };
                let isnull = arg.is_none();
                let s: &[u8] = match arg {
                    Some(s) => s,
                    None if conv == b'Q' => b"NULL",
                    None => b"(NULL)",
                };
                let s = if precision >= 0 {
                    if alt2 {
                        utf8_prefix_chars(s, precision as usize)
                    } else {
                        &s[..s.len().min(precision as usize)]
                    }
                } else {
                    s
                };
                let quote = !isnull && conv == b'Q';
                if quote {
                    buf.push(q);
                }
                for &ch in s {
                    buf.push(ch);
                    if ch == q {
                        buf.push(q);
                    }
                }
                if quote {
                    buf.push(q);
                }
            }
            _ => return,
        }
        let len = if width_in_chars {
            buf.iter().filter(|&&b| (b & 0xc0) != 0x80).count() as i64
        } else {
            buf.len() as i64
        };
        let pad = (width - len).max(0) as usize;
        if !left {
            out.extend(std::iter::repeat(b' ').take(pad));
        }
        out.extend_from_slice(&buf);
        if left {
            out.extend(std::iter::repeat(b' ').take(pad));
        }
    }
}

impl Args<'_> {
    fn uint_ptr(&mut self) -> u64 {
        match self.next() {
            Some(Arg::Ptr(p)) => p as u64,
            Some(Arg::Int(v)) | Some(Arg::Int64(v)) => v as u64,
            _ => 0,
        }
    }
}

/// The longest prefix of `s` with at most `n` UTF-8 characters.
fn utf8_prefix_chars(s: &[u8], n: usize) -> &[u8] {
    let mut chars = 0;
    let mut i = 0;
    while i < s.len() {
        if chars == n {
            break;
        }
        i += 1;
        if s[i - 1] >= 0xc0 {
            while i < s.len() && (s[i] & 0xc0) == 0x80 {
                i += 1;
            }
        }
        chars += 1;
    }
    &s[..i]
}

/// Decimal digits of a finite non-negative `x`, rounded to `sig` significant digits (SQLite's
/// printf works with about 16 significant digits): (digits, exp), x ≈ d0.d1d2... × 10^exp.
fn decimal_digits(x: f64, sig: usize) -> (Vec<u8>, i32) {
    if x == 0.0 {
        return (vec![], 0);
    }
    let s = format!("{:.*e}", sig.saturating_sub(1), x);
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: Vec<u8> = mant
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    (digits, exp)
}

/// Round digits (value d0.d1... × 10^exp) half-up, keeping `keep` significant digits.
fn round_at(digits: &mut Vec<u8>, exp: &mut i32, keep: i64) {
    if keep < 0 {
        digits.clear();
        return;
    }
    let keep = keep as usize;
    if digits.len() <= keep {
        return;
    }
    let up = digits[keep] >= 5;
    digits.truncate(keep);
    if up {
        let mut k = keep;
        loop {
            if k == 0 {
                digits.insert(0, 1);
                *exp += 1;
                break;
            }
            k -= 1;
            if digits[k] == 9 {
                digits[k] = 0;
            } else {
                digits[k] += 1;
                break;
            }
        }
    }
    while digits.last() == Some(&0) {
        digits.pop();
    }
}

fn fmt_float(
    v: f64,
    conv: u8,
    precision: i64,
    plus: bool,
    blank: bool,
    alt: bool,
    alt2: bool,
) -> Vec<u8> {
    let mut precision = if precision < 0 { 6 } else { precision };
    let mut out = Vec::new();
    let (neg, x) = if v < 0.0 { (true, -v) } else { (false, v) };
    let prefix = if neg {
        Some(b'-')
    } else if plus {
        Some(b'+')
    } else if blank {
        Some(b' ')
    } else {
        None
    };
    if v.is_nan() {
        return b"NaN".to_vec();
    }
    if x.is_infinite() {
        if let Some(p) = prefix {
            out.push(p);
        }
        out.extend_from_slice(b"Inf");
        return out;
    }
    let generic = matches!(conv, b'g' | b'G');
    let mut is_exp = matches!(conv, b'e' | b'E');
    if generic && precision > 0 {
        precision -= 1;
    }
    let (mut digits, mut exp) = decimal_digits(x, if alt2 { 17 } else { 16 });
    if !is_exp && !generic {
        let keep = exp as i64 + 1 + precision;
        round_at(&mut digits, &mut exp, keep);
    } else {
        round_at(&mut digits, &mut exp, precision + 1);
    }
    if digits.is_empty() {
        exp = 0;
    }
    let rtz;
    if generic {
        rtz = !alt;
        if exp < -4 || exp as i64 > precision {
            is_exp = true;
        } else {
            precision -= exp as i64;
        }
    } else {
        rtz = alt2;
    }
    let mut e2: i64 = if is_exp { 0 } else { exp as i64 };
    let mut nsd: i64 = 16 + if alt2 { 10 } else { 0 };
    let mut di = 0usize;
    let mut getdigit = |nsd: &mut i64| -> u8 {
        if *nsd <= 0 {
            return b'0';
        }
        *nsd -= 1;
        let d = digits.get(di).copied().unwrap_or(0);
        di += 1;
        b'0' + d
    };
    if let Some(p) = prefix {
        out.push(p);
    }
    if e2 < 0 {
        out.push(b'0');
    } else {
        while e2 >= 0 {
            out.push(getdigit(&mut nsd));
            e2 -= 1;
        }
    }
    let dp = precision > 0 || alt || alt2;
    if dp {
        out.push(b'.');
    }
    e2 += 1;
    while e2 < 0 {
        out.push(b'0');
        precision -= 1;
        e2 += 1;
    }
    while precision > 0 {
        out.push(getdigit(&mut nsd));
        precision -= 1;
    }
    if rtz && dp {
        while out.last() == Some(&b'0') {
            out.pop();
        }
        if out.last() == Some(&b'.') {
            if alt2 {
                out.push(b'0');
            } else {
                out.pop();
            }
        }
    }
    if is_exp {
        out.push(if conv.is_ascii_uppercase() {
            b'E'
        } else {
            b'e'
        });
        let mut e = exp;
        if e < 0 {
            out.push(b'-');
            e = -e;
        } else {
            out.push(b'+');
        }
        if e >= 100 {
            out.push(b'0' + (e / 100) as u8);
            e %= 100;
        }
        out.push(b'0' + (e / 10) as u8);
        out.push(b'0' + (e % 10) as u8);
    }
    out
}

/// Format to a `String` (for Rust callers and tests).
pub fn format_str(fmt: &str, args: &[Arg]) -> String {
    let mut out = Vec::new();
    // SAFETY: callers of this helper pass only numeric args or valid C strings.
    unsafe { format(&mut out, fmt.as_bytes(), args) };
    String::from_utf8_lossy(&out).into_owned()
}

/// SQLite's rendering of a REAL as text (`%!.15g`).
pub fn real_to_text(r: f64) -> String {
    format_str("%!.15g", &[Arg::Double(r)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use Arg::*;
    fn f(fmt: &str, a: &[Arg]) -> String {
        format_str(fmt, a)
    }
    #[test]
    fn integers() {
        assert_eq!(
            f("%d|%5d|%-5d|%05d", &[Int(42), Int(42), Int(42), Int(-42)]),
            "42|   42|42   |-0042"
        );
        assert_eq!(f("%lld", &[Int64(i64::MIN)]), "-9223372036854775808");
        assert_eq!(
            f("%u %x %X %o", &[Int(-1), Int(255), Int(255), Int(8)]),
            "4294967295 ff FF 10"
        );
        assert_eq!(
            f("%#x %#o %+d % d", &[Int(255), Int(8), Int(5), Int(5)]),
            "0xff 010 +5  5"
        );
        assert_eq!(
            f("%,d %r %r %r", &[Int(1234567), Int(1), Int(12), Int(23)]),
            "1,234,567 1st 12th 23rd"
        );
        assert_eq!(f("%*d|%.*d", &[Int(4), Int(7), Int(3), Int(7)]), "   7|007");
        assert_eq!(f("100%% %", &[]), "100% %");
    }
    #[test]
    fn floats_match_sqlite() {
        // Expected values from SQLite 3.40.1's printf().
        assert_eq!(f("%f", &[Double(3.14159)]), "3.141590");
        assert_eq!(f("%.2f", &[Double(2.675)]), "2.68");
        assert_eq!(f("%e", &[Double(12345.678)]), "1.234568e+04");
        assert_eq!(f("%g", &[Double(0.0001)]), "0.0001");
        assert_eq!(f("%g", &[Double(100000.0)]), "100000");
        assert_eq!(f("%g", &[Double(1e6)]), "1e+06");
        assert_eq!(f("%!.15g", &[Double(1.0)]), "1.0");
        assert_eq!(f("%!.15g", &[Double(0.1)]), "0.1");
        assert_eq!(f("%!.15g", &[Double(1e20)]), "1.0e+20");
        assert_eq!(f("%.20f", &[Double(0.1)]), "0.10000000000000000000");
        assert_eq!(
            f(
                "%8.3f|%-8.1e|%08.2f",
                &[Double(-1.5), Double(1.5), Double(-1.5)]
            ),
            "  -1.500|1.5e+00 |-0001.50"
        );
    }
    #[test]
    fn strings() {
        let s = c"it's";
        assert_eq!(
            f(
                "%s|%.2s|%5s|%-5s|",
                &[
                    Ptr(s.as_ptr()),
                    Ptr(s.as_ptr()),
                    Ptr(s.as_ptr()),
                    Ptr(s.as_ptr())
                ]
            ),
            "it's|it| it's|it's |"
        );
        assert_eq!(
            f(
                "%q|%Q|%Q|%w",
                &[
                    Ptr(s.as_ptr()),
                    Ptr(s.as_ptr()),
                    Ptr(std::ptr::null()),
                    Ptr(c"a\"b".as_ptr())
                ]
            ),
            "it''s|'it''s'|NULL|a\"\"b"
        );
        assert_eq!(
            f("%s|%q", &[Ptr(std::ptr::null()), Ptr(std::ptr::null())]),
            "|(NULL)"
        );
        assert_eq!(f("%c%c", &[Int(65), Int(0xe9)]), "Aé");
        assert_eq!(f("a%Tb", &[]), "a");
    }
}
