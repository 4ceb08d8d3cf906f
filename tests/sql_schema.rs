//! Differential tests of schema statements (ALTER TABLE, ATTACH, VACUUM, REINDEX, ANALYZE,
//! schema text) against real SQLite 3.40.1 through Python's `sqlite3` module: each script runs
//! statement by statement on a fresh file in both engines and the printed results (rows with
//! exact types, error messages) must be identical. Then real SQLite opens the file WE wrote:
//! its `PRAGMA integrity_check` must say `ok` and its dump of `sqlite_schema` and of every
//! table must equal the dump of the file it wrote itself.

use epiloglite::db::{open_flags, Connection};
use epiloglite::Value;
use std::io::Write;
use std::process::{Command, Stdio};

const SEP: char = '\u{1e}';

fn fmt_value(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Integer(i) => format!("i:{i}"),
        Value::Real(r) => format!("r:{r:?}"),
        Value::Text(t) => format!("t:{}", String::from_utf8_lossy(t)),
        Value::Blob(b) => format!(
            "b:{}",
            b.iter().map(|x| format!("{x:02x}")).collect::<String>()
        ),
    }
}

fn ours(path: &str, stmts: &[&str]) -> Vec<String> {
    let mut c = Connection::open(path, open_flags::READWRITE | open_flags::CREATE, None).unwrap();
    let mut out = Vec::new();
    for s in stmts {
        let mut block = String::new();
        let mut rest: &[u8] = s.as_bytes();
        // Like Python's executescript for multi-statement entries; one statement usually.
        loop {
            match c.prepare(rest) {
                Err(e) => {
                    block.push_str(&format!("ERR: {}", e.msg));
                    break;
                }
                Ok((None, _)) => break,
                Ok((Some(mut st), tail)) => {
                    rest = &rest[tail..];
                    let mut failed = false;
                    loop {
                        match st.step(&mut c) {
                            Ok(true) => {
                                let row: Vec<String> = (0..st.column_count())
                                    .map(|i| fmt_value(st.column_value(i)))
                                    .collect();
                                block.push_str(&row.join("|"));
                                block.push('\n');
                            }
                            Ok(false) => break,
                            Err(e) => {
                                block.push_str(&format!("ERR: {}", e.msg));
                                failed = true;
                                break;
                            }
                        }
                    }
                    st.finalize(&mut c);
                    if failed {
                        break;
                    }
                }
            }
        }
        out.push(block.trim_end().to_string());
    }
    out
}

const PY: &str = r#"
import sqlite3, sys
stmts = sys.stdin.read().split("\x1e")[:-1]
db = sqlite3.connect(sys.argv[1], isolation_level=None)
def fmt(v):
    if v is None: return "NULL"
    if isinstance(v, int): return "i:%d" % v
    if isinstance(v, float): return "r:" + repr(v)
    if isinstance(v, str): return "t:" + v
    return "b:" + bytes(v).hex()
for s in stmts:
    block = ""
    try:
        rest = s
        while rest.strip():
            # split off one complete statement
            i = 1
            while i <= len(rest) and not sqlite3.complete_statement(rest[:i]):
                i += 1
            one, rest = rest[:i], rest[i:]
            for row in db.execute(one):
                block += "|".join(fmt(v) for v in row) + "\n"
    except Exception as e:
        block += "ERR: " + str(e)
    sys.stdout.write(block.rstrip() + "\x1e")
"#;

