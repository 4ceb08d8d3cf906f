//! SQL front end: parse (sqlite3-parser) → resolve → plan → codegen (SQL engineer).
//!
//! CONTRACT with `db` (VM engineer): `compile(ctx, sql)` turns the first statement of `sql`
//! into a [`Program`] and says how many bytes it consumed; `schema::Schema` is the in-memory
//! model of one database's `sqlite_schema`, built by `Schema::load` from its rows.

pub mod schema;

use crate::btree::Collation;
use crate::db::UserFunction;
use crate::error::{Error, Result};
use crate::vdbe::Program;

/// What the compiler may look at: the schemas of the attached databases and the connection's
/// registries. Built by `db` for each `prepare`.
pub struct CompileContext<'a> {
    /// (schema name, schema), index = database number: 0 "main", 1 "temp", 2.. attached.
    pub schemas: &'a [(String, &'a schema::Schema)],
    pub user_functions: &'a [UserFunction],
    pub collations: &'a [(String, Collation)],
}

pub struct Compiled {
    /// `None` when only whitespace or comments were left.
    pub program: Option<Program>,
    /// Bytes of `sql` consumed (tail pointer = sql + tail).
    pub tail: usize,
    /// Byte offset of a syntax error (for `sqlite3_error_offset`), when compile failed.
    pub error_offset: Option<usize>,
}

pub fn compile(_ctx: &CompileContext<'_>, _sql: &[u8]) -> Result<Compiled> {
    Err(Error::sql("not implemented yet"))
}
