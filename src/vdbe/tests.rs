//! Hand-built programs run on the VM with a host that has no database (the programs only use
//! registers, sorters, ephemeral tables and functions). Expected results come from running
//! the equivalent SQL on sqlite3 3.40.1.

use super::exec::{StepResult, Vm, VmHost};
use super::program::{FuncRef, Op, Opcode, Program, P4};
use crate::btree::{Btree, KeyInfo};
use crate::db::UserFuncImpl;
use crate::error::{codes::*, Error, Result};
use crate::func::{AggState, FuncContext};
use crate::pager::JournalMode;
use crate::value::Value;
use std::sync::atomic::{AtomicBool, Ordering as AO};
use std::sync::Arc;

struct NoDb {
    interrupt: Arc<AtomicBool>,
    last_rowid: i64,
    txns: Vec<(usize, i32)>,
}

impl NoDb {
    fn new() -> NoDb {
        NoDb {
            interrupt: Arc::new(AtomicBool::new(false)),
            last_rowid: 0,
            txns: Vec::new(),
        }
    }
}

impl VmHost for NoDb {
    fn btree(&mut self, _db: usize) -> Result<&mut Btree> {
        Err(Error::sql("no database in this test"))
    }
    fn begin_txn(&mut self, db: usize, write: i32) -> Result<u32> {
        self.txns.push((db, write));
        Ok(7)
    }
    fn autocommit(&mut self, _on: bool, _rollback: bool) -> Result<()> {
        Ok(())
    }
    fn savepoint(&mut self, _op: i32, _name: &str) -> Result<()> {
        Ok(())
    }
    fn parse_schema(&mut self, _db: usize) -> Result<()> {
        Ok(())
    }
    fn schema_changed(&mut self, _db: usize) {}
    fn interrupted(&self) -> bool {
        self.interrupt.load(AO::Relaxed)
    }
    fn last_insert_rowid(&self) -> i64 {
        self.last_rowid
    }
    fn set_last_insert_rowid(&mut self, rowid: i64) {
        self.last_rowid = rowid;
    }
    fn changes(&self) -> (i64, i64) {
        (0, 0)
    }
    fn set_changes(&mut self, _n: i64) {}
    fn journal_mode(&mut self, _db: usize, _m: Option<JournalMode>) -> Result<JournalMode> {
        Ok(JournalMode::Memory)
    }
    fn pragma(&mut self, _db: usize, name: &str, new: Option<&Value>) -> Result<Value> {
        Ok(match new {
            Some(v) => v.clone(),
            None => Value::text(name),
        })
    }
}

fn op(opcode: Opcode, p1: i32, p2: i32, p3: i32) -> Op {
    Op {
        opcode,
        p1,
        p2,
        p3,
        p4: P4::None,
        p5: 0,
        comment: None,
    }
}
fn op4(opcode: Opcode, p1: i32, p2: i32, p3: i32, p4: P4, p5: u16) -> Op {
    Op {
        opcode,
        p1,
        p2,
        p3,
        p4,
        p5,
        comment: None,
    }
}

fn prog(ops: Vec<Op>, n_mem: usize, n_cursor: usize) -> Program {
    Program {
        ops,
        n_mem,
        n_cursor,
        ..Program::default()
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => super::mem::real_to_text(*r),
        Value::Text(t) => String::from_utf8_lossy(t).into_owned(),
        Value::Blob(b) => format!(
            "x'{}'",
            b.iter().map(|c| format!("{c:02x}")).collect::<String>()
        ),
    }
}

/// Run to completion; rows as `a|b|c` strings.
fn run_all(vm: &mut Vm, host: &mut dyn VmHost) -> Result<Vec<String>> {
    let mut rows = Vec::new();
    while vm.step(host)? == StepResult::Row {
        let n = vm.column_count_current();
        let cols: Vec<String> = (0..n)
            .map(|i| vm.column(i).map(show).unwrap_or_default())
            .collect();
        rows.push(cols.join("|"));
    }
    Ok(rows)
}

