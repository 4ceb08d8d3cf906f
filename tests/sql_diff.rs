//! Differential tests of the SQL compiler (through `db::Connection` and the VM) against real
//! SQLite 3.40.1 (Python's `sqlite3` module, linked to the system library): each script is
//! run statement by statement on a fresh file by both engines, and the printed results
//! (column names, rows with exact value types, error messages) must be identical.

mod sql_common;
use sql_common::diff;

#[test]
fn crud_and_constraints() {
    diff(
        "crud",
        &[
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT NOT NULL, c UNIQUE DEFAULT 5)",
            "INSERT INTO t(b) VALUES ('x')",
            "INSERT INTO t(b, c) VALUES ('y', 1), ('z', 2)",
            "INSERT INTO t VALUES (10, 'w', 3)",
            "SELECT * FROM t",
            "SELECT a, b, c FROM t WHERE a = 10",
            "INSERT INTO t(b) VALUES (NULL)",
            "INSERT INTO t(b, c) VALUES ('dup', 1)",
            "INSERT INTO t VALUES (10, 'again', 99)",
            "INSERT INTO t VALUES ('abc', 'bad', 98)",
            "INSERT OR IGNORE INTO t(b, c) VALUES ('dup', 1)",
            "INSERT OR REPLACE INTO t(a, b, c) VALUES (20, 'rep', 1)",
            "SELECT a, b, c FROM t ORDER BY a",
            "REPLACE INTO t VALUES (10, 'ten', 3)",
            "SELECT a, b, c FROM t ORDER BY a",
            "UPDATE t SET b = b || '!' WHERE a > 2",
            "SELECT a, b, c FROM t ORDER BY a",
            "UPDATE t SET c = 2 WHERE a = 20",
            "UPDATE t SET a = a + 100 WHERE a = 1",
            "SELECT a, b, c FROM t ORDER BY a",
            "DELETE FROM t WHERE c = 3",
            "SELECT a, b, c FROM t ORDER BY a",
            "DELETE FROM t",
            "SELECT count(*) FROM t",
            "CREATE TABLE u(x, y, PRIMARY KEY(x, y))",
            "INSERT INTO u VALUES (1, 2), (1, 3)",
            "INSERT INTO u VALUES (1, 2)",
            "CREATE TABLE t(z)",
            "CREATE TABLE IF NOT EXISTS t(z)",
            "CREATE INDEX ub ON u(y)",
            "CREATE INDEX ub ON u(y)",
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name",
            "DROP INDEX ub",
            "DROP TABLE u",
            "DROP TABLE u",
            "DROP TABLE IF EXISTS u",
            "SELECT name FROM sqlite_master",
        ],
    );
}

#[test]
fn affinity_and_expressions() {
    diff(
        "affinity",
        &[
            "CREATE TABLE t(a TEXT, b NUMERIC, c INTEGER, d REAL, e BLOB, f)",
            "INSERT INTO t VALUES ('1', '1.0', '2.5', '3', '4', '5')",
            "INSERT INTO t VALUES (1, 1.5, 2.5, 3, 4, 5)",
            "INSERT INTO t VALUES ('x', 'y', 'z', 'w', 'v', 'u')",
            "SELECT a, b, c, d, e, f, typeof(a), typeof(b), typeof(c), typeof(d) FROM t",
            "SELECT a = 1, b = '1', c < '3', f = '5' FROM t",
            "SELECT 1 + 2, 5 / 2, 5.0 / 2, 5 % 3, 1 / 0, 1 % 0, 9223372036854775807 + 1, -9223372036854775808",
            "SELECT 'a' || 'b' || NULL, 1 | 6, 7 & 3, 1 << 4, -16 >> 2, ~5, -(-3), +4",
            "SELECT NULL AND 0, NULL OR 1, NULL AND 1, NOT NULL, 1 IS NULL, NULL IS NULL, 2 IS NOT 3",
            "SELECT 3 BETWEEN 1 AND 5, 3 NOT BETWEEN 1 AND 2, 2 IN (1, 2), 3 IN (1, NULL), 3 NOT IN (1, 2)",
            "SELECT CASE 2 WHEN 1 THEN 'a' WHEN 2 THEN 'b' END, CASE WHEN NULL THEN 1 ELSE 2 END",
            "SELECT CAST('12abc' AS INTEGER), CAST(3.9 AS INTEGER), CAST(5 AS TEXT), CAST('1e3' AS REAL), CAST(x'41' AS TEXT)",
            "SELECT 'abc' LIKE 'A%', 'abc' GLOB 'A*', 'abc' NOT LIKE 'b%'",
            "SELECT 'A' = 'a', 'A' = 'a' COLLATE NOCASE, x'0102', 0x10, 1e2, .5",
            "SELECT sqlite_version()",
            "SELECT abs(-3), length('héllo'), upper('x'), coalesce(NULL, 2), ifnull(NULL, 'z')",
            "SELECT nosuch(1)",
            "SELECT abs(1, 2)",
            "SELECT zz",
        ],
    );
}

