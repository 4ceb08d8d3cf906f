# tests/wal_busy_codes.rs runs this on real SQLite and on EpilogLite (argv[1]: empty directory)
# and compares the outputs. (With a busy timeout real SQLite 3.40.1 may still read here, EpilogLite
# waits the timeout out: not covered.)
# SQLITE_BUSY_RECOVERY: another process (simulated by fcntl locks: WAL WRITE, RECOVER held, DMS
# shared) is recovering the wal-index; a reader must get SQLITE_BUSY_RECOVERY (261).
import fcntl, os, signal, sqlite3, subprocess, sys, time
d = sys.argv[1]
path = os.path.join(d, "r.db")
env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "LD_PRELOAD")}
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
for timeout in (0,):
    c = sqlite3.connect(path, isolation_level=None, timeout=timeout)
    t = time.time()
    try:
        r = c.execute("select count(*) from t").fetchall()
    except sqlite3.Error as e:
        r = "%s (%d)" % (e, e.sqlite_errorcode)
    print("timeout %.1f:" % timeout, r, "waited" if time.time() - t > 0.3 else "at once")
    c.close()
holder.kill(); holder.wait()
c = sqlite3.connect(path, isolation_level=None)
print("after the recoverer is gone:", c.execute("select count(*) from t").fetchall())
