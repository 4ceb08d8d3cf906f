//! Generated columns (`gencol.html`): `AS (expr) [VIRTUAL | STORED]`.
//!
//! Invariants:
//! - The record of a row holds the non-VIRTUAL columns only, in declaration order (SQLite's
//!   `sqlite3TableColumnToStorage`); STORED columns are computed on every write, VIRTUAL ones
//!   on every read.
//! - Reads: code generators keep emitting `Column cursor, <table column number>`; at
//!   `Builder::finish`, `fix_generated_reads` rewrites, for each cursor opened on a table that
//!   has VIRTUAL columns, the column number to the record position and replaces the read of a
//!   VIRTUAL column with a `Gosub` to a subroutine (appended after the program's end) that
//!   computes the expression over the same cursor row and applies the column's affinity.
//!   `OpenRead`/`OpenWrite` P4 (number of record fields) is set to the stored count.
//! - Writes: INSERT and UPDATE compute every generated column (`generated_compute`) once the
//!   other columns and the rowid are known, in dependency order, before NOT NULL / CHECK /
//!   UNIQUE checks; `table_record` packs the stored columns into the record.
//! - Errors as SQLite: `cannot INSERT into generated column "c"`, `cannot UPDATE generated
//!   column "c"`, `generated column loop on "c"`, and at CREATE TABLE `must have at least one
//!   non-generated column`, `generated columns cannot be part of the PRIMARY KEY`, `cannot use
//!   DEFAULT on a generated column`, `subqueries prohibited in generated columns`,
//!   `non-deterministic functions prohibited in generated columns`, `no such column: x`.

use super::build::{Builder, Scope, Source, SrcCol};
use super::schema::{dequote, Table};
use crate::error::{Error, Result};
use crate::vdbe::{Opcode, P4};
use sqlite3_parser::ast::{self, Expr};

/// Upper bound on VIRTUAL-column subroutines per program (a definition loop would
/// otherwise never end).
const MAX_SUBS: usize = 10_000;

impl Table {
    /// Whether any column is VIRTUAL (record positions differ from column numbers).
    pub fn has_virtual(&self) -> bool {
        self.columns
            .iter()
            .any(|c| c.generated.is_some() && !c.gen_stored)
    }

    /// Record position of column `i`, `None` for a VIRTUAL column.
    pub fn storage_index(&self, i: usize) -> Option<usize> {
        let c = self.columns.get(i)?;
        if c.generated.is_some() && !c.gen_stored {
            return None;
        }
        Some(
            self.columns[..i]
                .iter()
                .filter(|c| !(c.generated.is_some() && !c.gen_stored))
                .count(),
        )
    }

    /// Number of fields in a record (the non-VIRTUAL columns).
    pub fn n_stored(&self) -> usize {
        self.columns
            .iter()
            .filter(|c| !(c.generated.is_some() && !c.gen_stored))
            .count()
    }
}

/// Names of the columns of `t` that expression `e` references.
fn referenced_columns(e: &Expr, t: &Table, out: &mut Vec<usize>) {
    match e {
        Expr::Id(id) => {
            if let Some(i) = t.column_index(&dequote(&id.0)) {
                out.push(i);
            }
        }
        Expr::Qualified(_, n) | Expr::DoublyQualified(_, _, n) => {
            if let Some(i) = t.column_index(&dequote(&n.0)) {
                out.push(i);
            }
        }
        _ => super::expr::walk_children(e, &mut |c| referenced_columns(c, t, out)),
    }
}

/// Generated columns of `t` in an order where each comes after the generated columns it
/// reads; `generated column loop on "c"` when there is a cycle.
pub fn generated_order(t: &Table) -> Result<Vec<usize>> {
    let gens: Vec<usize> = (0..t.columns.len())
        .filter(|&i| t.columns[i].generated.is_some())
        .collect();
    let mut done: Vec<usize> = Vec::new();
    while done.len() < gens.len() {
        let mut progressed = false;
        for &g in &gens {
            if done.contains(&g) {
                continue;
            }
            let mut refs = Vec::new();
            if let Some(e) = &t.columns[g].generated {
                referenced_columns(e, t, &mut refs);
            }
            let ready = refs
                .iter()
                .all(|r| t.columns[*r].generated.is_none() || done.contains(r));
            if ready {
                done.push(g);
                progressed = true;
            }
        }
        if !progressed {
            let stuck = gens
                .iter()
                .rev()
                .find(|g| !done.contains(g))
                .map(|g| t.columns[*g].name.clone())
                .unwrap_or_default();
            return Err(Error::sql(format!("generated column loop on \"{stuck}\"")));
        }
    }
    Ok(done)
}

