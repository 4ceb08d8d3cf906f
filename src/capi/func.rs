//! Application-defined functions and collations: C callbacks adapted to `db::UserFunction` and
//! `btree::Collation`, and the `sqlite3_context` / `sqlite3_result_*` side.
//!
//! Invariants:
//! 1. [`FuncData`] owns the application's `pApp` pointer; its `Drop` calls `xDestroy` exactly
//!    once, when the last clone of the registered closure is dropped (the function was replaced,
//!    deleted, the connection closed, or registration failed) — SQLite's documented moments.
//! 2. A `sqlite3_context` and the argument `sqlite3_value`s are registered only for the
//!    duration of one callback; the result is collected before they are freed.
//! 3. Each aggregate group owns one zeroed `aggregate_context` buffer, freed after xFinal.

use super::boundary::{capi_boundary, handle, register, run, unregister, Kind};
use super::db::sqlite3;
use super::stmt::{call_destructor, Destructor};
use super::util::*;
use super::value::sqlite3_value;
#[allow(unused_imports)]
use super::{sqlite3_int64, sqlite3_uint64};
use crate::db::{UserFuncImpl, UserFunction};
use crate::error::{codes::*, errstr, Error, Result};
use crate::func::{AggState, FuncContext};
use crate::value::Value;
use std::cell::RefCell;
use std::os::raw::{c_char, c_int, c_uint, c_void};
use std::sync::Arc;

type XFunc = unsafe extern "C" fn(*mut sqlite3_context, c_int, *mut *mut sqlite3_value);
type XFinal = unsafe extern "C" fn(*mut sqlite3_context);
type XDestroy = unsafe extern "C" fn(*mut c_void);

/// The C side of one registered function.
pub struct FuncData {
    xfunc: Option<XFunc>,
    xstep: Option<XFunc>,
    xfinal: Option<XFinal>,
    xvalue: Option<XFinal>,
    xinverse: Option<XFunc>,
    papp: *mut c_void,
    xdestroy: Option<XDestroy>,
    db: *mut sqlite3,
}

// SAFETY: the pointers are the application's; SQLite likewise calls functions from whatever
// thread runs the statement (serialized by the connection mutex).
unsafe impl Send for FuncData {}
// SAFETY: as above; FuncData is immutable after construction.
unsafe impl Sync for FuncData {}

impl FuncData {
    /// The data of a context for a virtual table's xColumn (no function, no user data).
    pub(crate) fn for_vtab() -> FuncData {
        FuncData {
            xfunc: None,
            xstep: None,
            xfinal: None,
            xvalue: None,
            xinverse: None,
            papp: std::ptr::null_mut(),
            xdestroy: None,
            db: std::ptr::null_mut(),
        }
    }
}

impl Drop for FuncData {
    fn drop(&mut self) {
        if let Some(d) = self.xdestroy {
            // SAFETY: the application's destructor for its own pointer (invariant 1).
            run(|| unsafe { d(self.papp) });
        }
    }
}

/// What a callback produced.
pub struct CtxResult {
    pub value: Value,
    pub err: Option<(c_int, String)>,
    pub subtype: u32,
}

#[allow(non_camel_case_types)]
pub struct sqlite3_context {
    fd: *const FuncData,
    pub result: RefCell<CtxResult>,
    agg: *mut Option<Vec<u64>>,
    aux: RefCell<Vec<(c_int, usize, usize)>>,
}

