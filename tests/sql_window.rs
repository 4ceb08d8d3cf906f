//! Window functions, joins and query-shape features, differential against SQLite 3.40.1
//! (through Python's `sqlite3` module): each script runs one statement per line on both
//! engines and must give the same rows, in the same order, and the same error messages.

mod script_diff;
use script_diff::differential;

const DATA: &str = "
create table t(a, b, c);
insert into t values(1,'x',10),(2,'y',20),(NULL,'n',5),(3,'z',30),(1,'w',7),(2,'v',1),(2,'V',2.5),('q','Q',NULL);
";

#[test]
fn window_ranking_functions() {
    differential(&format!("{DATA}
select a, b, row_number() over (order by a), rank() over (order by a), dense_rank() over (order by a) from t;
select a, b, row_number() over (partition by a order by b), rank() over (partition by a order by b collate nocase) from t;
select a, percent_rank() over (order by a), cume_dist() over (order by a), ntile(3) over (order by c) from t;
select a, ntile(2) over (), ntile(10) over (order by b) from t;
select b, row_number() over (order by b desc) as rn from t order by rn limit 3;
select a, row_number() over (order by a nulls last), rank() over (order by a desc nulls first) from t;
select ntile(0) over () from t;
select ntile(null) over () from t;
"));
}

#[test]
fn window_value_functions() {
    differential(&format!("{DATA}
select a, b, lag(b) over (order by c), lead(b,2,'d') over (order by c), lag(b, -1) over (order by c) from t;
select a, first_value(b) over w, last_value(b) over w, nth_value(b,2) over w from t window w as (order by c rows between unbounded preceding and unbounded following);
select a, first_value(b) over (partition by a order by c), last_value(b) over (partition by a order by c), nth_value(b, 3) over (order by c) from t;
select nth_value(b, 0) over () from t;
select lag(b, 1, 'none') over (partition by a order by b), lead(c, a) over (order by b) from t;
"));
}

#[test]
fn window_frames() {
    differential(&format!("{DATA}
select a, c, sum(c) over (order by c range between 5 preceding and 5 following) from t order by c;
select a, c, count(*) over (order by c rows between 1 preceding and 1 following), total(c) over (order by c rows 2 preceding) from t;
select a, group_concat(b) over (order by a groups between 1 preceding and current row exclude current row) from t;
select a, group_concat(b) over (order by a rows between unbounded preceding and unbounded following exclude group) from t;
select a, group_concat(b) over (order by a rows between unbounded preceding and unbounded following exclude ties) from t;
select a, sum(c) over (order by a rows between 1 following and 2 following) from t;
select a, sum(c) over (order by a range between 1 preceding and 1 following), group_concat(b, '') over (order by a desc range between 1 preceding and current row) from t;
select a, group_concat(b) over (order by a range between 1 following and 2 following) from t;
select c, max(c) over (order by c rows between 2 preceding and current row), min(c) over (order by c rows between current row and 2 following) from t;
select sum(c) over (order by c rows between -1 preceding and current row) from t;
select sum(c) over (order by c range between 'x' preceding and current row) from t;
select sum(c) over (order by c, a range between 1 preceding and current row) from t;
select sum(c) over (rows between current row and 1 preceding) from t;
select c, avg(c) over (groups between 1 preceding and 1 following) from t;
"));
}

#[test]
fn window_aggregates_filter_named_and_grouped() {
    differential(&format!("{DATA}
select a, sum(c) over (partition by a order by b), count(*) over (), avg(c) over (order by c rows between 1 preceding and 1 following) from t;
select sum(c) filter (where a>1) over (), a from t;
select count(*) filter (where c > 5) over (order by c), a from t;
select a, count(*), sum(count(*)) over (order by a), rank() over (order by count(*) desc) from t group by a;
select a, sum(c) over w, max(b) over (w order by b) from t window w as (partition by a);
select a, sum(c) over w1 from t window w1 as (w0 order by c), w0 as (partition by a);
select a, sum(c) over nope from t;
select a, sum(c) over (w order by c) from t window w as (order by b);
select a, sum(c) over (w partition by b) from t window w as (order by b);
select a + row_number() over (order by c) * 10, c from t;
select a from t order by row_number() over (order by b desc);
select distinct a, count(*) over (partition by a) from t;
select abs(c) over () from t;
select row_number() over () filter (where 1) from t;
select sum(distinct c) over () from t;
select row_number() from t;
select a from t where row_number() over () > 1;
select sum(row_number() over ()) over () from t;
select (select count(*) from t as u where u.a = t.a), row_number() over (order by c) from t;
"));
}

#[test]
fn aggregate_filter_clause() {
    differential(&format!("{DATA}
select count(*) filter (where a > 1), sum(c) filter (where b < 'x'), count(*) from t;
select a, count(*) filter (where c > 5), group_concat(b) filter (where c is not null), avg(c) filter (where b = upper(b)) from t group by a;
select a from t group by a having count(*) filter (where c > 5) > 0;
select count(distinct a) filter (where c > 5) from t;
select abs(a) filter (where 1) from t;
select a from t where count(*) filter (where 1) > 0;
"));
}

#[test]
fn having_without_group_by() {
    differential(&format!(
        "{DATA}
select count(*) from t having count(*) > 0;
select count(*), sum(c) from t having count(*) = 0;
select max(c) from t having min(c) < 2;
select 1 from t having 1;
select a from t having a > 1;
select count(*) from t where a > 100 having count(*) = 0;
select count(*) from t group by a having count(*) > 1;
"
    ));
}

const JOIN_DATA: &str = "
create table a(x, y);
create table b(x, z);
create table c(z, w);
insert into a values(1,'a1'),(2,'a2'),(3,'a3'),(NULL,'an');
insert into b values(2,'b2'),(3,'b3'),(3,'b33'),(4,'b4'),(NULL,'bn');
insert into c values('b2','c2'),('b4','c4'),('zz','cz');
";

#[test]
fn right_and_full_outer_joins() {
    differential(&format!(
        "{JOIN_DATA}
select * from a right join b on a.x = b.x order by b.z, a.y;
select * from a full join b on a.x = b.x order by b.z, a.y;
select * from a full outer join b on a.x = b.x where a.x is null or b.x is null order by 1, 2, 3, 4;
select a.y, b.z, c.w from a right join b on a.x = b.x left join c on c.z = b.z order by 2;
select a.y, b.z, c.w from a join b on a.x = b.x right join c on c.z = b.z order by 3, 1;
select count(*), count(a.x), count(b.x) from a full join b on a.x = b.x;
select * from a right join b using (x) order by b.z;
select * from a natural full join b order by 2, 3;
select b.z, a.y from a right join b on a.x = b.x and a.y <> 'a3' order by 1;
select * from a right join (select * from b where x > 2) as s on a.x = s.x order by s.z;
"
    ));
}

#[test]
fn changes_after_a_failed_statement() {
    differential(
        "
create table t(a unique);
insert into t values(1),(2);
insert into t values(3),(1);
select changes(), total_changes();
insert or fail into t values(4),(1);
select changes(), total_changes();
insert or ignore into t values(5),(1);
select changes(), total_changes();
insert or rollback into t values(6),(1);
select changes(), total_changes();
",
    );
}

#[test]
fn like_glob_on_blobs_and_negative_zero_storage() {
    differential(
        "
select x'41' like 'A', 'A' like x'41', x'41' glob 'A', x'41' like null, null like x'41';
select x'41' like 'A' escape 'x', 'A' like 'A' escape x'78', 'A' like 'A' escape null, x'41' like 'A' escape null;
create table z(r real, n numeric, i integer, b blob);
insert into z values(-0.0, -0.0, -0.0, -0.0);
select quote(r), quote(n), quote(i), quote(b), typeof(b) from z;
",
    );
}

#[test]
fn window_with_parenthesized_terms() {
    differential(
        "
create table t1(c0, c1, c2);
insert into t1 values(1,2,'a'),(3,1,'b'),(2,2,'c');
select (c1 < c0), count(*) over () from t1;
select ((c1 < c0)), count(*) over (), c0 from t1 order by 1, 3;
select (c0), sum((c1)) over (partition by (c1) order by (c0)) from t1 order by 1;
",
    );
}

#[test]
fn substr_of_an_empty_blob_is_null() {
    differential(
        "
select quote(substr(x'', 1)), quote(substr(x'', 1, 2)), quote(substr(x'00', 2)), quote(substr('', 1)), quote(substr(zeroblob(0), 1)), abs(substr(x'', 5, 1));
",
    );
}