#[test]
fn select_features() {
    diff(
        "select",
        &[
            "CREATE TABLE e(id INTEGER PRIMARY KEY, name TEXT, dept INTEGER, sal REAL)",
            "CREATE TABLE d(id INTEGER PRIMARY KEY, dname TEXT)",
            "INSERT INTO d VALUES (1, 'eng'), (2, 'ops'), (3, 'empty')",
            "INSERT INTO e VALUES (1, 'ann', 1, 100), (2, 'bob', 1, 80), (3, 'cy', 2, 90), (4, 'di', NULL, 50), (5, 'ed', 2, NULL)",
            "CREATE INDEX edept ON e(dept)",
            "SELECT name FROM e ORDER BY sal DESC",
            "SELECT name FROM e ORDER BY sal ASC NULLS LAST",
            "SELECT name FROM e ORDER BY sal DESC NULLS FIRST",
            "SELECT name, sal FROM e ORDER BY dept, name DESC LIMIT 2 OFFSET 1",
            "SELECT name FROM e WHERE dept = 1 ORDER BY name",
            "SELECT DISTINCT dept FROM e ORDER BY 1",
            "SELECT dept, count(*), sum(sal), avg(sal), min(name), max(sal) FROM e GROUP BY dept ORDER BY dept",
            "SELECT dept, count(*) AS n FROM e GROUP BY dept HAVING n > 1",
            "SELECT count(*), count(sal), total(sal), group_concat(name) FROM e",
            "SELECT count(*) FROM e WHERE 0",
            "SELECT count(DISTINCT dept) FROM e",
            "SELECT e.name, d.dname FROM e, d WHERE e.dept = d.id ORDER BY e.name",
            "SELECT e.name, d.dname FROM e JOIN d ON e.dept = d.id ORDER BY 1",
            "SELECT e.name, d.dname FROM e LEFT JOIN d ON e.dept = d.id ORDER BY 1",
            "SELECT d.dname, e.name FROM d LEFT JOIN e ON e.dept = d.id ORDER BY 1, 2",
            "SELECT d.dname FROM d LEFT JOIN e ON e.dept = d.id WHERE e.id IS NULL",
            "SELECT count(*) FROM e CROSS JOIN d",
            "SELECT name FROM e WHERE sal > (SELECT avg(sal) FROM e) ORDER BY name",
            "SELECT name FROM e WHERE dept IN (SELECT id FROM d WHERE dname = 'eng') ORDER BY name",
            "SELECT dname FROM d WHERE EXISTS (SELECT 1 FROM e WHERE e.dept = d.id) ORDER BY 1",
            "SELECT dname, (SELECT count(*) FROM e WHERE e.dept = d.id) FROM d ORDER BY 1",
            "SELECT 3 IN (SELECT dept FROM e), 7 IN (SELECT dept FROM e), 7 NOT IN (SELECT sal FROM e WHERE sal IS NOT NULL)",
            "SELECT dept FROM e UNION SELECT id FROM d",
            "SELECT sal FROM e UNION ALL SELECT id FROM d",
            "SELECT id FROM d EXCEPT SELECT dept FROM e",
            "SELECT id FROM d INTERSECT SELECT dept FROM e",
            "SELECT name FROM e UNION SELECT dname FROM d ORDER BY 1 DESC LIMIT 3",
            "VALUES (1, 'a'), (2, 'b')",
            "SELECT * FROM (SELECT name, sal * 2 AS s2 FROM e WHERE sal IS NOT NULL) WHERE s2 > 150 ORDER BY s2",
            "SELECT 1, 'x', NULL",
            "SELECT e.*, d.dname FROM e JOIN d ON d.id = e.dept WHERE e.id = 3",
            "SELECT name FROM e WHERE id > 2 AND id <= 4",
            "SELECT name AS n FROM e ORDER BY n LIMIT 1",
            "SELECT id FROM e WHERE name LIKE '%d%' ORDER BY id",
            "SELECT max(id) FROM e",
            "SELECT id, name FROM e ORDER BY 3",
            "SELECT name, dname FROM e, d",
            "SELECT x FROM e",
            "SELECT * FROM nosuch",
        ],
    );
}

