//! Connection: the engine's public Rust API, used by `capi` (and by Rust tests).
//!
//! CONTRACT between `capi` (capi agent) and the engine (SQL/VDBE agent, who owns this file and
//! replaces the placeholder bodies, keeping these signatures; additions are fine).
//!
//! - `capi` keeps a `Connection` behind a mutex (serialized mode) and a `Statement` per
//!   `sqlite3_stmt`; every statement call passes the connection in (`&mut Connection`).
//! - Errors carry SQLite's extended code and message; `capi` stores them for `errmsg`.
//! - `prepare` compiles the first statement of `sql` and returns it with the number of bytes
//!   consumed (for the tail pointer). `Ok((None, n))` when only whitespace/comments remain.
//! - Text passed in and out is bytes (UTF-8 by convention); `capi` does UTF-16 conversion.

use crate::btree::Collation;
use crate::error::{codes::*, Error, Result};
use crate::func::{AggState, FuncContext};
use crate::value::Value;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// `SQLITE_OPEN_*` flags as passed to `sqlite3_open_v2`.
pub mod open_flags {
    pub const READONLY: i32 = 0x0000_0001;
    pub const READWRITE: i32 = 0x0000_0002;
    pub const CREATE: i32 = 0x0000_0004;
    pub const DELETEONCLOSE: i32 = 0x0000_0008;
    pub const EXCLUSIVE: i32 = 0x0000_0010;
    pub const AUTOPROXY: i32 = 0x0000_0020;
    pub const URI: i32 = 0x0000_0040;
    pub const MEMORY: i32 = 0x0000_0080;
    pub const MAIN_DB: i32 = 0x0000_0100;
    pub const TEMP_DB: i32 = 0x0000_0200;
    pub const NOMUTEX: i32 = 0x0000_8000;
    pub const FULLMUTEX: i32 = 0x0001_0000;
    pub const SHAREDCACHE: i32 = 0x0002_0000;
    pub const PRIVATECACHE: i32 = 0x0004_0000;
    pub const NOFOLLOW: i32 = 0x0100_0000;
    pub const EXRESCODE: i32 = 0x0200_0000;
}

/// A user-defined function registered through `sqlite3_create_function_v2` & co.
#[derive(Clone)]
pub enum UserFuncImpl {
    Scalar(Arc<dyn Fn(&mut FuncContext, &[Value]) -> Result<Value> + Send + Sync>),
    /// Aggregate or window function: a fresh state per group / partition.
    Aggregate(Arc<dyn Fn() -> Box<dyn AggState> + Send + Sync>),
}

#[derive(Clone)]
pub struct UserFunction {
    pub name: String,
    /// -1 = any.
    pub nargs: i32,
    /// `SQLITE_DETERMINISTIC`, `SQLITE_DIRECTONLY`, `SQLITE_INNOCUOUS`, encoding bits.
    pub flags: i32,
    pub imp: UserFuncImpl,
}

/// Busy handler: called with the retry count; return `true` to retry.
pub type BusyHandler = Box<dyn FnMut(i32) -> bool + Send>;

pub struct Connection {
    _private: (),
}

fn todo_err() -> Error {
    Error::new(SQLITE_ERROR, "not implemented yet")
}

