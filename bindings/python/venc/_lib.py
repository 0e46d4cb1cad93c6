"""ctypes declarations of libvenc's C API (include/venc.h). Thin: no logic lives here."""
import ctypes
import ctypes.util
import os

c_int32, c_uint32, c_int64, c_uint64, c_size_t = (ctypes.c_int32, ctypes.c_uint32, ctypes.c_int64,
                                                   ctypes.c_uint64, ctypes.c_size_t)


class EncConfig(ctypes.Structure):
    _fields_ = [(n, t) for n, t in [
        ("struct_size", c_uint32), ("codec", c_int32), ("width", c_int32), ("height", c_int32),
        ("bitrate_kbps", c_int32), ("fps_num", c_int32), ("fps_den", c_int32), ("intra_period", c_int32),
        ("rc_mode", c_int32), ("quality", c_int32), ("qp", c_int32), ("min_qp", c_int32), ("max_qp", c_int32),
        ("min_quality", c_int32), ("max_quality", c_int32), ("max_bitrate_kbps", c_int32),
        ("vbv_buffer_ms", c_int32), ("channel", c_int32), ("queue_depth", c_int32), ("threads", c_int32),
        ("flags", c_uint32), ("search_range", c_int32), ("restart_rows", c_int32),
        ("preset", c_int32)]]


class EncFrame(ctypes.Structure):
    _fields_ = [("y", ctypes.c_void_p), ("y_stride", c_int32), ("uv", ctypes.c_void_p), ("uv_stride", c_int32)]


class EncPacketInfo(ctypes.Structure):
    _fields_ = [("size", c_size_t), ("pts", c_int64), ("frame_num", c_uint64), ("keyframe", c_int32),
                ("frame_type", c_int32), ("qp", c_int32), ("has_psnr", c_int32), ("psnr_y", ctypes.c_double),
                ("psnr_u", ctypes.c_double), ("psnr_v", ctypes.c_double)]


class EncPacket(ctypes.Structure):
    _fields_ = [("data", ctypes.POINTER(ctypes.c_uint8)), ("size", c_size_t), ("info", EncPacketInfo),
                ("recon", ctypes.POINTER(ctypes.c_uint8)), ("recon_size", c_size_t)]


class EncStats(ctypes.Structure):
    _fields_ = [("struct_size", c_uint32), ("target_kbps", c_uint32), ("frames_in", c_uint64),
                ("frames_out", c_uint64), ("bytes_out", c_uint64), ("keyframes", c_uint64), ("kbps", ctypes.c_double),
                ("last_qp", c_int32), ("has_psnr", c_int32), ("last_psnr_y", ctypes.c_double),
                ("last_psnr_u", ctypes.c_double), ("last_psnr_v", ctypes.c_double), ("mean_psnr_y", ctypes.c_double),
                ("mean_psnr_u", ctypes.c_double), ("mean_psnr_v", ctypes.c_double), ("rc_limited", c_int32),
                ("rc_note", ctypes.c_char * 160)]


OK, AGAIN, EOF = 0, 1, 2
ERR_INVALID_ARG, ERR_BAD_HANDLE, ERR_WRONG_STATE, ERR_UNSUPPORTED = -1, -2, -3, -4
ERR_BUSY, ERR_NO_MEMORY, ERR_INTERNAL, ERR_BUFFER_TOO_SMALL = -5, -6, -7, -8
FLAG_PSNR, FLAG_RECON, FLAG_MD5_SEI, FLAG_OPTIMIZE_HUFFMAN = 1, 2, 4, 8


def _candidates():
    env = os.environ.get("VENC_LIBRARY")
    if env:
        yield env
        return
    here = os.path.dirname(os.path.abspath(__file__))
    for name in ("libvenc.so", "libvenc.so.0"):
        p = os.path.join(here, name)
        if os.path.exists(p):
            yield p
    found = ctypes.util.find_library("venc")
    if found:
        yield found
    yield "libvenc.so.0"


def signatures():
    """name -> (argtypes, restype) of every function used (tests/test_abi.py checks them)."""
    H = ctypes.c_void_p
    return {
        "enc_version": ([], ctypes.c_char_p),
        "enc_abi_version": ([], c_uint32),
        "enc_strerror": ([c_int32], ctypes.c_char_p),
        "enc_config_default": ([ctypes.POINTER(EncConfig), c_size_t], c_int32),
        "enc_open": ([ctypes.POINTER(EncConfig), ctypes.POINTER(H)], c_int32),
        "enc_send_frame": ([H, ctypes.c_void_p, c_size_t, c_int64, c_int32], c_int32),
        "enc_send_frame_strided": ([H, ctypes.POINTER(EncFrame), c_int64, c_int32], c_int32),
        "enc_flush": ([H], c_int32),
        "enc_get_frame": ([H, ctypes.c_void_p, c_size_t, ctypes.POINTER(EncPacketInfo), c_int32], c_int32),
        "enc_get_packet": ([H, ctypes.POINTER(ctypes.POINTER(EncPacket)), c_int32], c_int32),
        "enc_packet_free": ([ctypes.POINTER(ctypes.POINTER(EncPacket))], None),
        "enc_request_keyframe": ([H], c_int32),
        "enc_set_bitrate": ([H, c_int32], c_int32),
        "enc_get_stats": ([H, ctypes.POINTER(EncStats)], c_int32),
        "enc_get_headers": ([H, ctypes.c_void_p, c_size_t, ctypes.POINTER(c_size_t)], c_int32),
        "enc_max_packet_size": ([H, ctypes.POINTER(c_size_t)], c_int32),
        "enc_last_error": ([H, ctypes.c_char_p, c_size_t], c_size_t),
        "enc_close": ([H], c_int32),
    }


def load():
    errors = []
    for path in _candidates():
        try:
            lib = ctypes.CDLL(path)
            break
        except OSError as e:
            errors.append(f"{path}: {e}")
    else:
        raise OSError("libvenc not found (set VENC_LIBRARY to its path, or install it): " + "; ".join(errors))
    for name, (args, ret) in signatures().items():
        f = getattr(lib, name)
        f.argtypes = args
        f.restype = ret
    return lib


LIB = load()


def last_error(handle=None):
    buf = ctypes.create_string_buffer(1024)
    LIB.enc_last_error(handle, buf, len(buf))
    return buf.value.decode("utf-8", "replace")
