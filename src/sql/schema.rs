//! In-memory model of one database's schema, loaded from `sqlite_schema` rows (SQL engineer).

use crate::error::Result;
use crate::pager::Pgno;

/// One row of `sqlite_schema`: (type, name, tbl_name, rootpage, sql).
#[derive(Clone, Debug)]
pub struct SchemaRow {
    pub kind: String,
    pub name: String,
    pub tbl_name: String,
    pub rootpage: Pgno,
    pub sql: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct Schema {
    /// Schema cookie (header meta 1) the schema was loaded at; `Transaction` checks it.
    pub cookie: u32,
    /// Filled in by the SQL engineer: tables, indexes, columns, affinities...
    pub rows: Vec<SchemaRow>,
}

impl Schema {
    pub fn load(rows: Vec<SchemaRow>, cookie: u32) -> Result<Schema> {
        Ok(Schema { cookie, rows })
    }
}
