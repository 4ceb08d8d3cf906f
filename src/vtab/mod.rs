//! Virtual tables (`vtab.html`): the engine-level module interface, the connection's module
//! registry and connected instances, and the built-in table-valued functions.
//!
//! Layout:
//! - this file: [`Module`] / [`VTab`] / [`VTabCursor`] traits (SQLite's `sqlite3_module`
//!   methods as Rust), [`IndexInfo`] (`sqlite3_index_info`), [`Registry`];
//! - `src/func/json_each.rs`: `json_each` / `json_tree` (built-in eponymous modules);
//! - `src/sql/vtab.rs`: compiling FROM items that are virtual tables, table-valued function
//!   calls and `CREATE VIRTUAL TABLE`;
//! - `src/vdbe/vtab.rs`: the `VOpen`/`VFilter`/`VNext`/`VColumn`/`VRowid`/`VUpdate` opcodes;
//! - `src/capi/vtab.rs`: C modules (`sqlite3_create_module_v2`) adapted to these traits.
//!
//! Life of an instance (one per (database, table name); eponymous modules use database 0 and
//! the module's name):
//! ```text
//!   (none) --compile needs it: Module::connect (xCreate for CREATE VIRTUAL TABLE)--> connected
//!   connected --DROP TABLE: VTab::destroy--> (none)
//!   connected --module re-registered / dropped / schema reloaded--> (none) (disconnect)
//! ```
//! Invariants:
//! - An [`Instance`]'s `columns` are the ones its module declared at connect time
//!   (`sqlite3_declare_vtab`), hidden columns flagged; compiled programs hold an
//!   `Arc<Instance>` so an instance outlives any statement using it.
//! - The compiler calls `best_index` and only passes the argument values the module asked for
//!   (`argv_index`), in that order, to `filter`.

use crate::error::{Error, Result};
use crate::value::Value;
use parking_lot::Mutex;
use std::sync::Arc;

/// `SQLITE_INDEX_CONSTRAINT_*` operators.
pub mod op {
    pub const EQ: u8 = 2;
    pub const GT: u8 = 4;
    pub const LE: u8 = 8;
    pub const LT: u8 = 16;
    pub const GE: u8 = 32;
    pub const MATCH: u8 = 64;
    pub const LIKE: u8 = 65;
    pub const GLOB: u8 = 66;
    pub const REGEXP: u8 = 67;
    pub const NE: u8 = 68;
    pub const ISNOT: u8 = 69;
    pub const ISNOTNULL: u8 = 70;
    pub const ISNULL: u8 = 71;
    pub const IS: u8 = 72;
    pub const LIMIT: u8 = 73;
    pub const OFFSET: u8 = 74;
    pub const FUNCTION: u8 = 150;
}

/// `SQLITE_INDEX_SCAN_UNIQUE`.
pub const INDEX_SCAN_UNIQUE: i32 = 1;

#[derive(Clone, Debug, Default)]
pub struct IndexConstraint {
    /// Column index (-1 = rowid).
    pub column: i32,
    pub op: u8,
    pub usable: bool,
}

#[derive(Clone, Debug, Default)]
pub struct IndexOrderBy {
    pub column: i32,
    pub desc: bool,
}

#[derive(Clone, Debug, Default)]
pub struct ConstraintUsage {
    /// 1-based position among `filter`'s arguments; 0 = not passed.
    pub argv_index: i32,
    /// The engine need not re-check the constraint.
    pub omit: bool,
}

/// `sqlite3_index_info`: inputs (constraints, order_by, col_used, and per-constraint
/// collation and right-hand value when known at plan time), outputs (the rest).
#[derive(Clone, Debug)]
pub struct IndexInfo {
    pub constraints: Vec<IndexConstraint>,
    pub order_by: Vec<IndexOrderBy>,
    pub usage: Vec<ConstraintUsage>,
    pub idx_num: i32,
    pub idx_str: Option<String>,
    pub order_by_consumed: bool,
    pub estimated_cost: f64,
    pub estimated_rows: i64,
    pub idx_flags: i32,
    pub col_used: u64,
    /// Collation of each constraint (`sqlite3_vtab_collation`).
    pub collations: Vec<String>,
    /// Right-hand value of each constraint when it is a constant (`sqlite3_vtab_rhs_value`).
    pub rhs: Vec<Option<Value>>,
    /// `sqlite3_vtab_distinct` answer: 0 plain, 1 GROUP BY, 2 DISTINCT, 3 DISTINCT+ORDER BY.
    pub distinct: i32,
}

impl IndexInfo {
    pub fn new(constraints: Vec<IndexConstraint>, order_by: Vec<IndexOrderBy>) -> IndexInfo {
        let n = constraints.len();
        IndexInfo {
            constraints,
            order_by,
            usage: vec![ConstraintUsage::default(); n],
            idx_num: 0,
            idx_str: None,
            order_by_consumed: false,
            estimated_cost: 5e98,
            estimated_rows: 25,
            idx_flags: 0,
            col_used: u64::MAX,
            collations: vec!["BINARY".into(); n],
            rhs: vec![None; n],
            distinct: 0,
        }
    }
}

