//! Virtual tables from C: `sqlite3_create_module[_v2]`, `sqlite3_declare_vtab`,
//! `sqlite3_drop_modules`, `sqlite3_vtab_on_conflict`/`nochange`/`collation`/`rhs_value`/
//! `distinct`/`in*`. A C `sqlite3_module` is adapted to the engine's `vtab::Module` trait
//! ([`CModule`], [`CVTab`], [`CCursor`]); the engine never sees C pointers.
//!
//! Invariants:
//! 1. Every call into the module happens on the thread that holds the connection's mutex
//!    (inside prepare or step), so the thread-locals below describe the call in progress:
//!    `DECLARED` the schema `sqlite3_declare_vtab` gave during xCreate/xConnect, `INFO` the
//!    `sqlite3_index_info` being planned (for `vtab_collation`/`rhs_value`/`distinct`),
//!    `ON_CONFLICT` the conflict mode during xUpdate.
//! 2. A `CVTab` owns its `sqlite3_vtab` (xDisconnect on drop unless xDestroy ran); a
//!    `CCursor` owns its cursor (xClose on drop); a `CModule` calls the application's
//!    destructor for its client data when the module is replaced or the connection closes.
//! 3. Values and strings handed to the module live until the call returns, as SQLite's do.

#![allow(non_snake_case)]

use super::boundary::{capi_boundary, handle};
use super::db::sqlite3;
use super::func::sqlite3_context;
use super::sqlite3_int64;
use super::util::*;
use super::value::sqlite3_value;
use crate::error::{codes::*, errstr, Error, Result};
use crate::value::Value;
use crate::vtab::{IndexInfo, Module, VTab, VTabCursor};
use std::cell::{Cell, RefCell};
use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_uchar, c_void};
use std::sync::Arc;

type XCreate = unsafe extern "C" fn(
    *mut sqlite3,
    *mut c_void,
    c_int,
    *const *const c_char,
    *mut *mut sqlite3_vtab,
    *mut *mut c_char,
) -> c_int;
type XVtab = unsafe extern "C" fn(*mut sqlite3_vtab) -> c_int;
type XCur = unsafe extern "C" fn(*mut sqlite3_vtab_cursor) -> c_int;

/// `sqlite3_module` (layout of sqlite3.h, version 3).
#[repr(C)]
#[allow(non_snake_case, non_camel_case_types)]
pub struct sqlite3_module {
    pub iVersion: c_int,
    pub xCreate: Option<XCreate>,
    pub xConnect: Option<XCreate>,
    pub xBestIndex:
        Option<unsafe extern "C" fn(*mut sqlite3_vtab, *mut sqlite3_index_info) -> c_int>,
    pub xDisconnect: Option<XVtab>,
    pub xDestroy: Option<XVtab>,
    pub xOpen:
        Option<unsafe extern "C" fn(*mut sqlite3_vtab, *mut *mut sqlite3_vtab_cursor) -> c_int>,
    pub xClose: Option<XCur>,
    pub xFilter: Option<
        unsafe extern "C" fn(
            *mut sqlite3_vtab_cursor,
            c_int,
            *const c_char,
            c_int,
            *mut *mut sqlite3_value,
        ) -> c_int,
    >,
    pub xNext: Option<XCur>,
    pub xEof: Option<XCur>,
    pub xColumn: Option<
        unsafe extern "C" fn(*mut sqlite3_vtab_cursor, *mut sqlite3_context, c_int) -> c_int,
    >,
    pub xRowid: Option<unsafe extern "C" fn(*mut sqlite3_vtab_cursor, *mut sqlite3_int64) -> c_int>,
    pub xUpdate: Option<
        unsafe extern "C" fn(
            *mut sqlite3_vtab,
            c_int,
            *mut *mut sqlite3_value,
            *mut sqlite3_int64,
        ) -> c_int,
    >,
    pub xBegin: Option<XVtab>,
    pub xSync: Option<XVtab>,
    pub xCommit: Option<XVtab>,
    pub xRollback: Option<XVtab>,
    pub xFindFunction: Option<unsafe extern "C" fn()>,
    pub xRename: Option<unsafe extern "C" fn(*mut sqlite3_vtab, *const c_char) -> c_int>,
    pub xSavepoint: Option<unsafe extern "C" fn(*mut sqlite3_vtab, c_int) -> c_int>,
    pub xRelease: Option<unsafe extern "C" fn(*mut sqlite3_vtab, c_int) -> c_int>,
    pub xRollbackTo: Option<unsafe extern "C" fn(*mut sqlite3_vtab, c_int) -> c_int>,
    pub xShadowName: Option<unsafe extern "C" fn(*const c_char) -> c_int>,
}

