//! REINDEX (all forms) and the index-filling loop CREATE INDEX shares with it.
//!
//! Invariants:
//! - `index_fill` inserts one entry per table row that belongs to the index (partial
//!   indexes: WHERE true), keys built by `index_expr::index_key`; a UNIQUE index stops the
//!   statement with SQLite's `UNIQUE constraint failed: …` on the first duplicate key
//!   (NULLs never conflict).
//! - REINDEX resolves its argument as SQLite's `sqlite3Reindex`: no argument = every index
//!   of every database; a bare name that is a known collation = every index with a column
//!   using it; else a table (all its indexes) or an index, optionally schema-qualified; else
//!   `unable to identify the object to be reindexed`. Each chosen index is cleared and
//!   refilled in the statement's write transaction; the schema is not changed.

use super::build::Builder;
use super::index_expr::IdxRow;
use super::schema::{dequote, Index, Table};
use crate::error::{Error, Result};
use crate::vdbe::{Opcode, P4};
use sqlite3_parser::ast;

impl<'a> Builder<'a> {
    /// Fill index `idx` (cursor `ic`, open for writing) from table `t` (cursor `tc`, open).
    pub(super) fn index_fill(
        &mut self,
        db: usize,
        t: &Table,
        idx: &Index,
        tc: i32,
        ic: i32,
    ) -> Result<()> {
        if t.without_rowid {
            return self.wr_index_fill(db, t, idx, tc, ic);
        }
        let n = idx.columns.len();
        let rec = self.reg();
        let rid = self.reg();
        let done = self.label();
        self.emit(Opcode::Rewind, tc, done, 0);
        let top = self.addr();
        let next = self.label();
        self.emit(Opcode::Rowid, tc, rid, 0);
        let row = IdxRow::Cursor { cur: tc, rid };
        self.index_skip_unless(db, t, idx, row, next)?;
        let k = self.index_key(db, t, idx, row)?;
        if idx.unique {
            let ok = self.label();
            self.emit4(Opcode::NoConflict, ic, ok, k, P4::Int32(n as i32), 0);
            self.emit4(
                Opcode::Halt,
                crate::error::codes::SQLITE_CONSTRAINT_UNIQUE,
                2,
                0,
                P4::Text(Self::index_unique_label(t, idx)),
                2,
            );
            self.resolve(ok);
        }
        self.emit(Opcode::MakeRecord, k, n as i32 + 1, rec);
        self.emit4(Opcode::IdxInsert, ic, rec, k, P4::Int32(n as i32 + 1), 0);
        self.resolve(next);
        self.emit(Opcode::Next, tc, top, 0);
        self.resolve(done);
        Ok(())
    }

    /// Clear and refill one index of table `t` in database `db`.
    fn refill_index(&mut self, db: usize, t: &Table, idx: &Index) -> Result<()> {
        self.emit(Opcode::Clear, idx.root as i32, db as i32, 0);
        let tc = self.cursor();
        let ic = self.cursor();
        self.emit4(
            Opcode::OpenRead,
            tc,
            t.root as i32,
            db as i32,
            P4::Int32(t.columns.len() as i32),
            0,
        );
        let ki = if t.without_rowid {
            self.wr_index_key_info(t, idx)?
        } else {
            self.index_key_info(idx)?
        };
        self.emit4(
            Opcode::OpenWrite,
            ic,
            idx.root as i32,
            db as i32,
            P4::KeyInfo(ki),
            0,
        );
        self.index_fill(db, t, idx, tc, ic)?;
        self.emit(Opcode::Close, tc, 0, 0);
        self.emit(Opcode::Close, ic, 0, 0);
        Ok(())
    }

    /// The indexes of database `db` to rebuild: all (coll None) or those using `coll`.
    fn reindex_db(&mut self, db: usize, coll: Option<&str>) -> Result<()> {
        let schema = match self.schema(db) {
            Some(s) => s,
            None => return Ok(()),
        };
        let mut work: Vec<(Table, Index)> = Vec::new();
        for t in &schema.tables {
            if t.is_view || t.root == 1 {
                continue;
            }
            for idx in schema.table_indexes(t) {
                let uses = match coll {
                    None => true,
                    Some(c) => idx.columns.iter().any(|ic| {
                        ic.collation
                            .as_deref()
                            .unwrap_or("BINARY")
                            .eq_ignore_ascii_case(c)
                    }),
                };
                if uses {
                    work.push((t.clone(), idx.clone()));
                }
            }
        }
        if work.is_empty() {
            return Ok(());
        }
        self.use_db(db, true);
        for (t, idx) in work {
            self.refill_index(db, &t, &idx)?;
        }
        Ok(())
    }

    /// `REINDEX [name | schema.name]`.
    pub(super) fn reindex(&mut self, obj: Option<&ast::QualifiedName>) -> Result<()> {
        let ndb = self.ctx.schemas.len();
        let q = match obj {
            None => {
                for db in 0..ndb {
                    self.reindex_db(db, None)?;
                }
                return Ok(());
            }
            Some(q) => q,
        };
        let name = dequote(&q.name.0);
        if q.db_name.is_none() && self.collation(Some(&name)).is_ok() {
            for db in 0..ndb {
                self.reindex_db(db, Some(&name))?;
            }
            return Ok(());
        }
        let dbn = q.db_name.as_ref().map(|d| dequote(&d.0));
        let order = self.db_search_order(dbn.as_deref())?;
        for &db in &order {
            let schema = match self.schema(db) {
                Some(s) => s,
                None => continue,
            };
            if let Some(t) = schema.table(&name) {
                if t.is_view || t.root == 1 {
                    return Ok(());
                }
                let t = t.clone();
                let idxs: Vec<Index> = schema.table_indexes(&t).cloned().collect();
                self.use_db(db, true);
                for idx in idxs {
                    self.refill_index(db, &t, &idx)?;
                }
                return Ok(());
            }
        }
        for &db in &order {
            let schema = match self.schema(db) {
                Some(s) => s,
                None => continue,
            };
            if let Some(idx) = schema.index(&name) {
                let idx = idx.clone();
                let t = schema
                    .table(&idx.table)
                    .cloned()
                    .ok_or_else(|| Error::sql("unable to identify the object to be reindexed"))?;
                self.use_db(db, true);
                return self.refill_index(db, &t, &idx);
            }
        }
        Err(Error::sql("unable to identify the object to be reindexed"))
    }
}
