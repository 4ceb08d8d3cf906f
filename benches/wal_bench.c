/* WAL-mode benchmark (issue 6), synchronous=NORMAL, on whichever libsqlite3.so.0 the dynamic
 * linker gives it (benches/wal_run.sh runs it on the system SQLite and on EpilogLite):
 *   txn      single-row INSERT transactions (autocommit, prepared statement): txn/s
 *   batch    100,000 INSERTs in one transaction: rows/s
 *   readers  4 reader threads (own connections, 100-row range sums) while 1 writer thread
 *            commits single-row INSERTs: total reads/s (and the writer's txn/s)
 * Prints "name ops_per_sec checksum" lines; checksums must agree between libraries.
 *   wal_bench DIR [SECONDS]      (SECONDS per timed scenario, default 2) */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}
static void die(sqlite3 *db, const char *what) {
    fprintf(stderr, "%s: %s\n", what, db ? sqlite3_errmsg(db) : "?");
    exit(1);
}
static sqlite3 *open_db(const char *path) {
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, 0))
        die(db, "open");
    sqlite3_busy_timeout(db, 10000);
    if (sqlite3_exec(db, "pragma journal_mode=wal; pragma synchronous=normal", 0, 0, 0)) die(db, "pragmas");
    return db;
}
static void exec(sqlite3 *db, const char *sql) {
    if (sqlite3_exec(db, sql, 0, 0, 0)) die(db, sql);
}

static char path[4096];
static double secs = 2;
static volatile int stop_flag;
static long long max_id;

static void *reader(void *arg) {
    long long *count = arg;
    sqlite3 *db = open_db(path);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, "select count(*), sum(length(v)) from t where id >= ?1 and id <= ?1 + 99", -1, &s, 0))
        die(db, "prepare read");
    unsigned r = (unsigned)(size_t)count;
    while (!stop_flag) {
        r = r * 1103515245u + 12345u;
        sqlite3_bind_int64(s, 1, 1 + (long long)(r % (unsigned)(max_id - 100)));
        if (sqlite3_step(s) != SQLITE_ROW) die(db, "read");
        if (sqlite3_column_int64(s, 0) != 100) { fprintf(stderr, "read: wrong count\n"); exit(1); }
        sqlite3_reset(s);
        (*count)++;
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: wal_bench DIR [SECONDS]\n"); return 2; }
    if (argc > 2) secs = atof(argv[2]);
    snprintf(path, sizeof path, "%s/wal_bench.db", argv[1]);
    remove(path);
    char aux[4200];
    snprintf(aux, sizeof aux, "%s-wal", path); remove(aux);
    snprintf(aux, sizeof aux, "%s-shm", path); remove(aux);

    sqlite3 *db = open_db(path);
    exec(db, "create table t(id integer primary key, v text)");
    sqlite3_stmt *ins;
    if (sqlite3_prepare_v2(db, "insert into t(v) values (printf('value %08d', ?1))", -1, &ins, 0)) die(db, "prepare");

    /* txn: single-row transactions for `secs` seconds. */
    long long n = 0;
    double t0 = now(), t1;
    do {
        for (int k = 0; k < 50; k++) {
            sqlite3_bind_int64(ins, 1, ++n);
            if (sqlite3_step(ins) != SQLITE_DONE) die(db, "insert");
            sqlite3_reset(ins);
        }
        t1 = now();
    } while (t1 - t0 < secs);
    printf("txn %.0f %lld\n", n / (t1 - t0), n);
    long long base = n;

    /* batch: 100,000 rows in one transaction. */
    t0 = now();
    exec(db, "begin");
    for (int k = 0; k < 100000; k++) {
        sqlite3_bind_int64(ins, 1, ++n);
        if (sqlite3_step(ins) != SQLITE_DONE) die(db, "insert");
        sqlite3_reset(ins);
    }
    exec(db, "commit");
    t1 = now();
    printf("batch %.0f %lld\n", 100000 / (t1 - t0), n - base);
    max_id = n;

    /* readers: 4 reader threads, this thread writes. */
    pthread_t th[4];
    long long counts[4] = {0};
    for (int i = 0; i < 4; i++) pthread_create(&th[i], 0, reader, &counts[i]);
    long long w = 0;
    t0 = now();
    do {
        sqlite3_bind_int64(ins, 1, ++n);
        if (sqlite3_step(ins) != SQLITE_DONE) die(db, "insert (readers)");
        sqlite3_reset(ins);
        w++;
        t1 = now();
    } while (t1 - t0 < secs);
    stop_flag = 1;
    long long reads = 0;
    for (int i = 0; i < 4; i++) { pthread_join(th[i], 0); reads += counts[i]; }
    printf("readers %.0f %d\n", reads / (t1 - t0), 4);
    printf("writer_with_readers %.0f %d\n", w / (t1 - t0), 1);
    sqlite3_finalize(ins);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, "select count(*) from t", -1, &q, 0) || sqlite3_step(q) != SQLITE_ROW) die(db, "count");
    if (sqlite3_column_int64(q, 0) != n) { fprintf(stderr, "final count %lld != %lld\n", sqlite3_column_int64(q, 0), n); return 1; }
    sqlite3_finalize(q);
    sqlite3_close(db);
    return 0;
}