impl Connection {
    /// `filename` is as given to `sqlite3_open_v2` (`:memory:`, a path, or a `file:` URI when
    /// `flags & URI` or the URI default applies). `vfs` names a VFS or `None` for the default.
    pub fn open(_filename: &str, _flags: i32, _vfs: Option<&str>) -> Result<Connection> {
        Err(Error::code(SQLITE_CANTOPEN))
    }
    /// Close: finalize-time checks are done by `capi` (it knows about live statements).
    pub fn close(self) -> Result<()> {
        Ok(())
    }
    pub fn prepare(&mut self, _sql: &[u8]) -> Result<(Option<Statement>, usize)> {
        Err(todo_err())
    }
    pub fn last_insert_rowid(&self) -> i64 {
        0
    }
    pub fn set_last_insert_rowid(&mut self, _rowid: i64) {}
    pub fn changes(&self) -> i64 {
        0
    }
    pub fn total_changes(&self) -> i64 {
        0
    }
    pub fn is_autocommit(&self) -> bool {
        true
    }
    /// Shared flag that `sqlite3_interrupt` sets from any thread without the mutex.
    pub fn interrupt_flag(&self) -> Arc<AtomicBool> {
        Arc::new(AtomicBool::new(false))
    }
    pub fn set_busy_timeout(&mut self, _ms: i32) {}
    pub fn set_busy_handler(&mut self, _h: Option<BusyHandler>) {}
    /// Register (or with `None` for imp... use `remove_function`) a user function.
    pub fn create_function(&mut self, _f: UserFunction) -> Result<()> {
        Err(todo_err())
    }
    pub fn remove_function(&mut self, _name: &str, _nargs: i32) -> Result<()> {
        Ok(())
    }
    /// `None` removes the collation.
    pub fn create_collation(&mut self, _name: &str, _c: Option<Collation>) -> Result<()> {
        Err(todo_err())
    }
    /// Path of an attached database (`"main"`, `"temp"`, …); `Some("")` for memory/temp.
    pub fn db_filename(&self, _db_name: &str) -> Option<String> {
        None
    }
    /// `Some(true)` read-only, `Some(false)` read-write, `None` no such database.
    pub fn db_readonly(&self, _db_name: &str) -> Option<bool> {
        None
    }
    /// `sqlite3_limit`: returns the old value; `new < 0` only queries.
    pub fn limit(&mut self, _id: i32, _new: i32) -> i32 {
        -1
    }
}

/// A prepared statement.
pub struct Statement {
    _private: (),
}

impl Statement {
    /// Run to the next row. `Ok(true)` = a row is available (`SQLITE_ROW`), `Ok(false)` = done.
    pub fn step(&mut self, _conn: &mut Connection) -> Result<bool> {
        Err(todo_err())
    }
    /// Back to the start; bindings are kept.
    pub fn reset(&mut self, _conn: &mut Connection) {}
    pub fn column_count(&self) -> usize {
        0
    }
    pub fn column_name(&self, _i: usize) -> Option<&str> {
        None
    }
    pub fn column_decltype(&self, _i: usize) -> Option<&str> {
        None
    }
    /// Table/column a result column comes from: (database, table, column).
    pub fn column_origin(&self, _i: usize) -> Option<(&str, &str, &str)> {
        None
    }
    /// Value of column `i` of the current row (`Null` if there is no row).
    pub fn column_value(&self, _i: usize) -> &Value {
        &Value::Null
    }
    /// Number of columns in the current row (0 when no row).
    pub fn data_count(&self) -> usize {
        0
    }
    /// 1-based index, as `sqlite3_bind_*`. `SQLITE_RANGE` when out of range.
    pub fn bind(&mut self, _i: usize, _v: Value) -> Result<()> {
        Err(Error::range())
    }
    pub fn clear_bindings(&mut self) {}
    pub fn parameter_count(&self) -> usize {
        0
    }
    /// Name including its prefix character (`:a`, `@a`, `$a`, `?5`); `None` for plain `?`.
    pub fn parameter_name(&self, _i: usize) -> Option<&str> {
        None
    }
    /// 0 if not found.
    pub fn parameter_index(&self, _name: &str) -> usize {
        0
    }
    /// The SQL text the statement was prepared from.
    pub fn sql(&self) -> &str {
        ""
    }
    /// SQL with parameters replaced by their bound values (as `sqlite3_expanded_sql`).
    pub fn expanded_sql(&self) -> String {
        String::new()
    }
    pub fn readonly(&self) -> bool {
        true
    }
    /// Started stepping and not yet reset/done.
    pub fn busy(&self) -> bool {
        false
    }
    /// 0 normal, 1 EXPLAIN, 2 EXPLAIN QUERY PLAN.
    pub fn explain_mode(&self) -> i32 {
        0
    }
}
