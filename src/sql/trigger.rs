//! Triggers: CREATE/DROP TRIGGER and firing.
//!
//! Design: a trigger body is compiled *inline* at each point where it fires (SQLite compiles
//! it once as a sub-program run by `OP_Program`; the effect is the same). The DML code
//! generator (`dml.rs`) calls [`Builder::fire_triggers`] with the registers holding the OLD
//! and NEW row images; the trigger's statements are compiled right there, in a fresh name
//! scope where only `new` and `old` are visible (two pseudo sources whose columns are mapped
//! to those registers through `Scope::col_regs`; their cursor numbers are never opened).
//!
//! Invariants:
//! - A trigger definition is never cached: it is parsed from its `sqlite_schema` row each
//!   time a statement that may fire it is compiled, so a schema change (which bumps the
//!   schema cookie and re-prepares statements) always takes effect.
//! - `Builder::trig.stack` holds the triggers whose bodies are being compiled. A trigger
//!   already on the stack is not fired again (SQLite's behaviour with
//!   `recursive_triggers=OFF`), which also bounds the inline expansion.
//! - `RAISE(IGNORE)` jumps to the innermost firing statement's "skip this row" label
//!   (`trig.ignore`); `RAISE(ABORT|FAIL|ROLLBACK, msg)` is a `Halt` with
//!   SQLITE_CONSTRAINT_TRIGGER and that action.
//! - `Once` guards emitted inside a trigger body are turned back into `Noop`: a body runs
//!   once per row, and SQLite re-evaluates its uncorrelated subqueries on each run.
//! - Statements inside a trigger do not count in `sqlite3_changes` and do not set
//!   `last_insert_rowid` (see `Builder::row_flags`).
//! - Triggers are stored in `sqlite_schema` exactly as SQLite stores them: type 'trigger',
//!   the trigger name, the table name, rootpage 0 and the statement text from `CREATE`
//!   through `END`.

use super::build::{Builder, Scope, Source, SrcCol};
use super::schema::{dequote, parse_one, Table};
use super::select::Dest;
use crate::error::codes::*;
use crate::error::{Error, Result};
use crate::vdbe::{Opcode, P4};
use sqlite3_parser::ast::{self, Expr, ResolveType, Stmt, TriggerCmd};