#[test]
fn transactions_and_pragmas() {
    diff(
        "txn",
        &[
            "CREATE TABLE t(a)",
            "BEGIN",
            "INSERT INTO t VALUES (1)",
            "ROLLBACK",
            "SELECT count(*) FROM t",
            "BEGIN IMMEDIATE",
            "INSERT INTO t VALUES (2)",
            "SAVEPOINT s1",
            "INSERT INTO t VALUES (3)",
            "ROLLBACK TO s1",
            "RELEASE s1",
            "COMMIT",
            "SELECT a FROM t",
            "COMMIT",
            "PRAGMA user_version",
            "PRAGMA user_version = 42",
            "PRAGMA user_version",
            "PRAGMA application_id = 7",
            "PRAGMA application_id",
            "CREATE TABLE k(id INTEGER PRIMARY KEY, v TEXT NOT NULL DEFAULT 'q', w REAL UNIQUE)",
            "PRAGMA table_info(k)",
            "PRAGMA index_list(k)",
            "PRAGMA index_info(sqlite_autoindex_k_1)",
            "PRAGMA integrity_check",
            "PRAGMA page_count",
            "PRAGMA freelist_count",
            "PRAGMA schema_version",
            "SELEC 1",
            "SELECT * FROM",
        ],
    );
}

/// SQLite stores 2.0 into an INTEGER column as the integer 2 (`sqlite3VdbeIntegerAffinity`
/// in `applyAffinity`).
#[test]
fn affinity_real_to_integer() {
    diff(
        "aff2",
        &[
            "CREATE TABLE t(b NUMERIC, c INTEGER)",
            "INSERT INTO t VALUES (2.0, 3.0)",
            "SELECT b, c, typeof(b), typeof(c) FROM t",
        ],
    );
}

#[test]
fn nulls_collations_and_indexes() {
    diff(
        "idx",
        &[
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT COLLATE NOCASE, c NUMERIC, d)",
            "CREATE INDEX tb ON t(b)",
            "CREATE INDEX tcd ON t(c, d)",
            "CREATE UNIQUE INDEX tdu ON t(d)",
            "INSERT INTO t(b, c, d) VALUES ('Abc', '10', 'x'), ('abc', 10, 'y'), ('b', '2.5', NULL), (NULL, NULL, NULL)",
            "INSERT INTO t(b, c, d) VALUES ('dup', 1, 'x')",
            "SELECT a FROM t WHERE b = 'ABC' ORDER BY a",
            "SELECT a FROM t WHERE c = 10 ORDER BY a",
            "SELECT a FROM t WHERE c = '10' ORDER BY a",
            "SELECT a FROM t WHERE c = 10 AND d = 'y'",
            "SELECT a FROM t WHERE c > 3 ORDER BY a",
            "SELECT a FROM t WHERE d IS NULL ORDER BY a",
            "SELECT a FROM t WHERE a > 1 AND a < 4",
            "SELECT a FROM t WHERE a >= 2 ORDER BY a DESC",
            "SELECT a FROM t WHERE a = '2'",
            "SELECT a FROM t WHERE a = 2.0",
            "SELECT b FROM t ORDER BY b",
            "SELECT b FROM t ORDER BY b COLLATE BINARY",
            "SELECT DISTINCT b FROM t WHERE b IS NOT NULL ORDER BY 1",
            "SELECT b, count(*) FROM t GROUP BY b ORDER BY 1",
            "UPDATE t SET d = 'z' WHERE a = 3",
            "UPDATE t SET d = 'x' WHERE a = 3",
            "UPDATE OR IGNORE t SET d = 'x' WHERE a = 3",
            "UPDATE OR REPLACE t SET d = 'x' WHERE a = 3",
            "SELECT a, b, c, d FROM t ORDER BY a",
            "DELETE FROM t WHERE b = 'abc'",
            "SELECT a, b, c, d FROM t ORDER BY a",
            "SELECT a FROM t WHERE d = 'x'",
            "SELECT count(*) FROM t WHERE c IN (2.5, 10)",
            "SELECT NULL = NULL, NULL IS NULL, NULL <> 1, 1 IN (NULL), NULL IN (1), coalesce(NULL, NULL)",
            "SELECT max(c), min(c), sum(c) FROM t WHERE c IS NOT NULL",
            "SELECT sum(a) FROM t WHERE 0",
            "SELECT a FROM t LIMIT 0",
            "SELECT a FROM t ORDER BY a LIMIT -1 OFFSET 1",
            "SELECT a FROM t ORDER BY a LIMIT 1, 1",
            "SELECT a FROM t LIMIT 'x'",
        ],
    );
}

