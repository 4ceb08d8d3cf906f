//! VACUUM / VACUUM INTO code generation (the connection does the work, `db/vacuum.rs`).
//!
//! `VACUUM [schema] [INTO expr]` evaluates the INTO expression and calls the connection
//! through `Noop` with `P4::Pragma("vacuum")`: P1 = database, P3 = register of the file name
//! (0 for a plain VACUUM). No transaction is opened by the program itself (`no_tx`): VACUUM
//! manages its own.

use super::build::Builder;
use super::schema::dequote;
use crate::error::Result;
use crate::vdbe::{Opcode, P4};
use sqlite3_parser::ast;

impl<'a> Builder<'a> {
    pub fn vacuum(&mut self, schema: Option<&ast::Name>, into: Option<&ast::Expr>) -> Result<()> {
        self.no_tx = true;
        self.readonly = false;
        let db = match schema {
            Some(n) => self.db_search_order(Some(&dequote(&n.0)))?[0],
            None => 0,
        };
        let r = match into {
            Some(e) => {
                let r = self.reg();
                self.expr(e, r)?;
                r
            }
            None => 0,
        };
        self.emit4(
            Opcode::Noop,
            db as i32,
            0,
            r,
            P4::Pragma("vacuum".into()),
            0,
        );
        Ok(())
    }
}
