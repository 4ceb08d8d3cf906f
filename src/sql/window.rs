//! Window functions in SELECT (`windowfunctions.html`): `f(...) [FILTER (WHERE ..)] OVER
//! (PARTITION BY .. ORDER BY .. frame)`, named windows (`WINDOW w AS (..)`, `OVER w`,
//! `OVER (w ORDER BY ..)`), ROWS/RANGE/GROUPS frames with EXCLUDE.
//!
//! Plan (SQLite's `sqlite3WindowRewrite`, done in code generation instead of on the tree):
//! 1. The *inner* query computes, per row of FROM/WHERE/GROUP BY/HAVING, every expression
//!    the window step needs: each maximal window-free subtree of the result and ORDER BY
//!    expressions, and each window function's arguments, FILTER, PARTITION BY and ORDER BY
//!    terms. Row layout: `[inner exprs..., values of the passes computed so far...]`.
//! 2. Window calls are grouped into *passes* by window definition (partition, order, frame
//!    with the built-ins' fixed frames, exclude), as SQLite's `sqlite3WindowCompare`. Passes
//!    run from the last-appearing definition to the first; each sorts its input rows by its
//!    PARTITION BY + ORDER BY (stable sorter), pushes them into a VM buffer (`WinPush`),
//!    computes its functions (`WinFlush`, `func::window::flush`) and pops the rows extended
//!    with one column per function (`WinPop`), feeding the next pass's sorter.
//! 3. The last pass installs scope overrides (inner expression → register, window call →
//!    register) and evaluates the result columns, which then leave through the select's
//!    usual DISTINCT / ORDER BY / LIMIT path.
//!
//! Invariants: the output order without ORDER BY is the first window's partition+order
//! order (like SQLite, whose outermost window subquery is the first window); a pass never
//! sees rows of another pass's buffer (buffer id = a cursor number allocated for it, so
//! unique in the program).

use super::build::Builder;
use super::expr::walk_children;
use super::schema::dequote;
use super::select::{Dest, Level, OutCtx, SortKey};
use crate::error::{Error, Result};
use crate::func::window::{
    frame_override, Bound, Exclude, FrameBound, FrameSpec, FrameUnit, OrderCol, WinFunc, WindowSpec,
};
use crate::vdbe::{Opcode, P4};
use sqlite3_parser::ast::{self, Expr};
use std::sync::Arc;

/// A resolved window definition.
#[derive(Clone, Debug)]
struct WinDef {
    partition: Vec<Expr>,
    order: Vec<ast::SortedColumn>,
    frame: Option<ast::FrameClause>,
}

/// The parts of a window function call.
fn window_call(e: &Expr) -> Option<(String, Vec<Expr>, bool, Option<Expr>, &ast::Over)> {
    match e {
        Expr::FunctionCall {
            name,
            args,
            distinctness,
            filter_over: Some(ft),
            ..
        } => ft.over_clause.as_deref().map(|o| {
            (
                dequote(&name.0),
                args.clone().unwrap_or_default(),
                *distinctness == Some(ast::Distinctness::Distinct),
                ft.filter_clause.as_deref().cloned(),
                o,
            )
        }),
        Expr::FunctionCallStar {
            name,
            filter_over: Some(ft),
        } => ft.over_clause.as_deref().map(|o| {
            (
                dequote(&name.0),
                vec![],
                false,
                ft.filter_clause.as_deref().cloned(),
                o,
            )
        }),
        _ => None,
    }
}

/// Whether `e` is a window function call.
pub fn is_window_call(e: &Expr) -> bool {
    window_call(e).is_some()
}

/// Window calls in `e` (outermost first, not descending into subqueries).
pub fn collect_windows(e: &Expr, out: &mut Vec<Expr>) {
    if is_window_call(e) {
        if !out.contains(e) {
            out.push(e.clone());
        }
        return;
    }
    walk_children(e, &mut |c| collect_windows(c, out));
}

fn has_window(e: &Expr) -> bool {
    let mut v = Vec::new();
    collect_windows(e, &mut v);
    !v.is_empty()
}