fn int_ki(n: usize) -> KeyInfo {
    KeyInfo {
        desc: vec![false; n],
        collations: vec![None; n],
    }
}

/// SELECT x, x*2 FROM (VALUES 3,1,2) ORDER BY x DESC — via a sorter, pseudo cursor,
/// and a coroutine producing the values.
#[test]
fn sorter_with_coroutine_orders_rows() {
    use Opcode::*;
    let ops = vec![
        op(Init, 0, 1, 0),          // 0
        op(InitCoroutine, 1, 9, 2), // 1  co-routine at 2, r1
        op(Integer, 3, 2, 0),       // 2
        op(Yield, 1, 0, 0),         // 3
        op(Integer, 1, 2, 0),       // 4
        op(Yield, 1, 0, 0),         // 5
        op(Integer, 2, 2, 0),       // 6
        op(Yield, 1, 0, 0),         // 7
        op(EndCoroutine, 1, 0, 0),  // 8
        op4(
            SorterOpen,
            0,
            2,
            0,
            P4::KeyInfo(KeyInfo {
                desc: vec![true],
                collations: vec![None],
            }),
            0,
        ), // 9
        op(InitCoroutine, 1, 0, 2), // 10
        op(Yield, 1, 17, 0),        // 11  r1 -> loop; EOF jumps to 17
        op(Integer, 2, 4, 0),       // 12
        op(Multiply, 4, 2, 3),      // 13  r3 = r2*r4
        op(MakeRecord, 2, 2, 5),    // 14  (x, x*2)
        op(SorterInsert, 0, 5, 0),  // 15
        op(Goto, 0, 11, 0),         // 16
        op(OpenPseudo, 1, 6, 2),    // 17
        op(SorterSort, 0, 24, 0),   // 18
        op(SorterData, 0, 6, 1),    // 19
        op(Column, 1, 0, 7),        // 20
        op(Column, 1, 1, 8),        // 21
        op(ResultRow, 7, 2, 0),     // 22
        op(SorterNext, 0, 19, 0),   // 23
        op(Halt, 0, 0, 0),          // 24
    ];
    let mut vm = Vm::new(prog(ops, 8, 2));
    let mut host = NoDb::new();
    let rows = run_all(&mut vm, &mut host).unwrap();
    assert_eq!(rows, vec!["3|6", "2|4", "1|2"]);
    // Reset reuses everything and gives the same answer.
    vm.reset();
    assert_eq!(
        run_all(&mut vm, &mut host).unwrap(),
        vec!["3|6", "2|4", "1|2"]
    );
}

/// SELECT DISTINCT via an ephemeral index: Found / IdxInsert.
#[test]
fn ephemeral_index_distinct() {
    use Opcode::*;
    // values: 5, 3, 5, 'a', 3, NULL, NULL
    let vals = [
        Value::Integer(5),
        Value::Integer(3),
        Value::Integer(5),
        Value::text("a"),
        Value::Integer(3),
        Value::Null,
        Value::Null,
    ];
    let mut ops = vec![op4(OpenEphemeral, 0, 1, 0, P4::KeyInfo(int_ki(1)), 0)];
    for v in vals.iter() {
        let base = ops.len() as i32;
        ops.push(op4(Int64, 0, 1, 0, P4::Value(v.clone()), 0)); // base
        ops.push(op4(Found, 0, base + 5, 1, P4::Int32(1), 0)); // base+1
        ops.push(op(MakeRecord, 1, 1, 2)); // base+2
        ops.push(op4(IdxInsert, 0, 2, 1, P4::Int32(1), 0)); // base+3
        ops.push(op(ResultRow, 1, 1, 0)); // base+4
    }
    ops.push(op(Halt, 0, 0, 0));
    let mut vm = Vm::new(prog(ops, 2, 1));
    let mut host = NoDb::new();
    let rows = run_all(&mut vm, &mut host).unwrap();
    // sqlite3: SELECT DISTINCT x FROM (VALUES(5),(3),(5),('a'),(3),(NULL),(NULL)) →
    // 5, 3, a, NULL (DISTINCT treats NULLs as equal).
    assert_eq!(rows, vec!["5", "3", "a", "NULL"]);
}

