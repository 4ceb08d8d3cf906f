# tests/wal_busy_codes.rs runs this on real SQLite and on EpilogLite (argv[1]: empty directory)
# and compares the outputs.
# SQLITE_BUSY_RECOVERY: another process (simulated by fcntl locks: WAL WRITE, RECOVER held, DMS
# shared) is recovering the wal-index; a reader must get SQLITE_BUSY_RECOVERY (261), at once
# without a busy timeout, after waiting it out with one. When that reader's connection closes it
# holds EXCLUSIVE on the db file (the "recoverer" has no db lock), so, as sqlite3WalClose, it
# checkpoints ignoring the -shm locks and deletes -wal and -shm: the next connection reads.
import fcntl, os, signal, sqlite3, subprocess, sys, time
d = sys.argv[1]
path = os.path.join(d, "r.db")
env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "LD_PRELOAD")}
def scenario(name, timeouts):
    print("==", name)
    for f in (path, path + "-wal", path + "-shm"):
        if os.path.exists(f):
            os.unlink(f)
    subprocess.run([sys.executable, "-c", """
import os, signal, sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute('pragma journal_mode=wal'); c.execute('create table t(x)'); c.execute('insert into t values (1)')
os.kill(os.getpid(), signal.SIGKILL)
""", path], env=env)
    with open(path + "-shm", "r+b") as f:
        f.write(bytes(136))
    holder = subprocess.Popen([sys.executable, "-c", """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB, 1, 128)
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 120)
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 122)
print("held", flush=True)
time.sleep(60)
""", path + "-shm"], stdout=subprocess.PIPE, env=env)
    assert holder.stdout.readline().strip() == b"held"
    for timeout in timeouts:
        c = sqlite3.connect(path, isolation_level=None, timeout=timeout)
        t = time.time()
        try:
            r = c.execute("select count(*) from t").fetchall()
        except sqlite3.Error as e:
            r = "%s (%d)" % (e, e.sqlite_errorcode)
        print("timeout %.1f:" % timeout, r, "waited" if time.time() - t > 0.3 else "at once")
        c.close()
        print("  after close:", sorted(f[4:] for f in os.listdir(d) if f.startswith("r.db") and f != "r.db"))
    holder.kill(); holder.wait()


scenario("no busy timeout", (0, 0))
scenario("busy timeout 1 s", (1.0, 0))
c = sqlite3.connect(path, isolation_level=None)
print("after the recoverer is gone:", c.execute("select count(*) from t").fetchall())
