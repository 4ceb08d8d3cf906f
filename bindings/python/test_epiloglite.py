#!/usr/bin/env python3
"""End-to-end tests of Python's stdlib sqlite3 module on the library the launcher put first on
LD_LIBRARY_PATH (EpilogLite's libsqlite3.so.0, or EPILOGLITE_LIB's).

Every test holds for real SQLite 3.40.1 too, except `test_epiloglite_version`, which only
applies to EpilogLite and is skipped when EPILOGLITE_LIB points at another library.
Prints 'N passed, M failed[, K skipped]' last and exits 1 on any failure or error.
"""
import os
import shutil
import sqlite3
import sys
import tempfile
import unittest

SQLITE_3401_SOURCE_ID = "2022-12-28 14:03:47 df5c253c0b3dd24916e4ec7cf77d3db5294cc9fd"
# EPILOGLITE_LIB=DIR points the launcher at another library (e.g. the system one); it is still
# ours when DIR/libsqlite3.so.0 resolves to an EpilogLite build (libepiloglite.so).
_lib_dir = os.environ.get("EPILOGLITE_LIB")
FOREIGN_LIB = bool(_lib_dir) and "epiloglite" not in os.path.basename(
    os.path.realpath(os.path.join(_lib_dir, "libsqlite3.so.0")))


def mapped_libsqlite3():
    """Paths of every libsqlite3 shared object mapped into this process."""
    paths = set()
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and "libsqlite3" in parts[5]:
                paths.add(os.path.realpath(parts[5]))
    return paths


class Base(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="epiloglite-py-")
        self.path = os.path.join(self.dir, "t.db")
        self.con = sqlite3.connect(self.path)

    def tearDown(self):
        self.con.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class TestSwap(Base):
    def test_loaded_library_is_the_launched_one(self):
        self.con.execute("select 1").fetchone()  # make sure the library is loaded
        first_dir = os.environ.get("LD_LIBRARY_PATH", "").split(":")[0]
        self.assertTrue(first_dir, "not started through ./epiloglite (no LD_LIBRARY_PATH)")
        want = os.path.realpath(os.path.join(first_dir, "libsqlite3.so.0"))
        self.assertEqual(mapped_libsqlite3(), {want})

    def test_version_and_source_id(self):
        v, sid = self.con.execute("select sqlite_version(), sqlite_source_id()").fetchone()
        self.assertEqual(v, "3.40.1")
        self.assertEqual(sqlite3.sqlite_version, "3.40.1")
        self.assertTrue(sid.startswith(SQLITE_3401_SOURCE_ID), sid)

    @unittest.skipIf(FOREIGN_LIB, "EPILOGLITE_LIB points at another library")
    def test_epiloglite_version(self):
        ours, sid = self.con.execute(
            "select epiloglite_version(), sqlite_source_id()").fetchone()
        self.assertRegex(ours, r"^\d+\.\d+\.\d+")
        self.assertIn("epiloglite", sid.lower())