/// Ephemeral intkey table: Insert, NewRowid, Rewind/Next, SeekGE/SeekLT, NotExists, Delete.
#[test]
fn ephemeral_table_seeks_and_delete() {
    use Opcode::*;
    let mut ops = vec![op(OpenEphemeral, 0, 1, 0)]; // 0
                                                    // insert rowids 10,20,30,40 with value rowid*2
    for k in [10, 20, 30, 40] {
        ops.push(op(Integer, k, 1, 0));
        ops.push(op(Integer, k * 2, 2, 0));
        ops.push(op(MakeRecord, 2, 1, 3));
        ops.push(op4(Insert, 0, 3, 1, P4::None, 0x21));
    }
    // 17: NewRowid → r4 (41), emit
    ops.push(op(NewRowid, 0, 4, 0)); // 17
    ops.push(op(ResultRow, 4, 1, 0)); // 18
                                      // SeekGE 25 → 30, emit rowid
    ops.push(op4(Real, 0, 5, 0, P4::Real(25.5), 0)); // 19
    ops.push(op(SeekGE, 0, 40, 5)); // 20
    ops.push(op(Rowid, 0, 6, 0)); // 21
    ops.push(op(ResultRow, 6, 1, 0)); // 22
                                      // SeekLT 25.5 → 20
    ops.push(op(SeekLT, 0, 40, 5)); // 23
    ops.push(op(Rowid, 0, 6, 0)); // 24
    ops.push(op(ResultRow, 6, 1, 0)); // 25
                                      // NotExists 30 → found: delete it
    ops.push(op(Integer, 30, 7, 0)); // 26
    ops.push(op(NotExists, 0, 40, 7)); // 27
    ops.push(op(Delete, 0, 1, 0)); // 28
                                   // scan all: rowid and column 0
    ops.push(op(Rewind, 0, 35, 0)); // 29
    ops.push(op(Rowid, 0, 8, 0)); // 30
    ops.push(op(Column, 0, 0, 9)); // 31
    ops.push(op(ResultRow, 8, 2, 0)); // 32
    ops.push(op(Next, 0, 30, 0)); // 33
    ops.push(op(Goto, 0, 35, 0)); // 34
    ops.push(op(Halt, 0, 0, 0)); // 35
    while ops.len() < 40 {
        ops.push(op(Noop, 0, 0, 0));
    }
    ops.push(op4(Halt, SQLITE_ERROR, 0, 0, P4::Text("jumped".into()), 0)); // 40
    let mut vm = Vm::new(prog(ops, 9, 1));
    let mut host = NoDb::new();
    let rows = run_all(&mut vm, &mut host).unwrap();
    assert_eq!(rows, vec!["41", "30", "20", "10|20", "20|40", "40|80"]);
    assert_eq!(vm.n_change, 5); // 4 inserts + 1 delete
    assert_eq!(host.last_rowid, 40);
}

