//! Compiling virtual tables: FROM items that name a virtual table (`CREATE VIRTUAL TABLE`),
//! an eponymous module (`json_each`), or call a table-valued function (`json_each(x, '$.a')`),
//! and `CREATE VIRTUAL TABLE` itself. See `src/vtab/mod.rs` for the module interface.
//!
//! Planning (per loop level, in FROM order: a join with a virtual table is not reordered):
//! every WHERE/ON term `col OP expr` (either side) on a column of the table whose other side
//! only reads outer levels becomes a usable constraint, and each table-valued function
//! argument an `=` constraint on the matching HIDDEN column; `VTab::best_index` then picks the
//! arguments `VFilter` receives. A term the module marks `omit` is not evaluated again; every
//! other one still is (so a plan can never change a result).
//!
//! Invariants: `Builder::vtab_srcs` holds one entry per vtab cursor opened by this statement;
//! the program holds the `Instance` (`P4::VTab` of `VOpen`).

use super::build::{Builder, Source, SrcCol};
use super::schema::{affinity_of_type, dequote};
use crate::error::{codes, Error, Result};
use crate::vdbe::{Opcode, P4};
use crate::vtab::{op, IndexConstraint, IndexInfo, Instance};
use sqlite3_parser::ast::{self, Expr, LikeOperator, Operator};
use std::sync::Arc;

/// A virtual-table FROM item of the statement being compiled.
#[derive(Clone, Debug)]
pub struct VtabSrc {
    pub cursor: i32,
    pub inst: Arc<Instance>,
    /// Table-valued function arguments: (hidden column, expression).
    pub args: Vec<(i32, Expr)>,
    /// Arguments the module did not omit: compared with the column on every row.
    pub checks: Vec<(i32, Expr)>,
}

/// The CREATE VIRTUAL TABLE text as SQLite stores it in `sqlite_schema`.
fn is_virtual_sql(sql: &str) -> bool {
    let mut w = sql.split_whitespace();
    matches!(
        (w.next(), w.next()),
        (Some(a), Some(b)) if a.eq_ignore_ascii_case("create") && b.eq_ignore_ascii_case("virtual")
    )
}

/// (module, arguments) of a stored `CREATE VIRTUAL TABLE` statement.
pub fn parse_virtual_sql(sql: &str) -> Result<(String, Vec<String>)> {
    match super::schema::parse_one(sql)? {
        ast::Stmt::CreateVirtualTable {
            module_name, args, ..
        } => Ok((dequote(&module_name.0), args.unwrap_or_default())),
        _ => Err(Error::sql("malformed virtual table definition")),
    }
}

impl<'a> Builder<'a> {
    pub fn vtab_of(&self, cursor: i32) -> Option<&VtabSrc> {
        self.vtab_srcs.iter().find(|v| v.cursor == cursor)
    }

    /// A HIDDEN column of a virtual table (left out of `*`).
    pub fn vtab_hidden(&self, cursor: i32, name: &str) -> bool {
        if self
            .hidden_cols
            .iter()
            .any(|(c, n)| *c == cursor && n.eq_ignore_ascii_case(name))
        {
            return true;
        }
        self.vtab_of(cursor)
            .map(|v| {
                v.inst
                    .columns
                    .iter()
                    .any(|c| c.hidden && c.name.eq_ignore_ascii_case(name))
            })
            .unwrap_or(false)
    }

    /// The stored definition of virtual table `name`: (database, module, args).
    pub fn find_virtual(
        &self,
        dbn: Option<&str>,
        name: &str,
    ) -> Result<Option<(usize, String, Vec<String>)>> {
        for d in self.db_search_order(dbn)? {
            let Some(s) = self.schema(d) else { continue };
            for r in &s.rows {
                if r.kind == "table" && r.name.eq_ignore_ascii_case(name) {
                    if let Some(sql) = r.sql.as_deref().filter(|s| is_virtual_sql(s)) {
                        let (m, a) = parse_virtual_sql(sql)?;
                        return Ok(Some((d, m, a)));
                    }
                }
            }
        }
        Ok(None)
    }

