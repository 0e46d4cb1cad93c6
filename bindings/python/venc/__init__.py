"""venc: H.265 and MJPEG encoding of NV12 frames, over libvenc's C API.

    import venc
    with venc.Encoder(venc.MJPEG, 640, 480, bitrate_kbps=4000) as enc:
        for i, frame in enumerate(frames):          # bytes / bytearray / memoryview / numpy uint8
            enc.send(frame, pts=i)
            for pkt in enc.drain():                  # packets ready now
                out.write(pkt.data)
        enc.flush()
        for pkt in enc:                              # the rest, until end of stream
            out.write(pkt.data)

Errors raise VencError subclasses carrying the library's code and message. A timeout is not an
error: send() returns False and get() returns None. Integer arguments are checked before they
reach ctypes (see _args.py): OverflowError (ArgumentOverflow) outside the C type, ValueError
(InvalidArgument) outside the documented range, TypeError for bool and float.
"""
import ctypes
import math

from . import _args, _lib
from ._errors import (ArgumentOverflow, BadHandle, BufferTooSmall, Busy, InternalError, InvalidArgument,
                      OutOfMemory, Unsupported, VencError, WrongState)
from ._errors import _ERRORS  # noqa: F401 (tests/test_abi.py checks it against the header)
from ._errors import check as _check
from ._lib import LIB

__all__ = ["Encoder", "Packet", "VencError", "InvalidArgument", "ArgumentOverflow", "BadHandle", "WrongState", "Unsupported",
           "Busy", "OutOfMemory", "InternalError", "BufferTooSmall", "H264", "H265", "MJPEG", "version"]

H264, H265, MJPEG = 1, 2, 3
_RC = {"cbr": 0, "vbr": 1, "quality": 2, "cq": 2, "cqp": 3, "fixed": 3}


def version():
    return LIB.enc_version().decode()


class Packet:
    """One encoded picture: a whole JPEG or one H.265 access unit."""
    __slots__ = ("data", "pts", "frame_num", "keyframe", "frame_type", "qp", "psnr", "recon")

    def __init__(self, data, info, recon=None):
        self.data = data
        self.pts = info.pts
        self.frame_num = info.frame_num
        self.keyframe = bool(info.keyframe)
        self.frame_type = ("IDR", "I", "P")[info.frame_type] if 0 <= info.frame_type < 3 else str(info.frame_type)
        self.qp = info.qp
        self.psnr = (info.psnr_y, info.psnr_u, info.psnr_v) if info.has_psnr else None
        self.recon = recon

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        return f"Packet(frame={self.frame_num}, pts={self.pts}, {self.frame_type}, {len(self.data)} bytes, qp={self.qp})"


def _as_bytes_view(frame):
    """A C-contiguous byte view of bytes / bytearray / memoryview / numpy arrays."""
    if frame is None:
        raise TypeError("frame is None: pass NV12 bytes (use flush() to end the stream)")
    try:
        import numpy as np  # optional
        if isinstance(frame, np.ndarray):
            if frame.dtype != np.uint8:
                raise TypeError(f"numpy frame must be uint8, not {frame.dtype}")
            frame = np.ascontiguousarray(frame)
    except ImportError:
        pass
    mv = memoryview(frame)
    if not mv.c_contiguous:
        raise ValueError("frame memory is not contiguous: use send_planes() for strided planes")
    return mv.cast("B")


def _fps(fps):
    """(fps_num, fps_den) from a number of frames per second or a (num, den) pair."""
    if isinstance(fps, float):
        if not (math.isfinite(fps) and 0 < fps <= _args.MAX_FPS):
            raise InvalidArgument(-1, f"fps={fps} is out of range: expected above 0 and at most {_args.MAX_FPS}")
        if fps != int(fps):
            return _args.setting("fps_num", round(fps * 1000)), 1000
        fps = int(fps)
    if isinstance(fps, (tuple, list)) and len(fps) == 2:
        return _args.setting("fps_num", fps[0]), _args.setting("fps_den", fps[1])
    if isinstance(fps, (tuple, list)):
        raise TypeError(f"fps must be a number or a (num, den) pair, not {fps!r}")
    return _args.check("fps", fps, 1, _args.MAX_FPS), 1


