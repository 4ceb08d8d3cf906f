//! SELECT: FROM sources, nested-loop joins with simple index/rowid access, WHERE, aggregates,
//! GROUP BY/HAVING, DISTINCT, ORDER BY (sorter), LIMIT/OFFSET, compounds, subqueries.
//!
//! Invariants:
//! - Every WHERE/ON term is evaluated as a filter at the innermost loop level where all the
//!   sources it names are positioned; an index or rowid seek only narrows the rows visited,
//!   so a plan can never change a result, only its speed.
//! - LEFT JOIN level state: `m` (a row matched) and `nd` (the NULL row was produced); the
//!   NULL row runs the rest of the loop body once with the cursor on `NullRow`.
//! - RIGHT/FULL JOIN level: each right-side row that passes the ON terms has its rowid put
//!   in an ephemeral index during the main loop nest; afterwards a second scan of that source
//!   runs the rest of the nest for the rowids not in it, with every earlier source on its
//!   NULL row and the WHERE terms of those levels re-checked (ON terms stay per level then).
//! - Results leave through [`Dest`]; ORDER BY goes through one sorter whose records are
//!   `[sort keys..., result columns...]`, and LIMIT/OFFSET are applied where rows finally
//!   leave (after the sort).

use super::build::{Builder, ColRef, Scope, Source, SrcCol};
use super::expr::{func_args, walk_children, SubDest, NULLEQ};
use super::schema::{dequote, Index, AFF_BLOB, AFF_INTEGER, AFF_NONE};
use crate::error::{Error, Result};
use crate::vdbe::{Opcode, P4};
use sqlite3_parser::ast::{self, Expr, Operator};

/// Where result rows go.
pub enum Dest {
    Output,
    /// Append to an ephemeral table (rowid'd) on this cursor.
    Eph(i32),
    Sub(SubDest),
    /// Insert into an ephemeral index (UNION sets). Rows that compare equal (1 and 1.0) are
    /// one entry: `Set(cur, true)` keeps the first such row, `Set(cur, false)` replaces the
    /// entry with the later row (SQLite's `OP_IdxInsert` into a union table overwrites).
    Set(i32, bool),
    /// Delete from an ephemeral index (EXCEPT).
    Except(i32),
    /// Insert into `.1` the entry of `.0` equal to the row, when present (INTERSECT: the
    /// left side's value is the one kept).
    Intersect(i32, i32),
}

#[derive(Clone, Debug)]
pub struct ResultInfo {
    pub name: String,
    pub decltype: Option<String>,
    pub origin: Option<(String, String, String)>,
    pub affinity: u8,
}

pub(super) struct OutCtx {
    pub(super) distinct: Option<i32>,
    /// Sorter cursor and number of key columns; the key exprs (resolved per row).
    pub(super) sorter: Option<(i32, Vec<SortKey>)>,
    pub(super) limit: Option<i32>,
    pub(super) offset: Option<i32>,
    /// Where LIMIT exhaustion / scalar subquery completion jumps.
    pub(super) end: i32,
}

/// How a scan can deliver ORDER BY's order (`order_by_scan`).
enum OrderScan {
    Rowid,
    Index(Index),
}

#[derive(Clone)]
pub(super) enum SortKey {
    /// Result column index.
    Result(usize),
    Expr(Expr),
    /// `x IS NULL` helper key for NULLS FIRST/LAST.
    IsNull(Box<SortKey>),
}

#[derive(Clone)]
pub(super) struct Level {
    pub(super) src: usize,
    pub(super) left: bool,
    pub(super) on: Vec<Expr>,
    /// RIGHT or FULL JOIN: this source's rows that no row of the sources before it matched
    /// are produced afterwards, with those sources on their NULL row. `right_eph` is the
    /// ephemeral index of matched rowids (assigned by `loops`).
    pub(super) right: bool,
    pub(super) right_eph: Option<i32>,
    /// Visit the rows in this index's order (ORDER BY satisfied by the index, no sort):
    /// a full scan of the index, the table row found by rowid.
    pub(super) order_index: Option<Index>,
    /// Visit a full scan (of the table or of `order_index`) backwards (ORDER BY ... DESC).
    pub(super) order_desc: bool,
}

pub(super) enum Access {
    Scan,
    RowidEq(Expr),
    RowidRange(Option<(Operator, Expr)>, Option<(Operator, Expr)>),
    IndexEq(Index, Vec<Expr>),
    /// Every row, in the index's order (`Level::order_index`).
    IndexOrder(Index),
}

fn split_and(e: &Expr, out: &mut Vec<Expr>) {
    match e {
        Expr::Binary(l, Operator::And, r) => {
            split_and(l, out);
            split_and(r, out);
        }
        Expr::Parenthesized(v) if v.len() == 1 => split_and(&v[0], out),
        // `x BETWEEN a AND b` is `x >= a AND x <= b` (the code generator expands it the same
        // way), split so the planner sees both bounds (rowid/index range seeks).
        // Not when `x` names no column: SQLite keeps BETWEEN one term, so its constant half
        // must not be hoisted before the loop (`abs(-9223372036854775808) BETWEEN a AND 2`
        // over an empty table raises nothing there).
        Expr::Between {
            lhs,
            not: false,
            start,
            end,
        } if names_column(lhs) => {
            out.push(Expr::Binary(
                lhs.clone(),
                Operator::GreaterEquals,
                start.clone(),
            ));
            out.push(Expr::Binary(lhs.clone(), Operator::LessEquals, end.clone()));
        }
        _ => out.push(e.clone()),
    }
}

/// `e` mentions a column name (syntactically; subqueries count).
fn names_column(e: &Expr) -> bool {
    match e {
        Expr::Id(_) | Expr::Name(_) | Expr::Qualified(..) | Expr::DoublyQualified(..) => true,
        Expr::Exists(_) | Expr::Subquery(_) | Expr::InSelect { .. } | Expr::InTable { .. } => true,
        _ => {
            let mut found = false;
            walk_children(e, &mut |c| found |= names_column(c));
            found
        }
    }
}

pub(crate) fn has_subquery(e: &Expr) -> bool {
    match e {
        Expr::Exists(_) | Expr::Subquery(_) | Expr::InSelect { .. } | Expr::InTable { .. } => true,
        _ => {
            let mut found = false;
            walk_children(e, &mut |c| found |= has_subquery(c));
            found
        }
    }
}

/// SQLite's `sqlite3ExprIsInteger` on `sqlite3ExprSkipCollateAndLikely(e)`: an ORDER BY /
/// GROUP BY term is a column number when it is an integer literal (fitting 32 bits),
/// possibly signed, parenthesized or under COLLATE (SQLite's tree has no parentheses).
/// Larger literals are plain constants.
fn int_literal(e: &Expr) -> Option<i64> {
    match e {
        Expr::Parenthesized(v) if v.len() == 1 => int_literal(&v[0]),
        Expr::Collate(x, _) => int_literal(x),
        e => is_integer(e),
    }
}

fn is_integer(e: &Expr) -> Option<i64> {
    match e {
        Expr::Parenthesized(v) if v.len() == 1 => is_integer(&v[0]),
        Expr::Literal(ast::Literal::Numeric(s)) => {
            let v = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
                i64::from_str_radix(h, 16).ok()?
            } else {
                s.parse::<i64>().ok()?
            };
            i32::try_from(v).ok().map(i64::from)
        }
        Expr::Unary(ast::UnaryOperator::Positive, x) => is_integer(x),
        Expr::Unary(ast::UnaryOperator::Negative, x) => is_integer(x).map(|v| -v),
        _ => None,
    }
}

fn flip(op: Operator) -> Operator {
    match op {
        Operator::Less => Operator::Greater,
        Operator::LessEquals => Operator::GreaterEquals,
        Operator::Greater => Operator::Less,
        Operator::GreaterEquals => Operator::LessEquals,
        o => o,
    }
}

fn op_text(op: Operator) -> &'static str {
    match op {
        Operator::Less => "<",
        Operator::LessEquals => "<=",
        Operator::Greater => ">",
        Operator::GreaterEquals => ">=",
        _ => "=",
    }
}

impl<'a> Builder<'a> {
    /// Subquery used as an expression.
    pub fn subquery(&mut self, sel: &ast::Select, d: SubDest) -> Result<()> {
        let exists = matches!(d, SubDest::Exists(_));
        let infos = self.select(sel, Dest::Sub(d))?;
        if !exists && infos.len() != 1 {
            return Err(Error::sql(format!(
                "sub-select returns {} columns - expected 1",
                infos.len()
            )));
        }
        Ok(())
    }

    /// Compile a SELECT sending rows to `dest`; returns the result columns.
    pub fn select(&mut self, sel: &ast::Select, dest: Dest) -> Result<Vec<ResultInfo>> {
        if let Some(w) = &sel.with {
            let n0 = self.ctes.len();
            for c in &w.ctes {
                self.ctes.push(super::build::Cte {
                    name: dequote(&c.tbl_name.0),
                    select: c.select.clone(),
                    columns: c
                        .columns
                        .as_ref()
                        .map(|v| v.iter().map(|ic| dequote(&ic.col_name.0)).collect()),
                    recursive: w.recursive,
                    bound: None,
                });
            }
            let mut inner = sel.clone();
            inner.with = None;
            let r = self.select(&inner, dest);
            self.ctes.truncate(n0);
            return r;
        }
        self.sel_depth += 1;
        let r = self
            .check_select_depth()
            .and_then(|_| match &sel.body.compounds {
                Some(c) if !c.is_empty() => self.compound(sel, dest),
                _ => self.simple(
                    &sel.body.select,
                    sel.order_by.as_deref(),
                    sel.limit.as_ref(),
                    dest,
                ),
            });
        self.sel_depth -= 1;
        r
    }

    fn check_select_depth(&self) -> Result<()> {
        if self.depth > super::build::MAX_EXPR_DEPTH {
            return Err(Error::sql(
                "Expression tree is too large (maximum depth 1000)",
            ));
        }
        Ok(())
    }

    fn limit_regs(
        &mut self,
        limit: Option<&ast::Limit>,
        end: i32,
    ) -> Result<(Option<i32>, Option<i32>)> {
        match limit {
            None => Ok((None, None)),
            Some(l) => {
                let lr = self.expr_reg(&l.expr)?;
                self.emit(Opcode::MustBeInt, lr, 0, 0);
                let off = match &l.offset {
                    Some(o) => {
                        let r = self.expr_reg(o)?;
                        self.emit(Opcode::MustBeInt, r, 0, 0);
                        Some(r)
                    }
                    None => None,
                };
                self.emit(Opcode::IfNot, lr, end, 0);
                Ok((Some(lr), off))
            }
        }
    }

    /// Send one result row (in `base..base+n`) to its final destination, applying
    /// OFFSET/LIMIT.
    fn emit_final(&mut self, out: &OutCtx, dest: &Dest, base: i32, n: usize) -> Result<()> {
        let skip = self.label();
        if let Some(o) = out.offset {
            self.emit(Opcode::IfPos, o, skip, 1);
        }
        let n32 = n as i32;
        match dest {
            Dest::Output => {
                self.emit(Opcode::ResultRow, base, n32, 0);
            }
            Dest::Eph(cur) => {
                let rec = self.reg();
                let rid = self.reg();
                self.emit(Opcode::MakeRecord, base, n32, rec);
                self.emit(Opcode::NewRowid, *cur, rid, 0);
                self.emit(Opcode::Insert, *cur, rec, rid);
            }
            Dest::Sub(SubDest::Scalar(r)) => {
                self.emit(Opcode::Copy, base, *r, 0);
                self.goto(out.end);
            }
            Dest::Sub(SubDest::Exists(r)) => {
                self.int(1, *r);
                self.goto(out.end);
            }
            Dest::Sub(SubDest::InIndex(cur, aff)) => {
                let rec = self.reg();
                self.apply_affinity(base, &[*aff]);
                self.emit(Opcode::MakeRecord, base, 1, rec);
                self.emit(Opcode::IdxInsert, *cur, rec, base);
                if let Some(op) = self.ops.last_mut() {
                    op.p4 = P4::Int32(1);
                }
            }
            Dest::Set(cur, first_wins) => {
                let rec = self.reg();
                if *first_wins {
                    self.emit4(Opcode::Found, *cur, skip, base, P4::Int32(n32), 0);
                }
                self.emit(Opcode::MakeRecord, base, n32, rec);
                self.emit4(Opcode::IdxInsert, *cur, rec, base, P4::Int32(n32), 0);
            }
            Dest::Except(cur) => {
                self.emit4(Opcode::NotFound, *cur, skip, base, P4::Int32(n32), 0);
                self.emit(Opcode::IdxDelete, *cur, base, n32);
            }
            Dest::Intersect(src, dst) => {
                let rec = self.reg();
                self.emit4(Opcode::NotFound, *src, skip, base, P4::Int32(n32), 0);
                self.emit4(Opcode::Found, *dst, skip, base, P4::Int32(n32), 0);
                // NotFound left `src` on the equal entry: keep its (left) values.
                let left = self.regs(n.max(1));
                for i in 0..n32 {
                    self.emit(Opcode::Column, *src, i, left + i);
                }
                self.emit(Opcode::MakeRecord, left, n32, rec);
                self.emit4(Opcode::IdxInsert, *dst, rec, left, P4::Int32(n32), 0);
            }
        }
        if let Some(l) = out.limit {
            self.emit(Opcode::DecrJumpZero, l, out.end, 0);
        }
        self.resolve(skip);
        Ok(())
    }