    /// Open a FROM item naming a virtual table or an eponymous module (with `args` for a
    /// table-valued function call). `Ok(None)`: not a virtual table.
    pub fn vtab_source(
        &mut self,
        dbn: Option<&str>,
        name: &str,
        args: Option<&[Expr]>,
        alias: Option<String>,
    ) -> Result<Option<Source>> {
        let Some(reg) = self.ctx.vtabs else {
            return Ok(None);
        };
        let inst = if let Some((db, module, margs)) = self.find_virtual(dbn, name)? {
            let dbname = self.db_name(db);
            reg.connect(db, &dbname, name, &module, &margs, false)?
        } else {
            match reg.module(name) {
                Some(m) if m.eponymous() && self.db_search_order(dbn).is_ok() => {
                    reg.connect(0, "main", name, name, &[], false)?
                }
                _ => return Ok(None),
            }
        };
        let hidden: Vec<i32> = inst
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.hidden)
            .map(|(i, _)| i as i32)
            .collect();
        let args = args.unwrap_or(&[]);
        if args.len() > hidden.len() {
            return Err(Error::sql(format!(
                "too many arguments on {}() - max {}",
                name,
                hidden.len()
            )));
        }
        let cur = self.cursor();
        self.emit4(Opcode::VOpen, cur, 0, 0, P4::VTab(inst.clone()), 0);
        let cols = inst
            .columns
            .iter()
            .map(|c| SrcCol {
                name: c.name.clone(),
                affinity: affinity_of_type(c.decltype.as_deref()),
                collation: None,
                decltype: c.decltype.clone(),
                is_rowid: false,
            })
            .collect();
        self.vtab_srcs.push(VtabSrc {
            cursor: cur,
            inst: inst.clone(),
            args: hidden.iter().copied().zip(args.iter().cloned()).collect(),
            checks: Vec::new(),
        });
        Ok(Some(Source {
            name: alias.unwrap_or_else(|| name.to_string()),
            cursor: cur,
            cols,
            table: None,
            using_hidden: vec![],
        }))
    }

    /// The constraint a term puts on vtab cursor `cur`: (column, op, other side).
    fn vtab_constraint(&self, t: &Expr, cur: i32) -> Option<(i32, u8, Option<Expr>)> {
        let col_of = |e: &Expr| match self.column_of(e) {
            Ok(Some(c)) if c.cursor == cur => Some(c.col),
            _ => None,
        };
        match t {
            Expr::Binary(l, o, r) => {
                let (code, flipped) = match o {
                    Operator::Equals => (op::EQ, op::EQ),
                    Operator::Less => (op::LT, op::GT),
                    Operator::LessEquals => (op::LE, op::GE),
                    Operator::Greater => (op::GT, op::LT),
                    Operator::GreaterEquals => (op::GE, op::LE),
                    Operator::NotEquals => (op::NE, op::NE),
                    Operator::Is => (op::IS, op::IS),
                    Operator::IsNot => (op::ISNOT, op::ISNOT),
                    _ => return None,
                };
                if let Some(c) = col_of(l) {
                    if !self.refs_cursor(r, cur) {
                        return Some((c, code, Some((**r).clone())));
                    }
                }
                if let Some(c) = col_of(r) {
                    if !self.refs_cursor(l, cur) {
                        return Some((c, flipped, Some((**l).clone())));
                    }
                }
                None
            }
            Expr::Like {
                lhs,
                not: false,
                op: lop,
                rhs,
                escape: None,
            } => {
                let code = match lop {
                    LikeOperator::Like => op::LIKE,
                    LikeOperator::Glob => op::GLOB,
                    LikeOperator::Match => op::MATCH,
                    LikeOperator::Regexp => op::REGEXP,
                };
                let c = col_of(lhs)?;
                if self.refs_cursor(rhs, cur) {
                    return None;
                }
                Some((c, code, Some((**rhs).clone())))
            }
            Expr::IsNull(e) => Some((col_of(e)?, op::ISNULL, None)),
            Expr::NotNull(e) => Some((col_of(e)?, op::ISNOTNULL, None)),
            _ => None,
        }
    }

    /// Plan and position a vtab cursor at loop level `lvl`: evaluate the arguments the module
    /// asks for and emit `VFilter` (jumping to `end` when there is no row). Returns the terms
    /// the module omitted (not to be evaluated again).
    pub fn vtab_filter(
        &mut self,
        src: &Source,
        usable: &[Expr],
        sources: &[Source],
        lvl: usize,
        end: i32,
    ) -> Result<Vec<Expr>> {
        let cur = src.cursor;
        let Some(vs) = self.vtab_of(cur).cloned() else {
            return Err(Error::sql("internal: not a virtual table"));
        };
        // (constraint, right-hand expression, term index in `usable` or None for an arg)
        let mut cons: Vec<IndexConstraint> = Vec::new();
        let mut rhs: Vec<Option<Expr>> = Vec::new();
        let mut origin: Vec<Option<usize>> = Vec::new();
        for (col, e) in &vs.args {
            cons.push(IndexConstraint {
                column: *col,
                op: op::EQ,
                usable: true,
            });
            rhs.push(Some(e.clone()));
            origin.push(None);
        }
        for (ti, t) in usable.iter().enumerate() {
            if super::select::has_subquery(t) {
                continue;
            }
            let Some((col, code, other)) = self.vtab_constraint(t, cur) else {
                continue;
            };
            let ok = match &other {
                None => true,
                Some(o) => self.refs_none(o, sources) || self.term_level(o, sources) < lvl,
            };
            if !ok {
                continue;
            }
            cons.push(IndexConstraint {
                column: col,
                op: code,
                usable: true,
            });
            rhs.push(other);
            origin.push(Some(ti));
        }
        let mut info = IndexInfo::new(cons, Vec::new());
        for (i, r) in rhs.iter().enumerate() {
            if let Some(Expr::Literal(l)) = r {
                info.rhs[i] = literal_value(l);
            }
            if let Some(e) = r {
                let cons = &info.constraints[i];
                if let Some(col) = src.cols.get(cons.column.max(0) as usize) {
                    let _ = col;
                    let me = Expr::Qualified(
                        ast::Name(format!("\"{}\"", src.name.replace('"', "\"\""))),
                        ast::Name(format!("\"{}\"", col.name.replace('"', "\"\""))),
                    );
                    if let Some(c) = self.binary_collation(&me, e) {
                        info.collations[i] = c;
                    }
                }
            }
        }
        let r = vs.inst.vtab.lock().best_index(&mut info);
        if let Err(e) = r {
            if e.code & 0xff == codes::SQLITE_CONSTRAINT {
                return Err(Error::sql("no query solution"));
            }
            return Err(e);
        }
        // Arguments in argv order.
        let n_args = info
            .usage
            .iter()
            .map(|u| u.argv_index)
            .max()
            .unwrap_or(0)
            .max(0) as usize;
        let mut argv: Vec<Option<usize>> = vec![None; n_args];
        for (i, u) in info.usage.iter().enumerate() {
            if u.argv_index > 0 {
                let k = (u.argv_index - 1) as usize;
                match argv.get_mut(k) {
                    Some(slot @ None) => *slot = Some(i),
                    _ => return Err(Error::sql(format!("xBestIndex malfunction"))),
                }
                if rhs.get(i).map(|r| r.is_none()).unwrap_or(true) {
                    return Err(Error::sql("xBestIndex malfunction"));
                }
            }
        }
        if argv.iter().any(|a| a.is_none()) {
            return Err(Error::sql("xBestIndex malfunction"));
        }
        let base = self.regs(2 + n_args);
        self.int(info.idx_num as i64, base);
        self.int(n_args as i64, base + 1);
        for (k, slot) in argv.iter().enumerate() {
            if let Some(Some(e)) = slot.and_then(|i| rhs.get(i)) {
                self.expr(e, base + 2 + k as i32)?;
            }
        }
        let p4 = match &info.idx_str {
            Some(s) => P4::Text(s.clone()),
            None => P4::None,
        };
        let mut detail = format!("SCAN {} VIRTUAL TABLE INDEX {}:", src.name, info.idx_num);
        if let Some(s) = &info.idx_str {
            detail.push_str(s);
        }
        self.eqp_line(detail);
        self.emit4(Opcode::VFilter, cur, end, base, p4, 0);
        let mut omitted = Vec::new();
        let mut checks = Vec::new();
        for (i, o) in origin.iter().enumerate() {
            let omit = info.usage.get(i).map(|u| u.omit).unwrap_or(false);
            match o {
                Some(ti) if omit => omitted.push(usable[*ti].clone()),
                None if !omit => {
                    if let Some(Some(e)) = rhs.get(i) {
                        checks.push((info.constraints[i].column, e.clone()));
                    }
                }
                _ => {}
            }
        }
        if let Some(v) = self.vtab_srcs.iter_mut().find(|v| v.cursor == cur) {
            v.checks = checks;
        }
        Ok(omitted)
    }

    /// Per-row checks of table-valued function arguments the module did not omit: jump to
    /// `next` unless `column = argument`.
    pub fn vtab_row_checks(&mut self, cur: i32, next: i32) -> Result<()> {
        let checks = match self.vtab_of(cur) {
            Some(v) => v.checks.clone(),
            None => return Ok(()),
        };
        for (col, e) in checks {
            let a = self.expr_reg(&e)?;
            let c = self.reg();
            self.emit(Opcode::Column, cur, col, c);
            self.emit4(Opcode::Ne, a, next, c, P4::Coll(None), 0x10);
        }
        Ok(())
    }

    /// `CREATE VIRTUAL TABLE [IF NOT EXISTS] [db.]name USING module(args)`: xCreate now
    /// (at compile time, as SQLite does at the `VCreate` step) and a program that stores the
    /// row in `sqlite_schema`.
    pub fn create_virtual(&mut self, stmt: &ast::Stmt, text: &str) -> Result<Vec<String>> {
        let ast::Stmt::CreateVirtualTable {
            if_not_exists,
            tbl_name,
            module_name,
            args,
        } = stmt
        else {
            return Err(Error::sql("internal: not CREATE VIRTUAL TABLE"));
        };
        let reg = self
            .ctx
            .vtabs
            .ok_or_else(|| Error::sql("virtual tables are not available"))?;
        let name = dequote(&tbl_name.name.0);
        let dbn = tbl_name.db_name.as_ref().map(|d| dequote(&d.0));
        let module = dequote(&module_name.0);
        let db = match &dbn {
            Some(d) => self
                .ctx
                .schemas
                .iter()
                .position(|(n, _)| n.eq_ignore_ascii_case(d))
                .ok_or_else(|| Error::sql(format!("unknown database {d}")))?,
            None => 0,
        };
        let exists = self.schema(db).map(|s| {
            s.rows.iter().any(|r| {
                r.name.eq_ignore_ascii_case(&name)
                    && (r.kind == "table" || r.kind == "view" || r.kind == "index")
            })
        });
        if exists.unwrap_or(false) {
            if *if_not_exists {
                self.no_tx = true;
                return Ok(vec![]);
            }
            return Err(Error::sql(format!("table {name} already exists")));
        }
        let m = reg
            .module(&module)
            .ok_or_else(|| Error::sql(format!("no such module: {module}")))?;
        if m.eponymous_only() {
            return Err(Error::sql(format!("no such module: {module}")));
        }
        // SQLite stores the statement text as written (from CREATE to the end).
        let sql = stored_create_text(text);
        let dbname = self.db_name(db);
        let margs = args.clone().unwrap_or_default();
        reg.connect(db, &dbname, &name, &module, &margs, true)?;
        self.readonly = false;
        self.use_db(db, true);
        self.init_header(db);
        let c = self.cursor();
        self.emit4(Opcode::OpenWrite, c, 1, db as i32, P4::Int32(5), 0);
        self.schema_row(c, "table", &name, &name, None, Some(&sql));
        self.emit(Opcode::Close, c, 0, 0);
        self.bump_cookie(db);
        self.emit4(
            Opcode::ParseSchema,
            db as i32,
            0,
            0,
            P4::Text(format!(
                "tbl_name='{}' AND type!='trigger'",
                name.replace('\'', "''")
            )),
            0,
        );
        Ok(vec![])
    }
}

