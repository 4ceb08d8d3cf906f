//! The `sqlite3` connection handle: open, close, error state, hooks, per-connection settings.
//!
//! State of a handle:
//!
//! ```text
//!   sqlite3_open*  ──►  OPEN ──sqlite3_close (no live stmts)──► freed (unregistered)
//!                        │  └──sqlite3_close (live stmts)──► OPEN, returns SQLITE_BUSY
//!                        └──sqlite3_close_v2 (live stmts)──► ZOMBIE
//!   ZOMBIE ──last sqlite3_finalize──► freed
//! ```
//!
//! Invariants:
//! 1. All state lives in [`DbState`] behind a re-entrant mutex (serialized threading mode; the
//!    mutex is re-entrant because user callbacks run while it is held and may call back in).
//!    Fields are `RefCell`s borrowed for short spans; the `Connection` is borrowed mutably only
//!    inside one engine call.
//! 2. `stmts` holds the addresses of the live statements of this connection, newest first.
//! 3. `err` is what `errcode`/`extended_errcode`/`errmsg` report; every API call that SQLite
//!    documents as setting the error state calls [`DbState::set_err`] or [`DbState::ok`].
//! 4. `interrupt` is shared with the engine and read/written without the mutex.

use super::boundary::{capi_boundary, handle, register, unregister, Kind};
use super::util::*;
#[allow(unused_imports)]
use super::{sqlite3_int64, sqlite3_uint64};
use crate::db::{open_flags, Connection};
use crate::error::{codes::*, errstr, Error};
use parking_lot::ReentrantMutex;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_void};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Error state of a connection.
pub struct ErrState {
    /// Extended code.
    pub code: c_int,
    pub msg: Option<CString>,
    pub offset: c_int,
    pub msg16: Option<Vec<u16>>,
}

/// Application callbacks stored on a connection (addresses; see COMPAT for which are called).
#[derive(Default, Clone, Copy)]
pub struct Hooks {
    pub commit: (usize, usize),
    pub rollback: (usize, usize),
    pub update: (usize, usize),
    pub wal: (usize, usize),
    pub authorizer: (usize, usize),
    pub progress: (usize, usize, c_int),
    pub trace: (usize, usize),
    pub trace_v2: (usize, usize, u32),
    pub profile: (usize, usize),
    pub collation_needed: (usize, usize),
    pub collation_needed16: (usize, usize),
    pub preupdate: (usize, usize),
}

pub struct DbState {
    pub conn: RefCell<Option<Connection>>,
    pub err: RefCell<ErrState>,
    pub stmts: RefCell<Vec<usize>>,
    pub ext_codes: Cell<bool>,
    pub zombie: Cell<bool>,
    pub hooks: Cell<Hooks>,
    pub dbconfig: RefCell<HashMap<c_int, c_int>>,
    /// `sqlite3_db_filename` buffer for "main" in SQLite's URI-parameter layout.
    pub filename_buf: Vec<u8>,
    pub names: RefCell<HashMap<String, CString>>,
    pub flags: c_int,
}

// SAFETY: DbState is only reached through the ReentrantMutex in `sqlite3`, which serializes
// threads; the RefCells are never borrowed across threads at the same time.
unsafe impl Send for DbState {}

/// The connection handle.
#[allow(non_camel_case_types)]
pub struct sqlite3 {
    pub m: ReentrantMutex<DbState>,
    pub interrupt: Arc<AtomicBool>,
}

impl DbState {
    pub fn set_err(&self, e: &Error) {
        self.set_err_code(e.code, Some(&e.msg));
    }
    pub fn set_err_code(&self, code: c_int, msg: Option<&str>) {
        let mut err = self.err.borrow_mut();
        err.code = code;
        err.msg = msg.map(cstring_lossy);
        err.offset = -1;
        err.msg16 = None;
    }
    pub fn ok(&self) {
        let mut err = self.err.borrow_mut();
        err.code = SQLITE_OK;
        err.msg = None;
        err.offset = -1;
        err.msg16 = None;
    }
    /// The code to return to the caller: extended only if enabled (invariant of SQLite's
    /// `sqlite3ApiExit`).
    pub fn rc(&self, code: c_int) -> c_int {
        if self.ext_codes.get() {
            code
        } else {
            code & 0xff
        }
    }
    /// Record `e` and return the code for the caller.
    pub fn fail(&self, e: &Error) -> c_int {
        self.set_err(e);
        self.rc(e.code)
    }
    /// Run `f` with the connection (mutably). `None` if it is gone or already in use.
    pub fn with_conn<R>(&self, f: impl FnOnce(&mut Connection) -> R) -> Option<R> {
        let mut c = self.conn.try_borrow_mut().ok()?;
        c.as_mut().map(f)
    }
    /// Run `f` with the connection, shared.
    pub fn with_conn_ref<R>(&self, f: impl FnOnce(&Connection) -> R) -> Option<R> {
        let c = self.conn.try_borrow().ok()?;
        c.as_ref().map(f)
    }
}

