"""`from hobot_vio import libsrcampy` on any machine: the board's `Encoder` on libvenc.

Reproduces the board's Python API exactly — both `encode(video_chn, type, width, height,
bits=8000)` (X3/X5) and the seed document's `encode(type, [width, height], bits)`, `send_frame`,
`get_frame`, `close`, and the older `encode_file` / `get_img` — with the board's return values
(0 / -1, bytes / None) and timeouts (send waits up to 3000 ms for a free buffer, get up to
2000 ms). Like the board, bad input never raises: the reason is printed and -1 returned.
Integers are checked before they reach ctypes (which would wrap them): `width=2**40` prints
"width=1099511627776 is out of range: expected 16..4096" instead of opening a 0-wide channel.
H.265 is CBR at `bits` kbps, 30 fps, intra period 30; MJPEG ignores `bits` and uses constant
quality 85 (as the board, a fixed quality; venc's default rather than the X5's 50).
"""
import ctypes
import sys

from venc import _args, _lib
from venc._lib import LIB

SEND_TIMEOUT_MS = 3000
GET_TIMEOUT_MS = 2000
MJPEG_QUALITY = 85


def _log(msg):
    print(f"[libsrcampy] {msg}", file=sys.stderr)


class Encoder:
    def __init__(self):
        self._h = None
        self._size = 0
        self._buf = None
        self._pts = 0

    def encode(self, *args, **kwargs):
        """encode(video_chn, type, width, height, bits=8000) or encode(type, [width, height], bits=8000)."""
        try:
            if len(args) >= 2 and isinstance(args[1], (list, tuple)):
                enc_type, (width, height) = args[0], args[1]
                bits = args[2] if len(args) > 2 else kwargs.get("bits", 8000)
                chn = -1
            else:
                names = ["video_chn", "type", "width", "height", "bits"]
                vals = dict(zip(names, args))
                for k, v in kwargs.items():
                    if k == "encode_type":
                        k = "type"
                    if k not in names:
                        raise TypeError(f"unexpected keyword {k!r}")
                    vals[k] = v
                missing = [n for n in names[:4] if n not in vals]
                if missing:
                    raise TypeError(f"missing {', '.join(missing)}")
                chn, enc_type, width, height = vals["video_chn"], vals["type"], vals["width"], vals["height"]
                bits = vals.get("bits", 8000)
            # Named as the board names them; the ranges are libvenc's (venc/_args.py).
            enc_type, chn = _args.check("type", enc_type, *_args.CODEC), _args.check("video_chn", chn, *_args.CHANNEL)
            width, height = _args.setting("width", width), _args.setting("height", height)
            # H.265 is CBR at `bits`; MJPEG ignores it (but it must still be a C int, as on the board).
            bits_range = _args.RANGES["bitrate_kbps"] if enc_type == 2 else _args.INT32[1:]
            bits = _args.check("bits", bits, *bits_range)
        except (TypeError, ValueError) as e:
            _log(f"encode: bad arguments: {getattr(e, 'message', e)}")
            return -1
        if self._h:
            _log("encode: the encoder is already open; close() it first")
            return -1
        cfg = _lib.EncConfig()
        LIB.enc_config_default(ctypes.byref(cfg), ctypes.sizeof(cfg))
        cfg.codec, cfg.width, cfg.height, cfg.bitrate_kbps, cfg.channel = enc_type, width, height, bits, chn
        cfg.queue_depth = 7
        cfg.preset, cfg.threads = 0, 0  # real-time: ultrafast on every core (as enc_open_simple)
        if enc_type == 3:
            cfg.rc_mode, cfg.quality = 2, MJPEG_QUALITY
        h = ctypes.c_void_p()
        if LIB.enc_open(ctypes.byref(cfg), ctypes.byref(h)) != 0:
            _log(f"encode: {_lib.last_error(None)}")
            return -1
        self._h = h
        n = ctypes.c_size_t()
        LIB.enc_max_packet_size(h, ctypes.byref(n))
        self._buf = ctypes.create_string_buffer(n.value)
        self._size = width * height * 3 // 2
        return 0

    def send_frame(self, img):
        if not self._h:
            _log("send_frame: call encode() first")
            return -1
        try:
            mv = memoryview(img).cast("B")
        except TypeError:
            _log(f"send_frame: img must be NV12 bytes, not {type(img).__name__}")
            return -1
        data = (ctypes.c_uint8 * len(mv)).from_buffer_copy(mv)
        st = LIB.enc_send_frame(self._h, data, len(mv), self._pts, SEND_TIMEOUT_MS)
        if st != 0:
            _log(f"send_frame: {_lib.last_error(self._h) if st < 0 else 'no free buffer within 3000 ms'}")
            return -1
        self._pts += 1
        return 0

    def get_frame(self):
        if not self._h:
            _log("get_frame: call encode() first")
            return None
        info = _lib.EncPacketInfo()
        st = LIB.enc_get_frame(self._h, self._buf, len(self._buf), ctypes.byref(info), GET_TIMEOUT_MS)
        if st != 0:
            if st < 0:
                _log(f"get_frame: {_lib.last_error(self._h)}")
            return None
        return self._buf.raw[:info.size]

    def close(self):
        if not self._h:
            _log("close: the encoder is not open")
            return -1
        h, self._h = self._h, None
        return 0 if LIB.enc_close(h) == 0 else -1

    # The older names of the X3 images.
    encode_file = send_frame
    get_img = get_frame

    def __del__(self):
        if getattr(self, "_h", None):
            LIB.enc_close(self._h)