#[test]
fn more_queries() {
    diff(
        "more",
        &[
            "CREATE TABLE p(id INTEGER PRIMARY KEY, name TEXT, age INT)",
            "INSERT INTO p(name, age) VALUES ('a', 30), ('b', 20), ('c', 30), ('d', NULL), ('e', 25)",
            "CREATE TABLE q(pid INT, tag TEXT)",
            "INSERT INTO q VALUES (1, 'x'), (1, 'y'), (2, 'x'), (9, 'z')",
            "INSERT INTO q SELECT id, name FROM p WHERE age > 24",
            "SELECT pid, tag FROM q ORDER BY pid, tag",
            "SELECT age, count(*), group_concat(name, '-') FROM p GROUP BY age ORDER BY age DESC",
            "SELECT age % 10 AS k, count(*) FROM p GROUP BY k ORDER BY k",
            "SELECT age FROM p GROUP BY age HAVING count(*) > 1",
            "SELECT name FROM p ORDER BY age IS NULL, age, name",
            "SELECT p.name, count(q.tag) FROM p LEFT JOIN q ON q.pid = p.id GROUP BY p.id ORDER BY p.id",
            "SELECT name FROM p WHERE id IN (SELECT pid FROM q WHERE tag = 'x') ORDER BY 1",
            "SELECT name FROM p WHERE id NOT IN (SELECT pid FROM q) ORDER BY 1",
            "SELECT name, (SELECT group_concat(tag) FROM q WHERE q.pid = p.id) FROM p ORDER BY 1",
            "SELECT name FROM p p1 WHERE age = (SELECT max(age) FROM p p2) ORDER BY name",
            "SELECT name FROM p WHERE EXISTS (SELECT 1 FROM q WHERE q.pid = p.id AND q.tag = 'y')",
            "SELECT (SELECT name FROM p ORDER BY age DESC LIMIT 1)",
            "SELECT * FROM p, q WHERE p.id = q.pid AND q.tag = 'x' ORDER BY p.id",
            "SELECT a.name, b.name FROM p a JOIN p b ON a.age = b.age AND a.id < b.id",
            "SELECT name FROM p WHERE age BETWEEN 21 AND 30 ORDER BY name",
            "SELECT upper(name) AS u FROM p WHERE u > 'B' ORDER BY u",
            "SELECT count(*), avg(age), min(age), max(age) FROM p",
            "SELECT id FROM p UNION SELECT pid FROM q ORDER BY 1 DESC",
            "SELECT id, name FROM p WHERE id < 3 UNION ALL SELECT pid, tag FROM q WHERE pid = 9",
            "SELECT * FROM (SELECT age, count(*) AS n FROM p GROUP BY age) WHERE n > 1",
            "SELECT x.n FROM (SELECT name AS n FROM p) AS x ORDER BY x.n DESC LIMIT 2",
            "SELECT typeof(age), typeof(name) FROM p WHERE id = 1",
            "INSERT INTO p(name, age) SELECT name || '2', age + 1 FROM p",
            "SELECT count(*), sum(age) FROM p",
            "INSERT INTO p DEFAULT VALUES",
            "SELECT * FROM p WHERE name IS NULL",
            "UPDATE p SET age = age * 2, name = upper(name) WHERE age > 25",
            "SELECT * FROM p ORDER BY id",
            "DELETE FROM p WHERE id IN (SELECT pid FROM q)",
            "SELECT id FROM p ORDER BY id",
            "SELECT name FROM p WHERE name LIKE 'A%' ORDER BY name",
            "SELECT 1 FROM p WHERE 1 GROUP BY age HAVING max(id) > 0 ORDER BY 1 LIMIT 1",
        ],
    );
}

