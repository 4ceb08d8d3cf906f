//! End-to-end tests through SQL: `db::Connection::prepare` → `sql::compile` → VM → b-tree.
//!
//! `differential_*` run each script (one statement per line) on EpilogLite and on the real
//! SQLite 3.40.1 (through Python's `sqlite3` module, in autocommit mode) and require the same
//! rows and the same error messages. The other tests exercise connection behaviour: changes
//! and rowids, bindings, schema reload after another connection's DDL, transparent
//! re-prepare on SQLITE_SCHEMA, busy handling and read-only files.

use epiloglite::error::codes::*;
use epiloglite::Value;

use epiloglite::db::{open_flags, Connection};
mod script_diff;
use script_diff::*;

#[test]
fn differential_crud_and_expressions() {
    differential(
        "
        create table t(a integer primary key, b text, c real)
        insert into t values(1,'one',1.5),(2,'two',2.5),(3,'three',NULL)
        insert into t(b) values('four')
        select * from t
        select count(*), sum(c), max(b), min(a) from t
        select b from t where a > 1 order by b desc
        create index tb on t(b)
        select a from t where b = 'two'
        select a from t where b >= 'o' and b < 'tx' order by b
        update t set c = c * 2 where a < 3
        delete from t where a = 3
        select a, b, c, typeof(c) from t order by a
        select 1 + 1, 'a' || 'b', 5 / 2, 5 % 3, null is null, abs(-3), upper('x')
        select typeof(1/0), 1/0.0, 9223372036854775807+1, -9223372036854775808 - 1, '10' + 5, 'x' < 1
        select 1e20, 0.1, 1.5e-7, 100.0, 1/3.0, -0.0, 2e-5, 123456789012345678.0
        select 10 < '9', 10 < 9, '10' < '9', x'00' > 'z', null = null, 2.0 = 2
        select 7 & 3, 7 | 8, 1 << 62, -16 >> 2, ~0, 5 & null
        select case when 1 then 'y' else 'n' end, coalesce(null, 2), nullif(3,3), iif(0,1,2)
        select cast('12abc' as integer), cast(3.7 as integer), cast(5 as text) || 'x', cast('1e3' as real)
        select not 0, not 'x', 0 and null, 1 or null, null and 1
        insert into t values(1, 'dup', 0)
        select * from t where a in (1,2,4) order by a desc
        select * from t order by a limit 1 offset 1
        select count(*) from t where b like 'T%'
    ",
    );
}

#[test]
fn differential_aggregates_joins_subqueries() {
    differential(
        "
        create table p(id integer primary key, name text not null, score int default 7)
        create table q(pid int, v text)
        insert into p(name) values('a'),('b'),('c')
        insert into q values(1,'x'),(1,'y'),(3,'z'),(9,'w')
        select p.name, q.v from p join q on q.pid = p.id order by 1, 2
        select p.name, q.v from p left join q on q.pid = p.id order by 1, 2
        select name, (select count(*) from q where pid = p.id) from p
        select * from p where id in (select pid from q)
        select * from p where exists (select 1 from q where q.pid = p.id and v = 'z')
        select pid, group_concat(v) from q group by pid having count(*) > 1
        select pid, count(*) from q group by pid order by 2 desc, 1
        select name from p union select v from q order by 1
        select name from p intersect select 'b'
        select name from p except select 'b' order by 1 desc
        select count(distinct pid), min(v), max(v) from q
        select avg(score), total(score), sum(score) from p
        select a, count(*) from (select 1 a union all select 1 union all select 2) group by a
        select * from (select name, score from p order by name desc limit 2) order by 1
    ",
    );
}

#[test]
fn differential_constraints_and_transactions() {
    differential(
        "
        create table p(id integer primary key, name text not null unique, n int)
        insert into p values(1, 'a', 1)
        insert into p(name) values(null)
        insert into p values(1, 'b', 1)
        insert into p values(2, 'a', 1)
        insert into p values(3, 'c', 0)
        insert or replace into p values(1, 'r', 5)
        insert or ignore into p values(1, 'i', 5)
        select * from p
        begin
        insert into p values(10, 'ten', 10)
        insert into p values(11, 'ten', 11)
        select count(*) from p
        commit
        select * from p order by id
        begin
        delete from p
        rollback
        select count(*) from p
        savepoint s1
        insert into p values(20, 'x', 1)
        savepoint s2
        insert into p values(21, 'y', 1)
        rollback to s2
        release s1
        select id from p order by id
        commit
        rollback
        release nope
        begin
        begin
        rollback
        select changes(), total_changes()
    ",
    );
}

