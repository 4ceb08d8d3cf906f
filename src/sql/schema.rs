//! In-memory model of one database's schema, loaded from `sqlite_schema` rows (SQL engineer).
//!
//! Invariants kept by [`Schema::load`]:
//! - `tables[0]` is `sqlite_schema` itself (root page 1, five columns); it is also found under
//!   the names `sqlite_master`, `sqlite_temp_master` and `sqlite_temp_schema`.
//! - every `Index` names a table present in `tables`; `Table::indexes` lists the positions in
//!   `Schema::indexes` of that table's indexes, automatic indexes first in creation order, then
//!   explicit ones in `sqlite_schema` order.
//! - an automatic index (`sqlite_autoindex_<table>_<N>`, NULL `sql`) is derived from the
//!   PRIMARY KEY / UNIQUE constraints of its table's `CREATE TABLE` text; N counts the
//!   constraints that produce a new index, in the order SQLite numbers them (column
//!   constraints as the columns come, then table constraints); a constraint whose column list
//!   equals an earlier one's adds no index.
//! - `Table::ipk` is the column that aliases the rowid (`INTEGER PRIMARY KEY`), if any; that
//!   column has no automatic index.
//! - names compare case-insensitively (ASCII), as in SQLite.
//!
//! Nothing here panics on the `sql` text of a row: a row whose text does not parse makes
//! `load` fail with `malformed database schema (name)`, as SQLite does.

use crate::error::{codes::SQLITE_CORRUPT, Error, Result};
use crate::pager::Pgno;
use fallible_iterator::FallibleIterator;
use sqlite3_parser::ast;

/// One row of `sqlite_schema`: (type, name, tbl_name, rootpage, sql).
#[derive(Clone, Debug)]
pub struct SchemaRow {
    pub kind: String,
    pub name: String,
    pub tbl_name: String,
    pub rootpage: Pgno,
    pub sql: Option<String>,
}

/// SQLite's column affinity letters (`SQLITE_AFF_*`).
pub const AFF_NONE: u8 = 0;
pub const AFF_BLOB: u8 = b'A';
pub const AFF_TEXT: u8 = b'B';
pub const AFF_NUMERIC: u8 = b'C';
pub const AFF_INTEGER: u8 = b'D';
pub const AFF_REAL: u8 = b'E';

/// Affinity of a declared type by SQLite's five rules (datatype3.html §3.1).
pub fn affinity_of_type(decl: Option<&str>) -> u8 {
    let t = match decl {
        None => return AFF_BLOB,
        Some(t) => t.to_ascii_uppercase(),
    };
    if t.contains("INT") {
        AFF_INTEGER
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        AFF_TEXT
    } else if t.contains("BLOB") || t.trim().is_empty() {
        AFF_BLOB
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        AFF_REAL
    } else {
        AFF_NUMERIC
    }
}

/// Remove SQL quoting from an identifier: `"a""b"`, `[a]`, `` `a` ``, `'a'`.
pub fn dequote(s: &str) -> String {
    let b = s.as_bytes();
    if b.len() >= 2 {
        let (q, close) = match b[0] {
            b'"' => (b'"', b'"'),
            b'\'' => (b'\'', b'\''),
            b'`' => (b'`', b'`'),
            b'[' => (b'[', b']'),
            _ => return s.to_string(),
        };
        if b[b.len() - 1] != close {
            return s.to_string();
        }
        let inner = &s[1..s.len() - 1];
        if q == b'[' {
            return inner.to_string();
        }
        let qs = (q as char).to_string();
        return inner.replace(&format!("{qs}{qs}"), &qs);
    }
    s.to_string()
}

#[derive(Clone, Debug)]
pub struct Column {
    pub name: String,
    /// Declared type as written (e.g. `VARCHAR(10)`), `None` if absent.
    pub decltype: Option<String>,
    pub affinity: u8,
    pub notnull: bool,
    /// DEFAULT expression, and its text as written (for `PRAGMA table_info`).
    pub default: Option<ast::Expr>,
    pub default_text: Option<String>,
    /// Collation name (None = BINARY).
    pub collation: Option<String>,
    /// 1-based position in the PRIMARY KEY, 0 if not part of it.
    pub pk: usize,
    /// `AS (expr)` of a generated column (`generated.rs`).
    pub generated: Option<ast::Expr>,
    /// The generated column is STORED (else VIRTUAL).
    pub gen_stored: bool,
}

