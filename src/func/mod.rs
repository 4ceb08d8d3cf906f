//! Built-in SQL functions: scalar, aggregate, window, date/time, printf, collations, LIKE/GLOB.
//!
//! CONTRACT (owned by the functions agent; the VDBE calls only what is declared here).
//! - [`FuncContext`] carries what a built-in may need from the connection.
//! - [`lookup`] finds a built-in by (case-insensitive) name and argument count; `nargs == -1`
//!   in a [`FuncDef`] accepts any count (subject to a per-function minimum, see
//!   [`min_args`]). [`exists`] tells the resolver whether a name exists at all, to choose
//!   between `no such function: f` and `wrong number of arguments to function f()`.
//! - Aggregates are created per group by [`AggFactory`] and driven with `step` / `finalize`
//!   (window functions also use `inverse` and `value`; see `window.rs` for the protocol).
//! - Errors are `Error::sql("...")` with SQLite's exact message (e.g. `wrong number of
//!   arguments to function substr()` is raised by the resolver, not here).
//!
//! Public helpers for other layers:
//! - [`text`]: value conversions (real→text, text→number, affinity, CAST, truthiness).
//! - [`printf`]: the printf engine (also for `sqlite3_mprintf`).
//! - [`collation::builtin_collation`], [`like::like_match`], [`like::glob_match`].
//! - [`scalar::quote_value`]: SQL literal of a value.
//! - [`arith`]: operators with SQLite's semantics (`+ - * / %`, `||`, bitwise, shifts, NOT,
//!   unary minus, comparison with affinity) for the VM.
//! - [`window::frame_override`] / [`window::window_only`]: how the VM must frame built-in
//!   window functions (protocol in `window.rs`).
//! - [`json::JSON_SUBTYPE`]: the subtype JSON functions put on their results.
//!
//! Invariants: built-ins never panic on any argument values (missing arguments read as NULL);
//! every function is a pure function of its arguments and the context, except `random()`,
//! `randomblob()` and the date/time functions reading 'now'.

pub mod aggregate;
pub mod arith;
pub mod collation;
pub mod datetime;
pub(crate) mod f80;
pub mod json;
pub mod like;
pub mod math;
pub mod printf;
pub mod scalar;
pub mod text;
pub mod window;

use crate::btree::Collation;
use crate::error::Result;
use crate::value::Value;

pub use collation::builtin_collation;
pub use like::{glob_match, like_match};
pub use window::{frame_override, window_only};

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
    /// Collation for functions that compare text (`min`, `max`, `nullif`, aggregate
    /// `min`/`max`): the collation of the first argument as the resolver determined it.
    /// `None` = BINARY.
    pub collation: Option<Collation>,
    /// `PRAGMA case_sensitive_like`.
    pub case_sensitive_like: bool,
    /// Set by aggregate `min`/`max` after each `step`: `true` when the row did not become the
    /// new extreme (the VM then keeps the bare columns of the previous best row).
    pub skip_accumulator_load: bool,
    /// Statement-stable 'now' as a Julian day number in milliseconds (SQLite's `iCurrentTime`).
    /// `None`: the first date/time function that needs it reads the clock and stores it here,
    /// so the VM should keep one `FuncContext` (or copy this field) per statement execution.
    pub now_jd_ms: Option<i64>,
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

macro_rules! s {
    ($name:expr, $n:expr, $f:path) => {
        FuncDef {
            name: $name,
            nargs: $n,
            deterministic: true,
            kind: FuncKind::Scalar($f),
        }
    };
}
macro_rules! s_nd {
    ($name:expr, $n:expr, $f:path) => {
        FuncDef {
            name: $name,
            nargs: $n,
            deterministic: false,
            kind: FuncKind::Scalar($f),
        }
    };
}
macro_rules! a {
    ($name:expr, $n:expr, $f:path) => {
        FuncDef {
            name: $name,
            nargs: $n,
            deterministic: true,
            kind: FuncKind::Aggregate($f),
        }
    };
}

use aggregate as ag;
use datetime as dt;
use json as js;
use math as ma;
use scalar as sc;
use window as wi;

