//! Virtual tables through the engine: json_each/json_tree against real SQLite (the `sqlite3`
//! CLI, when installed), and a Rust module (series generator + writable key/value table)
//! exercising best_index constraints, argv/omit, hidden columns and xUpdate.

use super::*;
use crate::db::{open_flags, Connection};
use crate::value::Value;
use std::collections::BTreeMap;

fn conn() -> Connection {
    Connection::open(":memory:", open_flags::READWRITE | open_flags::CREATE, None).unwrap()
}

fn fmt(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        other => crate::vdbe::mem::to_text(other)
            .map(|c| String::from_utf8_lossy(&c).into_owned())
            .unwrap_or_default(),
    }
}

/// Run every statement of `sql`, returning the rows as `a|b|c` lines (or `ERR: msg`).
fn run(c: &mut Connection, sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = sql.as_bytes();
    while !rest.is_empty() {
        let (st, tail) = match c.prepare(rest) {
            Ok(x) => x,
            Err(e) => {
                out.push(format!("ERR: {}", e.msg));
                break;
            }
        };
        rest = &rest[tail..];
        let Some(mut st) = st else { break };
        loop {
            match st.step(c) {
                Ok(true) => {
                    let n = st.data_count();
                    let row: Vec<String> = (0..n).map(|i| fmt(st.column_value(i))).collect();
                    out.push(row.join("|"));
                }
                Ok(false) => break,
                Err(e) => {
                    out.push(format!("ERR: {}", e.msg));
                    break;
                }
            }
        }
        st.finalize(c);
    }
    out
}

/// The same statements through the real `sqlite3` CLI; None when it is not installed.
fn oracle(sql: &str) -> Option<Vec<String>> {
    use std::io::Write;
    let mut child = std::process::Command::new("sqlite3")
        .arg(":memory:")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    let script = format!(".mode list\n.separator |\n.nullvalue NULL\n{sql}\n");
    child.stdin.take()?.write_all(script.as_bytes()).ok()?;
    let o = child.wait_with_output().ok()?;
    let mut lines: Vec<String> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| l.to_string())
        .collect();
    for l in String::from_utf8_lossy(&o.stderr).lines() {
        // "Parse error near line N: msg" / "Runtime error near line N: msg"
        if let Some(i) = l.find(": ") {
            lines.push(format!("ERR: {}", &l[i + 2..]));
        }
    }
    Some(lines)
}

fn same_as_sqlite(sql: &str) {
    let mut c = conn();
    let ours = run(&mut c, sql);
    match oracle(sql) {
        Some(theirs) => assert_eq!(ours, theirs, "for {sql}"),
        None => eprintln!("sqlite3 not installed; skipped oracle comparison"),
    }
}

#[test]
fn json_each_matches_sqlite() {
    for q in [
        r#"select * from json_each('{"a":1,"b":[2,3.5,"x"],"c":{"d":null}}');"#,
        r#"select key, value, fullkey, path, json, root from json_each('[10,20,[30]]', '$[2]');"#,
        "select * from json_each('5');",
        "select * from json_each(NULL);",
        "select count(*) from json_each('[1,2,3]') where value > 1;",
        "select j.value from (select '[1,2]' as x union all select '[3]') t, json_each(t.x) j;",
        r#"select e.key from json_each('{"a":1}') e where e.json is not null;"#,
        r#"select key, type, atom from json_each('{"x y":true,"z":false,"w":-7}');"#,
        "select rowid, key from json_each('[4,5,6]');",
        "select * from json_each('[1,2]', '$.nope');",
        "select value from json_each where json = '[7,8]';",
        "select value from json_each('[3,1,2]') order by value;",
        "select a.value, b.value from json_each('[1,2]') a, json_each('[10,20]') b;",
        "select x.value from json_each('[1,2,3]') x left join json_each('[2]') y on x.value = y.value where y.value is null;",
    ] {
        same_as_sqlite(q);
    }
}

#[test]
fn json_tree_matches_sqlite() {
    for q in [
        r#"select * from json_tree('{"a":1,"b":[2,3.5,"x\u0041"],"c":{"d":null}}');"#,
        r#"select key,fullkey,path,parent,id from json_tree('{"a":{"b":[1]}}', '$.a');"#,
        r#"select key,fullkey,path,parent,id from json_tree('{"a":{"b":[1]}}', '$.a.b[0]');"#,
        "select key,fullkey,path,parent,id from json_tree('[[5]]', '$[0]');",
        "select key,fullkey,path,parent,id from json_tree('[[5]]', '$[0][0]');",
        "select key, atom from json_tree('[1,[2,[3]]]') where atom is not null;",
        "select * from json_tree('\"s\"');",
    ] {
        same_as_sqlite(q);
    }
}

