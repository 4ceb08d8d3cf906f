//! End-to-end tests of the VM and `db::Connection` on real files, with programs translated
//! by hand from what `sqlite3 3.40.1` prints for `EXPLAIN <statement>` (until the SQL
//! compiler lands). The resulting files are then read back by the real `sqlite3` binary:
//! its `PRAGMA integrity_check` must say `ok` and its answers must match ours.

use epiloglite::btree::KeyInfo;
use epiloglite::db::{open_flags, Connection, Statement};
use epiloglite::error::codes::*;
use epiloglite::vdbe::{Op, Opcode, Program, P4};
use epiloglite::Value;
use std::process::Command;

fn opcode(name: &str) -> Opcode {
    use Opcode::*;
    let all = [
        Init,
        Goto,
        Halt,
        ReadCookie,
        If,
        SetCookie,
        CreateBtree,
        OpenWrite,
        OpenRead,
        NewRowid,
        Blob,
        Insert,
        Close,
        Null,
        Noop,
        SeekRowid,
        Rowid,
        IsNull,
        String8,
        SCopy,
        MakeRecord,
        Delete,
        ParseSchema,
        Transaction,
        Integer,
        IntCopy,
        IdxInsert,
        Rewind,
        Next,
        Column,
        ResultRow,
        SeekGE,
        IdxGE,
        DeferredSeek,
        Ne,
        Once,
        IdxDelete,
        Add,
        AutoCommit,
        Savepoint,
        HaltIfNull,
        NotExists,
        IdxRowid,
        Found,
        NoConflict,
        Count,
        Last,
        Prev,
        SeekLT,
        IdxLT,
        Copy,
        Pagecount,
        IntegrityCk,
    ];
    all.into_iter()
        .find(|o| o.name() == name)
        .unwrap_or_else(|| panic!("opcode {name} not in the test's table"))
}

/// One instruction per line: `Opcode p1 p2 p3 [p4] [p5]`; p4 is `-`, `i:N` (Int32),
/// `k:N` (KeyInfo with N BINARY columns), `s:text` (rest of line, `_` for spaces),
/// `a:AFF`, `b:HEX`.
fn asm(src: &str, n_mem: usize, n_cursor: usize) -> Program {
    let mut ops = Vec::new();
    for line in src.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let num = |i: usize| f.get(i).map(|s| s.parse::<i32>().unwrap()).unwrap_or(0);
        let p4 = match f.get(4) {
            None => P4::None,
            Some(s) if *s == "-" => P4::None,
            Some(s) => {
                let (k, v) = s.split_once(':').unwrap();
                match k {
                    "i" => P4::Int32(v.parse().unwrap()),
                    "k" => {
                        let n: usize = v.parse().unwrap();
                        P4::KeyInfo(KeyInfo {
                            desc: vec![false; n],
                            collations: vec![None; n],
                        })
                    }
                    "s" => P4::Text(v.replace('_', " ")),
                    "a" => P4::Affinity(v.to_string()),
                    "b" => P4::Blob(
                        (0..v.len() / 2)
                            .map(|i| u8::from_str_radix(&v[2 * i..2 * i + 2], 16).unwrap())
                            .collect(),
                    ),
                    _ => panic!("bad p4 {s}"),
                }
            }
        };
        ops.push(Op {
            opcode: opcode(f[0]),
            p1: num(1),
            p2: num(2),
            p3: num(3),
            p4,
            p5: f.get(5).map(|s| s.parse().unwrap()).unwrap_or(0),
            comment: None,
        });
    }
    Program {
        ops,
        n_mem,
        n_cursor,
        ..Program::default()
    }
}

fn rows(conn: &mut Connection, s: &mut Statement) -> Result<Vec<String>, epiloglite::Error> {
    let mut out = Vec::new();
    while s.step(conn)? {
        let cols: Vec<String> = (0..s.data_count())
            .map(|i| match s.column_value(i) {
                Value::Null => "NULL".to_string(),
                Value::Integer(i) => i.to_string(),
                Value::Real(r) => r.to_string(),
                Value::Text(t) => String::from_utf8_lossy(t).into_owned(),
                Value::Blob(b) => format!("{b:?}"),
            })
            .collect();
        out.push(cols.join("|"));
    }
    Ok(out)
}

fn run(conn: &mut Connection, p: Program) -> Result<Vec<String>, epiloglite::Error> {
    let mut s = conn.prepare_program(p);
    let r = rows(conn, &mut s);
    s.finalize(conn);
    r
}

