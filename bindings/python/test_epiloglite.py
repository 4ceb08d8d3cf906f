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
    """Real paths of every SQLite-like shared object mapped into this process (the maps file
    shows the link target, e.g. libepiloglite.so for our libsqlite3.so.0)."""
    paths = set()
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6:
                name = os.path.basename(parts[5])
                if name.startswith("libsqlite3") or "epiloglite" in name:
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


class TestMoreApi(Base):
    """Other C API paths Python's module reaches: executescript (sqlite3_complete / prepare
    tails), in-memory databases, row factories, blobs, backup, serialize, blob I/O, hooks."""

    def test_executescript_and_total_changes(self):
        self.con.executescript("""
            create table a(x); insert into a values (1); insert into a values (2);
            create table b(y); insert into b select x * 10 from a;
        """)
        self.assertEqual(self.con.execute("select sum(y) from b").fetchone(), (30,))
        self.assertEqual(self.con.total_changes, 4)
        self.assertTrue(sqlite3.complete_statement("select 1;"))
        self.assertFalse(sqlite3.complete_statement("select 'unterminated;"))

    def test_memory_database_and_row_factory(self):
        mem = sqlite3.connect(":memory:")
        try:
            mem.row_factory = sqlite3.Row
            mem.execute("create table t(a, b)")
            mem.execute("insert into t values (1, 'x')")
            row = mem.execute("select a, b as bee from t").fetchone()
            self.assertEqual((row["a"], row["bee"]), (1, "x"))
            self.assertEqual(row.keys(), ["a", "bee"])
        finally:
            mem.close()

    def test_cursor_description_and_large_values(self):
        big_text = "é" * 300_000
        big_blob = bytes(range(256)) * 4000
        self.con.execute("create table t(s text, b blob)")
        self.con.execute("insert into t values (?, ?)", (big_text, big_blob))
        cur = self.con.execute("select s, b, length(s), length(b) from t")
        self.assertEqual([d[0] for d in cur.description], ["s", "b", "length(s)", "length(b)"])
        s, b, ls, lb = cur.fetchone()
        self.assertEqual((s, b, ls, lb), (big_text, big_blob, 300_000, 1_024_000))

    def test_backup_to_memory(self):
        self.con.execute("create table t(x)")
        self.con.executemany("insert into t values (?)", [(i,) for i in range(1000)])
        self.con.commit()
        dst = sqlite3.connect(":memory:")
        try:
            self.con.backup(dst, pages=3)
            self.assertEqual(dst.execute("select count(*), sum(x) from t").fetchone(),
                             (1000, 499500))
        finally:
            dst.close()

    @unittest.skipUnless(hasattr(sqlite3.Connection, "serialize"), "Python < 3.11")
    def test_serialize_deserialize(self):
        self.con.execute("create table t(x)")
        self.con.execute("insert into t values (42)")
        self.con.commit()
        data = self.con.serialize()
        self.assertEqual(data[:16], b"SQLite format 3\x00")
        mem = sqlite3.connect(":memory:")
        try:
            mem.deserialize(data)
            self.assertEqual(mem.execute("select x from t").fetchone(), (42,))
        finally:
            mem.close()

    @unittest.skipUnless(hasattr(sqlite3.Connection, "blobopen"), "Python < 3.11")
    def test_blob_io(self):
        self.con.execute("create table t(b blob)")
        self.con.execute("insert into t values (zeroblob(10))")
        self.con.commit()
        with self.con.blobopen("t", "b", 1) as blob:
            blob.write(b"hello")
            blob.seek(0)
            self.assertEqual(blob.read(5), b"hello")
        self.assertEqual(self.con.execute("select b from t").fetchone()[0],
                         b"hello" + bytes(5))

    def test_authorizer_progress_and_trace(self):
        self.con.execute("create table t(x)")
        self.con.execute("create table secret(x)")
        denied = []

        def auth(action, arg1, arg2, dbname, source):
            if arg1 == "secret":
                denied.append(action)
                return sqlite3.SQLITE_DENY
            return sqlite3.SQLITE_OK
        self.con.set_authorizer(auth)
        with self.assertRaises(sqlite3.DatabaseError):
            self.con.execute("select * from secret")
        self.assertTrue(denied)
        self.con.set_authorizer(None)

        calls = []
        self.con.set_progress_handler(lambda: calls.append(1) or 0, 100)
        self.con.execute("with recursive c(i) as (select 1 union all select i+1 from c"
                         " where i < 10000) select count(*) from c").fetchone()
        self.assertTrue(calls)
        self.con.set_progress_handler(None, 0)

        traced = []
        self.con.set_trace_callback(traced.append)
        self.con.execute("insert into t values (7)")
        self.con.set_trace_callback(None)
        self.assertIn("insert into t values (7)", traced)

    def test_interrupt(self):
        self.con.set_progress_handler(lambda: 1, 1000)  # non-zero: abort
        with self.assertRaises(sqlite3.OperationalError) as cm:
            self.con.execute("with recursive c(i) as (select 1 union all select i+1 from c)"
                             " select count(*) from c").fetchone()
        self.assertEqual(str(cm.exception), "interrupted")
        self.con.set_progress_handler(None, 0)

    def test_busy_between_connections(self):
        self.con.execute("create table t(x)")
        self.con.commit()
        other = sqlite3.connect(self.path, timeout=0)
        try:
            self.con.execute("insert into t values (1)")  # holds RESERVED
            with self.assertRaises(sqlite3.OperationalError) as cm:
                other.execute("insert into t values (2)")
            self.assertEqual(str(cm.exception), "database is locked")
            self.con.commit()
            other.execute("insert into t values (2)")
            other.commit()
        finally:
            other.close()
        self.assertEqual(self.con.execute("select count(*) from t").fetchone(), (2,))

    def test_iterdump_round_trip(self):
        self.con.executescript("create table t(a integer primary key, b text);"
                               "create index tb on t(b);"
                               "insert into t values (1, 'it''s'), (2, NULL);")
        dump = "\n".join(self.con.iterdump())
        mem = sqlite3.connect(":memory:")
        try:
            mem.executescript(dump)
            self.assertEqual(mem.execute("select * from t order by a").fetchall(),
                             [(1, "it's"), (2, None)])
            self.assertEqual(mem.execute("select name from sqlite_schema where type='index'")
                             .fetchall(), [("tb",)])
        finally:
            mem.close()

    def test_result_column_names(self):
        """Names as SQLite 3.40.1 gives them (DBD::SQLite and ORMs key rows by them)."""
        self.con.executescript("create table t(name, tagid); create table m(tagid);"
                               "create table kk(Key, Action, \"x\");")
        cases = [
            ("select distinct(t.name), t.tagid from m, t", ["name", "tagid"]),
            ("select (((t.name))), +t.name, t.name as x from t", ["name", "+t.name", "x"]),
            ("select * from kk", ["Key", "Action", "x"]),
            ("select key from (select 1 as kEy)", ["kEy"]),
            ("select 1 as abort, 2 as Plan", ["abort", "Plan"]),
        ]
        for sql, names in cases:
            cur = self.con.execute(sql)
            self.assertEqual([d[0] for d in cur.description], names, sql)
        info = self.con.execute("pragma table_info(kk)").fetchall()
        self.assertEqual([r[1] for r in info], ["Key", "Action", "x"])

    def test_authorizer_names_the_database_of_an_unqualified_table(self):
        self.con.executescript("create table m(a); create temp table h(a);")
        seen = []
        self.con.set_authorizer(lambda *a: (seen.append(a), sqlite3.SQLITE_OK)[1])
        self.con.execute("insert into h values (1)")
        self.con.execute("delete from m")
        self.con.set_authorizer(None)
        self.assertIn((sqlite3.SQLITE_INSERT, "h", None, "temp", None), seen)
        self.assertIn((sqlite3.SQLITE_DELETE, "m", None, "main", None), seen)

    def test_schema_table_is_read_only_by_its_legacy_name(self):
        for table in ("sqlite_schema", "sqlite_master"):
            with self.assertRaisesRegex(sqlite3.OperationalError,
                                        "^table sqlite_master may not be modified$"):
                self.con.execute(f"update {table} set name = 'x'")


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