/// `sqlite3_vtab`: the module allocates it (usually as the head of a larger struct).
#[repr(C)]
#[allow(non_snake_case, non_camel_case_types)]
pub struct sqlite3_vtab {
    pub pModule: *const sqlite3_module,
    pub nRef: c_int,
    pub zErrMsg: *mut c_char,
}

#[repr(C)]
#[allow(non_snake_case, non_camel_case_types)]
pub struct sqlite3_vtab_cursor {
    pub pVtab: *mut sqlite3_vtab,
}

#[repr(C)]
#[allow(non_snake_case, non_camel_case_types)]
pub struct sqlite3_index_constraint {
    pub iColumn: c_int,
    pub op: c_uchar,
    pub usable: c_uchar,
    pub iTermOffset: c_int,
}

#[repr(C)]
#[allow(non_snake_case, non_camel_case_types)]
pub struct sqlite3_index_orderby {
    pub iColumn: c_int,
    pub desc: c_uchar,
}

#[repr(C)]
#[allow(non_snake_case, non_camel_case_types)]
pub struct sqlite3_index_constraint_usage {
    pub argvIndex: c_int,
    pub omit: c_uchar,
}

#[repr(C)]
#[allow(non_snake_case, non_camel_case_types)]
pub struct sqlite3_index_info {
    pub nConstraint: c_int,
    pub aConstraint: *mut sqlite3_index_constraint,
    pub nOrderBy: c_int,
    pub aOrderBy: *mut sqlite3_index_orderby,
    pub aConstraintUsage: *mut sqlite3_index_constraint_usage,
    pub idxNum: c_int,
    pub idxStr: *mut c_char,
    pub needToFreeIdxStr: c_int,
    pub orderByConsumed: c_int,
    pub estimatedCost: f64,
    pub estimatedRows: sqlite3_int64,
    pub idxFlags: c_int,
    pub colUsed: u64,
}

/// The plan being made by xBestIndex (invariant 1).
struct InfoCtx {
    addr: usize,
    collations: Vec<CString>,
    rhs: Vec<Option<Value>>,
    rhs_vals: Vec<*mut sqlite3_value>,
    distinct: c_int,
}

thread_local! {
    static DECLARED: RefCell<Option<String>> = const { RefCell::new(None) };
    static INFO: RefCell<Option<InfoCtx>> = const { RefCell::new(None) };
    static ON_CONFLICT: Cell<c_int> = const { Cell::new(4) };
}

/// Take the module's error message (`zErrMsg`, freed) or SQLite's text for `rc`.
fn vt_error(vt: *mut sqlite3_vtab, rc: c_int) -> Error {
    let mut msg = None;
    if !vt.is_null() {
        // SAFETY: `vt` is the module's live sqlite3_vtab (invariant 2).
        let p = unsafe { (*vt).zErrMsg };
        if !p.is_null() {
            // SAFETY: a NUL-terminated string the module allocated with sqlite3_malloc.
            msg = unsafe { cstr_bytes(p) }.map(|b| String::from_utf8_lossy(b).into_owned());
            // SAFETY: ownership passes to us; freed once and the field cleared.
            unsafe {
                super::mem::sqlite3_free(p as *mut c_void);
                (*vt).zErrMsg = std::ptr::null_mut();
            }
        }
    }
    Error::new(rc, msg.unwrap_or_else(|| errstr(rc).to_string()))
}

fn check(vt: *mut sqlite3_vtab, rc: c_int) -> Result<()> {
    if rc == SQLITE_OK {
        Ok(())
    } else {
        Err(vt_error(vt, rc))
    }
}

/// Boxed `sqlite3_value`s for a call; freed on drop.
struct Argv(Vec<*mut sqlite3_value>);
impl Argv {
    fn new(vals: &[Value]) -> Argv {
        Argv(
            vals.iter()
                .map(|v| sqlite3_value::boxed(v.clone()))
                .collect(),
        )
    }
}
impl Drop for Argv {
    fn drop(&mut self) {
        for p in self.0.drain(..) {
            sqlite3_value::free(p);
        }
    }
}

