//! Built-in window functions (`windowfunctions.html` §3): row_number rank dense_rank
//! percent_rank cume_dist ntile lag lead first_value last_value nth_value.
//!
//! # How the VM drives them
//!
//! Every window function (these and the aggregates of `aggregate.rs`) is an [`AggState`]
//! created once per partition. The VM keeps, per window, a frame of rows moving through the
//! partition and:
//! - calls `step(args)` for each row *entering* the frame (in partition order),
//! - calls `inverse(args)` for each row *leaving* it (oldest first, same args as its `step`),
//! - calls `value()` to get the function's result for the current output row,
//! - calls `finalize()` (or just drops the state) at the end of the partition.
//!
//! The frame is the one written in the query, **except** for the functions below, whose
//! frame is fixed ([`frame_override`], the same table as SQLite's `window.c`, except `lag`):
//!
//! | function | frame | `value()` is called |
//! |---|---|---|
//! | row_number | ROWS UNBOUNDED PRECEDING .. CURRENT ROW | once per row |
//! | rank, dense_rank | RANGE UNBOUNDED PRECEDING .. CURRENT ROW | per row or per peer group (idempotent) |
//! | percent_rank | GROUPS CURRENT ROW .. UNBOUNDED FOLLOWING | per row or per peer group |
//! | cume_dist | GROUPS 1 FOLLOWING .. UNBOUNDED FOLLOWING | per row or per peer group |
//! | ntile | ROWS CURRENT ROW .. UNBOUNDED FOLLOWING | once per row |
//! | lag, lead | ROWS UNBOUNDED PRECEDING .. UNBOUNDED FOLLOWING | **exactly once per row, in order** |
//!
//! RANGE/GROUPS frames end on peer-group boundaries, so e.g. for `rank` all peers of the
//! current row have been stepped before `value()`. `lag`/`lead` see the whole partition
//! (all rows stepped before the first `value()`) and count `value()` calls to know the
//! current row, so they also accept negative offsets like SQLite.
//!
//! Functions in [`window_only`] may only be used with OVER (the resolver reports
//! `misuse of window function rank()` otherwise).