#[derive(Clone, Debug)]
pub struct Table {
    pub name: String,
    pub root: Pgno,
    pub columns: Vec<Column>,
    /// Column aliasing the rowid (INTEGER PRIMARY KEY).
    pub ipk: Option<usize>,
    pub autoincrement: bool,
    pub without_rowid: bool,
    /// A STRICT table (`strict.rs`).
    pub strict: bool,
    /// WITHOUT ROWID: the PRIMARY KEY columns, in key order (`without_rowid.rs`).
    pub wr_pk: Vec<IndexColumn>,
    /// A view (no b-tree); `select` holds its definition.
    pub is_view: bool,
    pub view_select: Option<Box<ast::Select>>,
    /// Positions in `Schema::indexes`.
    pub indexes: Vec<usize>,
    pub sql: Option<String>,
}

impl Table {
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(name))
    }
    /// `PRAGMA table_info` style declared type (empty string when absent).
    pub fn affinity_string(&self) -> String {
        self.columns.iter().map(|c| c.affinity as char).collect()
    }
}

/// Where an index comes from (`PRAGMA index_list` origin column).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexOrigin {
    /// CREATE INDEX
    Create,
    /// UNIQUE constraint
    Unique,
    /// PRIMARY KEY constraint
    PrimaryKey,
}

#[derive(Clone, Debug)]
pub struct IndexColumn {
    /// Table column index; [`XN_EXPR`] for an expression column.
    pub column: usize,
    pub desc: bool,
    /// Explicit or inherited collation name (None = BINARY).
    pub collation: Option<String>,
    /// The expression of an expression column (`CREATE INDEX i ON t(a+b)`).
    pub expr: Option<ast::Expr>,
}

/// `IndexColumn::column` of an expression column (SQLite's `XN_EXPR`): matches no table
/// column.
pub const XN_EXPR: usize = usize::MAX;

#[derive(Clone, Debug)]
pub struct Index {
    pub name: String,
    pub table: String,
    pub root: Pgno,
    pub columns: Vec<IndexColumn>,
    pub unique: bool,
    pub origin: IndexOrigin,
    /// Partial index WHERE clause.
    pub partial: Option<ast::Expr>,
    pub sql: Option<String>,
}

impl Index {
    /// Whether any key column is an expression.
    pub fn has_expr(&self) -> bool {
        self.columns.iter().any(|c| c.expr.is_some())
    }
}

#[derive(Clone, Debug, Default)]
pub struct Schema {
    /// Schema cookie (header meta 1) the schema was loaded at; `Transaction` checks it.
    pub cookie: u32,
    /// The rows as loaded.
    pub rows: Vec<SchemaRow>,
    pub tables: Vec<Table>,
    pub indexes: Vec<Index>,
    /// (name, table) of triggers (kept so that names are reserved).
    pub triggers: Vec<(String, String)>,
}

fn schema_table() -> Table {
    let col = |n: &str, t: &str| Column {
        name: n.to_string(),
        decltype: Some(t.to_string()),
        affinity: affinity_of_type(Some(t)),
        notnull: false,
        default: None,
        default_text: None,
        collation: None,
        pk: 0,
        generated: None,
        gen_stored: false,
    };
    Table {
        name: "sqlite_schema".to_string(),
        root: 1,
        columns: vec![
            col("type", "text"),
            col("name", "text"),
            col("tbl_name", "text"),
            col("rootpage", "int"),
            col("sql", "text"),
        ],
        ipk: None,
        autoincrement: false,
        without_rowid: false,
        strict: false,
        wr_pk: vec![],
        is_view: false,
        view_select: None,
        indexes: vec![],
        sql: None,
    }
}

fn malformed(name: &str) -> Error {
    Error::new(
        SQLITE_CORRUPT,
        format!("malformed database schema ({name})"),
    )
}

/// Parse one statement of schema text.
pub fn parse_one(sql: &str) -> Result<ast::Stmt> {
    let mut p = sqlite3_parser::lexer::sql::Parser::new(sql.as_bytes());
    match p.next() {
        Ok(Some(ast::Cmd::Stmt(s))) => Ok(s),
        _ => Err(Error::sql("parse error")),
    }
}

/// Text of an expression as SQLite would show it for `PRAGMA table_info` dflt_value.
pub fn expr_text(e: &ast::Expr) -> String {
    e.to_string()
}

fn type_text(t: &ast::Type) -> String {
    match &t.size {
        None => t.name.clone(),
        Some(ast::TypeSize::MaxSize(a)) => format!("{}({})", t.name, a),
        Some(ast::TypeSize::TypeSize(a, b)) => format!("{}({},{})", t.name, a, b),
    }
}