/// The module's client data and its destructor, shared by the module and every table
/// connected through it: the destructor runs when the last of them is gone (so a table
/// never outlives the data its module may use).
struct AuxGuard {
    aux: *mut c_void,
    destroy: Option<unsafe extern "C" fn(*mut c_void)>,
}

// SAFETY: see CModule (invariant 1).
unsafe impl Send for AuxGuard {}
// SAFETY: as above; immutable after construction.
unsafe impl Sync for AuxGuard {}

impl Drop for AuxGuard {
    fn drop(&mut self) {
        if let Some(d) = self.destroy {
            // SAFETY: the application's destructor for its own client data, called once.
            super::boundary::run(|| unsafe { d(self.aux) });
        }
    }
}

pub struct CModule {
    m: *const sqlite3_module,
    aux: Arc<AuxGuard>,
    db: *mut sqlite3,
}

// SAFETY: the module's pointers are only used under the connection mutex (invariant 1), as
// SQLite itself uses them from whichever thread holds the connection.
unsafe impl Send for CModule {}
// SAFETY: as above; CModule is immutable after construction.
unsafe impl Sync for CModule {}

impl CModule {
    fn module(&self) -> &sqlite3_module {
        // SAFETY: SQLite requires the module struct to outlive its registration.
        unsafe { &*self.m }
    }
}

impl Module for CModule {
    fn connect(&self, args: &[String], create: bool) -> Result<(String, Box<dyn VTab>)> {
        let md = self.module();
        let f = if create { md.xCreate } else { md.xConnect }
            .or(md.xConnect)
            .ok_or_else(|| Error::sql("vtable constructor failed"))?;
        let cargs: Vec<CString> = args.iter().map(|a| cstring_lossy(a)).collect();
        let ptrs: Vec<*const c_char> = cargs.iter().map(|c| c.as_ptr()).collect();
        let mut vt: *mut sqlite3_vtab = std::ptr::null_mut();
        let mut err: *mut c_char = std::ptr::null_mut();
        DECLARED.with(|d| *d.borrow_mut() = None);
        // SAFETY: the module's xCreate/xConnect with SQLite's arguments; argv lives for the call.
        let rc = unsafe {
            f(
                self.db,
                self.aux.aux,
                ptrs.len() as c_int,
                ptrs.as_ptr(),
                &mut vt,
                &mut err,
            )
        };
        let declared = DECLARED.with(|d| d.borrow_mut().take());
        let name = args.get(2).cloned().unwrap_or_default();
        if rc != SQLITE_OK {
            let msg = if err.is_null() {
                format!("vtable constructor failed: {name}")
            } else {
                // SAFETY: NUL-terminated message from sqlite3_mprintf; we free it.
                let m = unsafe { cstr_bytes(err) }
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default();
                // SAFETY: as above.
                unsafe { super::mem::sqlite3_free(err as *mut c_void) };
                m
            };
            return Err(Error::new(rc, msg));
        }
        if vt.is_null() {
            return Err(Error::sql(format!("vtable constructor failed: {name}")));
        }
        // SAFETY: the module returned a live sqlite3_vtab; SQLite fills in pModule.
        unsafe {
            (*vt).pModule = self.m;
            (*vt).zErrMsg = std::ptr::null_mut();
        }
        let tab = CVTab {
            vt,
            m: self.m,
            destroyed: false,
            _aux: self.aux.clone(),
        };
        match declared {
            Some(d) => Ok((d, Box::new(tab))),
            None => Err(Error::sql(format!(
                "vtable constructor did not declare schema: {name}"
            ))),
        }
    }
    fn eponymous(&self) -> bool {
        let md = self.module();
        md.xCreate.is_none() || md.xCreate.map(|f| f as usize) == md.xConnect.map(|f| f as usize)
    }
    fn eponymous_only(&self) -> bool {
        self.module().xCreate.is_none()
    }
    fn writable(&self) -> bool {
        self.module().xUpdate.is_some()
    }
}

pub struct CVTab {
    vt: *mut sqlite3_vtab,
    m: *const sqlite3_module,
    destroyed: bool,
    /// Dropped after `Drop::drop` ran xDisconnect.
    _aux: Arc<AuxGuard>,
}

