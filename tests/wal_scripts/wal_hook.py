# sqlite3_wal_hook and WAL frame counts through the C API (ctypes), run on one library
# (argv[1]: path of libsqlite3.so.0) in an empty directory argv[2]; tests/wal_hook.rs runs it on
# real SQLite and on EpilogLite and compares the outputs line by line.
import ctypes, sys, os
lib = ctypes.CDLL(sys.argv[1])
d = sys.argv[2]
for f in os.listdir(d):
    os.unlink(os.path.join(d, f))
path = os.path.join(d, "h.db")
lib.sqlite3_open.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
lib.sqlite3_exec.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
lib.sqlite3_extended_errcode.argtypes = [ctypes.c_void_p]
lib.sqlite3_errmsg.argtypes = [ctypes.c_void_p]
lib.sqlite3_errmsg.restype = ctypes.c_char_p
HOOK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int)
lib.sqlite3_wal_hook.argtypes = [ctypes.c_void_p, HOOK, ctypes.c_void_p]
lib.sqlite3_wal_hook.restype = ctypes.c_void_p
db = ctypes.c_void_p()
assert lib.sqlite3_open(path.encode(), ctypes.byref(db)) == 0
calls = []
ret = [0]
def hook(arg, dbp, name, n):
    calls.append("%s:%d" % (name.decode(), n))
    return ret[0]
h = HOOK(hook)
def walsize(name="h.db"):
    # Frames in the WAL file (0 when it is missing or has only a header).
    p = os.path.join(d, name + "-wal")
    n = os.path.getsize(p) if os.path.exists(p) else 0
    return (n - 32) // 4120 if n >= 32 else 0
def step(label, sql, exact=True):
    """One sqlite3_exec; prints rc, the hook calls (database names), whether each hook call's
    frame count is the WAL's, and (exact steps only) how many frames the step appended (the
    WAL restarts after a checkpoint: then the frames in it). B-tree page layouts may differ
    between engines, so steps with overflow pages compare only the first three."""
    del calls[:]
    before = walsize()
    rc = lib.sqlite3_exec(db, sql.encode(), None, None, None)
    after = walsize()
    names = [c.split(":")[0] for c in calls]
    agree = all(c == "main:%d" % after for c in calls)
    added = (after - before if after >= before else after) if exact else "-"
    msg = " " + lib.sqlite3_errmsg(db).decode() if rc else ""
    print("%-10s rc=%d ext=%d hook=%s hook-is-wal=%s added=%s%s" % (
        label, rc, lib.sqlite3_extended_errcode(db), names, agree, added, msg))
step("mode", "pragma journal_mode=wal")
# An empty database gets page 1 (marked WAL, bytes 18/19 = 2) in the db file at once.
with open(path, "rb") as f:
    hdr = f.read(100)
print("db file after mode: %d bytes, version bytes %s" % (os.path.getsize(path), list(hdr[18:20])))
# The previous argument is the auto-checkpoint threshold while the default hook is in place.
print("wal_hook first call returns", lib.sqlite3_wal_hook(db, h, ctypes.c_void_p(1234)))
step("create", "create table t(x)")
step("insert", "insert into t values(1)")
step("txn", "begin; insert into t values(2); insert into t values(3); commit")
step("select", "select * from t")
step("big", "insert into t with recursive s(i) as (select 1 union all select i+1 from s where i<20) select randomblob(5000) from s", False)
step("rollback", "begin; insert into t values(4); rollback")
ret[0] = 4
step("hook-err", "insert into t values(5)")
ret[0] = 0
step("count", "select count(*) from t")
step("two", "begin; insert into t values(6); insert into t values(7); commit")
step("ckpt", "pragma wal_checkpoint(truncate)")
step("after-ckpt", "insert into t values(8)")
step("autockpt", "pragma wal_autocheckpoint=5")
step("nohook", "insert into t with recursive s(i) as (select 1 union all select i+1 from s where i<3) select randomblob(9000) from s", False)
step("nohook2", "insert into t values(9)")
step("integrity", "pragma integrity_check")
# sqlite3_wal_hook's return value (the previous argument) through the slot's life.
db2 = ctypes.c_void_p()
assert lib.sqlite3_open(b":memory:", ctypes.byref(db2)) == 0
lib.sqlite3_wal_autocheckpoint.argtypes = [ctypes.c_void_p, ctypes.c_int]
NOHOOK = ctypes.cast(None, HOOK)
seq = [("initial", None), ("after hook(NULL, NULL)", None), ("after autocheckpoint(77)", 77),
       ("after autocheckpoint(0)", 0), ("after pragma =55", "pragma wal_autocheckpoint=55"),
       ("after autocheckpoint(-5)", -5), ("after hook(NULL, 4321)", ("hook", 4321)),
       ("after autocheckpoint(9)", 9)]
for label, act in seq:
    if isinstance(act, int):
        lib.sqlite3_wal_autocheckpoint(db2, act)
    elif isinstance(act, str):
        lib.sqlite3_exec(db2, act.encode(), None, None, None)
    elif isinstance(act, tuple):
        lib.sqlite3_wal_hook(db2, NOHOOK, ctypes.c_void_p(act[1]))
    print("wal_hook return %-26s %s" % (label, lib.sqlite3_wal_hook(db2, NOHOOK, ctypes.c_void_p(act[1]) if isinstance(act, tuple) else None)))
