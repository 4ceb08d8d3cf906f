//! AUTOINCREMENT: the `sqlite_sequence` table, as SQLite keeps it (`autoinc.c` parts of
//! SQLite's `insert.c` and `build.c`).
//!
//! Invariants:
//! - `sqlite_sequence` (`CREATE TABLE sqlite_sequence(name,seq)`) is created in a database
//!   by the first CREATE TABLE with AUTOINCREMENT, after that table's own rows, and is never
//!   dropped by us (SQLite keeps it too).
//! - An INSERT into an AUTOINCREMENT table reads `seq` of its row once before the first row
//!   (0 when there is none), chooses each fresh rowid with `NewRowid` P3 = that register (so
//!   a rowid is never reused, even after the row with the largest one was deleted), raises
//!   the register to every explicit rowid (`MemMax`), and writes the register back once at
//!   the end of the statement (updating the row in place, or adding one) — even when no row
//!   was inserted, as SQLite does.
//! - DROP TABLE of an AUTOINCREMENT table deletes its `sqlite_sequence` row.
//!
//! Statement-level state: `AutoInc` holds the registers between `autoinc_begin` and
//! `autoinc_end`; both are emitted by the INSERT compiler around its row loop.

use super::build::Builder;
use super::schema::Table;
use crate::error::{Error, Result};
use crate::vdbe::{Opcode, P4};

/// The text SQLite stores for `sqlite_sequence`.
pub const SEQ_SQL: &str = "CREATE TABLE sqlite_sequence(name,seq)";

/// Registers of one INSERT's AUTOINCREMENT bookkeeping.
#[derive(Clone, Copy, Debug)]
pub struct AutoInc {
    /// Cursor on `sqlite_sequence` (open for writing).
    pub cur: i32,
    /// Largest rowid ever used (the `seq` value).
    pub seq: i32,
    /// Rowid of the table's `sqlite_sequence` row, NULL when it has none yet.
    pub seq_rowid: i32,
    /// The table name.
    pub name: i32,
}

impl<'a> Builder<'a> {
    /// For an INSERT into `t` (database `db`): open `sqlite_sequence` and load the table's
    /// counter. `None` when `t` is not an AUTOINCREMENT table.
    pub(super) fn autoinc_begin(&mut self, db: usize, t: &Table) -> Result<Option<AutoInc>> {
        if !t.autoincrement {
            return Ok(None);
        }
        let seq_root = self
            .schema(db)
            .and_then(|s| s.table("sqlite_sequence"))
            .map(|s| s.root)
            .ok_or_else(|| Error::sql("no such table: sqlite_sequence"))?;
        let a = AutoInc {
            cur: self.cursor(),
            seq: self.reg(),
            seq_rowid: self.reg(),
            name: self.reg(),
        };
        self.emit4(
            Opcode::OpenWrite,
            a.cur,
            seq_root as i32,
            db as i32,
            P4::Int32(2),
            0,
        );
        self.string(&t.name, a.name);
        self.int(0, a.seq);
        self.null(a.seq_rowid);
        let done = self.label();
        let next = self.label();
        let tmp = self.reg();
        self.emit(Opcode::Rewind, a.cur, done, 0);
        let top = self.addr();
        self.emit(Opcode::Column, a.cur, 0, tmp);
        self.emit4(Opcode::Ne, a.name, next, tmp, P4::Coll(None), 0x10);
        self.emit(Opcode::Rowid, a.cur, a.seq_rowid, 0);
        self.emit(Opcode::Column, a.cur, 1, a.seq);
        self.emit(Opcode::AddImm, a.seq, 0, 0);
        self.goto(done);
        self.resolve(next);
        self.emit(Opcode::Next, a.cur, top, 0);
        self.resolve(done);
        Ok(Some(a))
    }

    /// Write the counter back to `sqlite_sequence` (end of the INSERT statement).
    pub(super) fn autoinc_end(&mut self, a: &AutoInc) {
        let have = self.label();
        self.emit(Opcode::NotNull, a.seq_rowid, have, 0);
        self.emit(Opcode::NewRowid, a.cur, a.seq_rowid, 0);
        self.resolve(have);
        let rec = self.reg();
        let pair = self.regs(2);
        self.emit(Opcode::SCopy, a.name, pair, 0);
        self.emit(Opcode::SCopy, a.seq, pair + 1, 0);
        self.emit(Opcode::MakeRecord, pair, 2, rec);
        self.emit4(
            Opcode::Insert,
            a.cur,
            rec,
            a.seq_rowid,
            P4::Table("sqlite_sequence".into()),
            0,
        );
        self.emit(Opcode::Close, a.cur, 0, 0);
    }

    /// CREATE TABLE of an AUTOINCREMENT table: add `sqlite_sequence` to database `db`
    /// through the open `sqlite_schema` cursor `c` unless it exists.
    pub(super) fn autoinc_create_seq(&mut self, db: usize, c: i32) {
        if self
            .schema(db)
            .map(|s| s.table("sqlite_sequence").is_some())
            .unwrap_or(false)
        {
            return;
        }
        let root = self.reg();
        self.emit(Opcode::CreateBtree, db as i32, root, 1);
        self.schema_row(
            c,
            "table",
            "sqlite_sequence",
            "sqlite_sequence",
            Some(root),
            Some(SEQ_SQL),
        );
    }

    /// DROP TABLE of `t`: delete its `sqlite_sequence` row.
    pub(super) fn autoinc_drop(&mut self, db: usize, t: &Table) {
        if !t.autoincrement {
            return;
        }
        let root = match self.schema(db).and_then(|s| s.table("sqlite_sequence")) {
            Some(s) => s.root,
            None => return,
        };
        let c = self.cursor();
        self.emit4(
            Opcode::OpenWrite,
            c,
            root as i32,
            db as i32,
            P4::Int32(2),
            0,
        );
        let nm = self.reg();
        let r = self.reg();
        self.string(&t.name, nm);
        let done = self.label();
        let next = self.label();
        self.emit(Opcode::Rewind, c, done, 0);
        let top = self.addr();
        self.emit(Opcode::Column, c, 0, r);
        self.emit4(Opcode::Ne, nm, next, r, P4::Coll(None), 0x10);
        self.emit(Opcode::Delete, c, 0, 0);
        self.resolve(next);
        self.emit(Opcode::Next, c, top, 0);
        self.resolve(done);
        self.emit(Opcode::Close, c, 0, 0);
    }
}
