//! Virtual-table opcodes (a child module of `exec`, so it sees the VM's registers and
//! cursors). Operands (ours where SQLite's differ):
//! - `VOpen` P1 cursor, P4 `P4::VTab`: xOpen; the cursor is not positioned.
//! - `VFilter` P1 cursor, P2 jump when no row, P3 register holding idxNum, P3+1 the argument
//!   count, P3+2.. the arguments; P4 `P4::Text(idxStr)` or none: xFilter.
//! - `VNext` P1, P2 jump when a row follows (`Next` does the same on a vtab cursor).
//! - `VColumn` P1, P2 column, P3 destination, P5 & 1 = the value is not changed by the
//!   UPDATE being run (`sqlite3_vtab_nochange`). `Column` on a vtab cursor is `VColumn`.
//! - `Rowid` on a vtab cursor calls xRowid (SQLite 3.40 has no `VRowid`; it uses `Rowid`).
//! - `VUpdate` P1 = 1: set last_insert_rowid; P2 argument count, P3 first argument (SQLite's
//!   xUpdate argv), P4 `P4::VTab`, P5 the statement's conflict action (`OE_*`).
//! - `VBegin` P4 `P4::VTab`: xBegin once per statement that writes the table.
//!
//! Invariant: a vtab cursor is `valid` exactly when its module says it is not at EOF.

use super::{internal, Vm, VmHost};
use crate::error::{Error, Result};
use crate::value::Value;
use crate::vdbe::cursor::{Backend, VdbeCursor};
use crate::vdbe::program::{Opcode, P4};
use crate::vtab::{Instance, VTabCursor};
use std::sync::Arc;

/// The state of a vtab cursor.
pub struct VCursor {
    pub inst: Arc<Instance>,
    pub cur: Box<dyn VTabCursor>,
}

/// `sqlite3_vtab_on_conflict` values for the `OE_*` actions (ROLLBACK 1, IGNORE 2, FAIL 3,
/// ABORT 4, REPLACE 5).
pub fn on_conflict_code(oe: u16) -> i32 {
    match oe {
        1 => 1, // OE_ROLLBACK -> SQLITE_ROLLBACK
        3 => 3, // OE_FAIL
        4 => 2, // OE_IGNORE -> SQLITE_IGNORE
        5 => 5, // OE_REPLACE
        _ => 4, // OE_ABORT (default) -> SQLITE_ABORT
    }
}

impl Vm {
    fn vtab_p4(&self, pc: usize) -> Result<Arc<Instance>> {
        match self.prog.ops.get(pc).map(|o| &o.p4) {
            Some(P4::VTab(v)) => Ok(v.clone()),
            _ => Err(internal("P4 vtab")),
        }
    }

    /// Column `col` of vtab cursor `c` (NULL on the NULL row / at EOF).
    pub(super) fn vtab_column(c: &mut VdbeCursor, col: i32, nochange: bool) -> Result<Value> {
        if c.null_row || !c.valid {
            return Ok(Value::Null);
        }
        match &mut c.backend {
            Backend::VTab(v) => v.cur.column(col, nochange),
            _ => Err(internal("VColumn cursor")),
        }
    }

    pub(super) fn op_vtab(
        &mut self,
        host: &mut dyn VmHost,
        pc: usize,
        opcode: Opcode,
        p1: i32,
        p2: i32,
        p3: i32,
        p5: u16,
    ) -> Result<()> {
        match opcode {
            Opcode::VOpen => {
                let inst = self.vtab_p4(pc)?;
                let cur = inst.vtab.lock().open()?;
                let n = inst.columns.len();
                let c = VdbeCursor::new(Backend::VTab(VCursor { inst, cur }), n);
                self.set_cursor(p1, c)?;
            }
            Opcode::VFilter => {
                let idx_num = match self.reg(p3)? {
                    Value::Integer(i) => *i as i32,
                    _ => 0,
                };
                let argc = match self.reg(p3 + 1)? {
                    Value::Integer(i) => *i as i32,
                    _ => 0,
                };
                let r = self.range(p3 + 2, argc)?;
                let args: Vec<Value> = self.regs[r].to_vec();
                let idx_str = match self.prog.ops.get(pc).map(|o| &o.p4) {
                    Some(P4::Text(t)) => Some(t.clone()),
                    _ => None,
                };
                let c = self.cur(p1)?;
                let more = match &mut c.backend {
                    Backend::VTab(v) => {
                        v.cur.filter(idx_num, idx_str.as_deref(), &args)?;
                        !v.cur.eof()
                    }
                    _ => return Err(internal("VFilter cursor")),
                };
                c.null_row = false;
                c.cache_ok = false;
                c.valid = more;
                if !more {
                    self.jump(p2)?;
                }
            }
            Opcode::VNext => {
                let c = self.cur(p1)?;
                if c.next(host)? {
                    self.jump(p2)?;
                }
            }
            Opcode::VColumn => {
                let c = self.cur(p1)?;
                let v = Self::vtab_column(c, p2, p5 & 1 != 0)?;
                self.set(p3, v)?;
            }
            Opcode::VUpdate => {
                let inst = self.vtab_p4(pc)?;
                let r = self.range(p3, p2)?;
                let args: Vec<Value> = self.regs[r].to_vec();
                if !inst.writable {
                    return Err(Error::sql(format!(
                        "table {} may not be modified",
                        inst.name
                    )));
                }
                let rowid = inst.vtab.lock().update(&args, on_conflict_code(p5))?;
                if p1 != 0 {
                    if let Some(id) = rowid {
                        host.set_last_insert_rowid(id);
                    }
                }
                self.n_change += 1;
            }
            Opcode::VBegin => {
                let inst = self.vtab_p4(pc)?;
                inst.vtab.lock().begin()?;
            }
            _ => return Err(internal("vtab opcode")),
        }
        Ok(())
    }
}
