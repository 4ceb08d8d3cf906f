//! Date and time functions (`lang_datefunc.html`): date time datetime julianday unixepoch
//! strftime current_date current_time current_timestamp, SQLite 3.40.1's `date.c` semantics.
//!
//! The state is SQLite's `DateTime`: a Julian day number in milliseconds (`jd`) and/or broken
//! down Y-M-D and h:m:s fields, each with a validity flag. Invariants kept by the code (as in
//! `date.c`): when `valid_jd` is set, `jd` is authoritative; `valid_ymd`/`valid_hms` say
//! whether the broken-down fields agree with it; `raw_s` means `s` holds a bare number whose
//! meaning (Julian day / unix time) a later modifier may decide; `is_error` makes the result
//! NULL. Results outside 0000-01-01 .. 9999-12-31 (Julian day 0 .. 5373484.5) are NULL.
//!
//! `localtime`/`utc` use the zone of `TZ` or `/etc/localtime` (TZif files, read safely);
//! without zone data the offset is 0. `now` is statement-stable through
//! [`FuncContext::now_jd_ms`].

use super::scalar::arg;
use super::text::{atof, is_space, value_text_cow, value_to_f64};
use super::FuncContext;
use crate::error::Result;
use crate::value::Value;

#[derive(Clone, Copy, Default, Debug)]
struct DateTime {
    jd: i64,
    y: i32,
    mo: i32,
    d: i32,
    h: i32,
    mi: i32,
    tz: i32,
    s: f64,
    valid_jd: bool,
    raw_s: bool,
    valid_ymd: bool,
    valid_hms: bool,
    valid_tz: bool,
    tz_set: bool,
    is_error: bool,
}

const MAX_JD: i64 = 464269060799999;

fn valid_julian_day(jd: i64) -> bool {
    (0..=MAX_JD).contains(&jd)
}

/// Byte at `i`, 0 past the end (C string view).
fn at(z: &[u8], i: usize) -> u8 {
    z.get(i).copied().unwrap_or(0)
}

/// SQLite's `getDigits`: parse fields per a format like "40f-21a-21d".
fn get_digits(z: &[u8], fmt: &[u8], out: &mut [i32]) -> usize {
    const MX: [i32; 6] = [12, 14, 24, 31, 59, 14712];
    let mut pos = 0usize;
    let mut cnt = 0usize;
    let mut f = 0usize;
    loop {
        let n = (at(fmt, f) - b'0') as usize;
        let min = (at(fmt, f + 1) - b'0') as i32;
        let max = MX[(at(fmt, f + 2) - b'a') as usize];
        let next_c = at(fmt, f + 3);
        let mut val = 0i32;
        for _ in 0..n {
            let c = at(z, pos);
            if !c.is_ascii_digit() {
                return cnt;
            }
            val = val * 10 + (c - b'0') as i32;
            pos += 1;
        }
        if val < min || val > max || (next_c != 0 && next_c != at(z, pos)) {
            return cnt;
        }
        if let Some(o) = out.get_mut(cnt) {
            *o = val;
        }
        pos += 1;
        cnt += 1;
        f += 4;
        if next_c == 0 {
            return cnt;
        }
    }
}

impl DateTime {
    fn error(&mut self) {
        *self = DateTime {
            is_error: true,
            ..DateTime::default()
        };
    }

    fn set_raw_number(&mut self, r: f64) {
        self.s = r;
        self.raw_s = true;
        if (0.0..5373484.5).contains(&r) {
            self.jd = (r * 86400000.0 + 0.5) as i64;
            self.valid_jd = true;
        }
    }

    /// Returns true on error.
    fn parse_timezone(&mut self, z: &[u8]) -> bool {
        let mut i = 0;
        while is_space(at(z, i)) {
            i += 1;
        }
        self.tz = 0;
        let c = at(z, i);
        let sgn;
        if c == b'-' {
            sgn = -1;
        } else if c == b'+' {
            sgn = 1;
        } else if c == b'Z' || c == b'z' {
            i += 1;
            while is_space(at(z, i)) {
                i += 1;
            }
            self.tz_set = true;
            return at(z, i) != 0;
        } else {
            return c != 0;
        }
        i += 1;
        let mut v = [0i32; 2];
        if get_digits(z.get(i..).unwrap_or(&[]), b"20b:20e", &mut v) != 2 {
            return true;
        }
        i += 5;
        self.tz = sgn * (v[1] + v[0] * 60);
        while is_space(at(z, i)) {
            i += 1;
        }
        self.tz_set = true;
        at(z, i) != 0
    }

