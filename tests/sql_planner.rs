//! Differential tests of the planner and the sorter against real SQLite 3.40.1 (same harness
//! as `sql_diff.rs`): large joins in every FROM order (greedy join ordering), ORDER BY
//! satisfied by GROUP BY, ORDER BY ... LIMIT through the bounded sorter, sorts over every
//! value class, and EXPLAIN QUERY PLAN of the benchmark's 3-table join.

mod sql_common;
use sql_common::diff;

/// `n` tables `t1..tn(a INTEGER PRIMARY KEY, b INTEGER, x TEXT)` of 10 rows each, b a
/// permutation of 1..10 (select5.test's shape).
fn chain_tables(n: usize) -> Vec<String> {
    let mut v = Vec::new();
    for t in 1..=n {
        v.push(format!(
            "CREATE TABLE t{t}(a{t} INTEGER PRIMARY KEY, b{t} INTEGER, x{t} VARCHAR(40))"
        ));
        for r in 1..=10 {
            let b = (r * 3 + t) % 10 + 1;
            v.push(format!(
                "INSERT INTO t{t} VALUES({r},{b},'table t{t} row {r}')"
            ));
        }
    }
    v
}

#[test]
fn large_joins_any_from_order() {
    let mut s = chain_tables(12);
    // A 12-way chain joined through rowids and through the non-indexed b columns, with the
    // tables listed in several orders; the result must not depend on the order chosen.
    let orders = [
        (1..=12).collect::<Vec<_>>(),
        (1..=12).rev().collect(),
        vec![7, 2, 11, 4, 9, 1, 12, 3, 6, 10, 5, 8],
    ];
    for o in &orders {
        let from: Vec<String> = o.iter().map(|t| format!("t{t}")).collect();
        let cols: Vec<String> = o.iter().map(|t| format!("x{t}")).collect();
        let mut w: Vec<String> = (1..12).map(|t| format!("a{}=b{}", t + 1, t)).collect();
        w.push("a1=3".into());
        s.push(format!(
            "SELECT {} FROM {} WHERE {}",
            cols.join(","),
            from.join(","),
            w.join(" AND ")
        ));
        // Joined the other way round (b = a: each inner table scanned with a filter).
        let mut w2: Vec<String> = (1..12).map(|t| format!("b{}=a{}", t + 1, t)).collect();
        w2.push("b12 IN (2,5)".into());
        s.push(format!(
            "SELECT {} FROM {} WHERE {} ORDER BY 1",
            cols.join(","),
            from.join(","),
            w2.join(" AND ")
        ));
    }
    // Counts over a wider join with a cross product between two chains.
    s.push(
        "SELECT count(*), sum(a1), max(x9) FROM t9, t8, t1, t2, t3, t4, t5, t6, t7 \
         WHERE a2=b1 AND a3=b2 AND a4=b3 AND a6=b5 AND a7=b6 AND a8=b7 AND a9=b8"
            .into(),
    );
    let refs: Vec<&str> = s.iter().map(|x| x.as_str()).collect();
    diff("large_joins", &refs);
}

