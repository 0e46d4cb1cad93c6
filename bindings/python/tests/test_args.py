"""Integer arguments are checked before they reach ctypes, which wraps them silently (2**40 -> 0,
2**32 + 30 -> 30): OverflowError outside the C type, ValueError outside the documented range, each
naming the argument, its value and the range. The ranges are libvenc's own (checked here against
the library's messages), and the automatic pts does not advance on a send that queued nothing."""
import ctypes
import re

import numpy as np
import pytest

import venc
from venc import _args, _lib
from venc._lib import LIB
from hobot_vio import libsrcampy

F64 = bytes(64 * 64 * 3 // 2)


def open_raw(**fields):
    """enc_open through ctypes with the given EncConfig fields (a valid 64x64 MJPEG otherwise):
    (status, libvenc's message); a channel that opens is closed again."""
    cfg = _lib.EncConfig()
    assert LIB.enc_config_default(ctypes.byref(cfg), ctypes.sizeof(cfg)) == 0
    cfg.codec, cfg.width, cfg.height = venc.MJPEG, 64, 64
    for k, v in fields.items():
        setattr(cfg, k, v)
    h = ctypes.c_void_p()
    st = LIB.enc_open(ctypes.byref(cfg), ctypes.byref(h))
    if st == 0:
        LIB.enc_close(h)
        return st, ""
    return st, _lib.last_error(None)


def library_range(name, probe):
    """The range libvenc states for setting `name` when given the out-of-range value `probe`."""
    st, msg = open_raw(**{name: probe})
    assert st == _lib.ERR_INVALID_ARG, f"{name}={probe} was accepted"
    # A range, then optionally what its values mean ("(0 ultrafast, 1 superfast, ...)").
    m = re.fullmatch(rf"{name} is {probe}, expected (\d+)\.\.=(\d+)( \(.*\))?", msg)
    assert m, f"{name}={probe}: {msg!r}"
    return int(m.group(1)), int(m.group(2))


@pytest.mark.parametrize("name", sorted(_args.RANGES))
def test_every_range_is_the_librarys(name):
    lo, hi = _args.RANGES[name]
    assert library_range(name, lo - 1) == (lo, hi)
    if hi < _args.INT32[2]:
        assert library_range(name, hi + 1) == (lo, hi)
    # And the bounds themselves are accepted (with the settings they are compared with kept apart).
    partner = {"min_qp": {"max_qp": 51}, "max_qp": {"min_qp": 0}, "min_quality": {"max_quality": 100},
               "max_quality": {"min_quality": 1}, "fps_num": {"fps_den": 1000}}.get(name, {})
    for v in (lo, hi):
        assert open_raw(**{name: v}, **partner) == (0, ""), f"{name}={v}"


def test_codec_channel_and_fps_ranges_are_the_librarys():
    assert open_raw(codec=0)[1] == f"unknown codec 0: expected {_args.CODEC[2]}"
    assert open_raw(codec=4)[1] == f"unknown codec 4: expected {_args.CODEC[2]}"
    assert open_raw(channel=-2)[1] == "channel is -2, expected 0..=31 or -1 (first free)"
    assert open_raw(channel=32)[1] == "channel is 32, expected 0..=31"
    assert _args.CHANNEL[:2] == (-1, 31)
    assert open_raw(fps_num=_args.MAX_FPS + 1)[1] == \
        f"frame rate fps_num/fps_den is {_args.MAX_FPS + 1}/1, expected at most {_args.MAX_FPS} fps"
    assert open_raw(fps_num=_args.MAX_FPS)[0] == 0


BIG = 2**40  # 1099511627776: wraps to 0 in an int32_t


@pytest.mark.parametrize("kwargs, exc, message", [
    ({"width": BIG}, OverflowError, f"width={BIG} is out of range: expected 16..4096 (it does not fit the C int32_t)"),
    ({"height": -16}, ValueError, "height=-16 is out of range: expected 16..4096"),
    ({"width": 8192}, ValueError, "width=8192 is out of range: expected 16..4096"),
    ({"codec": 2**32 + 3}, OverflowError, f"codec={2**32 + 3} is out of range: expected 1 (H.264), 2 (H.265) or 3"),
    ({"bitrate_kbps": 2**33}, OverflowError, f"bitrate_kbps={2**33} is out of range: expected 1..1000000"),
    ({"bitrate_kbps": 0}, ValueError, "bitrate_kbps=0 is out of range: expected 1..1000000"),
    ({"qp": 2**32 + 30}, OverflowError, f"qp={2**32 + 30} is out of range: expected 0..51"),
    ({"qp": 52}, ValueError, "qp=52 is out of range: expected 0..51"),
    ({"quality": 0}, ValueError, "quality=0 is out of range: expected 1..100"),
    ({"min_qp": -1}, ValueError, "min_qp=-1 is out of range: expected 0..51"),
    ({"max_qp": 2**64}, OverflowError, f"max_qp={2**64} is out of range: expected 0..51"),
    ({"intra_period": -1}, ValueError, "intra_period=-1 is out of range: expected 0..100000"),
    ({"intra_period": 2**32 + 30}, OverflowError, "intra_period=4294967326 is out of range"),
    ({"threads": 2**32 + 1}, OverflowError, "threads=4294967297 is out of range: expected 0..64"),
    ({"queue_depth": 2**32 + 5}, OverflowError, "queue_depth=4294967301 is out of range: expected 1..64"),
    ({"channel": 2**32 - 1}, OverflowError, "channel=4294967295 is out of range: expected -1 (first free) or 0..31"),
    ({"channel": -2}, ValueError, "channel=-2 is out of range: expected -1 (first free) or 0..31"),
    ({"fps": BIG}, OverflowError, f"fps={BIG} is out of range: expected 1..1000"),
    ({"fps": (2**32 + 30, 1)}, OverflowError, "fps_num=4294967326 is out of range: expected 1..1000000"),
    ({"fps": (30, 0)}, ValueError, "fps_den=0 is out of range: expected 1..1000000"),
    ({"fps": float("nan")}, ValueError, "fps=nan is out of range: expected above 0 and at most 1000"),
    ({"fps": 1e300}, ValueError, "fps=1e+300 is out of range"),
    ({"min_quality": 101}, ValueError, "min_quality=101 is out of range: expected 1..100"),
    ({"max_quality": 0}, ValueError, "max_quality=0 is out of range: expected 1..100"),
    ({"max_bitrate_kbps": 2**31}, OverflowError, "max_bitrate_kbps=2147483648 is out of range: expected 0..2147483647"),
    ({"vbv_buffer_ms": 99}, ValueError, "vbv_buffer_ms=99 is out of range: expected 100..10000"),
    ({"search_range": 513}, ValueError, "search_range=513 is out of range: expected 0..512"),
    ({"restart_rows": 2**32}, OverflowError, "restart_rows=4294967296 is out of range: expected 0..4096"),
])
def test_encoder_settings_are_checked_before_ctypes(kwargs, exc, message):
    args = {"codec": venc.MJPEG, "width": 64, "height": 64}
    args.update(kwargs)
    with pytest.raises(exc, match=re.escape(message)) as e:
        venc.Encoder(**args)
    assert isinstance(e.value, venc.InvalidArgument) and e.value.code == _lib.ERR_INVALID_ARG
    assert isinstance(e.value, venc.ArgumentOverflow) == (exc is OverflowError)


def test_bitrate_range_only_where_the_mode_uses_it():
    # Constant quality ignores the bitrate (libvenc does not check it), but it must fit the C int.
    with venc.Encoder(venc.MJPEG, 64, 64, 0, rc="quality"):
        pass
    with pytest.raises(OverflowError, match=r"bitrate_kbps=4294967296 is out of range"):
        venc.Encoder(venc.MJPEG, 64, 64, 2**32, rc="quality")


def test_bool_and_float_are_not_integers_numpy_integers_are():
    with pytest.raises(TypeError, match=r"width must be an integer, not bool \(True\)"):
        venc.Encoder(venc.MJPEG, True, 64)
    with pytest.raises(TypeError, match=r"height must be an integer, not float \(64.0\)"):
        venc.Encoder(venc.MJPEG, 64, 64.0)
    with venc.Encoder(np.int32(venc.MJPEG), np.int64(64), np.uint16(64), rc="quality", qp=np.int8(20),
                      fps=29.97) as enc:
        assert (enc.width, enc.height) == (64, 64) and type(enc.width) is int
        with pytest.raises(TypeError, match=r"pts must be an integer, not float"):
            enc.send(F64, pts=1.5)
        with pytest.raises(TypeError, match=r"timeout_ms must be an integer, not bool"):
            enc.get(timeout_ms=False)
        assert enc.send(F64, pts=np.int64(7))
        assert enc.get(5000).pts == 7


def test_send_get_and_set_bitrate_check_their_integers():
    with venc.Encoder(venc.MJPEG, 64, 64) as enc:
        with pytest.raises(OverflowError, match=re.escape(
                f"pts={2**70} is out of range: expected -9223372036854775808..9223372036854775807 "
                "(it does not fit the C int64_t)")):
            enc.send(F64, pts=2**70)
        with pytest.raises(OverflowError, match=re.escape(
                f"timeout_ms={BIG} is out of range: expected -1 (wait forever) or 0..2147483647")):
            enc.send(F64, timeout_ms=BIG)
        with pytest.raises(ValueError, match=r"timeout_ms=-2 is out of range"):
            enc.send(F64, timeout_ms=-2)
        with pytest.raises(OverflowError, match=re.escape(f"timeout_ms={BIG} is out of range")):
            enc.get(timeout_ms=BIG)  # was a poll (2**40 wraps to 0)
        with pytest.raises(OverflowError, match=re.escape(f"timeout_ms={-BIG} is out of range")):
            enc.send_planes(np.zeros((64, 64), np.uint8), np.zeros((32, 64), np.uint8), timeout_ms=-BIG)
        with pytest.raises(OverflowError, match=re.escape(f"bitrate_kbps={2**33} is out of range: expected 1..1000000")):
            enc.set_bitrate(2**33)  # was "bitrate_kbps is 0"
        with pytest.raises(OverflowError, match=re.escape(f"bitrate_kbps={2**32 + 2000} is out of range")):
            enc.set_bitrate(2**32 + 2000)  # was accepted as 2000
        with pytest.raises(ValueError, match=r"bitrate_kbps=-1 is out of range: expected 1..1000000"):
            enc.set_bitrate(-1)
        assert enc.send(F64) and enc.get(5000).pts == 0  # the refused sends used no pts
        enc.set_bitrate(2000)
        assert enc.stats()["target_kbps"] == 2000
        assert enc.send(F64, pts=2**63 - 1) and enc.get(5000).pts == 2**63 - 1
        with pytest.raises(OverflowError, match=re.escape(f"pts={2**63} is out of range")):
            enc.send(F64)  # the automatic pts would be 2**63


def test_automatic_pts_does_not_advance_on_a_rejected_send():
    with venc.Encoder(venc.MJPEG, 64, 64, rc="quality", queue_depth=1) as enc:
        assert enc.send(F64)                                   # pts 0
        with pytest.raises(venc.InvalidArgument, match="frame is 5 bytes"):
            enc.send(b"short")                                 # refused by libvenc
        with pytest.raises(TypeError):
            enc.send(None)
        assert enc.send(F64)                                   # pts 1
        # Nobody reads: the queue fills and a send times out; that frame's pts is not used up.
        queued = 2
        for _ in range(100):
            if not enc.send(F64, timeout_ms=0):
                break
            queued += 1
        else:
            pytest.fail("the queue never filled")
        got = []
        while True:
            p = enc.get(5000)
            if p is None:
                break
            got.append(p.pts)
            if len(got) == queued:
                assert enc.send(F64)                           # pts `queued`, not `queued + 1`
                enc.flush()
        assert got == list(range(queued + 1))


@pytest.mark.parametrize("args, kwargs, message", [
    ((2, [BIG, 1080]), {}, f"width={BIG} is out of range: expected 16..4096"),
    ((2**32 + 3, [320, 240]), {}, "type=4294967299 is out of range: expected 1 (H.264), 2 (H.265) or 3 (MJPEG)"),
    ((0, 3, 320, 240 + 2**32), {}, "height=4294967536 is out of range: expected 16..4096"),
    ((2**32 + 1, 3, 320, 240), {}, "video_chn=4294967297 is out of range: expected -1 (first free) or 0..31"),
    ((3, [320, 240], 2**40), {}, f"bits={BIG} is out of range"),          # MJPEG ignores bits, but it is a C int
    ((2, [320, 240], 0), {}, "bits=0 is out of range: expected 1..1000000"),
    ((2, [320, 240]), {"bits": 2**32 + 8000}, "bits=4294975296 is out of range: expected 1..1000000"),
    ((), {"video_chn": 0, "type": 3, "width": 320.0, "height": 240}, "width must be an integer, not float"),
])
def test_board_encode_checks_its_integers(args, kwargs, message, capsys):
    e = libsrcampy.Encoder()
    assert e.encode(*args, **kwargs) == -1
    assert message in capsys.readouterr().err
    assert e.encode(3, [320, 240]) == 0   # the object is still usable
    assert e.close() == 0
