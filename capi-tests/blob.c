/* sqlite3_blob_*: incremental blob I/O on an in-memory database. The Rust test runs it against
** system SQLite 3.40.1 and EpilogLite and compares the whole output. */
#include "sqlite3.h"
#include "check.h"

static int exec(sqlite3 *db, const char *sql) { return sqlite3_exec(db, sql, 0, 0, 0); }

int main(void) {
  sqlite3 *db = 0;
  sqlite3_blob *b = 0;
  char buf[32];
  int rc;
  CHECK_INT(sqlite3_open(":memory:", &db), SQLITE_OK, "open");
  CHECK_INT(exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, a BLOB, b TEXT, c);"
                     "INSERT INTO t VALUES(1, x'00010203040506070809', 'hello world', NULL);"
                     "INSERT INTO t VALUES(7, zeroblob(5), 'xy', 42);"), SQLITE_OK, "setup");

  rc = sqlite3_blob_open(db, "main", "t", "a", 1, 0, &b);
  CHECK_INT(rc, SQLITE_OK, "open blob row 1 read-only");
  CHECK_INT(sqlite3_blob_bytes(b), 10, "bytes");
  memset(buf, 0, sizeof buf);
  CHECK_INT(sqlite3_blob_read(b, buf, 4, 3), SQLITE_OK, "read 4 at 3");
  CHECK(buf[0] == 3 && buf[1] == 4 && buf[2] == 5 && buf[3] == 6, "read bytes");
  CHECK_INT(sqlite3_blob_read(b, buf, 4, 8), SQLITE_ERROR, "read past end");
  CHECK_INT(sqlite3_blob_read(b, buf, -1, 0), SQLITE_ERROR, "read n<0");
  CHECK_INT(sqlite3_blob_write(b, "zz", 2, 0), SQLITE_READONLY, "write on read-only handle");
  CHECK_INT(sqlite3_blob_reopen(b, 7), SQLITE_OK, "reopen row 7");
  CHECK_INT(sqlite3_blob_bytes(b), 5, "bytes after reopen");
  CHECK_INT(sqlite3_blob_reopen(b, 99), SQLITE_ERROR, "reopen missing row");
  CHECK_STR(sqlite3_errmsg(db), "no such rowid: 99", "reopen errmsg");
  CHECK_INT(sqlite3_blob_read(b, buf, 1, 0), SQLITE_ABORT, "read after failed reopen aborts");
  CHECK_INT(sqlite3_blob_close(b), SQLITE_OK, "close");

  b = 0;
  rc = sqlite3_blob_open(db, "main", "t", "b", 1, 1, &b);
  CHECK_INT(rc, SQLITE_OK, "open text column for writing");
  CHECK_INT(sqlite3_blob_write(b, "HELLO", 5, 0), SQLITE_OK, "write in place");
  CHECK_INT(sqlite3_blob_write(b, "toolong", 7, 8), SQLITE_ERROR, "write past end");
  memset(buf, 0, sizeof buf);
  CHECK_INT(sqlite3_blob_read(b, buf, 11, 0), SQLITE_OK, "read back");
  CHECK_STR(buf, "HELLO world", "handle sees its own write");
  CHECK_INT(sqlite3_blob_close(b), SQLITE_OK, "close writer");
  {
    sqlite3_stmt *st = 0;
    sqlite3_prepare_v2(db, "SELECT b, typeof(b) FROM t WHERE id=1", -1, &st, 0);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW, "row");
    CHECK_STR((const char *)sqlite3_column_text(st, 0), "HELLO world", "write reached the table");
    CHECK_STR((const char *)sqlite3_column_text(st, 1), "text", "storage class kept");
    sqlite3_finalize(st);
  }

  b = (sqlite3_blob *)1;
  CHECK_INT(sqlite3_blob_open(db, "main", "t", "a", 5, 0, &b), SQLITE_ERROR, "missing rowid");
  CHECK(b == 0, "ppBlob NULL on error");
  CHECK_STR(sqlite3_errmsg(db), "no such rowid: 5", "missing rowid errmsg");
  CHECK_INT(sqlite3_blob_open(db, "main", "t", "c", 1, 0, &b), SQLITE_ERROR, "null value");
  CHECK_STR(sqlite3_errmsg(db), "cannot open value of type null", "null errmsg");
  CHECK_INT(sqlite3_blob_open(db, "main", "t", "c", 7, 0, &b), SQLITE_ERROR, "integer value");
  CHECK_STR(sqlite3_errmsg(db), "cannot open value of type integer", "integer errmsg");
  CHECK_INT(sqlite3_blob_open(db, "main", "t", "nope", 1, 0, &b), SQLITE_ERROR, "no such column");
  CHECK_STR(sqlite3_errmsg(db), "no such column: \"nope\"", "no such column errmsg");
  CHECK_INT(sqlite3_blob_open(db, "main", "nosuch", "a", 1, 0, &b), SQLITE_ERROR, "no such table");
  CHECK_STR(sqlite3_errmsg(db), "no such table: main.nosuch", "no such table errmsg");
  CHECK_INT(sqlite3_blob_close(0), SQLITE_OK, "close(NULL)");
  CHECK_INT(sqlite3_close(db), SQLITE_OK, "close db");
  DONE();
}