impl<'a> Builder<'a> {
    /// DROP TABLE of a virtual table: xDestroy (at compile time) and remove its row.
    /// `Ok(false)`: `name` is not a virtual table.
    pub fn drop_virtual(&mut self, dbn: Option<&str>, name: &str) -> Result<bool> {
        let Some((db, module, margs)) = self.find_virtual(dbn, name)? else {
            return Ok(false);
        };
        let Some(reg) = self.ctx.vtabs else {
            return Ok(false);
        };
        let dbname = self.db_name(db);
        let inst = reg.connect(db, &dbname, name, &module, &margs, false)?;
        inst.vtab.lock().destroy()?;
        reg.remove(db, name);
        self.use_db(db, true);
        self.delete_schema_rows(db, 2, name);
        self.bump_cookie(db);
        self.emit4(
            Opcode::DropTable,
            db as i32,
            0,
            0,
            P4::Text(name.to_string()),
            0,
        );
        Ok(true)
    }
}

/// The text SQLite stores for CREATE VIRTUAL TABLE: `CREATE VIRTUAL TABLE ` followed by the
/// statement from the table name (without its schema prefix) to the end, as written.
fn stored_create_text(text: &str) -> String {
    use sqlite3_parser::lexer::sql::{TokenType, Tokenizer};
    use sqlite3_parser::lexer::Scanner;
    let b = text.trim().as_bytes();
    let mut sc = Scanner::new(Tokenizer::new());
    let mut toks = Vec::new();
    while let Ok((start, Some((_, tt)), end)) = sc.scan(b) {
        toks.push((tt, start, end));
    }
    // CREATE VIRTUAL TABLE [IF NOT EXISTS] [schema .] name
    let mut k = toks
        .iter()
        .position(|t| t.0 == TokenType::TK_TABLE)
        .map(|p| p + 1)
        .unwrap_or(0);
    if toks.get(k).map(|t| t.0) == Some(TokenType::TK_IF) {
        k += 3;
    }
    if toks.get(k + 1).map(|t| t.0) == Some(TokenType::TK_DOT) {
        k += 2;
    }
    let start = toks.get(k).map(|t| t.1).unwrap_or(0);
    let t = text.trim();
    format!("CREATE VIRTUAL TABLE {}", t.get(start..).unwrap_or(t))
}

