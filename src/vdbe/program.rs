//! A compiled statement: SQLite-style bytecode.
//!
//! CONTRACT between the code generator (`src/sql`, SQL engineer) and the VM (`src/vdbe`, VM
//! engineer). The instruction set is SQLite's own, with SQLite's semantics as documented in
//! `/usr/share/doc/sqlite3/opcode.html` (registers numbered from 1, cursors from 0, jump
//! targets are instruction addresses). Where we deviate from SQLite (an opcode's operands, a
//! P4 kind), the deviation is documented on the [`P4`] variant or in `src/vdbe/README` comments
//! at the top of `exec.rs`. Both sides may add [`P4`] variants; keep `Opcode` names SQLite's so
//! that `EXPLAIN` output reads like SQLite's.

use crate::btree::{Collation, KeyInfo};
use crate::db::UserFuncImpl;
use crate::func::FuncDef;
use crate::value::Value;

include!("opcodes.rs");

/// A function called by `Function`/`PureFunc`/`AggStep`/`AggFinal`/`AggValue`/`AggInverse`.
#[derive(Clone)]
pub enum FuncRef {
    Builtin(&'static FuncDef),
    User { name: String, imp: UserFuncImpl },
}

/// The fourth operand.
#[derive(Clone, Default)]
pub enum P4 {
    #[default]
    None,
    Int32(i32),
    Int64(i64),
    Real(f64),
    /// `String8` text, table/index names for EXPLAIN, `ParseSchema` WHERE clause, pragma names.
    Text(String),
    Blob(Vec<u8>),
    /// A constant value (`String8`, `Int64`, `Real`, `Blob` may all use this).
    Value(Value),
    /// Affinity string, one char per column: 'A' BLOB, 'B' TEXT, 'C' NUMERIC, 'D' INTEGER,
    /// 'E' REAL (SQLite's SQLITE_AFF_* letters).
    Affinity(String),
    /// Index key description for `OpenRead`/`OpenWrite` on an index, sorters, `Compare`.
    KeyInfo(KeyInfo),
    /// Collation for comparison opcodes (`None` = BINARY).
    Coll(Option<Collation>),
    Func(FuncRef),
    /// Table name for `Insert`/`Delete` (for constraint messages and hooks).
    Table(String),
    /// A connection-setting pragma, carried by opcode `Noop` (SQL engineer): P1 = database,
    /// P2 = register to receive the setting's value after the call (0 = none), P3 = register
    /// holding the new value (0 = query only). Lower-case name: `page_size`, `cache_size`,
    /// `synchronous`, `foreign_keys`, `journal_mode`, ... Unknown names are no-ops.
    Pragma(String),
    /// Integers, e.g. the root pages for `IntegrityCk`.
    IntArray(Vec<i32>),
    /// A window pass for `WinFlush` (SQL engineer, `func::window::flush`).
    Window(std::sync::Arc<crate::func::window::WindowSpec>),
    /// A connected virtual table (`VOpen`, `VUpdate`, `VBegin`).
    VTab(std::sync::Arc<crate::vtab::Instance>),
}

#[derive(Clone)]
pub struct Op {
    pub opcode: Opcode,
    pub p1: i32,
    pub p2: i32,
    pub p3: i32,
    pub p4: P4,
    pub p5: u16,
    /// Shown in the EXPLAIN `comment` column.
    pub comment: Option<String>,
}

/// Everything the VM needs to run a statement, produced once by `prepare`.
#[derive(Clone, Default)]
pub struct Program {
    pub ops: Vec<Op>,
    /// Number of registers (register 0 is unused; valid registers are 1..=n_mem).
    pub n_mem: usize,
    pub n_cursor: usize,
    /// Result column names and declared types (`sqlite3_column_name/decltype`).
    pub column_names: Vec<String>,
    pub column_decltypes: Vec<Option<String>>,
    /// (database, table, column) origin of each result column, if it is a plain column.
    pub column_origins: Vec<Option<(String, String, String)>>,
    /// Parameter names indexed by parameter number - 1 (`None` for a bare `?`).
    pub param_names: Vec<Option<String>>,
    /// The statement does not write (`sqlite3_stmt_readonly`).
    pub readonly: bool,
    /// 0 normal, 1 EXPLAIN, 2 EXPLAIN QUERY PLAN.
    pub explain: u8,
    /// SQL text the statement was compiled from.
    pub sql: String,
}
