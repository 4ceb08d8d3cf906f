//! Differential tests of triggers, RETURNING, CHECK constraints and the DML paths against
//! real SQLite 3.40.1 (Python's `sqlite3` module, linked to the system library): each script
//! is run statement by statement on a fresh file by both engines, and the printed results
//! (column names, rows with exact value types, error messages with their extended codes)
//! must be identical. Harness: `tests/sql_common` (`diff_with_codes`).

mod sql_common;
use sql_common::diff_with_codes as diff;

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

#[test]
fn update_from() {
    diff(
        "update_from",
        &[
            "CREATE TABLE inv(id INTEGER PRIMARY KEY, qty INT, note TEXT)",
            "CREATE TABLE sales(item INT, n INT)",
            "INSERT INTO inv VALUES(1, 10, ''), (2, 20, ''), (3, 30, '')",
            "INSERT INTO sales VALUES(1, 3), (3, 5)",
            "UPDATE inv SET qty = qty - sales.n, note = 'sold ' || sales.n FROM sales WHERE sales.item = inv.id",
            "SELECT changes()",
            "SELECT * FROM inv",
            "UPDATE inv AS i SET qty = s.t FROM (SELECT item, sum(n) AS t FROM sales GROUP BY item) AS s WHERE s.item = i.id RETURNING id, qty",
            "UPDATE inv SET qty = 0 FROM sales JOIN inv AS j ON j.id = sales.item WHERE inv.id = 2 AND sales.n > 4",
            "SELECT * FROM inv",
            "UPDATE inv SET qty = nope.x FROM sales WHERE 1",
        ],
    );
}
