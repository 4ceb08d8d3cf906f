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