/// WHERE-style comparisons: affinity in p5, JUMPIFNULL, NULLEQ, and collations.
#[test]
fn comparison_opcodes_follow_p5() {
    use Opcode::*;
    // r1 = 10, r2 = '9'. Lt with TEXT affinity jumps ('10' < '9'); with NUMERIC it doesn't.
    let cases: Vec<(Opcode, Value, Value, u16, bool)> = vec![
        (Lt, Value::Integer(10), Value::text("9"), b'B' as u16, true),
        (Lt, Value::Integer(10), Value::text("9"), b'C' as u16, false),
        (Eq, Value::Integer(1), Value::text("1"), b'A' as u16, false),
        (Eq, Value::Integer(1), Value::text("1"), b'C' as u16, true),
        (Eq, Value::Null, Value::Null, 0, false),
        (Eq, Value::Null, Value::Null, 0x80, true),
        (Ne, Value::Null, Value::Integer(1), 0x80, true),
        (Ne, Value::Null, Value::Integer(1), 0, false),
        (Lt, Value::Null, Value::Integer(1), 0x10, true),
        (Ge, Value::Real(2.0), Value::Integer(2), 0, true),
        (Gt, Value::Blob(vec![0]), Value::text("z"), 0, true),
    ];
    for (opc, a, b, p5, want) in cases {
        // Jump taken iff r[P3] <op> r[P1]: put a in r3, b in r1.
        let ops = vec![
            op4(Int64, 0, 3, 0, P4::Value(a.clone()), 0),
            op4(Int64, 0, 1, 0, P4::Value(b.clone()), 0),
            op4(opc, 1, 5, 3, P4::Coll(None), p5),
            op(Integer, 0, 2, 0),
            op(Goto, 0, 6, 0),
            op(Integer, 1, 2, 0),
            op(ResultRow, 2, 1, 0),
            op(Halt, 0, 0, 0),
        ];
        let mut vm = Vm::new(prog(ops, 3, 0));
        let rows = run_all(&mut vm, &mut NoDb::new()).unwrap();
        let got = rows.first().map(|s| s == "1").unwrap_or(false);
        assert_eq!(got, want, "{:?} {:?} {:?} p5={:#x}", opc, a, b, p5);
    }
    // NOCASE collation: 'a' = 'A'.
    let nocase: crate::btree::Collation = Arc::new(super::mem::nocase_cmp);
    let ops = vec![
        op4(String8, 0, 1, 0, P4::Text("a".into()), 0),
        op4(String8, 0, 3, 0, P4::Text("A".into()), 0),
        op4(Eq, 1, 4, 3, P4::Coll(Some(nocase)), 0),
        op(Halt, 0, 0, 0),
        op(ResultRow, 1, 1, 0),
        op(Halt, 0, 0, 0),
    ];
    let mut vm = Vm::new(prog(ops, 3, 0));
    assert_eq!(run_all(&mut vm, &mut NoDb::new()).unwrap(), vec!["a"]);
}

struct SumAgg(i64, bool);
impl AggState for SumAgg {
    fn step(&mut self, _ctx: &mut FuncContext, args: &[Value]) -> Result<()> {
        if let Some(Value::Integer(i)) = args.first() {
            self.0 += *i;
            self.1 = true;
        }
        Ok(())
    }
    fn value(&mut self, _ctx: &mut FuncContext) -> Result<Value> {
        Ok(if self.1 {
            Value::Integer(self.0)
        } else {
            Value::Null
        })
    }
    fn finalize(&mut self, ctx: &mut FuncContext) -> Result<Value> {
        self.value(ctx)
    }
}

/// Aggregates (AggStep/AggFinal) and scalar functions (Function with nargs in p5),
/// plus Gosub/Return and IfPos-style LIMIT counting.
#[test]
fn aggregate_function_gosub_and_limit() {
    use Opcode::*;
    let sum = FuncRef::User {
        name: "mysum".into(),
        imp: UserFuncImpl::Aggregate(Arc::new(|| Box::new(SumAgg(0, false)) as Box<dyn AggState>)),
    };
    let dbl = FuncRef::User {
        name: "dbl".into(),
        imp: UserFuncImpl::Scalar(Arc::new(|_c: &mut FuncContext, a: &[Value]| {
            Ok(super::mem::arith(
                super::mem::ArithOp::Mul,
                &a[0],
                &Value::Integer(2),
            ))
        })),
    };
    // mysum over 1..=4 (loop with r1 counter), then dbl(sum) → 20; the loop body is a
    // subroutine called with Gosub.
    let ops = vec![
        op(Integer, 4, 1, 0),                             // 0  r1 = 4
        op(Null, 0, 3, 0),                                // 1  accumulator r3
        op(Gosub, 4, 8, 0),                               // 2  body
        op(DecrJumpZero, 1, 5, 0),                        // 3
        op(Goto, 0, 2, 0),                                // 4
        op4(AggFinal, 3, 1, 0, P4::Func(sum.clone()), 0), // 5
        op4(Function, 0, 3, 5, P4::Func(dbl), 1),         // 6  r5 = dbl(r3)
        op(Goto, 0, 10, 0),                               // 7
        op4(AggStep, 0, 1, 3, P4::Func(sum), 1),          // 8  step(r1)
        op(Return, 4, 0, 0),                              // 9
        op(ResultRow, 5, 1, 0),                           // 10
        op(Integer, 2, 6, 0),                             // 11 LIMIT 2 counter
        op(ResultRow, 6, 1, 0),                           // 12
        op(IfPos, 6, 12, 1),                              // 13 emits 2,1,0 ... (3 rows)
        op(Halt, 0, 0, 0),                                // 14
    ];
    let mut vm = Vm::new(prog(ops, 6, 0));
    let rows = run_all(&mut vm, &mut NoDb::new()).unwrap();
    assert_eq!(rows, vec!["20", "2", "1", "0"]);
}