// SAFETY: see CModule (invariant 1).
unsafe impl Send for CVTab {}

impl CVTab {
    fn module(&self) -> &sqlite3_module {
        // SAFETY: the module outlives its tables (it is kept registered while they exist).
        unsafe { &*self.m }
    }
    fn call(&self, f: Option<XVtab>) -> Result<()> {
        match f {
            // SAFETY: the module's method on its own live table.
            Some(f) => check(self.vt, unsafe { f(self.vt) }),
            None => Ok(()),
        }
    }
}

impl Drop for CVTab {
    fn drop(&mut self) {
        if !self.destroyed {
            if let Some(f) = self.module().xDisconnect {
                // SAFETY: the last use of the table (invariant 2).
                super::boundary::run(|| unsafe { f(self.vt) });
            }
        }
    }
}

impl VTab for CVTab {
    fn best_index(&mut self, info: &mut IndexInfo) -> Result<()> {
        let Some(f) = self.module().xBestIndex else {
            return Ok(());
        };
        let mut cons: Vec<sqlite3_index_constraint> = info
            .constraints
            .iter()
            .enumerate()
            .map(|(i, c)| sqlite3_index_constraint {
                iColumn: c.column,
                op: c.op,
                usable: c.usable as c_uchar,
                iTermOffset: i as c_int,
            })
            .collect();
        let mut ob: Vec<sqlite3_index_orderby> = info
            .order_by
            .iter()
            .map(|o| sqlite3_index_orderby {
                iColumn: o.column,
                desc: o.desc as c_uchar,
            })
            .collect();
        let mut usage: Vec<sqlite3_index_constraint_usage> = (0..cons.len())
            .map(|_| sqlite3_index_constraint_usage {
                argvIndex: 0,
                omit: 0,
            })
            .collect();
        let mut ii = sqlite3_index_info {
            nConstraint: cons.len() as c_int,
            aConstraint: cons.as_mut_ptr(),
            nOrderBy: ob.len() as c_int,
            aOrderBy: ob.as_mut_ptr(),
            aConstraintUsage: usage.as_mut_ptr(),
            idxNum: 0,
            idxStr: std::ptr::null_mut(),
            needToFreeIdxStr: 0,
            orderByConsumed: 0,
            estimatedCost: info.estimated_cost,
            estimatedRows: info.estimated_rows,
            idxFlags: 0,
            colUsed: info.col_used,
        };
        INFO.with(|c| {
            *c.borrow_mut() = Some(InfoCtx {
                addr: &ii as *const _ as usize,
                collations: info.collations.iter().map(|s| cstring_lossy(s)).collect(),
                rhs: info.rhs.clone(),
                rhs_vals: Vec::new(),
                distinct: info.distinct,
            })
        });
        // SAFETY: the module's xBestIndex on its table with arrays that live for the call.
        let rc = unsafe { f(self.vt, &mut ii) };
        if let Some(ctx) = INFO.with(|c| c.borrow_mut().take()) {
            for v in ctx.rhs_vals {
                sqlite3_value::free(v);
            }
        }
        let idx_str = if ii.idxStr.is_null() {
            None
        } else {
            // SAFETY: NUL-terminated string set by the module.
            let s =
                unsafe { cstr_bytes(ii.idxStr) }.map(|b| String::from_utf8_lossy(b).into_owned());
            if ii.needToFreeIdxStr != 0 {
                // SAFETY: allocated with sqlite3_malloc per the needToFreeIdxStr contract.
                unsafe { super::mem::sqlite3_free(ii.idxStr as *mut c_void) };
            }
            s
        };
        check(self.vt, rc)?;
        for (u, c) in info.usage.iter_mut().zip(&usage) {
            u.argv_index = c.argvIndex;
            u.omit = c.omit != 0;
        }
        info.idx_num = ii.idxNum;
        info.idx_str = idx_str;
        info.order_by_consumed = ii.orderByConsumed != 0;
        info.estimated_cost = ii.estimatedCost;
        info.estimated_rows = ii.estimatedRows;
        info.idx_flags = ii.idxFlags;
        Ok(())
    }
    fn open(&mut self) -> Result<Box<dyn VTabCursor>> {
        let f = self
            .module()
            .xOpen
            .ok_or_else(|| Error::sql("virtual table has no xOpen"))?;
        let mut cur: *mut sqlite3_vtab_cursor = std::ptr::null_mut();
        // SAFETY: the module's xOpen on its live table.
        check(self.vt, unsafe { f(self.vt, &mut cur) })?;
        if cur.is_null() {
            return Err(Error::sql("xOpen returned no cursor"));
        }
        // SAFETY: a live cursor returned by xOpen; SQLite sets pVtab.
        unsafe { (*cur).pVtab = self.vt };
        Ok(Box::new(CCursor {
            cur,
            vt: self.vt,
            m: self.m,
            db_fd: Arc::new(super::func::FuncData::for_vtab()),
        }))
    }
    fn update(&mut self, args: &[Value], on_conflict: i32) -> Result<Option<i64>> {
        let f = self
            .module()
            .xUpdate
            .ok_or_else(|| Error::sql("table is read-only"))?;
        let argv = Argv::new(args);
        let mut rowid: sqlite3_int64 = 0;
        let prev = ON_CONFLICT.with(|c| c.replace(on_conflict));
        // SAFETY: the module's xUpdate with values that live for the call.
        let rc = unsafe {
            f(
                self.vt,
                argv.0.len() as c_int,
                argv.0.as_ptr() as *mut _,
                &mut rowid,
            )
        };
        ON_CONFLICT.with(|c| c.set(prev));
        check(self.vt, rc)?;
        let inserting = matches!(args.first(), Some(Value::Null)) && args.len() > 1;
        Ok(if inserting { Some(rowid) } else { None })
    }
    fn begin(&mut self) -> Result<()> {
        self.call(self.module().xBegin)
    }
    fn sync(&mut self) -> Result<()> {
        self.call(self.module().xSync)
    }
    fn commit(&mut self) -> Result<()> {
        self.call(self.module().xCommit)
    }
    fn rollback(&mut self) -> Result<()> {
        self.call(self.module().xRollback)
    }
    fn rename(&mut self, new_name: &str) -> Result<()> {
        match self.module().xRename {
            Some(f) => {
                let c = cstring_lossy(new_name);
                // SAFETY: the module's xRename with a string that lives for the call.
                check(self.vt, unsafe { f(self.vt, c.as_ptr()) })
            }
            None => Ok(()),
        }
    }
    fn destroy(&mut self) -> Result<()> {
        let f = self.module().xDestroy.or(self.module().xDisconnect);
        self.destroyed = true;
        match f {
            // SAFETY: the last use of the table.
            Some(f) => check(std::ptr::null_mut(), unsafe { f(self.vt) }),
            None => Ok(()),
        }
    }
}