class TestCrud(Base):
    def setUp(self):
        super().setUp()
        self.con.execute("create table t(id integer primary key, name text not null unique,"
                         " score real, data blob)")

    def test_insert_select_update_delete(self):
        cur = self.con.cursor()
        cur.execute("insert into t(name, score) values ('a', 1.5)")
        self.assertEqual(cur.lastrowid, 1)
        self.assertEqual(cur.rowcount, 1)
        cur.execute("insert into t(name, score) values ('b', 2.5)")
        self.assertEqual(cur.lastrowid, 2)
        cur.execute("update t set score = score * 2")
        self.assertEqual(cur.rowcount, 2)
        cur.execute("delete from t where name = 'a'")
        self.assertEqual(cur.rowcount, 1)
        self.con.commit()
        self.assertEqual(self.con.execute("select id, name, score from t").fetchall(),
                         [(2, "b", 5.0)])

    def test_types_round_trip(self):
        self.con.execute("create table u(id integer primary key, v)")  # no affinity
        vals = [(1, 2**62), (2, -(2**63)), (3, 3.25), (4, "héllo ✓"), (5, b"\x00\x01\xff"),
                (6, None), (7, "")]
        self.con.executemany("insert into u(id, v) values (?, ?)", vals)
        got = self.con.execute("select id, v from u order by id").fetchall()
        self.assertEqual(got, vals)
        self.assertEqual([type(v) for _, v in got], [type(v) for _, v in vals])
        self.assertEqual([r[0] for r in self.con.execute("select typeof(v) from u order by id")],
                         ["integer", "integer", "real", "text", "blob", "null", "text"])
        # REAL affinity turns an integer into a real.
        self.con.execute("insert into t(name, score) values ('r', 3)")
        self.assertEqual(self.con.execute("select typeof(score), score from t").fetchone(),
                         ("real", 3.0))

    def test_parameters_qmark_and_named(self):
        self.con.execute("insert into t(name, score) values (?, ?)", ("q", 1.0))
        self.con.execute("insert into t(name, score) values (:n, :s)", {"n": "n", "s": 2.0})
        self.assertEqual(self.con.execute("select score from t where name = ?", ("q",))
                         .fetchone(), (1.0,))
        self.assertEqual(self.con.execute("select name from t where score = :s", {"s": 2.0})
                         .fetchone(), ("n",))

    def test_executemany_rowcount_fetch(self):
        cur = self.con.executemany("insert into t(name, score) values (?, ?)",
                                   [(f"n{i}", i) for i in range(100)])
        self.assertEqual(cur.rowcount, 100)
        cur = self.con.execute("select name from t order by score")
        self.assertEqual(cur.fetchone(), ("n0",))
        self.assertEqual(cur.fetchone(), ("n1",))
        rest = cur.fetchall()
        self.assertEqual(len(rest), 98)
        self.assertEqual(rest[-1], ("n99",))
        self.assertIsNone(cur.fetchone())
        self.assertEqual(self.con.execute("select count(*), sum(score) from t").fetchone(),
                         (100, 4950.0))

    def test_persists_across_connections(self):
        with self.con:
            self.con.execute("insert into t(name) values ('kept')")
        con2 = sqlite3.connect(self.path)
        try:
            self.assertEqual(con2.execute("select name from t").fetchall(), [("kept",)])
        finally:
            con2.close()


class TestTransactions(Base):
    def setUp(self):
        super().setUp()
        self.con.execute("create table t(x integer unique)")

    def count(self):
        return self.con.execute("select count(*) from t").fetchone()[0]

    def test_commit_and_rollback(self):
        self.con.execute("insert into t values (1)")
        self.assertTrue(self.con.in_transaction)
        self.con.commit()
        self.assertFalse(self.con.in_transaction)
        self.con.execute("insert into t values (2)")
        self.con.rollback()
        self.assertEqual(self.count(), 1)

    def test_with_connection_commits_or_rolls_back(self):
        with self.con:
            self.con.execute("insert into t values (1)")
        self.assertEqual(self.count(), 1)
        with self.assertRaises(sqlite3.IntegrityError):
            with self.con:
                self.con.execute("insert into t values (2)")
                self.con.execute("insert into t values (1)")
        self.assertEqual(self.count(), 1)

    def test_other_connection_sees_only_committed(self):
        other = sqlite3.connect(self.path)
        try:
            self.con.commit()
            self.con.execute("insert into t values (5)")  # open write transaction
            self.assertEqual(other.execute("select count(*) from t").fetchone(), (0,))
            self.con.commit()
            self.assertEqual(other.execute("select count(*) from t").fetchone(), (1,))
        finally:
            other.close()

    def test_savepoint(self):
        self.con.isolation_level = None
        self.con.execute("begin")
        self.con.execute("insert into t values (1)")
        self.con.execute("savepoint sp")
        self.con.execute("insert into t values (2)")
        self.con.execute("rollback to sp")
        self.con.execute("commit")
        self.assertEqual(self.con.execute("select x from t").fetchall(), [(1,)])