#[test]
fn json_each_errors() {
    same_as_sqlite("select * from json_each('[1,');");
    same_as_sqlite("select * from json_each('[1]', 'x');");
    same_as_sqlite("select * from json_each('[1]', '$', 3);");
    same_as_sqlite("select key from json_each('[1]') where json_each.json = 5;");
}

// ---- a Rust module: series(start, stop, step) and a writable key/value table ------------

struct Series;
struct SeriesTab {
    log: Arc<Mutex<Vec<String>>>,
}
struct SeriesCur {
    cur: i64,
    stop: i64,
    step: i64,
    start: i64,
}

impl Module for Series {
    fn connect(&self, _args: &[String], _create: bool) -> Result<(String, Box<dyn VTab>)> {
        Ok((
            "CREATE TABLE x(value, start HIDDEN, stop HIDDEN, step HIDDEN)".into(),
            Box::new(SeriesTab {
                log: LOG.with(|l| l.clone()),
            }),
        ))
    }
    fn eponymous(&self) -> bool {
        true
    }
}

thread_local! {
    static LOG: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
}

impl VTab for SeriesTab {
    fn best_index(&mut self, info: &mut IndexInfo) -> Result<()> {
        let mut n = 0;
        let mut idx = 0;
        for (col, bit) in [(1, 1), (2, 2), (3, 4)] {
            if let Some(i) = info
                .constraints
                .iter()
                .position(|c| c.usable && c.column == col && c.op == op::EQ)
            {
                n += 1;
                info.usage[i].argv_index = n;
                info.usage[i].omit = true;
                idx |= bit;
            }
        }
        // value > X / value < X are passed but not omitted (the engine re-checks them).
        for (i, c) in info.constraints.iter().enumerate() {
            if c.usable && c.column == 0 && (c.op == op::GT || c.op == op::LT) {
                self.log.lock().push(format!(
                    "constraint value op {} rhs {:?}",
                    c.op, info.rhs[i]
                ));
            }
        }
        info.idx_num = idx;
        info.idx_str = Some(format!("series{idx}"));
        info.estimated_cost = 10.0;
        Ok(())
    }
    fn open(&mut self) -> Result<Box<dyn VTabCursor>> {
        Ok(Box::new(SeriesCur {
            cur: 0,
            stop: 0,
            step: 1,
            start: 0,
        }))
    }
}

impl VTabCursor for SeriesCur {
    fn filter(&mut self, idx: i32, idx_str: Option<&str>, args: &[Value]) -> Result<()> {
        assert_eq!(idx_str, Some(format!("series{idx}").as_str()));
        let mut it = args.iter();
        let mut get = |bit: i32, dflt: i64| {
            if idx & bit != 0 {
                match it.next() {
                    Some(Value::Integer(i)) => *i,
                    _ => dflt,
                }
            } else {
                dflt
            }
        };
        self.start = get(1, 0);
        self.stop = get(2, 4294967295);
        self.step = get(4, 1).max(1);
        self.cur = self.start;
        Ok(())
    }
    fn next(&mut self) -> Result<()> {
        self.cur += self.step;
        Ok(())
    }
    fn eof(&self) -> bool {
        self.cur > self.stop
    }
    fn column(&mut self, i: i32, _nochange: bool) -> Result<Value> {
        Ok(Value::Integer(match i {
            0 => self.cur,
            1 => self.start,
            2 => self.stop,
            _ => self.step,
        }))
    }
    fn rowid(&mut self) -> Result<i64> {
        Ok(self.cur)
    }
}

