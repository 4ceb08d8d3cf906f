//! DDL (CREATE/DROP TABLE, INDEX, VIEW), transaction control and PRAGMA code generation.
//!
//! Invariants:
//! - Every schema change writes `sqlite_schema` rows exactly as SQLite does (`sql` is the
//!   statement text from CREATE to its last token, as typed; automatic indexes have NULL
//!   `sql`), then bumps the schema cookie to `cookie + 1` with `SetCookie` and tells the VM to
//!   refresh its schema (`ParseSchema` after creation, `DropTable`/`DropIndex` after drops).
//! - Name checks (`table t already exists`, `no such table: t`, reserved `sqlite_` names) are
//!   done at compile time against the schema the statement was prepared with; the
//!   `Transaction` cookie check makes a stale statement fail with SQLITE_SCHEMA and be
//!   recompiled.

use super::build::Builder;
use super::expr::{numeric_literal, unquote_string};
use super::schema::{dequote, index_from_create, table_from_create, IndexOrigin, Table};
use super::select::Dest;
use crate::error::{Error, Result};
use crate::value::Value;
use crate::vdbe::{Opcode, P4};
use sqlite3_parser::ast::{self, Expr, Stmt};

/// `OpenWrite` P5 flag: P2 is a register holding the root page.
pub const OPFLAG_P2ISREG: u16 = 0x02;
/// `CreateBtree` P3 values.
const BTREE_INTKEY: i32 = 1;
const BTREE_BLOBKEY: i32 = 2;

/// Settings the VM keeps (see `P4::Pragma`).
const SETTING_PRAGMAS: &[&str] = &[
    "page_size",
    "cache_size",
    "synchronous",
    "foreign_keys",
    "journal_mode",
    "busy_timeout",
    "locking_mode",
    "temp_store",
    "auto_vacuum",
    "secure_delete",
    "cache_spill",
    "recursive_triggers",
    "case_sensitive_like",
    "legacy_alter_table",
    "wal_autocheckpoint",
    "journal_size_limit",
    "automatic_index",
    "reverse_unordered_selects",
    "read_uncommitted",
    "query_only",
    "defer_foreign_keys",
    "mmap_size",
    "encoding",
    "max_page_count",
    // Encryption (`src/db/key.rs`).
    "key",
    "hexkey",
    "rekey",
    "hexrekey",
];

/// Settings whose assignment also returns a row.
const SET_RETURNS_ROW: &[&str] = &[
    "journal_mode",
    "locking_mode",
    "busy_timeout",
    "max_page_count",
    "mmap_size",
    "journal_size_limit",
];

fn pragma_value(e: &Expr) -> Result<Value> {
    Ok(match e {
        Expr::Literal(ast::Literal::Numeric(s)) => numeric_literal(s)?,
        Expr::Literal(ast::Literal::String(s)) => Value::text(&unquote_string(s)),
        Expr::Literal(ast::Literal::Keyword(k)) => Value::text(k),
        Expr::Id(i) => Value::text(&dequote(&i.0)),
        Expr::Name(n) => Value::text(&dequote(&n.0)),
        Expr::Unary(ast::UnaryOperator::Negative, x) => match pragma_value(x)? {
            Value::Integer(i) => Value::Integer(i.wrapping_neg()),
            Value::Real(r) => Value::Real(-r),
            v => v,
        },
        Expr::Unary(ast::UnaryOperator::Positive, x) => pragma_value(x)?,
        other => Value::text(&other.to_string()),
    })
}

fn value_as_int(v: &Value) -> i64 {
    match v {
        Value::Integer(i) => *i,
        Value::Real(r) => *r as i64,
        Value::Text(t) => {
            let s = String::from_utf8_lossy(t).to_ascii_lowercase();
            match s.as_str() {
                "on" | "yes" | "true" | "full" => 1,
                "off" | "no" | "false" => 0,
                _ => s.trim().parse().unwrap_or(0),
            }
        }
        _ => 0,
    }
}