#[test]
fn differential_affinity_collation_indexes_overflow() {
    differential(
        "
        create table t(a int, b text collate nocase, c real, d blob, e numeric)
        create index ta on t(a desc, b)
        insert into t values(3,'Bob',1.5,x'0102','12'),(1,'alice',null,null,'1e3'),(2,'CAROL',-2,x'',' 7 '),(3,'bob',0,'x','abc'),(null,'dave',1e300,1,3.0)
        select a, b, c, hex(d), e, typeof(e) from t order by a desc, b
        select b from t order by b
        select b from t order by b collate binary
        select b from t where b = 'BOB'
        select a from t where a > '2'
        select a, count(*), min(c), max(hex(d)) from t group by a order by a
        select max(a), min(a), max(b), min(c) from t
        select * from t where a between 2 and 3 order by b desc limit 2 offset 1
        select a from t where a is not null and a not in (2) order by 1
        select e + 1, e * 2, -e, e || 'x' from t
        select sum(a), total(a), avg(a), count(a), count(*) from t
        select a, b from t where rowid in (select rowid from t where c > 0)
        update t set a = a + 10 where b like 'b%'
        select a, b from t order by a, b collate binary
        select distinct a from t order by a desc
        select substr(b, 2, 2), length(d), instr(b,'o'), replace(b,'o','0'), trim('  x  '), lower(b) from t order by rowid
        select a from t where a in (select a from t where a > 10) order by a
        select t1.a, t2.a from t t1, t t2 where t1.a = t2.a + 11 order by 1
        delete from t where a is null
        select count(*) from t
        create table big(x integer primary key, y text)
        insert into big values(1, 'xxxxxxxxxx')
        insert into big select x + (select max(x) from big), y || y from big
        insert into big select x + (select max(x) from big), y || y from big
        insert into big select x + (select max(x) from big), y || y from big
        insert into big select x + (select max(x) from big), y || y from big
        insert into big select x + (select max(x) from big), y || y from big
        insert into big select x + (select max(x) from big), y || y from big
        insert into big select x + (select max(x) from big), y || y from big
        insert into big select x + (select max(x) from big), y || y from big
        insert into big select x + (select max(x) from big), y || y from big
        select count(*), sum(length(y)), max(x) from big
        select x, length(y) from big where x in (1, 100, 512)
        select length(y), count(*) from big group by 1 order by 1 desc limit 3
        update big set y = 'short' where x % 2 = 0
        select count(*) from big where y = 'short'
        delete from big where x > 100
        select count(*), max(x) from big
        pragma integrity_check
    ",
    );
}

fn query(c: &mut Connection, sql: &str) -> Result<Vec<String>, epiloglite::Error> {
    let (s, _) = c.prepare(sql.as_bytes())?;
    let mut s = s.unwrap();
    let mut out = Vec::new();
    loop {
        match s.step(c) {
            Ok(true) => {
                let row: Vec<String> = (0..s.data_count())
                    .map(|i| fmt(s.column_value(i)))
                    .collect();
                out.push(row.join("|"));
            }
            Ok(false) => break,
            Err(e) => {
                s.finalize(c);
                return Err(e);
            }
        }
    }
    s.finalize(c);
    Ok(out)
}

