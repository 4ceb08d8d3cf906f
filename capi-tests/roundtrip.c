/* Engine round trips through the C API: bind -> store -> column, exec, errors, user functions,
** collations, UTF-16. Prints every observed value so the Rust test can compare the output with
** system SQLite 3.40.1's (differential). Exits 0 with "# engine cannot open" if open fails. */
#include "sqlite3.h"
#include "check.h"

static int exec_rows = 0;
static int exec_cb(void *arg, int n, char **vals, char **names) {
  int i;
  (void)arg;
  exec_rows++;
  for (i = 0; i < n; i++) printf("exec %s=%s\n", names[i], vals[i] ? vals[i] : "NULL");
  return 0;
}
static int abort_cb(void *arg, int n, char **vals, char **names) {
  (void)arg; (void)n; (void)vals; (void)names;
  return 1;
}

static void half(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) { sqlite3_result_null(ctx); return; }
  if (sqlite3_value_type(argv[0]) == SQLITE_TEXT) { sqlite3_result_error(ctx, "half() wants a number", -1); return; }
  sqlite3_result_double(ctx, sqlite3_value_double(argv[0]) / 2 * *(double *)sqlite3_user_data(ctx));
}
static int destroyed = 0;
static void on_destroy(void *p) { (void)p; destroyed++; }

typedef struct { long long sum; int n; } Acc;
static void sum_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  Acc *a = sqlite3_aggregate_context(ctx, sizeof *a);
  (void)argc;
  a->sum += sqlite3_value_int64(argv[0]);
  a->n++;
}
static void sum_final(sqlite3_context *ctx) {
  Acc *a = sqlite3_aggregate_context(ctx, 0);
  if (!a) { sqlite3_result_int(ctx, -1); return; }
  sqlite3_result_text(ctx, sqlite3_mprintf("%lld/%d", a->sum, a->n), -1, sqlite3_free);
}
static int rev_cmp(void *arg, int n1, const void *a, int n2, const void *b) {
  int r = memcmp(a, b, n1 < n2 ? n1 : n2);
  (void)arg;
  if (r == 0) r = n1 - n2;
  return -r;
}
static int trace_cb(unsigned m, void *ctx, void *p, void *x) {
  (void)ctx; (void)p;
  if (m == SQLITE_TRACE_STMT) printf("trace stmt: %s\n", (const char *)x);
  else if (m == SQLITE_TRACE_ROW) printf("trace row\n");
  else if (m == SQLITE_TRACE_PROFILE) printf("trace profile\n");
  else if (m == SQLITE_TRACE_CLOSE) printf("trace close\n");
  return 0;
}
static int progress_calls = 0;
static int progress_cb(void *arg) { (void)arg; progress_calls++; return 1; }
static int freed = 0;
static void count_free(void *p) { freed++; free(p); }