/// Run one C callback with a fresh context over `args`; returns the collected result.
pub(crate) fn call_with_context(
    fd: &FuncData,
    agg: *mut Option<Vec<u64>>,
    args: &[Value],
    f: impl FnOnce(*mut sqlite3_context, c_int, *mut *mut sqlite3_value),
) -> Result<(Value, u32)> {
    let ctx = Box::into_raw(Box::new(sqlite3_context {
        fd: fd as *const FuncData,
        result: RefCell::new(CtxResult {
            value: Value::Null,
            err: None,
            subtype: 0,
        }),
        agg,
        aux: RefCell::new(Vec::new()),
    }));
    register(ctx, Kind::Context);
    let mut argv: Vec<*mut sqlite3_value> = args
        .iter()
        .map(|v| sqlite3_value::boxed(v.clone()))
        .collect();
    f(ctx, argv.len() as c_int, argv.as_mut_ptr());
    for a in argv {
        sqlite3_value::free(a);
    }
    unregister(ctx, Kind::Context);
    // SAFETY: unregistered: we own the box again.
    let c = unsafe { Box::from_raw(ctx) };
    for (_, p, d) in c.aux.borrow_mut().drain(..) {
        call_destructor(d, p as *mut c_void);
    }
    let r = c.result.into_inner();
    match r.err {
        Some((code, msg)) => Err(Error::new(code, msg)),
        None => Ok((r.value, r.subtype)),
    }
}

struct CAgg {
    fd: Arc<FuncData>,
    buf: Box<Option<Vec<u64>>>,
}

impl CAgg {
    fn call_step(&mut self, which: Option<XFunc>, args: &[Value]) -> Result<()> {
        let Some(f) = which else {
            return Err(Error::sql("misuse of window function"));
        };
        let agg: *mut Option<Vec<u64>> = &mut *self.buf;
        call_with_context(&self.fd, agg, args, |c, n, v| {
            // SAFETY: the application's xStep/xInverse with a live context and arguments.
            unsafe { f(c, n, v) }
        })
        .map(|_| ())
    }
    fn call_final(&mut self, which: Option<XFinal>, ctx: &mut FuncContext) -> Result<Value> {
        let Some(f) = which else {
            return Err(Error::sql("misuse of window function"));
        };
        let agg: *mut Option<Vec<u64>> = &mut *self.buf;
        let (v, st) = call_with_context(&self.fd, agg, &[], |c, _, _| {
            // SAFETY: the application's xFinal/xValue with a live context.
            unsafe { f(c) }
        })?;
        ctx.result_subtype = st;
        Ok(v)
    }
}

impl AggState for CAgg {
    fn step(&mut self, _ctx: &mut FuncContext, args: &[Value]) -> Result<()> {
        let f = self.fd.xstep;
        self.call_step(f, args)
    }
    fn inverse(&mut self, _ctx: &mut FuncContext, args: &[Value]) -> Result<()> {
        let f = self.fd.xinverse;
        self.call_step(f, args)
    }
    fn value(&mut self, ctx: &mut FuncContext) -> Result<Value> {
        let f = self.fd.xvalue;
        self.call_final(f, ctx)
    }
    fn finalize(&mut self, ctx: &mut FuncContext) -> Result<Value> {
        let f = self.fd.xfinal;
        let r = self.call_final(f, ctx);
        *self.buf = None;
        r
    }
}