    /// "HH:MM[:SS[.FFF]]" + optional zone. Returns true on error.
    fn parse_hms(&mut self, z: &[u8]) -> bool {
        let mut v = [0i32; 2];
        if get_digits(z, b"20c:20e", &mut v) != 2 {
            return true;
        }
        let mut i = 5;
        let mut ms = 0.0f64;
        let s;
        if at(z, i) == b':' {
            i += 1;
            let mut sv = [0i32; 1];
            if get_digits(z.get(i..).unwrap_or(&[]), b"20e", &mut sv) != 1 {
                return true;
            }
            s = sv[0];
            i += 2;
            if at(z, i) == b'.' && at(z, i + 1).is_ascii_digit() {
                let mut scale = 1.0;
                i += 1;
                while at(z, i).is_ascii_digit() {
                    ms = ms * 10.0 + (at(z, i) - b'0') as f64;
                    scale *= 10.0;
                    i += 1;
                }
                ms /= scale;
            }
        } else {
            s = 0;
        }
        self.valid_jd = false;
        self.raw_s = false;
        self.valid_hms = true;
        self.h = v[0];
        self.mi = v[1];
        self.s = s as f64 + ms;
        if self.parse_timezone(z.get(i..).unwrap_or(&[])) {
            return true;
        }
        self.valid_tz = self.tz != 0;
        false
    }

    /// "YYYY-MM-DD[ HH:MM...]". Returns true on error.
    fn parse_ymd(&mut self, z: &[u8]) -> bool {
        let (neg, z) = if at(z, 0) == b'-' {
            (true, &z[1..])
        } else {
            (false, z)
        };
        let mut v = [0i32; 3];
        if get_digits(z, b"40f-21a-21d", &mut v) != 3 {
            return true;
        }
        let mut i = 10;
        while is_space(at(z, i)) || at(z, i) == b'T' {
            i += 1;
        }
        let rest = z.get(i..).unwrap_or(&[]);
        if !self.parse_hms(rest) {
            // got the time
        } else if at(z, i) == 0 {
            self.valid_hms = false;
        } else {
            return true;
        }
        self.valid_jd = false;
        self.valid_ymd = true;
        self.y = if neg { -v[0] } else { v[0] };
        self.mo = v[1];
        self.d = v[2];
        if self.valid_tz {
            self.compute_jd();
        }
        false
    }

    fn compute_jd(&mut self) {
        if self.valid_jd {
            return;
        }
        let (mut y, mut m, d) = if self.valid_ymd {
            (self.y, self.mo, self.d)
        } else {
            (2000, 1, 1)
        };
        if !(-4713..=9999).contains(&y) || self.raw_s {
            self.error();
            return;
        }
        if m <= 2 {
            y -= 1;
            m += 12;
        }
        let a = y / 100;
        let b = 2 - a + (a / 4);
        let x1 = 36525 * (y + 4716) / 100;
        let x2 = 306001 * (m + 1) / 10000;
        self.jd = (((x1 + x2 + d + b) as f64 - 1524.5) * 86400000.0) as i64;
        self.valid_jd = true;
        if self.valid_hms {
            self.jd = self.jd.wrapping_add(
                self.h as i64 * 3600000 + self.mi as i64 * 60000 + (self.s * 1000.0 + 0.5) as i64,
            );
            if self.valid_tz {
                self.jd -= self.tz as i64 * 60000;
                self.valid_ymd = false;
                self.valid_hms = false;
                self.valid_tz = false;
            }
        }
    }