#[test]
fn changes_rowids_and_bindings() {
    let mut c = Connection::open(":memory:", RWC, None).unwrap();
    query(&mut c, "create table t(a integer primary key, b)").unwrap();
    query(&mut c, "insert into t(b) values(1),(2),(3)").unwrap();
    assert_eq!(c.changes(), 3);
    assert_eq!(c.last_insert_rowid(), 3);
    query(&mut c, "update t set b = b + 1 where a >= 2").unwrap();
    assert_eq!(c.changes(), 2);
    assert_eq!(c.total_changes(), 5);
    query(&mut c, "select * from t").unwrap();
    assert_eq!(c.changes(), 2, "SELECT leaves changes() alone");

    let (s, tail) = c
        .prepare(b"insert into t values(:a, ?2); select 1")
        .unwrap();
    let mut s = s.unwrap();
    assert_eq!(tail, "insert into t values(:a, ?2);".len());
    assert_eq!(s.parameter_count(), 2);
    assert_eq!(s.parameter_index(":a"), 1);
    s.bind(1, Value::Integer(100)).unwrap();
    s.bind(2, Value::text("it's")).unwrap();
    assert_eq!(s.expanded_sql(), "insert into t values(100, 'it''s');");
    assert!(!s.readonly());
    assert!(!s.step(&mut c).unwrap());
    assert_eq!(c.last_insert_rowid(), 100);
    s.reset(&mut c);
    s.bind(1, Value::Integer(101)).unwrap();
    assert!(!s.step(&mut c).unwrap());
    s.finalize(&mut c);
    assert_eq!(
        query(&mut c, "select a, b from t where a >= 100").unwrap(),
        vec!["100|it's", "101|it's"]
    );
    let (s, _) = c.prepare(b"select a as x, b from t").unwrap();
    let s = s.unwrap();
    assert_eq!(s.column_count(), 2);
    assert_eq!(s.column_name(0), Some("x"));
    assert!(s.readonly());
    s.finalize(&mut c);
    let (none, n) = c.prepare(b"  -- nothing\n ").unwrap();
    assert!(none.is_none());
    assert_eq!(n, 14);
}

#[test]
fn schema_reload_and_reprepare_after_other_connection() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let path = path.to_str().unwrap();
    let mut a = Connection::open(path, RWC, None).unwrap();
    let mut b = Connection::open(path, RWC, None).unwrap();
    query(&mut a, "create table t(x)").unwrap();
    query(&mut a, "insert into t values(1)").unwrap();
    // b has never seen t: prepare must notice the new schema cookie.
    assert_eq!(query(&mut b, "select x from t").unwrap(), vec!["1"]);
    // A statement prepared by b, then the schema changes under it: step re-prepares.
    let (s, _) = b.prepare(b"select * from t").unwrap();
    let mut s = s.unwrap();
    query(&mut a, "drop table t").unwrap();
    query(&mut a, "create table t(y, z)").unwrap();
    query(&mut a, "insert into t values(2, 3)").unwrap();
    assert!(s.step(&mut b).unwrap());
    assert_eq!(s.data_count(), 2);
    assert_eq!(fmt(s.column_value(0)), "2");
    assert_eq!(fmt(s.column_value(1)), "3");
    assert!(!s.step(&mut b).unwrap());
    s.finalize(&mut b);
    let e = query(&mut b, "select x from t").unwrap_err();
    assert_eq!(e.msg, "no such column: x");
    // b's schema is loaded (and trusted at prepare); a new table made by a is still found:
    // the failed compile makes b check the schema cookie and retry.
    query(&mut a, "create table u(k)").unwrap();
    query(&mut a, "insert into u values('new')").unwrap();
    assert_eq!(query(&mut b, "select k from u").unwrap(), vec!["new"]);
}

