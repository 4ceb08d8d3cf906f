//! Connection-level unit tests that do not need a b-tree: opening (paths, URIs, flags),
//! registries, limits, busy timing, expanded SQL, and the transaction opcodes' bookkeeping.

use super::*;
use crate::vdbe::{Op, Opcode, Program, P4};

fn rwc() -> i32 {
    open_flags::READWRITE | open_flags::CREATE
}

fn op(opcode: Opcode, p1: i32, p2: i32, p3: i32, p4: P4) -> Op {
    Op {
        opcode,
        p1,
        p2,
        p3,
        p4,
        p5: 0,
        comment: None,
    }
}

fn stmt(ops: Vec<Op>) -> Statement {
    Statement::new(
        Program {
            ops,
            ..Program::default()
        },
        String::new(),
    )
}

#[test]
fn open_memory_and_names() {
    let c = Connection::open(":memory:", rwc(), None).unwrap();
    assert_eq!(c.db_filename("main").as_deref(), Some(""));
    assert_eq!(c.db_filename("temp").as_deref(), Some(""));
    assert_eq!(c.db_filename("nope"), None);
    assert_eq!(c.db_readonly("main"), Some(false));
    assert_eq!(c.db_readonly("aux"), None);
    assert!(c.is_autocommit());
    let c = Connection::open("", rwc(), None).unwrap();
    assert_eq!(c.db_filename("main").as_deref(), Some(""));
}

#[test]
fn open_missing_file_without_create_is_cantopen() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("missing.db");
    let e = Connection::open(p.to_str().unwrap(), open_flags::READWRITE, None)
        .err()
        .unwrap();
    assert_eq!(e.primary(), SQLITE_CANTOPEN);
    assert_eq!(e.msg, "unable to open database file");
    // With CREATE it opens, and the filename is the full path.
    let c = Connection::open(p.to_str().unwrap(), rwc(), None).unwrap();
    assert_eq!(c.db_filename("main").as_deref(), p.to_str());
    // Read-only flag.
    let c = Connection::open(p.to_str().unwrap(), open_flags::READONLY, None).unwrap();
    assert_eq!(c.db_readonly("main"), Some(true));
}

#[test]
fn uri_parsing_follows_sqlite() {
    let u = open_flags::URI;
    let t = parse_target("file:data.db?mode=ro&cache=shared", rwc() | u, None).unwrap();
    assert_eq!(t.path, "data.db");
    assert_eq!(t.flags & 7, open_flags::READONLY);
    let t = parse_target("file:///tmp/a%20b.db", rwc() | u, None).unwrap();
    assert_eq!(t.path, "/tmp/a b.db");
    let t = parse_target("file://localhost/tmp/x.db?immutable=1", rwc() | u, None).unwrap();
    assert_eq!(t.path, "/tmp/x.db");
    assert_eq!(t.flags & 7, open_flags::READONLY);
    assert!(
        parse_target("file::memory:", rwc() | u, None)
            .unwrap()
            .memory
    );
    assert!(
        parse_target("file:x?mode=memory", rwc() | u, None)
            .unwrap()
            .memory
    );
    let e = parse_target("file:x?mode=rwc", open_flags::READONLY | u, None).unwrap_err();
    assert_eq!(e.msg, "access mode not allowed: rwc");
    let e = parse_target("file:x?mode=bogus", rwc() | u, None).unwrap_err();
    assert_eq!(e.msg, "no such access mode: bogus");
    let e = parse_target("file:x?cache=weird", rwc() | u, None).unwrap_err();
    assert_eq!(e.msg, "no such cache mode: weird");
    let e = parse_target("file://example.com/x", rwc() | u, None).unwrap_err();
    assert_eq!(e.msg, "invalid uri authority: example.com");
    // Without the URI flag, "file:" is a plain file name.
    assert_eq!(
        parse_target("file:x?mode=ro", rwc(), None).unwrap().path,
        "file:x?mode=ro"
    );
    let e = Connection::open("file:x?vfs=nope", rwc() | u, None)
        .err()
        .unwrap();
    assert_eq!(e.msg, "no such vfs: nope");
    let c = Connection::open("file:mem1?mode=memory", rwc() | u, None).unwrap();
    assert_eq!(c.db_filename("main").as_deref(), Some(""));
}

