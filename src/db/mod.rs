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
//! - A running `Statement` should be `reset` (or `finalize`d) with its connection before it
//!   is dropped: that ends it properly (commit/rollback in autocommit mode). Dropping it
//!   anyway only stops counting it (`ActiveGuard`); its transaction then ends with the next
//!   statement that finishes.
//!
//! Transaction state machine (per connection, SQLite's):
//! ```text
//!            BEGIN / SAVEPOINT (outside txn)                COMMIT / RELEASE outermost
//!  AUTOCOMMIT ---------------------------------> EXPLICIT ------------------------------> AUTOCOMMIT
//!      |  statement starts: Transaction op opens read/write txn per database (DbSlot.txn)
//!      |  last running statement ends: commit (ok) or rollback (error) every database
//!      +-- ROLLBACK / Halt with OE_ROLLBACK: roll back every database, back to AUTOCOMMIT
//! ```
//! Invariants:
//! - `DbSlot.txn` is 0 (none), 1 (read) or 2 (write) and matches the b-tree's state.
//! - In AUTOCOMMIT no transaction outlives the last running statement (`active_vms() == 0`).
//! - Pager savepoint `i` (0-based) on a database in a write transaction is named savepoint
//!   `savepoints[i]`; a running write statement inside a transaction adds one more on top
//!   (its statement journal), released or rolled back when the statement ends.

use crate::btree::{BtCursor, Btree, Collation, META_SCHEMA_VERSION};
use crate::error::{codes::*, Error, Result};
use crate::func::{AggState, FuncContext};
use crate::pager::{JournalMode, Pager};
use crate::sql::schema::{Schema, SchemaRow};
use crate::value::Value;
use crate::vdbe::exec::{StepResult, Vm, VmHost, OE_FAIL, OE_ROLLBACK};
use crate::vdbe::{mem, rec, Opcode, Program};
use crate::vfs::Vfs;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering as AO};
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
/// Commit hook (`sqlite3_commit_hook`): non-zero turns the COMMIT into a rollback
/// (SQLITE_CONSTRAINT_COMMITHOOK).
pub type CommitHook = Box<dyn FnMut() -> i32 + Send>;
/// Rollback hook (`sqlite3_rollback_hook`): called when a write transaction rolls back.
pub type RollbackHook = Box<dyn FnMut() + Send>;
/// Update hook (`sqlite3_update_hook`): (op: SQLITE_INSERT/DELETE/UPDATE, database name,
/// table name, rowid), for each counted row change of a rowid table.
pub type UpdateHook = Box<dyn FnMut(i32, &str, &str, i64) + Send>;
/// WAL hook (`sqlite3_wal_hook`): (database name, frames in its WAL) after a commit into the
/// WAL; a non-zero return is the error code of the statement.
pub type WalHook = Box<dyn FnMut(&str, i32) -> i32 + Send>;
/// Progress handler (`sqlite3_progress_handler`): non-zero interrupts the statement.
pub type ProgressHandler = Box<dyn FnMut() -> i32 + Send>;
/// Authorizer (`sqlite3_set_authorizer`): (action code, arg 3, arg 4, database name,
/// trigger/view name) → SQLITE_OK (0), SQLITE_DENY (1) or SQLITE_IGNORE (2). Action codes
/// are SQLite's (`auth::SQLITE_READ`, ...).
pub type Authorizer =
    Box<dyn FnMut(i32, Option<&str>, Option<&str>, Option<&str>, Option<&str>) -> i32 + Send>;

pub mod auth;
mod key;

/// Number of `sqlite3_limit` categories and their defaults (Debian's 3.40.1 build).
const N_LIMIT: usize = 12;
const LIMIT_DEFAULTS: [i32; N_LIMIT] = [
    1_000_000_000,
    1_000_000_000,
    2000,
    1000,
    500,
    250_000_000,
    127,
    10,
    50000,
    250_000,
    1000,
    0,
];
/// Hard upper bounds (`SQLITE_MAX_*`).
const LIMIT_MAX: [i32; N_LIMIT] = [
    1_000_000_000,
    1_000_000_000,
    2000,
    1000,
    500,
    250_000_000,
    127,
    10,
    50000,
    250_000,
    1000,
    8,
];

/// How many times a statement is recompiled after `SQLITE_SCHEMA` before giving up.
const MAX_SCHEMA_RETRY: usize = 50;

/// One attached database.
pub struct DbSlot {
    pub name: String,
    /// Full path, `""` for memory / private temp databases.
    pub path: String,
    pub bt: Btree,
    pub schema: Schema,
    pub schema_loaded: bool,
    pub readonly: bool,
    /// 0 none, 1 read, 2 write.
    pub txn: u8,
}

pub struct Connection {
    dbs: Vec<DbSlot>,
    vfs: Arc<dyn Vfs>,
    autocommit: bool,
    /// Named savepoints, outermost first.
    savepoints: Vec<String>,
    /// The outermost savepoint opened the transaction (RELEASE of it commits).
    savepoint_txn: bool,
    /// Deferred foreign-key counters (`fkstate.rs`).
    fk: fkstate::FkState,
    /// Statements between their first step and their end.
    /// Number of running statements, shared with each running statement's [`ActiveGuard`]
    /// (so a statement dropped while running still stops counting).
    active: Arc<AtomicUsize>,
    last_insert_rowid: i64,
    changes: i64,
    total_changes: i64,
    interrupt: Arc<AtomicBool>,
    busy_timeout_ms: i32,
    busy_handler: Option<BusyHandler>,
    functions: Vec<UserFunction>,
    collations: Vec<(String, Collation)>,
    /// Bumped when a user function or collation is replaced or removed; a statement compiled
    /// under an older value is recompiled before its next run (SQLite's
    /// `sqlite3ExpirePreparedStatements`).
    expire_gen: u64,
    limits: [i32; N_LIMIT],
    error_offset: i32,
    /// Connection settings without engine backing yet (`PRAGMA foreign_keys` & co).
    settings: Vec<(String, Value)>,
    commit_hook: Option<CommitHook>,
    rollback_hook: Option<RollbackHook>,
    update_hook: Option<UpdateHook>,
    wal_hook: Option<WalHook>,
    /// (every N instructions, handler); N > 0 whenever set.
    progress: Option<(u32, ProgressHandler)>,
    authorizer: Option<Authorizer>,
    /// Virtual-table modules and connected tables (`crate::vtab`).
    vtabs: Arc<crate::vtab::Registry>,
    /// Compiled programs by exact SQL text, most recent first (see [`Connection::compile`]).
    /// Compiling is a pure function of the SQL and of what `CompileContext` shows (schemas,
    /// user functions, collations, vtabs), so an entry stays valid until one of those
    /// changes: every change to them calls `invalidate_compiled` (schema loads, function and
    /// collation registration). Programs that touch virtual tables are not kept.
    compiled_cache: Vec<(Vec<u8>, Program, usize)>,
}

/// Entries of `Connection::compiled_cache`.
const COMPILED_CACHE_SIZE: usize = 32;

// The C API keeps a Connection behind a mutex and may move it between threads.
const _: fn() = || {
    fn assert_send<T: Send>() {}
    assert_send::<Connection>();
    assert_send::<Statement>();
};

/// The parsed form of a filename / URI passed to `open`.
#[derive(Debug, PartialEq, Eq)]
struct OpenTarget {
    path: String,
    memory: bool,
    flags: i32,
    vfs: Option<String>,
    /// URI `key=` / `hexkey=` (encrypted databases, `key.rs`).
    key: key::UriKey,
}