/// Shared body of every create_function variant.
#[allow(clippy::too_many_arguments)]
fn create_function_impl(
    db: *mut sqlite3,
    name: Option<String>,
    nargs: c_int,
    flags: c_int,
    papp: *mut c_void,
    xfunc: Option<XFunc>,
    xstep: Option<XFunc>,
    xfinal: Option<XFinal>,
    xvalue: Option<XFinal>,
    xinverse: Option<XFunc>,
    xdestroy: Option<XDestroy>,
) -> c_int {
    // Built first so that every exit path (including misuse) runs xDestroy (invariant 1).
    let fd = Arc::new(FuncData {
        xfunc,
        xstep,
        xfinal,
        xvalue,
        xinverse,
        papp,
        xdestroy,
        db,
    });
    let d = handle!(db, Db, sqlite3);
    let g = d.m.lock();
    let Some(name) = name else {
        return g.fail(&Error::misuse());
    };
    let window = xvalue.is_some() || xinverse.is_some();
    if name.len() > 255
        || !(-1..=127).contains(&nargs)
        || (xfunc.is_some() && (xstep.is_some() || xfinal.is_some()))
        || (xfunc.is_none() && (xstep.is_some() != xfinal.is_some()))
        || (window && (xstep.is_none() || xvalue.is_none() || xinverse.is_none()))
    {
        super::boundary::log_misuse(line!());
        return g.fail(&Error::misuse());
    }
    let r = if xfunc.is_none() && xstep.is_none() {
        g.with_conn(|c| c.remove_function(&name, nargs))
    } else {
        let imp = if xfunc.is_some() {
            let fd = fd.clone();
            UserFuncImpl::Scalar(Arc::new(move |ctx: &mut FuncContext, args: &[Value]| {
                let Some(f) = fd.xfunc else {
                    return Ok(Value::Null);
                };
                let (v, st) = call_with_context(&fd, std::ptr::null_mut(), args, |c, n, v| {
                    // SAFETY: the application's xFunc with a live context and arguments.
                    unsafe { f(c, n, v) }
                })?;
                ctx.result_subtype = st;
                Ok(v)
            }))
        } else {
            let fd = fd.clone();
            UserFuncImpl::Aggregate(Arc::new(move || {
                Box::new(CAgg {
                    fd: fd.clone(),
                    buf: Box::new(None),
                }) as Box<dyn AggState>
            }))
        };
        g.with_conn(|c| {
            c.create_function(UserFunction {
                name,
                nargs,
                flags,
                imp,
            })
        })
    };
    match r {
        Some(Ok(())) => {
            g.ok();
            SQLITE_OK
        }
        Some(Err(e)) => g.fail(&e),
        None => g.fail(&Error::misuse()),
    }
}

fn name8(p: *const c_char) -> Option<String> {
    // SAFETY: NULL or a C string (caller contract of the export).
    unsafe { cstr_bytes(p) }.map(|b| String::from_utf8_lossy(b).into_owned())
}

fn name16(p: *const c_void) -> Option<String> {
    // SAFETY: NULL or a UTF-16 C string (caller contract of the export).
    unsafe { utf16_cstr(p) }.map(String::from_utf16_lossy)
}

/// # Safety
/// SQLite's create_function contract.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_create_function(
    db: *mut sqlite3,
    name: *const c_char,
    nargs: c_int,
    flags: c_int,
    papp: *mut c_void,
    xfunc: Option<unsafe extern "C" fn(*mut sqlite3_context, c_int, *mut *mut sqlite3_value)>,
    xstep: Option<unsafe extern "C" fn(*mut sqlite3_context, c_int, *mut *mut sqlite3_value)>,
    xfinal: Option<unsafe extern "C" fn(*mut sqlite3_context)>,
) -> c_int {
    capi_boundary! { create_function_impl(db, name8(name), nargs, flags, papp, xfunc, xstep, xfinal, None, None, None) }
}

/// # Safety
/// SQLite's create_function contract.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_create_function16(
    db: *mut sqlite3,
    name: *const c_void,
    nargs: c_int,
    flags: c_int,
    papp: *mut c_void,
    xfunc: Option<unsafe extern "C" fn(*mut sqlite3_context, c_int, *mut *mut sqlite3_value)>,
    xstep: Option<unsafe extern "C" fn(*mut sqlite3_context, c_int, *mut *mut sqlite3_value)>,
    xfinal: Option<unsafe extern "C" fn(*mut sqlite3_context)>,
) -> c_int {
    capi_boundary! { create_function_impl(db, name16(name), nargs, flags, papp, xfunc, xstep, xfinal, None, None, None) }
}

/// # Safety
/// SQLite's create_function contract.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_create_function_v2(
    db: *mut sqlite3,
    name: *const c_char,
    nargs: c_int,
    flags: c_int,
    papp: *mut c_void,
    xfunc: Option<unsafe extern "C" fn(*mut sqlite3_context, c_int, *mut *mut sqlite3_value)>,
    xstep: Option<unsafe extern "C" fn(*mut sqlite3_context, c_int, *mut *mut sqlite3_value)>,
    xfinal: Option<unsafe extern "C" fn(*mut sqlite3_context)>,
    xdestroy: Option<unsafe extern "C" fn(*mut c_void)>,
) -> c_int {
    capi_boundary! { create_function_impl(db, name8(name), nargs, flags, papp, xfunc, xstep, xfinal, None, None, xdestroy) }
}

