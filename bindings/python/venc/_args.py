"""Integer arguments checked before they reach ctypes, which silently wraps values that do not
fit a C type (2**40 becomes 0 in an int32_t field).

`RANGES` is src/config.rs `limits` (include/venc.h documents the same ranges); tests/test_args.py
checks every entry against libvenc's own out-of-range message, so the two cannot drift.

An integer is an `int` or anything with `__index__` (numpy integers); `bool` and `float` raise
TypeError. Outside the C type: `ArgumentOverflow` (an `OverflowError`); inside it but outside the
documented range: `InvalidArgument` (a `ValueError`). Both say the name, the value and the range:
"width=1099511627776 is out of range: expected 16..4096".
"""
import operator

from ._errors import ArgumentOverflow, InvalidArgument

INT32 = ("int32_t", -2**31, 2**31 - 1)
INT64 = ("int64_t", -2**63, 2**63 - 1)

# name -> (min, max), as src/config.rs `limits`.
RANGES = {
    "width": (16, 4096), "height": (16, 4096),
    "bitrate_kbps": (1, 1_000_000), "max_bitrate_kbps": (0, 2**31 - 1),
    "fps_num": (1, 1_000_000), "fps_den": (1, 1_000_000),
    "intra_period": (0, 100_000),
    "quality": (1, 100), "qp": (0, 51), "min_qp": (0, 51), "max_qp": (0, 51),
    "min_quality": (1, 100), "max_quality": (1, 100),
    "preset": (0, 5), "queue_depth": (1, 64), "threads": (0, 64), "vbv_buffer_ms": (100, 10_000),
    "search_range": (0, 512), "restart_rows": (0, 4096),
}
# Frames per second (fps_num / fps_den) at most (src/config.rs limits::MAX_FPS).
MAX_FPS = 1000
# Arguments whose range is written differently: (min, max, how the message says it).
CODEC = (1, 3, "1 (H.264), 2 (H.265) or 3 (MJPEG)")
CHANNEL = (-1, 31, "-1 (first free) or 0..31")
TIMEOUT_MS = (-1, 2**31 - 1, f"-1 (wait forever) or 0..{2**31 - 1}")


def integer(name, value):
    """`value` as a Python int, or TypeError naming the argument."""
    if isinstance(value, bool) or not hasattr(type(value), "__index__"):
        raise TypeError(f"{name} must be an integer, not {type(value).__name__} ({value!r})")
    return operator.index(value)


def check(name, value, lo, hi, expected=None, ctype=INT32):
    """`value` as an int if it is in lo..hi, else ArgumentOverflow (outside `ctype`) or
    InvalidArgument (outside lo..hi), each naming the argument, its value and the range."""
    v = integer(name, value)
    what = f"{name}={v} is out of range: expected {expected or f'{lo}..{hi}'}"
    ctype_name, cmin, cmax = ctype
    if not cmin <= v <= cmax:
        raise ArgumentOverflow(-1, f"{what} (it does not fit the C {ctype_name})")
    if not lo <= v <= hi:
        raise InvalidArgument(-1, what)
    return v


def setting(name, value):
    """A configuration setting checked against its `RANGES` entry."""
    return check(name, value, *RANGES[name])


def int32(name, value):
    """Any C int32_t (a setting whose range depends on others: libvenc checks it)."""
    return check(name, value, INT32[1], INT32[2])


def codec(value):
    return check("codec", value, *CODEC)


def channel(value):
    return check("channel", value, *CHANNEL)


def timeout_ms(value):
    return check("timeout_ms", value, *TIMEOUT_MS)


def pts(value):
    return check("pts", value, INT64[1], INT64[2], ctype=INT64)
