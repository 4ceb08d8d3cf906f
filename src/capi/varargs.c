/*
** EpilogLite C shim: the variadic sqlite3_* functions.
**
** Stable Rust cannot define C-variadic functions, so the exported symbols (sqlite3_mprintf,
** ...) are Rust naked trampolines (src/capi/varargs.rs) that jump to the epl_* functions
** below with every register and the stack untouched. Everything here is compiled with
** -fvisibility=hidden: the only exported names are the Rust ones.
**
** Invariants:
**  1. epl_va_fetch() walks no format: Rust (src/func/printf.rs arg_kinds, the one printf
**     grammar) says which C type each argument has, and it fetches exactly those.
**  2. Functions needing Rust state (config, db_config, log) call through the table that Rust
**     registers with epl_register() from an ELF constructor (and again from
**     sqlite3_initialize()); with no table they return SQLITE_MISUSE.
*/
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

typedef struct sqlite3 sqlite3;
typedef struct sqlite3_str sqlite3_str;

/* Exported by the Rust side. */
extern char *sqlite3_vmprintf(const char *, va_list);
extern char *sqlite3_vsnprintf(int, char *, const char *, va_list);
extern void sqlite3_str_vappendf(sqlite3_str *, const char *, va_list);
extern void sqlite3_free(void *);

/* One fetched printf argument (see varargs.rs's EplArg). */
struct epl_arg {
  int kind; /* in: 1 int, 2 long long, 3 double, 4 pointer, 5 unsigned int */
  int pad;
  union {
    long long i;
    double d;
    const void *p;
  } u;
};

struct epl_vtable {
  int (*config)(int op, long long a, long long b, long long c);
  int (*db_config)(sqlite3 *db, int op, long long a, long long b, long long c);
  void (*log)(int code, const char *msg);
  int (*log_enabled)(void);
};

static const struct epl_vtable *epl_vt = 0;

void epl_register(const struct epl_vtable *vt) { epl_vt = vt; }

/* Fetch n arguments from ap, out[i].kind saying each one's C type (filled by Rust). */
void epl_va_fetch(va_list ap, struct epl_arg *out, int n) {
  int i;
  for (i = 0; i < n; i++) {
    switch (out[i].kind) {
      case 1: out[i].u.i = (long long)va_arg(ap, int); break;
      case 2: out[i].u.i = va_arg(ap, long long); break;
      case 3: out[i].u.d = va_arg(ap, double); break;
      case 5: out[i].u.i = (long long)va_arg(ap, unsigned int); break;
      default: out[i].u.p = va_arg(ap, void *); break;
    }
  }
}

char *epl_mprintf(const char *fmt, ...) {
  va_list ap;
  char *r;
  va_start(ap, fmt);
  r = sqlite3_vmprintf(fmt, ap);
  va_end(ap);
  return r;
}

char *epl_snprintf(int n, char *buf, const char *fmt, ...) {
  va_list ap;
  char *r;
  va_start(ap, fmt);
  r = sqlite3_vsnprintf(n, buf, fmt, ap);
  va_end(ap);
  return r;
}

void epl_str_appendf(sqlite3_str *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sqlite3_str_vappendf(s, fmt, ap);
  va_end(ap);
}

void epl_log(int code, const char *fmt, ...) {
  va_list ap;
  char *m;
  if (!epl_vt || !epl_vt->log_enabled()) return;
  va_start(ap, fmt);
  m = sqlite3_vmprintf(fmt, ap);
  va_end(ap);
  epl_vt->log(code, m ? m : "");
  sqlite3_free(m);
}

int epl_config(int op, ...) {
  va_list ap;
  long long a = 0, b = 0, c = 0;
  if (!epl_vt) return 21; /* SQLITE_MISUSE */
  va_start(ap, op);
  switch (op) {
    case 1: case 2: case 3: /* SINGLETHREAD MULTITHREAD SERIALIZED: nil */
      break;
    case 6: case 7: case 8: /* SCRATCH PAGECACHE HEAP: void*, int, int */
      a = (long long)(size_t)va_arg(ap, void *);
      b = va_arg(ap, int);
      c = va_arg(ap, int);
      break;
    case 13: /* LOOKASIDE: int, int */
      a = va_arg(ap, int);
      b = va_arg(ap, int);
      break;
    case 16: case 21: /* LOG, SQLLOG: function pointer, void* */
      a = (long long)(size_t)va_arg(ap, void *);
      b = (long long)(size_t)va_arg(ap, void *);
      break;
    case 22: /* MMAP_SIZE: sqlite3_int64, sqlite3_int64 */
      a = va_arg(ap, long long);
      b = va_arg(ap, long long);
      break;
    case 29: /* MEMDB_MAXSIZE: sqlite3_int64 */
      a = va_arg(ap, long long);
      break;
    case 9: case 17: case 20: case 23: case 25: case 26: case 27: case 28: /* int */
      a = va_arg(ap, int);
      break;
    default: /* everything else takes one pointer */
      a = (long long)(size_t)va_arg(ap, void *);
      break;
  }
  va_end(ap);
  return epl_vt->config(op, a, b, c);
}

int epl_db_config(sqlite3 *db, int op, ...) {
  va_list ap;
  long long a = 0, b = 0, c = 0;
  if (!epl_vt) return 21;
  va_start(ap, op);
  switch (op) {
    case 1000: /* MAINDBNAME: const char* */
      a = (long long)(size_t)va_arg(ap, const char *);
      break;
    case 1001: /* LOOKASIDE: void*, int, int */
      a = (long long)(size_t)va_arg(ap, void *);
      b = va_arg(ap, int);
      c = va_arg(ap, int);
      break;
    default: /* the boolean options: int onoff, int *pRes */
      if (op > 1001 && op <= 1017) {
        a = va_arg(ap, int);
        b = (long long)(size_t)va_arg(ap, int *);
      }
      break;
  }
  va_end(ap);
  return epl_vt->db_config(db, op, a, b, c);
}

int epl_vtab_config(sqlite3 *db, int op, ...) {
  (void)db;
  /* SQLITE_VTAB_CONSTRAINT_SUPPORT (1), INNOCUOUS (2), DIRECTONLY (3): accepted; the engine
  ** re-checks constraints itself and does not restrict where vtabs are used. */
  if (op >= 1 && op <= 3) return 0;
  return 21; /* SQLITE_MISUSE */
}

int epl_test_control(int op, ...) {
  (void)op;
  return 1; /* SQLITE_ERROR: no test controls */
}