/// Halt with a constraint code and p5 builds SQLite's message; MustBeInt errors; Variable.
#[test]
fn halt_errors_and_variables() {
    use Opcode::*;
    let ops = vec![
        op(Variable, 1, 1, 0),
        op(HaltIfNull, SQLITE_CONSTRAINT_NOTNULL, 2, 1),
        op(ResultRow, 1, 1, 0),
        op(Halt, 0, 0, 0),
    ];
    let mut p = prog(ops, 1, 0);
    p.ops[1].p4 = P4::Text("t.a".into());
    p.ops[1].p5 = 1;
    p.param_names = vec![None];
    let mut vm = Vm::new(p);
    let e = run_all(&mut vm, &mut NoDb::new()).unwrap_err();
    assert_eq!(e.code, SQLITE_CONSTRAINT_NOTNULL);
    assert_eq!(e.msg, "NOT NULL constraint failed: t.a");
    assert_eq!(vm.error_action, 2);
    vm.reset();
    vm.vars[0] = Value::text("x");
    assert_eq!(run_all(&mut vm, &mut NoDb::new()).unwrap(), vec!["x"]);

    let ops = vec![
        op4(String8, 0, 1, 0, P4::Text("12".into()), 0),
        op(MustBeInt, 1, 0, 0),
        op(ResultRow, 1, 1, 0),
        op4(String8, 0, 1, 0, P4::Text("1.5".into()), 0),
        op(MustBeInt, 1, 0, 0),
        op(Halt, 0, 0, 0),
    ];
    let mut vm = Vm::new(prog(ops, 1, 0));
    let mut host = NoDb::new();
    assert_eq!(vm.step(&mut host).unwrap(), StepResult::Row);
    assert!(matches!(vm.column(0), Some(Value::Integer(12))));
    let e = vm.step(&mut host).unwrap_err();
    assert_eq!(e.code, SQLITE_MISMATCH);
    assert_eq!(e.msg, "datatype mismatch");
    // After an error the VM is done.
    assert_eq!(vm.step(&mut host).unwrap(), StepResult::Done);
}

/// Transaction checks the schema cookie when p5 is set; interrupt stops a loop.
#[test]
fn transaction_cookie_and_interrupt() {
    use Opcode::*;
    let ops = vec![op4(Transaction, 0, 1, 6, P4::None, 1), op(Halt, 0, 0, 0)];
    let mut vm = Vm::new(prog(ops, 0, 0));
    let mut host = NoDb::new();
    let e = vm.step(&mut host).unwrap_err();
    assert_eq!(e.code, SQLITE_SCHEMA);
    assert_eq!(host.txns, vec![(0, 1)]);

    let ops = vec![op(Goto, 0, 0, 0)];
    let mut vm = Vm::new(prog(ops, 0, 0));
    let host = NoDb::new();
    host.interrupt.store(true, AO::Relaxed);
    let mut host = host;
    let e = vm.step(&mut host).unwrap_err();
    assert_eq!(e.code, SQLITE_INTERRUPT);
    assert_eq!(e.msg, "interrupted");
}

