//! Regressions found by the random differential generator (`difftest/`), minimised: one test
//! per class of difference, each a short script run on EpilogLite and on real SQLite 3.40.1
//! through the shared harness (`tests/sql_common`), results compared exactly (reals bit for
//! bit, storage classes, error messages).

mod sql_common;
use sql_common::diff;

/// GROUP BY / ORDER BY terms that are integers under parentheses, unary minus or COLLATE are
/// column numbers (SQLite's `sqlite3ExprIsInteger` after skipping COLLATE).
#[test]
fn group_by_term_numbers() {
    diff(
        "groupby_terms",
        &[
            "CREATE TABLE t(a, b)",
            "INSERT INTO t VALUES (1, 2), (1, 3), (2, 5)",
            "SELECT a, (- 2), count(*) FROM t GROUP BY a, (- 2)",
            "SELECT (- 0), a FROM t GROUP BY (- 0)",
            "SELECT (10 COLLATE NOCASE), count(*) FROM t GROUP BY (10 COLLATE NOCASE)",
            "SELECT a, count(*) FROM t GROUP BY (1 COLLATE NOCASE) ORDER BY 1",
            "SELECT min(b), sum(a) FROM t GROUP BY (- -1)",
            "SELECT avg(b), a FROM t GROUP BY (1 COLLATE NOCASE)",
            "SELECT a, 1 + Max(b) + AVG(b) FROM t GROUP BY 1, (2 COLLATE NOCASE)",
            "SELECT a, max(b) FROM t GROUP BY 1, 2",
            "SELECT a, b FROM t ORDER BY (- 1)",
            "SELECT a, b FROM t ORDER BY (2 COLLATE NOCASE) DESC",
            "SELECT a, b FROM t ORDER BY ((2)) DESC",
            "SELECT a, b FROM t ORDER BY (-(2 COLLATE NOCASE)) DESC",
        ],
    );
}

/// A WHERE term on the left side of a RIGHT/FULL join must not stop the join from recording
/// that a right row matched (the row then wrongly comes back as unmatched).
#[test]
fn right_join_where_on_left_side() {
    diff(
        "right_join_where",
        &[
            "CREATE TABLE t0(c0)",
            "CREATE TABLE t1(c0 INTEGER PRIMARY KEY, c2)",
            "INSERT INTO t0 VALUES ('2'), ('x'), (NULL)",
            "INSERT INTO t1 VALUES (5, 2.0), (6, 'q')",
            "SELECT a2.c0 FROM t0 AS a1 FULL JOIN t1 AS a2 ON a2.c2 = a1.c0 WHERE (a1.c0 IS NULL) ORDER BY 1",
            "SELECT a1.c0, a2.c0 FROM t0 AS a1 RIGHT JOIN t1 AS a2 ON a2.c2 = a1.c0 WHERE a1.c0 IS NOT 'x' ORDER BY 2",
            "SELECT a1.c0, a2.c0 FROM t0 AS a1 RIGHT JOIN t1 AS a2 ON a2.c2 = a1.c0 WHERE a1.c0 = '2' ORDER BY 2",
            "SELECT a1.c0, a2.c0, a3.c0 FROM t0 AS a1 JOIN t0 AS a3 ON a3.c0 = a1.c0 RIGHT JOIN t1 AS a2 ON a2.c2 = a1.c0 WHERE a3.c0 IS NULL ORDER BY 2",
        ],
    );
}

/// `%` on non-integer operands takes the integer value of each operand itself: text '1e3'
/// is 1 there (its integer prefix), 100.75 is 100.
#[test]
fn remainder_of_text_and_real() {
    diff(
        "remainder",
        &[
            "SELECT 5 % '1e3', 1005 % '1e3', '1e3' % 7, '1.0e+15' % 100.75, 5 % 2.5e0, 7.5 % 2",
            "SELECT '7.9' % 2, 'x' % '1e3', 5 % '1.9', 1e20 % 7, 7 % 1e20, -9223372036854775808 % -1",
            "SELECT 5 % x'3132', '  12abc' % 5, -7.5 % '2e0', 5 % '-1.5', NULL % 2, 2 % NULL",
            "CREATE TABLE t(a TEXT)",
            "INSERT INTO t VALUES ('1e3'), ('2.5'), ('9e18'), ('x')",
            "SELECT a, 10 % a, a % 3 FROM t ORDER BY rowid",
        ],
    );
}