fn literal_value(l: &ast::Literal) -> Option<crate::value::Value> {
    use crate::value::Value;
    match l {
        ast::Literal::Numeric(n) => {
            if let Ok(i) = n.parse::<i64>() {
                Some(Value::Integer(i))
            } else {
                n.parse::<f64>().ok().map(Value::Real)
            }
        }
        ast::Literal::String(s) => {
            let inner = s.get(1..s.len().saturating_sub(1)).unwrap_or("");
            Some(Value::text(&inner.replace("''", "'")))
        }
        ast::Literal::Null => Some(Value::Null),
        _ => None,
    }
}

/// `OE_*` conflict action of an INSERT/UPDATE (`OR ...`), as `VUpdate` P5.
fn oe_of(r: Option<ast::ResolveType>) -> u16 {
    match r {
        Some(ast::ResolveType::Rollback) => 1,
        Some(ast::ResolveType::Fail) => 3,
        Some(ast::ResolveType::Ignore) => 4,
        Some(ast::ResolveType::Replace) => 5,
        _ => 2,
    }
}

fn is_rowid_alias(n: &str) -> bool {
    ["rowid", "oid", "_rowid_"]
        .iter()
        .any(|r| r.eq_ignore_ascii_case(n))
}

impl<'a> Builder<'a> {
    /// INSERT/UPDATE/DELETE on a virtual table, through `VUpdate` (xUpdate). `Ok(false)`: the
    /// target is not a virtual table. Rows to change are collected first (an ephemeral
    /// table), then passed to the module, so the module's cursor never sees its own writes.
    pub fn vtab_dml(&mut self, stmt: &ast::Stmt) -> Result<bool> {
        let (q, oe) = match stmt {
            ast::Stmt::Insert {
                tbl_name,
                or_conflict,
                ..
            } => (tbl_name, oe_of(*or_conflict)),
            ast::Stmt::Update {
                tbl_name,
                or_conflict,
                ..
            } => (tbl_name, oe_of(*or_conflict)),
            ast::Stmt::Delete { tbl_name, .. } => (tbl_name, 2),
            _ => return Ok(false),
        };
        let name = dequote(&q.name.0);
        let dbn = q.db_name.as_ref().map(|d| dequote(&d.0));
        if self.find_table(dbn.as_deref(), &name).is_ok() {
            return Ok(false);
        }
        let Some((db, module, margs)) = self.find_virtual(dbn.as_deref(), &name)? else {
            return Ok(false);
        };
        let Some(reg) = self.ctx.vtabs else {
            return Ok(false);
        };
        let dbname = self.db_name(db);
        let inst = reg.connect(db, &dbname, &name, &module, &margs, false)?;
        if !inst.writable {
            return Err(Error::sql(format!("table {name} may not be modified")));
        }
        self.readonly = false;
        self.use_db(db, true);
        let ncol = inst.columns.len();
        let n = 2 + ncol;
        match stmt {
            ast::Stmt::Insert {
                columns,
                body,
                with,
                returning,
                ..
            } => {
                if with.is_some() || returning.is_some() {
                    return Err(Error::sql("WITH/RETURNING are not supported yet"));
                }
                // Target slot of each value: -1 = rowid, k = column k.
                let targets: Vec<i32> = match columns {
                    Some(cols) => {
                        let mut v = Vec::new();
                        for c in cols.iter() {
                            let cn = dequote(&c.0);
                            match inst
                                .columns
                                .iter()
                                .position(|x| x.name.eq_ignore_ascii_case(&cn))
                            {
                                Some(i) => v.push(i as i32),
                                None if is_rowid_alias(&cn) => v.push(-1),
                                None => {
                                    return Err(Error::sql(format!(
                                        "table {name} has no column named {cn}"
                                    )))
                                }
                            }
                        }
                        v
                    }
                    None => inst
                        .columns
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| !c.hidden)
                        .map(|(i, _)| i as i32)
                        .collect(),
                };
                let base = self.regs(n);
                match body {
                    ast::InsertBody::DefaultValues => {
                        for i in 0..n {
                            self.null(base + i as i32);
                        }
                        self.emit4(
                            Opcode::VUpdate,
                            1,
                            n as i32,
                            base,
                            P4::VTab(inst.clone()),
                            oe,
                        );
                    }
                    ast::InsertBody::Select(sel, upsert) => {
                        if upsert.is_some() {
                            return Err(Error::sql("UPSERT not implemented for virtual table"));
                        }
                        let eph = self.cursor();
                        let at = self.emit(Opcode::OpenEphemeral, eph, 0, 0);
                        let infos = self.select(sel, super::select::Dest::Eph(eph))?;
                        self.ops[at as usize].p2 = infos.len() as i32;
                        if infos.len() != targets.len() {
                            return Err(Error::sql(match columns {
                                Some(_) => {
                                    format!("{} values for {} columns", infos.len(), targets.len())
                                }
                                None => format!(
                                    "table {name} has {} columns but {} values were supplied",
                                    targets.len(),
                                    infos.len()
                                ),
                            }));
                        }
                        let done = self.label();
                        self.emit(Opcode::Rewind, eph, done, 0);
                        let top = self.addr();
                        for i in 0..n {
                            self.null(base + i as i32);
                        }
                        for (k, t) in targets.iter().enumerate() {
                            let dst = if *t < 0 { base + 1 } else { base + 2 + t };
                            self.emit(Opcode::Column, eph, k as i32, dst);
                        }
                        self.emit4(
                            Opcode::VUpdate,
                            1,
                            n as i32,
                            base,
                            P4::VTab(inst.clone()),
                            oe,
                        );
                        self.emit(Opcode::Next, eph, top, 0);
                        self.resolve(done);
                    }
                }
                Ok(true)
            }
            ast::Stmt::Update {
                sets,
                where_clause,
                with,
                returning,
                from,
                order_by,
                limit,
                ..
            } => {
                if with.is_some()
                    || returning.is_some()
                    || from.is_some()
                    || order_by.is_some()
                    || limit.is_some()
                {
                    return Err(Error::sql(
                        "UPDATE with WITH/FROM/RETURNING/ORDER BY/LIMIT is not supported yet",
                    ));
                }
                let mut assign: Vec<(i32, Expr)> = Vec::new();
                for s in sets {
                    for cn in s.col_names.iter() {
                        let cn = dequote(&cn.0);
                        let slot = match inst
                            .columns
                            .iter()
                            .position(|x| x.name.eq_ignore_ascii_case(&cn))
                        {
                            Some(i) => i as i32,
                            None if is_rowid_alias(&cn) => -1,
                            None => return Err(Error::sql(format!("no such column: {cn}"))),
                        };
                        assign.push((slot, s.expr.clone()));
                    }
                }
                self.vtab_collect(
                    &name,
                    q.alias.as_ref(),
                    where_clause.as_ref(),
                    n,
                    &assign,
                    &inst,
                    oe,
                )?;
                Ok(true)
            }
            ast::Stmt::Delete {
                where_clause,
                with,
                returning,
                order_by,
                limit,
                ..
            } => {
                if with.is_some() || returning.is_some() || order_by.is_some() || limit.is_some() {
                    return Err(Error::sql(
                        "DELETE with WITH/RETURNING/ORDER BY/LIMIT is not supported yet",
                    ));
                }
                self.vtab_collect(
                    &name,
                    q.alias.as_ref(),
                    where_clause.as_ref(),
                    1,
                    &[],
                    &inst,
                    oe,
                )?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Scan the table with `where_clause`, store xUpdate's argument rows (`width` values:
    /// 1 = DELETE [rowid]; else UPDATE [old rowid, new rowid, columns...] with `assign`
    /// applied) in an ephemeral table, then call `VUpdate` for each.
    #[allow(clippy::too_many_arguments)]
    fn vtab_collect(
        &mut self,
        name: &str,
        alias: Option<&ast::Name>,
        where_clause: Option<&Expr>,
        width: usize,
        assign: &[(i32, Expr)],
        inst: &Arc<Instance>,
        oe: u16,
    ) -> Result<()> {
        let eph = self.cursor();
        self.emit(Opcode::OpenEphemeral, eph, width as i32, 0);
        let alias = alias.map(|a| dequote(&a.0));
        let src = self
            .vtab_source(None, name, None, alias)?
            .ok_or_else(|| Error::sql(format!("no such table: {name}")))?;
        let cur = src.cursor;
        self.scopes.push(super::build::Scope {
            sources: vec![src.clone()],
            ..Default::default()
        });
        let mut terms = Vec::new();
        if let Some(w) = where_clause {
            terms.push(w.clone());
        }
        let ncol = inst.columns.len();
        let assign = assign.to_vec();
        let mut body = move |b: &mut Builder<'a>| -> Result<()> {
            let base = b.regs(width);
            b.emit(Opcode::Rowid, cur, base, 0);
            if width > 1 {
                b.emit(Opcode::Rowid, cur, base + 1, 0);
                for i in 0..ncol {
                    let dst = base + 2 + i as i32;
                    match assign.iter().rev().find(|(s, _)| *s == i as i32) {
                        Some((_, e)) => b.expr(e, dst)?,
                        None => {
                            b.emit4(Opcode::VColumn, cur, i as i32, dst, P4::None, 1);
                        }
                    }
                }
                if let Some((_, e)) = assign.iter().rev().find(|(s, _)| *s < 0) {
                    b.expr(e, base + 1)?;
                }
            }
            let rec = b.reg();
            let rid = b.reg();
            b.emit(Opcode::MakeRecord, base, width as i32, rec);
            b.emit(Opcode::NewRowid, eph, rid, 0);
            b.emit(Opcode::Insert, eph, rec, rid);
            Ok(())
        };
        let r = self.where_scan(src, &terms, &mut body);
        self.scopes.pop();
        r?;
        let base = self.regs(width);
        let done = self.label();
        self.emit(Opcode::Rewind, eph, done, 0);
        let top = self.addr();
        for i in 0..width {
            self.emit(Opcode::Column, eph, i as i32, base + i as i32);
        }
        self.emit4(
            Opcode::VUpdate,
            0,
            width as i32,
            base,
            P4::VTab(inst.clone()),
            oe,
        );
        self.emit(Opcode::Next, eph, top, 0);
        self.resolve(done);
        Ok(())
    }
}

/// Pragmas whose table-valued form takes an argument (`arg` hidden column), with their
/// result columns.
const ARG_PRAGMAS: &[(&str, &[&str])] = &[
    (
        "table_info",
        &["cid", "name", "type", "notnull", "dflt_value", "pk"],
    ),
    (
        "table_xinfo",
        &[
            "cid",
            "name",
            "type",
            "notnull",
            "dflt_value",
            "pk",
            "hidden",
        ],
    ),
    (
        "index_list",
        &["seq", "name", "unique", "origin", "partial"],
    ),
    ("index_info", &["seqno", "cid", "name"]),
    (
        "index_xinfo",
        &["seqno", "cid", "name", "desc", "coll", "key"],
    ),
    (
        "foreign_key_list",
        &[
            "id",
            "seq",
            "table",
            "from",
            "to",
            "on_update",
            "on_delete",
            "match",
        ],
    ),
    ("foreign_key_check", &["table", "rowid", "parent", "fkid"]),
];

impl<'a> Builder<'a> {
    /// Run the PRAGMA compiler for `PRAGMA db.name(arg)` and capture its result rows into
    /// ephemeral table `eph` (each `ResultRow` becomes a subroutine call that appends the row
    /// plus `extra` constant columns). Returns the number of result columns it declared.
    fn capture_pragma(
        &mut self,
        pname: &str,
        db: Option<&str>,
        arg: Option<&str>,
        extra: &[Option<String>],
        eph: i32,
        subs: &mut Vec<(usize, i32, i32, Vec<Option<String>>)>,
    ) -> Result<usize> {
        let q = ast::QualifiedName {
            db_name: db.map(|d| ast::Name(format!("\"{}\"", d.replace('"', "\"\"")))),
            name: ast::Name(pname.to_string()),
            alias: None,
        };
        let body = arg.map(|a| {
            ast::PragmaBody::Call(Expr::Literal(ast::Literal::String(format!(
                "'{}'",
                a.replace('\'', "''")
            ))))
        });
        let saved_no_tx = self.no_tx;
        let start = self.ops.len();
        let cols = self.pragma_rows(&q, body.as_ref())?;
        self.no_tx = saved_no_tx;
        let _ = eph;
        for at in start..self.ops.len() {
            if self.ops[at].opcode == Opcode::ResultRow {
                let (base, n) = (self.ops[at].p1, self.ops[at].p2);
                subs.push((at, base, n, extra.to_vec()));
            }
        }
        Ok(cols.len())
    }

