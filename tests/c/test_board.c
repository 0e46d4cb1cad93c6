/* Board-style C code: the way programs written for the RDK board's libspcdev use the encoder.
 * It includes no venc header: it declares the sp_codec.h prototypes itself, dlopens the library
 * by path and resolves the sp_ names, then encodes and writes the stream.
 * Usage: test_board /path/to/libvenc.so TYPE OUT_FILE   (TYPE 2 = H.265, 3 = MJPEG) */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define SP_ENCODER_H265 2
#define SP_ENCODER_MJPEG 3

typedef void *(*init_fn)(void);
typedef void (*release_fn)(void *obj);
typedef int32_t (*start_fn)(void *obj, int32_t chn, int32_t type, int32_t width, int32_t height, int32_t bits);
typedef int32_t (*stop_fn)(void *obj);
typedef int32_t (*set_frame_fn)(void *obj, char *frame_buffer, int32_t size);
typedef int32_t (*get_stream_fn)(void *obj, char *stream_buffer);
typedef int32_t (*max_fn)(void *obj);
typedef int32_t (*bounded_fn)(void *obj, char *buf, int32_t cap);
typedef size_t (*last_error_fn)(void *obj, char *buf, size_t cap);

#define LOAD(var, type, name)                              \
  do {                                                     \
    *(void **)&var = dlsym(lib, name);                     \
    CHECK(var != NULL, "dlsym %s", name);                  \
    if (!var) return check_summary();                      \
  } while (0)

int main(int argc, char **argv) {
  void *lib, *obj;
  init_fn sp_init_encoder_module;
  release_fn sp_release_encoder_module;
  start_fn sp_start_encode;
  stop_fn sp_stop_encode;
  set_frame_fn sp_encoder_set_frame, sp_set_frame;
  get_stream_fn sp_encoder_get_stream;
  max_fn sp_encoder_get_max_stream_size;
  bounded_fn sp_encoder_get_stream_bounded;
  last_error_fn sp_encoder_get_last_error;
  char msg[256];
  int type, i, w = 640, h = 480, written = 0;
  char *frame, *stream;
  FILE *out;

  if (argc < 4) {
    fprintf(stderr, "usage: %s libvenc.so TYPE OUT\n", argv[0]);
    return 2;
  }
  type = atoi(argv[2]);
  lib = dlopen(argv[1], RTLD_NOW);
  CHECK(lib != NULL, "dlopen: %s", dlerror());
  if (!lib) return check_summary();
  LOAD(sp_init_encoder_module, init_fn, "sp_init_encoder_module");
  LOAD(sp_release_encoder_module, release_fn, "sp_release_encoder_module");
  LOAD(sp_start_encode, start_fn, "sp_start_encode");
  LOAD(sp_stop_encode, stop_fn, "sp_stop_encode");
  LOAD(sp_encoder_set_frame, set_frame_fn, "sp_encoder_set_frame");
  LOAD(sp_set_frame, set_frame_fn, "sp_set_frame");
  LOAD(sp_encoder_get_stream, get_stream_fn, "sp_encoder_get_stream");
  LOAD(sp_encoder_get_max_stream_size, max_fn, "sp_encoder_get_max_stream_size");
  LOAD(sp_encoder_get_stream_bounded, bounded_fn, "sp_encoder_get_stream_bounded");
  LOAD(sp_encoder_get_last_error, last_error_fn, "sp_encoder_get_last_error");

  /* What crashes the board returns -1 here. */
  CHECK(sp_encoder_set_frame(NULL, NULL, 0) == -1, "send on NULL module");
  obj = sp_init_encoder_module();
  CHECK(obj != NULL, "init");
  frame = malloc((size_t)w * h * 3 / 2);
  stream = malloc((size_t)w * h * 2 + (1 << 20)); /* what board users allocate */
  memset(frame, 128, (size_t)w * h * 3 / 2);
  CHECK(sp_encoder_set_frame(obj, frame, w * h * 3 / 2) == -1, "send before start");
  CHECK(sp_stop_encode(obj) == -1, "stop before start");
  CHECK(sp_start_encode(obj, 3, type, w, h, 4000) == 0, "start");
  {
    void *other = sp_init_encoder_module();
    CHECK(sp_start_encode(other, 3, type, w, h, 4000) == -1, "channel 3 is taken");
    sp_release_encoder_module(other);
    sp_release_encoder_module(other); /* double release: no-op */
  }
  CHECK(sp_encoder_get_max_stream_size(obj) > 0, "max stream size");
  CHECK(sp_encoder_set_frame(obj, frame, w * h * 3 / 2 - 1) == -1, "wrong size");
  /* venc's addition: the object's own last error says what was expected. */
  CHECK(sp_encoder_get_last_error(obj, msg, sizeof msg) == strlen(msg) &&
            strcmp(msg, "frame is 460799 bytes, expected 460800 for 640x480 NV12") == 0,
        "per-object message: %s", msg);

  out = fopen(argv[3], "wb");
  for (i = 0; i < 30; i++) {
    int x, y, n;
    for (y = 0; y < h; y++)
      for (x = 0; x < w; x++) frame[y * w + x] = (char)((x + 4 * i) ^ (y / 4));
    n = (i % 2) ? sp_set_frame(obj, frame, w * h * 3 / 2) : sp_encoder_set_frame(obj, frame, w * h * 3 / 2);
    CHECK(n == 0, "set_frame %d", i);
    if (i == 5) {
      CHECK(sp_encoder_get_stream_bounded(obj, stream, 4) == -1, "too small: kept");
    }
    n = sp_encoder_get_stream(obj, stream);
    CHECK(n > 0, "get_stream %d", i);
    if (n > 0) {
      fwrite(stream, 1, (size_t)n, out);
      written++;
    }
  }
  fclose(out);
  CHECK(written == 30, "%d pictures", written);
  CHECK(sp_stop_encode(obj) == 0, "stop");
  CHECK(sp_stop_encode(obj) == -1, "double stop");
  CHECK(sp_encoder_get_stream(obj, stream) == -1, "get after stop");
  /* Restart on the same object (the board's way to get a keyframe). */
  CHECK(sp_start_encode(obj, 3, type, w, h, 4000) == 0, "restart");
  CHECK(sp_stop_encode(obj) == 0, "stop again");
  sp_release_encoder_module(obj);
  CHECK(sp_start_encode(obj, 3, type, w, h, 4000) == -1, "use after release");
  free(frame);
  free(stream);
  dlclose(lib);
  return check_summary();
}
