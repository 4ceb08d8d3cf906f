/* Tiny test harness for the C API tests: CHECK prints "ok N - what" or "not ok" and counts. */
#ifndef EPL_CHECK_H
#define EPL_CHECK_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static int epl_n = 0, epl_fail = 0;
#define CHECK(cond, what) do { epl_n++; if (cond) { printf("ok %d - %s\n", epl_n, what); fflush(stdout); } \
  else { epl_fail++; printf("not ok %d - %s (%s:%d)\n", epl_n, what, __FILE__, __LINE__); } } while (0)
#define CHECK_STR(got, want, what) do { const char *g_ = (got); const char *w_ = (want); epl_n++; \
  if (g_ && w_ && strcmp(g_, w_) == 0) { printf("ok %d - %s\n", epl_n, what); fflush(stdout); } \
  else { epl_fail++; printf("not ok %d - %s: got [%s] want [%s] (%s:%d)\n", epl_n, what, g_ ? g_ : "(null)", w_ ? w_ : "(null)", __FILE__, __LINE__); } } while (0)
#define CHECK_INT(got, want, what) do { long long g_ = (long long)(got), w_ = (long long)(want); epl_n++; \
  if (g_ == w_) { printf("ok %d - %s\n", epl_n, what); fflush(stdout); } \
  else { epl_fail++; printf("not ok %d - %s: got %lld want %lld (%s:%d)\n", epl_n, what, g_, w_, __FILE__, __LINE__); } } while (0)
#define EPL_FLUSH() fflush(stdout)
#define DONE() do { printf("# %d checks, %d failed\n", epl_n, epl_fail); return epl_fail ? 1 : 0; } while (0)
#endif
