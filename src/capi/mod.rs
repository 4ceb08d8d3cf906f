//! The C ABI: every `sqlite3_*` export of SQLite 3.40.1 (and its session extension), the only
//! `extern "C"` code in the crate.
//!
//! Layout: one file per API family.
//!
//! | file          | family |
//! |---------------|--------|
//! | `boundary.rs` | panic boundary, handle registry, misuse logging |
//! | `db.rs`       | `sqlite3` handle: open/close, errors, connection info, hooks |
//! | `stmt.rs`     | `sqlite3_stmt`: prepare, step, bind, column, exec |
//! | `value.rs`    | `sqlite3_value` and its conversions |
//! | `func.rs`     | user functions, `sqlite3_context`, results, collations |
//! | `key.rs`      | encryption keys: `sqlite3_key(_v2)`, `sqlite3_rekey(_v2)` (not in SQLite's list) |
//! | `mem.rs`      | `sqlite3_malloc` & co., `sqlite3_str` |
//! | `mutex.rs`    | `sqlite3_mutex_*` |
//! | `config.rs`   | `sqlite3_config`/`db_config`, status, version data |
//! | `misc.rs`     | complete, stricmp/glob/like, keywords, URI parameters, VFS description |
//! | `varargs.rs`  | the variadic exports (naked trampolines into `varargs.c`) |
//! | `vtab.rs`     | virtual tables: C modules adapted to `crate::vtab` |
//! | `stubs.rs`    | exported with SQLite's signature, not implemented: return an error |
//!
//! Invariants kept by the whole module (DESIGN §3):
//! 1. Every export body runs inside `capi_boundary!` (no panic crosses into C).
//! 2. Handles are checked against the live-handle registry before any dereference
//!    (`boundary.rs`), so closed/finalized handles give `SQLITE_MISUSE`, not undefined behaviour.
//! 3. Pointers returned to C stay valid for exactly as long as SQLite documents (see each
//!    family's module comment).
#![allow(clippy::missing_safety_doc)]

pub mod backup;
pub mod blob;
pub mod boundary;
pub mod config;
pub mod db;
pub mod func;
pub mod key;
pub mod mem;
pub mod misc;
pub mod mutex;
pub mod stmt;
pub mod stubs;
pub mod util;
pub mod value;
pub mod varargs;
pub mod vtab;

/// SQLite's 64-bit integer types (`long long` in C; named so the generated header matches).
#[allow(non_camel_case_types)]
pub type sqlite3_int64 = i64;
#[allow(non_camel_case_types)]
pub type sqlite3_uint64 = u64;