    fn compute_ymd(&mut self) {
        if self.valid_ymd {
            return;
        }
        if !self.valid_jd {
            self.y = 2000;
            self.mo = 1;
            self.d = 1;
        } else if !valid_julian_day(self.jd) {
            self.error();
            return;
        } else {
            let z = ((self.jd + 43200000) / 86400000) as i32;
            let a = ((z as f64 - 1867216.25) / 36524.25) as i32;
            let a = z + 1 + a - (a / 4);
            let b = a + 1524;
            let c = ((b as f64 - 122.1) / 365.25) as i32;
            let d = (36525 * (c & 32767)) / 100;
            let e = ((b - d) as f64 / 30.6001) as i32;
            let x1 = (30.6001 * e as f64) as i32;
            self.d = b - d - x1;
            self.mo = if e < 14 { e - 1 } else { e - 13 };
            self.y = if self.mo > 2 { c - 4716 } else { c - 4715 };
        }
        self.valid_ymd = true;
    }

    fn compute_hms(&mut self) {
        if self.valid_hms {
            return;
        }
        self.compute_jd();
        let mut s = (self.jd.wrapping_add(43200000) % 86400000) as i32;
        self.s = s as f64 / 1000.0;
        s = self.s as i32;
        self.s -= s as f64;
        self.h = s / 3600;
        s -= self.h * 3600;
        self.mi = s / 60;
        self.s += (s - self.mi * 60) as f64;
        self.raw_s = false;
        self.valid_hms = true;
    }

    fn compute_ymd_hms(&mut self) {
        self.compute_ymd();
        self.compute_hms();
    }

    fn clear_ymd_hms_tz(&mut self) {
        self.valid_ymd = false;
        self.valid_hms = false;
        self.valid_tz = false;
    }
}

/// Current time as a Julian day in ms, stable for the statement via the context.
fn now_jd(ctx: &mut FuncContext) -> i64 {
    if let Some(n) = ctx.now_jd_ms {
        return n;
    }
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let n = 210866760000000 + ms;
    ctx.now_jd_ms = Some(n);
    n
}

fn set_now(ctx: &mut FuncContext, p: &mut DateTime) {
    p.jd = now_jd(ctx);
    p.valid_jd = true;
}

/// Returns true on error (NULL result).
fn parse_date_or_time(ctx: &mut FuncContext, z: &[u8], p: &mut DateTime) -> bool {
    if !p.parse_ymd(z) {
        return false;
    }
    *p = DateTime::default();
    if !p.parse_hms(z) {
        return false;
    }
    *p = DateTime::default();
    if z.eq_ignore_ascii_case(b"now") {
        set_now(ctx, p);
        return false;
    }
    let (r, rc) = atof(z);
    if rc > 0 {
        p.set_raw_number(r);
        return false;
    }
    true
}

/// SQLite's `toLocaltime`: replace `p` (UTC) by the broken-down local time. Instants outside
/// 1970-01-01 .. 2038-01-18 use the equivalent year `2000 + Y%4` for the zone lookup (as
/// SQLite does for `localtime_r`), then map the year back.
fn to_localtime(p: &mut DateTime) {
    p.compute_jd();
    let (t, year_diff) = if p.jd < 2108667600 * 100000 || p.jd > 2130141456 * 100000 {
        let mut x = *p;
        x.compute_ymd_hms();
        let diff = (2000 + x.y % 4) - x.y;
        x.y += diff;
        x.valid_jd = false;
        x.compute_jd();
        (x.jd / 1000 - 210866760000, diff)
    } else {
        (p.jd / 1000 - 210866760000, 0)
    };
    let local = t.wrapping_add(tz::utc_offset_secs(t));
    // Broken-down local time of `local` seconds since the epoch.
    let mut l = DateTime {
        jd: local.wrapping_mul(1000).wrapping_add(210866760000000),
        valid_jd: true,
        ..DateTime::default()
    };
    l.compute_ymd_hms();
    let ms = p.jd % 1000;
    *p = DateTime {
        y: l.y - year_diff,
        mo: l.mo,
        d: l.d,
        h: l.h,
        mi: l.mi,
        s: (l.s as i32) as f64 + ms as f64 * 0.001,
        valid_ymd: true,
        valid_hms: true,
        tz_set: p.tz_set,
        ..DateTime::default()
    };
}

