//! Built-in SQL functions: scalar, aggregate, window, date/time, printf, collations, LIKE/GLOB.
//!
//! CONTRACT (owned by the functions agent; the VDBE calls only what is declared here).
//! - [`FuncContext`] carries what a built-in may need from the connection.
//! - [`lookup`] finds a built-in by (case-insensitive) name and argument count; `nargs == -1`
//!   in a [`FuncDef`] accepts any count.
//! - Aggregates are created per group by [`AggFactory`] and driven with `step` / `finalize`
//!   (window functions also use `inverse` and `value`).
//! - Errors are `Error::sql("...")` with SQLite's exact message (e.g. `wrong number of
//!   arguments to function substr()` is raised by the resolver, not here).

use crate::error::Result;
use crate::value::Value;

/// What a built-in may read from the connection while it runs (filled in by the VDBE).
#[derive(Default)]
pub struct FuncContext {
    pub last_insert_rowid: i64,
    pub changes: i64,
    pub total_changes: i64,
    /// Subtype set by the function on its result (JSON uses 'J').
    pub result_subtype: u32,
    /// Subtypes of the arguments, parallel to `args` (0 if none).
    pub arg_subtypes: Vec<u32>,
}

pub type ScalarFn = fn(&mut FuncContext, &[Value]) -> Result<Value>;

pub trait AggState: Send {
    fn step(&mut self, ctx: &mut FuncContext, args: &[Value]) -> Result<()>;
    /// Window functions: remove a row that left the frame.
    fn inverse(&mut self, _ctx: &mut FuncContext, _args: &[Value]) -> Result<()> {
        Err(crate::error::Error::sql("inverse not supported"))
    }
    /// Current value without finishing (window functions).
    fn value(&mut self, ctx: &mut FuncContext) -> Result<Value>;
    fn finalize(&mut self, ctx: &mut FuncContext) -> Result<Value>;
}

pub type AggFactory = fn() -> Box<dyn AggState>;

pub enum FuncKind {
    Scalar(ScalarFn),
    Aggregate(AggFactory),
}

pub struct FuncDef {
    pub name: &'static str,
    /// -1 = any number of arguments.
    pub nargs: i32,
    pub deterministic: bool,
    pub kind: FuncKind,
}

/// Find a built-in function. Exact `nargs` matches win over `-1` entries.
pub fn lookup(_name: &str, _nargs: i32) -> Option<&'static FuncDef> {
    None
}
