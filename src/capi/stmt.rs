//! `sqlite3_stmt`: prepare, step, reset, finalize, bind, column access, exec.
//!
//! Statement states:
//!
//! ```text
//!  prepare ──► READY ──step──► RUNNING ──step (DONE / error)──► HALTED
//!               ▲                 │                                │
//!               └──── reset ──────┴────────── reset ───────────────┘
//!  HALTED ──step──► (automatic reset, SQLite >= 3.7) ──► RUNNING
//!  any ──finalize──► freed (unregistered)
//! ```
//!
//! Invariants:
//! 1. A statement's state ([`StmtState`]) is only touched while its connection's mutex is held
//!    (lock order: connection mutex, then the statement's `RefCell`).
//! 2. `cols` holds one value handle per column, registered once and freed at finalize; step and
//!    reset mark them stale and the next access refills them, which is exactly when SQLite
//!    invalidates column pointers. Numeric accessors read the engine's value in place.
//! 3. Binding is allowed only in READY (`!running`), otherwise `SQLITE_MISUSE`, as in SQLite.
//! 4. Column-name style strings (names, decltypes, origins, their UTF-16 forms) are computed
//!    once and kept until finalize.

use super::boundary::{capi_boundary, handle, is_live, register, unregister, Kind};
use super::db::{sqlite3, DbState};
use super::util::*;
use super::value::sqlite3_value;
#[allow(unused_imports)]
use super::{sqlite3_int64, sqlite3_uint64};
use crate::db::Statement;
use crate::error::{codes::*, Error};
use crate::value::Value;
use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_void};

/// What finalize keeps of a statement after handing it back to the engine.
#[allow(non_camel_case_types)]
struct Finalized {
    last_err: c_int,
    last_msg: Option<String>,
}

pub struct StmtState {
    pub stmt: Statement,
    pub running: bool,
    pub halted: bool,
    /// Result code of the last step if it failed (returned again by reset/finalize).
    pub last_err: c_int,
    /// Message of that failure (restored into the connection by reset/finalize, as SQLite's
    /// `sqlite3VdbeTransferError`).
    pub last_msg: Option<String>,
    /// When the current run started (for `SQLITE_TRACE_PROFILE` / `sqlite3_profile`).
    pub started: Option<std::time::Instant>,
    /// Per-column value handles, allocated and registered once, refilled per row.
    pub cols: Vec<*mut sqlite3_value>,
    /// `cols_fresh[i]`: slot `i` holds the current row's value.
    pub cols_fresh: Vec<bool>,
    pub strs: HashMap<(u8, usize), CString>,
    pub strs16: HashMap<(u8, usize), Vec<u16>>,
    /// `sqlite3_sql`: exactly the text prepare consumed (as SQLite keeps it).
    pub sql: Option<CString>,
    /// Bound pointers with their destructors, by parameter index.
    pub pointers: HashMap<usize, (usize, usize)>,
}

#[allow(non_camel_case_types)]
pub struct sqlite3_stmt {
    pub db: *mut sqlite3,
    pub st: RefCell<StmtState>,
}

impl StmtState {
    /// The row changed: column pointers handed out so far become invalid (invariant 2).
    fn clear_cols(&mut self) {
        for f in self.cols_fresh.iter_mut() {
            *f = false;
        }
    }
    fn free_cols(&mut self) {
        for p in self.cols.drain(..) {
            if !p.is_null() {
                sqlite3_value::free(p);
            }
        }
        self.cols_fresh.clear();
    }
    fn drop_pointer(&mut self, i: usize) {
        if let Some((p, d)) = self.pointers.remove(&i) {
            call_destructor(d, p as *mut c_void);
        }
    }
}

/// Call a C destructor given as an address (0 / -1 are SQLITE_STATIC / SQLITE_TRANSIENT).
pub fn call_destructor(d: usize, p: *mut c_void) {
    if d != 0 && d != usize::MAX && !p.is_null() {
        // SAFETY: d is a destructor function pointer supplied by the application for p.
        unsafe {
            let f: unsafe extern "C" fn(*mut c_void) =
                std::mem::transmute::<usize, unsafe extern "C" fn(*mut c_void)>(d);
            f(p)
        }
    }
}

/// Borrow a statement and its connection; run `f` with the connection's state locked.
macro_rules! with_stmt {
    ($p:expr, $default:expr, |$s:ident, $g:ident| $body:expr) => {{
        let s: &sqlite3_stmt = handle!($p, Stmt, sqlite3_stmt, else $default);
        // A live statement implies a live connection: close refuses (BUSY) or defers (zombie)
        // while statements exist, so no second registry lookup is needed.
        debug_assert!(is_live(s.db, Kind::Db));
        // SAFETY: the connection outlives its statements (see just above).
        let d = unsafe { &*s.db };
        let guard = d.m.lock();
        let $g: &DbState = &guard;
        let Ok(mut st) = s.st.try_borrow_mut() else { return $default; };
        let $s: &mut StmtState = &mut st;
        $body
    }};
}

// ---------------------------------------------------------------------------------------------
// prepare

