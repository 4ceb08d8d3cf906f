//! The engine under test: a `libsqlite3.so.0` loaded with `dlopen`, used only through the core
//! C API (open_v2, exec, prepare_v2, step, column_*, finalize, close), as SQLite's own
//! `sqllogictest.c` does.
//!
//! Invariants: `Lib` keeps the `dlopen` handle alive for as long as any function pointer taken
//! from it exists (the handle is never closed); `Db` owns one open connection and closes it on
//! drop; every statement prepared is finalized before `run_query` returns.

use std::ffi::{c_char, c_int, c_void, CStr, CString};

type Sqlite3 = c_void;
type Stmt = c_void;

pub const SQLITE_OK: c_int = 0;
pub const SQLITE_ROW: c_int = 100;
pub const SQLITE_NULL: c_int = 5;
const OPEN_RW_CREATE: c_int = 0x2 | 0x4;

#[allow(clippy::type_complexity)]
pub struct Lib {
    open_v2: unsafe extern "C" fn(*const c_char, *mut *mut Sqlite3, c_int, *const c_char) -> c_int,
    close: unsafe extern "C" fn(*mut Sqlite3) -> c_int,
    exec: unsafe extern "C" fn(
        *mut Sqlite3,
        *const c_char,
        *const c_void,
        *mut c_void,
        *mut *mut c_char,
    ) -> c_int,
    free: unsafe extern "C" fn(*mut c_void),
    errmsg: unsafe extern "C" fn(*mut Sqlite3) -> *const c_char,
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
    column_type: unsafe extern "C" fn(*mut Stmt, c_int) -> c_int,
    column_text: unsafe extern "C" fn(*mut Stmt, c_int) -> *const u8,
    column_bytes: unsafe extern "C" fn(*mut Stmt, c_int) -> c_int,
    column_int64: unsafe extern "C" fn(*mut Stmt, c_int) -> i64,
    column_double: unsafe extern "C" fn(*mut Stmt, c_int) -> f64,
    sourceid: unsafe extern "C" fn() -> *const c_char,
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

impl Lib {
    pub fn load(path: &str) -> Result<Lib, String> {
        let c = CString::new(path).map_err(|e| e.to_string())?;
        // SAFETY: `c` is a valid C string; loading a shared object runs its constructors,
        // which is the point.
        let h = unsafe { libc::dlopen(c.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        if h.is_null() {
            return Err(format!("dlopen {path}: {}", dlerror()));
        }
        Ok(Lib {
            open_v2: sym!(h, "sqlite3_open_v2"),
            close: sym!(h, "sqlite3_close"),
            exec: sym!(h, "sqlite3_exec"),
            free: sym!(h, "sqlite3_free"),
            errmsg: sym!(h, "sqlite3_errmsg"),
            prepare_v2: sym!(h, "sqlite3_prepare_v2"),
            step: sym!(h, "sqlite3_step"),
            finalize: sym!(h, "sqlite3_finalize"),
            column_count: sym!(h, "sqlite3_column_count"),
            column_type: sym!(h, "sqlite3_column_type"),
            column_text: sym!(h, "sqlite3_column_text"),
            column_bytes: sym!(h, "sqlite3_column_bytes"),
            column_int64: sym!(h, "sqlite3_column_int64"),
            column_double: sym!(h, "sqlite3_column_double"),
            sourceid: sym!(h, "sqlite3_sourceid"),
        })
    }

    pub fn sourceid(&self) -> String {
        // SAFETY: sqlite3_sourceid returns a static NUL-terminated string (or NULL if broken).
        unsafe {
            let p = (self.sourceid)();
            if p.is_null() {
                String::new()
            } else {
                CStr::from_ptr(p).to_string_lossy().into_owned()
            }
        }
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

/// Formats a double as C's `printf("%.3f")` does (round-half-even on the exact binary value,
/// which is what Rust's formatter does too).
pub fn fmt_real(r: f64) -> String {
    if r.is_nan() {
        return "NaN".into();
    }
    if r.is_infinite() {
        return if r > 0.0 { "Inf".into() } else { "-Inf".into() };
    }
    format!("{r:.3}")
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

    pub fn errmsg(&self) -> String {
        // SAFETY: `db` is open; errmsg returns a NUL-terminated string owned by the connection.
        unsafe {
            let p = (self.lib.errmsg)(self.db);
            if p.is_null() {
                String::new()
            } else {
                CStr::from_ptr(p).to_string_lossy().into_owned()
            }
        }
    }

    /// `sqlite3_exec(sql)`; Ok(()) when it returns SQLITE_OK.
    pub fn exec(&self, sql: &str) -> Result<(), String> {
        let c = CString::new(sql).map_err(|e| e.to_string())?;
        let mut err: *mut c_char = std::ptr::null_mut();
        // SAFETY: `db` is open, `c` a valid C string, no callback; `err` is freed below.
        let rc = unsafe {
            (self.lib.exec)(
                self.db,
                c.as_ptr(),
                std::ptr::null(),
                std::ptr::null_mut(),
                &mut err,
            )
        };
        let msg = if err.is_null() {
            String::new()
        } else {
            // SAFETY: `err` was allocated by sqlite3_malloc inside exec; copied then freed once.
            unsafe {
                let s = CStr::from_ptr(err).to_string_lossy().into_owned();
                (self.lib.free)(err as *mut c_void);
                s
            }
        };
        if rc == SQLITE_OK {
            Ok(())
        } else {
            Err(format!("rc={rc} {msg}"))
        }
    }

    /// Runs a query and formats every value as `sqllogictest.c` does for the type string.
    /// Returns the values row-major. An error from `sqlite3_step` ends the result set.
    pub fn query(&self, sql: &str, types: &[u8]) -> Result<Vec<String>, String> {
        let c = CString::new(sql).map_err(|e| e.to_string())?;
        let mut stmt: *mut Stmt = std::ptr::null_mut();
        // SAFETY: `db` open, `c` valid (length -1: read to NUL), out-pointers valid.
        let rc = unsafe {
            (self.lib.prepare_v2)(self.db, c.as_ptr(), -1, &mut stmt, std::ptr::null_mut())
        };
        if rc != SQLITE_OK {
            if !stmt.is_null() {
                // SAFETY: a statement returned by prepare is finalized once.
                unsafe { (self.lib.finalize)(stmt) };
            }
            return Err(format!("prepare rc={rc} {}", self.errmsg()));
        }
        if stmt.is_null() {
            return Err("prepare returned no statement (empty SQL)".into());
        }
        let out = self.collect(stmt, types);
        // SAFETY: `stmt` is live and finalized exactly once, here.
        unsafe { (self.lib.finalize)(stmt) };
        out
    }

    fn collect(&self, stmt: *mut Stmt, types: &[u8]) -> Result<Vec<String>, String> {
        // SAFETY: `stmt` is a live prepared statement for all calls below; column indexes are
        // < column_count; text pointers are read for column_bytes bytes before the next call.
        unsafe {
            let ncol = (self.lib.column_count)(stmt);
            if ncol as usize != types.len() {
                return Err(format!(
                    "wrong number of columns: statement has {ncol}, type string has {}",
                    types.len()
                ));
            }
            let mut vals = Vec::new();
            while (self.lib.step)(stmt) == SQLITE_ROW {
                for (i, &t) in types.iter().enumerate() {
                    let i = i as c_int;
                    let mut v = if (self.lib.column_type)(stmt, i) == SQLITE_NULL {
                        "NULL".to_string()
                    } else {
                        match t {
                            b'T' => {
                                let p = (self.lib.column_text)(stmt, i);
                                let n = (self.lib.column_bytes)(stmt, i).max(0) as usize;
                                let bytes = if p.is_null() {
                                    &[][..]
                                } else {
                                    std::slice::from_raw_parts(p, n)
                                };
                                // sqllogictest reads a C string: stop at an embedded NUL.
                                let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
                                let bytes = &bytes[..end];
                                if bytes.is_empty() {
                                    "(empty)".to_string()
                                } else {
                                    bytes
                                        .iter()
                                        .map(|&b| {
                                            if (0x20..=0x7e).contains(&b) {
                                                b as char
                                            } else {
                                                '@'
                                            }
                                        })
                                        .collect()
                                }
                            }
                            b'I' => (self.lib.column_int64)(stmt, i).to_string(),
                            b'R' => fmt_real((self.lib.column_double)(stmt, i)),
                            other => {
                                return Err(format!("unknown type letter {:?}", other as char))
                            }
                        }
                    };
                    if v.bytes().any(|b| !(0x20..=0x7e).contains(&b)) {
                        v = v
                            .bytes()
                            .map(|b| {
                                if (0x20..=0x7e).contains(&b) {
                                    b as char
                                } else {
                                    '@'
                                }
                            })
                            .collect();
                    }
                    vals.push(v);
                }
            }
            Ok(vals)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn real_format_matches_c() {
        assert_eq!(super::fmt_real(1.0), "1.000");
        assert_eq!(super::fmt_real(-2.5), "-2.500");
        assert_eq!(super::fmt_real(0.0005), "0.001"); // 0.0005 is slightly above in binary
        assert_eq!(super::fmt_real(2.0005), "2.001"); // binary value above the tie? C agrees
        assert_eq!(super::fmt_real(1e20), "100000000000000000000.000");
    }
}
