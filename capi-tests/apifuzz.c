/* Random sequences of C API calls (issue 8 "Fuzzing: the C API sequence"; "API misuse"):
** connections and statements opened, used and closed in random order, bad SQL, out-of-range
** indices, every bind and column type, NULL handles and — with --stale, which only EpilogLite
** survives because SQLite documents it as undefined behaviour — handles used after
** finalize/close. The only expectation is that the process survives and keeps answering.
** Usage: apifuzz <seed> <calls> [--stale] */
#include "sqlite3.h"
#include "check.h"

#define NDB 3
#define NST 8
static sqlite3 *dbs[NDB];
static sqlite3_stmt *sts[NST];
static int st_db[NST];
static sqlite3 *dead_db;
static sqlite3_stmt *dead_st;
static unsigned long long rng;
static unsigned rnd(unsigned n) {
  rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
  return n ? (unsigned)(rng % n) : 0;
}

static const char *SQL[] = {
  "CREATE TABLE IF NOT EXISTS t(a INTEGER PRIMARY KEY, b, c)",
  "CREATE INDEX IF NOT EXISTS tb ON t(b)",
  "INSERT INTO t(b, c) VALUES(?, ?)",
  "INSERT INTO t VALUES(?1, ?2, ?3)",
  "SELECT * FROM t WHERE a > ? ORDER BY b",
  "SELECT count(*), sum(a), group_concat(b) FROM t",
  "UPDATE t SET b = ?2 WHERE a = ?1",
  "DELETE FROM t WHERE a % 3 = ?",
  "SELECT ?, ?2, :x, @y, $z",
  "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT s", "RELEASE s", "ROLLBACK TO s",
  "SELECT * FROM nosuch",
  "SELEC 1",
  "SELECT 1; SELECT 2",
  "",
  "   ",
  "SELECT zeroblob(100000), randomblob(10), printf('%s', ?)",
  "PRAGMA integrity_check",
  "DROP TABLE IF EXISTS t",
  "SELECT abs(-9223372036854775808)",
  "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 1000) SELECT sum(i) FROM n",
  "SELECT (((((((((((((((((((1)))))))))))))))))))",
  "SELECT x'00ff', 'é', 1e308 * 10, -0.0",
};
#define NSQL (int)(sizeof SQL / sizeof SQL[0])

static sqlite3 *pick_db(int stale) {
  unsigned r = rnd(10);
  if (stale && r == 0) return dead_db;
  if (stale && r == 1) return 0;
  return dbs[rnd(NDB)];
}
static sqlite3_stmt *pick_st(int stale, int *slot) {
  unsigned r = rnd(10);
  *slot = -1;
  if (stale && r == 0) return dead_st;
  if (stale && r == 1) return 0;
  int i = rnd(NST);
  *slot = i;
  return sts[i];
}