/// Bad operands are errors, not panics.
#[test]
fn bad_operands_do_not_panic() {
    use Opcode::*;
    for o in [
        op(Integer, 1, 99, 0),
        op(Goto, 0, 1000, 0),
        op(Column, 5, 0, 1),
        op(Copy, 1, 2, 50),
        op(ResultRow, 1, -3, 0),
        op(Function, 0, 1, 1),
    ] {
        let mut vm = Vm::new(prog(vec![o, op(Halt, 0, 0, 0)], 2, 1));
        assert!(vm.step(&mut NoDb::new()).is_err());
    }
}

/// EXPLAIN returns the listing instead of running.
#[test]
fn explain_lists_program() {
    use Opcode::*;
    let mut p = prog(vec![op(Init, 0, 1, 0), op(Halt, 0, 0, 0)], 0, 0);
    p.explain = 1;
    let mut vm = Vm::new(p);
    let rows = run_all(&mut vm, &mut NoDb::new()).unwrap();
    assert_eq!(
        rows,
        vec!["0|Init|0|1|0|NULL|0|NULL", "1|Halt|0|0|0|NULL|0|NULL"]
    );
}

/// Compare + Jump (used by GROUP BY) with a DESC key.
#[test]
fn compare_and_jump() {
    use Opcode::*;
    let ki = KeyInfo {
        desc: vec![false, true],
        collations: vec![None, None],
    };
    let ops = vec![
        op(Integer, 1, 1, 0),
        op(Integer, 5, 2, 0),
        op(Integer, 1, 3, 0),
        op(Integer, 7, 4, 0),
        op4(Compare, 1, 3, 2, P4::KeyInfo(ki), 0),
        op(Jump, 6, 8, 10),
        op(Integer, -1, 5, 0),
        op(Goto, 0, 11, 0),
        op(Integer, 0, 5, 0),
        op(Goto, 0, 11, 0),
        op(Integer, 1, 5, 0),
        op(ResultRow, 5, 1, 0),
        op(Halt, 0, 0, 0),
    ];
    let mut vm = Vm::new(prog(ops, 5, 0));
    // (1,5) vs (1,7) with the second column DESC: 5 > 7 in DESC order → Greater.
    assert_eq!(run_all(&mut vm, &mut NoDb::new()).unwrap(), vec!["1"]);
}

/// RowSet opcodes (used by multi-index OR deletes/updates): sorted, de-duplicated reads.
#[test]
fn rowset_add_test_read() {
    use Opcode::*;
    let ops = vec![
        op(Null, 0, 1, 0),                                               // 0 rowset in r1
        op(Integer, 30, 2, 0),                                           // 1
        op(RowSetAdd, 1, 2, 0),                                          // 2
        op(Integer, 10, 2, 0),                                           // 3
        op(RowSetAdd, 1, 2, 0),                                          // 4
        op(Integer, 30, 2, 0),                                           // 5
        op(RowSetAdd, 1, 2, 0),                                          // 6
        op(Integer, 10, 2, 0),                                           // 7
        op4(RowSetTest, 1, 10, 2, P4::Int32(0), 0),                      // 8 present → jump 10
        op4(Halt, SQLITE_ERROR, 0, 0, P4::Text("10 missing".into()), 0), // 9
        op(Integer, 20, 2, 0),                                           // 10
        op4(RowSetTest, 1, 9, 2, P4::Int32(0), 0), // 11 absent: falls through and inserts
        op(RowSetRead, 1, 15, 3),                  // 12
        op(ResultRow, 3, 1, 0),                    // 13
        op(Goto, 0, 12, 0),                        // 14
        op(Halt, 0, 0, 0),                         // 15
    ];
    let mut vm = Vm::new(prog(ops, 3, 0));
    assert_eq!(
        run_all(&mut vm, &mut NoDb::new()).unwrap(),
        vec!["10", "20", "30"]
    );
}
