-- Schema objects, the shell's schema commands, and .dump.
create table parent(id integer primary key, name text not null unique);
create table child(id integer primary key, pid integer references parent(id), v text default 'x', check (length(v) < 10));
create index child_pid on child(pid);
create unique index child_v on child(v, pid);
create view kids as select p.name, c.v from parent p join child c on c.pid = p.id;
create trigger child_ins after insert on child begin update parent set name = name || '+' where id = new.pid; end;
insert into parent values (1, 'p1'), (2, 'p2');
insert into child(pid, v) values (1, 'a'), (1, 'b'), (2, 'c');
.tables
.schema child
.indexes child
select * from kids order by 1, 2;
select type, name, tbl_name from sqlite_schema order by type, name;
.dump parent
pragma table_info(child);
pragma index_list(child);
pragma index_info(child_v);
pragma foreign_key_list(child);
drop view kids;
drop trigger child_ins;
drop index child_pid;
alter table child rename to kid;
alter table kid add column extra integer default 7;
select * from kid order by id;
alter table kid drop column extra;
.schema kid
