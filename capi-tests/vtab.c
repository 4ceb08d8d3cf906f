/* Virtual tables from C: an eponymous series generator (hidden columns, argvIndex/omit,
** idxNum/idxStr, estimatedCost) and a writable key/value table (CREATE VIRTUAL TABLE,
** xUpdate for INSERT/UPDATE/DELETE, sqlite3_vtab_on_conflict, xDestroy on DROP TABLE).
** The printed rows are compared between EpilogLite and SQLite 3.40.1 (differential). */
#include <sqlite3.h>
#include "check.h"

/* ---- series(start, stop, step) ---------------------------------------------------------- */
typedef struct { sqlite3_vtab base; } SeriesTab;
typedef struct { sqlite3_vtab_cursor base; sqlite3_int64 cur, start, stop, step; } SeriesCur;
static int n_best = 0, n_filter = 0, n_destroy_aux = 0;

static int seriesConnect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                         sqlite3_vtab **pp, char **err) {
  (void)aux; (void)argc; (void)argv; (void)err;
  int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(value, start HIDDEN, stop HIDDEN, step HIDDEN)");
  if (rc != SQLITE_OK) return rc;
  SeriesTab *t = sqlite3_malloc(sizeof(*t));
  if (!t) return SQLITE_NOMEM;
  memset(t, 0, sizeof(*t));
  *pp = &t->base;
  return SQLITE_OK;
}
static int seriesDisconnect(sqlite3_vtab *p) { sqlite3_free(p); return SQLITE_OK; }
static int seriesBestIndex(sqlite3_vtab *p, sqlite3_index_info *info) {
  (void)p;
  n_best++;
  int idx = 0, n = 0, i, where[3] = {-1, -1, -1};
  for (i = 0; i < info->nConstraint; i++) {
    const struct sqlite3_index_constraint *c = &info->aConstraint[i];
    if (!c->usable || c->op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    if (c->iColumn >= 1 && c->iColumn <= 3) where[c->iColumn - 1] = i;
  }
  for (i = 0; i < 3; i++) {
    if (where[i] >= 0) {
      info->aConstraintUsage[where[i]].argvIndex = ++n;
      info->aConstraintUsage[where[i]].omit = 1;
      idx |= 1 << i;
    }
  }
  info->idxNum = idx;
  info->idxStr = sqlite3_mprintf("series-%d", idx);
  info->needToFreeIdxStr = 1;
  info->estimatedCost = (idx & 3) == 3 ? 10.0 : 1e9;
  info->estimatedRows = 100;
  return SQLITE_OK;
}
static int seriesOpen(sqlite3_vtab *p, sqlite3_vtab_cursor **pp) {
  (void)p;
  SeriesCur *c = sqlite3_malloc(sizeof(*c));
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, sizeof(*c));
  *pp = &c->base;
  return SQLITE_OK;
}
static int seriesClose(sqlite3_vtab_cursor *c) { sqlite3_free(c); return SQLITE_OK; }
static int seriesFilter(sqlite3_vtab_cursor *pc, int idx, const char *idxStr, int argc, sqlite3_value **argv) {
  SeriesCur *c = (SeriesCur *)pc;
  char want[32];
  n_filter++;
  snprintf(want, sizeof want, "series-%d", idx);
  if (!idxStr || strcmp(idxStr, want) != 0) {
    pc->pVtab->zErrMsg = sqlite3_mprintf("bad idxStr %s", idxStr ? idxStr : "(null)");
    return SQLITE_ERROR;
  }
  int k = 0;
  c->start = 0; c->stop = 0xffffffff; c->step = 1;
  if ((idx & 1) && k < argc) c->start = sqlite3_value_int64(argv[k++]);
  if ((idx & 2) && k < argc) c->stop = sqlite3_value_int64(argv[k++]);
  if ((idx & 4) && k < argc) c->step = sqlite3_value_int64(argv[k++]);
  if (c->step < 1) c->step = 1;
  c->cur = c->start;
  return SQLITE_OK;
}
static int seriesNext(sqlite3_vtab_cursor *pc) { SeriesCur *c = (SeriesCur *)pc; c->cur += c->step; return SQLITE_OK; }
static int seriesEof(sqlite3_vtab_cursor *pc) { SeriesCur *c = (SeriesCur *)pc; return c->cur > c->stop; }
static int seriesColumn(sqlite3_vtab_cursor *pc, sqlite3_context *ctx, int i) {
  SeriesCur *c = (SeriesCur *)pc;
  sqlite3_int64 v = i == 0 ? c->cur : i == 1 ? c->start : i == 2 ? c->stop : c->step;
  sqlite3_result_int64(ctx, v);
  return SQLITE_OK;
}
static int seriesRowid(sqlite3_vtab_cursor *pc, sqlite3_int64 *r) { *r = ((SeriesCur *)pc)->cur; return SQLITE_OK; }