/// Build SQLite's filename layout: 4 NULs, db name, NUL, (key NUL value NUL)*, NUL, journal,
/// NUL, wal, NUL, NUL. `sqlite3_db_filename` returns a pointer to the db name inside it.
pub fn filename_layout(path: &str, params: &[(String, String)]) -> Vec<u8> {
    let path_b = crate::vfs::path_to_bytes(path);
    let mut v = vec![0u8; 4];
    v.extend_from_slice(path_b.as_slice());
    v.push(0);
    for (k, val) in params {
        v.extend_from_slice(k.as_bytes());
        v.push(0);
        v.extend_from_slice(val.as_bytes());
        v.push(0);
    }
    v.push(0);
    if !path.is_empty() {
        v.extend_from_slice(path_b.as_slice());
        v.extend_from_slice(b"-journal");
    }
    v.push(0);
    if !path.is_empty() {
        v.extend_from_slice(path_b.as_slice());
        v.extend_from_slice(b"-wal");
    }
    v.extend_from_slice(&[0, 0, 0]);
    v
}

fn pct_decode(s: &str) -> Vec<u8> {
    crate::db::percent_decode_bytes(s)
}

/// Split a `file:` URI into (path, params) the way SQLite's `sqlite3ParseUri` does (simplified:
/// authority must be empty or `localhost`).
pub fn parse_uri(uri: &str) -> (String, Vec<(String, String)>) {
    let rest = uri.strip_prefix("file:").unwrap_or(uri);
    let rest = if let Some(r) = rest.strip_prefix("//") {
        match r.find('/') {
            Some(i) => &r[i..],
            None => "",
        }
    } else {
        rest
    };
    let (path, query) = match rest.find('?') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    let path = path.split('#').next().unwrap_or("");
    let query = query.split('#').next().unwrap_or("");
    let mut params = Vec::new();
    for kv in query.split('&').filter(|s| !s.is_empty()) {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        params.push((
            String::from_utf8_lossy(&pct_decode(k)).into_owned(),
            String::from_utf8_lossy(&pct_decode(v)).into_owned(),
        ));
    }
    (crate::vfs::path_from_bytes(&pct_decode(path)), params)
}

fn absolute(path: &str) -> String {
    if path.is_empty() || path == ":memory:" || path.starts_with('/') {
        return if path == ":memory:" {
            String::new()
        } else {
            path.to_string()
        };
    }
    match std::env::current_dir() {
        Ok(d) => crate::vfs::path_from_os(&d.join(crate::vfs::os_path(path))),
        Err(_) => path.to_string(),
    }
}

