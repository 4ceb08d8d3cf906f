//! WITHOUT ROWID tables (`withoutrowid.html`, fileformat2.html §2.5).
//!
//! Invariants:
//! - The table is stored in an index b-tree (its root in `sqlite_schema`): each entry is the
//!   record of the PRIMARY KEY columns in key order followed by the other columns in table
//!   order, ordered by the PRIMARY KEY with its collations and DESC flags, exactly as SQLite
//!   lays it out; the PRIMARY KEY gets no `sqlite_autoindex` row of its own (its number is
//!   still used). PRIMARY KEY columns are NOT NULL.
//! - Reads: code generators open the table as usual (`OpenRead`/`OpenWrite` P4 =
//!   `Int32(columns)`) and read `Column cursor, <table column number>`; the `finish` pass of
//!   `generated.rs` gives such cursors the table's KeyInfo and maps column numbers to record
//!   positions (`wr_storage_index`). The planner scans these tables (no rowid, no index use).
//! - Writes (this file): INSERT (OR ABORT/FAIL/ROLLBACK/IGNORE/REPLACE), DELETE and UPDATE
//!   collect the PRIMARY KEYs of the rows first (an ephemeral index), then change each row
//!   through the table cursor, keeping the secondary indexes (key = index columns, then the
//!   PRIMARY KEY columns not already in it, as SQLite) in step. Not supported yet (an error
//!   says so): triggers, CHECK constraints, foreign keys, RETURNING, UPSERT, generated
//!   columns, REPLACE with secondary indexes, on such tables.

use super::build::{Builder, Scope, Source};
use super::index_expr::IdxRow;
use super::schema::{dequote, Index, IndexColumn, IndexOrigin, Table};
use crate::btree::KeyInfo;
use crate::error::codes::{
    SQLITE_CONSTRAINT_NOTNULL, SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE,
};
use crate::error::{Error, Result};
use crate::vdbe::{Opcode, P4};
use sqlite3_parser::ast::{self, Expr, ResolveType};

const OE_ROLLBACK: i32 = 1;
const OE_ABORT: i32 = 2;
const OE_FAIL: i32 = 3;
const OE_IGNORE: i32 = 4;
const OE_REPLACE: i32 = 5;
/// `IdxInsert`/`Delete` P5: count the change.
const OPFLAG_NCHANGE: u16 = 0x01;

fn oe(r: Option<ResolveType>) -> i32 {
    match r {
        Some(ResolveType::Rollback) => OE_ROLLBACK,
        Some(ResolveType::Fail) => OE_FAIL,
        Some(ResolveType::Ignore) => OE_IGNORE,
        Some(ResolveType::Replace) => OE_REPLACE,
        _ => OE_ABORT,
    }
}

/// CREATE TABLE checks of a WITHOUT ROWID table.
pub fn check_create(t: &Table) -> Result<()> {
    if t.wr_pk.is_empty() || t.wr_pk.iter().any(|c| c.column >= t.columns.len()) {
        return Err(Error::sql(
            "this PRIMARY KEY of a WITHOUT ROWID table is not supported yet",
        ));
    }
    if t.columns.iter().any(|c| c.generated.is_some()) {
        return Err(Error::sql(
            "generated columns in WITHOUT ROWID tables are not supported yet",
        ));
    }
    Ok(())
}

impl Table {
    /// Table column numbers in record order (PRIMARY KEY first).
    pub fn wr_order(&self) -> Vec<usize> {
        let mut v: Vec<usize> = self.wr_pk.iter().map(|c| c.column).collect();
        for i in 0..self.columns.len() {
            if !v.contains(&i) {
                v.push(i);
            }
        }
        v
    }

    /// Record position of column `i` of a WITHOUT ROWID table.
    pub fn wr_storage_index(&self, i: usize) -> Option<usize> {
        self.wr_order().iter().position(|c| *c == i)
    }

