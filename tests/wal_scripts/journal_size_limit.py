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
c.close()
# Rollback journals (SQLite's zeroJournalHdr): PERSIST keeps the journal with a zeroed header,
# truncated to a positive limit (to 0 with limit 0); TRUNCATE empties it at each commit.
for jm in ("persist", "truncate"):
    p = os.path.join(d, "r_%s.db" % jm)
    jp = p + "-journal"
    def jsize():
        return os.path.getsize(jp) if os.path.exists(jp) else -1
    def jhead():
        if not os.path.exists(jp) or os.path.getsize(jp) == 0:
            return "empty"
        with open(jp, "rb") as f:
            return "zeroed" if f.read(28) == bytes(28) else "not zeroed"
    c = sqlite3.connect(p, isolation_level=None)
    c.execute("pragma journal_mode=%s" % jm)
    c.execute("create table t(x)")
    c.execute("insert into t select randomblob(800) from (with recursive s(i) as (select 1 union all select i+1 from s where i<300) select i from s)")
    c.execute("update t set x = randomblob(800)")
    print(jm, "no limit: journal > 100000 bytes", jsize() > 100000, jhead())
    print(jm, "set", c.execute("pragma journal_size_limit=20000").fetchall())
    c.execute("update t set x = randomblob(800) where rowid = 1")
    print(jm, "limit 20000, small commit: journal bytes", jsize(), jhead())
    c.execute("update t set x = randomblob(800)")
    print(jm, "limit 20000, big commit: journal bytes", jsize(), jhead())
    c.execute("pragma journal_size_limit=0")
    c.execute("update t set x = randomblob(800) where rowid = 2")
    print(jm, "limit 0: journal bytes", jsize(), jhead())
    c.execute("pragma journal_size_limit=-1")
    c.execute("update t set x = randomblob(800)")
    print(jm, "limit -1 again: journal > 100000 bytes", jsize() > 100000, jhead())
    print(jm, "integrity", c.execute("pragma integrity_check").fetchall(), c.execute("select count(*) from t").fetchall())
    c.close()
