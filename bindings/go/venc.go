// Package venc encodes NV12 frames to H.265 or MJPEG with libvenc (cgo, include/venc.h).
//
// From a checkout the cgo flags below find the header and the library built by
// `cargo build --release`; for an installed libvenc use `CGO_CFLAGS=$(pkg-config --cflags venc)
// CGO_LDFLAGS=$(pkg-config --libs venc)`, which are appended.
package venc

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: -L${SRCDIR}/../../target/release -lvenc -Wl,-rpath,${SRCDIR}/../../target/release
#include <stdlib.h>
#include "venc.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"sync"
	"time"
	"unsafe"
)

// Codec ids, as on the board.
type Codec int

const (
	H264  Codec = C.ENC_CODEC_H264
	H265  Codec = C.ENC_CODEC_H265
	MJPEG Codec = C.ENC_CODEC_MJPEG
)

// RCMode is the rate-control mode.
type RCMode int

const (
	CBR          RCMode = C.ENC_RC_CBR
	VBR          RCMode = C.ENC_RC_VBR
	ConstQuality RCMode = C.ENC_RC_CONST_QUALITY
	FixedQP      RCMode = C.ENC_RC_FIXED_QP
)

// Forever as a timeout waits as long as it takes.
const Forever time.Duration = -1

// ErrAgain: nothing happened within the timeout (queue full on send, no packet on get).
var ErrAgain = errors.New("venc: try again (timeout)")

// Error is a failure reported by libvenc: its status code and message.
type Error struct {
	Code    int
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("venc: %s (code %d)", e.Message, e.Code) }

// Error codes (Error.Code).
const (
	ErrCodeInvalidArg     = int(C.ENC_ERR_INVALID_ARG)
	ErrCodeBadHandle      = int(C.ENC_ERR_BAD_HANDLE)
	ErrCodeWrongState     = int(C.ENC_ERR_WRONG_STATE)
	ErrCodeUnsupported    = int(C.ENC_ERR_UNSUPPORTED)
	ErrCodeBusy           = int(C.ENC_ERR_BUSY)
	ErrCodeInternal       = int(C.ENC_ERR_INTERNAL)
	ErrCodeBufferTooSmall = int(C.ENC_ERR_BUFFER_TOO_SMALL)
)

func lastError(h *C.EncEncoder) string {
	var buf [512]C.char
	C.enc_last_error(h, &buf[0], C.size_t(len(buf)))
	return C.GoString(&buf[0])
}

func check(st C.EncStatus, h *C.EncEncoder) error {
	switch {
	case st == C.ENC_AGAIN:
		return ErrAgain
	case st == C.ENC_EOF:
		return io.EOF
	case st < 0:
		return &Error{Code: int(st), Message: lastError(h)}
	}
	return nil
}

// Config of a channel; start from DefaultConfig.
type Config struct {
	Codec         Codec
	Width, Height int
	BitrateKbps   int
	FpsNum        int
	FpsDen        int
	IntraPeriod   int
	RC            RCMode
	Quality       int // MJPEG 1..100
	QP            int // H.265 0..51
	Channel       int // 0..31, or -1 for the first free
	QueueDepth    int
	Threads       int
	Preset        Preset // H.265 speed preset (DefaultConfig: PresetVeryfast)
	PSNR          bool
	Recon         bool
	MD5           bool
}

// DefaultConfig returns the library's defaults (CBR 8000 kbps, 30 fps, intra period 30).
func DefaultConfig(codec Codec, width, height int) Config {
	var c C.EncConfig
	C.enc_config_default(&c, C.size_t(unsafe.Sizeof(c)))
	return Config{Codec: codec, Width: width, Height: height, BitrateKbps: int(c.bitrate_kbps),
		FpsNum: int(c.fps_num), FpsDen: int(c.fps_den), IntraPeriod: int(c.intra_period), RC: RCMode(c.rc_mode),
		Quality: int(c.quality), QP: int(c.qp), Channel: int(c.channel), QueueDepth: int(c.queue_depth),
		Threads: int(c.threads), Preset: Preset(c.preset)}
}