class Encoder:
    """An open encoding channel. Use as a context manager, or call close()."""

    def __init__(self, codec, width, height, bitrate_kbps=8000, *, fps=(30, 1), intra_period=30, rc="cbr",
                 quality=None, qp=None, min_qp=None, max_qp=None, min_quality=None, max_quality=None,
                 max_bitrate_kbps=None, vbv_buffer_ms=None, search_range=None, restart_rows=None, channel=-1,
                 queue_depth=None, threads=1, psnr=False, recon=False, md5=False, optimize_huffman=False):
        """Opens a channel. Settings left None keep libvenc's defaults (enc_config_default);
        every integer is checked against its range (see _args.py) before it reaches ctypes."""
        if rc not in _RC:
            raise ValueError(f"rc must be one of {sorted(_RC)}, not {rc!r}")
        cfg = _lib.EncConfig()
        _check(LIB.enc_config_default(ctypes.byref(cfg), ctypes.sizeof(cfg)))
        cfg.codec = _args.codec(codec)
        cfg.width, cfg.height = _args.setting("width", width), _args.setting("height", height)
        # The bitrate's range applies where the mode aims at it; elsewhere libvenc ignores it.
        cfg.bitrate_kbps = (_args.setting if rc in ("cbr", "vbr") else _args.int32)("bitrate_kbps", bitrate_kbps)
        cfg.fps_num, cfg.fps_den = _fps(fps)
        cfg.rc_mode, cfg.channel = _RC[rc], _args.channel(channel)
        for name, v in (("intra_period", intra_period), ("threads", threads), ("quality", quality), ("qp", qp),
                        ("min_qp", min_qp), ("max_qp", max_qp), ("min_quality", min_quality),
                        ("max_quality", max_quality), ("max_bitrate_kbps", max_bitrate_kbps),
                        ("vbv_buffer_ms", vbv_buffer_ms), ("search_range", search_range),
                        ("restart_rows", restart_rows), ("queue_depth", queue_depth)):
            if v is not None:
                setattr(cfg, name, _args.setting(name, v))
        cfg.flags = ((_lib.FLAG_PSNR if psnr else 0) | (_lib.FLAG_RECON if recon else 0) |
                     (_lib.FLAG_MD5_SEI if md5 else 0) | (_lib.FLAG_OPTIMIZE_HUFFMAN if optimize_huffman else 0))
        h = ctypes.c_void_p()
        _check(LIB.enc_open(ctypes.byref(cfg), ctypes.byref(h)))
        self._h = h
        self.width, self.height, self.codec = cfg.width, cfg.height, cfg.codec
        self.frame_size = self.width * self.height * 3 // 2
        self.eof = False
        self._pts = 0

    # -- lifecycle
    def close(self):
        """Closes the channel (discards what was not read). Idempotent."""
        h, self._h = getattr(self, "_h", None), None
        if h:
            LIB.enc_close(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):  # safety net only: call close()
        try:
            self.close()
        except Exception:
            pass

    def _handle(self):
        if not self._h:
            raise BadHandle(-2, "the encoder is closed")
        return self._h

    # -- input
    def send(self, frame, pts=None, timeout_ms=-1):
        """Queues one tightly packed NV12 frame (width*height*3/2 bytes). False on timeout.
        Without `pts` the previous one plus 1 is used; it advances only when a frame is queued
        (not on a timeout or an error)."""
        h = self._handle()
        pts, timeout_ms = self._pts_and_timeout(pts, timeout_ms)
        mv = _as_bytes_view(frame)
        buf = (ctypes.c_uint8 * len(mv)).from_buffer_copy(mv) if mv.readonly else (ctypes.c_uint8 * len(mv)).from_buffer(mv)
        return self._queued(LIB.enc_send_frame(h, buf, len(mv), pts, timeout_ms), h, pts)

    def _pts_and_timeout(self, pts, timeout_ms):
        return _args.pts(self._pts if pts is None else pts), _args.timeout_ms(timeout_ms)

    def _queued(self, status, h, pts):
        """True when a send queued its frame (the automatic pts then moves on), False on timeout."""
        if _check(status, h) != _lib.OK:
            return False
        self._pts = pts + 1
        return True

    def send_planes(self, y, uv, pts=None, timeout_ms=-1):
        """Queues NV12 from two 2-D numpy uint8 planes with any row stride (no copy on our side)."""
        import numpy as np
        h = self._handle()
        for name, p, rows in (("y", y, self.height), ("uv", uv, self.height // 2)):
            if not isinstance(p, np.ndarray) or p.dtype != np.uint8 or p.ndim != 2:
                raise TypeError(f"{name} must be a 2-D numpy uint8 array")
            if p.shape[0] < rows or p.shape[1] < self.width or p.strides[1] != 1:
                raise ValueError(f"{name} plane is {p.shape} with strides {p.strides}; expected at least "
                                 f"({rows}, {self.width}) with unit column stride")
        pts, timeout_ms = self._pts_and_timeout(pts, timeout_ms)
        f = _lib.EncFrame(y.ctypes.data, _args.int32("y.strides[0]", y.strides[0]), uv.ctypes.data,
                          _args.int32("uv.strides[0]", uv.strides[0]))
        return self._queued(LIB.enc_send_frame_strided(h, ctypes.byref(f), pts, timeout_ms), h, pts)

    def flush(self):
        """End of stream: the remaining packets, then iteration stops."""
        h = self._handle()
        _check(LIB.enc_flush(h), h)

    # -- output
    def get(self, timeout_ms=-1):
        """The next Packet, or None on timeout or at end of stream (see .eof)."""
        h = self._handle()
        timeout_ms = _args.timeout_ms(timeout_ms)
        p = ctypes.POINTER(_lib.EncPacket)()
        st = _check(LIB.enc_get_packet(h, ctypes.byref(p), timeout_ms), h)
        if st == _lib.EOF:
            self.eof = True
            return None
        if st == _lib.AGAIN:
            return None
        try:
            pk = p.contents
            data = ctypes.string_at(pk.data, pk.size)
            recon = ctypes.string_at(pk.recon, pk.recon_size) if pk.recon_size else None
            return Packet(data, pk.info, recon)
        finally:
            LIB.enc_packet_free(ctypes.byref(p))

    def drain(self):
        """Packets that are ready now (no waiting)."""
        while True:
            p = self.get(0)
            if p is None:
                return
            yield p

    def __iter__(self):
        """Every remaining packet until end of stream (call flush() first)."""
        while not self.eof:
            p = self.get(-1)
            if p is not None:
                yield p

    # -- control
    def request_keyframe(self):
        h = self._handle()
        _check(LIB.enc_request_keyframe(h), h)

    def set_bitrate(self, kbps):
        """The target bitrate (kbps, 1..1000000) from the next frame encoded."""
        h = self._handle()
        _check(LIB.enc_set_bitrate(h, _args.setting("bitrate_kbps", kbps)), h)

    def headers(self):
        h = self._handle()
        n = ctypes.c_size_t()
        LIB.enc_get_headers(h, None, 0, ctypes.byref(n))
        buf = ctypes.create_string_buffer(max(n.value, 1))
        _check(LIB.enc_get_headers(h, buf, n.value, ctypes.byref(n)), h)
        return buf.raw[:n.value]

    def max_packet_size(self):
        h = self._handle()
        n = ctypes.c_size_t()
        _check(LIB.enc_max_packet_size(h, ctypes.byref(n)), h)
        return n.value

    def stats(self):
        h = self._handle()
        s = _lib.EncStats()
        s.struct_size = ctypes.sizeof(s)
        _check(LIB.enc_get_stats(h, ctypes.byref(s)), h)
        d = {k: getattr(s, k) for k, _ in _lib.EncStats._fields_ if k not in ("struct_size", "rc_note")}
        d["rc_note"] = s.rc_note.decode("utf-8", "replace") or None
        return d
