/* Deliberate faults for tests/sanitizers.rs: proves that valgrind and the sanitizers do report
 * each kind of fault here before their silence on the real programs is taken as a result.
 * Usage: sanitizer_probe clean|leak|overflow|ubsan */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Through a volatile the compiler cannot drop the allocation or the faulty access. */
static char *volatile g_sink;

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "clean";
  volatile int big = INT_MAX;
  char *p = malloc(16);
  if (!p) return 2;
  memset(p, 0, 16);
  g_sink = p;
  if (strcmp(mode, "leak") == 0) {
    g_sink = NULL; /* the only pointer to the block is gone: definitely lost */
    return 0;
  }
  if (strcmp(mode, "overflow") == 0) {
    volatile char c = g_sink[16]; /* one byte past the block */
    (void)c;
  }
  if (strcmp(mode, "ubsan") == 0) {
    int x = big + 1; /* signed overflow */
    printf("%d\n", x);
  }
  free(p);
  return 0;
}
