# C API behaviours that the client suites (bindings/*) depend on, called through ctypes on the
# library Python's sqlite3 module loaded; tests/capi_python.rs compares the output on EpilogLite
# with the output on the system SQLite 3.40.1.
import ctypes, os, sqlite3, sys, tempfile
# The library the sqlite3 module loaded (same soname, so dlopen returns that very library).
sqlite3.connect(":memory:").close()
L = ctypes.CDLL("libsqlite3.so.0")
P = ctypes.c_void_p
L.sqlite3_errmsg.restype = ctypes.c_char_p
L.sqlite3_expanded_sql.restype = P
L.sqlite3_db_filename.restype = ctypes.c_char_p
L.sqlite3_backup_init.restype = P
L.sqlite3_backup_init.argtypes = [P, ctypes.c_char_p, P, ctypes.c_char_p]
for f in ("sqlite3_step", "sqlite3_finalize", "sqlite3_reset", "sqlite3_errcode", "sqlite3_extended_errcode",
          "sqlite3_extended_result_codes", "sqlite3_backup_step", "sqlite3_backup_finish", "sqlite3_close",
          "sqlite3_expanded_sql", "sqlite3_free", "sqlite3_errmsg"):
    getattr(L, f).argtypes = [P] + ([ctypes.c_int] if f in ("sqlite3_backup_step", "sqlite3_extended_result_codes") else [])
L.sqlite3_txn_state.argtypes = [P, ctypes.c_char_p]
L.sqlite3_limit.argtypes = [P, ctypes.c_int, ctypes.c_int]
L.sqlite3_db_filename.argtypes = [P, ctypes.c_char_p]
L.sqlite3_bind_text.argtypes = [P, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, P]

def open_(name=b":memory:", flags=6, ok=True):
    db = P()
    rc = L.sqlite3_open_v2(name, ctypes.byref(db), flags, None)
    assert (rc == 0) == ok, (rc, name)
    return db, rc

def prep(db, sql):
    st = P()
    rc = L.sqlite3_prepare_v2(db, sql, -1, ctypes.byref(st), None)
    return st, rc

def exec_(db, sql):
    st, rc = prep(db, sql)
    assert rc == 0, (sql, L.sqlite3_errmsg(db))
    rc = L.sqlite3_step(st)
    L.sqlite3_finalize(st)
    return rc

# a. the error state after finalize/reset; errcode under extended_result_codes
db, _ = open_()
exec_(db, b"create table dog(id integer primary key)")
s1, _ = prep(db, b"insert into dog values(1)")
print("a step1", L.sqlite3_step(s1), "reset", L.sqlite3_reset(s1))
s2, _ = prep(db, b"insert into dog values(1)")
print("a step2", L.sqlite3_step(s2), "finalize2", L.sqlite3_finalize(s2))
print("a after finalize2", L.sqlite3_errcode(db), L.sqlite3_extended_errcode(db))
print("a finalize1", L.sqlite3_finalize(s1), "errcode still", L.sqlite3_errcode(db), L.sqlite3_errmsg(db))
L.sqlite3_extended_result_codes(db, 1)
s2, _ = prep(db, b"insert into dog values(1)")
print("a ext step", L.sqlite3_step(s2), "errcode", L.sqlite3_errcode(db), "finalize", L.sqlite3_finalize(s2))

# c. SQLITE_LIMIT_VARIABLE_NUMBER
old = L.sqlite3_limit(db, 9, 1)
st, rc = prep(db, b"select ?1")
print("c one var", rc); L.sqlite3_finalize(st)
st, rc = prep(db, b"select ?, ?")
print("c two vars", rc, L.sqlite3_errmsg(db), st.value is None)
L.sqlite3_limit(db, 9, old)

# d. expanded_sql bounded by SQLITE_LIMIT_LENGTH
st, rc = prep(db, b"select ? as a")
L.sqlite3_limit(db, 0, 30)
print("d bind over the limit", L.sqlite3_bind_text(st, 1, b"x" * 31, -1, P(-1)))
print("d bind at the limit", L.sqlite3_bind_text(st, 1, b"x" * 30, -1, P(-1)))
print("d long expanded is NULL", L.sqlite3_expanded_sql(st) is None)
L.sqlite3_bind_text(st, 1, b"xy", -1, P(-1))
e = L.sqlite3_expanded_sql(st)
print("d short expanded", ctypes.string_at(e)); L.sqlite3_free(e)
L.sqlite3_finalize(st)
L.sqlite3_limit(db, 0, 1000000000)

# e. txn_state
exec_(db, b"create table t(x)")
print("e idle", L.sqlite3_txn_state(db, None), L.sqlite3_txn_state(db, b"main"), L.sqlite3_txn_state(db, b"nosuch"))
exec_(db, b"begin")
print("e begin", L.sqlite3_txn_state(db, None))
st, _ = prep(db, b"select * from t"); L.sqlite3_step(st); L.sqlite3_finalize(st)
print("e after select", L.sqlite3_txn_state(db, b"main"), L.sqlite3_txn_state(db, b"temp"))
exec_(db, b"insert into t values(1)")
print("e after insert", L.sqlite3_txn_state(db, None), L.sqlite3_txn_state(db, b"main"))
exec_(db, b"commit")
print("e commit", L.sqlite3_txn_state(db, None))

