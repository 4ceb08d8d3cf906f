//! String utilities (`complete`, `stricmp`, `strglob`, `strlike`), keywords, URI parameters,
//! randomness, sleep and the static "unix" VFS description.

use super::boundary::{capi_boundary, handle};
use super::util::*;
#[allow(unused_imports)]
use super::{sqlite3_int64, sqlite3_uint64};
use crate::error::codes::*;
use std::os::raw::{c_char, c_int, c_void};

// ---------------------------------------------------------------------------------------------
// sqlite3_complete: SQLite's 8-state machine (complete.c), triggers included.

const TK_SEMI: usize = 0;
const TK_WS: usize = 1;
const TK_OTHER: usize = 2;
const TK_EXPLAIN: usize = 3;
const TK_CREATE: usize = 4;
const TK_TEMP: usize = 5;
const TK_TRIGGER: usize = 6;
const TK_END: usize = 7;

const TRANS: [[u8; 8]; 8] = [
    /* 0 INVALID */ [1, 0, 2, 3, 4, 2, 2, 2],
    /* 1   START */ [1, 1, 2, 3, 4, 2, 2, 2],
    /* 2  NORMAL */ [1, 2, 2, 2, 2, 2, 2, 2],
    /* 3 EXPLAIN */ [1, 3, 3, 2, 4, 2, 2, 2],
    /* 4  CREATE */ [1, 4, 2, 2, 2, 4, 5, 2],
    /* 5 TRIGGER */ [6, 5, 5, 5, 5, 5, 5, 5],
    /* 6    SEMI */ [6, 6, 5, 5, 5, 5, 5, 7],
    /* 7     END */ [1, 7, 5, 5, 5, 5, 5, 5],
];

fn is_id_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

/// SQLite's `sqlite3_complete` on bytes.
pub fn complete(z: &[u8]) -> bool {
    let mut state = 0u8;
    let mut i = 0;
    let at = |i: usize| z.get(i).copied().unwrap_or(0);
    while i < z.len() && at(i) != 0 {
        let token = match at(i) {
            b';' => TK_SEMI,
            b' ' | b'\r' | b'\t' | b'\n' | b'\x0c' => TK_WS,
            b'/' => {
                if at(i + 1) != b'*' {
                    TK_OTHER
                } else {
                    i += 2;
                    while at(i) != 0 && (at(i) != b'*' || at(i + 1) != b'/') {
                        i += 1;
                    }
                    if at(i) == 0 {
                        return false;
                    }
                    i += 1;
                    TK_WS
                }
            }
            b'-' => {
                if at(i + 1) != b'-' {
                    TK_OTHER
                } else {
                    while at(i) != 0 && at(i) != b'\n' {
                        i += 1;
                    }
                    if at(i) == 0 {
                        return state == 1;
                    }
                    TK_WS
                }
            }
            b'[' => {
                i += 1;
                while at(i) != 0 && at(i) != b']' {
                    i += 1;
                }
                if at(i) == 0 {
                    return false;
                }
                TK_OTHER
            }
            q @ (b'`' | b'"' | b'\'') => {
                i += 1;
                while at(i) != 0 && at(i) != q {
                    i += 1;
                }
                if at(i) == 0 {
                    return false;
                }
                TK_OTHER
            }
            c if is_id_char(c) => {
                let start = i;
                while is_id_char(at(i)) {
                    i += 1;
                }
                let w = &z[start..i];
                i -= 1;
                let eq = |k: &str| w.eq_ignore_ascii_case(k.as_bytes());
                if eq("create") {
                    TK_CREATE
                } else if eq("trigger") {
                    TK_TRIGGER
                } else if eq("temp") || eq("temporary") {
                    TK_TEMP
                } else if eq("end") {
                    TK_END
                } else if eq("explain") {
                    TK_EXPLAIN
                } else {
                    TK_OTHER
                }
            }
            _ => TK_OTHER,
        };
        state = TRANS[state as usize][token];
        i += 1;
    }
    state == 1
}