struct Xform {
    name: &'static str,
    limit: f32,
    xform: f32,
}

const XFORMS: [Xform; 6] = [
    Xform {
        name: "second",
        limit: 4.6427e+14,
        xform: 1.0,
    },
    Xform {
        name: "minute",
        limit: 7.7379e+12,
        xform: 60.0,
    },
    Xform {
        name: "hour",
        limit: 1.2897e+11,
        xform: 3600.0,
    },
    Xform {
        name: "day",
        limit: 5373485.0,
        xform: 86400.0,
    },
    Xform {
        name: "month",
        limit: 176546.0,
        xform: 2592000.0,
    },
    Xform {
        name: "year",
        limit: 14713.0,
        xform: 31536000.0,
    },
];

fn starts_with_ci(z: &[u8], p: &[u8]) -> bool {
    z.len() >= p.len() && z[..p.len()].eq_ignore_ascii_case(p)
}

/// Apply one modifier. Returns Ok(true) on error (NULL result).
fn parse_modifier(ctx: &mut FuncContext, z: &[u8], p: &mut DateTime, idx: usize) -> Result<bool> {
    let z = super::scalar::cut_nul(z);
    let mut rc = true;
    let c0 = at(z, 0).to_ascii_lowercase();
    match c0 {
        b'a' => {
            if z.eq_ignore_ascii_case(b"auto") {
                if idx > 1 {
                    return Ok(true);
                }
                if !p.raw_s || p.valid_jd {
                    rc = false;
                    p.raw_s = false;
                } else if p.s >= -210866760000.0 && p.s <= 253402300799.0 {
                    let r = p.s * 1000.0 + 210866760000000.0;
                    p.clear_ymd_hms_tz();
                    p.jd = (r + 0.5) as i64;
                    p.valid_jd = true;
                    p.raw_s = false;
                    rc = false;
                }
            }
        }
        b'j' => {
            if z.eq_ignore_ascii_case(b"julianday") {
                if idx > 1 {
                    return Ok(true);
                }
                if p.valid_jd && p.raw_s {
                    rc = false;
                    p.raw_s = false;
                }
            }
        }
        b'l' => {
            if z.eq_ignore_ascii_case(b"localtime") {
                to_localtime(p);
                rc = false;
            }
        }
        b'u' => {
            if z.eq_ignore_ascii_case(b"unixepoch") && p.raw_s {
                if idx > 1 {
                    return Ok(true);
                }
                let r = p.s * 1000.0 + 210866760000000.0;
                if (0.0..464269060800000.0).contains(&r) {
                    p.clear_ymd_hms_tz();
                    p.jd = (r + 0.5) as i64;
                    p.valid_jd = true;
                    p.raw_s = false;
                    rc = false;
                }
            } else if z.eq_ignore_ascii_case(b"utc") {
                if !p.tz_set {
                    // Iteratively find the UTC instant whose local time is `p` (SQLite 3.40).
                    p.compute_jd();
                    let orig = p.jd;
                    let mut guess = orig;
                    let mut err = 0i64;
                    let mut cnt = 0;
                    loop {
                        guess = guess.wrapping_sub(err);
                        let mut n = DateTime {
                            jd: guess,
                            valid_jd: true,
                            ..DateTime::default()
                        };
                        to_localtime(&mut n);
                        n.compute_jd();
                        err = n.jd.wrapping_sub(orig);
                        let go_on = err != 0 && cnt < 3;
                        cnt += 1;
                        if !go_on {
                            break;
                        }
                    }
                    *p = DateTime {
                        jd: guess,
                        valid_jd: true,
                        tz_set: true,
                        ..DateTime::default()
                    };
                }
                rc = false;
            }
        }
        b'w' => {
            if starts_with_ci(z, b"weekday ") {
                let (r, arc) = atof(&z[8..]);
                let n = r as i32;
                if arc > 0 && n as f64 == r && n >= 0 && r < 7.0 {
                    p.compute_ymd_hms();
                    p.valid_tz = false;
                    p.valid_jd = false;
                    p.compute_jd();
                    let mut zz = (p.jd.wrapping_add(129600000) / 86400000) % 7;
                    if zz > n as i64 {
                        zz -= 7;
                    }
                    p.jd = p.jd.wrapping_add((n as i64 - zz) * 86400000);
                    p.clear_ymd_hms_tz();
                    rc = false;
                }
            }
        }
        b's' => {
            if starts_with_ci(z, b"start of ") && (p.valid_jd || p.valid_ymd || p.valid_hms) {
                let rest = &z[9..];
                p.compute_ymd();
                p.valid_hms = true;
                p.h = 0;
                p.mi = 0;
                p.s = 0.0;
                p.raw_s = false;
                p.valid_tz = false;
                p.valid_jd = false;
                if rest.eq_ignore_ascii_case(b"month") {
                    p.d = 1;
                    rc = false;
                } else if rest.eq_ignore_ascii_case(b"year") {
                    p.mo = 1;
                    p.d = 1;
                    rc = false;
                } else if rest.eq_ignore_ascii_case(b"day") {
                    rc = false;
                }
            }
        }
        b'+' | b'-' | b'0'..=b'9' => {
            let mut n = 1;
            while at(z, n) != 0 && at(z, n) != b':' && !is_space(at(z, n)) {
                n += 1;
            }
            let (r, arc) = atof(&z[..n.min(z.len())]);
            if arc <= 0 {
                return Ok(true);
            }
            if at(z, n) == b':' {
                let z2 = if !at(z, 0).is_ascii_digit() {
                    &z[1..]
                } else {
                    z
                };
                let mut tx = DateTime::default();
                if tx.parse_hms(z2) {
                    return Ok(true);
                }
                tx.compute_jd();
                tx.jd -= 43200000;
                let day = tx.jd / 86400000;
                tx.jd -= day * 86400000;
                if at(z, 0) == b'-' {
                    tx.jd = -tx.jd;
                }
                p.compute_jd();
                p.clear_ymd_hms_tz();
                p.jd = p.jd.wrapping_add(tx.jd);
                return Ok(false);
            }
            let mut k = n;
            while is_space(at(z, k)) {
                k += 1;
            }
            let unit = z.get(k..).unwrap_or(&[]);
            let mut un = unit.len();
            if !(3..=10).contains(&un) {
                return Ok(true);
            }
            if unit[un - 1].to_ascii_lowercase() == b's' {
                un -= 1;
            }
            p.compute_jd();
            rc = true;
            let rounder = if r < 0.0 { -0.5 } else { 0.5 };
            let mut r = r;
            for (i, x) in XFORMS.iter().enumerate() {
                if x.name.len() == un
                    && unit[..un].eq_ignore_ascii_case(x.name.as_bytes())
                    && r > -(x.limit as f64)
                    && r < x.limit as f64
                {
                    if i == 4 {
                        p.compute_ymd_hms();
                        p.mo += r as i32;
                        let xx = if p.mo > 0 {
                            (p.mo - 1) / 12
                        } else {
                            (p.mo - 12) / 12
                        };
                        p.y += xx;
                        p.mo -= xx * 12;
                        p.valid_jd = false;
                        r -= (r as i32) as f64;
                    } else if i == 5 {
                        let yy = r as i32;
                        p.compute_ymd_hms();
                        p.y += yy;
                        p.valid_jd = false;
                        r -= (r as i32) as f64;
                    }
                    p.compute_jd();
                    p.jd =
                        p.jd.wrapping_add((r * 1000.0 * x.xform as f64 + rounder) as i64);
                    rc = false;
                    break;
                }
            }
            p.clear_ymd_hms_tz();
        }
        _ => {}
    }
    let _ = ctx;
    Ok(rc)
}

