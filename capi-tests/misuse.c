/* Handle misuse must give SQLITE_MISUSE (and a "misuse at line" log), never a crash.
** Usage: misuse [--system]   (--system skips use-after-free checks, UB in real SQLite). */
#include "sqlite3.h"
#include "check.h"

static int nlog = 0;
static int last_code = 0;
static char last_msg[256];
static void logger(void *arg, int code, const char *msg) {
  (void)arg;
  nlog++;
  last_code = code;
  snprintf(last_msg, sizeof last_msg, "%s", msg);
}

int main(int argc, char **argv) {
  int system_lib = argc > 1 && strcmp(argv[1], "--system") == 0;
  sqlite3 *db = 0;
  int rc;
  CHECK_INT(sqlite3_config(SQLITE_CONFIG_LOG, logger, (void *)0), SQLITE_OK, "config LOG before initialize");
  sqlite3_log(SQLITE_WARNING, "hello %d %s", 42, "log");
  CHECK_INT(last_code, SQLITE_WARNING, "sqlite3_log reaches the logger");
  CHECK_STR(last_msg, "hello 42 log", "sqlite3_log formats");

  rc = sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 0);
  CHECK(db != 0, "open gives a handle even when it fails");
  if (rc != SQLITE_OK) {
    printf("# engine cannot open yet: rc=%d %s\n", rc, sqlite3_errmsg(db));
    CHECK_INT(sqlite3_errcode(db), rc, "errcode after failed open");
    {
      int v = -7;
      CHECK_INT(sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, &v), SQLITE_OK, "db_config DEFENSIVE on");
      CHECK_INT(v, 1, "db_config reports DEFENSIVE on");
      CHECK_INT(sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, -1, &v), SQLITE_OK, "db_config query");
      CHECK_INT(v, 1, "db_config query keeps it");
      CHECK_INT(sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, -1, &v), SQLITE_OK, "db_config TRIGGER query");
      CHECK_INT(v, 1, "ENABLE_TRIGGER defaults on");
      CHECK_INT(sqlite3_db_config(db, 9999, 0, 0), SQLITE_ERROR, "db_config unknown op");
    }
    CHECK_INT(sqlite3_close(db), SQLITE_OK, "close after failed open");
    if (!system_lib) {
      nlog = 0;
      CHECK_INT(sqlite3_close(db), SQLITE_MISUSE, "double close is MISUSE");
      CHECK_INT(sqlite3_errcode(db), SQLITE_MISUSE, "errcode on closed handle is MISUSE");
      CHECK_STR(sqlite3_errmsg(db), "bad parameter or other API misuse", "errmsg on closed handle");
      CHECK(nlog > 0 && strncmp(last_msg, "misuse at line ", 15) == 0, "misuse is logged");
      CHECK(strstr(last_msg, "[df5c253c0b]") != 0, "misuse log names the source id");
    }
    DONE();
  }
  {
    sqlite3_stmt *st = 0, *st2 = 0;
    const char *tail = 0;
    CHECK_INT(sqlite3_prepare_v2(db, "select ?1, ?2; select 2", -1, &st, &tail), SQLITE_OK, "prepare");
    CHECK_STR(tail, " select 2", "tail points after the first statement");
    nlog = 0;
    CHECK_INT(sqlite3_prepare_v2(db, 0, -1, &st2, 0), SQLITE_MISUSE, "prepare NULL sql is MISUSE");
    CHECK(st2 == 0, "prepare failure leaves *ppStmt NULL");
    CHECK(nlog > 0 && strncmp(last_msg, "misuse at line ", 15) == 0, "prepare misuse logged");
    CHECK_INT(sqlite3_bind_int(st, 0, 1), SQLITE_RANGE, "bind index 0 is RANGE");
    CHECK_INT(sqlite3_bind_int(st, 3, 1), SQLITE_RANGE, "bind index too large is RANGE");
    CHECK_INT(sqlite3_bind_int(st, 2, 1), SQLITE_OK, "bind in range");
    CHECK_INT(sqlite3_step(st), SQLITE_ROW, "step");
    CHECK_INT(sqlite3_bind_int(st, 1, 1), SQLITE_MISUSE, "bind on a running statement is MISUSE");
    CHECK(sqlite3_column_text(st, 5) == 0, "column out of range is NULL");
    CHECK_INT(sqlite3_column_int(st, -1), 0, "column -1 is 0");
    CHECK_INT(sqlite3_column_type(st, 9), SQLITE_NULL, "column_type out of range is NULL");
    CHECK_INT(sqlite3_close(db), SQLITE_BUSY, "close with a live statement is BUSY");
    CHECK_STR(sqlite3_errmsg(db), "unable to close due to unfinalized statements or unfinished backups", "BUSY message");
    CHECK(sqlite3_next_stmt(db, 0) == st, "next_stmt");
    CHECK_INT(sqlite3_close_v2(db), SQLITE_OK, "close_v2 with a live statement defers");
    CHECK_INT(sqlite3_step(st), SQLITE_DONE, "statement still works on a zombie connection");
    CHECK_INT(sqlite3_finalize(st), SQLITE_OK, "finalize closes the zombie connection");
    if (!system_lib) {
      CHECK_INT(sqlite3_step(st), SQLITE_MISUSE, "step after finalize is MISUSE");
      CHECK_INT(sqlite3_finalize(st), SQLITE_MISUSE, "double finalize is MISUSE");
      CHECK_INT(sqlite3_close(db), SQLITE_MISUSE, "close after deferred close is MISUSE");
    }
  }
  DONE();
}
