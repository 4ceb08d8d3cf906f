//! Partial indexes (`CREATE INDEX … WHERE`) and indexes on expressions
//! (`CREATE INDEX i ON t(a+b)`): validation at CREATE INDEX, and the key / membership code
//! every index-maintaining statement (INSERT, UPDATE, DELETE, REPLACE, CREATE INDEX,
//! REINDEX) uses.
//!
//! Invariants:
//! - An index entry exists for a row iff the index has no WHERE clause or the clause is TRUE
//!   for that row (NULL counts as false), exactly as SQLite; the key is the index columns'
//!   values (an expression column holds the expression's value, no affinity applied) followed
//!   by the rowid.
//! - Index expressions and partial WHERE clauses are checked at CREATE INDEX with SQLite's
//!   errors (`subqueries prohibited in index expressions`, `parameters prohibited in partial
//!   index WHERE clauses`, `non-deterministic functions prohibited in …`, `no such column`),
//!   so the code generated from them later cannot fail to compile for those reasons.
//! - The row a key is computed from is given either as registers (`IdxRow::Regs`: the new
//!   row of an INSERT/UPDATE, rowid-alias column NULL and the rowid in its own register) or
//!   as a table cursor positioned on the row (`IdxRow::Cursor`).

use super::build::{Builder, Scope, Source, SrcCol};
use super::schema::{dequote, Index, Table};
use crate::error::{Error, Result};
use crate::vdbe::Opcode;
use sqlite3_parser::ast::{self, Expr};

/// Where the row an index key is made from lives.
#[derive(Clone, Copy, Debug)]
pub enum IdxRow {
    /// Column `i` in register `rec + i` (the rowid alias column may be NULL), rowid in `rid`.
    Regs { rec: i32, rid: i32 },
    /// A table cursor on the row; its rowid in register `rid`.
    Cursor { cur: i32, rid: i32 },
}

/// Functions SQLite refuses in index expressions and partial-index WHERE clauses.
const NON_DETERMINISTIC: &[&str] = &[
    "random",
    "randomblob",
    "changes",
    "total_changes",
    "last_insert_rowid",
    "sqlite_offset",
];

/// Aggregate functions (misuse in an index expression).
const AGGREGATES: &[&str] = &["count", "sum", "total", "avg", "group_concat", "string_agg"];