/// SQLite's `isDate`: None = NULL result.
fn is_date(ctx: &mut FuncContext, args: &[Value]) -> Result<Option<DateTime>> {
    let mut p = DateTime::default();
    if args.is_empty() {
        set_now(ctx, &mut p);
        return Ok(Some(p));
    }
    match arg(args, 0) {
        Value::Integer(_) | Value::Real(_) => p.set_raw_number(value_to_f64(arg(args, 0))),
        v => match value_text_cow(v) {
            None => return Ok(None),
            Some(z) => {
                let z = super::scalar::cut_nul(&z).to_vec();
                if parse_date_or_time(ctx, &z, &mut p) {
                    return Ok(None);
                }
            }
        },
    }
    for (i, a) in args.iter().enumerate().skip(1) {
        match value_text_cow(a) {
            None => return Ok(None),
            Some(z) => {
                if parse_modifier(ctx, &z, &mut p, i)? {
                    return Ok(None);
                }
            }
        }
    }
    p.compute_jd();
    if p.is_error || !valid_julian_day(p.jd) {
        return Ok(None);
    }
    Ok(Some(p))
}

fn push_2(out: &mut Vec<u8>, v: i32) {
    out.push(b'0' + ((v / 10) % 10) as u8);
    out.push(b'0' + (v % 10) as u8);
}

