//! Incremental blob I/O (`sqlite3_blob_*`).
//!
//! A blob handle names one column of one row (`db`.`table`.`column`, rowid). It is built on
//! the engine's public statement API rather than a raw b-tree cursor: `open`/`reopen` read the
//! value with `SELECT col FROM db.table WHERE rowid=?`, `read` serves bytes from that snapshot,
//! and `write` patches the snapshot and stores it back with `UPDATE ... WHERE rowid=?` — the
//! same size and storage class, as SQLite's in-place writes (the size can never change).
//!
//! State: `Open{bytes}` --reopen ok--> `Open{bytes'}`; `Open` --reopen fails--> `Aborted`
//! (every later read/write returns SQLITE_ABORT, as SQLite's expired handle); `close` frees.
//! Invariants: `bytes.len()` is the value's size for the handle's whole life in `Open`; reads
//! and writes are bounds-checked against it (`n<0`, `off<0`, `off+n>len` → SQLITE_ERROR).
//! Expiry: before each read/write the column is read again; if the row is gone or the value
//! differs from the snapshot (another statement changed it), the handle becomes `Aborted` and
//! the call returns SQLITE_ABORT, as SQLite's expired handle. (SQLite also expires it when
//! another column of the row changes; that is not detected.)
//! Not done: a write goes through UPDATE, so triggers on that table fire (SQLite's would not).

use super::boundary::{capi_boundary, handle, is_live, register, unregister, Kind};
use super::db::sqlite3;
use super::sqlite3_int64;
use crate::error::{codes::*, Error};
use crate::value::Value;
use std::os::raw::{c_char, c_int, c_void};

/// The blob handle.
#[allow(non_camel_case_types)]
pub struct sqlite3_blob {
    db: *mut sqlite3,
    sel: Vec<u8>,
    upd: Vec<u8>,
    writable: bool,
    state: std::cell::RefCell<State>,
}

enum State {
    Open {
        rowid: i64,
        text: bool,
        bytes: Vec<u8>,
    },
    Aborted,
}

/// `[x]` (always an identifier, never the double-quoted-string fallback), or `"x"` with inner
/// quotes doubled when the name contains `]`.
fn quote(s: &[u8]) -> Vec<u8> {
    if !s.contains(&b']') {
        let mut v = vec![b'['];
        v.extend_from_slice(s);
        v.push(b']');
        return v;
    }
    let mut v = vec![b'"'];
    for &b in s {
        v.push(b);
        if b == b'"' {
            v.push(b'"');
        }
    }
    v.push(b'"');
    v
}

/// Run `sql` with `params`; the first column of the first row, or `None` if no row.
fn query(
    conn: &mut crate::db::Connection,
    sql: &[u8],
    params: &[Value],
) -> Result<Option<Value>, Error> {
    let (st, _) = conn.prepare(sql)?;
    let Some(mut st) = st else {
        return Ok(None);
    };
    let mut r = Ok(None);
    for (i, p) in params.iter().enumerate() {
        if let Err(e) = st.bind(i + 1, p.clone()) {
            r = Err(e);
        }
    }
    if r.is_ok() {
        r = match st.step(conn) {
            Ok(true) => Ok(Some(st.column_value(0).clone())),
            Ok(false) => Ok(None),
            Err(e) => Err(e),
        };
    }
    st.finalize(conn);
    r
}

/// Load row `rowid` into a new `Open` state, with SQLite's error messages.
fn load(conn: &mut crate::db::Connection, sel: &[u8], rowid: i64) -> Result<State, Error> {
    match query(conn, sel, &[Value::Integer(rowid)])? {
        None => Err(Error::new(SQLITE_ERROR, format!("no such rowid: {rowid}"))),
        Some(Value::Blob(b)) => Ok(State::Open {
            rowid,
            text: false,
            bytes: b,
        }),
        Some(Value::Text(t)) => Ok(State::Open {
            rowid,
            text: true,
            bytes: t,
        }),
        Some(v) => {
            let ty = match v {
                Value::Null => "null",
                Value::Integer(_) => "integer",
                _ => "real",
            };
            Err(Error::new(
                SQLITE_ERROR,
                format!("cannot open value of type {ty}"),
            ))
        }
    }
}