/// # Safety
/// `z` NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_complete(z: *const c_char) -> c_int {
    capi_boundary! {
        // SAFETY: caller contract.
        match unsafe { cstr_bytes(z) } { Some(b) => complete(b) as c_int, None => 0 }
    }
}

/// # Safety
/// `z` NULL or a UTF-16 C string.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_complete16(z: *const c_void) -> c_int {
    capi_boundary! {
        // SAFETY: caller contract.
        match unsafe { utf16_cstr(z) } {
            Some(u) => complete(String::from_utf16_lossy(u).as_bytes()) as c_int,
            None => 0,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Case-insensitive comparison (ASCII only, as SQLite's sqlite3UpperToLower).

fn icmp(a: &[u8], b: &[u8], n: usize) -> c_int {
    for i in 0..n {
        let x = a.get(i).copied().unwrap_or(0).to_ascii_lowercase();
        let y = b.get(i).copied().unwrap_or(0).to_ascii_lowercase();
        if x != y || x == 0 {
            return x as c_int - y as c_int;
        }
    }
    0
}

/// # Safety
/// C strings or NULL.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_stricmp(a: *const c_char, b: *const c_char) -> c_int {
    capi_boundary! {
        // SAFETY: caller contract.
        let (a, b) = unsafe { (cstr_bytes(a), cstr_bytes(b)) };
        match (a, b) {
            (None, None) => 0,
            (None, _) => -1,
            (_, None) => 1,
            (Some(a), Some(b)) => icmp(a, b, usize::MAX),
        }
    }
}

/// # Safety
/// C strings or NULL.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_strnicmp(a: *const c_char, b: *const c_char, n: c_int) -> c_int {
    capi_boundary! {
        // SAFETY: caller contract.
        let (a, b) = unsafe { (cstr_bytes(a), cstr_bytes(b)) };
        match (a, b) {
            (None, None) => 0,
            (None, _) => -1,
            (_, None) => 1,
            (Some(a), Some(b)) => icmp(a, b, n.max(0) as usize),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// GLOB / LIKE matching (SQLite's patternCompare): 0 match, 1 no match, 2 no match and no
// later position can match.

struct PInfo {
    all: char,
    one: char,
    set: Option<char>,
    nocase: bool,
}

fn pattern_compare(p: &[char], s: &[char], info: &PInfo, esc: Option<char>) -> c_int {
    let mut pi = 0;
    let mut si = 0;
    let mut escaped_at: Option<usize> = None;
    while pi < p.len() {
        let c = p[pi];
        pi += 1;
        if c == info.all {
            loop {
                match p.get(pi) {
                    Some(&c2) if c2 == info.all => pi += 1,
                    Some(&c2) if c2 == info.one => {
                        pi += 1;
                        if si >= s.len() {
                            return 2;
                        }
                        si += 1;
                    }
                    _ => break,
                }
            }
            if pi >= p.len() {
                return 0;
            }
            for k in si..=s.len() {
                let r = pattern_compare(&p[pi..], &s[k..], info, esc);
                if r != 1 {
                    return r;
                }
            }
            return 2;
        }
        if Some(c) == esc && info.set.is_none() {
            let Some(&c2) = p.get(pi) else { return 1 };
            pi += 1;
            escaped_at = Some(pi);
            let Some(&sc) = s.get(si) else { return 1 };
            si += 1;
            if c2 == sc || (info.nocase && (c2 as u32) < 0x80 && c2.eq_ignore_ascii_case(&sc)) {
                continue;
            }
            return 1;
        }
        if Some(c) == info.set {
            let Some(&sc) = s.get(si) else { return 1 };
            si += 1;
            let mut seen = false;
            let mut invert = false;
            let mut prior: Option<char> = None;
            let mut c2 = p.get(pi).copied();
            pi += 1;
            if c2 == Some('^') {
                invert = true;
                c2 = p.get(pi).copied();
                pi += 1;
            }
            if c2 == Some(']') {
                if sc == ']' {
                    seen = true;
                }
                c2 = p.get(pi).copied();
                pi += 1;
            }
            while let Some(cc) = c2 {
                if cc == ']' {
                    break;
                }
                if cc == '-' && p.get(pi).is_some_and(|&n| n != ']') && prior.is_some() {
                    let hi = p.get(pi).copied().unwrap_or('\0');
                    pi += 1;
                    if let Some(lo) = prior {
                        if sc >= lo && sc <= hi {
                            seen = true;
                        }
                    }
                    prior = None;
                } else {
                    if sc == cc {
                        seen = true;
                    }
                    prior = Some(cc);
                }
                c2 = p.get(pi).copied();
                pi += 1;
            }
            if c2.is_none() || seen == invert {
                return 1;
            }
            continue;
        }
        let Some(&sc) = s.get(si) else { return 1 };
        si += 1;
        if c == sc {
            continue;
        }
        if info.nocase && (c as u32) < 0x80 && (sc as u32) < 0x80 && c.eq_ignore_ascii_case(&sc) {
            continue;
        }
        if c == info.one && escaped_at != Some(pi - 1) {
            continue;
        }
        return 1;
    }
    if si >= s.len() {
        0
    } else {
        1
    }
}

fn chars(b: &[u8]) -> Vec<char> {
    String::from_utf8_lossy(b).chars().collect()
}

/// # Safety
/// C strings or NULL.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_strglob(pat: *const c_char, s: *const c_char) -> c_int {
    capi_boundary! {
        // SAFETY: caller contract.
        let (Some(p), Some(s)) = (unsafe { cstr_bytes(pat) }, unsafe { cstr_bytes(s) }) else {
            return if pat.is_null() && s.is_null() { 0 } else { 1 };
        };
        let info = PInfo { all: '*', one: '?', set: Some('['), nocase: false };
        pattern_compare(&chars(p), &chars(s), &info, None)
    }
}

/// # Safety
/// C strings or NULL.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_strlike(pat: *const c_char, s: *const c_char, esc: u32) -> c_int {
    capi_boundary! {
        // SAFETY: caller contract.
        let (Some(p), Some(s)) = (unsafe { cstr_bytes(pat) }, unsafe { cstr_bytes(s) }) else {
            return if pat.is_null() && s.is_null() { 0 } else { 1 };
        };
        let info = PInfo { all: '%', one: '_', set: None, nocase: true };
        pattern_compare(&chars(p), &chars(s), &info, if esc == 0 { None } else { char::from_u32(esc) })
    }
}

// ---------------------------------------------------------------------------------------------
// Keywords (in SQLite 3.40.1's order, as sqlite3_keyword_name reports them)

const KEYWORDS: [&str; 147] = [
    "REINDEX",
    "INDEXED",
    "INDEX",
    "DESC",
    "ESCAPE",
    "EACH",
    "CHECK",
    "KEY",
    "BEFORE",
    "FOREIGN",
    "FOR",
    "IGNORE",
    "REGEXP",
    "EXPLAIN",
    "INSTEAD",
    "ADD",
    "DATABASE",
    "AS",
    "SELECT",
    "TABLE",
    "LEFT",
    "THEN",
    "END",
    "DEFERRABLE",
    "ELSE",
    "EXCLUDE",
    "DELETE",
    "TEMPORARY",
    "TEMP",
    "OR",
    "ISNULL",
    "NULLS",
    "SAVEPOINT",
    "INTERSECT",
    "TIES",
    "NOTNULL",
    "NOT",
    "NO",
    "NULL",
    "LIKE",
    "EXCEPT",
    "TRANSACTION",
    "ACTION",
    "ON",
    "NATURAL",
    "ALTER",
    "RAISE",
    "EXCLUSIVE",
    "EXISTS",
    "CONSTRAINT",
    "INTO",
    "OFFSET",
    "OF",
    "SET",
    "TRIGGER",
    "RANGE",
    "GENERATED",
    "DETACH",
    "HAVING",
    "GLOB",
    "BEGIN",
    "INNER",
    "REFERENCES",
    "UNIQUE",
    "QUERY",
    "WITHOUT",
    "WITH",
    "OUTER",
    "RELEASE",
    "ATTACH",
    "BETWEEN",
    "NOTHING",
    "GROUPS",
    "GROUP",
    "CASCADE",
    "ASC",
    "DEFAULT",
    "CASE",
    "COLLATE",
    "CREATE",
    "CURRENT_DATE",
    "IMMEDIATE",
    "JOIN",
    "INSERT",
    "MATCH",
    "PLAN",
    "ANALYZE",
    "PRAGMA",
    "MATERIALIZED",
    "DEFERRED",
    "DISTINCT",
    "IS",
    "UPDATE",
    "VALUES",
    "VIRTUAL",
    "ALWAYS",
    "WHEN",
    "WHERE",
    "RECURSIVE",
    "ABORT",
    "AFTER",
    "RENAME",
    "AND",
    "DROP",
    "PARTITION",
    "AUTOINCREMENT",
    "TO",
    "IN",
    "CAST",
    "COLUMN",
    "COMMIT",
    "CONFLICT",
    "CROSS",
    "CURRENT_TIMESTAMP",
    "CURRENT_TIME",
    "CURRENT",
    "PRECEDING",
    "FAIL",
    "LAST",
    "FILTER",
    "REPLACE",
    "FIRST",
    "FOLLOWING",
    "FROM",
    "FULL",
    "LIMIT",
    "IF",
    "ORDER",
    "RESTRICT",
    "OTHERS",
    "OVER",
    "RETURNING",
    "RIGHT",
    "ROLLBACK",
    "ROWS",
    "ROW",
    "UNBOUNDED",
    "UNION",
    "USING",
    "VACUUM",
    "VIEW",
    "WINDOW",
    "DO",
    "BY",
    "INITIALLY",
    "ALL",
    "PRIMARY",
];

#[no_mangle]
pub extern "C" fn sqlite3_keyword_count() -> c_int {
    KEYWORDS.len() as c_int
}

/// # Safety
/// Out-pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_keyword_name(
    i: c_int,
    z: *mut *const c_char,
    n: *mut c_int,
) -> c_int {
    capi_boundary! {
        if i < 0 { return SQLITE_ERROR; }
        let Some(k) = KEYWORDS.get(i as usize) else { return SQLITE_ERROR; };
        // SAFETY: caller contract. The name is not NUL-terminated in SQLite either; ours is.
        unsafe {
            if !z.is_null() { *z = static_cstr(k); }
            if !n.is_null() { *n = k.len() as c_int; }
        }
        SQLITE_OK
    }
}

/// # Safety
/// `z` points to `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_keyword_check(z: *const c_char, n: c_int) -> c_int {
    capi_boundary! {
        if z.is_null() || n <= 0 { return 0; }
        // SAFETY: caller contract.
        let w = unsafe { bytes_n(z, n as i64, false) };
        KEYWORDS.iter().any(|k| k.as_bytes().eq_ignore_ascii_case(w)) as c_int
    }
}

