//! The interpreter: a resumable `step` over a [`Program`].
//!
//! State diagram of a [`Vm`]:
//! ```text
//!   Ready --step--> Running --ResultRow--> (returns Row, stays Running)
//!                      |  --Halt(ok)-----> Done     (step returns Done again)
//!                      |  --error--------> Halted   (step returns the error once, then Done)
//!   any --reset--> Ready   (registers, cursors, Once flags cleared; allocations kept)
//! ```
//! Invariants:
//! - `regs.len() == program.n_mem + 1` and `cursors.len() == program.n_cursor` for the whole
//!   life of the VM; registers and buffers are reused across rows and across `reset`.
//! - An operand that names a register/cursor out of range is an `SQLITE_INTERNAL` error,
//!   never a panic (programs come from our compiler, but we do not trust them blindly).
//! - Everything the VM needs from the connection goes through [`VmHost`]; the VM never holds a
//!   reference into the connection between calls.
//!
//! Deviations from SQLite's operand layout (the code generator must follow these):
//! - `Function`/`PureFunc`: the argument count is in **p5** (SQLite keeps it in P4's context).
//!   `AggStep`/`AggInverse` take it from p5, `AggFinal`/`AggValue` from p2, as SQLite.
//! - `IntegrityCk`: root pages in `P4::IntArray`, database in p5, as SQLite.
//! - `Noop` with `P4::Pragma(name)`: connection setting (see `P4::Pragma`), via
//!   [`VmHost::pragma`].
//! - `FkCounter`: P5 = 1 negates P2 (a negative P2 would read as a label to the builder);
//!   when P3 > 0 the increment is P2 times the integer in register P3 (SQLite counts one
//!   child row at a time). `FkCheck` fails the statement while the statement's
//!   FK counter is positive.
//! - `Program` (trigger sub-programs) runs a body that lives in the same instruction array,
//!   on a fresh register file and cursor set (see [`Vm::enter_frame`]); `Halt` with P1 = 0
//!   inside a frame returns to the caller.
//! - Opcodes with no effect here (`ColumnsUsed`, `CursorHint`, `ReleaseReg`, `Abortable`,
//!   `TableLock`, `Trace`, `Expire`, `CursorLock`, `CursorUnlock`, `SeekHit`, `Noop`,
//!   `CollSeq` (collation comes from P4 of the consumer), `ClrSubtype`) are no-ops,
//!   and so are the pure optimisations `Filter`/`FilterAdd` (a Bloom filter that never
//!   rejects), `IfSmaller` (never jumps) and `LoadAnalysis`.

#[path = "vtab.rs"]
pub mod vtab;

use super::cursor::{cmp_key, Backend, MemTable, Sorter, VdbeCursor};
use super::mem::{self, ArithOp, BitOp};
use super::program::{FuncRef, Op, Opcode, Program, P4};
use super::rec;
use crate::btree::{BtCursor, Btree, KeyInfo, SeekResult};
use crate::db::UserFuncImpl;
use crate::error::{codes::*, Error, Result};
use crate::func::{AggState, FuncContext, FuncKind};
use crate::pager::JournalMode;
use crate::value::Value;
use std::cmp::Ordering;

/// What the VM needs from the connection.
pub trait VmHost {
    /// The b-tree of attached database `db` (0 main, 1 temp, 2.. attached).
    fn btree(&mut self, db: usize) -> Result<&mut Btree>;
    /// `Transaction`: make sure a read (`write == 0`) or write (`1`, `2` = exclusive)
    /// transaction is open on `db`; returns the schema cookie stored in the file.
    fn begin_txn(&mut self, db: usize, write: i32) -> Result<u32>;
    /// `AutoCommit`: BEGIN (`on == false`), COMMIT (`on`, `!rollback`), ROLLBACK.
    fn autocommit(&mut self, on: bool, rollback: bool) -> Result<()>;
    /// `Savepoint`: 0 BEGIN, 1 RELEASE, 2 ROLLBACK TO.
    fn savepoint(&mut self, op: i32, name: &str) -> Result<()>;
    /// `ParseSchema`: reload the schema of `db` from `sqlite_schema`.
    fn parse_schema(&mut self, db: usize) -> Result<()>;
    /// `DropTable`/`DropIndex`/`DropTrigger`: the schema of `db` must be reloaded.
    fn schema_changed(&mut self, db: usize);
    fn interrupted(&self) -> bool;
    fn last_insert_rowid(&self) -> i64;
    fn set_last_insert_rowid(&mut self, rowid: i64);
    fn changes(&self) -> (i64, i64);
    /// `ResetCount`: record `n` as the connection's change count and add it to the total.
    fn set_changes(&mut self, n: i64);
    /// `JournalMode`: `None` queries.
    fn journal_mode(&mut self, db: usize, mode: Option<JournalMode>) -> Result<JournalMode>;
    /// `Noop` with `P4::Pragma`: set (when `new` is given) and/or read a connection setting;
    /// returns the value to store in P2.
    fn pragma(&mut self, db: usize, name: &str, new: Option<&Value>) -> Result<Value>;
    /// `Checkpoint`: checkpoint database `db` (`None` = all) with `SQLITE_CHECKPOINT_*` mode;
    /// returns (busy, log frames, checkpointed frames).
    fn checkpoint(&mut self, _db: Option<usize>, _mode: i32) -> Result<(i32, i32, i32)> {
        Err(Error::sql("checkpoint not supported"))
    }
    /// Whether an update hook is registered (so `Insert`/`Delete` need not look up names).
    fn has_update_hook(&self) -> bool {
        false
    }
    /// Update hook: `op` is SQLITE_INSERT (18), SQLITE_DELETE (9) or SQLITE_UPDATE (23);
    /// `db` the attached-database index, `table` the table name, `rowid` the row's rowid.
    fn update_hook(&mut self, _op: i32, _db: usize, _table: &str, _rowid: i64) {}
    /// Progress handler interval in VM instructions (0 = no handler).
    fn progress_ops(&self) -> u32 {
        0
    }
    /// Call the progress handler; `true` = interrupt the statement (SQLITE_INTERRUPT).
    fn progress(&mut self) -> bool {
        false
    }
    /// Deferred foreign-key counters: add `delta` to the connection's deferred counter
    /// (`imm == false`, SQLite's `nDeferredCons`) or to the counter of immediate constraints
    /// deferred by `PRAGMA defer_foreign_keys` (`imm`, `nDeferredImmCons`).
    fn fk_deferred_add(&mut self, _imm: bool, _delta: i64) {}
    /// (deferred, deferred-immediate) counters.
    fn fk_deferred(&self) -> (i64, i64) {
        (0, 0)
    }
    /// `PRAGMA defer_foreign_keys` is on.
    fn defer_fks(&self) -> bool {
        false
    }
    /// `PRAGMA recursive_triggers` is on.
    fn recursive_triggers(&self) -> bool {
        false
    }
    /// Put back the `sqlite3_changes` value a trigger body found (not added to the total).
    fn restore_changes(&mut self, _n: i64) {}
}

/// A sub-program frame (`Program`): the caller's registers and cursors, kept while the
/// trigger body runs on fresh ones.
struct Frame {
    regs: Vec<Value>,
    cursors: Vec<Option<VdbeCursor>>,
    aggs: Vec<Option<Box<dyn AggState>>>,
    rowsets: Vec<Option<std::collections::BTreeSet<i64>>>,
    /// Address of the `Program` instruction.
    call_pc: usize,
    /// The body (`Program` P4 unit id), for the non-recursive check.
    unit: i32,
}

/// SQLITE_MAX_TRIGGER_DEPTH: frames deeper than this fail the statement.
pub const MAX_FRAMES: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepResult {
    Row,
    Done,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Ready,
    Running,
    Done,
}

/// `OE_*` conflict actions carried by `Halt` p2.
pub const OE_ROLLBACK: i32 = 1;
pub const OE_ABORT: i32 = 2;
pub const OE_FAIL: i32 = 3;

const OPFLAG_NCHANGE: u16 = 0x01;
/// Update-hook operation codes (SQLite's authorizer action codes).
const SQLITE_DELETE: i32 = 9;
const SQLITE_INSERT: i32 = 18;
const SQLITE_UPDATE: i32 = 23;
const OPFLAG_LASTROWID: u16 = 0x20;
/// Ours: a row written by a trigger's statement (counted by `ResetCount` P1 = 1).
pub const OPFLAG_SUBCHANGE: u16 = 0x100;
const OPFLAG_P2ISREG: u16 = 0x02;
const OPFLAG_PERMUTE: u16 = 0x01;

/// How many instructions run between two checks of the interrupt flag.
const INTERRUPT_CHECK_INTERVAL: u32 = 128;

pub struct Vm {
    pub prog: Program,
    pc: usize,
    state: State,
    pub regs: Vec<Value>,
    cursors: Vec<Option<VdbeCursor>>,
    /// Bound parameters, index = parameter number - 1.
    pub vars: Vec<Value>,
    once: Vec<bool>,
    aggs: Vec<Option<Box<dyn AggState>>>,
    /// Window pass buffers (`WinPush`/`WinFlush`/`WinPop`), by P1.
    windows: std::collections::HashMap<i32, crate::func::window::WinBuf>,
    /// RowSet objects (`RowSetAdd`/`RowSetRead`/`RowSetTest`), by register.
    rowsets: Vec<Option<std::collections::BTreeSet<i64>>>,
    cmp_result: Ordering,
    permutation: Option<Vec<i32>>,
    /// (first register, count) of the current result row.
    pub result: Option<(usize, usize)>,
    /// Rows changed by this run (`sqlite3_changes`).
    pub n_change: i64,
    /// Conflict action of the error that stopped the VM (`OE_*`), for the caller's rollback.
    pub error_action: i32,
    /// EXPLAIN listing row.
    explain_row: Vec<Value>,
    key_buf: Vec<Value>,
    key_buf2: Vec<Value>,
    ops_until_check: u32,
    /// Instructions since the progress handler last ran (counts across steps; 0 on reset).
    since_progress: u32,
    /// `SQLITE_LIMIT_LENGTH`: longest string or blob a register may hold.
    pub max_len: usize,
    /// Statement foreign-key violation counter (SQLite's `nFkConstraint`).
    n_fk: i64,
    /// Rows written by the current trigger statement (`OPFLAG_SUBCHANGE`).
    n_sub: i64,
    /// Active sub-program frames, innermost last.
    frames: Vec<Frame>,
    /// Register files of finished frames, reused.
    spare_regs: Vec<Vec<Value>>,
}