// Preset is an H.265 speed preset, x265's names; MJPEG ignores it.
type Preset int

// The presets, fastest first (the README's table says what each decides and costs).
const (
	PresetUltrafast Preset = C.ENC_PRESET_ULTRAFAST
	PresetSuperfast Preset = C.ENC_PRESET_SUPERFAST
	PresetVeryfast  Preset = C.ENC_PRESET_VERYFAST
	PresetFaster    Preset = C.ENC_PRESET_FASTER
	PresetFast      Preset = C.ENC_PRESET_FAST
	PresetMedium    Preset = C.ENC_PRESET_MEDIUM
)

// Encoder is an open channel. Safe for concurrent use: e.g. one goroutine sends while
// another receives; Close from any goroutine wakes the others with an error.
type Encoder struct {
	mu     sync.Mutex
	h      *C.EncEncoder // an opaque token; libvenc validates it on every call
	closed bool
	eof    bool
	width  int
	height int
}

// Open starts a channel. A field outside C's int32 range is an ErrCodeInvalidArg error naming
// the field (it would otherwise be truncated on its way to C).
func Open(cfg Config) (*Encoder, error) {
	var c C.EncConfig
	C.enc_config_default(&c, C.size_t(unsafe.Sizeof(c)))
	fields := []struct {
		name string
		v    int
		dst  *C.int32_t
	}{
		{"Codec", int(cfg.Codec), &c.codec}, {"Width", cfg.Width, &c.width}, {"Height", cfg.Height, &c.height},
		{"BitrateKbps", cfg.BitrateKbps, &c.bitrate_kbps}, {"FpsNum", cfg.FpsNum, &c.fps_num},
		{"FpsDen", cfg.FpsDen, &c.fps_den}, {"IntraPeriod", cfg.IntraPeriod, &c.intra_period},
		{"RC", int(cfg.RC), &c.rc_mode}, {"Quality", cfg.Quality, &c.quality}, {"QP", cfg.QP, &c.qp},
		{"Channel", cfg.Channel, &c.channel}, {"QueueDepth", cfg.QueueDepth, &c.queue_depth},
		{"Threads", cfg.Threads, &c.threads}, {"Preset", int(cfg.Preset), &c.preset},
	}
	for _, f := range fields {
		v, err := int32Arg("Config."+f.name, f.v)
		if err != nil {
			return nil, err
		}
		*f.dst = v
	}
	var flags C.uint32_t
	if cfg.PSNR {
		flags |= C.ENC_FLAG_PSNR
	}
	if cfg.Recon {
		flags |= C.ENC_FLAG_RECON
	}
	if cfg.MD5 {
		flags |= C.ENC_FLAG_MD5_SEI
	}
	c.flags = flags
	var h *C.EncEncoder
	if err := check(C.enc_open(&c, &h), nil); err != nil {
		return nil, err
	}
	e := &Encoder{h: h, width: cfg.Width, height: cfg.Height}
	// Safety net only: callers should Close.
	runtime.SetFinalizer(e, func(e *Encoder) { e.Close() })
	return e, nil
}

func (e *Encoder) handle() (*C.EncEncoder, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, &Error{Code: ErrCodeBadHandle, Message: "the encoder is closed"}
	}
	return e.h, nil
}

// int32Arg converts an int for C, or says which argument does not fit and what would.
func int32Arg(name string, v int) (C.int32_t, error) {
	if v < math.MinInt32 || v > math.MaxInt32 {
		return 0, &Error{Code: ErrCodeInvalidArg, Message: fmt.Sprintf(
			"%s is %d, expected a value that fits a 32-bit signed integer (%d..%d)", name, v, math.MinInt32, math.MaxInt32)}
	}
	return C.int32_t(v), nil
}

