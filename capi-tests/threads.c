/* Several threads on one connection (serialized mode) and on one file (one connection each):
** no crash, no lost insert, no lost increment.
** Usage: threads <dir>   (a scratch directory for the database files) */
#include "sqlite3.h"
#include "check.h"
#include <pthread.h>

#define NT 4
#define N_SHARED 300
#define N_INC 150

static sqlite3 *shared_db;
static const char *dir;
static int shared_errors[NT];
static int inc_errors[NT];

static void *shared_worker(void *arg) {
  int id = (int)(long)arg;
  for (int i = 0; i < N_SHARED; i++) {
    sqlite3_stmt *st = 0;
    if (sqlite3_prepare_v2(shared_db, "INSERT INTO t(thread, i) VALUES(?1, ?2)", -1, &st, 0) != SQLITE_OK) {
      shared_errors[id]++;
      continue;
    }
    sqlite3_bind_int(st, 1, id);
    sqlite3_bind_int(st, 2, i);
    if (sqlite3_step(st) != SQLITE_DONE) shared_errors[id]++;
    sqlite3_finalize(st);
    if (i % 10 == 0) {
      if (sqlite3_prepare_v2(shared_db, "SELECT count(*), max(i) FROM t WHERE thread = ?1", -1, &st, 0) == SQLITE_OK) {
        sqlite3_bind_int(st, 1, id);
        if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_int(st, 0) != i + 1) shared_errors[id]++;
        sqlite3_finalize(st);
      } else {
        shared_errors[id]++;
      }
      (void)sqlite3_errmsg(shared_db);
      (void)sqlite3_changes(shared_db);
    }
  }
  return 0;
}

static void *inc_worker(void *arg) {
  int id = (int)(long)arg;
  char path[512];
  snprintf(path, sizeof path, "%s/threads-wal.db", dir);
  sqlite3 *db = 0;
  if (sqlite3_open(path, &db) != SQLITE_OK) { inc_errors[id] = N_INC; sqlite3_close(db); return 0; }
  sqlite3_busy_timeout(db, 10000);
  for (int i = 0; i < N_INC; i++) {
    int rc = sqlite3_exec(db, "BEGIN IMMEDIATE; UPDATE c SET n = n + 1, m = m + 1; COMMIT;", 0, 0, 0);
    if (rc != SQLITE_OK) {
      if (inc_errors[id]++ < 3) printf("# thread %d increment %d: rc=%d (%s)\n", id, i, sqlite3_extended_errcode(db), sqlite3_errmsg(db));
      sqlite3_exec(db, "ROLLBACK", 0, 0, 0);
    }
    if (i % 20 == 0) {
      sqlite3_stmt *st = 0;
      if (sqlite3_prepare_v2(db, "SELECT n = m FROM c", -1, &st, 0) == SQLITE_OK) {
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW && sqlite3_column_int(st, 0) != 1) inc_errors[id] += 1000; /* torn read */
        sqlite3_finalize(st);
      }
    }
  }
  sqlite3_close(db);
  return 0;
}

static int query_int(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st = 0;
  int v = -1;
  if (sqlite3_prepare_v2(db, sql, -1, &st, 0) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  return v;
}

int main(int argc, char **argv) {
  pthread_t th[NT];
  char path[512];
  dir = argc > 1 ? argv[1] : ".";
  CHECK(sqlite3_threadsafe() != 0, "library is threadsafe");

  snprintf(path, sizeof path, "%s/threads-shared.db", dir);
  remove(path);
  CHECK_INT(sqlite3_open_v2(path, &shared_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, 0),
            SQLITE_OK, "open shared connection (FULLMUTEX)");
  CHECK_INT(sqlite3_exec(shared_db, "CREATE TABLE t(thread, i); PRAGMA synchronous=OFF;", 0, 0, 0), SQLITE_OK, "create");
  for (long i = 0; i < NT; i++) pthread_create(&th[i], 0, shared_worker, (void *)i);
  for (int i = 0; i < NT; i++) pthread_join(th[i], 0);
  int errs = 0;
  for (int i = 0; i < NT; i++) errs += shared_errors[i];
  CHECK_INT(errs, 0, "no errors from threads sharing one connection");
  CHECK_INT(query_int(shared_db, "SELECT count(*) FROM t"), NT * N_SHARED, "every insert of every thread is there");
  CHECK_INT(query_int(shared_db, "SELECT count(DISTINCT thread || '-' || i) FROM t"), NT * N_SHARED, "no duplicates");
  CHECK_INT(sqlite3_close(shared_db), SQLITE_OK, "close shared connection");

  snprintf(path, sizeof path, "%s/threads-wal.db", dir);
  remove(path);
  {
    char p2[600];
    snprintf(p2, sizeof p2, "%s-wal", path); remove(p2);
    snprintf(p2, sizeof p2, "%s-shm", path); remove(p2);
  }
  sqlite3 *db = 0;
  CHECK_INT(sqlite3_open(path, &db), SQLITE_OK, "open counter db");
  CHECK_INT(sqlite3_exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE c(n, m); INSERT INTO c VALUES(0, 0);", 0, 0, 0),
            SQLITE_OK, "counter table in WAL mode");
  for (long i = 0; i < NT; i++) pthread_create(&th[i], 0, inc_worker, (void *)i);
  for (int i = 0; i < NT; i++) pthread_join(th[i], 0);
  errs = 0;
  for (int i = 0; i < NT; i++) errs += inc_errors[i];
  CHECK_INT(errs, 0, "no failed or torn increments across connections in threads");
  CHECK_INT(query_int(db, "SELECT n FROM c"), NT * N_INC, "counter is exactly threads x increments");
  CHECK_INT(query_int(db, "SELECT m FROM c"), NT * N_INC, "second column kept equal");
  CHECK_INT(sqlite3_close(db), SQLITE_OK, "close counter db");
  DONE();
}
