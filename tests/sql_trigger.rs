//! Differential tests of triggers, RETURNING, CHECK constraints and the DML paths against
//! real SQLite 3.40.1 (Python's `sqlite3` module, linked to the system library): each script
//! is run statement by statement on a fresh file by both engines, and the printed results
//! (column names, rows with exact value types, error messages with their extended codes)
//! must be identical. The harness is the one of `sql_diff.rs`, plus the error code.

use epiloglite::db::{open_flags, Connection};
use epiloglite::Value;
use std::io::Write;
use std::process::{Command, Stdio};

fn fmt_value(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Integer(i) => format!("i:{i}"),
        Value::Real(r) => format!("r:{}", r.to_bits() as i64),
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
        match c.prepare(s.as_bytes()) {
            Err(e) => block.push_str(&format!("ERR: {} ({})", e.msg, e.code)),
            Ok((None, _)) => {}
            Ok((Some(mut st), _)) => {
                // As Python's execute(): the first step happens before the description.
                let mut first = true;
                loop {
                    match st.step(&mut c) {
                        Ok(more) => {
                            if first && st.column_count() > 0 {
                                let names: Vec<String> = (0..st.column_count())
                                    .map(|i| st.column_name(i).unwrap_or("").to_string())
                                    .collect();
                                block.push_str(&format!("cols: {}\n", names.join("|")));
                            }
                            first = false;
                            if !more {
                                break;
                            }
                            let row: Vec<String> = (0..st.column_count())
                                .map(|i| fmt_value(st.column_value(i)))
                                .collect();
                            block.push_str(&row.join("|"));
                            block.push('\n');
                        }
                        Err(e) => {
                            block.push_str(&format!("ERR: {} ({})", e.msg, e.code));
                            break;
                        }
                    }
                }
            }
        }
        out.push(block.trim_end().to_string());
    }
    out
}

const PY: &str = r#"
import sqlite3, sys, json, struct
stmts = json.load(sys.stdin)
db = sqlite3.connect(sys.argv[1], isolation_level=None)
def fmt(v):
    if v is None: return "NULL"
    if isinstance(v, int): return "i:%d" % v
    if isinstance(v, float): return "r:%d" % struct.unpack('<q', struct.pack('<d', v))[0]
    if isinstance(v, str): return "t:" + v
    return "b:" + bytes(v).hex()
out = []
for s in stmts:
    block = ""
    try:
        cur = db.execute(s)
        if cur.description:
            block += "cols: " + "|".join(d[0] for d in cur.description) + "\n"
        for row in cur:
            block += "|".join(fmt(v) for v in row) + "\n"
    except Exception as e:
        block += "ERR: %s (%d)" % (e, getattr(e, "sqlite_errorcode", -1))
    out.append(block.rstrip())
json.dump(out, sys.stdout)
"#;