/// # Safety
/// `sql` points to `n` bytes (or NUL-terminated if n < 0); out-pointers NULL or writable.
unsafe fn prepare_impl(
    db: *mut sqlite3,
    sql: *const c_char,
    n: c_int,
    pp: *mut *mut sqlite3_stmt,
    tail: *mut *const c_char,
) -> c_int {
    if !pp.is_null() {
        // SAFETY: writable per caller contract.
        unsafe { *pp = std::ptr::null_mut() };
    }
    let d = handle!(db, Db, sqlite3);
    if pp.is_null() || sql.is_null() {
        super::boundary::log_misuse(line!());
        return SQLITE_MISUSE;
    }
    // SAFETY: caller contract.
    let bytes = unsafe { bytes_n(sql, n as i64, true) };
    let g = d.m.lock();
    // SQLite asks the collation_needed callback when the compiler meets an unknown collation;
    // here the compile fails with "no such collation sequence: X", the callback gets X (it
    // may register it) and the compile is tried again, once per distinct name.
    let mut asked: Vec<String> = Vec::new();
    let r = loop {
        let r = {
            let Ok(mut c) = g.conn.try_borrow_mut() else {
                return g.fail(&Error::misuse());
            };
            match c.as_mut() {
                Some(conn) => conn.prepare(bytes),
                None => Err(Error::misuse()),
            }
        };
        if let Err(e) = &r {
            if let Some(name) = e.msg.strip_prefix("no such collation sequence: ") {
                if !asked.iter().any(|a| a == name) && call_collation_needed(db, &g, name) {
                    asked.push(name.to_string());
                    continue;
                }
            }
        }
        break r;
    };
    match r {
        Err(e) => {
            if !tail.is_null() {
                // SAFETY: writable; points into the caller's SQL text.
                unsafe { *tail = sql.add(bytes.len()) };
            }
            let rc = g.fail(&e);
            // The engine knows where a syntax error is (sqlite3_error_offset).
            let off = g.with_conn_ref(|c| c.last_error_offset()).unwrap_or(-1);
            g.err.borrow_mut().offset = off;
            rc
        }
        Ok((stmt, used)) => {
            let used = used.min(bytes.len());
            if !tail.is_null() {
                // SAFETY: used <= bytes.len(): inside the caller's text.
                unsafe { *tail = sql.add(used) };
            }
            if let Some(stmt) = stmt {
                // SQLITE_LIMIT_VARIABLE_NUMBER (9): SQLite's parser refuses the statement.
                let max_var = g.with_conn(|c| c.limit(9, -1)).unwrap_or(i32::MAX);
                if stmt.parameter_count() > max_var.max(0) as usize {
                    let _ = g.with_conn(|c| stmt.finalize(c));
                    return g.fail(&Error::sql("too many SQL variables"));
                }
                let s = Box::into_raw(Box::new(sqlite3_stmt {
                    db,
                    st: RefCell::new(StmtState {
                        stmt,
                        running: false,
                        halted: false,
                        last_err: SQLITE_OK,
                        last_msg: None,
                        started: None,
                        cols: Vec::new(),
                        cols_fresh: Vec::new(),
                        strs: HashMap::new(),
                        strs16: HashMap::new(),
                        sql: Some(cstring_bytes(&bytes[..used])),
                        pointers: HashMap::new(),
                    }),
                }));
                register(s, Kind::Stmt);
                g.stmts.borrow_mut().insert(0, s as usize);
                // SAFETY: writable.
                unsafe { *pp = s };
            }
            g.ok();
            SQLITE_OK
        }
    }
}

/// Calls the connection's collation_needed(16) callback for `name`; false if none is set.
fn call_collation_needed(db: *mut sqlite3, g: &DbState, name: &str) -> bool {
    let h = g.hooks.get();
    if h.collation_needed.0 != 0 {
        let Ok(c) = std::ffi::CString::new(name) else {
            return false;
        };
        // SAFETY: stored from a C function pointer of exactly this type
        // (sqlite3_collation_needed); db is the live connection whose lock we hold (re-entrant).
        super::boundary::run(|| unsafe {
            let f = std::mem::transmute::<
                usize,
                unsafe extern "C" fn(*mut c_void, *mut sqlite3, c_int, *const c_char),
            >(h.collation_needed.0);
            f(h.collation_needed.1 as *mut c_void, db, 1, c.as_ptr())
        });
        return true;
    }
    if h.collation_needed16.0 != 0 {
        let mut w: Vec<u16> = name.encode_utf16().collect();
        w.push(0);
        // SAFETY: as above, stored by sqlite3_collation_needed16; w is NUL-terminated UTF-16.
        super::boundary::run(|| unsafe {
            let f = std::mem::transmute::<
                usize,
                unsafe extern "C" fn(*mut c_void, *mut sqlite3, c_int, *const c_void),
            >(h.collation_needed16.0);
            f(
                h.collation_needed16.1 as *mut c_void,
                db,
                2,
                w.as_ptr() as *const c_void,
            )
        });
        return true;
    }
    false
}

/// # Safety
/// SQLite's prepare contract.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_prepare(
    db: *mut sqlite3,
    sql: *const c_char,
    n: c_int,
    pp: *mut *mut sqlite3_stmt,
    tail: *mut *const c_char,
) -> c_int {
    // SAFETY: forwarded caller contract.
    capi_boundary! { unsafe { prepare_impl(db, sql, n, pp, tail) } }
}
/// # Safety
/// SQLite's prepare contract.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_prepare_v2(
    db: *mut sqlite3,
    sql: *const c_char,
    n: c_int,
    pp: *mut *mut sqlite3_stmt,
    tail: *mut *const c_char,
) -> c_int {
    // SAFETY: forwarded caller contract.
    capi_boundary! { unsafe { prepare_impl(db, sql, n, pp, tail) } }
}
/// # Safety
/// SQLite's prepare contract.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_prepare_v3(
    db: *mut sqlite3,
    sql: *const c_char,
    n: c_int,
    _flags: std::os::raw::c_uint,
    pp: *mut *mut sqlite3_stmt,
    tail: *mut *const c_char,
) -> c_int {
    // SAFETY: forwarded caller contract.
    capi_boundary! { unsafe { prepare_impl(db, sql, n, pp, tail) } }
}

/// # Safety
/// UTF-16 variant of the prepare contract (`n` in bytes).
unsafe fn prepare16_impl(
    db: *mut sqlite3,
    sql: *const c_void,
    n: c_int,
    pp: *mut *mut sqlite3_stmt,
    tail: *mut *const c_void,
) -> c_int {
    if sql.is_null() {
        if !pp.is_null() {
            // SAFETY: writable.
            unsafe { *pp = std::ptr::null_mut() };
        }
        return SQLITE_MISUSE;
    }
    // SAFETY: caller contract.
    let units = unsafe { utf16_n(sql, n as i64) };
    let text = String::from_utf16_lossy(&units);
    let c = cstring_lossy(&text);
    let mut t8: *const c_char = std::ptr::null();
    // SAFETY: c is a valid NUL-terminated copy.
    let rc = unsafe { prepare_impl(db, c.as_ptr(), -1, pp, &mut t8) };
    if !tail.is_null() {
        let used8 = if t8.is_null() {
            text.len()
        } else {
            (t8 as usize).saturating_sub(c.as_ptr() as usize)
        };
        let prefix = text.get(..used8).unwrap_or(&text);
        let used16 = prefix.encode_utf16().count();
        // SAFETY: used16 <= number of units read from the caller's text.
        unsafe { *tail = (sql as *const u16).add(used16) as *const c_void };
    }
    rc
}

/// # Safety
/// SQLite's prepare contract.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_prepare16(
    db: *mut sqlite3,
    sql: *const c_void,
    n: c_int,
    pp: *mut *mut sqlite3_stmt,
    tail: *mut *const c_void,
) -> c_int {
    // SAFETY: forwarded caller contract.
    capi_boundary! { unsafe { prepare16_impl(db, sql, n, pp, tail) } }
}
/// # Safety
/// SQLite's prepare contract.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_prepare16_v2(
    db: *mut sqlite3,
    sql: *const c_void,
    n: c_int,
    pp: *mut *mut sqlite3_stmt,
    tail: *mut *const c_void,
) -> c_int {
    // SAFETY: forwarded caller contract.
    capi_boundary! { unsafe { prepare16_impl(db, sql, n, pp, tail) } }
}
/// # Safety
/// SQLite's prepare contract.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_prepare16_v3(
    db: *mut sqlite3,
    sql: *const c_void,
    n: c_int,
    _flags: std::os::raw::c_uint,
    pp: *mut *mut sqlite3_stmt,
    tail: *mut *const c_void,
) -> c_int {
    // SAFETY: forwarded caller contract.
    capi_boundary! { unsafe { prepare16_impl(db, sql, n, pp, tail) } }
}

