// venc.hpp: header-only C++17 wrapper of libvenc's C API (include/venc.h).
//
// Errors are exceptions (venc::Error, carrying the status code and the library's message):
// every failure here is a programming or environment error a caller cannot ignore, and the
// C API's detailed message travels with it. The two non-error outcomes — nothing ready yet
// (ENC_AGAIN) and end of stream (ENC_EOF) — are values: send() returns false, get() returns
// std::nullopt and eof() tells which.
#ifndef VENC_HPP
#define VENC_HPP

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "venc.h"

namespace venc {

class Error : public std::runtime_error {
 public:
  Error(EncStatus code, const std::string& message)
      : std::runtime_error(message + " (" + enc_strerror(code) + ")"), code_(code) {}
  EncStatus code() const noexcept { return code_; }

 private:
  EncStatus code_;
};

namespace detail {
inline std::string last_error(const EncEncoder* h) {
  char buf[512];
  size_t n = enc_last_error(h, buf, sizeof buf);
  std::string s(buf);
  if (n >= sizeof buf) {  // longer than the stack buffer: fetch it whole
    std::vector<char> big(n + 1);
    enc_last_error(h, big.data(), big.size());
    s.assign(big.data());
  }
  return s;
}
inline EncStatus check(EncStatus st, const EncEncoder* h) {
  if (st < 0) throw Error(st, last_error(h));
  return st;
}
struct CloseEncoder {
  void operator()(EncEncoder* h) const noexcept { enc_close(h); }
};
struct FreePacket {
  void operator()(EncPacket* p) const noexcept { enc_packet_free(&p); }
};
}  // namespace detail

/// Configuration: the library's defaults (enc_config_default), then set what you need.
struct Config : EncConfig {
  Config(int32_t codec_id, int32_t w, int32_t h) : EncConfig() {
    detail::check(enc_config_default(this, sizeof(EncConfig)), nullptr);
    codec = codec_id;
    width = w;
    height = h;
  }
};

/// One encoded picture; owns its bytes (the library's allocation, freed on destruction).
class Packet {
 public:
  const uint8_t* data() const noexcept { return p_->data; }
  size_t size() const noexcept { return p_->size; }
  const EncPacketInfo& info() const noexcept { return p_->info; }
  int64_t pts() const noexcept { return p_->info.pts; }
  bool keyframe() const noexcept { return p_->info.keyframe != 0; }
  /// The encoder's reconstruction (I420), empty unless ENC_FLAG_RECON was set.
  const uint8_t* recon() const noexcept { return p_->recon; }
  size_t recon_size() const noexcept { return p_->recon_size; }

 private:
  friend class Encoder;
  explicit Packet(EncPacket* p) : p_(p) {}
  std::unique_ptr<EncPacket, detail::FreePacket> p_;
};

/// An open channel. Move-only; the destructor closes it (discarding what was not read).
class Encoder {
 public:
  explicit Encoder(const EncConfig& cfg) {
    EncEncoder* h = nullptr;
    detail::check(enc_open(&cfg, &h), nullptr);
    h_.reset(h);
    width_ = cfg.width;
    height_ = cfg.height;
  }
  /// The board's one-call open: codec, size, bitrate; everything else default.
  Encoder(int32_t codec, int32_t w, int32_t h, int32_t bitrate_kbps = 8000)
      : Encoder(make(codec, w, h, bitrate_kbps)) {}

  Encoder(Encoder&&) noexcept = default;
  Encoder& operator=(Encoder&&) noexcept = default;
  Encoder(const Encoder&) = delete;
  Encoder& operator=(const Encoder&) = delete;

  /// Sends tightly packed NV12 (width*height*3/2 bytes). False when no queue space came within
  /// timeout_ms (-1 waits forever).
  bool send(const uint8_t* nv12, size_t size, int64_t pts, int32_t timeout_ms = ENC_WAIT_FOREVER) {
    return detail::check(enc_send_frame(handle(), nv12, size, pts, timeout_ms), h_.get()) == ENC_OK;
  }
  bool send(const std::vector<uint8_t>& nv12, int64_t pts, int32_t timeout_ms = ENC_WAIT_FOREVER) {
    return send(nv12.data(), nv12.size(), pts, timeout_ms);
  }
  /// Sends a strided NV12 frame (padded camera buffers).
  bool send(const uint8_t* y, int32_t y_stride, const uint8_t* uv, int32_t uv_stride, int64_t pts,
            int32_t timeout_ms = ENC_WAIT_FOREVER) {
    EncFrame f{y, y_stride, uv, uv_stride};
    return detail::check(enc_send_frame_strided(handle(), &f, pts, timeout_ms), h_.get()) == ENC_OK;
  }
  /// End of stream: get() returns the remaining packets, then nullopt with eof() true.
  void flush() { detail::check(enc_flush(handle()), h_.get()); }

  /// The next packet, or nullopt on timeout or at end of stream (see eof()).
  std::optional<Packet> get(int32_t timeout_ms = ENC_WAIT_FOREVER) {
    EncPacket* p = nullptr;
    EncStatus st = detail::check(enc_get_packet(handle(), &p, timeout_ms), h_.get());
    if (st == ENC_EOF) eof_ = true;
    if (st != ENC_OK) return std::nullopt;
    return Packet(p);
  }
  bool eof() const noexcept { return eof_; }

  void request_keyframe() { detail::check(enc_request_keyframe(handle()), h_.get()); }
  void set_bitrate(int32_t kbps) { detail::check(enc_set_bitrate(handle(), kbps), h_.get()); }
  EncStats stats() {
    EncStats s{};
    s.struct_size = sizeof s;
    detail::check(enc_get_stats(handle(), &s), h_.get());
    return s;
  }
  /// H.265 VPS+SPS+PPS (empty for MJPEG).
  std::vector<uint8_t> headers() {
    size_t n = 0;
    enc_get_headers(handle(), nullptr, 0, &n);
    std::vector<uint8_t> v(n);
    detail::check(enc_get_headers(handle(), v.data(), v.size(), &n), h_.get());
    return v;
  }
  size_t max_packet_size() {
    size_t n = 0;
    detail::check(enc_max_packet_size(handle(), &n), h_.get());
    return n;
  }
  /// Closes now (also done by the destructor). Idempotent.
  void close() noexcept { h_.reset(); }
  bool is_open() const noexcept { return static_cast<bool>(h_); }
  EncEncoder* handle() const {
    if (!h_) throw Error(ENC_ERR_BAD_HANDLE, "the encoder is closed (or was moved from)");
    return h_.get();
  }

 private:
  static EncConfig make(int32_t codec, int32_t w, int32_t h, int32_t kbps) {
    Config c(codec, w, h);
    c.bitrate_kbps = kbps;
    return c;
  }
  std::unique_ptr<EncEncoder, detail::CloseEncoder> h_;
  int32_t width_ = 0, height_ = 0;
  bool eof_ = false;
};

inline std::string version() { return enc_version(); }

}  // namespace venc

#endif  // VENC_HPP
