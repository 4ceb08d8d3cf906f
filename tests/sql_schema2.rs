//! Differential tests of the session-3 schema features (AUTOINCREMENT / `sqlite_sequence`,
//! partial and expression indexes, REINDEX, STRICT tables) against real SQLite 3.40.1.
//!
//! Each script is compared statement by statement with `sql_common::diff_with_codes` (rows
//! with exact types, errors with extended codes). `files_agree` then runs the script again
//! on two files, one per engine, and real SQLite must find OUR file intact
//! (`PRAGMA integrity_check` = ok) and identical in content (schema rows, every table's
//! rows, every index's entries seen through `INDEXED BY`-free scans) to the file it wrote
//! itself. `theirs_then_ours` checks the other direction: real SQLite writes the file, we
//! continue on it, real SQLite checks the result.

mod sql_common;

use epiloglite::db::{open_flags, Connection};
use std::process::Command;

/// Run each statement on our engine (errors are ignored: the statement diff covers them).
fn run_ours(path: &str, script: &[&str]) {
    let mut c = Connection::open(path, open_flags::READWRITE | open_flags::CREATE, None).unwrap();
    for s in script {
        if let Ok((Some(mut st), _)) = c.prepare(s.as_bytes()) {
            while let Ok(true) = st.step(&mut c) {}
        }
    }
}

/// Run each statement on real SQLite (errors ignored).
fn run_theirs(path: &str, script: &[&str]) {
    let py = r#"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
for s in sys.argv[2:]:
    try:
        db.execute(s).fetchall()
    except Exception:
        pass
"#;
    let st = Command::new("python3")
        .arg("-c")
        .arg(py)
        .arg(path)
        .args(script)
        .status()
        .expect("python3");
    assert!(st.success());
}

