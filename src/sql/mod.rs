//! SQL front end: parse (sqlite3-parser) → resolve → plan → codegen (SQL engineer).
//!
//! CONTRACT with `db` (VM engineer): `compile(ctx, sql)` turns the first statement of `sql`
//! into a [`Program`] and says how many bytes it consumed; `schema::Schema` is the in-memory
//! model of one database's `sqlite_schema`, built by `Schema::load` from its rows.
//!
//! Pipeline: `compile` parses one statement, measures the bytes it consumed (through the
//! closing `;`, as `sqlite3_prepare`'s tail), and dispatches to `select.rs` (queries),
//! `dml.rs` (INSERT/UPDATE/DELETE), `ddl.rs` (CREATE/DROP, transactions, PRAGMA). All code
//! generation goes through `build::Builder`. Compilation never panics on any SQL text: every
//! failure is an `Error` with SQLite's message.
//!
//! Supported: SELECT (joins inner/cross/comma/LEFT/RIGHT/FULL/NATURAL/USING with cost-based
//! order of inner joins, WHERE, GROUP BY/HAVING (also HAVING alone), aggregates incl.
//! DISTINCT and FILTER, window functions (`window.rs`), ORDER BY with NULLS FIRST/LAST and
//! COLLATE, LIMIT/OFFSET, DISTINCT, compounds, VALUES, subqueries in FROM / scalar / IN /
//! EXISTS (correlated or run `Once`), WITH and WITH RECURSIVE, views), INSERT (VALUES,
//! SELECT, DEFAULT VALUES, OR conflict, REPLACE, ON CONFLICT DO NOTHING), UPDATE, DELETE,
//! CREATE/DROP TABLE/INDEX/VIEW, CREATE TABLE AS, BEGIN/COMMIT/ROLLBACK/SAVEPOINT/RELEASE,
//! PRAGMAs (see `ddl.rs`), EXPLAIN and EXPLAIN QUERY PLAN. Not yet:
//! UPDATE/DELETE with ORDER BY/LIMIT. WITHOUT ROWID: `without_rowid.rs`. AUTOINCREMENT: `autoinc.rs`; partial and
//! expression indexes: `index_expr.rs`; REINDEX: `reindex.rs`; STRICT: `strict.rs`; generated
//! columns: `generated.rs`. Triggers:
//! `trigger.rs`; RETURNING: `returning.rs`; upserts, CHECK, UPDATE ... FROM: `dml.rs`;
//! foreign keys: `fkey.rs`; windows: `window.rs`; ALTER TABLE: `alter.rs`;
//! ATTACH and DETACH: `attach.rs`; VACUUM: `vacuum.rs`; virtual tables: `vtab.rs`.
//!
//! Conventions the VM relies on (beyond SQLite's documented opcode semantics):
//! - `Function`/`PureFunc`: P1 = 0, P2 = first argument register, P3 = result, P4 =
//!   `P4::Func`, P5 = number of arguments. `AggStep`: P2 = first argument, P3 = accumulator,
//!   P4 = `P4::Func`, P5 = number of arguments. `AggFinal`: P1 = accumulator, P2 = number of
//!   arguments, P4 = `P4::Func`. An optional `CollSeq` with `P4::Coll` precedes calls that
//!   need a collation (min/max on a NOCASE column...).
//! - `OpenRead`/`OpenWrite` on a table: P4 = `P4::Int32(number of columns)`; on an index:
//!   P4 = `P4::KeyInfo` (index columns plus the trailing rowid).
//! - `SorterOpen` P4 KeyInfo lists only the sort key columns (the first `desc.len()` fields of
//!   each record); the remaining fields are payload and must not affect the order.
//! - `Found`/`NotFound`/`SeekGE`/`IdxGT`/`IdxInsert` with an unpacked key: P3 = first key
//!   register, P4 = `P4::Int32(number of key registers)`.
//! - Connection-setting pragmas (page_size, cache_size, synchronous, foreign_keys,
//!   journal_mode...) compile to `Noop` with `P4::Pragma`: see that variant.
//! - `Noop` with `P4::Pragma("attach")`: P3 = a record (file, name, key) → the connection
//!   attaches the database; `P4::Pragma("detach")`: P3 = the name; `P4::Pragma(
//!   "database_file")`: P1 = database, P2 ← its file name (NULL for a never-opened temp);
//!   `P4::Pragma("vacuum")`: P1 = database, P3 = register of the INTO file name (0: none).
//! - `IntegrityCk`: P1 = result register (NULL if ok, else the messages joined by '\n'),
//!   P2 = number of roots, P3 = register holding the max number of errors, P4 =
//!   `P4::IntArray(root pages)`, P5 = database.
//! - EXPLAIN QUERY PLAN programs (`explain == 2`) emit their rows themselves with
//!   `ResultRow` (id, parent, notused, detail); the VM runs them like any program.