static BUILTINS: &[FuncDef] = &[
    s!("abs", 1, sc::abs),
    s_nd!("changes", 0, sc::changes),
    s_nd!("total_changes", 0, sc::total_changes),
    s_nd!("last_insert_rowid", 0, sc::last_insert_rowid),
    s!("char", -1, sc::char_fn),
    s!("coalesce", -1, sc::coalesce),
    s!("ifnull", 2, sc::coalesce),
    s!("format", -1, sc::printf),
    s!("printf", -1, sc::printf),
    s!("glob", 2, sc::glob),
    s!("like", 2, sc::like),
    s!("like", 3, sc::like),
    s!("hex", 1, sc::hex),
    s!("iif", 3, sc::iif),
    s!("instr", 2, sc::instr),
    s!("length", 1, sc::length),
    s!("likelihood", 2, sc::likelihood),
    s!("likely", 1, sc::likely),
    s!("unlikely", 1, sc::likely),
    s!("lower", 1, sc::lower),
    s!("upper", 1, sc::upper),
    s!("ltrim", 1, sc::ltrim),
    s!("ltrim", 2, sc::ltrim),
    s!("rtrim", 1, sc::rtrim),
    s!("rtrim", 2, sc::rtrim),
    s!("trim", 1, sc::trim),
    s!("trim", 2, sc::trim),
    s!("max", -1, sc::max_scalar),
    s!("min", -1, sc::min_scalar),
    s!("nullif", 2, sc::nullif),
    s!("quote", 1, sc::quote),
    s_nd!("random", 0, sc::random),
    s_nd!("randomblob", 1, sc::randomblob),
    s!("replace", 3, sc::replace),
    s!("round", 1, sc::round),
    s!("round", 2, sc::round),
    s!("sign", 1, sc::sign),
    s!("substr", 2, sc::substr),
    s!("substr", 3, sc::substr),
    s!("substring", 2, sc::substr),
    s!("substring", 3, sc::substr),
    s!("typeof", 1, sc::typeof_fn),
    s!("unicode", 1, sc::unicode),
    s!("zeroblob", 1, sc::zeroblob),
    s!("sqlite_version", 0, sc::sqlite_version),
    s!("sqlite_source_id", 0, sc::sqlite_source_id),
    s!("epiloglite_version", 0, sc::epiloglite_version),
    // Date and time ('now' makes them non-deterministic).
    s_nd!("date", -1, dt::date),
    s_nd!("time", -1, dt::time),
    s_nd!("datetime", -1, dt::datetime),
    s_nd!("julianday", -1, dt::julianday),
    s_nd!("unixepoch", -1, dt::unixepoch),
    s_nd!("strftime", -1, dt::strftime),
    s_nd!("current_date", 0, dt::current_date),
    s_nd!("current_time", 0, dt::current_time),
    s_nd!("current_timestamp", 0, dt::current_timestamp),
    // Math functions.
    s!("acos", 1, ma::acos),
    s!("asin", 1, ma::asin),
    s!("atan", 1, ma::atan),
    s!("acosh", 1, ma::acosh),
    s!("asinh", 1, ma::asinh),
    s!("atanh", 1, ma::atanh),
    s!("atan2", 2, ma::atan2),
    s!("ceil", 1, ma::ceil),
    s!("ceiling", 1, ma::ceil),
    s!("cos", 1, ma::cos),
    s!("cosh", 1, ma::cosh),
    s!("degrees", 1, ma::degrees),
    s!("exp", 1, ma::exp),
    s!("floor", 1, ma::floor),
    s!("ln", 1, ma::ln),
    s!("log", 1, ma::log10),
    s!("log", 2, ma::log10),
    s!("log10", 1, ma::log10),
    s!("log2", 1, ma::log2),
    s!("mod", 2, ma::fmod),
    s!("pi", 0, ma::pi),
    s!("pow", 2, ma::pow),
    s!("power", 2, ma::pow),
    s!("radians", 1, ma::radians),
    s!("sin", 1, ma::sin),
    s!("sinh", 1, ma::sinh),
    s!("sqrt", 1, ma::sqrt),
    s!("tan", 1, ma::tan),
    s!("tanh", 1, ma::tanh),
    s!("trunc", 1, ma::trunc),
    // JSON.
    s!("json", 1, js::json),
    s!("json_valid", 1, js::json_valid),
    s!("json_type", 1, js::json_type),
    s!("json_type", 2, js::json_type),
    s!("json_extract", -1, js::json_extract),
    s!("->", 2, js::arrow_json),
    s!("->>", 2, js::arrow_sql),
    s!("json_array", -1, js::json_array),
    s!("json_object", -1, js::json_object),
    s!("json_array_length", 1, js::json_array_length),
    s!("json_array_length", 2, js::json_array_length),
    s!("json_insert", -1, js::json_insert),
    s!("json_replace", -1, js::json_replace),
    s!("json_set", -1, js::json_set),
    s!("json_remove", -1, js::json_remove),
    s!("json_quote", 1, js::json_quote),
    s!("json_patch", 2, js::json_patch),
    a!("json_group_array", 1, js::group_array_factory),
    a!("json_group_object", 2, js::group_object_factory),
    // Aggregates.
    a!("avg", 1, ag::avg_factory),
    a!("count", 0, ag::count_star_factory),
    a!("count", 1, ag::count_factory),
    a!("group_concat", 1, ag::group_concat_factory),
    a!("group_concat", 2, ag::group_concat_factory),
    a!("max", 1, ag::max_factory),
    a!("min", 1, ag::min_factory),
    a!("sum", 1, ag::sum_factory),
    a!("total", 1, ag::total_factory),
    // Window functions (window_only: usable only with OVER).
    a!("row_number", 0, wi::row_number_factory),
    a!("rank", 0, wi::rank_factory),
    a!("dense_rank", 0, wi::dense_rank_factory),
    a!("percent_rank", 0, wi::percent_rank_factory),
    a!("cume_dist", 0, wi::cume_dist_factory),
    a!("ntile", 1, wi::ntile_factory),
    a!("lag", 1, wi::lag_factory),
    a!("lag", 2, wi::lag_factory),
    a!("lag", 3, wi::lag_factory),
    a!("lead", 1, wi::lead_factory),
    a!("lead", 2, wi::lead_factory),
    a!("lead", 3, wi::lead_factory),
    a!("first_value", 1, wi::first_value_factory),
    a!("last_value", 1, wi::last_value_factory),
    a!("nth_value", 2, wi::nth_value_factory),
];