/// Real SQLite's view of a file: integrity check, schema rows, each table's rows, and each
/// index's content (the key columns of every entry, via the `sqlite_dbpage`-free route of
/// `SELECT` with `INDEXED BY`).
fn real_dump(path: &str) -> String {
    let py = r#"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
out = []
out.append(repr(db.execute("pragma integrity_check").fetchall()))
rows = db.execute("select type,name,tbl_name,sql from sqlite_schema order by rowid").fetchall()
out.append(repr(rows))
for (ty, name, _, _) in rows:
    q = '"%s"' % name.replace('"', '""')
    if ty == 'table' and not name.startswith('sqlite_stat'):
        out.append(name + ": " + repr(sorted(db.execute('select * from %s' % q).fetchall(), key=repr)))
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

fn check_same(name: &str, ours_path: &str, theirs_path: &str) {
    let da = real_dump(ours_path);
    let db = real_dump(theirs_path);
    assert!(
        da.starts_with("[('ok',)]"),
        "{name}: real integrity_check on our file: {da}"
    );
    assert!(
        da == db,
        "{name}: real SQLite's view of our file differs from its own:\n{da}\n{db}"
    );
}

/// The statement-by-statement diff, then the file check.
fn diff(name: &str, script: &[&str]) {
    sql_common::diff_with_codes(name, script);
    files_agree(name, script);
}

fn files_agree(name: &str, script: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let p1 = dir.path().join("ours.db");
    let p2 = dir.path().join("theirs.db");
    run_ours(p1.to_str().unwrap(), script);
    run_theirs(p2.to_str().unwrap(), script);
    check_same(name, p1.to_str().unwrap(), p2.to_str().unwrap());
}

/// Real SQLite runs `setup` on both files; then we run `script` on one and real SQLite on
/// the other; the results must agree.
fn theirs_then_ours(name: &str, setup: &[&str], script: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let p1 = dir.path().join("ours.db");
    let p2 = dir.path().join("theirs.db");
    run_theirs(p1.to_str().unwrap(), setup);
    run_theirs(p2.to_str().unwrap(), setup);
    run_ours(p1.to_str().unwrap(), script);
    run_theirs(p2.to_str().unwrap(), script);
    check_same(name, p1.to_str().unwrap(), p2.to_str().unwrap());
}

// ---- AUTOINCREMENT ----------------------------------------------------------------------

const AUTOINC: &[&str] = &[
    "CREATE TABLE t(a INTEGER PRIMARY KEY AUTOINCREMENT, b UNIQUE)",
    "SELECT type, name, tbl_name, rootpage, sql FROM sqlite_schema",
    "INSERT INTO t(b) SELECT 1 WHERE 0",
    "SELECT rowid, * FROM sqlite_sequence",
    "INSERT INTO t VALUES(10, 'x')",
    "INSERT INTO t(b) VALUES('y')",
    "DELETE FROM t WHERE a = 11",
    "INSERT INTO t(b) VALUES('z')",
    "SELECT * FROM t",
    "SELECT rowid, * FROM sqlite_sequence",
    "CREATE TABLE u(x INTEGER PRIMARY KEY AUTOINCREMENT, y)",
    "INSERT INTO u VALUES(-5, 1)",
    "SELECT rowid, * FROM sqlite_sequence",
    "INSERT OR IGNORE INTO u VALUES(-5, 2)",
    "INSERT OR IGNORE INTO u VALUES(100, 3), (-5, 4)",
    "INSERT INTO u(y) VALUES(5), (6)",
    "SELECT * FROM u",
    "SELECT rowid, * FROM sqlite_sequence",
    "DELETE FROM u",
    "INSERT INTO u(y) VALUES(7)",
    "SELECT * FROM u",
    "INSERT INTO t(b) VALUES('y')",
    "SELECT * FROM t",
    "DROP TABLE t",
    "SELECT rowid, * FROM sqlite_sequence",
    "CREATE TABLE t(a INTEGER PRIMARY KEY AUTOINCREMENT, b)",
    "INSERT INTO t(b) VALUES(1)",
    "SELECT * FROM t",
    "SELECT rowid, * FROM sqlite_sequence",
    "UPDATE sqlite_sequence SET seq = 1000 WHERE name = 't'",
    "INSERT INTO t(b) VALUES(2)",
    "SELECT * FROM t",
    "BEGIN",
    "INSERT INTO t(b) VALUES(3)",
    "ROLLBACK",
    "INSERT INTO t(b) VALUES(4)",
    "SELECT * FROM t",
    "SELECT rowid, * FROM sqlite_sequence",
    "CREATE TABLE bad(a INT PRIMARY KEY AUTOINCREMENT)",
    "CREATE TABLE bad(a INTEGER, b, PRIMARY KEY(a, b) AUTOINCREMENT)",
    "SELECT name FROM sqlite_schema ORDER BY rowid",
    "PRAGMA integrity_check",
];

#[test]
fn autoincrement_sqlite_sequence() {
    diff("autoincrement", AUTOINC);
}

#[test]
fn autoincrement_triggers_and_upsert() {
    diff(
        "autoincrement triggers",
        &[
            "CREATE TABLE log(id INTEGER PRIMARY KEY AUTOINCREMENT, msg)",
            "CREATE TABLE t(a INTEGER PRIMARY KEY AUTOINCREMENT, b UNIQUE, c)",
            "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log(msg) VALUES(new.b); END",
            "INSERT INTO t(b, c) VALUES('p', 1), ('q', 2)",
            "INSERT INTO t(b, c) VALUES('p', 3) ON CONFLICT(b) DO UPDATE SET c = excluded.c",
            "INSERT OR REPLACE INTO t(b, c) VALUES('q', 4)",
            "SELECT * FROM t",
            "SELECT * FROM log",
            "SELECT * FROM sqlite_sequence ORDER BY name",
            "INSERT INTO t(a, b) VALUES(9223372036854775807, 'max')",
            "INSERT INTO t(b) VALUES('over')",
            "SELECT * FROM sqlite_sequence ORDER BY name",
        ],
    );
}

#[test]
fn autoincrement_on_a_file_real_sqlite_wrote() {
    theirs_then_ours(
        "autoincrement theirs then ours",
        &[
            "CREATE TABLE t(a INTEGER PRIMARY KEY AUTOINCREMENT, b)",
            "CREATE TABLE v(a INTEGER PRIMARY KEY AUTOINCREMENT, b)",
            "INSERT INTO t(b) VALUES(1),(2),(3)",
            "INSERT INTO v(b) VALUES(1)",
            "DELETE FROM t WHERE a = 3",
        ],
        &[
            "INSERT INTO t(b) VALUES(4)",
            "DROP TABLE v",
            "CREATE TABLE w(a INTEGER PRIMARY KEY AUTOINCREMENT, b)",
            "INSERT INTO w(b) VALUES(5)",
        ],
    );
}

// ---- partial and expression indexes, REINDEX --------------------------------------------

#[test]
fn partial_indexes() {
    diff(
        "partial indexes",
        &[
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b, c, d)",
            "INSERT INTO t VALUES(1, 10, 'x', NULL), (2, 20, 'y', 1), (3, NULL, 'z', 2)",
            "CREATE INDEX tb ON t(b) WHERE b > 10",
            "CREATE UNIQUE INDEX tc ON t(c) WHERE d IS NOT NULL",
            "SELECT type, name, tbl_name, sql FROM sqlite_schema",
            "PRAGMA index_list(t)",
            "INSERT INTO t VALUES(4, 30, 'x', NULL)",
            "INSERT INTO t VALUES(5, 40, 'y', 7)",
            "INSERT INTO t VALUES(6, 5, 'q', 8)",
            "UPDATE t SET d = 3 WHERE a = 1",
            "UPDATE t SET d = 3 WHERE a = 4",
            "UPDATE t SET b = 100 WHERE a = 1",
            "UPDATE t SET b = 0 WHERE a = 2",
            "DELETE FROM t WHERE a = 3",
            "INSERT OR REPLACE INTO t VALUES(7, 50, 'y', 9)",
            "INSERT OR IGNORE INTO t VALUES(8, 60, 'q', 1)",
            "SELECT * FROM t ORDER BY a",
            "SELECT a FROM t WHERE b > 10 ORDER BY a",
            "SELECT a, c FROM t WHERE d IS NOT NULL AND c = 'y'",
            "PRAGMA integrity_check",
            "CREATE INDEX bad ON t(a) WHERE b IN (SELECT 1)",
            "CREATE INDEX bad ON t(a) WHERE random() > 0",
            "CREATE INDEX bad ON t(a) WHERE b > ?",
            "CREATE INDEX bad ON t(a) WHERE zz > 0",
            "CREATE INDEX ok ON t(a) WHERE rowid > 2",
            "CREATE UNIQUE INDEX dup ON t(c) WHERE b IS NOT NULL",
            "CREATE UNIQUE INDEX nodup ON t(c) WHERE b > 25",
            "DROP INDEX tb",
            "SELECT name FROM sqlite_schema",
        ],
    );
}