    /// `pragma_NAME(args)` / `pragma_NAME`: the pragma's rows (for every possible argument
    /// when the argument is not a constant) in an ephemeral table, with HIDDEN `arg` and
    /// `schema` columns; the arguments become ON terms `arg = ...`, `schema = ...` (pushed to
    /// `pending_on`). `Ok(None)`: not a pragma that returns rows.
    pub fn pragma_source(
        &mut self,
        name: &str,
        dbn: Option<&str>,
        args: &[Expr],
        alias: Option<String>,
    ) -> Result<Option<Source>> {
        let lname = name.to_ascii_lowercase();
        let Some(pname) = lname.strip_prefix("pragma_") else {
            return Ok(None);
        };
        let pname = pname.to_string();
        if pname == "module_list" {
            return self.module_list_source(name, alias).map(Some);
        }
        let with_arg = ARG_PRAGMAS.iter().find(|(n, _)| *n == pname);
        let dbs: Vec<usize> = self.db_search_order(dbn)?;
        // Candidate (database, argument) pairs.
        let mut cands: Vec<(usize, Option<String>)> = Vec::new();
        if with_arg.is_some() {
            let lit = match args.first() {
                Some(Expr::Literal(ast::Literal::String(s))) => Some(
                    s.get(1..s.len().saturating_sub(1))
                        .unwrap_or("")
                        .replace("''", "'"),
                ),
                _ => None,
            };
            for &d in &dbs {
                let Some(s) = self.schema(d) else { continue };
                let names: Vec<String> =
                    if pname.starts_with("index_i") || pname.starts_with("index_x") {
                        s.indexes.iter().map(|i| i.name.clone()).collect()
                    } else {
                        s.tables.iter().map(|t| t.name.clone()).collect()
                    };
                for n in names {
                    if lit
                        .as_ref()
                        .map(|l| l.eq_ignore_ascii_case(&n))
                        .unwrap_or(true)
                    {
                        cands.push((d, Some(n)));
                    }
                }
            }
        } else {
            // Probe: a pragma that returns no columns is not table-valued.
            let mut probe = Builder::new(self.ctx);
            let q = ast::QualifiedName {
                db_name: None,
                name: ast::Name(pname.clone()),
                alias: None,
            };
            match probe.pragma_rows(&q, None) {
                Ok(c) if !c.is_empty() => {}
                _ => return Ok(None),
            }
            cands.push((dbs.first().copied().unwrap_or(0), None));
        }
        if pname == "foreign_key_check" {
            // SQLite walks its table hash: most recently created first.
            cands.reverse();
        }
        let mut colnames: Vec<String> = match with_arg {
            Some((_, c)) => c.iter().map(|s| s.to_string()).collect(),
            None => {
                let mut probe = Builder::new(self.ctx);
                let q = ast::QualifiedName {
                    db_name: None,
                    name: ast::Name(pname.clone()),
                    alias: None,
                };
                probe.pragma_rows(&q, None)?
            }
        };
        let ncols = colnames.len();
        if with_arg.is_some() {
            colnames.push("arg".into());
        }
        colnames.push("schema".into());
        let eph = self.cursor();
        self.emit(Opcode::OpenEphemeral, eph, colnames.len() as i32, 0);
        let mut subs = Vec::new();
        for (d, a) in &cands {
            let dbname = self.db_name(*d);
            let mut extra = Vec::new();
            if with_arg.is_some() {
                extra.push(a.clone());
            }
            let schema_given = args.len() > usize::from(with_arg.is_some());
            extra.push(if schema_given {
                Some(dbname.clone())
            } else {
                None
            });
            let dbq = if with_arg.is_some() {
                Some(dbname.as_str())
            } else {
                dbn
            };
            self.capture_pragma(&pname, dbq, a.as_deref(), &extra, eph, &mut subs)?;
        }
        // The subroutines that append a captured row.
        let after = self.label();
        self.goto(after);
        let ret = self.reg();
        for (at, base, n, extra) in subs {
            let width = ncols + extra.len();
            let blk = self.regs(width);
            let entry = self.addr();
            self.ops[at].opcode = Opcode::Gosub;
            self.ops[at].p1 = ret;
            self.ops[at].p2 = entry;
            self.ops[at].p3 = 0;
            for i in 0..ncols {
                if (i as i32) < n {
                    self.emit(Opcode::SCopy, base + i as i32, blk + i as i32, 0);
                } else {
                    self.null(blk + i as i32);
                }
            }
            for (k, e) in extra.iter().enumerate() {
                let r = blk + (ncols + k) as i32;
                match e {
                    Some(s) => self.string(s, r),
                    None => self.null(r),
                }
            }
            let rec = self.reg();
            let rid = self.reg();
            self.emit(Opcode::MakeRecord, blk, width as i32, rec);
            self.emit(Opcode::NewRowid, eph, rid, 0);
            self.emit(Opcode::Insert, eph, rec, rid);
            self.emit(Opcode::Return, ret, 0, 0);
        }
        self.resolve(after);
        let sname = alias.unwrap_or_else(|| name.to_string());
        let hidden_from = ncols;
        for c in &colnames[hidden_from..] {
            self.hidden_cols.push((eph, c.clone()));
        }
        let qn = |s: &str| ast::Name(format!("\"{}\"", s.replace('"', "\"\"")));
        let mut it = args.iter();
        if with_arg.is_some() {
            if let Some(a) = it.next() {
                self.pending_on.push(Expr::Binary(
                    Box::new(Expr::Collate(
                        Box::new(Expr::Qualified(qn(&sname), qn("arg"))),
                        "NOCASE".into(),
                    )),
                    Operator::Equals,
                    Box::new(a.clone()),
                ));
            }
        }
        if let Some(s) = it.next() {
            self.pending_on.push(Expr::Binary(
                Box::new(Expr::Collate(
                    Box::new(Expr::Qualified(qn(&sname), qn("schema"))),
                    "NOCASE".into(),
                )),
                Operator::Equals,
                Box::new(s.clone()),
            ));
        }
        if it.next().is_some() {
            return Err(Error::sql(format!(
                "too many arguments on {name}() - max {}",
                colnames.len() - ncols
            )));
        }
        Ok(Some(Source {
            name: sname,
            cursor: eph,
            cols: colnames
                .iter()
                .map(|c| SrcCol {
                    name: c.clone(),
                    affinity: super::schema::AFF_NONE,
                    collation: None,
                    decltype: None,
                    is_rowid: false,
                })
                .collect(),
            table: None,
            using_hidden: vec![],
        }))
    }
}

impl<'a> Builder<'a> {
    /// `pragma_module_list`: the names of the connection's modules.
    fn module_list_source(&mut self, name: &str, alias: Option<String>) -> Result<Source> {
        let names = self.ctx.vtabs.map(|r| r.module_names()).unwrap_or_default();
        let eph = self.cursor();
        self.emit(Opcode::OpenEphemeral, eph, 1, 0);
        let r = self.reg();
        let rec = self.reg();
        let rid = self.reg();
        for n in names {
            self.string(&n, r);
            self.emit(Opcode::MakeRecord, r, 1, rec);
            self.emit(Opcode::NewRowid, eph, rid, 0);
            self.emit(Opcode::Insert, eph, rec, rid);
        }
        Ok(Source {
            name: alias.unwrap_or_else(|| name.to_string()),
            cursor: eph,
            cols: vec![SrcCol {
                name: "name".into(),
                affinity: super::schema::AFF_NONE,
                collation: None,
                decltype: None,
                is_rowid: false,
            }],
            table: None,
            using_hidden: vec![],
        })
    }
}