/// CREATE TABLE checks of the generated columns (the structural ones; names are checked
/// by `Builder::generated_validate`).
pub fn check_generated(t: &Table) -> Result<()> {
    if !t.columns.iter().any(|c| c.generated.is_some()) {
        return Ok(());
    }
    if t.columns.iter().all(|c| c.generated.is_some()) {
        return Err(Error::sql("must have at least one non-generated column"));
    }
    for c in &t.columns {
        if let Some(e) = &c.generated {
            if c.pk > 0 {
                return Err(Error::sql(
                    "generated columns cannot be part of the PRIMARY KEY",
                ));
            }
            if c.default.is_some() {
                return Err(Error::sql("cannot use DEFAULT on a generated column"));
            }
            super::index_expr::check_expr_in(e, t, "generated columns", true)?;
        }
    }
    Ok(())
}

impl<'a> Builder<'a> {
    /// Compile each generated expression of a new table once, so that name errors are
    /// reported by CREATE TABLE.
    pub(super) fn generated_validate(&mut self, db: usize, t: &Table) -> Result<()> {
        if !t.columns.iter().any(|c| c.generated.is_some()) {
            return Ok(());
        }
        let mut scratch = Builder::new(self.ctx);
        let rec = scratch.regs(t.columns.len().max(1));
        let rid = scratch.reg();
        for c in &t.columns {
            if let Some(e) = &c.generated {
                let dst = scratch.reg();
                scratch.index_row_expr(db, t, rec, rid, &mut |b| b.expr(e, dst))?;
            }
        }
        Ok(())
    }

    /// Compute the generated columns of a new row (`rec` columns, rowid `rid`).
    pub(super) fn generated_compute(
        &mut self,
        db: usize,
        t: &Table,
        rec: i32,
        rid: i32,
    ) -> Result<()> {
        if !t.columns.iter().any(|c| c.generated.is_some()) {
            return Ok(());
        }
        for g in generated_order(t)? {
            let c = &t.columns[g];
            let e = match &c.generated {
                Some(e) => e.clone(),
                None => continue,
            };
            let dst = rec + g as i32;
            self.index_row_expr(db, t, rec, rid, &mut |b| b.expr(&e, dst))?;
            self.apply_affinity(dst, &[c.affinity]);
        }
        Ok(())
    }

    /// Make the record of a row of `t` from its column registers `rec..` into `out`.
    pub(super) fn table_record(&mut self, t: &Table, rec: i32, out: i32) {
        let n = t.columns.len();
        if !t.has_virtual() {
            self.emit(Opcode::MakeRecord, rec, n as i32, out);
            return;
        }
        let ns = t.n_stored();
        let packed = self.regs(ns.max(1));
        let mut k = 0;
        for i in 0..n {
            if t.storage_index(i).is_some() {
                self.emit(Opcode::SCopy, rec + i as i32, packed + k, 0);
                k += 1;
            }
        }
        self.emit(Opcode::MakeRecord, packed, ns as i32, out);
    }

    /// The table on `root` of database `db`, when it has VIRTUAL columns or no rowid.
    fn virtual_table_at(&self, db: usize, root: i32) -> Option<Table> {
        let s = self.schema(db)?;
        s.tables
            .iter()
            .find(|t| !t.is_view && t.root as i32 == root && t.root > 1)
            .filter(|t| t.has_virtual() || t.without_rowid)
            .cloned()
    }