static sqlite3_module seriesModule = {
  0, 0, seriesConnect, seriesBestIndex, seriesDisconnect, 0, seriesOpen, seriesClose,
  seriesFilter, seriesNext, seriesEof, seriesColumn, seriesRowid,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
};

/* ---- kv: a writable table kept in memory ------------------------------------------------ */
#define KV_MAX 64
typedef struct { sqlite3_int64 id; char *k; sqlite3_int64 v; int used; } KvRow;
typedef struct { sqlite3_vtab base; KvRow rows[KV_MAX]; sqlite3 *db; int last_conflict; } KvTab;
typedef struct { sqlite3_vtab_cursor base; int i; } KvCur;
static int kv_destroyed = 0;

static int kvCreate(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **pp, char **err) {
  (void)aux;
  if (argc >= 4 && strcmp(argv[3], "fail") == 0) {
    *err = sqlite3_mprintf("kv: refused to create %s", argv[2]);
    return SQLITE_ERROR;
  }
  int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(k TEXT, v INTEGER)");
  if (rc != SQLITE_OK) return rc;
  KvTab *t = sqlite3_malloc(sizeof(*t));
  if (!t) return SQLITE_NOMEM;
  memset(t, 0, sizeof(*t));
  t->db = db;
  *pp = &t->base;
  return SQLITE_OK;
}
static int kvDisconnect(sqlite3_vtab *p) {
  KvTab *t = (KvTab *)p;
  for (int i = 0; i < KV_MAX; i++) sqlite3_free(t->rows[i].k);
  sqlite3_free(p);
  return SQLITE_OK;
}
static int kvDestroy(sqlite3_vtab *p) { kv_destroyed++; return kvDisconnect(p); }
static int kvBestIndex(sqlite3_vtab *p, sqlite3_index_info *info) { (void)p; info->estimatedCost = 100; return SQLITE_OK; }
static int kvOpen(sqlite3_vtab *p, sqlite3_vtab_cursor **pp) {
  (void)p;
  KvCur *c = sqlite3_malloc(sizeof(*c));
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, sizeof(*c));
  *pp = &c->base;
  return SQLITE_OK;
}
static int kvClose(sqlite3_vtab_cursor *c) { sqlite3_free(c); return SQLITE_OK; }
static void kvSkip(KvCur *c) {
  KvTab *t = (KvTab *)c->base.pVtab;
  while (c->i < KV_MAX && !t->rows[c->i].used) c->i++;
}
static int kvFilter(sqlite3_vtab_cursor *pc, int idx, const char *s, int argc, sqlite3_value **argv) {
  (void)idx; (void)s; (void)argc; (void)argv;
  KvCur *c = (KvCur *)pc; c->i = 0; kvSkip(c); return SQLITE_OK;
}
static int kvNext(sqlite3_vtab_cursor *pc) { KvCur *c = (KvCur *)pc; c->i++; kvSkip(c); return SQLITE_OK; }
static int kvEof(sqlite3_vtab_cursor *pc) { return ((KvCur *)pc)->i >= KV_MAX; }
static int kvColumn(sqlite3_vtab_cursor *pc, sqlite3_context *ctx, int i) {
  KvCur *c = (KvCur *)pc;
  KvRow *r = &((KvTab *)pc->pVtab)->rows[c->i];
  if (i == 0) sqlite3_result_text(ctx, r->k, -1, SQLITE_TRANSIENT);
  else sqlite3_result_int64(ctx, r->v);
  return SQLITE_OK;
}
static int kvRowid(sqlite3_vtab_cursor *pc, sqlite3_int64 *r) {
  KvCur *c = (KvCur *)pc; *r = ((KvTab *)pc->pVtab)->rows[c->i].id; return SQLITE_OK;
}
static KvRow *kvFind(KvTab *t, sqlite3_int64 id) {
  for (int i = 0; i < KV_MAX; i++) if (t->rows[i].used && t->rows[i].id == id) return &t->rows[i];
  return 0;
}
static int kvUpdate(sqlite3_vtab *p, int argc, sqlite3_value **argv, sqlite3_int64 *pRowid) {
  KvTab *t = (KvTab *)p;
  t->last_conflict = sqlite3_vtab_on_conflict(t->db);
  if (argc == 1) {
    KvRow *r = kvFind(t, sqlite3_value_int64(argv[0]));
    if (r) { sqlite3_free(r->k); memset(r, 0, sizeof(*r)); }
    return SQLITE_OK;
  }
  if (sqlite3_value_type(argv[2]) == SQLITE_NULL) {
    p->zErrMsg = sqlite3_mprintf("kv: k may not be NULL");
    return SQLITE_CONSTRAINT;
  }
  KvRow *r = 0;
  sqlite3_int64 id;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    if (sqlite3_value_type(argv[1]) == SQLITE_NULL) {
      id = 1;
      for (int i = 0; i < KV_MAX; i++) if (t->rows[i].used && t->rows[i].id >= id) id = t->rows[i].id + 1;
    } else id = sqlite3_value_int64(argv[1]);
    for (int i = 0; i < KV_MAX && !r; i++) if (!t->rows[i].used) r = &t->rows[i];
    if (!r) return SQLITE_FULL;
    *pRowid = id;
  } else {
    r = kvFind(t, sqlite3_value_int64(argv[0]));
    if (!r) return SQLITE_OK;
    id = sqlite3_value_int64(argv[1]);
    sqlite3_free(r->k);
  }
  r->used = 1;
  r->id = id;
  r->k = sqlite3_mprintf("%s", sqlite3_value_text(argv[2]));
  r->v = sqlite3_value_int64(argv[3]);
  return SQLITE_OK;
}