// ---------------------------------------------------------------------------------------------
// Filenames and URI parameters (layout built by db::filename_layout / sqlite3_create_filename)

/// # Safety
/// `z` points into a filename layout (after its 4 leading NULs).
unsafe fn strlen_at(z: *const c_char) -> usize {
    // SAFETY: caller contract: NUL-terminated.
    unsafe { std::ffi::CStr::from_ptr(z) }.to_bytes().len()
}

/// Walk back from any name in a layout to its database name (SQLite's `databaseName`).
///
/// # Safety
/// `z` is a filename handed out by SQLite APIs.
unsafe fn database_name(mut z: *const c_char) -> *const c_char {
    // SAFETY: the layout starts with 4 NULs, so the walk stops inside it.
    unsafe {
        while *z.sub(1) != 0 || *z.sub(2) != 0 || *z.sub(3) != 0 || *z.sub(4) != 0 {
            z = z.sub(1);
        }
    }
    z
}

/// # Safety
/// `z` NULL or a filename from `sqlite3_db_filename`/`xOpen`; `p` NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_uri_parameter(
    z: *const c_char,
    p: *const c_char,
) -> *const c_char {
    capi_boundary! {
        if z.is_null() || p.is_null() { return std::ptr::null(); }
        // SAFETY: caller contract; walking the documented layout.
        unsafe {
            let want = std::ffi::CStr::from_ptr(p).to_bytes();
            let mut z = database_name(z);
            z = z.add(strlen_at(z) + 1);
            while *z != 0 {
                let k = std::ffi::CStr::from_ptr(z).to_bytes();
                let hit = k == want;
                z = z.add(k.len() + 1);
                if hit { return z; }
                z = z.add(strlen_at(z) + 1);
            }
        }
        std::ptr::null()
    }
}

