/* Memory of channels, run by tests/memory.rs.
 *
 *   test_memory probe CODEC W H THREADS FRAMES
 *     opens one channel, encodes FRAMES frames, prints the address space (VmSize) and resident
 *     memory (VmRSS) the open and the frames added, and enc_memory_estimate's figure.
 *   test_memory limit CODEC W H THREADS FRAMES
 *     opens up to 32 such channels until enc_open says ENC_ERR_NO_MEMORY (run it under
 *     `prlimit --as=...`), then encodes FRAMES frames on every channel it got and closes them.
 *     Must exit 0 with every call answered by a code: no abort, no signal.
 * CODEC: h265 or mjpeg. Output lines are "key value" pairs the Rust test reads.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "venc.h"

/* The last error of `e` (NULL: of the process), in a static buffer. */
static const char *err(const EncEncoder *e) {
  static char buf[512];
  enc_last_error(e, buf, sizeof buf);
  return buf;
}

static EncConfig config(const char *codec, int w, int h, int threads) {
  EncConfig c;
  enc_config_default(&c, sizeof c);
  c.codec = strcmp(codec, "mjpeg") == 0 ? ENC_CODEC_MJPEG : ENC_CODEC_H265;
  c.width = w;
  c.height = h;
  c.threads = threads;
  return c;
}

/* A frame with texture everywhere (so packets have a realistic size), moving with t. */
static void fill(uint8_t *f, int w, int h, int t) {
  uint32_t s = 12345u + (uint32_t)t;
  for (long i = 0; i < (long)w * h; i++) {
    s = s * 1664525u + 1013904223u;
    f[i] = (uint8_t)(((i % w) + (i / w) + t * 3) / 2 + (s >> 28));
  }
  memset(f + (long)w * h, 128, (size_t)w * h / 2);
}

static int probe(const char *codec, int w, int h, int threads, int frames) {
  EncConfig c = config(codec, w, h, threads);
  uint64_t est = 0;
  EncStatus r = enc_memory_estimate(&c, &est);
  CHECK(r == ENC_OK, "enc_memory_estimate: %d %s", r, err(NULL));
  size_t frame_len = (size_t)w * h * 3 / 2;
  uint8_t *frame = malloc(frame_len);
  size_t cap = (size_t)w * h * 4;
  uint8_t *buf = malloc(cap);
  fill(frame, w, h, 0);
  memset(buf, 0, cap); /* touched now, so the figures below are venc's */
  long size0 = proc_status("VmSize"), rss0 = proc_status("VmRSS");
  EncEncoder *e = NULL;
  r = enc_open(&c, &e);
  CHECK(r == ENC_OK, "enc_open: %d %s", r, err(NULL));
  long size1 = proc_status("VmSize"), rss1 = proc_status("VmRSS");
  for (int t = 0; t < frames && r == ENC_OK; t++) {
    fill(frame, w, h, t);
    EncPacketInfo info;
    r = enc_send_frame(e, frame, frame_len, t, -1);
    CHECK(r == ENC_OK, "send %d: %d %s", t, r, err(e));
    if (r == ENC_OK) r = enc_get_frame(e, buf, cap, &info, -1);
    CHECK(r == ENC_OK, "get %d: %d %s", t, r, err(e));
  }
  long size2 = proc_status("VmSize"), rss2 = proc_status("VmRSS"), hwm = proc_status("VmHWM");
  printf("estimate_kib %llu\n", (unsigned long long)(est / 1024));
  printf("open_vmsize_kib %ld\nopen_rss_kib %ld\n", size1 - size0, rss1 - rss0);
  printf("frames_vmsize_kib %ld\nframes_rss_kib %ld\n", size2 - size0, rss2 - rss0);
  printf("hwm_kib %ld\n", hwm - rss0);
  enc_close(e);
  free(frame);
  free(buf);
  return check_summary();
}

static int limit(const char *codec, int w, int h, int threads, int frames) {
  EncConfig c = config(codec, w, h, threads);
  EncEncoder *enc[32] = {0};
  int opened = 0, no_memory = 0;
  /* The program's own buffers first: the channels are to take what is left. */
  size_t frame_len = (size_t)w * h * 3 / 2;
  uint8_t *frame = malloc(frame_len);
  size_t cap = frame_len;
  uint8_t *buf = malloc(cap);
  CHECK(frame && buf, "test buffers");
  for (int i = 0; i < 32; i++) {
    EncStatus r = enc_open(&c, &enc[opened]);
    if (r == ENC_OK) {
      opened++;
    } else {
      CHECK(r == ENC_ERR_NO_MEMORY, "open %d: %d %s", i, r, err(NULL));
      if (r == ENC_ERR_NO_MEMORY && !no_memory) printf("message %s\n", err(NULL));
      no_memory += r == ENC_ERR_NO_MEMORY;
    }
  }
  int frames_ok = 0, frames_no_memory = 0;
  for (int t = 0; t < frames && frame && buf; t++) {
    fill(frame, w, h, t);
    for (int i = 0; i < opened; i++) {
      EncPacketInfo info;
      EncStatus r = enc_send_frame(enc[i], frame, frame_len, t, -1);
      if (r == ENC_OK) r = enc_get_frame(enc[i], buf, cap, &info, -1);
      /* A frame may fail for want of memory (its packet could not be made); nothing else. */
      CHECK(r == ENC_OK || r == ENC_ERR_NO_MEMORY, "channel %d frame %d: %d %s", i, t, r,
            err(enc[i]));
      frames_ok += r == ENC_OK;
      frames_no_memory += r == ENC_ERR_NO_MEMORY;
    }
  }
  for (int i = 0; i < opened; i++) enc_close(enc[i]);
  CHECK(enc_open_channels() == 0, "%d channels still open", enc_open_channels());
  printf("opened %d\nno_memory %d\nframes_ok %d\nframes_no_memory %d\n", opened, no_memory,
         frames_ok, frames_no_memory);
  free(frame);
  free(buf);
  return check_summary();
}

int main(int argc, char **argv) {
  if (argc == 7 && strcmp(argv[1], "probe") == 0)
    return probe(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]), atoi(argv[6]));
  if (argc == 7 && strcmp(argv[1], "limit") == 0)
    return limit(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]), atoi(argv[6]));
  fprintf(stderr, "usage: test_memory probe|limit CODEC W H THREADS FRAMES\n");
  return 2;
}
