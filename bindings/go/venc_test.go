package venc

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func frame(w, h, t int) []byte {
	f := make([]byte, w*h*3/2)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			f[y*w+x] = byte((x + 3*t) ^ y)
		}
	}
	for i := w * h; i < len(f); i++ {
		f[i] = 128
	}
	return f
}

func ffmpegFrames(t *testing.T, data []byte, format string, w, h int) int {
	t.Helper()
	p := filepath.Join(t.TempDir(), "x")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ffmpeg", "-v", "error", "-xerror", "-f", format, "-i", p, "-f", "rawvideo", "-pix_fmt", "yuv420p", "-").Output()
	if err != nil {
		t.Fatalf("ffmpeg: %v", err)
	}
	return len(out) / (w * h * 3 / 2)
}

func TestSendWhileReceivingAndWriteTo(t *testing.T) {
	w, h := 320, 240
	cfg := DefaultConfig(MJPEG, w, h)
	cfg.RC = ConstQuality
	enc, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 40; i++ {
			if err := enc.SendFrame(frame(w, h, i), int64(i), Forever); err != nil {
				t.Error(err)
				return
			}
		}
		if err := enc.Flush(); err != nil {
			t.Error(err)
		}
	}()
	var buf bytes.Buffer
	n, err := enc.WriteTo(&buf)
	wg.Wait()
	if err != nil || n == 0 {
		t.Fatalf("WriteTo: %d %v", n, err)
	}
	if got := ffmpegFrames(t, buf.Bytes(), "mjpeg", w, h); got != 40 {
		t.Fatalf("decoded %d frames", got)
	}
	s, _ := enc.Stats()
	if s.FramesOut != 40 {
		t.Fatalf("stats %+v", s)
	}
}

func TestCloseWhileReceiveWaits(t *testing.T) {
	enc, err := Open(DefaultConfig(MJPEG, 64, 64))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() {
		_, err := enc.GetFrame(Forever)
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	enc.Close()
	select {
	case err := <-done:
		var ve *Error
		if !errors.As(err, &ve) || ve.Code != ErrCodeBadHandle {
			t.Fatalf("waiter got %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("waiter not woken")
	}
	if err := enc.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
}

func TestMisuseGivesErrors(t *testing.T) {
	if _, err := Open(DefaultConfig(MJPEG, 17, 16)); err == nil || !strings.Contains(err.Error(), "width is 17") {
		t.Fatalf("odd width: %v", err)
	}
	var ve *Error
	if _, err := Open(DefaultConfig(H264, 64, 64)); !errors.As(err, &ve) || ve.Code != ErrCodeUnsupported {
		t.Fatalf("H.264: %v", err)
	}
	enc, _ := Open(DefaultConfig(MJPEG, 64, 64))
	if err := enc.SendFrame(make([]byte, 10), 0, 0); err == nil || !strings.Contains(err.Error(), "frame is 10 bytes, expected 6144 for 64x64 NV12") {
		t.Fatalf("short frame: %v", err)
	}
	if err := enc.SendFrame(nil, 0, 0); err == nil {
		t.Fatal("nil frame accepted")
	}
	if _, err := enc.GetFrame(0); err != ErrAgain {
		t.Fatalf("empty get: %v", err)
	}
	enc.Flush()
	if _, err := enc.GetFrame(Forever); err != io.EOF {
		t.Fatalf("after flush: %v", err)
	}
	enc.Close()
	if err := enc.SendFrame(frame(64, 64, 0), 0, 0); !errors.As(err, &ve) || ve.Code != ErrCodeBadHandle {
		t.Fatalf("send after close: %v", err)
	}
}

func TestStridedEqualsPacked(t *testing.T) {
	w, h := 128, 64
	cfg := DefaultConfig(MJPEG, w, h)
	cfg.RC = ConstQuality
	enc, _ := Open(cfg)
	defer enc.Close()
	f := frame(w, h, 1)
	stride := 160
	pad := make([]byte, stride*h*3/2)
	for r := 0; r < h*3/2; r++ {
		copy(pad[r*stride:], f[r*w:(r+1)*w])
	}
	enc.SendFrameStrided(pad[:stride*h], stride, pad[stride*h:], stride, 0, Forever)
	a, _ := enc.GetFrame(Forever)
	enc.SendFrame(f, 1, Forever)
	b, _ := enc.GetFrame(Forever)
	if !bytes.Equal(a.Data, b.Data) {
		t.Fatal("strided and packed differ")
	}
}

func TestH265(t *testing.T) {
	w, h := 176, 144
	enc, err := Open(DefaultConfig(H265, w, h))
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	for i := 0; i < 10; i++ {
		if err := enc.SendFrame(frame(w, h, i), int64(i), Forever); err != nil {
			t.Fatal(err)
		}
	}
	enc.Flush()
	var buf bytes.Buffer
	if _, err := enc.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if got := ffmpegFrames(t, buf.Bytes(), "hevc", w, h); got != 10 {
		t.Fatalf("decoded %d", got)
	}
}

// Values outside C's int32 must be errors naming the argument, never truncated on the way to C
// (1<<32+1000 kbps used to become 1000 kbps; a 2^32+1 ms timeout used to become 1 ms).
func TestOutOfRangeValuesAreErrors(t *testing.T) {
	wantInvalid := func(err error, name string) {
		t.Helper()
		var e *Error
		if !errors.As(err, &e) || e.Code != ErrCodeInvalidArg || !strings.Contains(e.Message, name) {
			t.Fatalf("want an invalid-argument error naming %s, got %v", name, err)
		}
	}
	cfg := DefaultConfig(MJPEG, 64, 64)
	cfg.BitrateKbps = 1<<32 + 1000
	_, err := Open(cfg)
	wantInvalid(err, "Config.BitrateKbps is 4294968296")
	cfg = DefaultConfig(MJPEG, 64, 64)
	cfg.Width = 1<<32 + 64
	_, err = Open(cfg)
	wantInvalid(err, "Config.Width")

	enc, err := Open(DefaultConfig(MJPEG, 64, 64))
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	wantInvalid(enc.SetBitrate(1<<32+1000), "kbps is 4294968296")
	if st, _ := enc.Stats(); st.TargetKbps != 8000 {
		t.Fatalf("a rejected SetBitrate changed the target to %d", st.TargetKbps)
	}
	_, err = enc.GetFrame(time.Duration(1<<32+1) * time.Millisecond)
	wantInvalid(err, "timeout")
	_, err = enc.GetFrame(time.Duration(1 << 62))
	wantInvalid(err, "timeout")
	wantInvalid(enc.SendFrame(frame(64, 64, 0), 0, time.Duration(1<<40)*time.Millisecond), "timeout")
	y, uv := make([]byte, 64*64), make([]byte, 64*32)
	wantInvalid(enc.SendFrameStrided(y, 1<<32+64, uv, 64, 0, Forever), "yStride is 4294967360")
	// Nothing above reached the channel: it still encodes, and a sub-millisecond timeout is a
	// short wait, not a poll that could miss a ready packet.
	if err := enc.SendFrame(frame(64, 64, 1), 1, Forever); err != nil {
		t.Fatal(err)
	}
	if _, err := enc.GetFrame(Forever); err != nil {
		t.Fatal(err)
	}
	if _, err := enc.GetFrame(500 * time.Microsecond); err != ErrAgain {
		t.Fatalf("want ErrAgain from an empty channel, got %v", err)
	}
}
