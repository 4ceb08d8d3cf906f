//! The authorizer (`sqlite3_set_authorizer`): consulted once per prepare, after the SQL
//! compiler built the program, with SQLite's action codes.
//!
//! Invariants:
//! - Runs only when an authorizer is set; the statement is re-parsed (sqlite3-parser) to
//!   learn its kind and target table; column reads come from the program itself (`Column`
//!   on a cursor opened by `OpenRead`/`OpenWrite` on a table's root page).
//! - `SQLITE_DENY` fails the prepare with SQLITE_AUTH ("not authorized", or for a column
//!   read "access to T.C is prohibited"); `SQLITE_IGNORE` on a column read turns that
//!   `Column` into `Null` (the value reads as NULL). IGNORE on other actions is allowed
//!   through (SQLite would skip the operation: known difference). Any other answer is
//!   "authorizer malfunction" (SQLITE_ERROR), as SQLite.
//! - Never panics on SQL text: parse failures just skip the statement-kind checks.

use super::Authorizer;
use crate::error::{codes::*, Error, Result};
use crate::sql::schema::{dequote, Schema};
use crate::vdbe::program::FuncRef;
use crate::vdbe::{Opcode, Program, P4};
use fallible_iterator::FallibleIterator;
use sqlite3_parser::ast::{Cmd, Stmt};

pub const SQLITE_CREATE_TABLE: i32 = 2;
pub const SQLITE_DELETE: i32 = 9;
pub const SQLITE_DROP_TABLE: i32 = 11;
pub const SQLITE_INSERT: i32 = 18;
pub const SQLITE_PRAGMA: i32 = 19;
pub const SQLITE_READ: i32 = 20;
pub const SQLITE_SELECT: i32 = 21;
pub const SQLITE_TRANSACTION: i32 = 22;
pub const SQLITE_UPDATE: i32 = 23;
pub const SQLITE_FUNCTION: i32 = 31;

const SQLITE_DENY: i32 = 1;
const SQLITE_IGNORE: i32 = 2;

fn not_authorized() -> Error {
    Error::new(SQLITE_AUTH, "not authorized")
}

/// Ask `auth`; `Ok(true)` = IGNORE.
fn ask(
    auth: &mut Authorizer,
    action: i32,
    a3: Option<&str>,
    a4: Option<&str>,
    db: Option<&str>,
) -> Result<bool> {
    match auth(action, a3, a4, db, None) {
        0 => Ok(false),
        SQLITE_IGNORE => Ok(true),
        SQLITE_DENY => Err(not_authorized()),
        _ => Err(Error::sql("authorizer malfunction")),
    }
}

