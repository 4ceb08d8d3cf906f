//! EpilogLite: a Rust implementation of the SQLite 3.40.1 engine behind SQLite's own C ABI.
//!
//! Layers (see `DESIGN.md` §2), top to bottom; data flows one way:
//!
//! ```text
//! capi   the only extern "C" code (handles, panic boundary, C strings)
//! db     Connection: schemas, registries, transaction state, hooks
//! sql    parse -> resolve -> plan -> codegen (bytecode)
//! vdbe   register VM executing a Program
//! func   built-in SQL functions
//! btree  table and index b-trees on SQLite's file format
//! pager  page cache, transactions, rollback journal (later WAL)
//! vfs    files and locks (unix, memory)
//! ```
#![deny(unsafe_op_in_unsafe_fn)]

pub mod error;
pub mod value;

pub mod btree;
pub mod capi;
pub mod crypto;
pub mod db;
pub mod func;
pub mod pager;
pub mod sql;
pub mod vdbe;
pub mod vfs;
pub mod vtab;

pub use error::{Error, Result};
pub use value::Value;

/// The EpilogLite version reported by `epiloglite_version()`.
pub const EPILOGLITE_VERSION: &str = env!("CARGO_PKG_VERSION");
/// SQLite version we are compatible with.
pub const SQLITE_VERSION: &str = "3.40.1";
pub const SQLITE_VERSION_NUMBER: i32 = 3040001;
/// First 60 characters must equal SQLite 3.40.1's source id (the shell checks them).
pub const SQLITE_SOURCE_ID: &str =
    "2022-12-28 14:03:47 df5c253c0b3dd24916e4ec7cf77d3db5294cc9fd epiloglite-0.1.0";