#[test]
fn limits_registries_and_collations() {
    let mut c = Connection::open(":memory:", rwc(), None).unwrap();
    assert_eq!(c.limit(2, -1), 2000);
    assert_eq!(c.limit(2, 100), 2000);
    assert_eq!(c.limit(2, -1), 100);
    assert_eq!(c.limit(2, 5000), 100);
    assert_eq!(c.limit(2, -1), 2000, "clamped to SQLITE_MAX_COLUMN");
    assert_eq!(c.limit(99, 1), -1);
    let f = UserFunction {
        name: "Twice".into(),
        nargs: 1,
        flags: 0,
        imp: UserFuncImpl::Scalar(Arc::new(|_, a| Ok(a[0].clone()))),
    };
    c.create_function(f.clone()).unwrap();
    c.create_function(UserFunction {
        name: "twice".into(),
        ..f.clone()
    })
    .unwrap();
    assert_eq!(c.user_functions().len(), 1, "same name+nargs replaces");
    c.remove_function("TWICE", 1).unwrap();
    assert!(c.user_functions().is_empty());
    let nocase = c.collation("nocase").unwrap();
    assert_eq!(nocase(b"ABC", b"abc"), std::cmp::Ordering::Equal);
    let rtrim = c.collation("RTRIM").unwrap();
    assert_eq!(rtrim(b"a  ", b"a"), std::cmp::Ordering::Equal);
    c.create_collation("rev", Some(Arc::new(|a: &[u8], b: &[u8]| b.cmp(a))))
        .unwrap();
    assert_eq!(
        c.collation("REV").unwrap()(b"a", b"b"),
        std::cmp::Ordering::Greater
    );
    c.create_collation("rev", None).unwrap();
    assert!(c.collation("rev").is_none());
}

#[test]
fn default_busy_callback_respects_timeout() {
    let mut c = Connection::open(":memory:", rwc(), None).unwrap();
    assert!(!c.invoke_busy(0), "no timeout, no handler: give up");
    c.set_busy_timeout(30);
    let t0 = std::time::Instant::now();
    let mut n = 0;
    while c.invoke_busy(n) {
        n += 1;
        assert!(n < 100);
    }
    let el = t0.elapsed().as_millis();
    // Delays 1,2,5,10,12 (clamped) = 30 ms, then give up (sqliteDefaultBusyCallback).
    assert_eq!(n, 5);
    assert!((25..400).contains(&el), "{el} ms");
    let calls = Arc::new(std::sync::Mutex::new(Vec::new()));
    let c2 = calls.clone();
    c.set_busy_handler(Some(Box::new(move |k| {
        c2.lock().unwrap().push(k);
        k < 2
    })));
    let mut n = 0;
    while c.invoke_busy(n) {
        n += 1;
    }
    assert_eq!(*calls.lock().unwrap(), vec![0, 1, 2]);
}

#[test]
fn expanded_sql_substitutes_parameters() {
    let names = vec![None, Some(":b".to_string()), None];
    let vars = vec![
        Value::Integer(5),
        Value::text("it's"),
        Value::Blob(vec![0xab, 1]),
    ];
    assert_eq!(
        expand_sql("SELECT ?, :b, '?', ? -- ?\n", &names, &vars),
        "SELECT 5, 'it''s', '?', x'ab01' -- ?\n"
    );
    let names = vec![None, None];
    let vars = vec![Value::Real(1.5), Value::Null];
    assert_eq!(
        expand_sql("select ?2, ?1", &names, &vars),
        "select NULL, 1.5"
    );
}

#[test]
fn begin_commit_rollback_bookkeeping() {
    let mut c = Connection::open(":memory:", rwc(), None).unwrap();
    let mut commit = stmt(vec![op(Opcode::AutoCommit, 1, 0, 0, P4::None)]);
    let e = commit.step(&mut c).unwrap_err();
    assert_eq!(e.msg, "cannot commit - no transaction is active");
    let mut rollback = stmt(vec![op(Opcode::AutoCommit, 1, 1, 0, P4::None)]);
    let e = rollback.step(&mut c).unwrap_err();
    assert_eq!(e.msg, "cannot rollback - no transaction is active");
    let mut begin = stmt(vec![op(Opcode::AutoCommit, 0, 0, 0, P4::None)]);
    assert!(!begin.step(&mut c).unwrap());
    assert!(!c.is_autocommit());
    let e = begin.step(&mut c).unwrap_err();
    assert_eq!(e.msg, "cannot start a transaction within a transaction");
    assert!(!commit.step(&mut c).unwrap());
    assert!(c.is_autocommit());
    assert_eq!(c.active_vms(), 0);

    // SAVEPOINT outside a transaction starts one; RELEASE of it ends it.
    let sp = |opn: i32, name: &str| {
        stmt(vec![op(
            Opcode::Savepoint,
            opn,
            0,
            0,
            P4::Text(name.into()),
        )])
    };
    assert!(!sp(0, "a").step(&mut c).unwrap());
    assert!(!c.is_autocommit());
    assert!(!sp(0, "b").step(&mut c).unwrap());
    assert!(!sp(2, "A").step(&mut c).unwrap());
    assert_eq!(c.savepoints, vec!["a".to_string()]);
    let e = sp(1, "zz").step(&mut c).unwrap_err();
    assert_eq!(e.msg, "no such savepoint: zz");
    assert!(!sp(1, "a").step(&mut c).unwrap());
    assert!(c.is_autocommit());
}