#[test]
fn order_by_satisfied_by_group_by() {
    diff(
        "group_order",
        &[
            "CREATE TABLE g(id INTEGER PRIMARY KEY, k, v, s TEXT)",
            "INSERT INTO g WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c \
             WHERE i<300) SELECT i, CASE i%7 WHEN 0 THEN NULL WHEN 1 THEN 'b' WHEN 2 THEN 2.5 \
             WHEN 3 THEN x'01' ELSE i%5 END, i*3, CASE i%3 WHEN 0 THEN 'A' WHEN 1 THEN 'a' \
             ELSE 'B' END FROM c",
            "SELECT k, count(*), sum(v) FROM g GROUP BY k ORDER BY k",
            "SELECT k, count(*) FROM g GROUP BY k ORDER BY k DESC",
            "SELECT k AS kk, count(*) FROM g GROUP BY kk ORDER BY kk",
            "SELECT k, count(*) FROM g GROUP BY 1 ORDER BY 1",
            "SELECT k, s, count(*) FROM g GROUP BY k, s ORDER BY k",
            "SELECT k, s, count(*) FROM g GROUP BY k, s ORDER BY k, s",
            "SELECT k, s, count(*) FROM g GROUP BY k, s ORDER BY s, k",
            "SELECT s, count(*) FROM g GROUP BY s ORDER BY s COLLATE NOCASE, 2",
            "SELECT s COLLATE NOCASE, count(*) FROM g GROUP BY 1 ORDER BY 1",
            "SELECT k, count(*) FROM g GROUP BY k ORDER BY count(*), k",
            "SELECT k, count(*) FROM g GROUP BY k ORDER BY k NULLS LAST",
            "SELECT k % 3, count(*) FROM g WHERE id > 50 GROUP BY k % 3 ORDER BY k % 3 LIMIT 2",
            "EXPLAIN QUERY PLAN SELECT k, count(*) FROM g GROUP BY k ORDER BY k",
            "EXPLAIN QUERY PLAN SELECT k, count(*) FROM g GROUP BY k ORDER BY k DESC",
        ],
    );
}

#[test]
fn order_by_limit_bounded_sorter() {
    diff(
        "order_limit",
        &[
            "CREATE TABLE o(id INTEGER PRIMARY KEY, a, b TEXT)",
            "INSERT INTO o WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c \
             WHERE i<2000) SELECT i, CASE WHEN i%11=0 THEN NULL WHEN i%13=0 THEN 'txt'||(i%7) \
             WHEN i%17=0 THEN (i%50)/4.0 ELSE (i*7919)%503 END, 'row '||i FROM c",
            "SELECT id, a FROM o ORDER BY a, id LIMIT 10",
            "SELECT id, a FROM o ORDER BY a DESC, id LIMIT 25 OFFSET 7",
            "SELECT id, a FROM o ORDER BY a, id DESC LIMIT 3 OFFSET 1990",
            "SELECT id, a FROM o ORDER BY a, id LIMIT 0",
            "SELECT count(*) FROM (SELECT id FROM o ORDER BY a, id LIMIT -1)",
            "SELECT id, a FROM o ORDER BY a, id LIMIT -5 OFFSET 1995",
            "SELECT id, a FROM o ORDER BY a, id LIMIT 1000 OFFSET 995",
            "SELECT id FROM o ORDER BY b LIMIT 5",
            "SELECT id, a FROM o WHERE id % 2 = 0 ORDER BY a DESC NULLS LAST, id LIMIT 4",
            "SELECT a, count(*) FROM o GROUP BY a ORDER BY 2 DESC, 1 LIMIT 5",
            "SELECT (SELECT id FROM o AS i WHERE i.a = o.a ORDER BY id DESC LIMIT 1) \
             FROM o WHERE id < 6 ORDER BY id",
        ],
    );
}

#[test]
fn sort_mixed_classes_and_collations() {
    diff(
        "sort_mixed",
        &[
            "CREATE TABLE m(id INTEGER PRIMARY KEY, v, w TEXT COLLATE NOCASE)",
            "INSERT INTO m VALUES (1, 9223372036854775807, 'b'), (2, -9223372036854775808, 'B'), \
             (3, 1.5, 'a'), (4, 1, 'abcdefghij'), (5, 'abcdefghiZ', 'ABCDEFGHIJ'), \
             (6, 'abcdefghiA', 'x'), (7, x'00', 'X'), (8, NULL, NULL), (9, 2, 'abcdefgh'), \
             (10, 'ab', ''), (11, 1.0, 'y'), (12, 'abcdefgh', 'Y'), (13, 9.2e18, 'c')",
            "SELECT id, v FROM m ORDER BY v, id",
            "SELECT id, v FROM m ORDER BY v DESC, id",
            "SELECT id, w FROM m ORDER BY w, id",
            "SELECT id, w FROM m ORDER BY w COLLATE BINARY DESC, id",
            "SELECT v, count(*) FROM m GROUP BY v",
            "SELECT w, count(*), group_concat(id) FROM m GROUP BY w",
            "SELECT DISTINCT w FROM m ORDER BY 1",
        ],
    );
}

