//! Unit tests of the compiler: program shapes (not exact SQLite equality), errors, tails.

use super::schema::{Schema, SchemaRow};
use super::*;
use crate::vdbe::Opcode;

fn schema(sqls: &[(&str, &str, &str, u32, Option<&str>)]) -> Schema {
    Schema::load(
        sqls.iter()
            .map(|(k, n, t, r, s)| SchemaRow {
                kind: k.to_string(),
                name: n.to_string(),
                tbl_name: t.to_string(),
                rootpage: *r,
                sql: s.map(|x| x.to_string()),
            })
            .collect(),
        3,
    )
    .unwrap()
}

fn test_schema() -> Schema {
    schema(&[
        (
            "table",
            "t",
            "t",
            2,
            Some("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT NOT NULL, c UNIQUE DEFAULT 5)"),
        ),
        ("index", "sqlite_autoindex_t_1", "t", 3, None),
        ("index", "tb", "t", 4, Some("CREATE INDEX tb ON t(b)")),
        ("table", "u", "u", 5, Some("CREATE TABLE u(x, y)")),
    ])
}

fn compile_with(s: &Schema, sql: &str) -> Result<Program> {
    let schemas = vec![("main".to_string(), s)];
    let ctx = CompileContext {
        schemas: &schemas,
        user_functions: &[],
        collations: &[],
        vtabs: None,
        limits: &[],
    };
    let c = compile(&ctx, sql.as_bytes())?;
    c.program.ok_or_else(|| Error::sql("empty"))
}

fn ops(p: &Program) -> Vec<Opcode> {
    p.ops.iter().map(|o| o.opcode).collect()
}

fn has(p: &Program, op: Opcode) -> bool {
    p.ops.iter().any(|o| o.opcode == op)
}

fn err(sql: &str) -> String {
    compile_with(&test_schema(), sql)
        .err()
        .map(|e| e.msg)
        .unwrap_or_default()
}

/// Every jump target is inside the program and the program starts with Init.
fn well_formed(p: &Program) {
    assert_eq!(p.ops[0].opcode, Opcode::Init);
    let n = p.ops.len() as i32;
    for o in &p.ops {
        assert!(o.p2 >= 0, "{:?} p2 {}", o.opcode, o.p2);
        if matches!(
            o.opcode,
            Opcode::Goto
                | Opcode::Next
                | Opcode::Rewind
                | Opcode::If
                | Opcode::IfNot
                | Opcode::Gosub
        ) {
            assert!(o.p2 <= n, "{:?} p2 {}", o.opcode, o.p2);
        }
        assert!(o.p1 <= p.n_mem as i32 + 100000);
    }
    assert!(p.ops.iter().any(|o| o.opcode == Opcode::Halt));
}

#[test]
fn select_shapes() {
    let s = test_schema();
    let p = compile_with(
        &s,
        "SELECT a, b+1 AS x FROM t WHERE c > 3 ORDER BY x LIMIT 2",
    )
    .unwrap();
    well_formed(&p);
    assert_eq!(p.column_names, vec!["a", "x"]);
    assert_eq!(p.column_decltypes[0].as_deref(), Some("INTEGER"));
    assert!(p.readonly);
    for op in [
        Opcode::OpenRead,
        Opcode::Rewind,
        Opcode::Column,
        Opcode::Rowid,
        Opcode::SorterOpen,
        Opcode::SorterInsert,
        Opcode::SorterSort,
        Opcode::ResultRow,
        Opcode::DecrJumpZero,
        Opcode::Transaction,
    ] {
        assert!(has(&p, op), "missing {op:?}: {:?}", ops(&p));
    }
    // Transaction checks the schema cookie.
    let tx = p
        .ops
        .iter()
        .find(|o| o.opcode == Opcode::Transaction)
        .unwrap();
    assert_eq!((tx.p1, tx.p2, tx.p3), (0, 0, 3));
}