#[test]
fn rust_series_module() {
    let mut c = conn();
    c.vtab_registry()
        .create_module("series", Some(Arc::new(Series)));
    assert_eq!(
        run(&mut c, "select value from series(1, 5);"),
        ["1", "2", "3", "4", "5"]
    );
    assert_eq!(
        run(&mut c, "select value from series(0, 10, 5);"),
        ["0", "5", "10"]
    );
    assert_eq!(
        run(
            &mut c,
            "select value from series where start = 3 and stop = 4;"
        ),
        ["3", "4"]
    );
    // Hidden columns are not in *, but can be named.
    assert_eq!(
        run(&mut c, "select *, stop from series(1, 2);"),
        ["1|2", "2|2"]
    );
    // value > 2 is passed (not omitted) and re-checked by the engine.
    LOG.with(|l| l.lock().clear());
    assert_eq!(
        run(&mut c, "select value from series(1, 6) where value > 4;"),
        ["5", "6"]
    );
    let log = LOG.with(|l| l.lock().clone());
    assert!(
        log.iter().any(|l| l.contains("op 4 rhs Some(Integer(4))")),
        "{log:?}"
    );
    // A correlated argument: re-filtered per outer row.
    assert_eq!(
        run(
            &mut c,
            "select t.n, s.value from (select 2 as n union all select 3) t, series(1, t.n) s;"
        ),
        ["2|1", "2|2", "3|1", "3|2", "3|3"]
    );
    assert_eq!(
        run(&mut c, "select value from series(1,2,3,4);"),
        ["ERR: too many arguments on series() - max 3"]
    );
    assert_eq!(run(&mut c, "select rowid from series(7, 8);"), ["7", "8"]);
    assert_eq!(
        run(&mut c, "explain query plan select value from series(1, 2);"),
        ["2|0|0|SCAN series VIRTUAL TABLE INDEX 3:series3"]
    );
}

// A writable key/value module: CREATE VIRTUAL TABLE kv USING kvmod(anything).
struct KvMod {
    store: Arc<Mutex<BTreeMap<i64, (Value, Value)>>>,
}
struct KvTab {
    store: Arc<Mutex<BTreeMap<i64, (Value, Value)>>>,
}
struct KvCur {
    store: Arc<Mutex<BTreeMap<i64, (Value, Value)>>>,
    rows: Vec<(i64, Value, Value)>,
    pos: usize,
}

impl Module for KvMod {
    fn connect(&self, args: &[String], _create: bool) -> Result<(String, Box<dyn VTab>)> {
        assert_eq!(args.get(0).map(|s| s.as_str()), Some("kvmod"));
        Ok((
            "CREATE TABLE x(k TEXT, v)".into(),
            Box::new(KvTab {
                store: self.store.clone(),
            }),
        ))
    }
    fn writable(&self) -> bool {
        true
    }
}

impl VTab for KvTab {
    fn best_index(&mut self, info: &mut IndexInfo) -> Result<()> {
        info.estimated_cost = 100.0;
        Ok(())
    }
    fn open(&mut self) -> Result<Box<dyn VTabCursor>> {
        Ok(Box::new(KvCur {
            store: self.store.clone(),
            rows: Vec::new(),
            pos: 0,
        }))
    }
    fn update(&mut self, args: &[Value], _oc: i32) -> Result<Option<i64>> {
        let mut st = self.store.lock();
        match args {
            [Value::Integer(old)] => {
                st.remove(old);
                Ok(None)
            }
            [old, new, k, v] => {
                let id = match new {
                    Value::Integer(i) => *i,
                    _ => st.keys().next_back().map(|x| x + 1).unwrap_or(1),
                };
                if let Value::Integer(o) = old {
                    st.remove(o);
                }
                st.insert(id, (k.clone(), v.clone()));
                Ok(Some(id))
            }
            _ => Err(Error::sql("bad xUpdate")),
        }
    }
}

impl VTabCursor for KvCur {
    fn filter(&mut self, _i: i32, _s: Option<&str>, _a: &[Value]) -> Result<()> {
        self.pos = 0;
        self.rows = self
            .store
            .lock()
            .iter()
            .map(|(id, (k, v))| (*id, k.clone(), v.clone()))
            .collect();
        Ok(())
    }
    fn next(&mut self) -> Result<()> {
        self.pos += 1;
        Ok(())
    }
    fn eof(&self) -> bool {
        self.pos >= self.rows.len()
    }
    fn column(&mut self, i: i32, _n: bool) -> Result<Value> {
        let r = &self.rows[self.pos];
        Ok(if i == 0 { r.1.clone() } else { r.2.clone() })
    }
    fn rowid(&mut self) -> Result<i64> {
        Ok(self.rows[self.pos].0)
    }
}