fn ymd_text(x: &DateTime, out: &mut Vec<u8>) {
    let y = x.y.abs();
    if x.y < 0 {
        out.push(b'-');
    }
    out.push(b'0' + ((y / 1000) % 10) as u8);
    out.push(b'0' + ((y / 100) % 10) as u8);
    push_2(out, y % 100);
    out.push(b'-');
    push_2(out, x.mo);
    out.push(b'-');
    push_2(out, x.d);
}

fn hms_text(x: &DateTime, out: &mut Vec<u8>) {
    push_2(out, x.h);
    out.push(b':');
    push_2(out, x.mi);
    out.push(b':');
    push_2(out, x.s as i32);
}

pub fn julianday(ctx: &mut FuncContext, a: &[Value]) -> Result<Value> {
    Ok(match is_date(ctx, a)? {
        Some(mut x) => {
            x.compute_jd();
            Value::Real(x.jd as f64 / 86400000.0)
        }
        None => Value::Null,
    })
}

pub fn unixepoch(ctx: &mut FuncContext, a: &[Value]) -> Result<Value> {
    Ok(match is_date(ctx, a)? {
        Some(mut x) => {
            x.compute_jd();
            Value::Integer(x.jd / 1000 - 210866760000)
        }
        None => Value::Null,
    })
}

pub fn datetime(ctx: &mut FuncContext, a: &[Value]) -> Result<Value> {
    Ok(match is_date(ctx, a)? {
        Some(mut x) => {
            x.compute_ymd_hms();
            let mut out = Vec::with_capacity(20);
            ymd_text(&x, &mut out);
            out.push(b' ');
            hms_text(&x, &mut out);
            Value::Text(out)
        }
        None => Value::Null,
    })
}

pub fn date(ctx: &mut FuncContext, a: &[Value]) -> Result<Value> {
    Ok(match is_date(ctx, a)? {
        Some(mut x) => {
            x.compute_ymd();
            let mut out = Vec::with_capacity(11);
            ymd_text(&x, &mut out);
            Value::Text(out)
        }
        None => Value::Null,
    })
}

pub fn time(ctx: &mut FuncContext, a: &[Value]) -> Result<Value> {
    Ok(match is_date(ctx, a)? {
        Some(mut x) => {
            x.compute_hms();
            let mut out = Vec::with_capacity(8);
            hms_text(&x, &mut out);
            Value::Text(out)
        }
        None => Value::Null,
    })
}

pub fn current_time(ctx: &mut FuncContext, _: &[Value]) -> Result<Value> {
    time(ctx, &[])
}
pub fn current_date(ctx: &mut FuncContext, _: &[Value]) -> Result<Value> {
    date(ctx, &[])
}
pub fn current_timestamp(ctx: &mut FuncContext, _: &[Value]) -> Result<Value> {
    datetime(ctx, &[])
}

/// printf into at most `size - 1` bytes (SQLite's `sqlite3_snprintf` truncation).
fn snp(out: &mut Vec<u8>, size: usize, s: String) {
    let b = s.as_bytes();
    out.extend_from_slice(&b[..b.len().min(size - 1)]);
}