#[test]
fn expression_indexes() {
    diff(
        "expression indexes",
        &[
            "CREATE TABLE t(a, b, c TEXT COLLATE NOCASE)",
            "INSERT INTO t VALUES(1, 2, 'Abc'), (3, 4, 'DEF'), (5, NULL, 'ghi')",
            "CREATE INDEX tab ON t(a+b)",
            "CREATE UNIQUE INDEX tl ON t(lower(c))",
            "CREATE INDEX tm ON t(b, abs(a) DESC, c)",
            "PRAGMA index_info(tab)",
            "PRAGMA index_info(tm)",
            "INSERT INTO t VALUES(7, 8, 'abc')",
            "INSERT INTO t VALUES(7, 8, 'xyz')",
            "INSERT OR REPLACE INTO t VALUES(9, 9, 'def')",
            "UPDATE t SET c = 'GHI' WHERE a = 1",
            "UPDATE t SET c = upper(c)",
            "UPDATE t SET b = b + 1",
            "DELETE FROM t WHERE a = 5",
            "SELECT * FROM t ORDER BY a",
            "SELECT a FROM t WHERE lower(c) = 'abc'",
            "SELECT a FROM t WHERE a + b = 16",
            "PRAGMA integrity_check",
            "CREATE INDEX bad ON t(a + zz)",
            "CREATE INDEX bad ON t((SELECT 1))",
            "CREATE INDEX bad ON t(random())",
            "CREATE INDEX bad ON t(a + ?)",
            "CREATE INDEX bad ON t(count(a))",
            "CREATE INDEX bad ON t(rowid)",
            "CREATE INDEX bad ON t(nosuchfn(a))",
            "CREATE INDEX bad ON t('zz')",
            "CREATE INDEX lit ON t(1)",
            "CREATE UNIQUE INDEX bad ON t(b % 2)",
            "SELECT name FROM sqlite_schema",
        ],
    );
}