fn theirs(path: &str, stmts: &[&str]) -> Vec<String> {
    let mut input = String::new();
    for s in stmts {
        input.push_str(s);
        input.push(SEP);
    }
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(PY)
        .arg(path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let s = String::from_utf8(out.stdout).unwrap();
    let mut v: Vec<String> = s.split(SEP).map(|x| x.to_string()).collect();
    v.pop();
    v
}

/// Dump of a database file by real SQLite: integrity check, schema rows, every table's rows.
fn real_dump(path: &str) -> String {
    let py = r#"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
out = []
out.append(repr(db.execute("pragma integrity_check").fetchall()))
rows = db.execute("select type,name,tbl_name,sql from sqlite_schema order by rowid").fetchall()
out.append(repr(rows))
for (ty, name, _, _) in rows:
    if ty == 'table' and not name.startswith('sqlite_stat'):
        out.append(name + ": " + repr(db.execute('select * from "%s" order by 1,2' % name.replace('"','""') if len(db.execute('select * from "%s" limit 0' % name.replace('"','""')).description) > 1 else 'select * from "%s" order by 1' % name.replace('"','""')).fetchall()))
print("\n".join(out))
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(py)
        .arg(path)
        .output()
        .expect("python3");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Run `script` in both engines, each in its own directory: `@D@` in a statement stands for
/// that directory (and is put back in the outputs).
fn run_both(script: &[&str]) -> (tempfile::TempDir, Vec<String>, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let d1 = dir.path().join("ours");
    let d2 = dir.path().join("theirs");
    std::fs::create_dir(&d1).unwrap();
    std::fs::create_dir(&d2).unwrap();
    let run = |d: &std::path::Path, f: &dyn Fn(&str, &[&str]) -> Vec<String>| {
        let ds = d.to_str().unwrap().to_string();
        let stmts: Vec<String> = script.iter().map(|s| s.replace("@D@", &ds)).collect();
        let refs: Vec<&str> = stmts.iter().map(|s| s.as_str()).collect();
        f(d.join("main.db").to_str().unwrap(), &refs)
            .into_iter()
            .map(|o| o.replace(&ds, "@D@"))
            .collect::<Vec<_>>()
    };
    let a = run(&d1, &ours);
    let b = run(&d2, &theirs);
    (dir, a, b)
}

fn diff(name: &str, script: &[&str]) {
    diff_files(name, script, &[]);
}

/// As [`diff`], and also compare real SQLite's dumps of the extra files (relative to each
/// engine's directory) that the script wrote.
fn diff_files(name: &str, script: &[&str], files: &[&str]) {
    let (dir, a, b) = run_both(script);
    let p1 = dir.path().join("ours").join("main.db");
    let p2 = dir.path().join("theirs").join("main.db");
    assert_eq!(a.len(), b.len(), "{name}: output count");
    let mut bad = Vec::new();
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        if x != y {
            bad.push(format!(
                "statement {i}: {}\n  ours:   {x:?}\n  theirs: {y:?}",
                script[i]
            ));
        }
    }
    assert!(bad.is_empty(), "{name}:\n{}", bad.join("\n"));
    let da = real_dump(p1.to_str().unwrap());
    let db = real_dump(p2.to_str().unwrap());
    assert!(
        da.starts_with("[('ok',)]"),
        "{name}: real integrity_check on our file: {da}"
    );
    assert!(
        da == db,
        "{name}: real SQLite's view of our file differs from its own:\n{}\n{}",
        &da[..da.len().min(800)],
        &db[..db.len().min(800)]
    );
    for f in files {
        let fa = real_dump(dir.path().join("ours").join(f).to_str().unwrap());
        let fb = real_dump(dir.path().join("theirs").join(f).to_str().unwrap());
        assert!(
            fa.starts_with("[('ok',)]"),
            "{name}: {f}: real integrity_check: {}",
            &fa[..fa.len().min(800)]
        );
        assert!(
            fa == fb,
            "{name}: {f}: real SQLite's view of our file differs from its own:\n{}\n{}",
            &fa[..fa.len().min(800)],
            &fb[..fb.len().min(800)]
        );
    }
}

#[test]
fn alter_rename_table() {
    diff(
        "rename table",
        &[
            "CREATE TABLE \"t1\"(a INTEGER PRIMARY KEY, b TEXT UNIQUE, c REFERENCES t1(a))",
            "CREATE INDEX t1c ON t1(c)",
            "CREATE TABLE other(x REFERENCES t1(b), y)",
            "CREATE VIEW v1 AS SELECT t1.a, b FROM t1 WHERE t1.c IS NULL",
            "CREATE VIEW v2 AS SELECT x.a FROM t1 AS x, other WHERE x.b = other.x",
            "INSERT INTO t1 VALUES(1,'one',NULL),(2,'two',1)",
            "ALTER TABLE t1 RENAME TO t2",
            "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY rowid",
            "SELECT * FROM t2 ORDER BY a",
            "SELECT * FROM v1",
            "SELECT * FROM v2",
            "SELECT * FROM t1",
            "ALTER TABLE t2 RENAME TO \"New Name\"",
            "SELECT name, tbl_name, sql FROM sqlite_schema ORDER BY rowid",
            "INSERT INTO \"New Name\" VALUES(3,'three',2)",
            "SELECT count(*) FROM \"New Name\" WHERE b = 'three'",
            "ALTER TABLE \"New Name\" RENAME TO other",
            "ALTER TABLE nosuch RENAME TO x",
            "ALTER TABLE other RENAME TO sqlite_x",
            "ALTER TABLE sqlite_schema RENAME TO x",
            "ALTER TABLE v1 RENAME TO v3",
            "ALTER TABLE other RENAME TO T3",
            "SELECT name, tbl_name, sql FROM sqlite_schema ORDER BY rowid",
        ],
    );
}

#[test]
fn alter_rename_table_autoincrement() {
    diff(
        "rename autoincrement",
        &[
            "CREATE TABLE a(id INTEGER PRIMARY KEY AUTOINCREMENT, v)",
            "INSERT INTO a(v) VALUES('x'),('y')",
            "ALTER TABLE a RENAME TO b",
            "SELECT * FROM sqlite_sequence",
            "INSERT INTO b(v) VALUES('z')",
            "SELECT * FROM b",
        ],
    );
}

#[test]
fn alter_rename_column() {
    diff(
        "rename column",
        &[
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT CHECK(b <> ''), c, UNIQUE(b, c))",
            "CREATE INDEX tb ON t(b COLLATE nocase, c)",
            "CREATE TABLE u(x, y REFERENCES t(b))",
            "CREATE VIEW v AS SELECT t.b, t.c, q.b AS qb FROM t, t AS q WHERE t.b IS NOT NULL",
            "CREATE VIEW v2 AS SELECT b FROM t WHERE b > '' ORDER BY b",
            "INSERT INTO t VALUES(1,'bb',3)",
            "ALTER TABLE t RENAME COLUMN b TO \"B 2\"",
            "SELECT type, name, sql FROM sqlite_schema ORDER BY rowid",
            "PRAGMA table_info(t)",
            "SELECT * FROM v",
            "ALTER TABLE t RENAME COLUMN \"B 2\" TO bee",
            "SELECT sql FROM sqlite_schema ORDER BY rowid",
            "ALTER TABLE t RENAME COLUMN nosuch TO y",
            "ALTER TABLE t RENAME COLUMN a TO c",
            "ALTER TABLE v RENAME COLUMN b TO z",
            "ALTER TABLE t RENAME a TO id",
            "SELECT sql FROM sqlite_schema WHERE name = 't'",
            "INSERT INTO t(id, bee, c) VALUES(2, 'x', 4)",
            "SELECT * FROM t ORDER BY id",
        ],
    );
}