use super::scalar::arg;
use super::text::{numeric_value, value_to_i64};
use super::{AggState, FuncContext};
use crate::error::{Error, Result};
use crate::value::Value;
use std::collections::VecDeque;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameUnit {
    Rows,
    Range,
    Groups,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameBound {
    UnboundedPreceding,
    Preceding(i64),
    CurrentRow,
    Following(i64),
    UnboundedFollowing,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameSpec {
    pub unit: FrameUnit,
    pub start: FrameBound,
    pub end: FrameBound,
}

/// The fixed frame a built-in window function needs (ignoring the query's frame clause).
pub fn frame_override(name: &str) -> Option<FrameSpec> {
    use FrameBound::*;
    use FrameUnit::*;
    let f = |unit, start, end| Some(FrameSpec { unit, start, end });
    match name.to_ascii_lowercase().as_str() {
        "row_number" => f(Rows, UnboundedPreceding, CurrentRow),
        "rank" | "dense_rank" => f(Range, UnboundedPreceding, CurrentRow),
        "percent_rank" => f(Groups, CurrentRow, UnboundedFollowing),
        "cume_dist" => f(Groups, Following(1), UnboundedFollowing),
        "ntile" => f(Rows, CurrentRow, UnboundedFollowing),
        "lag" | "lead" => f(Rows, UnboundedPreceding, UnboundedFollowing),
        _ => None,
    }
}

/// Functions that exist only as window functions.
pub fn window_only(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "row_number"
            | "rank"
            | "dense_rank"
            | "percent_rank"
            | "cume_dist"
            | "ntile"
            | "lag"
            | "lead"
            | "first_value"
            | "last_value"
            | "nth_value"
    )
}

#[derive(Default)]
struct RowNumber {
    n: i64,
}
impl AggState for RowNumber {
    fn step(&mut self, _: &mut FuncContext, _: &[Value]) -> Result<()> {
        self.n += 1;
        Ok(())
    }
    fn inverse(&mut self, _: &mut FuncContext, _: &[Value]) -> Result<()> {
        Ok(())
    }
    fn value(&mut self, _: &mut FuncContext) -> Result<Value> {
        Ok(Value::Integer(self.n))
    }
    fn finalize(&mut self, c: &mut FuncContext) -> Result<Value> {
        self.value(c)
    }
}
pub fn row_number_factory() -> Box<dyn AggState> {
    Box::new(RowNumber::default())
}

/// rank(): value = 1 + number of rows before the current peer group.
#[derive(Default)]
struct Rank {
    n_step: i64,
    value: i64,
    /// A step happened since the last `value()` (a new peer group started).
    pending: bool,
    dense: bool,
}
impl AggState for Rank {
    fn step(&mut self, _: &mut FuncContext, _: &[Value]) -> Result<()> {
        self.n_step += 1;
        if !self.pending {
            self.pending = true;
            if self.dense {
                self.value += 1;
            } else {
                self.value = self.n_step;
            }
        }
        Ok(())
    }
    fn inverse(&mut self, _: &mut FuncContext, _: &[Value]) -> Result<()> {
        Ok(())
    }
    fn value(&mut self, _: &mut FuncContext) -> Result<Value> {
        self.pending = false;
        Ok(Value::Integer(self.value))
    }
    fn finalize(&mut self, c: &mut FuncContext) -> Result<Value> {
        self.value(c)
    }
}
pub fn rank_factory() -> Box<dyn AggState> {
    Box::new(Rank::default())
}
pub fn dense_rank_factory() -> Box<dyn AggState> {
    Box::new(Rank {
        dense: true,
        ..Rank::default()
    })
}

/// percent_rank() and cume_dist(): `total` rows stepped, `removed` rows inverted.
#[derive(Default)]
struct Dist {
    total: i64,
    removed: i64,
    cume: bool,
}
impl AggState for Dist {
    fn step(&mut self, _: &mut FuncContext, _: &[Value]) -> Result<()> {
        self.total += 1;
        Ok(())
    }
    fn inverse(&mut self, _: &mut FuncContext, _: &[Value]) -> Result<()> {
        self.removed += 1;
        Ok(())
    }
    fn value(&mut self, _: &mut FuncContext) -> Result<Value> {
        if self.cume {
            if self.total == 0 {
                return Ok(Value::Real(0.0));
            }
            Ok(Value::Real(self.removed as f64 / self.total as f64))
        } else if self.total > 1 {
            Ok(Value::Real(self.removed as f64 / (self.total - 1) as f64))
        } else {
            Ok(Value::Real(0.0))
        }
    }
    fn finalize(&mut self, c: &mut FuncContext) -> Result<Value> {
        self.value(c)
    }
}
pub fn percent_rank_factory() -> Box<dyn AggState> {
    Box::new(Dist::default())
}
pub fn cume_dist_factory() -> Box<dyn AggState> {
    Box::new(Dist {
        cume: true,
        ..Dist::default()
    })
}

#[derive(Default)]
struct Ntile {
    total: i64,
    param: i64,
    row: i64,
}
impl AggState for Ntile {
    fn step(&mut self, _: &mut FuncContext, args: &[Value]) -> Result<()> {
        if self.total == 0 {
            self.param = value_to_i64(arg(args, 0));
            if self.param <= 0 {
                return Err(Error::sql("argument of ntile must be a positive integer"));
            }
        }
        self.total += 1;
        Ok(())
    }
    fn inverse(&mut self, _: &mut FuncContext, _: &[Value]) -> Result<()> {
        self.row += 1;
        Ok(())
    }
    fn value(&mut self, _: &mut FuncContext) -> Result<Value> {
        if self.param <= 0 {
            return Ok(Value::Null);
        }
        let size = self.total / self.param;
        if size == 0 {
            return Ok(Value::Integer(self.row + 1));
        }
        let large = self.total - self.param * size;
        let small = large * (size + 1);
        Ok(Value::Integer(if self.row < small {
            1 + self.row / (size + 1)
        } else {
            1 + large + (self.row - small) / size
        }))
    }
    fn finalize(&mut self, c: &mut FuncContext) -> Result<Value> {
        self.value(c)
    }
}
pub fn ntile_factory() -> Box<dyn AggState> {
    Box::new(Ntile::default())
}

/// lag()/lead(): the whole partition, and a cursor advanced by each `value()` call.
#[derive(Default)]
struct LagLead {
    /// (value, offset argument, default) per row.
    rows: Vec<(Value, Value, Value)>,
    cur: usize,
    lead: bool,
}
impl AggState for LagLead {
    fn step(&mut self, _: &mut FuncContext, args: &[Value]) -> Result<()> {
        let off = if args.len() >= 2 {
            arg(args, 1).clone()
        } else {
            Value::Integer(1)
        };
        self.rows
            .push((arg(args, 0).clone(), off, arg(args, 2).clone()));
        Ok(())
    }
    fn inverse(&mut self, _: &mut FuncContext, _: &[Value]) -> Result<()> {
        Ok(())
    }
    fn value(&mut self, _: &mut FuncContext) -> Result<Value> {
        let i = self.cur;
        self.cur += 1;
        let Some((_, off, dflt)) = self.rows.get(i) else {
            return Ok(Value::Null);
        };
        let off = match numeric_value(off) {
            Value::Null => return Ok(Value::Null),
            Value::Integer(k) => k,
            Value::Real(r) => {
                if r.fract() != 0.0 || !r.is_finite() {
                    return Ok(Value::Null);
                }
                r as i64
            }
            _ => 0,
        };
        let target = if self.lead {
            (i as i64).checked_add(off)
        } else {
            (i as i64).checked_sub(off)
        };
        match target {
            Some(t) if t >= 0 && (t as usize) < self.rows.len() => {
                Ok(self.rows[t as usize].0.clone())
            }
            _ => Ok(dflt.clone()),
        }
    }
    fn finalize(&mut self, _: &mut FuncContext) -> Result<Value> {
        Ok(Value::Null)
    }
}
pub fn lag_factory() -> Box<dyn AggState> {
    Box::new(LagLead::default())
}
pub fn lead_factory() -> Box<dyn AggState> {
    Box::new(LagLead {
        lead: true,
        ..LagLead::default()
    })
}

/// first_value / last_value / nth_value over the query's frame.
struct FrameValue {
    frame: VecDeque<Value>,
    /// 0 = first, -1 = last, n > 0 = nth.
    which: i64,
    nth: bool,
}
impl AggState for FrameValue {
    fn step(&mut self, _: &mut FuncContext, args: &[Value]) -> Result<()> {
        if self.nth {
            // nth_value: validate N on every row, as SQLite does.
            let n = match numeric_value(arg(args, 1)) {
                Value::Integer(i) => Some(i),
                Value::Real(r) if (r as i64) as f64 == r => Some(r as i64),
                _ => None,
            };
            match n {
                Some(n) if n > 0 => self.which = n,
                _ => {
                    return Err(Error::sql(
                        "second argument to nth_value must be a positive integer",
                    ))
                }
            }
        }
        self.frame.push_back(arg(args, 0).clone());
        Ok(())
    }
    fn inverse(&mut self, _: &mut FuncContext, _: &[Value]) -> Result<()> {
        self.frame.pop_front();
        Ok(())
    }
    fn value(&mut self, _: &mut FuncContext) -> Result<Value> {
        let v = match self.which {
            0 => self.frame.front(),
            -1 => self.frame.back(),
            n => self.frame.get((n - 1) as usize),
        };
        Ok(v.cloned().unwrap_or(Value::Null))
    }
    fn finalize(&mut self, c: &mut FuncContext) -> Result<Value> {
        self.value(c)
    }
}
pub fn first_value_factory() -> Box<dyn AggState> {
    Box::new(FrameValue {
        frame: VecDeque::new(),
        which: 0,
        nth: false,
    })
}
pub fn last_value_factory() -> Box<dyn AggState> {
    Box::new(FrameValue {
        frame: VecDeque::new(),
        which: -1,
        nth: false,
    })
}
pub fn nth_value_factory() -> Box<dyn AggState> {
    Box::new(FrameValue {
        frame: VecDeque::new(),
        which: 1,
        nth: true,
    })
}

// ---------------------------------------------------------------------------------------
// Partition runner: what the VM's `WinPush`/`WinFlush`/`WinPop` opcodes call.
//
// The compiler pushes every row of the window pass (already sorted by PARTITION BY, ORDER
// BY) into a [`WinBuf`], then `WinFlush` splits the buffer into partitions, computes each
// window function for each row with the protocol above (incremental step/inverse over a
// frame that only moves forward; a fresh state per row when EXCLUDE removes rows from the
// middle of the frame), and queues the rows extended with one value per function.
// ---------------------------------------------------------------------------------------

/// A frame bound as compiled; the offsets of `Preceding`/`Following` come from registers
/// at flush time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    UnboundedPreceding,
    Preceding,
    CurrentRow,
    Following,
    UnboundedFollowing,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exclude {
    NoOthers,
    CurrentRow,
    Group,
    Ties,
}

/// One window function of a pass.
#[derive(Clone)]
pub struct WinFunc {
    pub func: crate::vdbe::FuncRef,
    /// Columns of the pushed row holding the arguments.
    pub args: Vec<usize>,
    /// Column holding the FILTER condition.
    pub filter: Option<usize>,
    /// The built-in's fixed frame ([`frame_override`]), replacing the window's.
    pub fixed: Option<FrameSpec>,
}

#[derive(Clone)]
pub struct OrderCol {
    pub col: usize,
    pub coll: Option<crate::btree::Collation>,
    pub desc: bool,
    pub nulls_first: bool,
}

/// One window definition and the functions computed over it (`P4::Window`).
#[derive(Clone)]
pub struct WindowSpec {
    pub partition: Vec<(usize, Option<crate::btree::Collation>)>,
    pub order: Vec<OrderCol>,
    pub unit: FrameUnit,
    pub start: Bound,
    pub end: Bound,
    pub exclude: Exclude,
    pub funcs: Vec<WinFunc>,
}

/// The VM-side buffer of one window pass: rows pushed, rows ready to pop.
#[derive(Default)]
pub struct WinBuf {
    pub rows: Vec<Vec<Value>>,
    pub out: VecDeque<Vec<Value>>,
}

fn cmp_coll(a: &Value, b: &Value, c: Option<&crate::btree::Collation>) -> std::cmp::Ordering {
    crate::vdbe::mem::compare(a, b, c)
}

/// Check a frame offset the way SQLite's `windowCheckValue` does; returns it converted.
fn check_offset(v: &Value, unit: FrameUnit, starting: bool) -> Result<Value> {
    let which = if starting { "starting" } else { "ending" };
    let v = numeric_value(v);
    if unit == FrameUnit::Range {
        let ok = match &v {
            Value::Integer(i) => *i >= 0,
            Value::Real(r) => *r >= 0.0,
            _ => false,
        };
        if !ok {
            return Err(Error::sql(format!(
                "frame {which} offset must be a non-negative number"
            )));
        }
        return Ok(v);
    }
    let k = match &v {
        Value::Integer(i) => Some(*i),
        Value::Real(r) if r.fract() == 0.0 && *r >= -9.2e18 && *r <= 9.2e18 => Some(*r as i64),
        _ => None,
    };
    match k {
        Some(k) if k >= 0 => Ok(Value::Integer(k)),
        _ => Err(Error::sql(format!(
            "frame {which} offset must be a non-negative integer"
        ))),
    }
}

fn offset_usize(v: &Value) -> usize {
    match v {
        Value::Integer(i) if *i >= 0 => usize::try_from(*i).unwrap_or(usize::MAX),
        _ => 0,
    }
}

struct Part<'a> {
    rows: &'a [Vec<Value>],
    /// Peer group of each row; start/end (exclusive) of each group.
    group: Vec<usize>,
    gstart: Vec<usize>,
    gend: Vec<usize>,
}