/// A module (`sqlite3_module` + the pointer given to `create_module`).
pub trait Module: Send + Sync {
    /// xCreate (`create`) or xConnect: `args` are SQLite's argv (module name, database name,
    /// table name, then the module arguments as written). Returns the declared schema
    /// (`CREATE TABLE x(...)`) and the table.
    fn connect(&self, args: &[String], create: bool) -> Result<(String, Box<dyn VTab>)>;
    /// Usable as a table named after the module without CREATE VIRTUAL TABLE.
    fn eponymous(&self) -> bool {
        false
    }
    /// xCreate is NULL: CREATE VIRTUAL TABLE is refused.
    fn eponymous_only(&self) -> bool {
        false
    }
    /// The module has xUpdate.
    fn writable(&self) -> bool {
        false
    }
}

/// A connected table (`sqlite3_vtab`).
pub trait VTab: Send {
    fn best_index(&mut self, info: &mut IndexInfo) -> Result<()>;
    fn open(&mut self) -> Result<Box<dyn VTabCursor>>;
    /// xUpdate with SQLite's argument convention: `[old rowid]` = DELETE, `[NULL, new rowid
    /// or NULL, cols...]` = INSERT, `[old rowid, new rowid, cols...]` = UPDATE. Returns the
    /// rowid of an inserted row. `on_conflict` is `sqlite3_vtab_on_conflict`'s answer.
    fn update(&mut self, _args: &[Value], _on_conflict: i32) -> Result<Option<i64>> {
        Err(Error::sql("table is read-only"))
    }
    fn begin(&mut self) -> Result<()> {
        Ok(())
    }
    fn sync(&mut self) -> Result<()> {
        Ok(())
    }
    fn commit(&mut self) -> Result<()> {
        Ok(())
    }
    fn rollback(&mut self) -> Result<()> {
        Ok(())
    }
    fn rename(&mut self, _new_name: &str) -> Result<()> {
        Ok(())
    }
    fn savepoint(&mut self, _op: i32, _n: i32) -> Result<()> {
        Ok(())
    }
    /// xDestroy (DROP TABLE); `disconnect` otherwise happens on drop.
    fn destroy(&mut self) -> Result<()> {
        Ok(())
    }
}

/// An open cursor (`sqlite3_vtab_cursor`).
pub trait VTabCursor: Send {
    fn filter(&mut self, idx_num: i32, idx_str: Option<&str>, args: &[Value]) -> Result<()>;
    fn next(&mut self) -> Result<()>;
    fn eof(&self) -> bool;
    /// Column `i` of the current row (`nochange`: an UPDATE does not change it).
    fn column(&mut self, i: i32, nochange: bool) -> Result<Value>;
    fn rowid(&mut self) -> Result<i64>;
}

/// A column as declared by the module.
#[derive(Clone, Debug)]
pub struct VCol {
    pub name: String,
    pub decltype: Option<String>,
    pub hidden: bool,
}

/// A connected virtual table.
pub struct Instance {
    pub db: usize,
    /// Table name (module name for an eponymous table).
    pub name: String,
    pub module: String,
    pub columns: Vec<VCol>,
    pub vtab: Mutex<Box<dyn VTab>>,
    pub writable: bool,
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "vtab:{}", self.name)
    }
}

/// Parse a declared schema (`CREATE TABLE x(a, b HIDDEN, ...)`) into columns. A type that
/// contains the word HIDDEN marks the column hidden and the word is removed from the type.
pub fn parse_declared(sql: &str) -> Result<Vec<VCol>> {
    use sqlite3_parser::ast;
    let stmt = crate::sql::schema::parse_one(sql)
        .map_err(|_| Error::sql(format!("vtable constructor failed: {sql}")))?;
    let body = match stmt {
        ast::Stmt::CreateTable { body, .. } => body,
        _ => return Err(Error::sql("declare_vtab: not a CREATE TABLE")),
    };
    let cols: Vec<(String, Option<String>)> = match &body {
        ast::CreateTableBody::ColumnsAndConstraints { columns, .. } => columns
            .values()
            .map(|def| {
                let name = crate::sql::schema::dequote(&def.col_name.0);
                let ty = def.col_type.as_ref().map(|t| match &t.size {
                    None => t.name.clone(),
                    Some(ast::TypeSize::MaxSize(a)) => format!("{}({})", t.name, a),
                    Some(ast::TypeSize::TypeSize(a, b)) => format!("{}({},{})", t.name, a, b),
                });
                (name, ty)
            })
            .collect(),
        _ => return Err(Error::sql("declare_vtab: not a CREATE TABLE")),
    };
    let mut out = Vec::new();
    for (name, ty) in cols {
        let mut hidden = false;
        let ty = ty.map(|t| {
            let words: Vec<&str> = t
                .split_whitespace()
                .filter(|w| {
                    if w.eq_ignore_ascii_case("hidden") {
                        hidden = true;
                        false
                    } else {
                        true
                    }
                })
                .collect();
            words.join(" ")
        });
        out.push(VCol {
            name,
            decltype: ty.filter(|t| !t.is_empty()),
            hidden,
        });
    }
    Ok(out)
}