/// The value of a constant expression as SQLite's `sqlite3ValueFromExpr` computes it:
/// literals, signed numbers, `CAST`, parentheses around one of those. `None` when the
/// expression is not that simple (e.g. `1+1`, `CURRENT_TIME`).
pub fn const_value(e: &ast::Expr) -> Option<crate::value::Value> {
    use crate::value::Value;
    match e {
        ast::Expr::Literal(l) => match l {
            ast::Literal::Numeric(s) => super::expr::numeric_literal(s).ok(),
            ast::Literal::String(s) => Some(Value::text(&super::expr::unquote_string(s))),
            ast::Literal::Blob(h) => {
                let b = h.as_bytes();
                if b.len() % 2 != 0 {
                    return None;
                }
                let mut out = Vec::with_capacity(b.len() / 2);
                for ch in b.chunks(2) {
                    let s = std::str::from_utf8(ch).ok()?;
                    out.push(u8::from_str_radix(s, 16).ok()?);
                }
                Some(Value::Blob(out))
            }
            ast::Literal::Null => Some(Value::Null),
            _ => None,
        },
        ast::Expr::Id(i) if i.0.eq_ignore_ascii_case("true") => Some(Value::Integer(1)),
        ast::Expr::Id(i) if i.0.eq_ignore_ascii_case("false") => Some(Value::Integer(0)),
        ast::Expr::Unary(ast::UnaryOperator::Positive, x) => const_value(x),
        ast::Expr::Unary(ast::UnaryOperator::Negative, x) => match const_value(x)? {
            Value::Integer(i) => Some(match i.checked_neg() {
                Some(n) => Value::Integer(n),
                None => Value::Real(-(i as f64)),
            }),
            Value::Real(r) => Some(Value::Real(-r)),
            Value::Null => Some(Value::Null),
            v => match crate::vdbe::mem::cast(&v, AFF_NUMERIC) {
                Value::Integer(i) => Some(Value::Integer(i.wrapping_neg())),
                Value::Real(r) => Some(Value::Real(-r)),
                _ => None,
            },
        },
        ast::Expr::Parenthesized(v) if v.len() == 1 => const_value(&v[0]),
        ast::Expr::Cast { expr, type_name } => {
            let v = const_value(expr)?;
            let aff = affinity_of_type(type_name.as_ref().map(|t| t.name.as_str()));
            Some(crate::vdbe::mem::cast(&v, aff))
        }
        _ => None,
    }
}

/// P4 of an `OP_Column` reading column `c`: its DEFAULT (with the column's affinity
/// applied, as `sqlite3ColumnDefault`) for records written before an `ADD COLUMN`.
pub fn column_default_p4(c: &Column) -> crate::vdbe::P4 {
    match c.default.as_ref().and_then(const_value) {
        Some(crate::value::Value::Null) | None => crate::vdbe::P4::None,
        Some(mut v) => {
            crate::vdbe::mem::apply_affinity(&mut v, c.affinity);
            if c.affinity == AFF_REAL {
                if let crate::value::Value::Integer(i) = v {
                    v = crate::value::Value::Real(i as f64);
                }
            }
            crate::vdbe::P4::Value(v)
        }
    }
}

/// The declared type of each column of a CREATE TABLE text as SQLite keeps it: the type
/// tokens as typed (inner spacing kept), or the upper-case standard name when the type is
/// exactly one of `ANY BLOB INT INTEGER REAL TEXT` (any case). `None` for no type. Empty
/// when the column list cannot be found.
pub fn declared_types(sql: &str) -> Vec<Option<String>> {
    let toks = super::alter::tokens(sql);
    let text = |i: usize| -> &str { toks.get(i).and_then(|t| sql.get(t.s..t.e)).unwrap_or("") };
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    // Find the column list.
    while i < toks.len() && text(i) != "(" {
        i += 1;
    }
    if i >= toks.len() {
        return out;
    }
    i += 1;
    depth += 1;
    let mut at_start = true;
    while i < toks.len() && depth > 0 {
        let t = text(i).to_ascii_uppercase();
        if at_start {
            at_start = false;
            if matches!(
                t.as_str(),
                "CONSTRAINT" | "PRIMARY" | "UNIQUE" | "CHECK" | "FOREIGN"
            ) {
                break;
            }
            // Column name, then the type tokens.
            i += 1;
            let first = i;
            let mut last: Option<usize> = None;
            let mut d = 0usize;
            while i < toks.len() {
                let u = text(i).to_ascii_uppercase();
                if d == 0
                    && (matches!(
                        u.as_str(),
                        "," | ")"
                            | "CONSTRAINT"
                            | "PRIMARY"
                            | "NOT"
                            | "NULL"
                            | "UNIQUE"
                            | "CHECK"
                            | "DEFAULT"
                            | "COLLATE"
                            | "REFERENCES"
                            | "GENERATED"
                            | "AS"
                    ))
                {
                    break;
                }
                if u == "(" {
                    d += 1;
                } else if u == ")" {
                    d = d.saturating_sub(1);
                }
                last = Some(i);
                i += 1;
            }
            out.push(last.and_then(|l| {
                let s = toks.get(first)?.s;
                let e = toks.get(l)?.e;
                let ty = sql.get(s..e)?;
                let std = ["ANY", "BLOB", "INT", "INTEGER", "REAL", "TEXT"];
                Some(match std.iter().find(|x| x.eq_ignore_ascii_case(ty)) {
                    Some(x) => x.to_string(),
                    None => ty.to_string(),
                })
            }));
            continue;
        }
        match t.as_str() {
            "(" => depth += 1,
            ")" => depth -= 1,
            "," if depth == 1 => at_start = true,
            _ => {}
        }
        i += 1;
    }
    out
}