#[test]
fn expression_and_partial_indexes_on_real_sqlite_files() {
    theirs_then_ours(
        "expression index theirs then ours",
        &[
            "CREATE TABLE t(a, b)",
            "CREATE INDEX te ON t(a * 2, lower(b))",
            "CREATE INDEX tp ON t(b) WHERE a > 2",
            "INSERT INTO t VALUES(1, 'A'), (2, 'B'), (3, 'C'), (4, 'D')",
        ],
        &[
            "INSERT INTO t VALUES(5, 'E')",
            "UPDATE t SET a = a + 1",
            "DELETE FROM t WHERE b = 'C'",
            "UPDATE t SET b = 'zz' WHERE a = 2",
        ],
    );
}

#[test]
fn reindex_all_forms() {
    diff(
        "reindex",
        &[
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b COLLATE NOCASE UNIQUE, c)",
            "CREATE INDEX tc ON t(c)",
            "CREATE INDEX te ON t(c + 1) WHERE c > 1",
            "CREATE TABLE nocase(x)",
            "CREATE INDEX nx ON nocase(x COLLATE RTRIM)",
            "INSERT INTO t VALUES(1, 'a', 1), (2, 'B', 2), (3, 'c', 3)",
            "INSERT INTO nocase VALUES('p '), ('q')",
            "REINDEX",
            "REINDEX nocase",
            "REINDEX rtrim",
            "REINDEX binary",
            "REINDEX t",
            "REINDEX main.t",
            "REINDEX tc",
            "REINDEX main.te",
            "REINDEX sqlite_autoindex_t_1",
            "REINDEX temp.t",
            "REINDEX nosuch",
            "REINDEX main.nosuch",
            "REINDEX sqlite_schema",
            "SELECT * FROM t ORDER BY b",
            "SELECT * FROM t WHERE c = 2",
            "PRAGMA integrity_check",
        ],
    );
}

// ---- STRICT tables -----------------------------------------------------------------------

#[test]
fn strict_tables() {
    diff(
        "strict",
        &[
            "CREATE TABLE t(a INT UNIQUE, b TEXT, c REAL, d BLOB, e ANY, f INTEGER) STRICT",
            "INSERT INTO t VALUES(1, 'x', 5, x'01', '7', 2.0)",
            "SELECT typeof(a), typeof(b), typeof(c), typeof(d), typeof(e), typeof(f) FROM t",
            "INSERT INTO t VALUES('12', 3, '2.5', NULL, 1.5, 3)",
            "SELECT typeof(a), typeof(b), typeof(c), typeof(d), typeof(e), typeof(f) FROM t",
            "INSERT INTO t VALUES(2, 'a', 'x', 1, 1, 1)",
            "INSERT INTO t VALUES(1, 5, 1, 1, 1, 1)",
            "INSERT INTO t VALUES(3, 'a', 1.0, 'x', 1, 1)",
            "INSERT INTO t VALUES(4, x'00', 1.0, NULL, 1, 1)",
            "INSERT INTO t VALUES(5, 'a', 1.0, NULL, x'0102', 3.5)",
            "INSERT INTO t VALUES('abc', 'a', 1.0, NULL, 1, 1)",
            "INSERT OR IGNORE INTO t VALUES('abc', 'a', 1.0, NULL, 1, 1)",
            "UPDATE t SET b = 5 WHERE a = 1",
            "UPDATE t SET c = 'zz' WHERE a = 1",
            "UPDATE t SET e = 'any', c = 4 WHERE a = 1",
            "SELECT * FROM t ORDER BY a",
            "PRAGMA table_info(t)",
            "CREATE TABLE u(a varchar) STRICT",
            "CREATE TABLE u(a) STRICT",
            "CREATE TABLE u(a INT(10)) STRICT",
            "CREATE TABLE u(a integer primary key, b text NOT NULL CHECK(length(b) > 1)) STRICT",
            "INSERT INTO u VALUES('x', 'ab')",
            "INSERT INTO u VALUES(1, NULL)",
            "INSERT INTO u VALUES(1, 5)",
            "INSERT INTO u VALUES(1, 55)",
            "SELECT a, b, typeof(b) FROM u",
            "CREATE TABLE v(a Int, b aNy) STRICT",
            "INSERT INTO v VALUES('9', '9')",
            "SELECT a, typeof(a), b, typeof(b) FROM v",
            "SELECT sql FROM sqlite_schema WHERE name = 'v'",
        ],
    );
}

