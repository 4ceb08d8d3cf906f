/* sqlite3_mprintf / snprintf / vmprintf: SQLite's printf. The Rust test compares this
** program's whole output with the output it gives against system SQLite 3.40.1. */
#include <stdarg.h>
#include "sqlite3.h"
#include "check.h"

static char *vm(const char *fmt, ...) {
  va_list ap;
  char *r;
  va_start(ap, fmt);
  r = sqlite3_vmprintf(fmt, ap);
  va_end(ap);
  return r;
}

#define SHOW(...) do { char *z_ = sqlite3_mprintf(__VA_ARGS__); printf("fmt %-28s => [%s]\n", #__VA_ARGS__, z_ ? z_ : "(null)"); sqlite3_free(z_); } while (0)

int main(void) {
  char *z;
  char buf[16];
  z = sqlite3_mprintf("INSERT INTO t VALUES(%Q,%Q,%q)", "it's", (char *)0, "a'b");
  CHECK_STR(z, "INSERT INTO t VALUES('it''s',NULL,a''b)", "%Q %Q(NULL) %q");
  sqlite3_free(z);
  z = sqlite3_mprintf("select \"%w\"", "a\"b");
  CHECK_STR(z, "select \"a\"\"b\"", "%w doubles double quotes");
  sqlite3_free(z);
  z = sqlite3_mprintf("%lld|%lld|%llu", (long long)9223372036854775807LL, (long long)(-9223372036854775807LL - 1), (unsigned long long)18446744073709551615ULL);
  CHECK_STR(z, "9223372036854775807|-9223372036854775808|18446744073709551615", "%lld extremes");
  sqlite3_free(z);
  z = sqlite3_mprintf("%s-%z", "a", sqlite3_mprintf("%d", 7));
  CHECK_STR(z, "a-7", "%z frees its argument");
  sqlite3_free(z);
  {
    int cnt = -1;
    z = sqlite3_mprintf("abc%n|%d", &cnt, 5);
    CHECK_STR(z, "abc|5", "%n consumes its int*");
    CHECK(cnt == 3, "%n stores the length so far");
    sqlite3_free(z);
  }
  z = vm("%d %s %.3f", 1, "two", 3.0);
  CHECK_STR(z, "1 two 3.000", "vmprintf");
  sqlite3_free(z);
  CHECK(sqlite3_snprintf(sizeof buf, buf, "%s", "0123456789abcdefghij") == buf, "snprintf returns buf");
  CHECK_STR(buf, "0123456789abcde", "snprintf truncates to n-1");
  strcpy(buf, "keep");
  sqlite3_snprintf(0, buf, "%s", "zzz");
  CHECK_STR(buf, "keep", "snprintf n=0 is a no-op");
  sqlite3_snprintf(-1, buf, "%s", "zzz");
  CHECK_STR(buf, "keep", "snprintf n<0 is a no-op");
  sqlite3_snprintf(1, buf, "%s", "zzz");
  CHECK_STR(buf, "", "snprintf n=1 gives empty");

  SHOW("%d|%5d|%-5d|%05d", 42, 42, 42, -42);
  SHOW("%i|%+d|% d|%,d", -7, 5, 5, 1234567);
  SHOW("%u|%x|%X|%o|%#x|%#o", -1, 255, 255, 8, 255, 8);
  SHOW("%lu|%lx|%ld", 4294967296UL, 4294967296UL, -4294967296L);
  SHOW("%*d|%-*d|%.*d", 6, 3, 6, 3, 4, 3);
  SHOW("%c%c%c", 'a', 'b', 'c');
  SHOW("%5s|%-5s|%.2s|%5.1s", "abc", "abc", "abc", "abc");
  SHOW("%s|%q|%Q", "", "", "");
  SHOW("%f|%.0f|%.1f|%.10f", 3.14159, 2.5, 0.05, 1.0 / 3);
  SHOW("%e|%E|%.0e|%.3e", 12345.678, 0.000123, 5e10, -1.0);
  SHOW("%g|%g|%g|%g|%g", 0.0001, 0.00001, 100000.0, 1e6, 123456789.0);
  SHOW("%G|%.3g|%#g|%g", 1e-10, 3.14159, 1.0, 0.0);
  SHOW("%!.15g|%!.15g|%!.15g|%!.15g", 1.0, 0.1, 1e20, 123.456);
  SHOW("%!.15g|%!.15g", 9007199254740993.0, -2.5e-7);
  SHOW("%10.4f|%-10.2e|%010.3f|%+.2f", 3.14159, 31415.9, -3.14159, 2.0);
  SHOW("%f|%f|%f", 1e300 * 1e10, -1e300 * 1e10, 0.0);
  SHOW("%.20f|%.17g", 0.1, 0.1);
  SHOW("%lld%%|%%|%5%|x", 5LL);
  SHOW("%r|%r|%r|%r|%r", 1, 2, 3, 11, 22);
  SHOW("%.3c|%-3c|", 'x', 'y');
  SHOW("%q", "'''");
  SHOW("%.2q|%.2Q", "a'b'c", "a'b'c");
  SHOW("%s %s %s %s %s %s %s %s %s", "1", "2", "3", "4", "5", "6", "7", "8", "9");
  SHOW("%d %f %d %f %d %f %d %f %d %f", 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5);
  SHOW("%lld %g %lld %g %lld %g %lld %g %lld %g %lld %g", 1LL, 0.5, 2LL, 1.5, 3LL, 2.5, 4LL, 3.5, 5LL, 4.5, 6LL, 5.5);
  DONE();
}