static sqlite3_module kvModule = {
  0, kvCreate, kvCreate, kvBestIndex, kvDisconnect, kvDestroy, kvOpen, kvClose,
  kvFilter, kvNext, kvEof, kvColumn, kvRowid, kvUpdate,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0
};

static void aux_destroy(void *p) { (void)p; n_destroy_aux++; }

static int print_rows(void *u, int n, char **v, char **names) {
  (void)u; (void)names;
  for (int i = 0; i < n; i++) printf("%s%s", i ? "|" : "", v[i] ? v[i] : "NULL");
  printf("\n");
  return 0;
}

static void q(sqlite3 *db, const char *sql) {
  char *err = 0;
  printf("> %s\n", sql);
  int rc = sqlite3_exec(db, sql, print_rows, 0, &err);
  if (rc != SQLITE_OK) printf("error %d: %s\n", rc, err ? err : "(none)");
  sqlite3_free(err);
}

int main(void) {
  sqlite3 *db;
  CHECK_INT(sqlite3_open(":memory:", &db), SQLITE_OK, "open");
  CHECK_INT(sqlite3_create_module_v2(db, "series", &seriesModule, (void *)1, aux_destroy), SQLITE_OK,
            "create_module_v2 series");
  CHECK_INT(sqlite3_create_module(db, "kv", &kvModule, 0), SQLITE_OK, "create_module kv");
  q(db, "SELECT value FROM series(1, 5)");
  q(db, "SELECT value FROM series(0, 20, 7)");
  q(db, "SELECT * FROM series WHERE start = 3 AND stop = 5");
  q(db, "SELECT value, stop FROM series(1, 3) WHERE value <> 2");
  q(db, "SELECT s.value, t.value FROM series(1, 2) s, series(10, 11) t");
  q(db, "SELECT a.value, b.value FROM series(1, 3) a JOIN series(1, a.value) b");
  q(db, "SELECT count(*), sum(value) FROM series(1, 100)");
  q(db, "SELECT rowid FROM series(5, 6)");
  q(db, "SELECT value FROM series(1, 2, 3, 4)");
  CHECK(n_best > 0 && n_filter > 0, "xBestIndex and xFilter were called");

  q(db, "CREATE VIRTUAL TABLE kv1 USING kv(some, 'args here')");
  q(db, "SELECT type, name, tbl_name, rootpage, sql FROM sqlite_schema");
  q(db, "INSERT INTO kv1 VALUES('a', 1), ('b', 2)");
  printf("changes %d last_insert_rowid %lld\n", sqlite3_changes(db), sqlite3_last_insert_rowid(db));
  q(db, "INSERT INTO kv1(rowid, k, v) VALUES(10, 'c', 3)");
  printf("last_insert_rowid %lld\n", sqlite3_last_insert_rowid(db));
  q(db, "SELECT rowid, * FROM kv1 ORDER BY rowid");
  q(db, "UPDATE kv1 SET v = v * 100 WHERE k <> 'a'");
  printf("changes %d\n", sqlite3_changes(db));
  q(db, "SELECT rowid, k, v FROM kv1 ORDER BY k");
  q(db, "DELETE FROM kv1 WHERE v > 150");
  printf("changes %d\n", sqlite3_changes(db));
  q(db, "SELECT rowid, k, v FROM kv1 ORDER BY k");
  q(db, "INSERT INTO kv1 VALUES(NULL, 5)");
  q(db, "SELECT count(*) FROM kv1");
  q(db, "SELECT k, s.value FROM kv1, series(1, kv1.v) s ORDER BY 1, 2");
  q(db, "CREATE VIRTUAL TABLE kv2 USING kv(fail)");
  q(db, "CREATE VIRTUAL TABLE kv3 USING nosuchmodule");
  q(db, "CREATE VIRTUAL TABLE kv1 USING kv");
  q(db, "CREATE VIRTUAL TABLE IF NOT EXISTS kv1 USING kv");
  q(db, "DROP TABLE kv1");
  CHECK_INT(kv_destroyed, 1, "xDestroy ran on DROP TABLE");
  q(db, "SELECT count(*) FROM sqlite_schema");
  q(db, "SELECT * FROM kv1");
  /* Replacing / dropping modules (json_each, registered by SQLite on each connection, goes
  ** too); client-data destructors have all run once the connection is closed. */
  CHECK_INT(sqlite3_create_module_v2(db, "series", &seriesModule, (void *)2, aux_destroy), SQLITE_OK,
            "re-register series");
  const char *keep[] = {"kv", 0};
  CHECK_INT(sqlite3_drop_modules(db, (const char **)keep), SQLITE_OK, "drop_modules keep kv");
  q(db, "SELECT value FROM series(1, 2)");
  q(db, "SELECT count(*) FROM json_each('[1,2,3]')");
  CHECK_INT(sqlite3_close(db), SQLITE_OK, "close");
  CHECK_INT(n_destroy_aux, 2, "client-data destructors ran by close");
  DONE();
}