int main(int argc, char **argv) {
  unsigned long long seed = argc > 1 ? strtoull(argv[1], 0, 10) : 1;
  long calls = argc > 2 ? atol(argv[2]) : 20000;
  int stale = argc > 3 && strcmp(argv[3], "--stale") == 0;
  rng = seed * 2654435761ULL + 1;
  long n = 0;
  for (n = 0; n < calls; n++) {
    int slot;
    unsigned op = rnd(24);
    switch (op) {
    case 0: { /* open */
      int i = rnd(NDB);
      if (dbs[i]) break;
      sqlite3_open_v2(rnd(2) ? ":memory:" : "file:fz?mode=memory&cache=private", &dbs[i],
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI, 0);
      break;
    }
    case 1: { /* close (may be BUSY: statements alive) */
      int i = rnd(NDB);
      if (!dbs[i]) break;
      int live = 0;
      for (int s = 0; s < NST; s++) if (sts[s] && st_db[s] == i) live = 1;
      if (rnd(2)) {
        for (int s = 0; s < NST; s++) if (sts[s] && st_db[s] == i) { sqlite3_finalize(sts[s]); if (stale) dead_st = sts[s]; sts[s] = 0; }
        live = 0;
      }
      int rc = sqlite3_close(dbs[i]);
      if (rc == SQLITE_OK) { if (stale) dead_db = dbs[i]; dbs[i] = 0; }
      else if (!live) { printf("not ok - close failed with no live statements: %d\n", rc); return 1; }
      break;
    }
    case 2: case 3: case 4: { /* prepare */
      int i = rnd(NDB), s = rnd(NST);
      if (!dbs[i] || sts[s]) break;
      const char *tail = 0;
      const char *sql = SQL[rnd(NSQL)];
      int nbyte = rnd(4) == 0 ? (int)rnd(strlen(sql) + 1) : -1;
      if (rnd(2)) sqlite3_prepare_v2(dbs[i], sql, nbyte, &sts[s], &tail);
      else sqlite3_prepare_v3(dbs[i], sql, nbyte, SQLITE_PREPARE_PERSISTENT, &sts[s], &tail);
      st_db[s] = i;
      break;
    }
    case 5: case 6: case 7: { /* step */
      sqlite3_stmt *st = pick_st(stale, &slot);
      if (!st && !stale) break;
      sqlite3_step(st);
      break;
    }
    case 8: { sqlite3_stmt *st = pick_st(stale, &slot); if (st || stale) sqlite3_reset(st); break; }
    case 9: { /* finalize */
      sqlite3_stmt *st = pick_st(stale, &slot);
      if (slot < 0 && !stale) break;
      sqlite3_finalize(st);
      if (slot >= 0 && st) { if (stale) dead_st = st; sts[slot] = 0; }
      else if (slot < 0 && st == dead_st) { /* double finalize: MISUSE */ }
      break;
    }
    case 10: case 11: { /* bind, any index, any type */
      sqlite3_stmt *st = pick_st(stale, &slot);
      if (!st && !stale) break;
      int idx = (int)rnd(7) - 1;
      switch (rnd(8)) {
      case 0: sqlite3_bind_int64(st, idx, (long long)rng); break;
      case 1: sqlite3_bind_double(st, idx, (double)(long long)rng / 7.0); break;
      case 2: sqlite3_bind_text(st, idx, "hello", (int)rnd(7) - 1, SQLITE_TRANSIENT); break;
      case 3: sqlite3_bind_blob(st, idx, "\0\1\2\3", (int)rnd(5), SQLITE_STATIC); break;
      case 4: sqlite3_bind_null(st, idx); break;
      case 5: sqlite3_bind_zeroblob(st, idx, (int)rnd(5000)); break;
      case 6: sqlite3_bind_parameter_name(st, idx); sqlite3_bind_parameter_index(st, ":x"); break;
      default: sqlite3_clear_bindings(st); break;
      }
      break;
    }
    case 12: case 13: { /* column reads, any index */
      sqlite3_stmt *st = pick_st(stale, &slot);
      if (!st && !stale) break;
      int c = (int)rnd(6) - 1;
      switch (rnd(9)) {
      case 0: sqlite3_column_int64(st, c); break;
      case 1: sqlite3_column_double(st, c); break;
      case 2: { const unsigned char *t = sqlite3_column_text(st, c); int b = sqlite3_column_bytes(st, c); if (t && b > 0) rng += t[b - 1]; break; }
      case 3: { const void *p = sqlite3_column_blob(st, c); int b = sqlite3_column_bytes(st, c); if (p && b > 0) rng += ((const unsigned char *)p)[b - 1]; break; }
      case 4: sqlite3_column_type(st, c); sqlite3_column_count(st); sqlite3_data_count(st); break;
      case 5: sqlite3_column_name(st, c); sqlite3_column_decltype(st, c); break;
      case 6: sqlite3_column_text16(st, c); sqlite3_column_bytes16(st, c); break;
      case 7: { sqlite3_value *v = sqlite3_column_value(st, c); if (v) { sqlite3_value *d = sqlite3_value_dup(v); sqlite3_value_type(d); sqlite3_value_free(d); } break; }
      default: sqlite3_sql(st); { char *e = sqlite3_expanded_sql(st); sqlite3_free(e); } sqlite3_stmt_readonly(st); sqlite3_stmt_busy(st); break;
      }
      break;
    }
    case 14: { sqlite3 *db = pick_db(stale); if (db || stale) { sqlite3_errmsg(db); sqlite3_errcode(db); sqlite3_extended_errcode(db); } break; }
    case 15: { sqlite3 *db = pick_db(stale); if (db || stale) { sqlite3_changes(db); sqlite3_total_changes64(db); sqlite3_last_insert_rowid(db); sqlite3_get_autocommit(db); } break; }
    case 16: { sqlite3 *db = pick_db(stale); if (db) { char *err = 0; sqlite3_exec(db, SQL[rnd(NSQL)], 0, 0, &err); sqlite3_free(err); } break; }
    case 17: { sqlite3 *db = pick_db(stale); if (db || stale) sqlite3_busy_timeout(db, (int)rnd(3)); break; }
    case 18: { sqlite3 *db = pick_db(stale); if (db) { char **res = 0; int nr, nc; char *err = 0; sqlite3_get_table(db, SQL[rnd(NSQL)], &res, &nr, &nc, &err); sqlite3_free_table(res); sqlite3_free(err); } break; }
    case 19: { sqlite3 *db = pick_db(stale); if (db || stale) { sqlite3_stmt *p = sqlite3_next_stmt(db, 0); (void)p; } break; }
    case 20: { sqlite3_stmt *st = pick_st(stale, &slot); if (st || stale) { sqlite3_db_handle(st); sqlite3_bind_parameter_count(st); sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, rnd(2)); } break; }
    case 21: { char *s = sqlite3_mprintf("%d %s %q %Q %.*f %lld", (int)rnd(100), "x", "it's", (char *)0, (int)rnd(30), 1.5, (long long)rng); sqlite3_free(s); break; }
    case 22: { sqlite3 *db = pick_db(stale); if (db) sqlite3_limit(db, (int)rnd(14) - 1, (int)rnd(3) ? -1 : (int)rnd(100000)); break; }
    default: { sqlite3 *db = pick_db(stale); if (db) sqlite3_interrupt(db); break; }
    }
  }
  for (int s = 0; s < NST; s++) if (sts[s]) sqlite3_finalize(sts[s]);
  for (int i = 0; i < NDB; i++) if (dbs[i]) CHECK_INT(sqlite3_close(dbs[i]), SQLITE_OK, "close after the run");
  printf("# %ld random API calls survived (seed %llu%s)\n", n, seed, stale ? ", stale handles" : "");
  CHECK(1, "survived");
  DONE();
}