/// URI `%XX` decoding to bytes (a path may decode to bytes that are not UTF-8).
pub(crate) fn percent_decode_bytes(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let h = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(c) = h {
                out.push(c);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

fn percent_decode(s: &str) -> String {
    String::from_utf8_lossy(&percent_decode_bytes(s)).into_owned()
}

/// SQLite's `sqlite3ParseUri` (the subset we honour: mode, cache, immutable, vfs).
fn parse_target(filename: &str, mut flags: i32, vfs: Option<&str>) -> Result<OpenTarget> {
    let mut vfs = vfs.map(|s| s.to_string());
    let mut ukey = key::UriKey::default();
    if flags & open_flags::URI != 0 && filename.starts_with("file:") {
        let rest = &filename[5..];
        let (path_part, query) = match rest.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (rest, None),
        };
        let path_part = path_part.split('#').next().unwrap_or("");
        let path = if let Some(after) = path_part.strip_prefix("//") {
            match after.find('/') {
                Some(0) => after.to_string(),
                Some(i) => {
                    let auth = &after[..i];
                    if !auth.is_empty() && auth != "localhost" {
                        return Err(Error::new(
                            SQLITE_ERROR,
                            format!("invalid uri authority: {auth}"),
                        ));
                    }
                    after[i..].to_string()
                }
                None => {
                    if !after.is_empty() && after != "localhost" {
                        return Err(Error::new(
                            SQLITE_ERROR,
                            format!("invalid uri authority: {after}"),
                        ));
                    }
                    String::new()
                }
            }
        } else {
            path_part.to_string()
        };
        let mut path = crate::vfs::path_from_bytes(&percent_decode_bytes(&path));
        let mut memory = path == ":memory:";
        if let Some(q) = query {
            for kv in q.split('&').filter(|s| !s.is_empty()) {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                let v = percent_decode(v);
                if ukey.take(k, &v) {
                    continue;
                }
                match k {
                    "vfs" => vfs = Some(v),
                    "mode" => {
                        let (mode, allowed) = match v.as_str() {
                            "ro" => (open_flags::READONLY, true),
                            "rw" => (open_flags::READWRITE, true),
                            "rwc" => (open_flags::READWRITE | open_flags::CREATE, true),
                            "memory" => {
                                memory = true;
                                (flags & 7, true)
                            }
                            _ => (0, false),
                        };
                        if !allowed {
                            return Err(Error::new(
                                SQLITE_ERROR,
                                format!("no such access mode: {v}"),
                            ));
                        }
                        let limit = flags & 7;
                        if mode > limit {
                            return Err(Error::new(
                                SQLITE_PERM,
                                format!("access mode not allowed: {v}"),
                            ));
                        }
                        flags = (flags & !7) | mode;
                    }
                    "cache" => {
                        if v != "shared" && v != "private" {
                            return Err(Error::new(
                                SQLITE_ERROR,
                                format!("no such cache mode: {v}"),
                            ));
                        }
                    }
                    "immutable" => {
                        if v == "1" {
                            flags = (flags & !7) | open_flags::READONLY;
                        }
                    }
                    _ => {}
                }
            }
        }
        if memory {
            path = String::new();
        }
        return Ok(OpenTarget {
            path,
            memory,
            flags,
            vfs,
            key: ukey,
        });
    }
    let memory = filename == ":memory:" || filename.is_empty() || flags & open_flags::MEMORY != 0;
    Ok(OpenTarget {
        path: if memory {
            String::new()
        } else {
            filename.to_string()
        },
        memory,
        flags,
        vfs,
        key: ukey,
    })
}

impl Connection {
    /// `filename` is as given to `sqlite3_open_v2` (`:memory:`, a path, or a `file:` URI when
    /// `flags & URI` or the URI default applies). `vfs` names a VFS or `None` for the default.
    pub fn open(filename: &str, flags: i32, vfs: Option<&str>) -> Result<Connection> {
        let t = parse_target(filename, flags, vfs)?;
        let the_vfs = crate::vfs::unix::default_vfs();
        if let Some(name) = &t.vfs {
            if name != the_vfs.name() && name != "unix" && name != "unix-none" {
                return Err(Error::new(SQLITE_ERROR, format!("no such vfs: {name}")));
            }
        }
        Self::open_target(t, the_vfs)
    }

    /// Open on a caller-supplied VFS (tests: [`crate::vfs::memory::FaultVfs`] under a whole
    /// SQL workload). A `vfs=` URI parameter is ignored: `the_vfs` wins.
    pub fn open_with_vfs(
        filename: &str,
        flags: i32,
        the_vfs: Arc<dyn crate::vfs::Vfs>,
    ) -> Result<Connection> {
        let t = parse_target(filename, flags, None)?;
        Self::open_target(t, the_vfs)
    }

    fn open_target(t: OpenTarget, the_vfs: Arc<dyn crate::vfs::Vfs>) -> Result<Connection> {
        let ro = t.flags & open_flags::READONLY != 0 && t.flags & open_flags::READWRITE == 0;
        let (pager, path) = if t.memory {
            (Pager::open_memory(4096), String::new())
        } else {
            let vflags = crate::vfs::OpenFlags {
                read_only: ro,
                create: t.flags & open_flags::CREATE != 0,
                exclusive: false,
                delete_on_close: false,
            };
            let full = the_vfs
                .full_pathname(&t.path)
                .map_err(|_| Error::code(SQLITE_CANTOPEN))?;
            let mut p = Pager::open(the_vfs.clone(), &t.path, vflags).map_err(|e| {
                if e.primary() == SQLITE_CANTOPEN {
                    Error::new(e.code, "unable to open database file")
                } else {
                    e
                }
            })?;
            if let Some(spec) = t.key.spec()? {
                p.set_codec(Box::new(crate::crypto::KeyedCodec::new(spec)))?;
            }
            (p, full)
        };
        let main = DbSlot {
            name: "main".into(),
            path,
            bt: Btree::new(pager)?,
            schema: Schema::default(),
            schema_loaded: false,
            readonly: ro,
            txn: 0,
        };
        let temp = DbSlot {
            name: "temp".into(),
            path: String::new(),
            bt: Btree::new(Pager::open_memory(4096))?,
            schema: Schema::default(),
            schema_loaded: false,
            readonly: false,
            txn: 0,
        };
        Ok(Connection {
            dbs: vec![main, temp],
            vfs: the_vfs,
            autocommit: true,
            savepoints: Vec::new(),
            savepoint_txn: false,
            fk: fkstate::FkState::default(),
            active: Arc::new(AtomicUsize::new(0)),
            last_insert_rowid: 0,
            changes: 0,
            total_changes: 0,
            interrupt: Arc::new(AtomicBool::new(false)),
            busy_timeout_ms: 0,
            busy_handler: None,
            functions: Vec::new(),
            collations: builtin_collations(),
            expire_gen: 0,
            limits: LIMIT_DEFAULTS,
            error_offset: -1,
            settings: Vec::new(),
            commit_hook: None,
            rollback_hook: None,
            update_hook: None,
            wal_hook: None,
            progress: None,
            authorizer: None,
            vtabs: Arc::new(crate::vtab::Registry::default()),
            compiled_cache: Vec::new(),
        })
    }

    /// Close: finalize-time checks are done by `capi` (it knows about live statements).
    pub fn close(mut self) -> Result<()> {
        if !self.autocommit || self.dbs.iter().any(|d| d.txn != 0) {
            self.rollback_all();
        }
        Ok(())
    }

    pub fn prepare(&mut self, sql: &[u8]) -> Result<(Option<Statement>, usize)> {
        self.error_offset = -1;
        if sql.len() > self.limits[1] as usize {
            return Err(Error::new(SQLITE_TOOBIG, "statement too long"));
        }
        // As SQLite: a loaded schema is trusted at prepare time (the `Transaction` opcode
        // verifies the cookie when the statement runs, and `step` re-prepares on
        // SQLITE_SCHEMA). Only a failed compile makes us check the files for a newer schema.
        let all_loaded = self.dbs.iter().all(|d| d.schema_loaded);
        // `PRAGMA key` is prepared without reading the database (it cannot be read yet).
        if !all_loaded && !key::is_key_pragma(sql) && !checkpoint::is_locking_mode_pragma(sql) {
            self.ensure_schemas()?;
        }
        let compiled = match self.compile(sql) {
            Ok(c) => c,
            Err(e) => {
                if all_loaded && self.ensure_schemas()? {
                    self.compile(sql)?
                } else {
                    return Err(e);
                }
            }
        };
        let tail = compiled.tail;
        match compiled.program {
            None => Ok((None, tail)),
            Some(mut p) => {
                if let Some(a) = self.authorizer.as_mut() {
                    let schemas: Vec<(&str, &Schema)> = self
                        .dbs
                        .iter()
                        .map(|d| (d.name.as_str(), &d.schema))
                        .collect();
                    auth::authorize(a, sql.get(..tail).unwrap_or(sql), &mut p, &schemas)?;
                }
                let text = String::from_utf8_lossy(sql.get(..tail).unwrap_or(sql))
                    .trim()
                    .to_string();
                let mut st = Statement::new(p, text);
                st.gen = self.expire_gen;
                Ok((Some(st), tail))
            }
        }
    }

    /// A statement for an already-built program (tests, internal SQL, hand-written
    /// programs). The program's `sql` is its text for `sqlite3_sql`.
    pub fn prepare_program(&mut self, p: Program) -> Statement {
        let sql = p.sql.clone();
        let mut st = Statement::new(p, sql);
        st.gen = self.expire_gen;
        st
    }

    /// Forget every cached compiled program: what the compiler sees has changed.
    fn invalidate_compiled(&mut self) {
        self.compiled_cache.clear();
    }

    /// Compile the first statement of `sql`, reusing a cached program for the same text
    /// (prepared-statement re-preparation is then a copy, not a parse and code generation).
    fn compile(&mut self, sql: &[u8]) -> Result<crate::sql::Compiled> {
        if let Some(i) = self.compiled_cache.iter().position(|e| e.0 == sql) {
            let e = self.compiled_cache.remove(i);
            let c = crate::sql::Compiled {
                program: Some(e.1.clone()),
                tail: e.2,
                error_offset: None,
            };
            self.compiled_cache.insert(0, e);
            return Ok(c);
        }
        let c = self.compile_uncached(sql)?;
        if let (Some(p), None) = (&c.program, c.error_offset) {
            let vtab = p.ops.iter().any(|o| {
                use crate::vdbe::Opcode as O;
                matches!(
                    o.opcode,
                    O::VBegin
                        | O::VColumn
                        | O::VCreate
                        | O::VDestroy
                        | O::VFilter
                        | O::VNext
                        | O::VOpen
                        | O::VRename
                        | O::VUpdate
                )
            });
            if !vtab {
                self.compiled_cache.truncate(COMPILED_CACHE_SIZE - 1);
                self.compiled_cache
                    .insert(0, (sql.to_vec(), p.clone(), c.tail));
            }
        }
        Ok(c)
    }

    fn compile_uncached(&mut self, sql: &[u8]) -> Result<crate::sql::Compiled> {
        let schemas: Vec<(String, &Schema)> = self
            .dbs
            .iter()
            .map(|d| (d.name.clone(), &d.schema))
            .collect();
        let ctx = crate::sql::CompileContext {
            schemas: &schemas,
            user_functions: &self.functions,
            collations: &self.collations,
            vtabs: Some(&self.vtabs),
            limits: &self.limits,
        };
        match crate::sql::compile_ext(&ctx, sql) {
            Ok(c) => {
                if let Some(off) = c.error_offset {
                    self.error_offset = off as i32;
                }
                Ok(c)
            }
            Err(ce) => {
                if let Some(off) = ce.offset {
                    self.error_offset = i32::try_from(off).unwrap_or(-1);
                }
                Err(ce.error)
            }
        }
    }

    /// Statements between their first step and their end (reset, done, error or drop).
    pub fn active_vms(&self) -> usize {
        self.active.load(AO::Relaxed)
    }

    /// Byte offset of the last syntax error (`sqlite3_error_offset`), -1 if none.
    pub fn last_error_offset(&self) -> i32 {
        self.error_offset
    }

    pub fn last_insert_rowid(&self) -> i64 {
        self.last_insert_rowid
    }
    pub fn set_last_insert_rowid(&mut self, rowid: i64) {
        self.last_insert_rowid = rowid;
    }
    pub fn changes(&self) -> i64 {
        self.changes
    }
    pub fn total_changes(&self) -> i64 {
        self.total_changes
    }
    pub fn is_autocommit(&self) -> bool {
        self.autocommit
    }
    /// Shared flag that `sqlite3_interrupt` sets from any thread without the mutex.
    pub fn interrupt_flag(&self) -> Arc<AtomicBool> {
        self.interrupt.clone()
    }
    pub fn set_busy_timeout(&mut self, ms: i32) {
        self.busy_timeout_ms = ms.max(0);
        self.busy_handler = None;
    }
    pub fn set_busy_handler(&mut self, h: Option<BusyHandler>) {
        self.busy_handler = h;
        self.busy_timeout_ms = 0;
    }
    /// `sqlite3_commit_hook`: called before each commit of a write transaction.
    pub fn set_commit_hook(&mut self, h: Option<CommitHook>) {
        self.commit_hook = h;
    }
    /// `sqlite3_rollback_hook`: called after a write transaction rolls back.
    pub fn set_rollback_hook(&mut self, h: Option<RollbackHook>) {
        self.rollback_hook = h;
    }
    /// `sqlite3_update_hook`: called for each row inserted, updated or deleted.
    pub fn set_update_hook(&mut self, h: Option<UpdateHook>) {
        self.update_hook = h;
    }
    /// `sqlite3_set_authorizer`: consulted at each prepare (see [`auth`]).
    pub fn set_authorizer(&mut self, h: Option<Authorizer>) {
        self.authorizer = h;
    }
    /// `sqlite3_progress_handler`: called every `n` VM instructions (`n <= 0` or `None`
    /// removes it, as SQLite).
    pub fn set_progress_handler(&mut self, n: i32, h: Option<ProgressHandler>) {
        self.progress = match (u32::try_from(n), h) {
            (Ok(n), Some(h)) if n > 0 => Some((n, h)),
            _ => None,
        };
    }
    /// Register (or with `None` for imp... use `remove_function`) a user function.
    pub fn create_function(&mut self, f: UserFunction) -> Result<()> {
        if f.name.is_empty() || f.name.len() > 255 || f.nargs < -1 || f.nargs > 127 {
            return Err(Error::misuse());
        }
        if self.active_vms() > 0 {
            return Err(Error::new(
                SQLITE_BUSY,
                "unable to delete/modify user-function due to active statements",
            ));
        }
        self.invalidate_compiled();
        self.functions
            .retain(|g| !(g.name.eq_ignore_ascii_case(&f.name) && g.nargs == f.nargs));
        self.functions.push(f);
        self.expire_gen += 1;
        Ok(())
    }
    pub fn remove_function(&mut self, name: &str, nargs: i32) -> Result<()> {
        self.invalidate_compiled();
        self.functions
            .retain(|g| !(g.name.eq_ignore_ascii_case(name) && g.nargs == nargs));
        self.expire_gen += 1;
        Ok(())
    }
    /// The registered user functions (for the compiler and for tests).
    /// The virtual-table registry (`sqlite3_create_module` & co.).
    pub fn vtab_registry(&self) -> Arc<crate::vtab::Registry> {
        self.vtabs.clone()
    }

    pub fn user_functions(&self) -> &[UserFunction] {
        &self.functions
    }
    /// `None` removes the collation.
    pub fn create_collation(&mut self, name: &str, c: Option<Collation>) -> Result<()> {
        if self.active_vms() > 0 {
            return Err(Error::new(
                SQLITE_BUSY,
                "unable to delete/modify collation sequence due to active statements",
            ));
        }
        self.invalidate_compiled();
        self.collations
            .retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.expire_gen += 1;
        if let Some(c) = c {
            self.collations.push((name.to_string(), c));
        }
        Ok(())
    }
    /// A collation by name (case-insensitive): BINARY, NOCASE, RTRIM or a user one.
    pub fn collation(&self, name: &str) -> Option<Collation> {
        self.collations
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, c)| c.clone())
    }
    /// Path of an attached database (`"main"`, `"temp"`, …); `Some("")` for memory/temp.
    pub fn db_filename(&self, db_name: &str) -> Option<String> {
        self.slot_by_name(db_name).map(|d| d.path.clone())
    }
    /// `Some(true)` read-only, `Some(false)` read-write, `None` no such database.
    pub fn db_readonly(&self, db_name: &str) -> Option<bool> {
        self.slot_by_name(db_name).map(|d| d.readonly)
    }
    /// `sqlite3_txn_state`: 0 none, 1 read, 2 write for database `db_name` (`None`: the
    /// highest over all databases); `None` when there is no such database.
    pub fn txn_state(&self, db_name: Option<&str>) -> Option<i32> {
        match db_name {
            Some(n) => self.slot_by_name(n).map(|d| i32::from(d.txn)),
            None => Some(self.dbs.iter().map(|d| i32::from(d.txn)).max().unwrap_or(0)),
        }
    }
    /// Bytes held by the page caches of all attached databases (`SQLITE_DBSTATUS_CACHE_USED`):
    /// cached pages times the page size plus a per-page header, as SQLite's pcache counts.
    pub fn cache_used_bytes(&self) -> i64 {
        const PER_PAGE_HEADER: usize = 136;
        self.dbs
            .iter()
            .map(|d| {
                (d.bt.pager.cached_pages() * (d.bt.pager.page_size() + PER_PAGE_HEADER)) as i64
            })
            .sum()
    }
    /// `sqlite3_limit`: returns the old value; `new < 0` only queries.
    pub fn limit(&mut self, id: i32, new: i32) -> i32 {
        let Some(i) = usize::try_from(id).ok().filter(|i| *i < N_LIMIT) else {
            return -1;
        };
        let old = self.limits[i];
        if new >= 0 {
            self.limits[i] = new.min(LIMIT_MAX[i]);
            // Compiled programs checked the old limits.
            self.invalidate_compiled();
        }
        old
    }

    /// The schema of database `db` (0 main, 1 temp), as last loaded.
    pub fn schema(&self, db: usize) -> Option<&Schema> {
        self.dbs.get(db).map(|d| &d.schema)
    }

    fn slot_by_name(&self, name: &str) -> Option<&DbSlot> {
        self.dbs.iter().find(|d| d.name.eq_ignore_ascii_case(name))
    }

    // ---- busy handling ---------------------------------------------------------------

    /// SQLite's `sqliteDefaultBusyCallback` / user handler: `true` = retry.
    fn invoke_busy(&mut self, count: i32) -> bool {
        if let Some(h) = self.busy_handler.as_mut() {
            return h(count);
        }
        let timeout = self.busy_timeout_ms;
        if timeout <= 0 {
            return false;
        }
        const DELAYS: [i32; 12] = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];
        const TOTALS: [i32; 12] = [0, 1, 3, 8, 18, 33, 53, 78, 103, 128, 178, 228];
        let c = count.max(0) as usize;
        let (mut delay, prior) = if c < DELAYS.len() {
            (DELAYS[c], TOTALS[c])
        } else {
            (100, TOTALS[11] + 100 * (c as i32 - 11))
        };
        if prior + delay > timeout {
            delay = timeout - prior;
            if delay <= 0 {
                return false;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(delay as u64));
        true
    }

    fn with_busy<T>(&mut self, db: usize, f: impl Fn(&mut Btree) -> Result<T>) -> Result<T> {
        let mut count = 0;
        loop {
            let slot = self
                .dbs
                .get_mut(db)
                .ok_or_else(|| Error::sql("no such database"))?;
            match f(&mut slot.bt) {
                Err(e) if e.is_busy() => {
                    if !self.invoke_busy(count) {
                        return Err(e);
                    }
                    count += 1;
                }
                r => return r,
            }
        }
    }

    // ---- transactions ---------------------------------------------------------------

    fn begin_read(&mut self, db: usize) -> Result<()> {
        let needs = self.dbs.get(db).map(|d| d.txn == 0).unwrap_or(false);
        if needs {
            self.with_busy(db, |bt| bt.begin_read())?;
            if let Some(d) = self.dbs.get_mut(db) {
                d.txn = 1;
            }
        }
        Ok(())
    }

    fn begin_write(&mut self, db: usize, exclusive: bool) -> Result<()> {
        let had_txn = self.dbs.get(db).map(|d| d.txn).unwrap_or(0);
        self.begin_read(db)?;
        let (txn, ro) = match self.dbs.get(db) {
            Some(d) => (d.txn, d.readonly),
            None => return Err(Error::sql("no such database")),
        };
        if txn == 2 {
            return Ok(());
        }
        if ro {
            return Err(Error::readonly());
        }
        // As sqlite3BtreeBeginTrans: when this call started the read transaction itself, a
        // busy write lock releases it, waits in the busy handler and starts over with a fresh
        // snapshot (retrying the write lock on the old snapshot could only give
        // SQLITE_BUSY_SNAPSHOT in WAL mode). A transaction that was already reading gets
        // SQLITE_BUSY at once: waiting while holding a read lock can deadlock.
        let mut count = 0;
        loop {
            let r = match self.dbs.get_mut(db) {
                Some(d) => d.bt.begin_write(exclusive),
                None => return Err(Error::sql("no such database")),
            };
            match r {
                Ok(()) => break,
                Err(e) => {
                    if had_txn != 0 {
                        return Err(e);
                    }
                    let d = &mut self.dbs[db];
                    d.bt.end_read();
                    d.txn = 0;
                    if !e.is_busy() || !self.invoke_busy(count) {
                        return Err(e);
                    }
                    count += 1;
                    self.begin_read(db)?;
                }
            }
        }
        let n_sp = self.savepoints.len();
        let d = &mut self.dbs[db];
        d.txn = 2;
        if n_sp > 0 {
            d.bt.savepoint_open(n_sp)?;
        }
        Ok(())
    }

    fn file_cookie(&mut self, db: usize) -> Result<u32> {
        let d = self
            .dbs
            .get_mut(db)
            .ok_or_else(|| Error::sql("no such database"))?;
        if d.bt.pager.page_count() == 0 {
            return Ok(0);
        }
        d.bt.get_meta(META_SCHEMA_VERSION)
    }

    fn commit_all(&mut self) -> Result<()> {
        if self.dbs.iter().any(|d| d.txn == 2) {
            if let Some(h) = self.commit_hook.as_mut() {
                if h() != 0 {
                    return Err(Error::new(
                        SQLITE_CONSTRAINT_COMMITHOOK,
                        "constraint failed",
                    ));
                }
            }
        }
        for db in 0..self.dbs.len() {
            if self.dbs[db].txn == 2 {
                self.with_busy(db, |bt| bt.commit())?;
                self.dbs[db].txn = 1;
            }
        }
        Ok(())
    }

    fn end_reads(&mut self) {
        for d in self.dbs.iter_mut() {
            if d.txn != 0 {
                d.bt.end_read();
                d.txn = 0;
            }
        }
    }

    fn rollback_all(&mut self) {
        // As sqlite3RollbackAll: the hook runs when a write transaction (or an explicit
        // one) ends in rollback.
        if self.dbs.iter().any(|d| d.txn == 2) || !self.autocommit {
            if let Some(h) = self.rollback_hook.as_mut() {
                h();
            }
        }
        let mut schema_dirty = false;
        for d in self.dbs.iter_mut() {
            if d.txn == 2 {
                // A failed rollback leaves the pager in its error state; nothing more to do.
                let _ = d.bt.rollback();
                schema_dirty = true;
            }
            if d.txn != 0 {
                d.bt.end_read();
                d.txn = 0;
            }
        }
        if schema_dirty {
            for d in self.dbs.iter_mut() {
                d.schema_loaded = false;
            }
        }
        self.autocommit = true;
        self.savepoints.clear();
        self.savepoint_txn = false;
        self.fk_txn_ended();
    }

    /// A transaction ended: deferred FK counters and `defer_foreign_keys` are reset.
    fn fk_txn_ended(&mut self) {
        self.fk.clear();
        self.settings.retain(|(k, _)| k != "defer_foreign_keys");
    }

    /// Called when a statement stops running (done, error or reset).
    fn statement_ended(
        &mut self,
        stmt_sp: &mut Vec<(usize, usize)>,
        err: Option<&Error>,
        action: i32,
    ) -> Result<()> {
        let mut result = Ok(());
        match err {
            Some(_) if action == OE_ROLLBACK => {
                stmt_sp.clear();
                self.rollback_all();
                return Ok(());
            }
            Some(_) if action != OE_FAIL => {
                // Statement rollback (OE_ABORT): undo this statement only.
                for (db, i) in stmt_sp.drain(..) {
                    if let Some(d) = self.dbs.get_mut(db) {
                        if d.txn == 2 {
                            let _ = d.bt.savepoint_rollback(i);
                            let _ = d.bt.savepoint_release(i);
                            d.schema_loaded = false;
                        }
                    }
                }
                if self.autocommit && self.active_vms() == 0 {
                    self.rollback_all();
                    return Ok(());
                }
            }
            _ => {
                for (db, i) in stmt_sp.drain(..) {
                    if let Some(d) = self.dbs.get_mut(db) {
                        if d.txn == 2 {
                            let _ = d.bt.savepoint_release(i);
                        }
                    }
                }
            }
        }
        if self.autocommit && self.active_vms() == 0 {
            if self.fk.pending() {
                // Deferred FK violations left by an autocommit statement (sqlite3VdbeHalt).
                self.rollback_all();
                return Err(fkstate::fk_error());
            }
            if let Err(e) = self.commit_all() {
                self.rollback_all();
                result = Err(e);
            }
            self.end_reads();
            self.fk_txn_ended();
        }
        result
    }

    fn find_savepoint(&self, name: &str) -> Option<usize> {
        self.savepoints
            .iter()
            .rposition(|s| s.eq_ignore_ascii_case(name))
    }

    // ---- schema -------------------------------------------------------------------------

    /// Make sure each database's schema matches its file (reloading if the cookie moved).
    /// Returns whether any schema was (re)loaded.
    fn ensure_schemas(&mut self) -> Result<bool> {
        let mut reloaded = false;
        for db in 0..self.dbs.len() {
            let had_txn = self.dbs[db].txn != 0;
            if db == 1 && self.dbs[1].bt.pager.page_count() == 0 {
                // An untouched temp database: no file to read, but its (empty)
                // `sqlite_temp_schema` table exists, as in SQLite.
                if !self.dbs[1].schema_loaded {
                    self.load_schema(1)?;
                }
                self.dbs[1].schema_loaded = true;
                continue;
            }
            self.begin_read(db)?;
            let r = (|| -> Result<bool> {
                let cookie = self.file_cookie(db)?;
                let d = &self.dbs[db];
                if !d.schema_loaded || d.schema.cookie != cookie {
                    self.load_schema(db)?;
                    return Ok(true);
                }
                Ok(false)
            })();
            if !had_txn && self.autocommit && self.active_vms() == 0 {
                if let Some(d) = self.dbs.get_mut(db) {
                    d.bt.end_read();
                    d.txn = 0;
                }
            }
            reloaded |= r?;
        }
        Ok(reloaded)
    }

    /// Read `sqlite_schema` (root page 1) of `db` into its `Schema`. Needs a read transaction.
    fn load_schema(&mut self, db: usize) -> Result<()> {
        self.invalidate_compiled();
        let cookie = self.file_cookie(db)?;
        let d = self
            .dbs
            .get_mut(db)
            .ok_or_else(|| Error::sql("no such database"))?;
        let mut rows = Vec::new();
        if d.bt.pager.page_count() > 0 {
            let mut c = BtCursor::new(1, true, None);
            let mut ok = c.first(&mut d.bt)?;
            let mut vals = Vec::new();
            while ok {
                let payload = c.payload(&mut d.bt)?;
                rec::decode_into(&payload, &mut vals)?;
                let text = |i: usize| -> String {
                    match vals.get(i) {
                        Some(Value::Text(t)) => String::from_utf8_lossy(t).into_owned(),
                        _ => String::new(),
                    }
                };
                let rootpage = match vals.get(3) {
                    Some(Value::Integer(i)) => u32::try_from(*i).map_err(|_| crate::corrupt!(1))?,
                    _ => 0,
                };
                rows.push(SchemaRow {
                    kind: text(0),
                    name: text(1),
                    tbl_name: text(2),
                    rootpage,
                    sql: match vals.get(4) {
                        Some(Value::Text(t)) => Some(String::from_utf8_lossy(t).into_owned()),
                        _ => None,
                    },
                });
                ok = c.next(&mut d.bt)?;
            }
        }
        d.schema = Schema::load(rows, cookie)?;
        d.schema_loaded = true;
        Ok(())
    }
}