/// A constant ON term of an inner join is evaluated once before the loops in SQLite 3.40.1,
/// also when a RIGHT/FULL join follows: a false one gives no rows at all. ON terms of outer
/// joins stay with their join.
#[test]
fn constant_inner_on_term_with_right_join() {
    diff(
        "const_on_right_join",
        &[
            "CREATE TABLE a(x)",
            "CREATE TABLE b(y)",
            "CREATE TABLE c(z)",
            "INSERT INTO a VALUES (1)",
            "INSERT INTO b VALUES (1), (2)",
            "INSERT INTO c VALUES (1), (5)",
            "SELECT * FROM a JOIN b ON 0 RIGHT JOIN c ON c.z = b.y",
            "SELECT * FROM a JOIN b ON 1 RIGHT JOIN c ON c.z = b.y ORDER BY 3",
            "SELECT * FROM a JOIN b ON a.x = b.y RIGHT JOIN c ON 0 ORDER BY 3",
            "SELECT * FROM a JOIN b ON a.x = b.y AND 0 RIGHT JOIN c ON c.z = b.y",
            "SELECT * FROM a LEFT JOIN b ON 0 RIGHT JOIN c ON c.z = b.y ORDER BY 3",
            "SELECT * FROM a JOIN b ON ('0x10' IS NULL) RIGHT JOIN c ON c.z = b.y",
            "SELECT * FROM a JOIN b ON (b.y = 7) RIGHT JOIN c ON c.z = b.y ORDER BY 3",
            "SELECT * FROM a FULL JOIN b ON 0 RIGHT JOIN c ON c.z = b.y ORDER BY 3",
            "SELECT * FROM a JOIN b ON 0 FULL JOIN c ON c.z = b.y",
        ],
    );
}

/// Which of two equal rows (1 and 1.0) a compound keeps: without ORDER BY the later row
/// replaces the earlier (INTERSECT/EXCEPT keep the left side's); with ORDER BY the first row
/// of an arm wins within it and a later UNION arm wins over the earlier ones.
#[test]
fn compound_keeps_sqlites_row_of_equal_values() {
    diff(
        "compound_equal_rows",
        &[
            "CREATE TABLE a(x)",
            "INSERT INTO a VALUES (1), (1.0)",
            "CREATE TABLE b(x)",
            "INSERT INTO b VALUES (1.0), (1)",
            "CREATE TABLE c(x)",
            "INSERT INTO c VALUES (2)",
            "SELECT 1 UNION SELECT 1.0",
            "SELECT 1.0 UNION SELECT 1",
            "SELECT 1 INTERSECT SELECT 1.0",
            "SELECT 1.0 INTERSECT SELECT 1",
            "SELECT 1 UNION SELECT 1.0 ORDER BY 1",
            "SELECT 1.0 INTERSECT SELECT 1 ORDER BY 1",
            "SELECT x FROM a UNION SELECT x FROM c ORDER BY 1",
            "SELECT x FROM b UNION SELECT x FROM c ORDER BY 1",
            "SELECT x FROM a UNION SELECT x FROM c",
            "SELECT x FROM b UNION SELECT x FROM c",
            "SELECT x FROM a UNION SELECT x FROM b ORDER BY 1",
            "SELECT x FROM b UNION SELECT x FROM a ORDER BY 1",
            "SELECT x FROM a INTERSECT SELECT x FROM b ORDER BY 1",
            "SELECT x FROM b INTERSECT SELECT x FROM a ORDER BY 1",
            "SELECT x FROM a INTERSECT SELECT x FROM b",
            "SELECT x FROM b INTERSECT SELECT x FROM a",
            "SELECT x FROM a EXCEPT SELECT x FROM c ORDER BY 1",
            "SELECT x FROM b EXCEPT SELECT x FROM c",
            "SELECT x FROM a UNION SELECT x FROM c ORDER BY 1 DESC",
            "SELECT x FROM a UNION ALL SELECT x FROM b UNION SELECT x FROM c ORDER BY 1",
            "SELECT x FROM a UNION ALL SELECT x FROM b UNION SELECT x FROM c",
            "SELECT x FROM c UNION SELECT x FROM a UNION SELECT x FROM b ORDER BY 1",
            "SELECT x FROM c UNION SELECT x FROM b UNION ALL SELECT 3.0 ORDER BY 1",
        ],
    );
}