class TestErrors(Base):
    def test_unique_is_integrity_error(self):
        self.con.execute("create table t(a unique)")
        self.con.execute("insert into t values (1)")
        with self.assertRaises(sqlite3.IntegrityError) as cm:
            self.con.execute("insert into t values (1)")
        self.assertEqual(str(cm.exception), "UNIQUE constraint failed: t.a")
        if hasattr(cm.exception, "sqlite_errorname"):
            self.assertEqual(cm.exception.sqlite_errorname, "SQLITE_CONSTRAINT_UNIQUE")

    def test_not_null_is_integrity_error(self):
        self.con.execute("create table t(a not null)")
        with self.assertRaises(sqlite3.IntegrityError) as cm:
            self.con.execute("insert into t values (null)")
        self.assertEqual(str(cm.exception), "NOT NULL constraint failed: t.a")

    def test_syntax_error_is_operational_error(self):
        with self.assertRaises(sqlite3.OperationalError) as cm:
            self.con.execute("selec 1")
        self.assertEqual(str(cm.exception), 'near "selec": syntax error')

    def test_no_such_table_is_operational_error(self):
        with self.assertRaises(sqlite3.OperationalError) as cm:
            self.con.execute("select * from nosuch")
        self.assertEqual(str(cm.exception), "no such table: nosuch")

    def test_non_database_file_is_database_error(self):
        junk = os.path.join(self.dir, "junk.db")
        with open(junk, "wb") as f:
            f.write(b"this is not a database file, just text. " * 100)
        con = sqlite3.connect(junk)
        try:
            with self.assertRaises(sqlite3.DatabaseError) as cm:
                con.execute("select * from sqlite_schema").fetchall()
            self.assertIs(type(cm.exception), sqlite3.DatabaseError)
            self.assertEqual(str(cm.exception), "file is not a database")
        finally:
            con.close()


class TestUserFunctions(Base):
    def test_scalar_function(self):
        self.con.create_function("double_it", 1, lambda x: None if x is None else x * 2)
        self.assertEqual(self.con.execute("select double_it(21), double_it('ab'), double_it(null)")
                         .fetchone(), (42, "abab", None))

    def test_function_exception_is_reported(self):
        def boom(x):
            raise ValueError("boom")
        self.con.create_function("boom", 1, boom)
        with self.assertRaises(sqlite3.OperationalError):
            self.con.execute("select boom(1)").fetchone()

    def test_aggregate(self):
        class Concat:
            def __init__(self):
                self.parts = []

            def step(self, v):
                self.parts.append(str(v))

            def finalize(self):
                return "-".join(self.parts)

        self.con.create_aggregate("concat_all", 1, Concat)
        self.con.execute("create table t(g, v)")
        self.con.executemany("insert into t values (?, ?)",
                             [(1, "a"), (1, "b"), (2, "c"), (2, "d"), (2, "e")])
        got = self.con.execute(
            "select g, concat_all(v) from (select * from t order by g, v) group by g order by g"
        ).fetchall()
        self.assertEqual(got, [(1, "a-b"), (2, "c-d-e")])

    def test_collation(self):
        def reverse(a, b):
            return (a < b) - (a > b)
        self.con.create_collation("reverse", reverse)
        self.con.execute("create table t(s)")
        self.con.executemany("insert into t values (?)", [("b",), ("a",), ("c",)])
        self.assertEqual(
            self.con.execute("select s from t order by s collate reverse").fetchall(),
            [("c",), ("b",), ("a",)])


class Result(unittest.TextTestResult):
    pass


def main():
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    res = unittest.TextTestRunner(verbosity=2, resultclass=Result, stream=sys.stdout).run(suite)
    failed = len(res.failures) + len(res.errors) + len(res.unexpectedSuccesses)
    skipped = len(res.skipped)
    passed = res.testsRun - failed - skipped
    print(f"python: {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 0 if failed == 0 and res.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