fn journal_mode_name(m: JournalMode) -> &'static str {
    match m {
        JournalMode::Delete => "delete",
        JournalMode::Truncate => "truncate",
        JournalMode::Persist => "persist",
        JournalMode::Memory => "memory",
        JournalMode::Off => "off",
        JournalMode::Wal => "wal",
    }
}

fn text_of(v: &Value) -> String {
    mem::to_text(v)
        .map(|t| String::from_utf8_lossy(&t).to_ascii_lowercase())
        .unwrap_or_default()
}

/// A boolean pragma argument (`on`, `yes`, `true`, 1 ...), as SQLite's `getSafetyLevel`.
fn pragma_bool(v: &Value) -> i64 {
    match text_of(v).as_str() {
        "on" | "yes" | "true" => 1,
        "off" | "no" | "false" => 0,
        _ => (mem::to_int(v) != 0) as i64,
    }
}

/// Default values (Debian's 3.40.1 build) of settings kept in `Connection::settings`.
fn setting_default(name: &str) -> Value {
    Value::Integer(match name {
        "secure_delete" | "automatic_index" | "cache_spill" => 1,
        "wal_autocheckpoint" => 1000,
        "max_page_count" => 1_073_741_823,
        "locking_mode" => return Value::text("normal"),
        "encoding" => return Value::text("UTF-8"),
        _ => 0,
    })
}

