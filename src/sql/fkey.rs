//! FOREIGN KEY enforcement (`PRAGMA foreign_keys=ON`).
//!
//! SQLite's algorithm, with one statement-level counter of violations:
//! - child side: writing a row whose foreign key (all columns non-NULL) has no parent row
//!   adds 1; removing such an orphan row subtracts 1;
//! - parent side: removing a parent key adds the number of child rows that reference it;
//!   adding a parent key subtracts the number of child rows that reference it;
//! - ON DELETE / ON UPDATE actions (CASCADE, SET NULL, SET DEFAULT) run as synthesized AFTER
//!   triggers after the parent row is written, and their own child-side accounting resolves
//!   the violations they remove; RESTRICT fails at once (SQLITE_CONSTRAINT_TRIGGER, as
//!   SQLite's RESTRICT action is a RAISE);
//! - at the end of the top-level statement a positive counter fails the statement with
//!   "FOREIGN KEY constraint failed" (SQLITE_CONSTRAINT_FOREIGNKEY).
//!
//! Invariants:
//! - The code is always compiled when the schema holds a foreign key, and guarded at run time
//!   by the connection's `foreign_keys` setting (read once per statement with `Noop`
//!   `P4::Pragma`), so a prepared statement follows `PRAGMA foreign_keys` changes.
//! - Lookups are SQL subqueries compiled in a scope where only `new`/`old` are visible (as
//!   trigger bodies), so the planner uses the parent's key index.
//! - Deferred constraints are checked at the end of each statement like immediate ones
//!   (known difference inside explicit transactions).

use super::build::Builder;
use super::schema::{dequote, parse_one, Table};
use super::trigger::{RowRegs, TrigOp, TrigTime, TriggerDef};
use crate::error::codes::*;
use crate::error::{Error, Result};
use crate::vdbe::{Opcode, P4};
use sqlite3_parser::ast::{self, RefAct, Stmt};

/// One foreign key of a child table.
#[derive(Clone, Debug)]
pub struct FkDef {
    pub child: String,
    pub child_cols: Vec<String>,
    pub parent: String,
    /// Explicit parent columns (`None` = the parent's PRIMARY KEY).
    pub parent_cols: Option<Vec<String>>,
    pub on_delete: RefAct,
    pub on_update: RefAct,
    /// DEFERRABLE INITIALLY DEFERRED: violations count against the transaction.
    pub deferred: bool,
}

fn is_deferred(d: Option<&ast::DeferSubclause>) -> bool {
    matches!(
        d,
        Some(ast::DeferSubclause {
            deferrable: true,
            init_deferred: Some(ast::InitDeferredPred::InitiallyDeferred),
        })
    )
}