#[test]
fn rowid_and_index_seeks() {
    let s = test_schema();
    let p = compile_with(&s, "SELECT * FROM t WHERE a = 5").unwrap();
    assert!(has(&p, Opcode::SeekRowid) && !has(&p, Opcode::Rewind));
    let p = compile_with(&s, "SELECT * FROM t WHERE b = 'x'").unwrap();
    assert!(has(&p, Opcode::SeekGE) && has(&p, Opcode::IdxGT) && has(&p, Opcode::IdxRowid));
    let p = compile_with(&s, "SELECT * FROM u WHERE x = 1").unwrap();
    assert!(has(&p, Opcode::Rewind) && !has(&p, Opcode::SeekGE));
    let p = compile_with(
        &s,
        "EXPLAIN QUERY PLAN SELECT * FROM t WHERE b = 'x' ORDER BY c",
    )
    .unwrap();
    assert_eq!(p.explain, 2);
    let details: Vec<String> = p
        .ops
        .iter()
        .filter(|o| o.opcode == Opcode::String8)
        .map(|o| p4_text(&o.p4))
        .collect();
    assert_eq!(
        details,
        vec![
            "SEARCH t USING INDEX tb (b=?)",
            "USE TEMP B-TREE FOR ORDER BY"
        ]
    );
    let p = compile_with(&s, "EXPLAIN QUERY PLAN SELECT * FROM t WHERE a=1").unwrap();
    let d: Vec<String> = p
        .ops
        .iter()
        .filter(|o| o.opcode == Opcode::String8)
        .map(|o| p4_text(&o.p4))
        .collect();
    assert_eq!(d, vec!["SEARCH t USING INTEGER PRIMARY KEY (rowid=?)"]);
}

#[test]
fn insert_shape_and_constraints() {
    let s = test_schema();
    let p = compile_with(&s, "INSERT INTO t(b,c) VALUES('x', 1), ('y', 2)").unwrap();
    well_formed(&p);
    assert!(!p.readonly);
    let halts: Vec<_> = p
        .ops
        .iter()
        .filter(|o| o.opcode == Opcode::HaltIfNull)
        .collect();
    assert_eq!(halts.len(), 1);
    assert_eq!(halts[0].p1, crate::error::codes::SQLITE_CONSTRAINT_NOTNULL);
    assert_eq!(p4_text(&halts[0].p4), "t.b");
    let uh: Vec<_> = p
        .ops
        .iter()
        .filter(|o| o.opcode == Opcode::Halt && o.p5 == 2)
        .collect();
    assert_eq!(uh.len(), 1);
    assert_eq!(p4_text(&uh[0].p4), "t.c");
    assert_eq!(uh[0].p1, crate::error::codes::SQLITE_CONSTRAINT_UNIQUE);
    assert_eq!(
        p.ops
            .iter()
            .filter(|o| o.opcode == Opcode::IdxInsert)
            .count(),
        2
    );
    assert_eq!(
        p.ops.iter().filter(|o| o.opcode == Opcode::Gosub).count(),
        2
    );
    let aff = p.ops.iter().find(|o| o.opcode == Opcode::Affinity).unwrap();
    assert_eq!(p4_text(&aff.p4), "DBA");
    let tx = p
        .ops
        .iter()
        .find(|o| o.opcode == Opcode::Transaction)
        .unwrap();
    assert_eq!(tx.p2, 1);
}

#[test]
fn ddl_writes_schema_rows() {
    let s = test_schema();
    let p = compile_with(&s, "  CREATE TABLE v(p PRIMARY KEY, q UNIQUE) ; SELECT 1").unwrap();
    well_formed(&p);
    let texts: Vec<String> = p
        .ops
        .iter()
        .filter(|o| o.opcode == Opcode::String8)
        .map(|o| p4_text(&o.p4))
        .collect();
    assert!(
        texts.contains(&"CREATE TABLE v(p PRIMARY KEY, q UNIQUE)".to_string()),
        "{texts:?}"
    );
    assert!(texts.contains(&"sqlite_autoindex_v_1".to_string()));
    assert!(texts.contains(&"sqlite_autoindex_v_2".to_string()));
    assert_eq!(
        p.ops
            .iter()
            .filter(|o| o.opcode == Opcode::CreateBtree)
            .count(),
        3
    );
    let sc = p
        .ops
        .iter()
        .find(|o| o.opcode == Opcode::SetCookie && o.p2 == 1)
        .unwrap();
    assert_eq!(sc.p3, 4);
    assert!(has(&p, Opcode::ParseSchema));
    assert_eq!(err("CREATE TABLE t(z)"), "table t already exists");
    assert_eq!(err("CREATE INDEX tb ON t(c)"), "index tb already exists");
    assert_eq!(err("DROP TABLE nope"), "no such table: nope");
    assert_eq!(err("DROP INDEX nope"), "no such index: nope");
    assert!(compile_with(&s, "CREATE TABLE IF NOT EXISTS t(z)").is_ok());
    assert!(compile_with(&s, "DROP TABLE IF EXISTS nope").is_ok());
    let p = compile_with(&s, "DROP TABLE t").unwrap();
    assert_eq!(
        p.ops.iter().filter(|o| o.opcode == Opcode::Destroy).count(),
        3
    );
    assert!(has(&p, Opcode::DropTable));
}