/// Pieces of an index to be made from a constraint, before root pages are known.
pub struct AutoIndexSpec {
    pub columns: Vec<IndexColumn>,
    pub origin: IndexOrigin,
}

/// Build a table model from a CREATE TABLE statement. Returns the table and the automatic
/// indexes it needs (in SQLite's numbering order).
pub fn table_from_create(
    name: &str,
    body: &ast::CreateTableBody,
) -> Result<(Table, Vec<AutoIndexSpec>)> {
    let (columns_def, constraints, options) = match body {
        ast::CreateTableBody::ColumnsAndConstraints {
            columns,
            constraints,
            options,
        } => (columns, constraints, options),
        ast::CreateTableBody::AsSelect(_) => {
            return Err(Error::sql("CREATE TABLE ... AS SELECT is not supported"))
        }
    };
    let without_rowid = options.contains(ast::TableOptions::WITHOUT_ROWID);
    let mut cols: Vec<Column> = Vec::new();
    let mut autos: Vec<AutoIndexSpec> = Vec::new();
    let mut ipk: Option<usize> = None;
    let mut pk_seen = false;
    let mut autoincrement = false;
    let mut pk_cols: Vec<usize> = Vec::new();

    // Closure-free helper to add an auto index spec unless an identical one exists.
    fn add_auto(autos: &mut Vec<AutoIndexSpec>, spec: AutoIndexSpec) {
        let same = autos.iter().any(|a| {
            a.columns.len() == spec.columns.len()
                && a.columns.iter().zip(&spec.columns).all(|(x, y)| {
                    x.column == y.column
                        && x.collation.as_deref().map(|s| s.to_ascii_lowercase())
                            == y.collation.as_deref().map(|s| s.to_ascii_lowercase())
                })
        });
        if !same {
            autos.push(spec);
        }
    }

    for (i, (_, cd)) in columns_def.iter().enumerate() {
        let decl = cd.col_type.as_ref().map(type_text);
        let mut col = Column {
            name: dequote(&cd.col_name.0),
            affinity: affinity_of_type(cd.col_type.as_ref().map(|t| t.name.as_str())),
            decltype: decl,
            notnull: false,
            default: None,
            default_text: None,
            collation: None,
            pk: 0,
            generated: None,
            gen_stored: false,
        };
        for c in &cd.constraints {
            match &c.constraint {
                ast::ColumnConstraint::Collate { collation_name } => {
                    col.collation = Some(dequote(&collation_name.0));
                }
                ast::ColumnConstraint::Generated { expr, typ } => {
                    col.generated = Some(expr.clone());
                    col.gen_stored = typ
                        .as_ref()
                        .map(|t| t.0.eq_ignore_ascii_case("STORED"))
                        .unwrap_or(false);
                }
                _ => {}
            }
        }
        cols.push(col);
        for c in &cd.constraints {
            match &c.constraint {
                ast::ColumnConstraint::NotNull { nullable, .. } => {
                    if !nullable {
                        cols[i].notnull = true;
                    }
                }
                ast::ColumnConstraint::Default(e) => {
                    cols[i].default_text = Some(expr_text(e));
                    cols[i].default = Some(e.clone());
                }
                ast::ColumnConstraint::PrimaryKey {
                    order,
                    auto_increment,
                    ..
                } => {
                    if pk_seen {
                        return Err(Error::sql(format!(
                            "table \"{name}\" has more than one primary key"
                        )));
                    }
                    pk_seen = true;
                    pk_cols = vec![i];
                    let is_int = cd
                        .col_type
                        .as_ref()
                        .map(|t| t.name.eq_ignore_ascii_case("INTEGER") && t.size.is_none())
                        .unwrap_or(false);
                    if is_int && without_rowid && *auto_increment {
                        return Err(Error::sql(
                            "AUTOINCREMENT not allowed on WITHOUT ROWID tables",
                        ));
                    }
                    if is_int && !without_rowid && *order != Some(ast::SortOrder::Desc) {
                        ipk = Some(i);
                        autoincrement = *auto_increment;
                    } else {
                        if *auto_increment {
                            return Err(Error::sql(
                                "AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY",
                            ));
                        }
                        add_auto(
                            &mut autos,
                            AutoIndexSpec {
                                columns: vec![IndexColumn {
                                    column: i,
                                    desc: without_rowid && *order == Some(ast::SortOrder::Desc),
                                    collation: cols[i].collation.clone(),
                                    expr: None,
                                }],
                                origin: IndexOrigin::PrimaryKey,
                            },
                        );
                    }
                }
                ast::ColumnConstraint::Unique(_) => add_auto(
                    &mut autos,
                    AutoIndexSpec {
                        columns: vec![IndexColumn {
                            column: i,
                            desc: false,
                            collation: cols[i].collation.clone(),
                            expr: None,
                        }],
                        origin: IndexOrigin::Unique,
                    },
                ),
                _ => {}
            }
        }
    }
    let find = |n: &ast::Name, cols: &[Column]| -> Result<usize> {
        let n = dequote(&n.0);
        cols.iter()
            .position(|c| c.name.eq_ignore_ascii_case(&n))
            .ok_or_else(|| Error::sql(format!("no such column: {n}")))
    };
    let sorted_cols = |list: &[ast::SortedColumn], cols: &[Column]| -> Result<Vec<IndexColumn>> {
        let mut out = Vec::new();
        for sc in list {
            let (inner, coll) = match &sc.expr {
                ast::Expr::Collate(e, c) => (&**e, Some(dequote(c))),
                e => (e, None),
            };
            let n = match inner {
                ast::Expr::Id(id) => ast::Name(id.0.clone()),
                ast::Expr::Name(n) => n.clone(),
                ast::Expr::Literal(ast::Literal::String(s)) => ast::Name(s.clone()),
                _ => {
                    return Err(Error::sql(
                        "expressions prohibited in PRIMARY KEY and UNIQUE constraints",
                    ))
                }
            };
            let ci = find(&n, cols)?;
            out.push(IndexColumn {
                column: ci,
                desc: sc.order == Some(ast::SortOrder::Desc),
                collation: coll.or_else(|| cols[ci].collation.clone()),
                expr: None,
            });
        }
        Ok(out)
    };
    if let Some(cons) = constraints {
        for c in cons {
            match &c.constraint {
                ast::TableConstraint::PrimaryKey {
                    columns,
                    auto_increment,
                    ..
                } => {
                    if pk_seen {
                        return Err(Error::sql(format!(
                            "table \"{name}\" has more than one primary key"
                        )));
                    }
                    pk_seen = true;
                    let ics = sorted_cols(columns, &cols)?;
                    pk_cols = ics.iter().map(|c| c.column).collect();
                    let single_int = ics.len() == 1
                        && cols[ics[0].column]
                            .decltype
                            .as_deref()
                            .map(|t| t.eq_ignore_ascii_case("INTEGER"))
                            .unwrap_or(false);
                    if single_int && without_rowid && *auto_increment {
                        return Err(Error::sql(
                            "AUTOINCREMENT not allowed on WITHOUT ROWID tables",
                        ));
                    }
                    let single_int = single_int && !without_rowid;
                    if single_int {
                        ipk = Some(ics[0].column);
                        autoincrement = *auto_increment;
                    } else {
                        if *auto_increment {
                            return Err(Error::sql(
                                "AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY",
                            ));
                        }
                        add_auto(
                            &mut autos,
                            AutoIndexSpec {
                                columns: ics,
                                origin: IndexOrigin::PrimaryKey,
                            },
                        );
                    }
                }
                ast::TableConstraint::Unique { columns, .. } => {
                    let ics = sorted_cols(columns, &cols)?;
                    add_auto(
                        &mut autos,
                        AutoIndexSpec {
                            columns: ics,
                            origin: IndexOrigin::Unique,
                        },
                    );
                }
                _ => {}
            }
        }
    }
    for (k, ci) in pk_cols.iter().enumerate() {
        if let Some(c) = cols.get_mut(*ci) {
            c.pk = k + 1;
        }
    }
    let strict = options.contains(ast::TableOptions::STRICT);
    let mut wr_pk = Vec::new();
    if without_rowid {
        if !pk_seen {
            return Err(Error::sql(format!("PRIMARY KEY missing on table {name}")));
        }
        if autoincrement {
            return Err(Error::sql(
                "AUTOINCREMENT not allowed on WITHOUT ROWID tables",
            ));
        }
        if let Some(spec) = autos.iter().find(|a| a.origin == IndexOrigin::PrimaryKey) {
            wr_pk = spec.columns.clone();
        }
        // The PRIMARY KEY columns of a WITHOUT ROWID table are NOT NULL.
        for c in cols.iter_mut().filter(|c| c.pk > 0) {
            c.notnull = true;
        }
    }
    if strict {
        super::strict::strict_columns(name, &mut cols)?;
    }
    Ok((
        Table {
            name: name.to_string(),
            root: 0,
            columns: cols,
            ipk,
            autoincrement,
            without_rowid,
            strict,
            wr_pk,
            is_view: false,
            view_select: None,
            indexes: vec![],
            sql: None,
        },
        autos,
    ))
}