/// `EXPLAIN QUERY PLAN` detail lines for simple plans equal SQLite's.
#[test]
fn query_plans() {
    diff(
        "eqp",
        &[
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b, c)",
            "CREATE INDEX tb ON t(b)",
            "CREATE TABLE u(x, y)",
            "EXPLAIN QUERY PLAN SELECT * FROM t",
            "EXPLAIN QUERY PLAN SELECT * FROM t WHERE a=1",
            "EXPLAIN QUERY PLAN SELECT * FROM t WHERE b=1",
            "EXPLAIN QUERY PLAN SELECT * FROM t WHERE a>1",
            "EXPLAIN QUERY PLAN SELECT * FROM t WHERE a>1 AND a<5",
            "EXPLAIN QUERY PLAN SELECT * FROM t, u WHERE t.a=u.x",
            "EXPLAIN QUERY PLAN SELECT * FROM u, t WHERE t.b=u.x",
            "EXPLAIN QUERY PLAN SELECT * FROM t AS z WHERE z.b=2 ORDER BY c",
            "EXPLAIN QUERY PLAN SELECT c, count(*) FROM t GROUP BY c",
            "EXPLAIN QUERY PLAN SELECT DISTINCT c FROM t",
            "EXPLAIN QUERY PLAN SELECT * FROM u LEFT JOIN t ON t.a=u.x",
        ],
    );
}

#[test]
fn views_and_create_as() {
    diff(
        "views",
        &[
            "CREATE TABLE a(x integer, y text, z)",
            "INSERT INTO a VALUES (1, 'one', 1.5), (2, 'two', NULL), (3, 'three', x'00')",
            "CREATE TABLE b AS SELECT x, y, x+1, z, 1.5 r, 'q' AS \"s t\" FROM a",
            "CREATE TABLE \"c d\" AS SELECT 1",
            "CREATE TABLE e AS SELECT x, x FROM a WHERE x > 1",
            "SELECT sql FROM sqlite_master ORDER BY name",
            "SELECT * FROM b ORDER BY x",
            "SELECT typeof(x), typeof(y), typeof(\"x+1\") FROM b",
            "SELECT * FROM e",
            "CREATE VIEW v AS SELECT x, y FROM a WHERE x >= 2",
            "SELECT * FROM v ORDER BY x DESC",
            "SELECT count(*) FROM v",
            "SELECT v.y, a.z FROM v JOIN a ON a.x = v.x ORDER BY 1",
            "CREATE VIEW v AS SELECT 1",
            "INSERT INTO v VALUES (1, 2)",
            "DROP VIEW v",
            "SELECT * FROM v",
            "DROP TABLE b",
            "SELECT name FROM sqlite_master ORDER BY 1",
        ],
    );
}

#[test]
fn common_table_expressions() {
    diff(
        "cte",
        &[
            "CREATE TABLE emp(id INTEGER PRIMARY KEY, name TEXT, boss INT)",
            "INSERT INTO emp VALUES (1, 'root', NULL), (2, 'a', 1), (3, 'b', 1), (4, 'c', 2), (5, 'd', 4)",
            "WITH x AS (SELECT id, name FROM emp WHERE boss = 1) SELECT name FROM x ORDER BY name",
            "WITH x(k, v) AS (SELECT id, name FROM emp), y AS (SELECT k FROM x WHERE k > 3) SELECT v FROM x JOIN y USING (k) ORDER BY v",
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5) SELECT x FROM c",
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 7) SELECT sum(x) FROM c",
            "WITH RECURSIVE sub(id, depth) AS (SELECT 1, 0 UNION ALL SELECT emp.id, sub.depth + 1 FROM emp JOIN sub ON emp.boss = sub.id) SELECT id, depth FROM sub ORDER BY id",
            "WITH RECURSIVE r(n) AS (SELECT 1 UNION SELECT n % 3 + 1 FROM r) SELECT n FROM r ORDER BY n",
            "SELECT (WITH q AS (SELECT max(id) AS m FROM emp) SELECT m FROM q)",
            "WITH x(a, b) AS (SELECT 1) SELECT * FROM x",
        ],
    );
}

