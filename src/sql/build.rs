//! Program builder: instruction list, registers, cursors, forward labels, name scopes.
//!
//! Invariants:
//! - A label is a negative number `-(k+1)`; any jump operand (`p2`) may hold one until
//!   [`Builder::finish`], which replaces every negative `p2` by the label's address. Registers
//!   and cursor numbers are never negative, so no other operand is mistaken for a label.
//! - Registers are allocated from 1 upward and never freed (programs stay small).
//! - `scopes` is a stack: the innermost SELECT's FROM sources are last; name resolution
//!   searches it from the innermost scope outward (correlated subqueries read the outer
//!   cursors, which are positioned on the current outer row while the inner code runs).
//! - Program layout: `Init` at 0 jumps to the transaction prologue appended by `finish`, which
//!   jumps back to address 1.

use super::schema::{Schema, Table, AFF_INTEGER};
use super::CompileContext;
use crate::btree::{Collation, KeyInfo};
use crate::error::{Error, Result};
use crate::value::Value;
use crate::vdbe::{Op, Opcode, Program, P4};
use sqlite3_parser::ast;
use std::cmp::Ordering;
use std::sync::Arc;

/// One column visible through a FROM source.
#[derive(Clone, Debug)]
pub struct SrcCol {
    pub name: String,
    pub affinity: u8,
    pub collation: Option<String>,
    pub decltype: Option<String>,
    /// This column is the rowid alias: read it with `Rowid`.
    pub is_rowid: bool,
}

/// A FROM-clause item bound to a cursor.
#[derive(Clone, Debug)]
pub struct Source {
    /// Name used to qualify columns (alias or table name).
    pub name: String,
    pub cursor: i32,
    pub cols: Vec<SrcCol>,
    /// Real table (has a rowid), with its database index.
    pub table: Option<(usize, Table)>,
    /// Columns of this source are hidden from unqualified lookup (USING/NATURAL right side).
    pub using_hidden: Vec<String>,
}

/// Expression replacements active in a scope (aggregate results, GROUP BY terms, bare
/// columns of an aggregate query, materialized result columns).
#[derive(Default, Clone)]
pub struct Scope {
    pub sources: Vec<Source>,
    pub overrides: Vec<(ast::Expr, i32)>,
    /// (cursor, column or -1 for rowid) -> register holding its value.
    pub col_regs: Vec<((i32, i32), i32)>,
    /// Result-column aliases usable in WHERE/ORDER BY/GROUP BY (name, expr).
    pub aliases: Vec<(String, ast::Expr)>,
}

/// A WITH-clause table.
#[derive(Clone)]
pub struct Cte {
    pub name: String,
    pub select: ast::Select,
    pub columns: Option<Vec<String>>,
    pub recursive: bool,
    /// While the recursive step runs: the cursor holding the current row and its columns.
    pub bound: Option<(i32, Vec<SrcCol>)>,
}

/// A resolved column reference.
#[derive(Clone, Debug)]
pub struct ColRef {
    pub cursor: i32,
    /// Column number, or -1 for the rowid.
    pub col: i32,
    pub affinity: u8,
    pub collation: Option<String>,
    pub decltype: Option<String>,
    pub origin: Option<(String, String, String)>,
    pub name: String,
}

