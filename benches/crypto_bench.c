/* benches/bench.c with a key: the `sqlite3_open_v2` it resolves with dlsym() is wrapped so that
 * every file database it opens runs `PRAGMA key = $BENCH_KEY` first, when that variable is
 * set and non-empty (a passphrase, or x'<64 hex>' for a raw key). The same scenarios then
 * run on an encrypted database. Built by benches/crypto.sh; bench.c itself is unchanged.
 * With -DBENCH_CPU_TIME the scenarios are timed in CPU time of the process (user + system,
 * all threads) instead of wall-clock time: on a machine shared by many jobs the wall clock
 * mostly measures waiting for a core. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef BENCH_CPU_TIME
#undef CLOCK_MONOTONIC
#define CLOCK_MONOTONIC CLOCK_PROCESS_CPUTIME_ID
#endif

typedef int open_v2_fn(const char *, sqlite3 **, int, const char *);
typedef int exec_fn(sqlite3 *, const char *, int (*)(void *, int, char **, char **), void *,
                    char **);
static open_v2_fn *real_open_v2;
static exec_fn *real_exec;

static int keyed_open_v2(const char *name, sqlite3 **db, int flags, const char *vfs) {
    int rc = real_open_v2(name, db, flags, vfs);
    const char *k = getenv("BENCH_KEY");
    if (rc == SQLITE_OK && k && *k && strcmp(name, ":memory:") != 0) {
        char sql[512];
        size_t o = (size_t)snprintf(sql, sizeof sql, "PRAGMA key = '");
        for (const char *p = k; *p && o + 4 < sizeof sql; p++) {
            if (*p == '\'') sql[o++] = '\'';
            sql[o++] = *p;
        }
        sql[o++] = '\'';
        sql[o] = 0;
        rc = real_exec(*db, sql, 0, 0, 0);
        if (rc != SQLITE_OK) fprintf(stderr, "bench: PRAGMA key failed: %d\n", rc);
    }
    return rc;
}

static void *keyed_dlsym(void *h, const char *name) {
    void *f = dlsym(h, name);
    if (f && strcmp(name, "sqlite3_open_v2") == 0) {
        real_open_v2 = (open_v2_fn *)f;
        real_exec = (exec_fn *)dlsym(h, "sqlite3_exec");
        if (!real_exec) return 0;
        return (void *)keyed_open_v2;
    }
    return f;
}
#define dlsym keyed_dlsym
#include "bench.c"