#[test]
fn bind_and_parameters() {
    let mut s = Statement::new(
        Program {
            ops: vec![
                op(Opcode::Variable, 1, 1, 0, P4::None),
                op(Opcode::Variable, 2, 2, 0, P4::None),
                op(Opcode::ResultRow, 1, 2, 0, P4::None),
                op(Opcode::Halt, 0, 0, 0, P4::None),
            ],
            n_mem: 2,
            column_names: vec!["a".into(), "b".into()],
            param_names: vec![None, Some("$x".into())],
            ..Program::default()
        },
        "SELECT ?, $x".into(),
    );
    let mut c = Connection::open(":memory:", rwc(), None).unwrap();
    assert_eq!(s.parameter_count(), 2);
    assert_eq!(s.parameter_name(2), Some("$x"));
    assert_eq!(s.parameter_name(1), None);
    assert_eq!(s.parameter_index("$x"), 2);
    assert_eq!(s.parameter_index("$y"), 0);
    assert_eq!(s.bind(3, Value::Null).unwrap_err().code, SQLITE_RANGE);
    assert_eq!(s.bind(0, Value::Null).unwrap_err().code, SQLITE_RANGE);
    s.bind(1, Value::Integer(7)).unwrap();
    s.bind(2, Value::text("z")).unwrap();
    assert_eq!(s.expanded_sql(), "SELECT 7, 'z'");
    assert!(s.step(&mut c).unwrap());
    assert!(s.busy());
    assert_eq!(s.data_count(), 2);
    assert_eq!(s.column_count(), 2);
    assert_eq!(s.column_name(1), Some("b"));
    assert!(matches!(s.column_value(0), Value::Integer(7)));
    assert!(matches!(s.column_value(1), Value::Text(t) if t == b"z"));
    assert!(s.column_value(5).is_null());
    assert!(!s.step(&mut c).unwrap());
    assert!(!s.busy());
    assert_eq!(s.data_count(), 0);
    // Stepping after DONE starts over; bindings are kept across reset.
    assert!(s.step(&mut c).unwrap());
    s.reset(&mut c);
    assert_eq!(c.active_vms(), 0);
    s.clear_bindings();
    assert!(s.step(&mut c).unwrap());
    assert!(s.column_value(0).is_null());
    s.finalize(&mut c);
    assert_eq!(c.active_vms(), 0);
}

#[test]
fn setting_pragmas_through_noop() {
    let mut c = Connection::open(":memory:", rwc(), None).unwrap();
    let run = |c: &mut Connection, name: &str, new: Option<Value>| -> Value {
        let mut ops = Vec::new();
        if let Some(v) = new.clone() {
            ops.push(op(Opcode::Int64, 0, 2, 0, P4::Value(v)));
        }
        ops.push(op(
            Opcode::Noop,
            0,
            1,
            if new.is_some() { 2 } else { 0 },
            P4::Pragma(name.into()),
        ));
        ops.push(op(Opcode::ResultRow, 1, 1, 0, P4::None));
        let mut s = Statement::new(
            Program {
                ops,
                n_mem: 2,
                ..Program::default()
            },
            String::new(),
        );
        assert!(s.step(c).unwrap());
        let v = s.column_value(0).clone();
        s.finalize(c);
        v
    };
    assert!(matches!(
        run(&mut c, "cache_size", None),
        Value::Integer(-2000)
    ));
    assert!(matches!(
        run(&mut c, "cache_size", Some(Value::Integer(100))),
        Value::Integer(100)
    ));
    assert!(matches!(
        run(&mut c, "foreign_keys", None),
        Value::Integer(0)
    ));
    assert!(matches!(
        run(&mut c, "foreign_keys", Some(Value::text("ON"))),
        Value::Integer(1)
    ));
    assert!(matches!(
        run(&mut c, "foreign_keys", None),
        Value::Integer(1)
    ));
    assert!(matches!(
        run(&mut c, "secure_delete", None),
        Value::Integer(1)
    ));
    assert!(matches!(
        run(&mut c, "busy_timeout", Some(Value::Integer(250))),
        Value::Integer(250)
    ));
    assert_eq!(c.busy_timeout_ms, 250);
    assert!(matches!(
        run(&mut c, "synchronous", Some(Value::text("normal"))),
        Value::Integer(1)
    ));
    assert!(matches!(
        run(&mut c, "page_size", None),
        Value::Integer(4096)
    ));
    assert!(matches!(run(&mut c, "encoding", None), Value::Text(t) if t == b"UTF-8"));
}

