//! Online backup (`sqlite3_backup_*`) and `sqlite3_serialize` / `sqlite3_deserialize`.
//!
//! Backup state: `init` checks the names and that source != destination; each `step(n)`
//! reads the next `n` source pages inside one source read transaction (via
//! `Connection::read_pages`) into the handle's buffer; when the last source page has been
//! read, the whole image is written to the destination in one write transaction
//! (`Connection::write_image`) and `step` returns SQLITE_DONE. So the destination is not
//! locked between steps and is replaced atomically at the end. A change of the source between
//! steps (page size or count, page 1 incl. its change counter, or the source connection's
//! total_changes) restarts the copy from page 1 (SQLite restarts too, except for a file
//! written through the source's own connection, where it updates the copied pages).
//! `remaining`/`pagecount` are the values after the last step. `finish` frees the handle and
//! returns SQLITE_OK if the last step returned DONE or OK, else that step's error.
//!
//! Serialize copies the database's pages into a `sqlite3_malloc` buffer; deserialize loads an
//! image into a fresh in-memory database (the bytes are copied, so RESIZEABLE needs nothing and
//! FREEONCLOSE frees the caller's buffer at once; READONLY makes the database read-only).

use super::boundary::{capi_boundary, handle, is_live, register, unregister, Kind};
use super::db::sqlite3;
use super::sqlite3_int64;
use crate::error::{codes::*, Error};
use std::os::raw::{c_char, c_int, c_uint};

/// The backup handle.
#[allow(non_camel_case_types)]
pub struct sqlite3_backup {
    dst: *mut sqlite3,
    src: *mut sqlite3,
    dst_idx: usize,
    src_idx: usize,
    st: std::cell::RefCell<BackupState>,
}

#[derive(Default)]
struct BackupState {
    page_size: usize,
    page_count: u32,
    pages: Vec<Vec<u8>>,
    /// The source connection's total_changes when the pages were last read.
    src_changes: i64,
    rc: c_int,
    done: bool,
}

/// Lock `db` and run `f` with its connection; errors are recorded on `db` and returned as a
/// code. `None` from a dead or busy handle gives SQLITE_MISUSE.
fn on_conn<R>(
    db: *mut sqlite3,
    f: impl FnOnce(&mut crate::db::Connection) -> Result<R, Error>,
) -> Result<R, c_int> {
    if !is_live(db, Kind::Db) {
        return Err(SQLITE_MISUSE);
    }
    // SAFETY: live per registry (boundary invariant 2).
    let d = unsafe { &*db };
    let g = d.m.lock();
    match g.with_conn(f) {
        Some(Ok(r)) => Ok(r),
        Some(Err(e)) => Err(g.fail(&e)),
        None => Err(SQLITE_MISUSE),
    }
}

fn db_name(p: *const c_char) -> String {
    // SAFETY: NULL or a NUL-terminated string (caller contract).
    unsafe { super::util::cstr_bytes(p) }
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_else(|| "main".into())
}