impl Schema {
    /// Build the schema model from the rows of `sqlite_schema` (in rowid order).
    pub fn load(rows: Vec<SchemaRow>, cookie: u32) -> Result<Schema> {
        let mut s = Schema {
            cookie,
            rows: Vec::new(),
            tables: vec![schema_table()],
            indexes: Vec::new(),
            triggers: Vec::new(),
        };
        // Pending automatic index specs per table, consumed by the NULL-sql index rows.
        let mut pending: Vec<(String, Vec<AutoIndexSpec>)> = Vec::new();
        for row in &rows {
            match row.kind.as_str() {
                "table" => {
                    let sql = row.sql.as_deref().ok_or_else(|| malformed(&row.name))?;
                    let stmt = parse_one(sql).map_err(|_| malformed(&row.name))?;
                    let body = match &stmt {
                        ast::Stmt::CreateTable { body, .. } => body,
                        ast::Stmt::CreateVirtualTable { .. } => continue,
                        _ => return Err(malformed(&row.name)),
                    };
                    let (mut t, autos) =
                        table_from_create(&row.name, body).map_err(|_| malformed(&row.name))?;
                    t.root = row.rootpage;
                    t.sql = row.sql.clone();
                    let types = declared_types(sql);
                    if types.len() == t.columns.len() {
                        for (c, ty) in t.columns.iter_mut().zip(types) {
                            c.decltype = ty;
                        }
                    }
                    pending.push((row.name.clone(), autos));
                    s.tables.push(t);
                }
                "view" => {
                    let sql = row.sql.as_deref().ok_or_else(|| malformed(&row.name))?;
                    let stmt = parse_one(sql).map_err(|_| malformed(&row.name))?;
                    if let ast::Stmt::CreateView { select, .. } = stmt {
                        s.tables.push(Table {
                            name: row.name.clone(),
                            root: 0,
                            columns: vec![],
                            ipk: None,
                            autoincrement: false,
                            without_rowid: false,
                            strict: false,
                            wr_pk: vec![],
                            is_view: true,
                            view_select: Some(Box::new(select)),
                            indexes: vec![],
                            sql: row.sql.clone(),
                        });
                    }
                }
                "index" => {
                    let ti = s
                        .table_pos(&row.tbl_name)
                        .ok_or_else(|| malformed(&row.name))?;
                    match &row.sql {
                        None => {
                            // sqlite_autoindex_<table>_<N>
                            let n: usize = row
                                .name
                                .rsplit('_')
                                .next()
                                .and_then(|x| x.parse().ok())
                                .ok_or_else(|| malformed(&row.name))?;
                            let specs = pending
                                .iter_mut()
                                .find(|(t, _)| t.eq_ignore_ascii_case(&row.tbl_name))
                                .ok_or_else(|| malformed(&row.name))?;
                            let spec = specs
                                .1
                                .get_mut(n.wrapping_sub(1))
                                .ok_or_else(|| malformed(&row.name))?;
                            let idx = Index {
                                name: row.name.clone(),
                                table: s.tables[ti].name.clone(),
                                root: row.rootpage,
                                columns: std::mem::take(&mut spec.columns),
                                unique: true,
                                origin: spec.origin,
                                partial: None,
                                sql: None,
                            };
                            s.push_index(ti, idx);
                        }
                        Some(sql) => {
                            let stmt = parse_one(sql).map_err(|_| malformed(&row.name))?;
                            let idx = index_from_create(&stmt, &s.tables[ti])
                                .map_err(|_| malformed(&row.name))?;
                            let idx = Index {
                                root: row.rootpage,
                                sql: Some(sql.clone()),
                                ..idx
                            };
                            s.push_index(ti, idx);
                        }
                    }
                }
                "trigger" => s.triggers.push((row.name.clone(), row.tbl_name.clone())),
                _ => {}
            }
        }
        s.rows = rows;
        Ok(s)
    }