/// Open a connection (shared by open, open_v2, open16).
///
/// # Safety
/// `pp` is NULL or writable.
pub unsafe fn open_impl(
    filename: &[u8],
    pp: *mut *mut sqlite3,
    flags: c_int,
    vfs: Option<&str>,
) -> c_int {
    if pp.is_null() {
        return SQLITE_MISUSE;
    }
    // SAFETY: pp is writable (caller contract).
    unsafe { *pp = std::ptr::null_mut() };
    let bad_flags = ((1 << (flags & 7)) & 0x46) == 0;
    if bad_flags {
        super::boundary::log_misuse(line!());
    }
    let name = crate::vfs::path_from_bytes(filename);
    let uri_on = (flags & open_flags::URI) != 0 || super::config::uri_default();
    let mut eflags = flags;
    let (path, params) = if uri_on && name.starts_with("file:") {
        eflags |= open_flags::URI;
        parse_uri(&name)
    } else {
        (name.clone(), Vec::new())
    };
    let mut vfs_name = vfs.map(|s| s.to_string());
    if let Some((_, v)) = params.iter().find(|(k, _)| k == "vfs") {
        vfs_name = Some(v.clone());
    }
    let result = if bad_flags {
        Err(Error::misuse())
    } else {
        Connection::open(&name, eflags, vfs_name.as_deref())
    };
    let interrupt;
    let (conn, err) = match result {
        Ok(c) => {
            interrupt = c.interrupt_flag();
            (Some(c), None)
        }
        Err(e) => {
            interrupt = Arc::new(AtomicBool::new(false));
            (None, Some(e))
        }
    };
    let mut dbconfig = HashMap::new();
    for (op, v) in super::config::DBCONFIG_DEFAULTS {
        dbconfig.insert(*op, *v);
    }
    // A URI with mode=memory names an in-memory database: its filename is "" (as SQLite).
    let in_memory = params.iter().any(|(k, v)| k == "mode" && v == "memory");
    let abs = if in_memory {
        String::new()
    } else {
        absolute(&path)
    };
    let st = DbState {
        conn: RefCell::new(conn),
        err: RefCell::new(ErrState {
            code: SQLITE_OK,
            msg: None,
            offset: -1,
            msg16: None,
        }),
        stmts: RefCell::new(Vec::new()),
        ext_codes: Cell::new((flags & open_flags::EXRESCODE) != 0),
        zombie: Cell::new(false),
        hooks: Cell::new(Hooks::default()),
        dbconfig: RefCell::new(dbconfig),
        filename_buf: filename_layout(&abs, &params),
        names: RefCell::new(HashMap::new()),
        flags,
    };
    let db = Box::into_raw(Box::new(sqlite3 {
        m: ReentrantMutex::new(st),
        interrupt,
    }));
    register(db, Kind::Db);
    // SAFETY: pp is writable.
    unsafe { *pp = db };
    // SAFETY: just created and registered.
    let g = unsafe { &*db }.m.lock();
    match err {
        None => SQLITE_OK,
        Some(e) => g.fail(&e),
    }
}

/// # Safety
/// `filename` is NULL or a C string; `pp` writable.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_open(filename: *const c_char, pp: *mut *mut sqlite3) -> c_int {
    capi_boundary! {
        // SAFETY: caller contract.
        let f = unsafe { cstr_bytes(filename) }.unwrap_or(b"");
        // SAFETY: caller contract.
        unsafe { open_impl(f, pp, open_flags::READWRITE | open_flags::CREATE, None) }
    }
}

/// # Safety
/// C strings or NULL; `pp` writable.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_open_v2(
    filename: *const c_char,
    pp: *mut *mut sqlite3,
    flags: c_int,
    vfs: *const c_char,
) -> c_int {
    capi_boundary! {
        // SAFETY: caller contract.
        let f = unsafe { cstr_bytes(filename) }.unwrap_or(b"");
        // SAFETY: caller contract.
        let v = unsafe { cstr_bytes(vfs) }.map(|b| String::from_utf8_lossy(b).into_owned());
        // SAFETY: caller contract.
        unsafe { open_impl(f, pp, flags, v.as_deref()) }
    }
}

/// # Safety
/// `filename` NULL or a NUL-terminated UTF-16 string; `pp` writable.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_open16(filename: *const c_void, pp: *mut *mut sqlite3) -> c_int {
    capi_boundary! {
        // SAFETY: caller contract.
        let f = unsafe { utf16_cstr(filename) }.map(|u| String::from_utf16_lossy(u)).unwrap_or_default();
        // SAFETY: caller contract.
        unsafe { open_impl(f.as_bytes(), pp, open_flags::READWRITE | open_flags::CREATE, None) }
    }
}

/// Free a connection handle for real (no statements left).
fn really_close(db: *mut sqlite3) -> c_int {
    // SAFETY: db is live (callers checked) and about to be unregistered.
    let d = unsafe { &*db };
    let hooks = d.m.lock().hooks.get();
    super::stmt::fire_trace_v2(
        &hooks,
        super::stmt::TRACE_CLOSE,
        db as *mut c_void,
        std::ptr::null_mut(),
    );
    let conn = {
        let g = d.m.lock();
        let c = g.conn.borrow_mut().take();
        c
    };
    let rc = match conn.map(|c| c.close()) {
        Some(Err(e)) => {
            let g = d.m.lock();
            g.conn.borrow_mut().take();
            g.fail(&e)
        }
        _ => SQLITE_OK,
    };
    if rc != SQLITE_OK {
        return rc;
    }
    unregister(db, Kind::Db);
    // SAFETY: unregistered; we own the box now. Functions/collations registered on the
    // connection were dropped with it (calling their destructors).
    drop(unsafe { Box::from_raw(db) });
    SQLITE_OK
}