#[test]
fn alter_add_column() {
    diff(
        "add column",
        &[
            "CREATE TABLE t(a, b, PRIMARY KEY(a))",
            "INSERT INTO t VALUES(1, 2), (3, 4)",
            "ALTER TABLE t ADD COLUMN c INTEGER DEFAULT '7'",
            "ALTER TABLE t ADD d TEXT DEFAULT 'x' NOT NULL",
            "ALTER TABLE t ADD COLUMN e REAL DEFAULT -1",
            "ALTER TABLE t ADD COLUMN f",
            "SELECT sql FROM sqlite_schema",
            "SELECT a, b, c, typeof(c), d, e, typeof(e), f FROM t ORDER BY a",
            "INSERT INTO t VALUES(5, 6, 8, 'y', 2.5, 'f')",
            "SELECT * FROM t ORDER BY a",
            "SELECT a FROM t WHERE c = 7 ORDER BY a",
            "UPDATE t SET b = b + 1 WHERE a = 1",
            "SELECT * FROM t ORDER BY a",
            "CREATE INDEX tc ON t(c, d)",
            "SELECT a FROM t WHERE c = 7 AND d = 'x' ORDER BY a",
            "DELETE FROM t WHERE a = 3",
            "PRAGMA integrity_check",
            "ALTER TABLE t ADD COLUMN b",
            "ALTER TABLE t ADD COLUMN g PRIMARY KEY",
            "ALTER TABLE t ADD COLUMN g UNIQUE",
            "ALTER TABLE t ADD COLUMN g NOT NULL",
            "ALTER TABLE t ADD COLUMN g DEFAULT CURRENT_TIME",
            "ALTER TABLE t ADD COLUMN g DEFAULT (1+1)",
            "ALTER TABLE t ADD COLUMN g DEFAULT (abs(a))",
            "CREATE TABLE e(x)",
            "ALTER TABLE e ADD COLUMN g NOT NULL",
            "ALTER TABLE e ADD COLUMN h DEFAULT CURRENT_TIME",
            "CREATE VIEW w AS SELECT 1",
            "ALTER TABLE w ADD COLUMN z",
            "SELECT sql FROM sqlite_schema ORDER BY rowid",
        ],
    );
}