fn q(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The foreign keys declared by a CREATE TABLE statement.
pub fn parse_fks(child: &str, sql: &str) -> Vec<FkDef> {
    let mut out = Vec::new();
    let Ok(Stmt::CreateTable {
        body:
            ast::CreateTableBody::ColumnsAndConstraints {
                columns,
                constraints,
                ..
            },
        ..
    }) = parse_one(sql)
    else {
        return out;
    };
    let mk = |cc: Vec<String>, clause: &ast::ForeignKeyClause, deferred: bool| {
        let mut on_delete = RefAct::NoAction;
        let mut on_update = RefAct::NoAction;
        for a in &clause.args {
            match a {
                ast::RefArg::OnDelete(x) => on_delete = *x,
                ast::RefArg::OnUpdate(x) => on_update = *x,
                _ => {}
            }
        }
        FkDef {
            child: child.to_string(),
            child_cols: cc,
            parent: dequote(&clause.tbl_name.0),
            parent_cols: clause
                .columns
                .as_ref()
                .map(|v| v.iter().map(|c| dequote(&c.col_name.0)).collect()),
            on_delete,
            on_update,
            deferred,
        }
    };
    for (name, def) in columns.iter() {
        for c in &def.constraints {
            match &c.constraint {
                ast::ColumnConstraint::ForeignKey {
                    clause,
                    deref_clause,
                } => out.push(mk(
                    vec![dequote(&name.0)],
                    clause,
                    is_deferred(deref_clause.as_ref()),
                )),
                // A separate DEFERRABLE clause applies to the foreign key before it.
                ast::ColumnConstraint::Defer(d) => {
                    if let Some(last) = out.last_mut() {
                        last.deferred = is_deferred(Some(d));
                    }
                }
                _ => {}
            }
        }
    }
    for c in constraints.iter().flatten() {
        if let ast::TableConstraint::ForeignKey {
            columns,
            clause,
            deref_clause,
        } = &c.constraint
        {
            out.push(mk(
                columns.iter().map(|c| dequote(&c.col_name.0)).collect(),
                clause,
                is_deferred(deref_clause.as_ref()),
            ));
        }
    }
    out
}

impl<'a> Builder<'a> {
    fn schema_has_fks(&self) -> bool {
        self.ctx.schemas.iter().any(|(_, s)| {
            s.tables.iter().any(|t| {
                t.sql
                    .as_deref()
                    .map(|x| x.to_ascii_uppercase().contains("REFERENCES"))
                    .unwrap_or(false)
            })
        })
    }

    /// Whether foreign-key code is compiled for writes to `tab` (as child or parent).
    pub(super) fn fk_involves(&self, tab: &(usize, Table)) -> bool {
        self.trig.fk.is_some()
            && (!self.fks_of_child(&tab.1).is_empty()
                || !self.fks_of_parent(tab.0, &tab.1).is_empty())
    }

    /// Foreign keys of table `t` (as child).
    pub(super) fn fks_of_child(&self, t: &Table) -> Vec<FkDef> {
        match &t.sql {
            Some(sql) if sql.to_ascii_uppercase().contains("REFERENCES") => parse_fks(&t.name, sql),
            _ => vec![],
        }
    }

    /// Foreign keys (of any table of database `db`) whose parent is `t`.
    pub(super) fn fks_of_parent(&self, db: usize, t: &Table) -> Vec<FkDef> {
        let Some(s) = self.schema(db) else {
            return vec![];
        };
        let mut out = Vec::new();
        for c in &s.tables {
            for fk in self.fks_of_child(c) {
                if fk.parent.eq_ignore_ascii_case(&t.name) {
                    out.push(fk);
                }
            }
        }
        out
    }

    /// The parent key columns of `fk`, or `None` when the parent has no such key.
    fn parent_key(&self, db: usize, fk: &FkDef) -> Option<Vec<String>> {
        let s = self.schema(db)?;
        let p = s.table(&fk.parent)?;
        if p.is_view {
            return None;
        }
        let cols: Vec<String> = match &fk.parent_cols {
            Some(c) => c.clone(),
            None => {
                let mut pk: Vec<(usize, String)> = p
                    .columns
                    .iter()
                    .filter(|c| c.pk > 0)
                    .map(|c| (c.pk, c.name.clone()))
                    .collect();
                pk.sort();
                pk.into_iter().map(|x| x.1).collect()
            }
        };
        if cols.len() != fk.child_cols.len() || cols.is_empty() {
            return None;
        }
        // The key must be the INTEGER PRIMARY KEY or have a UNIQUE index.
        let idx: Vec<usize> = cols
            .iter()
            .map(|c| p.column_index(c))
            .collect::<Option<Vec<_>>>()?;
        let is_ipk = idx.len() == 1 && p.ipk == Some(idx[0]);
        let has_unique = s.table_indexes(p).any(|i| {
            i.unique
                && i.partial.is_none()
                && i.columns.len() == idx.len()
                && i.columns.iter().all(|c| idx.contains(&c.column))
        });
        if is_ipk || has_unique {
            Some(
                cols.iter()
                    .map(|c| {
                        p.columns
                            .iter()
                            .find(|x| x.name.eq_ignore_ascii_case(c))
                            .map(|x| x.name.clone())
                            .unwrap_or_else(|| c.clone())
                    })
                    .collect(),
            )
        } else {
            None
        }
    }

    /// Start of a top-level DML statement: allocate the violation counter and read the
    /// `foreign_keys` setting, when the schema has foreign keys.
    pub(super) fn fk_begin(&mut self) {
        if self.in_trigger() || self.trig.fk.is_some() || !self.schema_has_fks() {
            return;
        }
        let on = self.reg();
        self.emit4(Opcode::Noop, 0, on, 0, P4::Pragma("foreign_keys".into()), 0);
        self.trig.fk = Some((on, 0));
    }

    /// End of a top-level DML statement: fail if violations remain.
    pub(super) fn fk_end(&mut self) {
        if self.in_trigger() {
            return;
        }
        if self.trig.fk.take().is_some() {
            // The statement counter must be zero (deferred ones wait for COMMIT).
            self.emit(Opcode::FkCheck, 0, 0, 0);
        }
    }

    /// Count `delta` violations (times register `times` when non-zero) of `fk` (SQLite's
    /// `FkCounter`; see `exec.rs` for the P3 extension). A decrement is skipped while the
    /// counter is zero (SQLite's `FkIfZero`), so an orphan that existed before cannot hide a
    /// new violation.
    fn fk_count(&mut self, fk: &FkDef, delta: i32, times: i32) {
        let skip = self.label();
        if delta < 0 {
            self.emit(Opcode::FkIfZero, fk.deferred as i32, skip, 0);
        }
        self.emit4(
            Opcode::FkCounter,
            fk.deferred as i32,
            delta.abs(),
            times,
            P4::None,
            (delta < 0) as u16,
        );
        self.resolve(skip);
    }

    /// Compile `f` in a scope where `new`/`old` are the row images (as a trigger body).
    fn with_row_scope(
        &mut self,
        tab: &(usize, Table),
        new: Option<RowRegs>,
        old: Option<RowRegs>,
        f: impl FnOnce(&mut Self) -> Result<()>,
    ) -> Result<()> {
        let cols = self.row_cols(&tab.1)?;
        let scope = self.row_scope(tab, &cols, new, old);
        let saved = std::mem::replace(&mut self.scopes, vec![scope]);
        let saved_ctes = std::mem::take(&mut self.ctes);
        let r = f(self);
        self.scopes = saved;
        self.ctes = saved_ctes;
        r
    }

    fn fk_mismatch(&mut self, on: i32, fk: &FkDef) {
        let ok = self.label();
        self.emit(Opcode::IfNot, on, ok, 0);
        self.emit4(
            Opcode::Halt,
            SQLITE_ERROR,
            2,
            0,
            P4::Text(format!(
                "foreign key mismatch - \"{}\" referencing \"{}\"",
                fk.child, fk.parent
            )),
            0,
        );
        self.resolve(ok);
    }

    /// Child-side accounting for one row image of table `tab`: +1 (`delta` = 1, a new row)
    /// or -1 (an old row) when the row's key has no parent. `set_cols` limits an UPDATE to
    /// the foreign keys whose columns it assigns.
    pub(super) fn fk_child_row(
        &mut self,
        tab: &(usize, Table),
        img: RowRegs,
        delta: i32,
        set_cols: Option<&[String]>,
    ) -> Result<()> {
        let Some((on, _)) = self.trig.fk else {
            return Ok(());
        };
        let r = if delta > 0 { "new" } else { "old" };
        for fk in self.fks_of_child(&tab.1) {
            if let Some(sc) = set_cols {
                if !fk
                    .child_cols
                    .iter()
                    .any(|c| sc.iter().any(|s| s.eq_ignore_ascii_case(c)))
                {
                    continue;
                }
            }
            let Some(pk) = self.parent_key(tab.0, &fk) else {
                self.fk_mismatch(on, &fk);
                continue;
            };
            let nonnull: Vec<String> = fk
                .child_cols
                .iter()
                .map(|c| format!("{r}.{} IS NOT NULL", q(c)))
                .collect();
            let matchp: Vec<String> = pk
                .iter()
                .zip(&fk.child_cols)
                .map(|(p, c)| format!("{} = {r}.{}", q(p), q(c)))
                .collect();
            let mut cond = format!(
                "{} AND NOT EXISTS (SELECT 1 FROM {} WHERE {})",
                nonnull.join(" AND "),
                q(&fk.parent),
                matchp.join(" AND ")
            );
            if delta > 0 && fk.parent.eq_ignore_ascii_case(&tab.1.name) {
                // A row may reference itself.
                let own: Vec<String> = pk
                    .iter()
                    .zip(&fk.child_cols)
                    .map(|(p, c)| format!("{r}.{} = {r}.{}", q(p), q(c)))
                    .collect();
                cond = format!("{cond} AND NOT ({})", own.join(" AND "));
            }
            let e = parse_expr(&cond)?;
            let skip = self.label();
            self.emit(Opcode::IfNot, on, skip, 0);
            let (new, old) = if delta > 0 {
                (Some(img), None)
            } else {
                (None, Some(img))
            };
            self.with_row_scope(tab, new, old, |b| b.jump_if_false(&e, skip, true))?;
            self.fk_count(&fk, delta, 0);
            self.resolve(skip);
        }
        Ok(())
    }

    /// Parent-side accounting for one row image of table `tab` (`delta` = 1: an old key is
    /// removed, children referencing it count as violations; -1: a new key resolves them).
    /// `op` is the statement kind (for RESTRICT); `set_cols` limits an UPDATE to the keys it
    /// assigns.
    pub(super) fn fk_parent_row(
        &mut self,
        tab: &(usize, Table),
        img: RowRegs,
        delta: i32,
        op: TrigOp,
        set_cols: Option<&[String]>,
    ) -> Result<()> {
        let Some((on, _)) = self.trig.fk else {
            return Ok(());
        };
        let r = if delta > 0 { "old" } else { "new" };
        for fk in self.fks_of_parent(tab.0, &tab.1) {
            let Some(pk) = self.parent_key(tab.0, &fk) else {
                self.fk_mismatch(on, &fk);
                continue;
            };
            if let Some(sc) = set_cols {
                if !pk
                    .iter()
                    .any(|c| sc.iter().any(|s| s.eq_ignore_ascii_case(c)))
                {
                    continue;
                }
            }
            let matchc: Vec<String> = pk
                .iter()
                .zip(&fk.child_cols)
                .map(|(p, c)| format!("{} = {r}.{}", q(c), q(p)))
                .collect();
            let e = parse_expr(&format!(
                "(SELECT count(*) FROM {} WHERE {})",
                q(&fk.child),
                matchc.join(" AND ")
            ))?;
            let skip = self.label();
            self.emit(Opcode::IfNot, on, skip, 0);
            let n = self.reg();
            let (new, old) = if delta > 0 {
                (None, Some(img))
            } else {
                (Some(img), None)
            };
            self.with_row_scope(tab, new, old, |b| b.expr(&e, n))?;
            let action = match op {
                TrigOp::Delete => fk.on_delete,
                _ => fk.on_update,
            };
            self.emit(Opcode::IfNot, n, skip, 0);
            if delta > 0 && action == RefAct::Restrict {
                // RESTRICT fails at once, unless `defer_foreign_keys` makes it NO ACTION.
                let defer = self.reg();
                let no_action = self.label();
                self.emit4(
                    Opcode::Noop,
                    0,
                    defer,
                    0,
                    P4::Pragma("defer_foreign_keys".into()),
                    0,
                );
                self.emit(Opcode::If, defer, no_action, 0);
                self.emit4(
                    Opcode::Halt,
                    SQLITE_CONSTRAINT_TRIGGER,
                    2,
                    0,
                    P4::Text("FOREIGN KEY constraint failed".into()),
                    0,
                );
                self.resolve(no_action);
            }
            self.fk_count(&fk, delta, n);
            self.resolve(skip);
        }
        Ok(())
    }

    /// ON DELETE / ON UPDATE actions after a parent row was deleted (`new` None) or
    /// updated.
    pub(super) fn fk_actions(
        &mut self,
        tab: &(usize, Table),
        old: RowRegs,
        new: Option<RowRegs>,
        set_cols: Option<&[String]>,
        ignore: i32,
    ) -> Result<()> {
        let Some((on, _)) = self.trig.fk else {
            return Ok(());
        };
        for (k, fk) in self.fks_of_parent(tab.0, &tab.1).into_iter().enumerate() {
            let action = if new.is_some() {
                fk.on_update
            } else {
                fk.on_delete
            };
            if !matches!(
                action,
                RefAct::Cascade | RefAct::SetNull | RefAct::SetDefault
            ) {
                continue;
            }
            let Some(pk) = self.parent_key(tab.0, &fk) else {
                continue;
            };
            if let Some(sc) = set_cols {
                if !pk
                    .iter()
                    .any(|c| sc.iter().any(|s| s.eq_ignore_ascii_case(c)))
                {
                    continue;
                }
            }
            let child = self.schema(tab.0).and_then(|s| s.table(&fk.child)).cloned();
            let Some(child) = child else {
                continue;
            };
            let wh: Vec<String> = pk
                .iter()
                .zip(&fk.child_cols)
                .map(|(p, c)| format!("{} = old.{}", q(c), q(p)))
                .collect();
            let set_to = |i: usize, c: &String| -> String {
                match action {
                    RefAct::Cascade => format!("{} = new.{}", q(c), q(&pk[i])),
                    RefAct::SetNull => format!("{} = NULL", q(c)),
                    _ => {
                        let d = child
                            .column_index(c)
                            .and_then(|j| child.columns[j].default_text.clone())
                            .unwrap_or_else(|| "NULL".into());
                        format!("{} = {}", q(c), d)
                    }
                }
            };
            let stmt = match (action, new.is_some()) {
                (RefAct::Cascade, false) => {
                    format!("DELETE FROM {} WHERE {}", q(&fk.child), wh.join(" AND "))
                }
                _ => format!(
                    "UPDATE {} SET {} WHERE {}",
                    q(&fk.child),
                    fk.child_cols
                        .iter()
                        .enumerate()
                        .map(|(i, c)| set_to(i, c))
                        .collect::<Vec<_>>()
                        .join(", "),
                    wh.join(" AND ")
                ),
            };
            let when = match new {
                Some(_) => {
                    let changed: Vec<String> = pk
                        .iter()
                        .map(|p| format!("old.{} IS NOT new.{}", q(p), q(p)))
                        .collect();
                    format!(" WHEN {}", changed.join(" OR "))
                }
                None => String::new(),
            };
            let text = format!(
                "CREATE TRIGGER {} AFTER {} ON {}{} BEGIN {}; END",
                q(&format!(
                    "sqlite_fk_{}_{}_{}_{}",
                    tab.1.name,
                    fk.child,
                    k,
                    if new.is_some() { "u" } else { "d" }
                )),
                if new.is_some() { "UPDATE" } else { "DELETE" },
                q(&tab.1.name),
                when,
                stmt
            );
            let t = TriggerDef::parse(&text, tab.0)
                .ok_or_else(|| Error::sql(format!("internal: bad FK action {text}")))?;
            let _ = (TrigTime::After, on);
            let skip = self.label();
            self.emit(Opcode::IfNot, on, skip, 0);
            let cols = self.row_cols(&tab.1)?;
            self.fire_triggers(&[t], tab, &cols, new, Some(old), ignore, None)?;
            self.resolve(skip);
        }
        Ok(())
    }
}

fn parse_expr(text: &str) -> Result<ast::Expr> {
    match parse_one(&format!("SELECT {text}"))? {
        Stmt::Select(s) => match s.body.select {
            ast::OneSelect::Select { mut columns, .. } if columns.len() == 1 => {
                match columns.pop() {
                    Some(ast::ResultColumn::Expr(e, _)) => Ok(e),
                    _ => Err(Error::sql("internal: FK expression")),
                }
            }
            _ => Err(Error::sql("internal: FK expression")),
        },
        _ => Err(Error::sql("internal: FK expression")),
    }
}

fn action_name(a: RefAct) -> &'static str {
    match a {
        RefAct::SetNull => "SET NULL",
        RefAct::SetDefault => "SET DEFAULT",
        RefAct::Cascade => "CASCADE",
        RefAct::Restrict => "RESTRICT",
        RefAct::NoAction => "NO ACTION",
    }
}