/// # Safety
/// As [`sqlite3_uri_parameter`].
#[no_mangle]
pub unsafe extern "C" fn sqlite3_uri_key(z: *const c_char, n: c_int) -> *const c_char {
    capi_boundary! {
        if z.is_null() || n < 0 { return std::ptr::null(); }
        // SAFETY: caller contract; walking the documented layout.
        unsafe {
            let mut z = database_name(z);
            z = z.add(strlen_at(z) + 1);
            let mut n = n;
            while *z != 0 {
                if n == 0 { return z; }
                n -= 1;
                z = z.add(strlen_at(z) + 1);
                z = z.add(strlen_at(z) + 1);
            }
        }
        std::ptr::null()
    }
}

fn boolean(v: &[u8], dflt: bool) -> bool {
    let s = String::from_utf8_lossy(v).to_ascii_lowercase();
    if let Some(d) = s.chars().next().filter(|c| c.is_ascii_digit()) {
        let _ = d;
        return s
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect::<String>()
            .parse::<i64>()
            .map(|n| n != 0)
            .unwrap_or(dflt);
    }
    match s.as_str() {
        "yes" | "on" | "true" | "full" | "extra" => true,
        "no" | "off" | "false" => false,
        _ => dflt,
    }
}

/// # Safety
/// As [`sqlite3_uri_parameter`].
#[no_mangle]
pub unsafe extern "C" fn sqlite3_uri_boolean(
    z: *const c_char,
    p: *const c_char,
    dflt: c_int,
) -> c_int {
    capi_boundary! {
        // SAFETY: forwarded.
        let v = unsafe { sqlite3_uri_parameter(z, p) };
        // SAFETY: a value inside the layout.
        match unsafe { cstr_bytes(v) } { Some(v) => boolean(v, dflt != 0) as c_int, None => (dflt != 0) as c_int }
    }
}

