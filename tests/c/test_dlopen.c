/* Loads libvenc with dlopen, resolves every enc_* symbol with dlsym, encodes, dlcloses,
 * and does it all again: no thread-locals with destructors, every thread joined in close.
 * Usage: test_dlopen /path/to/libvenc.so */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "venc.h"
#include "check.h"

static const char *const kSymbols[] = {
    "enc_version", "enc_abi_version", "enc_strerror", "enc_config_default", "enc_open",
    "enc_open_simple", "enc_send_frame", "enc_send_frame_strided", "enc_flush", "enc_get_frame",
    "enc_get_packet", "enc_packet_free", "enc_request_keyframe", "enc_set_bitrate",
    "enc_get_stats", "enc_get_headers", "enc_max_packet_size", "enc_last_error", "enc_close",
    "enc_open_channels", "enc_memory_estimate",
};

typedef EncStatus (*open_simple_fn)(int32_t, int32_t, int32_t, int32_t, EncEncoder **);
typedef EncStatus (*send_fn)(EncEncoder *, const uint8_t *, size_t, int64_t, int32_t);
typedef EncStatus (*get_fn)(EncEncoder *, uint8_t *, size_t, EncPacketInfo *, int32_t);
typedef EncStatus (*close_fn)(EncEncoder *);

static void round_trip(const char *path, int round) {
  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  size_t i;
  CHECK(lib != NULL, "dlopen %s: %s", path, dlerror());
  if (!lib) return;
  for (i = 0; i < sizeof kSymbols / sizeof kSymbols[0]; i++) {
    CHECK(dlsym(lib, kSymbols[i]) != NULL, "dlsym %s (round %d)", kSymbols[i], round);
  }
  {
    open_simple_fn open_simple;
    send_fn send_frame;
    get_fn get_frame;
    close_fn close_enc;
    EncEncoder *enc = NULL;
    const int w = 176, h = 144;
    size_t fs = (size_t)w * h * 3 / 2, cap = 1 << 20;
    uint8_t *frame = malloc(fs), *buf = malloc(cap);
    EncPacketInfo info;
    int n, ok = 0;
    *(void **)&open_simple = dlsym(lib, "enc_open_simple");
    *(void **)&send_frame = dlsym(lib, "enc_send_frame");
    *(void **)&get_frame = dlsym(lib, "enc_get_frame");
    *(void **)&close_enc = dlsym(lib, "enc_close");
    memset(frame, 100, fs);
    CHECK(open_simple(ENC_CODEC_MJPEG, w, h, 2000, &enc) == ENC_OK, "open");
    for (n = 0; n < 10; n++) {
      frame[n] = (uint8_t)n;
      CHECK(send_frame(enc, frame, fs, n, -1) == ENC_OK, "send");
      if (get_frame(enc, buf, cap, &info, -1) == ENC_OK && info.pts == n && buf[0] == 0xFF) ok++;
    }
    CHECK(ok == 10, "%d packets", ok);
    CHECK(close_enc(enc) == ENC_OK, "close");
    free(frame);
    free(buf);
  }
  CHECK(dlclose(lib) == 0, "dlclose: %s", dlerror());
}

int main(int argc, char **argv) {
  int r;
  if (argc < 2) {
    fprintf(stderr, "usage: %s libvenc.so\n", argv[0]);
    return 2;
  }
  for (r = 0; r < 3; r++) round_trip(argv[1], r);
  return check_summary();
}