impl<'a> Builder<'a> {
    /// Compile a non-query statement; returns its result column names.
    pub fn ddl(&mut self, stmt: &Stmt, text: &str) -> Result<Vec<String>> {
        match stmt {
            Stmt::CreateTable {
                temporary,
                if_not_exists,
                tbl_name,
                body,
            } => {
                self.create_table(*temporary, *if_not_exists, tbl_name, body, text)?;
                Ok(vec![])
            }
            Stmt::CreateIndex {
                if_not_exists,
                idx_name,
                tbl_name,
                ..
            } => {
                self.create_index(stmt, *if_not_exists, idx_name, tbl_name, text)?;
                Ok(vec![])
            }
            Stmt::CreateView {
                temporary,
                if_not_exists,
                view_name,
                select,
                ..
            } => {
                self.create_view(*temporary, *if_not_exists, view_name, select, text)?;
                Ok(vec![])
            }
            Stmt::DropTable {
                if_exists,
                tbl_name,
            } => {
                self.drop_table(*if_exists, tbl_name, false)?;
                Ok(vec![])
            }
            Stmt::DropView {
                if_exists,
                view_name,
            } => {
                self.drop_table(*if_exists, view_name, true)?;
                Ok(vec![])
            }
            Stmt::DropIndex {
                if_exists,
                idx_name,
            } => {
                self.drop_index(*if_exists, idx_name)?;
                Ok(vec![])
            }
            Stmt::Begin(ty, _) => {
                self.no_tx = true;
                let mode = match ty {
                    Some(ast::TransactionType::Immediate) => 1,
                    Some(ast::TransactionType::Exclusive) => 2,
                    _ => 0,
                };
                if mode > 0 {
                    for db in 0..self.ctx.schemas.len() {
                        let cookie = self.schema(db).map(|s| s.cookie).unwrap_or(0);
                        self.emit4(
                            Opcode::Transaction,
                            db as i32,
                            mode,
                            cookie as i32,
                            P4::None,
                            0,
                        );
                    }
                }
                self.emit(Opcode::AutoCommit, 0, 0, 0);
                Ok(vec![])
            }
            Stmt::Commit(_) => {
                self.no_tx = true;
                self.emit(Opcode::AutoCommit, 1, 0, 0);
                Ok(vec![])
            }
            Stmt::Rollback { savepoint_name, .. } => {
                self.no_tx = true;
                match savepoint_name {
                    Some(n) => {
                        self.emit4(Opcode::Savepoint, 2, 0, 0, P4::Text(dequote(&n.0)), 0);
                    }
                    None => {
                        self.emit(Opcode::AutoCommit, 1, 1, 0);
                    }
                }
                Ok(vec![])
            }
            Stmt::Savepoint(n) => {
                self.no_tx = true;
                self.emit4(Opcode::Savepoint, 0, 0, 0, P4::Text(dequote(&n.0)), 0);
                Ok(vec![])
            }
            Stmt::Release(n) => {
                self.no_tx = true;
                self.emit4(Opcode::Savepoint, 1, 0, 0, P4::Text(dequote(&n.0)), 0);
                Ok(vec![])
            }
            Stmt::Pragma(name, body) => self.pragma(name, body.as_ref()),
            Stmt::AlterTable(q, body) => {
                self.alter_table(q, body, text)?;
                Ok(vec![])
            }
            Stmt::Analyze(q) => {
                self.analyze(q.as_ref())?;
                Ok(vec![])
            }
            Stmt::Attach { expr, db_name, key } => {
                self.attach(expr, db_name, key.as_ref(), text)?;
                Ok(vec![])
            }
            Stmt::Detach(name) => {
                self.detach(name, text)?;
                Ok(vec![])
            }
            Stmt::Vacuum(schema, into) => {
                self.vacuum(schema.as_ref(), into.as_ref())?;
                Ok(vec![])
            }
            Stmt::Reindex { obj_name } => {
                self.reindex(obj_name.as_ref())?;
                Ok(vec![])
            }
            Stmt::CreateTrigger { .. } => {
                self.create_trigger(stmt, text)?;
                Ok(vec![])
            }
            Stmt::DropTrigger {
                if_exists,
                trigger_name,
            } => {
                self.drop_trigger(*if_exists, trigger_name)?;
                Ok(vec![])
            }
            Stmt::CreateVirtualTable { .. } => self.create_virtual(stmt, text),
            _ => Err(Error::sql("statement not supported")),
        }
    }

    /// `ANALYZE [schema | [schema.]table-or-index]`: creates `sqlite_stat1` when missing,
    /// then lets the connection gather the statistics (`db/analyze.rs`) through `Noop` with
    /// `P4::Pragma("analyze")` (P1 = database, P3 = register of the table/index name or 0).
    fn analyze(&mut self, q: Option<&ast::QualifiedName>) -> Result<()> {
        let mut targets: Vec<(usize, Option<String>)> = Vec::new();
        match q {
            None => {
                for db in 0..self.ctx.schemas.len() {
                    if db == 1 && self.schema(1).map_or(true, |s| s.tables.len() <= 1) {
                        continue;
                    }
                    targets.push((db, None));
                }
            }
            Some(q) => {
                let name = dequote(&q.name.0);
                match &q.db_name {
                    Some(d) => {
                        let db = self.db_search_order(Some(&dequote(&d.0)))?[0];
                        targets.push((db, Some(name)));
                    }
                    None => {
                        if let Ok(v) = self.db_search_order(Some(&name)) {
                            targets.push((v[0], None));
                        } else {
                            let mut hit = None;
                            for d in self.db_search_order(None)? {
                                let s = self.schema(d);
                                if s.map_or(false, |s| {
                                    s.table(&name).is_some() || s.index(&name).is_some()
                                }) {
                                    hit = Some(d);
                                    break;
                                }
                            }
                            match hit {
                                Some(d) => targets.push((d, Some(name))),
                                None => return Err(Error::sql(format!("no such table: {name}"))),
                            }
                        }
                    }
                }
            }
        }
        for (db, name) in targets {
            if let Some(n) = &name {
                let s = self.schema(db);
                if !s.map_or(false, |s| s.table(n).is_some() || s.index(n).is_some()) {
                    return Err(Error::sql(format!(
                        "no such table: {}.{n}",
                        self.db_name(db)
                    )));
                }
            }
            self.use_db(db, true);
            let has_stat = self
                .schema(db)
                .map_or(false, |s| s.table("sqlite_stat1").is_some());
            if !has_stat {
                self.init_header(db);
                let root = self.reg();
                self.emit(Opcode::CreateBtree, db as i32, root, BTREE_INTKEY);
                let c = self.cursor();
                self.emit4(Opcode::OpenWrite, c, 1, db as i32, P4::Int32(5), 0);
                self.schema_row(
                    c,
                    "table",
                    "sqlite_stat1",
                    "sqlite_stat1",
                    Some(root),
                    Some("CREATE TABLE sqlite_stat1(tbl,idx,stat)"),
                );
                self.emit(Opcode::Close, c, 0, 0);
                self.bump_cookie(db);
                self.emit4(Opcode::ParseSchema, db as i32, 0, 0, P4::None, 0);
            }
            let r = match &name {
                Some(n) => {
                    let r = self.reg();
                    self.string(n, r);
                    r
                }
                None => 0,
            };
            self.emit4(
                Opcode::Noop,
                db as i32,
                0,
                r,
                P4::Pragma("analyze".into()),
                0,
            );
        }
        Ok(())
    }