#[test]
fn alter_drop_column() {
    diff(
        "drop column",
        &[
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b, c TEXT, d CHECK(d > 0), e)",
            "INSERT INTO t VALUES(1, 'b1', 'c1', 1, 'e1'), (2, 'b2', 'c2', 2, 'e2')",
            "CREATE INDEX tc ON t(c)",
            "CREATE VIEW v AS SELECT a, e FROM t",
            "ALTER TABLE t DROP COLUMN b",
            "SELECT sql FROM sqlite_schema ORDER BY rowid",
            "SELECT * FROM t ORDER BY a",
            "ALTER TABLE t DROP COLUMN d",
            "SELECT * FROM t ORDER BY a",
            "ALTER TABLE t DROP COLUMN c",
            "ALTER TABLE t DROP COLUMN e",
            "ALTER TABLE t DROP COLUMN a",
            "ALTER TABLE t DROP COLUMN nosuch",
            "DROP VIEW v",
            "DROP INDEX tc",
            "ALTER TABLE t DROP COLUMN e",
            "ALTER TABLE t DROP COLUMN c",
            "SELECT sql FROM sqlite_schema ORDER BY rowid",
            "SELECT * FROM t",
            "CREATE TABLE u(x UNIQUE, y, z, CHECK(z > 0))",
            "ALTER TABLE u DROP COLUMN x",
            "ALTER TABLE u DROP COLUMN z",
            "ALTER TABLE u DROP COLUMN y",
            "SELECT sql FROM sqlite_schema WHERE name = 'u'",
        ],
    );
}

#[test]
fn schema_text_and_declared_types() {
    diff(
        "schema text",
        &[
            "create table if not exists main.t1(a InTeGeR, b varchar ( 10 ), c decimal(10,  2), d unsigned big int, e text not null, f, g Real)",
            "create   table [b] (x int)",
            "CREATE TEMP TABLE tt(x)",
            "create unique index if not exists main.i1 on t1(a)",
            "create index i2 on t1(b)",
            "create view if not exists main.v as select 1",
            "create temp view tv as select 2",
            "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY rowid",
            "SELECT type, name, tbl_name, sql FROM sqlite_temp_schema ORDER BY rowid",
            "PRAGMA table_info(t1)",
            "PRAGMA table_info(b)",
            "SELECT a, b, c FROM t1",
        ],
    );
}

#[test]
fn attach_and_detach() {
    diff(
        "attach",
        &[
            "CREATE TABLE t(a)",
            "INSERT INTO t VALUES(1)",
            "ATTACH '@D@/aux.db' AS aux",
            "ATTACH '@D@/aux.db' AS AUX",
            "ATTACH '@D@/x.db' AS main",
            "PRAGMA database_list",
            "CREATE TABLE aux.t(b, c)",
            "CREATE INDEX aux.tb ON t(b)",
            "INSERT INTO aux.t VALUES(2, 'two'), (3, 'three')",
            "SELECT * FROM t",
            "SELECT * FROM aux.t ORDER BY b",
            "SELECT main.t.a, aux.t.c FROM main.t, aux.t WHERE aux.t.b = 2",
            "SELECT * FROM aux.sqlite_schema",
            "BEGIN",
            "INSERT INTO t VALUES(10)",
            "INSERT INTO aux.t VALUES(10, 'ten')",
            "DETACH aux",
            "ROLLBACK",
            "SELECT count(*) FROM t",
            "SELECT count(*) FROM aux.t",
            "BEGIN",
            "INSERT INTO t VALUES(11)",
            "INSERT INTO aux.t VALUES(11, 'eleven')",
            "COMMIT",
            "SELECT count(*) FROM t",
            "SELECT count(*) FROM aux.t WHERE b = 11",
            "ALTER TABLE aux.t RENAME TO u",
            "SELECT name FROM aux.sqlite_schema ORDER BY 1",
            "ATTACH ':memory:' AS mem",
            "CREATE TABLE mem.m(x)",
            "INSERT INTO mem.m SELECT b FROM aux.u",
            "SELECT sum(x) FROM mem.m",
            "PRAGMA database_list",
            "DETACH mem",
            "DETACH mem",
            "DETACH main",
            "DETACH temp",
            "ATTACH '/nonexistent/dir/x.db' AS z",
            "ATTACH b.db AS bb",
            "ATTACH NULL AS n",
            "CREATE TEMP TABLE tt(x)",
            "PRAGMA database_list",
            "DETACH aux",
            "SELECT * FROM aux.u",
            "ATTACH '@D@/aux.db' AS again",
            "SELECT * FROM again.u ORDER BY b",
            "PRAGMA again.integrity_check",
        ],
    );
}

