/* Tiny test harness for the C programs: prints "N passed, N failed" at the end. */
#ifndef VENC_TEST_CHECK_H
#define VENC_TEST_CHECK_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int g_passed, g_failed;

#define CHECK(cond, ...)                                                   \
  do {                                                                     \
    if (cond) {                                                            \
      g_passed++;                                                          \
    } else {                                                               \
      g_failed++;                                                          \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);      \
      fprintf(stderr, __VA_ARGS__);                                        \
      fprintf(stderr, "\n");                                               \
    }                                                                      \
  } while (0)

/* A number field of /proc/self/status (e.g. "VmRSS" in KiB, "Threads"), or -1. Inline: not
 * every program uses it (-Werror). */
static inline long proc_status(const char *field) {
  char line[256];
  long v = -1;
  size_t n = strlen(field);
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, field, n) == 0 && line[n] == ':') {
      v = strtol(line + n + 1, NULL, 10);
      break;
    }
  }
  fclose(f);
  return v;
}

static int check_summary(void) {
  printf("%d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
#endif