/// SQLITE_MAX_TRIGGER_DEPTH.
pub const MAX_TRIGGER_DEPTH: usize = 1000;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TrigTime {
    Before,
    After,
    InsteadOf,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TrigOp {
    Insert,
    Update,
    Delete,
}

/// A parsed trigger.
#[derive(Clone, Debug)]
pub struct TriggerDef {
    pub name: String,
    /// Database whose schema holds the trigger.
    pub db: usize,
    pub time: TrigTime,
    pub op: TrigOp,
    /// `UPDATE OF` column names.
    pub update_of: Option<Vec<String>>,
    pub table: String,
    pub when: Option<Expr>,
    pub commands: Vec<TriggerCmd>,
}

/// Trigger compilation state carried by the builder.
#[derive(Default, Clone, Debug)]
pub struct TrigState {
    /// (database, trigger name) of the bodies being compiled, outermost first.
    pub stack: Vec<(usize, String)>,
    /// `RAISE(IGNORE)` targets, innermost last.
    pub ignore: Vec<i32>,
    /// Conflict clause of the statement that fired each active trigger (`None` = default).
    pub orconf: Vec<Option<ResolveType>>,
    /// Text of each RETURNING term of the top-level statement (for column names).
    pub returning_spans: Option<Vec<String>>,
    /// Foreign keys: (register holding the `foreign_keys` setting, unused) of the
    /// top-level statement (see `fkey.rs`).
    pub fk: Option<(i32, i32)>,
    /// Trigger bodies compiled as sub-programs (frame mode) in this program.
    pub units: Vec<Unit>,
    /// Index in `stack` where the outermost sub-program body starts (`None`: compiling
    /// inline).
    pub unit_base: Option<usize>,
    /// Triggers found firing themselves (directly or not) while compiled inline: they are
    /// compiled again as sub-programs.
    pub seen: Vec<(usize, String)>,
    /// Trigger identities of `Program` P4[2] (runtime recursion check).
    pub ids: Vec<(usize, String)>,
}

/// A trigger body compiled once as a sub-program (see [`Builder::fire_frame`]).
#[derive(Clone, Debug)]
pub struct Unit {
    key: String,
    /// Label of the body's first instruction.
    start: i32,
    /// First register of the row images the body reads (new then old: rowid, columns).
    param_base: i32,
}

/// Registers holding one row image: the rowid and the first of the column registers (the
/// INTEGER PRIMARY KEY column's register is not read: the rowid stands for it).
#[derive(Clone, Copy, Debug)]
pub struct RowRegs {
    pub rowid: i32,
    pub cols: i32,
}

impl TriggerDef {
    /// Parse a CREATE TRIGGER statement stored in database `db`.
    pub fn parse(sql: &str, db: usize) -> Option<TriggerDef> {
        match parse_one(sql).ok()? {
            Stmt::CreateTrigger {
                trigger_name,
                time,
                event,
                tbl_name,
                when_clause,
                commands,
                ..
            } => {
                let (op, update_of) = match event {
                    ast::TriggerEvent::Insert => (TrigOp::Insert, None),
                    ast::TriggerEvent::Delete => (TrigOp::Delete, None),
                    ast::TriggerEvent::Update => (TrigOp::Update, None),
                    ast::TriggerEvent::UpdateOf(cols) => (
                        TrigOp::Update,
                        Some(cols.iter().map(|c| dequote(&c.0)).collect()),
                    ),
                };
                Some(TriggerDef {
                    name: dequote(&trigger_name.name.0),
                    db,
                    time: match time {
                        Some(ast::TriggerTime::After) => TrigTime::After,
                        Some(ast::TriggerTime::InsteadOf) => TrigTime::InsteadOf,
                        _ => TrigTime::Before,
                    },
                    op,
                    update_of,
                    table: dequote(&tbl_name.name.0),
                    when: when_clause,
                    commands,
                })
            }
            _ => None,
        }
    }
}

/// The text SQLite stores for a CREATE TRIGGER: from its first token through `END`.
pub fn trigger_text(sql: &str) -> String {
    use sqlite3_parser::lexer::sql::{TokenType, Tokenizer};
    use sqlite3_parser::lexer::Scanner;
    let b = sql.as_bytes();
    let mut sc = Scanner::new(Tokenizer::new());
    let mut first = None;
    let mut last = 0;
    let mut end_seen = false;
    while let Ok((start, Some((_, tt)), end)) = sc.scan(b) {
        if tt == TokenType::TK_SEMI && end_seen {
            break;
        }
        end_seen = tt == TokenType::TK_END;
        if first.is_none() {
            first = Some(start);
        }
        if tt != TokenType::TK_SEMI {
            last = end;
        }
    }
    let f = first.unwrap_or(0);
    sql.get(f..last.max(f)).unwrap_or("").to_string()
}

impl<'a> Builder<'a> {
    /// Triggers of `op` at `time` on table `table` of database `db`, in firing order (SQLite
    /// fires the most recently created trigger first). `set_cols` = the columns an UPDATE
    /// assigns (for `UPDATE OF`).
    pub(super) fn triggers_for(
        &self,
        db: usize,
        table: &str,
        op: TrigOp,
        time: TrigTime,
        set_cols: Option<&[String]>,
    ) -> Vec<TriggerDef> {
        let mut out = Vec::new();
        for (d, (_, schema)) in self.ctx.schemas.iter().enumerate() {
            // A TEMP trigger may be on a table of another database.
            if d != db && d != 1 {
                continue;
            }
            for row in &schema.rows {
                if row.kind != "trigger" || !row.tbl_name.eq_ignore_ascii_case(table) {
                    continue;
                }
                if d == 1 && db != 1 {
                    // Only if the name resolves to this database's table.
                    match self.find_table(None, table) {
                        Ok((td, _)) if td == db => {}
                        _ => continue,
                    }
                }
                let Some(sql) = row.sql.as_deref() else {
                    continue;
                };
                let Some(t) = TriggerDef::parse(sql, d) else {
                    continue;
                };
                if t.op != op || t.time != time {
                    continue;
                }
                if let (Some(of), Some(set)) = (&t.update_of, set_cols) {
                    if !of
                        .iter()
                        .any(|c| set.iter().any(|s| s.eq_ignore_ascii_case(c)))
                    {
                        continue;
                    }
                }
                out.push(t);
            }
        }
        // TEMP triggers (database 1) fire first, each schema newest first.
        out.sort_by_key(|t| if t.db == 1 { 0 } else { 1 });
        let mut res = Vec::new();
        for g in [true, false] {
            let mut part: Vec<_> = out.iter().filter(|t| (t.db == 1) == g).cloned().collect();
            part.reverse();
            res.extend(part);
        }
        res
    }

    /// Whether any trigger of `op` exists on the table (any time).
    pub(super) fn has_triggers(&self, db: usize, table: &str, op: TrigOp) -> bool {
        [TrigTime::Before, TrigTime::After, TrigTime::InsteadOf]
            .iter()
            .any(|tm| !self.triggers_for(db, table, op, *tm, None).is_empty())
    }

    /// P5 flags for a row write: statements inside a trigger don't count changes nor set
    /// the last insert rowid.
    pub(super) fn in_trigger(&self) -> bool {
        !self.trig.stack.is_empty()
    }

    /// Fire `trigs` for one row. `tab` is the table (or view) and its database; `cols` describes the row (names, affinities; `is_rowid`
    /// marks the INTEGER PRIMARY KEY); `new`/`old` are the row images; `ignore` is where
    /// `RAISE(IGNORE)` goes; `orconf` is the firing statement's conflict clause.
    pub(super) fn fire_triggers(
        &mut self,
        trigs: &[TriggerDef],
        tab: &(usize, Table),
        cols: &[SrcCol],
        new: Option<RowRegs>,
        old: Option<RowRegs>,
        ignore: i32,
        orconf: Option<ResolveType>,
    ) -> Result<()> {
        for t in trigs {
            let same = |x: &(usize, String)| x.0 == t.db && x.1.eq_ignore_ascii_case(&t.name);
            // FK actions (synthesized triggers) may always fire themselves; named triggers
            // when `recursive_triggers` is on (checked at run time by `Program`).
            let p5 = if t.name.starts_with("sqlite_fk_") {
                0
            } else {
                2
            };
            if let Some(base) = self.trig.unit_base {
                if self.trig.stack[..base].iter().any(same) {
                    // Running inline around this body: that firing is redone as a frame.
                    self.trig.seen.push((t.db, t.name.clone()));
                    continue;
                }
                self.fire_frame(t, tab, cols, new, old, ignore, orconf, p5)?;
                continue;
            }
            if self.trig.stack.iter().any(same) {
                self.trig.seen.push((t.db, t.name.clone()));
                continue;
            }
            if self.trig.stack.len() >= MAX_TRIGGER_DEPTH {
                return Err(Error::sql("too many levels of trigger recursion"));
            }
            let mark = (self.ops.len(), self.trig.units.len(), self.trig.seen.len());
            let scope = self.row_scope(tab, cols, new, old);
            let saved_scopes = std::mem::replace(&mut self.scopes, vec![scope]);
            let saved_ctes = std::mem::take(&mut self.ctes);
            self.trig.stack.push((t.db, t.name.clone()));
            self.trig.ignore.push(ignore);
            self.trig.orconf.push(orconf);
            let start = self.addr();
            let r = self.trigger_body(t);
            let end = self.addr();
            self.trig.stack.pop();
            self.trig.ignore.pop();
            self.trig.orconf.pop();
            self.scopes = saved_scopes;
            self.ctes = saved_ctes;
            r?;
            if self.trig.seen[mark.2..].iter().any(same) {
                // The body fires this trigger again: compile it as a sub-program instead,
                // so that the recursion happens (or is refused) at run time.
                self.ops.truncate(mark.0);
                self.trig.units.truncate(mark.1);
                self.trig.seen.truncate(mark.2);
                self.fire_frame(t, tab, cols, new, old, ignore, orconf, p5)?;
                continue;
            }
            self.once_to_noop(start as usize, end as usize);
        }
        Ok(())
    }

    /// `Once` guards in a trigger body become `Noop`: the body runs once per row.
    fn once_to_noop(&mut self, start: usize, end: usize) {
        for op in self.ops[start..end].iter_mut() {
            if op.opcode == Opcode::Once {
                op.opcode = Opcode::Noop;
                op.p2 = 0;
            }
        }
    }

    /// Fire trigger `t` as a sub-program (`Program`): its body is compiled once per program
    /// (per row-image shape and conflict clause), skipped over by a `Goto`, and run on its
    /// own registers and cursors; the row images are copied into its parameter registers.
    /// `p5`: 0 = may recurse, 2 = may recurse only under `recursive_triggers`.
    #[allow(clippy::too_many_arguments)]
    fn fire_frame(
        &mut self,
        t: &TriggerDef,
        tab: &(usize, Table),
        cols: &[SrcCol],
        new: Option<RowRegs>,
        old: Option<RowRegs>,
        ignore: i32,
        orconf: Option<ResolveType>,
        p5: u16,
    ) -> Result<()> {
        let ncols = cols.len() as i32;
        let width = |img: bool| if img { 1 + ncols } else { 0 };
        let n = width(new.is_some()) + width(old.is_some());
        let base = self.trig.unit_base.unwrap_or(self.trig.stack.len());
        let key = format!(
            "{}\x00{}\x00{}\x00{}{}\x00{:?}\x00{:?}",
            t.db,
            t.name.to_ascii_lowercase(),
            tab.1.name.to_ascii_lowercase(),
            new.is_some(),
            old.is_some(),
            orconf,
            &self.trig.stack[..base.min(self.trig.stack.len())]
        );
        let unit = match self.trig.units.iter().find(|u| u.key == key) {
            Some(u) => u.clone(),
            None => self.compile_unit(t, tab, cols, new.is_some(), old.is_some(), orconf, key)?,
        };
        let tid = match self
            .trig
            .ids
            .iter()
            .position(|x| x.0 == t.db && x.1.eq_ignore_ascii_case(&t.name))
        {
            Some(i) => i,
            None => {
                self.trig.ids.push((t.db, t.name.clone()));
                self.trig.ids.len() - 1
            }
        } as i32;
        let blk = self.regs(n.max(1) as usize);
        let mut at = blk;
        for img in [new, old].into_iter().flatten() {
            self.emit(Opcode::Copy, img.rowid, at, 0);
            if ncols > 0 {
                self.emit(Opcode::Copy, img.cols, at + 1, ncols - 1);
            }
            at += 1 + ncols;
        }
        self.emit4(
            Opcode::Program,
            blk,
            unit.start,
            n,
            P4::IntArray(vec![unit.param_base, tid, tid]),
            p5,
        );
        // RAISE(IGNORE) in the body returns here.
        self.goto(ignore);
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn compile_unit(
        &mut self,
        t: &TriggerDef,
        tab: &(usize, Table),
        cols: &[SrcCol],
        has_new: bool,
        has_old: bool,
        orconf: Option<ResolveType>,
        key: String,
    ) -> Result<Unit> {
        let ncols = cols.len() as i32;
        let n = if has_new { 1 + ncols } else { 0 } + if has_old { 1 + ncols } else { 0 };
        let pb = self.regs(n.max(1) as usize);
        let new = has_new.then_some(RowRegs {
            rowid: pb,
            cols: pb + 1,
        });
        let ob = pb + if has_new { 1 + ncols } else { 0 };
        let old = has_old.then_some(RowRegs {
            rowid: ob,
            cols: ob + 1,
        });
        let unit = Unit {
            key,
            start: self.label(),
            param_base: pb,
        };
        self.trig.units.push(unit.clone());
        let after = self.label();
        self.goto(after);
        self.resolve(unit.start);
        let body_start = self.addr() as usize;
        if let Some((on, _)) = self.trig.fk {
            // Fresh registers: read the setting again.
            self.emit4(Opcode::Noop, 0, on, 0, P4::Pragma("foreign_keys".into()), 0);
        }
        let ign = self.label();
        let scope = self.row_scope(tab, cols, new, old);
        let saved_scopes = std::mem::replace(&mut self.scopes, vec![scope]);
        let saved_ctes = std::mem::take(&mut self.ctes);
        let saved_base = self.trig.unit_base;
        if saved_base.is_none() {
            self.trig.unit_base = Some(self.trig.stack.len());
        }
        self.trig.stack.push((t.db, t.name.clone()));
        self.trig.ignore.push(ign);
        self.trig.orconf.push(orconf);
        let r = self.trigger_body(t);
        self.trig.stack.pop();
        self.trig.ignore.pop();
        self.trig.orconf.pop();
        self.trig.unit_base = saved_base;
        self.scopes = saved_scopes;
        self.ctes = saved_ctes;
        r?;
        self.emit(Opcode::Halt, 0, 0, 0);
        self.resolve(ign);
        self.emit(Opcode::Halt, 0, 4, 0);
        let end = self.addr() as usize;
        self.once_to_noop(body_start, end);
        self.resolve(after);
        Ok(unit)
    }

    /// A name scope where only `new` and `old` are visible, bound to the row images.
    pub(super) fn row_scope(
        &mut self,
        tab: &(usize, Table),
        cols: &[SrcCol],
        new: Option<RowRegs>,
        old: Option<RowRegs>,
    ) -> Scope {
        let mut scope = Scope::default();
        for (nm, img) in [("new", new), ("old", old)] {
            let cur = self.cursor();
            let mut cs = cols.to_vec();
            if img.is_none() {
                // Referencing new/old where it does not exist is an error; a source
                // without columns gives "no such column".
                cs.clear();
            }
            scope.sources.push(Source {
                name: nm.to_string(),
                cursor: cur,
                cols: cs,
                table: if img.is_some() {
                    Some(tab.clone())
                } else {
                    None
                },
                using_hidden: vec![],
            });
            if let Some(r) = img {
                scope.col_regs.push(((cur, -1), r.rowid));
                for i in 0..cols.len() {
                    scope.col_regs.push(((cur, i as i32), r.cols + i as i32));
                }
            }
        }
        scope
    }

    /// A trigger body: changes() and last_insert_rowid() are saved first and put back at
    /// the end (SQLite's frame restore); after each statement its rows are counted
    /// (`ResetCount` P1 = 1: changes() inside the body, total_changes()).
    fn trigger_body(&mut self, t: &TriggerDef) -> Result<()> {
        let end = self.label();
        let saved = self.regs(2);
        self.emit(Opcode::ResetCount, 2, saved, 0);
        if let Some(w) = &t.when {
            self.jump_if_false(w, end, true)?;
        }
        for cmd in &t.commands {
            self.trigger_cmd(cmd)?;
            if !matches!(cmd, TriggerCmd::Select(_)) {
                self.emit(Opcode::ResetCount, 1, 0, 0);
            }
        }
        self.resolve(end);
        self.emit(Opcode::ResetCount, 3, saved, 0);
        Ok(())
    }

    fn trigger_cmd(&mut self, cmd: &TriggerCmd) -> Result<()> {
        let outer = self.trig.orconf.last().copied().flatten();
        let pick = |own: Option<ResolveType>| outer.or(own);
        match cmd {
            TriggerCmd::Update {
                or_conflict,
                tbl_name,
                sets,
                from,
                where_clause,
            } => {
                let q = ast::QualifiedName::single(tbl_name.clone());
                self.update_stmt(
                    pick(*or_conflict),
                    &q,
                    sets,
                    from.as_ref(),
                    where_clause.as_ref(),
                    None,
                )
                .map(|_| ())
            }
            TriggerCmd::Insert {
                or_conflict,
                tbl_name,
                col_names,
                select,
                upsert,
                returning,
            } => {
                if returning.is_some() {
                    return Err(Error::sql("cannot use RETURNING in a trigger"));
                }
                let q = ast::QualifiedName::single(tbl_name.clone());
                let body = ast::InsertBody::Select(select.clone(), upsert.clone());
                self.insert_stmt(pick(*or_conflict), &q, col_names.as_ref(), &body, None)
                    .map(|_| ())
            }
            TriggerCmd::Delete {
                tbl_name,
                where_clause,
            } => {
                let q = ast::QualifiedName::single(tbl_name.clone());
                self.delete_stmt(&q, where_clause.as_ref(), None)
                    .map(|_| ())
            }
            TriggerCmd::Select(sel) => {
                let eph = self.cursor();
                let at = self.emit(Opcode::OpenEphemeral, eph, 1, 0);
                let infos = self.select(sel, Dest::Eph(eph))?;
                if let Some(op) = self.ops.get_mut(at as usize) {
                    op.p2 = infos.len().max(1) as i32;
                }
                self.emit(Opcode::Close, eph, 0, 0);
                Ok(())
            }
        }
    }

    /// `RAISE(...)` in an expression.
    pub(super) fn raise(&mut self, rt: ResolveType, msg: Option<&Expr>, target: i32) -> Result<()> {
        if self.trig.stack.is_empty() {
            return Err(Error::sql(
                "RAISE() may only be used within a trigger-program",
            ));
        }
        let action = match rt {
            ResolveType::Ignore => {
                let l = self.trig.ignore.last().copied().unwrap_or(0);
                self.goto(l);
                self.null(target);
                return Ok(());
            }
            ResolveType::Rollback => 1,
            ResolveType::Fail => 3,
            _ => 2,
        };
        let text = match msg {
            Some(Expr::Literal(ast::Literal::String(s))) => super::expr::unquote_string(s),
            Some(Expr::Id(i)) => dequote(&i.0),
            Some(Expr::Name(n)) => dequote(&n.0),
            Some(e) => super::schema::expr_text(e),
            None => String::new(),
        };
        self.emit4(
            Opcode::Halt,
            SQLITE_CONSTRAINT_TRIGGER,
            action,
            0,
            P4::Text(text),
            0,
        );
        self.null(target);
        Ok(())
    }

    /// Columns of a table or view as trigger row sources.
    pub(super) fn row_cols(&self, t: &Table) -> Result<Vec<SrcCol>> {
        if t.is_view {
            let sel = t
                .view_select
                .as_deref()
                .ok_or_else(|| Error::sql(format!("no such view: {}", t.name)))?;
            let mut scratch = Builder::new(self.ctx);
            let infos = scratch.select(sel, Dest::Output)?;
            return Ok(infos
                .into_iter()
                .map(|i| SrcCol {
                    name: i.name,
                    affinity: i.affinity,
                    collation: None,
                    decltype: i.decltype,
                    is_rowid: false,
                })
                .collect());
        }
        Ok(t.columns
            .iter()
            .enumerate()
            .map(|(i, c)| SrcCol {
                name: c.name.clone(),
                affinity: c.affinity,
                collation: c.collation.clone(),
                decltype: c.decltype.clone(),
                is_rowid: t.ipk == Some(i),
            })
            .collect())
    }

    /// CREATE TRIGGER.
    pub(super) fn create_trigger(&mut self, stmt: &Stmt, text: &str) -> Result<()> {
        let Stmt::CreateTrigger {
            temporary,
            if_not_exists,
            trigger_name,
            time,
            tbl_name,
            commands,
            ..
        } = stmt
        else {
            return Err(Error::sql("not a CREATE TRIGGER"));
        };
        let name = dequote(&trigger_name.name.0);
        let tname = dequote(&tbl_name.name.0);
        if *temporary && trigger_name.db_name.is_some() {
            return Err(Error::sql("temporary trigger may not have qualified name"));
        }
        let tdb_name = trigger_name
            .db_name
            .as_ref()
            .or(tbl_name.db_name.as_ref())
            .map(|d| dequote(&d.0));
        let (tdb, t) = self.find_table(tdb_name.as_deref(), &tname).map_err(|_| {
            Error::sql(format!(
                "no such table: {}.{}",
                tdb_name.clone().unwrap_or_else(|| "main".into()),
                tname
            ))
        })?;
        let db = if *temporary {
            if self.ctx.schemas.len() < 2 {
                return Err(Error::sql("temporary triggers are not available"));
            }
            1
        } else {
            match &trigger_name.db_name {
                Some(d) => self.db_search_order(Some(&dequote(&d.0)))?[0],
                None => tdb,
            }
        };
        if !*temporary && db != tdb && tdb != 1 {
            return Err(Error::sql(format!(
                "cannot create triggers on tables in a different database"
            )));
        }
        if name.len() >= 7 && name[..7].eq_ignore_ascii_case("sqlite_") {
            return Err(Error::sql(format!(
                "object name reserved for internal use: {name}"
            )));
        }
        if self.trigger_exists(db, &name) {
            if *if_not_exists {
                self.use_db(db, false);
                return Ok(());
            }
            return Err(Error::sql(format!("trigger {name} already exists")));
        }
        if t.root == 1 || (t.name.len() >= 7 && t.name[..7].eq_ignore_ascii_case("sqlite_")) {
            return Err(Error::sql("cannot create trigger on system table"));
        }
        match (time, t.is_view) {
            (Some(ast::TriggerTime::InsteadOf), false) => {
                return Err(Error::sql(format!(
                    "cannot create INSTEAD OF trigger on table: {}",
                    t.name
                )))
            }
            (Some(ast::TriggerTime::InsteadOf), true) => {}
            (tm, true) => {
                return Err(Error::sql(format!(
                    "cannot create {} trigger on view: {}",
                    if matches!(tm, Some(ast::TriggerTime::After)) {
                        "AFTER"
                    } else {
                        "BEFORE"
                    },
                    t.name
                )))
            }
            _ => {}
        }
        for c in commands {
            if let TriggerCmd::Insert {
                returning: Some(_), ..
            } = c
            {
                return Err(Error::sql("cannot use RETURNING in a trigger"));
            }
        }
        let tab_name = t.name.clone();
        let stored = trigger_text(text);
        self.use_db(db, true);
        let c = self.cursor();
        self.emit4(Opcode::OpenWrite, c, 1, db as i32, P4::Int32(5), 0);
        let base = self.regs(5);
        let rid = self.reg();
        let rec = self.reg();
        self.emit(Opcode::NewRowid, c, rid, 0);
        self.string("trigger", base);
        self.string(&name, base + 1);
        self.string(&tab_name, base + 2);
        self.int(0, base + 3);
        self.string(&stored, base + 4);
        self.emit4(
            Opcode::MakeRecord,
            base,
            5,
            rec,
            P4::Affinity("BBBDB".into()),
            0,
        );
        self.emit4(
            Opcode::Insert,
            c,
            rec,
            rid,
            P4::Table("sqlite_schema".into()),
            0,
        );
        self.emit(Opcode::Close, c, 0, 0);
        let cookie = self.schema(db).map(|s| s.cookie).unwrap_or(0);
        self.emit(
            Opcode::SetCookie,
            db as i32,
            1,
            cookie.wrapping_add(1) as i32,
        );
        self.emit4(
            Opcode::ParseSchema,
            db as i32,
            0,
            0,
            P4::Text(format!(
                "type='trigger' AND name='{}'",
                name.replace('\'', "''")
            )),
            0,
        );
        Ok(())
    }

    fn trigger_exists(&self, db: usize, name: &str) -> bool {
        self.schema(db)
            .map(|s| {
                s.rows
                    .iter()
                    .any(|r| r.kind == "trigger" && r.name.eq_ignore_ascii_case(name))
            })
            .unwrap_or(false)
    }

    /// DROP TRIGGER.
    pub(super) fn drop_trigger(&mut self, if_exists: bool, q: &ast::QualifiedName) -> Result<()> {
        let name = dequote(&q.name.0);
        let dbn = q.db_name.as_ref().map(|d| dequote(&d.0));
        let mut hit = None;
        for d in self.db_search_order(dbn.as_deref())? {
            if self.trigger_exists(d, &name) {
                hit = Some(d);
                break;
            }
        }
        let db = match hit {
            Some(d) => d,
            None => {
                if if_exists {
                    self.use_db(0, false);
                    return Ok(());
                }
                return Err(Error::sql(format!("no such trigger: {name}")));
            }
        };
        self.use_db(db, true);
        // Delete the schema row(s) of type 'trigger' with this name.
        let c = self.cursor();
        self.emit4(Opcode::OpenWrite, c, 1, db as i32, P4::Int32(5), 0);
        let r = self.reg();
        let nm = self.reg();
        let ty = self.reg();
        let tr = self.reg();
        self.string(&name, nm);
        self.string("trigger", tr);
        let done = self.label();
        let next = self.label();
        self.emit(Opcode::Rewind, c, done, 0);
        let top = self.addr();
        self.emit(Opcode::Column, c, 0, ty);
        self.emit4(Opcode::Ne, tr, next, ty, P4::Coll(None), 0x10);
        self.emit(Opcode::Column, c, 1, r);
        let nocase = self.collation(Some("NOCASE"))?;
        self.emit4(Opcode::Ne, nm, next, r, P4::Coll(nocase), 0x10);
        self.emit(Opcode::Delete, c, 0, 0);
        self.resolve(next);
        self.emit(Opcode::Next, c, top, 0);
        self.resolve(done);
        self.emit(Opcode::Close, c, 0, 0);
        let cookie = self.schema(db).map(|s| s.cookie).unwrap_or(0);
        self.emit(
            Opcode::SetCookie,
            db as i32,
            1,
            cookie.wrapping_add(1) as i32,
        );
        self.emit4(Opcode::DropTrigger, db as i32, 0, 0, P4::Text(name), 0);
        Ok(())
    }
}
