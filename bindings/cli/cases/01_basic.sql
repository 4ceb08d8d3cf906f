-- Basic DDL/DML and the shell's output modes.
create table t(id integer primary key, name text, score real, data blob);
insert into t(name, score, data) values ('ann', 1.5, x'0102'), ('bob', NULL, NULL), ('cé', -2.25, x'');
insert into t(name, score) values ('d''quote', 1e10), ('e', 0.1 + 0.2);
select * from t;
.headers on
.mode column
select id, name, score from t order by id;
.mode csv
select id, name, score from t order by id desc;
.mode json
select id, name, score, data from t where id < 3;
.mode markdown
select name, length(name) as len from t order by name;
.mode box
select count(*), sum(score), avg(score), min(name), max(name) from t;
.mode insert t2
select id, name, data from t where id <= 3;
.mode quote
select name, score, data from t order by id;
.mode line
select * from t where id = 1;
.headers off
.mode list
update t set score = score * 2 where score is not null;
delete from t where name = 'bob';
select changes(), total_changes(), last_insert_rowid();
select id, name, score from t order by score;