/// # Safety
/// SQLite's create_window_function contract.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_create_window_function(
    db: *mut sqlite3,
    name: *const c_char,
    nargs: c_int,
    flags: c_int,
    papp: *mut c_void,
    xstep: Option<unsafe extern "C" fn(*mut sqlite3_context, c_int, *mut *mut sqlite3_value)>,
    xfinal: Option<unsafe extern "C" fn(*mut sqlite3_context)>,
    xvalue: Option<unsafe extern "C" fn(*mut sqlite3_context)>,
    xinverse: Option<unsafe extern "C" fn(*mut sqlite3_context, c_int, *mut *mut sqlite3_value)>,
    xdestroy: Option<unsafe extern "C" fn(*mut c_void)>,
) -> c_int {
    capi_boundary! { create_function_impl(db, name8(name), nargs, flags, papp, None, xstep, xfinal, xvalue, xinverse, xdestroy) }
}

// ---------------------------------------------------------------------------------------------
// Context accessors

fn ctx<'a>(p: *mut sqlite3_context) -> Option<&'a sqlite3_context> {
    if super::boundary::is_live(p, Kind::Context) {
        // SAFETY: live per registry for the duration of the callback.
        Some(unsafe { &*p })
    } else {
        None
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_user_data(p: *mut sqlite3_context) -> *mut c_void {
    capi_boundary! {
        let c = handle!(p, Context, sqlite3_context);
        // SAFETY: fd outlives the callback (the closure holds an Arc to it).
        unsafe { (*c.fd).papp }
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_context_db_handle(p: *mut sqlite3_context) -> *mut sqlite3 {
    capi_boundary! {
        let c = handle!(p, Context, sqlite3_context);
        // SAFETY: as in sqlite3_user_data.
        unsafe { (*c.fd).db }
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_aggregate_context(p: *mut sqlite3_context, n: c_int) -> *mut c_void {
    capi_boundary! {
        let c = handle!(p, Context, sqlite3_context);
        if c.agg.is_null() { return std::ptr::null_mut(); }
        // SAFETY: agg points to the group's buffer slot, alive during the callback (invariant 3).
        let slot = unsafe { &mut *c.agg };
        if slot.is_none() {
            if n <= 0 { return std::ptr::null_mut(); }
            *slot = Some(vec![0u64; (n as usize).div_ceil(8)]);
        }
        slot.as_mut().map(|b| b.as_mut_ptr() as *mut c_void).unwrap_or(std::ptr::null_mut())
    }
}

/// Auxiliary data lives only for the current call (allowed by SQLite's documentation: SQLite
/// may discard it at any time); the destructor runs when the call ends.
#[no_mangle]
pub extern "C" fn sqlite3_get_auxdata(p: *mut sqlite3_context, n: c_int) -> *mut c_void {
    capi_boundary! {
        let c = handle!(p, Context, sqlite3_context);
        let aux = c.aux.borrow();
        aux.iter().find(|a| a.0 == n).map(|a| a.1 as *mut c_void).unwrap_or(std::ptr::null_mut())
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_set_auxdata(
    p: *mut sqlite3_context,
    n: c_int,
    data: *mut c_void,
    d: Option<unsafe extern "C" fn(*mut c_void)>,
) {
    capi_boundary! {
        let dd = d.map(|f| f as usize).unwrap_or(0);
        let Some(c) = ctx(p) else { call_destructor(dd, data); return; };
        let mut aux = c.aux.borrow_mut();
        if let Some(i) = aux.iter().position(|a| a.0 == n) {
            let (_, op, od) = aux.remove(i);
            call_destructor(od, op as *mut c_void);
        }
        aux.push((n, data as usize, dd));
    }
}

// ---------------------------------------------------------------------------------------------
// Results

fn set_result(p: *mut sqlite3_context, v: Value) {
    if let Some(c) = ctx(p) {
        let mut r = c.result.borrow_mut();
        r.value = v;
        r.err = None;
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_result_null(p: *mut sqlite3_context) {
    capi_boundary! { set_result(p, Value::Null) }
}
#[no_mangle]
pub extern "C" fn sqlite3_result_int(p: *mut sqlite3_context, v: c_int) {
    capi_boundary! { set_result(p, Value::Integer(v as i64)) }
}
#[no_mangle]
pub extern "C" fn sqlite3_result_int64(p: *mut sqlite3_context, v: sqlite3_int64) {
    capi_boundary! { set_result(p, Value::Integer(v)) }
}
#[no_mangle]
pub extern "C" fn sqlite3_result_double(p: *mut sqlite3_context, v: f64) {
    capi_boundary! { set_result(p, if v.is_nan() { Value::Null } else { Value::Real(v) }) }
}

/// # Safety
/// `z` points to `n` bytes (enc 0 blob, 1 UTF-8, 2 UTF-16LE, 3 UTF-16BE).
unsafe fn result_bytes(p: *mut sqlite3_context, z: *const c_void, n: i64, d: usize, enc: u8) {
    if z.is_null() {
        set_result(p, Value::Null);
    } else if n > 1_000_000_000 {
        result_err(p, SQLITE_TOOBIG, None);
    } else {
        let v = match enc {
            // SAFETY: caller contract.
            0 => Value::Blob(unsafe { bytes_n(z as *const c_char, n.max(0), false) }.to_vec()),
            // SAFETY: caller contract.
            1 => Value::Text(unsafe { bytes_n(z as *const c_char, n, n < 0) }.to_vec()),
            _ => {
                // SAFETY: caller contract.
                let mut u = unsafe { utf16_n(z, n) };
                if (enc == 3) != cfg!(target_endian = "big") {
                    for x in u.iter_mut() {
                        *x = x.swap_bytes();
                    }
                }
                Value::Text(String::from_utf16_lossy(&u).into_bytes())
            }
        };
        set_result(p, v);
    }
    call_destructor(d, z as *mut c_void);
}

fn daddr(d: Destructor) -> usize {
    d.map(|f| f as usize).unwrap_or(0)
}

const NATIVE16: u8 = if cfg!(target_endian = "big") { 3 } else { 2 };

/// # Safety
/// SQLite's result contract.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_result_text(
    p: *mut sqlite3_context,
    z: *const c_char,
    n: c_int,
    d: Option<unsafe extern "C" fn(*mut c_void)>,
) {
    // SAFETY: forwarded.
    capi_boundary! { unsafe { result_bytes(p, z as *const c_void, n as i64, daddr(d), 1) } }
}
/// # Safety
/// SQLite's result contract.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_result_text64(
    p: *mut sqlite3_context,
    z: *const c_char,
    n: sqlite3_uint64,
    d: Option<unsafe extern "C" fn(*mut c_void)>,
    enc: u8,
) {
    let enc = match enc {
        1 => 1,
        2 => 2,
        3 => 3,
        4 => NATIVE16,
        _ => 1,
    };
    let n = n.min(i64::MAX as u64) as i64;
    // SAFETY: forwarded.
    capi_boundary! { unsafe { result_bytes(p, z as *const c_void, n, daddr(d), enc) } }
}
/// # Safety
/// SQLite's result contract.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_result_text16(
    p: *mut sqlite3_context,
    z: *const c_void,
    n: c_int,
    d: Option<unsafe extern "C" fn(*mut c_void)>,
) {
    // SAFETY: forwarded.
    capi_boundary! { unsafe { result_bytes(p, z, n as i64, daddr(d), NATIVE16) } }
}
/// # Safety
/// SQLite's result contract.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_result_text16le(
    p: *mut sqlite3_context,
    z: *const c_void,
    n: c_int,
    d: Option<unsafe extern "C" fn(*mut c_void)>,
) {
    // SAFETY: forwarded.
    capi_boundary! { unsafe { result_bytes(p, z, n as i64, daddr(d), 2) } }
}
/// # Safety
/// SQLite's result contract.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_result_text16be(
    p: *mut sqlite3_context,
    z: *const c_void,
    n: c_int,
    d: Option<unsafe extern "C" fn(*mut c_void)>,
) {
    // SAFETY: forwarded.
    capi_boundary! { unsafe { result_bytes(p, z, n as i64, daddr(d), 3) } }
}
/// # Safety
/// SQLite's result contract.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_result_blob(
    p: *mut sqlite3_context,
    z: *const c_void,
    n: c_int,
    d: Option<unsafe extern "C" fn(*mut c_void)>,
) {
    // SAFETY: forwarded.
    capi_boundary! { unsafe { result_bytes(p, z, n as i64, daddr(d), 0) } }
}
/// # Safety
/// SQLite's result contract.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_result_blob64(
    p: *mut sqlite3_context,
    z: *const c_void,
    n: sqlite3_uint64,
    d: Option<unsafe extern "C" fn(*mut c_void)>,
) {
    let n = n.min(i64::MAX as u64) as i64;
    // SAFETY: forwarded.
    capi_boundary! { unsafe { result_bytes(p, z, n, daddr(d), 0) } }
}
#[no_mangle]
pub extern "C" fn sqlite3_result_zeroblob(p: *mut sqlite3_context, n: c_int) {
    capi_boundary! { set_result(p, Value::Blob(vec![0; n.max(0) as usize])) }
}
#[no_mangle]
pub extern "C" fn sqlite3_result_zeroblob64(p: *mut sqlite3_context, n: sqlite3_uint64) -> c_int {
    capi_boundary! {
        if n > 1_000_000_000 { result_err(p, SQLITE_TOOBIG, None); return SQLITE_TOOBIG; }
        set_result(p, Value::Blob(vec![0; n as usize]));
        SQLITE_OK
    }
}
#[no_mangle]
pub extern "C" fn sqlite3_result_value(p: *mut sqlite3_context, v: *mut sqlite3_value) {
    capi_boundary! {
        let val = if v.is_null() { Value::Null } else { handle!(v, Value, sqlite3_value, else ()).v.clone() };
        set_result(p, val)
    }
}
/// Pointer results are not carried by the engine: the result is NULL and the destructor runs
/// at once (see COMPAT).
#[no_mangle]
pub extern "C" fn sqlite3_result_pointer(
    p: *mut sqlite3_context,
    ptr: *mut c_void,
    _ty: *const c_char,
    d: Option<unsafe extern "C" fn(*mut c_void)>,
) {
    capi_boundary! { set_result(p, Value::Null); call_destructor(daddr(d), ptr); }
}
#[no_mangle]
pub extern "C" fn sqlite3_result_subtype(p: *mut sqlite3_context, t: c_uint) {
    capi_boundary! { if let Some(c) = ctx(p) { c.result.borrow_mut().subtype = t; } }
}

fn result_err(p: *mut sqlite3_context, code: c_int, msg: Option<String>) {
    if let Some(c) = ctx(p) {
        let mut r = c.result.borrow_mut();
        let msg = msg
            .or_else(|| r.err.as_ref().map(|e| e.1.clone()))
            .unwrap_or_else(|| errstr(code).to_string());
        r.err = Some((code, msg));
    }
}

/// # Safety
/// `z` points to `n` bytes or is NUL-terminated when n < 0.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_result_error(p: *mut sqlite3_context, z: *const c_char, n: c_int) {
    capi_boundary! {
        // SAFETY: caller contract.
        let m = unsafe { bytes_n(z, n as i64, n < 0) };
        let code = ctx(p).and_then(|c| c.result.borrow().err.as_ref().map(|e| e.0)).unwrap_or(SQLITE_ERROR);
        result_err(p, code, Some(String::from_utf8_lossy(m).into_owned()))
    }
}
/// # Safety
/// `z` is UTF-16, `n` bytes or NUL-terminated when n < 0.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_result_error16(
    p: *mut sqlite3_context,
    z: *const c_void,
    n: c_int,
) {
    capi_boundary! {
        // SAFETY: caller contract.
        let u = unsafe { utf16_n(z, n as i64) };
        result_err(p, SQLITE_ERROR, Some(String::from_utf16_lossy(&u)))
    }
}
#[no_mangle]
pub extern "C" fn sqlite3_result_error_code(p: *mut sqlite3_context, code: c_int) {
    capi_boundary! {
        if let Some(c) = ctx(p) {
            let mut r = c.result.borrow_mut();
            let msg = r.err.as_ref().map(|e| e.1.clone()).unwrap_or_else(|| errstr(code).to_string());
            r.err = Some((if code == SQLITE_OK { SQLITE_ERROR } else { code }, msg));
        }
    }
}
#[no_mangle]
pub extern "C" fn sqlite3_result_error_nomem(p: *mut sqlite3_context) {
    capi_boundary! { result_err(p, SQLITE_NOMEM, Some(errstr(SQLITE_NOMEM).to_string())) }
}
#[no_mangle]
pub extern "C" fn sqlite3_result_error_toobig(p: *mut sqlite3_context) {
    capi_boundary! { result_err(p, SQLITE_TOOBIG, Some("string or blob too big".to_string())) }
}

// ---------------------------------------------------------------------------------------------
// Collations

type XCompare =
    unsafe extern "C" fn(*mut c_void, c_int, *const c_void, c_int, *const c_void) -> c_int;

struct CollData {
    cmp: XCompare,
    arg: *mut c_void,
    destroy: Option<XDestroy>,
}
// SAFETY: application pointers, called under the connection mutex (see FuncData).
unsafe impl Send for CollData {}
// SAFETY: immutable after construction.
unsafe impl Sync for CollData {}
impl Drop for CollData {
    fn drop(&mut self) {
        if let Some(d) = self.destroy {
            // SAFETY: the application's destructor for its own argument.
            run(|| unsafe { d(self.arg) });
        }
    }
}

fn create_collation_impl(
    db: *mut sqlite3,
    name: Option<String>,
    enc: c_int,
    arg: *mut c_void,
    cmp: Option<XCompare>,
    destroy: Option<XDestroy>,
) -> c_int {
    let d = handle!(db, Db, sqlite3);
    let g = d.m.lock();
    let Some(name) = name else {
        return g.fail(&Error::misuse());
    };
    let enc = enc & !0x08; // SQLITE_UTF16_ALIGNED
    if !(1..=5).contains(&enc) {
        return g.fail(&Error::misuse());
    }
    let coll = cmp.map(|f| {
        let data = Arc::new(CollData {
            cmp: f,
            arg,
            destroy,
        });
        let wide = enc != 1;
        let c: crate::btree::Collation = Arc::new(move |a: &[u8], b: &[u8]| {
            let (aa, bb);
            let (pa, na, pb, nb) = if wide {
                aa = String::from_utf8_lossy(a)
                    .encode_utf16()
                    .collect::<Vec<u16>>();
                bb = String::from_utf8_lossy(b)
                    .encode_utf16()
                    .collect::<Vec<u16>>();
                (
                    aa.as_ptr() as *const c_void,
                    aa.len() * 2,
                    bb.as_ptr() as *const c_void,
                    bb.len() * 2,
                )
            } else {
                (
                    a.as_ptr() as *const c_void,
                    a.len(),
                    b.as_ptr() as *const c_void,
                    b.len(),
                )
            };
            // SAFETY: the application's comparator with two valid buffers.
            let r = run(|| unsafe { (data.cmp)(data.arg, na as c_int, pa, nb as c_int, pb) });
            r.cmp(&0)
        });
        c
    });
    if coll.is_none() {
        // Deleting: the old collation's destructor runs when the engine drops it.
        if let Some(dd) = destroy {
            let _ = dd;
        }
    }
    match g.with_conn(|c| c.create_collation(&name, coll)) {
        Some(Ok(())) => {
            g.ok();
            SQLITE_OK
        }
        Some(Err(e)) => g.fail(&e),
        None => g.fail(&Error::misuse()),
    }
}

/// # Safety
/// SQLite's create_collation contract.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_create_collation(
    db: *mut sqlite3,
    name: *const c_char,
    enc: c_int,
    arg: *mut c_void,
    cmp: Option<
        unsafe extern "C" fn(*mut c_void, c_int, *const c_void, c_int, *const c_void) -> c_int,
    >,
) -> c_int {
    capi_boundary! { create_collation_impl(db, name8(name), enc, arg, cmp, None) }
}
/// # Safety
/// SQLite's create_collation contract.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_create_collation_v2(
    db: *mut sqlite3,
    name: *const c_char,
    enc: c_int,
    arg: *mut c_void,
    cmp: Option<
        unsafe extern "C" fn(*mut c_void, c_int, *const c_void, c_int, *const c_void) -> c_int,
    >,
    destroy: Option<unsafe extern "C" fn(*mut c_void)>,
) -> c_int {
    capi_boundary! { create_collation_impl(db, name8(name), enc, arg, cmp, destroy) }
}
/// # Safety
/// SQLite's create_collation contract.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_create_collation16(
    db: *mut sqlite3,
    name: *const c_void,
    enc: c_int,
    arg: *mut c_void,
    cmp: Option<
        unsafe extern "C" fn(*mut c_void, c_int, *const c_void, c_int, *const c_void) -> c_int,
    >,
) -> c_int {
    capi_boundary! { create_collation_impl(db, name16(name), enc, arg, cmp, None) }
}

