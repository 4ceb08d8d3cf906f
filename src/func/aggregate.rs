//! Built-in aggregates (`lang_aggfunc.html`): avg count count(*) group_concat max min sum
//! total. All of them also implement `inverse` and `value`, so they work as window
//! aggregates over moving frames.
//!
//! Protocol (see `mod.rs`): a fresh state per group; `step` once per row with the evaluated
//! arguments; `finalize` once at the end (an aggregate over zero rows is finalized without any
//! `step`). `value` may be called any number of times between steps and does not change the
//! state; `inverse` removes a row previously passed to `step` (oldest first).
//!
//! `min`/`max`: after each `step` the state sets `ctx.skip_accumulator_load` to `true` when the
//! row did *not* become the new min/max (SQLite's `sqlite3SkipAccumulatorLoad`, used for bare
//! columns in `SELECT max(x), y ...`), `false` when it did.

use super::printf::MAX_LEN;
use super::scalar::{arg, coll_cmp, too_big};
use super::text::{numeric_value, value_text_cow, value_to_f64};
use super::{AggState, FuncContext};
use crate::error::{Error, Result};
use crate::value::Value;
use std::cmp::Ordering;
use std::collections::VecDeque;

#[derive(Default)]
struct Count {
    n: i64,
    star: bool,
}

impl AggState for Count {
    fn step(&mut self, _: &mut FuncContext, args: &[Value]) -> Result<()> {
        if self.star || !arg(args, 0).is_null() {
            self.n += 1;
        }
        Ok(())
    }
    fn inverse(&mut self, _: &mut FuncContext, args: &[Value]) -> Result<()> {
        if self.star || !arg(args, 0).is_null() {
            self.n -= 1;
        }
        Ok(())
    }
    fn value(&mut self, _: &mut FuncContext) -> Result<Value> {
        Ok(Value::Integer(self.n))
    }
    fn finalize(&mut self, _: &mut FuncContext) -> Result<Value> {
        Ok(Value::Integer(self.n))
    }
}

pub fn count_factory() -> Box<dyn AggState> {
    Box::new(Count::default())
}

pub fn count_star_factory() -> Box<dyn AggState> {
    Box::new(Count { n: 0, star: true })
}

/// SUM / TOTAL / AVG share SQLite's `SumCtx`.
#[derive(Default)]
struct Sum {
    r_sum: f64,
    i_sum: i64,
    cnt: i64,
    overflow: bool,
    approx: bool,
    kind: SumKind,
}

#[derive(Default, Clone, Copy, PartialEq)]
enum SumKind {
    #[default]
    Sum,
    Total,
    Avg,
}

impl AggState for Sum {
    fn step(&mut self, _: &mut FuncContext, args: &[Value]) -> Result<()> {
        let v = numeric_value(arg(args, 0));
        match v {
            Value::Null => {}
            Value::Integer(i) => {
                self.cnt += 1;
                self.r_sum += i as f64;
                if !self.approx && !self.overflow {
                    match self.i_sum.checked_add(i) {
                        Some(s) => self.i_sum = s,
                        None => {
                            self.approx = true;
                            self.overflow = true;
                        }
                    }
                }
            }
            other => {
                self.cnt += 1;
                self.r_sum += value_to_f64(&other);
                self.approx = true;
            }
        }
        Ok(())
    }
    fn inverse(&mut self, _: &mut FuncContext, args: &[Value]) -> Result<()> {
        let v = numeric_value(arg(args, 0));
        match v {
            Value::Null => {}
            Value::Integer(i) if !self.approx => {
                self.cnt -= 1;
                self.r_sum -= i as f64;
                self.i_sum = self.i_sum.wrapping_sub(i);
            }
            other => {
                self.cnt -= 1;
                self.r_sum -= value_to_f64(&other);
            }
        }
        Ok(())
    }
    fn value(&mut self, _: &mut FuncContext) -> Result<Value> {
        match self.kind {
            SumKind::Total => Ok(Value::Real(self.r_sum)),
            SumKind::Avg => {
                if self.cnt > 0 {
                    Ok(Value::Real(self.r_sum / self.cnt as f64))
                } else {
                    Ok(Value::Null)
                }
            }
            SumKind::Sum => {
                if self.cnt > 0 {
                    if self.overflow {
                        Err(Error::sql("integer overflow"))
                    } else if self.approx {
                        Ok(Value::Real(self.r_sum))
                    } else {
                        Ok(Value::Integer(self.i_sum))
                    }
                } else {
                    Ok(Value::Null)
                }
            }
        }
    }
    fn finalize(&mut self, ctx: &mut FuncContext) -> Result<Value> {
        self.value(ctx)
    }
}

