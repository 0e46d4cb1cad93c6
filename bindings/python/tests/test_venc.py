"""Tests of the Python bindings and the board drop-in, against the real libvenc and ffmpeg."""
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import venc
from hobot_vio import libsrcampy

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))


def frame(w, h, t=0):
    y = ((np.arange(w)[None, :] + 3 * t) ^ (np.arange(h)[:, None] // 2)).astype(np.uint8)
    uv = np.full((h // 2, w), 128, np.uint8)
    uv[:, 0::2] += (np.arange(w // 2) // 8).astype(np.uint8)
    return np.concatenate([y, uv]).tobytes()


def ffmpeg_frames(path, fmt, w, h):
    raw = subprocess.run(["ffmpeg", "-v", "error", "-xerror", "-f", fmt, "-i", path, "-f", "rawvideo",
                          "-pix_fmt", "yuv420p", "-"], check=True, capture_output=True).stdout
    assert len(raw) % (w * h * 3 // 2) == 0
    return len(raw) // (w * h * 3 // 2)


def test_encode_mjpeg_stream_decodes(tmp_path):
    w, h = 320, 240
    out = tmp_path / "o.mjpeg"
    with venc.Encoder(venc.MJPEG, w, h, rc="quality", quality=80, psnr=True) as enc, open(out, "wb") as f:
        pts = []
        for i in range(20):
            src = frame(w, h, i)
            # bytes, bytearray, memoryview and numpy are all accepted
            kind = [bytes, bytearray, memoryview, lambda b: np.frombuffer(b, np.uint8)][i % 4]
            assert enc.send(kind(src), pts=100 + i)
            for p in enc.drain():
                f.write(p.data)
                pts.append(p.pts)
        enc.flush()
        for p in enc:
            assert p.keyframe and p.frame_type == "IDR" and p.psnr[0] > 30
            f.write(p.data)
            pts.append(p.pts)
        assert pts == list(range(100, 120))
        s = enc.stats()
        assert s["frames_out"] == 20 and s["has_psnr"] == 1
    assert ffmpeg_frames(str(out), "mjpeg", w, h) == 20


def test_strided_numpy_planes():
    w, h = 160, 96
    pad = np.zeros((h * 3 // 2, 192), np.uint8)
    src = np.frombuffer(frame(w, h), np.uint8).reshape(h * 3 // 2, w)
    pad[:, :w] = src
    with venc.Encoder(venc.MJPEG, w, h, rc="quality") as enc:
        assert enc.send_planes(pad[:h], pad[h:])
        a = enc.get(5000)
        assert enc.send(src)
        b = enc.get(5000)
        assert a.data == b.data


def test_errors_are_exceptions_with_the_library_message():
    with pytest.raises(venc.InvalidArgument, match="width is 17, expected an even number"):
        venc.Encoder(venc.MJPEG, 17, 16)
    with pytest.raises(venc.Unsupported):
        venc.Encoder(venc.H264, 64, 64)
    enc = venc.Encoder(venc.MJPEG, 64, 64)
    with pytest.raises(venc.InvalidArgument, match="frame is 10 bytes, expected 6144 for 64x64 NV12"):
        enc.send(b"0123456789")
    with pytest.raises(TypeError):
        enc.send(None)
    assert enc.send(frame(64, 64))  # still usable
    enc.flush()
    with pytest.raises(venc.WrongState):
        enc.send(frame(64, 64))
    enc.close()
    enc.close()  # idempotent
    with pytest.raises(venc.BadHandle):
        enc.get(0)


def test_close_while_another_thread_waits():
    enc = venc.Encoder(venc.MJPEG, 64, 64)
    result = {}

    def waiter():
        try:
            enc.get(-1)
        except venc.VencError as e:
            result["err"] = e

    t = threading.Thread(target=waiter)
    t.start()
    time.sleep(0.2)
    t0 = time.time()
    enc.close()
    t.join(2)
    assert not t.is_alive() and isinstance(result.get("err"), venc.BadHandle)
    assert time.time() - t0 < 1.0


def test_board_api_both_signatures_and_misuse(tmp_path, capsys):
    e = libsrcampy.Encoder()
    assert e.send_frame(b"x") == -1          # the board segfaults here
    assert e.get_frame() is None
    assert e.encode(3, [320, 240]) == 0      # seed form
    assert e.encode(3, [320, 240]) == -1     # already open
    assert e.send_frame(b"short") == -1
    assert e.send_frame(None) == -1
    f = frame(320, 240)
    assert e.encode_file(f) == 0             # older name
    img = e.get_img()
    assert isinstance(img, bytes) and img[:2] == b"\xff\xd8"
    assert e.close() == 0
    assert e.close() == -1                   # double close is harmless
    e2 = libsrcampy.Encoder()
    assert e2.encode(video_chn=4, type=3, width=320, height=240, bits=2000) == 0  # X3 keywords
    assert e2.encode(1, 7, 320, 240) == -1  # second open on the same object
    e3 = libsrcampy.Encoder()
    assert e3.encode(4, 3, 320, 240) == -1  # channel 4 taken, as on X3
    assert e3.encode(0, 9, 320, 240) == -1  # unknown type
    assert e3.encode(0, 3, 321, 240) == -1  # odd width
    assert e2.close() == 0
    err = capsys.readouterr().err
    assert "call encode() first" in err and "width is 321" in err


def test_seed_sample_runs_unchanged(tmp_path):
    """The board document's sample program, verbatim, on a PC."""
    w, h = 1920, 1080
    (tmp_path / "output.img").write_bytes(frame(w, h, 5))
    src = os.path.join(HERE, "seed_sample.py")
    env = dict(os.environ, PYTHONPATH=os.path.join(HERE, "..") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    script = open(src).read()
    fmt = "hevc"
    p = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                       timeout=600)
    assert p.returncode == 0, p.stderr
    assert "Encoder encode return:0" in p.stdout
    assert p.stdout.count("Encoded write image success count") == 100, p.stdout[-500:]
    assert ffmpeg_frames(str(tmp_path / "encode.h264"), fmt, w, h) == 100


def test_pip_installable(tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-build-isolation", "--no-deps",
                    "--target", str(target), os.path.join(HERE, "..")], check=True)
    code = "import venc, hobot_vio.libsrcampy as l; print(venc.version()); l.Encoder()"
    env = dict(os.environ, PYTHONPATH=str(target))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == venc.version()


def test_presets_by_name_or_number(tmp_path):
    w, h = 128, 96
    sizes = {}
    for preset in ("ultrafast", 5):
        out = tmp_path / f"p{preset}.h265"
        with venc.Encoder(venc.H265, w, h, rc="cqp", qp=30, preset=preset, threads=0) as enc:
            data = b""
            for i in range(4):
                enc.send(frame(w, h, i))
                data += enc.get(timeout_ms=-1).data
            out.write_bytes(data)
        assert ffmpeg_frames(str(out), "hevc", w, h) == 4
        sizes[preset] = data
    assert sizes["ultrafast"] != sizes[5], "two presets, two streams"
    with pytest.raises(ValueError, match="preset='slowest' is not a preset"):
        venc.Encoder(venc.H265, w, h, preset="slowest")
    with pytest.raises(ValueError, match="preset"):
        venc.Encoder(venc.H265, w, h, preset=6)
