# WAL spill of a large transaction, run on whichever libsqlite3 python3 loads (argv[1]: empty
# directory); a real-SQLite `sqlite3` CLI reads the database while the transaction is open.
# tests/wal_spill.rs runs it on real SQLite and on EpilogLite and compares the outputs.
import os, sqlite3, subprocess, sys
d = sys.argv[1]
path = os.path.join(d, "s.db")
env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "LD_PRELOAD")}
def real(sql):
    return subprocess.run(["sqlite3", path, sql], env=env, capture_output=True, text=True).stdout.strip()
def wal_bytes():
    return os.path.getsize(path + "-wal")
rows = "with recursive s(i) as (select 1 union all select i+1 from s where i<%d) select i from s"
c = sqlite3.connect(path, isolation_level=None)
c.execute("pragma journal_mode=wal")
c.execute("pragma cache_size=50")
c.execute("pragma wal_autocheckpoint=0")
c.execute("create table t(i, pad)")
c.execute("insert into t select i, randomblob(100) from (%s)" % (rows % 100))
before = wal_bytes()
c.execute("begin")
c.execute("insert into t select i + 1000, randomblob(3000) from (%s)" % (rows % 3000))
print("spilled before commit", wal_bytes() - before > 2000000)
print("real reader during txn", real("select count(*) from t"))
print("own view", c.execute("select count(*), sum(i), sum(length(pad)) from t").fetchone())
c.execute("commit")
print("real reader after commit", real("select count(*), sum(i) from t"))
# A spilled transaction that rolls back leaves nothing behind.
c.execute("begin")
c.execute("update t set pad = randomblob(3500) where i > 1000")
c.execute("delete from t where i <= 50")
print("own view before rollback", c.execute("select count(*), sum(length(pad)) from t").fetchone())
c.execute("rollback")
print("after rollback", c.execute("select count(*), sum(i), sum(length(pad)) from t").fetchone())
print("real after rollback", real("select count(*), sum(length(pad)) from t"))
c.execute("insert into t values (-1, 'after')")
print("real sees the next commit", real("select count(*) from t; pragma integrity_check"))
print("integrity", c.execute("pragma integrity_check").fetchall())