/// Minimum argument count for functions registered with `nargs == -1` (SQLite registers
/// these with fixed or open-ended counts; calls below the minimum are "wrong number of
/// arguments").
pub fn min_args(name: &str) -> i32 {
    const MINS: &[(&str, i32)] = &[
        ("coalesce", 2),
        ("max", 2),
        ("min", 2),
        ("format", 1),
        ("printf", 1),
    ];
    MINS.iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|&(_, m)| m)
        .unwrap_or(0)
}

/// All built-in definitions (for `PRAGMA function_list` and the like).
pub fn builtins() -> &'static [FuncDef] {
    BUILTINS
}

/// Whether any built-in has this name (any argument count).
pub fn exists(name: &str) -> bool {
    BUILTINS.iter().any(|f| f.name.eq_ignore_ascii_case(name))
}

/// Find a built-in function. Exact `nargs` matches win over `-1` entries.
pub fn lookup(name: &str, nargs: i32) -> Option<&'static FuncDef> {
    let mut any: Option<&'static FuncDef> = None;
    for f in BUILTINS {
        if !f.name.eq_ignore_ascii_case(name) {
            continue;
        }
        if f.nargs == nargs {
            return Some(f);
        }
        if f.nargs == -1 && any.is_none() && nargs >= min_args(name) {
            any = Some(f);
        }
    }
    any
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_rules() {
        assert!(matches!(
            lookup("MAX", 1).map(|f| &f.kind),
            Some(FuncKind::Aggregate(_))
        ));
        assert!(matches!(
            lookup("max", 2).map(|f| &f.kind),
            Some(FuncKind::Scalar(_))
        ));
        assert!(lookup("max", 0).is_none());
        assert!(lookup("coalesce", 1).is_none());
        assert!(lookup("coalesce", 5).is_some());
        assert!(lookup("substr", 4).is_none());
        assert!(lookup("nosuch", 1).is_none());
        assert!(exists("Substr"));
        assert!(!exists("nosuch"));
        assert!(matches!(
            lookup("count", 0).map(|f| &f.kind),
            Some(FuncKind::Aggregate(_))
        ));
    }
}
