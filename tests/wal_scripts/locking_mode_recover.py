# tests/wal_locking_mode.rs runs this on real SQLite and on EpilogLite (argv[1]: empty directory)
# and compares the outputs: a -wal left by a SIGKILLed real SQLite process (its -shm removed) is
# opened in locking_mode=EXCLUSIVE: the wal-index is rebuilt in heap memory (no -shm appears),
# commits go to the WAL, a checkpoint and the close leave the db alone, all rows present.
import os, signal, sqlite3, subprocess, sys
d = sys.argv[1]; p = os.path.join(d, "h.db")
for f in (p, p + "-wal", p + "-shm"):
    if os.path.exists(f): os.unlink(f)
env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "LD_PRELOAD")}
subprocess.run([sys.executable, "-c", """
import os, signal, sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute('pragma journal_mode=wal'); c.execute('create table t(x)')
for i in range(50): c.execute('insert into t values (?)', (i,))
os.kill(os.getpid(), signal.SIGKILL)
""", p], env=env)
os.unlink(p + "-shm")
print(sorted(f for f in os.listdir(d)))
c = sqlite3.connect(p, isolation_level=None)
print(c.execute("pragma locking_mode=exclusive").fetchall())
print(c.execute("select count(*), sum(x) from t").fetchall(), sorted(f for f in os.listdir(d)))
c.execute("insert into t values (100)")
print(c.execute("pragma wal_checkpoint").fetchall(), sorted(f for f in os.listdir(d)))
c.close()
print(sorted(f for f in os.listdir(d)))
c = sqlite3.connect(p, isolation_level=None)
print(c.execute("select count(*), sum(x) from t").fetchall(), c.execute("pragma integrity_check").fetchall())