/// `e` without enclosing single-element parentheses (as `Builder::expr` looks it up).
fn strip(mut e: &Expr) -> &Expr {
    while let Expr::Parenthesized(v) = e {
        match v.as_slice() {
            [x] => e = x,
            _ => break,
        }
    }
    e
}

/// Index of `e` in `list`, appending it if absent.
fn slot(list: &mut Vec<Expr>, e: &Expr) -> usize {
    let e = strip(e);
    match list.iter().position(|x| x == e) {
        Some(i) => i,
        None => {
            list.push(e.clone());
            list.len() - 1
        }
    }
}

/// Maximal window-free subtrees of `e` (constants stay in the outer expression).
fn split_inner(e: &Expr, inner: &mut Vec<Expr>) {
    let e = strip(e);
    if is_window_call(e) {
        return;
    }
    if !has_window(e) {
        if !matches!(e, Expr::Literal(_)) {
            slot(inner, e);
        }
        return;
    }
    walk_children(e, &mut |c| split_inner(c, inner));
}

fn resolve_def(w: &ast::Window, named: &[ast::WindowDef], depth: usize) -> Result<WinDef> {
    let mut def = WinDef {
        partition: w.partition_by.clone().unwrap_or_default(),
        order: w.order_by.clone().unwrap_or_default(),
        frame: w.frame_clause.clone(),
    };
    if let Some(b) = &w.base {
        let bn = dequote(&b.0);
        let base = if depth == 0 {
            named_def(&bn, named, depth + 1)?
        } else {
            // In the WINDOW clause, a base names an earlier definition; SQLite ignores an
            // unknown one there.
            match named_def(&bn, named, depth + 1) {
                Ok(d) => d,
                Err(_) => return Ok(def),
            }
        };
        if w.partition_by.is_some() {
            return Err(Error::sql(format!(
                "cannot override PARTITION clause of window: {bn}"
            )));
        }
        if !base.order.is_empty() && w.order_by.is_some() {
            return Err(Error::sql(format!(
                "cannot override ORDER BY clause of window: {bn}"
            )));
        }
        if base.frame.is_some() {
            return Err(Error::sql(format!(
                "cannot override frame specification of window: {bn}"
            )));
        }
        def.partition = base.partition;
        if w.order_by.is_none() {
            def.order = base.order;
        }
    }
    Ok(def)
}

fn named_def(name: &str, named: &[ast::WindowDef], depth: usize) -> Result<WinDef> {
    if depth > 100 {
        return Err(Error::sql(format!("no such window: {name}")));
    }
    match named
        .iter()
        .position(|d| dequote(&d.name.0).eq_ignore_ascii_case(name))
    {
        Some(i) => resolve_def(&named[i].window, &named[..i], depth + 1),
        None => Err(Error::sql(format!("no such window: {name}"))),
    }
}

/// One window call, resolved.
struct Call {
    expr: Expr,
    func: crate::vdbe::FuncRef,
    args: Vec<usize>,
    filter: Option<usize>,
    fixed: Option<FrameSpec>,
    /// Its column in the row after its pass.
    col: usize,
}

/// A group of calls sharing one window definition (and frame).
struct Pass {
    key: String,
    def: WinDef,
    unit: FrameUnit,
    start: (Bound, Option<Expr>),
    end: (Bound, Option<Expr>),
    exclude: Exclude,
    calls: Vec<usize>,
}

fn bound_of(b: &ast::FrameBound) -> (Bound, Option<Expr>) {
    match b {
        ast::FrameBound::UnboundedPreceding => (Bound::UnboundedPreceding, None),
        ast::FrameBound::Preceding(e) => (Bound::Preceding, Some(e.clone())),
        ast::FrameBound::CurrentRow => (Bound::CurrentRow, None),
        ast::FrameBound::Following(e) => (Bound::Following, Some(e.clone())),
        ast::FrameBound::UnboundedFollowing => (Bound::UnboundedFollowing, None),
    }
}