#[test]
fn busy_between_connections_and_readonly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.db");
    let path = path.to_str().unwrap();
    let mut a = Connection::open(path, RWC, None).unwrap();
    let mut b = Connection::open(path, RWC, None).unwrap();
    query(&mut a, "create table t(x)").unwrap();
    query(&mut a, "begin immediate").unwrap();
    query(&mut a, "insert into t values(1)").unwrap();
    let e = query(&mut b, "insert into t values(2)").unwrap_err();
    assert_eq!(e.code, SQLITE_BUSY);
    assert_eq!(e.msg, "database is locked");
    b.set_busy_timeout(50);
    let t0 = std::time::Instant::now();
    assert_eq!(
        query(&mut b, "begin immediate").unwrap_err().code,
        SQLITE_BUSY
    );
    assert!(t0.elapsed().as_millis() >= 45);
    assert!(b.is_autocommit());
    assert_eq!(query(&mut b, "select count(*) from t").unwrap(), vec!["0"]);
    query(&mut a, "commit").unwrap();
    query(&mut b, "insert into t values(2)").unwrap();
    assert_eq!(
        query(&mut a, "select x from t order by x").unwrap(),
        vec!["1", "2"]
    );

    // A deferred transaction whose first write is busy keeps no lock (as SQLite): the
    // holder can still commit, and then the waiter can write.
    query(&mut a, "begin").unwrap();
    query(&mut a, "insert into t values(3)").unwrap();
    query(&mut b, "begin").unwrap();
    b.set_busy_timeout(0);
    assert_eq!(
        query(&mut b, "insert into t values(4)").unwrap_err().code,
        SQLITE_BUSY
    );
    assert!(!b.is_autocommit());
    query(&mut a, "commit").unwrap();
    query(&mut b, "insert into t values(4)").unwrap();
    query(&mut b, "commit").unwrap();
    assert_eq!(query(&mut a, "select count(*) from t").unwrap(), vec!["4"]);

    let mut r = Connection::open(path, open_flags::READONLY, None).unwrap();
    assert_eq!(r.db_readonly("main"), Some(true));
    assert_eq!(query(&mut r, "select count(*) from t").unwrap(), vec!["4"]);
    let e = query(&mut r, "insert into t values(3)").unwrap_err();
    assert_eq!(e.code & 0xff, SQLITE_READONLY);
    assert_eq!(e.msg, "attempt to write a readonly database");
}

#[test]
fn interrupt_stops_a_long_query() {
    let mut c = Connection::open(":memory:", RWC, None).unwrap();
    let flag = c.interrupt_flag();
    let (s, _) = c
        .prepare(b"select count(*) from (select 1 union all select 2) a, (select 1 union all select 2) b")
        .unwrap();
    let mut s = s.unwrap();
    // Interrupt set while a statement runs is honoured at the next check.
    assert!(s.step(&mut c).unwrap());
    s.reset(&mut c);
    let (s2, _) = c.prepare(b"select 1").unwrap();
    let mut s2 = s2.unwrap();
    assert!(s2.step(&mut c).unwrap()); // s2 is now running
    flag.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut got = None;
    for _ in 0..1000 {
        match s.step(&mut c) {
            Err(e) => {
                got = Some(e);
                break;
            }
            Ok(_) => s.reset(&mut c),
        }
    }
    let e = got.expect("interrupt was never noticed");
    assert_eq!(e.code, SQLITE_INTERRUPT);
    assert_eq!(e.msg, "interrupted");
    s2.finalize(&mut c);
    s.finalize(&mut c);
    // The flag is cleared once no statement runs.
    assert_eq!(query(&mut c, "select 7").unwrap(), vec!["7"]);
}

#[test]
fn syntax_error_offset() {
    let mut c = Connection::open(":memory:", RWC, None).unwrap();
    assert_eq!(c.last_error_offset(), -1);
    let e = c.prepare(b"select 1 frm t").err().unwrap();
    assert_eq!(e.msg, "near \"t\": syntax error");
    // sqlite3_error_offset() for this statement is 13 in SQLite 3.40.1.
    assert_eq!(c.last_error_offset(), 13);
    c.prepare(b"select 1").unwrap();
    assert_eq!(c.last_error_offset(), -1);
}

#[test]
fn length_limit_gives_toobig() {
    let mut c = Connection::open(":memory:", RWC, None).unwrap();
    assert_eq!(c.limit(0, 10), 1_000_000_000);
    assert_eq!(
        query(&mut c, "select 'abcd' || 'efgh'").unwrap(),
        vec!["abcdefgh"]
    );
    let e = query(&mut c, "select 'abcdef' || 'ghijkl'").unwrap_err();
    assert_eq!(e.code, SQLITE_TOOBIG);
    assert_eq!(e.msg, "string or blob too big");
}