fn too_big() -> Error {
    Error::code(SQLITE_TOOBIG)
}

fn len_of(v: &Value) -> usize {
    match v {
        Value::Text(t) | Value::Blob(t) => t.len(),
        _ => 0,
    }
}

fn internal(what: &str) -> Error {
    Error::new(SQLITE_INTERNAL, format!("vdbe: bad operand ({what})"))
}

/// `n` NULLs, each constructed in place. (`vec![Value::Null; n]` clones one stack temporary
/// whose payload bytes are uninitialised; optimised code copies them whole, which Valgrind
/// reports as a use of uninitialised memory in every program — noise that would hide real
/// reports in `tests/memcheck.rs`.)
fn null_values(n: usize) -> Vec<Value> {
    let mut v = Vec::with_capacity(n);
    v.resize_with(n, || Value::Null);
    v
}

impl Vm {
    pub fn new(prog: Program) -> Vm {
        let n_mem = prog.n_mem + 1;
        let n_cur = prog.n_cursor;
        let n_ops = prog.ops.len();
        let n_vars = prog.param_names.len();
        let mut vm = Vm {
            prog,
            pc: 0,
            state: State::Ready,
            regs: null_values(n_mem),
            cursors: Vec::new(),
            vars: null_values(n_vars),
            once: vec![false; n_ops],
            aggs: Vec::new(),
            windows: std::collections::HashMap::new(),
            rowsets: Vec::new(),
            cmp_result: Ordering::Equal,
            permutation: None,
            result: None,
            n_change: 0,
            error_action: OE_ABORT,
            explain_row: Vec::new(),
            key_buf: Vec::new(),
            key_buf2: Vec::new(),
            ops_until_check: INTERRUPT_CHECK_INTERVAL,
            since_progress: 0,
            max_len: 1_000_000_000,
            n_fk: 0,
            n_sub: 0,
            frames: Vec::new(),
            spare_regs: Vec::new(),
        };
        vm.cursors.resize_with(n_cur, || None);
        vm.aggs.resize_with(n_mem, || None);
        vm.rowsets.resize_with(n_mem, || None);
        vm
    }

    /// Back to the start; bindings are kept, allocations are reused.
    pub fn reset(&mut self) {
        self.pc = 0;
        self.state = State::Ready;
        for r in self.regs.iter_mut() {
            *r = Value::Null;
        }
        for c in self.cursors.iter_mut() {
            *c = None;
        }
        for o in self.once.iter_mut() {
            *o = false;
        }
        for a in self.aggs.iter_mut() {
            *a = None;
        }
        for r in self.rowsets.iter_mut() {
            *r = None;
        }
        self.windows.clear();
        self.drop_frames();
        self.n_fk = 0;
        self.n_sub = 0;
        self.permutation = None;
        self.result = None;
        self.n_change = 0;
        self.error_action = OE_ABORT;
        self.ops_until_check = INTERRUPT_CHECK_INTERVAL;
        self.since_progress = 0;
    }

    pub fn is_running(&self) -> bool {
        self.state == State::Running
    }
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Value of result column `i` of the current row.
    pub fn column(&self, i: usize) -> Option<&Value> {
        if self.prog.explain == 1 {
            return self.explain_row.get(i);
        }
        let (start, n) = self.result?;
        if i >= n {
            return None;
        }
        self.regs.get(start + i)
    }

    pub fn column_count_current(&self) -> usize {
        if self.prog.explain == 1 {
            return self.explain_row.len();
        }
        self.result.map(|r| r.1).unwrap_or(0)
    }

    /// Run until the next row or the end.
    pub fn step(&mut self, host: &mut dyn VmHost) -> Result<StepResult> {
        match self.state {
            State::Done => return Ok(StepResult::Done),
            State::Ready => self.state = State::Running,
            State::Running => {}
        }
        self.result = None;
        if self.prog.explain == 1 {
            return self.explain_step();
        }
        let r = if host.interrupted() {
            Err(Error::interrupt())
        } else {
            self.run(host)
        };
        match r {
            Ok(StepResult::Row) => Ok(StepResult::Row),
            Ok(StepResult::Done) => {
                self.state = State::Done;
                self.close_cursors();
                Ok(StepResult::Done)
            }
            Err(e) => {
                self.state = State::Done;
                self.close_cursors();
                Err(e)
            }
        }
    }

    fn close_cursors(&mut self) {
        self.drop_frames();
        for c in self.cursors.iter_mut() {
            *c = None;
        }
    }

    /// Leave every sub-program frame: the outermost caller's registers come back.
    fn drop_frames(&mut self) {
        while let Some(f) = self.frames.pop() {
            self.leave_frame(f);
        }
    }

    fn leave_frame(&mut self, f: Frame) {
        let inner = std::mem::replace(&mut self.regs, f.regs);
        if self.spare_regs.len() < 8 {
            self.spare_regs.push(inner);
        }
        self.cursors = f.cursors;
        self.aggs = f.aggs;
        self.rowsets = f.rowsets;
    }

    /// `Program`: run a trigger body on fresh registers and cursors (SQLite's VdbeFrame).
    /// P1 = first of P3 argument registers, copied to the body's registers from
    /// `P4::IntArray[0]`; P2 = body address; `P4::IntArray[1]` = trigger id; P5 = 1: skip when
    /// that trigger is already running (a trigger that may not recurse), 2: the same unless
    /// `recursive_triggers` is on, 0: never skip (FK actions). The instruction after
    /// `Program` is where `RAISE(IGNORE)` returns, the one after that the normal return.
    fn enter_frame(
        &mut self,
        host: &dyn VmHost,
        pc: usize,
        p1: i32,
        p2: i32,
        p3: i32,
        p5: u16,
    ) -> Result<()> {
        let (base, unit) = match &self.prog.ops[pc].p4 {
            P4::IntArray(a) if a.len() >= 2 => (a[0], a[1]),
            _ => return Err(internal("Program P4")),
        };
        let no_recursion = p5 == 1 || (p5 == 2 && !host.recursive_triggers());
        if no_recursion && self.frames.iter().any(|f| f.unit == unit) {
            self.pc = pc + 2;
            return Ok(());
        }
        if self.frames.len() >= MAX_FRAMES {
            return Err(Error::sql("too many levels of trigger recursion"));
        }
        let args = self.range(p1, p3)?;
        let dst = self.range(base, p3)?;
        let n = self.regs.len();
        let mut fresh = self.spare_regs.pop().unwrap_or_default();
        fresh.clear();
        fresh.resize_with(n, || Value::Null);
        for (d, s) in dst.zip(args) {
            fresh[d] = self.regs[s].clone();
        }
        let regs = std::mem::replace(&mut self.regs, fresh);
        let mut cursors = Vec::new();
        cursors.resize_with(self.cursors.len(), || None);
        let cursors = std::mem::replace(&mut self.cursors, cursors);
        let mut aggs = Vec::new();
        aggs.resize_with(self.aggs.len(), || None);
        let aggs = std::mem::replace(&mut self.aggs, aggs);
        let mut rowsets = Vec::new();
        rowsets.resize_with(self.rowsets.len(), || None);
        let rowsets = std::mem::replace(&mut self.rowsets, rowsets);
        self.frames.push(Frame {
            regs,
            cursors,
            aggs,
            rowsets,
            call_pc: pc,
            unit,
        });
        self.jump(p2)
    }

    fn explain_step(&mut self) -> Result<StepResult> {
        let Some(op) = self.prog.ops.get(self.pc) else {
            self.state = State::Done;
            return Ok(StepResult::Done);
        };
        self.explain_row.clear();
        super::explain::listing_row(self.pc, op, &mut self.explain_row);
        self.pc += 1;
        Ok(StepResult::Row)
    }

    // ---- operand helpers -------------------------------------------------------------

    fn reg(&self, i: i32) -> Result<&Value> {
        usize::try_from(i)
            .ok()
            .and_then(|i| self.regs.get(i))
            .ok_or_else(|| internal("register"))
    }
    fn reg_mut(&mut self, i: i32) -> Result<&mut Value> {
        usize::try_from(i)
            .ok()
            .and_then(|i| self.regs.get_mut(i))
            .ok_or_else(|| internal("register"))
    }
    fn set(&mut self, i: i32, v: Value) -> Result<()> {
        *self.reg_mut(i)? = v;
        Ok(())
    }
    fn range(&self, start: i32, n: i32) -> Result<std::ops::Range<usize>> {
        let s = usize::try_from(start).map_err(|_| internal("register range"))?;
        let n = usize::try_from(n).map_err(|_| internal("register range"))?;
        if s + n > self.regs.len() {
            return Err(internal("register range"));
        }
        Ok(s..s + n)
    }
    fn cur(&mut self, i: i32) -> Result<&mut VdbeCursor> {
        usize::try_from(i)
            .ok()
            .and_then(|i| self.cursors.get_mut(i))
            .and_then(|c| c.as_mut())
            .ok_or_else(|| internal("cursor"))
    }
    fn set_cursor(&mut self, i: i32, c: VdbeCursor) -> Result<()> {
        let slot = usize::try_from(i)
            .ok()
            .and_then(|i| self.cursors.get_mut(i))
            .ok_or_else(|| internal("cursor"))?;
        *slot = Some(c);
        Ok(())
    }
    fn jump(&mut self, target: i32) -> Result<()> {
        let t = usize::try_from(target).map_err(|_| internal("jump target"))?;
        if t >= self.prog.ops.len() {
            return Err(internal("jump target"));
        }
        self.pc = t;
        Ok(())
    }

    fn func_ctx(host: &dyn VmHost) -> FuncContext {
        let (changes, total_changes) = host.changes();
        FuncContext {
            last_insert_rowid: host.last_insert_rowid(),
            changes,
            total_changes,
            ..FuncContext::default()
        }
    }