/// # Safety
/// As [`sqlite3_uri_parameter`].
#[no_mangle]
pub unsafe extern "C" fn sqlite3_uri_int64(
    z: *const c_char,
    p: *const c_char,
    dflt: sqlite3_int64,
) -> sqlite3_int64 {
    capi_boundary! {
        // SAFETY: forwarded.
        let v = unsafe { sqlite3_uri_parameter(z, p) };
        // SAFETY: a value inside the layout.
        let Some(v) = (unsafe { cstr_bytes(v) }) else { return dflt; };
        let s = String::from_utf8_lossy(v);
        let s = s.trim();
        if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
            return u64::from_str_radix(h, 16).map(|u| u as i64).unwrap_or(dflt);
        }
        s.parse::<i64>().unwrap_or(dflt)
    }
}

/// # Safety
/// As [`sqlite3_uri_parameter`].
#[no_mangle]
pub unsafe extern "C" fn sqlite3_filename_database(z: *const c_char) -> *const c_char {
    capi_boundary! {
        if z.is_null() { return std::ptr::null(); }
        // SAFETY: caller contract.
        unsafe { database_name(z) }
    }
}

/// # Safety
/// As [`sqlite3_uri_parameter`].
#[no_mangle]
pub unsafe extern "C" fn sqlite3_filename_journal(z: *const c_char) -> *const c_char {
    capi_boundary! {
        if z.is_null() { return std::ptr::null(); }
        // SAFETY: caller contract; walking the documented layout.
        unsafe {
            let mut z = database_name(z);
            z = z.add(strlen_at(z) + 1);
            while *z != 0 {
                z = z.add(strlen_at(z) + 1);
                z = z.add(strlen_at(z) + 1);
            }
            z.add(1)
        }
    }
}