// ms converts a timeout for C: any negative duration waits forever (Forever), zero polls, a
// positive one is rounded up to whole milliseconds (so it never becomes a poll) and must fit
// C's int32 milliseconds (about 24.8 days).
func ms(d time.Duration) (C.int32_t, error) {
	if d < 0 {
		return -1, nil
	}
	n := (d + time.Millisecond - 1) / time.Millisecond
	if n > math.MaxInt32 {
		return 0, &Error{Code: ErrCodeInvalidArg, Message: fmt.Sprintf(
			"timeout is %v, expected at most %d ms (about 24.8 days), or Forever", d, math.MaxInt32)}
	}
	return C.int32_t(n), nil
}

// SendFrame queues one tightly packed NV12 frame (copied). ErrAgain when the queue stayed full.
func (e *Encoder) SendFrame(nv12 []byte, pts int64, timeout time.Duration) error {
	h, err := e.handle()
	if err != nil {
		return err
	}
	if len(nv12) == 0 {
		return &Error{Code: ErrCodeInvalidArg, Message: "frame is empty: use Flush to end the stream"}
	}
	t, err := ms(timeout)
	if err != nil {
		return err
	}
	st := C.enc_send_frame(h, (*C.uint8_t)(unsafe.Pointer(&nv12[0])), C.size_t(len(nv12)), C.int64_t(pts), t)
	runtime.KeepAlive(nv12)
	runtime.KeepAlive(e)
	return check(st, h)
}

// SendFrameStrided queues NV12 planes with row strides (padded camera buffers).
func (e *Encoder) SendFrameStrided(y []byte, yStride int, uv []byte, uvStride int, pts int64, timeout time.Duration) error {
	h, err := e.handle()
	if err != nil {
		return err
	}
	if len(y) == 0 || len(uv) == 0 {
		return &Error{Code: ErrCodeInvalidArg, Message: "y or uv plane is empty"}
	}
	ys, err := int32Arg("yStride", yStride)
	if err != nil {
		return err
	}
	uvs, err := int32Arg("uvStride", uvStride)
	if err != nil {
		return err
	}
	// The C side reads stride*(rows-1)+width bytes of each plane: the slices must hold them.
	if yStride < e.width || uvStride < e.width {
		return &Error{Code: ErrCodeInvalidArg, Message: fmt.Sprintf("strides %d/%d are less than the width %d", yStride, uvStride, e.width)}
	}
	if need := yStride*(e.height-1) + e.width; len(y) < need {
		return &Error{Code: ErrCodeInvalidArg, Message: fmt.Sprintf("y plane is %d bytes, expected at least %d", len(y), need)}
	}
	if need := uvStride*(e.height/2-1) + e.width; len(uv) < need {
		return &Error{Code: ErrCodeInvalidArg, Message: fmt.Sprintf("uv plane is %d bytes, expected at least %d", len(uv), need)}
	}
	t, err := ms(timeout)
	if err != nil {
		return err
	}
	// EncFrame holds Go pointers: pin them for the call (cgo pointer rules).
	var pin runtime.Pinner
	pin.Pin(&y[0])
	pin.Pin(&uv[0])
	defer pin.Unpin()
	f := C.EncFrame{y: (*C.uint8_t)(unsafe.Pointer(&y[0])), y_stride: ys,
		uv: (*C.uint8_t)(unsafe.Pointer(&uv[0])), uv_stride: uvs}
	st := C.enc_send_frame_strided(h, &f, C.int64_t(pts), t)
	runtime.KeepAlive(e)
	return check(st, h)
}

// Flush ends the stream: GetFrame returns the remaining packets, then io.EOF.
func (e *Encoder) Flush() error {
	h, err := e.handle()
	if err != nil {
		return err
	}
	st := C.enc_flush(h)
	runtime.KeepAlive(e)
	return check(st, h)
}

// Packet is one encoded picture (a JPEG or an H.265 access unit).
type Packet struct {
	Data      []byte
	PTS       int64
	FrameNum  uint64
	Keyframe  bool
	FrameType int
	QP        int
	PSNR      *[3]float64
	Recon     []byte
}

