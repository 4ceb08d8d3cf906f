//! Encryption keys (`ENCRYPTION.md`): `sqlite3_key`, `sqlite3_key_v2`, `sqlite3_rekey`,
//! `sqlite3_rekey_v2`, with the signatures SQLite's SEE and SQLCipher use, so their programs
//! work unchanged. Not part of SQLite 3.40.1's export list: `tests/exports.rs` allows exactly
//! these four extra symbols.
//!
//! The key is `nKey` bytes at `pKey` (all of them: a passphrase may hold any byte; `nKey < 0`
//! reads up to a NUL), parsed as `PRAGMA key` parses its value (`x'<64 hex>'` is a raw key,
//! empty means no key). The work is done by `Connection::key` / `Connection::rekey`
//! (`src/db/key.rs`); this file only checks the handle and copies the bytes.

use super::boundary::{capi_boundary, handle};
use super::db::sqlite3;
use super::util::{bytes_n, cstr_bytes};
use crate::error::codes::*;
use std::os::raw::{c_char, c_int, c_void};
use zeroize::Zeroizing;

#[derive(Clone, Copy)]
enum Op {
    Key,
    Rekey,
}

/// # Safety
/// `db` is checked; `name` is NULL or a C string; `key` points to `n` readable bytes (or is a
/// C string when `n < 0`, or NULL).
unsafe fn key_impl(
    db: *mut sqlite3,
    name: *const c_char,
    key: *const c_void,
    n: c_int,
    op: Op,
) -> c_int {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3);
        // SAFETY: caller contract (C string or NULL).
        let name = unsafe { cstr_bytes(name) }.map(|b| String::from_utf8_lossy(b).into_owned());
        // SAFETY: caller contract (`n` readable bytes, or a C string when n < 0, or NULL).
        let bytes = Zeroizing::new(unsafe { bytes_n(key as *const c_char, n as i64, false) }.to_vec());
        let g = d.m.lock();
        let r = g.with_conn(|c| match op {
            Op::Key => c.key(name.as_deref(), &bytes),
            Op::Rekey => c.rekey(name.as_deref(), &bytes),
        });
        match r {
            Some(Ok(())) => {
                g.ok();
                SQLITE_OK
            }
            Some(Err(e)) => g.fail(&e),
            None => SQLITE_MISUSE,
        }
    }
}

/// `int sqlite3_key(sqlite3*, const void *pKey, int nKey)`: key of the main database.
///
/// # Safety
/// `key` points to `n` readable bytes (or is a C string when `n < 0`, or NULL).
#[no_mangle]
pub unsafe extern "C" fn sqlite3_key(db: *mut sqlite3, key: *const c_void, n: c_int) -> c_int {
    // SAFETY: caller contract, passed on.
    unsafe { key_impl(db, std::ptr::null(), key, n, Op::Key) }
}

/// `int sqlite3_key_v2(sqlite3*, const char *zDbName, const void *pKey, int nKey)`.
///
/// # Safety
/// As [`sqlite3_key`]; `name` is NULL (main) or a C string.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_key_v2(
    db: *mut sqlite3,
    name: *const c_char,
    key: *const c_void,
    n: c_int,
) -> c_int {
    // SAFETY: caller contract, passed on.
    unsafe { key_impl(db, name, key, n, Op::Key) }
}

/// `int sqlite3_rekey(sqlite3*, const void *pKey, int nKey)`: re-encrypt the main database
/// (an empty key decrypts it).
///
/// # Safety
/// As [`sqlite3_key`].
#[no_mangle]
pub unsafe extern "C" fn sqlite3_rekey(db: *mut sqlite3, key: *const c_void, n: c_int) -> c_int {
    // SAFETY: caller contract, passed on.
    unsafe { key_impl(db, std::ptr::null(), key, n, Op::Rekey) }
}

/// `int sqlite3_rekey_v2(sqlite3*, const char *zDbName, const void *pKey, int nKey)`.
///
/// # Safety
/// As [`sqlite3_key_v2`].
#[no_mangle]
pub unsafe extern "C" fn sqlite3_rekey_v2(
    db: *mut sqlite3,
    name: *const c_char,
    key: *const c_void,
    n: c_int,
) -> c_int {
    // SAFETY: caller contract, passed on.
    unsafe { key_impl(db, name, key, n, Op::Rekey) }
}