/// # Safety
/// As [`sqlite3_uri_parameter`].
#[no_mangle]
pub unsafe extern "C" fn sqlite3_filename_wal(z: *const c_char) -> *const c_char {
    capi_boundary! {
        if z.is_null() { return std::ptr::null(); }
        // SAFETY: forwarded; the wal name follows the journal name.
        unsafe {
            let j = sqlite3_filename_journal(z);
            j.add(strlen_at(j) + 1)
        }
    }
}

/// # Safety
/// C strings; `params` has `n*2` C-string pointers.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_create_filename(
    db: *const c_char,
    journal: *const c_char,
    wal: *const c_char,
    n: c_int,
    params: *mut *const c_char,
) -> *const c_char {
    capi_boundary! {
        let mut v = vec![0u8; 4];
        let mut push = |p: *const c_char| {
            // SAFETY: caller contract.
            v.extend_from_slice(unsafe { cstr_bytes(p) }.unwrap_or(b""));
            v.push(0);
        };
        push(db);
        for i in 0..(n.max(0) as usize * 2) {
            // SAFETY: params has 2n entries.
            push(unsafe { *params.add(i) });
        }
        v.push(0);
        let mut push = |p: *const c_char| {
            // SAFETY: caller contract.
            v.extend_from_slice(unsafe { cstr_bytes(p) }.unwrap_or(b""));
            v.push(0);
        };
        push(journal);
        push(wal);
        v.extend_from_slice(&[0, 0]);
        let p = super::mem::raw_malloc(v.len() as u64) as *mut u8;
        if p.is_null() { return std::ptr::null(); }
        // SAFETY: p has v.len() bytes.
        unsafe {
            std::ptr::copy_nonoverlapping(v.as_ptr(), p, v.len());
            p.add(4) as *const c_char
        }
    }
}

/// # Safety
/// NULL or a value from `sqlite3_create_filename`.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_free_filename(z: *const c_char) {
    capi_boundary! {
        if z.is_null() { return; }
        // SAFETY: sqlite3_create_filename returned base + 4.
        unsafe { super::mem::raw_free(database_name(z).sub(4) as *mut c_void) }
    }
}

// ---------------------------------------------------------------------------------------------
// Randomness, sleep