#[test]
fn upsert_do_nothing() {
    diff(
        "upsert",
        &[
            "CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT UNIQUE, v)",
            "INSERT INTO t VALUES (1, 'a', 1), (2, 'b', 2)",
            "INSERT INTO t VALUES (1, 'z', 9) ON CONFLICT DO NOTHING",
            "INSERT INTO t VALUES (3, 'a', 9) ON CONFLICT (k) DO NOTHING",
            "INSERT INTO t VALUES (1, 'q', 9) ON CONFLICT (k) DO NOTHING",
            "INSERT INTO t VALUES (1, 'q', 9) ON CONFLICT (id) DO NOTHING",
            "INSERT INTO t VALUES (4, 'a', 9) ON CONFLICT (v) DO NOTHING",
            "INSERT INTO t VALUES (5, 'e', 5) ON CONFLICT DO NOTHING",
            "SELECT * FROM t ORDER BY id",
        ],
    );
}

#[test]
fn group_by_terms_and_distinct_aggregates() {
    diff(
        "groupby",
        &[
            "CREATE TABLE g(k, x)",
            "INSERT INTO g VALUES (1, 5), (2, 5), (2, 6), (3, NULL), (3, 6), (3, 6)",
            "SELECT k, count(DISTINCT x), sum(DISTINCT x) FROM g GROUP BY k ORDER BY k",
            "SELECT count(*) FROM g GROUP BY -1",
            "SELECT count(*) FROM g GROUP BY +-1",
            "SELECT count(*) FROM g GROUP BY 0",
            "SELECT count(*) FROM g GROUP BY 4294967296",
            "SELECT k, 9223372036854775807 FROM g GROUP BY k, 9223372036854775807 ORDER BY k",
            "SELECT 2, count(*) FROM g GROUP BY 2",
            "SELECT k FROM g ORDER BY -1",
            "SELECT k, x FROM g ORDER BY 4294967296, 1, 2",
            "SELECT k, x FROM g ORDER BY +2, 1",
        ],
    );
}

#[test]
fn in_operator_affinity_and_collation() {
    diff(
        "in_aff",
        &[
            "CREATE TABLE s(c TEXT)",
            "INSERT INTO s VALUES ('0')",
            "SELECT 0 IN (SELECT c FROM s), 0 = (SELECT c FROM s), 0 NOT IN (SELECT c FROM s)",
            "SELECT NULL IN (SELECT 1 WHERE 0), NULL NOT IN (SELECT 1 WHERE 0)",
            "SELECT NULL IN (SELECT 1), NULL NOT IN (SELECT c FROM s)",
            "CREATE TABLE l(c TEXT, d)",
            "INSERT INTO l VALUES ('10', 10)",
            "SELECT c IN (d), c IN (d, 1), c = d, d IN (c), d IN ('10') FROM l",
            "CREATE TABLE t(a TEXT, b INTEGER)",
            "INSERT INTO t VALUES ('3.0', 3)",
            "SELECT a IN (b), a IN (b, 0), b IN (a), b IN (SELECT a FROM t), a IN (SELECT b FROM t) FROM t",
            "CREATE TABLE n(a BLOB, b COLLATE NOCASE)",
            "INSERT INTO n VALUES ('abc', 'ABC')",
            "SELECT a = b, a IN (b), b = a, b IN (a), 'abc' = b, b = 'abc', a = b COLLATE NOCASE FROM n",
            "SELECT x FROM (SELECT 'b' AS x UNION ALL SELECT 'A' UNION ALL SELECT 'c') ORDER BY CAST(x COLLATE NOCASE AS TEXT)",
        ],
    );
}