#[test]
fn planner_uses_partial_and_expression_indexes() {
    diff(
        "planner partial/expression",
        &[
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b, c, d, e TEXT COLLATE NOCASE)",
            "INSERT INTO t VALUES(1, 10, 'x', NULL, 'Q'), (2, 20, 'y', 1, 'r'), (3, 30, 'y', 2, 'S')",
            "CREATE INDEX tb ON t(b) WHERE b > 10",
            "CREATE INDEX tc ON t(c) WHERE d IS NOT NULL",
            "CREATE INDEX tl ON t(lower(e))",
            "CREATE INDEX tx ON t(b + d, c)",
            "EXPLAIN QUERY PLAN SELECT * FROM t WHERE b = 20",
            "EXPLAIN QUERY PLAN SELECT * FROM t WHERE b = 20 AND b > 10",
            "SELECT * FROM t WHERE b = 20 AND b > 10",
            "EXPLAIN QUERY PLAN SELECT * FROM t WHERE c = 'y'",
            "EXPLAIN QUERY PLAN SELECT * FROM t WHERE c = 'y' AND d IS NOT NULL",
            "SELECT * FROM t WHERE c = 'y' AND d IS NOT NULL",
            "EXPLAIN QUERY PLAN SELECT * FROM t WHERE c = 'y' AND d = 2",
            "SELECT * FROM t WHERE c = 'y' AND d = 2",
            "EXPLAIN QUERY PLAN SELECT * FROM t WHERE lower(e) = 'r'",
            "SELECT * FROM t WHERE lower(e) = 'r'",
            "SELECT * FROM t WHERE lower(e) = 's'",
            "EXPLAIN QUERY PLAN SELECT * FROM t WHERE b + d = 32 AND c = 'y'",
            "SELECT * FROM t WHERE b + d = 32 AND c = 'y'",
            "SELECT * FROM t WHERE b + d = '32'",
            "UPDATE t SET d = 5 WHERE lower(e) = 'q'",
            "DELETE FROM t WHERE c = 'y' AND d = 2",
            "SELECT * FROM t ORDER BY a",
            "PRAGMA integrity_check",
        ],
    );
}

// ---- generated columns -------------------------------------------------------------------

#[test]
fn generated_columns() {
    diff(
        "generated columns",
        &[
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b, c AS (b*2), d INT GENERATED ALWAYS AS (c+1) STORED, e TEXT AS (upper(f)) VIRTUAL, f)",
            "INSERT INTO t VALUES(1, 5, 'x')",
            "INSERT INTO t(a, b, f) VALUES(2, 3, 'hi')",
            "INSERT INTO t(b, f) VALUES(7, NULL)",
            "INSERT INTO t(c) VALUES(1)",
            "INSERT INTO t VALUES(1, 2, 3, 4)",
            "UPDATE t SET d = 1",
            "UPDATE t SET b = 10 WHERE a = 1",
            "SELECT * FROM t ORDER BY a",
            "SELECT a, c, typeof(c), d, typeof(d), e FROM t WHERE c > 6 ORDER BY a",
            "PRAGMA table_info(t)",
            "PRAGMA table_xinfo(t)",
            "CREATE INDEX tc ON t(c)",
            "CREATE INDEX te ON t(e, d)",
            "SELECT a FROM t WHERE c = 20",
            "UPDATE t SET f = 'bye' WHERE a = 2",
            "DELETE FROM t WHERE a = 3",
            "INSERT INTO t(b, f) VALUES(4, 'p') ON CONFLICT DO NOTHING",
            "SELECT * FROM t ORDER BY a",
            "PRAGMA integrity_check",
            "CREATE TABLE u(a INTEGER PRIMARY KEY, b AS (a*2) UNIQUE, c AS (a+1) NOT NULL)",
            "INSERT INTO u VALUES(NULL)",
            "INSERT INTO u(a) VALUES(5)",
            "SELECT * FROM u",
            "CREATE TABLE w(a, b AS (a+1) NOT NULL, c AS (a) STORED UNIQUE)",
            "INSERT INTO w VALUES(NULL)",
            "INSERT INTO w VALUES(1)",
            "INSERT INTO w VALUES(1)",
            "SELECT * FROM w",
            "CREATE TABLE bad(a AS (1))",
            "CREATE TABLE bad(a, b AS (a) PRIMARY KEY)",
            "CREATE TABLE bad(a, b AS (a) DEFAULT 5)",
            "CREATE TABLE bad(a, b AS (zz))",
            "CREATE TABLE bad(a, b AS (random()))",
            "CREATE TABLE bad(a, b AS ((SELECT 1)))",
            "CREATE TABLE loop(a, b AS (c), c AS (b))",
            "INSERT INTO loop(a) VALUES(1)",
            "SELECT * FROM loop",
            "DROP TABLE loop",
            "SELECT name, sql FROM sqlite_schema ORDER BY rowid",
        ],
    );
}

