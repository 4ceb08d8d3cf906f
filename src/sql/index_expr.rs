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

use super::build::{Builder, Scope};
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
    check_expr_in(e, t, place, partial)
}

/// The structural checks of an expression stored in the schema (`place` names it in the
/// messages); `allow_rowid`: the rowid may be referenced.
pub fn check_expr_in(e: &Expr, t: &Table, place: &str, allow_rowid: bool) -> Result<()> {
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
            Expr::Id(id) if !allow_rowid => {
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

/// The collation of an index expression column without an explicit COLLATE around it: the
/// first explicit COLLATE inside, left operands first, as SQLite's `sqlite3ExprCollSeq`
/// finds it (None = BINARY: a function of a NOCASE column is compared with BINARY).
pub fn expr_collation(e: &Expr, t: &Table) -> Option<String> {
    let _ = t;
    match e {
        Expr::Collate(_, c) => Some(dequote(c)),
        Expr::Parenthesized(v) if v.len() == 1 => expr_collation(&v[0], t),
        Expr::Binary(l, _, r) => expr_collation(l, t).or_else(|| expr_collation(r, t)),
        Expr::Unary(_, x) => expr_collation(x, t),
        Expr::FunctionCall { args: Some(a), .. } => a.iter().find_map(|x| expr_collation(x, t)),
        _ => None,
    }
}

/// The table column an expression of an index definition names: `Some(-1)` for the rowid
/// (or the rowid alias), `Some(i)` for column i, `None` when it is not a column reference.
fn index_col_ref(e: &Expr, t: &Table) -> Option<i32> {
    let n = match e {
        Expr::Id(id) => dequote(&id.0),
        Expr::Name(n) => dequote(&n.0),
        Expr::Qualified(tb, n) if dequote(&tb.0).eq_ignore_ascii_case(&t.name) => dequote(&n.0),
        _ => return None,
    };
    match t.column_index(&n) {
        Some(i) if t.ipk == Some(i) => Some(-1),
        Some(i) => Some(i as i32),
        None if super::build::is_rowid_name(&n) => Some(-1),
        None => None,
    }
}

fn strip_parens(mut e: &Expr) -> &Expr {
    while let Expr::Parenthesized(v) = e {
        match v.as_slice() {
            [one] => e = one,
            _ => break,
        }
    }
    e
}

fn split_and<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match strip_parens(e) {
        Expr::Binary(l, ast::Operator::And, r) => {
            split_and(l, out);
            split_and(r, out);
        }
        x => out.push(x),
    }
}

impl<'a> Builder<'a> {
    /// A scope in which the columns of `t` (database `db`) read registers `rec..` and its
    /// rowid register `rid`.
    fn index_row_scope(&mut self, db: usize, t: &Table, rec: i32, rid: i32) -> Scope {
        let cur = self.cursor();
        let mut scope = super::generated::table_scope(db, t, cur);
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
        // User functions registered without SQLITE_DETERMINISTIC are refused.
        let user_nondet = |name: &str| {
            self.ctx
                .user_functions
                .iter()
                .any(|f| f.name.eq_ignore_ascii_case(name) && f.flags & 0x800 == 0)
        };
        let exprs = idx
            .columns
            .iter()
            .filter_map(|c| c.expr.as_ref().map(|e| (e, "index expressions")))
            .chain(
                idx.partial
                    .iter()
                    .map(|w| (w, "partial index WHERE clauses")),
            );
        for (e, place) in exprs {
            let mut bad = false;
            visit(e, &mut |x| {
                if let Expr::FunctionCall { name, .. } | Expr::FunctionCallStar { name, .. } = x {
                    bad |= user_nondet(&dequote(&name.0));
                }
            });
            if bad {
                return Err(Error::sql(format!(
                    "non-deterministic functions prohibited in {place}"
                )));
            }
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

/// Planner support: when a partial index may be used, and which query terms an expression
/// column of an index can be searched with.
impl<'a> Builder<'a> {
    /// Whether query expression `q` (resolved in the current scopes; the table is on cursor
    /// `cur`) is the index-definition expression `ie` over table `t`.
    pub(super) fn expr_matches_index(&self, q: &Expr, ie: &Expr, t: &Table, cur: i32) -> bool {
        let (q, ie) = (strip_parens(q), strip_parens(ie));
        if let Some(ci) = index_col_ref(ie, t) {
            return matches!(self.column_of(q), Ok(Some(c)) if c.cursor == cur && c.col == ci);
        }
        let m = |a: &Expr, b: &Expr| self.expr_matches_index(a, b, t, cur);
        match (q, ie) {
            (Expr::Binary(a, o, b), Expr::Binary(c, p, d)) => o == p && m(a, c) && m(b, d),
            (Expr::Unary(o, a), Expr::Unary(p, c)) => o == p && m(a, c),
            (Expr::Collate(a, x), Expr::Collate(c, y)) => {
                dequote(x).eq_ignore_ascii_case(&dequote(y)) && m(a, c)
            }
            (Expr::IsNull(a), Expr::IsNull(c)) | (Expr::NotNull(a), Expr::NotNull(c)) => m(a, c),
            (
                Expr::Cast {
                    expr: a,
                    type_name: x,
                },
                Expr::Cast {
                    expr: c,
                    type_name: y,
                },
            ) => {
                x.as_ref().map(|t| t.name.to_ascii_uppercase())
                    == y.as_ref().map(|t| t.name.to_ascii_uppercase())
                    && m(a, c)
            }
            (
                Expr::FunctionCall {
                    name: n1,
                    distinctness: None,
                    args: a1,
                    order_by: None,
                    filter_over: None,
                },
                Expr::FunctionCall {
                    name: n2,
                    distinctness: None,
                    args: a2,
                    order_by: None,
                    filter_over: None,
                },
            ) => {
                let (a1, a2) = (a1.as_deref().unwrap_or(&[]), a2.as_deref().unwrap_or(&[]));
                dequote(&n1.0).eq_ignore_ascii_case(&dequote(&n2.0))
                    && a1.len() == a2.len()
                    && a1.iter().zip(a2).all(|(x, y)| m(x, y))
            }
            (Expr::Literal(_), Expr::Literal(_)) => q.to_string() == ie.to_string(),
            _ => false,
        }
    }

    /// Whether the query `terms` (conjuncts that hold for every row the query keeps from
    /// table `t` on cursor `cur`) imply partial-index clause `w`: each conjunct of `w` is
    /// one of the terms, or is `x IS NOT NULL` / `x NOTNULL` with a term comparing `x`.
    pub(super) fn partial_implied(&self, w: &Expr, t: &Table, cur: i32, terms: &[Expr]) -> bool {
        let mut need = Vec::new();
        split_and(w, &mut need);
        let mut have = Vec::new();
        for q in terms {
            split_and(q, &mut have);
        }
        need.iter().all(|p| {
            if have.iter().any(|q| self.expr_matches_index(q, p, t, cur)) {
                return true;
            }
            let x = match p {
                Expr::NotNull(x) => &**x,
                Expr::Binary(x, ast::Operator::IsNot, n)
                    if matches!(**n, Expr::Literal(ast::Literal::Null)) =>
                {
                    &**x
                }
                _ => return false,
            };
            have.iter().any(|q| match q {
                Expr::Binary(l, op, r)
                    if matches!(
                        op,
                        ast::Operator::Equals
                            | ast::Operator::Less
                            | ast::Operator::LessEquals
                            | ast::Operator::Greater
                            | ast::Operator::GreaterEquals
                    ) =>
                {
                    self.expr_matches_index(l, x, t, cur) || self.expr_matches_index(r, x, t, cur)
                }
                _ => false,
            })
        })
    }

    /// For expression column `ic` of an index on `t` (cursor `cur`): the other side of a
    /// term `expr = other` usable for an index search (`usable(other)` says the planner can
    /// evaluate it before this table), with no affinity conversion and the index's
    /// collation.
    pub(super) fn index_expr_eq(
        &self,
        ic: &super::schema::IndexColumn,
        t: &Table,
        cur: i32,
        terms: &[Expr],
        usable: &dyn Fn(&Expr) -> bool,
    ) -> Option<Expr> {
        let ie = ic.expr.as_ref()?;
        for term in terms {
            let (l, r) = match term {
                Expr::Binary(l, ast::Operator::Equals, r) => (l, r),
                _ => continue,
            };
            for (a, b) in [(l, r), (r, l)] {
                if !self.expr_matches_index(a, ie, t, cur) || !usable(b) {
                    continue;
                }
                let aff = super::expr::cmp_affinity(self.affinity(a), self.affinity(b));
                if aff >= super::schema::AFF_TEXT {
                    continue;
                }
                let coll = self
                    .binary_collation(a, b)
                    .unwrap_or_else(|| "BINARY".into());
                let icoll = ic.collation.clone().unwrap_or_else(|| "BINARY".into());
                if coll.eq_ignore_ascii_case(&icoll) {
                    return Some((**b).clone());
                }
            }
        }
        None
    }
}