impl Part<'_> {
    fn n(&self) -> usize {
        self.rows.len()
    }
}

/// Position of `key` relative to `t` in the window's ORDER BY order (first term).
fn cmp_order(key: &Value, t: &Value, o: &OrderCol) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    match (key.is_null(), t.is_null()) {
        (true, true) => Equal,
        (true, false) => {
            if o.nulls_first {
                Less
            } else {
                Greater
            }
        }
        (false, true) => {
            if o.nulls_first {
                Greater
            } else {
                Less
            }
        }
        _ => {
            let c = cmp_coll(key, t, o.coll.as_ref());
            if o.desc {
                c.reverse()
            } else {
                c
            }
        }
    }
}

/// Frame `[start, end)` of row `i`.
#[allow(clippy::too_many_arguments)]
fn frame_of(
    p: &Part<'_>,
    spec: &WindowSpec,
    unit: FrameUnit,
    start: Bound,
    end: Bound,
    offs: (&Value, &Value),
    i: usize,
) -> (usize, usize) {
    let n = p.n();
    let g = p.group[i];
    let ng = p.gstart.len();
    let bound = |b: Bound, off: &Value, is_start: bool| -> usize {
        match unit {
            FrameUnit::Rows => {
                let k = offset_usize(off);
                match (b, is_start) {
                    (Bound::UnboundedPreceding, _) => 0,
                    (Bound::UnboundedFollowing, _) => n,
                    (Bound::CurrentRow, true) => i,
                    (Bound::CurrentRow, false) => i + 1,
                    (Bound::Preceding, true) => i.saturating_sub(k),
                    (Bound::Preceding, false) => (i + 1).saturating_sub(k),
                    (Bound::Following, true) => i.saturating_add(k).min(n),
                    (Bound::Following, false) => i.saturating_add(k).saturating_add(1).min(n),
                }
            }
            FrameUnit::Groups => {
                let k = offset_usize(off);
                match (b, is_start) {
                    (Bound::UnboundedPreceding, _) => 0,
                    (Bound::UnboundedFollowing, _) => n,
                    (Bound::CurrentRow, true) => p.gstart[g],
                    (Bound::CurrentRow, false) => p.gend[g],
                    (Bound::Preceding, true) => p.gstart[g.saturating_sub(k)],
                    (Bound::Preceding, false) => {
                        if g >= k {
                            p.gend[g - k]
                        } else {
                            0
                        }
                    }
                    (Bound::Following, true) => match g.checked_add(k) {
                        Some(x) if x < ng => p.gstart[x],
                        _ => n,
                    },
                    (Bound::Following, false) => match g.checked_add(k) {
                        Some(x) if x < ng => p.gend[x],
                        _ => n,
                    },
                }
            }
            FrameUnit::Range => match b {
                Bound::UnboundedPreceding => 0,
                Bound::UnboundedFollowing => n,
                Bound::CurrentRow => {
                    if is_start {
                        p.gstart[g]
                    } else {
                        p.gend[g]
                    }
                }
                Bound::Preceding | Bound::Following => {
                    let Some(o) = spec.order.first() else {
                        return if is_start { 0 } else { n };
                    };
                    let v = &p.rows[i][o.col];
                    if v.is_null() {
                        return if is_start { p.gstart[g] } else { p.gend[g] };
                    }
                    let t = match v {
                        Value::Integer(_) | Value::Real(_) => {
                            let sub = (b == Bound::Preceding) != o.desc;
                            let op = if sub {
                                crate::vdbe::mem::ArithOp::Sub
                            } else {
                                crate::vdbe::mem::ArithOp::Add
                            };
                            crate::vdbe::mem::arith(op, v, off)
                        }
                        _ => v.clone(),
                    };
                    if is_start {
                        p.rows
                            .partition_point(|r| cmp_order(&r[o.col], &t, o).is_lt())
                            .min(n)
                    } else {
                        p.rows
                            .partition_point(|r| cmp_order(&r[o.col], &t, o).is_le())
                            .min(n)
                    }
                }
            },
        }
    };
    (bound(start, offs.0, true), bound(end, offs.1, false))
}

