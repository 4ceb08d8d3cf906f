# PRAGMA journal_size_limit in WAL mode, run on whichever libsqlite3 python3 loads, in an empty
# directory argv[1]; tests/wal_journal_size_limit.rs runs it on real SQLite and on EpilogLite
# and compares the outputs. Sizes that depend on B-tree layout are printed as comparisons.
import os, sqlite3, sys
d = sys.argv[1]
path = os.path.join(d, "j.db")
wal = path + "-wal"
def wsize():
    return os.path.getsize(wal) if os.path.exists(wal) else -1
c = sqlite3.connect(path, isolation_level=None)
print("default", c.execute("pragma journal_size_limit").fetchall())
print("below -1 is -1", c.execute("pragma journal_size_limit=-5").fetchall())
print("set", c.execute("pragma journal_size_limit=20000").fetchall())
print("mode", c.execute("pragma journal_mode=wal").fetchall())
c.execute("pragma wal_autocheckpoint=0")
c.execute("create table t(x)")
c.execute("insert into t select randomblob(800) from (with recursive s(i) as (select 1 union all select i+1 from s where i<300) select i from s)")
big = wsize()
print("wal grew past the limit", big > 20000)
print("checkpoint", c.execute("pragma wal_checkpoint(passive)").fetchall()[0][0])
print("not truncated by the checkpoint", wsize() == big)
c.execute("insert into t values(1)")
print("first commit after restart: wal bytes", wsize())
c.execute("insert into t values(2)")
print("next commit: wal bytes", wsize())
print("no limit", c.execute("pragma journal_size_limit=-1").fetchall())
c.execute("insert into t select randomblob(800) from (with recursive s(i) as (select 1 union all select i+1 from s where i<100) select i from s)")
c.execute("pragma wal_checkpoint(passive)")
before = wsize()
c.execute("insert into t values(3)")
print("unlimited: not truncated", wsize() == before)
print("zero", c.execute("pragma journal_size_limit=0").fetchall())
c.execute("pragma wal_checkpoint(passive)")
c.execute("insert into t values(4)")
print("limit 0: wal bytes", wsize())
print("integrity", c.execute("pragma integrity_check").fetchall(), c.execute("select count(*) from t").fetchall())
