/* EpilogLite side-by-side benchmark. One binary, one library per process: the library to
 * measure is loaded with dlopen() and every sqlite3_* call goes through dlsym'd pointers, so
 * the system libsqlite3.so.0 and EpilogLite's run exactly the same code (benches/run.sh
 * alternates the two, several repetitions).
 *
 *   bench LIBRARY.so MODE DIR N [SCENARIO...]
 *
 *   MODE  mem (":memory:"), delete (DIR/bench.db, journal_mode=DELETE), wal (journal_mode=WAL)
 *   N     data size: rows in each table (1e4 / 1e5 / 1e6); smaller counts derive from it
 *   SCENARIO  only run these (default: all that apply to MODE)
 *
 * Each scenario prints one line
 *   MODE/SCENARIO OPS SECONDS OPS_PER_S CHECKSUM PEAK_RSS_KB
 * where CHECKSUM is computed from values read back (the two libraries must agree) and
 * PEAK_RSS_KB is the process's peak RSS so far (getrusage). Scenarios run in the order below
 * and share data (insert_batch fills t, bulk_index fills big, ...).
 *
 * Scenarios (ops counted):
 *   insert_txn       single-row INSERT transactions (autocommit), N/10 in memory, N/200 on disk
 *   insert_batch     N rows into t(id INTEGER PRIMARY KEY, a, b) in one transaction, prepared
 *   insert_random    N rows with pseudo-random rowids into r, one transaction
 *   bulk_index       N rows into big(id, k, v) with an index on k, one transaction
 *   lookup_rowid     N point reads of t by rowid, random order (hot cache)
 *   lookup_index     N point reads of big by its secondary index k (hot cache)
 *   lookup_rowid_cold, lookup_index_cold (disk only): N/10 reads from a freshly opened
 *                    connection with a 16-page cache (open included), so reads go to the VFS
 *   range_scan       N/100 queries "id BETWEEN x AND x+99" on t; ops = rows returned
 *   scan             one full scan of t reading every column; ops = rows
 *   update_key       N/10 "UPDATE t SET a=a+1 WHERE id=?" in one transaction
 *   join3            3-table join orders x cust x item, GROUP BY region; ops = orders rows
 *   group_by         SELECT k%1000, count(*), sum(id) FROM big GROUP BY 1; ops = rows read
 *   order_by         SELECT id, a, b FROM t ORDER BY a, id; ops = rows
 *   stmt_reuse       N/10 point reads, one prepared statement (bind, step, reset)
 *   stmt_reprepare   N/10 point reads, prepare + step + finalize each time
 *   delete_key       N/10 "DELETE FROM t WHERE id=?" in one transaction
 *   threads_4r1w (disk only): 4 reader threads (N/10 point reads each) + 1 writer thread
 *                    (N/200 single-row insert transactions), one connection each
 *   procs_4 (disk only): 4 processes, each N/400 insert transactions + N/40 point reads
 * Exits non-zero on any SQLite error.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Every API the benchmark calls, resolved from the dlopen'ed library. */
#define APIS(X)                                                                                    \
    X(sqlite3_open_v2) X(sqlite3_close) X(sqlite3_exec) X(sqlite3_prepare_v2) X(sqlite3_step)     \
    X(sqlite3_reset) X(sqlite3_finalize) X(sqlite3_bind_int64) X(sqlite3_bind_text)               \
    X(sqlite3_column_int64) X(sqlite3_column_text) X(sqlite3_column_bytes)                        \
    X(sqlite3_column_double) X(sqlite3_errmsg) X(sqlite3_libversion) X(sqlite3_busy_timeout)      \
    X(sqlite3_free) X(sqlite3_threadsafe)
#define DECL(f) static __typeof__(f) *p_##f;
APIS(DECL)
#define F(name) p_sqlite3_##name

static const char *g_mode, *g_dir;
static long g_n;
static char g_path[4096];

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long peak_rss_kb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static void die(sqlite3 *db, const char *what, int rc) {
    fprintf(stderr, "bench: %s/%s failed: rc=%d %s\n", g_mode, what, rc,
            db ? F(errmsg)(db) : "");
    exit(1);
}

static void exec(sqlite3 *db, const char *sql) {
    char *err = 0;
    int rc = F(exec)(db, sql, 0, 0, &err);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "bench: %s: %s: %s\n", g_mode, sql, err ? err : "?");
        exit(1);
    }
}