pub struct CCursor {
    cur: *mut sqlite3_vtab_cursor,
    vt: *mut sqlite3_vtab,
    m: *const sqlite3_module,
    db_fd: Arc<super::func::FuncData>,
}

// SAFETY: see CModule (invariant 1).
unsafe impl Send for CCursor {}

impl CCursor {
    fn module(&self) -> &sqlite3_module {
        // SAFETY: as in CVTab::module.
        unsafe { &*self.m }
    }
}

impl Drop for CCursor {
    fn drop(&mut self) {
        if let Some(f) = self.module().xClose {
            // SAFETY: the last use of the cursor (invariant 2).
            super::boundary::run(|| unsafe { f(self.cur) });
        }
    }
}

impl VTabCursor for CCursor {
    fn filter(&mut self, idx_num: i32, idx_str: Option<&str>, args: &[Value]) -> Result<()> {
        let f = self
            .module()
            .xFilter
            .ok_or_else(|| Error::sql("virtual table has no xFilter"))?;
        let s = idx_str.map(cstring_lossy);
        let argv = Argv::new(args);
        // SAFETY: the module's xFilter on its live cursor; strings/values live for the call.
        let rc = unsafe {
            f(
                self.cur,
                idx_num,
                s.as_ref().map(|c| c.as_ptr()).unwrap_or(std::ptr::null()),
                argv.0.len() as c_int,
                argv.0.as_ptr() as *mut _,
            )
        };
        check(self.vt, rc)
    }
    fn next(&mut self) -> Result<()> {
        match self.module().xNext {
            // SAFETY: the module's xNext on its live cursor.
            Some(f) => check(self.vt, unsafe { f(self.cur) }),
            None => Err(Error::sql("virtual table has no xNext")),
        }
    }
    fn eof(&self) -> bool {
        match self.module().xEof {
            // SAFETY: the module's xEof on its live cursor.
            Some(f) => super::boundary::run(|| unsafe { f(self.cur) }) != 0,
            None => true,
        }
    }
    fn column(&mut self, i: i32, _nochange: bool) -> Result<Value> {
        let f = self
            .module()
            .xColumn
            .ok_or_else(|| Error::sql("virtual table has no xColumn"))?;
        let cur = self.cur;
        let mut rc = SQLITE_OK;
        let r =
            super::func::call_with_context(&self.db_fd, std::ptr::null_mut(), &[], |ctx, _, _| {
                // SAFETY: the module's xColumn with a live context.
                rc = unsafe { f(cur, ctx, i) };
            });
        check(self.vt, rc)?;
        r.map(|(v, _)| v)
    }
    fn rowid(&mut self) -> Result<i64> {
        let f = self
            .module()
            .xRowid
            .ok_or_else(|| Error::sql("virtual table has no xRowid"))?;
        let mut r: sqlite3_int64 = 0;
        // SAFETY: the module's xRowid on its live cursor.
        check(self.vt, unsafe { f(self.cur, &mut r) })?;
        Ok(r)
    }
}