pub fn sum_factory() -> Box<dyn AggState> {
    Box::new(Sum::default())
}
pub fn total_factory() -> Box<dyn AggState> {
    Box::new(Sum {
        kind: SumKind::Total,
        ..Sum::default()
    })
}
pub fn avg_factory() -> Box<dyn AggState> {
    Box::new(Sum {
        kind: SumKind::Avg,
        ..Sum::default()
    })
}

/// min()/max(): keeps the best value; for inverse it keeps all values of the frame.
struct MinMax {
    want_max: bool,
    best: Option<Value>,
    /// Frame contents in arrival order (only non-NULL), for `inverse`.
    frame: VecDeque<Value>,
}

impl MinMax {
    fn better(&self, ctx: &FuncContext, cand: &Value, best: &Value) -> bool {
        let c = coll_cmp(ctx, best, cand);
        (self.want_max && c == Ordering::Less) || (!self.want_max && c == Ordering::Greater)
    }
}

impl AggState for MinMax {
    fn step(&mut self, ctx: &mut FuncContext, args: &[Value]) -> Result<()> {
        let v = arg(args, 0);
        if v.is_null() {
            ctx.skip_accumulator_load = self.best.is_some();
            return Ok(());
        }
        self.frame.push_back(v.clone());
        let replace = match &self.best {
            None => true,
            Some(b) => self.better(ctx, v, b),
        };
        if replace {
            self.best = Some(v.clone());
        }
        ctx.skip_accumulator_load = !replace;
        Ok(())
    }
    fn inverse(&mut self, ctx: &mut FuncContext, args: &[Value]) -> Result<()> {
        if arg(args, 0).is_null() {
            return Ok(());
        }
        self.frame.pop_front();
        let mut best: Option<Value> = None;
        for v in &self.frame {
            let take = match &best {
                None => true,
                Some(b) => self.better(ctx, v, b),
            };
            if take {
                best = Some(v.clone());
            }
        }
        self.best = best;
        Ok(())
    }
    fn value(&mut self, _: &mut FuncContext) -> Result<Value> {
        Ok(self.best.clone().unwrap_or(Value::Null))
    }
    fn finalize(&mut self, _: &mut FuncContext) -> Result<Value> {
        Ok(self.best.take().unwrap_or(Value::Null))
    }
}

pub fn min_factory() -> Box<dyn AggState> {
    Box::new(MinMax {
        want_max: false,
        best: None,
        frame: VecDeque::new(),
    })
}
pub fn max_factory() -> Box<dyn AggState> {
    Box::new(MinMax {
        want_max: true,
        best: None,
        frame: VecDeque::new(),
    })
}

/// group_concat(X [, SEP]).
#[derive(Default)]
struct GroupConcat {
    /// (separator that precedes this item, item text)
    items: VecDeque<(Vec<u8>, Vec<u8>)>,
    seen: bool,
    len: usize,
}

impl AggState for GroupConcat {
    fn step(&mut self, _: &mut FuncContext, args: &[Value]) -> Result<()> {
        let x = arg(args, 0);
        if x.is_null() {
            return Ok(());
        }
        self.seen = true;
        let sep = if args.len() >= 2 {
            value_text_cow(arg(args, 1))
                .map(|c| c.into_owned())
                .unwrap_or_default()
        } else {
            b",".to_vec()
        };
        let val = value_text_cow(x)
            .map(|c| c.into_owned())
            .unwrap_or_default();
        self.len += sep.len() + val.len();
        if self.len > MAX_LEN {
            return Err(too_big());
        }
        self.items.push_back((sep, val));
        Ok(())
    }
    fn inverse(&mut self, _: &mut FuncContext, args: &[Value]) -> Result<()> {
        if arg(args, 0).is_null() {
            return Ok(());
        }
        if let Some((s, v)) = self.items.pop_front() {
            self.len -= s.len() + v.len();
        }
        Ok(())
    }
    fn value(&mut self, _: &mut FuncContext) -> Result<Value> {
        let out = self.join();
        if out.is_empty() {
            Ok(Value::Null)
        } else {
            Ok(Value::Text(out))
        }
    }
    fn finalize(&mut self, _: &mut FuncContext) -> Result<Value> {
        if !self.seen {
            return Ok(Value::Null);
        }
        Ok(Value::Text(self.join()))
    }
}

