/* benches/bench.c with a key: every sqlite3_open is followed by `PRAGMA key = $BENCH_KEY`
 * when that variable is set and non-empty (a passphrase, or x'<64 hex>' for a raw key), so
 * the same scenarios run on an encrypted database. Built by benches/crypto.sh.
 * With -DBENCH_CPU_TIME the scenarios are timed in CPU time of the process (user + system)
 * instead of wall-clock time: on a machine shared by many jobs the wall clock mostly measures
 * waiting for a core. */
#include <sqlite3.h>
#include <stdlib.h>
#include <time.h>
#ifdef BENCH_CPU_TIME
#undef CLOCK_MONOTONIC
#define CLOCK_MONOTONIC CLOCK_PROCESS_CPUTIME_ID
#endif

static int keyed_open(const char *path, sqlite3 **db) {
    int rc = sqlite3_open(path, db);
    const char *k = getenv("BENCH_KEY");
    if (rc == SQLITE_OK && k && *k) {
        char *sql = sqlite3_mprintf("PRAGMA key = %Q", k);
        rc = sqlite3_exec(*db, sql, 0, 0, 0);
        sqlite3_free(sql);
    }
    return rc;
}
#define sqlite3_open keyed_open
#include "bench.c"