#[test]
fn tail_and_empty() {
    let s = test_schema();
    let schemas = vec![("main".to_string(), &s)];
    let ctx = CompileContext {
        schemas: &schemas,
        user_functions: &[],
        collations: &[],
        vtabs: None,
        limits: &[],
    };
    let sql = b"SELECT 1; SELECT 2";
    let c = compile(&ctx, sql).unwrap();
    assert_eq!(c.tail, 9);
    let c = compile(&ctx, &sql[9..]).unwrap();
    assert_eq!(c.tail, 9);
    let c = compile(&ctx, b"  -- comment\n  ").unwrap();
    assert!(c.program.is_none());
    let c = compile(&ctx, b"SELECT 1\n;\nSELECT 2").unwrap();
    assert_eq!(c.tail, 10);
}

#[test]
fn error_messages() {
    assert_eq!(err("SELEC 1"), "near \"SELEC\": syntax error");
    assert_eq!(err("SELECT * FROM"), "incomplete input");
    assert_eq!(err("SELECT * FROM nope"), "no such table: nope");
    assert_eq!(err("SELECT zz FROM t"), "no such column: zz");
    assert_eq!(
        err("SELECT zz AS zz FROM t WHERE zz > 1"),
        "no such column: zz"
    );
    assert_eq!(err("SELECT x FROM u, u AS u2"), "ambiguous column name: x");
    assert_eq!(err("SELECT nofunc(1)"), "no such function: nofunc");
    assert_eq!(
        err("INSERT INTO t VALUES(1)"),
        "table t has 3 columns but 1 values were supplied"
    );
    assert_eq!(
        err("INSERT INTO t(zz) VALUES(1)"),
        "table t has no column named zz"
    );
    let s = test_schema();
    let schemas = vec![("main".to_string(), &s)];
    let ctx = CompileContext {
        schemas: &schemas,
        user_functions: &[],
        collations: &[],
        vtabs: None,
        limits: &[],
    };
    let e = compile_ext(&ctx, b"SELECT 1 FROM t WHERE WHERE")
        .err()
        .unwrap();
    assert_eq!(e.error.msg, "near \"WHERE\": syntax error");
    assert_eq!(e.offset, Some(22));
}

#[test]
fn deep_nesting_does_not_panic() {
    let s = test_schema();
    // SQLite: 999 chained additions are fine, 1000 exceed the depth limit.
    let chain = |d: usize| format!("SELECT {}1", "1+".repeat(d));
    let r = compile_with(&s, &chain(999));
    assert!(r.is_ok(), "{:?}", r.err());
    let e = compile_with(&s, &chain(1000)).err().unwrap();
    assert_eq!(e.msg, "Expression tree is too large (maximum depth 1000)");
    let nested = |d: usize| format!("SELECT {}1{}", "(1+".repeat(d), ")".repeat(d));
    assert!(compile_with(&s, &nested(900)).is_ok());
    assert!(compile_with(&s, &nested(5000)).is_err());
    let p = compile_with(&s, "SELECT -(-(-(1)))").unwrap();
    well_formed(&p);
}