int main(void) {
  sqlite3 *db = 0;
  sqlite3_stmt *st = 0;
  char *err = 0;
  int rc, i;
  double factor = 1.0;
  rc = sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 0);
  if (rc != SQLITE_OK) {
    printf("# engine cannot open: %d\n", rc);
    sqlite3_close(db);
    return 0;
  }
  {
    int v = -7;
    CHECK_INT(sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_FKEY, -1, &v), SQLITE_OK, "db_config FKEY query");
    CHECK_INT(v, 0, "foreign keys default off");
    CHECK_INT(sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, &v), SQLITE_OK, "db_config DEFENSIVE");
    CHECK_INT(v, 1, "DEFENSIVE on");
    CHECK_INT(sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 0, &v), SQLITE_OK, "db_config DEFENSIVE off");
    CHECK_INT(v, 0, "DEFENSIVE off");
    CHECK_STR(sqlite3_db_filename(db, "main"), "", "db_filename of :memory: is empty");
    CHECK_INT(sqlite3_db_readonly(db, "main"), 0, "db_readonly main");
    CHECK_INT(sqlite3_db_readonly(db, "nosuch"), -1, "db_readonly unknown");
  }
  CHECK_INT(sqlite3_exec(db, "create table t(a, b, c); create table u(x text)", 0, 0, &err), SQLITE_OK, "exec create");
  CHECK_INT(sqlite3_prepare_v2(db, "insert into t values(?, ?, :c)", -1, &st, 0), SQLITE_OK, "prepare insert");
  CHECK_INT(sqlite3_bind_parameter_count(st), 3, "parameter_count");
  CHECK_STR(sqlite3_bind_parameter_name(st, 3), ":c", "parameter_name");
  CHECK_INT(sqlite3_bind_parameter_index(st, ":c"), 3, "parameter_index");
  {
    long long ints[] = {0, 1, -1, 9223372036854775807LL, -9223372036854775807LL - 1};
    for (i = 0; i < 5; i++) {
      sqlite3_bind_int64(st, 1, ints[i]);
      sqlite3_bind_double(st, 2, ints[i] * 0.5 + 0.25);
      sqlite3_bind_null(st, 3);
      CHECK_INT(sqlite3_step(st), SQLITE_DONE, "insert int64 row");
      sqlite3_reset(st);
    }
    char *heap = malloc(8);
    memcpy(heap, "a\0b\0cde", 8);
    CHECK_INT(sqlite3_bind_text(st, 1, heap, 5, count_free), SQLITE_OK, "bind text with embedded NUL and destructor");
    sqlite3_bind_blob(st, 2, "\x00\x01\x02\xff", 4, SQLITE_TRANSIENT);
    sqlite3_bind_text16(st, 3, u"h\u00e9llo", -1, SQLITE_STATIC);
    CHECK_INT(sqlite3_step(st), SQLITE_DONE, "insert text/blob/utf16 row");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    sqlite3_bind_zeroblob(st, 2, 3);
    CHECK_INT(sqlite3_step(st), SQLITE_DONE, "insert zeroblob row");
  }
  CHECK_INT(sqlite3_finalize(st), SQLITE_OK, "finalize insert");
  CHECK_INT(freed, 1, "text destructor called by finalize at the latest");
  CHECK_INT(sqlite3_changes(db), 1, "changes");
  CHECK_INT(sqlite3_last_insert_rowid(db), 7, "last_insert_rowid");
  CHECK_INT(sqlite3_total_changes(db), 7, "total_changes");
  CHECK_INT(sqlite3_prepare_v2(db, "select a, b, c, typeof(a) from t order by rowid", -1, &st, 0), SQLITE_OK, "prepare select");
  CHECK_INT(sqlite3_column_count(st), 4, "column_count");
  CHECK_STR(sqlite3_column_name(st, 3), "typeof(a)", "column_name");
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    /* One accessor per statement: argument evaluation order is unspecified in C, and a
    ** conversion (e.g. to UTF-16) may invalidate an earlier text pointer (SQLite's rule). */
    int ta = sqlite3_column_type(st, 0), tb = sqlite3_column_type(st, 1), tc = sqlite3_column_type(st, 2);
    long long a64 = sqlite3_column_int64(st, 0);
    const char *a = (const char *)sqlite3_column_text(st, 0);
    int abytes = sqlite3_column_bytes(st, 0);
    double b = sqlite3_column_double(st, 1);
    printf("row data_count=%d types=%d,%d,%d", sqlite3_data_count(st), ta, tb, tc);
    printf(" a64=%lld a=%s abytes=%d", a64, a ? a : "NULL", abytes);
    printf(" b=%.17g", b);
    if (tb == SQLITE_BLOB) {
      const unsigned char *p = sqlite3_column_blob(st, 1);
      int k, n = sqlite3_column_bytes(st, 1);
      printf(" bbytes=%d blob=", n);
      for (k = 0; k < n; k++) printf("%02x", p[k]);
    } else {
      const char *bt = (const char *)sqlite3_column_text(st, 1);
      printf(" btext=%s", bt ? bt : "NULL");
      printf(" bbytes=%d", sqlite3_column_bytes(st, 1));
    }
    {
      const char *c = (const char *)sqlite3_column_text(st, 2);
      printf(" c=%s", c ? c : "NULL");
      printf(" c16bytes=%d\n", sqlite3_column_bytes16(st, 2));
    }
  }
  CHECK_INT(rc, SQLITE_DONE, "select done");
  CHECK_INT(sqlite3_step(st), SQLITE_ROW, "step after DONE auto-resets");
  CHECK_INT(sqlite3_finalize(st), SQLITE_OK, "finalize select");

  exec_rows = 0;
  CHECK_INT(sqlite3_exec(db, "select a, c from t where rowid <= 2", exec_cb, 0, &err), SQLITE_OK, "exec with callback");
  CHECK_INT(exec_rows, 2, "exec callback rows");
  CHECK_INT(sqlite3_exec(db, "select 1 union all select 2", abort_cb, 0, &err), SQLITE_ABORT, "exec abort");
  CHECK_STR(err, "query aborted", "exec abort message");
  sqlite3_free(err);
  err = 0;
  CHECK_INT(sqlite3_exec(db, "select * frm t", 0, 0, &err), SQLITE_ERROR, "syntax error");
  CHECK_STR(err, "near \"frm\": syntax error", "syntax error message");
  sqlite3_free(err);
  CHECK_INT(sqlite3_error_offset(db), 9, "error_offset");
  CHECK_INT(sqlite3_prepare_v2(db, "select * from nosuch", -1, &st, 0), SQLITE_ERROR, "no such table");
  CHECK_STR(sqlite3_errmsg(db), "no such table: nosuch", "no such table message");

  CHECK_INT(sqlite3_create_function_v2(db, "half", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, &factor, half, 0, 0, on_destroy), SQLITE_OK, "create_function_v2");
  CHECK_INT(sqlite3_create_function(db, "mysum", 1, SQLITE_UTF8, 0, 0, sum_step, sum_final), SQLITE_OK, "create aggregate");
  CHECK_INT(sqlite3_prepare_v2(db, "select half(7), half(null), mysum(a) from (select 1 a union all select 2 union all select 40)", -1, &st, 0), SQLITE_OK, "prepare udf");
  CHECK_INT(sqlite3_step(st), SQLITE_ROW, "udf step");
  CHECK(sqlite3_column_double(st, 0) == 3.5, "scalar udf result");
  CHECK_INT(sqlite3_column_type(st, 1), SQLITE_NULL, "udf null");
  CHECK_STR((const char *)sqlite3_column_text(st, 2), "43/3", "aggregate udf result");
  sqlite3_finalize(st);
  CHECK_INT(sqlite3_exec(db, "select half('x')", 0, 0, &err), SQLITE_ERROR, "udf error");
  CHECK_STR(err, "half() wants a number", "udf error message");
  sqlite3_free(err);
  CHECK_INT(sqlite3_create_collation(db, "rev", SQLITE_UTF8, 0, rev_cmp), SQLITE_OK, "create_collation");
  CHECK_INT(sqlite3_exec(db, "insert into u values('a'),('c'),('b')", 0, 0, 0), SQLITE_OK, "insert for collation");
  exec_rows = 0;
  CHECK_INT(sqlite3_exec(db, "select x from u order by x collate rev", exec_cb, 0, 0), SQLITE_OK, "order by custom collation");
  CHECK_INT(sqlite3_prepare16_v2(db, u"select 'h\u00e9', ?", -1, &st, 0), SQLITE_OK, "prepare16");
  sqlite3_bind_text(st, 1, "x", -1, SQLITE_STATIC);
  CHECK_INT(sqlite3_step(st), SQLITE_ROW, "prepare16 step");
  CHECK_INT(sqlite3_column_bytes16(st, 0), 4, "column_bytes16");
  CHECK(memcmp(sqlite3_column_text16(st, 0), u"h\u00e9", 6) == 0, "column_text16");
  CHECK_INT(sqlite3_column_bytes(st, 0), 3, "column_bytes of UTF-8");
  {
    char *x = sqlite3_expanded_sql(st);
    CHECK_STR(x, "select 'hé', 'x'", "expanded_sql");
    sqlite3_free(x);
  }
  CHECK_STR(sqlite3_sql(st), "select 'hé', ?", "sql");
  sqlite3_finalize(st);
  /* Error state after each call, as SQLite sets it. */
  sqlite3_prepare_v2(db, "select ?", -1, &st, 0);
  sqlite3_bind_int(st, 5, 1);
  printf("after RANGE bind: %d %s\n", sqlite3_errcode(db), sqlite3_errmsg(db));
  sqlite3_bind_int(st, 1, 1);
  printf("after good bind: %d %s\n", sqlite3_errcode(db), sqlite3_errmsg(db));
  rc = sqlite3_step(st);
  printf("step %d: %d %s\n", rc, sqlite3_errcode(db), sqlite3_errmsg(db));
  sqlite3_column_int(st, 7);
  printf("column out of range: %d %s\n", sqlite3_errcode(db), sqlite3_errmsg(db));
  rc = sqlite3_step(st);
  printf("step %d: %d %s\n", rc, sqlite3_errcode(db), sqlite3_errmsg(db));
  rc = sqlite3_reset(st);
  printf("reset %d: %d %s\n", rc, sqlite3_errcode(db), sqlite3_errmsg(db));
  sqlite3_finalize(st);
  printf("finalize: %d %s\n", sqlite3_errcode(db), sqlite3_errmsg(db));
  CHECK_INT(sqlite3_exec(db, "select 1", 0, 0, 0), SQLITE_OK, "exec ok");
  printf("after exec: %d %s\n", sqlite3_errcode(db), sqlite3_errmsg(db));
  {
    /* sqlite3_sql is exactly the text prepare consumed; the tail is the rest. */
    static const char *cases[] = {"BEGIN ", "  select 1 ;  select 2", "select 1 -- c\n", "/* x */ select 3;", 0};
    const char *tail = 0;
    for (i = 0; cases[i]; i++) {
      CHECK_INT(sqlite3_prepare_v2(db, cases[i], -1, &st, &tail), SQLITE_OK, "prepare for sqlite3_sql");
      printf("sql [%s] tail [%s]\n", sqlite3_sql(st), tail);
      sqlite3_finalize(st);
    }
  }
  CHECK_INT(sqlite3_trace_v2(db, SQLITE_TRACE_STMT | SQLITE_TRACE_ROW | SQLITE_TRACE_PROFILE | SQLITE_TRACE_CLOSE, trace_cb, 0), SQLITE_OK, "trace_v2");
  CHECK_INT(sqlite3_exec(db, "select 1 union all select 2", 0, 0, 0), SQLITE_OK, "traced exec");
  sqlite3_prepare_v2(db, "select ?", -1, &st, 0);
  sqlite3_bind_int(st, 1, 7);
  CHECK_INT(sqlite3_step(st), SQLITE_ROW, "traced step");
  CHECK_INT(sqlite3_step(st), SQLITE_DONE, "traced step done");
  sqlite3_finalize(st);
  sqlite3_trace_v2(db, 0, 0, 0);
  sqlite3_progress_handler(db, 1, progress_cb, 0);
  CHECK_INT(sqlite3_exec(db, "create table p(x)", 0, 0, 0), SQLITE_INTERRUPT, "progress handler returning 1 interrupts");
  CHECK_STR(sqlite3_errmsg(db), "interrupted", "interrupted message");
  CHECK(progress_calls > 0, "progress handler called");
  sqlite3_progress_handler(db, 0, 0, 0);
  CHECK_INT(sqlite3_get_autocommit(db), 1, "autocommit");
  CHECK_INT(sqlite3_exec(db, "begin", 0, 0, 0), SQLITE_OK, "begin");
  CHECK_INT(sqlite3_get_autocommit(db), 0, "in transaction");
  CHECK_INT(sqlite3_exec(db, "commit", 0, 0, 0), SQLITE_OK, "commit");
  sqlite3_trace_v2(db, SQLITE_TRACE_CLOSE, trace_cb, 0);
  CHECK_INT(sqlite3_close(db), SQLITE_OK, "close");
  CHECK_INT(destroyed, 1, "function destructor ran at close");
  DONE();
}
