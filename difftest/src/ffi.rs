//! A `libsqlite3.so.0` loaded with `dlopen(RTLD_NOW | RTLD_LOCAL)` and driven only through the
//! core C API, plus `run`, which executes one SQL statement and captures every observable
//! (column names, typed rows, error code and message, `changes()`).
//!
//! Invariants: `Lib` never closes its `dlopen` handle, so its function pointers stay valid for
//! the life of the process; `Db` owns one open connection, closed exactly once on drop; every
//! statement prepared by `run` is finalized before `run` returns.

use std::ffi::{c_char, c_int, c_void, CStr, CString};

type Sqlite3 = c_void;
type Stmt = c_void;

const SQLITE_OK: c_int = 0;
const SQLITE_ROW: c_int = 100;
const SQLITE_DONE: c_int = 101;
const OPEN_RW_CREATE: c_int = 0x2 | 0x4;

/// Most rows captured from one statement (both sides use the same cap).
pub const MAX_ROWS: usize = 20_000;

#[allow(clippy::type_complexity)]
pub struct Lib {
    open_v2: unsafe extern "C" fn(*const c_char, *mut *mut Sqlite3, c_int, *const c_char) -> c_int,
    close: unsafe extern "C" fn(*mut Sqlite3) -> c_int,
    errmsg: unsafe extern "C" fn(*mut Sqlite3) -> *const c_char,
    extended_errcode: unsafe extern "C" fn(*mut Sqlite3) -> c_int,
    changes: unsafe extern "C" fn(*mut Sqlite3) -> c_int,
    prepare_v2: unsafe extern "C" fn(
        *mut Sqlite3,
        *const c_char,
        c_int,
        *mut *mut Stmt,
        *mut *const c_char,
    ) -> c_int,
    step: unsafe extern "C" fn(*mut Stmt) -> c_int,
    finalize: unsafe extern "C" fn(*mut Stmt) -> c_int,
    column_count: unsafe extern "C" fn(*mut Stmt) -> c_int,
    column_name: unsafe extern "C" fn(*mut Stmt, c_int) -> *const c_char,
    column_type: unsafe extern "C" fn(*mut Stmt, c_int) -> c_int,
    column_text: unsafe extern "C" fn(*mut Stmt, c_int) -> *const u8,
    column_blob: unsafe extern "C" fn(*mut Stmt, c_int) -> *const c_void,
    column_bytes: unsafe extern "C" fn(*mut Stmt, c_int) -> c_int,
    column_int64: unsafe extern "C" fn(*mut Stmt, c_int) -> i64,
    column_double: unsafe extern "C" fn(*mut Stmt, c_int) -> f64,
}

fn dlerror() -> String {
    // SAFETY: dlerror returns NULL or a NUL-terminated string owned by libc, valid until the
    // next dl* call on this thread; we copy it immediately.
    unsafe {
        let e = libc::dlerror();
        if e.is_null() {
            "unknown dlerror".into()
        } else {
            CStr::from_ptr(e).to_string_lossy().into_owned()
        }
    }
}

macro_rules! sym {
    ($h:expr, $name:literal) => {{
        let n = concat!($name, "\0");
        // SAFETY: `$h` is a live handle from dlopen and `n` is NUL-terminated.
        let p = unsafe { libc::dlsym($h, n.as_ptr() as *const c_char) };
        if p.is_null() {
            return Err(format!("missing symbol {}: {}", $name, dlerror()));
        }
        // SAFETY: the symbol is the SQLite C API function of that name; the field's type is
        // its C signature from sqlite3.h.
        unsafe { std::mem::transmute::<*mut c_void, _>(p) }
    }};
}

/// One value as the C API reports it. Reals are kept as their bit pattern (bit-exact compare).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Val {
    Null,
    Int(i64),
    Real(u64),
    Text(Vec<u8>),
    Blob(Vec<u8>),
}

impl Val {
    pub fn type_name(&self) -> &'static str {
        match self {
            Val::Null => "null",
            Val::Int(_) => "integer",
            Val::Real(_) => "real",
            Val::Text(_) => "text",
            Val::Blob(_) => "blob",
        }
    }
    pub fn show(&self) -> String {
        match self {
            Val::Null => "NULL".into(),
            Val::Int(i) => i.to_string(),
            Val::Real(b) => format!("{:?}r", f64::from_bits(*b)),
            Val::Text(t) => format!("'{}'", String::from_utf8_lossy(t).replace('\'', "''")),
            Val::Blob(b) => {
                let h: String = b.iter().map(|x| format!("{x:02X}")).collect();
                format!("x'{h}'")
            }
        }
    }
}

/// Everything observable about one executed statement.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    pub cols: Vec<String>,
    pub rows: Vec<Vec<Val>>,
    /// (extended error code, message) when prepare or step failed.
    pub err: Option<(i32, String)>,
    /// `sqlite3_changes()` after the statement.
    pub changes: i64,
    pub truncated: bool,
}

