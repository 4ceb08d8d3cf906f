-- Errors as the shell reports them (messages come from the library), with .bail off.
create table t(a integer primary key, b text not null, c unique, check (a > 0));
insert into t values (1, 'x', 1);
insert into t values (1, 'y', 2);
insert into t values (2, null, 3);
insert into t values (3, 'z', 1);
insert into t values (-1, 'w', 4);
select * from nosuch;
select nosuchcol from t;
selec 1;
select 1 +;
create table t(x);
insert into t(a, b) values (1);
select abs(1, 2);
select * from t where a = 'unclosed;
';
drop table nosuch;
select count(*) from t;
select 'still running';