pub struct Builder<'a> {
    pub ctx: &'a CompileContext<'a>,
    pub ops: Vec<Op>,
    pub n_mem: i32,
    pub n_cursor: i32,
    labels: Vec<Option<i32>>,
    pub params: Vec<Option<String>>,
    /// `params` was filled from the source text before compiling (see `number_params` in
    /// `mod.rs`): anonymous `?` were rewritten as `?N`, and `param` only looks numbers up.
    pub params_fixed: bool,
    pub readonly: bool,
    /// (database, write) pairs that need a `Transaction` in the prologue.
    pub tx: Vec<(usize, bool)>,
    pub scopes: Vec<Scope>,
    /// EXPLAIN QUERY PLAN lines: (id, parent, detail).
    pub eqp: Vec<(i32, i32, String)>,
    pub eqp_parent: i32,
    pub depth: usize,
    /// Nesting of SELECTs (subqueries), limited like expressions.
    pub sel_depth: usize,
    /// Common table expressions in scope (innermost last): name, definition, column names;
    /// a recursive CTE being evaluated is bound to a cursor holding the current row.
    pub ctes: Vec<Cte>,
    /// Open subquery correlation probes: (scope depth where the subquery starts, saw an
    /// outer reference).
    pub corr: std::cell::RefCell<Vec<(usize, bool)>>,
    /// Source text of the top-level SELECT's result columns (for column names).
    pub col_spans: Option<Vec<String>>,
    /// Don't emit `Transaction` ops (BEGIN/COMMIT etc.).
    pub no_tx: bool,
    /// Virtual-table FROM items opened so far (`sql/vtab.rs`).
    pub vtab_srcs: Vec<super::vtab::VtabSrc>,
    /// HIDDEN columns of other sources (pragma table-valued functions): (cursor, name).
    pub hidden_cols: Vec<(i32, String)>,
    /// ON terms produced by opening a FROM item (table-valued function arguments).
    pub pending_on: Vec<ast::Expr>,
    /// Trigger bodies being compiled inline (see `trigger.rs`).
    pub trig: super::trigger::TrigState,
}

pub const MAX_EXPR_DEPTH: usize = 1000;