#[test]
fn attach_limits_and_bad_files() {
    let mut script = vec!["CREATE TABLE t(a)".to_string()];
    for i in 0..12 {
        script.push(format!("ATTACH ':memory:' AS m{i}"));
    }
    let refs: Vec<&str> = script.iter().map(|s| s.as_str()).collect();
    diff("attach limit", &refs);
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![b'x'; 2000]).unwrap();
    let stmt = format!("ATTACH '{}' AS j", junk.display());
    diff(
        "attach junk",
        &["CREATE TABLE t(a)", &stmt, "PRAGMA database_list"],
    );
}

#[test]
fn vacuum_and_vacuum_into() {
    diff_files(
        "vacuum",
        &[
            "PRAGMA user_version = 7",
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT UNIQUE, c)",
            "CREATE TABLE u(x, y)",
            "CREATE INDEX uy ON u(y DESC)",
            "CREATE VIEW v AS SELECT a, x FROM t, u WHERE a = x",
            "INSERT INTO t SELECT i, 'row ' || i, zeroblob(300 + i % 7) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) SELECT i FROM n)",
            "INSERT INTO u SELECT a * 3, length(c) FROM t",
            "DELETE FROM t WHERE a % 3 <> 0",
            "DELETE FROM u WHERE x > 1000",
            "PRAGMA freelist_count > 0",
            "VACUUM INTO '@D@/copy.db'",
            "VACUUM INTO '@D@/copy.db'",
            "VACUUM",
            "PRAGMA freelist_count",
            "PRAGMA user_version",
            "SELECT count(*), sum(a), sum(length(c)) FROM t",
            "SELECT count(*) FROM v",
            "PRAGMA integrity_check",
            "BEGIN",
            "VACUUM",
            "COMMIT",
            "VACUUM main",
            "VACUUM nosuch",
            "CREATE TABLE e(z)",
            "INSERT INTO e VALUES(1)",
            "SELECT * FROM e",
        ],
        &["copy.db"],
    );
}

#[test]
fn analyze_writes_sqlite_stat1() {
    diff(
        "analyze",
        &[
            "CREATE TABLE t(a, b TEXT COLLATE NOCASE)",
            "CREATE INDEX ia ON t(a)",
            "CREATE INDEX iab ON t(a, b)",
            "CREATE TABLE e(x)",
            "CREATE INDEX ex ON e(x)",
            "CREATE TABLE n(z)",
            "CREATE TABLE u(k UNIQUE, v)",
            "INSERT INTO t VALUES(1, 'x'), (1, 'X'), (2, 'y'), (3, NULL), (3, NULL), (NULL, 'z')",
            "INSERT INTO n VALUES(1), (2)",
            "INSERT INTO u VALUES(1, 1), (2, 2)",
            "ANALYZE",
            "SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY tbl, idx",
            "SELECT sql FROM sqlite_schema WHERE name = 'sqlite_stat1'",
            "INSERT INTO t VALUES(4, 'w')",
            "ANALYZE t",
            "SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY tbl, idx",
            "INSERT INTO t VALUES(5, 'v')",
            "ANALYZE main.ia",
            "SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY tbl, idx",
            "ANALYZE main",
            "SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY tbl, idx",
            "ANALYZE nosuch",
            "DELETE FROM sqlite_stat1 WHERE tbl = 'n'",
            "SELECT count(*) FROM sqlite_stat1",
        ],
    );
}
