/* Library-level API: versions, threading checks clients make, memory, mutexes, strings,
** keywords, errstr. Runs identically against system SQLite 3.40.1 (differential). */
#include "sqlite3.h"
#include "check.h"

extern const char sqlite3_version[];

int main(void) {
  CHECK_STR(sqlite3_libversion(), "3.40.1", "libversion");
  CHECK_STR(sqlite3_libversion(), SQLITE_VERSION, "libversion == header SQLITE_VERSION");
  CHECK_INT(sqlite3_libversion_number(), 3040001, "libversion_number");
  CHECK(strncmp(sqlite3_sourceid(), "2022-12-28 14:03:47 df5c253c0b3dd24916e4ec7cf77d3db5294cc9fd", 60) == 0,
        "sourceid starts with 3.40.1's 60-char id (shell check)");
  CHECK(strncmp(sqlite3_sourceid(), SQLITE_SOURCE_ID, 60) == 0, "sourceid matches header (60 chars)");
  CHECK_STR(sqlite3_version, "3.40.1", "sqlite3_version data symbol is a char array");
  CHECK_INT(sqlite3_threadsafe(), 1, "threadsafe");
  {
    sqlite3_mutex *m = sqlite3_mutex_alloc(SQLITE_MUTEX_FAST);
    CHECK(m != 0 && (size_t)m != 8, "mutex_alloc(0) is a real mutex (rusqlite check)");
    sqlite3_mutex *r = sqlite3_mutex_alloc(SQLITE_MUTEX_RECURSIVE);
    sqlite3_mutex_enter(r);
    sqlite3_mutex_enter(r);
    CHECK_INT(sqlite3_mutex_try(r), SQLITE_OK, "recursive mutex re-entered by its owner");
    sqlite3_mutex_leave(r);
    sqlite3_mutex_leave(r);
    sqlite3_mutex_leave(r);
    sqlite3_mutex_free(r);
    sqlite3_mutex_free(m);
    CHECK(sqlite3_mutex_alloc(SQLITE_MUTEX_STATIC_MAIN) == sqlite3_mutex_alloc(SQLITE_MUTEX_STATIC_MAIN), "static mutex is static");
  }
  CHECK_INT(sqlite3_initialize(), SQLITE_OK, "initialize");
  {
    char *p = sqlite3_malloc(10);
    CHECK(p != 0, "malloc");
    CHECK_INT(sqlite3_msize(p), 16, "msize rounds to 8 like SQLite's system allocator");
    memcpy(p, "123456789", 10);
    p = sqlite3_realloc(p, 100);
    CHECK_STR(p, "123456789", "realloc keeps content");
    CHECK(sqlite3_msize(p) >= 100, "msize after realloc");
    sqlite3_free(p);
    CHECK(sqlite3_malloc(0) == 0, "malloc(0) is NULL");
    CHECK(sqlite3_malloc(-5) == 0, "malloc(<0) is NULL");
    CHECK(sqlite3_realloc(0, 0) == 0, "realloc(NULL, 0) is NULL");
    CHECK_INT(sqlite3_msize(0), 0, "msize(NULL)");
    p = sqlite3_malloc64(24);
    CHECK(p != 0 && sqlite3_msize(p) == 24, "malloc64");
    sqlite3_free(p);
    sqlite3_free(0);
  }
  CHECK_INT(sqlite3_complete("select 1;"), 1, "complete: simple");
  CHECK_INT(sqlite3_complete("select 1"), 0, "complete: no semicolon");
  CHECK_INT(sqlite3_complete("select 'a;b'"), 0, "complete: semicolon in string");
  CHECK_INT(sqlite3_complete("select 1; -- trailing comment"), 1, "complete: comment after");
  CHECK_INT(sqlite3_complete("CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1;"), 0, "complete: open trigger");
  CHECK_INT(sqlite3_complete("CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END;"), 1, "complete: trigger");
  CHECK_INT(sqlite3_complete("/* unterminated"), 0, "complete: open comment");
  CHECK_INT(sqlite3_complete(""), 0, "complete: empty");
  CHECK_INT(sqlite3_stricmp("ABC", "abc"), 0, "stricmp");
  CHECK(sqlite3_stricmp("abc", "abd") < 0, "stricmp order");
  CHECK_INT(sqlite3_strnicmp("ABCx", "abcy", 3), 0, "strnicmp");
  CHECK_INT(sqlite3_strglob("a*[0-9]", "abc5"), 0, "strglob match");
  CHECK(sqlite3_strglob("a*[0-9]", "abcx") != 0, "strglob mismatch");
  CHECK_INT(sqlite3_strlike("A%c", "abc", 0), 0, "strlike match (case-insensitive)");
  CHECK_INT(sqlite3_strlike("a!%", "a%", '!'), 0, "strlike escape");
  CHECK(sqlite3_strlike("a!%", "ab", '!') != 0, "strlike escape mismatch");
  CHECK_INT(sqlite3_keyword_count(), 147, "keyword_count");
  {
    const char *z; int n;
    CHECK_INT(sqlite3_keyword_name(0, &z, &n), SQLITE_OK, "keyword_name");
    CHECK(n == 7 && strncmp(z, "REINDEX", 7) == 0, "keyword 0 is REINDEX");
    CHECK_INT(sqlite3_keyword_name(147, &z, &n), SQLITE_ERROR, "keyword_name out of range");
    CHECK_INT(sqlite3_keyword_check("select", 6), 1, "keyword_check");
    CHECK_INT(sqlite3_keyword_check("selectx", 7), 0, "keyword_check no");
  }
  CHECK_STR(sqlite3_errstr(SQLITE_BUSY), "database is locked", "errstr BUSY");
  CHECK_STR(sqlite3_errstr(SQLITE_CONSTRAINT_UNIQUE), "constraint failed", "errstr extended");
  CHECK_STR(sqlite3_errstr(SQLITE_ROW), "another row available", "errstr ROW");
  CHECK_INT(sqlite3_errcode(0), SQLITE_NOMEM, "errcode(NULL)");
  CHECK_STR(sqlite3_errmsg(0), "out of memory", "errmsg(NULL)");
  CHECK_INT(sqlite3_close(0), SQLITE_OK, "close(NULL)");
  CHECK_INT(sqlite3_close_v2(0), SQLITE_OK, "close_v2(NULL)");
  CHECK_INT(sqlite3_finalize(0), SQLITE_OK, "finalize(NULL)");
  CHECK_INT(sqlite3_reset(0), SQLITE_OK, "reset(NULL)");
  CHECK(sqlite3_column_text(0, 0) == 0, "column_text(NULL)");
  CHECK_INT(sqlite3_column_count(0), 0, "column_count(NULL)");
  CHECK_INT(sqlite3_step(0), SQLITE_MISUSE, "step(NULL)");
  CHECK_INT(sqlite3_bind_int(0, 1, 1), SQLITE_MISUSE, "bind(NULL)");
  {
    sqlite3 *db = (sqlite3 *)1;
    CHECK_INT(sqlite3_open_v2(":memory:", &db, 0, 0), SQLITE_MISUSE, "open_v2 without READ flags");
    CHECK(db != 0 && db != (sqlite3 *)1, "open_v2 misuse still returns a handle (as SQLite)");
    CHECK_INT(sqlite3_errcode(db), SQLITE_MISUSE, "errcode of that handle");
    CHECK_INT(sqlite3_close(db), SQLITE_OK, "close it");
  }
  {
    sqlite3_str *s = sqlite3_str_new(0);
    sqlite3_str_appendall(s, "abc");
    sqlite3_str_appendchar(s, 3, 'x');
    sqlite3_str_append(s, "defgh", 2);
    sqlite3_str_appendf(s, "[%d|%q]", 42, "it's");
    CHECK_INT(sqlite3_str_length(s), 18, "str_length");
    CHECK_STR(sqlite3_str_value(s), "abcxxxde[42|it''s]", "str_value");
    char *z = sqlite3_str_finish(s);
    CHECK_STR(z, "abcxxxde[42|it''s]", "str_finish");
    sqlite3_free(z);
    s = sqlite3_str_new(0);
    CHECK(sqlite3_str_finish(s) == 0, "str_finish of empty is NULL");
  }
  {
    unsigned char a[16] = {0}, b[16] = {0};
    sqlite3_randomness(16, a);
    sqlite3_randomness(16, b);
    CHECK(memcmp(a, b, 16) != 0, "randomness");
  }
  {
    sqlite3_vfs *v = sqlite3_vfs_find(0);
    CHECK(v != 0 && strcmp(v->zName, "unix") == 0, "vfs_find(NULL) is unix");
    CHECK(sqlite3_vfs_find("nosuchvfs") == 0, "vfs_find unknown");
  }
  DONE();
}