    /// A row computed in the loop: DISTINCT, then sorter or final destination.
    pub(super) fn emit_row(
        &mut self,
        out: &OutCtx,
        dest: &Dest,
        base: i32,
        n: usize,
    ) -> Result<()> {
        let skip = self.label();
        if let Some(d) = out.distinct {
            let rec = self.reg();
            self.emit4(Opcode::Found, d, skip, base, P4::Int32(n as i32), 0);
            self.emit(Opcode::MakeRecord, base, n as i32, rec);
            self.emit4(Opcode::IdxInsert, d, rec, base, P4::Int32(n as i32), 0);
        }
        match &out.sorter {
            Some((sc, keys)) => {
                let nk = keys.len();
                let kb = self.regs(nk + n);
                for (i, k) in keys.iter().enumerate() {
                    self.sort_key(k, base, kb + i as i32)?;
                }
                for i in 0..n {
                    self.emit(Opcode::SCopy, base + i as i32, kb + (nk + i) as i32, 0);
                }
                let rec = self.reg();
                self.emit(Opcode::MakeRecord, kb, (nk + n) as i32, rec);
                match out.limit {
                    // ORDER BY ... LIMIT: a bounded sorter (see `Sorter::bound`).
                    Some(l) => {
                        self.emit4(
                            Opcode::SorterInsert,
                            *sc,
                            rec,
                            l,
                            P4::Int32(out.offset.unwrap_or(0)),
                            1,
                        );
                    }
                    None => {
                        self.emit(Opcode::SorterInsert, *sc, rec, 0);
                    }
                }
            }
            None => self.emit_final(out, dest, base, n)?,
        }
        self.resolve(skip);
        Ok(())
    }

    pub(super) fn sort_key(&mut self, k: &SortKey, base: i32, target: i32) -> Result<()> {
        match k {
            SortKey::Result(i) => {
                self.emit(Opcode::SCopy, base + *i as i32, target, 0);
            }
            SortKey::Expr(e) => self.expr(e, target)?,
            SortKey::IsNull(inner) => {
                let t = self.reg();
                self.sort_key(inner, base, t)?;
                let done = self.label();
                self.int(1, target);
                self.emit(Opcode::IsNull, t, done, 0);
                self.int(0, target);
                self.resolve(done);
            }
        }
        Ok(())
    }

    /// Drain the sorter to the destination.
    fn drain_sorter(&mut self, out: &OutCtx, dest: &Dest, n: usize) -> Result<()> {
        if let Some((sc, keys)) = &out.sorter {
            let nk = keys.len();
            let pseudo = self.cursor();
            let data = self.reg();
            let base = self.regs(n);
            let done = self.label();
            self.emit(Opcode::OpenPseudo, pseudo, data, (nk + n) as i32);
            self.emit(Opcode::SorterSort, *sc, done, 0);
            let top = self.addr();
            self.emit(Opcode::SorterData, *sc, data, pseudo);
            for i in 0..n {
                self.emit(Opcode::Column, pseudo, (nk + i) as i32, base + i as i32);
            }
            let out2 = OutCtx {
                distinct: None,
                sorter: None,
                limit: out.limit,
                offset: out.offset,
                end: out.end,
            };
            self.emit_final(&out2, dest, base, n)?;
            self.emit(Opcode::SorterNext, *sc, top, 0);
            self.resolve(done);
        }
        Ok(())
    }

    /// Build the sort key list for ORDER BY; `results` are the result expressions with names.
    fn order_keys(
        &mut self,
        order_by: &[ast::SortedColumn],
        results: &[(Expr, String)],
        by_result_only: bool,
    ) -> Result<(Vec<SortKey>, Vec<(bool, Option<String>)>)> {
        let mut keys = Vec::new();
        let mut ki = Vec::new();
        for (n, sc) in order_by.iter().enumerate() {
            let mut top = &sc.expr;
            while let Expr::Parenthesized(v) = top {
                match v.as_slice() {
                    [x] => top = x,
                    _ => break,
                }
            }
            let (inner, coll) = match top {
                Expr::Collate(e, c) => (&**e, Some(dequote(c))),
                e => (e, None),
            };
            let mut key = None;
            if let Some(k) = int_literal(inner) {
                if k < 1 || k as usize > results.len() {
                    return Err(Error::sql(format!(
                        "{} ORDER BY term out of range - should be between 1 and {}",
                        ordinal(n + 1),
                        results.len()
                    )));
                }
                key = Some(SortKey::Result(k as usize - 1));
            }
            if key.is_none() {
                if let Expr::Id(id) = inner {
                    let nm = dequote(&id.0);
                    if let Some(i) = results
                        .iter()
                        .position(|(_, name)| name.eq_ignore_ascii_case(&nm))
                    {
                        // Prefer a real column of that name unless it is an alias.
                        if by_result_only
                            || self.column_of(inner).ok().flatten().is_none()
                            || results[i].0 == *inner
                        {
                            key = Some(SortKey::Result(i));
                        }
                    }
                }
            }
            if key.is_none() {
                if let Some(i) = results.iter().position(|(e, _)| e == inner) {
                    key = Some(SortKey::Result(i));
                }
            }
            let key = match key {
                Some(k) => k,
                None if by_result_only => {
                    return Err(Error::sql(format!(
                        "{} ORDER BY term does not match any column in the result set",
                        ordinal(n + 1)
                    )))
                }
                None => SortKey::Expr(inner.clone()),
            };
            let desc = sc.order == Some(ast::SortOrder::Desc);
            let coll = coll.or_else(|| match &key {
                SortKey::Result(i) => self.collation_of(&results[*i].0).map(|c| c.0),
                SortKey::Expr(e) => self.collation_of(e).map(|c| c.0),
                _ => None,
            });
            match (sc.nulls, desc) {
                (Some(ast::NullsOrder::Last), false) => {
                    keys.push(SortKey::IsNull(Box::new(key.clone())));
                    ki.push((false, None));
                }
                (Some(ast::NullsOrder::First), true) => {
                    keys.push(SortKey::IsNull(Box::new(key.clone())));
                    ki.push((true, None));
                }
                _ => {}
            }
            keys.push(key);
            ki.push((desc, coll));
        }
        Ok((keys, ki))
    }

    /// ORDER BY `keys` (with `ki`'s DESC flags and collations) can be satisfied by the
    /// order in which GROUP BY produces its groups: as many keys as GROUP BY terms, each the
    /// same expression as the GROUP BY term at its position under the same collation. Returns
    /// the DESC flags the GROUP BY sort must then use (SQLite's `orderByGrp`).
    fn group_order_satisfies(
        &self,
        keys: &[SortKey],
        ki: &[(bool, Option<String>)],
        group_by: Option<&ast::GroupBy>,
        results: &[(Expr, String)],
    ) -> Option<Vec<bool>> {
        let g = group_by?;
        if keys.is_empty() || keys.len() != g.exprs.len() || keys.len() != ki.len() {
            return None;
        }
        let norm = |c: Option<String>| c.unwrap_or_else(|| "BINARY".into()).to_ascii_uppercase();
        for ((k, (_, coll)), ge) in keys.iter().zip(ki).zip(&g.exprs) {
            let ke = match k {
                SortKey::Result(j) => &results.get(*j)?.0,
                SortKey::Expr(e) => e,
                SortKey::IsNull(_) => return None,
            };
            // The GROUP BY term as `aggregate` resolves it (a number is a result column;
            // a bare name that is not a column is an alias).
            let ge = if let Some(n) = int_literal(ge) {
                let i = usize::try_from(n).ok()?.checked_sub(1)?;
                results.get(i)?.0.clone()
            } else if let Expr::Id(id) = ge {
                match self.column_of(ge).ok()? {
                    Some(_) => ge.clone(),
                    None => self.alias_lookup(&dequote(&id.0))?,
                }
            } else {
                ge.clone()
            };
            if *ke != ge || norm(coll.clone()) != norm(self.collation_of(&ge).map(|c| c.0)) {
                return None;
            }
        }
        Some(ki.iter().map(|k| k.0).collect())
    }