/// # Safety
/// `p` has room for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_randomness(n: c_int, p: *mut c_void) {
    capi_boundary! {
        if n <= 0 || p.is_null() { return; }
        let mut filled = 0usize;
        while filled < n as usize {
            // SAFETY: writing at most n - filled bytes into the caller's buffer.
            let r = unsafe { libc::getrandom((p as *mut u8).add(filled) as *mut c_void, n as usize - filled, 0) };
            if r <= 0 { break; }
            filled += r as usize;
        }
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_sleep(ms: c_int) -> c_int {
    capi_boundary! {
        let ms = ms.max(0);
        std::thread::sleep(std::time::Duration::from_millis(ms as u64));
        ms
    }
}

// ---------------------------------------------------------------------------------------------
// The VFS description ("unix"); the real VFS is Rust-side (src/vfs) and not pluggable from C.

#[repr(C)]
#[allow(non_camel_case_types)]
pub struct sqlite3_vfs {
    i_version: c_int,
    sz_os_file: c_int,
    mx_pathname: c_int,
    p_next: *mut sqlite3_vfs,
    z_name: *const c_char,
    p_app_data: *mut c_void,
    x_open: usize,
    x_delete: usize,
    x_access:
        Option<unsafe extern "C" fn(*mut sqlite3_vfs, *const c_char, c_int, *mut c_int) -> c_int>,
    x_full_pathname:
        Option<unsafe extern "C" fn(*mut sqlite3_vfs, *const c_char, c_int, *mut c_char) -> c_int>,
    x_dl_open: usize,
    x_dl_error: usize,
    x_dl_sym: usize,
    x_dl_close: usize,
    x_randomness: Option<unsafe extern "C" fn(*mut sqlite3_vfs, c_int, *mut c_char) -> c_int>,
    x_sleep: Option<unsafe extern "C" fn(*mut sqlite3_vfs, c_int) -> c_int>,
    x_current_time: Option<unsafe extern "C" fn(*mut sqlite3_vfs, *mut f64) -> c_int>,
    x_get_last_error: Option<unsafe extern "C" fn(*mut sqlite3_vfs, c_int, *mut c_char) -> c_int>,
    x_current_time_int64: Option<unsafe extern "C" fn(*mut sqlite3_vfs, *mut i64) -> c_int>,
    x_set_system_call: usize,
    x_get_system_call: usize,
    x_next_system_call: usize,
}

struct SyncVfs(std::cell::UnsafeCell<sqlite3_vfs>);
// SAFETY: the struct is never written after initialization; C callers only read it.
unsafe impl Sync for SyncVfs {}

unsafe extern "C" fn vfs_access(
    _v: *mut sqlite3_vfs,
    z: *const c_char,
    _flags: c_int,
    out: *mut c_int,
) -> c_int {
    run_int(|| {
        // SAFETY: VFS contract: z is a C string, out writable.
        unsafe {
            let ok = !z.is_null() && libc::access(z, libc::F_OK) == 0;
            if !out.is_null() {
                *out = ok as c_int;
            }
        }
        SQLITE_OK
    })
}

unsafe extern "C" fn vfs_full_pathname(
    _v: *mut sqlite3_vfs,
    z: *const c_char,
    n: c_int,
    out: *mut c_char,
) -> c_int {
    run_int(|| {
        // SAFETY: VFS contract.
        let Some(b) = (unsafe { cstr_bytes(z) }) else {
            return SQLITE_CANTOPEN;
        };
        let s = String::from_utf8_lossy(b);
        let full = if s.starts_with('/') {
            s.into_owned()
        } else {
            std::env::current_dir()
                .map(|d| d.join(&*s).to_string_lossy().into_owned())
                .unwrap_or_else(|_| s.into_owned())
        };
        if n <= 0 || full.len() >= n as usize {
            return SQLITE_CANTOPEN;
        }
        // SAFETY: out has n bytes; full.len() + 1 <= n.
        unsafe {
            std::ptr::copy_nonoverlapping(full.as_ptr(), out as *mut u8, full.len());
            *out.add(full.len()) = 0;
        }
        SQLITE_OK
    })
}

unsafe extern "C" fn vfs_randomness(_v: *mut sqlite3_vfs, n: c_int, out: *mut c_char) -> c_int {
    // SAFETY: VFS contract: out has n bytes.
    unsafe { sqlite3_randomness(n, out as *mut c_void) };
    n
}

unsafe extern "C" fn vfs_sleep(_v: *mut sqlite3_vfs, us: c_int) -> c_int {
    std::thread::sleep(std::time::Duration::from_micros(us.max(0) as u64));
    us
}

fn now_ms_julian() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    // Julian day number of the Unix epoch in ms: 2440587.5 days.
    210_866_760_000_000 + d.as_millis() as i64
}

unsafe extern "C" fn vfs_current_time(_v: *mut sqlite3_vfs, out: *mut f64) -> c_int {
    if !out.is_null() {
        // SAFETY: VFS contract.
        unsafe { *out = now_ms_julian() as f64 / 86_400_000.0 };
    }
    SQLITE_OK
}

unsafe extern "C" fn vfs_current_time_int64(_v: *mut sqlite3_vfs, out: *mut i64) -> c_int {
    if !out.is_null() {
        // SAFETY: VFS contract.
        unsafe { *out = now_ms_julian() };
    }
    SQLITE_OK
}