#[test]
fn constraint_order_and_values_snapshot() {
    diff(
        "constraint_order",
        &[
            "CREATE TABLE p(a INTEGER PRIMARY KEY, b NOT NULL)",
            "INSERT INTO p VALUES (1, 1)",
            "INSERT INTO p VALUES (1, NULL)",
            "INSERT INTO p VALUES (1, 2)",
            "INSERT OR IGNORE INTO p VALUES (1, NULL)",
            "INSERT INTO p VALUES (NULL, 7)",
            "SELECT * FROM p",
            "CREATE TABLE u(a UNIQUE, b UNIQUE)",
            "INSERT INTO u VALUES (1, 1)",
            "INSERT INTO u VALUES (1, 1)",
            "CREATE TABLE u2(a UNIQUE, b, c, UNIQUE(b, c))",
            "CREATE UNIQUE INDEX u2b ON u2(b)",
            "INSERT INTO u2 VALUES (1, 1, 1)",
            "INSERT INTO u2 VALUES (1, 1, 1)",
            "INSERT INTO u2 VALUES (1, 2, 1)",
            "INSERT INTO u2 VALUES (2, 2, 1)",
            "CREATE TABLE v(a, b)",
            "INSERT INTO v VALUES (1, 0), (2, (SELECT count(*) FROM v)), (3, (SELECT max(a) FROM v))",
            "SELECT * FROM v",
        ],
    );
}

#[test]
fn shell_dot_commands_sql() {
    // The statements the sqlite3 shell runs for `.tables` and `.schema` (see `.trace`).
    diff(
        "shell",
        &[
            "CREATE TABLE a(x)",
            "CREATE INDEX ai ON a(x)",
            "CREATE VIEW v AS SELECT 1",
            // (file column: ours is '' — the compiler does not know the path.)
            "SELECT seq, name FROM pragma_database_list",
            "SELECT name FROM pragma_database_list",
            "SELECT seq, name FROM pragma_database_list AS d WHERE d.name = 'main'",
            "SELECT name FROM \"main\".sqlite_schema  WHERE type IN ('table','view')   AND name NOT LIKE 'sqlite_%'   AND name LIKE 'a' ORDER BY 1",
            "SELECT sql FROM(SELECT sql AS sql, type, tbl_name, name, rowid,1 AS snum, 'main' AS sname FROM main.sqlite_schema) WHERE sql IS NOT NULL ORDER BY snum, rowid",
        ],
    );
}

#[test]
fn rowid_column_names() {
    diff(
        "rowid_names",
        &[
            "CREATE TABLE i(a INTEGER PRIMARY KEY, b)",
            "INSERT INTO i VALUES (5, 'x')",
            "SELECT rowid, a, oid, _rowid_ FROM i",
            "SELECT i.rowid, rowid AS r FROM i",
            "CREATE TABLE j(a, b)",
            "INSERT INTO j VALUES (5, 'x')",
            "SELECT rowid, a, ROWID, oid FROM j",
        ],
    );
}

#[test]
fn index_use_respects_comparison_affinity() {
    diff(
        "idx_aff",
        &[
            "CREATE TABLE j(a INTEGER, b TEXT, c COLLATE NOCASE)",
            "INSERT INTO j VALUES (3, '3.0', 'x'), (3, '3', 'X'), (4, 'x', 'y')",
            "SELECT count(*) FROM j AS x JOIN j AS y ON y.b = x.a",
            "CREATE INDEX jb ON j(b)",
            "CREATE INDEX jc ON j(c COLLATE BINARY)",
            "SELECT count(*) FROM j AS x JOIN j AS y ON y.b = x.a",
            "SELECT count(*) FROM j AS x JOIN j AS y ON y.b = x.b",
            "SELECT count(*) FROM j WHERE b = 3",
            "SELECT count(*) FROM j WHERE c = 'x'",
            "SELECT count(*) FROM j WHERE c = 'x' COLLATE BINARY",
        ],
    );
}