impl<'a> Builder<'a> {
    /// `PRAGMA [db.]foreign_key_list(t)` and `PRAGMA [db.]foreign_key_check[(t)]` (also
    /// their table-valued forms, through `ddl.rs`'s pragma compiler). Foreign keys are
    /// numbered as SQLite numbers them: the last declared is id 0.
    pub(super) fn fk_pragma(
        &mut self,
        name: &str,
        dbn: Option<&str>,
        arg: Option<&str>,
    ) -> Result<Vec<String>> {
        let cols = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<String>>();
        if name == "foreign_key_list" {
            let Some(tname) = arg else {
                return Ok(vec![]);
            };
            let Ok((d, t)) = self.find_table(dbn, tname) else {
                // (SQLite declares the columns even when the table does not exist.)
                return Ok(cols(&[
                    "id",
                    "seq",
                    "table",
                    "from",
                    "to",
                    "on_update",
                    "on_delete",
                    "match",
                ]));
            };
            self.use_db(d, false);
            let mut fks = self.fks_of_child(t);
            fks.reverse();
            let base = self.regs(8);
            for (id, fk) in fks.iter().enumerate() {
                for (seq, c) in fk.child_cols.iter().enumerate() {
                    self.int(id as i64, base);
                    self.int(seq as i64, base + 1);
                    self.string(&fk.parent, base + 2);
                    self.string(c, base + 3);
                    match fk.parent_cols.as_ref().and_then(|p| p.get(seq)) {
                        Some(p) => self.string(p, base + 4),
                        None => self.null(base + 4),
                    }
                    self.string(action_name(fk.on_update), base + 5);
                    self.string(action_name(fk.on_delete), base + 6);
                    self.string("NONE", base + 7);
                    self.emit(Opcode::ResultRow, base, 8, 0);
                }
            }
            return Ok(cols(&[
                "id",
                "seq",
                "table",
                "from",
                "to",
                "on_update",
                "on_delete",
                "match",
            ]));
        }
        // foreign_key_check
        let tables: Vec<(usize, Table)> = match arg {
            Some(tname) => {
                let (d, t) = self.find_table(dbn, tname)?;
                vec![(d, t.clone())]
            }
            None => {
                let d = match dbn {
                    Some(_) => self.db_search_order(dbn)?.first().copied().unwrap_or(0),
                    None => 0,
                };
                // SQLite walks its table hash: most recently created first.
                let s = self
                    .schema(d)
                    .ok_or_else(|| Error::sql("no such database"))?;
                s.tables
                    .iter()
                    .rev()
                    .filter(|t| !t.is_view && t.root > 0)
                    .map(|t| (d, t.clone()))
                    .collect()
            }
        };
        let out = self.regs(4);
        for tab in tables {
            let mut fks = self.fks_of_child(&tab.1);
            if fks.is_empty() || tab.1.is_view {
                continue;
            }
            fks.reverse();
            self.use_db(tab.0, false);
            // Each parent must exist with a usable key, or the pragma fails.
            let mut keys = Vec::new();
            for fk in &fks {
                let exists = self
                    .schema(tab.0)
                    .and_then(|s| s.table(&fk.parent))
                    .is_some();
                if !exists {
                    keys.push(None);
                    continue;
                }
                match self.parent_key(tab.0, fk) {
                    Some(k) => keys.push(Some(k)),
                    None => {
                        return Err(Error::sql(format!(
                            "foreign key mismatch - \"{}\" referencing \"{}\"",
                            fk.child, fk.parent
                        )))
                    }
                }
            }
            let t = tab.1.clone();
            let ncol = t.columns.len();
            let cur = self.cursor();
            self.emit4(
                Opcode::OpenRead,
                cur,
                t.root as i32,
                tab.0 as i32,
                P4::Int32(ncol as i32),
                0,
            );
            let img = RowRegs {
                rowid: self.reg(),
                cols: self.regs(ncol.max(1)),
            };
            let done = self.label();
            self.emit(Opcode::Rewind, cur, done, 0);
            let top = self.addr();
            self.emit(Opcode::Rowid, cur, img.rowid, 0);
            for (i, c) in t.columns.iter().enumerate() {
                if t.ipk == Some(i) {
                    self.emit(Opcode::SCopy, img.rowid, img.cols + i as i32, 0);
                } else {
                    let p4 = super::schema::column_default_p4(c);
                    self.emit4(Opcode::Column, cur, i as i32, img.cols + i as i32, p4, 0);
                }
            }
            for (id, (fk, key)) in fks.iter().zip(&keys).enumerate() {
                let ok = self.label();
                for c in &fk.child_cols {
                    let Some(ci) = t.column_index(c) else {
                        return Err(Error::sql(format!(
                            "foreign key mismatch - \"{}\" referencing \"{}\"",
                            fk.child, fk.parent
                        )));
                    };
                    self.emit(Opcode::IsNull, img.cols + ci as i32, ok, 0);
                }
                if let Some(pk) = key {
                    let matchp: Vec<String> = pk
                        .iter()
                        .zip(&fk.child_cols)
                        .map(|(p, c)| format!("{} = new.{}", q(p), q(c)))
                        .collect();
                    let e = parse_expr(&format!(
                        "NOT EXISTS (SELECT 1 FROM {}.{} WHERE {})",
                        q(&self.db_name(tab.0)),
                        q(&fk.parent),
                        matchp.join(" AND ")
                    ))?;
                    self.with_row_scope(&tab, Some(img), None, |b| b.jump_if_false(&e, ok, true))?;
                }
                self.string(&t.name, out);
                self.emit(Opcode::SCopy, img.rowid, out + 1, 0);
                self.string(&fk.parent, out + 2);
                self.int(id as i64, out + 3);
                self.emit(Opcode::ResultRow, out, 4, 0);
                self.resolve(ok);
            }
            self.emit(Opcode::Next, cur, top, 0);
            self.resolve(done);
            self.emit(Opcode::Close, cur, 0, 0);
        }
        Ok(cols(&["table", "rowid", "parent", "fkid"]))
    }
}