    /// Can a scan of `src` produce its rows in ORDER BY order (SQLite's "ORDER BY satisfied
    /// by the loop")? Every key must be a column of `src`, all ascending (a forward scan) or
    /// all descending (a backward scan; only of the whole table or index), BINARY unless the
    /// index column has the key's collation: the rowid first (a rowid-order scan), or a
    /// prefix of an ascending index's columns optionally followed by the rowid (index entries
    /// end with it). Only when the planner would otherwise scan the whole table; never for a
    /// virtual table. Returns the scan and whether it runs backwards.
    fn order_by_scan(
        &self,
        src: &Source,
        keys: &[SortKey],
        ki: &[(bool, Option<String>)],
        results: &[(Expr, String)],
        terms: &[Expr],
    ) -> Option<(OrderScan, bool)> {
        let (db, t) = src.table.as_ref()?;
        if t.without_rowid || t.is_view || self.vtab_of(src.cursor).is_some() {
            return None;
        }
        if keys.is_empty() || keys.len() != ki.len() {
            return None;
        }
        let norm = |c: Option<&str>| c.unwrap_or("BINARY").to_ascii_uppercase();
        let backward = ki.first().map(|k| k.0).unwrap_or(false);
        let mut cols: Vec<(i32, String)> = Vec::new();
        for (k, (desc, coll)) in keys.iter().zip(ki) {
            if *desc != backward {
                return None;
            }
            let e = match k {
                SortKey::Result(j) => &results.get(*j)?.0,
                SortKey::Expr(e) => e,
                SortKey::IsNull(_) => return None,
            };
            let c = self.column_of(e).ok()??;
            if c.cursor != src.cursor {
                return None;
            }
            cols.push((c.col, norm(coll.as_deref())));
        }
        let access = self.plan_access(src, terms, std::slice::from_ref(src), 0);
        if cols.first().map(|c| c.0) == Some(-1) {
            let ok = match access {
                Access::Scan | Access::RowidEq(_) => true,
                Access::RowidRange(..) => !backward,
                _ => false,
            };
            return ok.then_some((OrderScan::Rowid, backward));
        }
        if !matches!(access, Access::Scan) {
            return None;
        }
        let schema = self.schema(*db)?;
        'idx: for idx in schema.table_indexes(t) {
            if idx.partial.is_some() {
                continue;
            }
            for (i, (col, coll)) in cols.iter().enumerate() {
                match idx.columns.get(i) {
                    Some(ic) => {
                        if *col < 0
                            || ic.column != *col as usize
                            || ic.desc
                            || norm(ic.collation.as_deref()) != *coll
                        {
                            continue 'idx;
                        }
                    }
                    // Past the index columns: the rowid, which ends every entry.
                    None if *col == -1 => break,
                    None => continue 'idx,
                }
            }
            return Some((OrderScan::Index(idx.clone()), backward));
        }
        None
    }

    pub(super) fn open_sorter(
        &mut self,
        ki: Vec<(bool, Option<String>)>,
        nres: usize,
    ) -> Result<i32> {
        let sc = self.cursor();
        let nk = ki.len();
        let info = self.key_info(&ki)?;
        self.emit4(
            Opcode::SorterOpen,
            sc,
            (nk + nres) as i32,
            0,
            P4::KeyInfo(info),
            0,
        );
        Ok(sc)
    }

    fn compound(&mut self, sel: &ast::Select, dest: Dest) -> Result<Vec<ResultInfo>> {
        let comps = sel.body.compounds.as_deref().unwrap_or(&[]);
        let all_union_all = comps
            .iter()
            .all(|c| c.operator == ast::CompoundOperator::UnionAll);
        let end = self.label();
        let max_terms = self
            .ctx
            .limit(super::LIMIT_COMPOUND_SELECT)
            .map_or(500, |l| l.max(0) as usize);
        if comps.len() + 1 > max_terms {
            return Err(Error::sql("too many terms in compound SELECT"));
        }
        // Materialize into an ephemeral table (UNION ALL) or index (set operations).
        let first_infos;
        let tmp;
        let n;
        if all_union_all {
            tmp = self.cursor();
            let at = self.emit(Opcode::OpenEphemeral, tmp, 0, 0);
            first_infos = self.simple(&sel.body.select, None, None, Dest::Eph(tmp))?;
            n = first_infos.len();
            self.ops[at as usize].p2 = n as i32;
            for c in comps {
                let infos = self.simple(&c.select, None, None, Dest::Eph(tmp))?;
                if infos.len() != n {
                    return Err(compound_arity(c.operator));
                }
            }
        } else {
            let mut cur = self.cursor();
            let at = self.emit(Opcode::OpenEphemeral, cur, 0, 0);
            // Which of two equal rows (1 and 1.0) a set keeps, as SQLite 3.40.1: without
            // ORDER BY every row is inserted into one table, the later replacing the earlier;
            // with ORDER BY (its merge of sorted arms) the first row of an arm wins within
            // the arm, and a later UNION arm's row wins over the rows before it.
            let merge = sel.order_by.is_some();
            first_infos = self.simple(&sel.body.select, None, None, Dest::Set(cur, merge))?;
            n = first_infos.len();
            let ki = self.key_info(&vec![(false, None); n])?;
            self.ops[at as usize].p2 = n as i32;
            self.ops[at as usize].p4 = P4::KeyInfo(ki.clone());
            // Trailing UNION ALL arms keep duplicates: they are appended to a copy of the
            // set in an ephemeral table (earlier UNION ALLs are deduplicated by the set
            // operators that follow them anyway).
            let ntail = comps
                .iter()
                .rev()
                .take_while(|c| c.operator == ast::CompoundOperator::UnionAll)
                .count();
            let (set_comps, tail_comps) = comps.split_at(comps.len() - ntail);
            for c in set_comps {
                let infos = match c.operator {
                    ast::CompoundOperator::Union if merge => {
                        let arm = self.cursor();
                        self.emit4(
                            Opcode::OpenEphemeral,
                            arm,
                            n as i32,
                            0,
                            P4::KeyInfo(ki.clone()),
                            0,
                        );
                        let infos = self.simple(&c.select, None, None, Dest::Set(arm, true))?;
                        if infos.len() == n {
                            let done = self.label();
                            let row = self.regs(n.max(1));
                            let rec = self.reg();
                            self.emit(Opcode::Rewind, arm, done, 0);
                            let top = self.addr();
                            for i in 0..n {
                                self.emit(Opcode::Column, arm, i as i32, row + i as i32);
                            }
                            self.emit(Opcode::MakeRecord, row, n as i32, rec);
                            self.emit4(Opcode::IdxInsert, cur, rec, row, P4::Int32(n as i32), 0);
                            self.emit(Opcode::Next, arm, top, 0);
                            self.resolve(done);
                        }
                        infos
                    }
                    ast::CompoundOperator::Union | ast::CompoundOperator::UnionAll => {
                        self.simple(&c.select, None, None, Dest::Set(cur, merge))?
                    }
                    ast::CompoundOperator::Except => {
                        self.simple(&c.select, None, None, Dest::Except(cur))?
                    }
                    ast::CompoundOperator::Intersect => {
                        let c2 = self.cursor();
                        self.emit4(
                            Opcode::OpenEphemeral,
                            c2,
                            n as i32,
                            0,
                            P4::KeyInfo(ki.clone()),
                            0,
                        );
                        let i = self.simple(&c.select, None, None, Dest::Intersect(cur, c2))?;
                        cur = c2;
                        i
                    }
                };
                if infos.len() != n {
                    return Err(compound_arity(c.operator));
                }
            }
            if tail_comps.is_empty() {
                tmp = cur;
            } else {
                let e = self.cursor();
                self.emit(Opcode::OpenEphemeral, e, n as i32, 0);
                let done = self.label();
                let base = self.regs(n.max(1));
                let rec = self.reg();
                let rid = self.reg();
                self.emit(Opcode::Rewind, cur, done, 0);
                let top = self.addr();
                for i in 0..n {
                    self.emit(Opcode::Column, cur, i as i32, base + i as i32);
                }
                self.emit(Opcode::MakeRecord, base, n as i32, rec);
                self.emit(Opcode::NewRowid, e, rid, 0);
                self.emit(Opcode::Insert, e, rec, rid);
                self.emit(Opcode::Next, cur, top, 0);
                self.resolve(done);
                for c in tail_comps {
                    let infos = self.simple(&c.select, None, None, Dest::Eph(e))?;
                    if infos.len() != n {
                        return Err(compound_arity(c.operator));
                    }
                }
                tmp = e;
            }
        }
        // Read back, through ORDER BY and LIMIT.
        let results: Vec<(Expr, String)> = first_infos
            .iter()
            .map(|i| {
                (
                    Expr::Id(ast::Id(format!("\"{}\"", i.name.replace('"', "\"\"")))),
                    i.name.clone(),
                )
            })
            .collect();
        let (limit, offset) = self.limit_regs(sel.limit.as_ref(), end)?;
        let sorter = match &sel.order_by {
            Some(ob) => {
                let (keys, ki) = self.order_keys(ob, &results, true)?;
                let sc = self.open_sorter(ki, n)?;
                self.eqp_line("USE TEMP B-TREE FOR ORDER BY".into());
                Some((sc, keys))
            }
            None => None,
        };
        let out = OutCtx {
            distinct: None,
            sorter,
            limit,
            offset,
            end,
        };
        let base = self.regs(n);
        let done = self.label();
        self.emit(Opcode::Rewind, tmp, done, 0);
        let top = self.addr();
        for i in 0..n {
            self.emit(Opcode::Column, tmp, i as i32, base + i as i32);
        }
        self.emit_row(&out, &dest, base, n)?;
        self.emit(Opcode::Next, tmp, top, 0);
        self.resolve(done);
        self.drain_sorter(&out, &dest, n)?;
        self.resolve(end);
        Ok(first_infos)
    }

    /// The FROM items in join order: (item, LEFT, constraint, NATURAL). A parenthesized
    /// join without alias, joined by an inner/cross/comma join without constraint, is
    /// flattened (inner joins associate); other parenthesized joins are not supported.
    #[allow(clippy::type_complexity)]
    fn join_items<'f>(
        from: &'f ast::FromClause,
        nested: bool,
        items: &mut Vec<(
            &'f ast::SelectTable,
            (bool, bool),
            Option<&'f ast::JoinConstraint>,
            bool,
        )>,
    ) -> Result<()> {
        let _ = nested;
        let unsupported = || Error::sql("parenthesized joins are not supported");
        if let Some(s) = &from.select {
            match &**s {
                ast::SelectTable::Sub(inner, None) => Self::join_items(inner, true, items)?,
                ast::SelectTable::Sub(..) => return Err(unsupported()),
                _ => items.push((s, (false, false), None, false)),
            }
        }
        if let Some(js) = &from.joins {
            for j in js {
                let (left, right, natural) = match j.operator {
                    ast::JoinOperator::Comma => (false, false, false),
                    ast::JoinOperator::TypedJoin(None) => (false, false, false),
                    ast::JoinOperator::TypedJoin(Some(t)) => (
                        t.contains(ast::JoinType::LEFT),
                        t.contains(ast::JoinType::RIGHT),
                        t.contains(ast::JoinType::NATURAL),
                    ),
                };
                if let ast::SelectTable::Sub(inner, alias) = &j.table {
                    if alias.is_some() || left || right || natural || j.constraint.is_some() {
                        return Err(unsupported());
                    }
                    Self::join_items(inner, true, items)?;
                    continue;
                }
                items.push((&j.table, (left, right), j.constraint.as_ref(), natural));
            }
        }
        Ok(())
    }

    /// Open the FROM sources, returning them with the join levels.
    fn open_from(&mut self, from: &ast::FromClause) -> Result<(Vec<Source>, Vec<Level>)> {
        let mut sources = Vec::new();
        let mut levels = Vec::new();
        let mut items: Vec<(
            &ast::SelectTable,
            (bool, bool),
            Option<&ast::JoinConstraint>,
            bool,
        )> = Vec::new();
        Self::join_items(from, false, &mut items)?;
        for (i, (item, (left, right), cons, natural)) in items.into_iter().enumerate() {
            let mut src = self.open_source(item)?;
            let mut on = Vec::new();
            let mut using: Vec<String> = Vec::new();
            match cons {
                Some(ast::JoinConstraint::On(e)) => split_and(e, &mut on),
                Some(ast::JoinConstraint::Using(names)) => {
                    using = names.iter().map(|n| dequote(&n.0)).collect();
                }
                None => {}
            }
            if natural {
                for c in &src.cols {
                    if sources.iter().any(|s: &Source| {
                        s.cols.iter().any(|x| x.name.eq_ignore_ascii_case(&c.name))
                    }) {
                        using.push(c.name.clone());
                    }
                }
            }
            for u in &using {
                let lsrc = sources
                    .iter()
                    .find(|s: &&Source| s.cols.iter().any(|c| c.name.eq_ignore_ascii_case(u)))
                    .ok_or_else(|| {
                        Error::sql(format!(
                            "cannot join using column {u} - column not present in both tables"
                        ))
                    })?;
                if !src.cols.iter().any(|c| c.name.eq_ignore_ascii_case(u)) {
                    return Err(Error::sql(format!(
                        "cannot join using column {u} - column not present in both tables"
                    )));
                }
                let q = |t: &str| ast::Name(format!("\"{}\"", t.replace('"', "\"\"")));
                on.push(Expr::Binary(
                    Box::new(Expr::Qualified(q(&lsrc.name), q(u))),
                    Operator::Equals,
                    Box::new(Expr::Qualified(q(&src.name), q(u))),
                ));
                src.using_hidden.push(u.clone());
            }
            if i == 0 && !on.is_empty() {
                return Err(Error::sql("a JOIN clause is required before ON"));
            }
            on.append(&mut self.pending_on);
            sources.push(src);
            levels.push(Level {
                src: i,
                left,
                on,
                right,
                right_eph: None,
                order_index: None,
                order_desc: false,
            });
        }
        if sources.len() > 64 {
            return Err(Error::sql("at most 64 tables in a join"));
        }
        Ok((sources, levels))
    }

    fn open_source(&mut self, item: &ast::SelectTable) -> Result<Source> {
        match item {
            ast::SelectTable::Table(q, alias, _) => {
                let name = dequote(&q.name.0);
                let dbn = q.db_name.as_ref().map(|d| dequote(&d.0));
                let alias = alias.as_ref().map(|a| match a {
                    ast::As::As(n) | ast::As::Elided(n) => dequote(&n.0),
                });
                if dbn.is_none() {
                    if let Some(k) = self
                        .ctes
                        .iter()
                        .rposition(|c| c.name.eq_ignore_ascii_case(&name))
                    {
                        return self.cte_source(k, alias.unwrap_or(name));
                    }
                }
                let found = self.find_table(dbn.as_deref(), &name);
                let known_db = dbn
                    .as_deref()
                    .map_or(true, |d| self.db_search_order(Some(d)).is_ok());
                if found.is_err() && known_db {
                    if let Some(src) =
                        self.vtab_source(dbn.as_deref(), &name, None, alias.clone())?
                    {
                        return Ok(src);
                    }
                }
                if found.is_err() {
                    if let Some(src) =
                        self.pragma_source(&name, dbn.as_deref(), &[], alias.clone())?
                    {
                        return Ok(src);
                    }
                }
                if found.is_err() && dbn.is_none() {
                    if let Some(sel) = self.pragma_table(&name)? {
                        return self.materialize(&sel, alias.unwrap_or(name));
                    }
                }
                let (db, t) = found?;
                if t.is_view {
                    let sel = t
                        .view_select
                        .clone()
                        .ok_or_else(|| Error::sql("malformed view"))?;
                    return self.materialize(&sel, alias.unwrap_or_else(|| t.name.clone()));
                }
                let cur = self.cursor();
                self.use_db(db, false);
                self.emit4(
                    Opcode::OpenRead,
                    cur,
                    t.root as i32,
                    db as i32,
                    P4::Int32(t.columns.len() as i32),
                    0,
                );
                let cols = t
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
                    .collect();
                Ok(Source {
                    name: alias.unwrap_or_else(|| t.name.clone()),
                    cursor: cur,
                    cols,
                    table: Some((db, t.clone())),
                    using_hidden: vec![],
                })
            }
            ast::SelectTable::Select(sel, alias) => {
                let name = alias
                    .as_ref()
                    .map(|a| match a {
                        ast::As::As(n) | ast::As::Elided(n) => dequote(&n.0),
                    })
                    .unwrap_or_else(|| "(subquery)".to_string());
                self.materialize(sel, name)
            }
            ast::SelectTable::Sub(..) => Err(Error::sql("parenthesized joins are not supported")),
            ast::SelectTable::TableCall(q, args, alias) => {
                let name = dequote(&q.name.0);
                let dbn = q.db_name.as_ref().map(|d| dequote(&d.0));
                let alias = alias.as_ref().map(|a| match a {
                    ast::As::As(n) | ast::As::Elided(n) => dequote(&n.0),
                });
                let args = args.as_deref().unwrap_or(&[]);
                if let Some(src) = self.pragma_source(&name, dbn.as_deref(), args, alias.clone())? {
                    return Ok(src);
                }
                match self.vtab_source(dbn.as_deref(), &name, Some(args), alias)? {
                    Some(src) => Ok(src),
                    None => match self.find_table(dbn.as_deref(), &name) {
                        Ok(_) => Err(Error::sql(format!("'{name}' is not a function"))),
                        Err(e) => Err(e),
                    },
                }
            }
        }
    }

    /// Databases as `PRAGMA database_list` shows them: (seq, name). "temp" is listed once
    /// it holds objects (SQLite lists it once its b-tree is open). The file column is not
    /// known to the compiler and is reported as ''.
    pub fn database_list(&self) -> Vec<(usize, String)> {
        self.ctx
            .schemas
            .iter()
            .enumerate()
            .filter(|(i, (_, s))| *i != 1 || s.tables.len() > 1)
            .map(|(i, (n, _))| (i, n.clone()))
            .collect()
    }

    /// Table-valued pragma `pragma_NAME` as a SELECT over literal rows (only
    /// `pragma_database_list` so far); None for other names.
    fn pragma_table(&self, name: &str) -> Result<Option<ast::Select>> {
        if !name.eq_ignore_ascii_case("pragma_database_list") {
            return Ok(None);
        }
        let q = |s: &str| format!("'{}'", s.replace('\'', "''"));
        let arms: Vec<String> = self
            .database_list()
            .iter()
            .map(|(i, n)| format!("SELECT {i} AS seq, {} AS name, '' AS file", q(n)))
            .collect();
        let sql = arms.join(" UNION ALL ");
        match super::schema::parse_one(&sql)? {
            ast::Stmt::Select(sel) => Ok(Some(sel)),
            _ => Ok(None),
        }
    }

    /// A reference to CTE `k`: the current row of a recursive CTE being computed, or the
    /// CTE materialized into an ephemeral table.
    fn cte_source(&mut self, k: usize, name: String) -> Result<Source> {
        let cte = self.ctes[k].clone();
        if let Some((cur, cols)) = &cte.bound {
            return Ok(Source {
                name,
                cursor: *cur,
                cols: cols.clone(),
                table: None,
                using_hidden: vec![],
            });
        }
        // The CTE body sees only the CTEs defined before it (and itself, if recursive).
        let saved = self.ctes.split_off(k + 1);
        let r = if cte.recursive && self.is_self_referencing(&cte) {
            self.recursive_cte(k, name)
        } else {
            let hidden = self.ctes.pop();
            let r = self.materialize(&cte.select, name);
            if let Some(h) = hidden {
                self.ctes.push(h);
            }
            r
        };
        self.ctes.extend(saved);
        let mut src = r?;
        if let Some(cols) = &cte.columns {
            if cols.len() != src.cols.len() {
                return Err(Error::sql(format!(
                    "table {} has {} values for {} columns",
                    cte.name,
                    src.cols.len(),
                    cols.len()
                )));
            }
            for (c, n) in src.cols.iter_mut().zip(cols) {
                c.name = n.clone();
            }
        }
        Ok(src)
    }

    fn is_self_referencing(&self, cte: &super::build::Cte) -> bool {
        let text = format!("{}", ast::Cmd::Stmt(ast::Stmt::Select(cte.select.clone())));
        // Cheap and conservative: the body mentions its own name as a FROM item.
        let lname = cte.name.to_ascii_lowercase();
        text.to_ascii_lowercase()
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|w| w == lname)
    }

    /// WITH RECURSIVE: anchor rows go to a queue; each popped row is output and becomes the
    /// single row the recursive arm sees under the CTE's name (SQLite's algorithm).
    fn recursive_cte(&mut self, k: usize, name: String) -> Result<Source> {
        let cte = self.ctes[k].clone();
        let sel = &cte.select;
        let comps = sel.body.compounds.as_deref().unwrap_or(&[]);
        let last = comps.last().ok_or_else(|| {
            Error::sql(format!("recursive reference in a subquery: {}", cte.name))
        })?;
        let distinct = match last.operator {
            ast::CompoundOperator::UnionAll => false,
            ast::CompoundOperator::Union => true,
            _ => {
                return Err(Error::sql(format!(
                    "recursive reference in a subquery: {}",
                    cte.name
                )))
            }
        };
        if comps[..comps.len() - 1].iter().any(|c| {
            c.operator != ast::CompoundOperator::UnionAll
                && c.operator != ast::CompoundOperator::Union
        }) {
            return Err(Error::sql("unsupported compound in recursive CTE"));
        }
        let out = self.cursor();
        let at_out = self.emit(Opcode::OpenEphemeral, out, 0, 0);
        let queue = self.cursor();
        let at_q = self.emit(Opcode::OpenEphemeral, queue, 0, 0);
        let set = if distinct {
            let c = self.cursor();
            Some((c, self.emit(Opcode::OpenEphemeral, c, 0, 0)))
        } else {
            None
        };
        // Anchor: everything but the last arm; the CTE itself is not visible there.
        let mut anchor = sel.clone();
        anchor.body.compounds = if comps.len() > 1 {
            Some(comps[..comps.len() - 1].to_vec())
        } else {
            None
        };
        anchor.order_by = None;
        anchor.limit = None;
        let hidden = self.ctes.pop();
        let tmp = self.cursor();
        let at_tmp = self.emit(Opcode::OpenEphemeral, tmp, 0, 0);
        let r = self.select(&anchor, Dest::Eph(tmp));
        if let Some(h) = hidden {
            self.ctes.push(h);
        }
        let infos = r?;
        let n = infos.len();
        for a in [at_out, at_q, at_tmp] {
            self.ops[a as usize].p2 = n as i32;
        }
        if let Some((c, a)) = set {
            let ki = self.key_info(&vec![(false, None); n])?;
            self.ops[a as usize].p2 = n as i32;
            self.ops[a as usize].p4 = P4::KeyInfo(ki);
            let _ = c;
        }
        let base = self.regs(n.max(1));
        // Move anchor rows to the queue (through the distinct set for UNION).
        let enqueue = |b: &mut Builder<'a>, base: i32| -> Result<()> {
            let skip = b.label();
            if let Some((c, _)) = set {
                let rec = b.reg();
                b.emit4(Opcode::Found, c, skip, base, P4::Int32(n as i32), 0);
                b.emit(Opcode::MakeRecord, base, n as i32, rec);
                b.emit4(Opcode::IdxInsert, c, rec, base, P4::Int32(n as i32), 0);
            }
            let rec = b.reg();
            let rid = b.reg();
            b.emit(Opcode::MakeRecord, base, n as i32, rec);
            b.emit(Opcode::NewRowid, queue, rid, 0);
            b.emit(Opcode::Insert, queue, rec, rid);
            b.resolve(skip);
            Ok(())
        };
        let done_tmp = self.label();
        self.emit(Opcode::Rewind, tmp, done_tmp, 0);
        let top_tmp = self.addr();
        for i in 0..n {
            self.emit(Opcode::Column, tmp, i as i32, base + i as i32);
        }
        enqueue(self, base)?;
        self.emit(Opcode::Next, tmp, top_tmp, 0);
        self.resolve(done_tmp);
        // Main loop.
        let cur_row = self.cursor();
        let done = self.label();
        let limit = match &sel.limit {
            Some(l) => {
                if l.offset.is_some() {
                    return Err(Error::sql("OFFSET in a recursive CTE is not supported"));
                }
                let r = self.expr_reg(&l.expr)?;
                self.emit(Opcode::MustBeInt, r, 0, 0);
                self.emit(Opcode::IfNot, r, done, 0);
                Some(r)
            }
            None => None,
        };
        let top = self.addr();
        self.emit(Opcode::Rewind, queue, done, 0);
        for i in 0..n {
            self.emit(Opcode::Column, queue, i as i32, base + i as i32);
        }
        self.emit(Opcode::Delete, queue, 0, 0);
        let rec = self.reg();
        let rid = self.reg();
        self.emit(Opcode::MakeRecord, base, n as i32, rec);
        self.emit(Opcode::NewRowid, out, rid, 0);
        self.emit(Opcode::Insert, out, rec, rid);
        let last_row = self.label();
        if let Some(l) = limit {
            self.emit(Opcode::DecrJumpZero, l, last_row, 0);
        }
        let go_on = self.label();
        self.goto(go_on);
        self.resolve(last_row);
        self.goto(done);
        self.resolve(go_on);
        self.emit(Opcode::OpenEphemeral, cur_row, n as i32, 0);
        let rid2 = self.reg();
        self.emit(Opcode::NewRowid, cur_row, rid2, 0);
        self.emit(Opcode::Insert, cur_row, rec, rid2);
        let cols: Vec<SrcCol> = infos
            .iter()
            .enumerate()
            .map(|(i, info)| SrcCol {
                name: cte
                    .columns
                    .as_ref()
                    .and_then(|c| c.get(i).cloned())
                    .unwrap_or_else(|| info.name.clone()),
                affinity: info.affinity,
                collation: None,
                decltype: info.decltype.clone(),
                is_rowid: false,
            })
            .collect();
        self.ctes[k].bound = Some((cur_row, cols));
        let step = ast::Select {
            with: None,
            body: ast::SelectBody {
                select: last.select.clone(),
                compounds: None,
            },
            order_by: None,
            limit: None,
        };
        let step_tmp = self.cursor();
        self.emit(Opcode::OpenEphemeral, step_tmp, n as i32, 0);
        let r = self.select(&step, Dest::Eph(step_tmp));
        self.ctes[k].bound = None;
        let sinfos = r?;
        if sinfos.len() != n {
            return Err(compound_arity(last.operator));
        }
        let done2 = self.label();
        self.emit(Opcode::Rewind, step_tmp, done2, 0);
        let top2 = self.addr();
        for i in 0..n {
            self.emit(Opcode::Column, step_tmp, i as i32, base + i as i32);
        }
        enqueue(self, base)?;
        self.emit(Opcode::Next, step_tmp, top2, 0);
        self.resolve(done2);
        self.emit(Opcode::Goto, 0, top, 0);
        self.resolve(done);
        Ok(Source {
            name,
            cursor: out,
            cols: infos
                .iter()
                .map(|i| SrcCol {
                    name: i.name.clone(),
                    affinity: i.affinity,
                    collation: None,
                    decltype: i.decltype.clone(),
                    is_rowid: false,
                })
                .collect(),
            table: None,
            using_hidden: vec![],
        })
    }

    fn materialize(&mut self, sel: &ast::Select, name: String) -> Result<Source> {
        let cur = self.cursor();
        let at = self.emit(Opcode::OpenEphemeral, cur, 0, 0);
        // The subquery does not see the FROM sources of the query being built.
        let saved = std::mem::take(&mut self.scopes);
        let outer: Vec<Scope> = saved[..saved.len().saturating_sub(1)].to_vec();
        self.scopes = outer;
        let r = self.select(sel, Dest::Eph(cur));
        self.scopes = saved;
        let infos = r?;
        self.ops[at as usize].p2 = infos.len() as i32;
        Ok(Source {
            name,
            cursor: cur,
            cols: infos
                .iter()
                .map(|i| SrcCol {
                    name: i.name.clone(),
                    affinity: i.affinity,
                    collation: None,
                    decltype: i.decltype.clone(),
                    is_rowid: false,
                })
                .collect(),
            table: None,
            using_hidden: vec![],
        })
    }

    pub fn eqp_line(&mut self, detail: String) {
        let id = self.eqp.len() as i32 + 2;
        let parent = self.eqp_parent;
        self.eqp.push((id, parent, detail));
    }

    /// Level of the deepest source an expression references (0 if none).
    pub(super) fn term_level(&self, e: &Expr, sources: &[Source]) -> usize {
        if has_subquery(e) {
            return sources.len().saturating_sub(1);
        }
        let mut lvl = 0;
        self.visit_columns(e, &mut |c: &ColRef| {
            if let Some(i) = sources.iter().position(|s| s.cursor == c.cursor) {
                lvl = lvl.max(i);
            }
        });
        lvl
    }

    pub(super) fn visit_columns(&self, e: &Expr, f: &mut dyn FnMut(&ColRef)) {
        match e {
            Expr::Id(_) | Expr::Name(_) | Expr::Qualified(..) | Expr::DoublyQualified(..) => {
                match self.column_of(e) {
                    Ok(Some(c)) => f(&c),
                    _ => {
                        if let Expr::Id(id) = e {
                            if let Some(a) = self.alias_lookup(&dequote(&id.0)) {
                                if !self.alias_visiting(&a) {
                                    self.visit_columns(&a, f);
                                }
                            }
                        }
                    }
                }
            }
            _ => walk_children(e, &mut |c| self.visit_columns(c, f)),
        }
    }

    /// An index column can serve `col = other` only if the comparison's affinity and
    /// collation are the index's (SQLite's `sqlite3IndexAffinityOk` and collation check).
    fn index_usable(
        &self,
        t: &super::schema::Table,
        ic: &super::schema::IndexColumn,
        col: &Expr,
        other: &Expr,
    ) -> bool {
        let idx_aff = t
            .columns
            .get(ic.column)
            .map(|c| c.affinity)
            .unwrap_or(AFF_NONE);
        let aff = super::expr::cmp_affinity(self.affinity(col), self.affinity(other));
        let aff_ok = if aff < super::schema::AFF_TEXT {
            true
        } else if aff == super::schema::AFF_TEXT {
            idx_aff == super::schema::AFF_TEXT
        } else {
            super::expr::is_numeric_aff(idx_aff)
        };
        let coll = self
            .binary_collation(col, other)
            .unwrap_or_else(|| "BINARY".into());
        let icoll = ic.collation.clone().unwrap_or_else(|| "BINARY".into());
        aff_ok && coll.eq_ignore_ascii_case(&icoll)
    }

    /// Choose how to visit source `src` given the terms that can be used at its level.
    pub(super) fn plan_access(
        &self,
        src: &Source,
        terms: &[Expr],
        sources: &[Source],
        lvl: usize,
    ) -> Access {
        let t = match &src.table {
            Some((_, t)) if !t.without_rowid => t,
            _ => return Access::Scan,
        };
        // Candidate (column, op, other side) where the other side uses only earlier levels.
        let mut cands: Vec<(i32, Operator, Expr)> = Vec::new();
        // For each candidate: the column side, to judge comparison affinity and collation.
        let mut cand_cols: Vec<Expr> = Vec::new();
        for term in terms {
            if let Expr::Binary(l, op, r) = term {
                if !matches!(
                    op,
                    Operator::Equals
                        | Operator::Less
                        | Operator::LessEquals
                        | Operator::Greater
                        | Operator::GreaterEquals
                ) {
                    continue;
                }
                for (a, b, o) in [(l, r, *op), (r, l, flip(*op))] {
                    if let Ok(Some(c)) = self.column_of(a) {
                        if c.cursor == src.cursor
                            && !has_subquery(b)
                            && (self.term_level(b, sources) < lvl || self.refs_none(b, sources))
                            && !self.refs_cursor(b, src.cursor)
                        {
                            cands.push((c.col, o, (**b).clone()));
                            cand_cols.push((**a).clone());
                            break;
                        }
                    }
                }
            }
        }
        if let Some((_, _, e)) = cands
            .iter()
            .find(|(c, o, _)| *c < 0 && *o == Operator::Equals)
        {
            return Access::RowidEq(e.clone());
        }
        let mut best: Option<(Index, Vec<Expr>)> = None;
        if let Some(schema) = src.table.as_ref().and_then(|(db, _)| self.schema(*db)) {
            // Terms usable to search an index expression (`index_expr.rs`).
            let usable = |b: &Expr| {
                !has_subquery(b)
                    && (self.term_level(b, sources) < lvl || self.refs_none(b, sources))
                    && !self.refs_cursor(b, src.cursor)
            };
            for idx in schema.table_indexes(t) {
                if let Some(w) = &idx.partial {
                    if !self.partial_implied(w, t, src.cursor, terms) {
                        continue;
                    }
                }
                let mut eqs = Vec::new();
                for ic in &idx.columns {
                    if ic.expr.is_some() {
                        match self.index_expr_eq(ic, t, src.cursor, terms, &usable) {
                            Some(e) => eqs.push(e),
                            None => break,
                        }
                        continue;
                    }
                    let hit = cands.iter().zip(&cand_cols).find(|((c, o, e), ce)| {
                        *c == ic.column as i32
                            && *o == Operator::Equals
                            && self.index_usable(t, ic, ce, e)
                    });
                    match hit {
                        Some(((_, _, e), _)) => eqs.push(e.clone()),
                        None => break,
                    }
                }
                // Only use an index whose collations match the comparison's default.
                if !eqs.is_empty() && best.as_ref().map(|b| b.1.len() < eqs.len()).unwrap_or(true) {
                    best = Some((idx.clone(), eqs));
                }
            }
        }
        if let Some((i, e)) = best {
            return Access::IndexEq(i, e);
        }
        let lo = cands
            .iter()
            .find(|(c, o, _)| *c < 0 && matches!(o, Operator::Greater | Operator::GreaterEquals))
            .map(|(_, o, e)| (*o, e.clone()));
        let hi = cands
            .iter()
            .find(|(c, o, _)| *c < 0 && matches!(o, Operator::Less | Operator::LessEquals))
            .map(|(_, o, e)| (*o, e.clone()));
        if lo.is_some() || hi.is_some() {
            return Access::RowidRange(lo, hi);
        }
        Access::Scan
    }

    pub(super) fn refs_none(&self, e: &Expr, sources: &[Source]) -> bool {
        let mut any = false;
        self.visit_columns(e, &mut |c| {
            if sources.iter().any(|s| s.cursor == c.cursor) {
                any = true;
            }
        });
        !any
    }

    pub(super) fn refs_cursor(&self, e: &Expr, cur: i32) -> bool {
        let mut any = false;
        self.visit_columns(e, &mut |c| any |= c.cursor == cur);
        any
    }

    /// One-table scan with WHERE terms (UPDATE/DELETE pass 1); the caller opened the cursor
    /// and pushed a scope holding `src`.
    pub fn where_scan(
        &mut self,
        src: Source,
        terms: &[Expr],
        body: &mut dyn FnMut(&mut Builder<'a>) -> Result<()>,
    ) -> Result<()> {
        let mut ts = Vec::new();
        for t in terms {
            split_and(t, &mut ts);
        }
        let sources = vec![src];
        let levels = vec![Level {
            src: 0,
            left: false,
            on: vec![],
            right: false,
            right_eph: None,
            order_index: None,
            order_desc: false,
        }];
        self.loops(&sources, &levels, &ts, body)
    }

    /// Generate the nested loops; `body` is called at the innermost point.
    pub(super) fn loops(
        &mut self,
        sources: &[Source],
        levels: &[Level],
        terms: &[Expr],
        body: &mut dyn FnMut(&mut Builder<'a>) -> Result<()>,
    ) -> Result<()> {
        let (sources, mut levels) = self.order_sources(sources, levels, terms);
        for l in levels.iter_mut().filter(|l| l.right) {
            let c = self.cursor();
            let ki = self.key_info(&[(false, None)])?;
            self.emit4(Opcode::OpenEphemeral, c, 1, 0, P4::KeyInfo(ki), 0);
            l.right_eph = Some(c);
        }
        let (sources, levels) = (&sources[..], &levels[..]);
        // Assign each WHERE term to a level.
        let mut per_level: Vec<Vec<Expr>> = vec![Vec::new(); levels.len().max(1)];
        let mut constant: Vec<Expr> = Vec::new();
        for t in terms {
            if levels.is_empty() || (self.refs_none(t, sources) && !has_subquery(t)) {
                constant.push(t.clone());
            } else {
                let l = self.term_level(t, sources);
                per_level[l].push(t.clone());
            }
        }
        // A WHERE term on a source left of a RIGHT/FULL join filters the joined row, so it
        // must not drop a left row before that join recorded its right-side matches (SQLite
        // defers such terms, tag-20220513a): move it to the right join's level, where it runs
        // after the match is recorded.
        for k in 0..levels.len() {
            if levels[k].right {
                let moved: Vec<Expr> = per_level[..k].iter_mut().flat_map(std::mem::take).collect();
                per_level[k].splice(0..0, moved);
            }
        }
        let skip_all = self.label();
        for t in &constant {
            self.jump_if_false(t, skip_all, true)?;
        }
        self.level(sources, levels, &per_level, 0, body)?;
        // RIGHT/FULL JOIN: the right side's unmatched rows, with the left side NULL.
        for (k, lv) in levels.iter().enumerate() {
            let Some(eph) = lv.right_eph else { continue };
            let cur = sources[lv.src].cursor;
            let end = self.label();
            let next = self.label();
            let r = self.reg();
            self.emit(Opcode::Rewind, cur, end, 0);
            let top = self.addr();
            self.emit(Opcode::Rowid, cur, r, 0);
            self.emit4(Opcode::Found, eph, next, r, P4::Int32(1), 0);
            for l in &levels[..k] {
                self.emit(Opcode::NullRow, sources[l.src].cursor, 0, 0);
            }
            for ts in &per_level[..=k] {
                for t in ts {
                    self.jump_if_false(t, next, true)?;
                }
            }
            self.level(sources, levels, &per_level, k + 1, body)?;
            self.resolve(next);
            self.emit(Opcode::Next, cur, top, 0);
            self.resolve(end);
        }
        self.resolve(skip_all);
        Ok(())
    }

    fn level(
        &mut self,
        sources: &[Source],
        levels: &[Level],
        per_level: &[Vec<Expr>],
        i: usize,
        body: &mut dyn FnMut(&mut Builder<'a>) -> Result<()>,
    ) -> Result<()> {
        let lv = match levels.get(i) {
            None => return body(self),
            Some(l) => l,
        };
        let src = &sources[lv.src];
        let cur = src.cursor;
        let end = self.label();
        let next = self.label();
        let after = self.label();
        let (m, nd) = if lv.left {
            let m = self.reg();
            let nd = self.reg();
            self.int(0, m);
            self.int(0, nd);
            (m, nd)
        } else {
            (0, 0)
        };
        // Terms usable for access: WHERE terms at this level (not for LEFT joins' right
        // side, whose WHERE terms must see the NULL row) plus its ON terms.
        let mut usable: Vec<Expr> = lv.on.clone();
        if !lv.left {
            usable.extend(per_level[i].iter().cloned());
        }
        let is_vtab = self.vtab_of(cur).is_some();
        let access = if is_vtab {
            Access::Scan
        } else if let Some(idx) = &lv.order_index {
            Access::IndexOrder(idx.clone())
        } else {
            self.plan_access(src, &usable, sources, i)
        };
        let mut omitted: Vec<Expr> = Vec::new();
        let label_name = src.name.clone();
        let lj = if lv.left { " LEFT-JOIN" } else { "" };
        let mut idx_cursor = None;
        let advance: Box<dyn Fn(&mut Builder<'a>, i32)>;
        match &access {
            Access::Scan if is_vtab => {
                omitted = self.vtab_filter(src, &usable, sources, i, end)?;
                advance = Box::new(move |b: &mut Builder<'a>, top| {
                    b.emit(Opcode::VNext, cur, top, 0);
                });
            }
            Access::Scan if lv.order_desc => {
                self.eqp_line(format!("SCAN {label_name}{lj}"));
                self.emit(Opcode::Last, cur, end, 0);
                advance = Box::new(move |b: &mut Builder<'a>, top| {
                    b.emit(Opcode::Prev, cur, top, 0);
                });
            }
            Access::Scan => {
                self.eqp_line(format!("SCAN {label_name}{lj}"));
                self.emit(Opcode::Rewind, cur, end, 0);
                advance = Box::new(move |b: &mut Builder<'a>, top| {
                    b.emit(Opcode::Next, cur, top, 0);
                });
            }
            Access::RowidEq(e) => {
                self.eqp_line(format!(
                    "SEARCH {label_name} USING INTEGER PRIMARY KEY (rowid=?){lj}"
                ));
                let r = self.expr_reg(e)?;
                self.emit(Opcode::MustBeInt, r, end, 0);
                self.emit(Opcode::SeekRowid, cur, end, r);
                advance = Box::new(|_b: &mut Builder<'a>, _top| {});
            }
            Access::RowidRange(lo, hi) => {
                let mut parts = Vec::new();
                if let Some((o, _)) = lo {
                    parts.push(format!("rowid{}?", op_text(*o)));
                }
                if let Some((o, _)) = hi {
                    parts.push(format!("rowid{}?", op_text(*o)));
                }
                self.eqp_line(format!(
                    "SEARCH {label_name} USING INTEGER PRIMARY KEY ({}){lj}",
                    parts.join(" AND ")
                ));
                match lo {
                    Some((o, e)) => {
                        let r = self.expr_reg(e)?;
                        self.emit(Opcode::IsNull, r, end, 0);
                        self.apply_affinity(r, &[super::schema::AFF_NUMERIC]);
                        let op = if *o == Operator::Greater {
                            Opcode::SeekGT
                        } else {
                            Opcode::SeekGE
                        };
                        self.emit4(op, cur, end, r, P4::Int32(1), 0);
                    }
                    None => {
                        self.emit(Opcode::Rewind, cur, end, 0);
                    }
                }
                let hi_reg = match hi {
                    Some((o, e)) => Some((*o, self.expr_reg(e)?)),
                    None => None,
                };
                advance = Box::new(move |b: &mut Builder<'a>, top| {
                    b.emit(Opcode::Next, cur, top, 0);
                });
                if let Some((o, hr)) = hi_reg {
                    // Checked at the top of each iteration (below).
                    idx_cursor = Some((-1, hr, o));
                }
            }
            Access::IndexOrder(idx) => {
                self.eqp_line(format!("SCAN {label_name} USING INDEX {}{lj}", idx.name));
                let ic = self.cursor();
                let db = src.table.as_ref().map(|(d, _)| *d).unwrap_or(0);
                let ki = self.index_key_info(idx)?;
                self.emit4(
                    Opcode::OpenRead,
                    ic,
                    idx.root as i32,
                    db as i32,
                    P4::KeyInfo(ki),
                    0,
                );
                let (first, step) = if lv.order_desc {
                    (Opcode::Last, Opcode::Prev)
                } else {
                    (Opcode::Rewind, Opcode::Next)
                };
                self.emit(first, ic, end, 0);
                idx_cursor = Some((ic, 0, Operator::Equals));
                advance = Box::new(move |b: &mut Builder<'a>, top| {
                    b.emit(step, ic, top, 0);
                });
            }
            Access::IndexEq(idx, exprs) => {
                let cols: Vec<String> = idx
                    .columns
                    .iter()
                    .take(exprs.len())
                    .map(|c| {
                        src.table
                            .as_ref()
                            .and_then(|(_, t)| t.columns.get(c.column))
                            .map(|c| format!("{}=?", c.name))
                            .unwrap_or_else(|| "<expr>=?".into())
                    })
                    .collect();
                self.eqp_line(format!(
                    "SEARCH {label_name} USING INDEX {} ({}){lj}",
                    idx.name,
                    cols.join(" AND ")
                ));
                let ic = self.cursor();
                let db = src.table.as_ref().map(|(d, _)| *d).unwrap_or(0);
                let ki = self.index_key_info(idx)?;
                self.emit4(
                    Opcode::OpenRead,
                    ic,
                    idx.root as i32,
                    db as i32,
                    P4::KeyInfo(ki),
                    0,
                );
                let n = exprs.len();
                let k = self.regs(n);
                let mut affs = Vec::new();
                for (j, e) in exprs.iter().enumerate() {
                    self.expr(e, k + j as i32)?;
                    self.emit(Opcode::IsNull, k + j as i32, end, 0);
                    let col_aff = src
                        .table
                        .as_ref()
                        .and_then(|(_, t)| t.columns.get(idx.columns[j].column))
                        .map(|c| c.affinity)
                        .unwrap_or(AFF_BLOB);
                    affs.push(col_aff);
                }
                self.apply_affinity(k, &affs);
                self.emit4(Opcode::SeekGE, ic, end, k, P4::Int32(n as i32), 0);
                idx_cursor = Some((ic, k, Operator::Equals));
                let nn = n as i32;
                advance = Box::new(move |b: &mut Builder<'a>, top| {
                    b.emit(Opcode::Next, ic, top, 0);
                    let _ = nn;
                });
            }
        }
        let top = self.addr();
        match (&access, idx_cursor) {
            (Access::IndexOrder(_), Some((ic, _, _))) => {
                let r = self.reg();
                self.emit(Opcode::IdxRowid, ic, r, 0);
                self.emit(Opcode::SeekRowid, cur, next, r);
            }
            (Access::IndexEq(_, exprs), Some((ic, k, _))) => {
                self.emit4(Opcode::IdxGT, ic, end, k, P4::Int32(exprs.len() as i32), 0);
                let r = self.reg();
                self.emit(Opcode::IdxRowid, ic, r, 0);
                self.emit(Opcode::SeekRowid, cur, next, r);
            }
            (Access::RowidRange(..), Some((_, hr, o))) => {
                let r = self.reg();
                self.emit(Opcode::Rowid, cur, r, 0);
                let op = if o == Operator::Less {
                    Opcode::Ge
                } else {
                    Opcode::Gt
                };
                self.emit4(op, hr, end, r, P4::Coll(None), (AFF_INTEGER as u16) | 0x10);
            }
            _ => {}
        }
        self.vtab_row_checks(cur, next)?;
        for t in lv.on.iter().filter(|t| !omitted.contains(t)) {
            self.jump_if_false(t, next, true)?;
        }
        if lv.left {
            self.int(1, m);
        }
        if let Some(eph) = lv.right_eph {
            let r = self.reg();
            let rec = self.reg();
            let seen = self.label();
            self.emit(Opcode::Rowid, cur, r, 0);
            self.emit4(Opcode::Found, eph, seen, r, P4::Int32(1), 0);
            self.emit(Opcode::MakeRecord, r, 1, rec);
            self.emit4(Opcode::IdxInsert, eph, rec, r, P4::Int32(1), 0);
            self.resolve(seen);
        }
        let inner = self.addr();
        for t in per_level[i].iter().filter(|t| !omitted.contains(t)) {
            self.jump_if_false(t, next, true)?;
        }
        self.level(sources, levels, per_level, i + 1, body)?;
        self.resolve(next);
        if lv.left {
            self.emit(Opcode::If, nd, after, 0);
        }
        advance(self, top);
        self.resolve(end);
        if lv.left {
            self.emit(Opcode::IfPos, m, after, 0);
            self.int(1, nd);
            self.emit(Opcode::NullRow, cur, 0, 0);
            self.emit(Opcode::Goto, 0, inner, 0);
        }
        self.resolve(after);
        Ok(())
    }

    pub fn index_key_info(&self, idx: &Index) -> Result<crate::btree::KeyInfo> {
        let cols: Vec<(bool, Option<String>)> = idx
            .columns
            .iter()
            .map(|c| (c.desc, c.collation.clone()))
            .chain(std::iter::once((false, None)))
            .collect();
        self.key_info(&cols)
    }

    /// Expand the result columns: (expr, name, decltype/origin via resolution).
    fn expand_results(
        &self,
        columns: &[ast::ResultColumn],
        sources: &[Source],
        spans: Option<&[String]>,
        right_using: &[usize],
    ) -> Result<Vec<(Expr, String, Option<String>)>> {
        let mut out = Vec::new();
        let q = |t: &str| ast::Name(format!("\"{}\"", t.replace('"', "\"\"")));
        for (rci, rc) in columns.iter().enumerate() {
            let span = spans
                .filter(|s| s.len() == columns.len())
                .and_then(|s| s.get(rci))
                .filter(|s| !s.is_empty());
            match rc {
                ast::ResultColumn::Star => {
                    if sources.is_empty() {
                        return Err(Error::sql("no tables specified"));
                    }
                    for (si, s) in sources.iter().enumerate() {
                        for c in &s.cols {
                            if s.using_hidden
                                .iter()
                                .any(|h| h.eq_ignore_ascii_case(&c.name))
                                || self.vtab_hidden(s.cursor, &c.name)
                            {
                                continue;
                            }
                            let mut e = Expr::Qualified(q(&s.name), q(&c.name));
                            // A USING column of a RIGHT/FULL join is coalesce(left, right).
                            for &ri in right_using {
                                let Some(r) = sources.get(ri) else { continue };
                                let hidden = r
                                    .using_hidden
                                    .iter()
                                    .any(|h| h.eq_ignore_ascii_case(&c.name));
                                let first = sources.iter().position(|x| {
                                    x.cols.iter().any(|y| y.name.eq_ignore_ascii_case(&c.name))
                                });
                                if hidden && first == Some(si) && ri > si {
                                    e = Expr::FunctionCall {
                                        name: ast::Id("coalesce".into()),
                                        distinctness: None,
                                        args: Some(vec![
                                            e,
                                            Expr::Qualified(q(&r.name), q(&c.name)),
                                        ]),
                                        order_by: None,
                                        filter_over: None,
                                    };
                                }
                            }
                            out.push((e, c.name.clone(), None));
                        }
                    }
                }
                ast::ResultColumn::TableStar(t) => {
                    let tn = dequote(&t.0);
                    let s = sources
                        .iter()
                        .find(|s| s.name.eq_ignore_ascii_case(&tn))
                        .ok_or_else(|| Error::sql(format!("no such table: {tn}")))?;
                    for c in &s.cols {
                        if self.vtab_hidden(s.cursor, &c.name) {
                            continue;
                        }
                        out.push((
                            Expr::Qualified(q(&s.name), q(&c.name)),
                            c.name.clone(),
                            None,
                        ));
                    }
                }
                ast::ResultColumn::Expr(e, alias) => {
                    let name = match alias {
                        Some(ast::As::As(n)) | Some(ast::As::Elided(n)) => dequote(&n.0),
                        // `(t.name)` is named as the column itself, as in SQLite (the
                        // parentheses leave no node there).
                        None => match strip_parens(e) {
                            c @ (Expr::Id(_)
                            | Expr::Qualified(..)
                            | Expr::DoublyQualified(..)
                            | Expr::Name(_)) => match self.column_of(c) {
                                Ok(Some(c)) => c.name,
                                _ => span.cloned().unwrap_or_else(|| e.to_string()),
                            },
                            _ => span.cloned().unwrap_or_else(|| e.to_string()),
                        },
                    };
                    out.push((e.clone(), name, alias.as_ref().map(|_| String::new())));
                }
            }
        }
        Ok(out)
    }

    fn simple(
        &mut self,
        core: &ast::OneSelect,
        order_by: Option<&[ast::SortedColumn]>,
        limit: Option<&ast::Limit>,
        dest: Dest,
    ) -> Result<Vec<ResultInfo>> {
        let end = self.label();
        match core {
            ast::OneSelect::Values(rows) => {
                let n = rows.first().map(|r| r.len()).unwrap_or(0);
                let results: Vec<(Expr, String)> = (0..n)
                    .map(|i| {
                        (
                            Expr::Literal(ast::Literal::Null),
                            format!("column{}", i + 1),
                        )
                    })
                    .collect();
                let (lim, off) = self.limit_regs(limit, end)?;
                let sorter = match order_by {
                    Some(ob) => {
                        let (keys, ki) = self.order_keys(ob, &results, true)?;
                        Some((self.open_sorter(ki, n)?, keys))
                    }
                    None => None,
                };
                let out = OutCtx {
                    distinct: None,
                    sorter,
                    limit: lim,
                    offset: off,
                    end,
                };
                let base = self.regs(n);
                for row in rows {
                    if row.len() != n {
                        return Err(Error::sql("all VALUES must have the same number of terms"));
                    }
                    for (i, e) in row.iter().enumerate() {
                        self.expr(e, base + i as i32)?;
                    }
                    self.emit_row(&out, &dest, base, n)?;
                }
                self.drain_sorter(&out, &dest, n)?;
                self.resolve(end);
                return Ok(results
                    .into_iter()
                    .map(|(_, name)| ResultInfo {
                        name,
                        decltype: None,
                        origin: None,
                        affinity: AFF_NONE,
                    })
                    .collect());
            }
            ast::OneSelect::Select {
                distinctness,
                columns,
                from,
                where_clause,
                group_by,
                window_clause,
            } => {
                self.scopes.push(Scope::default());
                let r = self.simple_select(
                    *distinctness == Some(ast::Distinctness::Distinct),
                    columns,
                    from.as_ref(),
                    where_clause.as_ref(),
                    group_by.as_ref(),
                    order_by,
                    limit,
                    dest,
                    end,
                    window_clause.as_deref().unwrap_or(&[]),
                );
                self.scopes.pop();
                r
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn simple_select(
        &mut self,
        distinct: bool,
        columns: &[ast::ResultColumn],
        from: Option<&ast::FromClause>,
        where_clause: Option<&Expr>,
        group_by: Option<&ast::GroupBy>,
        order_by: Option<&[ast::SortedColumn]>,
        limit: Option<&ast::Limit>,
        dest: Dest,
        end: i32,
        windows: &[ast::WindowDef],
    ) -> Result<Vec<ResultInfo>> {
        let (sources, mut levels) = match from {
            Some(f) => self.open_from(f)?,
            None => (vec![], vec![]),
        };
        if let Some(s) = self.scopes.last_mut() {
            s.sources = sources.clone();
        }
        let spans = if self.sel_depth == 1 {
            self.col_spans.take()
        } else {
            None
        };
        let right_using: Vec<usize> = levels.iter().filter(|l| l.right).map(|l| l.src).collect();
        let results = self.expand_results(columns, &sources, spans.as_deref(), &right_using)?;
        // Result infos.
        let mut infos = Vec::new();
        for (e, name, _) in &results {
            let c = self.column_of(strip_parens(e)).ok().flatten();
            infos.push(ResultInfo {
                name: name.clone(),
                decltype: c.as_ref().and_then(|c| c.decltype.clone()),
                origin: c.as_ref().and_then(|c| c.origin.clone()),
                affinity: self.affinity(e),
            });
        }
        // Aliases usable in WHERE / GROUP BY / ORDER BY.
        if let Some(s) = self.scopes.last_mut() {
            for ((e, name, alias), _) in results.iter().zip(&infos) {
                if alias.is_some() {
                    s.aliases.push((name.clone(), e.clone()));
                }
            }
        }
        let n = results.len();
        let res_pairs: Vec<(Expr, String)> = results
            .iter()
            .map(|(e, n, _)| (e.clone(), n.clone()))
            .collect();
        let mut terms = Vec::new();
        if let Some(w) = where_clause {
            split_and(w, &mut terms);
        }
        // With a RIGHT/FULL join, ON terms stay with their level: the unmatched right rows
        // are filtered by WHERE only.
        let any_right = levels.iter().any(|l| l.right);
        for l in &mut levels {
            if !l.left && !any_right {
                terms.extend(l.on.iter().cloned());
            } else if !l.left && !l.right {
                // SQLite 3.40.1 evaluates a constant ON term of an inner join once, before
                // the loops, even with a RIGHT/FULL join in the statement: a false one gives
                // no rows at all (not even the unmatched right rows).
                let (konst, rest): (Vec<Expr>, Vec<Expr>) = std::mem::take(&mut l.on)
                    .into_iter()
                    .partition(|t| self.refs_none(t, &sources) && !has_subquery(t));
                terms.extend(konst);
                l.on = rest;
            }
        }
        let mut levels: Vec<Level> = levels
            .into_iter()
            .map(|l| {
                if l.left || any_right {
                    l
                } else {
                    Level { on: vec![], ..l }
                }
            })
            .collect();

        // Aggregates?
        let mut aggs: Vec<Expr> = Vec::new();
        for (e, _, _) in &results {
            self.collect_aggs(e, &mut aggs);
        }
        if let Some(g) = group_by {
            if let Some(h) = &g.having {
                self.collect_aggs(h, &mut aggs);
            }
        }
        if let Some(ob) = order_by {
            for sc in ob {
                self.collect_aggs(&sc.expr, &mut aggs);
            }
        }
        for t in &terms {
            let mut a = Vec::new();
            self.collect_aggs(t, &mut a);
            if let Some(f) = a.first().and_then(func_args) {
                return Err(Error::sql(format!(
                    "misuse of aggregate function {}()",
                    f.0
                )));
            }
        }
        // `GroupBy` with no terms is a bare HAVING (the vendored parser's rule).
        let is_agg = !aggs.is_empty() || group_by.map_or(false, |g| !g.exprs.is_empty());
        if let (Some(g), false) = (group_by, is_agg) {
            if g.having.is_some() {
                return Err(Error::sql("HAVING clause on a non-aggregate query"));
            }
        }

        let (lim, off) = self.limit_regs(limit, end)?;
        let distinct_cur = if distinct {
            let d = self.cursor();
            let colls: Vec<(bool, Option<String>)> = results
                .iter()
                .map(|(e, _, _)| (false, self.collation_of(e).map(|c| c.0)))
                .collect();
            let ki = self.key_info(&colls)?;
            self.emit4(Opcode::OpenEphemeral, d, n as i32, 0, P4::KeyInfo(ki), 0);
            Some(d)
        } else {
            None
        };
        let sorter = match order_by {
            Some(ob) if !ob.is_empty() => {
                let (keys, ki) = self.order_keys(ob, &res_pairs, false)?;
                Some((ki, keys))
            }
            _ => None,
        };
        // GROUP BY and ORDER BY with the same terms: the GROUP BY sorts in the ORDER BY's
        // directions and the groups come out in order, so there is no second sort.
        let mut group_desc: Vec<bool> = Vec::new();
        // One table, no aggregate: ORDER BY satisfied by rowid order or by an index.
        let sorter = match sorter {
            Some((ki, keys))
                if !is_agg
                    && !distinct
                    && sources.len() == 1
                    && levels.len() == 1
                    && !levels[0].left
                    && !levels[0].right
                    && !self.select_has_windows(&results, order_by) =>
            {
                match self.order_by_scan(&sources[0], &keys, &ki, &res_pairs, &terms) {
                    Some((OrderScan::Rowid, desc)) => {
                        levels[0].order_desc = desc;
                        None
                    }
                    Some((OrderScan::Index(idx), desc)) => {
                        levels[0].order_index = Some(idx);
                        levels[0].order_desc = desc;
                        None
                    }
                    None => Some((ki, keys)),
                }
            }
            other => other,
        };
        let sorter = match sorter {
            Some((ki, keys))
                if is_agg
                    && !self.select_has_windows(&results, order_by)
                    && self
                        .group_order_satisfies(&keys, &ki, group_by, &res_pairs)
                        .map(|d| group_desc = d)
                        .is_some() =>
            {
                None
            }
            Some((ki, keys)) => Some((self.open_sorter(ki, n)?, keys)),
            None => None,
        };
        let out = OutCtx {
            distinct: distinct_cur,
            sorter,
            limit: lim,
            offset: off,
            end,
        };
        let base = self.regs(n.max(1));
        // `SELECT count(*) FROM t`: count the b-tree entries directly (SQLite's Count).
        let count_star = n == 1
            && terms.is_empty()
            && group_by.is_none()
            && sources.len() == 1
            && sources[0].table.is_some()
            && matches!(&results[0].0, Expr::FunctionCallStar { name, filter_over: None } if dequote(&name.0).eq_ignore_ascii_case("count"))
            && matches!(
                self.resolve_func("count", 0),
                Ok((crate::vdbe::FuncRef::Builtin(_), true))
            );
        if self.select_has_windows(&results, order_by) {
            self.window_select(
                &sources, &levels, &terms, &results, group_by, windows, &out, &dest, base,
            )?;
        } else if count_star {
            self.eqp_line(format!("SCAN {}", sources[0].name));
            self.emit(Opcode::Count, sources[0].cursor, base, 0);
            self.emit_row(&out, &dest, base, n)?;
        } else if !is_agg {
            let mut body = |b: &mut Builder<'a>| -> Result<()> {
                for (i, (e, _, _)) in results.iter().enumerate() {
                    b.expr(e, base + i as i32)?;
                }
                b.emit_row(&out, &dest, base, n)
            };
            self.loops(&sources, &levels, &terms, &mut body)?;
        } else {
            self.aggregate_ordered(
                &sources,
                &levels,
                &terms,
                &results,
                &aggs,
                group_by,
                &out,
                &dest,
                base,
                &group_desc,
            )?;
        }
        if out.distinct.is_some() {
            self.eqp_line("USE TEMP B-TREE FOR DISTINCT".into());
        }
        if out.sorter.is_some() {
            self.eqp_line("USE TEMP B-TREE FOR ORDER BY".into());
        }
        self.drain_sorter(&out, &dest, n)?;
        self.resolve(end);
        Ok(infos)
    }

    /// Columns referenced outside aggregate calls, resolved in the innermost scope.
    fn bare_columns(&self, e: &Expr, sources: &[Source], out: &mut Vec<(i32, i32)>) {
        if self.is_agg_call(e) {
            return;
        }
        match e {
            Expr::Id(_) | Expr::Name(_) | Expr::Qualified(..) | Expr::DoublyQualified(..) => {
                if let Ok(Some(c)) = self.column_of(e) {
                    if sources.iter().any(|s| s.cursor == c.cursor)
                        && !out.contains(&(c.cursor, c.col))
                    {
                        out.push((c.cursor, c.col));
                    }
                } else if let Expr::Id(id) = e {
                    if let Some(a) = self.alias_lookup(&dequote(&id.0)) {
                        self.bare_columns(&a, sources, out);
                    }
                }
            }
            _ => walk_children(e, &mut |c| self.bare_columns(c, sources, out)),
        }
    }

    /// Guard against an alias whose expression is itself the bare alias name.
    fn alias_visiting(&self, a: &Expr) -> bool {
        matches!(a, Expr::Id(_)) && self.column_of(a).ok().flatten().is_none()
    }

    fn alias_lookup(&self, name: &str) -> Option<Expr> {
        self.scopes.last().and_then(|s| {
            s.aliases
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|x| x.1.clone())
        })
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn aggregate(
        &mut self,
        sources: &[Source],
        levels: &[Level],
        terms: &[Expr],
        results: &[(Expr, String, Option<String>)],
        aggs: &[Expr],
        group_by: Option<&ast::GroupBy>,
        out: &OutCtx,
        dest: &Dest,
        base: i32,
    ) -> Result<()> {
        self.aggregate_ordered(
            sources,
            levels,
            terms,
            results,
            aggs,
            group_by,
            out,
            dest,
            base,
            &[],
        )
    }

    /// As `aggregate`, the GROUP BY sort using `group_desc`'s directions (ascending where
    /// it has no entry): the order the groups come out in.
    #[allow(clippy::too_many_arguments)]
    fn aggregate_ordered(
        &mut self,
        sources: &[Source],
        levels: &[Level],
        terms: &[Expr],
        results: &[(Expr, String, Option<String>)],
        aggs: &[Expr],
        group_by: Option<&ast::GroupBy>,
        out: &OutCtx,
        dest: &Dest,
        base: i32,
        group_desc: &[bool],
    ) -> Result<()> {
        let n = results.len();
        // Resolve GROUP BY terms (numbers and aliases refer to result columns).
        let mut gexprs: Vec<Expr> = Vec::new();
        if let Some(g) = group_by {
            for (i, e) in g.exprs.iter().enumerate() {
                if let Some(k) = int_literal(e) {
                    if k < 1 || k as usize > n {
                        return Err(Error::sql(format!(
                            "{} GROUP BY term out of range - should be between 1 and {}",
                            ordinal(i + 1),
                            n
                        )));
                    }
                    let r = results[k as usize - 1].0.clone();
                    let mut a = Vec::new();
                    self.collect_aggs(&r, &mut a);
                    if let Some(last) = a.last() {
                        // SQLite checks EP_Agg on the term itself; under COLLATE the copy
                        // escapes that check and fails when coded instead.
                        let mut top = e;
                        while let Expr::Parenthesized(v) = top {
                            match v.as_slice() {
                                [x] => top = x,
                                _ => break,
                            }
                        }
                        if let (Expr::Collate(..), Some(f)) = (top, func_args(last)) {
                            return Err(Error::sql(format!("misuse of aggregate: {}()", f.0)));
                        }
                        return Err(Error::sql(
                            "aggregate functions are not allowed in the GROUP BY clause",
                        ));
                    }
                    gexprs.push(r);
                    continue;
                }
                if let Expr::Id(id) = e {
                    if self.column_of(e)?.is_none() {
                        if let Some(a) = self.alias_lookup(&dequote(&id.0)) {
                            gexprs.push(a);
                            continue;
                        }
                    }
                }
                let mut a = Vec::new();
                self.collect_aggs(e, &mut a);
                if !a.is_empty() {
                    return Err(Error::sql(
                        "aggregate functions are not allowed in the GROUP BY clause",
                    ));
                }
                gexprs.push(e.clone());
            }
        }
        let having = group_by.and_then(|g| g.having.clone());
        // Aggregate descriptors: (expr, func, args, distinct cursor, accumulator).
        struct Agg {
            expr: Expr,
            func: crate::vdbe::FuncRef,
            args: Vec<Expr>,
            /// The arguments, then the FILTER condition if any (the columns evaluated per row).
            cols: Vec<Expr>,
            filter: bool,
            distinct: Option<i32>,
            acc: i32,
            coll: Option<crate::btree::Collation>,
        }
        let mut ad = Vec::new();
        for e in aggs {
            let (name, args, distinct) = func_args(e).ok_or_else(|| Error::sql("bad aggregate"))?;
            let filter = match e {
                Expr::FunctionCall {
                    filter_over: Some(ft),
                    ..
                }
                | Expr::FunctionCallStar {
                    filter_over: Some(ft),
                    ..
                } => ft.filter_clause.as_deref().cloned(),
                _ => None,
            };
            let mut cols = args.clone();
            cols.extend(filter.iter().cloned());
            for a in &cols {
                let mut inner = Vec::new();
                self.collect_aggs(a, &mut inner);
                if !inner.is_empty() {
                    return Err(Error::sql(format!(
                        "misuse of aggregate function {}()",
                        func_args(&inner[0]).map(|f| f.0).unwrap_or_default()
                    )));
                }
            }
            let (func, _) = self.resolve_func(&name, args.len())?;
            let dcur = if distinct {
                if args.len() != 1 {
                    return Err(Error::sql(
                        "DISTINCT aggregates must have exactly one argument",
                    ));
                }
                let c = self.cursor();
                let ki = self.key_info(&[(false, self.collation_of(&args[0]).map(|c| c.0))])?;
                self.emit4(Opcode::OpenEphemeral, c, 1, 0, P4::KeyInfo(ki), 0);
                Some(c)
            } else {
                None
            };
            let coll = match args.first().and_then(|a| self.collation_of(a)) {
                Some((c, _)) => self.collation(Some(&c))?,
                None => None,
            };
            let acc = self.reg();
            ad.push(Agg {
                expr: e.clone(),
                func,
                args,
                cols,
                filter: filter.is_some(),
                distinct: dcur,
                acc,
                coll,
            });
        }
        // Bare columns.
        let mut bare = Vec::new();
        for (e, _, _) in results {
            self.bare_columns(e, sources, &mut bare);
        }
        if let Some(h) = &having {
            self.bare_columns(h, sources, &mut bare);
        }
        if let Some((_, keys)) = &out.sorter {
            for k in keys {
                if let SortKey::Expr(e) = k {
                    self.bare_columns(e, sources, &mut bare);
                }
            }
        }
        for g in &gexprs {
            self.bare_columns(g, sources, &mut bare);
        }
        let bare_base = self.regs(bare.len().max(1));
        // SQLite's bare-column rule (updateAccumulator): the bare columns are loaded on the
        // first row of a group (`used` is 0), and on every row where the last min()/max()
        // stepped became the new min/max (its CollSeq/AggStep pair clears/sets `hit`; a
        // FILTERed min/max first copies `used` into `hit`).
        let is_minmax = |a: &Agg| {
            a.args.len() == 1
                && func_args(&a.expr).map_or(false, |f| {
                    f.0.eq_ignore_ascii_case("min") || f.0.eq_ignore_ascii_case("max")
                })
        };
        let any_minmax = ad.iter().any(is_minmax);
        let used = self.reg();
        let hit = if any_minmax { self.reg() } else { used };
        let step = |b: &mut Builder<'a>,
                    ad: &[Agg],
                    arg_regs: &dyn Fn(&mut Builder<'a>, usize, &Agg) -> Result<i32>|
         -> Result<()> {
            for (k, a) in ad.iter().enumerate() {
                let skip = b.label();
                let ar = arg_regs(b, k, a)?;
                if a.filter {
                    if is_minmax(a) {
                        b.emit(Opcode::Copy, used, hit, 0);
                    }
                    b.emit(Opcode::IfNot, ar + a.args.len() as i32, skip, 1);
                }
                if let Some(dc) = a.distinct {
                    let rec = b.reg();
                    b.emit4(Opcode::Found, dc, skip, ar, P4::Int32(1), 0);
                    b.emit(Opcode::MakeRecord, ar, 1, rec);
                    b.emit4(Opcode::IdxInsert, dc, rec, ar, P4::Int32(1), 0);
                }
                if is_minmax(a) {
                    b.emit4(Opcode::CollSeq, hit, 0, 0, P4::Coll(a.coll.clone()), 0);
                } else if a.coll.is_some() {
                    b.emit4(Opcode::CollSeq, 0, 0, 0, P4::Coll(a.coll.clone()), 0);
                }
                b.emit4(
                    Opcode::AggStep,
                    0,
                    ar,
                    a.acc,
                    P4::Func(a.func.clone()),
                    a.args.len() as u16,
                );
                b.resolve(skip);
            }
            Ok(())
        };
        let finals = |b: &mut Builder<'a>, ad: &[Agg]| {
            for a in ad {
                b.emit4(
                    Opcode::AggFinal,
                    a.acc,
                    a.args.len() as i32,
                    0,
                    P4::Func(a.func.clone()),
                    0,
                );
            }
        };
        let install = |b: &mut Builder<'a>, ad: &[Agg], gregs: &[(Expr, i32)]| {
            if let Some(s) = b.scopes.last_mut() {
                for a in ad {
                    s.overrides.push((a.expr.clone(), a.acc));
                }
                for g in gregs {
                    s.overrides.push(g.clone());
                }
                for (i, c) in bare.iter().enumerate() {
                    s.col_regs.push((*c, bare_base + i as i32));
                }
            }
        };
        let emit_output = |b: &mut Builder<'a>, skip: i32| -> Result<()> {
            if let Some(h) = &having {
                b.jump_if_false(h, skip, true)?;
            }
            for (i, (e, _, _)) in results.iter().enumerate() {
                b.expr(e, base + i as i32)?;
            }
            b.emit_row(out, dest, base, n)
        };

        if gexprs.is_empty() {
            for a in &ad {
                b_null(self, a.acc);
            }
            for i in 0..bare.len() {
                self.null(bare_base + i as i32);
            }
            self.int(0, used);
            let bare2 = bare.clone();
            let mut body = |b: &mut Builder<'a>| -> Result<()> {
                step(b, &ad, &|b: &mut Builder<'a>, _k, a: &Agg| {
                    let r = b.regs(a.cols.len().max(1));
                    for (j, x) in a.cols.iter().enumerate() {
                        b.expr(x, r + j as i32)?;
                    }
                    Ok(r)
                })?;
                let loaded = b.label();
                b.emit(Opcode::If, hit, loaded, 0);
                for (i, (cur, col)) in bare2.iter().enumerate() {
                    let c = ColRef {
                        cursor: *cur,
                        col: *col,
                        affinity: 0,
                        collation: None,
                        decltype: None,
                        origin: None,
                        name: String::new(),
                    };
                    b.read_column(&c, bare_base + i as i32);
                }
                b.resolve(loaded);
                b.int(1, used);
                Ok(())
            };
            self.loops(sources, levels, terms, &mut body)?;
            finals(self, &ad);
            install(self, &ad, &[]);
            let skip = self.label();
            emit_output(self, skip)?;
            self.resolve(skip);
            return Ok(());
        }

        // GROUP BY through a sorter: [keys..., agg args..., bare columns...].
        let nk = gexprs.len();
        let nargs: usize = ad.iter().map(|a| a.cols.len()).sum();
        let width = nk + nargs + bare.len();
        let mut kinfo = Vec::new();
        for (i, g) in gexprs.iter().enumerate() {
            let desc = group_desc.get(i).copied().unwrap_or(false);
            kinfo.push((desc, self.collation_of(g).map(|c| c.0)));
        }
        let gs = self.open_sorter(kinfo.clone(), width - nk)?;
        let bare2 = bare.clone();
        {
            let rowbase = self.regs(width.max(1));
            let mut body = |b: &mut Builder<'a>| -> Result<()> {
                for (i, g) in gexprs.iter().enumerate() {
                    b.expr(g, rowbase + i as i32)?;
                }
                let mut k = nk;
                for a in &ad {
                    for x in &a.cols {
                        b.expr(x, rowbase + k as i32)?;
                        k += 1;
                    }
                }
                for (cur, col) in &bare2 {
                    let c = ColRef {
                        cursor: *cur,
                        col: *col,
                        affinity: 0,
                        collation: None,
                        decltype: None,
                        origin: None,
                        name: String::new(),
                    };
                    b.read_column(&c, rowbase + k as i32);
                    k += 1;
                }
                let rec = b.reg();
                b.emit(Opcode::MakeRecord, rowbase, width as i32, rec);
                b.emit(Opcode::SorterInsert, gs, rec, 0);
                Ok(())
            };
            self.loops(sources, levels, terms, &mut body)?;
        }
        self.eqp_line("USE TEMP B-TREE FOR GROUP BY".into());
        let pseudo = self.cursor();
        let data = self.reg();
        let prev = self.regs(nk);
        let curk = self.regs(nk);
        let has = self.reg();
        let ret = self.reg();
        let done = self.label();
        let out_sub = self.label();
        let after_sub = self.label();
        self.emit(Opcode::OpenPseudo, pseudo, data, width as i32);
        for a in &ad {
            b_null(self, a.acc);
        }
        self.int(0, has);
        self.emit(Opcode::SorterSort, gs, done, 0);
        let top = self.addr();
        self.emit(Opcode::SorterData, gs, data, pseudo);
        for i in 0..nk {
            self.emit(Opcode::Column, pseudo, i as i32, curk + i as i32);
        }
        let changed = self.label();
        let same = self.label();
        self.emit(Opcode::IfNot, has, changed, 0);
        for (i, ki) in kinfo.iter().enumerate() {
            let c = self.collation(ki.1.as_deref())?;
            self.emit4(
                Opcode::Ne,
                prev + i as i32,
                changed,
                curk + i as i32,
                P4::Coll(c),
                NULLEQ,
            );
        }
        self.goto(same);
        self.resolve(changed);
        let skip_out = self.label();
        self.emit(Opcode::IfNot, has, skip_out, 0);
        self.emit(Opcode::Gosub, ret, out_sub, 0);
        self.resolve(skip_out);
        for i in 0..nk {
            self.emit(Opcode::Copy, curk + i as i32, prev + i as i32, 0);
        }
        for a in &ad {
            b_null(self, a.acc);
            if let Some(dc) = a.distinct {
                // DISTINCT aggregates start each group with an empty "seen" set.
                self.emit(Opcode::ResetSorter, dc, 0, 0);
            }
        }
        self.int(1, has);
        self.int(0, used);
        self.resolve(same);
        {
            let mut off = nk;
            let mut arg_pos = Vec::new();
            for a in &ad {
                arg_pos.push(off);
                off += a.cols.len();
            }
            let ap = arg_pos.clone();
            step(self, &ad, &move |b: &mut Builder<'a>, k, a: &Agg| {
                let r = b.regs(a.cols.len().max(1));
                for j in 0..a.cols.len() {
                    b.emit(Opcode::Column, pseudo, (ap[k] + j) as i32, r + j as i32);
                }
                Ok(r)
            })?;
            let loaded = self.label();
            self.emit(Opcode::If, hit, loaded, 0);
            for i in 0..bare.len() {
                self.emit(
                    Opcode::Column,
                    pseudo,
                    (off + i) as i32,
                    bare_base + i as i32,
                );
            }
            self.resolve(loaded);
            self.int(1, used);
        }
        self.emit(Opcode::SorterNext, gs, top, 0);
        self.resolve(done);
        self.emit(Opcode::IfNot, has, after_sub, 0);
        self.emit(Opcode::Gosub, ret, out_sub, 0);
        self.goto(after_sub);
        // Output subroutine.
        self.resolve(out_sub);
        finals(self, &ad);
        // A GROUP BY term in the output is computed again from the bare columns (SQLite
        // 3.40.1 matches only columns against GROUP BY terms), so `GROUP BY a` shows the
        // loaded row's `a` (0 or 0.0 of one group); terms with subqueries keep the key.
        let gregs: Vec<(Expr, i32)> = gexprs
            .iter()
            .enumerate()
            .filter(|(_, g)| has_subquery(g))
            .map(|(i, g)| (g.clone(), prev + i as i32))
            .collect();
        install(self, &ad, &gregs);
        let skip = self.label();
        emit_output(self, skip)?;
        self.resolve(skip);
        self.emit(Opcode::Return, ret, 0, 0);
        self.resolve(after_sub);
        Ok(())
    }
}

fn b_null(b: &mut Builder<'_>, r: i32) {
    b.null(r);
}

fn compound_arity(op: ast::CompoundOperator) -> Error {
    let s = match op {
        ast::CompoundOperator::Union => "UNION",
        ast::CompoundOperator::UnionAll => "UNION ALL",
        ast::CompoundOperator::Except => "EXCEPT",
        ast::CompoundOperator::Intersect => "INTERSECT",
    };
    Error::sql(format!(
        "SELECTs to the left and right of {s} do not have the same number of result columns"
    ))
}

pub fn ordinal(n: usize) -> String {
    let suf = match (n % 10, n % 100) {
        (1, x) if x != 11 => "st",
        (2, x) if x != 12 => "nd",
        (3, x) if x != 13 => "rd",
        _ => "th",
    };
    format!("{n}{suf}")
}

/// `e` without enclosing parentheses around a single expression.
fn strip_parens(mut e: &Expr) -> &Expr {
    while let Expr::Parenthesized(v) = e {
        match v.as_slice() {
            [inner] => e = inner,
            _ => break,
        }
    }
    e
}