#[test]
fn dropping_a_running_statement_stops_counting_it() {
    let mut c = Connection::open(":memory:", rwc(), None).unwrap();
    let mut s = Statement::new(
        Program {
            ops: vec![
                op(Opcode::Integer, 1, 1, 0, P4::None),
                op(Opcode::ResultRow, 1, 1, 0, P4::None),
                op(Opcode::Halt, 0, 0, 0, P4::None),
            ],
            n_mem: 1,
            ..Program::default()
        },
        String::new(),
    );
    assert!(s.step(&mut c).unwrap());
    assert_eq!(c.active_vms(), 1);
    drop(s);
    assert_eq!(c.active_vms(), 0);
}

/// (perf) Re-preparing the same SQL reuses the compiled program, and every change to what
/// the compiler sees (schema, functions, collations) makes it compile afresh.
#[test]
fn compiled_cache_follows_schema_function_and_collation_changes() {
    fn run(c: &mut Connection, sql: &str) -> Result<Vec<Vec<Value>>> {
        let mut rest = sql.as_bytes();
        let mut rows = Vec::new();
        while !rest.is_empty() {
            let (st, n) = c.prepare(rest)?;
            rest = rest.get(n..).unwrap_or(&[]);
            let Some(mut st) = st else { break };
            rows.clear();
            while st.step(c)? {
                rows.push(
                    (0..st.column_count())
                        .map(|i| st.column_value(i).clone())
                        .collect(),
                );
            }
            st.reset(c);
        }
        Ok(rows)
    }
    let mut c = Connection::open(":memory:", rwc(), None).unwrap();
    run(
        &mut c,
        "CREATE TABLE t(a, b); INSERT INTO t VALUES (1, 'x'), (2, 'Y')",
    )
    .unwrap();
    let q = "SELECT * FROM t ORDER BY 1";
    assert_eq!(run(&mut c, q).unwrap()[0].len(), 2);
    assert_eq!(run(&mut c, q).unwrap()[0].len(), 2);
    // Schema change: the same text now sees a third column.
    run(&mut c, "ALTER TABLE t ADD COLUMN c DEFAULT 7").unwrap();
    assert_eq!(
        format!("{:?}", run(&mut c, q).unwrap()[0]),
        format!(
            "{:?}",
            [Value::Integer(1), Value::text("x"), Value::Integer(7)]
        )
    );
    run(&mut c, "DROP TABLE t; CREATE TABLE t(z)").unwrap();
    assert!(run(&mut c, "SELECT a FROM t").is_err());
    run(&mut c, "INSERT INTO t VALUES ('b'), ('A'), ('c')").unwrap();
    // A collation registered after a failed compile: the text compiles now.
    let rq = "SELECT z FROM t ORDER BY z COLLATE rev";
    assert!(run(&mut c, rq).is_err());
    let rev: Collation = std::sync::Arc::new(|a: &[u8], b: &[u8]| b.cmp(a));
    c.create_collation("rev", Some(rev)).unwrap();
    assert_eq!(
        format!("{:?}", run(&mut c, rq).unwrap()[0][0]),
        format!("{:?}", Value::text("c"))
    );
    assert_eq!(
        format!("{:?}", run(&mut c, rq).unwrap()[0][0]),
        format!("{:?}", Value::text("c"))
    );
    // Replaced by another collation of the same name: the cached program must not keep the
    // old one.
    let fwd: Collation = std::sync::Arc::new(|a: &[u8], b: &[u8]| a.cmp(b));
    c.create_collation("rev", Some(fwd)).unwrap();
    assert_eq!(
        format!("{:?}", run(&mut c, rq).unwrap()[0][0]),
        format!("{:?}", Value::text("A"))
    );
}

/// `sqlite3_limit(FUNCTION_ARG / COMPOUND_SELECT)` is enforced at compile time with SQLite's
/// messages (checked against sqlite3 3.40.1), and a changed limit applies to SQL compiled
/// before (the compiled-statement cache is dropped).
#[test]
fn compile_time_limits() {
    let mut c = Connection::open(":memory:", rwc(), None).unwrap();
    let err = |c: &mut Connection, sql: &str| match c.prepare(sql.as_bytes()) {
        Ok(_) => String::new(),
        Err(e) => e.msg,
    };
    assert_eq!(err(&mut c, "SELECT max(1, 2)"), "");
    c.limit(6, 1);
    assert_eq!(
        err(&mut c, "SELECT max(1, 2)"),
        "too many arguments on function max"
    );
    assert_eq!(err(&mut c, "SELECT abs(-1), count(*)"), "");
    c.limit(6, 127);
    assert_eq!(err(&mut c, "SELECT max(1, 2)"), "");
    let three = "SELECT 1 UNION SELECT 2 UNION SELECT 3";
    assert_eq!(err(&mut c, three), "");
    c.limit(4, 2);
    assert_eq!(err(&mut c, three), "too many terms in compound SELECT");
}