#[test]
fn parameters_and_builtins() {
    let s = test_schema();
    let p = compile_with(
        &s,
        "SELECT ?, :a, ?5, ?, :a, epiloglite_version(), sqlite_version()",
    )
    .unwrap();
    assert_eq!(p.param_names.len(), 6);
    assert_eq!(p.param_names[1].as_deref(), Some(":a"));
    assert_eq!(p.param_names[4].as_deref(), Some("?5"));
    assert_eq!(p.param_names[0], None);
    let vars: Vec<i32> = p
        .ops
        .iter()
        .filter(|o| o.opcode == Opcode::Variable)
        .map(|o| o.p1)
        .collect();
    assert_eq!(vars, vec![1, 2, 5, 6, 2]);
    let texts: Vec<String> = p
        .ops
        .iter()
        .filter(|o| o.opcode == Opcode::String8)
        .map(|o| p4_text(&o.p4))
        .collect();
    assert_eq!(
        texts,
        vec![crate::EPILOGLITE_VERSION.to_string(), "3.40.1".to_string()]
    );
}

#[test]
fn transactions_and_pragmas() {
    let s = test_schema();
    let p = compile_with(&s, "BEGIN IMMEDIATE").unwrap();
    assert_eq!(
        ops(&p),
        vec![
            Opcode::Init,
            Opcode::Transaction,
            Opcode::AutoCommit,
            Opcode::Halt,
            Opcode::Goto
        ]
    );
    let p = compile_with(&s, "COMMIT").unwrap();
    assert_eq!(
        ops(&p),
        vec![Opcode::Init, Opcode::AutoCommit, Opcode::Halt, Opcode::Goto]
    );
    let p = compile_with(&s, "ROLLBACK TO x").unwrap();
    assert_eq!(p.ops[1].opcode, Opcode::Savepoint);
    assert_eq!(p.ops[1].p1, 2);
    let p = compile_with(&s, "PRAGMA table_info(t)").unwrap();
    assert_eq!(
        p.column_names,
        vec!["cid", "name", "type", "notnull", "dflt_value", "pk"]
    );
    assert_eq!(
        p.ops
            .iter()
            .filter(|o| o.opcode == Opcode::ResultRow)
            .count(),
        3
    );
    let p = compile_with(&s, "PRAGMA user_version").unwrap();
    assert!(has(&p, Opcode::ReadCookie));
    assert_eq!(p.column_names, vec!["user_version"]);
    let p = compile_with(&s, "PRAGMA user_version = 7").unwrap();
    let sc = p
        .ops
        .iter()
        .find(|o| o.opcode == Opcode::SetCookie)
        .unwrap();
    assert_eq!((sc.p2, sc.p3), (6, 7));
}

#[test]
fn aggregates_and_compounds_compile() {
    let s = test_schema();
    for q in [
        "SELECT count(*) FROM t",
        "SELECT b, count(*) FROM t GROUP BY b HAVING count(*) > 1 ORDER BY 2 DESC",
        "SELECT DISTINCT b FROM t",
        "SELECT a FROM t UNION SELECT x FROM u ORDER BY 1",
        "SELECT a FROM t UNION ALL SELECT x FROM u LIMIT 3 OFFSET 1",
        "SELECT a FROM t EXCEPT SELECT x FROM u",
        "SELECT a FROM t INTERSECT SELECT x FROM u",
        "SELECT * FROM t LEFT JOIN u ON t.a = u.x WHERE u.y IS NULL",
        "SELECT * FROM u JOIN u AS u2 USING (x) NATURAL JOIN u AS u3",
        "SELECT (SELECT max(x) FROM u WHERE u.y = t.a), EXISTS (SELECT 1 FROM u) FROM t",
        "SELECT * FROM t WHERE a IN (SELECT x FROM u) AND b NOT IN ('a', 'b', NULL)",
        "SELECT * FROM (SELECT a AS k FROM t) AS s WHERE k > 1",
        "VALUES (1, 2), (3, 4)",
        "SELECT CASE WHEN a THEN 1 ELSE 2 END, CAST(b AS INTEGER), b COLLATE NOCASE, a BETWEEN 1 AND 2 FROM t",
        "UPDATE t SET b = 'z', c = c + 1 WHERE a > 5",
        "UPDATE t SET a = a + 1",
        "DELETE FROM t WHERE b = 'q'",
        "DELETE FROM u",
        "INSERT OR REPLACE INTO t SELECT * FROM t",
        "REPLACE INTO t VALUES (1, 'a', 2)",
        "INSERT OR IGNORE INTO u DEFAULT VALUES",
        "CREATE UNIQUE INDEX IF NOT EXISTS ux ON u(x DESC, y COLLATE NOCASE)",
        "PRAGMA integrity_check",
        "PRAGMA journal_mode = WAL",
    ] {
        let p = compile_with(&s, q);
        match p {
            Ok(p) => well_formed(&p),
            Err(e) => {
                // Aggregates need the functions layer; nothing else may fail.
                assert!(e.msg.starts_with("no such function"), "{q}: {}", e.msg);
            }
        }
    }
}

