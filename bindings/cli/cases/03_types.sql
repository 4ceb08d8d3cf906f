-- Values, affinity, type conversion and number formatting.
create table a(i integer, r real, t text, b blob, n numeric, x);
insert into a values ('12', '12', 12, 12, '12.0', '12');
insert into a values (3.0, 3, 3.5, '3', '3.5e2', 3.0);
insert into a values ('abc', 'abc', x'41', x'41', 'abc', x'41');
insert into a values (9223372036854775807, 1e308, -0.0, null, 1e3, 9223372036854775808);
select typeof(i), typeof(r), typeof(t), typeof(b), typeof(n), typeof(x) from a;
select i, r, t, quote(b), n, x from a;
select 1/2, 1.0/2, 7 % 3, -7 % 3, 7.5 % 2, 1/0, 2 * 9223372036854775807;
select 0.1 + 0.2, 1e300 * 1e10, -1e300 * 1e10, 1.0e-320, 123456789012345678901234567890;
select cast('12abc' as integer), cast('1e3' as integer), cast(' 42 ' as integer), cast(12.9 as integer), cast(-12.9 as integer);
select cast(x'3132' as text), cast('3.14' as real), cast(5 as text) || 'x', cast(null as integer);
select 'a' < 'b', 'a' < 'B', 'a' < 'B' collate nocase, 2 < '1', x'00' > 'z', null = null, null is null;
select 10 = '10', 10 = 10.0, '10' = 10.0, 1 in (1.0, 2), 'abc' like 'A%', 'abc' glob 'A*';
select printf('%d|%5.2f|%s|%x|%e|%g|%q|%Q', 42, 3.14159, 'str', 255, 12345.678, 0.0001, 'it''s', null);
select hex('héllo'), length('héllo'), length(x'00ff'), unicode('é'), char(233, 97), quote(x'cafe');
select round(2.5), round(-2.5), round(1.2345, 2), abs(-9223372036854775807), sign(-3), max(1, 'a', x'00'), min(1, 2.5);