fn registry_of(d: &sqlite3) -> Option<Arc<crate::vtab::Registry>> {
    let st = d.m.lock();
    st.with_conn_ref(|c| c.vtab_registry())
}

#[no_mangle]
pub unsafe extern "C" fn sqlite3_create_module(
    db: *mut sqlite3,
    zName: *const c_char,
    p: *const sqlite3_module,
    pClientData: *mut c_void,
) -> c_int {
    // SAFETY: same contract as create_module_v2.
    unsafe { sqlite3_create_module_v2(db, zName, p, pClientData, None) }
}

#[no_mangle]
#[allow(non_snake_case)]
pub unsafe extern "C" fn sqlite3_create_module_v2(
    db: *mut sqlite3,
    zName: *const c_char,
    p: *const sqlite3_module,
    pClientData: *mut c_void,
    xDestroy: Option<unsafe extern "C" fn(*mut c_void)>,
) -> c_int {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3);
        // SAFETY: a NUL-terminated name per SQLite's contract.
        let name = match unsafe { cstr_bytes(zName) } {
            Some(n) => String::from_utf8_lossy(n).into_owned(),
            None => {
                if let Some(x) = xDestroy {
                    // SAFETY: SQLite calls the destructor when registration fails.
                    unsafe { x(pClientData) };
                }
                return SQLITE_MISUSE;
            }
        };
        let Some(reg) = registry_of(d) else { return SQLITE_MISUSE };
        let m: Option<Arc<dyn Module>> = if p.is_null() {
            None
        } else {
            Some(Arc::new(CModule {
                m: p,
                aux: Arc::new(AuxGuard { aux: pClientData, destroy: xDestroy }),
                db,
            }))
        };
        reg.create_module(&name, m);
        SQLITE_OK
    }
}

#[no_mangle]
pub unsafe extern "C" fn sqlite3_drop_modules(
    db: *mut sqlite3,
    azKeep: *mut *const c_char,
) -> c_int {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3);
        let mut keep = Vec::new();
        if !azKeep.is_null() {
            let mut i = 0;
            loop {
                // SAFETY: a NULL-terminated array of strings per SQLite's contract.
                let s = unsafe { *azKeep.add(i) };
                if s.is_null() { break; }
                // SAFETY: as above.
                if let Some(b) = unsafe { cstr_bytes(s) } {
                    keep.push(String::from_utf8_lossy(b).into_owned());
                }
                i += 1;
            }
        }
        let Some(reg) = registry_of(d) else { return SQLITE_MISUSE };
        reg.drop_modules(&keep);
        SQLITE_OK
    }
}