static sqlite3_stmt *prep(sqlite3 *db, const char *sql) {
    sqlite3_stmt *s = 0;
    int rc = F(prepare_v2)(db, sql, -1, &s, 0);
    if (rc != SQLITE_OK) die(db, sql, rc);
    return s;
}

static int is_mem(void) { return strcmp(g_mode, "mem") == 0; }

static sqlite3 *open_db(int cache_pages) {
    sqlite3 *db = 0;
    int rc = F(open_v2)(is_mem() ? ":memory:" : g_path, &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, 0);
    if (rc != SQLITE_OK) die(db, "open", rc);
    F(busy_timeout)(db, 20000);
    if (strcmp(g_mode, "wal") == 0) exec(db, "PRAGMA journal_mode=WAL");
    if (strcmp(g_mode, "delete") == 0) exec(db, "PRAGMA journal_mode=DELETE");
    if (cache_pages) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA cache_size=%d", cache_pages);
        exec(db, sql);
    }
    return db;
}

static void report(const char *name, long ops, double secs, uint64_t check) {
    printf("%s/%s %ld %.6f %.1f %016llx %ld\n", g_mode, name, ops, secs,
           secs > 0 ? ops / secs : 0.0, (unsigned long long)check, peak_rss_kb());
    fflush(stdout);
}

/* One-row query returning a checksum of its integer columns. */
static uint64_t query_check(sqlite3 *db, const char *sql) {
    sqlite3_stmt *s = prep(db, sql);
    uint64_t c = 0;
    int rc;
    while ((rc = F(step)(s)) == SQLITE_ROW)
        for (int i = 0; i < 4; i++) c = c * 1000003 + (uint64_t)F(column_int64)(s, i);
    if (rc != SQLITE_DONE) die(db, sql, rc);
    F(finalize)(s);
    return c;
}

static uint64_t xs(uint64_t *x) { /* xorshift64 */
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static int wanted(int argc, char **argv, const char *name) {
    if (argc <= 5) return 1;
    for (int i = 5; i < argc; i++)
        if (strcmp(argv[i], name) == 0) return 1;
    return 0;
}

static long k_of(long i) { return (long)((i * 1000003ll) % 2147483647ll); }

/* Point reads by rowid on t; each read sums a and the length of b. */
static uint64_t lookups(sqlite3 *db, sqlite3_stmt *sel, long count, long range, uint64_t seed) {
    uint64_t c = 0, x = seed;
    for (long i = 0; i < count; i++) {
        F(bind_int64)(sel, 1, (sqlite3_int64)(xs(&x) % (uint64_t)range) + 1);
        int rc = F(step)(sel);
        if (rc == SQLITE_ROW) {
            c = c * 31 + (uint64_t)F(column_int64)(sel, 0);
            c += (uint64_t)F(column_bytes)(sel, 1);
        } else if (rc != SQLITE_DONE) {
            die(db, "lookup step", rc);
        }
        F(reset)(sel);
    }
    return c;
}

/* ---- concurrency scenarios ---- */
struct worker {
    long count, range;
    int writer;
    uint64_t seed;
    int rc;
};

static void *worker_main(void *arg) {
    struct worker *w = arg;
    sqlite3 *db = open_db(0);
    if (w->writer) {
        sqlite3_stmt *ins = prep(db, "INSERT INTO s(a, b) VALUES (?, 'writer')");
        for (long i = 0; i < w->count; i++) {
            F(bind_int64)(ins, 1, i);
            int rc = F(step)(ins);
            if (rc != SQLITE_DONE) die(db, "writer insert", rc);
            F(reset)(ins);
        }
        F(finalize)(ins);
    } else {
        sqlite3_stmt *sel = prep(db, "SELECT a, b FROM t WHERE id = ?");
        lookups(db, sel, w->count, w->range, w->seed);
        F(finalize)(sel);
    }
    w->rc = F(close)(db);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: bench LIBRARY.so mem|delete|wal DIR N [SCENARIO...]\n");
        return 2;
    }
    void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "bench: dlopen %s: %s\n", argv[1], dlerror());
        return 1;
    }
