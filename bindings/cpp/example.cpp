// Encodes a generated moving scene to a file: example.cpp OUT.{h265,mjpeg} [frames]
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "venc.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s OUT.h265|OUT.mjpeg [frames]\n", argv[0]);
    return 2;
  }
  std::string out = argv[1];
  int frames = argc > 2 ? std::atoi(argv[2]) : 60;
  bool mjpeg = out.size() > 6 && out.substr(out.size() - 6) == ".mjpeg";
  const int w = 640, h = 360;
  try {
    venc::Config cfg(mjpeg ? ENC_CODEC_MJPEG : ENC_CODEC_H265, w, h);
    cfg.bitrate_kbps = 2000;
    venc::Encoder enc(cfg);
    std::FILE* f = std::fopen(out.c_str(), "wb");
    if (!f) {
      std::perror(out.c_str());
      return 1;
    }
    std::vector<uint8_t> nv12(size_t(w) * h * 3 / 2);
    auto write = [&](const venc::Packet& p) { std::fwrite(p.data(), 1, p.size(), f); };
    for (int t = 0; t < frames; ++t) {
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
          int bx = (t * 6) % w;
          bool box = x >= bx && x < bx + 80 && y >= 140 && y < 220;
          nv12[size_t(y) * w + x] = box ? 235 : uint8_t(((x + t * 2) / 8 + y / 8) % 2 ? 60 : 180);
        }
      for (size_t i = size_t(w) * h; i < nv12.size(); i += 2) {
        nv12[i] = uint8_t(100 + t % 50);
        nv12[i + 1] = 150;
      }
      enc.send(nv12, t);
      while (auto p = enc.get(0)) write(*p);
    }
    enc.flush();
    while (auto p = enc.get()) write(*p);
    auto s = enc.stats();
    std::fclose(f);
    std::printf("%s: %llu frames, %.0f kbps\n", out.c_str(), (unsigned long long)s.frames_out, s.kbps);
  } catch (const venc::Error& e) {
    std::fprintf(stderr, "venc: %s\n", e.what());
    return 1;
  }
  return 0;
}