pub mod alter;
pub mod attach;
pub mod autoinc;
pub mod build;
pub mod ddl;
pub mod dml;
pub mod expr;
pub mod fkey;
pub mod generated;
pub mod index_expr;
pub mod planner;
pub mod reindex;
pub mod returning;
pub mod schema;
pub mod select;
pub mod strict;
pub mod trigger;
pub mod vacuum;
pub mod vtab;
pub mod window;
pub mod without_rowid;

use crate::btree::Collation;
use crate::db::UserFunction;
use crate::error::{Error, Result};
use crate::vdbe::{Opcode, Program, P4};
use fallible_iterator::FallibleIterator;
use sqlite3_parser::ast::{self, Cmd, Stmt};
use sqlite3_parser::lexer::sql::{Error as LexError, ParserError};

/// What the compiler may look at: the schemas of the attached databases and the connection's
/// registries. Built by `db` for each `prepare`.
pub struct CompileContext<'a> {
    /// (schema name, schema), index = database number: 0 "main", 1 "temp", 2.. attached.
    pub schemas: &'a [(String, &'a schema::Schema)],
    pub user_functions: &'a [UserFunction],
    pub collations: &'a [(String, Collation)],
    /// The connection's virtual-table modules and instances (`None`: no virtual tables).
    pub vtabs: Option<&'a crate::vtab::Registry>,
    /// The connection's `sqlite3_limit` values, indexed by `SQLITE_LIMIT_*` (empty: no limits
    /// beyond the compiled-in maxima).
    pub limits: &'a [i32],
}

impl CompileContext<'_> {
    /// The run-time limit `id` (`SQLITE_LIMIT_*`), if the connection set one.
    pub fn limit(&self, id: usize) -> Option<i32> {
        self.limits.get(id).copied()
    }
}

/// `SQLITE_LIMIT_*` indexes the compiler enforces.
pub const LIMIT_COMPOUND_SELECT: usize = 4;
pub const LIMIT_FUNCTION_ARG: usize = 6;

pub struct Compiled {
    /// `None` when only whitespace or comments were left.
    pub program: Option<Program>,
    /// Bytes of `sql` consumed (tail pointer = sql + tail).
    pub tail: usize,
    /// Byte offset of a syntax error (for `sqlite3_error_offset`), when compile failed.
    pub error_offset: Option<usize>,
}

/// Byte offset of (line, column) as the parser's scanner reports them (both 1-based).
fn offset_of(sql: &[u8], line: u64, column: usize) -> usize {
    let mut l = 1u64;
    let mut start = 0usize;
    if line > 1 {
        for (i, b) in sql.iter().enumerate() {
            if *b == b'\n' {
                l += 1;
                if l == line {
                    start = i + 1;
                    break;
                }
            }
        }
    }
    (start + column.saturating_sub(1)).min(sql.len())
}

/// A compile failure with an optional error offset.
pub struct CompileError {
    pub error: Error,
    pub offset: Option<usize>,
}

fn lex_error(sql: &[u8], e: LexError) -> CompileError {
    let pos = |p: Option<(u64, usize)>| p.map(|(l, c)| offset_of(sql, l, c));
    match e {
        LexError::ParserError(ParserError::SyntaxError { found, .. }, p) => {
            let end = pos(p).unwrap_or(sql.len());
            let (off, tok) = match last_token(sql, end) {
                Some((s, e)) => (s, String::from_utf8_lossy(&sql[s..e]).into_owned()),
                None => {
                    let t = found.unwrap_or_default();
                    (end.saturating_sub(t.len()), t)
                }
            };
            CompileError {
                error: Error::sql(format!("near \"{tok}\": syntax error")),
                offset: Some(off),
            }
        }
        LexError::ParserError(ParserError::UnexpectedEof, p) => CompileError {
            error: Error::sql("incomplete input"),
            offset: pos(p),
        },
        LexError::ParserError(ParserError::Custom(m), p) => CompileError {
            error: Error::sql(m),
            offset: pos(p),
        },
        LexError::UnrecognizedToken(p)
        | LexError::BadVariableName(p)
        | LexError::BadNumber(p)
        | LexError::ExpectedEqualsSign(p)
        | LexError::MalformedBlobLiteral(p)
        | LexError::MalformedHexInteger(p) => {
            let off = pos(p).unwrap_or(0);
            let rest = sql.get(off..).unwrap_or(&[]);
            let n = rest
                .iter()
                .position(|b| b.is_ascii_whitespace() || *b == b';' || *b == b',' || *b == b')')
                .unwrap_or(rest.len())
                .max(1)
                .min(rest.len());
            let tok = String::from_utf8_lossy(&rest[..n]).into_owned();
            CompileError {
                error: Error::sql(format!("unrecognized token: \"{tok}\"")),
                offset: Some(off),
            }
        }
        LexError::UnterminatedLiteral(p)
        | LexError::UnterminatedBracket(p)
        | LexError::UnterminatedBlockComment(p) => {
            let off = pos(p).unwrap_or(0);
            let tok = String::from_utf8_lossy(sql.get(off..).unwrap_or(&[])).into_owned();
            CompileError {
                error: Error::sql(format!("unrecognized token: \"{tok}\"")),
                offset: Some(off),
            }
        }
        LexError::Io(e) => CompileError {
            error: Error::sql(e.to_string()),
            offset: None,
        },
        #[allow(unreachable_patterns)]
        other => CompileError {
            error: Error::sql(other.to_string()),
            offset: None,
        },
    }
}