#define LOAD(f)                                                                                    \
    p_##f = (__typeof__(f) *)dlsym(h, #f);                                                         \
    if (!p_##f) {                                                                                  \
        fprintf(stderr, "bench: %s has no %s\n", argv[1], #f);                                    \
        return 1;                                                                                  \
    }
    APIS(LOAD)
    g_mode = argv[2];
    g_dir = argv[3];
    g_n = atol(argv[4]);
    if (g_n < 100) g_n = 100;
    if (!is_mem() && strcmp(g_mode, "delete") && strcmp(g_mode, "wal")) {
        fprintf(stderr, "bench: unknown mode %s\n", g_mode);
        return 2;
    }
    snprintf(g_path, sizeof g_path, "%s/bench.db", g_dir);
    char buf[4200];
    const char *suffixes[] = {"", "-journal", "-wal", "-shm"};
    for (int i = 0; i < 4; i++) {
        snprintf(buf, sizeof buf, "%s%s", g_path, suffixes[i]);
        unlink(buf);
    }
    fprintf(stderr, "bench: %s %s, library %s\n", g_mode, argv[1], F(libversion)());
    const long n = g_n, n10 = n / 10, n100 = n / 100;
    const int disk = !is_mem();

    sqlite3 *db = open_db(0);
    exec(db, "CREATE TABLE s(id INTEGER PRIMARY KEY, a INTEGER, b TEXT)");
    exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT)");
    exec(db, "CREATE TABLE r(id INTEGER PRIMARY KEY, a INTEGER, b TEXT)");
    exec(db, "CREATE TABLE big(id INTEGER PRIMARY KEY, k INTEGER, v TEXT)");
    exec(db, "CREATE INDEX big_k ON big(k)");
    uint64_t c;
    double t0;

    if (wanted(argc, argv, "insert_txn")) {
        long m = disk ? n / 200 : n10;
        if (m < 20) m = 20;
        sqlite3_stmt *ins = prep(db, "INSERT INTO s(a, b) VALUES (?, ?)");
        t0 = now();
        for (long i = 0; i < m; i++) {
            F(bind_int64)(ins, 1, i);
            F(bind_text)(ins, 2, "single row transaction", -1, SQLITE_STATIC);
            int rc = F(step)(ins);
            if (rc != SQLITE_DONE) die(db, "insert_txn", rc);
            F(reset)(ins);
        }
        double t = now() - t0;
        F(finalize)(ins);
        report("insert_txn", m, t, query_check(db, "SELECT count(*), sum(a) FROM s"));
    }

    /* insert_batch always runs: later scenarios read t. */
    {
        sqlite3_stmt *ins = prep(db, "INSERT INTO t(id, a, b) VALUES (?, ?, ?)");
        t0 = now();
        exec(db, "BEGIN");
        for (long i = 1; i <= n; i++) {
            int len = snprintf(buf, sizeof buf, "value-%ld-%ld", i, (i * 2654435761u) % 1000003);
            F(bind_int64)(ins, 1, i);
            F(bind_int64)(ins, 2, (i * 7919) % 100003);
            F(bind_text)(ins, 3, buf, len, SQLITE_TRANSIENT);
            int rc = F(step)(ins);
            if (rc != SQLITE_DONE) die(db, "insert_batch", rc);
            F(reset)(ins);
        }
        exec(db, "COMMIT");
        double t = now() - t0;
        F(finalize)(ins);
        if (wanted(argc, argv, "insert_batch"))
            report("insert_batch", n, t,
                   query_check(db, "SELECT count(*), sum(a), sum(length(b)) FROM t"));
    }

    if (wanted(argc, argv, "insert_random")) {
        sqlite3_stmt *ins = prep(db, "INSERT OR IGNORE INTO r(id, a, b) VALUES (?, ?, ?)");
        uint64_t x = 0x9E3779B97F4A7C15ull;
        t0 = now();
        exec(db, "BEGIN");
        for (long i = 1; i <= n; i++) {
            F(bind_int64)(ins, 1, (sqlite3_int64)(xs(&x) >> 2));
            F(bind_int64)(ins, 2, i);
            F(bind_text)(ins, 3, "random rowid", -1, SQLITE_STATIC);
            int rc = F(step)(ins);
            if (rc != SQLITE_DONE) die(db, "insert_random", rc);
            F(reset)(ins);
        }
        exec(db, "COMMIT");
        double t = now() - t0;
        F(finalize)(ins);
        report("insert_random", n, t, query_check(db, "SELECT count(*), sum(a) FROM r"));
    }

    /* bulk_index fills big, which lookup_index and group_by read. */
    {
        sqlite3_stmt *ins = prep(db, "INSERT INTO big(id, k, v) VALUES (?, ?, ?)");
        t0 = now();
        exec(db, "BEGIN");
        for (long i = 1; i <= n; i++) {
            int len = snprintf(buf, sizeof buf, "bulk-%ld", (i * 40503) % 65536);
            F(bind_int64)(ins, 1, i);
            F(bind_int64)(ins, 2, k_of(i));
            F(bind_text)(ins, 3, buf, len, SQLITE_TRANSIENT);
            int rc = F(step)(ins);
            if (rc != SQLITE_DONE) die(db, "bulk_index", rc);
            F(reset)(ins);
        }
        exec(db, "COMMIT");
        double t = now() - t0;
        F(finalize)(ins);
        if (wanted(argc, argv, "bulk_index"))
            report("bulk_index", n, t,
                   query_check(db, "SELECT count(*), sum(k), (SELECT count(*) FROM big "
                                   "INDEXED BY big_k WHERE k > 1000000000) FROM big"));
    }

    if (wanted(argc, argv, "lookup_rowid")) {
        sqlite3_stmt *sel = prep(db, "SELECT a, b FROM t WHERE id = ?");
        t0 = now();
        c = lookups(db, sel, n, n, 88172645463325252ull);
        report("lookup_rowid", n, now() - t0, c);
        F(finalize)(sel);
    }

    if (wanted(argc, argv, "lookup_index")) {
        sqlite3_stmt *sel = prep(db, "SELECT id, v FROM big WHERE k = ?");
        uint64_t x = 1234567ull;
        c = 0;
        t0 = now();
        for (long i = 0; i < n; i++) {
            F(bind_int64)(sel, 1, k_of((long)(xs(&x) % (uint64_t)n) + 1));
            int rc = F(step)(sel);
            if (rc != SQLITE_ROW) die(db, "lookup_index step", rc);
            c = c * 31 + (uint64_t)F(column_int64)(sel, 0) + (uint64_t)F(column_bytes)(sel, 1);
            F(reset)(sel);
        }
        report("lookup_index", n, now() - t0, c);
        F(finalize)(sel);
    }

    if (disk && wanted(argc, argv, "lookup_rowid_cold")) {
        t0 = now();
        sqlite3 *cold = open_db(16);
        sqlite3_stmt *sel = prep(cold, "SELECT a, b FROM t WHERE id = ?");
        c = lookups(cold, sel, n10, n, 0xDEADBEEFull);
        F(finalize)(sel);
        F(close)(cold);
        report("lookup_rowid_cold", n10, now() - t0, c);
    }

    if (disk && wanted(argc, argv, "lookup_index_cold")) {
        t0 = now();
        sqlite3 *cold = open_db(16);
        sqlite3_stmt *sel = prep(cold, "SELECT id, v FROM big WHERE k = ?");
        uint64_t x = 7654321ull;
        c = 0;
        for (long i = 0; i < n10; i++) {
            F(bind_int64)(sel, 1, k_of((long)(xs(&x) % (uint64_t)n) + 1));
            int rc = F(step)(sel);
            if (rc != SQLITE_ROW) die(cold, "lookup_index_cold step", rc);
            c = c * 31 + (uint64_t)F(column_int64)(sel, 0);
            F(reset)(sel);
        }
        F(finalize)(sel);
        F(close)(cold);
        report("lookup_index_cold", n10, now() - t0, c);
    }

    if (wanted(argc, argv, "range_scan")) {
        sqlite3_stmt *sel = prep(db, "SELECT id, a, b FROM t WHERE id BETWEEN ? AND ? + 99");
        uint64_t x = 42;
        long rows = 0;
        c = 0;
        t0 = now();
        for (long i = 0; i < (n100 ? n100 : 1); i++) {
            sqlite3_int64 lo = (sqlite3_int64)(xs(&x) % (uint64_t)n) + 1;
            F(bind_int64)(sel, 1, lo);
            F(bind_int64)(sel, 2, lo);
            int rc;
            while ((rc = F(step)(sel)) == SQLITE_ROW) {
                c += (uint64_t)F(column_int64)(sel, 1) + (uint64_t)F(column_bytes)(sel, 2);
                rows++;
            }
            if (rc != SQLITE_DONE) die(db, "range_scan", rc);
            F(reset)(sel);
        }
        report("range_scan", rows, now() - t0, c);
        F(finalize)(sel);
    }

    if (wanted(argc, argv, "scan")) {
        sqlite3_stmt *scan = prep(db, "SELECT id, a, b FROM t");
        long rows = 0;
        int rc;
        c = 0;
        t0 = now();
        while ((rc = F(step)(scan)) == SQLITE_ROW) {
            c += (uint64_t)F(column_int64)(scan, 0) ^ (uint64_t)F(column_int64)(scan, 1);
            c += (uint64_t)F(column_bytes)(scan, 2);
            rows++;
        }
        if (rc != SQLITE_DONE) die(db, "scan", rc);
        report("scan", rows, now() - t0, c);
        F(finalize)(scan);
    }

    if (wanted(argc, argv, "update_key")) {
        sqlite3_stmt *up = prep(db, "UPDATE t SET a = a + 1 WHERE id = ?");
        uint64_t x = 99;
        t0 = now();
        exec(db, "BEGIN");
        for (long i = 0; i < n10; i++) {
            F(bind_int64)(up, 1, (sqlite3_int64)(xs(&x) % (uint64_t)n) + 1);
            int rc = F(step)(up);
            if (rc != SQLITE_DONE) die(db, "update_key", rc);
            F(reset)(up);
        }
        exec(db, "COMMIT");
        double t = now() - t0;
        F(finalize)(up);
        report("update_key", n10, t, query_check(db, "SELECT count(*), sum(a) FROM t"));
    }

    if (wanted(argc, argv, "join3")) {
        long ncust = n10 ? n10 : 1;
        exec(db, "CREATE TABLE cust(id INTEGER PRIMARY KEY, name TEXT, region INTEGER)");
        exec(db, "CREATE TABLE item(id INTEGER PRIMARY KEY, price REAL)");
        exec(db, "CREATE TABLE orders(id INTEGER PRIMARY KEY, cust INTEGER, item INTEGER, "
                 "qty INTEGER)");
        exec(db, "BEGIN");
        sqlite3_stmt *a = prep(db, "INSERT INTO cust VALUES (?, 'customer', ?)");
        for (long i = 1; i <= ncust; i++) {
            F(bind_int64)(a, 1, i);
            F(bind_int64)(a, 2, i % 17);
            if (F(step)(a) != SQLITE_DONE) die(db, "cust", 0);
            F(reset)(a);
        }
        F(finalize)(a);
        a = prep(db, "INSERT INTO item VALUES (?, ? * 0.25)");
        for (long i = 1; i <= 1000; i++) {
            F(bind_int64)(a, 1, i);
            F(bind_int64)(a, 2, i % 97);
            if (F(step)(a) != SQLITE_DONE) die(db, "item", 0);
            F(reset)(a);
        }
        F(finalize)(a);
        a = prep(db, "INSERT INTO orders VALUES (?, ?, ?, ?)");
        for (long i = 1; i <= n; i++) {
            F(bind_int64)(a, 1, i);
            F(bind_int64)(a, 2, (i * 7) % ncust + 1);
            F(bind_int64)(a, 3, (i * 13) % 1000 + 1);
            F(bind_int64)(a, 4, i % 5 + 1);
            if (F(step)(a) != SQLITE_DONE) die(db, "orders", 0);
            F(reset)(a);
        }
        F(finalize)(a);
        exec(db, "COMMIT");
        sqlite3_stmt *q = prep(db, "SELECT c.region, count(*), sum(o.qty * i.price) FROM orders o "
                                   "JOIN cust c ON c.id = o.cust JOIN item i ON i.id = o.item "
                                   "GROUP BY c.region ORDER BY c.region");
        c = 0;
        int rc;
        t0 = now();
        while ((rc = F(step)(q)) == SQLITE_ROW)
            c = c * 31 + (uint64_t)F(column_int64)(q, 1) + (uint64_t)F(column_double)(q, 2);
        if (rc != SQLITE_DONE) die(db, "join3", rc);
        report("join3", n, now() - t0, c);
        F(finalize)(q);
    }

    if (wanted(argc, argv, "group_by")) {
        sqlite3_stmt *q = prep(db, "SELECT k % 1000, count(*), sum(id) FROM big GROUP BY 1");
        c = 0;
        int rc;
        t0 = now();
        while ((rc = F(step)(q)) == SQLITE_ROW)
            c = c * 31 + (uint64_t)F(column_int64)(q, 0) + (uint64_t)F(column_int64)(q, 2);
        if (rc != SQLITE_DONE) die(db, "group_by", rc);
        report("group_by", n, now() - t0, c);
        F(finalize)(q);
    }

    if (wanted(argc, argv, "order_by")) {
        sqlite3_stmt *q = prep(db, "SELECT id, a, b FROM t ORDER BY a, id");
        c = 0;
        long rows = 0;
        int rc;
        t0 = now();
        while ((rc = F(step)(q)) == SQLITE_ROW) {
            c = c * 31 + (uint64_t)F(column_int64)(q, 0) + (uint64_t)F(column_bytes)(q, 2);
            rows++;
        }
        if (rc != SQLITE_DONE) die(db, "order_by", rc);
        report("order_by", rows, now() - t0, c);
        F(finalize)(q);
    }

    if (wanted(argc, argv, "stmt_reuse")) {
        sqlite3_stmt *sel = prep(db, "SELECT a, b FROM t WHERE id = ?");
        t0 = now();
        c = lookups(db, sel, n10, n, 555);
        report("stmt_reuse", n10, now() - t0, c);
        F(finalize)(sel);
    }

    if (wanted(argc, argv, "stmt_reprepare")) {
        uint64_t x = 555;
        c = 0;
        t0 = now();
        for (long i = 0; i < n10; i++) {
            sqlite3_stmt *sel = prep(db, "SELECT a, b FROM t WHERE id = ?");
            F(bind_int64)(sel, 1, (sqlite3_int64)(xs(&x) % (uint64_t)n) + 1);
            if (F(step)(sel) == SQLITE_ROW) {
                c = c * 31 + (uint64_t)F(column_int64)(sel, 0);
                c += (uint64_t)F(column_bytes)(sel, 1);
            }
            F(finalize)(sel);
        }
        report("stmt_reprepare", n10, now() - t0, c);
    }

    if (wanted(argc, argv, "delete_key")) {
        sqlite3_stmt *del = prep(db, "DELETE FROM t WHERE id = ?");
        uint64_t x = 77;
        t0 = now();
        exec(db, "BEGIN");
        for (long i = 0; i < n10; i++) {
            F(bind_int64)(del, 1, (sqlite3_int64)(xs(&x) % (uint64_t)n) + 1);
            int rc = F(step)(del);
            if (rc != SQLITE_DONE) die(db, "delete_key", rc);
            F(reset)(del);
        }
        exec(db, "COMMIT");
        double t = now() - t0;
        F(finalize)(del);
        report("delete_key", n10, t, query_check(db, "SELECT count(*), sum(a) FROM t"));
    }

    if (F(close)(db) != SQLITE_OK) die(0, "close", 1);

    if (disk && wanted(argc, argv, "threads_4r1w")) {
        if (!F(threadsafe)()) {
            fprintf(stderr, "bench: library is not threadsafe, skipping threads_4r1w\n");
        } else {
            struct worker w[5];
            pthread_t th[5];
            long writes = n / 200 < 10 ? 10 : n / 200, reads = n10;
            t0 = now();
            for (int i = 0; i < 5; i++) {
                w[i] = (struct worker){i == 4 ? writes : reads, n, i == 4, 1000 + i, 0};
                pthread_create(&th[i], 0, worker_main, &w[i]);
            }
            for (int i = 0; i < 5; i++) pthread_join(th[i], 0);
            double t = now() - t0;
            db = open_db(0);
            report("threads_4r1w", 4 * reads + writes, t,
                   query_check(db, "SELECT count(*), sum(a) FROM s"));
            F(close)(db);
        }
    }

    if (disk && wanted(argc, argv, "procs_4")) {
        long writes = n / 400 < 5 ? 5 : n / 400, reads = n / 40;
        t0 = now();
        pid_t kids[4];
        for (int i = 0; i < 4; i++) {
            kids[i] = fork();
            if (kids[i] == 0) {
                struct worker w = {writes, n, 1, 0, 0};
                worker_main(&w);
                struct worker r = {reads, n, 0, 2000 + i, 0};
                worker_main(&r);
                _exit(w.rc || r.rc);
            }
        }
        int bad = 0;
        for (int i = 0; i < 4; i++) {
            int st = 0;
            waitpid(kids[i], &st, 0);
            bad |= !WIFEXITED(st) || WEXITSTATUS(st);
        }
        double t = now() - t0;
        if (bad) die(0, "procs_4 child", 1);
        db = open_db(0);
        report("procs_4", 4 * (writes + reads), t,
               query_check(db, "SELECT count(*), sum(a) FROM s"));
        F(close)(db);
    }
    return 0;
}
