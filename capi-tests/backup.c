/* sqlite3_backup_* and sqlite3_serialize/deserialize. Differential: the Rust test runs it
** against system SQLite 3.40.1 and EpilogLite and compares the whole output. */
#include <unistd.h>
#include "sqlite3.h"
#include "check.h"

static int exec(sqlite3 *db, const char *sql) { return sqlite3_exec(db, sql, 0, 0, 0); }
static long long one(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st = 0;
  long long v = -1;
  if (sqlite3_prepare_v2(db, sql, -1, &st, 0) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

int main(void) {
  sqlite3 *src = 0, *dst = 0, *fdb = 0, *mem = 0;
  sqlite3_backup *b;
  char path[256];
  int rc, pc, steps = 0;
  sqlite3_int64 sz = 0;
  unsigned char *img;
  snprintf(path, sizeof path, "/tmp/epl_backup_%d.db", (int)getpid());
  unlink(path);
  CHECK_INT(sqlite3_open(":memory:", &src), SQLITE_OK, "open source");
  rc = exec(src, "CREATE TABLE t(i INTEGER PRIMARY KEY, b BLOB); BEGIN;");
  for (pc = 0; pc < 200 && rc == SQLITE_OK; pc++) rc = exec(src, "INSERT INTO t(b) VALUES(randomblob(300))");
  if (rc == SQLITE_OK) rc = exec(src, "COMMIT; CREATE INDEX ti ON t(b);");
  CHECK_INT(rc, SQLITE_OK, "fill source");
  CHECK_INT(sqlite3_open(":memory:", &dst), SQLITE_OK, "open dest");
  CHECK_INT(exec(dst, "CREATE TABLE old(x); INSERT INTO old VALUES(1);"), SQLITE_OK, "dest has old content");

  CHECK(sqlite3_backup_init(src, "main", src, "main") == 0, "same connection refused");
  CHECK_STR(sqlite3_errmsg(src), "source and destination must be distinct", "same connection errmsg");
  CHECK(sqlite3_backup_init(dst, "main", src, "nosuch") == 0, "unknown source db");
  CHECK_STR(sqlite3_errmsg(dst), "unknown database nosuch", "unknown source errmsg");

  b = sqlite3_backup_init(dst, "main", src, "main");
  CHECK(b != 0, "backup_init");
  rc = sqlite3_backup_step(b, 1);
  CHECK_INT(rc, SQLITE_OK, "step 1 page");
  pc = sqlite3_backup_pagecount(b);
  CHECK(pc > 10, "pagecount after first step");
  CHECK_INT(sqlite3_backup_remaining(b), pc - 1, "remaining = pagecount - 1");
  while ((rc = sqlite3_backup_step(b, 5)) == SQLITE_OK) steps++;
  CHECK_INT(rc, SQLITE_DONE, "stepped to DONE");
  CHECK(steps >= 2, "several steps");
  CHECK_INT(sqlite3_backup_remaining(b), 0, "nothing remaining");
  CHECK_INT(sqlite3_backup_finish(b), SQLITE_OK, "finish");
  CHECK_INT(one(dst, "SELECT count(*) FROM t"), 200, "dest has the rows");
  CHECK_INT(one(dst, "SELECT count(*) FROM sqlite_schema WHERE name='old'"), 0, "old content replaced");
  CHECK_INT(one(dst, "SELECT sum(length(b)) FROM t"), 60000, "blobs copied");
  {
    sqlite3_stmt *st = 0;
    sqlite3_prepare_v2(dst, "PRAGMA integrity_check", -1, &st, 0);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW, "integrity_check row");
    CHECK_STR((const char *)sqlite3_column_text(st, 0), "ok", "dest integrity ok");
    sqlite3_finalize(st);
  }

  /* To a file, in one step; then read it with a fresh connection. */
  CHECK_INT(sqlite3_open(path, &fdb), SQLITE_OK, "open file dest");
  b = sqlite3_backup_init(fdb, "main", src, "main");
  CHECK(b != 0, "backup_init to file");
  CHECK_INT(sqlite3_backup_step(b, -1), SQLITE_DONE, "step(-1) copies everything");
  CHECK_INT(sqlite3_backup_finish(b), SQLITE_OK, "finish file backup");
  sqlite3_close(fdb);
  fdb = 0;
  CHECK_INT(sqlite3_open(path, &fdb), SQLITE_OK, "reopen file");
  CHECK_INT(one(fdb, "SELECT count(*) FROM t"), 200, "file has the rows");
  sqlite3_close(fdb);
  unlink(path);

  /* serialize / deserialize */
  img = sqlite3_serialize(src, "main", &sz, 0);
  CHECK(img != 0, "serialize");
  CHECK(sz > 0 && sz % 4096 == 0, "image size is whole pages");
  CHECK(img && memcmp(img, "SQLite format 3", 16) == 0, "image starts with the header");
  CHECK_INT(sqlite3_open(":memory:", &mem), SQLITE_OK, "open target");
  CHECK_INT(sqlite3_deserialize(mem, "main", img, sz, sz, SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE),
            SQLITE_OK, "deserialize");
  CHECK_INT(one(mem, "SELECT count(*) FROM t"), 200, "deserialized rows");
  CHECK_INT(exec(mem, "INSERT INTO t(b) VALUES(x'01')"), SQLITE_OK, "deserialized db is writable");
  CHECK_INT(one(mem, "SELECT count(*) FROM t"), 201, "write visible");
  img = sqlite3_serialize(mem, "main", &sz, 0);
  CHECK(img != 0, "serialize again");
  CHECK_INT(sqlite3_deserialize(dst, "main", img, sz, sz, SQLITE_DESERIALIZE_READONLY), SQLITE_OK, "deserialize read-only");
  CHECK_INT(one(dst, "SELECT count(*) FROM t"), 201, "read-only image readable");
  CHECK_INT(exec(dst, "INSERT INTO t(b) VALUES(x'02')"), SQLITE_READONLY, "read-only image refuses writes");
  sqlite3_close(dst);
  sqlite3_free(img);
  CHECK(sqlite3_serialize(src, "nosuch", &sz, 0) == 0, "serialize unknown schema");
  sqlite3_close(mem);
  sqlite3_close(src);
  DONE();
}