/// The last token ending at or before `end`: (start, end).
fn last_token(sql: &[u8], end: usize) -> Option<(usize, usize)> {
    use sqlite3_parser::lexer::sql::Tokenizer;
    use sqlite3_parser::lexer::Scanner;
    let slice = &sql[..end.min(sql.len())];
    let mut sc = Scanner::new(Tokenizer::new());
    let mut last = None;
    while let Ok((start, Some(_), e)) = sc.scan(slice) {
        last = Some((start, e));
    }
    last
}

/// Text of each result column of the first SELECT core of a statement, as written (SQLite
/// names an unaliased expression column by its source text).
fn result_column_texts(text: &str, any_prefix: bool) -> Vec<String> {
    use sqlite3_parser::lexer::sql::{TokenType::*, Tokenizer};
    use sqlite3_parser::lexer::Scanner;
    let b = text.as_bytes();
    let mut sc = Scanner::new(Tokenizer::new());
    let mut toks = Vec::new();
    while let Ok((start, Some((_, tt)), end)) = sc.scan(b) {
        toks.push((tt, start, end));
    }
    let mut i = 0;
    let mut d0 = 0i32;
    let with = toks.iter().any(|t| t.0 == TK_WITH);
    while i < toks.len() && !(toks[i].0 == TK_SELECT && d0 == 0) {
        match toks[i].0 {
            TK_LP => d0 += 1,
            TK_RP => d0 -= 1,
            TK_EXPLAIN | TK_QUERY | TK_PLAN => {}
            _ if any_prefix || with => {}
            _ => return vec![],
        }
        i += 1;
    }
    i += 1;
    if i < toks.len() && matches!(toks[i].0, TK_DISTINCT | TK_ALL) {
        i += 1;
    }
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut first: Option<usize> = None;
    let mut last = 0;
    while i < toks.len() {
        let (tt, st, en) = toks[i];
        if depth == 0
            && matches!(
                tt,
                TK_FROM
                    | TK_WHERE
                    | TK_GROUP
                    | TK_HAVING
                    | TK_ORDER
                    | TK_LIMIT
                    | TK_WINDOW
                    | TK_UNION
                    | TK_EXCEPT
                    | TK_INTERSECT
                    | TK_SEMI
            )
        {
            break;
        }
        match tt {
            TK_LP => depth += 1,
            TK_RP => depth -= 1,
            _ => {}
        }
        if depth == 0 && tt == TK_COMMA {
            out.push(first.map(|f| text[f..last].to_string()).unwrap_or_default());
            first = None;
        } else {
            if first.is_none() {
                first = Some(st);
            }
            last = en;
        }
        i += 1;
    }
    if let Some(f) = first {
        out.push(text[f..last].to_string());
    }
    out
}

/// Span (start, end) of the statement text: first token to last token before `;`.
fn statement_span(sql: &[u8], upto: usize) -> (usize, usize) {
    use sqlite3_parser::lexer::sql::{TokenType, Tokenizer};
    use sqlite3_parser::lexer::Scanner;
    let slice = &sql[..upto.min(sql.len())];
    let mut sc = Scanner::new(Tokenizer::new());
    let mut first = None;
    let mut last = 0;
    while let Ok((start, Some((_, tt)), end)) = sc.scan(slice) {
        if tt == TokenType::TK_SEMI {
            if first.is_some() {
                break;
            }
            continue;
        }
        if first.is_none() {
            first = Some(start);
        }
        last = end;
    }
    (first.unwrap_or(0), last)
}