pub fn strftime(ctx: &mut FuncContext, a: &[Value]) -> Result<Value> {
    if a.is_empty() {
        return Ok(Value::Null);
    }
    let fmt = match value_text_cow(arg(a, 0)) {
        None => return Ok(Value::Null),
        Some(f) => super::scalar::cut_nul(&f).to_vec(),
    };
    let mut x = match is_date(ctx, &a[1..])? {
        None => return Ok(Value::Null),
        Some(x) => x,
    };
    // Validate the format first: an unknown conversion makes the result NULL.
    let mut i = 0;
    while i < fmt.len() {
        if fmt[i] == b'%' {
            match at(&fmt, i + 1) {
                b'd' | b'H' | b'm' | b'M' | b'S' | b'W' | b'w' | b'%' | b'f' | b'j' | b'Y'
                | b's' | b'J' => {}
                _ => return Ok(Value::Null),
            }
            i += 1;
        }
        i += 1;
    }
    x.compute_jd();
    x.compute_ymd_hms();
    let mut out = Vec::with_capacity(fmt.len() + 16);
    let mut i = 0;
    while i < fmt.len() {
        if fmt[i] != b'%' {
            out.push(fmt[i]);
            i += 1;
            continue;
        }
        i += 1;
        match at(&fmt, i) {
            b'd' => snp(&mut out, 3, format!("{:02}", x.d)),
            b'f' => {
                let s = if x.s > 59.999 { 59.999 } else { x.s };
                let t = super::printf::format(b"%06.3f", &[super::printf::PrintfArg::Double(s)])?;
                out.extend_from_slice(&t[..t.len().min(6)]);
            }
            b'H' => snp(&mut out, 3, format!("{:02}", x.h)),
            c @ (b'W' | b'j') => {
                let mut y = x;
                y.valid_jd = false;
                y.mo = 1;
                y.d = 1;
                y.compute_jd();
                let nday = ((x.jd - y.jd + 43200000) / 86400000) as i32;
                if c == b'W' {
                    let wd = (((x.jd + 43200000) / 86400000) % 7) as i32;
                    snp(&mut out, 3, format!("{:02}", (nday + 7 - wd) / 7));
                } else {
                    snp(&mut out, 4, format!("{:03}", nday + 1));
                }
            }
            b'J' => {
                let t = super::printf::format(
                    b"%.16g",
                    &[super::printf::PrintfArg::Double(x.jd as f64 / 86400000.0)],
                )?;
                out.extend_from_slice(&t[..t.len().min(19)]);
            }
            b'm' => snp(&mut out, 3, format!("{:02}", x.mo)),
            b'M' => snp(&mut out, 3, format!("{:02}", x.mi)),
            b's' => out.extend_from_slice((x.jd / 1000 - 210866760000).to_string().as_bytes()),
            b'S' => snp(&mut out, 3, format!("{:02}", x.s as i32)),
            b'w' => out.push(b'0' + (((x.jd + 129600000) / 86400000) % 7) as u8),
            b'Y' => out.extend_from_slice(format!("{:04}", x.y).as_bytes()),
            _ => out.push(b'%'),
        }
        i += 1;
    }
    Ok(Value::Text(out))
}

/// Time zone offsets from TZif data (`TZ` or `/etc/localtime`), without `unsafe`.
mod tz {
    use std::sync::OnceLock;

    pub(super) struct Zone {
        /// (transition time, utc offset after it)
        transitions: Vec<(i64, i64)>,
        /// Offset before the first transition (first standard-time type).
        initial: i64,
    }

    fn be32(b: &[u8], i: usize) -> Option<i64> {
        let s = b.get(i..i + 4)?;
        Some(i32::from_be_bytes([s[0], s[1], s[2], s[3]]) as i64)
    }