    fn target_db(&self, db: Option<&ast::Name>, temporary: bool) -> Result<usize> {
        if temporary {
            if self.ctx.schemas.len() < 2 {
                return Err(Error::sql("temporary tables are not available"));
            }
            return Ok(1);
        }
        match db {
            Some(d) => Ok(self.db_search_order(Some(&dequote(&d.0)))?[0]),
            None => Ok(0),
        }
    }

    fn name_taken(&self, db: usize, name: &str) -> Option<&'static str> {
        let s = self.schema(db)?;
        if s.table_pos(name).is_some() {
            let t = s.table(name)?;
            return Some(if t.is_view { "view" } else { "table" });
        }
        if s.index(name).is_some() {
            return Some("index");
        }
        None
    }

    /// Write the "file format / encoding" header values of a brand-new database.
    pub(super) fn init_header(&mut self, db: usize) {
        let r = self.reg();
        let skip = self.label();
        self.emit(Opcode::ReadCookie, db as i32, r, 2);
        self.emit(Opcode::If, r, skip, 0);
        self.emit(Opcode::SetCookie, db as i32, 2, 4);
        self.emit(Opcode::SetCookie, db as i32, 5, 1);
        self.resolve(skip);
    }

    /// Append one row to sqlite_schema through cursor `c`.
    pub(super) fn schema_row(
        &mut self,
        c: i32,
        kind: &str,
        name: &str,
        tbl: &str,
        root_reg: Option<i32>,
        sql: Option<&str>,
    ) {
        let base = self.regs(5);
        let rid = self.reg();
        let rec = self.reg();
        self.emit(Opcode::NewRowid, c, rid, 0);
        self.string(kind, base);
        self.string(name, base + 1);
        self.string(tbl, base + 2);
        match root_reg {
            Some(r) => {
                self.emit(Opcode::SCopy, r, base + 3, 0);
            }
            None => self.int(0, base + 3),
        }
        match sql {
            Some(s) => self.string(s, base + 4),
            None => self.null(base + 4),
        }
        self.emit4(
            Opcode::MakeRecord,
            base,
            5,
            rec,
            P4::Affinity("BBBDB".into()),
            0,
        );
        self.emit4(
            Opcode::Insert,
            c,
            rec,
            rid,
            P4::Table("sqlite_schema".into()),
            0,
        );
    }

    pub(super) fn bump_cookie(&mut self, db: usize) {
        let cookie = self.schema(db).map(|s| s.cookie).unwrap_or(0);
        self.emit(
            Opcode::SetCookie,
            db as i32,
            1,
            cookie.wrapping_add(1) as i32,
        );
    }

    fn create_table(
        &mut self,
        temporary: bool,
        if_not_exists: bool,
        q: &ast::QualifiedName,
        body: &ast::CreateTableBody,
        text: &str,
    ) -> Result<()> {
        let db = self.target_db(q.db_name.as_ref(), temporary)?;
        let name = dequote(&q.name.0);
        if name.len() >= 7 && name[..7].eq_ignore_ascii_case("sqlite_") {
            return Err(Error::sql(format!(
                "object name reserved for internal use: {name}"
            )));
        }
        self.use_db(db, true);
        if let Some(kind) = self.name_taken(db, &name) {
            if if_not_exists && kind != "index" {
                return Ok(());
            }
            return Err(Error::sql(if kind == "index" {
                format!("there is already an index named {name}")
            } else {
                format!("{kind} {name} already exists")
            }));
        }
        if let ast::CreateTableBody::AsSelect(sel) = body {
            return self.create_table_as(db, &name, sel);
        }
        let (t, autos) = table_from_create(&name, body)?;
        if t.without_rowid {
            super::without_rowid::check_create(&t)?;
        }
        super::generated::check_generated(&t)?;
        self.generated_validate(db, &t)?;
        // Validate DEFAULT expressions: constants only.
        for c in &t.columns {
            if let Some(d) = &c.default {
                if !is_constant(d) {
                    return Err(Error::sql(format!(
                        "default value of column [{}] is not constant",
                        c.name
                    )));
                }
            }
        }
        self.init_header(db);
        let root = self.reg();
        let kind = if t.without_rowid {
            BTREE_BLOBKEY
        } else {
            BTREE_INTKEY
        };
        self.emit(Opcode::CreateBtree, db as i32, root, kind);
        let mut iroots = Vec::new();
        for a in &autos {
            // A WITHOUT ROWID table is its PRIMARY KEY index (the number stays used).
            if t.without_rowid && a.origin == IndexOrigin::PrimaryKey {
                iroots.push(None);
                continue;
            }
            let r = self.reg();
            self.emit(Opcode::CreateBtree, db as i32, r, BTREE_BLOBKEY);
            iroots.push(Some(r));
        }
        let c = self.cursor();
        self.emit4(Opcode::OpenWrite, c, 1, db as i32, P4::Int32(5), 0);
        let stored = stored_text("TABLE", text);
        self.schema_row(c, "table", &name, &name, Some(root), Some(&stored));
        for (k, r) in iroots.iter().enumerate() {
            let Some(r) = r else { continue };
            let iname = format!("sqlite_autoindex_{}_{}", name, k + 1);
            self.schema_row(c, "index", &iname, &name, Some(*r), None);
        }
        if t.autoincrement {
            self.autoinc_create_seq(db, c);
        }
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
        Ok(())
    }

    /// CREATE TABLE ... AS SELECT: SQLite generates the CREATE TABLE text from the result
    /// columns (names and affinity types) and copies the rows.
    fn create_table_as(&mut self, db: usize, name: &str, sel: &ast::Select) -> Result<()> {
        let eph = self.cursor();
        let at = self.emit(Opcode::OpenEphemeral, eph, 0, 0);
        let infos = self.select(sel, Dest::Eph(eph))?;
        let n = infos.len();
        if let Some(op) = self.ops.get_mut(at as usize) {
            op.p2 = n as i32;
        }
        // Unique column names: duplicates get ":1", ":2"... as in SQLite.
        let mut names: Vec<String> = Vec::new();
        for i in &infos {
            let mut nm = i.name.clone();
            let mut k = 1;
            while names.iter().any(|x| x.eq_ignore_ascii_case(&nm)) {
                nm = format!("{}:{}", i.name, k);
                k += 1;
            }
            names.push(nm);
        }
        let ident_len = |z: &str| z.chars().count() + z.matches('"').count() + 2;
        let mut total: usize = names.iter().map(|c| ident_len(c) + 5).sum();
        total += ident_len(name);
        let (sep, sep2, end) = if total < 50 {
            ("", ",", ")")
        } else {
            ("\n  ", ",\n  ", "\n)")
        };
        let mut sql = format!("CREATE TABLE {}(", ident_put(name));
        let mut affs = Vec::new();
        for (k, (nm, info)) in names.iter().zip(&infos).enumerate() {
            sql.push_str(if k == 0 { sep } else { sep2 });
            sql.push_str(&ident_put(nm));
            let aff = if info.affinity == 0 {
                super::schema::AFF_BLOB
            } else {
                info.affinity
            };
            affs.push(aff);
            sql.push_str(match aff {
                super::schema::AFF_TEXT => " TEXT",
                super::schema::AFF_NUMERIC => " NUM",
                super::schema::AFF_INTEGER => " INT",
                super::schema::AFF_REAL => " REAL",
                _ => "",
            });
        }
        sql.push_str(end);
        self.init_header(db);
        let root = self.reg();
        self.emit(Opcode::CreateBtree, db as i32, root, BTREE_INTKEY);
        let c = self.cursor();
        self.emit4(Opcode::OpenWrite, c, 1, db as i32, P4::Int32(5), 0);
        self.schema_row(c, "table", name, name, Some(root), Some(&sql));
        self.emit(Opcode::Close, c, 0, 0);
        // Copy the rows.
        let tc = self.cursor();
        self.emit4(
            Opcode::OpenWrite,
            tc,
            root,
            db as i32,
            P4::Int32(n as i32),
            OPFLAG_P2ISREG,
        );
        let base = self.regs(n.max(1));
        let rec = self.reg();
        let rid = self.reg();
        let done = self.label();
        self.emit(Opcode::Rewind, eph, done, 0);
        let top = self.addr();
        for i in 0..n {
            self.emit(Opcode::Column, eph, i as i32, base + i as i32);
        }
        self.apply_affinity(base, &affs);
        self.emit(Opcode::MakeRecord, base, n as i32, rec);
        self.emit(Opcode::NewRowid, tc, rid, 0);
        self.emit4(Opcode::Insert, tc, rec, rid, P4::Table(name.to_string()), 0);
        self.emit(Opcode::Next, eph, top, 0);
        self.resolve(done);
        self.emit(Opcode::Close, tc, 0, 0);
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
        Ok(())
    }

    fn create_view(
        &mut self,
        temporary: bool,
        if_not_exists: bool,
        q: &ast::QualifiedName,
        select: &ast::Select,
        text: &str,
    ) -> Result<()> {
        let db = self.target_db(q.db_name.as_ref(), temporary)?;
        let name = dequote(&q.name.0);
        self.use_db(db, true);
        if let Some(kind) = self.name_taken(db, &name) {
            if if_not_exists {
                return Ok(());
            }
            return Err(Error::sql(format!("{kind} {name} already exists")));
        }
        // Check that the view compiles (names resolve) in a scratch builder.
        {
            let mut scratch = Builder::new(self.ctx);
            scratch.select(select, Dest::Output)?;
        }
        self.init_header(db);
        let c = self.cursor();
        self.emit4(Opcode::OpenWrite, c, 1, db as i32, P4::Int32(5), 0);
        let stored = stored_text("VIEW", text);
        self.schema_row(c, "view", &name, &name, None, Some(&stored));
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
        Ok(())
    }

    fn create_index(
        &mut self,
        stmt: &Stmt,
        if_not_exists: bool,
        q: &ast::QualifiedName,
        tbl_name: &ast::Name,
        text: &str,
    ) -> Result<()> {
        let db = self.target_db(q.db_name.as_ref(), false)?;
        let name = dequote(&q.name.0);
        let tname = dequote(&tbl_name.0);
        let schema = self
            .schema(db)
            .ok_or_else(|| Error::sql("no such database"))?;
        let t: Table = schema
            .table(&tname)
            .cloned()
            .ok_or_else(|| Error::sql(format!("no such table: {}.{}", self.db_name(db), tname)))?;
        if t.root == 1 || (tname.len() >= 7 && tname[..7].eq_ignore_ascii_case("sqlite_")) {
            return Err(Error::sql(format!("table {tname} may not be indexed")));
        }
        if t.is_view {
            return Err(Error::sql("views may not be indexed"));
        }

        if name.len() >= 7 && name[..7].eq_ignore_ascii_case("sqlite_") {
            return Err(Error::sql(format!(
                "object name reserved for internal use: {name}"
            )));
        }
        self.use_db(db, true);
        if let Some(kind) = self.name_taken(db, &name) {
            if if_not_exists && kind == "index" {
                return Ok(());
            }
            return Err(Error::sql(if kind == "index" {
                format!("index {name} already exists")
            } else {
                format!("there is already a {kind} named {name}")
            }));
        }
        let idx = index_from_create(stmt, &t)?;
        self.index_validate(db, &t, &idx)?;
        let root = self.reg();
        self.emit(Opcode::CreateBtree, db as i32, root, BTREE_BLOBKEY);
        let c = self.cursor();
        self.emit4(Opcode::OpenWrite, c, 1, db as i32, P4::Int32(5), 0);
        let stored = stored_text(if idx.unique { "UNIQUE INDEX" } else { "INDEX" }, text);
        self.schema_row(c, "index", &name, &t.name, Some(root), Some(&stored));
        self.emit(Opcode::Close, c, 0, 0);
        // Fill the index from the table.
        let tc = self.cursor();
        let ic = self.cursor();
        self.emit4(
            Opcode::OpenRead,
            tc,
            t.root as i32,
            db as i32,
            P4::Int32(t.columns.len() as i32),
            0,
        );
        let ki = if t.without_rowid {
            self.wr_index_key_info(&t, &idx)?
        } else {
            self.index_key_info(&idx)?
        };
        self.emit4(
            Opcode::OpenWrite,
            ic,
            root,
            db as i32,
            P4::KeyInfo(ki),
            OPFLAG_P2ISREG,
        );
        self.index_fill(db, &t, &idx, tc, ic)?;
        self.emit(Opcode::Close, tc, 0, 0);
        self.emit(Opcode::Close, ic, 0, 0);
        self.bump_cookie(db);
        self.emit4(
            Opcode::ParseSchema,
            db as i32,
            0,
            0,
            P4::Text(format!(
                "name='{}' AND type='index'",
                name.replace('\'', "''")
            )),
            0,
        );
        Ok(())
    }

    /// Delete the sqlite_schema rows whose column `col` (1 = name, 2 = tbl_name) equals `name`.
    pub(super) fn delete_schema_rows(&mut self, db: usize, col: i32, name: &str) {
        let c = self.cursor();
        self.emit4(Opcode::OpenWrite, c, 1, db as i32, P4::Int32(5), 0);
        let r = self.reg();
        let nm = self.reg();
        self.string(name, nm);
        let done = self.label();
        let next = self.label();
        self.emit(Opcode::Rewind, c, done, 0);
        let top = self.addr();
        self.emit(Opcode::Column, c, col, r);
        self.emit4(Opcode::Ne, nm, next, r, P4::Coll(None), 0x10);
        self.emit(Opcode::Delete, c, 0, 0);
        self.resolve(next);
        self.emit(Opcode::Next, c, top, 0);
        self.resolve(done);
        self.emit(Opcode::Close, c, 0, 0);
    }

    fn drop_table(&mut self, if_exists: bool, q: &ast::QualifiedName, view: bool) -> Result<()> {
        let name = dequote(&q.name.0);
        let dbn = q.db_name.as_ref().map(|d| dequote(&d.0));
        let found = self.find_table(dbn.as_deref(), &name);
        if found.is_err() && !view && self.drop_virtual(dbn.as_deref(), &name)? {
            return Ok(());
        }
        let (db, t) = match found {
            Ok(x) => x,
            Err(e) => {
                if if_exists {
                    self.use_db(0, false);
                    return Ok(());
                }
                return Err(if view {
                    Error::sql(format!("no such view: {name}"))
                } else {
                    e
                });
            }
        };
        if t.root == 1 || (name.len() >= 7 && name[..7].eq_ignore_ascii_case("sqlite_")) {
            return Err(Error::sql(format!("table {name} may not be dropped")));
        }
        if view && !t.is_view {
            return Err(Error::sql(format!("use DROP TABLE to delete table {name}")));
        }
        if !view && t.is_view {
            return Err(Error::sql(format!("use DROP VIEW to delete view {name}")));
        }
        let t = t.clone();
        self.use_db(db, true);
        self.autoinc_drop(db, &t);
        self.delete_schema_rows(db, 2, &t.name);
        if !t.is_view {
            let schema = self
                .schema(db)
                .ok_or_else(|| Error::sql("no such database"))?;
            let mut roots: Vec<u32> = schema.table_indexes(&t).map(|i| i.root).collect();
            roots.push(t.root);
            roots.sort_unstable_by(|a, b| b.cmp(a));
            let r = self.reg();
            for root in roots {
                self.emit(Opcode::Destroy, root as i32, r, db as i32);
            }
        }
        self.bump_cookie(db);
        self.emit4(
            Opcode::DropTable,
            db as i32,
            0,
            0,
            P4::Text(t.name.clone()),
            0,
        );
        Ok(())
    }

    fn drop_index(&mut self, if_exists: bool, q: &ast::QualifiedName) -> Result<()> {
        let name = dequote(&q.name.0);
        let dbn = q.db_name.as_ref().map(|d| dequote(&d.0));
        let mut hit = None;
        for d in self.db_search_order(dbn.as_deref())? {
            if let Some(i) = self.schema(d).and_then(|s| s.index(&name)) {
                hit = Some((d, i.clone()));
                break;
            }
        }
        let (db, idx) = match hit {
            Some(h) => h,
            None => {
                if if_exists {
                    self.use_db(0, false);
                    return Ok(());
                }
                return Err(Error::sql(format!("no such index: {name}")));
            }
        };
        if idx.origin != IndexOrigin::Create {
            return Err(Error::sql(
                "index associated with UNIQUE or PRIMARY KEY constraint cannot be dropped",
            ));
        }
        self.use_db(db, true);
        self.delete_schema_rows(db, 1, &idx.name);
        let r = self.reg();
        self.emit(Opcode::Destroy, idx.root as i32, r, db as i32);
        self.bump_cookie(db);
        self.emit4(
            Opcode::DropIndex,
            db as i32,
            0,
            0,
            P4::Text(idx.name.clone()),
            0,
        );
        Ok(())
    }

    /// `PRAGMA` as code that emits its rows with `ResultRow` (also used by the pragma
    /// table-valued functions, `sql/vtab.rs`).
    pub(super) fn pragma_rows(
        &mut self,
        q: &ast::QualifiedName,
        body: Option<&ast::PragmaBody>,
    ) -> Result<Vec<String>> {
        self.pragma(q, body)
    }

    fn pragma(
        &mut self,
        q: &ast::QualifiedName,
        body: Option<&ast::PragmaBody>,
    ) -> Result<Vec<String>> {
        let name = dequote(&q.name.0).to_ascii_lowercase();
        let db = match &q.db_name {
            Some(d) => self.db_search_order(Some(&dequote(&d.0)))?[0],
            None => 0,
        };
        let (value, is_set) = match body {
            Some(ast::PragmaBody::Equals(e)) => (Some(pragma_value(e)?), true),
            Some(ast::PragmaBody::Call(e)) => (Some(pragma_value(e)?), false),
            None => (None, false),
        };
        let meta = match name.as_str() {
            "user_version" => Some(6),
            "application_id" => Some(8),
            "schema_version" => Some(1),
            "freelist_count" => Some(0),
            _ => None,
        };
        if let Some(m) = meta {
            match &value {
                Some(v)
                    if name != "freelist_count"
                        && (is_set || matches!(body, Some(ast::PragmaBody::Call(_)))) =>
                {
                    self.use_db(db, true);
                    let iv = value_as_int(v);
                    self.emit4(
                        Opcode::SetCookie,
                        db as i32,
                        m,
                        iv as i32,
                        P4::None,
                        if m == 1 { 0 } else { 1 },
                    );
                    return Ok(vec![]);
                }
                _ => {
                    self.use_db(db, false);
                    let r = self.reg();
                    self.emit(Opcode::ReadCookie, db as i32, r, m);
                    self.emit(Opcode::ResultRow, r, 1, 0);
                    return Ok(vec![name]);
                }
            }
        }
        match name.as_str() {
            "wal_checkpoint" => {
                // SQLite: `Checkpoint` P1 = database (SQLITE_MAX_ATTACHED+2 = all when no
                // schema is named), P2 = mode, P3..P3+2 = busy, log, checkpointed.
                let mode = match value.as_ref().map(|v| {
                    String::from_utf8_lossy(
                        &crate::func::text::value_to_text(v).unwrap_or_default(),
                    )
                    .to_ascii_lowercase()
                }) {
                    Some(m) if m == "full" => 1,
                    Some(m) if m == "restart" => 2,
                    Some(m) if m == "truncate" => 3,
                    _ => 0,
                };
                let target = if q.db_name.is_some() { db as i32 } else { 12 };
                let base = self.regs(3);
                self.emit(Opcode::Checkpoint, target, mode, base);
                self.emit(Opcode::ResultRow, base, 3, 0);
                self.no_tx = true;
                Ok(vec!["busy".into(), "log".into(), "checkpointed".into()])
            }
            "database_list" => {
                let base = self.regs(3);
                let all: Vec<(usize, String)> = self
                    .ctx
                    .schemas
                    .iter()
                    .enumerate()
                    .map(|(i, (n, _))| (i, n.clone()))
                    .collect();
                for (i, n) in all {
                    self.int(i as i64, base);
                    self.string(&n, base + 1);
                    // The file name comes from the connection (NULL: temp never opened,
                    // not listed).
                    self.emit4(
                        Opcode::Noop,
                        i as i32,
                        base + 2,
                        0,
                        P4::Pragma("database_file".into()),
                        0,
                    );
                    let skip = self.label();
                    self.emit(Opcode::IsNull, base + 2, skip, 0);
                    self.emit(Opcode::ResultRow, base, 3, 0);
                    self.resolve(skip);
                }
                Ok(vec!["seq".into(), "name".into(), "file".into()])
            }
            "page_count" => {
                self.use_db(db, false);
                let r = self.reg();
                self.emit(Opcode::Pagecount, db as i32, r, 0);
                self.emit(Opcode::ResultRow, r, 1, 0);
                Ok(vec![name])
            }
            "integrity_check" | "quick_check" => {
                self.use_db(db, false);
                let schema = self
                    .schema(db)
                    .ok_or_else(|| Error::sql("no such database"))?;
                let mut roots = vec![1i32];
                for t in &schema.tables[1..] {
                    if t.root > 0 {
                        roots.push(t.root as i32);
                    }
                }
                for i in &schema.indexes {
                    roots.push(i.root as i32);
                }
                let max = match &value {
                    Some(v) => {
                        let n = value_as_int(v);
                        if n <= 0 {
                            100
                        } else {
                            n
                        }
                    }
                    None => 100,
                };
                let r = self.reg();
                let m = self.reg();
                self.int(max - 1, m);
                let n = roots.len() as i32;
                self.emit4(Opcode::IntegrityCk, r, n, m, P4::IntArray(roots), db as u16);
                let ok = self.label();
                let done = self.label();
                self.emit(Opcode::IsNull, r, ok, 0);
                self.emit(Opcode::ResultRow, r, 1, 0);
                self.goto(done);
                self.resolve(ok);
                self.string("ok", r);
                self.emit(Opcode::ResultRow, r, 1, 0);
                self.resolve(done);
                Ok(vec![name])
            }
            "table_info" | "table_xinfo" => {
                let tname = match &value {
                    Some(Value::Text(t)) => String::from_utf8_lossy(t).into_owned(),
                    Some(v) => format!("{}", value_as_int(v)),
                    None => return Ok(vec![]),
                };
                let t = match self
                    .find_table(q.db_name.as_ref().map(|d| dequote(&d.0)).as_deref(), &tname)
                {
                    Ok((d, t)) => {
                        self.use_db(d, false);
                        t.clone()
                    }
                    Err(_) => return Ok(vec![]),
                };
                let base = self.regs(7);
                let xinfo = name == "table_xinfo";
                let mut cid = 0i64;
                for c in t.columns.iter() {
                    // Generated columns are hidden from table_info (2 VIRTUAL, 3 STORED).
                    let hidden = match (&c.generated, c.gen_stored) {
                        (None, _) => 0,
                        (Some(_), false) => 2,
                        (Some(_), true) => 3,
                    };
                    if hidden != 0 && !xinfo {
                        continue;
                    }
                    self.int(cid, base);
                    cid += 1;
                    self.string(&c.name, base + 1);
                    self.string(c.decltype.as_deref().unwrap_or(""), base + 2);
                    self.int(c.notnull as i64, base + 3);
                    match &c.default_text {
                        Some(d) => self.string(d, base + 4),
                        None => self.null(base + 4),
                    }
                    self.int(c.pk as i64, base + 5);
                    self.int(hidden, base + 6);
                    self.emit(Opcode::ResultRow, base, if xinfo { 7 } else { 6 }, 0);
                }
                let mut cols: Vec<String> = ["cid", "name", "type", "notnull", "dflt_value", "pk"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect();
                if xinfo {
                    cols.push("hidden".into());
                }
                Ok(cols)
            }
            "index_list" => {
                let tname = match &value {
                    Some(Value::Text(t)) => String::from_utf8_lossy(t).into_owned(),
                    _ => return Ok(vec![]),
                };
                let dbn = q.db_name.as_ref().map(|d| dequote(&d.0));
                let cols = ["seq", "name", "unique", "origin", "partial"];
                let cols: Vec<String> = cols.iter().map(|s| s.to_string()).collect();
                let (d, t) = match self.find_table(dbn.as_deref(), &tname) {
                    Ok(x) => x,
                    // No such table: no rows, but the statement still has its columns.
                    Err(_) => return Ok(cols),
                };
                self.use_db(d, false);
                let schema = self
                    .schema(d)
                    .ok_or_else(|| Error::sql("no such database"))?;
                let list: Vec<_> = schema.table_indexes(t).cloned().collect();
                let base = self.regs(5);
                // SQLite lists the most recently created index first.
                for (seq, idx) in list.iter().rev().enumerate() {
                    self.int(seq as i64, base);
                    self.string(&idx.name, base + 1);
                    self.int(idx.unique as i64, base + 2);
                    self.string(
                        match idx.origin {
                            IndexOrigin::Create => "c",
                            IndexOrigin::Unique => "u",
                            IndexOrigin::PrimaryKey => "pk",
                        },
                        base + 3,
                    );
                    self.int(idx.partial.is_some() as i64, base + 4);
                    self.emit(Opcode::ResultRow, base, 5, 0);
                }
                Ok(cols)
            }
            "index_info" | "index_xinfo" => {
                let iname = match &value {
                    Some(Value::Text(t)) => String::from_utf8_lossy(t).into_owned(),
                    _ => return Ok(vec![]),
                };
                let dbn = q.db_name.as_ref().map(|d| dequote(&d.0));
                let mut hit = None;
                for d in self.db_search_order(dbn.as_deref())? {
                    if let Some(s) = self.schema(d) {
                        if let Some(i) = s.index(&iname) {
                            hit = Some((d, i.clone(), s.table(&i.table).cloned()));
                            break;
                        }
                    }
                }
                let xinfo = name == "index_xinfo";
                let ncols = if xinfo { 6 } else { 3 };
                let cols = ["seqno", "cid", "name", "desc", "coll", "key"];
                let cols: Vec<String> = cols[..ncols as usize]
                    .iter()
                    .map(|s| s.to_string())
                    .collect();
                let (d, idx, t) = match hit {
                    Some(h) => h,
                    None => return Ok(cols),
                };
                self.use_db(d, false);
                let base = self.regs(6);
                // (cid, desc, collation, key): the key columns, then for index_xinfo the
                // auxiliary columns SQLite appends: the rowid (-1), or the PRIMARY KEY columns
                // not already in the key of a WITHOUT ROWID table.
                let mut rows: Vec<(i64, bool, Option<String>, bool)> = idx
                    .columns
                    .iter()
                    .map(|c| {
                        let cid = if c.expr.is_some() {
                            -2
                        } else {
                            c.column as i64
                        };
                        (cid, c.desc, c.collation.clone(), true)
                    })
                    .collect();
                if xinfo {
                    match t.as_ref().filter(|t| t.without_rowid) {
                        Some(t) => {
                            let mut pk: Vec<(usize, usize)> = t
                                .columns
                                .iter()
                                .enumerate()
                                .filter(|(_, c)| c.pk > 0)
                                .map(|(i, c)| (c.pk, i))
                                .collect();
                            pk.sort();
                            for (_, i) in pk {
                                if !idx.columns.iter().any(|c| c.column == i) {
                                    let coll = t.columns.get(i).and_then(|c| c.collation.clone());
                                    rows.push((i as i64, false, coll, false));
                                }
                            }
                        }
                        None => rows.push((-1, false, None, false)),
                    }
                }
                for (seq, (cid, desc, coll, key)) in rows.into_iter().enumerate() {
                    self.int(seq as i64, base);
                    self.int(cid, base + 1);
                    let cname = usize::try_from(cid)
                        .ok()
                        .and_then(|i| t.as_ref().and_then(|t| t.columns.get(i)))
                        .map(|c| c.name.clone());
                    match cname {
                        Some(n) => self.string(&n, base + 2),
                        None => self.null(base + 2),
                    }
                    self.int(desc as i64, base + 3);
                    self.string(coll.as_deref().unwrap_or("BINARY"), base + 4);
                    self.int(key as i64, base + 5);
                    self.emit(Opcode::ResultRow, base, ncols, 0);
                }
                Ok(cols)
            }
            "foreign_key_list" | "foreign_key_check" => {
                let arg = match &value {
                    Some(Value::Text(t)) => Some(String::from_utf8_lossy(t).into_owned()),
                    Some(Value::Null) | None => None,
                    Some(v) => Some(format!("{}", value_as_int(v))),
                };
                let dbn = q.db_name.as_ref().map(|d| dequote(&d.0));
                self.fk_pragma(&name, dbn.as_deref(), arg.as_deref())
            }
            n if SETTING_PRAGMAS.contains(&n) => {
                let vreg = match &value {
                    Some(v) => {
                        let r = self.reg();
                        match v {
                            Value::Integer(i) => self.int(*i, r),
                            Value::Real(f) => {
                                self.emit4(Opcode::Real, 0, r, 0, P4::Real(*f), 0);
                            }
                            Value::Text(t) => self.string(&String::from_utf8_lossy(t), r),
                            _ => self.null(r),
                        }
                        r
                    }
                    None => 0,
                };
                let want_row = value.is_none() || SET_RETURNS_ROW.contains(&n);
                let out = if want_row { self.reg() } else { 0 };
                if n == "journal_mode" || n == "page_size" || n == "auto_vacuum" {
                    self.use_db(db, false);
                }
                self.emit4(
                    Opcode::Noop,
                    db as i32,
                    out,
                    vreg,
                    P4::Pragma(n.to_string()),
                    0,
                );
                if want_row {
                    self.emit(Opcode::ResultRow, out, 1, 0);
                    Ok(vec![if n == "busy_timeout" {
                        "timeout".into()
                    } else {
                        n.to_string()
                    }])
                } else {
                    Ok(vec![])
                }
            }
            _ => {
                // Unknown pragmas are silently ignored, as in SQLite.
                self.no_tx = true;
                Ok(vec![])
            }
        }
    }
}