#[test]
fn generated_columns_on_real_sqlite_files() {
    theirs_then_ours(
        "generated theirs then ours",
        &[
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b, c AS (b*2), d AS (c+1) STORED, e, f AS (e||'!'))",
            "CREATE INDEX tf ON t(f)",
            "INSERT INTO t(b, e) VALUES(1, 'x'), (2, 'y'), (3, 'z')",
        ],
        &[
            "INSERT INTO t(b, e) VALUES(4, 'w')",
            "UPDATE t SET b = b + 10, e = upper(e) WHERE a > 1",
            "DELETE FROM t WHERE a = 1",
        ],
    );
}

// ---- the features together with VACUUM, triggers, dumps ---------------------------------

#[test]
fn schema_features_with_vacuum_triggers_and_dump() {
    diff(
        "features with vacuum",
        &[
            "CREATE TABLE t(a INTEGER PRIMARY KEY AUTOINCREMENT, b, c AS (b + 1), d AS (b * 2) STORED)",
            "CREATE INDEX tc ON t(c) WHERE b > 1",
            "CREATE INDEX te ON t(b + d)",
            "CREATE TABLE s(x INT, y TEXT) STRICT",
            "CREATE TABLE log(m)",
            "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES(new.c || '/' || new.d); END",
            "INSERT INTO t(b) VALUES(1), (2), (3)",
            "DELETE FROM t WHERE a = 3",
            "INSERT INTO s VALUES(1, 'one')",
            "VACUUM",
            "SELECT * FROM t",
            "SELECT * FROM log",
            "SELECT * FROM sqlite_sequence",
            "INSERT INTO t(b) VALUES(9)",
            "SELECT * FROM t",
            "INSERT INTO s VALUES('x', 'two')",
            // What Python's iterdump and the shell's .dump ask for sqlite_sequence.
            "SELECT 'INSERT INTO \"sqlite_sequence\" VALUES(' || quote(name) || ',' || quote(seq) || ')' FROM sqlite_sequence",
            "SELECT name, type, sql FROM sqlite_master WHERE sql NOT NULL AND type == 'table' ORDER BY name",
            "PRAGMA integrity_check",
        ],
    );
}

// ---- WITHOUT ROWID -------------------------------------------------------------------------

#[test]
fn without_rowid_tables() {
    diff(
        "without rowid",
        &[
            "CREATE TABLE t(a, b TEXT COLLATE NOCASE, c INT, PRIMARY KEY(c DESC, b)) WITHOUT ROWID",
            "CREATE TABLE u(k INTEGER PRIMARY KEY, v) WITHOUT ROWID",
            "CREATE TABLE v(x TEXT PRIMARY KEY, y UNIQUE) WITHOUT ROWID",
            "SELECT type, name, tbl_name, rootpage, sql FROM sqlite_schema",
            "INSERT INTO t VALUES(1, 'x', 5), (2, 'Y', 5), (3, 'z', 1)",
            "SELECT changes()",
            "INSERT INTO t VALUES(9, 'X', 5)",
            "INSERT INTO t VALUES(9, NULL, 5)",
            "INSERT OR IGNORE INTO t VALUES(9, 'X', 5), (10, 'w', 7)",
            "INSERT OR REPLACE INTO t VALUES(11, 'Z', 1)",
            "SELECT * FROM t",
            "SELECT a FROM t WHERE b = 'y' AND c = 5",
            "SELECT rowid FROM t",
            "INSERT INTO u VALUES(3, 'c'), (1, 'a'), (2, 'b')",
            "INSERT INTO u(v) VALUES('null key')",
            "SELECT * FROM u",
            "SELECT * FROM u WHERE k = 2",
            "UPDATE u SET v = upper(v) WHERE k >= 2",
            "SELECT changes()",
            "UPDATE u SET k = k + 10 WHERE k = 1",
            "UPDATE u SET k = 3 WHERE k = 2",
            "UPDATE OR IGNORE u SET k = 3 WHERE k = 2",
            "SELECT * FROM u",
            "DELETE FROM u WHERE v = 'C'",
            "SELECT changes()",
            "SELECT * FROM u",
            "DELETE FROM t WHERE c = 5",
            "SELECT * FROM t",
            "SELECT count(*) FROM t",
            "PRAGMA table_info(t)",
            "CREATE TABLE nopk(a, b) WITHOUT ROWID",
            "CREATE TABLE ai(a INTEGER PRIMARY KEY AUTOINCREMENT) WITHOUT ROWID",
            "PRAGMA integrity_check",
            "DROP TABLE u",
            "SELECT name FROM sqlite_schema",
        ],
    );
}