/// Structural checks of an index expression (`partial` false) or a partial-index WHERE
/// clause (`partial` true), with SQLite's messages. Name resolution is checked when the
/// expression is compiled.
pub fn check_index_expr(e: &Expr, t: &Table, partial: bool) -> Result<()> {
    let place = if partial {
        "partial index WHERE clauses"
    } else {
        "index expressions"
    };
    let mut err: Option<Error> = None;
    visit(e, &mut |x| {
        if err.is_some() {
            return;
        }
        match x {
            Expr::Subquery(_) | Expr::Exists(_) | Expr::InSelect { .. } | Expr::InTable { .. } => {
                err = Some(Error::sql(format!("subqueries prohibited in {place}")));
            }
            Expr::Variable(_) => {
                err = Some(Error::sql(format!("parameters prohibited in {place}")));
            }
            Expr::FunctionCall { name, args, .. } => {
                let n = dequote(&name.0).to_ascii_lowercase();
                let nargs = args.as_ref().map(|a| a.len()).unwrap_or(0);
                if NON_DETERMINISTIC.contains(&n.as_str()) {
                    err = Some(Error::sql(format!(
                        "non-deterministic functions prohibited in {place}"
                    )));
                } else if AGGREGATES.contains(&n.as_str())
                    || (nargs == 1 && (n == "min" || n == "max"))
                {
                    err = Some(Error::sql(format!("misuse of aggregate function {n}()")));
                }
            }
            Expr::FunctionCallStar { name, .. } => {
                let n = dequote(&name.0).to_ascii_lowercase();
                err = Some(Error::sql(format!("misuse of aggregate function {n}()")));
            }
            Expr::Id(id) if !partial => {
                let n = dequote(&id.0);
                if t.column_index(&n).is_none() && super::build::is_rowid_name(&n) {
                    err = Some(Error::sql(format!("no such column: {n}")));
                }
            }
            _ => {}
        }
    });
    match err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Pre-order walk of an expression tree.
fn visit(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    super::expr::walk_children(e, &mut |c| visit(c, f));
}

/// The collation of an index expression column without an explicit COLLATE: the collation
/// of its left-most column operand, as SQLite's `sqlite3ExprCollSeq` finds it (None =
/// BINARY).
pub fn expr_collation(e: &Expr, t: &Table) -> Option<String> {
    match e {
        Expr::Collate(_, c) => Some(dequote(c)),
        Expr::Id(id) => t
            .column_index(&dequote(&id.0))
            .and_then(|i| t.columns.get(i))
            .and_then(|c| c.collation.clone()),
        Expr::Parenthesized(v) if v.len() == 1 => expr_collation(&v[0], t),
        Expr::Binary(l, _, r) => expr_collation(l, t).or_else(|| match &**r {
            Expr::Collate(_, c) => Some(dequote(c)),
            _ => None,
        }),
        Expr::Unary(_, x) => expr_collation(x, t),
        _ => None,
    }
}

impl<'a> Builder<'a> {
    /// A scope in which the columns of `t` (database `db`) read registers `rec..` and its
    /// rowid register `rid`.
    fn index_row_scope(&mut self, db: usize, t: &Table, rec: i32, rid: i32) -> Scope {
        let cur = self.cursor();
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
        scope.col_regs.push(((cur, -1), rid));
        for i in 0..t.columns.len() {
            let r = if t.ipk == Some(i) {
                rid
            } else {
                rec + i as i32
            };
            scope.col_regs.push(((cur, i as i32), r));
        }
        scope
    }

    /// Whether index `idx` needs the whole row in registers (expressions or a WHERE).
    fn index_needs_row(idx: &Index) -> bool {
        idx.partial.is_some() || idx.has_expr()
    }

    /// The row as registers: loads the columns of a cursor row when needed.
    fn index_row_regs(&mut self, t: &Table, row: IdxRow) -> (i32, i32) {
        match row {
            IdxRow::Regs { rec, rid } => (rec, rid),
            IdxRow::Cursor { cur, rid } => {
                let n = t.columns.len();
                let rec = self.regs(n.max(1));
                for (i, c) in t.columns.iter().enumerate() {
                    if t.ipk == Some(i) {
                        self.emit(Opcode::SCopy, rid, rec + i as i32, 0);
                    } else {
                        let p4 = super::schema::column_default_p4(c);
                        self.emit4(Opcode::Column, cur, i as i32, rec + i as i32, p4, 0);
                    }
                }
                (rec, rid)
            }
        }
    }

    /// Evaluate `e` over the row into `target`.
    pub(super) fn index_row_expr(
        &mut self,
        db: usize,
        t: &Table,
        rec: i32,
        rid: i32,
        f: &mut dyn FnMut(&mut Builder<'a>) -> Result<()>,
    ) -> Result<()> {
        let scope = self.index_row_scope(db, t, rec, rid);
        let saved = std::mem::replace(&mut self.scopes, vec![scope]);
        let r = f(self);
        self.scopes = saved;
        r
    }

    /// Build the key of `idx` for a row of `t` (database `db`) into fresh registers:
    /// `[index columns..., rowid]`. Returns the first register.
    pub(super) fn index_key(
        &mut self,
        db: usize,
        t: &Table,
        idx: &Index,
        row: IdxRow,
    ) -> Result<i32> {
        let n = idx.columns.len();
        let k = self.regs(n + 1);
        if !idx.has_expr() {
            for (j, c) in idx.columns.iter().enumerate() {
                let dst = k + j as i32;
                match row {
                    IdxRow::Regs { rec, rid } => {
                        if t.ipk == Some(c.column) {
                            self.emit(Opcode::SCopy, rid, dst, 0);
                        } else {
                            self.emit(Opcode::SCopy, rec + c.column as i32, dst, 0);
                        }
                    }
                    IdxRow::Cursor { cur, rid } => {
                        if t.ipk == Some(c.column) {
                            self.emit(Opcode::SCopy, rid, dst, 0);
                        } else {
                            let col = t
                                .columns
                                .get(c.column)
                                .ok_or_else(|| Error::sql("index column out of range"))?;
                            let p4 = super::schema::column_default_p4(col);
                            self.emit4(Opcode::Column, cur, c.column as i32, dst, p4, 0);
                        }
                    }
                }
            }
            let rid = match row {
                IdxRow::Regs { rid, .. } | IdxRow::Cursor { rid, .. } => rid,
            };
            self.emit(Opcode::SCopy, rid, k + n as i32, 0);
            return Ok(k);
        }
        let (rec, rid) = self.index_row_regs(t, row);
        let cols = idx.columns.clone();
        self.index_row_expr(db, t, rec, rid, &mut |b| {
            for (j, c) in cols.iter().enumerate() {
                let dst = k + j as i32;
                match &c.expr {
                    Some(e) => b.expr(e, dst)?,
                    None if t.ipk == Some(c.column) => {
                        b.emit(Opcode::SCopy, rid, dst, 0);
                    }
                    None => {
                        b.emit(Opcode::SCopy, rec + c.column as i32, dst, 0);
                    }
                }
            }
            Ok(())
        })?;
        self.emit(Opcode::SCopy, rid, k + n as i32, 0);
        Ok(k)
    }

    /// For a partial index: jump to `skip` unless the row belongs to the index.
    pub(super) fn index_skip_unless(
        &mut self,
        db: usize,
        t: &Table,
        idx: &Index,
        row: IdxRow,
        skip: i32,
    ) -> Result<()> {
        let w = match &idx.partial {
            Some(w) => w.clone(),
            None => return Ok(()),
        };
        let (rec, rid) = self.index_row_regs(t, row);
        self.index_row_expr(db, t, rec, rid, &mut |b| b.jump_if_false(&w, skip, true))
    }

    /// Compile the expressions of a new index once in a scratch program, so that name
    /// resolution errors (`no such column: x`, `no such function: f`) are reported by
    /// CREATE INDEX as SQLite does.
    pub(super) fn index_validate(&mut self, db: usize, t: &Table, idx: &Index) -> Result<()> {
        if !Self::index_needs_row(idx) {
            return Ok(());
        }
        let mut scratch = Builder::new(self.ctx);
        let rec = scratch.regs(t.columns.len().max(1));
        let rid = scratch.reg();
        scratch.index_key(db, t, idx, IdxRow::Regs { rec, rid })?;
        let skip = scratch.label();
        scratch.index_skip_unless(db, t, idx, IdxRow::Regs { rec, rid }, skip)?;
        Ok(())
    }

    /// The UNIQUE-failure text of an index: `t.a, t.b`, or `index 'i'` when the index has an
    /// expression column (as SQLite).
    pub(super) fn index_unique_label(t: &Table, idx: &Index) -> String {
        if idx.has_expr() {
            return format!("index '{}'", idx.name);
        }
        idx.columns
            .iter()
            .map(|c| {
                format!(
                    "{}.{}",
                    t.name,
                    t.columns
                        .get(c.column)
                        .map(|x| x.name.as_str())
                        .unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Whether `e` is an expression over columns and literals only, structurally equal to
/// `other` (used to match a query term against an index expression).
pub fn same_expr(e: &ast::Expr, other: &ast::Expr) -> bool {
    e.to_string().eq_ignore_ascii_case(&other.to_string())
}