impl Connection {
    /// `PRAGMA <name> [= new]` for connection settings (see `P4::Pragma`).
    fn pragma(&mut self, db: usize, name: &str, new: Option<&Value>) -> Result<Value> {
        match name {
            "attach" => return self.attach_from_record(new),
            "detach" => return self.detach_value(new),
            "database_file" => return Ok(self.database_file(db)),
            "vacuum" => return self.vacuum_op(db, new),
            "analyze" => return self.analyze_op(db, new),
            "locking_mode" => return self.locking_mode_pragma(db, new),
            _ => {}
        }
        if let Some(r) = self.key_pragma(db, name, new) {
            return r;
        }
        let busy_ms = self.busy_timeout_ms;
        let d = self
            .dbs
            .get_mut(db)
            .ok_or_else(|| Error::sql("no such database"))?;
        match name {
            "page_size" => {
                if let Some(v) = new {
                    let n = mem::to_int(v);
                    // SQLite ignores invalid sizes and sizes set on a non-empty database.
                    if (512..=65536).contains(&n) && (n & (n - 1)) == 0 {
                        let _ = d.bt.pager.set_page_size(n as usize);
                    }
                }
                Ok(Value::Integer(d.bt.pager.page_size() as i64))
            }
            "cache_size" => {
                if let Some(v) = new {
                    d.bt.pager.set_cache_size(mem::to_int(v));
                }
                Ok(Value::Integer(d.bt.pager.cache_size()))
            }
            "synchronous" => {
                if let Some(v) = new {
                    let lvl = match text_of(v).as_str() {
                        "off" | "no" | "false" => 0,
                        "normal" => 1,
                        "full" | "on" | "yes" | "true" => 2,
                        "extra" => 3,
                        _ => mem::to_int(v).clamp(0, 3),
                    };
                    d.bt.pager.set_synchronous(lvl as u8);
                }
                Ok(Value::Integer(d.bt.pager.synchronous() as i64))
            }
            "journal_mode" => {
                let cur = d.bt.pager.journal_mode();
                let m = match new.map(text_of).as_deref() {
                    None => None,
                    Some("delete") => Some(JournalMode::Delete),
                    Some("truncate") => Some(JournalMode::Truncate),
                    Some("persist") => Some(JournalMode::Persist),
                    Some("memory") => Some(JournalMode::Memory),
                    Some("off") => Some(JournalMode::Off),
                    Some("wal") => Some(JournalMode::Wal),
                    Some(_) => None,
                };
                let got = match m {
                    Some(m) if m != cur => d.bt.pager.set_journal_mode(m)?,
                    _ => cur,
                };
                if got == JournalMode::Wal && cur != got && d.bt.pager.page_count() == 0 {
                    // As SQLite (sqlite3BtreeSetVersion): an empty database gets its page 1,
                    // marked WAL, in the db file now, so the first commit goes to the WAL.
                    d.bt.begin_write(false)?;
                    let r = d.bt.commit();
                    if d.txn == 0 {
                        d.bt.end_read();
                    }
                    r?;
                }
                Ok(Value::text(journal_mode_name(got)))
            }
            "journal_size_limit" => Ok(Value::Integer(
                d.bt.pager.journal_size_limit(new.map(mem::to_int)),
            )),
            "wal_autocheckpoint" if new.is_some() => {
                let n = new.map(mem::to_int).unwrap_or(1000);
                self.set_wal_autocheckpoint(n);
                self.settings.retain(|(k, _)| k != "wal_autocheckpoint");
                self.settings
                    .push(("wal_autocheckpoint".into(), Value::Integer(n)));
                Ok(Value::Integer(n))
            }
            "busy_timeout" => {
                if let Some(v) = new {
                    self.set_busy_timeout(mem::to_int(v).clamp(0, i32::MAX as i64) as i32);
                    return Ok(Value::Integer(self.busy_timeout_ms as i64));
                }
                Ok(Value::Integer(busy_ms as i64))
            }
            _ => {
                let key = name.to_string();
                if let Some(v) = new {
                    let stored = match name {
                        "locking_mode" => {
                            let t = text_of(v);
                            if t == "exclusive" || t == "normal" {
                                Value::text(&t)
                            } else {
                                self.pragma_get(name)
                            }
                        }
                        "encoding" => self.pragma_get(name),
                        "max_page_count" | "wal_autocheckpoint" | "mmap_size" | "cache_spill"
                        | "temp_store" | "auto_vacuum" => Value::Integer(mem::to_int(v)),
                        _ => Value::Integer(pragma_bool(v)),
                    };
                    if name == "defer_foreign_keys" && mem::to_int(&stored) == 0 {
                        // As SQLite: turning it off forgets the violations it deferred.
                        self.fk.imm = 0;
                    }
                    self.settings.retain(|(k, _)| *k != key);
                    self.settings.push((key, stored));
                }
                Ok(self.pragma_get(name))
            }
        }
    }