fn sqlite3(path: &str, sql: &str) -> String {
    let out = Command::new("sqlite3").arg(path).arg(sql).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// CREATE TABLE t(a,b) with the schema cookie `cookie` before the change.
fn create_table_t(cookie: i32) -> Program {
    let src = format!(
        "
        Init 0 29 0
        ReadCookie 0 3 2
        If 3 5 0
        SetCookie 0 2 4
        SetCookie 0 5 1
        CreateBtree 0 2 1
        OpenWrite 0 1 0 i:5
        NewRowid 0 1 0
        Blob 6 3 0 b:060000000000
        Insert 0 3 1 - 8
        Close 0 0 0
        Close 0 0 0
        Null 0 4 5
        Noop 2 0 4
        OpenWrite 1 1 0 i:5
        SeekRowid 1 17 1
        Rowid 1 5 0
        IsNull 5 26 0
        String8 0 6 0 s:table
        String8 0 7 0 s:t
        String8 0 8 0 s:t
        SCopy 2 9 0
        String8 0 10 0 s:CREATE_TABLE_t(a,b)
        MakeRecord 6 5 4 a:BBBDB
        Delete 1 68 5
        Insert 1 4 5
        SetCookie 0 1 {}
        ParseSchema 0 0 0 s:tbl_name='t'
        Halt 0 0 0
        Transaction 0 1 {} - 1
        Goto 0 1 0
    ",
        cookie + 1,
        cookie
    );
    asm(&src, 10, 2)
}

/// CREATE INDEX i ON t(b) (table empty, so no index build loop is needed).
fn create_index_i(cookie: i32) -> Program {
    let src = format!(
        "
        Init 0 17 0
        CreateBtree 0 1 2
        OpenWrite 0 1 0 i:5
        NewRowid 0 2 0
        String8 0 3 0 s:index
        String8 0 4 0 s:i
        String8 0 5 0 s:t
        SCopy 1 6 0
        String8 0 7 0 s:CREATE_INDEX_i_ON_t(b)
        MakeRecord 3 5 8 a:BBBDB
        Insert 0 8 2
        Close 0 0 0
        SetCookie 0 1 {}
        ParseSchema 0 0 0 s:name='i'
        Halt 0 0 0
        Noop 0 0 0
        Noop 0 0 0
        Transaction 0 1 {} - 1
        Goto 0 1 0
    ",
        cookie + 1,
        cookie
    );
    asm(&src, 8, 1)
}

/// INSERT INTO t VALUES(r2, r3) maintaining index i (root page 3), rowid chosen by NewRowid.
fn insert_t(a: &str, b: &str, cookie: i32) -> Program {
    let src = format!(
        "
        Init 0 13 0
        OpenWrite 0 2 0 i:2
        OpenWrite 1 3 0 k:2
        {a}
        {b}
        NewRowid 0 1 0
        SCopy 3 5 0
        IntCopy 1 6 0
        MakeRecord 5 2 4
        MakeRecord 2 2 7
        IdxInsert 1 4 5 i:2 16
        Insert 0 7 1 s:t 57
        Halt 0 0 0
        Transaction 0 1 {cookie} - 1
        Goto 0 1 0
    "
    );
    asm(&src, 7, 2)
}

fn select_all() -> Program {
    asm(
        "
        Init 0 9 0
        OpenRead 0 2 0 i:2
        Rewind 0 8 0
        Rowid 0 1 0
        Column 0 0 2
        Column 0 1 3
        ResultRow 1 3 0
        Next 0 3 0
        Halt 0 0 0
        Transaction 0 0 0
        Goto 0 1 0
    ",
        3,
        1,
    )
}

/// SELECT a FROM t WHERE b >= 'm' AND b < 't' (through index i).
fn select_range() -> Program {
    asm(
        "
        Init 0 12 0
        OpenRead 0 2 0 i:2
        OpenRead 1 3 0 k:2
        String8 0 1 0 s:m
        SeekGE 1 11 1 i:1
        String8 0 1 0 s:t
        IdxGE 1 11 1 i:1
        DeferredSeek 1 0 0
        Column 0 0 2
        ResultRow 2 1 0
        Next 1 6 0
        Halt 0 0 0
        Transaction 0 0 0
        Goto 0 1 0
    ",
        2,
        2,
    )
}

/// DELETE FROM t WHERE a = r3 (maintaining index i).
fn delete_where_a(a: i64) -> Program {
    let src = format!(
        "
        Init 0 15 0
        Null 0 1 0
        OpenWrite 0 2 0 i:2
        Rewind 0 14 0
        Column 0 0 2
        Ne 3 13 2 - 81
        Rowid 0 4 0
        Once 0 9 0
        OpenWrite 1 3 0 k:2 8
        Column 0 1 5
        Rowid 0 6 0
        IdxDelete 1 5 2 - 1
        Delete 0 1 0 s:t 2
        Next 0 4 0 - 1
        Halt 0 0 0
        Transaction 0 1 0
        Integer {a} 3 0
        Goto 0 1 0
    "
    );
    asm(&src, 6, 2)
}

fn simple(op: &str) -> Program {
    asm(op, 1, 0)
}

#[test]
fn crud_on_a_file_is_read_by_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let path = path.to_str().unwrap();
    let mut c = Connection::open(path, open_flags::READWRITE | open_flags::CREATE, None).unwrap();
    run(&mut c, create_table_t(0)).unwrap();
    assert!(c.schema(0).unwrap().table("t").is_some());
    run(&mut c, create_index_i(1)).unwrap();
    let vals = [
        ("1", "apple"),
        ("2", "mango"),
        ("3", "pear"),
        ("4", "zebra"),
        ("5", "nut"),
    ];
    for (a, b) in vals {
        let p = insert_t(
            &format!("Integer {a} 2 0"),
            &format!("String8 0 3 0 s:{b}"),
            2,
        );
        run(&mut c, p).unwrap();
        assert_eq!(c.changes(), 1);
    }
    assert_eq!(c.last_insert_rowid(), 5);
    assert_eq!(c.total_changes(), 5);
    assert_eq!(
        run(&mut c, select_all()).unwrap(),
        vec!["1|1|apple", "2|2|mango", "3|3|pear", "4|4|zebra", "5|5|nut"]
    );
    // Index range scan, ordered by b: mango, nut, pear.
    assert_eq!(run(&mut c, select_range()).unwrap(), vec!["2", "5", "3"]);
    run(&mut c, delete_where_a(3)).unwrap();
    assert_eq!(c.changes(), 1);
    assert_eq!(run(&mut c, select_range()).unwrap(), vec!["2", "5"]);
    drop(c);

    assert_eq!(sqlite3(path, "PRAGMA integrity_check"), "ok");
    assert_eq!(
        sqlite3(path, "SELECT a, b FROM t ORDER BY a"),
        "1|apple\n2|mango\n4|zebra\n5|nut"
    );
    assert_eq!(
        sqlite3(
            path,
            "SELECT a FROM t INDEXED BY i WHERE b > 'a' ORDER BY b"
        ),
        "1\n2\n5\n4"
    );
    assert_eq!(
        sqlite3(path, "SELECT type, name, tbl_name, sql FROM sqlite_schema"),
        "table|t|t|CREATE TABLE t(a,b)\nindex|i|t|CREATE INDEX i ON t(b)"
    );

    // And a file written by sqlite3 is read by us, schema cookie included.
    sqlite3(path, "INSERT INTO t VALUES(9, 'melon')");
    let mut c = Connection::open(path, open_flags::READWRITE, None).unwrap();
    let mut s = c.prepare_program(select_range());
    // The first prepare of a program does not load the schema; rows come straight from disk.
    assert_eq!(rows(&mut c, &mut s).unwrap(), vec!["2", "9", "5"]);
    s.finalize(&mut c);
}

