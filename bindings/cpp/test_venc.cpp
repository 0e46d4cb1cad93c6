// Tests of venc.hpp against the real libvenc. Prints "N passed, N failed".
#include <cstdio>
#include <cstring>
#include <thread>
#include <chrono>
#include <vector>

#include "venc.hpp"

static int passed = 0, failed = 0;
#define EXPECT(c)                                                    \
  do {                                                               \
    if (c) {                                                         \
      ++passed;                                                      \
    } else {                                                         \
      ++failed;                                                      \
      std::fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #c); \
    }                                                                \
  } while (0)

template <class F>
static EncStatus throws_code(F f) {
  try {
    f();
  } catch (const venc::Error& e) {
    return e.code();
  }
  return 0;
}

static std::vector<uint8_t> frame(int w, int h, int t) {
  std::vector<uint8_t> f(size_t(w) * h * 3 / 2, 128);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) f[size_t(y) * w + x] = uint8_t((x + 2 * t) ^ y);
  return f;
}

int main() {
  const int w = 320, h = 240;
  {
    venc::Config c(ENC_CODEC_MJPEG, w, h);
    c.rc_mode = ENC_RC_CONST_QUALITY;
    c.quality = 80;
    venc::Encoder enc(c);
    int got = 0;
    for (int i = 0; i < 10; ++i) {
      EXPECT(enc.send(frame(w, h, i), 500 + i));
      auto p = enc.get(-1);
      EXPECT(p && p->pts() == 500 + i && p->keyframe() && p->data()[0] == 0xFF && p->size() > 100);
      if (p) ++got;
    }
    EXPECT(got == 10);
    EXPECT(enc.stats().frames_out == 10);
    // Strided send equals packed send.
    std::vector<uint8_t> pad(size_t(384) * h * 3 / 2);
    auto f = frame(w, h, 3);
    for (int y = 0; y < h * 3 / 2; ++y) std::memcpy(&pad[size_t(y) * 384], &f[size_t(y) * w], w);
    EXPECT(enc.send(pad.data(), 384, pad.data() + size_t(384) * h, 384, 1));
    auto a = enc.get();
    EXPECT(enc.send(f, 2));
    auto b = enc.get();
    EXPECT(a && b && a->size() == b->size() && std::memcmp(a->data(), b->data(), a->size()) == 0);
    // Errors carry the library's message.
    try {
      enc.send(f.data(), f.size() - 1, 0);
      EXPECT(false);
    } catch (const venc::Error& e) {
      EXPECT(e.code() == ENC_ERR_INVALID_ARG);
      EXPECT(std::strstr(e.what(), "frame is 115199 bytes, expected 115200 for 320x240 NV12") != nullptr);
    }
    enc.flush();
    EXPECT(!enc.get(-1) && enc.eof());
    EXPECT(throws_code([&] { enc.send(f, 9); }) == ENC_ERR_WRONG_STATE);
    // Move-only ownership: the moved-from object is closed, not double-closed.
    venc::Encoder moved = std::move(enc);
    EXPECT(!enc.is_open() && moved.is_open());
    EXPECT(throws_code([&] { enc.flush(); }) == ENC_ERR_BAD_HANDLE);
    moved.close();
    moved.close();
    EXPECT(throws_code([&] { moved.get(0); }) == ENC_ERR_BAD_HANDLE);
  }
  EXPECT(throws_code([] { venc::Encoder e(ENC_CODEC_MJPEG, 17, 16); }) == ENC_ERR_INVALID_ARG);
  EXPECT(throws_code([] { venc::Encoder e(ENC_CODEC_H264, 64, 64); }) == ENC_ERR_UNSUPPORTED);
  {
    // A waiter is woken by close from another thread, with an error.
    venc::Encoder enc(ENC_CODEC_MJPEG, 64, 64);
    EncEncoder* raw = enc.handle();
    EncStatus st = 0;
    std::thread t([&] {
      EncPacket* p = nullptr;
      st = enc_get_packet(raw, &p, -1);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    enc.close();
    t.join();
    EXPECT(st == ENC_ERR_BAD_HANDLE);
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