fn close_impl(db: *mut sqlite3, v2: bool) -> c_int {
    if db.is_null() {
        return SQLITE_OK;
    }
    let d = handle!(db, Db, sqlite3);
    {
        let g = d.m.lock();
        if !g.stmts.borrow().is_empty() {
            if v2 {
                g.zombie.set(true);
                return SQLITE_OK;
            }
            g.set_err_code(
                SQLITE_BUSY,
                Some("unable to close due to unfinalized statements or unfinished backups"),
            );
            return SQLITE_BUSY;
        }
    }
    really_close(db)
}

#[no_mangle]
pub extern "C" fn sqlite3_close(db: *mut sqlite3) -> c_int {
    capi_boundary! { close_impl(db, false) }
}

#[no_mangle]
pub extern "C" fn sqlite3_close_v2(db: *mut sqlite3) -> c_int {
    capi_boundary! { close_impl(db, true) }
}

/// Called by finalize: a zombie connection with no statements left is closed now.
pub fn maybe_close_zombie(db: *mut sqlite3) {
    let Some(d) = (if super::boundary::is_live(db, Kind::Db) {
        // SAFETY: live per registry.
        Some(unsafe { &*db })
    } else {
        None
    }) else {
        return;
    };
    let close = {
        let g = d.m.lock();
        g.zombie.get() && g.stmts.borrow().is_empty()
    };
    if close {
        really_close(db);
    }
}

// ---------------------------------------------------------------------------------------------
// Errors