#[test]
fn transactions_savepoints_and_rollback() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.db");
    let path = path.to_str().unwrap();
    let mut c = Connection::open(path, open_flags::READWRITE | open_flags::CREATE, None).unwrap();
    run(&mut c, create_table_t(0)).unwrap();
    run(&mut c, create_index_i(1)).unwrap();
    let ins = |a: i64| {
        insert_t(
            &format!("Integer {a} 2 0"),
            &format!("String8 0 3 0 s:v{a}"),
            2,
        )
    };
    let begin = || simple("AutoCommit 0 0 0\nHalt 0 0 0");
    let commit = || simple("AutoCommit 1 0 0\nHalt 0 0 0");
    let rollback = || simple("AutoCommit 1 1 0\nHalt 0 0 0");
    let sp = |op: i32, name: &str| simple(&format!("Savepoint {op} 0 0 s:{name}\nHalt 0 0 0"));

    run(&mut c, begin()).unwrap();
    run(&mut c, ins(1)).unwrap();
    run(&mut c, ins(2)).unwrap();
    assert!(!c.is_autocommit());
    // Not visible to another process until COMMIT.
    assert_eq!(sqlite3(path, "SELECT count(*) FROM t"), "0");
    run(&mut c, rollback()).unwrap();
    assert!(c.is_autocommit());
    assert_eq!(run(&mut c, select_all()).unwrap(), Vec::<String>::new());

    run(&mut c, begin()).unwrap();
    run(&mut c, ins(1)).unwrap();
    run(&mut c, sp(0, "a")).unwrap();
    run(&mut c, ins(2)).unwrap();
    run(&mut c, sp(0, "b")).unwrap();
    run(&mut c, ins(3)).unwrap();
    run(&mut c, sp(2, "a")).unwrap(); // ROLLBACK TO a: drops 2 and 3
    run(&mut c, ins(4)).unwrap();
    run(&mut c, sp(1, "a")).unwrap();
    run(&mut c, commit()).unwrap();
    assert_eq!(run(&mut c, select_all()).unwrap(), vec!["1|1|v1", "2|4|v4"]);

    // A failing statement inside a transaction is rolled back alone (statement journal):
    // insert row 3, then fail with a NOT NULL error after writing.
    run(&mut c, begin()).unwrap();
    run(&mut c, ins(5)).unwrap();
    let failing = asm(
        "
        Init 0 10 0
        OpenWrite 0 2 0 i:2
        Integer 7 2 0
        Null 0 3 0
        NewRowid 0 1 0
        MakeRecord 2 2 4
        Insert 0 4 1 s:t 1
        HaltIfNull 1299 2 3 s:t.b 1
        Halt 0 0 0
        Halt 0 0 0
        Transaction 0 1 2 - 1
        Goto 0 1 0
    ",
        4,
        1,
    );
    let e = run(&mut c, failing).unwrap_err();
    assert_eq!(e.code, SQLITE_CONSTRAINT_NOTNULL);
    assert_eq!(e.msg, "NOT NULL constraint failed: t.b");
    assert!(!c.is_autocommit());
    run(&mut c, commit()).unwrap();
    assert_eq!(
        run(&mut c, select_all()).unwrap(),
        vec!["1|1|v1", "2|4|v4", "3|5|v5"]
    );
    drop(c);
    assert_eq!(sqlite3(path, "PRAGMA integrity_check"), "ok");
    assert_eq!(sqlite3(path, "SELECT group_concat(a) FROM t"), "1,4,5");
}

