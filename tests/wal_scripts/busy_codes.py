# SQLITE_BUSY / SQLITE_BUSY_SNAPSHOT as SQLite reports them, run on whichever libsqlite3 python3
# loads, in an empty directory argv[1], for journal mode argv[2]; tests/wal_busy_codes.rs runs it
# on real SQLite and on EpilogLite and compares the outputs. Every connection has a 2 s busy
# timeout: an error that comes at once (< 1 s) is one the busy handler was not used for.
import os, sqlite3, sys, time
d, mode = sys.argv[1], sys.argv[2]
path = os.path.join(d, "b.db")
def conn():
    return sqlite3.connect(path, isolation_level=None, timeout=2)
def attempt(label, c, sql):
    t = time.time()
    try:
        c.execute(sql).fetchall()
        r = "ok"
    except sqlite3.Error as e:
        r = "%s (%d)" % (e, e.sqlite_errorcode)
    print("%-34s %-32s %s" % (label, r, "waited" if time.time() - t > 1 else "at once"))
a, b = conn(), conn()
a.execute("pragma journal_mode=%s" % mode)
a.execute("create table t(x)")
a.execute("insert into t values (1)")
# Stale snapshot: a read transaction that another connection committed past cannot write.
a.execute("begin"); a.execute("select * from t").fetchall()
b.execute("insert into t values (2)") if mode == "wal" else None
attempt("write from stale snapshot", a, "insert into t values (3)")
a.execute("rollback") if a.in_transaction else None
# Writer busy: a read transaction asks for the write lock another connection holds.
b.execute("begin immediate")
a.execute("begin"); a.execute("select * from t").fetchall()
attempt("upgrade while other writes", a, "insert into t values (4)")
a.execute("rollback") if a.in_transaction else None
# A fresh transaction waits for the busy timeout, then SQLITE_BUSY.
attempt("begin immediate while other writes", a, "begin immediate")
a.execute("rollback") if a.in_transaction else None
b.execute("commit")
attempt("begin immediate after commit", a, "begin immediate")
a.execute("commit")
print("rows", a.execute("select count(*) from t").fetchone()[0])