    fn pragma_get(&self, name: &str) -> Value {
        self.settings
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| setting_default(name))
    }
}

fn builtin_collations() -> Vec<(String, Collation)> {
    vec![
        (
            "BINARY".into(),
            Arc::new(|a: &[u8], b: &[u8]| a.cmp(b)) as Collation,
        ),
        ("NOCASE".into(), Arc::new(mem::nocase_cmp) as Collation),
        ("RTRIM".into(), Arc::new(mem::rtrim_cmp) as Collation),
    ]
}

/// The VM's view of the connection while one statement steps.
struct StepHost<'a> {
    conn: &'a mut Connection,
    /// Statement-journal savepoints this statement opened: (database, pager savepoint index).
    stmt_sp: &'a mut Vec<(usize, usize)>,
}

impl VmHost for StepHost<'_> {
    fn btree(&mut self, db: usize) -> Result<&mut Btree> {
        match self.conn.dbs.get_mut(db) {
            Some(d) => Ok(&mut d.bt),
            None => Err(Error::sql(format!("no such database: {db}"))),
        }
    }
    fn begin_txn(&mut self, db: usize, write: i32) -> Result<u32> {
        if write > 0 {
            self.conn.begin_write(db, write >= 2)?;
            // A statement journal when the statement runs inside a larger transaction.
            let inside = !self.conn.autocommit || self.conn.active_vms() > 1;
            if inside && !self.stmt_sp.iter().any(|(d, _)| *d == db) {
                let i = self.conn.savepoints.len();
                let d = &mut self.conn.dbs[db];
                d.bt.savepoint_open(i + 1)?;
                self.stmt_sp.push((db, i));
            }
        } else {
            self.conn.begin_read(db)?;
        }
        self.conn.file_cookie(db)
    }
    fn autocommit(&mut self, on: bool, rollback: bool) -> Result<()> {
        let c = &mut *self.conn;
        if !on {
            if !c.autocommit {
                return Err(Error::sql(
                    "cannot start a transaction within a transaction",
                ));
            }
            c.autocommit = false;
            return Ok(());
        }
        if c.autocommit {
            return Err(Error::sql(if rollback {
                "cannot rollback - no transaction is active"
            } else {
                "cannot commit - no transaction is active"
            }));
        }
        if rollback {
            c.rollback_all();
            return Ok(());
        }
        if c.fk.pending() {
            return Err(fkstate::fk_error());
        }
        // COMMIT that fails (e.g. SQLITE_BUSY) leaves the transaction open so it can be
        // retried (as SQLite); a commit hook's veto rolls it back.
        if let Err(e) = c.commit_all() {
            if e.code == SQLITE_CONSTRAINT_COMMITHOOK {
                c.rollback_all();
            }
            return Err(e);
        }
        c.autocommit = true;
        c.savepoints.clear();
        c.savepoint_txn = false;
        c.fk_txn_ended();
        Ok(())
    }
    fn savepoint(&mut self, op: i32, name: &str) -> Result<()> {
        let c = &mut *self.conn;
        match op {
            0 => {
                if c.autocommit {
                    c.autocommit = false;
                    c.savepoint_txn = true;
                }
                c.savepoints.push(name.to_string());
                c.fk.sp.push(c.fk.counters());
                let n = c.savepoints.len();
                for d in c.dbs.iter_mut().filter(|d| d.txn == 2) {
                    d.bt.savepoint_open(n)?;
                }
                Ok(())
            }
            1 | 2 => {
                let Some(i) = c.find_savepoint(name) else {
                    return Err(Error::sql(format!("no such savepoint: {name}")));
                };
                if op == 1 {
                    if i == 0 && c.savepoint_txn {
                        if c.fk.pending() {
                            return Err(fkstate::fk_error());
                        }
                        c.commit_all()?;
                        c.autocommit = true;
                        c.savepoints.clear();
                        c.savepoint_txn = false;
                        c.fk_txn_ended();
                        return Ok(());
                    }
                    c.savepoints.truncate(i);
                    c.fk.sp.truncate(i);
                    for d in c.dbs.iter_mut().filter(|d| d.txn == 2) {
                        d.bt.savepoint_release(i)?;
                    }
                } else {
                    c.savepoints.truncate(i + 1);
                    if let Some(&saved) = c.fk.sp.get(i) {
                        c.fk.restore(saved);
                    }
                    c.fk.sp.truncate(i + 1);
                    for d in c.dbs.iter_mut().filter(|d| d.txn == 2) {
                        d.bt.savepoint_rollback(i)?;
                        d.schema_loaded = false;
                    }
                }
                Ok(())
            }
            _ => Err(Error::sql("bad savepoint operation")),
        }
    }
    fn parse_schema(&mut self, db: usize) -> Result<()> {
        self.conn.load_schema(db)
    }
    fn schema_changed(&mut self, db: usize) {
        if let Some(d) = self.conn.dbs.get_mut(db) {
            d.schema_loaded = false;
        }
    }
    fn interrupted(&self) -> bool {
        self.conn.interrupt.load(AO::Relaxed)
    }
    fn has_update_hook(&self) -> bool {
        self.conn.update_hook.is_some()
    }
    fn update_hook(&mut self, op: i32, db: usize, table: &str, rowid: i64) {
        let c = &mut *self.conn;
        if let (Some(h), Some(d)) = (c.update_hook.as_mut(), c.dbs.get(db)) {
            h(op, &d.name, table, rowid);
        }
    }
    fn progress_ops(&self) -> u32 {
        self.conn.progress.as_ref().map_or(0, |p| p.0)
    }
    fn progress(&mut self) -> bool {
        match self.conn.progress.as_mut() {
            Some((_, h)) => h() != 0,
            None => false,
        }
    }
    fn last_insert_rowid(&self) -> i64 {
        self.conn.last_insert_rowid
    }
    fn set_last_insert_rowid(&mut self, rowid: i64) {
        self.conn.last_insert_rowid = rowid;
    }
    fn changes(&self) -> (i64, i64) {
        (self.conn.changes, self.conn.total_changes)
    }
    fn set_changes(&mut self, n: i64) {
        self.conn.changes = n;
        self.conn.total_changes += n;
    }
    fn journal_mode(&mut self, db: usize, mode: Option<JournalMode>) -> Result<JournalMode> {
        let d = self
            .conn
            .dbs
            .get_mut(db)
            .ok_or_else(|| Error::sql("no such database"))?;
        match mode {
            None => Ok(d.bt.pager.journal_mode()),
            Some(m) => d.bt.pager.set_journal_mode(m),
        }
    }
    fn pragma(&mut self, db: usize, name: &str, new: Option<&Value>) -> Result<Value> {
        self.conn.pragma(db, name, new)
    }
    fn checkpoint(&mut self, db: Option<usize>, mode: i32) -> Result<(i32, i32, i32)> {
        self.conn.wal_checkpoint(db, mode)
    }
    fn fk_deferred_add(&mut self, imm: bool, delta: i64) {
        self.conn.fk.add(imm, delta);
    }
    fn fk_deferred(&self) -> (i64, i64) {
        self.conn.fk.counters()
    }
    fn defer_fks(&self) -> bool {
        mem::to_int(&self.conn.pragma_get("defer_foreign_keys")) != 0
    }
    fn restore_changes(&mut self, n: i64) {
        self.conn.changes = n;
    }
    fn recursive_triggers(&self) -> bool {
        mem::to_int(&self.conn.pragma_get("recursive_triggers")) != 0
    }
}