    fn new_agg(f: &FuncRef) -> Result<Box<dyn AggState>> {
        match f {
            FuncRef::Builtin(def) => match &def.kind {
                FuncKind::Aggregate(factory) => Ok(factory()),
                FuncKind::Scalar(_) => Err(Error::sql(format!(
                    "{}() is not an aggregate function",
                    def.name
                ))),
            },
            FuncRef::User { name, imp } => match imp {
                UserFuncImpl::Aggregate(factory) => Ok(factory()),
                UserFuncImpl::Scalar(_) => {
                    Err(Error::sql(format!("{name}() is not an aggregate function")))
                }
            },
        }
    }

    fn p4_func(op: &Op) -> Result<&FuncRef> {
        match &op.p4 {
            P4::Func(f) => Ok(f),
            _ => Err(internal("P4 function")),
        }
    }

    fn key_info_of(op: &Op) -> Option<KeyInfo> {
        match &op.p4 {
            P4::KeyInfo(k) => Some(k.clone()),
            _ => None,
        }
    }

    /// Key for Found/NotFound/NoConflict/IdxDelete: `n` registers from `start` (borrowed,
    /// no copy), or for `n == 0` the record in register `start` decoded into `buf`.
    fn key_slice<'a>(
        regs: &'a [Value],
        buf: &'a mut Vec<Value>,
        start: i32,
        n: i32,
    ) -> Result<&'a [Value]> {
        let s = usize::try_from(start).map_err(|_| internal("key register"))?;
        if n > 0 {
            let e = s + n as usize;
            return regs.get(s..e).ok_or_else(|| internal("key register"));
        }
        buf.clear();
        match regs.get(s) {
            Some(Value::Blob(b)) | Some(Value::Text(b)) => rec::decode_into(b, buf)?,
            Some(_) => {}
            None => return Err(internal("key register")),
        }
        Ok(&buf[..])
    }

    /// Rowid operand of a table seek, SQLite style: `None` if it is not numeric at all.
    fn seek_rowid_operand(v: &Value) -> Option<Value> {
        match v {
            Value::Integer(_) | Value::Real(_) => Some(v.clone()),
            Value::Text(t) => mem::numeric_from_text(t, true),
            Value::Blob(_) | Value::Null => None,
        }
    }

    fn cmp_regs(&self, a: usize, b: usize, n: usize, ki: Option<&KeyInfo>) -> Ordering {
        for i in 0..n {
            let idx = match &self.permutation {
                Some(p) => p.get(i).map(|x| *x as usize).unwrap_or(i),
                None => i,
            };
            let (Some(x), Some(y)) = (self.regs.get(a + idx), self.regs.get(b + idx)) else {
                return Ordering::Equal;
            };
            let coll = ki
                .and_then(|k| k.collations.get(i))
                .and_then(|c| c.as_ref());
            let mut o = mem::compare(x, y, coll);
            if ki.and_then(|k| k.desc.get(i)).copied().unwrap_or(false) {
                o = o.reverse();
            }
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }

    // ---- the loop ----------------------------------------------------------------------

    fn run(&mut self, host: &mut dyn VmHost) -> Result<StepResult> {
        let progress_ops = host.progress_ops();
        loop {
            if progress_ops != 0 {
                // As sqlite3VdbeExec: the handler runs every N instructions; non-zero
                // from it interrupts the statement.
                self.since_progress += 1;
                if self.since_progress >= progress_ops {
                    self.since_progress = 0;
                    if host.progress() {
                        return Err(Error::interrupt());
                    }
                }
            }
            self.ops_until_check -= 1;
            if self.ops_until_check == 0 {
                self.ops_until_check = INTERRUPT_CHECK_INTERVAL;
                if host.interrupted() {
                    return Err(Error::interrupt());
                }
            }
            let pc = self.pc;
            let Some(op) = self.prog.ops.get(pc) else {
                return Ok(StepResult::Done);
            };
            // Cheap clone of the operand header; P4 is borrowed again where needed.
            let (opcode, p1, p2, p3, p5) = (op.opcode, op.p1, op.p2, op.p3, op.p5);
            self.pc = pc + 1;
            match opcode {
                Opcode::Init => {
                    if p2 > 0 {
                        self.jump(p2)?;
                    }
                }
                Opcode::Goto => self.jump(p2)?,
                Opcode::Halt => {
                    if p1 == 0 {
                        if let Some(f) = self.frames.pop() {
                            // End of a trigger body: back to the caller (p2 = OE_IGNORE:
                            // RAISE(IGNORE), to the instruction after `Program`).
                            let back = f.call_pc + if p2 == 4 { 1 } else { 2 };
                            self.leave_frame(f);
                            self.pc = back;
                            continue;
                        }
                        return Ok(StepResult::Done);
                    }
                    return Err(self.halt_error(pc));
                }
                Opcode::HaltIfNull => {
                    if self.reg(p3)?.is_null() {
                        return Err(self.halt_error(pc));
                    }
                }
                Opcode::Integer => self.set(p2, Value::Integer(p1 as i64))?,
                Opcode::Int64 => {
                    let v = match &self.prog.ops[pc].p4 {
                        P4::Int64(i) => Value::Integer(*i),
                        P4::Value(v) => v.clone(),
                        _ => return Err(internal("Int64 P4")),
                    };
                    self.set(p2, v)?;
                }
                Opcode::Real => {
                    let v = match &self.prog.ops[pc].p4 {
                        P4::Real(r) => Value::Real(*r),
                        P4::Value(v) => v.clone(),
                        _ => return Err(internal("Real P4")),
                    };
                    self.set(p2, v)?;
                }
                Opcode::String8 | Opcode::String => {
                    let v = match &self.prog.ops[pc].p4 {
                        P4::Text(t) => Value::Text(t.as_bytes().to_vec()),
                        P4::Value(v) => v.clone(),
                        P4::Blob(b) => Value::Text(b.clone()),
                        _ => return Err(internal("String P4")),
                    };
                    self.set(p2, v)?;
                }
                Opcode::Blob => {
                    let v = match &self.prog.ops[pc].p4 {
                        P4::Blob(b) => Value::Blob(b.clone()),
                        P4::Value(v) => v.clone(),
                        _ => Value::Blob(Vec::new()),
                    };
                    self.set(p2, v)?;
                }
                Opcode::Null | Opcode::SoftNull => {
                    let end = if opcode == Opcode::Null && p3 > p2 {
                        p3
                    } else {
                        p2
                    };
                    let r = self.range(p2, end - p2 + 1)?;
                    for i in r {
                        self.regs[i] = Value::Null;
                        if let Some(a) = self.aggs.get_mut(i) {
                            *a = None;
                        }
                        if let Some(r) = self.rowsets.get_mut(i) {
                            *r = None;
                        }
                    }
                }
                Opcode::Variable => {
                    let v = usize::try_from(p1 - 1)
                        .ok()
                        .and_then(|i| self.vars.get(i))
                        .cloned()
                        .unwrap_or(Value::Null);
                    self.set(p2, v)?;
                }
                Opcode::Copy => {
                    let n = p3 + 1;
                    let src = self.range(p1, n)?;
                    let dst = self.range(p2, n)?;
                    for (s, d) in src.zip(dst) {
                        let v = self.regs[s].clone();
                        self.regs[d] = v;
                    }
                }
                Opcode::SCopy => {
                    let v = self.reg(p1)?.clone();
                    self.set(p2, v)?;
                }
                Opcode::IntCopy => {
                    let v = mem::to_int(self.reg(p1)?);
                    self.set(p2, Value::Integer(v))?;
                }
                Opcode::Move => {
                    let src = self.range(p1, p3)?;
                    let dst = self.range(p2, p3)?;
                    for (s, d) in src.zip(dst) {
                        let v = std::mem::take(&mut self.regs[s]);
                        self.regs[d] = v;
                    }
                }
                Opcode::ResultRow => {
                    let r = self.range(p1, p2)?;
                    self.result = Some((r.start, r.len()));
                    return Ok(StepResult::Row);
                }
                Opcode::Add
                | Opcode::Subtract
                | Opcode::Multiply
                | Opcode::Divide
                | Opcode::Remainder => {
                    let aop = match opcode {
                        Opcode::Add => ArithOp::Add,
                        Opcode::Subtract => ArithOp::Sub,
                        Opcode::Multiply => ArithOp::Mul,
                        Opcode::Divide => ArithOp::Div,
                        _ => ArithOp::Rem,
                    };
                    // r[P3] = r[P2] op r[P1]
                    let v = mem::arith(aop, self.reg(p2)?, self.reg(p1)?);
                    self.set(p3, v)?;
                }
                Opcode::AddImm => {
                    let v = mem::to_int(self.reg(p1)?).wrapping_add(p2 as i64);
                    self.set(p1, Value::Integer(v))?;
                }
                Opcode::Concat => {
                    let v = mem::concat(self.reg(p2)?, self.reg(p1)?);
                    if len_of(&v) > self.max_len {
                        return Err(too_big());
                    }
                    self.set(p3, v)?;
                }
                Opcode::BitAnd | Opcode::BitOr | Opcode::ShiftLeft | Opcode::ShiftRight => {
                    let v = match opcode {
                        Opcode::BitAnd => mem::bitop(BitOp::And, self.reg(p1)?, self.reg(p2)?),
                        Opcode::BitOr => mem::bitop(BitOp::Or, self.reg(p1)?, self.reg(p2)?),
                        Opcode::ShiftLeft => mem::bitop(BitOp::Shl, self.reg(p2)?, self.reg(p1)?),
                        _ => mem::bitop(BitOp::Shr, self.reg(p2)?, self.reg(p1)?),
                    };
                    self.set(p3, v)?;
                }
                Opcode::BitNot => {
                    let a = self.reg(p1)?;
                    let v = if a.is_null() {
                        Value::Null
                    } else {
                        Value::Integer(!mem::to_int(a))
                    };
                    self.set(p2, v)?;
                }
                Opcode::Not => {
                    let v = match mem::to_bool(self.reg(p1)?) {
                        None => Value::Null,
                        Some(b) => Value::Integer(!b as i64),
                    };
                    self.set(p2, v)?;
                }
                Opcode::And | Opcode::Or => {
                    let a = mem::to_bool(self.reg(p1)?);
                    let b = mem::to_bool(self.reg(p2)?);
                    let r = if opcode == Opcode::And {
                        match (a, b) {
                            (Some(false), _) | (_, Some(false)) => Some(false),
                            (Some(true), Some(true)) => Some(true),
                            _ => None,
                        }
                    } else {
                        match (a, b) {
                            (Some(true), _) | (_, Some(true)) => Some(true),
                            (Some(false), Some(false)) => Some(false),
                            _ => None,
                        }
                    };
                    self.set(
                        p3,
                        r.map(|x| Value::Integer(x as i64)).unwrap_or(Value::Null),
                    )?;
                }
                Opcode::IsTrue => {
                    let inv = match &self.prog.ops[pc].p4 {
                        P4::Int32(i) => *i != 0,
                        _ => false,
                    };
                    let v = match mem::to_bool(self.reg(p1)?) {
                        None => p3 != 0,
                        Some(b) => b ^ inv,
                    };
                    self.set(p2, Value::Integer(v as i64))?;
                }
                Opcode::Eq | Opcode::Ne | Opcode::Lt | Opcode::Le | Opcode::Gt | Opcode::Ge => {
                    self.op_compare(pc, opcode, p1, p2, p3, p5)?;
                }
                Opcode::ElseEq => {
                    if self.cmp_result == Ordering::Equal {
                        self.jump(p2)?;
                    }
                }
                Opcode::IsNull => {
                    if self.reg(p1)?.is_null() {
                        self.jump(p2)?;
                    }
                }
                Opcode::NotNull => {
                    if !self.reg(p1)?.is_null() {
                        self.jump(p2)?;
                    }
                }
                Opcode::ZeroOrNull => {
                    let v = if self.reg(p1)?.is_null() || self.reg(p3)?.is_null() {
                        Value::Null
                    } else {
                        Value::Integer(0)
                    };
                    self.set(p2, v)?;
                }
                Opcode::If | Opcode::IfNot => {
                    let b = mem::to_bool(self.reg(p1)?);
                    let take = match b {
                        None => p3 != 0,
                        Some(x) => x == (opcode == Opcode::If),
                    };
                    if take {
                        self.jump(p2)?;
                    }
                }
                Opcode::IfPos => {
                    let v = mem::to_int(self.reg(p1)?);
                    if v > 0 {
                        self.set(p1, Value::Integer(v - p3 as i64))?;
                        self.jump(p2)?;
                    }
                }
                Opcode::IfNotZero => {
                    let v = mem::to_int(self.reg(p1)?);
                    if v != 0 {
                        if v > 0 {
                            self.set(p1, Value::Integer(v - 1))?;
                        }
                        self.jump(p2)?;
                    }
                }
                Opcode::DecrJumpZero => {
                    let v = mem::to_int(self.reg(p1)?);
                    let nv = if v > i64::MIN { v - 1 } else { v };
                    self.set(p1, Value::Integer(nv))?;
                    if nv == 0 {
                        self.jump(p2)?;
                    }
                }
                Opcode::MustBeInt => {
                    let v = self.reg(p1)?;
                    let conv = match v {
                        Value::Integer(_) => None,
                        Value::Real(r) if r.fract() == 0.0 && r.abs() < 9.2e18 => {
                            Some(Some(Value::Integer(*r as i64)))
                        }
                        Value::Text(t) => match mem::numeric_from_text(t, true) {
                            Some(Value::Integer(i)) => Some(Some(Value::Integer(i))),
                            _ => Some(None),
                        },
                        _ => Some(None),
                    };
                    match conv {
                        None => {}
                        Some(Some(nv)) => self.set(p1, nv)?,
                        Some(None) => {
                            if p2 == 0 {
                                return Err(Error::code(SQLITE_MISMATCH));
                            }
                            self.jump(p2)?;
                        }
                    }
                }
                Opcode::Affinity => {
                    let aff = match &self.prog.ops[pc].p4 {
                        P4::Affinity(a) | P4::Text(a) => a.as_bytes(),
                        _ => return Err(internal("Affinity P4")),
                    };
                    let r = self.range(p1, p2)?;
                    for (k, i) in r.enumerate() {
                        if let Some(a) = aff.get(k) {
                            mem::apply_affinity(&mut self.regs[i], *a);
                        }
                    }
                }
                Opcode::Cast => {
                    let v = mem::cast(self.reg(p1)?, p2 as u8);
                    self.set(p1, v)?;
                }
                Opcode::RealAffinity => {
                    if let Value::Integer(i) = self.reg(p1)? {
                        let r = *i as f64;
                        self.set(p1, Value::Real(r))?;
                    }
                }
                Opcode::Function | Opcode::PureFunc => {
                    let n = p5 as i32;
                    let r = self.range(p2, n)?;
                    let f = Self::p4_func(&self.prog.ops[pc])?;
                    let mut ctx = Self::func_ctx(host);
                    let args = &self.regs[r];
                    let v = match f {
                        FuncRef::Builtin(def) => match &def.kind {
                            FuncKind::Scalar(sf) => sf(&mut ctx, args)?,
                            FuncKind::Aggregate(_) => {
                                return Err(Error::sql(format!(
                                    "misuse of aggregate function {}()",
                                    def.name
                                )))
                            }
                        },
                        FuncRef::User { name, imp } => match imp {
                            UserFuncImpl::Scalar(sf) => sf(&mut ctx, args)?,
                            UserFuncImpl::Aggregate(_) => {
                                return Err(Error::sql(format!(
                                    "misuse of aggregate function {name}()"
                                )))
                            }
                        },
                    };
                    if len_of(&v) > self.max_len {
                        return Err(too_big());
                    }
                    self.set(p3, v)?;
                }
                Opcode::CollSeq => {
                    // P1, when set, is the "hit" register of a min()/max() step (SQLite's
                    // bare-column magnet): cleared here, set to 1 by the AggStep that
                    // follows when the row did not become the new min/max.
                    if p1 > 0 {
                        self.set(p1, Value::Integer(0))?;
                    }
                }
                Opcode::AggStep | Opcode::AggStep1 | Opcode::AggInverse => {
                    let n = p5 as i32;
                    let r = self.range(p2, n)?;
                    let acc = usize::try_from(p3).map_err(|_| internal("accumulator"))?;
                    if acc >= self.aggs.len() {
                        return Err(internal("accumulator"));
                    }
                    let f = Self::p4_func(&self.prog.ops[pc])?;
                    if self.aggs[acc].is_none() {
                        self.aggs[acc] = Some(Self::new_agg(f)?);
                    }
                    let mut ctx = Self::func_ctx(host);
                    if let Some(st) = self.aggs[acc].as_mut() {
                        if opcode == Opcode::AggInverse {
                            st.inverse(&mut ctx, &self.regs[r])?;
                        } else {
                            st.step(&mut ctx, &self.regs[r])?;
                        }
                    }
                    if ctx.skip_accumulator_load && pc > 0 {
                        if let Some(prev) = self.prog.ops.get(pc - 1) {
                            if prev.opcode == Opcode::CollSeq && prev.p1 > 0 {
                                let hit = prev.p1;
                                self.set(hit, Value::Integer(1))?;
                            }
                        }
                    }
                }
                Opcode::AggFinal | Opcode::AggValue => {
                    let acc_reg = p1; // the accumulator, for AggFinal and AggValue alike
                    let acc = usize::try_from(acc_reg).map_err(|_| internal("accumulator"))?;
                    if acc >= self.aggs.len() {
                        return Err(internal("accumulator"));
                    }
                    let f = Self::p4_func(&self.prog.ops[pc])?;
                    let mut ctx = Self::func_ctx(host);
                    let v = if opcode == Opcode::AggFinal {
                        let mut st = match self.aggs[acc].take() {
                            Some(s) => s,
                            None => Self::new_agg(f)?,
                        };
                        st.finalize(&mut ctx)?
                    } else {
                        if self.aggs[acc].is_none() {
                            self.aggs[acc] = Some(Self::new_agg(f)?);
                        }
                        match self.aggs[acc].as_mut() {
                            Some(st) => st.value(&mut ctx)?,
                            None => Value::Null,
                        }
                    };
                    let dest = if opcode == Opcode::AggFinal { p1 } else { p3 };
                    self.set(dest, v)?;
                }
                Opcode::WinPush => {
                    let r = self.range(p2, p3)?;
                    let row = self.regs[r].to_vec();
                    self.windows.entry(p1).or_default().rows.push(row);
                }
                Opcode::WinFlush => {
                    let spec = match &self.prog.ops[pc].p4 {
                        P4::Window(w) => w.clone(),
                        _ => return Err(internal("P4 window")),
                    };
                    let r = self.range(p2, 2)?;
                    let (so, eo) = (self.regs[r.start].clone(), self.regs[r.start + 1].clone());
                    let mut ctx = Self::func_ctx(host);
                    let buf = self.windows.entry(p1).or_default();
                    crate::func::window::flush(buf, &spec, (&so, &eo), &mut ctx, &Self::new_agg)?;
                }
                Opcode::WinPop => match self.windows.get_mut(&p1).and_then(|b| b.out.pop_front()) {
                    None => self.jump(p2)?,
                    Some(row) => {
                        let r = self.range(p3, row.len() as i32)?;
                        for (d, v) in self.regs[r].iter_mut().zip(row) {
                            *d = v;
                        }
                    }
                },
                Opcode::Gosub => {
                    self.set(p1, Value::Integer(pc as i64))?;
                    self.jump(p2)?;
                }
                Opcode::Return => {
                    match self.reg(p1)? {
                        Value::Integer(a) => {
                            let a = *a;
                            self.jump((a + 1) as i32)?;
                        }
                        _ => {
                            if p3 == 0 {
                                return Err(internal("Return"));
                            }
                        }
                    };
                }
                Opcode::BeginSubrtn => {
                    self.set(p2, Value::Null)?;
                }
                Opcode::InitCoroutine => {
                    self.set(p1, Value::Integer(p3 as i64 - 1))?;
                    if p2 != 0 {
                        self.jump(p2)?;
                    }
                }
                Opcode::Yield => {
                    let target = match self.reg(p1)? {
                        Value::Integer(a) => *a,
                        _ => return Err(internal("Yield")),
                    };
                    self.set(p1, Value::Integer(pc as i64))?;
                    self.jump((target + 1) as i32)?;
                }
                Opcode::EndCoroutine => {
                    let caller = match self.reg(p1)? {
                        Value::Integer(a) => *a,
                        _ => return Err(internal("EndCoroutine")),
                    };
                    let target = usize::try_from(caller)
                        .ok()
                        .and_then(|c| self.prog.ops.get(c))
                        .map(|o| o.p2)
                        .ok_or_else(|| internal("EndCoroutine"))?;
                    self.set(p1, Value::Null)?;
                    self.jump(target)?;
                }
                Opcode::Once => {
                    if self.once[pc] {
                        self.jump(p2)?;
                    } else {
                        self.once[pc] = true;
                    }
                }
                Opcode::Permutation => {
                    if let P4::IntArray(a) = &self.prog.ops[pc].p4 {
                        self.permutation = Some(a.clone());
                    }
                }
                Opcode::Compare => {
                    let ki = Self::key_info_of(&self.prog.ops[pc]);
                    let r1 = self.range(p1, p3)?;
                    let r2 = self.range(p2, p3)?;
                    if p5 & OPFLAG_PERMUTE == 0 {
                        self.permutation = None;
                    }
                    self.cmp_result = self.cmp_regs(r1.start, r2.start, r1.len(), ki.as_ref());
                    self.permutation = None;
                }
                Opcode::Jump => {
                    let t = match self.cmp_result {
                        Ordering::Less => p1,
                        Ordering::Equal => p2,
                        Ordering::Greater => p3,
                    };
                    self.jump(t)?;
                }
                Opcode::OffsetLimit => {
                    let limit = mem::to_int(self.reg(p1)?);
                    let off = mem::to_int(self.reg(p3)?).max(0);
                    let v = if limit <= 0 {
                        -1
                    } else {
                        limit.checked_add(off).unwrap_or(-1)
                    };
                    self.set(p2, Value::Integer(v))?;
                }
                Opcode::MemMax => {
                    let a = mem::to_int(self.reg(p1)?);
                    let b = mem::to_int(self.reg(p2)?);
                    if b > a {
                        self.set(p1, Value::Integer(b))?;
                    }
                }

                // ---- transactions and schema ---------------------------------------
                Opcode::Transaction => {
                    let db = usize::try_from(p1).map_err(|_| internal("db"))?;
                    let cookie = host.begin_txn(db, p2)?;
                    if p5 != 0 && cookie != p3 as u32 {
                        return Err(Error::code(SQLITE_SCHEMA));
                    }
                }
                Opcode::AutoCommit => {
                    host.autocommit(p1 != 0, p2 != 0)?;
                    return Ok(StepResult::Done);
                }
                Opcode::Savepoint => {
                    let name = match &self.prog.ops[pc].p4 {
                        P4::Text(t) => t.clone(),
                        _ => String::new(),
                    };
                    host.savepoint(p1, &name)?;
                }
                Opcode::ReadCookie => {
                    let db = usize::try_from(p1).map_err(|_| internal("db"))?;
                    let idx = usize::try_from(p3).map_err(|_| internal("cookie"))?;
                    let v = host.btree(db)?.get_meta(idx)?;
                    self.set(p2, Value::Integer(v as i64))?;
                }
                Opcode::SetCookie => {
                    let db = usize::try_from(p1).map_err(|_| internal("db"))?;
                    let idx = usize::try_from(p2).map_err(|_| internal("cookie"))?;
                    host.btree(db)?.set_meta(idx, p3 as u32)?;
                    if idx == crate::btree::META_SCHEMA_VERSION {
                        host.schema_changed(db);
                    }
                }
                Opcode::ParseSchema => {
                    let db = usize::try_from(p1).map_err(|_| internal("db"))?;
                    host.parse_schema(db)?;
                }
                Opcode::DropTable | Opcode::DropIndex | Opcode::DropTrigger => {
                    let db = usize::try_from(p1).map_err(|_| internal("db"))?;
                    host.schema_changed(db);
                }
                Opcode::CreateBtree => {
                    let db = usize::try_from(p1).map_err(|_| internal("db"))?;
                    let root = host.btree(db)?.create_tree(p3 == 1)?;
                    self.set(p2, Value::Integer(root as i64))?;
                }
                Opcode::Destroy => {
                    let db = usize::try_from(p3).map_err(|_| internal("db"))?;
                    host.btree(db)?.drop_tree(p1 as u32)?;
                    self.set(p2, Value::Integer(0))?;
                }
                Opcode::Clear => {
                    let db = usize::try_from(p2).map_err(|_| internal("db"))?;
                    if p3 != 0 {
                        let bt = host.btree(db)?;
                        let mut c = BtCursor::new(p1 as u32, true, None);
                        let mut n = 0i64;
                        let mut ok = c.first(bt)?;
                        while ok {
                            n += 1;
                            ok = c.next(bt)?;
                        }
                        self.n_change += n;
                        if p3 > 0 {
                            let v = mem::to_int(self.reg(p3)?) + n;
                            self.set(p3, Value::Integer(v))?;
                        }
                    }
                    host.btree(db)?.clear_tree(p1 as u32)?;
                }
                Opcode::Pagecount => {
                    let db = usize::try_from(p1).map_err(|_| internal("db"))?;
                    let n = host.btree(db)?.pager.page_count();
                    self.set(p2, Value::Integer(n as i64))?;
                }
                Opcode::JournalMode => {
                    let db = usize::try_from(p1).map_err(|_| internal("db"))?;
                    let m = match p3 {
                        0 => Some(JournalMode::Delete),
                        1 => Some(JournalMode::Persist),
                        2 => Some(JournalMode::Off),
                        3 => Some(JournalMode::Truncate),
                        4 => Some(JournalMode::Memory),
                        5 => Some(JournalMode::Wal),
                        _ => None,
                    };
                    let got = host.journal_mode(db, m)?;
                    let name = match got {
                        JournalMode::Delete => "delete",
                        JournalMode::Persist => "persist",
                        JournalMode::Off => "off",
                        JournalMode::Truncate => "truncate",
                        JournalMode::Memory => "memory",
                        JournalMode::Wal => "wal",
                    };
                    self.set(p2, Value::text(name))?;
                }
                Opcode::IntegrityCk => {
                    let roots: Vec<u32> = match &self.prog.ops[pc].p4 {
                        P4::IntArray(a) => a.iter().map(|x| *x as u32).collect(),
                        _ => Vec::new(),
                    };
                    let max = mem::to_int(self.reg(p3)?).max(0) as usize + 1;
                    let errs = host.btree(p5 as usize)?.integrity_check(&roots, max)?;
                    if errs.is_empty() {
                        self.set(p1, Value::Null)?;
                    } else {
                        let left = mem::to_int(self.reg(p3)?) - (errs.len() as i64 - 1);
                        self.set(p3, Value::Integer(left))?;
                        self.set(p1, Value::text(&errs.join("\n")))?;
                    }
                }

                // ---- cursors -----------------------------------------------------------
                Opcode::OpenRead | Opcode::OpenWrite | Opcode::ReopenIdx => {
                    let root = if p5 & OPFLAG_P2ISREG != 0 {
                        mem::to_int(self.reg(p2)?) as u32
                    } else {
                        p2 as u32
                    };
                    let db = usize::try_from(p3).map_err(|_| internal("db"))?;
                    let op = &self.prog.ops[pc];
                    let (ki, nf) = match &op.p4 {
                        P4::KeyInfo(k) => (Some(k.clone()), k.desc.len()),
                        P4::Int32(n) => (None, *n as usize),
                        _ => (None, 0),
                    };
                    let intkey = ki.is_none();
                    let c = BtCursor::new(root, intkey, ki);
                    self.set_cursor(p1, VdbeCursor::new(Backend::Bt { db, cur: c }, nf))?;
                }
                Opcode::OpenEphemeral | Opcode::OpenAutoindex => {
                    let ki = Self::key_info_of(&self.prog.ops[pc]);
                    let m = MemTable {
                        intkey: ki.is_none(),
                        key_info: ki,
                        ..MemTable::default()
                    };
                    self.set_cursor(p1, VdbeCursor::new(Backend::Mem(m), p2 as usize))?;
                }
                Opcode::SorterOpen => {
                    let ki = Self::key_info_of(&self.prog.ops[pc]);
                    let s = Sorter::new(ki);
                    self.set_cursor(p1, VdbeCursor::new(Backend::Sorter(s), p2 as usize))?;
                }
                Opcode::OpenPseudo => {
                    let reg = usize::try_from(p2).map_err(|_| internal("register"))?;
                    let mut c = VdbeCursor::new(Backend::Pseudo { reg }, p3 as usize);
                    c.valid = true;
                    self.set_cursor(p1, c)?;
                }
                Opcode::Close => {
                    if let Some(slot) = usize::try_from(p1)
                        .ok()
                        .and_then(|i| self.cursors.get_mut(i))
                    {
                        *slot = None;
                    }
                }
                Opcode::ResetSorter => {
                    let c = self.cur(p1)?;
                    match &mut c.backend {
                        Backend::Sorter(s) => s.clear(),
                        Backend::Mem(m) => {
                            m.rows.clear();
                            m.pos = 0;
                            m.valid = false;
                        }
                        _ => {}
                    }
                    c.cache_ok = false;
                }
                Opcode::SorterInsert => {
                    // Borrow the record from its register (no copy but the sorter's own).
                    let record: &[u8] = match self.regs.get(p2 as usize) {
                        Some(Value::Blob(b)) | Some(Value::Text(b)) => b,
                        Some(_) => &[],
                        None => return Err(internal("register")),
                    };
                    let c = usize::try_from(p1)
                        .ok()
                        .and_then(|i| self.cursors.get_mut(i))
                        .and_then(|c| c.as_mut())
                        .ok_or_else(|| internal("cursor"))?;
                    match &mut c.backend {
                        Backend::Sorter(s) => s.push(record)?,
                        Backend::Mem(m) => m.insert_key(record.to_vec())?,
                        _ => return Err(internal("SorterInsert cursor")),
                    }
                    // EpilogLite extension: P5 bit 0 = ORDER BY ... LIMIT; P3 holds the
                    // LIMIT, P4 (Int32) the OFFSET register or 0. Only the first
                    // LIMIT+OFFSET rows in sort order are kept (a negative LIMIT: all).
                    if self.prog.ops[pc].p5 & 1 != 0 {
                        let lim = match self.regs.get(p3 as usize) {
                            Some(Value::Integer(i)) => *i,
                            _ => -1,
                        };
                        let off = match &self.prog.ops[pc].p4 {
                            P4::Int32(r) if *r > 0 => match self.regs.get(*r as usize) {
                                Some(Value::Integer(i)) => (*i).max(0),
                                _ => 0,
                            },
                            _ => 0,
                        };
                        if lim >= 0 {
                            let k = usize::try_from(lim.saturating_add(off)).unwrap_or(usize::MAX);
                            if let Some(Backend::Sorter(s)) = usize::try_from(p1)
                                .ok()
                                .and_then(|i| self.cursors.get_mut(i))
                                .and_then(|c| c.as_mut())
                                .map(|c| &mut c.backend)
                            {
                                s.bound(k)?;
                            }
                        }
                    }
                }
                Opcode::SorterSort | Opcode::Sort | Opcode::Rewind => {
                    let c = self.cur(p1)?;
                    if let Backend::Sorter(s) = &mut c.backend {
                        s.sort()?;
                    }
                    let c = self.cur(p1)?;
                    if !c.first(host)? {
                        self.jump(p2)?;
                    }
                }
                Opcode::Last | Opcode::SeekEnd => {
                    let c = self.cur(p1)?;
                    let ok = c.last(host)?;
                    if opcode == Opcode::Last && !ok && p2 > 0 {
                        self.jump(p2)?;
                    }
                }
                Opcode::Next | Opcode::SorterNext => {
                    let c = self.cur(p1)?;
                    if c.next(host)? {
                        self.jump(p2)?;
                    }
                }
                Opcode::Prev => {
                    let c = self.cur(p1)?;
                    if c.prev(host)? {
                        self.jump(p2)?;
                    }
                }
                Opcode::SorterData
                    if matches!(
                        self.cursors
                            .get(p1 as usize)
                            .and_then(|c| c.as_ref())
                            .map(|c| &c.backend),
                        Some(Backend::Sorter(_))
                    ) =>
                {
                    // Straight from the sorter's arena into the register, reusing the
                    // register's buffer: no allocation per row.
                    let row: &[u8] = match self
                        .cursors
                        .get(p1 as usize)
                        .and_then(|c| c.as_ref())
                        .map(|c| &c.backend)
                    {
                        Some(Backend::Sorter(s)) => s.current().unwrap_or(&[]),
                        _ => &[],
                    };
                    let slot = self
                        .regs
                        .get_mut(p2 as usize)
                        .ok_or_else(|| internal("register"))?;
                    match slot {
                        Value::Blob(b) => {
                            b.clear();
                            b.extend_from_slice(row);
                        }
                        _ => *slot = Value::Blob(row.to_vec()),
                    }
                    if let Ok(pc3) = self.cur(p3) {
                        pc3.cache_ok = false;
                    }
                }
                Opcode::SorterData | Opcode::RowData => {
                    let regs_ptr: &[Value] = &[];
                    let c = self.cur(p1)?;
                    c.load(host, regs_ptr)?;
                    let v = Value::Blob(c.rec.clone());
                    self.set(p2, v)?;
                    if opcode == Opcode::SorterData {
                        if let Ok(pc3) = self.cur(p3) {
                            pc3.cache_ok = false;
                        }
                    }
                }
                Opcode::NullRow => {
                    let c = self.cur(p1)?;
                    c.null_row = true;
                    c.cache_ok = false;
                }
                Opcode::IfNullRow => {
                    if self.cur(p1)?.null_row {
                        self.set(p3, Value::Null)?;
                        self.jump(p2)?;
                    }
                }
                Opcode::IfNotOpen => {
                    let open = usize::try_from(p1)
                        .ok()
                        .and_then(|i| self.cursors.get(i))
                        .map(|c| c.is_some())
                        .unwrap_or(false);
                    if !open {
                        self.jump(p2)?;
                    }
                }
                Opcode::Column => {
                    if let Ok(
                        c @ VdbeCursor {
                            backend: Backend::VTab(_),
                            ..
                        },
                    ) = self.cur(p1)
                    {
                        let v = Self::vtab_column(c, p2, false)?;
                        self.set(p3, v)?;
                    } else {
                        self.op_column(host, pc, p1, p2, p3)?
                    }
                }
                Opcode::Rowid => {
                    let c = self.cur(p1)?;
                    let v = if c.null_row || !c.valid {
                        Value::Null
                    } else {
                        if let Some(r) = c.deferred.take() {
                            c.seek_rowid(host, r)?;
                        }
                        Value::Integer(c.rowid(host)?)
                    };
                    self.set(p2, v)?;
                }
                Opcode::IdxRowid => {
                    let mut key = std::mem::take(&mut self.key_buf2);
                    let regs = std::mem::take(&mut self.regs);
                    let c = self.cur(p1);
                    let res = match c {
                        Ok(c) if !c.null_row && c.valid => c
                            .current_key(host, &regs, &mut key)
                            .map(|_| match key.last() {
                                Some(Value::Integer(i)) => Value::Integer(*i),
                                _ => Value::Null,
                            }),
                        Ok(_) => Ok(Value::Null),
                        Err(e) => Err(e),
                    };
                    self.regs = regs;
                    self.key_buf2 = key;
                    let v = res?;
                    self.set(p2, v)?;
                }
                Opcode::DeferredSeek => {
                    // Resolve immediately: move table cursor P3 to the index entry's rowid.
                    let mut key = std::mem::take(&mut self.key_buf2);
                    let regs = std::mem::take(&mut self.regs);
                    let r = self
                        .cur(p1)
                        .and_then(|c| c.current_key(host, &regs, &mut key));
                    self.regs = regs;
                    let rowid = match key.last() {
                        Some(Value::Integer(i)) => Some(*i),
                        _ => None,
                    };
                    self.key_buf2 = key;
                    r?;
                    let t = self.cur(p3)?;
                    match rowid {
                        Some(rid) => {
                            let res = t.seek_rowid(host, rid)?;
                            if res != SeekResult::Found {
                                t.null_row = true;
                            }
                        }
                        None => t.null_row = true,
                    }
                }
                Opcode::FinishSeek => {}
                Opcode::SeekRowid | Opcode::NotExists => {
                    let key = Self::seek_rowid_operand(self.reg(p3)?);
                    let rowid = match key {
                        Some(Value::Integer(i)) => Some(i),
                        _ => None,
                    };
                    let c = self.cur(p1)?;
                    let found = match rowid {
                        Some(r) => c.seek_rowid(host, r)? == SeekResult::Found,
                        None => false,
                    };
                    if !found {
                        c.null_row = true;
                        c.valid = false;
                        self.jump(p2)?;
                    }
                }
                Opcode::SeekGE | Opcode::SeekGT | Opcode::SeekLE | Opcode::SeekLT => {
                    self.op_seek(host, pc, opcode, p1, p2, p3)?;
                }
                Opcode::SeekScan => {}
                Opcode::IdxGE | Opcode::IdxGT | Opcode::IdxLE | Opcode::IdxLT => {
                    let n = match &self.prog.ops[pc].p4 {
                        P4::Int32(n) => *n,
                        _ => 1,
                    };
                    let r = self.range(p3, n)?;
                    let mut key = std::mem::take(&mut self.key_buf2);
                    let regs = std::mem::take(&mut self.regs);
                    let res = match self.cur(p1) {
                        Ok(c) => c
                            .current_key(host, &regs, &mut key)
                            .map(|_| cmp_key(&key, &regs[r.clone()], c.key_info())),
                        Err(e) => Err(e),
                    };
                    self.regs = regs;
                    self.key_buf2 = key;
                    let o = res?;
                    let take = match opcode {
                        Opcode::IdxGE => o != Ordering::Less,
                        Opcode::IdxGT => o == Ordering::Greater,
                        Opcode::IdxLE => o != Ordering::Greater,
                        _ => o == Ordering::Less,
                    };
                    if take {
                        self.jump(p2)?;
                    }
                }
                Opcode::Found | Opcode::NotFound | Opcode::NoConflict | Opcode::IfNoHope => {
                    if opcode == Opcode::IfNoHope {
                        continue;
                    }
                    let n = match &self.prog.ops[pc].p4 {
                        P4::Int32(n) => *n,
                        _ => 0,
                    };
                    let regs = std::mem::take(&mut self.regs);
                    let mut kb = std::mem::take(&mut self.key_buf);
                    let mut cur_key = std::mem::take(&mut self.key_buf2);
                    let res = (|| -> Result<bool> {
                        let key = Self::key_slice(&regs, &mut kb, p3, n)?;
                        if opcode == Opcode::NoConflict && key.iter().any(|v| v.is_null()) {
                            // A NULL never conflicts: report "not found" (NoConflict jumps).
                            return Ok(false);
                        }
                        let c = self.cur(p1)?;
                        if !c.seek_first(host, &regs, key, false)? {
                            return Ok(false);
                        }
                        c.current_key(host, &regs, &mut cur_key)?;
                        Ok(cmp_key(&cur_key, key, c.key_info()) == Ordering::Equal)
                    })();
                    self.regs = regs;
                    self.key_buf = kb;
                    self.key_buf2 = cur_key;
                    let found = res?;
                    let jump = if opcode == Opcode::Found {
                        found
                    } else {
                        !found
                    };
                    if jump {
                        self.jump(p2)?;
                    }
                }
                Opcode::Sequence => {
                    let c = self.cur(p1)?;
                    let s = c.seq;
                    c.seq += 1;
                    self.set(p2, Value::Integer(s))?;
                }
                Opcode::SequenceTest => {
                    let c = self.cur(p1)?;
                    let s = c.seq;
                    c.seq += 1;
                    if s == 0 {
                        self.jump(p2)?;
                    }
                }
                Opcode::Count => {
                    let c = self.cur(p1)?;
                    let n = match &c.backend {
                        Backend::Mem(m) => m.rows.len() as i64,
                        Backend::Sorter(s) => s.len() as i64,
                        _ => {
                            let mut n = 0i64;
                            let mut ok = c.first(host)?;
                            while ok {
                                n += 1;
                                ok = c.next(host)?;
                            }
                            n
                        }
                    };
                    self.set(p2, Value::Integer(n))?;
                }
                Opcode::MakeRecord => {
                    let r = self.range(p1, p2)?;
                    let op = &self.prog.ops[pc];
                    if let P4::Affinity(a) | P4::Text(a) = &op.p4 {
                        for (k, i) in r.clone().enumerate() {
                            if let Some(af) = a.as_bytes().get(k) {
                                mem::apply_affinity(&mut self.regs[i], *af);
                            }
                        }
                    }
                    let mut out = match self.reg_mut(p3).map(std::mem::take)? {
                        Value::Blob(b) => b,
                        _ => Vec::new(),
                    };
                    rec::encode_into(&self.regs[r], &mut out);
                    if out.len() > self.max_len {
                        return Err(too_big());
                    }
                    self.set(p3, Value::Blob(out))?;
                }
                Opcode::Insert => {
                    let rowid = mem::to_int(self.reg(p3)?);
                    let mut hook_db = None;
                    // Borrow the record in place (no copy per row): registers and cursors are
                    // disjoint fields.
                    // A record with no columns: header size 1, no serial types.
                    const EMPTY_RECORD: &[u8] = &[1];
                    let record: &[u8] = match self.regs.get(p2 as usize) {
                        Some(Value::Blob(b)) | Some(Value::Text(b)) => b,
                        Some(Value::Null) => EMPTY_RECORD,
                        _ => return Err(internal("Insert record")),
                    };
                    let c = usize::try_from(p1)
                        .ok()
                        .and_then(|i| self.cursors.get_mut(i))
                        .and_then(|c| c.as_mut())
                        .ok_or_else(|| internal("cursor"))?;
                    match &mut c.backend {
                        Backend::Bt { db, cur } => {
                            let db = *db;
                            cur.insert(host.btree(db)?, rowid, record)?;
                            hook_db = Some(db);
                        }
                        Backend::Mem(m) => m.insert_row(rowid, record.to_vec()),
                        _ => return Err(internal("Insert cursor")),
                    }
                    c.cache_ok = false;
                    c.valid = true;
                    c.null_row = false;
                    if p5 & OPFLAG_SUBCHANGE != 0 {
                        self.n_sub += 1;
                    }
                    if p5 & OPFLAG_NCHANGE != 0 {
                        self.n_change += 1;
                        // As OP_Insert: the update hook sees counted rows of named tables;
                        // our code generator marks a new row with OPFLAG_LASTROWID and an
                        // UPDATE's rewrite without it.
                        if let (Some(db), true) = (hook_db, host.has_update_hook()) {
                            if let Some(P4::Table(t)) = self.prog.ops.get(pc).map(|o| &o.p4) {
                                let op = if p5 & OPFLAG_LASTROWID != 0 {
                                    SQLITE_INSERT
                                } else {
                                    SQLITE_UPDATE
                                };
                                host.update_hook(op, db, t, rowid);
                            }
                        }
                    }
                    if p5 & OPFLAG_LASTROWID != 0 {
                        host.set_last_insert_rowid(rowid);
                    }
                }
                Opcode::Delete => {
                    if p2 & 0x40 != 0 {
                        // OPFLAG_ISNOOP: only for the pre-update hook.
                        continue;
                    }
                    let want_hook = host.has_update_hook();
                    let c = self.cur(p1)?;
                    let hook = match (&mut c.backend, want_hook) {
                        (Backend::Bt { db, cur }, true) => {
                            let db = *db;
                            Some((db, cur.rowid(host.btree(db)?)?))
                        }
                        _ => None,
                    };
                    c.delete(host)?;
                    // SQLite keeps OPFLAG_NCHANGE in P2; bit 0 of P5 is unused by Delete
                    // there, and our code generator may put the flag there: accept both.
                    if p5 & OPFLAG_SUBCHANGE != 0 {
                        self.n_sub += 1;
                    }
                    if (p2 & OPFLAG_NCHANGE as i32) != 0 || (p5 & OPFLAG_NCHANGE) != 0 {
                        self.n_change += 1;
                        if let Some((db, rowid)) = hook {
                            if let Some(P4::Table(t)) = self.prog.ops.get(pc).map(|o| &o.p4) {
                                host.update_hook(SQLITE_DELETE, db, t, rowid);
                            }
                        }
                    }
                }
                Opcode::NewRowid => {
                    let c = self.cur(p1)?;
                    let max = match &mut c.backend {
                        Backend::Bt { db, cur } => {
                            let db = *db;
                            cur.max_rowid(host.btree(db)?)?
                        }
                        Backend::Mem(m) => m.rows.last().map(|r| r.0).unwrap_or(0),
                        _ => return Err(internal("NewRowid cursor")),
                    };
                    let mut base = max;
                    if p3 > 0 {
                        let m = mem::to_int(self.reg(p3)?);
                        if m == i64::MAX {
                            return Err(Error::full());
                        }
                        base = base.max(m);
                    }
                    let new = if base < i64::MAX {
                        base + 1
                    } else {
                        self.random_free_rowid(host, p1)?
                    };
                    if p3 > 0 {
                        self.set(p3, Value::Integer(new))?;
                    }
                    self.set(p2, Value::Integer(new))?;
                }
                Opcode::IdxInsert => {
                    let record: &[u8] = match self.regs.get(p2 as usize) {
                        Some(Value::Blob(b)) | Some(Value::Text(b)) => b,
                        _ => return Err(internal("IdxInsert record")),
                    };
                    let c = usize::try_from(p1)
                        .ok()
                        .and_then(|i| self.cursors.get_mut(i))
                        .and_then(|c| c.as_mut())
                        .ok_or_else(|| internal("cursor"))?;
                    match &mut c.backend {
                        Backend::Bt { db, cur } => {
                            let db = *db;
                            cur.insert_index(host.btree(db)?, record)?;
                        }
                        Backend::Mem(m) => m.insert_key(record.to_vec())?,
                        Backend::Sorter(s) => s.push(record)?,
                        _ => return Err(internal("IdxInsert cursor")),
                    }
                    c.cache_ok = false;
                    c.valid = true;
                    c.null_row = false;
                    // A row of a WITHOUT ROWID table (SQLite's OPFLAG_NCHANGE in P5).
                    if p5 & OPFLAG_NCHANGE != 0 {
                        self.n_change += 1;
                    }
                }
                Opcode::IdxDelete => {
                    let regs = std::mem::take(&mut self.regs);
                    let mut kb = std::mem::take(&mut self.key_buf);
                    let mut cur_key = std::mem::take(&mut self.key_buf2);
                    let res = (|| -> Result<()> {
                        let key = Self::key_slice(&regs, &mut kb, p2, p3)?;
                        let c = self.cur(p1)?;
                        if c.seek_first(host, &regs, key, false)? {
                            c.current_key(host, &regs, &mut cur_key)?;
                            if cmp_key(&cur_key, key, c.key_info()) == Ordering::Equal {
                                c.delete(host)?;
                            }
                        }
                        Ok(())
                    })();
                    self.regs = regs;
                    self.key_buf = kb;
                    self.key_buf2 = cur_key;
                    res?;
                }
                Opcode::Offset => self.set(p3, Value::Null)?,
                Opcode::RowSetAdd | Opcode::RowSetTest => {
                    let v =
                        mem::to_int(self.reg(if opcode == Opcode::RowSetAdd { p2 } else { p3 })?);
                    let slot = usize::try_from(p1)
                        .ok()
                        .and_then(|i| self.rowsets.get_mut(i))
                        .ok_or_else(|| internal("rowset"))?;
                    let set = slot.get_or_insert_with(Default::default);
                    if opcode == Opcode::RowSetTest {
                        if set.contains(&v) {
                            self.jump(p2)?;
                            continue;
                        }
                        let insert = matches!(&self.prog.ops[pc].p4, P4::Int32(i) if *i >= 0);
                        if !insert {
                            continue;
                        }
                        if let Some(Some(set)) = self.rowsets.get_mut(p1 as usize) {
                            set.insert(v);
                        }
                    } else {
                        set.insert(v);
                    }
                }
                Opcode::RowSetRead => {
                    let slot = usize::try_from(p1)
                        .ok()
                        .and_then(|i| self.rowsets.get_mut(i))
                        .ok_or_else(|| internal("rowset"))?;
                    match slot.as_mut().and_then(|s| s.pop_first()) {
                        Some(v) => self.set(p3, Value::Integer(v))?,
                        None => {
                            *slot = None;
                            self.set(p1, Value::Null)?;
                            self.jump(p2)?;
                        }
                    }
                }
                Opcode::SorterCompare => {
                    let n = match &self.prog.ops[pc].p4 {
                        P4::Int32(n) => *n as usize,
                        _ => 0,
                    };
                    let differs = {
                        let other: &[u8] = match self.regs.get(p3 as usize) {
                            Some(Value::Blob(b)) | Some(Value::Text(b)) => b,
                            Some(_) => &[],
                            None => return Err(internal("register")),
                        };
                        let c = usize::try_from(p1)
                            .ok()
                            .and_then(|i| self.cursors.get(i))
                            .and_then(|c| c.as_ref())
                            .ok_or_else(|| internal("cursor"))?;
                        let Backend::Sorter(s) = &c.backend else {
                            return Err(internal("SorterCompare cursor"));
                        };
                        s.current_differs(other, n)?
                    };
                    if differs {
                        self.jump(p2)?;
                    }
                }
                Opcode::MaxPgcnt => {
                    self.set(p2, Value::Integer(1_073_741_823))?;
                }
                Opcode::ResetCount => match p1 {
                    // Trigger bodies (ours): 2 = save changes() and last_insert_rowid() in
                    // registers P2, P2+1; 1 = a trigger statement ended: its rows become
                    // changes() and are added to total_changes(); 3 = restore from P2.
                    2 => {
                        let (c, _) = host.changes();
                        self.set(p2, Value::Integer(c))?;
                        self.set(p2 + 1, Value::Integer(host.last_insert_rowid()))?;
                    }
                    1 => {
                        host.set_changes(self.n_sub);
                        self.n_sub = 0;
                    }
                    3 => {
                        host.restore_changes(mem::to_int(self.reg(p2)?));
                        host.set_last_insert_rowid(mem::to_int(self.reg(p2 + 1)?));
                    }
                    _ => {
                        host.set_changes(self.n_change);
                        self.n_change = 0;
                    }
                },
                Opcode::Checkpoint => {
                    // SQLite: P1 = database (SQLITE_MAX_ATTACHED+2 = all), P2 = mode,
                    // P3..P3+2 = busy, log, checkpointed.
                    let db = usize::try_from(p1).ok().filter(|&d| d < 12);
                    let (busy, log, ckpt) = host.checkpoint(db, p2)?;
                    self.set(p3, Value::Integer(busy as i64))?;
                    self.set(p3 + 1, Value::Integer(log as i64))?;
                    self.set(p3 + 2, Value::Integer(ckpt as i64))?;
                }
                Opcode::Program => self.enter_frame(host, pc, p1, p2, p3, p5)?,
                Opcode::FkCounter => {
                    let mut d = if p5 & 1 != 0 { -(p2 as i64) } else { p2 as i64 };
                    if p3 > 0 {
                        d = d.saturating_mul(mem::to_int(self.reg(p3)?));
                    }
                    if p1 != 0 {
                        host.fk_deferred_add(false, d);
                    } else if host.defer_fks() {
                        host.fk_deferred_add(true, d);
                    } else {
                        self.n_fk += d;
                    }
                }
                Opcode::FkIfZero => {
                    let (d, imm) = host.fk_deferred();
                    let zero = if p1 != 0 {
                        d + imm == 0
                    } else {
                        self.n_fk == 0 && imm == 0
                    };
                    if zero {
                        self.jump(p2)?;
                    }
                }
                Opcode::FkCheck => {
                    if self.n_fk > 0 {
                        self.error_action = OE_ABORT;
                        return Err(Error::new(
                            SQLITE_CONSTRAINT_FOREIGNKEY,
                            "FOREIGN KEY constraint failed",
                        ));
                    }
                }
                Opcode::Noop => {
                    if let P4::Pragma(name) = &self.prog.ops[pc].p4 {
                        let new = if p3 > 0 {
                            Some(self.reg(p3)?.clone())
                        } else {
                            None
                        };
                        let db = usize::try_from(p1).map_err(|_| internal("db"))?;
                        let v = host.pragma(db, name, new.as_ref())?;
                        if p2 > 0 {
                            self.set(p2, v)?;
                        }
                    }
                }
                Opcode::ColumnsUsed
                | Opcode::CursorHint
                | Opcode::ReleaseReg
                | Opcode::Abortable
                | Opcode::TableLock
                | Opcode::Trace
                | Opcode::Expire
                | Opcode::CursorLock
                | Opcode::CursorUnlock
                | Opcode::SeekHit
                | Opcode::ClrSubtype
                | Opcode::Filter
                | Opcode::FilterAdd
                | Opcode::IfSmaller
                | Opcode::LoadAnalysis => {}
                Opcode::VOpen
                | Opcode::VFilter
                | Opcode::VNext
                | Opcode::VColumn
                | Opcode::VUpdate
                | Opcode::VBegin => self.op_vtab(host, pc, opcode, p1, p2, p3, p5)?,
                other => return Err(Error::sql(format!("unsupported opcode: {}", other.name()))),
            }
        }
    }

    fn halt_error(&mut self, pc: usize) -> Error {
        let op = &self.prog.ops[pc];
        self.error_action = op.p2;
        let rc = if op.p1 == 0 { SQLITE_ERROR } else { op.p1 };
        let detail = match &op.p4 {
            P4::Text(t) => Some(t.clone()),
            P4::Table(t) => Some(t.clone()),
            _ => None,
        };
        let prefix = match op.p5 {
            1 => Some("NOT NULL constraint failed: "),
            2 => Some("UNIQUE constraint failed: "),
            3 => Some("CHECK constraint failed: "),
            4 => Some("FOREIGN KEY constraint failed"),
            _ => None,
        };
        let msg = match (prefix, detail) {
            (Some(p), Some(d)) if op.p5 != 4 => format!("{p}{d}"),
            (Some(p), _) => p.trim_end_matches(": ").to_string(),
            (None, Some(d)) => d,
            (None, None) => crate::error::errstr(rc).to_string(),
        };
        Error::new(rc, msg)
    }

    fn op_compare(
        &mut self,
        pc: usize,
        opcode: Opcode,
        p1: i32,
        p2: i32,
        p3: i32,
        p5: u16,
    ) -> Result<()> {
        let coll = match &self.prog.ops[pc].p4 {
            P4::Coll(c) => c.clone(),
            _ => None,
        };
        let a = self.reg(p3)?;
        let b = self.reg(p1)?;
        if a.is_null() || b.is_null() {
            let take = if p5 & mem::NULLEQ != 0 {
                let both = a.is_null() && b.is_null();
                self.cmp_result = if both {
                    Ordering::Equal
                } else {
                    Ordering::Less
                };
                match opcode {
                    Opcode::Eq => both,
                    Opcode::Ne => !both,
                    _ => false,
                }
            } else {
                self.cmp_result = Ordering::Less;
                p5 & mem::JUMPIFNULL != 0
            };
            if take {
                self.jump(p2)?;
            }
            return Ok(());
        }
        let aff = (p5 & mem::AFF_MASK) as u8;
        let o = mem::compare_with_affinity(a, b, aff, coll.as_ref()).unwrap_or(Ordering::Less);
        self.cmp_result = o;
        let take = match opcode {
            Opcode::Eq => o == Ordering::Equal,
            Opcode::Ne => o != Ordering::Equal,
            Opcode::Lt => o == Ordering::Less,
            Opcode::Le => o != Ordering::Greater,
            Opcode::Gt => o == Ordering::Greater,
            _ => o != Ordering::Less,
        };
        if take {
            self.jump(p2)?;
        }
        Ok(())
    }

    fn op_column(
        &mut self,
        host: &mut dyn VmHost,
        pc: usize,
        p1: i32,
        p2: i32,
        p3: i32,
    ) -> Result<()> {
        let col = usize::try_from(p2).map_err(|_| internal("column"))?;
        let dest = usize::try_from(p3)
            .ok()
            .filter(|d| *d < self.regs.len())
            .ok_or_else(|| internal("register"))?;
        // Load the row first (a pseudo cursor reads its record from a register: the
        // register vector is moved out for that, a pointer swap), then decode straight into
        // the destination register, reusing its buffer.
        let regs = std::mem::take(&mut self.regs);
        let loaded = (|| -> Result<bool> {
            let c = self.cur(p1)?;
            if c.null_row || !c.valid {
                return Ok(false);
            }
            if let Some(r) = c.deferred.take() {
                c.seek_rowid(host, r)?;
            }
            c.load(host, &regs)?;
            Ok(true)
        })();
        self.regs = regs;
        if !loaded? {
            self.regs[dest] = Value::Null;
            return Ok(());
        }
        let mut out = std::mem::take(&mut self.regs[dest]);
        let res = match self.cursors.get(p1 as usize).and_then(|c| c.as_ref()) {
            Some(c) => c.hdr.column_into(&c.rec, col, &mut out),
            None => Err(internal("cursor")),
        };
        let present = match res {
            Ok(p) => p,
            Err(e) => {
                self.regs[dest] = out;
                return Err(e);
            }
        };
        if !present {
            out = match &self.prog.ops[pc].p4 {
                P4::Value(v) => v.clone(),
                P4::Int32(i) => Value::Integer(*i as i64),
                P4::Int64(i) => Value::Integer(*i),
                P4::Real(r) => Value::Real(*r),
                P4::Text(t) => Value::text(t),
                _ => Value::Null,
            };
        }
        self.regs[dest] = out;
        Ok(())
    }

    fn op_seek(
        &mut self,
        host: &mut dyn VmHost,
        pc: usize,
        opcode: Opcode,
        p1: i32,
        p2: i32,
        p3: i32,
    ) -> Result<()> {
        let intkey = self.cur(p1)?.is_intkey();
        if intkey {
            let Some(v) = Self::seek_rowid_operand(self.reg(p3)?) else {
                return self.jump(p2);
            };
            let (key, op) = match v {
                Value::Integer(i) => (i, opcode),
                Value::Real(r) => {
                    let f = r.floor();
                    let k = mem::real_to_int(f);
                    if f == r {
                        (k, opcode)
                    } else {
                        match opcode {
                            // x >= 2.5  <=>  x > 2 ;  x < 2.5  <=>  x <= 2
                            Opcode::SeekGE => (k, Opcode::SeekGT),
                            Opcode::SeekLT => (k, Opcode::SeekLE),
                            o => (k, o),
                        }
                    }
                }
                _ => return self.jump(p2),
            };
            let c = self.cur(p1)?;
            let r = c.seek_rowid(host, key)?;
            let ok = match (op, r) {
                (_, SeekResult::Empty) => false,
                (Opcode::SeekGE, SeekResult::Less) => c.next(host)?,
                (Opcode::SeekGE, _) => true,
                (Opcode::SeekGT, SeekResult::Greater) => true,
                (Opcode::SeekGT, _) => c.next(host)?,
                (Opcode::SeekLE, SeekResult::Greater) => c.prev(host)?,
                (Opcode::SeekLE, _) => true,
                (_, SeekResult::Less) => true,
                _ => c.prev(host)?,
            };
            if !ok {
                self.jump(p2)?;
            }
            return Ok(());
        }
        let n = match &self.prog.ops[pc].p4 {
            P4::Int32(n) => *n,
            _ => 1,
        };
        let r = self.range(p3, n)?;
        let regs = std::mem::take(&mut self.regs);
        let res = (|| -> Result<bool> {
            let key = &regs[r];
            let c = self.cur(p1)?;
            Ok(match opcode {
                Opcode::SeekGE => c.seek_first(host, &regs, key, false)?,
                Opcode::SeekGT => c.seek_first(host, &regs, key, true)?,
                _ => {
                    let strict = opcode == Opcode::SeekLE;
                    if c.seek_first(host, &regs, key, strict)? {
                        c.prev(host)?
                    } else {
                        c.last(host)?
                    }
                }
            })
        })();
        self.regs = regs;
        if !res? {
            self.jump(p2)?;
        }
        Ok(())
    }

    fn random_free_rowid(&mut self, host: &mut dyn VmHost, p1: i32) -> Result<i64> {
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15 ^ (self.n_change as u64);
        for _ in 0..100 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let cand = (seed >> 1) as i64;
            if cand <= 0 {
                continue;
            }
            let c = self.cur(p1)?;
            if c.seek_rowid(host, cand)? != SeekResult::Found {
                return Ok(cand);
            }
        }
        Err(Error::full())
    }
}
