# tests/wal_locking_mode.rs runs this on real SQLite and on EpilogLite (argv[1]: empty directory)
# and compares the outputs. Connection A (this process, library under test) uses
# PRAGMA locking_mode; after each step another process running REAL SQLite (no
# LD_LIBRARY_PATH) tries to read and to write, and the files beside the database are listed.
import os, sqlite3, subprocess, sys

d = sys.argv[1]
env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "LD_PRELOAD")}
# One real-SQLite peer process answers every probe, each on a fresh connection.
OTHER = """
import sqlite3, sys
for line in sys.stdin:
    path, sql = line.rstrip("\\n").split("\\t")
    c = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        r = c.execute(sql).fetchall()
    except sqlite3.Error as e:
        r = "%s (%d)" % (e, e.sqlite_errorcode)
    # Answer only after close: the last close deletes -wal/-shm, and files() lists them next.
    c.close()
    print(r, flush=True)
"""
peer = subprocess.Popen([sys.executable, "-c", OTHER], env=env, stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE, text=True)


def other(path, sql):
    peer.stdin.write("%s\t%s\n" % (path, sql))
    peer.stdin.flush()
    return peer.stdout.readline().strip()


# Whether files() prints -wal/-shm sizes (not where real SQLite itself varies from run to run).
SIZES = [True]


def files(path):
    """Files beside the database: WAL and -shm sizes; for a journal (whose page records and
    header padding differ between engines) whether it is empty, zeroed (not hot) or hot."""
    base = os.path.basename(path)
    names = sorted(f[len(base):] for f in os.listdir(d) if f.startswith(base) and f != base)
    out = []
    for n in names:
        size = os.path.getsize(path + n)
        if n == "-journal":
            with open(path + n, "rb") as f:
                head = f.read(28)
            out.append("%s:%s" % (n, "empty" if size == 0 else "zeroed" if head == bytes(28) else "hot"))
        elif SIZES[0]:
            out.append("%s:%d" % (n, size))
        else:
            out.append(n)
    return " ".join(out) or "-"


def step(label, path, c, sql=None):
    if sql is not None:
        try:
            r = c.execute(sql).fetchall()
        except sqlite3.Error as e:
            r = "%s (%d)" % (e, e.sqlite_errorcode)
        label += " -> %s" % (r,)
    print("%-58s | other read: %-28s" % (label, other(path, "select count(*) from t")))
    print("%-58s | other write: %-27s | files: %s" % ("", other(path, "insert into t values (0)"), files(path)))


for jm in ("delete", "persist", "truncate"):
    print("== rollback journal_mode=%s ==" % jm)
    p = os.path.join(d, "r_%s.db" % jm)
    c = sqlite3.connect(p, isolation_level=None)
    c.execute("pragma journal_mode=%s" % jm)
    c.execute("create table t(x)")
    c.execute("insert into t values (1)")
    step("A normal", p, c, "pragma locking_mode")
    step("A set exclusive", p, c, "pragma locking_mode=exclusive")
    step("A read", p, c, "select count(*) from t")
    step("A write", p, c, "insert into t values (2)")
    step("A read again", p, c, "select count(*) from t")
    step("A set normal", p, c, "pragma locking_mode=normal")
    step("A read (next access)", p, c, "select count(*) from t")
    step("A set exclusive, write", p, c, "pragma locking_mode=exclusive")
    step("A write", p, c, "insert into t values (3)")
    step("A set normal", p, c, "pragma locking_mode=normal")
    step("A write (next access)", p, c, "insert into t values (4)")
    c.close()
    step("A closed", p, c)

print("== WAL opened in exclusive mode (heap-memory wal-index) ==")
p = os.path.join(d, "w_heap.db")
c = sqlite3.connect(p, isolation_level=None)
step("A set exclusive", p, c, "pragma locking_mode=exclusive")
print(c.execute("pragma journal_mode=wal").fetchall())
c.execute("create table t(x)")
step("A write", p, c, "insert into t values (1)")
step("A set normal", p, c, "pragma locking_mode=normal")
step("A query", p, c, "pragma locking_mode")
step("A read", p, c, "select count(*) from t")
step("A write", p, c, "insert into t values (2)")
c.close()
step("A closed", p, c)
# Reopen a WAL database in exclusive mode: the existing -wal is read without a -shm. (Whether
# the peer's last close deleted the WAL varies between real SQLite runs: no sizes here.)
SIZES[0] = False
c = sqlite3.connect(p, isolation_level=None)
c.execute("pragma journal_mode=wal")
c.execute("pragma wal_autocheckpoint=0")
c.execute("insert into t values (5)")
c.execute("insert into t values (6)")
step("A normal WAL with frames", p, c, "select count(*) from t")
c2 = sqlite3.connect(p, isolation_level=None)
print("second connection, exclusive:", c2.execute("pragma locking_mode=exclusive").fetchall())
try:
    print("second connection reads:", c2.execute("select count(*) from t").fetchall())
except sqlite3.Error as e:
    print("second connection: %s (%d)" % (e, e.sqlite_errorcode))
c2.close()
c.close()
SIZES[0] = True

print("== WAL with -shm, then exclusive ==")
p = os.path.join(d, "w_shm.db")
c = sqlite3.connect(p, isolation_level=None)
print(c.execute("pragma journal_mode=wal").fetchall())
c.execute("create table t(x)")
step("A write (normal)", p, c, "insert into t values (1)")
step("A set exclusive", p, c, "pragma locking_mode=exclusive")
step("A read", p, c, "select count(*) from t")
step("A write", p, c, "insert into t values (2)")
step("A set normal", p, c, "pragma locking_mode=normal")
step("A read", p, c, "select count(*) from t")
step("A write", p, c, "insert into t values (3)")
c.close()
step("A closed", p, c)

print("== queries ==")
c = sqlite3.connect(":memory:", isolation_level=None)
print("memory:", c.execute("pragma locking_mode").fetchall(), c.execute("pragma locking_mode=normal").fetchall(),
      c.execute("pragma locking_mode=bogus").fetchall())
c.close()
p = os.path.join(d, "q.db")
c = sqlite3.connect(p, isolation_level=None)
print("file:", c.execute("pragma locking_mode=EXCLUSIVE").fetchall(), c.execute("pragma temp.locking_mode").fetchall(),
      c.execute("pragma locking_mode").fetchall())
c.close()
peer.stdin.close()
peer.wait()