#[test]
fn without_rowid_on_real_sqlite_files() {
    theirs_then_ours(
        "without rowid theirs then ours",
        &[
            "CREATE TABLE t(a, b TEXT COLLATE NOCASE, c INT, PRIMARY KEY(c DESC, b)) WITHOUT ROWID",
            "CREATE TABLE w(k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID",
            "INSERT INTO t VALUES(1, 'x', 5), (2, 'Y', 5), (3, 'z', 1)",
            "INSERT INTO w SELECT 'key' || value, randomblob(300) FROM generate_series(1, 200)",
        ],
        &[
            "INSERT INTO t VALUES(4, 'q', 3)",
            "UPDATE t SET a = a * 10 WHERE c = 5",
            "DELETE FROM t WHERE b = 'z'",
            "DELETE FROM w WHERE k > 'key15'",
            "UPDATE w SET v = x'00' WHERE k < 'key12'",
            "INSERT INTO w VALUES('zzz', zeroblob(5000))",
        ],
    );
}

#[test]
fn without_rowid_secondary_indexes() {
    diff(
        "without rowid indexes",
        &[
            "CREATE TABLE t(a TEXT PRIMARY KEY, b UNIQUE, c, d) WITHOUT ROWID",
            "CREATE INDEX tc ON t(c, a)",
            "CREATE INDEX td ON t(lower(d)) WHERE c > 1",
            "INSERT INTO t VALUES('k1', 1, 1, 'X'), ('k2', 2, 2, 'Y'), ('k3', 3, 3, 'Z')",
            "INSERT INTO t VALUES('k4', 1, 9, 'W')",
            "INSERT INTO t VALUES('k1', 9, 9, 'W')",
            "INSERT OR IGNORE INTO t VALUES('k4', 1, 9, 'W'), ('k5', 5, 5, 'V')",
            "UPDATE t SET b = 2 WHERE a = 'k1'",
            "UPDATE OR IGNORE t SET b = 2 WHERE a = 'k1'",
            "UPDATE t SET c = c * 10, a = a || 'x' WHERE b >= 2",
            "DELETE FROM t WHERE b = 3",
            "SELECT * FROM t",
            "CREATE UNIQUE INDEX tu ON t(d)",
            "CREATE UNIQUE INDEX tb2 ON t(b, c)",
            "REINDEX t",
            "PRAGMA integrity_check",
        ],
    );
}

#[test]
fn without_rowid_indexes_on_real_sqlite_files() {
    theirs_then_ours(
        "without rowid indexes theirs then ours",
        &[
            "CREATE TABLE t(a TEXT PRIMARY KEY, b UNIQUE, c, d) WITHOUT ROWID",
            "CREATE INDEX tc ON t(c DESC, a)",
            "CREATE INDEX td ON t(d COLLATE NOCASE) WHERE c > 1",
            "INSERT INTO t SELECT 'k' || value, value, value % 7, 'v' || (value % 5) FROM generate_series(1, 300)",
        ],
        &[
            "INSERT INTO t VALUES('new', 1000, 3, 'V1')",
            "UPDATE t SET c = c + 1, d = upper(d) WHERE b % 3 = 0",
            "DELETE FROM t WHERE b BETWEEN 100 AND 150",
            "UPDATE t SET a = a || '_' WHERE b > 280",
            "CREATE INDEX te ON t(b * 2, d)",
            "REINDEX td",
        ],
    );
}

