//! Library-wide configuration (`sqlite3_config`, `sqlite3_db_config`), status counters,
//! initialization and version information.
//!
//! Invariants:
//! 1. `sqlite3_config` options are accepted at any time (SQLite refuses them after
//!    `sqlite3_initialize`; EpilogLite has no state they could invalidate). Options without an
//!    effect are accepted and listed in COMPAT; `GETMALLOC`/`GETMUTEX`/`GETPCACHE2` fail.
//! 2. `db_config` boolean options are stored per connection and reported back (they do not
//!    change the engine's behaviour yet; see COMPAT).

use super::boundary::{capi_boundary, handle};
use super::db::sqlite3;
#[allow(unused_imports)]
use super::{sqlite3_int64, sqlite3_uint64};
use crate::error::codes::*;
use std::os::raw::{c_char, c_int, c_void};
use std::sync::atomic::{AtomicBool, Ordering};

/// `SQLITE_USE_URI=1` in Debian's build: URI filenames are on by default.
static URI_DEFAULT: AtomicBool = AtomicBool::new(true);

/// `SQLITE_CONFIG_SINGLETHREAD` in force: `sqlite3_mutex_alloc` then hands out SQLite's no-op
/// mutex, the pointer value 8 (rusqlite refuses to open connections when it sees it).
static SINGLE_THREAD: AtomicBool = AtomicBool::new(false);

pub fn single_thread() -> bool {
    SINGLE_THREAD.load(Ordering::Relaxed)
}

pub fn uri_default() -> bool {
    URI_DEFAULT.load(Ordering::Relaxed)
}

/// Defaults of the boolean `SQLITE_DBCONFIG_*` options in SQLite 3.40.1 as Debian builds it.
pub const DBCONFIG_DEFAULTS: &[(c_int, c_int)] = &[
    (1002, 0), // ENABLE_FKEY
    (1003, 1), // ENABLE_TRIGGER
    (1004, 0), // ENABLE_FTS3_TOKENIZER
    (1005, 0), // ENABLE_LOAD_EXTENSION
    (1006, 0), // NO_CKPT_ON_CLOSE
    (1007, 0), // ENABLE_QPSG
    (1008, 0), // TRIGGER_EQP
    (1009, 0), // RESET_DATABASE
    (1010, 0), // DEFENSIVE
    (1011, 0), // WRITABLE_SCHEMA
    (1012, 0), // LEGACY_ALTER_TABLE
    (1013, 1), // DQS_DML
    (1014, 1), // DQS_DDL
    (1015, 1), // ENABLE_VIEW
    (1016, 0), // LEGACY_FILE_FORMAT
    (1017, 1), // TRUSTED_SCHEMA
];

/// The Rust half of `sqlite3_config` (arguments fetched by the C shim).
pub extern "C" fn config_impl(
    op: c_int,
    a: sqlite3_int64,
    b: sqlite3_int64,
    _c: sqlite3_int64,
) -> c_int {
    capi_boundary! {
        match op {
            1..=3 => {
                // SINGLETHREAD / MULTITHREAD / SERIALIZED
                SINGLE_THREAD.store(op == 1, Ordering::Relaxed);
                SQLITE_OK
            }
            4 | 6..=10 | 13 | 14 | 18 | 20..=23 | 25..=29 => SQLITE_OK,
            16 => {
                let f: Option<super::boundary::LogFn> = if a == 0 {
                    None
                } else {
                    // SAFETY: the application passed a log callback of this type.
                    Some(unsafe { std::mem::transmute::<usize, super::boundary::LogFn>(a as usize) })
                };
                super::boundary::set_logger(f, b as usize as *mut c_void);
                SQLITE_OK
            }
            17 => {
                URI_DEFAULT.store(a != 0, Ordering::Relaxed);
                SQLITE_OK
            }
            24 => {
                let p = a as usize as *mut c_int;
                if !p.is_null() {
                    // SAFETY: PCACHE_HDRSZ takes an int* to write.
                    unsafe { *p = 0 };
                }
                SQLITE_OK
            }
            _ => SQLITE_ERROR,
        }
    }
}