#[test]
fn parenthesized_inner_joins() {
    diff(
        "paren_join",
        &[
            "CREATE TABLE tab0(a, b)",
            "CREATE TABLE tab2(a, c)",
            "INSERT INTO tab0 VALUES (1, 2), (3, 4)",
            "INSERT INTO tab2 VALUES (1, 5), (7, 8)",
            "SELECT * FROM ( tab0 AS cor0 CROSS JOIN tab2 AS cor1 ) ORDER BY 1, 2, 3, 4",
            "SELECT cor0.b, cor1.c FROM tab0 AS x, ( tab0 AS cor0 JOIN tab2 AS cor1 ON cor0.a = cor1.a ) WHERE x.a = 3",
            "SELECT count(*) FROM tab2 JOIN (tab0 AS p LEFT JOIN tab2 AS q ON p.a = q.a)",
        ],
    );
}

#[test]
fn compound_trailing_union_all_keeps_duplicates() {
    diff(
        "compound_tail",
        &[
            "CREATE TABLE c1(x)",
            "CREATE TABLE c2(y)",
            "INSERT INTO c1 VALUES (1), (2), (2), (3)",
            "INSERT INTO c2 VALUES (2), (4), (4)",
            "SELECT x FROM c1 UNION SELECT y FROM c2 UNION ALL SELECT y FROM c2 ORDER BY 1",
            "SELECT x FROM c1 EXCEPT SELECT y FROM c2 UNION ALL SELECT x FROM c1 UNION ALL SELECT 9 ORDER BY 1",
            "SELECT x FROM c1 INTERSECT SELECT y FROM c2 UNION ALL SELECT y FROM c2 ORDER BY 1 DESC LIMIT 3",
            "SELECT x FROM c1 UNION ALL SELECT y FROM c2 UNION SELECT 5 ORDER BY 1",
        ],
    );
}

#[test]
fn subquery_column_count() {
    diff(
        "subq_cols",
        &[
            "CREATE TABLE t1(x, y)",
            "INSERT INTO t1 VALUES (1, 2)",
            "SELECT 1 FROM t1 WHERE 1 IN (SELECT 1,2)",
            "SELECT 1 FROM t1 WHERE 1 IN (SELECT * FROM t1)",
            "SELECT (SELECT x, y FROM t1)",
            "SELECT EXISTS (SELECT x, y FROM t1), 1 IN (SELECT x FROM t1), (SELECT y FROM t1)",
        ],
    );
}

#[test]
fn temp_schema_table_exists_before_any_temp_object() {
    diff(
        "temp_schema",
        &[
            "SELECT count(*) FROM sqlite_temp_master",
            "SELECT count(*) FROM temp.sqlite_master",
            "SELECT count(*) FROM sqlite_temp_schema",
            "CREATE TEMP TABLE x(a)",
            "SELECT type, name, tbl_name FROM sqlite_temp_master",
            "SELECT count(*) FROM sqlite_master",
        ],
    );
}

/// Schema-qualified index pragmas look only in that database (DBD::SQLite's statistics_info
/// walks `PRAGMA db.index_list`), and index_xinfo has SQLite's six columns with the auxiliary
/// rowid / PRIMARY KEY rows.
#[test]
fn index_pragmas_schema_and_xinfo() {
    diff(
        "index_pragmas",
        &[
            "CREATE TABLE a(id INTEGER, fname TEXT COLLATE nocase, lname TEXT, UNIQUE(id))",
            "CREATE INDEX a_fn ON a(fname DESC, id+1)",
            "ATTACH ':memory:' AS remote",
            "CREATE TABLE remote.b(id INTEGER, fname, lname, PRIMARY KEY(id), UNIQUE(fname, lname))",
            "PRAGMA remote.index_list(a)",
            "PRAGMA main.index_list(a)",
            "PRAGMA main.index_list(b)",
            "PRAGMA remote.index_list(b)",
            "PRAGMA index_list(b)",
            "PRAGMA remote.index_info(a_fn)",
            "PRAGMA main.index_info(a_fn)",
            "PRAGMA index_xinfo(a_fn)",
            "PRAGMA index_xinfo(sqlite_autoindex_a_1)",
            "PRAGMA remote.index_xinfo(sqlite_autoindex_b_1)",
            "SELECT * FROM pragma_index_xinfo('a_fn')",
        ],
    );
}