/// Run `f` on the handle's connection under its mutex; records the error on the connection.
fn with_db(
    db: *mut sqlite3,
    f: impl FnOnce(&mut crate::db::Connection) -> Result<(), Error>,
) -> c_int {
    if !is_live(db, Kind::Db) {
        return SQLITE_MISUSE;
    }
    // SAFETY: live per registry (boundary invariant 2).
    let d = unsafe { &*db };
    let g = d.m.lock();
    let r = g.with_conn(f);
    match r {
        Some(Ok(())) => {
            g.ok();
            SQLITE_OK
        }
        Some(Err(e)) => g.fail(&e),
        None => g.fail(&Error::new(
            SQLITE_MISUSE,
            "bad parameter or other API misuse",
        )),
    }
}

/// Whether the handle's row still holds the snapshot (see "Expiry" above). An error while
/// reading counts as changed.
fn still_current(b: &sqlite3_blob, rowid: i64, text: bool, bytes: &[u8]) -> bool {
    if !is_live(b.db, Kind::Db) {
        return false;
    }
    // SAFETY: live per registry (boundary invariant 2).
    let d = unsafe { &*b.db };
    let g = d.m.lock();
    let now = g.with_conn(|conn| query(conn, &b.sel, &[Value::Integer(rowid)]));
    match now {
        Some(Ok(Some(Value::Blob(v)))) => !text && v == bytes,
        Some(Ok(Some(Value::Text(v)))) => text && v == bytes,
        _ => false,
    }
}

/// Record a bare error code (message: SQLite's text for it) on the blob's connection.
fn set_code(db: *mut sqlite3, code: c_int) -> c_int {
    if is_live(db, Kind::Db) {
        // SAFETY: live per registry.
        let d = unsafe { &*db };
        let g = d.m.lock();
        g.set_err_code(code, None);
        return g.rc(code);
    }
    code
}

