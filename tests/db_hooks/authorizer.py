import sqlite3
c = sqlite3.connect(':memory:', isolation_level=None)
log = []
mode = {}
def auth(op, a, b, d, t):
    log.append((op, a, b, d, t))
    return mode.get((op, a, b), 0)
c.execute("create table t(x, y)")
c.execute("insert into t values(1, 'a'), (2, 'b')")
c.set_authorizer(auth)
def run(sql):
    del log[:]
    try:
        r = c.execute(sql).fetchall()
    except sqlite3.Error as e:
        r = 'error: %s %s' % (type(e).__name__, e)
    print(sql, '->', r)
    for x in sorted(set(log), key=repr):
        print('   ', x)
run("select x, y from t where x > 0")
run("select upper(y) from t")
run("insert into t values(3, 'c')")
run("update t set y = 'z' where x = 3")
run("delete from t where x = 3")
run("create table u(a)")
run("drop table u")
run("begin")
run("commit")
run("pragma user_version")
mode[(20, 't', 'y')] = 2
run("select x, y from t where 1")
mode[(20, 't', 'y')] = 1
run("select x, y from t where 2")
del mode[(20, 't', 'y')]
mode[(18, 't', None)] = 1
run("insert into t values(9, 9)")
mode.clear()
mode[(21, None, None)] = 1
run("select 1")
mode.clear()
mode[(31, None, 'upper')] = 1
run("select upper('a')")
mode[(31, None, 'upper')] = 7
run("select upper('b')")
mode.clear()
mode[(19, 'user_version', None)] = 1
run("pragma main.user_version")
run("pragma user_version")
c.set_authorizer(None)
run("select count(*) from t")
# Progress handler: a non-zero answer interrupts; counts differ between engines, so only
# whether it ran is printed.
calls = [0]
def prog():
    calls[0] += 1
    return 0
big = "with recursive r(i) as (select 1 union all select i+1 from r where i<1000) select count(*) from r"
c.set_progress_handler(prog, 100)
run(big)
print('progress called:', calls[0] > 5)
c.set_progress_handler(lambda: 1, 100)
run(big + " where 1")
c.set_progress_handler(None, 0)
run(big + " where 2")