#[no_mangle]
pub extern "C" fn sqlite3_errcode(db: *mut sqlite3) -> c_int {
    capi_boundary! {
        if db.is_null() { return SQLITE_NOMEM; }
        let d = handle!(db, Db, sqlite3);
        let g = d.m.lock();
        let c = g.err.borrow().code;
        // db->errCode & db->errMask: extended when extended_result_codes is on.
        g.rc(c)
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_extended_errcode(db: *mut sqlite3) -> c_int {
    capi_boundary! {
        if db.is_null() { return SQLITE_NOMEM; }
        let d = handle!(db, Db, sqlite3);
        let g = d.m.lock();
        let c = g.err.borrow().code;
        c
    }
}

static MISUSE_MSG: &[u8] = b"bad parameter or other API misuse\0";
static NOMEM_MSG: &[u8] = b"out of memory\0";

#[no_mangle]
pub extern "C" fn sqlite3_errmsg(db: *mut sqlite3) -> *const c_char {
    capi_boundary! {
        if db.is_null() { return NOMEM_MSG.as_ptr() as *const c_char; }
        let d = handle!(db, Db, sqlite3, else MISUSE_MSG.as_ptr() as *const c_char);
        let g = d.m.lock();
        let mut err = g.err.borrow_mut();
        if err.msg.is_none() {
            err.msg = Some(cstring_lossy(errstr(err.code)));
        }
        err.msg.as_ref().map(|m| m.as_ptr()).unwrap_or(std::ptr::null())
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_errmsg16(db: *mut sqlite3) -> *const c_void {
    capi_boundary! {
        static NOMEM16: [u16; 14] = [111, 117, 116, 32, 111, 102, 32, 109, 101, 109, 111, 114, 121, 0];
        if db.is_null() { return NOMEM16.as_ptr() as *const c_void; }
        let d = handle!(db, Db, sqlite3);
        let g = d.m.lock();
        let mut err = g.err.borrow_mut();
        let text = match &err.msg {
            Some(m) => m.to_string_lossy().into_owned(),
            None => errstr(err.code).to_string(),
        };
        let mut v: Vec<u16> = text.encode_utf16().collect();
        v.push(0);
        err.msg16 = Some(v);
        err.msg16.as_ref().map(|m| m.as_ptr() as *const c_void).unwrap_or(std::ptr::null())
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_errstr(code: c_int) -> *const c_char {
    capi_boundary! { static_cstr(errstr(code)) }
}

#[no_mangle]
pub extern "C" fn sqlite3_error_offset(db: *mut sqlite3) -> c_int {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3, else -1);
        let g = d.m.lock();
        let o = g.err.borrow().offset;
        o
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_extended_result_codes(db: *mut sqlite3, onoff: c_int) -> c_int {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3);
        d.m.lock().ext_codes.set(onoff != 0);
        SQLITE_OK
    }
}

// ---------------------------------------------------------------------------------------------
// Connection information

#[no_mangle]
pub extern "C" fn sqlite3_changes(db: *mut sqlite3) -> c_int {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3, else 0);
        let g = d.m.lock();
        g.with_conn_ref(|c| c.changes() as c_int).unwrap_or(0)
    }
}
#[no_mangle]
pub extern "C" fn sqlite3_changes64(db: *mut sqlite3) -> sqlite3_int64 {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3, else 0);
        let g = d.m.lock();
        g.with_conn_ref(|c| c.changes()).unwrap_or(0)
    }
}
#[no_mangle]
pub extern "C" fn sqlite3_total_changes(db: *mut sqlite3) -> c_int {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3, else 0);
        let g = d.m.lock();
        g.with_conn_ref(|c| c.total_changes()
    as c_int).unwrap_or(0)
    }
}
#[no_mangle]
pub extern "C" fn sqlite3_total_changes64(db: *mut sqlite3) -> sqlite3_int64 {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3, else 0);
        let g = d.m.lock();
        g.with_conn_ref(|c| c.total_changes()).unwrap_or(0)
    }
}
#[no_mangle]
pub extern "C" fn sqlite3_last_insert_rowid(db: *mut sqlite3) -> sqlite3_int64 {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3, else 0);
        let g = d.m.lock();
        g.with_conn_ref(|c| c.last_insert_rowid()).unwrap_or(0)
    }
}
#[no_mangle]
pub extern "C" fn sqlite3_get_autocommit(db: *mut sqlite3) -> c_int {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3, else 0);
        let g = d.m.lock();
        g.with_conn_ref(|c| c.is_autocommit()
    as c_int).unwrap_or(0)
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_set_last_insert_rowid(db: *mut sqlite3, rowid: sqlite3_int64) {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3, else ());
        let g = d.m.lock();
        g.with_conn(|c| c.set_last_insert_rowid(rowid));
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_interrupt(db: *mut sqlite3) {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3, else ());
        d.interrupt.store(true, Ordering::SeqCst);
    }
}

/// Not exported (added in SQLite 3.41); kept for internal use.
pub extern "C" fn sqlite3_is_interrupted(db: *mut sqlite3) -> c_int {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3, else 0);
        d.interrupt.load(Ordering::SeqCst) as c_int
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_busy_timeout(db: *mut sqlite3, ms: c_int) -> c_int {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3);
        let g = d.m.lock();
        g.with_conn(|c| { c.set_busy_handler(None); c.set_busy_timeout(ms.max(0)) });
        SQLITE_OK
    }
}

struct SendPtr(usize);

/// # Safety
/// `f` is NULL or a valid busy callback.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_busy_handler(
    db: *mut sqlite3,
    f: Option<unsafe extern "C" fn(*mut c_void, c_int) -> c_int>,
    arg: *mut c_void,
) -> c_int {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3);
        let g = d.m.lock();
        let arg = SendPtr(arg as usize);
        let h: Option<crate::db::BusyHandler> = f.map(|f| {
            Box::new(move |n: i32| {
                let a = &arg;
                // SAFETY: the application registered f with this argument.
                super::boundary::run(|| unsafe { f(a.0 as *mut c_void, n) }) != 0
            }) as crate::db::BusyHandler
        });
        g.with_conn(|c| c.set_busy_handler(h));
        SQLITE_OK
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_limit(db: *mut sqlite3, id: c_int, new: c_int) -> c_int {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3, else -1);
        let g = d.m.lock();
        g.with_conn(|c| c.limit(id, new)).unwrap_or(-1)
    }
}

fn db_name_str(name: *const c_char) -> String {
    // SAFETY: C string or NULL (caller contract of the calling export).
    unsafe { cstr_bytes(name) }
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_else(|| "main".to_string())
}