unsafe extern "C" fn vfs_get_last_error(
    _v: *mut sqlite3_vfs,
    _n: c_int,
    _out: *mut c_char,
) -> c_int {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn run_int(f: impl FnOnce() -> c_int) -> c_int {
    super::boundary::run(f)
}

static UNIX_VFS: SyncVfs = SyncVfs(std::cell::UnsafeCell::new(sqlite3_vfs {
    i_version: 3,
    sz_os_file: 120,
    mx_pathname: 512,
    p_next: std::ptr::null_mut(),
    z_name: c"unix".as_ptr(),
    p_app_data: std::ptr::null_mut(),
    x_open: 0,
    x_delete: 0,
    x_access: Some(vfs_access),
    x_full_pathname: Some(vfs_full_pathname),
    x_dl_open: 0,
    x_dl_error: 0,
    x_dl_sym: 0,
    x_dl_close: 0,
    x_randomness: Some(vfs_randomness),
    x_sleep: Some(vfs_sleep),
    x_current_time: Some(vfs_current_time),
    x_get_last_error: Some(vfs_get_last_error),
    x_current_time_int64: Some(vfs_current_time_int64),
    x_set_system_call: 0,
    x_get_system_call: 0,
    x_next_system_call: 0,
}));

/// # Safety
/// `name` NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_vfs_find(name: *const c_char) -> *mut sqlite3_vfs {
    capi_boundary! {
        // SAFETY: caller contract.
        match unsafe { cstr_bytes(name) } {
            None => UNIX_VFS.0.get(),
            Some(b"unix") => UNIX_VFS.0.get(),
            Some(_) => std::ptr::null_mut(),
        }
    }
}

/// Registering C VFS implementations is not supported (see COMPAT).
#[no_mangle]
pub extern "C" fn sqlite3_vfs_register(_vfs: *mut sqlite3_vfs, _make_default: c_int) -> c_int {
    SQLITE_ERROR
}

#[no_mangle]
pub extern "C" fn sqlite3_vfs_unregister(_vfs: *mut sqlite3_vfs) -> c_int {
    SQLITE_ERROR
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn complete_matches_sqlite() {
        assert!(complete(b"select 1;"));
        assert!(!complete(b"select 1"));
        assert!(complete(b"select 1; -- c"));
        assert!(!complete(b"select 'a;"));
        assert!(!complete(
            b"CREATE TRIGGER t AFTER INSERT ON x BEGIN select 1;"
        ));
        assert!(complete(
            b"CREATE TRIGGER t AFTER INSERT ON x BEGIN select 1; END;"
        ));
        assert!(complete(b"/* x */ select [a;b];"));
        assert!(!complete(b"select 1; /* open"));
    }
    #[test]
    fn glob_and_like() {
        let g = PInfo {
            all: '*',
            one: '?',
            set: Some('['),
            nocase: false,
        };
        let l = PInfo {
            all: '%',
            one: '_',
            set: None,
            nocase: true,
        };
        let m = |p: &str, s: &str, i: &PInfo, e: Option<char>| {
            pattern_compare(&chars(p.as_bytes()), &chars(s.as_bytes()), i, e)
        };
        assert_eq!(m("a*c", "abbbc", &g, None), 0);
        assert_ne!(m("a*c", "abbbd", &g, None), 0);
        assert_eq!(m("[a-c]x", "bx", &g, None), 0);
        assert_ne!(m("[^a-c]x", "bx", &g, None), 0);
        assert_eq!(m("A%", "abc", &l, None), 0);
        assert_eq!(m("a\\%", "a%", &l, Some('\\')), 0);
        assert_ne!(m("a\\%", "ab", &l, Some('\\')), 0);
        assert_eq!(m("a_c", "abc", &l, None), 0);
    }
}

/// `sqlite3_unlock_notify`: EpilogLite has no shared-cache mode, so no connection is ever
/// blocked on another one's shared-cache lock; as SQLite does in that case, the callback is
/// invoked at once (with this single argument) and SQLITE_OK returned. A NULL callback cancels.
///
/// # Safety
/// `f` NULL or a valid callback.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_unlock_notify(
    db: *mut super::db::sqlite3,
    f: Option<unsafe extern "C" fn(*mut *mut c_void, c_int)>,
    arg: *mut c_void,
) -> c_int {
    capi_boundary! {
        let _d = handle!(db, Db, super::db::sqlite3);
        if let Some(f) = f {
            let mut a = arg;
            // SAFETY: the application's callback with a one-element argument array.
            unsafe { f(&mut a, 1) };
        }
        SQLITE_OK
    }
}