#[test]
fn alter_and_joins_with_without_rowid_and_generated_tables() {
    diff(
        "alter and joins",
        &[
            "CREATE TABLE w(a PRIMARY KEY, b, c) WITHOUT ROWID",
            "INSERT INTO w VALUES(1, 2, 3), (4, 5, 6)",
            "ALTER TABLE w ADD COLUMN d DEFAULT 7",
            "ALTER TABLE w RENAME COLUMN c TO cc",
            "SELECT * FROM w",
            "SELECT w.rowid FROM w",
            "CREATE TABLE g(a, b AS (a * 2), c)",
            "INSERT INTO g(a, c) VALUES(1, 'x')",
            "ALTER TABLE g ADD COLUMN d AS (a + 1)",
            "SELECT * FROM g",
            "ALTER TABLE g DROP COLUMN c",
            "SELECT * FROM g",
            "SELECT * FROM w NATURAL JOIN w AS x",
            "SELECT * FROM w LEFT JOIN g ON g.a = w.a",
            "SELECT * FROM g RIGHT JOIN w ON g.a = w.a",
            "SELECT a, count(*) FROM w GROUP BY a ORDER BY a DESC",
            "PRAGMA integrity_check",
        ],
    );
}

/// The real `sqlite3` shell's `.dump` and Python's `iterdump()` of a database using all the
/// new schema features, run on EpilogLite's library (`EPILOGLITE_E2E=1`, library from
/// `EPILOGLITE_E2E_LIBDIR`, default `target/release/lib`) and on the system library: the
/// dumps must be identical (incl. the `sqlite_sequence` lines) and real SQLite's
/// `integrity_check` must pass on the file EpilogLite wrote. Without `EPILOGLITE_E2E=1` both
/// runs use the system library (the harness checks itself).
#[test]
fn shell_dump_and_python_iterdump() {
    let ours_lib = if std::env::var("EPILOGLITE_E2E").is_ok_and(|v| v == "1") {
        Some(
            std::env::var("EPILOGLITE_E2E_LIBDIR")
                .unwrap_or_else(|_| format!("{}/target/release/lib", env!("CARGO_MANIFEST_DIR"))),
        )
    } else {
        None
    };
    let sql =
        "CREATE TABLE t(a INTEGER PRIMARY KEY AUTOINCREMENT, b, c AS (b*2), d AS (b+1) STORED);\
        CREATE INDEX tb ON t(b) WHERE b > 1; CREATE INDEX te ON t(lower(b));\
        CREATE TABLE s(x INT, y TEXT) STRICT; CREATE TABLE w(k TEXT PRIMARY KEY, v) WITHOUT ROWID;\
        INSERT INTO t(b) VALUES(1),(2),(3); DELETE FROM t WHERE a=3; INSERT INTO s VALUES(1,'a');\
        INSERT INTO w VALUES('k','v');";
    let run = |lib: Option<&str>, dir: &std::path::Path| -> (String, String) {
        let db = dir.join("x.db");
        let cmd = |prog: &str| {
            let mut c = Command::new(prog);
            if let Some(l) = lib {
                c.env("LD_LIBRARY_PATH", l);
            }
            c
        };
        let st = cmd("sqlite3").arg(&db).arg(sql).status().expect("sqlite3");
        assert!(st.success());
        let shell = cmd("sqlite3")
            .arg(&db)
            .arg(".dump")
            .output()
            .expect("sqlite3");
        let py = cmd("python3")
            .arg("-c")
            .arg("import sqlite3,sys; print('\\n'.join(sqlite3.connect(sys.argv[1]).iterdump()))")
            .arg(&db)
            .output()
            .expect("python3");
        (
            String::from_utf8_lossy(&shell.stdout).into_owned(),
            String::from_utf8_lossy(&py.stdout).into_owned(),
        )
    };
    let d1 = tempfile::tempdir().unwrap();
    let d2 = tempfile::tempdir().unwrap();
    let (s1, p1) = run(ours_lib.as_deref(), d1.path());
    let (s2, p2) = run(None, d2.path());
    assert!(
        s2.contains("INSERT INTO sqlite_sequence VALUES('t',3);"),
        "{s2}"
    );
    assert_eq!(s1, s2, "shell .dump differs");
    assert_eq!(p1, p2, "iterdump differs");
    let ic = real_dump(d1.path().join("x.db").to_str().unwrap());
    assert!(ic.starts_with("[('ok',)]"), "{ic}");
}