impl GroupConcat {
    fn join(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len);
        for (i, (s, v)) in self.items.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(s);
            }
            out.extend_from_slice(v);
        }
        out
    }
}

pub fn group_concat_factory() -> Box<dyn AggState> {
    Box::new(GroupConcat::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: fn() -> Box<dyn AggState>, rows: &[Value]) -> Result<Value> {
        let mut ctx = FuncContext::default();
        let mut st = f();
        for r in rows {
            st.step(&mut ctx, std::slice::from_ref(r))?;
        }
        st.finalize(&mut ctx)
    }

    #[test]
    fn sums() {
        let i = Value::Integer;
        assert!(matches!(
            run(sum_factory, &[i(1), i(2)]),
            Ok(Value::Integer(3))
        ));
        assert!(matches!(run(sum_factory, &[]), Ok(Value::Null)));
        assert!(matches!(run(total_factory, &[]), Ok(Value::Real(r)) if r == 0.0));
        assert!(
            matches!(run(sum_factory, &[i(1), Value::Real(0.5)]), Ok(Value::Real(r)) if r == 1.5)
        );
        let e = run(sum_factory, &[i(i64::MAX), i(1)]).unwrap_err();
        assert_eq!(e.msg, "integer overflow");
        assert!(
            matches!(run(avg_factory, &[i(1), i(2), Value::Null]), Ok(Value::Real(r)) if r == 1.5)
        );
        assert!(matches!(
            run(sum_factory, &[Value::text("5")]),
            Ok(Value::Integer(5))
        ));
        assert!(matches!(run(sum_factory, &[Value::text("x")]), Ok(Value::Real(r)) if r == 0.0));
    }

    #[test]
    fn counts_minmax_concat() {
        let i = Value::Integer;
        assert!(matches!(
            run(count_factory, &[i(1), Value::Null]),
            Ok(Value::Integer(1))
        ));
        assert!(matches!(
            run(count_star_factory, &[i(1), Value::Null]),
            Ok(Value::Integer(2))
        ));
        assert!(
            matches!(run(max_factory, &[i(1), Value::text("a"), Value::Null]), Ok(Value::Text(ref t)) if t == b"a")
        );
        assert!(
            matches!(run(min_factory, &[i(3), Value::Real(2.5), Value::Null]), Ok(Value::Real(r)) if r == 2.5)
        );
        assert!(matches!(run(min_factory, &[Value::Null]), Ok(Value::Null)));
        assert!(
            matches!(run(group_concat_factory, &[i(1), Value::Null, i(2)]), Ok(Value::Text(ref t)) if t == b"1,2")
        );
        assert!(
            matches!(run(group_concat_factory, &[Value::text("")]), Ok(Value::Text(ref t)) if t.is_empty())
        );
        assert!(matches!(
            run(group_concat_factory, &[Value::Null]),
            Ok(Value::Null)
        ));
    }

    #[test]
    fn window_inverse() {
        let mut ctx = FuncContext::default();
        let mut st = max_factory();
        for v in [5, 3, 4] {
            st.step(&mut ctx, &[Value::Integer(v)]).unwrap();
        }
        st.inverse(&mut ctx, &[Value::Integer(5)]).unwrap();
        assert!(matches!(st.value(&mut ctx), Ok(Value::Integer(4))));
        let mut g = group_concat_factory();
        for v in ["a", "b", "c"] {
            g.step(&mut ctx, &[Value::text(v), Value::text("-")])
                .unwrap();
        }
        g.inverse(&mut ctx, &[Value::text("a"), Value::text("-")])
            .unwrap();
        assert!(matches!(g.value(&mut ctx), Ok(Value::Text(ref t)) if t == b"b-c"));
    }
}