/// Compile the first statement of `sql`.
pub fn compile(ctx: &CompileContext<'_>, sql: &[u8]) -> Result<Compiled> {
    compile_ext(ctx, sql).map_err(|e| e.error)
}

/// SQL longer than this is compiled on a helper thread with a large stack: the parser and
/// the code generator recurse once per nesting level, and a long statement may nest up to
/// the 1000-level expression limit (or deeper, before the limit is detected).
const BIG_STACK_SQL_LEN: usize = 1000;
const BIG_STACK_SIZE: usize = 256 << 20;

/// As [`compile`], but a failure also carries the error offset.
pub fn compile_ext(
    ctx: &CompileContext<'_>,
    sql: &[u8],
) -> std::result::Result<Compiled, CompileError> {
    if sql.len() > BIG_STACK_SQL_LEN {
        let r = std::thread::scope(|s| {
            std::thread::Builder::new()
                .name("epiloglite-compile".into())
                .stack_size(BIG_STACK_SIZE)
                .spawn_scoped(s, || compile_here(ctx, sql))
                .map(|h| h.join())
        });
        match r {
            Ok(Ok(res)) => return res,
            Ok(Err(_)) => {
                return Err(CompileError {
                    error: Error::new(crate::error::codes::SQLITE_INTERNAL, "compiler panicked"),
                    offset: None,
                })
            }
            Err(_) => {} // could not spawn: compile on this thread
        }
    }
    compile_here(ctx, sql)
}

fn compile_here(
    ctx: &CompileContext<'_>,
    sql: &[u8],
) -> std::result::Result<Compiled, CompileError> {
    if sql.len() > 1_000_000_000 {
        return Err(CompileError {
            error: Error::new(crate::error::codes::SQLITE_TOOBIG, "statement too long"),
            offset: None,
        });
    }
    let mut parser = sqlite3_parser::lexer::sql::Parser::new(sql);
    let cmd = match parser.next() {
        Ok(c) => c,
        Err(e) => return Err(lex_error(sql, e)),
    };
    let mut tail = offset_of(sql, parser.line(), parser.column());
    let cmd = match cmd {
        None => {
            return Ok(Compiled {
                program: None,
                tail: sql.len(),
                error_offset: None,
            })
        }
        Some(c) => c,
    };
    // The parser stops right after the terminating ';' (or at the end of input).
    if tail > sql.len() {
        tail = sql.len();
    }
    let (start, end) = statement_span(sql, tail);
    let text = String::from_utf8_lossy(&sql[start..end.max(start)]).into_owned();
    // A trigger's body holds ';': its text runs through END.
    let text = match &cmd {
        Cmd::Stmt(Stmt::CreateTrigger { .. }) => {
            trigger::trigger_text(&String::from_utf8_lossy(&sql[..tail]))
        }
        _ => text,
    };
    let full = String::from_utf8_lossy(&sql[..tail]).trim().to_string();
    let _ = full;
    // Number parameters once per occurrence in the source (SQLite's rule: `?` takes the
    // largest number so far + 1), since code generation may compile a term twice.
    let (cmd, params) = match number_params(&text) {
        Some((params, Some(rewritten))) => {
            let mut p2 = sqlite3_parser::lexer::sql::Parser::new(rewritten.as_bytes());
            match p2.next() {
                Ok(Some(c)) => (c, Some(params)),
                _ => (cmd, None),
            }
        }
        Some((params, None)) => (cmd, Some(params)),
        None => (cmd, None),
    };
    let program = compile_cmd(ctx, cmd, &text, params).map_err(|error| CompileError {
        error,
        offset: None,
    })?;
    Ok(Compiled {
        program: Some(program),
        tail,
        error_offset: None,
    })
}

