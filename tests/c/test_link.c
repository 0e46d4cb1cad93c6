/* Links libvenc and exercises the C API: encode, packets, misuse, error messages.
 * Usage: test_link OUT.mjpeg [OUT.h265]   (writes 30 frames of 640x480 MJPEG, and 10 frames of
 * 200x120 H.265 through enc_open_simple(2, ...), for ffmpeg to check).
 * VENC_TEST_FRAMES=N (at least 4) encodes N MJPEG frames instead of 30: fewer under valgrind. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "venc.h"
#include "check.h"

static void fill(uint8_t *f, int w, int h, int t) {
  int x, y;
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++) f[y * w + x] = (uint8_t)((x + 2 * t) ^ y);
  for (y = 0; y < h / 2; y++)
    for (x = 0; x < w; x++) f[w * h + y * w + x] = (uint8_t)(128 + ((x + y + t) & 31) - 16);
}

static int mjpeg_frames(void) {
  const char *s = getenv("VENC_TEST_FRAMES");
  int n = s ? atoi(s) : 30;
  return n < 4 ? 4 : n;
}

static const char *last_err(const EncEncoder *h) {
  static char buf[512];
  enc_last_error(h, buf, sizeof buf);
  return buf;
}

int main(int argc, char **argv) {
  const int w = 640, h = 480;
  size_t fsize = (size_t)w * h * 3 / 2;
  uint8_t *frame = malloc(fsize + 64);
  uint8_t *buf = NULL;
  size_t cap = 0;
  EncEncoder *enc = NULL;
  EncStatus st;
  EncPacketInfo info;
  FILE *out;
  int i, got = 0, frames = mjpeg_frames();
  EncConfig cfg;

  CHECK(enc_abi_version() == ENC_ABI_VERSION, "abi %u", enc_abi_version());
  CHECK(strlen(enc_version()) > 0, "version");
  CHECK(strcmp(enc_strerror(12345), "unknown status code") == 0, "strerror of junk");

  /* Misuse before anything is open: no crash, clear codes. */
  CHECK(enc_close(NULL) == ENC_OK, "close(NULL) is a no-op");
  CHECK(enc_send_frame(NULL, frame, fsize, 0, 0) == ENC_ERR_BAD_HANDLE, "send on NULL");
  CHECK(enc_get_frame(NULL, frame, fsize, &info, 0) == ENC_ERR_BAD_HANDLE, "get on NULL");
  CHECK(enc_send_frame((EncEncoder *)(uintptr_t)0x12345678, frame, fsize, 0, 0) == ENC_ERR_BAD_HANDLE,
        "forged handle");
  CHECK(enc_open_simple(ENC_CODEC_MJPEG, w, h, 4000, NULL) == ENC_ERR_INVALID_ARG, "NULL out");
  CHECK(enc_open_simple(ENC_CODEC_MJPEG, 641, 480, 4000, &enc) == ENC_ERR_INVALID_ARG && enc == NULL, "odd width");
  CHECK(strstr(last_err(NULL), "width is 641") != NULL, "message names the width: %s", last_err(NULL));
  CHECK(enc_open_simple(ENC_CODEC_MJPEG, 8192, 480, 4000, &enc) == ENC_ERR_INVALID_ARG, "too wide");
  CHECK(enc_open_simple(ENC_CODEC_MJPEG, 0, 0, 4000, &enc) == ENC_ERR_INVALID_ARG, "zero size");
  CHECK(enc_open_simple(ENC_CODEC_MJPEG, w, h, 0, &enc) == ENC_ERR_INVALID_ARG, "bitrate 0 in CBR");
  CHECK(enc_open_simple(7, w, h, 4000, &enc) == ENC_ERR_INVALID_ARG, "unknown codec");
  CHECK(strstr(last_err(NULL), "unknown codec 7") != NULL, "message: %s", last_err(NULL));
  CHECK(enc_open_simple(ENC_CODEC_H264, w, h, 4000, &enc) == ENC_ERR_UNSUPPORTED, "H.264 unsupported");
  CHECK(enc_open(NULL, &enc) == ENC_ERR_INVALID_ARG, "NULL config");
  cfg.struct_size = 3;
  CHECK(enc_open(&cfg, &enc) == ENC_ERR_INVALID_ARG, "bad struct_size");

  /* Open with a full config. */
  CHECK(enc_config_default(&cfg, sizeof cfg) == ENC_OK, "defaults");
  CHECK(cfg.bitrate_kbps == 8000 && cfg.fps_num == 30 && cfg.intra_period == 30 && cfg.channel == -1,
        "board defaults");
  cfg.codec = ENC_CODEC_MJPEG;
  cfg.width = w;
  cfg.height = h;
  cfg.rc_mode = ENC_RC_CONST_QUALITY;
  cfg.quality = 80;
  cfg.channel = 5;
  cfg.flags = ENC_FLAG_PSNR;
  st = enc_open(&cfg, &enc);
  CHECK(st == ENC_OK && enc != NULL, "open: %d %s", st, last_err(NULL));
  if (!enc) return check_summary();
  {
    EncEncoder *other = NULL;
    CHECK(enc_open(&cfg, &other) == ENC_ERR_BUSY && other == NULL, "channel 5 taken");
  }
  CHECK(enc_get_frame(enc, frame, fsize, &info, 0) == ENC_AGAIN, "nothing yet");
  CHECK(enc_send_frame(enc, frame, fsize - 1, 0, 0) == ENC_ERR_INVALID_ARG, "short frame");
  CHECK(strstr(last_err(enc), "frame is 460799 bytes, expected 460800 for 640x480 NV12") != NULL,
        "message: %s", last_err(enc));
  CHECK(enc_send_frame(enc, NULL, 5, 0, 0) == ENC_ERR_INVALID_ARG, "NULL data with a length");

  out = fopen(argc > 1 ? argv[1] : "test_link.mjpeg", "wb");
  CHECK(out != NULL, "open output");
  for (i = 0; i < frames; i++) {
    fill(frame, w, h, i);
    if (i % 2 == 0) {
      st = enc_send_frame(enc, frame, fsize, 1000 + i, -1);
    } else {
      /* Strided: rows padded to 704 bytes. */
      int s = 704, y;
      uint8_t *pad = calloc((size_t)s * h * 3 / 2, 1);
      EncFrame f;
      for (y = 0; y < h; y++) memcpy(pad + (size_t)y * s, frame + (size_t)y * w, (size_t)w);
      for (y = 0; y < h / 2; y++) memcpy(pad + (size_t)s * h + (size_t)y * s, frame + (size_t)w * h + (size_t)y * w, (size_t)w);
      f.y = pad;
      f.y_stride = s;
      f.uv = pad + (size_t)s * h;
      f.uv_stride = s;
      st = enc_send_frame_strided(enc, &f, 1000 + i, -1);
      free(pad);
    }
    CHECK(st == ENC_OK, "send %d: %d %s", i, st, last_err(enc));
    /* First get with a 1-byte buffer: the size comes back, the packet stays. */
    if (i == 3) {
      uint8_t tiny[1];
      st = enc_get_frame(enc, tiny, sizeof tiny, &info, -1);
      CHECK(st == ENC_ERR_BUFFER_TOO_SMALL && info.size > 1, "too small: %d size %zu", st, info.size);
      if (info.size > cap) {
        cap = info.size;
        buf = realloc(buf, cap);
      }
    }
    if (!buf) {
      size_t m = 0;
      CHECK(enc_max_packet_size(enc, &m) == ENC_OK && m > 1000, "max packet size %zu", m);
      cap = m;
      buf = malloc(cap);
    }
    st = enc_get_frame(enc, buf, cap, &info, -1);
    CHECK(st == ENC_OK, "get %d: %d %s", i, st, last_err(enc));
    if (st == ENC_OK) {
      got++;
      CHECK(info.pts == 1000 + i, "pts %lld != %d", (long long)info.pts, 1000 + i);
      CHECK(info.frame_num == (uint64_t)i, "frame_num");
      CHECK(info.keyframe == 1, "every JPEG is a keyframe");
      CHECK(info.has_psnr == 1 && info.psnr_y > 30.0, "psnr %f", info.psnr_y);
      CHECK(info.size > 100 && buf[0] == 0xFF && buf[1] == 0xD8 && buf[info.size - 2] == 0xFF &&
                buf[info.size - 1] == 0xD9, "JPEG SOI/EOI");
      if (out) fwrite(buf, 1, info.size, out);
    }
  }
  if (out) fclose(out);
  CHECK(got == frames, "got %d packets of %d", got, frames);

  {
    EncStats s;
    memset(&s, 0, sizeof s);
    s.struct_size = sizeof s;
    CHECK(enc_get_stats(enc, &s) == ENC_OK, "stats");
    CHECK(s.frames_in == (uint64_t)frames && s.frames_out == (uint64_t)frames && s.bytes_out > 0 &&
              s.has_psnr == 1, "stats values");
    CHECK(enc_request_keyframe(enc) == ENC_OK, "keyframe request");
    CHECK(enc_set_bitrate(enc, 2000) == ENC_OK, "set bitrate");
    CHECK(enc_set_bitrate(enc, 0) == ENC_ERR_INVALID_ARG, "bitrate 0");
    CHECK(enc_set_bitrate(enc, -5) == ENC_ERR_INVALID_ARG, "bitrate -5");
  }

  /* Library-owned packet, then flush: every packet, then EOF, then sends are refused. */
  {
    EncPacket *p = NULL;
    fill(frame, w, h, 99);
    CHECK(enc_send_frame(enc, frame, fsize, 77, -1) == ENC_OK, "send");
    CHECK(enc_send_frame(enc, frame, fsize, 78, -1) == ENC_OK, "send");
    CHECK(enc_send_frame(enc, NULL, 0, 0, 0) == ENC_OK, "flush");
    CHECK(enc_send_frame(enc, frame, fsize, 79, 0) == ENC_ERR_WRONG_STATE, "send after flush");
    CHECK(strstr(last_err(enc), "flush") != NULL, "message: %s", last_err(enc));
    CHECK(enc_get_packet(enc, &p, -1) == ENC_OK && p && p->info.pts == 77 && p->size == p->info.size, "packet 77");
    enc_packet_free(&p);
    CHECK(p == NULL, "free sets NULL");
    enc_packet_free(&p); /* no-op */
    enc_packet_free(NULL);
    CHECK(enc_get_packet(enc, &p, -1) == ENC_OK && p && p->info.pts == 78, "packet 78");
    enc_packet_free(&p);
    CHECK(enc_get_packet(enc, &p, -1) == ENC_EOF && p == NULL, "EOF");
    CHECK(enc_get_frame(enc, buf, cap, &info, 0) == ENC_EOF, "EOF again");
  }

  CHECK(enc_close(enc) == ENC_OK, "close");
  CHECK(enc_close(enc) == ENC_ERR_BAD_HANDLE, "double close");

  /* H.265 through the seed's one-call open: one access unit per frame, keyframes flagged,
   * parameter sets in front of each IDR and also available on their own. */
  {
    const int hw = 200, hh = 120;
    size_t hsz = (size_t)hw * hh * 3 / 2;
    EncEncoder *he = NULL;
    FILE *ho = fopen(argc > 2 ? argv[2] : "test_link.h265", "wb");
    uint8_t hdr[256];
    size_t hdr_len = 0;
    int n = 0;
    CHECK(enc_open_simple(ENC_CODEC_H265, hw, hh, 1000, &he) == ENC_OK && he, "open H.265: %s", last_err(NULL));
    if (he) {
      CHECK(enc_get_headers(he, hdr, sizeof hdr, &hdr_len) == ENC_OK && hdr_len > 20, "headers %zu", hdr_len);
      CHECK(hdr[0] == 0 && hdr[1] == 0 && hdr[2] == 0 && hdr[3] == 1 && (hdr[4] >> 1) == 32, "VPS first");
      for (i = 0; i < 10; i++) {
        fill(frame, hw, hh, i);
        CHECK(enc_send_frame(he, frame, hsz, 500 + i, -1) == ENC_OK, "send h265 %d: %s", i, last_err(he));
      }
      CHECK(enc_send_frame(he, NULL, 0, 0, 0) == ENC_OK, "flush h265");
      for (;;) {
        EncPacket *p = NULL;
        st = enc_get_packet(he, &p, -1);
        if (st != ENC_OK) break;
        CHECK(p->info.pts == 500 + n && p->info.frame_num == (uint64_t)n, "h265 pts/frame %d", n);
        /* Default intra period 30: an IDR, then P pictures. */
        CHECK(p->info.keyframe == (n == 0), "keyframe flag of packet %d", n);
        /* The IDR access unit starts with the VPS, exactly the bytes of enc_get_headers. */
        CHECK((p->size > hdr_len && memcmp(p->data, hdr, hdr_len) == 0) == (n == 0), "AU %d headers", n);
        if (ho) fwrite(p->data, 1, p->size, ho);
        enc_packet_free(&p);
        n++;
      }
      CHECK(st == ENC_EOF && n == 10, "h265: %d packets then EOF (%d)", n, st);
      CHECK(enc_close(he) == ENC_OK, "close h265");
    }
    if (ho) fclose(ho);
  }
  CHECK(enc_get_frame(enc, buf, cap, &info, 0) == ENC_ERR_BAD_HANDLE, "get after close");
  CHECK(enc_send_frame(enc, frame, fsize, 0, 0) == ENC_ERR_BAD_HANDLE, "send after close");
  CHECK(strstr(last_err(enc), "bad handle") != NULL, "message: %s", last_err(enc));
  CHECK(enc_open_channels() == 0, "no channel left open: %d", enc_open_channels());

  free(frame);
  free(buf);
  return check_summary();
}