/// Counts one running statement while it lives.
struct ActiveGuard(Arc<AtomicUsize>);

impl ActiveGuard {
    fn new(n: &Arc<AtomicUsize>) -> ActiveGuard {
        n.fetch_add(1, AO::Relaxed);
        ActiveGuard(n.clone())
    }
}

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, AO::Relaxed);
    }
}

/// A prepared statement.
pub struct Statement {
    vm: Vm,
    sql: String,
    /// Counted in the connection's running statements.
    active: Option<ActiveGuard>,
    /// Statement journal savepoints (see `StepHost`).
    stmt_sp: Vec<(usize, usize)>,
    /// The program counts changes (INSERT/UPDATE/DELETE).
    counts_changes: bool,
    /// A row has been returned since the last reset (no transparent re-prepare after that).
    returned_row: bool,
    /// The connection's `expire_gen` when this was compiled.
    gen: u64,
    /// Deferred FK counters when this run started (restored if it is rolled back).
    fk_start: (i64, i64),
}

impl Statement {
    fn new(p: Program, sql: String) -> Statement {
        let counts_changes = p.ops.iter().any(|o| {
            (o.opcode == Opcode::Insert && o.p5 & 1 != 0)
                || (o.opcode == Opcode::IdxInsert && o.p5 & 1 != 0)
                || (o.opcode == Opcode::Delete && (o.p2 & 1 != 0 || o.p5 & 1 != 0))
                || (o.opcode == Opcode::Clear && o.p3 != 0)
                || o.opcode == Opcode::VUpdate
        });
        Statement {
            vm: Vm::new(p),
            sql,
            active: None,
            stmt_sp: Vec::new(),
            counts_changes,
            returned_row: false,
            gen: 0,
            fk_start: (0, 0),
        }
    }