# f. backup from a source its own connection is writing: BUSY, then fine after COMMIT
dst, _ = open_()
exec_(db, b"begin exclusive")
b = L.sqlite3_backup_init(dst, b"main", db, b"main")
print("f step while writing", L.sqlite3_backup_step(b, -1))
exec_(db, b"commit")
print("f step after commit", L.sqlite3_backup_step(b, -1), "finish", L.sqlite3_backup_finish(b))
exec_(db, b"begin immediate")
b = L.sqlite3_backup_init(dst, b"main", db, b"main")
print("f busy step", L.sqlite3_backup_step(b, -1), "then finish", L.sqlite3_backup_finish(b),
      "dest errcode", L.sqlite3_errcode(dst))
exec_(db, b"rollback")
# a backup in small steps while its source connection adds pages between steps (CPython's
# test_modifying_progress): the copy goes on, the pages counted as the source grows
cx2 = sqlite3.connect(":memory:")
cx2.execute("create table foo(key integer primary key, v)")
cx2.executemany("insert into foo(v) values(?)", [(b"x" * 300,) for _ in range(20)])
cx2.commit()
journal = []
def progress(status, remaining, total):
    if not journal:
        cx2.executemany("insert into foo(v) values(?)", [(b"y" * 300,) for _ in range(20)])
        cx2.commit()
    journal.append((remaining, total))
bck = sqlite3.connect(":memory:")
cx2.backup(bck, pages=1, progress=progress)
print("f progress", journal, bck.execute("select count(*), sum(length(v)) from foo").fetchone(),
      bck.execute("pragma integrity_check").fetchone())

# j. a directory is CANTOPEN (plain)
d = tempfile.mkdtemp()
x, rc = open_(d.encode(), 6, ok=False)
print("j dir", rc, L.sqlite3_extended_errcode(x), L.sqlite3_errmsg(x)); L.sqlite3_close(x)
# i. mode=memory URI: filename ""
x, rc = open_(b"file:dummy.db?mode=memory", 6 | 0x40)
print("i filename", L.sqlite3_db_filename(x, b"main")); L.sqlite3_close(x)
L.sqlite3_close(dst); L.sqlite3_close(db)

# b. collation_needed
cx = sqlite3.connect(":memory:")
asked = []
CB = ctypes.CFUNCTYPE(None, P, P, ctypes.c_int, ctypes.c_char_p)
CMP = ctypes.CFUNCTYPE(ctypes.c_int, P, ctypes.c_int, P, ctypes.c_int, P)
@CMP
def rev(_, n1, a, n2, b):
    x, y = ctypes.string_at(a, n1), ctypes.string_at(b, n2)
    return (x < y) - (x > y)
@CB
def needed(arg, dbp, enc, name):
    asked.append((enc, name))
    L.sqlite3_create_collation(P(dbp), name, 1, None, rev)
# the connection pointer of a Python connection: open our own instead
db, _ = open_()
L.sqlite3_create_collation.argtypes = [P, ctypes.c_char_p, ctypes.c_int, P, CMP]
L.sqlite3_collation_needed.argtypes = [P, P, CB]
L.sqlite3_collation_needed(db, None, needed)
st, rc = prep(db, b"select x from (select 'a' x union select 'b') order by x collate rev")
print("b prepare", rc, asked)
L.sqlite3_step(st); L.sqlite3_column_text.restype = ctypes.c_char_p; L.sqlite3_column_text.argtypes = [P, ctypes.c_int]
print("b first row", L.sqlite3_column_text(st, 0))
L.sqlite3_finalize(st); L.sqlite3_close(db)

# g. blobs: expired by a change of the row; unknown database
cx.execute("create table test(b blob)")
cx.execute("insert into test values(zeroblob(8))")
bl = cx.blobopen("test", "b", 1)
print("g read", bl.read(2))
cx.execute("update test set b=x'0102030405060708' where rowid=1")
for what, f in (("read", lambda: bl.read(1)), ("write", lambda: bl.write(b"z"))):
    try:
        f(); print("g", what, "after change: no error")
    except (sqlite3.Error, ValueError) as e:
        print("g", what, "after change:", type(e).__name__, e)
try:
    cx.blobopen("test", "b", 1, name="notexisting")
except sqlite3.Error as e:
    print("g unknown db:", e)

# h. statements compiled with a collation that is then removed are recompiled
def mycoll(x, y):
    return -((x > y) - (x < y))
cx.create_collation("mycoll", mycoll)
q = "select x from (select 'a' as x union select 'b' as x) order by x collate mycoll"
print("h", cx.execute(q).fetchall())
cx.create_collation("mycoll", None)
try:
    print("h after removal", cx.execute(q).fetchall())
except sqlite3.Error as e:
    print("h after removal:", e)

# k. status counters: the page cache is counted (DBD::SQLite's t/53_status.t checks both > 0)
db, _ = open_()
exec_(db, b"create table s(x)")
exec_(db, b"insert into s values(randomblob(3000))")
cur, hi = ctypes.c_int(-1), ctypes.c_int(-1)
rc = L.sqlite3_db_status(db, 1, ctypes.byref(cur), ctypes.byref(hi), 0)
print("k db_status CACHE_USED", rc, cur.value > 0)
rc = L.sqlite3_status(0, ctypes.byref(cur), ctypes.byref(hi), 0)
print("k status MEMORY_USED", rc, cur.value > 0, hi.value >= cur.value)
L.sqlite3_close(db)