/// # Safety
/// C contract of `sqlite3_backup_init`.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_backup_init(
    dst: *mut sqlite3,
    dst_name: *const c_char,
    src: *mut sqlite3,
    src_name: *const c_char,
) -> *mut sqlite3_backup {
    capi_boundary! {
        if !is_live(dst, Kind::Db) || !is_live(src, Kind::Db) { return std::ptr::null_mut(); }
        let (dn, sn) = (db_name(dst_name), db_name(src_name));
        if src == dst {
            let _ = on_conn(dst, |_| -> Result<(), Error> {
                Err(Error::new(SQLITE_ERROR, "source and destination must be distinct"))
            });
            return std::ptr::null_mut();
        }
        // As SQLite's findBtree: an unknown name is reported on the destination connection.
        let Ok(src_idx) = on_conn(src, |c| Ok(c.db_index(&sn))) else { return std::ptr::null_mut() };
        let Some(src_idx) = src_idx else {
            let _ = on_conn(dst, |_| -> Result<(), Error> {
                Err(Error::new(SQLITE_ERROR, format!("unknown database {sn}")))
            });
            return std::ptr::null_mut();
        };
        let Ok(dst_idx) = on_conn(dst, |c| {
            let i = c.db_index(&dn).ok_or_else(|| Error::new(SQLITE_ERROR, format!("unknown database {dn}")))?;
            if !c.is_autocommit() {
                return Err(Error::new(SQLITE_ERROR, "destination database is in use"));
            }
            Ok(i)
        }) else { return std::ptr::null_mut() };
        let b = Box::into_raw(Box::new(sqlite3_backup {
            dst,
            src,
            dst_idx,
            src_idx,
            st: Default::default(),
        }));
        register(b, Kind::Backup);
        b
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_backup_step(p: *mut sqlite3_backup, n: c_int) -> c_int {
    capi_boundary! {
        let b = handle!(p, Backup, sqlite3_backup);
        let mut st = b.st.borrow_mut();
        if st.done { return SQLITE_DONE; }
        // As sqlite3_backup_step: a source that its own connection is writing is BUSY (the
        // backup is not spoiled; a later step may go on).
        if on_conn(b.src, |c| Ok(c.txn_state(None))) == Ok(Some(2)) {
            // Recorded like every step's outcome: finish returns it if no later step ran.
            st.rc = SQLITE_BUSY;
            return SQLITE_BUSY;
        }
        let mut from = st.pages.len() as u32 + 1;
        let want = if n < 0 { -1 } else { n as i64 };
        if !st.pages.is_empty() {
            // Has the source changed since the last step? Page size or count, page 1 (its
            // change counter moves with every commit) or the source connection's change count.
            let probe = on_conn(b.src, |c| Ok((c.total_changes(), c.read_pages(b.src_idx, 1, 1)?)));
            let (tc, (ps, count, p1)) = match probe {
                Ok(r) => r,
                Err(rc) => { st.rc = rc; return rc; }
            };
            let changed = ps != st.page_size || count != st.page_count || tc != st.src_changes
                || p1.first() != st.pages.first();
            if changed {
                // Start again from page 1, as SQLite does when another connection writes the
                // source, and for an in-memory source whatever connection wrote it
                // (sqlite3BackupRestart at commit). (For a file written through the source's
                // own connection SQLite instead updates the copied pages and goes on: the
                // progress figures differ there, the result does not.)
                st.pages.clear();
                from = 1;
            }
        }
        let read = on_conn(b.src, |c| Ok((c.total_changes(), c.read_pages(b.src_idx, from, want)?)));
        let read = read.map(|(tc, r)| { st.src_changes = tc; r });
        let (ps, count, pages) = match read {
            Ok(r) => r,
            Err(rc) => { st.rc = rc; return rc; }
        };
        if !st.pages.is_empty() && (ps != st.page_size || count != st.page_count) {
            // The source changed under us: start again from page 1.
            st.pages.clear();
            st.page_size = ps;
            st.page_count = count;
            drop(st);
            return sqlite3_backup_step(p, n);
        }
        st.page_size = ps;
        st.page_count = count;
        st.pages.extend(pages);
        if (st.pages.len() as u32) < count {
            st.rc = SQLITE_OK;
            return SQLITE_OK;
        }
        let (di, ps) = (b.dst_idx, st.page_size);
        let pages = std::mem::take(&mut st.pages);
        let r = on_conn(b.dst, |c| c.write_image(di, ps, &pages));
        st.pages = pages;
        match r {
            Ok(()) => { st.done = true; st.rc = SQLITE_DONE; SQLITE_DONE }
            Err(rc) => { st.rc = rc; rc }
        }
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_backup_remaining(p: *mut sqlite3_backup) -> c_int {
    capi_boundary! {
        let b = handle!(p, Backup, sqlite3_backup, else 0);
        let st = b.st.borrow();
        if st.done { return 0; }
        st.page_count.saturating_sub(st.pages.len() as u32) as c_int
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_backup_pagecount(p: *mut sqlite3_backup) -> c_int {
    capi_boundary! {
        let b = handle!(p, Backup, sqlite3_backup, else 0);
        let c = b.st.borrow().page_count;
        c as c_int
    }
}

#[no_mangle]
/// # Safety
/// `p` is NULL or a handle from `sqlite3_backup_init` (checked against the registry).
pub unsafe extern "C" fn sqlite3_backup_finish(p: *mut sqlite3_backup) -> c_int {
    capi_boundary! {
        if p.is_null() { return SQLITE_OK; }
        if !unregister(p, Kind::Backup) { return SQLITE_MISUSE; }
        // SAFETY: p came from Box::into_raw in backup_init and was live until the unregister.
        let b = unsafe { Box::from_raw(p) };
        let rc = b.st.borrow().rc;
        let rc = if rc == SQLITE_DONE { SQLITE_OK } else { rc };
        if is_live(b.dst, Kind::Db) {
            // SAFETY: live per registry.
            let d = unsafe { &*b.dst };
            let g = d.m.lock();
            // sqlite3Error(pDestDb, rc), as sqlite3_backup_finish.
            if rc == SQLITE_OK { g.ok(); } else { g.set_err_code(rc, None); }
            return g.rc(rc);
        }
        rc
    }
}

const SERIALIZE_NOCOPY: c_uint = 0x001;
const DESERIALIZE_FREEONCLOSE: c_uint = 1;
const DESERIALIZE_READONLY: c_uint = 4;

/// # Safety
/// `pi_size` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_serialize(
    db: *mut sqlite3,
    schema: *const c_char,
    pi_size: *mut sqlite3_int64,
    flags: c_uint,
) -> *mut u8 {
    capi_boundary! {
        if !pi_size.is_null() {
            // SAFETY: writable out-parameter (caller contract).
            unsafe { *pi_size = -1 };
        }
        if flags & SERIALIZE_NOCOPY != 0 {
            // No database here lives in one contiguous buffer.
            return std::ptr::null_mut();
        }
        let name = db_name(schema);
        let Ok((_, _, pages)) = on_conn(db, |c| {
            let i = c.db_index(&name).ok_or_else(|| Error::new(SQLITE_ERROR, format!("unknown database {name}")))?;
            c.read_pages(i, 1, -1)
        }) else { return std::ptr::null_mut() };
        let len: usize = pages.iter().map(|p| p.len()).sum();
        let out = super::mem::raw_malloc(len.max(1) as u64) as *mut u8;
        if out.is_null() { return out; }
        let mut at = 0;
        for pg in &pages {
            // SAFETY: `out` holds `len` bytes; the pages add up to `len`.
            unsafe { std::ptr::copy_nonoverlapping(pg.as_ptr(), out.add(at), pg.len()) };
            at += pg.len();
        }
        if !pi_size.is_null() {
            // SAFETY: writable out-parameter.
            unsafe { *pi_size = len as sqlite3_int64 };
        }
        out
    }
}

/// # Safety
/// `data` holds `sz_db` readable bytes (from `sqlite3_malloc` when FREEONCLOSE is set).
#[no_mangle]
pub unsafe extern "C" fn sqlite3_deserialize(
    db: *mut sqlite3,
    schema: *const c_char,
    data: *mut u8,
    sz_db: sqlite3_int64,
    sz_buf: sqlite3_int64,
    flags: c_uint,
) -> c_int {
    capi_boundary! {
        let _ = sz_buf;
        let free = |d: *mut u8| {
            if flags & DESERIALIZE_FREEONCLOSE != 0 && !d.is_null() {
                // SAFETY: FREEONCLOSE hands over a sqlite3_malloc buffer.
                unsafe { super::mem::sqlite3_free(d as *mut std::os::raw::c_void) };
            }
        };
        if !is_live(db, Kind::Db) { free(data); return SQLITE_MISUSE; }
        if sz_db < 0 || (data.is_null() && sz_db > 0) { free(data); return SQLITE_MISUSE; }
        let image: Vec<u8> = if sz_db == 0 {
            Vec::new()
        } else {
            // SAFETY: `data` holds sz_db readable bytes (caller contract).
            unsafe { std::slice::from_raw_parts(data, sz_db as usize) }.to_vec()
        };
        free(data);
        // Page size from the header (bytes 16..18, 1 = 65536); anything invalid: 4096, and the
        // database then reports itself corrupt / not a database when used.
        let ps = match image.get(16..18) {
            Some(&[1, 0]) => 65536,
            Some(&[h, l]) => {
                let v = (h as usize) << 8 | l as usize;
                if (512..=32768).contains(&v) && v.is_power_of_two() { v } else { 4096 }
            }
            _ => 4096,
        };
        let pages: Vec<Vec<u8>> = image
            .chunks(ps)
            .map(|c| {
                let mut p = c.to_vec();
                p.resize(ps, 0);
                p
            })
            .collect();
        let name = db_name(schema);
        let ro = flags & DESERIALIZE_READONLY != 0;
        match on_conn(db, |c| {
            let i = c.db_index(&name).ok_or_else(|| Error::new(SQLITE_ERROR, format!("unknown database {name}")))?;
            if i == 1 {
                return Err(Error::code(SQLITE_ERROR));
            }
            c.load_memory_image(i, ps, &pages, ro)
        }) {
            Ok(()) => SQLITE_OK,
            Err(rc) => rc,
        }
    }
}