// GetFrame returns the next packet; ErrAgain on timeout, io.EOF after the end of stream.
func (e *Encoder) GetFrame(timeout time.Duration) (*Packet, error) {
	h, err := e.handle()
	if err != nil {
		return nil, err
	}
	t, err := ms(timeout)
	if err != nil {
		return nil, err
	}
	var p *C.EncPacket
	st := C.enc_get_packet(h, &p, t)
	runtime.KeepAlive(e)
	if err := check(st, h); err != nil {
		if err == io.EOF {
			e.mu.Lock()
			e.eof = true
			e.mu.Unlock()
		}
		return nil, err
	}
	defer C.enc_packet_free(&p)
	pk := &Packet{Data: C.GoBytes(unsafe.Pointer(p.data), C.int(p.size)), PTS: int64(p.info.pts),
		FrameNum: uint64(p.info.frame_num), Keyframe: p.info.keyframe != 0, FrameType: int(p.info.frame_type),
		QP: int(p.info.qp)}
	if p.info.has_psnr != 0 {
		pk.PSNR = &[3]float64{float64(p.info.psnr_y), float64(p.info.psnr_u), float64(p.info.psnr_v)}
	}
	if p.recon_size > 0 {
		pk.Recon = C.GoBytes(unsafe.Pointer(p.recon), C.int(p.recon_size))
	}
	return pk, nil
}

// WriteTo writes every remaining packet to w until the end of stream (call Flush first, or
// from another goroutine). It implements io.WriterTo.
func (e *Encoder) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for {
		p, err := e.GetFrame(Forever)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		k, err := w.Write(p.Data)
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
}

// RequestKeyframe makes the next frame sent a keyframe.
func (e *Encoder) RequestKeyframe() error {
	h, err := e.handle()
	if err != nil {
		return err
	}
	return check(C.enc_request_keyframe(h), h)
}

// SetBitrate changes the target bitrate (kbps) from the next frame.
func (e *Encoder) SetBitrate(kbps int) error {
	h, err := e.handle()
	if err != nil {
		return err
	}
	k, err := int32Arg("kbps", kbps)
	if err != nil {
		return err
	}
	return check(C.enc_set_bitrate(h, k), h)
}

// Stats of the channel so far.
type Stats struct {
	FramesIn, FramesOut, BytesOut, Keyframes uint64
	Kbps                                     float64
	TargetKbps                               int
	LastQP                                   int
	RCNote                                   string
}

// Stats returns the channel's statistics.
func (e *Encoder) Stats() (Stats, error) {
	h, err := e.handle()
	if err != nil {
		return Stats{}, err
	}
	var s C.EncStats
	s.struct_size = C.uint32_t(unsafe.Sizeof(s))
	if err := check(C.enc_get_stats(h, &s), h); err != nil {
		return Stats{}, err
	}
	return Stats{FramesIn: uint64(s.frames_in), FramesOut: uint64(s.frames_out), BytesOut: uint64(s.bytes_out),
		Keyframes: uint64(s.keyframes), Kbps: float64(s.kbps), TargetKbps: int(s.target_kbps), LastQP: int(s.last_qp),
		RCNote: C.GoString(&s.rc_note[0])}, nil
}

// Headers returns the H.265 parameter sets (empty for MJPEG).
func (e *Encoder) Headers() ([]byte, error) {
	h, err := e.handle()
	if err != nil {
		return nil, err
	}
	var n C.size_t
	C.enc_get_headers(h, nil, 0, &n)
	if n == 0 {
		return []byte{}, nil
	}
	buf := make([]byte, int(n))
	if err := check(C.enc_get_headers(h, (*C.uint8_t)(unsafe.Pointer(&buf[0])), n, &n), h); err != nil {
		return nil, err
	}
	return buf[:int(n)], nil
}

// Close closes the channel (discarding what was not read) and wakes goroutines waiting in it.
// Idempotent.
func (e *Encoder) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	h := e.h
	e.mu.Unlock()
	runtime.SetFinalizer(e, nil)
	return check(C.enc_close(h), nil)
}

// Version of libvenc.
func Version() string { return C.GoString(C.enc_version()) }