    /// Run to the next row. `Ok(true)` = a row is available (`SQLITE_ROW`), `Ok(false)` = done.
    pub fn step(&mut self, conn: &mut Connection) -> Result<bool> {
        if self.vm.is_done() {
            // As sqlite3_step after SQLITE_DONE: start over.
            self.reset(conn);
        }
        if self.gen != conn.expire_gen && self.active.is_none() && !self.returned_row {
            // A function or collation it was compiled with was replaced or removed: compile
            // again (the error, e.g. "no such collation sequence", is this step's error).
            let compiled = conn.compile(self.sql.as_bytes())?;
            let Some(p) = compiled.program else {
                return Ok(false);
            };
            let vars = std::mem::take(&mut self.vm.vars);
            let sql = std::mem::take(&mut self.sql);
            *self = Statement::new(p, sql);
            self.gen = conn.expire_gen;
            for (i, v) in vars.into_iter().enumerate() {
                if let Some(slot) = self.vm.vars.get_mut(i) {
                    *slot = v;
                }
            }
        }
        let mut retries = 0;
        loop {
            if self.active.is_none() {
                if conn.active_vms() == 0 {
                    conn.interrupt.store(false, AO::Relaxed);
                }
                self.active = Some(ActiveGuard::new(&conn.active));
                self.fk_start = conn.fk.counters();
            }
            self.vm.max_len = conn.limits[0].max(0) as usize;
            let r = {
                let mut host = StepHost {
                    conn,
                    stmt_sp: &mut self.stmt_sp,
                };
                self.vm.step(&mut host)
            };
            match r {
                Ok(StepResult::Row) => {
                    self.returned_row = true;
                    return Ok(true);
                }
                Ok(StepResult::Done) => {
                    self.finish(conn, None)?;
                    if conn.autocommit {
                        conn.run_wal_hooks()?;
                    }
                    return Ok(false);
                }
                Err(e)
                    if e.code == SQLITE_SCHEMA
                        && !self.returned_row
                        && retries < MAX_SCHEMA_RETRY =>
                {
                    retries += 1;
                    // Undo this attempt, reload the schema, recompile and go again.
                    let _ = self.finish(conn, Some(&e));
                    for d in conn.dbs.iter_mut() {
                        d.schema_loaded = false;
                    }
                    conn.ensure_schemas()?;
                    let compiled = conn.compile(self.sql.as_bytes())?;
                    let Some(p) = compiled.program else {
                        return Ok(false);
                    };
                    let vars = std::mem::take(&mut self.vm.vars);
                    let sql = std::mem::take(&mut self.sql);
                    *self = Statement::new(p, sql);
                    self.gen = conn.expire_gen;
                    for (i, v) in vars.into_iter().enumerate() {
                        if let Some(slot) = self.vm.vars.get_mut(i) {
                            *slot = v;
                        }
                    }
                }
                Err(e) => {
                    let _ = self.finish(conn, Some(&e));
                    return Err(e);
                }
            }
        }
    }