#[no_mangle]
pub unsafe extern "C" fn sqlite3_declare_vtab(db: *mut sqlite3, zSQL: *const c_char) -> c_int {
    capi_boundary! {
        let d = handle!(db, Db, sqlite3);
        // SAFETY: NUL-terminated SQL per SQLite's contract.
        let Some(sql) = (unsafe { cstr_bytes(zSQL) }) else { return SQLITE_MISUSE };
        let sql = String::from_utf8_lossy(sql).into_owned();
        match crate::vtab::parse_declared(&sql) {
            Ok(_) => {
                DECLARED.with(|x| *x.borrow_mut() = Some(sql));
                SQLITE_OK
            }
            Err(e) => {
                let st = d.m.lock();
                st.set_err(&e);
                SQLITE_ERROR
            }
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn sqlite3_vtab_on_conflict(db: *mut sqlite3) -> c_int {
    capi_boundary! {
        let _ = handle!(db, Db, sqlite3);
        ON_CONFLICT.with(|c| c.get())
    }
}

/// Always "the value changes": SQLite allows this answer (xColumn then returns the value).
#[no_mangle]
pub unsafe extern "C" fn sqlite3_vtab_nochange(p: *mut sqlite3_context) -> c_int {
    capi_boundary! {
        let _ = p;
        0
    }
}

fn with_info<R>(p: *mut sqlite3_index_info, f: impl FnOnce(&mut InfoCtx) -> R) -> Option<R> {
    INFO.with(|c| {
        let mut b = c.borrow_mut();
        match b.as_mut() {
            Some(ctx) if ctx.addr == p as usize => Some(f(ctx)),
            _ => None,
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn sqlite3_vtab_collation(
    p: *mut sqlite3_index_info,
    i: c_int,
) -> *const c_char {
    capi_boundary! {
        with_info(p, |c| {
            usize::try_from(i).ok().and_then(|i| c.collations.get(i)).map(|s| s.as_ptr())
        })
        .flatten()
        .unwrap_or(std::ptr::null())
    }
}

#[no_mangle]
pub unsafe extern "C" fn sqlite3_vtab_distinct(p: *mut sqlite3_index_info) -> c_int {
    capi_boundary! {
        with_info(p, |c| c.distinct).unwrap_or(0)
    }
}

#[no_mangle]
pub unsafe extern "C" fn sqlite3_vtab_rhs_value(
    p: *mut sqlite3_index_info,
    i: c_int,
    ppVal: *mut *mut sqlite3_value,
) -> c_int {
    capi_boundary! {
        let r = with_info(p, |c| {
            match usize::try_from(i).ok().and_then(|k| c.rhs.get(k).cloned()) {
                None => Err(SQLITE_MISUSE),
                Some(None) => Err(SQLITE_NOTFOUND),
                Some(Some(v)) => {
                    let b = sqlite3_value::boxed(v);
                    c.rhs_vals.push(b);
                    Ok(b)
                }
            }
        })
        .unwrap_or(Err(SQLITE_MISUSE));
        if !ppVal.is_null() {
            // SAFETY: out-pointer per SQLite's contract.
            unsafe { *ppVal = *r.as_ref().unwrap_or(&std::ptr::null_mut()) };
        }
        match r { Ok(_) => SQLITE_OK, Err(c) => c }
    }
}

/// IN constraints are never passed as a whole (each IN is evaluated by the engine), so
/// `sqlite3_vtab_in` reports "cannot be processed all at once".
#[no_mangle]
pub unsafe extern "C" fn sqlite3_vtab_in(
    p: *mut sqlite3_index_info,
    iCons: c_int,
    bHandle: c_int,
) -> c_int {
    capi_boundary! {
        let _ = (p, iCons, bHandle);
        0
    }
}

#[no_mangle]
pub unsafe extern "C" fn sqlite3_vtab_in_first(
    pVal: *mut sqlite3_value,
    ppOut: *mut *mut sqlite3_value,
) -> c_int {
    capi_boundary! {
        let _ = pVal;
        if !ppOut.is_null() {
            // SAFETY: out-pointer per SQLite's contract.
            unsafe { *ppOut = std::ptr::null_mut() };
        }
        SQLITE_ERROR
    }
}

#[no_mangle]
pub unsafe extern "C" fn sqlite3_vtab_in_next(
    pVal: *mut sqlite3_value,
    ppOut: *mut *mut sqlite3_value,
) -> c_int {
    capi_boundary! {
        let _ = pVal;
        if !ppOut.is_null() {
            // SAFETY: out-pointer per SQLite's contract.
            unsafe { *ppOut = std::ptr::null_mut() };
        }
        SQLITE_ERROR
    }
}