/// SQLite's table of fixed frames, used to decide which calls share a pass (`lag` is
/// ROWS UNBOUNDED PRECEDING .. CURRENT ROW there; its evaluation frame is wider).
fn sqlite_fixed_frame(name: &str) -> Option<(FrameUnit, Bound, Bound)> {
    use Bound::*;
    use FrameUnit::*;
    Some(match name.to_ascii_lowercase().as_str() {
        "row_number" => (Rows, UnboundedPreceding, CurrentRow),
        "rank" | "dense_rank" => (Range, UnboundedPreceding, CurrentRow),
        "percent_rank" => (Groups, CurrentRow, UnboundedFollowing),
        "cume_dist" => (Groups, Following, UnboundedFollowing),
        "ntile" => (Rows, CurrentRow, UnboundedFollowing),
        "lead" => (Rows, UnboundedPreceding, UnboundedFollowing),
        "lag" => (Rows, UnboundedPreceding, CurrentRow),
        _ => return None,
    })
}

impl<'a> Builder<'a> {
    /// Whether a SELECT core needs the window path.
    pub(super) fn select_has_windows(
        &self,
        results: &[(Expr, String, Option<String>)],
        order_by: Option<&[ast::SortedColumn]>,
    ) -> bool {
        results.iter().any(|(e, _, _)| has_window(e))
            || order_by
                .map(|o| o.iter().any(|s| has_window(&s.expr)))
                .unwrap_or(false)
    }