/// The Rust half of `sqlite3_db_config`.
pub extern "C" fn db_config_impl(
    db: *mut sqlite3,
    op: c_int,
    a: sqlite3_int64,
    b: sqlite3_int64,
    _c: sqlite3_int64,
) -> c_int {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3);
        let g = d.m.lock();
        match op {
            1000 | 1001 => SQLITE_OK,
            1002..=1017 => {
                let mut m = g.dbconfig.borrow_mut();
                let cur = m.entry(op).or_insert(0);
                if a > 0 { *cur = 1; } else if a == 0 { *cur = 0; }
                let p = b as usize as *mut c_int;
                if !p.is_null() {
                    // SAFETY: boolean db_config options take an int* result pointer.
                    unsafe { *p = *cur };
                }
                SQLITE_OK
            }
            _ => SQLITE_ERROR,
        }
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_initialize() -> c_int {
    capi_boundary! { super::varargs::register_with_shim(); SQLITE_OK }
}

#[no_mangle]
pub extern "C" fn sqlite3_shutdown() -> c_int {
    SQLITE_OK
}

#[no_mangle]
pub extern "C" fn sqlite3_os_init() -> c_int {
    SQLITE_OK
}

#[no_mangle]
pub extern "C" fn sqlite3_os_end() -> c_int {
    SQLITE_OK
}

// ---------------------------------------------------------------------------------------------
// Status

/// # Safety
/// `cur`/`hi` NULL or writable.
unsafe fn status_common(op: c_int, cur: *mut i64, hi: *mut i64, reset: c_int) -> c_int {
    if !(0..=9).contains(&op) {
        return SQLITE_MISUSE;
    }
    let (c, h) = if op == 0 {
        // sqlite3_malloc'd bytes plus the engine's page caches (SQLite counts both).
        let c = super::mem::MEM_USED.load(Ordering::Relaxed) + all_cache_bytes();
        (c, super::mem::sqlite3_memory_highwater(reset).max(c))
    } else {
        (0, 0)
    };
    // SAFETY: caller contract.
    unsafe {
        if !cur.is_null() {
            *cur = c;
        }
        if !hi.is_null() {
            *hi = h;
        }
    }
    SQLITE_OK
}

/// Only `SQLITE_STATUS_MEMORY_USED` is tracked; the other counters read 0.
///
/// # Safety
/// `cur`/`hi` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_status64(
    op: c_int,
    cur: *mut sqlite3_int64,
    hi: *mut sqlite3_int64,
    reset: c_int,
) -> c_int {
    // SAFETY: forwarded.
    capi_boundary! { unsafe { status_common(op, cur, hi, reset) } }
}

/// # Safety
/// `cur`/`hi` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_status(
    op: c_int,
    cur: *mut c_int,
    hi: *mut c_int,
    reset: c_int,
) -> c_int {
    capi_boundary! {
        let (mut c, mut h) = (0i64, 0i64);
        // SAFETY: local out-variables.
        let rc = unsafe { status_common(op, &mut c, &mut h, reset) };
        // SAFETY: caller contract.
        unsafe {
            if !cur.is_null() { *cur = c as c_int; }
            if !hi.is_null() { *hi = h as c_int; }
        }
        rc
    }
}

/// Page-cache bytes of every open connection whose mutex is free right now (a connection in
/// use by another thread is skipped rather than waited for).
fn all_cache_bytes() -> i64 {
    let mut total = 0;
    super::boundary::for_each_live(super::boundary::Kind::Db, |a| {
        // SAFETY: registered, and the registry is read-locked by for_each_live, so the handle
        // cannot be unregistered and freed (really_close unregisters before freeing) meanwhile.
        let d = unsafe { &*(a as *const sqlite3) };
        if let Some(g) = d.m.try_lock() {
            total += g.with_conn_ref(|c| c.cache_used_bytes()).unwrap_or(0);
        }
    });
    total
}