/// The connection's modules and connected instances.
pub struct Registry {
    modules: Mutex<Vec<(String, Arc<dyn Module>)>>,
    instances: Mutex<Vec<Arc<Instance>>>,
}

impl Default for Registry {
    fn default() -> Self {
        let r = Registry {
            modules: Mutex::new(Vec::new()),
            instances: Mutex::new(Vec::new()),
        };
        crate::func::json::each::register(&r);
        r
    }
}

impl Registry {
    /// Register (or replace, or with `None` remove) a module; instances of a module of that
    /// name are disconnected.
    pub fn create_module(&self, name: &str, m: Option<Arc<dyn Module>>) {
        let mut mods = self.modules.lock();
        mods.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        if let Some(m) = m {
            mods.push((name.to_string(), m));
        }
        drop(mods);
        self.instances
            .lock()
            .retain(|i| !i.module.eq_ignore_ascii_case(name));
    }

    /// `sqlite3_drop_modules`: remove every module not named in `keep` (the built-in json_each
    /// and json_tree too, as SQLite does).
    pub fn drop_modules(&self, keep: &[String]) {
        let mut gone = Vec::new();
        self.modules.lock().retain(|(n, _)| {
            let k = keep.iter().any(|x| x.eq_ignore_ascii_case(n));
            if !k {
                gone.push(n.clone());
            }
            k
        });
        self.instances
            .lock()
            .retain(|i| !gone.iter().any(|g| g.eq_ignore_ascii_case(&i.module)));
    }

    pub fn module(&self, name: &str) -> Option<Arc<dyn Module>> {
        self.modules
            .lock()
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, m)| m.clone())
    }

    pub fn module_names(&self) -> Vec<String> {
        self.modules.lock().iter().map(|(n, _)| n.clone()).collect()
    }

    /// The connected instance of table `name` in database `db`, if any.
    pub fn instance(&self, db: usize, name: &str) -> Option<Arc<Instance>> {
        self.instances
            .lock()
            .iter()
            .find(|i| i.db == db && i.name.eq_ignore_ascii_case(name))
            .cloned()
    }

    /// Connect (or create) table `name` of database `db_name`/`db` using `module` and the
    /// module arguments `args`.
    pub fn connect(
        &self,
        db: usize,
        db_name: &str,
        name: &str,
        module: &str,
        args: &[String],
        create: bool,
    ) -> Result<Arc<Instance>> {
        if !create {
            if let Some(i) = self.instance(db, name) {
                return Ok(i);
            }
        }
        let m = self
            .module(module)
            .ok_or_else(|| Error::sql(format!("no such module: {module}")))?;
        if create && m.eponymous_only() {
            return Err(Error::sql(format!("no such module: {module}")));
        }
        let mut argv = vec![module.to_string(), db_name.to_string(), name.to_string()];
        argv.extend(args.iter().cloned());
        let (decl, vtab) = m.connect(&argv, create)?;
        let columns = parse_declared(&decl)?;
        let inst = Arc::new(Instance {
            db,
            name: name.to_string(),
            module: module.to_string(),
            columns,
            vtab: Mutex::new(vtab),
            writable: m.writable(),
        });
        let mut all = self.instances.lock();
        all.retain(|i| !(i.db == db && i.name.eq_ignore_ascii_case(name)));
        all.push(inst.clone());
        Ok(inst)
    }

    /// Forget the instance of `name` (DROP TABLE calls `destroy` first).
    pub fn remove(&self, db: usize, name: &str) {
        self.instances
            .lock()
            .retain(|i| !(i.db == db && i.name.eq_ignore_ascii_case(name)));
    }

    /// Forget every non-eponymous instance of database `db` (its schema was reloaded).
    pub fn forget_db(&self, db: usize) {
        self.instances
            .lock()
            .retain(|i| !(i.db == db && !i.name.eq_ignore_ascii_case(&i.module)));
    }

    /// Every connected instance (for transaction callbacks).
    pub fn instances(&self) -> Vec<Arc<Instance>> {
        self.instances.lock().clone()
    }
}

/// Split the argument text of `CREATE VIRTUAL TABLE t USING m(args)` as SQLite does: at
/// top-level commas, each argument trimmed, text kept as written.
pub fn split_module_args(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for ch in text.chars() {
        if let Some(q) = quote {
            cur.push(ch);
            if ch == q {
                quote = None;
            }
            continue;
        }
        match ch {
            '\'' | '"' | '`' => {
                quote = Some(ch);
                cur.push(ch);
            }
            '[' => {
                quote = Some(']');
                cur.push(ch);
            }
            '(' => {
                depth += 1;
                cur.push(ch);
            }
            ')' => {
                depth -= 1;
                cur.push(ch);
            }
            ',' if depth == 0 => {
                out.push(cur.trim().to_string());
                cur.clear();
            }
            _ => cur.push(ch),
        }
    }
    if !cur.trim().is_empty() || !out.is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

#[cfg(test)]
mod tests;