/// The text SQLite stores in `sqlite_schema.sql` for a CREATE statement: `CREATE <kind> `
/// followed by the statement as typed from the object's name on (so `create temp table if
/// not exists main.t(a)` is stored as `CREATE TABLE t(a)`).
pub fn stored_text(kind: &str, text: &str) -> String {
    let toks = super::alter::tokens(text);
    match super::alter::create_name_tok(text, &toks).and_then(|i| toks.get(i)) {
        Some(t) => format!("CREATE {kind} {}", text.get(t.s..).unwrap_or("")),
        None => text.to_string(),
    }
}

/// SQLite's `identPut`: quote an identifier when it is empty, starts with a digit, holds a
/// character other than letters, digits and `_`, or is a keyword.
pub fn ident_put(z: &str) -> String {
    let plain = !z.is_empty()
        && !z.as_bytes()[0].is_ascii_digit()
        && z.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80)
        && sqlite3_parser::dialect::keyword_token(z.as_bytes()).is_none();
    if plain {
        z.to_string()
    } else {
        format!("\"{}\"", z.replace('"', "\"\""))
    }
}

/// A DEFAULT value must be constant: literals, signed literals, parenthesized constants,
/// CURRENT_* and constant expressions without column references.
pub fn is_constant(e: &Expr) -> bool {
    match e {
        Expr::Literal(_) => true,
        Expr::Id(i) => {
            i.0.starts_with('"')
                || i.0.eq_ignore_ascii_case("true")
                || i.0.eq_ignore_ascii_case("false")
        }
        Expr::Name(_) | Expr::Qualified(..) | Expr::DoublyQualified(..) => false,
        Expr::Variable(_) => false,
        Expr::Subquery(_) | Expr::Exists(_) | Expr::InSelect { .. } | Expr::InTable { .. } => false,
        _ => {
            let mut ok = true;
            super::expr::walk_children(e, &mut |c| ok &= is_constant(c));
            ok
        }
    }
}