#[test]
fn readonly_and_busy() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.db");
    let path = path.to_str().unwrap();
    sqlite3(
        path,
        "CREATE TABLE t(a,b); CREATE INDEX i ON t(b); INSERT INTO t VALUES(1,'x')",
    );
    let mut ro = Connection::open(path, open_flags::READONLY, None).unwrap();
    assert_eq!(run(&mut ro, select_all()).unwrap(), vec!["1|1|x"]);
    let e = run(&mut ro, insert_t("Integer 2 2 0", "String8 0 3 0 s:y", 2)).unwrap_err();
    assert_eq!(e.code & 0xff, SQLITE_READONLY);
    assert_eq!(e.msg, "attempt to write a readonly database");

    // Two connections: one holds a write transaction, the other cannot write.
    let mut a = Connection::open(path, open_flags::READWRITE, None).unwrap();
    let mut b = Connection::open(path, open_flags::READWRITE, None).unwrap();
    run(&mut a, simple("AutoCommit 0 0 0\nHalt 0 0 0")).unwrap();
    run(&mut a, insert_t("Integer 2 2 0", "String8 0 3 0 s:y", 2)).unwrap();
    let t0 = std::time::Instant::now();
    b.set_busy_timeout(100);
    let e = run(&mut b, insert_t("Integer 3 2 0", "String8 0 3 0 s:z", 2)).unwrap_err();
    assert_eq!(e.code & 0xff, SQLITE_BUSY);
    assert_eq!(e.msg, "database is locked");
    assert!(t0.elapsed().as_millis() >= 90, "busy_timeout waited");
    // The reader still sees the committed state.
    assert_eq!(run(&mut b, select_all()).unwrap(), vec!["1|1|x"]);
    run(&mut a, simple("AutoCommit 1 0 0\nHalt 0 0 0")).unwrap();
    assert_eq!(run(&mut b, select_all()).unwrap(), vec!["1|1|x", "2|2|y"]);
}