/// Parameter slots of a statement in source order: `?` gets the largest number so far + 1,
/// `?NNN` is NNN, a name keeps the number of its first occurrence. Returns the slot names
/// (None for anonymous) and, when there are anonymous `?`, the text with each rewritten as
/// `?N`. None when a number is out of range (the compiler then reports the error).
fn number_params(text: &str) -> Option<(Vec<Option<String>>, Option<String>)> {
    use sqlite3_parser::lexer::sql::{TokenType, Tokenizer};
    use sqlite3_parser::lexer::Scanner;
    let b = text.as_bytes();
    let mut sc = Scanner::new(Tokenizer::new());
    let mut params: Vec<Option<String>> = Vec::new();
    let mut out = String::new();
    let mut copied = 0usize;
    let mut any_anon = false;
    while let Ok((start, Some((_, tt)), end)) = sc.scan(b) {
        if tt != TokenType::TK_VARIABLE {
            continue;
        }
        let tok = text.get(start..end)?;
        if tok == "?" {
            params.push(None);
            out.push_str(text.get(copied..start)?);
            out.push_str(&format!("?{}", params.len()));
            copied = end;
            any_anon = true;
        } else if let Some(num) = tok.strip_prefix('?') {
            let k: usize = num.parse().ok().filter(|k| *k >= 1 && *k <= 250000)?;
            while params.len() < k {
                params.push(None);
            }
            if params[k - 1].is_none() {
                params[k - 1] = Some(tok.to_string());
            }
        } else if !params.iter().any(|p| p.as_deref() == Some(tok)) {
            params.push(Some(tok.to_string()));
        }
    }
    if params.is_empty() {
        return None;
    }
    if any_anon {
        out.push_str(text.get(copied..)?);
        Some((params, Some(out)))
    } else {
        Some((params, None))
    }
}

fn compile_cmd(
    ctx: &CompileContext<'_>,
    cmd: Cmd,
    text: &str,
    params: Option<Vec<Option<String>>>,
) -> Result<Program> {
    let (stmt, explain) = match cmd {
        Cmd::Stmt(s) => (s, 0u8),
        Cmd::Explain(s) => (s, 1),
        Cmd::ExplainQueryPlan(s) => (s, 2),
    };
    let mut b = build::Builder::new(ctx);
    if let Some(p) = params {
        b.params = p;
        b.params_fixed = true;
    }
    match &stmt {
        Stmt::Select(_) => b.col_spans = Some(result_column_texts(text, false)),
        Stmt::CreateTable {
            body: ast::CreateTableBody::AsSelect(_),
            ..
        } => b.col_spans = Some(result_column_texts(text, true)),
        _ => {}
    }
    let mut names: Vec<String> = Vec::new();
    let mut decltypes: Vec<Option<String>> = Vec::new();
    let mut origins = Vec::new();
    match &stmt {
        Stmt::Select(sel) => {
            let infos = b.select(sel, select::Dest::Output)?;
            for i in infos {
                names.push(i.name);
                decltypes.push(i.decltype);
                origins.push(i.origin);
            }
        }
        Stmt::Insert { .. } | Stmt::Update { .. } | Stmt::Delete { .. } => {
            b.trig.returning_spans = Some(returning::returning_column_texts(text));
            names = b.dml(&stmt)?;
            decltypes = vec![None; names.len()];
            origins = vec![None; names.len()];
        }
        _ => {
            let cols = b.ddl(&stmt, text)?;
            decltypes = vec![None; cols.len()];
            origins = vec![None; cols.len()];
            names = cols;
        }
    }
    if explain == 2 {
        // A program that returns the plan rows.
        let eqp = std::mem::take(&mut b.eqp);
        let params = b.params.clone();
        let mut e = build::Builder::new(ctx);
        e.no_tx = true;
        let base = e.regs(4);
        for (id, parent, detail) in eqp {
            e.int(id as i64, base);
            e.int(parent as i64, base + 1);
            e.int(0, base + 2);
            e.string(&detail, base + 3);
            e.emit(Opcode::ResultRow, base, 4, 0);
        }
        let mut p = e.finish(2, text)?;
        p.param_names = params;
        p.column_names = vec![
            "id".into(),
            "parent".into(),
            "notused".into(),
            "detail".into(),
        ];
        p.column_decltypes = vec![None; 4];
        p.column_origins = vec![None; 4];
        return Ok(p);
    }
    let mut p = b.finish(explain, text)?;
    if explain == 1 {
        p.column_names = ["addr", "opcode", "p1", "p2", "p3", "p4", "p5", "comment"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        p.column_decltypes = vec![None; 8];
        p.column_origins = vec![None; 8];
    } else {
        p.column_names = names;
        p.column_decltypes = decltypes;
        p.column_origins = origins;
    }
    Ok(p)
}

/// Display helper for P4 in tests.
pub fn p4_text(p: &P4) -> String {
    match p {
        P4::None => String::new(),
        P4::Int32(i) => i.to_string(),
        P4::Int64(i) => i.to_string(),
        P4::Real(r) => r.to_string(),
        P4::Text(s) => s.clone(),
        P4::Table(s) => s.clone(),
        P4::Affinity(s) => s.clone(),
        _ => "?".into(),
    }
}

#[allow(dead_code)]
fn unused(_: ast::Expr) {}

#[cfg(test)]
mod tests;