/// Check statement `sql` compiled into `prog` against `auth`; `schemas` are the attached
/// databases' (name, schema) in index order.
pub(super) fn authorize(
    auth: &mut Authorizer,
    sql: &[u8],
    prog: &mut Program,
    schemas: &[(&str, &Schema)],
) -> Result<()> {
    let main = schemas.first().map(|s| s.0).unwrap_or("main");
    let mut parser = sqlite3_parser::lexer::sql::Parser::new(sql);
    let stmt = match parser.next() {
        Ok(Some(Cmd::Stmt(s))) | Ok(Some(Cmd::Explain(s))) | Ok(Some(Cmd::ExplainQueryPlan(s))) => {
            Some(s)
        }
        _ => None,
    };
    // An unqualified table is looked up as SQLite does: temp first, then main, then the
    // attached databases in order; the database it is found in is what the callback gets.
    let db_of = |q: &sqlite3_parser::ast::QualifiedName| {
        if let Some(n) = &q.db_name {
            return dequote(&n.0);
        }
        let t = dequote(&q.name.0);
        let order = [1usize, 0].into_iter().chain(2..schemas.len());
        order
            .filter_map(|i| schemas.get(i))
            .find(|(_, s)| s.table(&t).is_some())
            .map(|(n, _)| n.to_string())
            .unwrap_or_else(|| main.to_string())
    };
    let mut reads = false;
    match &stmt {
        Some(Stmt::Select(_)) => {
            ask(auth, SQLITE_SELECT, None, None, None)?;
            reads = true;
        }
        Some(Stmt::Insert { tbl_name, .. }) => {
            let t = dequote(&tbl_name.name.0);
            ask(auth, SQLITE_INSERT, Some(&t), None, Some(&db_of(tbl_name)))?;
            reads = true;
        }
        Some(Stmt::Update { tbl_name, sets, .. }) => {
            let t = dequote(&tbl_name.name.0);
            let db = db_of(tbl_name);
            for s in sets {
                for c in s.col_names.iter() {
                    ask(
                        auth,
                        SQLITE_UPDATE,
                        Some(&t),
                        Some(&dequote(&c.0)),
                        Some(&db),
                    )?;
                }
            }
            reads = true;
        }
        Some(Stmt::Delete { tbl_name, .. }) => {
            let t = dequote(&tbl_name.name.0);
            ask(auth, SQLITE_DELETE, Some(&t), None, Some(&db_of(tbl_name)))?;
            reads = true;
        }
        Some(Stmt::CreateTable { tbl_name, .. }) => {
            let t = dequote(&tbl_name.name.0);
            let db = db_of(tbl_name);
            ask(auth, SQLITE_CREATE_TABLE, Some(&t), None, Some(&db))?;
            ask(auth, SQLITE_INSERT, Some("sqlite_master"), None, Some(&db))?;
            // sqlite3EndTable's UPDATE of the schema row, as SQLite reports it.
            ask(
                auth,
                SQLITE_READ,
                Some("sqlite_master"),
                Some("ROWID"),
                Some(&db),
            )?;
            for c in ["type", "name", "tbl_name", "rootpage", "sql"] {
                ask(
                    auth,
                    SQLITE_UPDATE,
                    Some("sqlite_master"),
                    Some(c),
                    Some(&db),
                )?;
            }
        }
        Some(Stmt::DropTable { tbl_name, .. }) => {
            let t = dequote(&tbl_name.name.0);
            let db = db_of(tbl_name);
            ask(auth, SQLITE_DROP_TABLE, Some(&t), None, Some(&db))?;
            ask(auth, SQLITE_DELETE, Some(&t), None, Some(&db))?;
            ask(auth, SQLITE_DELETE, Some("sqlite_master"), None, Some(&db))?;
            // sqlite3DropTable's schema-row rewrite (root page moves), as SQLite reports it.
            for c in ["tbl_name", "type", "rootpage"] {
                ask(auth, SQLITE_READ, Some("sqlite_master"), Some(c), Some(&db))?;
            }
            ask(
                auth,
                SQLITE_UPDATE,
                Some("sqlite_master"),
                Some("rootpage"),
                Some(&db),
            )?;
        }
        Some(Stmt::Begin(..)) => {
            ask(auth, SQLITE_TRANSACTION, Some("BEGIN"), None, None)?;
        }
        Some(Stmt::Commit(..)) => {
            ask(auth, SQLITE_TRANSACTION, Some("COMMIT"), None, None)?;
        }
        Some(Stmt::Rollback {
            savepoint_name: None,
            ..
        }) => {
            ask(auth, SQLITE_TRANSACTION, Some("ROLLBACK"), None, None)?;
        }
        Some(Stmt::Pragma(name, body)) => {
            let arg = body.as_ref().map(|b| match b {
                sqlite3_parser::ast::PragmaBody::Equals(v)
                | sqlite3_parser::ast::PragmaBody::Call(v) => {
                    crate::sql::expr::unquote_string(&v.to_string())
                }
            });
            let db = name.db_name.as_ref().map(|n| dequote(&n.0));
            ask(
                auth,
                SQLITE_PRAGMA,
                Some(&dequote(&name.name.0)),
                arg.as_deref(),
                db.as_deref(),
            )?;
        }
        _ => {}
    }
    // Function calls and column reads, from the program.
    let mut cursor_table: Vec<Option<(usize, usize)>> = vec![None; prog.n_cursor];
    let mut ignored = Vec::new();
    for (pc, op) in prog.ops.iter().enumerate() {
        match op.opcode {
            Opcode::Function | Opcode::PureFunc | Opcode::AggStep | Opcode::AggStep1 => {
                let name = match &op.p4 {
                    P4::Func(FuncRef::Builtin(d)) => Some(d.name.to_string()),
                    P4::Func(FuncRef::User { name, .. }) => Some(name.clone()),
                    _ => None,
                };
                if let Some(n) = name {
                    if ask(auth, SQLITE_FUNCTION, None, Some(&n), None).is_err() {
                        // sqlite3ResolveExprNames: denial is a plain SQLITE_ERROR.
                        return Err(Error::sql(format!("not authorized to use function: {n}")));
                    }
                }
            }
            Opcode::OpenRead | Opcode::OpenWrite if reads && op.p5 & 0x02 == 0 => {
                let found = usize::try_from(op.p3).ok().and_then(|db| {
                    let (_, s) = schemas.get(db)?;
                    let t = s
                        .tables
                        .iter()
                        .position(|t| t.root as i64 == op.p2 as i64 && !t.is_view)?;
                    Some((db, t))
                });
                if let Some(slot) = usize::try_from(op.p1)
                    .ok()
                    .and_then(|c| cursor_table.get_mut(c))
                {
                    *slot = found;
                }
            }
            Opcode::Column if reads => {
                let Some(Some((db, t))) = usize::try_from(op.p1)
                    .ok()
                    .and_then(|c| cursor_table.get(c))
                    .copied()
                else {
                    continue;
                };
                let Some((dbname, s)) = schemas.get(db) else {
                    continue;
                };
                let Some(table) = s.tables.get(t) else {
                    continue;
                };
                let Some(col) = usize::try_from(op.p2)
                    .ok()
                    .and_then(|i| table.columns.get(i))
                else {
                    continue;
                };
                match auth(
                    SQLITE_READ,
                    Some(&table.name),
                    Some(&col.name),
                    Some(dbname),
                    None,
                ) {
                    0 => {}
                    SQLITE_IGNORE => ignored.push(pc),
                    SQLITE_DENY => {
                        return Err(Error::new(
                            SQLITE_AUTH,
                            if db == 0 {
                                format!("access to {}.{} is prohibited", table.name, col.name)
                            } else {
                                format!(
                                    "access to {}.{}.{} is prohibited",
                                    dbname, table.name, col.name
                                )
                            },
                        ))
                    }
                    _ => return Err(Error::sql("authorizer malfunction")),
                }
            }
            _ => {}
        }
    }
    for pc in ignored {
        if let Some(op) = prog.ops.get_mut(pc) {
            // Column P1 P2 P3 → Null 0 P3: the read yields NULL.
            op.opcode = Opcode::Null;
            op.p1 = 0;
            op.p2 = op.p3;
            op.p3 = 0;
            op.p4 = P4::None;
            op.p5 = 0;
        }
    }
    Ok(())
}
