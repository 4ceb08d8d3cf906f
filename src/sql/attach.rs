//! ATTACH / DETACH code generation (the connection does the work, `db/attach.rs`).
//!
//! `ATTACH file AS name [KEY key]` evaluates its three expressions (an identifier stands for
//! its own name as a string, as in SQLite), packs them into one record with `MakeRecord` and
//! hands it to the connection through `Noop` with `P4::Pragma("attach")` (P3 = the record).
//! `DETACH name` passes the name the same way (`P4::Pragma("detach")`). Neither opens a
//! transaction (`no_tx`), so both work inside an explicit transaction as in SQLite.

use super::build::Builder;
use super::schema::dequote;
use crate::error::Result;
use crate::vdbe::{Opcode, P4};
use sqlite3_parser::ast::Expr;

impl<'a> Builder<'a> {
    /// An ATTACH/DETACH operand: identifiers are names, not column references. `raw` is
    /// the operand's token as typed when it is a single token (the parser upper-cases
    /// identifiers that are also keywords, such as `temp`).
    fn attach_operand(&mut self, e: &Expr, raw: Option<&str>, reg: i32) -> Result<()> {
        match e {
            Expr::Id(i) => {
                let typed = raw
                    .map(dequote)
                    .filter(|r| r.eq_ignore_ascii_case(&dequote(&i.0)));
                self.string(&typed.unwrap_or_else(|| dequote(&i.0)), reg)
            }
            Expr::Name(n) => self.string(&dequote(&n.0), reg),
            _ => self.expr(e, reg)?,
        }
        Ok(())
    }

    pub fn attach(
        &mut self,
        file: &Expr,
        name: &Expr,
        key: Option<&Expr>,
        text: &str,
    ) -> Result<()> {
        self.no_tx = true;
        let base = self.regs(3);
        let toks = super::alter::tokens(text);
        let tok = |i: usize| toks.get(i).and_then(|t| text.get(t.s..t.e));
        let as_at =
            (0..toks.len()).find(|&i| tok(i).map(|x| x.eq_ignore_ascii_case("AS")) == Some(true));
        let file_raw = as_at.and_then(|i| i.checked_sub(1)).and_then(tok);
        let name_raw = as_at.and_then(|i| tok(i + 1));
        self.attach_operand(file, file_raw, base)?;
        self.attach_operand(name, name_raw, base + 1)?;
        match key {
            Some(k) => self.attach_operand(k, None, base + 2)?,
            None => self.null(base + 2),
        }
        let rec = self.reg();
        self.emit(Opcode::MakeRecord, base, 3, rec);
        self.emit4(Opcode::Noop, 0, 0, rec, P4::Pragma("attach".into()), 0);
        Ok(())
    }

    pub fn detach(&mut self, name: &Expr, text: &str) -> Result<()> {
        self.no_tx = true;
        let r = self.reg();
        let toks = super::alter::tokens(text);
        let raw = toks.last().and_then(|t| text.get(t.s..t.e));
        self.attach_operand(name, raw, r)?;
        self.emit4(Opcode::Noop, 0, 0, r, P4::Pragma("detach".into()), 0);
        Ok(())
    }
}