/// # Safety
/// C contract of `sqlite3_blob_open`: C strings, `pp` writable.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_blob_open(
    db: *mut sqlite3,
    z_db: *const c_char,
    z_table: *const c_char,
    z_column: *const c_char,
    i_row: sqlite3_int64,
    flags: c_int,
    pp: *mut *mut sqlite3_blob,
) -> c_int {
    capi_boundary! {
        if pp.is_null() { return SQLITE_MISUSE; }
        // SAFETY: pp is writable (checked non-NULL).
        unsafe { *pp = std::ptr::null_mut() };
        // SAFETY: NULL or NUL-terminated strings (caller contract).
        let (zd, zt, zc) = unsafe {
            (
                super::util::cstr_bytes(z_db).unwrap_or(b"main"),
                super::util::cstr_bytes(z_table),
                super::util::cstr_bytes(z_column),
            )
        };
        let (Some(zt), Some(zc)) = (zt, zc) else { return SQLITE_MISUSE };
        let mut sel = b"SELECT ".to_vec();
        sel.extend(quote(zc));
        sel.extend_from_slice(b" FROM ");
        sel.extend(quote(zd));
        sel.push(b'.');
        sel.extend(quote(zt));
        sel.extend_from_slice(b" WHERE rowid=?1");
        let mut upd = b"UPDATE ".to_vec();
        upd.extend(quote(zd));
        upd.push(b'.');
        upd.extend(quote(zt));
        upd.extend_from_slice(b" SET ");
        upd.extend(quote(zc));
        upd.extend_from_slice(b"=?2 WHERE rowid=?1");
        let mut state = None;
        let col = String::from_utf8_lossy(zc).into_owned();
        let rc = with_db(db, |conn| {
            let s = load(conn, &sel, i_row).map_err(|e| {
                if e.msg.starts_with("no such column") {
                    Error::new(SQLITE_ERROR, format!("no such column: \"{col}\""))
                } else if e.msg.starts_with("unknown database") {
                    // sqlite3LocateTable's wording for a qualified name.
                    Error::new(SQLITE_ERROR, format!("no such table: {}.{}",
                        String::from_utf8_lossy(zd), String::from_utf8_lossy(zt)))
                } else {
                    e
                }
            })?;
            state = Some(s);
            Ok(())
        });
        let Some(state) = state else { return rc };
        let b = Box::into_raw(Box::new(sqlite3_blob {
            db,
            sel,
            upd,
            writable: flags != 0,
            state: std::cell::RefCell::new(state),
        }));
        register(b, Kind::Blob);
        // SAFETY: pp is writable.
        unsafe { *pp = b };
        SQLITE_OK
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_blob_bytes(p: *mut sqlite3_blob) -> c_int {
    capi_boundary! {
        let b = handle!(p, Blob, sqlite3_blob, else 0);
        match &*b.state.borrow() {
            State::Open { bytes, .. } => bytes.len().min(c_int::MAX as usize) as c_int,
            State::Aborted => 0,
        }
    }
}

/// Bounds check shared by read and write.
fn range(len: usize, n: c_int, off: c_int) -> Option<(usize, usize)> {
    if n < 0 || off < 0 || off as i64 + n as i64 > len as i64 {
        return None;
    }
    Some((off as usize, off as usize + n as usize))
}

/// # Safety
/// `z` has room for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_blob_read(
    p: *mut sqlite3_blob,
    z: *mut c_void,
    n: c_int,
    off: c_int,
) -> c_int {
    capi_boundary! {
        let b = handle!(p, Blob, sqlite3_blob);
        let mut st = b.state.borrow_mut();
        let State::Open { rowid, text, bytes } = &*st else { return set_code(b.db, SQLITE_ABORT) };
        let Some((a, e)) = range(bytes.len(), n, off) else { return set_code(b.db, SQLITE_ERROR) };
        if !still_current(b, *rowid, *text, bytes) {
            *st = State::Aborted;
            return set_code(b.db, SQLITE_ABORT);
        }
        let State::Open { bytes, .. } = &*st else { return set_code(b.db, SQLITE_ABORT) };
        if e > a {
            if z.is_null() { return SQLITE_MISUSE; }
            // SAFETY: the caller's buffer holds n = e - a bytes; the source range was checked.
            unsafe { std::ptr::copy_nonoverlapping(bytes[a..e].as_ptr(), z as *mut u8, e - a) };
        }
        set_code(b.db, SQLITE_OK)
    }
}

/// # Safety
/// `z` holds `n` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_blob_write(
    p: *mut sqlite3_blob,
    z: *const c_void,
    n: c_int,
    off: c_int,
) -> c_int {
    capi_boundary! {
        let b = handle!(p, Blob, sqlite3_blob);
        let mut st = b.state.borrow_mut();
        let State::Open { rowid, text, bytes } = &mut *st else { return set_code(b.db, SQLITE_ABORT) };
        if !b.writable { return set_code(b.db, SQLITE_READONLY); }
        let Some((a, e)) = range(bytes.len(), n, off) else { return set_code(b.db, SQLITE_ERROR) };
        if !still_current(b, *rowid, *text, bytes) {
            *st = State::Aborted;
            return set_code(b.db, SQLITE_ABORT);
        }
        let State::Open { rowid, text, bytes } = &mut *st else { return set_code(b.db, SQLITE_ABORT) };
        let mut new = bytes.clone();
        if e > a {
            if z.is_null() { return SQLITE_MISUSE; }
            // SAFETY: the caller's buffer holds n = e - a readable bytes.
            let src = unsafe { std::slice::from_raw_parts(z as *const u8, e - a) };
            new[a..e].copy_from_slice(src);
        }
        let v = if *text { Value::Text(new.clone()) } else { Value::Blob(new.clone()) };
        let rid = *rowid;
        let rc = with_db(b.db, |conn| query(conn, &b.upd, &[Value::Integer(rid), v]).map(|_| ()));
        if rc == SQLITE_OK {
            *bytes = new;
        }
        rc
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_blob_reopen(p: *mut sqlite3_blob, row: sqlite3_int64) -> c_int {
    capi_boundary! {
        let b = handle!(p, Blob, sqlite3_blob);
        if matches!(&*b.state.borrow(), State::Aborted) { return set_code(b.db, SQLITE_ABORT); }
        let mut new = None;
        let rc = with_db(b.db, |conn| {
            new = Some(load(conn, &b.sel, row)?);
            Ok(())
        });
        *b.state.borrow_mut() = new.unwrap_or(State::Aborted);
        rc
    }
}

#[no_mangle]
/// # Safety
/// `p` is NULL or a handle from `sqlite3_blob_open` (checked against the registry).
pub unsafe extern "C" fn sqlite3_blob_close(p: *mut sqlite3_blob) -> c_int {
    capi_boundary! {
        if p.is_null() { return SQLITE_OK; }
        if !unregister(p, Kind::Blob) { return SQLITE_MISUSE; }
        // SAFETY: p came from Box::into_raw in blob_open and was live until the unregister.
        drop(unsafe { Box::from_raw(p) });
        SQLITE_OK
    }
}