fn json_str(s: &str) -> String {
    let mut o = String::from("\"");
    for ch in s.chars() {
        match ch {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn theirs(path: &str, stmts: &[&str]) -> Vec<String> {
    let input = format!(
        "[{}]",
        stmts
            .iter()
            .map(|s| json_str(s))
            .collect::<Vec<_>>()
            .join(",")
    );
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
    // Minimal JSON array-of-strings decoder (the Python side emits only that).
    let s = String::from_utf8(out.stdout).unwrap();
    let mut res = Vec::new();
    let b: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < b.len() {
        if b[i] == '"' {
            let mut cur = String::new();
            i += 1;
            while b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                    match b[i] {
                        'n' => cur.push('\n'),
                        't' => cur.push('\t'),
                        'u' => {
                            let h: String = b[i + 1..i + 5].iter().collect();
                            let code = u32::from_str_radix(&h, 16).unwrap();
                            i += 4;
                            if (0xD800..0xDC00).contains(&code) {
                                let h2: String = b[i + 3..i + 7].iter().collect();
                                let lo = u32::from_str_radix(&h2, 16).unwrap();
                                i += 6;
                                cur.push(
                                    char::from_u32(
                                        0x10000 + ((code - 0xD800) << 10) + (lo - 0xDC00),
                                    )
                                    .unwrap(),
                                );
                            } else {
                                cur.push(char::from_u32(code).unwrap_or('?'));
                            }
                        }
                        c => cur.push(c),
                    }
                } else {
                    cur.push(b[i]);
                }
                i += 1;
            }
            res.push(cur);
        }
        i += 1;
    }
    res
}

fn diff(name: &str, script: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let p1 = dir.path().join("ours.db");
    let p2 = dir.path().join("theirs.db");
    let a = ours(p1.to_str().unwrap(), script);
    let b = theirs(p2.to_str().unwrap(), script);
    assert_eq!(a.len(), b.len(), "{name}: output count");
    // Plan row ids are instruction addresses in SQLite: compare the tree shape and details.
    let norm = |i: usize, x: &String| -> String {
        if !script[i].starts_with("EXPLAIN QUERY PLAN") {
            return x.clone();
        }
        x.lines()
            .map(|l| {
                let f: Vec<&str> = l.splitn(4, '|').collect();
                if f.len() == 4 && f[0].starts_with("i:") {
                    format!("{}|{}", if f[1] == "i:0" { "top" } else { "child" }, f[3])
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let a: Vec<String> = a.iter().enumerate().map(|(i, x)| norm(i, x)).collect();
    let b: Vec<String> = b.iter().enumerate().map(|(i, x)| norm(i, x)).collect();
    let mut bad = Vec::new();
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        if x != y {
            bad.push(format!(
                "[{name} #{i}] {}\n  ours:   {x:?}\n  sqlite: {y:?}",
                script[i]
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "{} differences:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn trigger_create_drop_schema() {
    diff(
        "trigger_create_drop_schema",
        &[
            "CREATE TABLE t1(x INTEGER, y VARCHAR(8))",
            "CREATE TRIGGER t1r1 UPDATE ON t1 BEGIN SELECT 1; END;",
            "CREATE TRIGGER t1r1 UPDATE ON t1 BEGIN SELECT 1; END;",
            "CREATE TRIGGER IF NOT EXISTS t1r1 UPDATE ON t1 BEGIN SELECT 1; END;",
            "CREATE TRIGGER \"q t\" AFTER DELETE ON t1 FOR EACH ROW WHEN old.x > 1 BEGIN SELECT 1; SELECT 2 ; END  ;",
            "CREATE TRIGGER bad BEFORE DELETE ON nope BEGIN SELECT 1; END",
            "CREATE VIEW v1 AS SELECT x FROM t1",
            "CREATE TRIGGER bad BEFORE DELETE ON v1 BEGIN SELECT 1; END",
            "CREATE TRIGGER bad AFTER DELETE ON v1 BEGIN SELECT 1; END",
            "CREATE TRIGGER bad INSTEAD OF DELETE ON t1 BEGIN SELECT 1; END",
            "CREATE TRIGGER bad BEFORE DELETE ON sqlite_schema BEGIN SELECT 1; END",
            "CREATE TRIGGER sqlite_x BEFORE DELETE ON t1 BEGIN SELECT 1; END",
            "CREATE TRIGGER v1 INSTEAD OF DELETE ON v1 BEGIN SELECT 1; END",
            "SELECT type, name, tbl_name, rootpage, sql FROM sqlite_schema ORDER BY rowid",
            "DROP TRIGGER nope",
            "DROP TRIGGER IF EXISTS nope",
            "DROP TRIGGER T1R1",
            "DROP TRIGGER \"q t\"",
            "SELECT type, name FROM sqlite_schema ORDER BY rowid",
            "CREATE TRIGGER t1r2 AFTER INSERT ON t1 BEGIN SELECT 1; END",
            "DROP TABLE t1",
            "SELECT type, name FROM sqlite_schema ORDER BY rowid",
            "SELECT RAISE(IGNORE)",
        ],
    );
}

#[test]
fn trigger_firing_order_new_old() {
    diff(
        "trigger_firing_order_new_old",
        &[
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c)",
            "CREATE TABLE log(x)",
            "CREATE TRIGGER a1 AFTER INSERT ON t BEGIN INSERT INTO log VALUES('a1 '||new.a||' '||new.b||' '||typeof(new.c)); END",
            "CREATE TRIGGER a2 AFTER INSERT ON t BEGIN INSERT INTO log VALUES('a2 '||new.rowid); END",
            "CREATE TRIGGER b1 BEFORE INSERT ON t BEGIN INSERT INTO log VALUES('b1 '||new.a||' '||new.b); END",
            "CREATE TRIGGER b2 BEFORE INSERT ON t WHEN new.b = 'y' BEGIN INSERT INTO log VALUES('b2'); END",
            "INSERT INTO t(b, c) VALUES('x', '5'), ('y', 2.0)",
            "SELECT changes(), total_changes() > 0, last_insert_rowid()",
            "INSERT INTO t VALUES(10, 'z', NULL)",
            "SELECT changes(), last_insert_rowid()",
            "SELECT * FROM log",
            "DELETE FROM log",
            "CREATE TRIGGER u1 BEFORE UPDATE ON t BEGIN INSERT INTO log VALUES('u1 '||old.b||'->'||new.b); END",
            "CREATE TRIGGER u2 AFTER UPDATE OF c ON t BEGIN INSERT INTO log VALUES('u2 '||old.c||'->'||new.c); END",
            "CREATE TRIGGER d1 BEFORE DELETE ON t BEGIN INSERT INTO log VALUES('d1 '||old.a); END",
            "CREATE TRIGGER d2 AFTER DELETE ON t BEGIN INSERT INTO log VALUES('d2 '||old.b); END",
            "UPDATE t SET b = b || '!'",
            "SELECT changes()",
            "UPDATE t SET c = 7 WHERE a = 1",
            "DELETE FROM t WHERE a > 1",
            "SELECT changes()",
            "SELECT * FROM log",
            "SELECT * FROM t",
            "UPDATE t SET a = 5 WHERE a = 1",
            "SELECT * FROM t",
        ],
    );
}

#[test]
fn trigger_raise_and_conflicts() {
    diff(
        "trigger_raise_and_conflicts",
        &[
            "CREATE TABLE t(a UNIQUE, b)",
            "CREATE TABLE log(x)",
            "CREATE TRIGGER ig BEFORE INSERT ON t WHEN new.a < 0 BEGIN SELECT RAISE(IGNORE); END",
            "CREATE TRIGGER ab BEFORE INSERT ON t WHEN new.a > 100 BEGIN SELECT RAISE(ABORT, 'too big'); END",
            "CREATE TRIGGER fl AFTER INSERT ON t WHEN new.a = 50 BEGIN SELECT RAISE(FAIL, 'fifty'); END",
            "INSERT INTO t VALUES(1, 1), (-1, 2), (2, 3)",
            "SELECT changes()",
            "SELECT * FROM t",
            "INSERT INTO t VALUES(3, 1), (200, 2)",
            "SELECT * FROM t",
            "INSERT INTO t VALUES(4, 1), (50, 2), (5, 3)",
            "SELECT * FROM t",
            "BEGIN",
            "INSERT INTO t VALUES(6, 1)",
            "CREATE TRIGGER rb BEFORE DELETE ON t BEGIN SELECT RAISE(ROLLBACK, 'rolled back'); END",
            "DELETE FROM t",
            "SELECT * FROM t",
            "COMMIT",
            "DROP TRIGGER rb",
            "CREATE TRIGGER cascade AFTER DELETE ON t BEGIN INSERT INTO log VALUES(old.a); INSERT INTO t VALUES(old.a, 'dup'); END",
            "DELETE FROM t WHERE a = 1",
            "SELECT * FROM log",
            "SELECT * FROM t ORDER BY a",
            "DROP TRIGGER cascade",
            "CREATE TRIGGER rep AFTER UPDATE ON t BEGIN INSERT OR IGNORE INTO t VALUES(new.a + 1000, 'x'); END",
            "UPDATE t SET b = 'u' WHERE a = 2",
            "SELECT * FROM t ORDER BY a",
            "CREATE TRIGGER sub AFTER INSERT ON log BEGIN INSERT INTO log SELECT count(*) FROM log WHERE typeof(x) = 'integer'; END",
            "INSERT INTO log VALUES('a'), ('b')",
            "SELECT * FROM log",
        ],
    );
}

#[test]
fn trigger_recursion_off() {
    diff(
        "trigger_recursion_off",
        &[
            "CREATE TABLE t(a)",
            "CREATE TRIGGER r AFTER INSERT ON t WHEN new.a < 10 BEGIN INSERT INTO t VALUES(new.a + 1); END",
            "INSERT INTO t VALUES(1)",
            "SELECT * FROM t",
            "CREATE TABLE u(a)",
            "CREATE TRIGGER tu AFTER INSERT ON t BEGIN INSERT INTO u VALUES(new.a); END",
            "CREATE TRIGGER ut AFTER INSERT ON u BEGIN INSERT INTO t VALUES(new.a * 10); END",
            "INSERT INTO t VALUES(3)",
            "SELECT * FROM t",
            "SELECT * FROM u",
        ],
    );
}

#[test]
fn trigger_instead_of_views() {
    diff(
        "trigger_instead_of_views",
        &[
            "CREATE TABLE t(a, b)",
            "CREATE TABLE log(x)",
            "CREATE VIEW v AS SELECT a, b, a + b AS s FROM t",
            "INSERT INTO v VALUES(1, 2, 3)",
            "CREATE TRIGGER vi INSTEAD OF INSERT ON v BEGIN INSERT INTO t VALUES(new.a, new.b); INSERT INTO log VALUES('i '||new.s||' '||typeof(new.rowid)); END",
            "CREATE TRIGGER vu INSTEAD OF UPDATE ON v BEGIN UPDATE t SET b = new.b WHERE a = old.a; INSERT INTO log VALUES('u '||old.b||'->'||new.b); END",
            "CREATE TRIGGER vd INSTEAD OF DELETE ON v BEGIN DELETE FROM t WHERE a = old.a; INSERT INTO log VALUES('d '||old.s); END",
            "INSERT INTO v VALUES(1, 2, 99), (2, 3, 0)",
            "INSERT INTO v(a) VALUES(5)",
            "SELECT changes()",
            "SELECT * FROM t",
            "UPDATE v SET b = b * 10 WHERE a < 5",
            "SELECT changes()",
            "SELECT * FROM v",
            "DELETE FROM v WHERE s > 20",
            "SELECT * FROM v",
            "SELECT * FROM log",
            "UPDATE v SET nope = 1",
        ],
    );
}

#[test]
fn upsert_do_update() {
    diff(
        "upsert_do_update",
        &[
            "CREATE TABLE kv(k TEXT PRIMARY KEY, v INTEGER, n INTEGER DEFAULT 0)",
            "INSERT INTO kv VALUES('a', 1, 0), ('b', 2, 0)",
            "INSERT INTO kv(k, v) VALUES('a', 10) ON CONFLICT(k) DO UPDATE SET v = v + excluded.v, n = n + 1",
            "SELECT changes()",
            "INSERT INTO kv(k, v) VALUES('c', 3), ('b', 20) ON CONFLICT(k) DO UPDATE SET v = excluded.v WHERE excluded.v > v",
            "INSERT INTO kv(k, v) VALUES('b', 5) ON CONFLICT(k) DO UPDATE SET v = excluded.v WHERE excluded.v > v",
            "SELECT * FROM kv ORDER BY k",
            "INSERT INTO kv(k, v) VALUES('a', 7) ON CONFLICT(k) DO NOTHING",
            "INSERT INTO kv(k, v) VALUES('a', 7) ON CONFLICT(v) DO NOTHING",
            "INSERT INTO kv(k, v) VALUES('a', 7) ON CONFLICT DO UPDATE SET v = -1 RETURNING k, v, n",
            "SELECT * FROM kv ORDER BY k",
            "CREATE TABLE t(id INTEGER PRIMARY KEY, u UNIQUE, w)",
            "INSERT INTO t VALUES(1, 'x', 0), (2, 'y', 0)",
            "INSERT INTO t VALUES(1, 'z', 5) ON CONFLICT(id) DO UPDATE SET w = excluded.w + t.w, u = excluded.u",
            "INSERT INTO t VALUES(9, 'y', 1) ON CONFLICT(u) DO UPDATE SET w = w + 100 ON CONFLICT(id) DO NOTHING",
            "INSERT INTO t VALUES(2, 'q', 1) ON CONFLICT(u) DO UPDATE SET w = w + 100 ON CONFLICT(id) DO NOTHING",
            "INSERT INTO t VALUES(3, 'y', 1) ON CONFLICT(id) DO UPDATE SET w = 0",
            "INSERT INTO t VALUES(1, 'y', 1) ON CONFLICT(id) DO UPDATE SET u = excluded.u",
            "SELECT * FROM t ORDER BY id",
            "CREATE TABLE log(x)",
            "CREATE TRIGGER tu AFTER UPDATE ON t BEGIN INSERT INTO log VALUES(old.w || '->' || new.w); END",
            "INSERT INTO t VALUES(2, 'y', 1) ON CONFLICT(id) DO UPDATE SET w = w * 2",
            "SELECT * FROM log",
            "SELECT * FROM t ORDER BY id",
        ],
    );
}

#[test]
fn returning_clause() {
    diff(
        "returning_clause",
        &[
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL)",
            "INSERT INTO t(b, c) VALUES('x', 1.5), ('y', '2.5') RETURNING *, a+1, b AS bee, t.b,  upper( b ) , rowid",
            "SELECT changes()",
            "UPDATE t SET b = b || '!' WHERE a = 2 RETURNING rowid, b, c * 2",
            "SELECT changes()",
            "INSERT INTO t VALUES(10, 'z', NULL) RETURNING a, (SELECT count(*) FROM t)",
            "DELETE FROM t WHERE a < 5 RETURNING a, b",
            "SELECT changes()",
            "SELECT * FROM t",
            "INSERT INTO t AS q VALUES(11, 'w', 0) RETURNING q.a, q.*",
            "INSERT INTO t AS q VALUES(11, 'w', 0.5) RETURNING t.a, t.*",
            "UPDATE t AS q SET b = 'v' WHERE q.a = 11 RETURNING t.b",
            "UPDATE t AS q SET b = 'v' WHERE q.a = 11 RETURNING q.b",
            "INSERT INTO t VALUES(11, 'dup', 0) RETURNING a",
            "SELECT * FROM t",
            "INSERT OR IGNORE INTO t VALUES(11, 'dup', 0) RETURNING a",
            "DELETE FROM t RETURNING nope",
            "CREATE TABLE log(x)",
            "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES(new.a); END",
            "INSERT INTO t(b) VALUES('r') RETURNING a, b",
            "SELECT * FROM log",
        ],
    );
}

#[test]
fn check_constraints() {
    diff(
        "check_constraints",
        &[
            "CREATE TABLE t(a INTEGER CHECK(typeof(a)='integer'), b CHECK(  b > 0  ), CONSTRAINT cc CHECK(a<100), CHECK(b<>7))",
            "INSERT INTO t VALUES('5', 1)",
            "INSERT INTO t VALUES(1, -1)",
            "INSERT INTO t VALUES(200, 1)",
            "INSERT INTO t VALUES(2, 7)",
            "INSERT INTO t VALUES(3, NULL)",
            "INSERT OR IGNORE INTO t VALUES(4, -4), (5, 5)",
            "INSERT OR REPLACE INTO t VALUES(6, -6)",
            "SELECT * FROM t",
            "UPDATE t SET b = -b",
            "UPDATE OR IGNORE t SET b = 7 WHERE a = 5",
            "UPDATE t SET a = a + 1",
            "SELECT * FROM t",
            "CREATE TABLE u(a, b CONSTRAINT x CHECK(b>0) CHECK(b<10), CHECK(a IS NOT b))",
            "INSERT INTO u VALUES(1, 20)",
            "INSERT INTO u VALUES(2, 2)",
            "INSERT INTO u VALUES(2, 3)",
            "SELECT * FROM u",
        ],
    );
}

#[test]
fn foreign_keys() {
    diff(
        "foreign_keys",
        &[
            "CREATE TABLE p(id INTEGER PRIMARY KEY, k TEXT UNIQUE)",
            "CREATE TABLE c(x REFERENCES p, y REFERENCES p(k) ON DELETE CASCADE ON UPDATE CASCADE)",
            "CREATE TABLE d(z REFERENCES p(id) ON DELETE SET NULL, w DEFAULT 7 REFERENCES p ON DELETE SET DEFAULT)",
            "CREATE TABLE r(q REFERENCES p ON DELETE RESTRICT)",
            "INSERT INTO c VALUES(1, 'nope')",
            "PRAGMA foreign_keys = ON",
            "INSERT INTO c VALUES(2, NULL)",
            "INSERT INTO p VALUES(1, 'a'), (2, 'b'), (7, 'g')",
            "INSERT INTO c VALUES(2, 'a'), (NULL, 'b')",
            "INSERT INTO c VALUES(3, 'a')",
            "SELECT changes()",
            "DELETE FROM p WHERE id = 1",
            "DELETE FROM c WHERE x = 1",
            "DELETE FROM p WHERE id = 1",
            "SELECT * FROM c ORDER BY rowid",
            "UPDATE p SET k = 'bb' WHERE id = 2",
            "SELECT * FROM c ORDER BY rowid",
            "UPDATE p SET id = 20 WHERE id = 2",
            "INSERT INTO d VALUES(7, 2)",
            "DELETE FROM p WHERE id = 7",
            "DELETE FROM c",
            "DELETE FROM p WHERE id = 2",
            "SELECT * FROM d",
            "INSERT INTO r VALUES(7)",
            "INSERT INTO p VALUES(7, 'g')",
            "INSERT INTO r VALUES(7)",
            "DELETE FROM p WHERE id = 7",
            "CREATE TABLE tree(id INTEGER PRIMARY KEY, parent REFERENCES tree(id))",
            "INSERT INTO tree VALUES(1, 1), (2, 1)",
            "INSERT INTO tree VALUES(4, 3), (3, 1)",
            "INSERT INTO tree VALUES(5, 6)",
            "SELECT * FROM tree",
            "CREATE TABLE bad(a REFERENCES p(nope))",
            "INSERT INTO bad VALUES(1)",
            "PRAGMA foreign_keys = OFF",
            "INSERT INTO bad VALUES(1)",
            "INSERT INTO c VALUES(99, 'zz')",
            "SELECT count(*) FROM c",
        ],
    );
}

#[test]
fn changes_after_failed_dml() {
    diff(
        "changes_after_failed_dml",
        &[
            "CREATE TABLE p(a INTEGER PRIMARY KEY, b NOT NULL)",
            "INSERT INTO p VALUES (1, 1)",
            "INSERT INTO p VALUES (2, NULL)",
            "SELECT changes(), total_changes()",
            "INSERT INTO p VALUES (3, 3), (4, 4)",
            "INSERT OR FAIL INTO p VALUES (5, 5), (1, 1), (6, 6)",
            "SELECT changes(), total_changes()",
            "UPDATE p SET b = NULL",
            "SELECT changes(), total_changes()",
            "SELECT * FROM p",
        ],
    );
}
