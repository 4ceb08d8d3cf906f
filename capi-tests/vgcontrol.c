/* Control for the memcheck harness: leaks one block on purpose and reads one byte past an
** allocation, so the harness must report errors for it (proof that it can see them). */
#include <stdlib.h>
#include <stdio.h>
#include "sqlite3.h"
int main(void) {
  char *p = malloc(16);
  volatile char c = p[16];   /* invalid read */
  p = malloc(32);            /* the first block is now leaked */
  p = 0;                     /* and so is the second */
  printf("control %d %s\n", (int)c, sqlite3_libversion());
  return 0;
}