    fn push_index(&mut self, ti: usize, idx: Index) {
        self.indexes.push(idx);
        let pos = self.indexes.len() - 1;
        if let Some(t) = self.tables.get_mut(ti) {
            t.indexes.push(pos);
        }
    }

    pub fn table_pos(&self, name: &str) -> Option<usize> {
        let n = name.to_ascii_lowercase();
        if matches!(
            n.as_str(),
            "sqlite_master" | "sqlite_schema" | "sqlite_temp_master" | "sqlite_temp_schema"
        ) {
            return Some(0);
        }
        self.tables
            .iter()
            .position(|t| t.name.eq_ignore_ascii_case(name))
    }

    pub fn table(&self, name: &str) -> Option<&Table> {
        self.table_pos(name).and_then(|i| self.tables.get(i))
    }

    pub fn index(&self, name: &str) -> Option<&Index> {
        self.indexes
            .iter()
            .find(|i| i.name.eq_ignore_ascii_case(name))
    }

    /// The indexes of a table.
    pub fn table_indexes<'a>(&'a self, t: &'a Table) -> impl Iterator<Item = &'a Index> + 'a {
        t.indexes.iter().filter_map(move |&i| self.indexes.get(i))
    }
}

/// Build an index model (root 0) from a CREATE INDEX statement on `table`.
pub fn index_from_create(stmt: &ast::Stmt, table: &Table) -> Result<Index> {
    match stmt {
        ast::Stmt::CreateIndex {
            unique,
            idx_name,
            columns,
            where_clause,
            ..
        } => {
            let mut out = Vec::new();
            for sc in columns {
                let (mut inner, coll) = match &sc.expr {
                    ast::Expr::Collate(e, c) => (&**e, Some(dequote(c))),
                    e => (e, None),
                };
                while let ast::Expr::Parenthesized(v) = inner {
                    match v.as_slice() {
                        [one] => inner = one,
                        _ => break,
                    }
                }
                let n = match inner {
                    ast::Expr::Id(id) => Some(dequote(&id.0)),
                    ast::Expr::Name(n) => Some(dequote(&n.0)),
                    ast::Expr::Literal(ast::Literal::String(s)) => Some(dequote(s)),
                    _ => None,
                };
                // A lone string literal names a column, as SQLite reads it.
                let ci = match &n {
                    Some(n) => Some(
                        table
                            .column_index(n)
                            .ok_or_else(|| Error::sql(format!("no such column: {n}")))?,
                    ),
                    None => None,
                };
                match ci {
                    Some(ci) => out.push(IndexColumn {
                        column: ci,
                        desc: sc.order == Some(ast::SortOrder::Desc),
                        collation: coll.or_else(|| table.columns[ci].collation.clone()),
                        expr: None,
                    }),
                    None => {
                        super::index_expr::check_index_expr(inner, table, false)?;
                        out.push(IndexColumn {
                            column: XN_EXPR,
                            desc: sc.order == Some(ast::SortOrder::Desc),
                            collation: coll
                                .or_else(|| super::index_expr::expr_collation(inner, table)),
                            expr: Some(inner.clone()),
                        })
                    }
                }
            }
            if let Some(w) = where_clause {
                super::index_expr::check_index_expr(w, table, true)?;
            }
            Ok(Index {
                name: dequote(&idx_name.name.0),
                table: table.name.clone(),
                root: 0,
                columns: out,
                unique: *unique,
                origin: IndexOrigin::Create,
                partial: where_clause.clone(),
                sql: None,
            })
        }
        _ => Err(Error::sql("not a CREATE INDEX")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: &str, name: &str, tbl: &str, root: u32, sql: Option<&str>) -> SchemaRow {
        SchemaRow {
            kind: kind.into(),
            name: name.into(),
            tbl_name: tbl.into(),
            rootpage: root,
            sql: sql.map(|s| s.into()),
        }
    }

    #[test]
    fn affinity_rules() {
        assert_eq!(affinity_of_type(Some("INT")), AFF_INTEGER);
        assert_eq!(affinity_of_type(Some("TINYINT")), AFF_INTEGER);
        assert_eq!(affinity_of_type(Some("VARCHAR(10)")), AFF_TEXT);
        assert_eq!(affinity_of_type(Some("nchar")), AFF_TEXT);
        assert_eq!(affinity_of_type(Some("CLOB")), AFF_TEXT);
        assert_eq!(affinity_of_type(Some("BLOB")), AFF_BLOB);
        assert_eq!(affinity_of_type(None), AFF_BLOB);
        assert_eq!(affinity_of_type(Some("DOUBLE PRECISION")), AFF_REAL);
        assert_eq!(affinity_of_type(Some("FLOAT")), AFF_REAL);
        assert_eq!(affinity_of_type(Some("DECIMAL(10,5)")), AFF_NUMERIC);
        assert_eq!(affinity_of_type(Some("BOOLEAN")), AFF_NUMERIC);
        // rule order: INT wins over CHAR; "FLOATING POINT" is INTEGER (contains INT)
        assert_eq!(affinity_of_type(Some("CHARINT")), AFF_INTEGER);
        assert_eq!(affinity_of_type(Some("FLOATING POINT")), AFF_INTEGER);
        assert_eq!(affinity_of_type(Some("STRING")), AFF_NUMERIC);
    }

    #[test]
    fn load_table_and_autoindexes() {
        let s = Schema::load(
            vec![
                row(
                    "table",
                    "t",
                    "t",
                    2,
                    Some("CREATE TABLE t(a UNIQUE, b, c, PRIMARY KEY(b,c), UNIQUE(a))"),
                ),
                row("index", "sqlite_autoindex_t_1", "t", 3, None),
                row("index", "sqlite_autoindex_t_2", "t", 4, None),
                row(
                    "index",
                    "tc",
                    "t",
                    5,
                    Some("CREATE INDEX tc ON t(c DESC, a COLLATE nocase)"),
                ),
            ],
            7,
        )
        .unwrap();
        assert_eq!(s.cookie, 7);
        let t = s.table("T").unwrap();
        assert_eq!(t.root, 2);
        assert_eq!(t.ipk, None);
        assert_eq!(
            t.columns.iter().map(|c| c.pk).collect::<Vec<_>>(),
            vec![0, 1, 2]
        );
        let idx: Vec<&Index> = s.table_indexes(t).collect();
        assert_eq!(idx.len(), 3);
        assert_eq!(idx[0].name, "sqlite_autoindex_t_1");
        assert_eq!(idx[0].origin, IndexOrigin::Unique);
        assert_eq!(idx[0].columns[0].column, 0);
        assert_eq!(idx[1].origin, IndexOrigin::PrimaryKey);
        assert_eq!(
            idx[1].columns.iter().map(|c| c.column).collect::<Vec<_>>(),
            vec![1, 2]
        );
        assert!(!idx[2].unique);
        assert!(idx[2].columns[0].desc);
        assert_eq!(idx[2].columns[1].collation.as_deref(), Some("nocase"));
        assert_eq!(s.table("sqlite_master").unwrap().root, 1);
    }

    #[test]
    fn rowid_alias_rules() {
        let mk = |sql: &str| {
            Schema::load(vec![row("table", "t", "t", 2, Some(sql))], 1)
                .unwrap()
                .table("t")
                .unwrap()
                .clone()
        };
        assert_eq!(mk("CREATE TABLE t(x INTEGER PRIMARY KEY, y)").ipk, Some(0));
        assert_eq!(
            mk("CREATE TABLE t(x integer primary key autoincrement)").ipk,
            Some(0)
        );
        assert_eq!(
            mk("CREATE TABLE t(y, x INTEGER, PRIMARY KEY(x DESC))").ipk,
            Some(1)
        );
        assert_eq!(mk("CREATE TABLE t(x INTEGER PRIMARY KEY DESC)").ipk, None);
        assert_eq!(mk("CREATE TABLE t(x INT PRIMARY KEY)").ipk, None);
        let t = mk("CREATE TABLE t(a TEXT NOT NULL DEFAULT 'x', \"b c\" NUMERIC)");
        assert!(t.columns[0].notnull);
        assert_eq!(t.columns[0].default_text.as_deref(), Some("'x'"));
        assert_eq!(t.columns[1].name, "b c");
        assert_eq!(t.affinity_string(), "BC");
    }

    #[test]
    fn malformed_schema_is_an_error_not_a_panic() {
        let e =
            Schema::load(vec![row("table", "t", "t", 2, Some("CREATE TABLE t("))], 1).unwrap_err();
        assert_eq!(e.msg, "malformed database schema (t)");
        assert!(Schema::load(vec![row("index", "i", "nosuch", 3, None)], 1).is_err());
        assert!(Schema::load(
            vec![
                row("table", "t", "t", 2, Some("CREATE TABLE t(a)")),
                row("index", "sqlite_autoindex_t_9", "t", 3, None)
            ],
            1
        )
        .is_err());
    }

    #[test]
    fn dequote_forms() {
        assert_eq!(dequote("\"a\"\"b\""), "a\"b");
        assert_eq!(dequote("[x y]"), "x y");
        assert_eq!(dequote("`q`"), "q");
        assert_eq!(dequote("plain"), "plain");
    }
}