/// Called by prepare when the compiler meets an unknown collation (`stmt.rs`,
/// `call_collation_needed`). Setting it clears the UTF-16 callback, as in SQLite.
#[no_mangle]
pub extern "C" fn sqlite3_collation_needed(
    db: *mut sqlite3,
    arg: *mut c_void,
    f: Option<unsafe extern "C" fn(*mut c_void, *mut sqlite3, c_int, *const c_char)>,
) -> c_int {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3);
        let g = d.m.lock();
        let mut h = g.hooks.get();
        h.collation_needed = (f.map(|f| f as usize).unwrap_or(0), arg as usize);
        h.collation_needed16 = (0, 0);
        g.hooks.set(h);
        SQLITE_OK
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_collation_needed16(
    db: *mut sqlite3,
    arg: *mut c_void,
    f: Option<unsafe extern "C" fn(*mut c_void, *mut sqlite3, c_int, *const c_void)>,
) -> c_int {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3);
        let g = d.m.lock();
        let mut h = g.hooks.get();
        h.collation_needed16 = (f.map(|f| f as usize).unwrap_or(0), arg as usize);
        h.collation_needed = (0, 0);
        g.hooks.set(h);
        SQLITE_OK
    }
}

/// `sqlite3_overload_function`: if no function `name` with `nargs` arguments exists, register
/// one that fails with SQLite's message (virtual tables may overload it). EpilogLite has no
/// way to ask whether the function exists, so it registers the placeholder only when the
/// engine reports no such name for the placeholder call.
///
/// # Safety
/// `name` NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_overload_function(
    db: *mut sqlite3,
    name: *const c_char,
    nargs: c_int,
) -> c_int {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3);
        let g = d.m.lock();
        let Some(n) = name8(name) else { return g.fail(&Error::misuse()) };
        if nargs < -1 || nargs > 127 { return g.fail(&Error::misuse()); }
        if crate::func::lookup(&n, nargs).is_some() { return SQLITE_OK; }
        let msg = format!("unable to use function {n} in the requested context");
        let f = UserFunction {
            name: n,
            nargs,
            flags: 1,
            imp: UserFuncImpl::Scalar(Arc::new(move |_c: &mut FuncContext, _a: &[Value]| Err(Error::sql(msg.clone())))),
        };
        match g.with_conn(|c| c.create_function(f)) {
            Some(Ok(())) => SQLITE_OK,
            Some(Err(e)) => g.fail(&e),
            None => g.fail(&Error::misuse()),
        }
    }
}