    /// Compile a SELECT core with window functions (see the module comment). `results` and
    /// `out` are the select's; rows leave through `emit_row(out, dest)`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn window_select(
        &mut self,
        sources: &[super::build::Source],
        levels: &[Level],
        terms: &[Expr],
        results: &[(Expr, String, Option<String>)],
        group_by: Option<&ast::GroupBy>,
        named: &[ast::WindowDef],
        out: &OutCtx,
        dest: &Dest,
        base: i32,
    ) -> Result<()> {
        let n = results.len();
        // Window calls, in order of appearance.
        let mut wexprs: Vec<Expr> = Vec::new();
        for (e, _, _) in results {
            collect_windows(e, &mut wexprs);
        }
        let mut sort_exprs: Vec<Expr> = Vec::new();
        if let Some((_, keys)) = &out.sorter {
            for k in keys {
                let mut k = k;
                while let SortKey::IsNull(inner) = k {
                    k = inner;
                }
                if let SortKey::Expr(e) = k {
                    collect_windows(e, &mut wexprs);
                    sort_exprs.push(e.clone());
                }
            }
        }
        // Window-free parts evaluated by the inner query.
        let mut inner: Vec<Expr> = Vec::new();
        for (e, _, _) in results {
            split_inner(e, &mut inner);
        }
        for e in &sort_exprs {
            split_inner(e, &mut inner);
        }
        let mut calls: Vec<Call> = Vec::new();
        let mut passes: Vec<Pass> = Vec::new();
        for we in &wexprs {
            let Some((name, args, distinct, filter, over)) = window_call(we) else {
                continue;
            };
            for a in args.iter().chain(filter.iter()) {
                let mut nested = Vec::new();
                collect_windows(a, &mut nested);
                if let Some((nn, ..)) = nested.first().and_then(window_call) {
                    return Err(Error::sql(format!("misuse of window function {nn}()")));
                }
            }
            let (func, is_agg) = self.resolve_func(&name, args.len())?;
            if !is_agg {
                return Err(Error::sql(format!(
                    "{name}() may not be used as a window function"
                )));
            }
            if distinct {
                return Err(Error::sql("DISTINCT is not supported for window functions"));
            }
            let builtin_window = crate::func::window::window_only(&name)
                && matches!(func, crate::vdbe::FuncRef::Builtin(_));
            if filter.is_some() && builtin_window {
                return Err(Error::sql(
                    "FILTER clause may only be used with aggregate window functions",
                ));
            }
            let def = match over {
                ast::Over::Name(nm) => named_def(&dequote(&nm.0), named, 0)?,
                ast::Over::Window(w) => resolve_def(w, named, 0)?,
            };
            // Frame.
            let (mut unit, mut start, mut end, mut exclude) = match &def.frame {
                None => (
                    FrameUnit::Range,
                    (Bound::UnboundedPreceding, None),
                    (Bound::CurrentRow, None),
                    Exclude::NoOthers,
                ),
                Some(f) => {
                    let unit = match f.mode {
                        ast::FrameMode::Rows => FrameUnit::Rows,
                        ast::FrameMode::Range => FrameUnit::Range,
                        ast::FrameMode::Groups => FrameUnit::Groups,
                    };
                    let start = bound_of(&f.start);
                    let end = f
                        .end
                        .as_ref()
                        .map(bound_of)
                        .unwrap_or((Bound::CurrentRow, None));
                    let bad = matches!(
                        (start.0, end.0),
                        (Bound::CurrentRow, Bound::Preceding)
                            | (Bound::Following, Bound::Preceding)
                            | (Bound::Following, Bound::CurrentRow)
                    ) || start.0 == Bound::UnboundedFollowing
                        || end.0 == Bound::UnboundedPreceding;
                    if bad {
                        return Err(Error::sql("unsupported frame specification"));
                    }
                    let exclude = match f.exclude {
                        None | Some(ast::FrameExclude::NoOthers) => Exclude::NoOthers,
                        Some(ast::FrameExclude::CurrentRow) => Exclude::CurrentRow,
                        Some(ast::FrameExclude::Group) => Exclude::Group,
                        Some(ast::FrameExclude::Ties) => Exclude::Ties,
                    };
                    (unit, start, end, exclude)
                }
            };
            if unit == FrameUnit::Range
                && (start.1.is_some() || end.1.is_some())
                && def.order.len() != 1
            {
                return Err(Error::sql(
                    "RANGE with offset PRECEDING/FOLLOWING requires one ORDER BY expression",
                ));
            }
            let fixed = if builtin_window {
                frame_override(&name)
            } else {
                None
            };
            if builtin_window {
                if let Some((u, s, e)) = sqlite_fixed_frame(&name) {
                    unit = u;
                    start = (s, None);
                    end = (e, None);
                    exclude = Exclude::NoOthers;
                }
            }
            let key = format!(
                "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
                def.partition, def.order, unit, start, end, exclude
            );
            let pass = match passes.iter().position(|p| p.key == key) {
                Some(p) => p,
                None => {
                    passes.push(Pass {
                        key,
                        def: def.clone(),
                        unit,
                        start,
                        end,
                        exclude,
                        calls: vec![],
                    });
                    passes.len() - 1
                }
            };
            let args: Vec<usize> = args.iter().map(|a| slot(&mut inner, a)).collect();
            let filter = filter.as_ref().map(|f| slot(&mut inner, f));
            passes[pass].calls.push(calls.len());
            calls.push(Call {
                expr: we.clone(),
                func,
                args,
                filter,
                fixed,
                col: 0,
            });
        }
        // Partition and order terms of every pass.
        let mut pass_keys: Vec<(Vec<usize>, Vec<(usize, &ast::SortedColumn)>)> = Vec::new();
        for p in &passes {
            let part: Vec<usize> = p
                .def
                .partition
                .iter()
                .map(|e| slot(&mut inner, e))
                .collect();
            let ord: Vec<(usize, &ast::SortedColumn)> = p
                .def
                .order
                .iter()
                .map(|s| (slot(&mut inner, &s.expr), s))
                .collect();
            pass_keys.push((part, ord));
        }
        for e in &inner {
            let mut w = Vec::new();
            collect_windows(e, &mut w);
            if let Some((nn, ..)) = w.first().and_then(window_call) {
                return Err(Error::sql(format!("misuse of window function {nn}()")));
            }
        }
        let ni = inner.len();
        // Column of each call's value: passes run last-appearing first.
        let order: Vec<usize> = (0..passes.len()).rev().collect();
        let mut width = ni;
        for &pi in &order {
            for &ci in &passes[pi].calls {
                calls[ci].col = width;
                width += 1;
            }
        }
        // Sort keys and key info of a pass over a row of its input.
        let sort_of = |b: &Builder<'a>, pi: usize| -> (Vec<SortKey>, Vec<(bool, Option<String>)>) {
            let (part, ord) = &pass_keys[pi];
            let mut keys = Vec::new();
            let mut ki = Vec::new();
            for &c in part {
                keys.push(SortKey::Result(c));
                ki.push((false, b.collation_of(&inner[c]).map(|x| x.0)));
            }
            for (c, sc) in ord {
                let desc = sc.order == Some(ast::SortOrder::Desc);
                match (sc.nulls, desc) {
                    (Some(ast::NullsOrder::Last), false) => {
                        keys.push(SortKey::IsNull(Box::new(SortKey::Result(*c))));
                        ki.push((false, None));
                    }
                    (Some(ast::NullsOrder::First), true) => {
                        keys.push(SortKey::IsNull(Box::new(SortKey::Result(*c))));
                        ki.push((true, None));
                    }
                    _ => {}
                }
                keys.push(SortKey::Result(*c));
                ki.push((desc, b.collation_of(&inner[*c]).map(|x| x.0)));
            }
            (keys, ki)
        };

        // One sorter per pass, opened before the inner query runs.
        let mut sorters: Vec<(i32, Vec<SortKey>)> = Vec::new();
        let mut w = ni;
        for &pi in &order {
            let (keys, ki) = sort_of(self, pi);
            sorters.push((self.open_sorter(ki, w)?, keys));
            w += passes[pi].calls.len();
        }
        // 1. Inner query into the first pass's sorter.
        let (s0, keys0) = sorters[0].clone();
        let inner_end = self.label();
        let iout = OutCtx {
            distinct: None,
            sorter: Some((s0, keys0)),
            limit: None,
            offset: None,
            end: inner_end,
        };
        let ibase = self.regs(ni.max(1));
        let mut inner_aggs = Vec::new();
        for e in &inner {
            self.collect_aggs(e, &mut inner_aggs);
        }
        let saved = self
            .scopes
            .last()
            .map(|s| (s.overrides.len(), s.col_regs.len()));
        if inner_aggs.is_empty() && group_by.is_none() {
            let inner2 = inner.clone();
            let mut body = |b: &mut Builder<'a>| -> Result<()> {
                for (i, e) in inner2.iter().enumerate() {
                    b.expr(e, ibase + i as i32)?;
                }
                b.emit_row(&iout, &Dest::Output, ibase, ni)
            };
            self.loops(sources, levels, terms, &mut body)?;
        } else {
            let ires: Vec<(Expr, String, Option<String>)> = inner
                .iter()
                .map(|e| (e.clone(), String::new(), None))
                .collect();
            self.aggregate(
                sources,
                levels,
                terms,
                &ires,
                &inner_aggs,
                group_by,
                &iout,
                &Dest::Output,
                ibase,
            )?;
        }
        self.resolve(inner_end);
        if let (Some((no, nc)), Some(s)) = (saved, self.scopes.last_mut()) {
            s.overrides.truncate(no);
            s.col_regs.truncate(nc);
        }

        // 2. The passes.
        let mut sorter = s0;
        let mut nk = iout.sorter.as_ref().map(|s| s.1.len()).unwrap_or(0);
        let mut w_in = ni;
        for (step, &pi) in order.iter().enumerate() {
            let buf = self.cursor();
            let nf = passes[pi].calls.len();
            let w_out = w_in + nf;
            // Drain the sorter into the buffer.
            let pseudo = self.cursor();
            let data = self.reg();
            let row = self.regs(w_in.max(1));
            let drained = self.label();
            self.emit(Opcode::OpenPseudo, pseudo, data, (nk + w_in) as i32);
            self.emit(Opcode::SorterSort, sorter, drained, 0);
            let top = self.addr();
            self.emit(Opcode::SorterData, sorter, data, pseudo);
            for i in 0..w_in {
                self.emit(Opcode::Column, pseudo, (nk + i) as i32, row + i as i32);
            }
            self.emit(Opcode::WinPush, buf, row, w_in as i32);
            self.emit(Opcode::SorterNext, sorter, top, 0);
            self.resolve(drained);
            // Frame offsets, then compute.
            let offs = self.regs(2);
            let p = &passes[pi];
            let (so, eo) = (p.start.1.clone(), p.end.1.clone());
            match so {
                Some(e) => self.expr(&e, offs)?,
                None => self.null(offs),
            }
            match eo {
                Some(e) => self.expr(&e, offs + 1)?,
                None => self.null(offs + 1),
            }
            let spec = self.window_spec(&passes[pi], &pass_keys[pi], &inner, &calls)?;
            self.emit4(
                Opcode::WinFlush,
                buf,
                offs,
                0,
                P4::Window(Arc::new(spec)),
                0,
            );
            // Pop the computed rows.
            let out_row = self.regs(w_out.max(1));
            let done = self.label();
            let ptop = self.addr();
            self.emit(Opcode::WinPop, buf, done, out_row);
            if step + 1 < order.len() {
                let (sn, keys) = sorters[step + 1].clone();
                let nks = keys.len();
                let kb = self.regs(nks + w_out);
                for (i, k) in keys.iter().enumerate() {
                    self.sort_key(k, out_row, kb + i as i32)?;
                }
                for i in 0..w_out {
                    self.emit(Opcode::SCopy, out_row + i as i32, kb + (nks + i) as i32, 0);
                }
                let rec = self.reg();
                self.emit(Opcode::MakeRecord, kb, (nks + w_out) as i32, rec);
                self.emit(Opcode::SorterInsert, sn, rec, 0);
                self.goto(ptop);
                self.resolve(done);
                sorter = sn;
                nk = nks;
                w_in = w_out;
            } else {
                // 3. The result row.
                if let Some(s) = self.scopes.last_mut() {
                    for (i, e) in inner.iter().enumerate() {
                        s.overrides.push((e.clone(), out_row + i as i32));
                    }
                    for c in &calls {
                        s.overrides.push((c.expr.clone(), out_row + c.col as i32));
                    }
                }
                for (i, (e, _, _)) in results.iter().enumerate() {
                    self.expr(e, base + i as i32)?;
                }
                self.emit_row(out, dest, base, n)?;
                self.goto(ptop);
                self.resolve(done);
            }
        }
        Ok(())
    }

    fn window_spec(
        &self,
        p: &Pass,
        keys: &(Vec<usize>, Vec<(usize, &ast::SortedColumn)>),
        inner: &[Expr],
        calls: &[Call],
    ) -> Result<WindowSpec> {
        let mut partition = Vec::new();
        for &c in &keys.0 {
            let coll = match self.collation_of(&inner[c]) {
                Some((n, _)) => self.collation(Some(&n))?,
                None => None,
            };
            partition.push((c, coll));
        }
        let mut order = Vec::new();
        for (c, sc) in &keys.1 {
            let coll = match self.collation_of(&inner[*c]) {
                Some((n, _)) => self.collation(Some(&n))?,
                None => None,
            };
            let desc = sc.order == Some(ast::SortOrder::Desc);
            let nulls_first = match sc.nulls {
                Some(ast::NullsOrder::First) => true,
                Some(ast::NullsOrder::Last) => false,
                None => !desc,
            };
            order.push(OrderCol {
                col: *c,
                coll,
                desc,
                nulls_first,
            });
        }
        let funcs = p
            .calls
            .iter()
            .map(|&ci| {
                let c = &calls[ci];
                WinFunc {
                    func: c.func.clone(),
                    args: c.args.clone(),
                    filter: c.filter,
                    fixed: c.fixed,
                }
            })
            .collect();
        Ok(WindowSpec {
            partition,
            order,
            unit: p.unit,
            start: p.start.0,
            end: p.end.0,
            exclude: p.exclude,
            funcs,
        })
    }
}

#[allow(dead_code)]
fn _unused(_: FrameBound) {}