/// `x NOT IN (SELECT col FROM t)` where SQLite probes an existing index on `col` whose first
/// column is DESC: 3.40.1 looks for a NULL only in the index's first entry (the largest
/// value there), so a NULL among other values is missed.
#[test]
fn not_in_subquery_over_desc_index() {
    diff(
        "in_desc_index",
        &[
            "CREATE TABLE n(z INTEGER, w)",
            "CREATE INDEX nz ON n(z DESC, w)",
            "INSERT INTO n VALUES (NULL, 1), (5, 1)",
            "CREATE TABLE m(z TEXT)",
            "CREATE INDEX mz ON m(z)",
            "INSERT INTO m VALUES (NULL), ('a')",
            "CREATE TABLE k(z)",
            "CREATE INDEX kz ON k(z DESC)",
            "INSERT INTO k VALUES (NULL), (NULL)",
            "SELECT 'NULL' NOT IN (SELECT z FROM n), 'NULL' IN (SELECT z FROM n)",
            "SELECT 7 NOT IN (SELECT z FROM n), 7 NOT IN (SELECT z FROM n WHERE w = 1)",
            "SELECT 'x' NOT IN (SELECT z FROM m), 'x' NOT IN (SELECT z FROM k)",
            "SELECT 'x' NOT IN (SELECT z COLLATE NOCASE FROM n), 'x' NOT IN (SELECT DISTINCT z FROM n)",
            "SELECT (SELECT 9 AS q) NOT IN (SELECT z FROM n)",
            "CREATE INDEX nz2 ON n(z)",
            "SELECT 'NULL' NOT IN (SELECT z FROM n)",
        ],
    );
}

/// Bare columns (and GROUP BY terms shown in the result) come from the first row of the
/// group, or from the row where the last min()/max() became the new min/max; a FILTERed
/// min/max that skips a row does not load it.
#[test]
fn bare_columns_follow_sqlites_rows() {
    diff(
        "bare_columns",
        &[
            "CREATE TABLE t(a, b)",
            "INSERT INTO t VALUES (0, 1), (0.0, 2), (1.0, 3), (1, 4), (2, 5), (7, 0)",
            "SELECT a, count(*) FROM t GROUP BY a",
            "SELECT a, b, count(*) FROM t GROUP BY a",
            "SELECT abs(a), count(*) FROM t GROUP BY abs(a)",
            "SELECT a, max(b) FROM t GROUP BY a",
            "SELECT a, min(b) FROM t GROUP BY a",
            "SELECT a + 0, sum(b) FROM t GROUP BY a + 0",
            "SELECT a, b, count(*) FROM t",
            "SELECT a, max(b) FROM t",
            "SELECT a, min(b), max(b) FROM t",
            "SELECT a, max(b), min(b) FROM t",
            "SELECT a, count(*), max(b) FROM t GROUP BY a",
            "SELECT a, b, min(b), max(b) FROM t GROUP BY a",
            "SELECT a, b, sum(b) FROM t WHERE b > 1",
            "SELECT a, max(b) FILTER (WHERE b < 4) FROM t",
            "SELECT a, max(b) FROM t WHERE 0",
            "SELECT a, max(a) FROM t GROUP BY a",
            "SELECT b, max(a) FROM t GROUP BY a",
            "SELECT a, max(DISTINCT b % 3) FROM t",
            "SELECT a, b FROM t GROUP BY a HAVING max(b) > 1",
        ],
    );
}

/// Collation-sensitive functions (min/max/nullif/instr) take the collation of the first
/// argument that has one; a column always has one (BINARY by default).
#[test]
fn function_collation_from_first_collated_argument() {
    diff(
        "function_collation",
        &[
            "CREATE TABLE t(a COLLATE NOCASE, b)",
            "INSERT INTO t VALUES ('a', 'A'), ('ABC', 'abc')",
            "SELECT min(a, 'X'), min('X', a), max('b', a), min(b, a), min('X', b, a) FROM t ORDER BY rowid",
            "SELECT nullif('abc', a), nullif('A', a), nullif(b, a), nullif(a, b) FROM t ORDER BY rowid",
            "SELECT min(quote(x''), a), min(1 + 0, a), max(upper(b), a) FROM t ORDER BY rowid",
        ],
    );
}
