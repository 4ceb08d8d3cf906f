//! Small helpers for C strings and UTF-16 at the boundary.

use parking_lot::Mutex;
use std::collections::HashMap;
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_void};
use std::sync::LazyLock;

/// Bytes of a NUL-terminated string, or `None` for NULL.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that outlives `'a`.
pub unsafe fn cstr_bytes<'a>(p: *const c_char) -> Option<&'a [u8]> {
    if p.is_null() {
        None
    } else {
        // SAFETY: caller contract.
        Some(unsafe { CStr::from_ptr(p) }.to_bytes())
    }
}

/// `n` bytes at `p`, or up to the NUL when `n < 0` (SQLite's `nByte` convention); when `n >= 0`
/// a NUL inside the first `n` bytes ends the string early if `stop_at_nul`.
///
/// # Safety
/// `p` points to `n` readable bytes (or a NUL-terminated string when `n < 0`).
pub unsafe fn bytes_n<'a>(p: *const c_char, n: i64, stop_at_nul: bool) -> &'a [u8] {
    if p.is_null() {
        return &[];
    }
    if n < 0 {
        // SAFETY: caller contract.
        return unsafe { CStr::from_ptr(p) }.to_bytes();
    }
    // SAFETY: caller contract: n readable bytes.
    let s = unsafe { std::slice::from_raw_parts(p as *const u8, n as usize) };
    if stop_at_nul {
        match s.iter().position(|&b| b == 0) {
            Some(i) => &s[..i],
            None => s,
        }
    } else {
        s
    }
}

/// A NUL-terminated UTF-16 (native order) string, without the terminator.
///
/// # Safety
/// `p` is NULL or points to a 2-byte-NUL-terminated UTF-16 string.
pub unsafe fn utf16_cstr<'a>(p: *const c_void) -> Option<&'a [u16]> {
    if p.is_null() {
        return None;
    }
    let p = p as *const u16;
    let mut n = 0usize;
    // SAFETY: caller contract: terminated by a 0 unit.
    unsafe {
        while p.add(n).read_unaligned() != 0 {
            n += 1;
        }
        if (p as usize) % 2 != 0 {
            return None;
        }
        Some(std::slice::from_raw_parts(p, n))
    }
}

/// UTF-16 of `n` bytes at `p` (n < 0: up to the 0 unit).
///
/// # Safety
/// As [`utf16_cstr`] / `n` readable bytes.
pub unsafe fn utf16_n(p: *const c_void, n: i64) -> Vec<u16> {
    if p.is_null() {
        return Vec::new();
    }
    if n < 0 {
        // SAFETY: caller contract.
        return unsafe { utf16_cstr(p) }
            .map(|s| s.to_vec())
            .unwrap_or_default();
    }
    let units = (n as usize) / 2;
    let p = p as *const u8;
    let mut v = Vec::with_capacity(units);
    for i in 0..units {
        // SAFETY: 2*i+1 < n readable bytes.
        let (a, b) = unsafe { (*p.add(2 * i), *p.add(2 * i + 1)) };
        let u = u16::from_ne_bytes([a, b]);
        if u == 0 {
            break;
        }
        v.push(u);
    }
    v
}

/// UTF-16 in the given byte order (`be`) from raw bytes.
pub fn utf16_from_bytes(b: &[u8], be: bool) -> Vec<u16> {
    b.chunks_exact(2)
        .map(|c| {
            if be {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_le_bytes([c[0], c[1]])
            }
        })
        .collect()
}

/// A `CString` from arbitrary bytes (an interior NUL truncates, as C would see it).
pub fn cstring_bytes(b: &[u8]) -> CString {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    CString::new(&b[..end]).unwrap_or_default()
}

pub fn cstring_lossy(s: &str) -> CString {
    cstring_bytes(s.as_bytes())
}

static INTERNED: LazyLock<Mutex<HashMap<&'static str, &'static CStr>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// A NUL-terminated copy of a static string that lives for the whole process.
pub fn static_cstr(s: &'static str) -> *const c_char {
    let mut m = INTERNED.lock();
    let c = m
        .entry(s)
        .or_insert_with(|| Box::leak(cstring_lossy(s).into_boxed_c_str()));
    c.as_ptr()
}

/// UTF-8 text to NUL-terminated UTF-16 (native order).
pub fn to_utf16z(b: &[u8]) -> Vec<u16> {
    let mut v: Vec<u16> = String::from_utf8_lossy(b).encode_utf16().collect();
    v.push(0);
    v
}