// ---------------------------------------------------------------------------------------------
// step / reset / finalize

/// What the trace/profile hooks need, read before a step (no statement borrow held while
/// application callbacks run: they may call back into the statement, e.g. `expanded_sql`).
struct StepHooks {
    hooks: super::db::Hooks,
    first: bool,
}

type TraceV2 = unsafe extern "C" fn(u32, *mut c_void, *mut c_void, *mut c_void) -> c_int;
const TRACE_STMT: u32 = 0x01;
const TRACE_PROFILE: u32 = 0x02;
const TRACE_ROW: u32 = 0x04;
pub const TRACE_CLOSE: u32 = 0x08;

/// Call the `trace_v2` callback for event `ev` if its mask asks for it.
pub fn fire_trace_v2(h: &super::db::Hooks, ev: u32, p: *mut c_void, x: *mut c_void) {
    let (f, arg, mask) = h.trace_v2;
    if f != 0 && (mask & ev) != 0 {
        // SAFETY: f was stored from a trace_v2 callback of this type; arguments per its docs.
        super::boundary::run(|| unsafe {
            let f: TraceV2 = std::mem::transmute::<usize, TraceV2>(f);
            f(ev, arg as *mut c_void, p, x)
        });
    }
}

/// Start-of-statement hooks: `SQLITE_TRACE_STMT` (unexpanded SQL) and legacy `sqlite3_trace`
/// (expanded SQL), as SQLite fires them on the first step of a run.
fn fire_start_hooks(p: *mut sqlite3_stmt, h: &super::db::Hooks) {
    if h.trace_v2.0 != 0 && (h.trace_v2.2 & TRACE_STMT) != 0 {
        let sql = sqlite3_sql(p);
        fire_trace_v2(h, TRACE_STMT, p as *mut c_void, sql as *mut c_void);
    }
    if h.trace.0 != 0 {
        let x = sqlite3_expanded_sql(p);
        // SAFETY: stored from a legacy trace callback (void(*)(void*, const char*)).
        super::boundary::run(|| unsafe {
            let f: unsafe extern "C" fn(*mut c_void, *const c_char) = std::mem::transmute::<
                usize,
                unsafe extern "C" fn(*mut c_void, *const c_char),
            >(h.trace.0);
            f(h.trace.1 as *mut c_void, x)
        });
        // SAFETY: allocated by sqlite3_expanded_sql.
        unsafe { super::mem::sqlite3_free(x as *mut c_void) };
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_step(p: *mut sqlite3_stmt) -> c_int {
    capi_boundary! {
        let s: &sqlite3_stmt = handle!(p, Stmt, sqlite3_stmt);
        if !is_live(s.db, Kind::Db) {
            return SQLITE_MISUSE;
        }
        // SAFETY: live per registry; a connection outlives its statements.
        let d = unsafe { &*s.db };
        // Held for the whole step (re-entrant): hooks run under it, as in SQLite.
        let outer = d.m.lock();
        // Phase 1: auto-reset, interrupt flag, note whether this starts a run.
        let pre: StepHooks = with_stmt!(p, SQLITE_MISUSE, |st, g| {
            st.clear_cols();
            if st.halted {
                g.with_conn(|c| st.stmt.reset(c));
                st.halted = false;
                st.running = false;
            }
            let first = !st.running;
            if first {
                let others_busy = g.stmts.borrow().iter().any(|&o| o != p as usize && is_busy(o));
                if !others_busy {
                    d.interrupt.store(false, std::sync::atomic::Ordering::SeqCst);
                }
                let h = g.hooks.get();
                let profiling = h.profile.0 != 0 || (h.trace_v2.0 != 0 && (h.trace_v2.2 & TRACE_PROFILE) != 0);
                st.started = if profiling { Some(std::time::Instant::now()) } else { None };
            }
            st.running = true;
            StepHooks { hooks: g.hooks.get(), first }
        });
        if pre.first {
            fire_start_hooks(p, &pre.hooks);
        }
        // Phase 2: run the engine.
        let (rc, elapsed) = with_stmt!(p, SQLITE_MISUSE, |st, g| {
            let r = {
                let Ok(mut c) = g.conn.try_borrow_mut() else { return g.fail(&Error::misuse()); };
                let Some(conn) = c.as_mut() else { return SQLITE_MISUSE; };
                st.stmt.step(conn)
            };
            match r {
                Ok(true) => {
                    st.last_err = SQLITE_OK;
                    g.set_err_code(SQLITE_ROW, None);
                    (SQLITE_ROW, None)
                }
                Ok(false) => {
                    st.halted = true;
                    st.last_err = SQLITE_OK;
                    g.set_err_code(SQLITE_DONE, None);
                    (SQLITE_DONE, st.started.take().map(|t| t.elapsed()))
                }
                Err(e) => {
                    st.halted = true;
                    st.last_err = e.code;
                    st.last_msg = Some(e.msg.clone());
                    (g.fail(&e), st.started.take().map(|t| t.elapsed()))
                }
            }
        });
        // Phase 3: per-row and end-of-statement hooks.
        let h = pre.hooks;
        if rc == SQLITE_ROW {
            fire_trace_v2(&h, TRACE_ROW, p as *mut c_void, std::ptr::null_mut());
        } else if let Some(t) = elapsed {
            let mut ns: i64 = t.as_nanos().min(i64::MAX as u128) as i64;
            fire_trace_v2(&h, TRACE_PROFILE, p as *mut c_void, &mut ns as *mut i64 as *mut c_void);
            if h.profile.0 != 0 {
                let sql = sqlite3_sql(p);
                // SAFETY: stored from a legacy profile callback (void(*)(void*,const char*,u64)).
                super::boundary::run(|| unsafe {
                    let f: unsafe extern "C" fn(*mut c_void, *const c_char, u64) = std::mem::transmute::<usize, unsafe extern "C" fn(*mut c_void, *const c_char, u64)>(h.profile.0);
                    f(h.profile.1 as *mut c_void, sql, ns as u64)
                });
            }
        }
        drop(outer);
        rc
    }
}

fn is_busy(addr: usize) -> bool {
    let p = addr as *mut sqlite3_stmt;
    if !is_live(p, Kind::Stmt) {
        return false;
    }
    // SAFETY: live per registry; called with the connection mutex held.
    let s = unsafe { &*p };
    s.st.try_borrow()
        .map(|st| st.running && !st.halted)
        .unwrap_or(true)
}

#[no_mangle]
pub extern "C" fn sqlite3_reset(p: *mut sqlite3_stmt) -> c_int {
    capi_boundary! {
        if p.is_null() { return SQLITE_OK; }
        with_stmt!(p, SQLITE_MISUSE, |st, g| {
            st.clear_cols();
            g.with_conn(|c| st.stmt.reset(c));
            // As sqlite3VdbeReset: the run's outcome goes to the connection's error state only
            // if the statement ran since its last reset (PHP keeps a DONE statement that it
            // reset around and finalizes it after a later failure: errcode must survive).
            let ran = st.running;
            st.running = false;
            st.halted = false;
            let rc = st.last_err;
            let msg = st.last_msg.take();
            st.last_err = SQLITE_OK;
            if ran {
                if rc == SQLITE_OK { g.ok(); } else { g.set_err_code(rc, msg.as_deref()); }
            }
            g.rc(rc)
        })
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_finalize(p: *mut sqlite3_stmt) -> c_int {
    capi_boundary! {
        if p.is_null() { return SQLITE_OK; }
        let s: &sqlite3_stmt = handle!(p, Stmt, sqlite3_stmt);
        let db = s.db;
        let rc = {
            if !is_live(db, Kind::Db) { return SQLITE_MISUSE; }
            // SAFETY: live per registry.
            let d = unsafe { &*db };
            let g = d.m.lock();
            if s.st.try_borrow_mut().is_err() { return SQLITE_MISUSE; }
            if !unregister(p, Kind::Stmt) { return SQLITE_MISUSE; }
            g.stmts.borrow_mut().retain(|&x| x != p as usize);
            // SAFETY: unregistered: we own the box.
            let b = unsafe { Box::from_raw(p) };
            let mut st = b.st.into_inner();
            st.free_cols();
            let keys: Vec<usize> = st.pointers.keys().copied().collect();
            for k in keys { st.drop_pointer(k); }
            let StmtState { stmt, last_err, last_msg, running, .. } = st;
            g.with_conn(|c| stmt.finalize(c));
            let st = Finalized { last_err, last_msg };
            // As sqlite3_reset above: only a statement that ran since its last reset transfers
            // its outcome to the connection.
            if running {
                if st.last_err == SQLITE_OK { g.ok(); } else { g.set_err_code(st.last_err, st.last_msg.as_deref()); }
            }
            g.rc(st.last_err)
        };
        super::db::maybe_close_zombie(db);
        rc
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_clear_bindings(p: *mut sqlite3_stmt) -> c_int {
    capi_boundary! {
        with_stmt!(p, SQLITE_MISUSE, |st, _g| {
            st.stmt.clear_bindings();
            let keys: Vec<usize> = st.pointers.keys().copied().collect();
            for k in keys { st.drop_pointer(k); }
            SQLITE_OK
        })
    }
}

// ---------------------------------------------------------------------------------------------
// bind

fn bind_value(p: *mut sqlite3_stmt, i: c_int, v: Value) -> c_int {
    with_stmt!(p, SQLITE_MISUSE, |st, g| {
        if st.running {
            super::boundary::log_misuse(line!());
            g.set_err_code(SQLITE_MISUSE, Some("bad parameter or other API misuse"));
            return SQLITE_MISUSE;
        }
        if i < 1 || i as usize > st.stmt.parameter_count() {
            g.set_err_code(SQLITE_RANGE, Some("column index out of range"));
            return SQLITE_RANGE;
        }
        st.drop_pointer(i as usize);
        // sqlite3VdbeMemSetStr: longer than SQLITE_LIMIT_LENGTH is TOOBIG, the parameter NULL.
        if let Value::Text(b) | Value::Blob(b) = &v {
            let max = g.with_conn(|c| c.limit(0, -1)).unwrap_or(i32::MAX).max(0) as usize;
            if b.len() > max {
                let _ = st.stmt.bind(i as usize, Value::Null);
                g.set_err_code(SQLITE_TOOBIG, Some("string or blob too big"));
                return SQLITE_TOOBIG;
            }
        }
        match st.stmt.bind(i as usize, v) {
            Ok(()) => {
                g.ok();
                SQLITE_OK
            }
            Err(e) => g.fail(&e),
        }
    })
}

#[no_mangle]
pub extern "C" fn sqlite3_bind_null(p: *mut sqlite3_stmt, i: c_int) -> c_int {
    capi_boundary! { bind_value(p, i, Value::Null) }
}

#[no_mangle]
pub extern "C" fn sqlite3_bind_int(p: *mut sqlite3_stmt, i: c_int, v: c_int) -> c_int {
    capi_boundary! { bind_value(p, i, Value::Integer(v as i64)) }
}

#[no_mangle]
pub extern "C" fn sqlite3_bind_int64(p: *mut sqlite3_stmt, i: c_int, v: sqlite3_int64) -> c_int {
    capi_boundary! { bind_value(p, i, Value::Integer(v)) }
}

#[no_mangle]
pub extern "C" fn sqlite3_bind_double(p: *mut sqlite3_stmt, i: c_int, v: f64) -> c_int {
    capi_boundary! { bind_value(p, i, if v.is_nan() { Value::Null } else { Value::Real(v) }) }
}

pub type Destructor = Option<unsafe extern "C" fn(*mut c_void)>;

fn dtor_addr(d: Destructor) -> usize {
    d.map(|f| f as usize).unwrap_or(0)
}

const TOO_BIG: u64 = 1_000_000_000;

/// Copy caller data into a value then run the destructor (SQLite calls it even on failure).
///
/// # Safety
/// `z` points to `n` bytes (text: NUL-terminated when n < 0).
unsafe fn bind_bytes(
    p: *mut sqlite3_stmt,
    i: c_int,
    z: *const c_void,
    n: i64,
    d: usize,
    enc: u8,
) -> c_int {
    let rc = if z.is_null() {
        bind_value(p, i, Value::Null)
    } else if n > TOO_BIG as i64 {
        SQLITE_TOOBIG
    } else {
        let v = match enc {
            0 => {
                // SAFETY: caller contract.
                Value::Blob(unsafe { bytes_n(z as *const c_char, n.max(0), false) }.to_vec())
            }
            1 => {
                // SAFETY: caller contract.
                Value::Text(unsafe { bytes_n(z as *const c_char, n, n < 0) }.to_vec())
            }
            _ => {
                // SAFETY: caller contract.
                let mut u = unsafe { utf16_n(z, n) };
                if enc == 3 && cfg!(target_endian = "little")
                    || enc == 2 && cfg!(target_endian = "big")
                {
                    for x in u.iter_mut() {
                        *x = x.swap_bytes();
                    }
                }
                Value::Text(String::from_utf16_lossy(&u).into_bytes())
            }
        };
        bind_value(p, i, v)
    };
    call_destructor(d, z as *mut c_void);
    rc
}

/// # Safety
/// SQLite's bind contract.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_bind_text(
    p: *mut sqlite3_stmt,
    i: c_int,
    z: *const c_char,
    n: c_int,
    d: Option<unsafe extern "C" fn(*mut c_void)>,
) -> c_int {
    // SAFETY: forwarded.
    capi_boundary! { unsafe { bind_bytes(p, i, z as *const c_void, n as i64, dtor_addr(d), 1) } }
}

/// # Safety
/// SQLite's bind contract.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_bind_text64(
    p: *mut sqlite3_stmt,
    i: c_int,
    z: *const c_char,
    n: sqlite3_uint64,
    d: Option<unsafe extern "C" fn(*mut c_void)>,
    enc: u8,
) -> c_int {
    capi_boundary! {
        let enc = match enc { 1 => 1, 2 => 2, 3 => 3, 4 => 2 + cfg!(target_endian = "big") as u8, _ => {
            call_destructor(dtor_addr(d), z as *mut c_void);
            return SQLITE_MISUSE; } };
        let enc = if enc == 2 && cfg!(target_endian = "big") { 3 } else { enc };
        let n = if n > i64::MAX as u64 { i64::MAX } else { n as i64 };
        // SAFETY: forwarded.
        unsafe { bind_bytes(p, i, z as *const c_void, n, dtor_addr(d), enc) }
    }
}

/// # Safety
/// SQLite's bind contract.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_bind_text16(
    p: *mut sqlite3_stmt,
    i: c_int,
    z: *const c_void,
    n: c_int,
    d: Option<unsafe extern "C" fn(*mut c_void)>,
) -> c_int {
    let enc = if cfg!(target_endian = "big") { 3 } else { 2 };
    // SAFETY: forwarded.
    capi_boundary! { unsafe { bind_bytes(p, i, z, n as i64, dtor_addr(d), enc) } }
}

/// # Safety
/// SQLite's bind contract.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_bind_blob(
    p: *mut sqlite3_stmt,
    i: c_int,
    z: *const c_void,
    n: c_int,
    d: Option<unsafe extern "C" fn(*mut c_void)>,
) -> c_int {
    // SAFETY: forwarded.
    capi_boundary! { unsafe { bind_bytes(p, i, z, n as i64, dtor_addr(d), 0) } }
}

/// # Safety
/// SQLite's bind contract.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_bind_blob64(
    p: *mut sqlite3_stmt,
    i: c_int,
    z: *const c_void,
    n: sqlite3_uint64,
    d: Option<unsafe extern "C" fn(*mut c_void)>,
) -> c_int {
    let n = if n > i64::MAX as u64 {
        i64::MAX
    } else {
        n as i64
    };
    // SAFETY: forwarded.
    capi_boundary! { unsafe { bind_bytes(p, i, z, n, dtor_addr(d), 0) } }
}

#[no_mangle]
pub extern "C" fn sqlite3_bind_zeroblob(p: *mut sqlite3_stmt, i: c_int, n: c_int) -> c_int {
    capi_boundary! { bind_value(p, i, Value::Blob(vec![0; n.max(0) as usize])) }
}

#[no_mangle]
pub extern "C" fn sqlite3_bind_zeroblob64(
    p: *mut sqlite3_stmt,
    i: c_int,
    n: sqlite3_uint64,
) -> c_int {
    capi_boundary! {
        if n > TOO_BIG { return SQLITE_TOOBIG; }
        bind_value(p, i, Value::Blob(vec![0; n as usize]))
    }
}

/// Binds NULL and keeps the pointer for its destructor (pointer values are not carried by the
/// engine; see COMPAT).
#[no_mangle]
pub extern "C" fn sqlite3_bind_pointer(
    p: *mut sqlite3_stmt,
    i: c_int,
    ptr: *mut c_void,
    _ty: *const c_char,
    d: Option<unsafe extern "C" fn(*mut c_void)>,
) -> c_int {
    capi_boundary! {
        let rc = bind_value(p, i, Value::Null);
        if rc == SQLITE_OK {
            let r: c_int = with_stmt!(p, SQLITE_MISUSE, |st, _g| { st.pointers.insert(i as usize, (ptr as usize, dtor_addr(d))); SQLITE_OK });
            r
        } else {
            call_destructor(dtor_addr(d), ptr);
            rc
        }
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_bind_value(
    p: *mut sqlite3_stmt,
    i: c_int,
    v: *const sqlite3_value,
) -> c_int {
    capi_boundary! {
        let val = if v.is_null() { Value::Null } else { handle!(v, Value, sqlite3_value).v.clone() };
        bind_value(p, i, val)
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_bind_parameter_count(p: *mut sqlite3_stmt) -> c_int {
    capi_boundary! { with_stmt!(p, 0, |st, _g| st.stmt.parameter_count() as c_int) }
}

#[no_mangle]
pub extern "C" fn sqlite3_bind_parameter_name(p: *mut sqlite3_stmt, i: c_int) -> *const c_char {
    capi_boundary! {
        with_stmt!(p, std::ptr::null(), |st, _g| {
            if i < 1 { return std::ptr::null(); }
            let Some(name) = st.stmt.parameter_name(i as usize).map(cstring_lossy) else { return std::ptr::null(); };
            st.strs.entry((9, i as usize)).or_insert(name).as_ptr()
        })
    }
}

/// # Safety
/// `name` NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_bind_parameter_index(
    p: *mut sqlite3_stmt,
    name: *const c_char,
) -> c_int {
    capi_boundary! {
        // SAFETY: caller contract.
        let Some(n) = (unsafe { cstr_bytes(name) }) else { return 0; };
        let n = String::from_utf8_lossy(n).into_owned();
        with_stmt!(p, 0, |st, _g| st.stmt.parameter_index(&n) as c_int)
    }
}

// ---------------------------------------------------------------------------------------------
// columns

/// The value handle for column `i` of the current row (NULL handle if out of range).
fn column(st: &mut StmtState, g: &DbState, i: c_int) -> Option<*mut sqlite3_value> {
    let n = st.stmt.data_count();
    if i < 0 || i as usize >= n {
        g.set_err_code(SQLITE_RANGE, Some("column index out of range"));
        return None;
    }
    let i = i as usize;
    if st.cols.len() < n {
        st.cols.resize(n, std::ptr::null_mut());
        st.cols_fresh.resize(n, false);
    }
    if st.cols[i].is_null() {
        st.cols[i] = sqlite3_value::boxed(st.stmt.column_value(i).clone());
    } else if !st.cols_fresh[i] {
        // SAFETY: the slot is a live handle owned by this statement (freed only at finalize);
        // the statement is borrowed mutably under the connection mutex.
        unsafe { (*st.cols[i]).refill_from(st.stmt.column_value(i)) };
    }
    st.cols_fresh[i] = true;
    Some(st.cols[i])
}

/// Column `i`'s value read in place, for the numeric accessors (no copy, no handle).
fn column_direct<R>(
    st: &StmtState,
    g: &DbState,
    i: c_int,
    f: impl FnOnce(&Value) -> R,
) -> Option<R> {
    if i < 0 || i as usize >= st.stmt.data_count() {
        g.set_err_code(SQLITE_RANGE, Some("column index out of range"));
        return None;
    }
    Some(f(st.stmt.column_value(i as usize)))
}

#[no_mangle]
pub extern "C" fn sqlite3_column_blob(p: *mut sqlite3_stmt, i: c_int) -> *const c_void {
    capi_boundary! {
        let v = with_stmt!(p, std::ptr::null(), |st, g| column(st, g, i));
        match v {
            Some(v) => super::value::sqlite3_value_blob(v),
            None => std::ptr::null(),
        }
    }
}
#[no_mangle]
pub extern "C" fn sqlite3_column_bytes(p: *mut sqlite3_stmt, i: c_int) -> c_int {
    capi_boundary! {
        // Text, blob and NULL: the length read in place (no handle, no copy); a number needs
        // its text form, computed once in the column's handle as `sqlite3_column_text` does.
        let v = with_stmt!(p, 0, |st, g| {
            match column_direct(st, g, i, |v| match v {
                Value::Text(t) | Value::Blob(t) => Some(t.len() as c_int),
                Value::Null => Some(0),
                _ => None,
            }) {
                None => return 0,
                Some(Some(n)) => return n,
                Some(None) => column(st, g, i),
            }
        });
        match v {
            Some(v) => super::value::sqlite3_value_bytes(v),
            None => 0,
        }
    }
}
#[no_mangle]
pub extern "C" fn sqlite3_column_bytes16(p: *mut sqlite3_stmt, i: c_int) -> c_int {
    capi_boundary! {
        let v = with_stmt!(p, 0, |st, g| column(st, g, i));
        match v {
            Some(v) => super::value::sqlite3_value_bytes16(v),
            None => 0,
        }
    }
}
#[no_mangle]
pub extern "C" fn sqlite3_column_double(p: *mut sqlite3_stmt, i: c_int) -> f64 {
    capi_boundary! {
        with_stmt!(p, 0.0, |st, g| column_direct(st, g, i, |v| super::value::value_f64(v)).unwrap_or(0.0))
    }
}
#[no_mangle]
pub extern "C" fn sqlite3_column_int(p: *mut sqlite3_stmt, i: c_int) -> c_int {
    capi_boundary! {
        with_stmt!(p, 0, |st, g| column_direct(st, g, i, |v| super::value::value_i64(v) as c_int).unwrap_or(0))
    }
}
#[no_mangle]
pub extern "C" fn sqlite3_column_int64(p: *mut sqlite3_stmt, i: c_int) -> sqlite3_int64 {
    capi_boundary! {
        with_stmt!(p, 0, |st, g| column_direct(st, g, i, |v| super::value::value_i64(v)).unwrap_or(0))
    }
}
#[no_mangle]
pub extern "C" fn sqlite3_column_text(p: *mut sqlite3_stmt, i: c_int) -> *const u8 {
    capi_boundary! {
        let v = with_stmt!(p, std::ptr::null(), |st, g| column(st, g, i));
        match v {
            Some(v) => super::value::sqlite3_value_text(v),
            None => std::ptr::null(),
        }
    }
}
#[no_mangle]
pub extern "C" fn sqlite3_column_text16(p: *mut sqlite3_stmt, i: c_int) -> *const c_void {
    capi_boundary! {
        let v = with_stmt!(p, std::ptr::null(), |st, g| column(st, g, i));
        match v {
            Some(v) => super::value::sqlite3_value_text16(v),
            None => std::ptr::null(),
        }
    }
}
#[no_mangle]
pub extern "C" fn sqlite3_column_type(p: *mut sqlite3_stmt, i: c_int) -> c_int {
    capi_boundary! {
        with_stmt!(p, crate::value::SQLITE_NULL, |st, g| column_direct(st, g, i, |v| v.type_code()).unwrap_or(crate::value::SQLITE_NULL))
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_column_value(p: *mut sqlite3_stmt, i: c_int) -> *mut sqlite3_value {
    capi_boundary! {
        with_stmt!(p, std::ptr::null_mut(), |st, g| column(st, g, i)).unwrap_or(std::ptr::null_mut())
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_column_count(p: *mut sqlite3_stmt) -> c_int {
    capi_boundary! { with_stmt!(p, 0, |st, _g| st.stmt.column_count() as c_int) }
}

#[no_mangle]
pub extern "C" fn sqlite3_data_count(p: *mut sqlite3_stmt) -> c_int {
    capi_boundary! { with_stmt!(p, 0, |st, _g| if st.running && !st.halted { st.stmt.data_count() as c_int } else { 0 }) }
}

/// Column metadata string `kind` for column `i`: 0 name, 1 decltype, 2 database, 3 table,
/// 4 origin column.
fn meta(st: &StmtState, kind: u8, i: usize) -> Option<String> {
    match kind {
        0 => st.stmt.column_name(i).map(|s| s.to_string()),
        1 => st.stmt.column_decltype(i).map(|s| s.to_string()),
        2 => st.stmt.column_origin(i).map(|o| o.0.to_string()),
        3 => st.stmt.column_origin(i).map(|o| o.1.to_string()),
        _ => st.stmt.column_origin(i).map(|o| o.2.to_string()),
    }
}

fn meta8(p: *mut sqlite3_stmt, i: c_int, kind: u8) -> *const c_char {
    with_stmt!(p, std::ptr::null(), |st, _g| {
        if i < 0 || i as usize >= st.stmt.column_count() {
            return std::ptr::null();
        }
        let i = i as usize;
        if !st.strs.contains_key(&(kind, i)) {
            let Some(s) = meta(st, kind, i) else {
                return std::ptr::null();
            };
            st.strs.insert((kind, i), cstring_lossy(&s));
        }
        st.strs
            .get(&(kind, i))
            .map(|c| c.as_ptr())
            .unwrap_or(std::ptr::null())
    })
}

fn meta16(p: *mut sqlite3_stmt, i: c_int, kind: u8) -> *const c_void {
    with_stmt!(p, std::ptr::null(), |st, _g| {
        if i < 0 || i as usize >= st.stmt.column_count() {
            return std::ptr::null();
        }
        let i = i as usize;
        if !st.strs16.contains_key(&(kind, i)) {
            let Some(s) = meta(st, kind, i) else {
                return std::ptr::null();
            };
            st.strs16.insert((kind, i), to_utf16z(s.as_bytes()));
        }
        st.strs16
            .get(&(kind, i))
            .map(|c| c.as_ptr() as *const c_void)
            .unwrap_or(std::ptr::null())
    })
}

#[no_mangle]
pub extern "C" fn sqlite3_column_name(p: *mut sqlite3_stmt, i: c_int) -> *const c_char {
    capi_boundary! { meta8(p, i, 0) }
}
#[no_mangle]
pub extern "C" fn sqlite3_column_name16(p: *mut sqlite3_stmt, i: c_int) -> *const c_void {
    capi_boundary! { meta16(p, i, 0) }
}
#[no_mangle]
pub extern "C" fn sqlite3_column_decltype(p: *mut sqlite3_stmt, i: c_int) -> *const c_char {
    capi_boundary! { meta8(p, i, 1) }
}
#[no_mangle]
pub extern "C" fn sqlite3_column_decltype16(p: *mut sqlite3_stmt, i: c_int) -> *const c_void {
    capi_boundary! { meta16(p, i, 1) }
}
#[no_mangle]
pub extern "C" fn sqlite3_column_database_name(p: *mut sqlite3_stmt, i: c_int) -> *const c_char {
    capi_boundary! { meta8(p, i, 2) }
}
#[no_mangle]
pub extern "C" fn sqlite3_column_database_name16(p: *mut sqlite3_stmt, i: c_int) -> *const c_void {
    capi_boundary! { meta16(p, i, 2) }
}
#[no_mangle]
pub extern "C" fn sqlite3_column_table_name(p: *mut sqlite3_stmt, i: c_int) -> *const c_char {
    capi_boundary! { meta8(p, i, 3) }
}
#[no_mangle]
pub extern "C" fn sqlite3_column_table_name16(p: *mut sqlite3_stmt, i: c_int) -> *const c_void {
    capi_boundary! { meta16(p, i, 3) }
}
#[no_mangle]
pub extern "C" fn sqlite3_column_origin_name(p: *mut sqlite3_stmt, i: c_int) -> *const c_char {
    capi_boundary! { meta8(p, i, 4) }
}
#[no_mangle]
pub extern "C" fn sqlite3_column_origin_name16(p: *mut sqlite3_stmt, i: c_int) -> *const c_void {
    capi_boundary! { meta16(p, i, 4) }
}

// ---------------------------------------------------------------------------------------------
// statement information

#[no_mangle]
pub extern "C" fn sqlite3_sql(p: *mut sqlite3_stmt) -> *const c_char {
    capi_boundary! {
        with_stmt!(p, std::ptr::null(), |st, _g| {
            if st.sql.is_none() { st.sql = Some(cstring_lossy(st.stmt.sql())); }
            st.sql.as_ref().map(|c| c.as_ptr()).unwrap_or(std::ptr::null())
        })
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_expanded_sql(p: *mut sqlite3_stmt) -> *mut c_char {
    capi_boundary! {
        with_stmt!(p, std::ptr::null_mut(), |st, _g| {
            // Without parameters the expansion is the statement's own text, byte for byte
            // (SQLite keeps trailing spaces/comments; CPython's trace tests compare them).
            // SQLite builds it in a StrAccum bounded by SQLITE_LIMIT_LENGTH: NULL when longer.
            let max = _g.with_conn(|c| c.limit(0, -1)).unwrap_or(i32::MAX).max(0) as usize;
            if st.stmt.parameter_count() == 0 {
                if let Some(c) = &st.sql {
                    if c.as_bytes().len() >= max { return std::ptr::null_mut(); }
                    return super::mem::malloc_cstring(c.as_bytes());
                }
            }
            let e = st.stmt.expanded_sql();
            if e.len() >= max { return std::ptr::null_mut(); }
            super::mem::malloc_cstring(e.as_bytes())
        })
    }
}

/// Not exported (needs SQLITE_ENABLE_NORMALIZE, absent in the Debian build).
pub extern "C" fn sqlite3_normalized_sql(_p: *mut sqlite3_stmt) -> *const c_char {
    std::ptr::null()
}

#[no_mangle]
pub extern "C" fn sqlite3_stmt_readonly(p: *mut sqlite3_stmt) -> c_int {
    capi_boundary! { with_stmt!(p, 1, |st, _g| st.stmt.readonly() as c_int) }
}

#[no_mangle]
pub extern "C" fn sqlite3_stmt_busy(p: *mut sqlite3_stmt) -> c_int {
    capi_boundary! { with_stmt!(p, 0, |st, _g| (st.running && !st.halted) as c_int) }
}

#[no_mangle]
pub extern "C" fn sqlite3_stmt_isexplain(p: *mut sqlite3_stmt) -> c_int {
    capi_boundary! { with_stmt!(p, 0, |st, _g| st.stmt.explain_mode()) }
}

/// Not exported (added in SQLite 3.43).
pub extern "C" fn sqlite3_stmt_explain(p: *mut sqlite3_stmt, mode: c_int) -> c_int {
    capi_boundary! { with_stmt!(p, SQLITE_MISUSE, |st, _g| if st.stmt.explain_mode() == mode { SQLITE_OK } else { SQLITE_ERROR }) }
}

/// Counters are not kept yet: every counter reads 0 (see COMPAT).
#[no_mangle]
pub extern "C" fn sqlite3_stmt_status(p: *mut sqlite3_stmt, _op: c_int, _reset: c_int) -> c_int {
    capi_boundary! { let _s = handle!(p, Stmt, sqlite3_stmt, else 0); 0 }
}

#[no_mangle]
pub extern "C" fn sqlite3_db_handle(p: *mut sqlite3_stmt) -> *mut sqlite3 {
    capi_boundary! { let s = handle!(p, Stmt, sqlite3_stmt); s.db }
}

// ---------------------------------------------------------------------------------------------
// exec

pub type ExecCallback =
    Option<unsafe extern "C" fn(*mut c_void, c_int, *mut *mut c_char, *mut *mut c_char) -> c_int>;

/// # Safety
/// SQLite's exec contract.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_exec(
    db: *mut sqlite3,
    sql: *const c_char,
    cb: Option<
        unsafe extern "C" fn(*mut c_void, c_int, *mut *mut c_char, *mut *mut c_char) -> c_int,
    >,
    arg: *mut c_void,
    errmsg: *mut *mut c_char,
) -> c_int {
    capi_boundary! {
        if !errmsg.is_null() {
            // SAFETY: writable per contract.
            unsafe { *errmsg = std::ptr::null_mut() };
        }
        let d = handle!(db, Db, sqlite3);
        if sql.is_null() { return SQLITE_OK; }
        let _g = d.m.lock();
        let mut rest = sql;
        let mut rc = SQLITE_OK;
        'outer: loop {
            // SAFETY: rest points into the caller's NUL-terminated SQL.
            if unsafe { *rest } == 0 { break; }
            let mut stmt: *mut sqlite3_stmt = std::ptr::null_mut();
            let mut tail: *const c_char = std::ptr::null();
            // SAFETY: as above.
            rc = unsafe { prepare_impl(db, rest, -1, &mut stmt, &mut tail) };
            if rc != SQLITE_OK { break; }
            if stmt.is_null() { break; }
            rest = tail;
            let ncol = sqlite3_column_count(stmt);
            let mut names: Vec<*mut c_char> = Vec::new();
            loop {
                let r = sqlite3_step(stmt);
                if r == SQLITE_ROW {
                    if let Some(f) = cb {
                        if names.is_empty() {
                            names = (0..ncol).map(|i| sqlite3_column_name(stmt, i) as *mut c_char).collect();
                        }
                        let mut vals: Vec<*mut c_char> = (0..ncol).map(|i| sqlite3_column_text(stmt, i) as *mut c_char).collect();
                        // SAFETY: callback supplied by the application; arrays live for the call.
                        let abort = unsafe { f(arg, ncol, vals.as_mut_ptr(), names.as_mut_ptr()) };
                        if abort != 0 {
                            sqlite3_finalize(stmt);
                            let g = d.m.lock();
                            g.set_err_code(SQLITE_ABORT, None);
                            rc = SQLITE_ABORT;
                            break 'outer;
                        }
                    }
                    continue;
                }
                if r == SQLITE_DONE {
                    rc = sqlite3_finalize(stmt);
                } else {
                    // Keep the step's error message across finalize.
                    let g = d.m.lock();
                    let saved = (g.err.borrow().code, g.err.borrow().msg.clone());
                    sqlite3_finalize(stmt);
                    let mut e = g.err.borrow_mut();
                    e.code = saved.0;
                    e.msg = saved.1;
                    rc = r;
                }
                break;
            }
            if rc != SQLITE_OK { break; }
            // SAFETY: rest points into the caller's NUL-terminated SQL.
            while unsafe { *rest } != 0 && unsafe { (*rest as u8).is_ascii_whitespace() } {
                // SAFETY: not at the terminator yet.
                rest = unsafe { rest.add(1) };
            }
        }
        if rc != SQLITE_OK && !errmsg.is_null() {
            let m = super::db::sqlite3_errmsg(db);
            // SAFETY: errmsg returns a valid C string.
            let b = unsafe { cstr_bytes(m) }.unwrap_or(b"");
            // SAFETY: writable.
            unsafe { *errmsg = super::mem::malloc_cstring(b) };
        }
        rc
    }
}

// ---------------------------------------------------------------------------------------------
// get_table (legacy interface, built on exec)

struct Table {
    cells: Vec<*mut c_char>,
    ncol: c_int,
    nrow: c_int,
    err: bool,
}

unsafe extern "C" fn get_table_cb(
    arg: *mut c_void,
    n: c_int,
    vals: *mut *mut c_char,
    names: *mut *mut c_char,
) -> c_int {
    // SAFETY: arg is the Table passed by sqlite3_get_table; vals/names have n entries.
    unsafe {
        let t = &mut *(arg as *mut Table);
        if t.nrow == 0 && t.cells.is_empty() {
            t.ncol = n;
            for i in 0..n.max(0) as usize {
                let b = cstr_bytes(*names.add(i)).unwrap_or(b"");
                t.cells.push(super::mem::malloc_cstring(b));
            }
        } else if t.ncol != n {
            t.err = true;
            return 1;
        }
        for i in 0..n.max(0) as usize {
            let v = *vals.add(i);
            t.cells.push(if v.is_null() {
                std::ptr::null_mut()
            } else {
                super::mem::malloc_cstring(cstr_bytes(v).unwrap_or(b""))
            });
        }
        t.nrow += 1;
    }
    0
}

/// # Safety
/// SQLite's get_table contract.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_get_table(
    db: *mut sqlite3,
    sql: *const c_char,
    result: *mut *mut *mut c_char,
    nrow: *mut c_int,
    ncol: *mut c_int,
    errmsg: *mut *mut c_char,
) -> c_int {
    capi_boundary! {
        if result.is_null() { return SQLITE_MISUSE; }
        // SAFETY: out-pointers per contract.
        unsafe {
            *result = std::ptr::null_mut();
            if !nrow.is_null() { *nrow = 0; }
            if !ncol.is_null() { *ncol = 0; }
        }
        let mut t = Table { cells: Vec::new(), ncol: 0, nrow: 0, err: false };
        // SAFETY: forwarded; t outlives the call.
        let rc = unsafe { sqlite3_exec(db, sql, Some(get_table_cb), &mut t as *mut Table as *mut c_void, errmsg) };
        if rc != SQLITE_OK || t.err {
            // SAFETY: cells were allocated with sqlite3_malloc.
            for c in t.cells { unsafe { super::mem::sqlite3_free(c as *mut c_void) }; }
            return if rc != SQLITE_OK { rc } else { SQLITE_ERROR };
        }
        // Layout as SQLite: slot 0 holds the count, the caller sees slot 1 onwards.
        let n = t.cells.len() + 1;
        let arr = super::mem::raw_malloc((n * std::mem::size_of::<*mut c_char>()) as u64) as *mut *mut c_char;
        if arr.is_null() { return SQLITE_NOMEM; }
        // SAFETY: arr has n slots.
        unsafe {
            *arr = n as *mut c_char;
            for (i, c) in t.cells.iter().enumerate() { *arr.add(i + 1) = *c; }
            *result = arr.add(1);
            if !nrow.is_null() { *nrow = t.nrow; }
            if !ncol.is_null() { *ncol = t.ncol; }
        }
        SQLITE_OK
    }
}

/// # Safety
/// NULL or a result of `sqlite3_get_table`.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_free_table(result: *mut *mut c_char) {
    capi_boundary! {
        if result.is_null() { return; }
        // SAFETY: result = base + 1 and slot 0 holds the slot count (see get_table).
        unsafe {
            let base = result.sub(1);
            let n = *base as usize;
            for i in 1..n { super::mem::sqlite3_free(*base.add(i) as *mut c_void); }
            super::mem::sqlite3_free(base as *mut c_void);
        }
    }
}
