/* dlopen -> open a channel -> encode a frame -> close -> dlclose, N times. After a warm-up the
 * process must not grow: threads and open file descriptors exactly as after the warm-up, VmRSS
 * within a margin.
 *
 * Mode "thread" makes the venc calls of each cycle on a new thread that exits before the
 * dlclose: the library must then really be unloaded (no mapping of it left, RTLD_NOLOAD finds
 * nothing), so every cycle loads it afresh. Mode "main" makes them on the main thread: there
 * glibc keeps the library loaded after the first dlclose (Rust's std registers a thread-local
 * destructor in a thread that spawns one, and glibc does not unload a library with a pending
 * thread-local destructor; rust-lang/rust#59629), so the cycles reuse one mapping; the
 * program reports whether it was unloaded and checks the same growth limits.
 * Usage: test_dlopen_cycles /path/to/libvenc.so [CYCLES (50)] [thread|main (thread)]
 *        [RSS_MARGIN_KB (2048): the growth of VmRSS allowed after the warm-up] */
#include <dirent.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "venc.h"
#include "check.h"

/* Cycles before the baseline is taken (fewer when there are fewer than twice as many cycles). */
#define WARMUP 10

typedef EncStatus (*open_simple_fn)(int32_t, int32_t, int32_t, int32_t, EncEncoder **);
typedef EncStatus (*send_fn)(EncEncoder *, const uint8_t *, size_t, int64_t, int32_t);
typedef EncStatus (*get_fn)(EncEncoder *, uint8_t *, size_t, EncPacketInfo *, int32_t);
typedef EncStatus (*close_fn)(EncEncoder *);
typedef int32_t (*count_fn)(void);

/* Open file descriptors (the directory stream's own is not counted). */
static long open_fds(void) {
  long n = 0;
  struct dirent *e;
  DIR *d = opendir("/proc/self/fd");
  if (!d) return -1;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] != '.') n++;
  }
  closedir(d);
  return n - 1;
}

/* Lines of /proc/self/maps naming the library's file. */
static int mappings_of(const char *path) {
  char line[4096];
  int n = 0;
  const char *base = strrchr(path, '/');
  FILE *f = fopen("/proc/self/maps", "r");
  base = base ? base + 1 : path;
  if (!f) return -1;
  while (fgets(line, sizeof line, f)) {
    if (strstr(line, base)) n++;
  }
  fclose(f);
  return n;
}

/* The venc calls of one cycle, on whichever thread runs them. */
struct calls {
  open_simple_fn open_simple;
  send_fn send_frame;
  get_fn get_frame;
  close_fn close_enc;
  count_fn open_channels;
  int i;
  uint8_t *frame, *buf;
  size_t cap;
  int ok;
};

static void *make_calls(void *arg) {
  struct calls *c = arg;
  EncEncoder *enc = NULL;
  EncPacketInfo info;
  /* Alternate the codecs: both codecs' code and state get loaded and unloaded. */
  int codec = (c->i % 2) ? ENC_CODEC_H265 : ENC_CODEC_MJPEG;
  c->frame[0] = (uint8_t)c->i;
  c->ok = c->open_simple(codec, 64, 48, 500, &enc) == ENC_OK;
  c->ok &= enc && c->send_frame(enc, c->frame, 64 * 48 * 3 / 2, 1000 + c->i, -1) == ENC_OK;
  c->ok &= enc && c->get_frame(enc, c->buf, c->cap, &info, -1) == ENC_OK && info.pts == 1000 + c->i &&
           info.keyframe == 1;
  c->ok &= enc && c->close_enc(enc) == ENC_OK;
  c->ok &= c->open_channels() == 0;
  return NULL;
}

/* One cycle; returns 1 when every step worked, and sets *unloaded. */
static int cycle(const char *path, int i, int on_thread, struct calls *c, int *unloaded) {
  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  CHECK(lib != NULL, "cycle %d: dlopen: %s", i, dlerror());
  if (!lib) return 0;
  *(void **)&c->open_simple = dlsym(lib, "enc_open_simple");
  *(void **)&c->send_frame = dlsym(lib, "enc_send_frame");
  *(void **)&c->get_frame = dlsym(lib, "enc_get_frame");
  *(void **)&c->close_enc = dlsym(lib, "enc_close");
  *(void **)&c->open_channels = dlsym(lib, "enc_open_channels");
  c->i = i;
  c->ok = 0;
  if (c->open_simple && c->send_frame && c->get_frame && c->close_enc && c->open_channels) {
    if (on_thread) {
      pthread_t t;
      CHECK(pthread_create(&t, NULL, make_calls, c) == 0 && pthread_join(t, NULL) == 0,
            "cycle %d: thread", i);
    } else {
      make_calls(c);
    }
  }
  CHECK(c->ok, "cycle %d: dlsym, open, send, get, close", i);
  CHECK(dlclose(lib) == 0, "cycle %d: dlclose: %s", i, dlerror());
  /* Unloaded for real: nothing mapped, and a no-load open finds nothing. */
  lib = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
  *unloaded = lib == NULL && mappings_of(path) == 0;
  if (lib) dlclose(lib);
  if (on_thread) {
    CHECK(*unloaded, "cycle %d: still loaded after dlclose (%d mappings)", i, mappings_of(path));
  }
  return c->ok;
}

int main(int argc, char **argv) {
  int cycles, warmup, i, done = 0, on_thread, unloaded = 0, unloads = 0;
  long margin_kb, rss0 = 0, thr0 = 0, fd0 = 0, rss, thr, fd, rss_max = 0;
  struct calls c;
  if (argc < 2) {
    fprintf(stderr, "usage: %s libvenc.so [cycles] [thread|main] [rss_margin_kb]\n", argv[0]);
    return 2;
  }
  cycles = argc > 2 ? atoi(argv[2]) : 50;
  on_thread = argc > 3 ? strcmp(argv[3], "main") != 0 : 1;
  margin_kb = argc > 4 ? atol(argv[4]) : 2048;
  if (cycles < 2) cycles = 2;
  warmup = cycles >= 2 * WARMUP ? WARMUP : cycles / 2;
  c.cap = 1 << 20;
  c.frame = malloc(64 * 48 * 3 / 2);
  c.buf = malloc(c.cap);
  if (!c.frame || !c.buf) return 2;
  memset(c.frame, 90, 64 * 48 * 3 / 2);
  for (i = 0; i < cycles; i++) {
    done += cycle(argv[1], i, on_thread, &c, &unloaded);
    unloads += unloaded;
    rss = proc_status("VmRSS");
    thr = proc_status("Threads");
    fd = open_fds();
    if (i == warmup - 1) {
      rss0 = rss;
      thr0 = thr;
      fd0 = fd;
    } else if (i >= warmup) {
      if (rss > rss_max) rss_max = rss;
      CHECK(thr == thr0, "cycle %d: %ld threads, %ld after the warm-up", i, thr, thr0);
      CHECK(fd == fd0, "cycle %d: %ld open fds, %ld after the warm-up", i, fd, fd0);
    }
  }
  CHECK(done == cycles, "%d of %d cycles worked", done, cycles);
  CHECK(rss_max - rss0 <= margin_kb, "VmRSS grew from %ld kB to %ld kB (margin %ld kB)", rss0, rss_max,
        margin_kb);
  printf("%d cycles on the %s thread, unloaded after %d: VmRSS %ld kB after the warm-up, %ld kB at most "
         "after; threads %ld, fds %ld\n",
         cycles, on_thread ? "new" : "main", unloads, rss0, rss_max, thr0, fd0);
  free(c.frame);
  free(c.buf);
  return check_summary();
}