impl<'a> Builder<'a> {
    pub fn new(ctx: &'a CompileContext<'a>) -> Builder<'a> {
        let mut b = Builder {
            ctx,
            ops: Vec::new(),
            n_mem: 0,
            n_cursor: 0,
            labels: Vec::new(),
            params: Vec::new(),
            params_fixed: false,
            readonly: true,
            tx: Vec::new(),
            scopes: Vec::new(),
            eqp: Vec::new(),
            eqp_parent: 0,
            depth: 0,
            sel_depth: 0,
            ctes: Vec::new(),
            corr: std::cell::RefCell::new(Vec::new()),
            col_spans: None,
            no_tx: false,
            vtab_srcs: Vec::new(),
            hidden_cols: Vec::new(),
            pending_on: Vec::new(),
            trig: Default::default(),
        };
        b.emit(Opcode::Init, 0, 0, 0);
        b
    }

    pub fn addr(&self) -> i32 {
        self.ops.len() as i32
    }

    pub fn emit(&mut self, opcode: Opcode, p1: i32, p2: i32, p3: i32) -> i32 {
        self.emit4(opcode, p1, p2, p3, P4::None, 0)
    }

    pub fn emit4(&mut self, opcode: Opcode, p1: i32, p2: i32, p3: i32, p4: P4, p5: u16) -> i32 {
        self.ops.push(Op {
            opcode,
            p1,
            p2,
            p3,
            p4,
            p5,
            comment: None,
        });
        self.ops.len() as i32 - 1
    }

    pub fn set_p2(&mut self, addr: i32, p2: i32) {
        if let Some(op) = self.ops.get_mut(addr as usize) {
            op.p2 = p2;
        }
    }

    pub fn reg(&mut self) -> i32 {
        self.n_mem += 1;
        self.n_mem
    }

    pub fn regs(&mut self, n: usize) -> i32 {
        let first = self.n_mem + 1;
        self.n_mem += n as i32;
        first
    }

    pub fn cursor(&mut self) -> i32 {
        self.n_cursor += 1;
        self.n_cursor - 1
    }

    pub fn label(&mut self) -> i32 {
        self.labels.push(None);
        -(self.labels.len() as i32)
    }

    pub fn resolve(&mut self, label: i32) {
        let a = self.addr();
        if label < 0 {
            if let Some(slot) = self.labels.get_mut((-label - 1) as usize) {
                *slot = Some(a);
            }
        }
    }

    pub fn goto(&mut self, label: i32) {
        self.emit(Opcode::Goto, 0, label, 0);
    }

    pub fn int(&mut self, v: i64, reg: i32) {
        if v >= i32::MIN as i64 && v <= i32::MAX as i64 {
            self.emit(Opcode::Integer, v as i32, reg, 0);
        } else {
            self.emit4(Opcode::Int64, 0, reg, 0, P4::Int64(v), 0);
        }
    }

    pub fn string(&mut self, s: &str, reg: i32) {
        self.emit4(Opcode::String8, 0, reg, 0, P4::Text(s.to_string()), 0);
    }

    pub fn null(&mut self, reg: i32) {
        self.emit(Opcode::Null, 0, reg, 0);
    }

    pub fn use_db(&mut self, db: usize, write: bool) {
        if write {
            self.readonly = false;
        }
        if let Some(e) = self.tx.iter_mut().find(|(d, _)| *d == db) {
            e.1 |= write;
        } else {
            self.tx.push((db, write));
        }
    }

    pub fn schema(&self, db: usize) -> Option<&'a Schema> {
        self.ctx.schemas.get(db).map(|(_, s)| *s)
    }

    pub fn db_name(&self, db: usize) -> String {
        self.ctx
            .schemas
            .get(db)
            .map(|(n, _)| n.clone())
            .unwrap_or_else(|| "main".into())
    }

    /// Find a table: with an explicit database name, or temp first then main then attached.
    pub fn find_table(&self, db: Option<&str>, name: &str) -> Result<(usize, &'a Table)> {
        // An unknown database in a table reference reads "no such table: x.t" (SQLite).
        let mut order = self
            .db_search_order(db)
            .map_err(|_| Error::sql(format!("no such table: {}.{name}", db.unwrap_or(""))))?;
        if db.is_none() {
            // Unqualified, `sqlite_schema` is main's and `sqlite_temp_schema` temp's.
            let n = name.to_ascii_lowercase();
            if n == "sqlite_master" || n == "sqlite_schema" {
                order.retain(|d| *d != 1);
            } else if n == "sqlite_temp_master" || n == "sqlite_temp_schema" {
                order.retain(|d| *d == 1);
            }
        }
        for d in order {
            if let Some(s) = self.schema(d) {
                if let Some(t) = s.table(name) {
                    return Ok((d, t));
                }
            }
        }
        Err(Error::sql(match db {
            Some(d) => format!("no such table: {d}.{name}"),
            None => format!("no such table: {name}"),
        }))
    }

    pub fn db_search_order(&self, db: Option<&str>) -> Result<Vec<usize>> {
        match db {
            Some(d) => {
                let i = self
                    .ctx
                    .schemas
                    .iter()
                    .position(|(n, _)| n.eq_ignore_ascii_case(d))
                    .ok_or_else(|| Error::sql(format!("unknown database {d}")))?;
                Ok(vec![i])
            }
            None => {
                let n = self.ctx.schemas.len();
                let mut v = Vec::new();
                if n > 1 {
                    v.push(1);
                }
                if n > 0 {
                    v.push(0);
                }
                v.extend(2..n);
                Ok(v)
            }
        }
    }

    pub fn collation(&self, name: Option<&str>) -> Result<Option<Collation>> {
        let name = match name {
            None => return Ok(None),
            Some(n) => n,
        };
        if name.eq_ignore_ascii_case("BINARY") {
            return Ok(None);
        }
        if let Some((_, c)) = self
            .ctx
            .collations
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            return Ok(Some(c.clone()));
        }
        if name.eq_ignore_ascii_case("NOCASE") {
            let c: Collation = Arc::new(|a: &[u8], b: &[u8]| -> Ordering {
                let la = a.iter().map(|x| x.to_ascii_lowercase());
                let lb = b.iter().map(|x| x.to_ascii_lowercase());
                la.cmp(lb)
            });
            return Ok(Some(c));
        }
        if name.eq_ignore_ascii_case("RTRIM") {
            let c: Collation = Arc::new(|a: &[u8], b: &[u8]| -> Ordering {
                let ta = trim_right_spaces(a);
                let tb = trim_right_spaces(b);
                ta.cmp(tb)
            });
            return Ok(Some(c));
        }
        Err(Error::sql(format!("no such collation sequence: {name}")))
    }

    pub fn key_info(&self, cols: &[(bool, Option<String>)]) -> Result<KeyInfo> {
        let mut ki = KeyInfo::default();
        for (desc, coll) in cols {
            ki.desc.push(*desc);
            ki.collations.push(self.collation(coll.as_deref())?);
        }
        Ok(ki)
    }

    /// Register a parameter reference and return its number (1-based).
    pub fn param(&mut self, name: &str) -> Result<i32> {
        if self.params_fixed {
            // Numbered once per occurrence in the source by `number_params`.
            if let Some(k) = name.strip_prefix('?').and_then(|n| n.parse::<usize>().ok()) {
                if k >= 1 && k <= self.params.len() {
                    return Ok(k as i32);
                }
            } else if let Some(p) = self.params.iter().position(|p| p.as_deref() == Some(name)) {
                return Ok(p as i32 + 1);
            }
        }
        let n = if name == "?" || name.is_empty() {
            self.params.push(None);
            self.params.len()
        } else if let Some(num) = name.strip_prefix('?') {
            let k: usize = num
                .parse()
                .ok()
                .filter(|k| *k >= 1 && *k <= 250000)
                .ok_or_else(|| {
                    Error::sql("variable number must be between ?1 and ?250000".to_string())
                })?;
            while self.params.len() < k {
                self.params.push(None);
            }
            if self.params[k - 1].is_none() {
                self.params[k - 1] = Some(name.to_string());
            }
            k
        } else if let Some(p) = self.params.iter().position(|p| p.as_deref() == Some(name)) {
            p + 1
        } else {
            self.params.push(Some(name.to_string()));
            self.params.len()
        };
        Ok(n as i32)
    }

    /// Resolve a column name (optionally qualified) through the scope stack.
    pub fn resolve_column(&self, table: Option<&str>, name: &str) -> Result<Option<ColRef>> {
        for (back, scope) in self.scopes.iter().rev().enumerate() {
            let mut found: Option<ColRef> = None;
            for src in &scope.sources {
                if let Some(t) = table {
                    if !src.name.eq_ignore_ascii_case(t) {
                        continue;
                    }
                }
                let hit = src
                    .cols
                    .iter()
                    .position(|c| c.name.eq_ignore_ascii_case(name));
                let cr = match hit {
                    Some(i) => {
                        if table.is_none()
                            && src
                                .using_hidden
                                .iter()
                                .any(|h| h.eq_ignore_ascii_case(name))
                        {
                            continue;
                        }
                        let c = &src.cols[i];
                        Some(ColRef {
                            cursor: src.cursor,
                            col: if c.is_rowid { -1 } else { i as i32 },
                            affinity: c.affinity,
                            collation: c.collation.clone(),
                            decltype: c.decltype.clone(),
                            origin: src
                                .table
                                .as_ref()
                                .map(|(db, t)| (self.db_name(*db), t.name.clone(), c.name.clone())),
                            name: c.name.clone(),
                        })
                    }
                    None => {
                        // A WITHOUT ROWID table has no rowid.
                        let has_rowid = src
                            .table
                            .as_ref()
                            .map(|(_, t)| !t.without_rowid)
                            .unwrap_or(false);
                        if (has_rowid || self.vtab_of(src.cursor).is_some()) && is_rowid_name(name)
                        {
                            // With an INTEGER PRIMARY KEY, SQLite names (and types) a
                            // rowid reference after that column.
                            let ipk = src
                                .table
                                .as_ref()
                                .and_then(|(_, t)| t.ipk.and_then(|i| t.columns.get(i)));
                            Some(ColRef {
                                cursor: src.cursor,
                                col: -1,
                                affinity: AFF_INTEGER,
                                collation: None,
                                decltype: match ipk {
                                    Some(c) => c.decltype.clone(),
                                    None => Some("INTEGER".into()),
                                },
                                origin: None,
                                name: match ipk {
                                    Some(c) => c.name.clone(),
                                    None => "rowid".to_string(),
                                },
                            })
                        } else {
                            None
                        }
                    }
                };
                if let Some(cr) = cr {
                    if found.is_some() {
                        return Err(Error::sql(format!(
                            "ambiguous column name: {}",
                            match table {
                                Some(t) => format!("{t}.{name}"),
                                None => name.to_string(),
                            }
                        )));
                    }
                    found = Some(cr);
                }
            }
            if found.is_some() {
                let depth = self.scopes.len() - 1 - back;
                for m in self.corr.borrow_mut().iter_mut() {
                    if depth < m.0 {
                        m.1 = true;
                    }
                }
                return Ok(found);
            }
            if let Some(t) = table {
                if scope.sources.iter().any(|s| s.name.eq_ignore_ascii_case(t)) {
                    // Table matched in this scope but the column did not.
                    return Ok(None);
                }
            }
        }
        Ok(None)
    }

    /// Emit the code to read a resolved column into `target`.
    pub fn read_column(&mut self, c: &ColRef, target: i32) {
        for scope in self.scopes.iter().rev() {
            if let Some((_, r)) = scope.col_regs.iter().find(|(k, _)| *k == (c.cursor, c.col)) {
                let r = *r;
                self.emit(Opcode::SCopy, r, target, 0);
                return;
            }
        }
        if c.col < 0 {
            self.emit(Opcode::Rowid, c.cursor, target, 0);
        } else {
            // A record written before an ALTER TABLE ADD COLUMN lacks the column: the
            // column's DEFAULT is read instead (P4).
            let p4 = self
                .scopes
                .iter()
                .rev()
                .flat_map(|s| s.sources.iter())
                .find(|s| s.cursor == c.cursor)
                .and_then(|s| s.table.as_ref())
                .and_then(|(_, t)| t.columns.get(c.col as usize))
                .map(super::schema::column_default_p4)
                .unwrap_or(P4::None);
            self.emit4(Opcode::Column, c.cursor, c.col, target, p4, 0);
        }
    }

    /// Finish: append the prologue (transactions) and resolve labels.
    pub fn finish(mut self, explain: u8, sql: &str) -> Result<Program> {
        self.fix_generated_reads()?;
        self.emit(Opcode::Halt, 0, 0, 0);
        let prologue = self.addr();
        if let Some(op) = self.ops.get_mut(0) {
            op.p2 = prologue;
        }
        if !self.no_tx {
            let tx = self.tx.clone();
            for (db, write) in tx {
                let cookie = self.schema(db).map(|s| s.cookie).unwrap_or(0);
                self.emit4(
                    Opcode::Transaction,
                    db as i32,
                    if write { 1 } else { 0 },
                    cookie as i32,
                    P4::None,
                    1,
                );
            }
        }
        self.emit(Opcode::Goto, 0, 1, 0);
        let labels = self.labels;
        for op in &mut self.ops {
            if op.p2 < 0 {
                let k = (-op.p2 - 1) as usize;
                match labels.get(k).copied().flatten() {
                    Some(a) => op.p2 = a,
                    None => {
                        return Err(Error::new(
                            crate::error::codes::SQLITE_INTERNAL,
                            "unresolved label",
                        ))
                    }
                }
            }
        }
        Ok(Program {
            ops: self.ops,
            n_mem: self.n_mem as usize,
            n_cursor: self.n_cursor as usize,
            column_names: vec![],
            column_decltypes: vec![],
            column_origins: vec![],
            param_names: self.params,
            readonly: self.readonly,
            explain,
            sql: sql.to_string(),
        })
    }
}

fn trim_right_spaces(a: &[u8]) -> &[u8] {
    let mut n = a.len();
    while n > 0 && a[n - 1] == b' ' {
        n -= 1;
    }
    &a[..n]
}

pub fn is_rowid_name(n: &str) -> bool {
    n.eq_ignore_ascii_case("rowid")
        || n.eq_ignore_ascii_case("oid")
        || n.eq_ignore_ascii_case("_rowid_")
}

/// A constant value as a P4 (for `Column` defaults and similar).
pub fn p4_value(v: Value) -> P4 {
    P4::Value(v)
}