    fn finish(&mut self, conn: &mut Connection, err: Option<&Error>) -> Result<()> {
        if self.active.is_none() {
            return Ok(());
        }
        // Stop counting this statement before the end-of-statement logic looks at the count.
        self.active = None;
        let action = self.vm.error_action;
        if self.counts_changes {
            // As sqlite3VdbeHalt: a statement that failed and was rolled back counts 0
            // changes; one that failed with OR FAIL keeps the changes made before the error.
            let n = if err.is_none() || action == crate::vdbe::exec::OE_FAIL {
                self.vm.n_change
            } else {
                0
            };
            conn.changes = n;
            conn.total_changes += n;
        }
        if err.is_some() && action != crate::vdbe::exec::OE_FAIL {
            conn.fk.restore(self.fk_start);
        }
        let r = conn.statement_ended(&mut self.stmt_sp, err, action);
        if matches!(&r, Err(e) if e.code == SQLITE_CONSTRAINT_FOREIGNKEY) && self.counts_changes {
            // The commit refused by deferred FK violations: the statement changed nothing.
            conn.total_changes -= conn.changes;
            conn.changes = 0;
        }
        r
    }

    /// Back to the start; bindings are kept.
    pub fn reset(&mut self, conn: &mut Connection) {
        if self.active.is_some() {
            // As sqlite3_reset on an unfinished statement: it ends normally.
            let _ = self.finish(conn, None);
        }
        self.vm.reset();
        self.returned_row = false;
    }
    /// Reset and drop.
    pub fn finalize(mut self, conn: &mut Connection) {
        self.reset(conn);
    }
    pub fn column_count(&self) -> usize {
        match self.vm.prog.explain {
            1 => 8,
            2 => 4,
            _ => self.vm.prog.column_names.len(),
        }
    }
    pub fn column_name(&self, i: usize) -> Option<&str> {
        match self.vm.prog.explain {
            1 => crate::vdbe::explain::COLUMN_NAMES.get(i).copied(),
            2 => ["id", "parent", "notused", "detail"].get(i).copied(),
            _ => self.vm.prog.column_names.get(i).map(|s| s.as_str()),
        }
    }
    pub fn column_decltype(&self, i: usize) -> Option<&str> {
        self.vm
            .prog
            .column_decltypes
            .get(i)
            .and_then(|d| d.as_deref())
    }
    /// Table/column a result column comes from: (database, table, column).
    pub fn column_origin(&self, i: usize) -> Option<(&str, &str, &str)> {
        self.vm
            .prog
            .column_origins
            .get(i)
            .and_then(|o| o.as_ref())
            .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
    }
    /// Value of column `i` of the current row (`Null` if there is no row).
    pub fn column_value(&self, i: usize) -> &Value {
        static NULL: Value = Value::Null;
        self.vm.column(i).unwrap_or(&NULL)
    }
    /// Number of columns in the current row (0 when no row).
    pub fn data_count(&self) -> usize {
        if self.vm.is_running() {
            self.vm.column_count_current()
        } else {
            0
        }
    }
    /// 1-based index, as `sqlite3_bind_*`. `SQLITE_RANGE` when out of range.
    pub fn bind(&mut self, i: usize, v: Value) -> Result<()> {
        if self.active.is_some() {
            return Err(Error::misuse());
        }
        match i.checked_sub(1).and_then(|k| self.vm.vars.get_mut(k)) {
            Some(slot) => {
                *slot = v;
                Ok(())
            }
            None => Err(Error::range()),
        }
    }
    pub fn clear_bindings(&mut self) {
        for v in self.vm.vars.iter_mut() {
            *v = Value::Null;
        }
    }
    pub fn parameter_count(&self) -> usize {
        self.vm.prog.param_names.len()
    }
    /// Name including its prefix character (`:a`, `@a`, `$a`, `?5`); `None` for plain `?`.
    pub fn parameter_name(&self, i: usize) -> Option<&str> {
        i.checked_sub(1)
            .and_then(|k| self.vm.prog.param_names.get(k))
            .and_then(|n| n.as_deref())
    }
    /// 0 if not found.
    pub fn parameter_index(&self, name: &str) -> usize {
        self.vm
            .prog
            .param_names
            .iter()
            .position(|n| n.as_deref() == Some(name))
            .map(|k| k + 1)
            .unwrap_or(0)
    }
    /// The SQL text the statement was prepared from.
    pub fn sql(&self) -> &str {
        &self.sql
    }
    /// SQL with parameters replaced by their bound values (as `sqlite3_expanded_sql`).
    pub fn expanded_sql(&self) -> String {
        expand_sql(&self.sql, &self.vm.prog.param_names, &self.vm.vars)
    }
    pub fn readonly(&self) -> bool {
        self.vm.prog.readonly
    }
    /// Started stepping and not yet reset/done.
    pub fn busy(&self) -> bool {
        self.active.is_some()
    }
    /// 0 normal, 1 EXPLAIN, 2 EXPLAIN QUERY PLAN.
    pub fn explain_mode(&self) -> i32 {
        self.vm.prog.explain as i32
    }
}

/// A value as an SQL literal (for `expanded_sql`).
fn sql_literal(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => mem::real_to_text(*r),
        Value::Text(t) => {
            let s = String::from_utf8_lossy(t);
            format!("'{}'", s.replace('\'', "''"))
        }
        Value::Blob(b) => {
            let mut s = String::with_capacity(b.len() * 2 + 3);
            s.push_str("x'");
            for c in b {
                s.push_str(&format!("{c:02x}"));
            }
            s.push('\'');
            s
        }
    }
}

/// Replace each parameter token of `sql` (outside literals and comments) with its value.
fn expand_sql(sql: &str, names: &[Option<String>], vars: &[Value]) -> String {
    let b = sql.as_bytes();
    let mut out = String::with_capacity(sql.len() + 16);
    let mut i = 0;
    let mut next_anon = 1usize;
    let mut last = 0;
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\'' | b'"' | b'`' | b'[' => {
                let close = if c == b'[' { b']' } else { c };
                i += 1;
                while i < b.len() && b[i] != close {
                    i += 1;
                }
                i += 1;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            b'?' | b':' | b'@' | b'$' => {
                let start = i;
                i += 1;
                let idx = if c == b'?' {
                    let ds = i;
                    while i < b.len() && b[i].is_ascii_digit() {
                        i += 1;
                    }
                    if i > ds {
                        let n: usize = sql[ds..i].parse().unwrap_or(0);
                        next_anon = next_anon.max(n + 1);
                        n
                    } else {
                        let n = next_anon;
                        next_anon += 1;
                        n
                    }
                } else {
                    while i < b.len() && ident(b[i]) {
                        i += 1;
                    }
                    let name = &sql[start..i.min(b.len())];
                    let n = names
                        .iter()
                        .position(|x| x.as_deref() == Some(name))
                        .map(|k| k + 1)
                        .unwrap_or(0);
                    if n >= next_anon {
                        next_anon = n + 1;
                    }
                    n
                };
                if let Some(v) = idx.checked_sub(1).and_then(|k| vars.get(k)) {
                    out.push_str(&sql[last..start]);
                    out.push_str(&sql_literal(v));
                    last = i.min(b.len());
                }
            }
            _ => i += 1,
        }
    }
    out.push_str(&sql[last.min(sql.len())..]);
    out
}

mod analyze;
mod attach;
mod backup;
mod checkpoint;
mod fkstate;
#[cfg(test)]
mod tests;
mod vacuum;
