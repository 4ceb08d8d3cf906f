//! INSERT / UPDATE / DELETE code generation.
//!
//! Invariants:
//! - Every index of the table is maintained: a row's index entries are deleted before the
//!   row is, and inserted after the new record is (keys are `[index columns..., rowid]`).
//! - Constraint checks happen before anything is written for a row: NOT NULL, then rowid
//!   uniqueness, then each UNIQUE index, in SQLite's order, with SQLite's codes and messages
//!   (`Halt` P1 = extended code, P2 = OE_* action, P4 = "t.a, t.b", P5 = 1 NOT NULL /
//!   2 UNIQUE). OR IGNORE skips the row; OR REPLACE deletes the conflicting row.
//! - UPDATE and DELETE run in two passes (collect rowids into a RowSet, then modify), so a
//!   statement never sees its own changes while scanning.
//! - The rowid of an INTEGER PRIMARY KEY table lives only in the b-tree key: the record holds
//!   NULL in that column, as SQLite writes it.

use super::build::{Builder, Scope, Source, SrcCol};
use super::index_expr::IdxRow;
use super::schema::{dequote, IndexOrigin, Table, AFF_INTEGER};
use super::select::Dest;
use super::trigger::{RowRegs, TrigOp, TrigTime};
use crate::error::codes::*;
use crate::error::{Error, Result};
use crate::vdbe::{Opcode, P4};
use sqlite3_parser::ast::{self, Expr, ResolveType, Stmt};

const OE_ROLLBACK: i32 = 1;
const OE_ABORT: i32 = 2;
const OE_FAIL: i32 = 3;
const OE_IGNORE: i32 = 4;
const OE_REPLACE: i32 = 5;

/// `Insert`/`Delete` P5 flags.
const OPFLAG_NCHANGE: u16 = 0x01;
const OPFLAG_LASTROWID: u16 = 0x20;

fn oe(r: Option<ResolveType>) -> i32 {
    match r {
        Some(ResolveType::Rollback) => OE_ROLLBACK,
        Some(ResolveType::Fail) => OE_FAIL,
        Some(ResolveType::Ignore) => OE_IGNORE,
        Some(ResolveType::Replace) => OE_REPLACE,
        _ => OE_ABORT,
    }
}

struct Target {
    db: usize,
    table: Table,
    cur: i32,
    /// (index, cursor)
    idx: Vec<(super::schema::Index, i32)>,
}

impl<'a> Builder<'a> {
    /// Compile INSERT/UPDATE/DELETE; returns the RETURNING column names (empty without one).
    pub fn dml(&mut self, stmt: &Stmt) -> Result<Vec<String>> {
        if self.vtab_dml(stmt)? {
            return Ok(Vec::new());
        }
        match stmt {
            Stmt::Insert {
                with,
                or_conflict,
                tbl_name,
                columns,
                body,
                returning,
            } => {
                if with.is_some() {
                    return Err(Error::sql("WITH is not supported yet on INSERT"));
                }
                self.insert_stmt(
                    *or_conflict,
                    tbl_name,
                    columns.as_ref(),
                    body,
                    returning.as_deref(),
                )
            }
            Stmt::Update {
                with,
                or_conflict,
                tbl_name,
                sets,
                from,
                where_clause,
                returning,
                order_by,
                limit,
                ..
            } => {
                if with.is_some() || order_by.is_some() || limit.is_some() {
                    return Err(Error::sql(
                        "UPDATE with WITH/ORDER BY/LIMIT is not supported yet",
                    ));
                }
                self.update_stmt(
                    *or_conflict,
                    tbl_name,
                    sets,
                    from.as_ref(),
                    where_clause.as_ref(),
                    returning.as_deref(),
                )
            }
            Stmt::Delete {
                with,
                tbl_name,
                where_clause,
                returning,
                order_by,
                limit,
                ..
            } => {
                if with.is_some() || order_by.is_some() || limit.is_some() {
                    return Err(Error::sql(
                        "DELETE with WITH/ORDER BY/LIMIT is not supported yet",
                    ));
                }
                self.delete_stmt(tbl_name, where_clause.as_ref(), returning.as_deref())
            }
            _ => Err(Error::sql("not a DML statement")),
        }
    }

    /// P5 of a row `Insert`/`Delete` of the statement itself: statements run by a trigger
    /// count no changes and leave the last insert rowid alone.
    fn count_flag(&self) -> u16 {
        if self.in_trigger() {
            crate::vdbe::exec::OPFLAG_SUBCHANGE
        } else {
            OPFLAG_NCHANGE
        }
    }

    /// The table (or view) a DML statement names.
    fn dml_table(&self, q: &ast::QualifiedName) -> Result<(usize, Table)> {
        let name = dequote(&q.name.0);
        let dbn = q.db_name.as_ref().map(|d| dequote(&d.0));
        let (db, t) = self.find_table(dbn.as_deref(), &name)?;
        Ok((db, t.clone()))
    }

    fn open_target(&mut self, q: &ast::QualifiedName) -> Result<Target> {
        let name = dequote(&q.name.0);
        let dbn = q.db_name.as_ref().map(|d| dequote(&d.0));
        let (db, t) = self.find_table(dbn.as_deref(), &name)?;
        if t.is_view {
            return Err(Error::sql(format!(
                "cannot modify {} because it is a view",
                t.name
            )));
        }
        // sqlite_stat1 and sqlite_sequence are writable, as in SQLite.
        if t.root == 1 {
            // SQLite names its schema tables by their legacy names here.
            let legacy = if db == 1 {
                "sqlite_temp_master"
            } else {
                "sqlite_master"
            };
            return Err(Error::sql(format!("table {legacy} may not be modified")));
        }
        if t.without_rowid {
            return Err(Error::sql("WITHOUT ROWID tables are not supported yet"));
        }
        let t = t.clone();
        self.use_db(db, true);
        let cur = self.cursor();
        self.emit4(
            Opcode::OpenWrite,
            cur,
            t.root as i32,
            db as i32,
            P4::Int32(t.columns.len() as i32),
            0,
        );
        let schema = self
            .schema(db)
            .ok_or_else(|| Error::sql("no such database"))?;
        // SQLite links each new index at the head of the table's index list, so constraints
        // are checked from the most recently created index back to the first.
        let mut idxs: Vec<_> = schema.table_indexes(&t).cloned().collect();
        idxs.reverse();
        let mut idx = Vec::new();
        for i in idxs {
            let c = self.cursor();
            let ki = self.index_key_info(&i)?;
            self.emit4(
                Opcode::OpenWrite,
                c,
                i.root as i32,
                db as i32,
                P4::KeyInfo(ki),
                0,
            );
            idx.push((i, c));
        }
        Ok(Target {
            db,
            table: t,
            cur,
            idx,
        })
    }