    /// The `finish` pass described in the module header.
    pub(super) fn fix_generated_reads(&mut self) -> Result<()> {
        let mut tabs: Vec<(i32, usize, Table)> = Vec::new();
        for i in 0..self.ops.len() {
            let op = &self.ops[i];
            if !matches!(op.opcode, Opcode::OpenRead | Opcode::OpenWrite)
                || !matches!(op.p4, P4::Int32(_))
                || op.p5 & super::ddl::OPFLAG_P2ISREG != 0
            {
                continue;
            }
            let (cur, root, db) = (op.p1, op.p2, op.p3);
            let db = match usize::try_from(db) {
                Ok(d) => d,
                Err(_) => continue,
            };
            if let Some(t) = self.virtual_table_at(db, root) {
                let p4 = if t.without_rowid {
                    // `without_rowid.rs`: an index b-tree.
                    P4::KeyInfo(self.wr_key_info(&t)?)
                } else {
                    generated_order(&t)?;
                    P4::Int32(t.n_stored() as i32)
                };
                if let Some(op) = self.ops.get_mut(i) {
                    op.p4 = p4;
                }
                tabs.push((cur, db, t));
            }
        }
        if tabs.is_empty() {
            return Ok(());
        }
        let mut halted = false;
        let mut subs = 0usize;
        let mut i = 0;
        while i < self.ops.len() {
            let (opcode, cur, col, target) = {
                let op = &self.ops[i];
                (op.opcode, op.p1, op.p2, op.p3)
            };
            if opcode != Opcode::Column {
                i += 1;
                continue;
            }
            let hit = tabs.iter().find(|(c, _, _)| *c == cur).cloned();
            let (db, t) = match hit {
                Some((_, db, t)) => (db, t),
                None => {
                    i += 1;
                    continue;
                }
            };
            let ci = match usize::try_from(col) {
                Ok(c) if c < t.columns.len() => c,
                _ => {
                    i += 1;
                    continue;
                }
            };
            let pos = if t.without_rowid {
                t.wr_storage_index(ci)
            } else {
                t.storage_index(ci)
            };
            match pos {
                Some(s) => {
                    if let Some(op) = self.ops.get_mut(i) {
                        op.p2 = s as i32;
                    }
                }
                None => {
                    subs += 1;
                    if subs > MAX_SUBS {
                        return Err(Error::sql(format!(
                            "generated column loop on \"{}\"",
                            t.columns[ci].name
                        )));
                    }
                    if !halted {
                        self.emit(Opcode::Halt, 0, 0, 0);
                        halted = true;
                    }
                    let ret = self.reg();
                    let sub = self.addr();
                    let e = t.columns[ci]
                        .generated
                        .clone()
                        .unwrap_or(Expr::Literal(ast::Literal::Null));
                    let scope = table_scope(db, &t, cur);
                    let saved = std::mem::replace(&mut self.scopes, vec![scope]);
                    let r = self.expr(&e, target);
                    self.scopes = saved;
                    r?;
                    self.apply_affinity(target, &[t.columns[ci].affinity]);
                    self.emit(Opcode::Return, ret, 0, 0);
                    if let Some(op) = self.ops.get_mut(i) {
                        op.opcode = Opcode::Gosub;
                        op.p1 = ret;
                        op.p2 = sub;
                        op.p3 = 0;
                        op.p4 = P4::None;
                        op.p5 = 0;
                    }
                }
            }
            i += 1;
        }
        Ok(())
    }

    /// INSERT: the column map without generated columns (no column list), or the error for
    /// a generated column named in the list. `rowid_src` is recomputed.
    pub(super) fn generated_insert_map(
        t: &Table,
        named: bool,
        map: &mut Vec<Option<usize>>,
        rowid_src: &mut Option<usize>,
    ) -> Result<()> {
        if !t.columns.iter().any(|c| c.generated.is_some()) {
            return Ok(());
        }
        if named {
            for m in map.iter().flatten() {
                if let Some(c) = t.columns.get(*m) {
                    if c.generated.is_some() {
                        return Err(Error::sql(format!(
                            "cannot INSERT into generated column \"{}\"",
                            c.name
                        )));
                    }
                }
            }
            return Ok(());
        }
        map.retain(|m| match m {
            Some(i) => t
                .columns
                .get(*i)
                .map(|c| c.generated.is_none())
                .unwrap_or(true),
            None => true,
        });
        *rowid_src = map
            .iter()
            .position(|m| matches!(m, Some(i) if t.ipk == Some(*i)));
        Ok(())
    }

    /// UPDATE: refuse assignments to generated columns.
    pub(super) fn generated_update_check(t: &Table, assigned: &[usize]) -> Result<()> {
        for i in assigned {
            if let Some(c) = t.columns.get(*i) {
                if c.generated.is_some() {
                    return Err(Error::sql(format!(
                        "cannot UPDATE generated column \"{}\"",
                        c.name
                    )));
                }
            }
        }
        Ok(())
    }
}

/// A scope reading the columns of `t` from cursor `cur`.
pub(super) fn table_scope(db: usize, t: &Table, cur: i32) -> Scope {
    let mut scope = Scope::default();
    scope.sources.push(Source {
        name: t.name.clone(),
        cursor: cur,
        cols: t
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| SrcCol {
                name: c.name.clone(),
                affinity: c.affinity,
                collation: c.collation.clone(),
                decltype: c.decltype.clone(),
                is_rowid: t.ipk == Some(i),
            })
            .collect(),
        table: Some((db, t.clone())),
        using_hidden: vec![],
    });
    scope
}