#[test]
fn create_virtual_table_is_stored_like_sqlite() {
    let mut c = conn();
    let store = Arc::new(Mutex::new(BTreeMap::new()));
    c.vtab_registry().create_module(
        "kvmod",
        Some(Arc::new(KvMod {
            store: store.clone(),
        })),
    );
    assert_eq!(
        run(
            &mut c,
            "CREATE VIRTUAL TABLE kv USING kvmod(a, 'b c', (d,e));"
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        run(
            &mut c,
            "select type, name, tbl_name, rootpage, sql from sqlite_schema;"
        ),
        ["table|kv|kv|0|CREATE VIRTUAL TABLE kv USING kvmod(a, 'b c', (d,e))"]
    );
    assert_eq!(run(&mut c, "select * from kv;"), Vec::<String>::new());
    assert_eq!(
        run(&mut c, "CREATE VIRTUAL TABLE kv USING kvmod;"),
        ["ERR: table kv already exists"]
    );
    assert_eq!(
        run(&mut c, "CREATE VIRTUAL TABLE k2 USING nomod;"),
        ["ERR: no such module: nomod"]
    );
    assert_eq!(
        run(&mut c, "CREATE VIRTUAL TABLE j USING json_each;"),
        ["ERR: no such module: json_each"]
    );
    assert_eq!(
        run(
            &mut c,
            "INSERT INTO kv VALUES('a', 1), ('b', 2); select rowid, k, v from kv;"
        ),
        ["1|a|1", "2|b|2"]
    );
    assert_eq!(
        run(
            &mut c,
            "UPDATE kv SET v = v + 10 WHERE k = 'b'; select changes(); select * from kv;"
        ),
        ["1", "a|1", "b|12"]
    );
    assert_eq!(
        run(
            &mut c,
            "DELETE FROM kv WHERE k = 'a'; select changes(); select rowid, * from kv;"
        ),
        ["1", "2|b|12"]
    );
    assert_eq!(
        run(
            &mut c,
            "INSERT INTO kv(rowid, k) VALUES(10, 'z'); select last_insert_rowid(); select rowid, k, v from kv;"
        ),
        ["10", "2|b|12", "10|z|NULL"]
    );
    assert_eq!(
        run(
            &mut c,
            "UPDATE kv SET rowid = 11 WHERE k = 'z'; select rowid from kv where k = 'z';"
        ),
        ["11"]
    );
    assert_eq!(
        run(&mut c, "INSERT INTO kv(nope) VALUES(1);"),
        ["ERR: table kv has no column named nope"]
    );
    assert_eq!(store.lock().len(), 2);
    assert_eq!(run(&mut c, "DROP TABLE kv;"), Vec::<String>::new());
    assert_eq!(run(&mut c, "select count(*) from sqlite_schema;"), ["0"]);
    // As SQLite: keyword prefix normalized, schema name and IF NOT EXISTS dropped.
    assert_eq!(
        run(
            &mut c,
            "create  virtual table if not exists main.kv2 using kvmod(x); select sql from sqlite_schema;"
        ),
        ["CREATE VIRTUAL TABLE kv2 using kvmod(x)"]
    );
    assert_eq!(run(&mut c, "select * from kv;"), ["ERR: no such table: kv"]);
}

#[test]
fn declared_schema_parsing() {
    let cols = parse_declared("CREATE TABLE x(a INTEGER HIDDEN, \"b c\" TEXT, d hidden)").unwrap();
    let v: Vec<(String, Option<String>, bool)> = cols
        .into_iter()
        .map(|c| (c.name, c.decltype, c.hidden))
        .collect();
    assert_eq!(
        v,
        [
            ("a".to_string(), Some("INTEGER".to_string()), true),
            ("b c".to_string(), Some("TEXT".to_string()), false),
            ("d".to_string(), None, true),
        ]
    );
    assert!(parse_declared("CREATE INDEX i ON t(a)").is_err());
    assert_eq!(
        split_module_args("a, 'b, c' , (d,e), f(g,h)"),
        ["a", "'b, c'", "(d,e)", "f(g,h)"]
    );
}

#[test]
fn pragma_table_valued_functions_match_sqlite() {
    let setup = "create table t1(a INTEGER primary key, b TEXT not null default 'x', c);\
                 create table T2(x, y unique);\
                 create index i1 on t1(b, c);";
    for q in [
        "select * from pragma_table_info('t1');",
        "select name, type from pragma_table_info('T1') where pk = 0;",
        "select * from pragma_table_xinfo('t2');",
        "select * from pragma_index_list('t2');",
        "select * from pragma_index_info('i1');",
        "select m.name, p.name from sqlite_schema m, pragma_table_info(m.name) p where m.type = 'table' order by 1, 2;",
        "select m.name, p.* from sqlite_schema m join pragma_index_list(m.name) p order by 1;",
        "select count(*) from pragma_table_info('nope');",
        "select name from pragma_database_list;",
        "select arg, schema from pragma_table_info('t1') limit 1;",
        "select * from pragma_table_info('t1', 'main') where cid = 1;",
        "select name from pragma_module_list where name like 'json%' order by 1;",
        "select * from pragma_table_info('t1') a, pragma_table_info('t1') b where a.cid = b.cid + 1;",
        "select * from pragma_nosuch;",
    ] {
        same_as_sqlite(&format!("{setup}{q}"));
    }
}