    fn target_source(&self, tg: &Target, alias: Option<&ast::Name>) -> Source {
        Source {
            name: alias
                .map(|a| dequote(&a.0))
                .unwrap_or_else(|| tg.table.name.clone()),
            cursor: tg.cur,
            cols: tg
                .table
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| SrcCol {
                    name: c.name.clone(),
                    affinity: c.affinity,
                    collation: c.collation.clone(),
                    decltype: c.decltype.clone(),
                    is_rowid: tg.table.ipk == Some(i),
                })
                .collect(),
            table: Some((tg.db, tg.table.clone())),
            using_hidden: vec![],
        }
    }

    #[allow(dead_code)]
    fn col_label(t: &Table, cols: &[usize]) -> String {
        cols.iter()
            .map(|c| {
                format!(
                    "{}.{}",
                    t.name,
                    t.columns.get(*c).map(|x| x.name.as_str()).unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Delete the row the table cursor is on, with its index entries.
    fn delete_current(&mut self, tg: &Target, count: bool) -> Result<()> {
        let t = &tg.table;
        let rid = self.reg();
        self.emit(Opcode::Rowid, tg.cur, rid, 0);
        for (idx, ic) in &tg.idx {
            let n = idx.columns.len();
            let row = IdxRow::Cursor { cur: tg.cur, rid };
            let not_in = self.label();
            self.index_skip_unless(tg.db, t, idx, row, not_in)?;
            let k = self.index_key(tg.db, t, idx, row)?;
            self.emit(Opcode::IdxDelete, *ic, k, n as i32 + 1);
            self.resolve(not_in);
        }
        self.emit4(
            Opcode::Delete,
            tg.cur,
            0,
            0,
            P4::Table(t.name.clone()),
            if count { self.count_flag() } else { 0 },
        );
        Ok(())
    }

    /// NOT NULL checks on the new row's registers; `skip` = where OR IGNORE goes.
    fn not_null_checks(&mut self, tg: &Target, onerr: i32, rec: i32, skip: i32) -> Result<()> {
        let t = tg.table.clone();
        for (i, c) in t.columns.iter().enumerate() {
            if !c.notnull || t.ipk == Some(i) {
                continue;
            }
            let r = rec + i as i32;
            let msg = P4::Text(format!("{}.{}", t.name, c.name));
            match onerr {
                OE_IGNORE => {
                    self.emit(Opcode::IsNull, r, skip, 0);
                }
                OE_REPLACE if c.default.is_some() => {
                    let ok = self.label();
                    self.emit(Opcode::NotNull, r, ok, 0);
                    if let Some(d) = &c.default {
                        self.expr(d, r)?;
                    }
                    self.emit4(
                        Opcode::HaltIfNull,
                        SQLITE_CONSTRAINT_NOTNULL,
                        OE_ABORT,
                        r,
                        msg,
                        1,
                    );
                    self.resolve(ok);
                }
                _ => {
                    let action = if onerr == OE_REPLACE { OE_ABORT } else { onerr };
                    self.emit4(
                        Opcode::HaltIfNull,
                        SQLITE_CONSTRAINT_NOTNULL,
                        action,
                        r,
                        msg,
                        1,
                    );
                }
            }
        }
        Ok(())
    }

    /// Uniqueness checks for the new row (`rec` columns, `rid` rowid). `old_rid` is the row
    /// being updated (a conflict with itself is not a conflict). Returns the index keys.
    fn unique_checks(
        &mut self,
        tg: &Target,
        onerr: i32,
        rec: i32,
        rid: i32,
        old_rid: Option<i32>,
        skip: i32,
        ups: Option<&UpsertCtx>,
    ) -> Result<Vec<i32>> {
        let t = tg.table.clone();
        let mut keys = Vec::new();
        for (idx, ic) in tg.idx.clone() {
            let cols_of: Vec<usize> = idx.columns.iter().map(|c| c.column).collect();
            let clause = ups.and_then(|u| u.matching(&cols_of));
            let row = IdxRow::Regs { rec, rid };
            let k = self.index_key(tg.db, &t, &idx, row)?;
            keys.push(k);
            if !idx.unique {
                continue;
            }
            let n = idx.columns.len() as i32;
            let ok = self.label();
            self.index_skip_unless(tg.db, &t, &idx, row, ok)?;
            self.emit4(Opcode::NoConflict, ic, ok, k, P4::Int32(n), 0);
            let other = self.reg();
            self.emit(Opcode::IdxRowid, ic, other, 0);
            if let Some(o) = old_rid {
                self.emit4(Opcode::Eq, o, ok, other, P4::Coll(None), AFF_INTEGER as u16);
            }
            let code = if idx.origin == IndexOrigin::PrimaryKey {
                SQLITE_CONSTRAINT_PRIMARYKEY
            } else {
                SQLITE_CONSTRAINT_UNIQUE
            };
            if let (Some(c), Some(u)) = (clause, ups) {
                self.upsert_do(tg, c, u, other, skip)?;
                self.resolve(ok);
                continue;
            }
            match onerr {
                OE_IGNORE => self.goto(skip),
                OE_REPLACE => {
                    self.emit(Opcode::NotExists, tg.cur, ok, other);
                    self.delete_current(tg, false)?;
                    if let Some(o) = old_rid {
                        // Put the table cursor back on the row being updated.
                        self.emit(Opcode::NotExists, tg.cur, skip, o);
                    }
                }
                _ => {
                    self.emit4(
                        Opcode::Halt,
                        code,
                        onerr,
                        0,
                        P4::Text(Self::index_unique_label(&t, &idx)),
                        2,
                    );
                }
            }
            self.resolve(ok);
        }
        Ok(keys)
    }

    /// Map the INSERT column list onto `cols` (None = the rowid). Returns the map and the
    /// position of the value that gives the rowid.
    pub(super) fn insert_column_map(
        tname: &str,
        cols: &[SrcCol],
        columns: Option<&ast::DistinctNames>,
        has_rowid: bool,
    ) -> Result<(Vec<Option<usize>>, Option<usize>)> {
        let mut map: Vec<Option<usize>> = Vec::new();
        let mut rowid_src: Option<usize> = None;
        match columns {
            Some(cl) => {
                for (j, c) in cl.iter().enumerate() {
                    let n = dequote(&c.0);
                    match cols.iter().position(|x| x.name.eq_ignore_ascii_case(&n)) {
                        Some(i) => {
                            if cols[i].is_rowid {
                                rowid_src = Some(j);
                            }
                            map.push(Some(i));
                        }
                        None if has_rowid && super::build::is_rowid_name(&n) => {
                            rowid_src = Some(j);
                            map.push(None);
                        }
                        None => {
                            return Err(Error::sql(format!(
                                "table {tname} has no column named {n}"
                            )))
                        }
                    }
                }
            }
            None => {
                for (i, c) in cols.iter().enumerate() {
                    map.push(Some(i));
                    if c.is_rowid {
                        rowid_src = Some(i);
                    }
                }
            }
        }
        Ok((map, rowid_src))
    }

    /// Emit the rows of an INSERT source: each row's values go to `vals..` and the row body
    /// at `body_l` is called with `Gosub ret`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn insert_source(
        &mut self,
        sel: &ast::Select,
        nval: usize,
        vals: i32,
        ret: i32,
        body_l: i32,
        tname: &str,
        named_cols: bool,
    ) -> Result<()> {
        let check_count = |got: usize| -> Result<()> {
            if got != nval {
                return Err(Error::sql(if named_cols {
                    format!("{got} values for {nval} columns")
                } else {
                    format!("table {tname} has {nval} columns but {got} values were supplied")
                }));
            }
            Ok(())
        };
        let simple_values = match (
            &sel.body.select,
            &sel.body.compounds,
            &sel.order_by,
            &sel.limit,
            &sel.with,
        ) {
            (ast::OneSelect::Values(rows), None, None, None, None) => Some(rows),
            _ => None,
        };
        // Rows that read tables (subqueries) are all evaluated before any insert,
        // as SQLite does when the source reads the target table.
        let simple_values = simple_values.filter(|rows| {
            !rows
                .iter()
                .any(|r| r.iter().any(super::select::has_subquery))
        });
        match simple_values {
            Some(rows) => {
                self.scopes.push(Scope::default());
                let mut r = Ok(());
                for row in rows {
                    r = check_count(row.len());
                    if r.is_err() {
                        break;
                    }
                    for (j, e) in row.iter().enumerate() {
                        r = self.expr(e, vals + j as i32);
                        if r.is_err() {
                            break;
                        }
                    }
                    if r.is_err() {
                        break;
                    }
                    self.emit(Opcode::Gosub, ret, body_l, 0);
                }
                self.scopes.pop();
                r?;
            }
            None => {
                let eph = self.cursor();
                self.emit(Opcode::OpenEphemeral, eph, nval as i32, 0);
                let infos = self.select(sel, Dest::Eph(eph))?;
                check_count(infos.len())?;
                let done = self.label();
                self.emit(Opcode::Rewind, eph, done, 0);
                let top = self.addr();
                for j in 0..nval {
                    self.emit(Opcode::Column, eph, j as i32, vals + j as i32);
                }
                self.emit(Opcode::Gosub, ret, body_l, 0);
                self.emit(Opcode::Next, eph, top, 0);
                self.resolve(done);
            }
        }
        Ok(())
    }

    /// The conflict target of an `ON CONFLICT DO NOTHING` clause: `Some(None)` = any.
    fn upsert_target(&self, tg: &Target, u: &ast::Upsert) -> Result<Option<Vec<usize>>> {
        let t = &tg.table;
        Ok(match &u.index {
            None => None,
            Some(ui) => {
                let mut cols = Vec::new();
                for sc in &ui.targets {
                    let n = match &sc.expr {
                        Expr::Id(i) => dequote(&i.0),
                        Expr::Name(n) => dequote(&n.0),
                        _ => String::new(),
                    };
                    let ci = t
                        .column_index(&n)
                        .ok_or_else(|| Error::sql(format!("no such column: {n}")))?;
                    cols.push(ci);
                }
                let matches_pk = cols.len() == 1 && t.ipk == Some(cols[0]);
                let matches_idx = tg.idx.iter().any(|(i, _)| {
                    i.unique
                        && same_set(
                            &cols,
                            &i.columns.iter().map(|c| c.column).collect::<Vec<_>>(),
                        )
                });
                if !matches_pk && !matches_idx {
                    return Err(Error::sql(
                        "ON CONFLICT clause does not match any PRIMARY KEY or UNIQUE constraint",
                    ));
                }
                Some(cols)
            }
        })
    }

    /// Parse one `ON CONFLICT` clause.
    fn upsert_clause(
        &mut self,
        tg: &Target,
        u: &ast::Upsert,
        orconf: Option<ResolveType>,
        tname: &str,
    ) -> Result<UpsertClause> {
        let target = self.upsert_target(tg, u)?;
        let update = match &u.do_clause {
            ast::UpsertDo::Nothing => None,
            ast::UpsertDo::Set { sets, where_clause } => {
                let t = tg.table.clone();
                let ncol = t.columns.len();
                let mut assign: Vec<Option<Expr>> = vec![None; ncol];
                let mut new_rowid = None;
                let mut set_cols = Vec::new();
                for s in sets {
                    if s.col_names.len() != 1 {
                        return Err(Error::sql("row value assignments are not supported yet"));
                    }
                    for n in s.col_names.iter() {
                        let n = dequote(&n.0);
                        set_cols.push(n.clone());
                        match t.column_index(&n) {
                            Some(i) => {
                                if t.ipk == Some(i) {
                                    new_rowid = Some(s.expr.clone());
                                }
                                assign[i] = Some(s.expr.clone());
                            }
                            None if super::build::is_rowid_name(&n) => {
                                new_rowid = Some(s.expr.clone())
                            }
                            None => return Err(Error::sql(format!("no such column: {n}"))),
                        }
                    }
                }
                let assigned: Vec<usize> = (0..ncol).filter(|i| assign[*i].is_some()).collect();
                Self::generated_update_check(&t, &assigned)?;
                let cols = self.row_cols(&t)?;
                let ru = RowUpdate {
                    orconf,
                    assign,
                    new_rowid,
                    before: self.triggers_for(
                        tg.db,
                        &t.name,
                        TrigOp::Update,
                        TrigTime::Before,
                        Some(&set_cols),
                    ),
                    after: self.triggers_for(
                        tg.db,
                        &t.name,
                        TrigOp::Update,
                        TrigTime::After,
                        Some(&set_cols),
                    ),
                    checks: self.check_constraints(&t)?,
                    cols,
                    tabref: (tg.db, t.clone()),
                    tname: tname.to_string(),
                    set_cols,
                };
                Some((ru, where_clause.clone()))
            }
        };
        Ok(UpsertClause { target, update })
    }

    /// On a conflict with the row whose rowid is in `other`: DO NOTHING skips the row;
    /// DO UPDATE updates that row (with `excluded.*` = the proposed row), then skips.
    fn upsert_do(
        &mut self,
        tg: &Target,
        c: &UpsertClause,
        u: &UpsertCtx,
        other: i32,
        skip: i32,
    ) -> Result<()> {
        let Some((ru, wh)) = &c.update else {
            self.goto(skip);
            return Ok(());
        };
        let old = self.reg();
        self.emit(Opcode::SCopy, other, old, 0);
        self.emit(Opcode::NotExists, tg.cur, skip, old);
        let mut src = self.target_source(tg, None);
        src.name = ru.tname.clone();
        let xc = self.cursor();
        let mut scope = Scope {
            sources: vec![
                src,
                Source {
                    name: "excluded".into(),
                    cursor: xc,
                    cols: ru.cols.clone(),
                    table: Some(ru.tabref.clone()),
                    // Only `excluded.x` reaches these: a bare name is the table's.
                    using_hidden: ru.cols.iter().map(|c| c.name.clone()).collect(),
                },
            ],
            ..Default::default()
        };
        scope.col_regs.push(((xc, -1), u.excluded.rowid));
        for i in 0..ru.cols.len() {
            scope
                .col_regs
                .push(((xc, i as i32), u.excluded.cols + i as i32));
        }
        let saved = std::mem::replace(&mut self.scopes, vec![scope]);
        let mut r = Ok(());
        if let Some(w) = wh {
            r = self.jump_if_false(w, skip, true);
        }
        if r.is_ok() {
            r = self.update_row(tg, ru, old, skip, u.ret.as_ref());
        }
        self.scopes = saved;
        r?;
        self.goto(skip);
        Ok(())
    }

    pub(super) fn insert_stmt(
        &mut self,
        orconf: Option<ResolveType>,
        q: &ast::QualifiedName,
        columns: Option<&ast::DistinctNames>,
        body: &ast::InsertBody,
        returning: Option<&[ast::ResultColumn]>,
    ) -> Result<Vec<String>> {
        let (tdb, tt) = self.dml_table(q)?;
        if tt.is_view && self.has_triggers(tdb, &tt.name, TrigOp::Insert) {
            return self.insert_view(orconf, tdb, &tt, columns, body, returning);
        }
        if tt.without_rowid {
            return self.wr_insert(orconf, tdb, &tt, columns, body, returning);
        }
        let onerr = oe(orconf);
        let tg = self.open_target(q)?;
        let t = tg.table.clone();
        let ncol = t.columns.len();
        let cols = self.row_cols(&t)?;
        let tabref = (tg.db, t.clone());
        let tname = q
            .alias
            .as_ref()
            .map(|a| dequote(&a.0))
            .unwrap_or_else(|| t.name.clone());
        let before = self.triggers_for(tg.db, &t.name, TrigOp::Insert, TrigTime::Before, None);
        let after = self.triggers_for(tg.db, &t.name, TrigOp::Insert, TrigTime::After, None);
        let checks = self.check_constraints(&t)?;
        self.fk_begin();
        let ret_clause = match returning {
            Some(rc) => Some(self.returning_begin(rc, &cols, &t.name)?),
            None => None,
        };
        let (mut map, mut rowid_src) = Self::insert_column_map(&t.name, &cols, columns, true)?;
        Self::generated_insert_map(&t, columns.is_some(), &mut map, &mut rowid_src)?;
        let nval = map.len();
        let vals = self.regs(nval.max(1));
        let ret = self.reg();
        let body_l = self.label();
        let end = self.label();
        let mut clauses: Vec<UpsertClause> = Vec::new();
        let autoinc = self.autoinc_begin(tg.db, &t)?;
        match body {
            ast::InsertBody::DefaultValues => {
                map.clear();
                rowid_src = None;
                self.emit(Opcode::Gosub, ret, body_l, 0);
            }
            ast::InsertBody::Select(sel, upsert) => {
                let mut next = upsert.as_ref();
                while let Some(u) = next {
                    clauses.push(self.upsert_clause(&tg, u, orconf, &tname)?);
                    next = u.next.as_deref();
                }
                self.insert_source(sel, nval, vals, ret, body_l, &t.name, columns.is_some())?;
            }
        }
        self.goto(end);

        // Row body: values in `vals..`, build and insert the row.
        self.resolve(body_l);
        let skip = self.label();
        let rid = self.reg();
        let rec = self.regs(ncol.max(1));
        self.scopes.push(Scope::default());
        for i in 0..ncol {
            let r = rec + i as i32;
            if t.ipk == Some(i) {
                self.null(r);
                continue;
            }
            match map.iter().position(|m| *m == Some(i)) {
                Some(j) => {
                    self.emit(Opcode::SCopy, vals + j as i32, r, 0);
                }
                None => match &t.columns[i].default {
                    Some(d) => {
                        if let Err(e) = self.expr(d, r) {
                            self.scopes.pop();
                            return Err(e);
                        }
                    }
                    None => self.null(r),
                },
            }
        }
        self.scopes.pop();
        if !before.is_empty() {
            // NEW for BEFORE INSERT: the rowid is -1 when it is to be chosen.
            let nrid = self.reg();
            match rowid_src {
                Some(j) => {
                    let have = self.label();
                    self.emit(Opcode::SCopy, vals + j as i32, nrid, 0);
                    self.emit(Opcode::NotNull, nrid, have, 0);
                    self.emit(Opcode::Integer, -1, nrid, 0);
                    self.resolve(have);
                    self.emit(Opcode::MustBeInt, nrid, 0, 0);
                }
                None => {
                    self.emit(Opcode::Integer, -1, nrid, 0);
                }
            }
            let nc = self.regs(ncol.max(1));
            for i in 0..ncol {
                self.emit(Opcode::SCopy, rec + i as i32, nc + i as i32, 0);
            }
            self.apply_affinity(
                nc,
                &t.columns.iter().map(|c| c.affinity).collect::<Vec<_>>(),
            );
            self.fire_triggers(
                &before,
                &tabref,
                &cols,
                Some(RowRegs {
                    rowid: nrid,
                    cols: nc,
                }),
                None,
                skip,
                orconf,
            )?;
        }
        let seq = autoinc.map(|a| a.seq).unwrap_or(0);
        match rowid_src {
            Some(j) => {
                let have = self.label();
                let got = self.label();
                self.emit(Opcode::SCopy, vals + j as i32, rid, 0);
                self.emit(Opcode::NotNull, rid, have, 0);
                self.emit(Opcode::NewRowid, tg.cur, rid, seq);
                self.goto(got);
                self.resolve(have);
                self.emit(Opcode::MustBeInt, rid, 0, 0);
                if seq > 0 {
                    self.emit(Opcode::MemMax, seq, rid, 0);
                }
                self.resolve(got);
            }
            None => {
                self.emit(Opcode::NewRowid, tg.cur, rid, seq);
            }
        }
        self.generated_compute(tg.db, &t, rec, rid)?;
        // SQLite checks NOT NULL, then CHECK, before the rowid's uniqueness.
        self.not_null_checks(&tg, onerr, rec, skip)?;
        self.apply_affinity(
            rec,
            &t.columns.iter().map(|c| c.affinity).collect::<Vec<_>>(),
        );
        self.strict_checks(tg.db, &t, rec, rid)?;
        self.apply_checks(&tg, &checks, onerr, rec, rid, skip)?;
        let ups = UpsertCtx {
            clauses,
            excluded: RowRegs {
                rowid: rid,
                cols: rec,
            },
            ret: ret_clause.clone(),
        };
        match rowid_src {
            Some(_) => {
                // Rowid uniqueness (a fresh NewRowid never conflicts).
                let ok = self.label();
                self.emit(Opcode::NotExists, tg.cur, ok, rid);
                let pkname = match t.ipk {
                    Some(i) => format!("{}.{}", t.name, t.columns[i].name),
                    None => format!("{}.rowid", t.name),
                };
                let ipk_cols: Vec<usize> = t.ipk.into_iter().collect();
                let clause = ups.matching(&ipk_cols);
                if let Some(c) = clause {
                    self.upsert_do(&tg, c, &ups, rid, skip)?;
                }
                match if clause.is_some() { -1 } else { onerr } {
                    -1 => {}
                    OE_IGNORE => self.goto(skip),
                    OE_REPLACE => self.delete_current(&tg, false)?,
                    _ => {
                        self.emit4(
                            Opcode::Halt,
                            SQLITE_CONSTRAINT_PRIMARYKEY,
                            onerr,
                            0,
                            P4::Text(pkname),
                            2,
                        );
                    }
                }
                self.resolve(ok);
            }
            None => {}
        }
        let keys = self.unique_checks(&tg, onerr, rec, rid, None, skip, Some(&ups))?;
        let new_img = RowRegs {
            rowid: rid,
            cols: rec,
        };
        self.fk_child_row(&tabref, new_img, 1, None)?;
        self.fk_parent_row(&tabref, new_img, -1, TrigOp::Insert, None)?;
        let record = self.reg();
        self.table_record(&t, rec, record);
        for ((idx, ic), k) in tg.idx.iter().zip(&keys) {
            let n = idx.columns.len() as i32 + 1;
            let ir = self.reg();
            let not_in = self.label();
            self.index_skip_unless(tg.db, &t, idx, IdxRow::Regs { rec, rid }, not_in)?;
            self.emit(Opcode::MakeRecord, *k, n, ir);
            self.emit4(Opcode::IdxInsert, *ic, ir, *k, P4::Int32(n), 0);
            self.resolve(not_in);
        }
        let flags = if self.in_trigger() {
            // Counted in total_changes() only; sets last_insert_rowid() until the trigger
            // body ends (`trigger_body` puts the caller's back).
            crate::vdbe::exec::OPFLAG_SUBCHANGE | OPFLAG_LASTROWID
        } else {
            OPFLAG_NCHANGE | OPFLAG_LASTROWID
        };
        self.emit4(
            Opcode::Insert,
            tg.cur,
            record,
            rid,
            P4::Table(t.name.clone()),
            flags,
        );
        let img = RowRegs {
            rowid: rid,
            cols: rec,
        };
        if !after.is_empty() {
            self.fire_triggers(&after, &tabref, &cols, Some(img), None, skip, orconf)?;
        }
        if let Some(rc) = &ret_clause {
            self.returning_row(rc, &cols, &t.name, Some((tg.db, t.clone())), img)?;
        }
        self.resolve(skip);
        self.emit(Opcode::Return, ret, 0, 0);
        self.resolve(end);
        if let Some(a) = &autoinc {
            self.autoinc_end(a);
        }
        self.fk_end();
        Ok(match ret_clause {
            Some(rc) => {
                self.returning_end(&rc);
                rc.names
            }
            None => vec![],
        })
    }

    /// INSERT into a view with INSTEAD OF INSERT triggers: each row fires the triggers with
    /// NEW = the row (missing columns NULL, NEW.rowid NULL).
    fn insert_view(
        &mut self,
        orconf: Option<ResolveType>,
        db: usize,
        v: &Table,
        columns: Option<&ast::DistinctNames>,
        body: &ast::InsertBody,
        returning: Option<&[ast::ResultColumn]>,
    ) -> Result<Vec<String>> {
        if returning.is_some() {
            return Err(Error::sql(format!(
                "cannot modify {} because it is a view",
                v.name
            )));
        }
        let cols = self.row_cols(v)?;
        let tabref = (db, v.clone());
        let ncol = cols.len();
        let trigs = self.triggers_for(db, &v.name, TrigOp::Insert, TrigTime::InsteadOf, None);
        let (map, _) = Self::insert_column_map(&v.name, &cols, columns, false)?;
        let nval = map.len();
        let vals = self.regs(nval.max(1));
        let ret = self.reg();
        let body_l = self.label();
        let end = self.label();
        self.use_db(db, true);
        match body {
            ast::InsertBody::DefaultValues => {
                self.emit(Opcode::Gosub, ret, body_l, 0);
            }
            ast::InsertBody::Select(sel, _) => {
                self.insert_source(sel, nval, vals, ret, body_l, &v.name, columns.is_some())?;
            }
        }
        self.goto(end);
        self.resolve(body_l);
        let skip = self.label();
        let rid = self.reg();
        self.emit(Opcode::Integer, -1, rid, 0);
        let rec = self.regs(ncol.max(1));
        for i in 0..ncol {
            match map.iter().position(|m| *m == Some(i)) {
                Some(j) if matches!(body, ast::InsertBody::Select(..)) => {
                    self.emit(Opcode::SCopy, vals + j as i32, rec + i as i32, 0);
                }
                _ => self.null(rec + i as i32),
            }
        }
        self.fire_triggers(
            &trigs,
            &tabref,
            &cols,
            Some(RowRegs {
                rowid: rid,
                cols: rec,
            }),
            None,
            skip,
            orconf,
        )?;
        self.resolve(skip);
        self.emit(Opcode::Return, ret, 0, 0);
        self.resolve(end);
        Ok(vec![])
    }

    /// Pass 1 of UPDATE/DELETE: collect the rowids of matching rows into a RowSet register.
    fn collect_rowids(
        &mut self,
        tg: &Target,
        alias: Option<&ast::Name>,
        where_clause: Option<&Expr>,
    ) -> Result<i32> {
        let rs = self.reg();
        self.null(rs);
        let src = self.target_source(tg, alias);
        let mut terms = Vec::new();
        if let Some(w) = where_clause {
            terms.push(w.clone());
        }
        let cur = tg.cur;
        let mut body = move |b: &mut Builder<'a>| -> Result<()> {
            let r = b.reg();
            b.emit(Opcode::Rowid, cur, r, 0);
            b.emit(Opcode::RowSetAdd, rs, r, 0);
            Ok(())
        };
        self.where_scan(src, &terms, &mut body)?;
        Ok(rs)
    }

    pub(super) fn delete_stmt(
        &mut self,
        q: &ast::QualifiedName,
        where_clause: Option<&Expr>,
        returning: Option<&[ast::ResultColumn]>,
    ) -> Result<Vec<String>> {
        let (tdb, tt) = self.dml_table(q)?;
        if tt.is_view && self.has_triggers(tdb, &tt.name, TrigOp::Delete) {
            return self.view_dml(None, tdb, &tt, q, None, where_clause, returning);
        }
        if tt.without_rowid {
            return self.wr_delete(tdb, &tt, q, where_clause, returning);
        }
        let tg = self.open_target(q)?;
        let t = tg.table.clone();
        let ncol = t.columns.len();
        let cols = self.row_cols(&t)?;
        let tabref = (tg.db, t.clone());
        let before = self.triggers_for(tg.db, &t.name, TrigOp::Delete, TrigTime::Before, None);
        let after = self.triggers_for(tg.db, &t.name, TrigOp::Delete, TrigTime::After, None);
        self.fk_begin();
        let ret_clause = match returning {
            Some(rc) => Some(self.returning_begin(rc, &cols, &t.name)?),
            None => None,
        };
        self.scopes.push(Scope {
            sources: vec![self.target_source(&tg, q.alias.as_ref())],
            ..Default::default()
        });
        let rs = self.collect_rowids(&tg, q.alias.as_ref(), where_clause);
        self.scopes.pop();
        let rs = rs?;
        let done = self.label();
        let r = self.reg();
        let top = self.addr();
        self.emit(Opcode::RowSetRead, rs, done, r);
        self.emit(Opcode::NotExists, tg.cur, top, r);
        let need_old = !before.is_empty()
            || !after.is_empty()
            || ret_clause.is_some()
            || self.fk_involves(&tabref);
        let old = RowRegs {
            rowid: r,
            cols: if need_old { self.regs(ncol.max(1)) } else { 0 },
        };
        if need_old {
            for i in 0..ncol {
                if t.ipk == Some(i) {
                    self.emit(Opcode::SCopy, r, old.cols + i as i32, 0);
                } else {
                    self.emit(Opcode::Column, tg.cur, i as i32, old.cols + i as i32);
                }
            }
        }
        if !before.is_empty() {
            self.fire_triggers(&before, &tabref, &cols, None, Some(old), top, None)?;
            // The trigger may have deleted or moved the row.
            self.emit(Opcode::NotExists, tg.cur, top, r);
        }
        let count = true;
        self.fk_child_row(&tabref, old, -1, None)?;
        self.fk_parent_row(&tabref, old, 1, TrigOp::Delete, None)?;
        self.delete_current(&tg, count)?;
        self.fk_actions(&tabref, old, None, None, top)?;
        if !after.is_empty() {
            self.fire_triggers(&after, &tabref, &cols, None, Some(old), top, None)?;
        }
        if let Some(rc) = &ret_clause {
            self.returning_row(rc, &cols, &t.name, Some((tg.db, t.clone())), old)?;
        }
        self.emit(Opcode::Goto, 0, top, 0);
        self.resolve(done);
        self.fk_end();
        Ok(match ret_clause {
            Some(rc) => {
                self.returning_end(&rc);
                rc.names
            }
            None => vec![],
        })
    }

    pub(super) fn update_stmt(
        &mut self,
        orconf: Option<ResolveType>,
        q: &ast::QualifiedName,
        sets: &[ast::Set],
        from: Option<&ast::FromClause>,
        where_clause: Option<&Expr>,
        returning: Option<&[ast::ResultColumn]>,
    ) -> Result<Vec<String>> {
        for s in sets {
            if s.col_names.len() != 1 {
                return Err(Error::sql("row value assignments are not supported yet"));
            }
        }
        let (tdb, tt) = self.dml_table(q)?;
        if tt.is_view && self.has_triggers(tdb, &tt.name, TrigOp::Update) {
            return self.view_dml(orconf, tdb, &tt, q, Some(sets), where_clause, returning);
        }
        if tt.without_rowid {
            return self.wr_update(orconf, tdb, &tt, q, sets, from, where_clause, returning);
        }
        let tg = self.open_target(q)?;
        let t = tg.table.clone();
        let ncol = t.columns.len();
        let mut assign: Vec<Option<Expr>> = vec![None; ncol];
        let mut new_rowid: Option<Expr> = None;
        let mut set_cols = Vec::new();
        for s in sets {
            for n in s.col_names.iter() {
                let n = dequote(&n.0);
                set_cols.push(n.clone());
                match t.column_index(&n) {
                    Some(i) => {
                        if t.ipk == Some(i) {
                            new_rowid = Some(s.expr.clone());
                        }
                        assign[i] = Some(s.expr.clone());
                    }
                    None if super::build::is_rowid_name(&n) => new_rowid = Some(s.expr.clone()),
                    None => return Err(Error::sql(format!("no such column: {n}"))),
                }
            }
        }
        let assigned: Vec<usize> = (0..ncol).filter(|i| assign[*i].is_some()).collect();
        Self::generated_update_check(&t, &assigned)?;
        self.scopes.push(Scope {
            sources: vec![self.target_source(&tg, q.alias.as_ref())],
            ..Default::default()
        });
        let r = self.update_body(
            &tg,
            orconf,
            q,
            &assign,
            new_rowid.as_ref(),
            where_clause,
            &set_cols,
            returning,
            from.map(|f| (f, sets)),
        );
        self.scopes.pop();
        r
    }

    #[allow(clippy::too_many_arguments)]
    fn update_body(
        &mut self,
        tg: &Target,
        orconf: Option<ResolveType>,
        q: &ast::QualifiedName,
        assign: &[Option<Expr>],
        new_rowid: Option<&Expr>,
        where_clause: Option<&Expr>,
        set_cols: &[String],
        returning: Option<&[ast::ResultColumn]>,
        from: Option<(&ast::FromClause, &[ast::Set])>,
    ) -> Result<Vec<String>> {
        let t = tg.table.clone();
        let cols = self.row_cols(&t)?;
        let tabref = (tg.db, t.clone());
        let tname = q
            .alias
            .as_ref()
            .map(|a| dequote(&a.0))
            .unwrap_or_else(|| t.name.clone());
        let before = self.triggers_for(
            tg.db,
            &t.name,
            TrigOp::Update,
            TrigTime::Before,
            Some(set_cols),
        );
        let after = self.triggers_for(
            tg.db,
            &t.name,
            TrigOp::Update,
            TrigTime::After,
            Some(set_cols),
        );
        let checks = self.check_constraints(&t)?;
        self.fk_begin();
        let ret_clause = match returning {
            Some(rc) => Some(self.returning_begin(rc, &cols, &t.name)?),
            None => None,
        };
        let ru = RowUpdate {
            orconf,
            assign: assign.to_vec(),
            new_rowid: new_rowid.cloned(),
            before,
            after,
            checks,
            cols,
            tabref,
            tname,
            set_cols: set_cols.to_vec(),
        };
        if let Some((fc, sets)) = from {
            self.update_from_rows(tg, q, fc, sets, where_clause, &ru, ret_clause.as_ref())?;
        } else {
            let rs = self.collect_rowids(tg, q.alias.as_ref(), where_clause)?;
            let done = self.label();
            let old = self.reg();
            let top = self.addr();
            self.emit(Opcode::RowSetRead, rs, done, old);
            self.emit(Opcode::NotExists, tg.cur, top, old);
            self.update_row(tg, &ru, old, top, ret_clause.as_ref())?;
            self.emit(Opcode::Goto, 0, top, 0);
            self.resolve(done);
        }
        self.fk_end();
        Ok(match ret_clause {
            Some(rc) => {
                self.returning_end(&rc);
                rc.names
            }
            None => vec![],
        })
    }

    /// UPDATE ... FROM: the join of the target with the FROM tables is computed first into
    /// an ephemeral table (target rowid, then each SET value); then each of its rows updates
    /// its target row, the SET expressions reading the stored values.
    #[allow(clippy::too_many_arguments)]
    fn update_from_rows(
        &mut self,
        tg: &Target,
        q: &ast::QualifiedName,
        fc: &ast::FromClause,
        sets: &[ast::Set],
        where_clause: Option<&Expr>,
        ru: &RowUpdate,
        ret: Option<&super::returning::Returning>,
    ) -> Result<()> {
        let tname = q
            .alias
            .as_ref()
            .map(|a| dequote(&a.0))
            .unwrap_or_else(|| tg.table.name.clone());
        let text = format!(
            "SELECT \"{}\".rowid FROM \"{}\".\"{}\" AS \"{}\"",
            tname.replace('"', "\"\""),
            self.db_name(tg.db).replace('"', "\"\""),
            tg.table.name.replace('"', "\"\""),
            tname.replace('"', "\"\"")
        );
        let mut sel = match super::schema::parse_one(&text)? {
            Stmt::Select(s) => s,
            _ => return Err(Error::sql("internal: UPDATE FROM")),
        };
        if let ast::OneSelect::Select {
            columns,
            from: Some(f),
            where_clause: w,
            ..
        } = &mut sel.body.select
        {
            for s in sets {
                columns.push(ast::ResultColumn::Expr(s.expr.clone(), None));
            }
            let mut joins = Vec::new();
            if let Some(first) = &fc.select {
                joins.push(ast::JoinedSelectTable {
                    operator: ast::JoinOperator::Comma,
                    table: (**first).clone(),
                    constraint: None,
                });
            }
            joins.extend(fc.joins.iter().flatten().cloned());
            f.joins = Some(joins);
            *w = where_clause.cloned();
        }
        let n = sets.len();
        let eph = self.cursor();
        self.emit(Opcode::OpenEphemeral, eph, n as i32 + 1, 0);
        // The join is compiled without the UPDATE's own scope.
        let saved = std::mem::take(&mut self.scopes);
        let r = self.select(&sel, Dest::Eph(eph));
        self.scopes = saved;
        r?;
        let done = self.label();
        self.emit(Opcode::Rewind, eph, done, 0);
        let top = self.addr();
        let next = self.label();
        let old = self.reg();
        self.emit(Opcode::Column, eph, 0, old);
        self.emit(Opcode::NotExists, tg.cur, next, old);
        let mut scope = Scope {
            sources: vec![self.target_source(tg, q.alias.as_ref())],
            ..Default::default()
        };
        for (k, s) in sets.iter().enumerate() {
            let r = self.reg();
            self.emit(Opcode::Column, eph, k as i32 + 1, r);
            scope.overrides.push((s.expr.clone(), r));
        }
        self.scopes.push(scope);
        let r = self.update_row(tg, ru, old, next, ret);
        self.scopes.pop();
        r?;
        self.resolve(next);
        self.emit(Opcode::Next, eph, top, 0);
        self.resolve(done);
        Ok(())
    }

    /// Update the row the table cursor is on (rowid in `old`): new values from `u.assign`
    /// (evaluated in the current scopes), triggers, constraint checks, index maintenance,
    /// RETURNING. `skip` = where to go when the row is skipped (OR IGNORE, RAISE(IGNORE), the
    /// row vanished under a BEFORE trigger).
    fn update_row(
        &mut self,
        tg: &Target,
        u: &RowUpdate,
        old: i32,
        skip: i32,
        ret_clause: Option<&super::returning::Returning>,
    ) -> Result<()> {
        let onerr = oe(u.orconf);
        let orconf = u.orconf;
        let t = tg.table.clone();
        let ncol = t.columns.len();
        let (before, after, checks, cols, tabref) =
            (&u.before, &u.after, &u.checks, &u.cols, &u.tabref);
        let assign = &u.assign;
        let new_rowid = u.new_rowid.as_ref();
        let affs: Vec<u8> = t.columns.iter().map(|c| c.affinity).collect();
        let need_old = !before.is_empty() || !after.is_empty() || self.fk_involves(tabref);
        let old_img = RowRegs {
            rowid: old,
            cols: if need_old { self.regs(ncol.max(1)) } else { 0 },
        };
        if need_old {
            for i in 0..ncol {
                if t.ipk == Some(i) {
                    self.emit(Opcode::SCopy, old, old_img.cols + i as i32, 0);
                } else {
                    self.emit(Opcode::Column, tg.cur, i as i32, old_img.cols + i as i32);
                }
            }
        }
        let rid = self.reg();
        let rec = self.regs(ncol.max(1));
        // New values (computed from the old row).
        for i in 0..ncol {
            let r = rec + i as i32;
            if t.ipk == Some(i) {
                continue;
            }
            match &assign[i] {
                Some(e) => self.expr(e, r)?,
                None => {
                    let p4 = super::schema::column_default_p4(&t.columns[i]);
                    self.emit4(Opcode::Column, tg.cur, i as i32, r, p4, 0);
                }
            }
        }
        match new_rowid {
            Some(e) => {
                self.expr(e, rid)?;
                self.emit(Opcode::MustBeInt, rid, 0, 0);
            }
            None => {
                self.emit(Opcode::SCopy, old, rid, 0);
            }
        }
        if let Some(i) = t.ipk {
            self.null(rec + i as i32);
        }
        let new_img = RowRegs {
            rowid: rid,
            cols: rec,
        };
        if !before.is_empty() {
            self.apply_affinity(rec, &affs);
            self.fire_triggers(
                &before,
                &tabref,
                &cols,
                Some(new_img),
                Some(old_img),
                skip,
                orconf,
            )?;
            // The trigger may have deleted the row, or changed the columns not assigned.
            self.emit(Opcode::NotExists, tg.cur, skip, old);
            for i in 0..ncol {
                if t.ipk != Some(i) && assign[i].is_none() {
                    self.emit(Opcode::Column, tg.cur, i as i32, rec + i as i32);
                }
            }
        }
        self.generated_compute(tg.db, &t, rec, rid)?;
        self.not_null_checks(tg, onerr, rec, skip)?;
        self.apply_affinity(rec, &affs);
        self.strict_checks(tg.db, &t, rec, rid)?;
        self.apply_checks(tg, &checks, onerr, rec, rid, skip)?;
        if new_rowid.is_some() {
            let same = self.label();
            self.emit4(
                Opcode::Eq,
                old,
                same,
                rid,
                P4::Coll(None),
                AFF_INTEGER as u16,
            );
            let ok = self.label();
            self.emit(Opcode::NotExists, tg.cur, ok, rid);
            let pkname = match t.ipk {
                Some(i) => format!("{}.{}", t.name, t.columns[i].name),
                None => format!("{}.rowid", t.name),
            };
            match onerr {
                OE_IGNORE => self.goto(skip),
                OE_REPLACE => self.delete_current(tg, false)?,
                _ => {
                    self.emit4(
                        Opcode::Halt,
                        SQLITE_CONSTRAINT_PRIMARYKEY,
                        onerr,
                        0,
                        P4::Text(pkname),
                        2,
                    );
                }
            }
            self.resolve(ok);
            self.emit(Opcode::NotExists, tg.cur, skip, old);
            self.resolve(same);
        }
        let keys = self.unique_checks(tg, onerr, rec, rid, Some(old), skip, None)?;
        self.fk_child_row(&tabref, old_img, -1, Some(&u.set_cols))?;
        self.fk_child_row(&tabref, new_img, 1, Some(&u.set_cols))?;
        self.fk_parent_row(&tabref, old_img, 1, TrigOp::Update, Some(&u.set_cols))?;
        self.fk_parent_row(&tabref, new_img, -1, TrigOp::Update, Some(&u.set_cols))?;
        // Remove the old index entries and, if the rowid changes, the old row.
        for (idx, ic) in &tg.idx {
            let n = idx.columns.len();
            let row = IdxRow::Cursor {
                cur: tg.cur,
                rid: old,
            };
            let not_in = self.label();
            self.index_skip_unless(tg.db, &t, idx, row, not_in)?;
            let k = self.index_key(tg.db, &t, idx, row)?;
            self.emit(Opcode::IdxDelete, *ic, k, n as i32 + 1);
            self.resolve(not_in);
        }
        if new_rowid.is_some() {
            let same = self.label();
            self.emit4(
                Opcode::Eq,
                old,
                same,
                rid,
                P4::Coll(None),
                AFF_INTEGER as u16,
            );
            self.emit4(Opcode::Delete, tg.cur, 0, 0, P4::Table(t.name.clone()), 0);
            self.resolve(same);
        }
        let record = self.reg();
        self.table_record(&t, rec, record);
        let flag = self.count_flag();
        self.emit4(
            Opcode::Insert,
            tg.cur,
            record,
            rid,
            P4::Table(t.name.clone()),
            flag,
        );
        for ((idx, ic), k) in tg.idx.iter().zip(&keys) {
            let n = idx.columns.len() as i32 + 1;
            let ir = self.reg();
            let not_in = self.label();
            self.index_skip_unless(tg.db, &t, idx, IdxRow::Regs { rec, rid }, not_in)?;
            self.emit(Opcode::MakeRecord, *k, n, ir);
            self.emit4(Opcode::IdxInsert, *ic, ir, *k, P4::Int32(n), 0);
            self.resolve(not_in);
        }
        self.fk_actions(&tabref, old_img, Some(new_img), Some(&u.set_cols), skip)?;
        if !after.is_empty() {
            self.fire_triggers(
                &after,
                &tabref,
                &cols,
                Some(new_img),
                Some(old_img),
                skip,
                orconf,
            )?;
        }
        if let Some(rc) = &ret_clause {
            let saved = std::mem::take(&mut self.scopes);
            let r = self.returning_row(rc, &cols, &t.name, Some((tg.db, t.clone())), new_img);
            self.scopes = saved;
            r?;
        }
        Ok(())
    }

    /// UPDATE or DELETE (`sets` None) of a view with INSTEAD OF triggers: the matching rows
    /// of the view are computed first, then each fires the triggers with OLD = the row and,
    /// for UPDATE, NEW = the row with the assignments applied.
    #[allow(clippy::too_many_arguments)]
    fn view_dml(
        &mut self,
        orconf: Option<ResolveType>,
        db: usize,
        v: &Table,
        q: &ast::QualifiedName,
        sets: Option<&[ast::Set]>,
        where_clause: Option<&Expr>,
        returning: Option<&[ast::ResultColumn]>,
    ) -> Result<Vec<String>> {
        if returning.is_some() {
            return Err(Error::sql(format!(
                "cannot modify {} because it is a view",
                v.name
            )));
        }
        let cols = self.row_cols(v)?;
        let tabref = (db, v.clone());
        let ncol = cols.len();
        let vname = q
            .alias
            .as_ref()
            .map(|a| dequote(&a.0))
            .unwrap_or_else(|| v.name.clone());
        let mut assign: Vec<Option<Expr>> = vec![None; ncol];
        let mut set_cols = Vec::new();
        if let Some(sets) = sets {
            for s in sets {
                for n in s.col_names.iter() {
                    let n = dequote(&n.0);
                    let i = cols
                        .iter()
                        .position(|c| c.name.eq_ignore_ascii_case(&n))
                        .ok_or_else(|| Error::sql(format!("no such column: {n}")))?;
                    assign[i] = Some(s.expr.clone());
                    set_cols.push(n);
                }
            }
        }
        let (op, setc) = match sets {
            Some(_) => (TrigOp::Update, Some(set_cols.as_slice())),
            None => (TrigOp::Delete, None),
        };
        let trigs = self.triggers_for(db, &v.name, op, TrigTime::InsteadOf, setc);
        self.use_db(db, true);
        // SELECT * FROM view [AS alias] WHERE ...
        let text = format!(
            "SELECT * FROM \"{}\".\"{}\" AS \"{}\"",
            self.db_name(db).replace('"', "\"\""),
            v.name.replace('"', "\"\""),
            vname.replace('"', "\"\"")
        );
        let mut sel = match super::schema::parse_one(&text)? {
            Stmt::Select(s) => s,
            _ => return Err(Error::sql("internal: view select")),
        };
        if let ast::OneSelect::Select {
            where_clause: w, ..
        } = &mut sel.body.select
        {
            *w = where_clause.cloned();
        }
        let eph = self.cursor();
        self.emit(Opcode::OpenEphemeral, eph, ncol.max(1) as i32, 0);
        self.select(&sel, Dest::Eph(eph))?;
        let done = self.label();
        self.emit(Opcode::Rewind, eph, done, 0);
        let top = self.addr();
        let next = self.label();
        let old = RowRegs {
            rowid: self.reg(),
            cols: self.regs(ncol.max(1)),
        };
        // SQLite numbers the view's rows: OLD.rowid and NEW.rowid are that number.
        self.emit(Opcode::Rowid, eph, old.rowid, 0);
        for i in 0..ncol {
            self.emit(Opcode::Column, eph, i as i32, old.cols + i as i32);
        }
        let new = if sets.is_some() {
            let new = RowRegs {
                rowid: self.reg(),
                cols: self.regs(ncol.max(1)),
            };
            self.emit(Opcode::SCopy, old.rowid, new.rowid, 0);
            let cur = self.cursor();
            let mut scope = Scope::default();
            scope.sources.push(Source {
                name: vname.clone(),
                cursor: cur,
                cols: cols.clone(),
                table: None,
                using_hidden: vec![],
            });
            for i in 0..ncol {
                scope.col_regs.push(((cur, i as i32), old.cols + i as i32));
            }
            self.scopes.push(scope);
            let mut r = Ok(());
            for i in 0..ncol {
                r = match &assign[i] {
                    Some(e) => self.expr(e, new.cols + i as i32),
                    None => {
                        self.emit(Opcode::SCopy, old.cols + i as i32, new.cols + i as i32, 0);
                        Ok(())
                    }
                };
                if r.is_err() {
                    break;
                }
            }
            self.scopes.pop();
            r?;
            Some(new)
        } else {
            None
        };
        self.fire_triggers(&trigs, &tabref, &cols, new, Some(old), next, orconf)?;
        self.resolve(next);
        self.emit(Opcode::Next, eph, top, 0);
        self.resolve(done);
        Ok(vec![])
    }

    /// The CHECK constraints of a table, in the order SQLite evaluates them.
    pub(super) fn check_constraints(&self, t: &Table) -> Result<Vec<CheckDef>> {
        match &t.sql {
            Some(sql) => parse_checks(sql),
            None => Ok(vec![]),
        }
    }

    /// Evaluate the CHECK constraints on the new row (`rec` columns, `rid` rowid).
    fn apply_checks(
        &mut self,
        tg: &Target,
        checks: &[CheckDef],
        onerr: i32,
        rec: i32,
        rid: i32,
        skip: i32,
    ) -> Result<()> {
        if checks.is_empty() {
            return Ok(());
        }
        let t = &tg.table;
        let cur = self.cursor();
        let mut scope = Scope::default();
        let mut src = self.target_source(tg, None);
        src.cursor = cur;
        scope.sources.push(src);
        scope.col_regs.push(((cur, -1), rid));
        for i in 0..t.columns.len() {
            scope.col_regs.push(((cur, i as i32), rec + i as i32));
        }
        let saved = std::mem::replace(&mut self.scopes, vec![scope]);
        let mut res = Ok(());
        for c in checks {
            let ok = self.label();
            res = self.jump_if_true(&c.expr, ok, true);
            if res.is_err() {
                break;
            }
            match onerr {
                OE_IGNORE => self.goto(skip),
                _ => {
                    let action = if onerr == OE_REPLACE { OE_ABORT } else { onerr };
                    self.emit4(
                        Opcode::Halt,
                        SQLITE_CONSTRAINT_CHECK,
                        action,
                        0,
                        P4::Text(c.name.clone()),
                        3,
                    );
                }
            }
            self.resolve(ok);
        }
        self.scopes = saved;
        res
    }
}

/// One CHECK constraint: its expression and the name used in the error message.
#[derive(Clone, Debug)]
pub struct CheckDef {
    pub expr: Expr,
    pub name: String,
}

/// The CHECK constraints of a CREATE TABLE statement, in order of appearance. A constraint
/// is named by the nearest preceding `CONSTRAINT name` of the same column definition or
/// table constraint, else by its expression text as written (trimmed), as SQLite does.
pub fn parse_checks(sql: &str) -> Result<Vec<CheckDef>> {
    use sqlite3_parser::lexer::sql::{TokenType::*, Tokenizer};
    use sqlite3_parser::lexer::Scanner;
    let b = sql.as_bytes();
    let mut sc = Scanner::new(Tokenizer::new());
    let mut toks = Vec::new();
    while let Ok((start, Some((_, tt)), end)) = sc.scan(b) {
        toks.push((tt, start, end));
    }
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut name: Option<String> = None;
    let mut in_tcons = false;
    let mut i = 0;
    while i < toks.len() {
        let (tt, _, _) = toks[i];
        match tt {
            TK_LP => depth += 1,
            TK_RP => depth -= 1,
            TK_COMMA if depth == 1 => {
                // SQLite clears the name when a column definition starts and between two
                // table constraints; a column's last name carries over to the first table
                // constraint.
                let next_is_tcons = matches!(
                    toks.get(i + 1).map(|t| t.0),
                    Some(TK_PRIMARY | TK_UNIQUE | TK_CHECK | TK_FOREIGN | TK_CONSTRAINT)
                );
                if !(next_is_tcons && !in_tcons) {
                    name = None;
                }
                in_tcons = next_is_tcons;
            }
            TK_CONSTRAINT if depth == 1 => {
                if let Some(&(_, s, e)) = toks.get(i + 1) {
                    name = Some(dequote(&sql[s..e]));
                    i += 1;
                }
            }
            TK_CHECK if depth == 1 => {
                if let Some(&(TK_LP, _, open_end)) = toks.get(i + 1) {
                    let mut d = 0i32;
                    let mut j = i + 1;
                    let mut close = None;
                    while j < toks.len() {
                        match toks[j].0 {
                            TK_LP => d += 1,
                            TK_RP => {
                                d -= 1;
                                if d == 0 {
                                    close = Some(j);
                                    break;
                                }
                            }
                            _ => {}
                        }
                        j += 1;
                    }
                    let Some(close) = close else {
                        return Err(Error::sql(format!("malformed CHECK in: {sql}")));
                    };
                    let text = sql[open_end..toks[close].1].trim().to_string();
                    let expr = match super::schema::parse_one(&format!("SELECT {text}"))? {
                        Stmt::Select(s) => match s.body.select {
                            ast::OneSelect::Select { mut columns, .. } if columns.len() == 1 => {
                                match columns.pop() {
                                    Some(ast::ResultColumn::Expr(e, _)) => e,
                                    _ => return Err(Error::sql("malformed CHECK")),
                                }
                            }
                            _ => return Err(Error::sql("malformed CHECK")),
                        },
                        _ => return Err(Error::sql("malformed CHECK")),
                    };
                    out.push(CheckDef {
                        expr,
                        name: name.clone().unwrap_or(text),
                    });
                    i = close + 1;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(out)
}

/// One `ON CONFLICT` clause of an INSERT.
struct UpsertClause {
    /// Conflict target columns (`None`: any uniqueness constraint).
    target: Option<Vec<usize>>,
    /// `DO UPDATE SET ... WHERE ...` (`None` = `DO NOTHING`).
    update: Option<(RowUpdate, Option<Expr>)>,
}

/// The upsert clauses of an INSERT and the registers of the row being inserted.
struct UpsertCtx {
    clauses: Vec<UpsertClause>,
    /// The proposed row (`excluded.*`), affinity applied.
    excluded: RowRegs,
    ret: Option<super::returning::Returning>,
}

impl UpsertCtx {
    /// The first clause whose target is this constraint's column set.
    fn matching(&self, cols: &[usize]) -> Option<&UpsertClause> {
        self.clauses.iter().find(|c| match &c.target {
            None => true,
            Some(t) => same_set(t, cols),
        })
    }
}

/// One row update's compiled-in parts (shared by UPDATE and the DO UPDATE of an upsert).
struct RowUpdate {
    orconf: Option<ResolveType>,
    assign: Vec<Option<Expr>>,
    new_rowid: Option<Expr>,
    before: Vec<super::trigger::TriggerDef>,
    after: Vec<super::trigger::TriggerDef>,
    checks: Vec<CheckDef>,
    cols: Vec<SrcCol>,
    tabref: (usize, Table),
    tname: String,
    set_cols: Vec<String>,
}

fn same_set(a: &[usize], b: &[usize]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}