#[test]
fn column_names_as_written() {
    assert_eq!(
        result_column_texts("SELECT count(*), a+1 AS x, -(-3) FROM t", false),
        vec!["count(*)", "a+1 AS x", "-(-3)"]
    );
    let s = test_schema();
    let p = compile_with(&s, "SELECT count(*), b||'x', a, t.c, 1+2 AS three FROM t").unwrap();
    assert_eq!(
        p.column_names,
        vec!["count(*)", "b||'x'", "a", "c", "three"]
    );
}

#[test]
fn uncorrelated_subqueries_run_once() {
    let s = test_schema();
    let p = compile_with(
        &s,
        "SELECT * FROM t WHERE c = (SELECT max(x) FROM u) AND a IN (SELECT y FROM u)",
    )
    .unwrap();
    assert_eq!(p.ops.iter().filter(|o| o.opcode == Opcode::Once).count(), 2);
    let p = compile_with(
        &s,
        "SELECT * FROM t WHERE c = (SELECT max(x) FROM u WHERE u.y = t.a)",
    )
    .unwrap();
    assert_eq!(p.ops.iter().filter(|o| o.opcode == Opcode::Once).count(), 0);
    let p = compile_with(&s, "SELECT (SELECT (SELECT t.a) FROM u) FROM t").unwrap();
    assert_eq!(p.ops.iter().filter(|o| o.opcode == Opcode::Once).count(), 0);
}

#[test]
fn error_offset_of_syntax_error() {
    let s = test_schema();
    let schemas = vec![("main".to_string(), &s)];
    let ctx = CompileContext {
        schemas: &schemas,
        user_functions: &[],
        collations: &[],
        vtabs: None,
        limits: &[],
    };
    let e = compile_ext(&ctx, b"select * frm t").err().unwrap();
    assert_eq!(e.error.msg, "near \"frm\": syntax error");
    assert_eq!(e.offset, Some(9));
}

#[test]
fn parameters_numbered_once_per_source_occurrence() {
    let s = test_schema();
    // `b = ?` serves both the index seek on tb and (possibly) a residual filter.
    for sql in [
        "SELECT a FROM t WHERE a = ?",
        "SELECT a FROM t WHERE b = ?",
        "UPDATE t SET c = c + 1 WHERE b = ?",
        "DELETE FROM t WHERE c = ?",
    ] {
        let p = compile_with(&s, sql).unwrap();
        assert_eq!(p.param_names, vec![None], "{sql}");
    }
    let p = compile_with(&s, "SELECT a FROM t WHERE b = ? AND c > ? AND a = :x").unwrap();
    assert_eq!(p.param_names, vec![None, None, Some(":x".to_string())]);
    let vars: std::collections::BTreeSet<i32> = p
        .ops
        .iter()
        .filter(|o| o.opcode == Opcode::Variable)
        .map(|o| o.p1)
        .collect();
    assert_eq!(vars.into_iter().collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(
        err("SELECT ?0"),
        "variable number must be between ?1 and ?250000"
    );
}

#[test]
fn between_on_rowid_is_a_range_seek() {
    // (perf) `id BETWEEN a AND b` seeks like `id >= a AND id <= b` instead of scanning.
    let s = test_schema();
    let p = compile_with(&s, "SELECT * FROM t WHERE a BETWEEN ?1 AND ?1 + 99").unwrap();
    assert!(
        !has(&p, Opcode::Rewind),
        "BETWEEN on the rowid must not scan"
    );
    let p = compile_with(&s, "SELECT * FROM t WHERE a NOT BETWEEN 1 AND 9").unwrap();
    assert!(has(&p, Opcode::Rewind));
}
