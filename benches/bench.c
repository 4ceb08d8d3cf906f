/* EpilogLite side-by-side benchmark: the same binary runs on whichever libsqlite3.so.0 the
 * dynamic loader finds (system, or EpilogLite's via LD_LIBRARY_PATH; see benches/run.sh).
 *
 *   bench DBFILE [N]
 *
 * Scenarios (each prints one line "scenario ops seconds ops_per_s checksum"):
 *   insert  N inserts in one transaction: one prepared statement, bind, step, reset
 *   lookup  N point lookups by rowid (pseudo-random order), prepared, bind, step, reset
 *   scan    one full table scan reading every column
 * The checksum is computed from the values read, so runs on two libraries must agree.
 * Exits non-zero on any SQLite error.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(sqlite3 *db, const char *what, int rc) {
    fprintf(stderr, "bench: %s failed: rc=%d %s\n", what, rc, db ? sqlite3_errmsg(db) : "");
    exit(1);
}

static void exec(sqlite3 *db, const char *sql) {
    char *err = 0;
    int rc = sqlite3_exec(db, sql, 0, 0, &err);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "bench: %s: %s\n", sql, err ? err : "?");
        exit(1);
    }
}

static void report(const char *name, long ops, double secs, uint64_t check) {
    printf("%s %ld %.6f %.1f %016llx\n", name, ops, secs, secs > 0 ? ops / secs : 0.0,
           (unsigned long long)check);
    fflush(stdout);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: bench DBFILE [N]\n");
        return 2;
    }
    const char *path = argv[1];
    long n = argc > 2 ? atol(argv[2]) : 100000;
    char buf[256];
    snprintf(buf, sizeof buf, "%s-journal", path);
    unlink(path);
    unlink(buf);

    sqlite3 *db = 0;
    int rc = sqlite3_open(path, &db);
    if (rc != SQLITE_OK) die(db, "open", rc);
    fprintf(stderr, "bench: library %s (%s)\n", sqlite3_libversion(), sqlite3_sourceid());
    exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT)");

    /* insert */
    sqlite3_stmt *ins = 0;
    rc = sqlite3_prepare_v2(db, "INSERT INTO t(id, a, b) VALUES (?, ?, ?)", -1, &ins, 0);
    if (rc != SQLITE_OK) die(db, "prepare insert", rc);
    uint64_t check = 0;
    double t0 = now();
    exec(db, "BEGIN");
    for (long i = 1; i <= n; i++) {
        int len = snprintf(buf, sizeof buf, "value-%ld-%ld", i, (i * 2654435761u) % 1000003);
        sqlite3_bind_int64(ins, 1, i);
        sqlite3_bind_int64(ins, 2, (i * 7919) % 100003);
        sqlite3_bind_text(ins, 3, buf, len, SQLITE_TRANSIENT);
        rc = sqlite3_step(ins);
        if (rc != SQLITE_DONE) die(db, "insert step", rc);
        sqlite3_reset(ins);
        check += (uint64_t)i;
    }
    exec(db, "COMMIT");
    report("insert", n, now() - t0, check);
    sqlite3_finalize(ins);

    /* lookup */
    sqlite3_stmt *sel = 0;
    rc = sqlite3_prepare_v2(db, "SELECT a, b FROM t WHERE id = ?", -1, &sel, 0);
    if (rc != SQLITE_OK) die(db, "prepare lookup", rc);
    check = 0;
    uint64_t x = 88172645463325252ull;
    t0 = now();
    for (long i = 0; i < n; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17; /* xorshift64 */
        sqlite3_int64 id = (sqlite3_int64)(x % (uint64_t)n) + 1;
        sqlite3_bind_int64(sel, 1, id);
        rc = sqlite3_step(sel);
        if (rc != SQLITE_ROW) die(db, "lookup step", rc);
        check = check * 31 + (uint64_t)sqlite3_column_int64(sel, 0);
        const unsigned char *s = sqlite3_column_text(sel, 1);
        check += s ? (uint64_t)strlen((const char *)s) : 0;
        sqlite3_reset(sel);
    }
    report("lookup", n, now() - t0, check);
    sqlite3_finalize(sel);

    /* scan */
    sqlite3_stmt *scan = 0;
    rc = sqlite3_prepare_v2(db, "SELECT id, a, b FROM t", -1, &scan, 0);
    if (rc != SQLITE_OK) die(db, "prepare scan", rc);
    check = 0;
    long rows = 0;
    t0 = now();
    while ((rc = sqlite3_step(scan)) == SQLITE_ROW) {
        check += (uint64_t)sqlite3_column_int64(scan, 0) ^ (uint64_t)sqlite3_column_int64(scan, 1);
        check += (uint64_t)sqlite3_column_bytes(scan, 2);
        rows++;
    }
    if (rc != SQLITE_DONE) die(db, "scan step", rc);
    report("scan", rows, now() - t0, check);
    sqlite3_finalize(scan);

    rc = sqlite3_close(db);
    if (rc != SQLITE_OK) die(0, "close", rc);
    return 0;
}