/// # Safety
/// `name` NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_db_filename(
    db: *mut sqlite3,
    name: *const c_char,
) -> *const c_char {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3);
        let g = d.m.lock();
        let n = db_name_str(name);
        if n == "main" {
            // Prefer the engine's answer when it has one, else the open-time layout.
            // SAFETY: index 4 is inside the layout (it always has 4 leading NULs).
            return unsafe { g.filename_buf.as_ptr().add(4) } as *const c_char;
        }
        let Some(Some(f)) = g.with_conn_ref(|c| c.db_filename(&n)) else { return std::ptr::null(); };
        let mut names = g.names.borrow_mut();
        let c = names.entry(format!("file:{n}")).or_insert_with(|| cstring_lossy(&f));
        c.as_ptr()
    }
}

/// # Safety
/// `name` NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_db_readonly(db: *mut sqlite3, name: *const c_char) -> c_int {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3, else -1);
        let g = d.m.lock();
        let n = db_name_str(name);
        match g.with_conn_ref(|c| c.db_readonly(&n)) {
            Some(Some(true)) => 1,
            Some(Some(false)) => 0,
            _ => {
                if n == "main" && g.conn.borrow().is_some() {
                    ((g.flags & open_flags::READONLY) != 0) as c_int
                } else {
                    -1
                }
            }
        }
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_db_name(db: *mut sqlite3, n: c_int) -> *const c_char {
    capi_boundary! {
        let _d = handle!(db, Db, sqlite3);
        match n {
            0 => c"main".as_ptr(),
            1 => c"temp".as_ptr(),
            _ => std::ptr::null(),
        }
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_txn_state(db: *mut sqlite3, schema: *const c_char) -> c_int {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3, else -1);
        let g = d.m.lock();
        // SAFETY: C string or NULL (caller contract).
        let name = unsafe { cstr_bytes(schema) }.map(|b| String::from_utf8_lossy(b).into_owned());
        g.with_conn_ref(|c| c.txn_state(name.as_deref())).flatten().unwrap_or(-1)
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_db_cacheflush(db: *mut sqlite3) -> c_int {
    capi_boundary! { let _d = handle!(db, Db, sqlite3); SQLITE_OK }
}

#[no_mangle]
pub extern "C" fn sqlite3_db_release_memory(db: *mut sqlite3) -> c_int {
    capi_boundary! { let _d = handle!(db, Db, sqlite3); SQLITE_OK }
}

#[no_mangle]
pub extern "C" fn sqlite3_db_mutex(db: *mut sqlite3) -> *mut super::mutex::sqlite3_mutex {
    capi_boundary! {
        let _d = handle!(db, Db, sqlite3);
        // The connection mutex is internal; hand out a per-connection recursive mutex so
        // callers that lock/unlock it keep working.
        super::mutex::static_mutex(13) as *mut super::mutex::sqlite3_mutex
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_next_stmt(
    db: *mut sqlite3,
    stmt: *mut super::stmt::sqlite3_stmt,
) -> *mut super::stmt::sqlite3_stmt {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3);
        let g = d.m.lock();
        let s = g.stmts.borrow();
        if stmt.is_null() {
            return s.first().map(|&p| p as *mut super::stmt::sqlite3_stmt).unwrap_or(std::ptr::null_mut());
        }
        match s.iter().position(|&p| p == stmt as usize) {
            Some(i) => s
                .get(i + 1)
                .map(|&p| p as *mut super::stmt::sqlite3_stmt).unwrap_or(std::ptr::null_mut()),
            None => std::ptr::null_mut(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Hooks: stored here (for the previous-argument return values) and handed to the engine's
// hook points as closures; the closures keep the C pointers as integers (Send).

#[no_mangle]
pub extern "C" fn sqlite3_commit_hook(
    db: *mut sqlite3,
    f: Option<unsafe extern "C" fn(*mut c_void) -> c_int>,
    arg: *mut c_void,
) -> *mut c_void {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3);
        let g = d.m.lock();
        let mut h = g.hooks.get();
        let old = h.commit.1;
        h.commit = (f.map(|f| f as usize).unwrap_or(0), arg as usize);
        g.hooks.set(h);
        let a = arg as usize;
        let hook = f.map(|f| {
            Box::new(move || -> c_int {
                // SAFETY: f is the caller's commit callback; a its opaque argument.
                super::boundary::run(|| unsafe { f(a as *mut c_void) })
            }) as crate::db::CommitHook
        });
        g.with_conn(|c| c.set_commit_hook(hook));
        old as *mut c_void
    }
}
#[no_mangle]
pub extern "C" fn sqlite3_rollback_hook(
    db: *mut sqlite3,
    f: Option<unsafe extern "C" fn(*mut c_void)>,
    arg: *mut c_void,
) -> *mut c_void {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3);
        let g = d.m.lock();
        let mut h = g.hooks.get();
        let old = h.rollback.1;
        h.rollback = (f.map(|f| f as usize).unwrap_or(0), arg as usize);
        g.hooks.set(h);
        let a = arg as usize;
        let hook = f.map(|f| {
            Box::new(move || {
                // SAFETY: f is the caller's rollback callback; a its opaque argument.
                super::boundary::run(|| unsafe { f(a as *mut c_void) })
            }) as crate::db::RollbackHook
        });
        g.with_conn(|c| c.set_rollback_hook(hook));
        old as *mut c_void
    }
}
#[no_mangle]
pub extern "C" fn sqlite3_update_hook(
    db: *mut sqlite3,
    f: Option<
        unsafe extern "C" fn(*mut c_void, c_int, *const c_char, *const c_char, sqlite3_int64),
    >,
    arg: *mut c_void,
) -> *mut c_void {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3);
        let g = d.m.lock();
        let mut h = g.hooks.get();
        let old = h.update.1;
        h.update = (f.map(|f| f as usize).unwrap_or(0), arg as usize);
        g.hooks.set(h);
        let a = arg as usize;
        let hook = f.map(|f| {
            Box::new(move |op: i32, db: &str, table: &str, rowid: i64| {
                let (Ok(db), Ok(table)) = (CString::new(db), CString::new(table)) else {
                    return;
                };
                // SAFETY: f is the caller's update callback; the strings live for the call.
                super::boundary::run(|| unsafe {
                    f(a as *mut c_void, op, db.as_ptr(), table.as_ptr(), rowid)
                })
            }) as crate::db::UpdateHook
        });
        g.with_conn(|c| c.set_update_hook(hook));
        old as *mut c_void
    }
}
#[no_mangle]
pub extern "C" fn sqlite3_wal_hook(
    db: *mut sqlite3,
    f: Option<unsafe extern "C" fn(*mut c_void, *mut sqlite3, *const c_char, c_int) -> c_int>,
    arg: *mut c_void,
) -> *mut c_void {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3);
        let g = d.m.lock();
        let mut h = g.hooks.get();
        // While the auto-checkpoint is on, SQLite's hook slot holds its default hook with the
        // threshold as argument (1000 after open): that is the previous argument returned.
        let ckpt = g.with_conn_ref(|c| c.wal_autocheckpoint_setting()).unwrap_or(0);
        let old = if ckpt > 0 { ckpt as usize } else { h.wal.1 };
        h.wal = (f.map(|f| f as usize).unwrap_or(0), arg as usize);
        g.hooks.set(h);
        let (a, dbp) = (arg as usize, db as usize);
        let hook = f.map(|f| {
            Box::new(move |name: &str, frames: i32| {
                let Ok(name) = CString::new(name) else {
                    return 0;
                };
                // SAFETY: f is the caller's WAL hook; the handle is live while it runs a
                // statement and the name lives for the call.
                super::boundary::run(|| unsafe {
                    f(a as *mut c_void, dbp as *mut sqlite3, name.as_ptr(), frames)
                })
            }) as crate::db::WalHook
        });
        g.with_conn(|c| c.set_wal_hook(hook));
        old as *mut c_void
    }
}
#[no_mangle]
pub extern "C" fn sqlite3_trace(
    db: *mut sqlite3,
    f: Option<unsafe extern "C" fn(*mut c_void, *const c_char)>,
    arg: *mut c_void,
) -> *mut c_void {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3);
        let g = d.m.lock();
        let mut h = g.hooks.get();
        let old = h.trace.1;
        h.trace = (f.map(|f| f as usize).unwrap_or(0), arg as usize);
        g.hooks.set(h);
        old as *mut c_void
    }
}
#[no_mangle]
pub extern "C" fn sqlite3_profile(
    db: *mut sqlite3,
    f: Option<unsafe extern "C" fn(*mut c_void, *const c_char, sqlite3_uint64)>,
    arg: *mut c_void,
) -> *mut c_void {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3);
        let g = d.m.lock();
        let mut h = g.hooks.get();
        let old = h.profile.1;
        h.profile = (f.map(|f| f as usize).unwrap_or(0), arg as usize);
        g.hooks.set(h);
        old as *mut c_void
    }
}
#[no_mangle]
pub extern "C" fn sqlite3_preupdate_hook(
    db: *mut sqlite3,
    f: Option<
        unsafe extern "C" fn(
            *mut c_void,
            *mut sqlite3,
            c_int,
            *const c_char,
            *const c_char,
            sqlite3_int64,
            sqlite3_int64,
        ),
    >,
    arg: *mut c_void,
) -> *mut c_void {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3);
        let g = d.m.lock();
        let mut h = g.hooks.get();
        let old = h.preupdate.1;
        h.preupdate = (f.map(|f| f as usize).unwrap_or(0), arg as usize);
        g.hooks.set(h);
        old as *mut c_void
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_set_authorizer(
    db: *mut sqlite3,
    f: Option<
        unsafe extern "C" fn(
            *mut c_void,
            c_int,
            *const c_char,
            *const c_char,
            *const c_char,
            *const c_char,
        ) -> c_int,
    >,
    arg: *mut c_void,
) -> c_int {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3);
        let g = d.m.lock();
        let mut h = g.hooks.get();
        h.authorizer = (f.map(|f| f as usize).unwrap_or(0), arg as usize);
        g.hooks.set(h);
        let a = arg as usize;
        let hook = f.map(|f| {
            Box::new(
                move |op: i32, a3: Option<&str>, a4: Option<&str>, a5: Option<&str>, a6: Option<&str>| {
                    let cs = |x: Option<&str>| x.and_then(|x| CString::new(x).ok());
                    let (c3, c4, c5, c6) = (cs(a3), cs(a4), cs(a5), cs(a6));
                    let p = |c: &Option<CString>| c.as_ref().map_or(std::ptr::null(), |c| c.as_ptr());
                    // SAFETY: f is the caller's authorizer; the strings live for the call.
                    super::boundary::run(|| unsafe {
                        f(a as *mut c_void, op, p(&c3), p(&c4), p(&c5), p(&c6))
                    })
                },
            ) as crate::db::Authorizer
        });
        g.with_conn(|c| c.set_authorizer(hook));
        SQLITE_OK
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_progress_handler(
    db: *mut sqlite3,
    n: c_int,
    f: Option<unsafe extern "C" fn(*mut c_void) -> c_int>,
    arg: *mut c_void,
) {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3, else ());
        let g = d.m.lock();
        let mut h = g.hooks.get();
        h.progress = (f.map(|f| f as usize).unwrap_or(0), arg as usize, n);
        g.hooks.set(h);
        let a = arg as usize;
        let hook = f.map(|f| {
            Box::new(move || -> c_int {
                // SAFETY: f is the caller's progress callback; a its opaque argument.
                super::boundary::run(|| unsafe { f(a as *mut c_void) })
            }) as crate::db::ProgressHandler
        });
        g.with_conn(|c| c.set_progress_handler(n, hook));
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_trace_v2(
    db: *mut sqlite3,
    mask: u32,
    f: Option<unsafe extern "C" fn(u32, *mut c_void, *mut c_void, *mut c_void) -> c_int>,
    arg: *mut c_void,
) -> c_int {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3);
        let g = d.m.lock();
        let mut h = g.hooks.get();
        h.trace_v2 = (f.map(|f| f as usize).unwrap_or(0), arg as usize, if f.is_some() { mask } else { 0 });
        g.hooks.set(h);
        SQLITE_OK
    }
}

/// Record "not implemented" on a connection (used by the stubs, so that clients that read
/// `sqlite3_errcode`/`errmsg` after a failure — CPython does — see a real error).
pub fn set_unimplemented(db: *mut sqlite3, what: &str) {
    if super::boundary::is_live(db, Kind::Db) {
        // SAFETY: live per registry.
        let d = unsafe { &*db };
        d.m.lock().set_err_code(
            SQLITE_ERROR,
            Some(&format!("{what} is not implemented by EpilogLite")),
        );
    }
}