#[test]
fn join3_plan() {
    diff(
        "join3_plan",
        &[
            "CREATE TABLE cust(id INTEGER PRIMARY KEY, name TEXT, region INTEGER)",
            "CREATE TABLE item(id INTEGER PRIMARY KEY, price REAL)",
            "CREATE TABLE orders(id INTEGER PRIMARY KEY, cust INTEGER, item INTEGER, qty INTEGER)",
            "INSERT INTO cust WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c \
             WHERE i<50) SELECT i, 'customer', i % 17 FROM c",
            "INSERT INTO item WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c \
             WHERE i<100) SELECT i, (i % 97) * 0.25 FROM c",
            "INSERT INTO orders WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c \
             WHERE i<500) SELECT i, (i*7) % 50 + 1, (i*13) % 100 + 1, i % 5 + 1 FROM c",
            "EXPLAIN QUERY PLAN SELECT c.region, count(*), sum(o.qty * i.price) FROM orders o \
             JOIN cust c ON c.id = o.cust JOIN item i ON i.id = o.item GROUP BY c.region \
             ORDER BY c.region",
            "SELECT c.region, count(*), sum(o.qty * i.price) FROM orders o \
             JOIN cust c ON c.id = o.cust JOIN item i ON i.id = o.item GROUP BY c.region \
             ORDER BY c.region",
            "SELECT c.region, count(*), sum(o.qty * i.price) FROM item i, cust c, orders o \
             WHERE c.id = o.cust AND i.id = o.item GROUP BY c.region ORDER BY c.region",
        ],
    );
}

#[test]
fn order_by_satisfied_by_index_or_rowid() {
    diff(
        "order_index",
        &[
            "CREATE TABLE t(id INTEGER PRIMARY KEY, a, b TEXT COLLATE NOCASE, c)",
            "CREATE INDEX ta ON t(a)",
            "CREATE INDEX tbc ON t(b, c)",
            "CREATE INDEX tc ON t(c DESC)",
            "INSERT INTO t WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n \
             WHERE i<400) SELECT i, CASE WHEN i%9=0 THEN NULL WHEN i%7=0 THEN 'x'||(i%5) \
             WHEN i%5=0 THEN (i%13)/2.0 ELSE (i*37)%101 END, CASE i%4 WHEN 0 THEN 'abc' \
             WHEN 1 THEN 'ABC' WHEN 2 THEN 'b' ELSE NULL END, i%3 FROM n",
            "SELECT id, a FROM t ORDER BY a, id",
            "SELECT id, a FROM t ORDER BY a LIMIT 7",
            "SELECT id, a FROM t WHERE id > 100 ORDER BY a, id LIMIT 20 OFFSET 3",
            "SELECT id, a FROM t WHERE a > 50 ORDER BY a, id LIMIT 10",
            "SELECT id, b, c FROM t ORDER BY b, c, id",
            "SELECT id, b FROM t ORDER BY b COLLATE BINARY, id",
            "SELECT id, c FROM t ORDER BY c, id LIMIT 12",
            "SELECT id, a FROM t ORDER BY a DESC, id LIMIT 9",
            "SELECT id FROM t ORDER BY id DESC LIMIT 3",
            "SELECT id, a FROM t WHERE id BETWEEN 10 AND 30 ORDER BY id",
            "SELECT id, a FROM t ORDER BY rowid LIMIT 4",
            "SELECT a, count(*) FROM t GROUP BY a ORDER BY a LIMIT 6",
            "SELECT DISTINCT a FROM t ORDER BY a LIMIT 8",
            "EXPLAIN QUERY PLAN SELECT * FROM t ORDER BY a",
            "EXPLAIN QUERY PLAN SELECT * FROM t ORDER BY id",
            "EXPLAIN QUERY PLAN SELECT * FROM t WHERE id > 5 ORDER BY id",
            "EXPLAIN QUERY PLAN SELECT * FROM t ORDER BY b COLLATE BINARY",
        ],
    );
}