/// Compute the window functions of `spec` over the rows pushed into `buf`, queueing the
/// results. `offs` are the frame offsets (start, end) as evaluated by the program.
pub fn flush(
    buf: &mut WinBuf,
    spec: &WindowSpec,
    offs: (&Value, &Value),
    ctx: &mut FuncContext,
    new_agg: &dyn Fn(&crate::vdbe::FuncRef) -> Result<Box<dyn AggState>>,
) -> Result<()> {
    // Offsets matter only to functions using the window's own frame.
    let own = spec.funcs.iter().any(|f| f.fixed.is_none());
    let uses = |b: Bound| own && matches!(b, Bound::Preceding | Bound::Following);
    let start_off = if uses(spec.start) {
        check_offset(offs.0, spec.unit, true)?
    } else {
        Value::Null
    };
    let end_off = if uses(spec.end) {
        check_offset(offs.1, spec.unit, false)?
    } else {
        Value::Null
    };
    let rows = std::mem::take(&mut buf.rows);
    let same =
        |a: &[Value],
         b: &[Value],
         cols: &mut dyn Iterator<Item = (usize, Option<&crate::btree::Collation>)>| {
            for (c, coll) in cols {
                let eq = match (a.get(c), b.get(c)) {
                    (Some(x), Some(y)) => {
                        (x.is_null() && y.is_null())
                            || (!x.is_null() && !y.is_null() && cmp_coll(x, y, coll).is_eq())
                    }
                    _ => true,
                };
                if !eq {
                    return false;
                }
            }
            true
        };
    let mut p0 = 0;
    while p0 < rows.len() {
        let mut p1 = p0 + 1;
        while p1 < rows.len()
            && same(
                &rows[p0],
                &rows[p1],
                &mut spec.partition.iter().map(|(c, k)| (*c, k.as_ref())),
            )
        {
            p1 += 1;
        }
        let part_rows = &rows[p0..p1];
        let n = part_rows.len();
        let mut group = Vec::with_capacity(n);
        let mut gstart = Vec::new();
        let mut gend = Vec::new();
        for i in 0..n {
            if i == 0
                || !same(
                    &part_rows[i - 1],
                    &part_rows[i],
                    &mut spec.order.iter().map(|o| (o.col, o.coll.as_ref())),
                )
            {
                if i > 0 {
                    gend.push(i);
                }
                gstart.push(i);
            }
            group.push(gstart.len() - 1);
        }
        gend.push(n);
        let part = Part {
            rows: part_rows,
            group,
            gstart,
            gend,
        };
        let mut values: Vec<Vec<Value>> = vec![Vec::with_capacity(spec.funcs.len()); n];
        for f in &spec.funcs {
            let (unit, start, end, exclude, so, eo) = match &f.fixed {
                Some(fs) => {
                    let conv = |b: FrameBound| match b {
                        FrameBound::UnboundedPreceding => (Bound::UnboundedPreceding, 0),
                        FrameBound::Preceding(k) => (Bound::Preceding, k),
                        FrameBound::CurrentRow => (Bound::CurrentRow, 0),
                        FrameBound::Following(k) => (Bound::Following, k),
                        FrameBound::UnboundedFollowing => (Bound::UnboundedFollowing, 0),
                    };
                    let (s, sk) = conv(fs.start);
                    let (e, ek) = conv(fs.end);
                    (
                        fs.unit,
                        s,
                        e,
                        Exclude::NoOthers,
                        Value::Integer(sk),
                        Value::Integer(ek),
                    )
                }
                None => (
                    spec.unit,
                    spec.start,
                    spec.end,
                    spec.exclude,
                    start_off.clone(),
                    end_off.clone(),
                ),
            };
            let args_of = |r: &[Value]| -> Vec<Value> {
                f.args
                    .iter()
                    .map(|c| r.get(*c).cloned().unwrap_or(Value::Null))
                    .collect()
            };
            let passes = |r: &[Value]| -> bool {
                match f.filter {
                    None => true,
                    Some(c) => r
                        .get(c)
                        .and_then(crate::vdbe::mem::to_bool)
                        .unwrap_or(false),
                }
            };
            let mut st = new_agg(&f.func)?;
            let (mut s, mut e) = (0usize, 0usize);
            for i in 0..n {
                let (fs, fe) = frame_of(&part, spec, unit, start, end, (&so, &eo), i);
                let fe = fe.max(fs);
                let v = if exclude != Exclude::NoOthers {
                    let g = part.group[i];
                    let (xs, xe) = match exclude {
                        Exclude::CurrentRow => (i, i + 1),
                        _ => (part.gstart[g], part.gend[g]),
                    };
                    let mut one = new_agg(&f.func)?;
                    for j in fs..fe {
                        let excluded = j >= xs && j < xe && !(exclude == Exclude::Ties && j == i);
                        if !excluded && passes(&part.rows[j]) {
                            one.step(ctx, &args_of(&part.rows[j]))?;
                        }
                    }
                    let v = one.value(ctx)?;
                    let _ = one.finalize(ctx);
                    v
                } else {
                    if fs < s || fe < e {
                        // The frame moved backwards (cannot happen for sorted input): restart.
                        st = new_agg(&f.func)?;
                        s = fs;
                        e = fs;
                    }
                    // Like SQLite: every row up to the frame's end is stepped, then rows
                    // before its start are inverted (cume_dist/ntile count on this).
                    while e < fe {
                        if passes(&part.rows[e]) {
                            st.step(ctx, &args_of(&part.rows[e]))?;
                        }
                        e += 1;
                    }
                    while s < fs {
                        if passes(&part.rows[s]) {
                            st.inverse(ctx, &args_of(&part.rows[s]))?;
                        }
                        s += 1;
                    }
                    st.value(ctx)?
                };
                values[i].push(v);
            }
            let _ = st.finalize(ctx)?;
        }
        for (r, v) in part_rows.iter().zip(values) {
            let mut row = r.clone();
            row.extend(v);
            buf.out.push_back(row);
        }
        p0 = p1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::func::text::value_to_f64;

    fn i(x: i64) -> Value {
        Value::Integer(x)
    }

    /// Drive a function over a partition of (key) rows as the VM would for the override frame,
    /// computing each row's frame explicitly, and return each row's value.
    fn drive(
        f: fn() -> Box<dyn AggState>,
        name: &str,
        keys: &[i64],
        args: &dyn Fn(usize) -> Vec<Value>,
    ) -> Vec<Value> {
        let spec = frame_override(name).expect("override");
        let n = keys.len();
        // Peer groups by equal keys (partition is sorted by key).
        let group_of: Vec<usize> = {
            let mut g = 0;
            let mut v = Vec::new();
            for k in 0..n {
                if k > 0 && keys[k] != keys[k - 1] {
                    g += 1;
                }
                v.push(g);
            }
            v
        };
        let frame = |cur: usize| -> (usize, usize) {
            let (gs, ge) = {
                let g = group_of[cur];
                let s = group_of.iter().position(|&x| x == g).unwrap_or(0);
                let e = group_of
                    .iter()
                    .rposition(|&x| x == g)
                    .map(|p| p + 1)
                    .unwrap_or(n);
                (s, e)
            };
            let start = match (spec.unit, spec.start) {
                (_, FrameBound::UnboundedPreceding) => 0,
                (FrameUnit::Rows, FrameBound::CurrentRow) => cur,
                (_, FrameBound::CurrentRow) => gs,
                (FrameUnit::Groups, FrameBound::Following(1)) => ge,
                _ => unreachable!(),
            };
            let end = match (spec.unit, spec.end) {
                (_, FrameBound::UnboundedFollowing) => n,
                (FrameUnit::Rows, FrameBound::CurrentRow) => cur + 1,
                (_, FrameBound::CurrentRow) => ge,
                _ => unreachable!(),
            };
            (start, end.max(start))
        };
        let mut ctx = FuncContext::default();
        let mut st = f();
        let (mut s0, mut e0) = (0usize, 0usize);
        let mut out = Vec::new();
        for cur in 0..n {
            let (s, e) = frame(cur);
            while e0 < e {
                st.step(&mut ctx, &args(e0)).unwrap();
                e0 += 1;
            }
            while s0 < s {
                st.inverse(&mut ctx, &args(s0)).unwrap();
                s0 += 1;
            }
            out.push(st.value(&mut ctx).unwrap());
        }
        out
    }

    fn ints(v: &[Value]) -> Vec<i64> {
        v.iter().map(value_to_i64).collect()
    }
    fn reals(v: &[Value]) -> Vec<f64> {
        v.iter().map(value_to_f64).collect()
    }

    #[test]
    fn ranking_matches_sqlite() {
        // Expected values from: WITH t(x) AS (VALUES (1),(1),(2),(3),(3),(3),(4))
        //   SELECT rank() OVER w, dense_rank() OVER w, percent_rank() OVER w, cume_dist() OVER w,
        //   ntile(3) OVER w, row_number() OVER w FROM t WINDOW w AS (ORDER BY x);
        let keys = [1, 1, 2, 3, 3, 3, 4];
        let none = |_: usize| vec![];
        assert_eq!(
            ints(&drive(rank_factory, "rank", &keys, &none)),
            [1, 1, 3, 4, 4, 4, 7]
        );
        assert_eq!(
            ints(&drive(dense_rank_factory, "dense_rank", &keys, &none)),
            [1, 1, 2, 3, 3, 3, 4]
        );
        assert_eq!(
            ints(&drive(row_number_factory, "row_number", &keys, &none)),
            [1, 2, 3, 4, 5, 6, 7]
        );
        let pr = reals(&drive(percent_rank_factory, "percent_rank", &keys, &none));
        assert_eq!(pr, [0.0, 0.0, 2.0 / 6.0, 0.5, 0.5, 0.5, 1.0]);
        let cd = reals(&drive(cume_dist_factory, "cume_dist", &keys, &none));
        assert_eq!(
            cd,
            [
                2.0 / 7.0,
                2.0 / 7.0,
                3.0 / 7.0,
                6.0 / 7.0,
                6.0 / 7.0,
                6.0 / 7.0,
                1.0
            ]
        );
        let nt = drive(ntile_factory, "ntile", &keys, &|_| vec![i(3)]);
        assert_eq!(ints(&nt), [1, 1, 1, 2, 2, 3, 3]);
    }

    #[test]
    fn lag_lead() {
        let keys = [1, 2, 3];
        let lag = drive(lag_factory, "lag", &keys, &|k| vec![i(k as i64 + 1)]);
        assert_eq!(
            lag.iter().map(|v| v.is_null()).collect::<Vec<_>>(),
            [true, false, false]
        );
        assert_eq!(value_to_i64(&lag[2]), 2);
        let lead = drive(lead_factory, "lead", &keys, &|k| {
            vec![i(k as i64 + 1), i(1), Value::text("d")]
        });
        assert!(matches!(lead[2], Value::Text(ref t) if t == b"d"));
        assert_eq!(value_to_i64(&lead[0]), 2);
        // lag(x, -1) looks forward, like SQLite.
        let lagneg = drive(lag_factory, "lag", &keys, &|k| vec![i(k as i64 + 1), i(-1)]);
        assert_eq!(value_to_i64(&lagneg[0]), 2);
        assert!(lagneg[2].is_null());
    }

    #[test]
    fn frame_values() {
        let mut ctx = FuncContext::default();
        let mut f = nth_value_factory();
        assert!(f.step(&mut ctx, &[i(1), i(0)]).is_err());
        let mut f = nth_value_factory();
        f.step(&mut ctx, &[i(10), i(2)]).unwrap();
        assert!(f.value(&mut ctx).unwrap().is_null());
        f.step(&mut ctx, &[i(20), i(2)]).unwrap();
        assert_eq!(value_to_i64(&f.value(&mut ctx).unwrap()), 20);
        let mut l = last_value_factory();
        l.step(&mut ctx, &[i(1)]).unwrap();
        l.step(&mut ctx, &[i(2)]).unwrap();
        l.inverse(&mut ctx, &[i(1)]).unwrap();
        assert_eq!(value_to_i64(&l.value(&mut ctx).unwrap()), 2);
        let mut fv = first_value_factory();
        fv.step(&mut ctx, &[i(1)]).unwrap();
        fv.step(&mut ctx, &[i(2)]).unwrap();
        fv.inverse(&mut ctx, &[i(1)]).unwrap();
        assert_eq!(value_to_i64(&fv.value(&mut ctx).unwrap()), 2);
    }
}