#[test]
fn commit_that_is_busy_leaves_the_transaction_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let path = path.to_str().unwrap();
    let mut a = Connection::open(path, RWC, None).unwrap();
    let mut b = Connection::open(path, RWC, None).unwrap();
    query(&mut a, "create table t(x)").unwrap();
    query(&mut a, "insert into t values(1),(2)").unwrap();
    // b holds a read lock mid-scan.
    let (s, _) = b.prepare(b"select x from t").unwrap();
    let mut s = s.unwrap();
    assert!(s.step(&mut b).unwrap());
    query(&mut a, "begin").unwrap();
    query(&mut a, "insert into t values(3)").unwrap();
    let e = query(&mut a, "commit").unwrap_err();
    assert_eq!(e.code, SQLITE_BUSY);
    // As SQLite: still in the transaction, with its changes, and COMMIT can be retried.
    assert!(!a.is_autocommit());
    assert_eq!(query(&mut a, "select count(*) from t").unwrap(), vec!["3"]);
    s.finalize(&mut b);
    query(&mut a, "commit").unwrap();
    assert!(a.is_autocommit());
    assert_eq!(query(&mut b, "select count(*) from t").unwrap(), vec!["3"]);
}

#[test]
fn commit_rollback_update_hooks_and_progress_handler() {
    use std::sync::{Arc, Mutex};
    let mut c = Connection::open(":memory:", RWC, None).unwrap();
    let log: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let veto = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (l1, l2, l3) = (log.clone(), log.clone(), log.clone());
    let v = veto.clone();
    c.set_commit_hook(Some(Box::new(move || {
        l1.lock().unwrap().push("commit".into());
        v.load(std::sync::atomic::Ordering::Relaxed) as i32
    })));
    c.set_rollback_hook(Some(Box::new(move || {
        l2.lock().unwrap().push("rollback".into())
    })));
    c.set_update_hook(Some(Box::new(move |op, db, t, rowid| {
        l3.lock().unwrap().push(format!("{op} {db} {t} {rowid}"))
    })));
    query(&mut c, "create table t(x)").unwrap();
    query(&mut c, "insert into t values(10),(20)").unwrap();
    query(&mut c, "update t set x = x + 1 where rowid = 2").unwrap();
    query(&mut c, "delete from t where rowid = 1").unwrap();
    query(&mut c, "select * from t").unwrap(); // read-only: no commit hook
    query(&mut c, "begin").unwrap();
    query(&mut c, "insert into t values(30)").unwrap();
    query(&mut c, "rollback").unwrap();
    veto.store(true, std::sync::atomic::Ordering::Relaxed);
    let e = query(&mut c, "insert into t values(40)").unwrap_err();
    assert_eq!(e.code, SQLITE_CONSTRAINT_COMMITHOOK);
    assert_eq!(e.msg, "constraint failed");
    query(&mut c, "begin").unwrap();
    query(&mut c, "insert into t values(50)").unwrap();
    let e = query(&mut c, "commit").unwrap_err();
    assert_eq!(e.code, SQLITE_CONSTRAINT_COMMITHOOK);
    assert!(c.is_autocommit());
    veto.store(false, std::sync::atomic::Ordering::Relaxed);
    assert_eq!(
        query(&mut c, "select rowid, x from t").unwrap(),
        vec!["2|21"]
    );
    let got = log.lock().unwrap().clone();
    assert_eq!(
        got,
        vec![
            "commit",
            "18 main t 1",
            "18 main t 2",
            "commit",
            "23 main t 2",
            "commit",
            "9 main t 1",
            "commit",
            "18 main t 3",
            "rollback",
            "18 main t 3",
            "commit",
            "rollback",
            "18 main t 3",
            "commit",
            "rollback",
        ]
    );
    c.set_update_hook(None);
    c.set_commit_hook(None);

    // Progress handler: called every N instructions; non-zero interrupts.
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let k = calls.clone();
    c.set_progress_handler(
        10,
        Some(Box::new(move || {
            k.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            0
        })),
    );
    let n = "with recursive r(i) as (select 1 union all select i+1 from r where i<100) select count(*) from r";
    assert_eq!(query(&mut c, n).unwrap(), vec!["100"]);
    let seen = calls.load(std::sync::atomic::Ordering::Relaxed);
    assert!(seen > 50, "progress handler called {seen} times");
    c.set_progress_handler(10, Some(Box::new(|| 1)));
    let e = query(&mut c, n).unwrap_err();
    assert_eq!(e.code, SQLITE_INTERRUPT);
    c.set_progress_handler(0, None);
    assert_eq!(query(&mut c, n).unwrap(), vec!["100"]);
}