impl Lib {
    pub fn load(path: &str) -> Result<Lib, String> {
        let c = CString::new(path).map_err(|e| e.to_string())?;
        // SAFETY: `c` is a valid C string; loading a shared object runs its constructors.
        let h = unsafe { libc::dlopen(c.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        if h.is_null() {
            return Err(format!("dlopen {path}: {}", dlerror()));
        }
        Ok(Lib {
            open_v2: sym!(h, "sqlite3_open_v2"),
            close: sym!(h, "sqlite3_close"),
            errmsg: sym!(h, "sqlite3_errmsg"),
            extended_errcode: sym!(h, "sqlite3_extended_errcode"),
            changes: sym!(h, "sqlite3_changes"),
            prepare_v2: sym!(h, "sqlite3_prepare_v2"),
            step: sym!(h, "sqlite3_step"),
            finalize: sym!(h, "sqlite3_finalize"),
            column_count: sym!(h, "sqlite3_column_count"),
            column_name: sym!(h, "sqlite3_column_name"),
            column_type: sym!(h, "sqlite3_column_type"),
            column_text: sym!(h, "sqlite3_column_text"),
            column_blob: sym!(h, "sqlite3_column_blob"),
            column_bytes: sym!(h, "sqlite3_column_bytes"),
            column_int64: sym!(h, "sqlite3_column_int64"),
            column_double: sym!(h, "sqlite3_column_double"),
        })
    }
}

pub struct Db<'a> {
    lib: &'a Lib,
    db: *mut Sqlite3,
}

impl Drop for Db<'_> {
    fn drop(&mut self) {
        // SAFETY: `db` came from open_v2 and is closed exactly once, here.
        unsafe {
            (self.lib.close)(self.db);
        }
    }
}

fn cstr(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: callers pass a NUL-terminated string owned by the library, copied at once.
    unsafe { CStr::from_ptr(p).to_string_lossy().into_owned() }
}

impl<'a> Db<'a> {
    pub fn open(lib: &'a Lib, path: &str) -> Result<Db<'a>, String> {
        let c = CString::new(path).map_err(|e| e.to_string())?;
        let mut db: *mut Sqlite3 = std::ptr::null_mut();
        // SAFETY: valid C string and out-pointer; a NULL VFS name means the default.
        let rc = unsafe { (lib.open_v2)(c.as_ptr(), &mut db, OPEN_RW_CREATE, std::ptr::null()) };
        if db.is_null() {
            return Err(format!("sqlite3_open_v2 returned {rc} and no handle"));
        }
        let d = Db { lib, db };
        if rc != SQLITE_OK {
            return Err(format!("sqlite3_open_v2: {rc} {}", d.errmsg()));
        }
        Ok(d)
    }

    fn errmsg(&self) -> String {
        // SAFETY: `db` is open.
        cstr(unsafe { (self.lib.errmsg)(self.db) })
    }

    fn err(&self) -> (i32, String) {
        // SAFETY: `db` is open.
        let code = unsafe { (self.lib.extended_errcode)(self.db) };
        (code, self.errmsg())
    }

    /// Prepares and steps `sql` (one statement) to completion, capturing everything.
    pub fn run(&self, sql: &str) -> Outcome {
        let mut out = Outcome::default();
        let c = match CString::new(sql) {
            Ok(c) => c,
            Err(e) => {
                out.err = Some((-1, e.to_string()));
                return out;
            }
        };
        let mut stmt: *mut Stmt = std::ptr::null_mut();
        // SAFETY: `db` open, `c` valid (length -1: read to NUL), out-pointers valid.
        let rc = unsafe {
            (self.lib.prepare_v2)(self.db, c.as_ptr(), -1, &mut stmt, std::ptr::null_mut())
        };
        if rc != SQLITE_OK {
            out.err = Some(self.err());
            if !stmt.is_null() {
                // SAFETY: a statement returned by prepare is finalized once.
                unsafe { (self.lib.finalize)(stmt) };
            }
            // SAFETY: `db` is open.
            out.changes = unsafe { (self.lib.changes)(self.db) } as i64;
            return out;
        }
        if stmt.is_null() {
            return out;
        }
        // SAFETY: `stmt` is a live prepared statement for all calls below; column indexes are
        // < column_count; text/blob pointers are copied for column_bytes bytes at once.
        unsafe {
            let ncol = (self.lib.column_count)(stmt).max(0);
            for i in 0..ncol {
                out.cols.push(cstr((self.lib.column_name)(stmt, i)));
            }
            loop {
                let rc = (self.lib.step)(stmt);
                if rc == SQLITE_ROW {
                    if out.rows.len() >= MAX_ROWS {
                        out.truncated = true;
                        break;
                    }
                    let mut row = Vec::with_capacity(ncol as usize);
                    for i in 0..ncol {
                        let v = match (self.lib.column_type)(stmt, i) {
                            1 => Val::Int((self.lib.column_int64)(stmt, i)),
                            2 => Val::Real((self.lib.column_double)(stmt, i).to_bits()),
                            3 => {
                                let p = (self.lib.column_text)(stmt, i);
                                let n = (self.lib.column_bytes)(stmt, i).max(0) as usize;
                                Val::Text(if p.is_null() {
                                    Vec::new()
                                } else {
                                    std::slice::from_raw_parts(p, n).to_vec()
                                })
                            }
                            4 => {
                                let p = (self.lib.column_blob)(stmt, i) as *const u8;
                                let n = (self.lib.column_bytes)(stmt, i).max(0) as usize;
                                Val::Blob(if p.is_null() {
                                    Vec::new()
                                } else {
                                    std::slice::from_raw_parts(p, n).to_vec()
                                })
                            }
                            _ => Val::Null,
                        };
                        row.push(v);
                    }
                    out.rows.push(row);
                } else {
                    if rc != SQLITE_DONE {
                        out.err = Some(self.err());
                    }
                    break;
                }
            }
            (self.lib.finalize)(stmt);
            out.changes = (self.lib.changes)(self.db) as i64;
        }
        out
    }
}