    pub(super) fn parse(b: &[u8]) -> Option<Zone> {
        if b.get(0..4)? != b"TZif" {
            return None;
        }
        let cnt = |k: usize| be32(b, 20 + 4 * k).map(|v| v as usize);
        let (isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt) =
            (cnt(0)?, cnt(1)?, cnt(2)?, cnt(3)?, cnt(4)?, cnt(5)?);
        let _ = (isutcnt, isstdcnt, leapcnt, charcnt);
        let mut p = 44;
        let times: Vec<i64> = (0..timecnt)
            .map(|k| be32(b, p + 4 * k))
            .collect::<Option<_>>()?;
        p += 4 * timecnt;
        let idx: Vec<usize> = b.get(p..p + timecnt)?.iter().map(|&x| x as usize).collect();
        p += timecnt;
        let mut types = Vec::with_capacity(typecnt);
        for k in 0..typecnt {
            let off = be32(b, p + 6 * k)?;
            let isdst = *b.get(p + 6 * k + 4)? != 0;
            types.push((off, isdst));
        }
        let initial = types
            .iter()
            .find(|t| !t.1)
            .or(types.first())
            .map(|t| t.0)
            .unwrap_or(0);
        let transitions = times
            .iter()
            .zip(idx.iter())
            .filter_map(|(&t, &i)| types.get(i).map(|ty| (t, ty.0)))
            .collect();
        Some(Zone {
            transitions,
            initial,
        })
    }

    fn zone() -> Option<&'static Zone> {
        static ZONE: OnceLock<Option<Zone>> = OnceLock::new();
        ZONE.get_or_init(|| {
            let path = match std::env::var("TZ") {
                Ok(t) if !t.is_empty() => {
                    let t = t.trim_start_matches(':');
                    if t.starts_with('/') {
                        t.to_string()
                    } else {
                        format!("/usr/share/zoneinfo/{t}")
                    }
                }
                _ => "/etc/localtime".to_string(),
            };
            std::fs::read(path).ok().and_then(|b| parse(&b))
        })
        .as_ref()
    }

    /// Seconds to add to UTC time `t` (unix seconds) to get local time.
    pub fn utc_offset_secs(t: i64) -> i64 {
        match zone() {
            Some(z) => z.offset_at(t),
            None => 0,
        }
    }

    impl Zone {
        pub(super) fn offset_at(&self, t: i64) -> i64 {
            match self.transitions.iter().rposition(|&(tt, _)| tt <= t) {
                Some(i) => self.transitions[i].1,
                None => self.initial,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn call(f: super::super::ScalarFn, args: &[&str]) -> Value {
        let mut ctx = FuncContext::default();
        let a: Vec<Value> = args.iter().map(|s| Value::text(s)).collect();
        f(&mut ctx, &a).unwrap()
    }
    fn txt(v: Value) -> String {
        match v {
            Value::Text(t) => String::from_utf8_lossy(&t).into_owned(),
            Value::Null => "NULL".into(),
            other => format!("{other:?}"),
        }
    }
    #[test]
    fn tzif_zone() {
        let Ok(b) = std::fs::read("/usr/share/zoneinfo/America/New_York") else {
            return;
        };
        let z = tz::parse(&b).expect("valid TZif");
        assert_eq!(z.offset_at(1719835200), -4 * 3600); // 2024-07-01 12:00Z, EDT
        assert_eq!(z.offset_at(1704110400), -5 * 3600); // 2024-01-01 12:00Z, EST
        assert!(tz::parse(b"TZif-truncated").is_none());
    }

    #[test]
    fn basics() {
        assert_eq!(txt(call(date, &["2024-03-05 12:34:56"])), "2024-03-05");
        assert_eq!(txt(call(datetime, &["2023-02-31"])), "2023-02-31 00:00:00");
        assert_eq!(txt(call(date, &["2020-01-31", "+1 month"])), "2020-03-02");
        assert_eq!(txt(call(date, &["bogus"])), "NULL");
        assert_eq!(txt(call(strftime, &["%Y", "-0005-01-01"])), "-005");
        assert_eq!(txt(call(date, &["-0005-01-01"])), "-0005-01-01");
        assert_eq!(
            txt(call(
                strftime,
                &["%J %s %j %W %w", "2024-03-05 12:34:56.789"]
            )),
            "2460375.024268391 1709642096 065 10 2"
        );
    }
}