/// `SQLITE_DBSTATUS_CACHE_USED` (1) and `CACHE_USED_SHARED` (11): the connection's page-cache
/// bytes; the other counters read 0 (see COMPAT).
///
/// # Safety
/// `cur`/`hi` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_db_status(
    db: *mut sqlite3,
    op: c_int,
    cur: *mut c_int,
    hi: *mut c_int,
    _reset: c_int,
) -> c_int {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3);
        if !(0..=12).contains(&op) { return SQLITE_ERROR; }
        let c = if op == 1 || op == 11 {
            let g = d.m.lock();
            g.with_conn_ref(|c| c.cache_used_bytes()).unwrap_or(0).min(c_int::MAX as i64) as c_int
        } else {
            0
        };
        // SAFETY: caller contract.
        unsafe {
            if !cur.is_null() { *cur = c; }
            if !hi.is_null() { *hi = 0; }
        }
        SQLITE_OK
    }
}

// ---------------------------------------------------------------------------------------------
// Version information

const fn nul_terminated<const N: usize>(s: &str) -> [u8; N] {
    let b = s.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i < b.len() && i < N - 1 {
        out[i] = b[i];
        i += 1;
    }
    out
}

static SOURCE_ID_Z: [u8; crate::SQLITE_SOURCE_ID.len() + 1] =
    nul_terminated::<{ crate::SQLITE_SOURCE_ID.len() + 1 }>(crate::SQLITE_SOURCE_ID);

/// The version string as a data object (Perl's DBD::SQLite reads it directly).
#[no_mangle]
#[allow(non_upper_case_globals)]
pub static sqlite3_version: [u8; 7] = *b"3.40.1\0";

/// `char *sqlite3_temp_directory` (applications may assign it).
#[no_mangle]
#[allow(non_upper_case_globals)]
pub static mut sqlite3_temp_directory: *mut c_char = std::ptr::null_mut();

/// `char *sqlite3_data_directory` (applications may assign it).
#[no_mangle]
#[allow(non_upper_case_globals)]
pub static mut sqlite3_data_directory: *mut c_char = std::ptr::null_mut();

#[no_mangle]
pub extern "C" fn sqlite3_libversion() -> *const c_char {
    sqlite3_version.as_ptr() as *const c_char
}

#[no_mangle]
pub extern "C" fn sqlite3_libversion_number() -> c_int {
    crate::SQLITE_VERSION_NUMBER
}

#[no_mangle]
pub extern "C" fn sqlite3_sourceid() -> *const c_char {
    SOURCE_ID_Z.as_ptr() as *const c_char
}

#[no_mangle]
pub extern "C" fn sqlite3_threadsafe() -> c_int {
    1
}

const COMPILE_OPTIONS: &[&str] = &[
    "DEFAULT_CACHE_SIZE=-2000",
    "DEFAULT_FILE_FORMAT=4",
    "DEFAULT_PAGE_SIZE=4096",
    "DEFAULT_SYNCHRONOUS=2",
    "DEFAULT_WAL_AUTOCHECKPOINT=1000",
    "DEFAULT_WAL_SYNCHRONOUS=2",
    "MAX_ATTACHED=10",
    "MAX_COLUMN=2000",
    "MAX_COMPOUND_SELECT=500",
    "MAX_EXPR_DEPTH=1000",
    "MAX_LENGTH=1000000000",
    "MAX_PAGE_SIZE=65536",
    "MAX_SQL_LENGTH=1000000000",
    "MAX_TRIGGER_DEPTH=1000",
    "MAX_VARIABLE_NUMBER=250000",
    "SECURE_DELETE",
    "THREADSAFE=1",
    "USE_URI",
];

#[no_mangle]
pub extern "C" fn sqlite3_compileoption_get(n: c_int) -> *const c_char {
    capi_boundary! {
        if n < 0 { return std::ptr::null(); }
        COMPILE_OPTIONS.get(n as usize).map(|s| super::util::static_cstr(s)).unwrap_or(std::ptr::null())
    }
}

/// # Safety
/// `name` NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_compileoption_used(name: *const c_char) -> c_int {
    capi_boundary! {
        // SAFETY: caller contract.
        let Some(b) = (unsafe { super::util::cstr_bytes(name) }) else { return 0; };
        let s = String::from_utf8_lossy(b).to_ascii_uppercase();
        let s = s.strip_prefix("SQLITE_").unwrap_or(&s).to_string();
        COMPILE_OPTIONS.iter().any(|o| {
            o.len() >= s.len() && o[..s.len()].eq_ignore_ascii_case(&s) && (o.len() == s.len() || o.as_bytes()[s.len()] == b'=')
        }) as c_int
    }
}