    /// `t.a, t.b`: the PRIMARY KEY columns as the UNIQUE error names them.
    fn wr_pk_label(&self) -> String {
        self.wr_pk
            .iter()
            .map(|c| {
                format!(
                    "{}.{}",
                    self.name,
                    self.columns
                        .get(c.column)
                        .map(|x| x.name.as_str())
                        .unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl<'a> Builder<'a> {
    /// KeyInfo of the table's b-tree (all record fields; the PRIMARY KEY ones first).
    pub(super) fn wr_key_info(&self, t: &Table) -> Result<crate::btree::KeyInfo> {
        let cols: Vec<(bool, Option<String>)> = t
            .wr_order()
            .iter()
            .enumerate()
            .map(|(k, ci)| match t.wr_pk.get(k) {
                Some(p) => (p.desc, p.collation.clone()),
                None => (false, t.columns.get(*ci).and_then(|c| c.collation.clone())),
            })
            .collect();
        self.key_info(&cols)
    }

    /// The writes this file does not handle yet.
    fn wr_refuse(&self, db: usize, t: &Table, returning: bool, what: &str) -> Result<()> {
        let no = |why: &str| {
            Err(Error::sql(format!(
                "{what} on a WITHOUT ROWID table with {why} is not supported yet"
            )))
        };
        if returning {
            return no("RETURNING");
        }
        use super::trigger::TrigOp;
        if [TrigOp::Insert, TrigOp::Update, TrigOp::Delete]
            .into_iter()
            .any(|op| self.has_triggers(db, &t.name, op))
        {
            return no("triggers");
        }
        if !self.check_constraints(t)?.is_empty() {
            return no("CHECK constraints");
        }
        if self.fk_involves(&(db, t.clone())) {
            return no("foreign keys");
        }
        Ok(())
    }

    /// Open the table for writing with its KeyInfo (not rewritten by the finish pass).
    fn wr_open(&mut self, db: usize, t: &Table) -> Result<i32> {
        self.use_db(db, true);
        let cur = self.cursor();
        let ki = self.wr_key_info(t)?;
        self.emit4(
            Opcode::OpenWrite,
            cur,
            t.root as i32,
            db as i32,
            P4::KeyInfo(ki),
            0,
        );
        Ok(cur)
    }

    /// NOT NULL checks (declared NOT NULL and PRIMARY KEY columns) of row `rec..`.
    fn wr_not_null(&mut self, t: &Table, onerr: i32, rec: i32, skip: i32) {
        for (i, c) in t.columns.iter().enumerate() {
            if !c.notnull && c.pk == 0 {
                continue;
            }
            let r = rec + i as i32;
            if onerr == OE_IGNORE {
                self.emit(Opcode::IsNull, r, skip, 0);
                continue;
            }
            let action = if onerr == OE_REPLACE { OE_ABORT } else { onerr };
            self.emit4(
                Opcode::HaltIfNull,
                SQLITE_CONSTRAINT_NOTNULL,
                action,
                r,
                P4::Text(format!("{}.{}", t.name, c.name)),
                1,
            );
        }
    }

    /// Registers holding row `rec..` in record order.
    fn wr_pack(&mut self, t: &Table, rec: i32) -> i32 {
        let order = t.wr_order();
        let packed = self.regs(order.len().max(1));
        for (k, ci) in order.iter().enumerate() {
            self.emit(Opcode::SCopy, rec + *ci as i32, packed + k as i32, 0);
        }
        packed
    }

    /// Insert packed row `packed` (uniqueness of the PRIMARY KEY checked per `onerr`).
    fn wr_put(&mut self, t: &Table, cur: i32, onerr: i32, packed: i32, skip: i32, count: bool) {
        let npk = t.wr_pk.len() as i32;
        let n = t.columns.len() as i32;
        let ok = self.label();
        self.emit4(Opcode::NoConflict, cur, ok, packed, P4::Int32(npk), 0);
        match onerr {
            OE_IGNORE => self.goto(skip),
            OE_REPLACE => {
                self.emit4(Opcode::NotFound, cur, ok, packed, P4::Int32(npk), 0);
                self.emit4(Opcode::Delete, cur, 0, 0, P4::Table(t.name.clone()), 0);
            }
            _ => {
                self.emit4(
                    Opcode::Halt,
                    SQLITE_CONSTRAINT_PRIMARYKEY,
                    onerr,
                    0,
                    P4::Text(t.wr_pk_label()),
                    2,
                );
            }
        }
        self.resolve(ok);
        let r = self.reg();
        self.emit(Opcode::MakeRecord, packed, n, r);
        self.emit4(
            Opcode::IdxInsert,
            cur,
            r,
            packed,
            P4::Int32(n),
            if count { OPFLAG_NCHANGE } else { 0 },
        );
    }

    /// The indexes of `t` with a cursor each, open for writing.
    fn wr_open_indexes(&mut self, db: usize, t: &Table) -> Result<Vec<(Index, i32)>> {
        let idxs: Vec<Index> = match self.schema(db) {
            Some(s) => s.table_indexes(t).cloned().collect(),
            None => vec![],
        };
        let mut out = Vec::new();
        for idx in idxs {
            let c = self.cursor();
            let ki = self.wr_index_key_info(t, &idx)?;
            self.emit4(
                Opcode::OpenWrite,
                c,
                idx.root as i32,
                db as i32,
                P4::KeyInfo(ki),
                0,
            );
            out.push((idx, c));
        }
        Ok(out)
    }

    /// The PRIMARY KEY columns an index entry of `t` ends with: those not already in the
    /// index (as SQLite's `sqlite3PrimaryKeyIndex` suffix).
    fn wr_suffix(t: &Table, idx: &Index) -> Vec<IndexColumn> {
        t.wr_pk
            .iter()
            .filter(|p| {
                !idx.columns
                    .iter()
                    .any(|c| c.expr.is_none() && c.column == p.column)
            })
            .map(|p| IndexColumn {
                desc: false,
                ..p.clone()
            })
            .collect()
    }

    /// KeyInfo of a secondary index of a WITHOUT ROWID table.
    pub(super) fn wr_index_key_info(&self, t: &Table, idx: &Index) -> Result<KeyInfo> {
        let cols: Vec<(bool, Option<String>)> = idx
            .columns
            .iter()
            .chain(Self::wr_suffix(t, idx).iter())
            .map(|c| (c.desc, c.collation.clone()))
            .collect();
        self.key_info(&cols)
    }

    /// The key of `idx` for row `rec..` (index columns, then the PRIMARY KEY suffix):
    /// (first register, number of fields).
    fn wr_index_key(&mut self, db: usize, t: &Table, idx: &Index, rec: i32) -> Result<(i32, i32)> {
        let suffix = Self::wr_suffix(t, idx);
        let n = idx.columns.len() + suffix.len();
        let k = self.regs(n.max(1));
        let dummy = self.reg();
        self.null(dummy);
        let cols = idx.columns.clone();
        self.index_row_expr(db, t, rec, dummy, &mut |b| {
            for (j, c) in cols.iter().chain(suffix.iter()).enumerate() {
                match &c.expr {
                    Some(e) => b.expr(e, k + j as i32)?,
                    None => {
                        b.emit(Opcode::SCopy, rec + c.column as i32, k + j as i32, 0);
                    }
                }
            }
            Ok(())
        })?;
        Ok((k, n as i32))
    }

    /// Jump to `skip` unless row `rec..` belongs to partial index `idx`.
    fn wr_index_skip(
        &mut self,
        db: usize,
        t: &Table,
        idx: &Index,
        rec: i32,
        skip: i32,
    ) -> Result<()> {
        let dummy = self.reg();
        self.null(dummy);
        self.index_skip_unless(db, t, idx, IdxRow::Regs { rec, rid: dummy }, skip)
    }

    /// UNIQUE checks of row `rec..` against the indexes (jump to `skip` for OR IGNORE).
    fn wr_unique_checks(
        &mut self,
        db: usize,
        t: &Table,
        idxs: &[(Index, i32)],
        onerr: i32,
        rec: i32,
        skip: i32,
    ) -> Result<()> {
        for (idx, ic) in idxs {
            if !idx.unique {
                continue;
            }
            let ok = self.label();
            self.wr_index_skip(db, t, idx, rec, ok)?;
            let (k, _) = self.wr_index_key(db, t, idx, rec)?;
            let n = idx.columns.len() as i32;
            self.emit4(Opcode::NoConflict, *ic, ok, k, P4::Int32(n), 0);
            if onerr == OE_IGNORE {
                self.goto(skip);
            } else {
                let code = if idx.origin == IndexOrigin::PrimaryKey {
                    SQLITE_CONSTRAINT_PRIMARYKEY
                } else {
                    SQLITE_CONSTRAINT_UNIQUE
                };
                self.emit4(
                    Opcode::Halt,
                    code,
                    if onerr == OE_REPLACE { OE_ABORT } else { onerr },
                    0,
                    P4::Text(Self::index_unique_label(t, idx)),
                    2,
                );
            }
            self.resolve(ok);
        }
        Ok(())
    }

    /// Insert (`delete` false) or delete the index entries of row `rec..`.
    fn wr_index_entries(
        &mut self,
        db: usize,
        t: &Table,
        idxs: &[(Index, i32)],
        rec: i32,
        delete: bool,
    ) -> Result<()> {
        for (idx, ic) in idxs {
            let not_in = self.label();
            self.wr_index_skip(db, t, idx, rec, not_in)?;
            let (k, n) = self.wr_index_key(db, t, idx, rec)?;
            if delete {
                self.emit(Opcode::IdxDelete, *ic, k, n);
            } else {
                let r = self.reg();
                self.emit(Opcode::MakeRecord, k, n, r);
                self.emit4(Opcode::IdxInsert, *ic, r, k, P4::Int32(n), 0);
            }
            self.resolve(not_in);
        }
        Ok(())
    }

    /// Fill index `idx` of WITHOUT ROWID table `t` (CREATE INDEX, REINDEX): table cursor
    /// `tc` open with the table's KeyInfo, index cursor `ic` open for writing.
    pub(super) fn wr_index_fill(
        &mut self,
        db: usize,
        t: &Table,
        idx: &Index,
        tc: i32,
        ic: i32,
    ) -> Result<()> {
        let ncol = t.columns.len();
        let done = self.label();
        let next = self.label();
        self.emit(Opcode::Rewind, tc, done, 0);
        let top = self.addr();
        let rec = self.regs(ncol.max(1));
        // `tc` was opened with P4 Int32: the finish pass maps these column numbers.
        for ci in 0..ncol {
            self.emit(Opcode::Column, tc, ci as i32, rec + ci as i32);
        }
        self.wr_unique_checks(db, t, &[(idx.clone(), ic)], OE_ABORT, rec, next)?;
        self.wr_index_entries(db, t, &[(idx.clone(), ic)], rec, false)?;
        self.resolve(next);
        self.emit(Opcode::Next, tc, top, 0);
        self.resolve(done);
        Ok(())
    }

    /// INSERT into a WITHOUT ROWID table.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn wr_insert(
        &mut self,
        orconf: Option<ResolveType>,
        db: usize,
        t: &Table,
        columns: Option<&ast::DistinctNames>,
        body: &ast::InsertBody,
        returning: Option<&[ast::ResultColumn]>,
    ) -> Result<Vec<String>> {
        self.wr_refuse(db, t, returning.is_some(), "INSERT")?;
        let onerr = oe(orconf);
        let cur = self.wr_open(db, t)?;
        let idxs = self.wr_open_indexes(db, t)?;
        if onerr == OE_REPLACE && !idxs.is_empty() {
            return Err(Error::sql(
                "REPLACE on a WITHOUT ROWID table with indexes is not supported yet",
            ));
        }
        let cols = self.row_cols(t)?;
        let (map, _) = Self::insert_column_map(&t.name, &cols, columns, false)?;
        let ncol = t.columns.len();
        let nval = map.len();
        let vals = self.regs(nval.max(1));
        let ret = self.reg();
        let body_l = self.label();
        let end = self.label();
        match body {
            ast::InsertBody::DefaultValues => {
                self.emit(Opcode::Gosub, ret, body_l, 0);
            }
            ast::InsertBody::Select(sel, upsert) => {
                if upsert.is_some() {
                    return Err(Error::sql(
                        "UPSERT on a WITHOUT ROWID table is not supported yet",
                    ));
                }
                self.insert_source(sel, nval, vals, ret, body_l, &t.name, columns.is_some())?;
            }
        }
        self.goto(end);
        self.resolve(body_l);
        let skip = self.label();
        let rec = self.regs(ncol.max(1));
        let rid = self.reg();
        self.null(rid);
        let defaults_only = matches!(body, ast::InsertBody::DefaultValues);
        for (i, c) in t.columns.iter().enumerate() {
            let r = rec + i as i32;
            match map.iter().position(|m| *m == Some(i)) {
                Some(j) if !defaults_only => {
                    self.emit(Opcode::SCopy, vals + j as i32, r, 0);
                }
                _ => match &c.default {
                    Some(d) => {
                        self.scopes.push(Scope::default());
                        let res = self.expr(d, r);
                        self.scopes.pop();
                        res?;
                    }
                    None => self.null(r),
                },
            }
        }
        self.wr_not_null(t, onerr, rec, skip);
        let affs: Vec<u8> = t.columns.iter().map(|c| c.affinity).collect();
        self.apply_affinity(rec, &affs);
        self.strict_checks(db, t, rec, rid)?;
        let packed = self.wr_pack(t, rec);
        let count = !self.in_trigger();
        if !idxs.is_empty() {
            // PRIMARY KEY first, then the UNIQUE indexes, as SQLite orders the checks.
            let ok = self.label();
            self.emit4(
                Opcode::NoConflict,
                cur,
                ok,
                packed,
                P4::Int32(t.wr_pk.len() as i32),
                0,
            );
            if onerr == OE_IGNORE {
                self.goto(skip);
            } else {
                self.emit4(
                    Opcode::Halt,
                    SQLITE_CONSTRAINT_PRIMARYKEY,
                    onerr,
                    0,
                    P4::Text(t.wr_pk_label()),
                    2,
                );
            }
            self.resolve(ok);
            self.wr_unique_checks(db, t, &idxs, onerr, rec, skip)?;
        }
        self.wr_put(t, cur, onerr, packed, skip, count);
        self.wr_index_entries(db, t, &idxs, rec, false)?;
        self.resolve(skip);
        self.emit(Opcode::Return, ret, 0, 0);
        self.resolve(end);
        Ok(vec![])
    }

    /// Pass 1 of DELETE/UPDATE: the PRIMARY KEYs of the rows `where_clause` selects, in an
    /// ephemeral index. Returns (table cursor, ephemeral cursor).
    fn wr_collect(
        &mut self,
        db: usize,
        t: &Table,
        alias: Option<&ast::Name>,
        where_clause: Option<&Expr>,
    ) -> Result<(i32, i32, Source)> {
        self.use_db(db, true);
        let cur = self.cursor();
        // P4 Int32: the finish pass gives it the KeyInfo and maps the column numbers.
        self.emit4(
            Opcode::OpenWrite,
            cur,
            t.root as i32,
            db as i32,
            P4::Int32(t.columns.len() as i32),
            0,
        );
        let npk = t.wr_pk.len();
        let eph = self.cursor();
        let pk_cols: Vec<(bool, Option<String>)> = t
            .wr_pk
            .iter()
            .map(|c| (c.desc, c.collation.clone()))
            .collect();
        let ki = self.key_info(&pk_cols)?;
        self.emit4(
            Opcode::OpenEphemeral,
            eph,
            npk as i32,
            0,
            P4::KeyInfo(ki),
            0,
        );
        let src = Source {
            name: alias
                .map(|a| dequote(&a.0))
                .unwrap_or_else(|| t.name.clone()),
            cursor: cur,
            cols: self.row_cols(t)?,
            table: Some((db, t.clone())),
            using_hidden: vec![],
        };
        let mut terms = Vec::new();
        if let Some(w) = where_clause {
            terms.push(w.clone());
        }
        let pk: Vec<usize> = t.wr_pk.iter().map(|c| c.column).collect();
        let mut body = move |b: &mut Builder<'a>| -> Result<()> {
            let k = b.regs(npk.max(1));
            for (j, ci) in pk.iter().enumerate() {
                b.emit(Opcode::Column, cur, *ci as i32, k + j as i32);
            }
            let r = b.reg();
            b.emit(Opcode::MakeRecord, k, npk as i32, r);
            b.emit4(Opcode::IdxInsert, eph, r, k, P4::Int32(npk as i32), 0);
            Ok(())
        };
        self.scopes.push(Scope {
            sources: vec![src.clone()],
            ..Default::default()
        });
        let res = self.where_scan(src.clone(), &terms, &mut body);
        self.scopes.pop();
        res?;
        Ok((cur, eph, src))
    }

    /// DELETE from a WITHOUT ROWID table.
    pub(super) fn wr_delete(
        &mut self,
        db: usize,
        t: &Table,
        q: &ast::QualifiedName,
        where_clause: Option<&Expr>,
        returning: Option<&[ast::ResultColumn]>,
    ) -> Result<Vec<String>> {
        self.wr_refuse(db, t, returning.is_some(), "DELETE")?;
        let (cur, eph, _) = self.wr_collect(db, t, q.alias.as_ref(), where_clause)?;
        let idxs = self.wr_open_indexes(db, t)?;
        let ncol = t.columns.len();
        let npk = t.wr_pk.len();
        let key = self.regs(npk.max(1));
        let done = self.label();
        let next = self.label();
        self.emit(Opcode::Rewind, eph, done, 0);
        let top = self.addr();
        for j in 0..npk {
            self.emit(Opcode::Column, eph, j as i32, key + j as i32);
        }
        self.emit4(Opcode::NotFound, cur, next, key, P4::Int32(npk as i32), 0);
        if !idxs.is_empty() {
            let old = self.regs(ncol.max(1));
            for i in 0..ncol {
                self.emit(Opcode::Column, cur, i as i32, old + i as i32);
            }
            self.wr_index_entries(db, t, &idxs, old, true)?;
        }
        let flag = if self.in_trigger() { 0 } else { OPFLAG_NCHANGE };
        self.emit4(Opcode::Delete, cur, 0, 0, P4::Table(t.name.clone()), flag);
        self.resolve(next);
        self.emit(Opcode::Next, eph, top, 0);
        self.resolve(done);
        Ok(vec![])
    }

    /// UPDATE of a WITHOUT ROWID table: each selected row is removed and its new image
    /// inserted (a PRIMARY KEY conflict aborts, or with OR IGNORE puts the old row back).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn wr_update(
        &mut self,
        orconf: Option<ResolveType>,
        db: usize,
        t: &Table,
        q: &ast::QualifiedName,
        sets: &[ast::Set],
        from: Option<&ast::FromClause>,
        where_clause: Option<&Expr>,
        returning: Option<&[ast::ResultColumn]>,
    ) -> Result<Vec<String>> {
        self.wr_refuse(db, t, returning.is_some(), "UPDATE")?;
        if from.is_some() {
            return Err(Error::sql(
                "UPDATE ... FROM on a WITHOUT ROWID table is not supported yet",
            ));
        }
        let onerr = match oe(orconf) {
            OE_REPLACE => OE_ABORT,
            x => x,
        };
        let ncol = t.columns.len();
        let mut assign: Vec<Option<Expr>> = vec![None; ncol];
        for s in sets {
            if s.col_names.len() != 1 {
                return Err(Error::sql("row value assignments are not supported yet"));
            }
            for n in s.col_names.iter() {
                let n = dequote(&n.0);
                match t.column_index(&n) {
                    Some(i) => assign[i] = Some(s.expr.clone()),
                    None => return Err(Error::sql(format!("no such column: {n}"))),
                }
            }
        }
        let (cur, eph, src) = self.wr_collect(db, t, q.alias.as_ref(), where_clause)?;
        let idxs = self.wr_open_indexes(db, t)?;
        let npk = t.wr_pk.len();
        let key = self.regs(npk.max(1));
        let done = self.label();
        let next = self.label();
        self.emit(Opcode::Rewind, eph, done, 0);
        let top = self.addr();
        for j in 0..npk {
            self.emit(Opcode::Column, eph, j as i32, key + j as i32);
        }
        self.emit4(Opcode::NotFound, cur, next, key, P4::Int32(npk as i32), 0);
        let old = self.regs(ncol.max(1));
        for i in 0..ncol {
            self.emit(Opcode::Column, cur, i as i32, old + i as i32);
        }
        let rec = self.regs(ncol.max(1));
        self.scopes.push(Scope {
            sources: vec![src],
            ..Default::default()
        });
        let mut res = Ok(());
        for i in 0..ncol {
            match &assign[i] {
                Some(e) => {
                    res = self.expr(e, rec + i as i32);
                    if res.is_err() {
                        break;
                    }
                }
                None => {
                    self.emit(Opcode::SCopy, old + i as i32, rec + i as i32, 0);
                }
            }
        }
        self.scopes.pop();
        res?;
        self.wr_not_null(t, onerr, rec, next);
        let affs: Vec<u8> = t.columns.iter().map(|c| c.affinity).collect();
        self.apply_affinity(rec, &affs);
        let rid = self.reg();
        self.null(rid);
        self.strict_checks(db, t, rec, rid)?;
        let packed = self.wr_pack(t, rec);
        let old_packed = self.wr_pack(t, old);
        // Remove the old row and its index entries, then insert the new ones.
        self.wr_index_entries(db, t, &idxs, old, true)?;
        self.emit4(Opcode::Delete, cur, 0, 0, P4::Table(t.name.clone()), 0);
        let restore = self.label();
        let count = !self.in_trigger();
        if !idxs.is_empty() {
            let ok = self.label();
            self.emit4(
                Opcode::NoConflict,
                cur,
                ok,
                packed,
                P4::Int32(npk as i32),
                0,
            );
            if onerr == OE_IGNORE {
                self.goto(restore);
            } else {
                self.emit4(
                    Opcode::Halt,
                    SQLITE_CONSTRAINT_PRIMARYKEY,
                    onerr,
                    0,
                    P4::Text(t.wr_pk_label()),
                    2,
                );
            }
            self.resolve(ok);
            self.wr_unique_checks(db, t, &idxs, onerr, rec, restore)?;
        }
        self.wr_put(t, cur, onerr, packed, restore, count);
        self.wr_index_entries(db, t, &idxs, rec, false)?;
        self.goto(next);
        // OR IGNORE on a conflict: the old row goes back.
        self.resolve(restore);
        let r = self.reg();
        self.emit(Opcode::MakeRecord, old_packed, ncol as i32, r);
        self.emit4(
            Opcode::IdxInsert,
            cur,
            r,
            old_packed,
            P4::Int32(ncol as i32),
            0,
        );
        self.wr_index_entries(db, t, &idxs, old, false)?;
        self.resolve(next);
        self.emit(Opcode::Next, eph, top, 0);
        self.resolve(done);
        Ok(vec![])
    }
}
