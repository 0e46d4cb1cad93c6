//! The C ABI: a thin translation of the safe API. Every exported function goes through
//! `ffi_call`, which catches panics, maps `Result` to a status code and records the message.
//! Handles are opaque tokens looked up in the channel table, never dereferenced.

#![allow(clippy::missing_safety_doc)] // each function's contract is in include/venc.h

use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::api::open_channel;
use crate::channel::{registry, Channel, Packet, Poll};
use crate::config::{CodecId, EncoderConfig, RcMode};
use crate::error::{Error, Result, Status};
use crate::frame::FrameRef;

/// A status code: `ENC_OK` (0), `ENC_AGAIN` and `ENC_EOF` (positive), errors negative.
pub type EncStatus = i32;

pub const ENC_OK: EncStatus = 0;
pub const ENC_AGAIN: EncStatus = 1;
pub const ENC_EOF: EncStatus = 2;
pub const ENC_ERR_INVALID_ARG: EncStatus = -1;
pub const ENC_ERR_BAD_HANDLE: EncStatus = -2;
pub const ENC_ERR_WRONG_STATE: EncStatus = -3;
pub const ENC_ERR_UNSUPPORTED: EncStatus = -4;
pub const ENC_ERR_BUSY: EncStatus = -5;
pub const ENC_ERR_NO_MEMORY: EncStatus = -6;
pub const ENC_ERR_INTERNAL: EncStatus = -7;
pub const ENC_ERR_BUFFER_TOO_SMALL: EncStatus = -8;

/// ABI version: bumped on any incompatible change to a function or struct layout.
pub const ENC_ABI_VERSION: u32 = 1;

pub const ENC_CODEC_H264: i32 = 1;
pub const ENC_CODEC_H265: i32 = 2;
pub const ENC_CODEC_MJPEG: i32 = 3;

pub const ENC_RC_CBR: i32 = 0;
pub const ENC_RC_VBR: i32 = 1;
pub const ENC_RC_CONST_QUALITY: i32 = 2;
pub const ENC_RC_FIXED_QP: i32 = 3;

pub const ENC_FLAG_PSNR: u32 = 1;
pub const ENC_FLAG_RECON: u32 = 2;
pub const ENC_FLAG_MD5_SEI: u32 = 4;
pub const ENC_FLAG_OPTIMIZE_HUFFMAN: u32 = 8;

pub const ENC_FRAME_IDR: i32 = 0;
pub const ENC_FRAME_I: i32 = 1;
pub const ENC_FRAME_P: i32 = 2;

/// Timeout value meaning "wait as long as it takes".
pub const ENC_WAIT_FOREVER: i32 = -1;

/// Opaque encoder handle (not repr(C): cbindgen emits it as an incomplete type).
pub struct EncEncoder {
    _private: [u8; 0],
}

/// Channel configuration. Fill with `enc_config_default(&cfg, sizeof cfg)`, then change fields.
/// `struct_size` comes first so that later versions can add fields at the end: the library reads
/// only `struct_size` bytes and defaults the rest.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct EncConfig {
    /// sizeof(EncConfig) as the caller compiled it.
    pub struct_size: u32,
    /// ENC_CODEC_H265 or ENC_CODEC_MJPEG (ENC_CODEC_H264: ENC_ERR_UNSUPPORTED).
    pub codec: i32,
    /// Even, 16..4096.
    pub width: i32,
    /// Even, 16..4096.
    pub height: i32,
    /// Target bitrate in kbps (default 8000). Ignored in the constant-quality/fixed modes.
    pub bitrate_kbps: i32,
    /// Frame rate numerator / denominator (default 30/1).
    pub fps_num: i32,
    pub fps_den: i32,
    /// Frames from one keyframe to the next (default 30; 1 = all intra; 0 = first only).
    pub intra_period: i32,
    /// ENC_RC_* (default ENC_RC_CBR).
    pub rc_mode: i32,
    /// MJPEG quality 1..100 (default 85): used by the constant-quality/fixed modes.
    pub quality: i32,
    /// H.265 QP 0..51 (default 30): used by the constant-quality/fixed modes.
    pub qp: i32,
    /// Bounds for the rate control (defaults 0..51 and 1..100).
    pub min_qp: i32,
    pub max_qp: i32,
    pub min_quality: i32,
    pub max_quality: i32,
    /// VBR peak in kbps (0 = twice the target).
    pub max_bitrate_kbps: i32,
    /// Rate-control buffer in ms of the target rate (default 1000).
    pub vbv_buffer_ms: i32,
    /// Channel 0..31, or -1 (default) for the first free one.
    pub channel: i32,
    /// Input frames queued before enc_send_frame waits (default 5, 1..64).
    pub queue_depth: i32,
    /// Threads used to encode one channel (default 1, 1..64). MJPEG: restart segments coded in
    /// parallel (same output for any count). H.265: wavefront CTU rows (entropy_coding_sync,
    /// the same stream for any count above one; at most 8 threads and one per two CTU columns).
    pub threads: i32,
    /// ENC_FLAG_* bits (default 0).
    pub flags: u32,
    /// H.265 motion search range in pels (default 64).
    pub search_range: i32,
    /// MJPEG restart interval in MCU rows (0 = none, or 1 when threads > 1).
    pub restart_rows: i32,
}

/// A strided NV12 frame: padded camera buffers need no copy on the caller's side.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct EncFrame {
    /// Luma: `height` rows of `width` bytes, `y_stride` bytes apart.
    pub y: *const u8,
    pub y_stride: i32,
    /// Interleaved Cb,Cr: `height/2` rows of `width` bytes, `uv_stride` bytes apart.
    pub uv: *const u8,
    pub uv_stride: i32,
}

/// Description of one packet.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct EncPacketInfo {
    /// Bytes of the packet (also set when the caller's buffer was too small).
    pub size: usize,
    /// The pts given with the frame.
    pub pts: i64,
    /// 0-based index of the frame in the stream.
    pub frame_num: u64,
    /// 1 when the packet can be decoded on its own (IDR, every JPEG).
    pub keyframe: i32,
    /// ENC_FRAME_*.
    pub frame_type: i32,
    /// H.265 QP or MJPEG quality used.
    pub qp: i32,
    /// 1 when the psnr fields are set (ENC_FLAG_PSNR).
    pub has_psnr: i32,
    pub psnr_y: f64,
    pub psnr_u: f64,
    pub psnr_v: f64,
}

/// A packet owned by the library: release it with enc_packet_free.
#[repr(C)]
#[derive(Debug)]
pub struct EncPacket {
    pub data: *const u8,
    pub size: usize,
    pub info: EncPacketInfo,
    /// The encoder's reconstruction as planar I420 (ENC_FLAG_RECON), else NULL.
    pub recon: *const u8,
    pub recon_size: usize,
}

/// Channel statistics. Set `struct_size` before calling enc_get_stats.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct EncStats {
    pub struct_size: u32,
    pub target_kbps: u32,
    pub frames_in: u64,
    pub frames_out: u64,
    pub bytes_out: u64,
    pub keyframes: u64,
    /// Mean bitrate of the packets so far at the configured frame rate.
    pub kbps: f64,
    pub last_qp: i32,
    /// 1 when the psnr fields are set.
    pub has_psnr: i32,
    pub last_psnr_y: f64,
    pub last_psnr_u: f64,
    pub last_psnr_v: f64,
    pub mean_psnr_y: f64,
    pub mean_psnr_u: f64,
    pub mean_psnr_v: f64,
    /// 1 when the rate control cannot reach the target (see rc_note).
    pub rc_limited: i32,
    /// The rate control's remark, NUL-terminated ("" when none).
    pub rc_note: [c_char; 160],
}

// ---------------------------------------------------------------------------------------------
// The boundary helper.

/// The last error of a call that had no valid handle (open, NULL or stale handles).
static GLOBAL_ERROR: Mutex<String> = Mutex::new(String::new());

fn record(ch: Option<&Channel>, e: &Error) {
    let msg = e.to_string();
    if let Some(c) = ch {
        c.set_last_error(msg.clone());
    }
    *GLOBAL_ERROR.lock() = msg;
}

/// Records a message for enc_last_error(NULL, ...) (used by the board compatibility layer).
pub(crate) fn set_global_error(msg: &str) {
    *GLOBAL_ERROR.lock() = msg.to_string();
}

fn lookup(h: *const EncEncoder) -> Result<Arc<Channel>> {
    if h.is_null() {
        return Err(Error::BadHandle("handle is NULL".into()));
    }
    registry::get(h as usize)
}

/// Runs `f` with panics caught; maps its result to a status and records the error message
/// on the handle's channel (when it has one) and process-wide.
fn ffi_call(h: *const EncEncoder, f: impl FnOnce() -> Result<Status>) -> EncStatus {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(s)) => s.0,
        Ok(Err(e)) => {
            let ch = lookup(h).ok();
            record(ch.as_deref(), &e);
            e.status().0
        }
        Err(p) => {
            let msg = if let Some(s) = p.downcast_ref::<&str>() {
                (*s).to_string()
            } else if let Some(s) = p.downcast_ref::<String>() {
                s.clone()
            } else {
                "unknown panic".into()
            };
            let e = Error::Internal(format!("internal error (caught panic): {msg}"));
            let ch = lookup(h).ok();
            if let Some(c) = &ch {
                c.mark_failed(e.clone());
            }
            record(ch.as_deref(), &e);
            e.status().0
        }
    }
}

fn non_null<T>(p: *const T, what: &str) -> Result<()> {
    if p.is_null() {
        Err(Error::invalid(format!("{what} is NULL")))
    } else {
        Ok(())
    }
}

fn poll_status<T>(p: &Poll<T>) -> Status {
    match p {
        Poll::Ready(_) => Status::OK,
        Poll::Again => Status::AGAIN,
        Poll::Eof => Status::EOF,
    }
}

// ---------------------------------------------------------------------------------------------
// Configuration.

fn default_c_config() -> EncConfig {
    let d = EncoderConfig::new(CodecId::Mjpeg, 0, 0);
    EncConfig {
        struct_size: std::mem::size_of::<EncConfig>() as u32,
        codec: ENC_CODEC_H265,
        width: 0,
        height: 0,
        bitrate_kbps: d.bitrate_kbps as i32,
        fps_num: d.fps_num as i32,
        fps_den: d.fps_den as i32,
        intra_period: d.intra_period as i32,
        rc_mode: d.rc_mode as i32,
        quality: d.quality as i32,
        qp: d.qp as i32,
        min_qp: d.min_qp as i32,
        max_qp: d.max_qp as i32,
        min_quality: d.min_quality as i32,
        max_quality: d.max_quality as i32,
        max_bitrate_kbps: d.max_bitrate_kbps as i32,
        vbv_buffer_ms: d.vbv_buffer_ms as i32,
        channel: -1,
        queue_depth: d.queue_depth as i32,
        threads: d.threads as i32,
        flags: d.flags,
        search_range: d.search_range as i32,
        restart_rows: d.restart_rows as i32,
    }
}

/// Bytes of EncConfig up to and including `height`: a caller must provide at least those.
const MIN_CONFIG_SIZE: usize = std::mem::offset_of!(EncConfig, height) + 4;

/// Reads a caller's config of `struct_size` bytes, defaulting fields it does not have.
///
/// # Safety
/// `p` points to at least `struct_size` readable bytes (checked against our own size first).
unsafe fn read_config(p: *const EncConfig) -> Result<EncoderConfig> {
    // SAFETY: the caller guarantees `p` is readable for 4 bytes (struct_size comes first).
    let size = unsafe { ptr::read_unaligned(p as *const u32) } as usize;
    let ours = std::mem::size_of::<EncConfig>();
    if size < MIN_CONFIG_SIZE || size > ours {
        return Err(Error::invalid(format!(
            "config struct_size is {size}, expected {MIN_CONFIG_SIZE}..={ours} \
             (set it to sizeof(EncConfig), or call enc_config_default)"
        )));
    }
    let mut c = default_c_config();
    // SAFETY: `size` bytes are readable at `p` (caller's contract) and fit in `c` (checked).
    unsafe {
        ptr::copy_nonoverlapping(p as *const u8, &mut c as *mut EncConfig as *mut u8, size);
    }
    to_rust_config(&c)
}

fn to_rust_config(c: &EncConfig) -> Result<EncoderConfig> {
    let codec = CodecId::from_i32(c.codec)?;
    let nonneg = |name: &str, v: i32| -> Result<u32> {
        u32::try_from(v).map_err(|_| Error::invalid(format!("{name} is {v}, expected >= 0")))
    };
    let mut cfg = EncoderConfig::new(
        codec,
        nonneg("width", c.width)?,
        nonneg("height", c.height)?,
    );
    cfg.bitrate_kbps = nonneg("bitrate_kbps", c.bitrate_kbps)?;
    cfg.fps_num = nonneg("fps_num", c.fps_num)?;
    cfg.fps_den = nonneg("fps_den", c.fps_den)?;
    cfg.intra_period = nonneg("intra_period", c.intra_period)?;
    cfg.rc_mode = RcMode::from_i32(c.rc_mode)?;
    cfg.quality = nonneg("quality", c.quality)?;
    cfg.qp = nonneg("qp", c.qp)?;
    cfg.min_qp = nonneg("min_qp", c.min_qp)?;
    cfg.max_qp = nonneg("max_qp", c.max_qp)?;
    cfg.min_quality = nonneg("min_quality", c.min_quality)?;
    cfg.max_quality = nonneg("max_quality", c.max_quality)?;
    cfg.max_bitrate_kbps = nonneg("max_bitrate_kbps", c.max_bitrate_kbps)?;
    cfg.vbv_buffer_ms = nonneg("vbv_buffer_ms", c.vbv_buffer_ms)?;
    cfg.channel = match c.channel {
        -1 => None,
        v => Some(u32::try_from(v).map_err(|_| {
            Error::invalid(format!(
                "channel is {v}, expected 0..=31 or -1 (first free)"
            ))
        })?),
    };
    cfg.queue_depth = nonneg("queue_depth", c.queue_depth)?;
    cfg.threads = nonneg("threads", c.threads)?;
    cfg.flags = c.flags;
    cfg.search_range = nonneg("search_range", c.search_range)?;
    cfg.restart_rows = nonneg("restart_rows", c.restart_rows)?;
    Ok(cfg)
}

// ---------------------------------------------------------------------------------------------
// Exported functions.

/// The library version, e.g. "0.1.0". Static storage.
#[no_mangle]
pub extern "C" fn enc_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr() as *const c_char
}

/// ENC_ABI_VERSION of the library at run time (compare with the header's).
#[no_mangle]
pub extern "C" fn enc_abi_version() -> u32 {
    ENC_ABI_VERSION
}

/// A static description of a status code; any integer is accepted.
#[no_mangle]
pub extern "C" fn enc_strerror(status: EncStatus) -> *const c_char {
    let s: &'static str = match status {
        0 => "success\0",
        1 => "try again: queue full or no packet ready within the timeout\0",
        2 => "end of stream: all packets have been returned\0",
        -1 => "invalid argument\0",
        -2 => "bad handle: NULL, unknown or already closed\0",
        -3 => "wrong state for this call\0",
        -4 => "unsupported\0",
        -5 => "channel busy: the requested channel is open, or all channels are in use\0",
        -6 => "out of memory\0",
        -7 => "internal error (a bug in venc was caught; the channel is failed)\0",
        -8 => "buffer too small: the needed size was returned and the packet kept\0",
        _ => "unknown status code\0",
    };
    debug_assert_eq!(&s[..s.len() - 1], Status(status).describe());
    s.as_ptr() as *const c_char
}

/// Fills `cfg` with the defaults (H.265, CBR 8000 kbps, 30/1 fps, intra period 30, channel -1)
/// writing only `struct_size` bytes (pass sizeof(EncConfig)); width and height are left 0.
#[no_mangle]
pub unsafe extern "C" fn enc_config_default(cfg: *mut EncConfig, struct_size: usize) -> EncStatus {
    ffi_call(ptr::null(), || {
        non_null(cfg, "cfg")?;
        let ours = std::mem::size_of::<EncConfig>();
        if !(MIN_CONFIG_SIZE..=ours).contains(&struct_size) {
            return Err(Error::invalid(format!(
                "struct_size is {struct_size}, expected {MIN_CONFIG_SIZE}..={ours} (sizeof(EncConfig))"
            )));
        }
        let mut d = default_c_config();
        d.struct_size = struct_size as u32;
        // SAFETY: the caller owns `struct_size` writable bytes at `cfg`; `d` has at least as many.
        unsafe {
            ptr::copy_nonoverlapping(
                &d as *const EncConfig as *const u8,
                cfg as *mut u8,
                struct_size,
            );
        }
        Ok(Status::OK)
    })
}

/// Opens a channel. On success `*out` is the handle; on error `*out` is NULL and
/// enc_last_error(NULL, ...) says why.
#[no_mangle]
pub unsafe extern "C" fn enc_open(cfg: *const EncConfig, out: *mut *mut EncEncoder) -> EncStatus {
    ffi_call(ptr::null(), || {
        non_null(out, "out")?;
        // SAFETY: `out` is non-null and points to a writable pointer (caller's contract).
        unsafe { *out = ptr::null_mut() };
        non_null(cfg, "cfg")?;
        // SAFETY: `cfg` is non-null and points to a config of its struct_size bytes.
        let rc = unsafe { read_config(cfg) }?;
        let (handle, _) = open_channel(rc)?;
        // SAFETY: as above.
        unsafe { *out = handle as *mut EncEncoder };
        Ok(Status::OK)
    })
}

/// The board's call in one step: `encode(type, [width, height], bits)`. Everything else default.
#[no_mangle]
pub unsafe extern "C" fn enc_open_simple(
    codec: i32,
    width: i32,
    height: i32,
    bitrate_kbps: i32,
    out: *mut *mut EncEncoder,
) -> EncStatus {
    let mut c = default_c_config();
    c.codec = codec;
    c.width = width;
    c.height = height;
    c.bitrate_kbps = bitrate_kbps;
    // SAFETY: `c` is a complete local config; `out` is passed through with the same contract.
    unsafe { enc_open(&c, out) }
}

/// Sends one tightly packed NV12 frame of exactly width*height*3/2 bytes. Waits up to
/// `timeout_ms` (-1 forever, 0 poll) for queue space: ENC_AGAIN when none came.
/// `data == NULL && len == 0` means end of stream (as enc_flush).
#[no_mangle]
pub unsafe extern "C" fn enc_send_frame(
    h: *mut EncEncoder,
    data: *const u8,
    len: usize,
    pts: i64,
    timeout_ms: i32,
) -> EncStatus {
    ffi_call(h, || {
        let ch = lookup(h)?;
        if data.is_null() {
            if len != 0 {
                return Err(Error::invalid(format!(
                    "data is NULL but len is {len}: pass NULL with len 0 to end the stream"
                )));
            }
            ch.flush()?;
            return Ok(Status::OK);
        }
        let c = ch.config();
        // SAFETY: the caller guarantees `len` readable bytes at `data`.
        let bytes = unsafe { std::slice::from_raw_parts(data, len) };
        let f = FrameRef::packed(c.width, c.height, bytes)?;
        Ok(poll_status(&ch.send(&f, pts, timeout_ms)?))
    })
}

/// Sends one strided NV12 frame (see EncFrame). `frame == NULL` means end of stream.
#[no_mangle]
pub unsafe extern "C" fn enc_send_frame_strided(
    h: *mut EncEncoder,
    frame: *const EncFrame,
    pts: i64,
    timeout_ms: i32,
) -> EncStatus {
    ffi_call(h, || {
        let ch = lookup(h)?;
        if frame.is_null() {
            ch.flush()?;
            return Ok(Status::OK);
        }
        // SAFETY: non-null, points to an EncFrame (caller's contract).
        let f = unsafe { *frame };
        non_null(f.y, "frame->y")?;
        non_null(f.uv, "frame->uv")?;
        let c = ch.config();
        let (w, hh) = (c.width as usize, c.height as usize);
        let ys = usize::try_from(f.y_stride)
            .ok()
            .filter(|&s| s >= w)
            .ok_or_else(|| {
                Error::invalid(format!("y_stride is {}, expected >= width {w}", f.y_stride))
            })?;
        let uvs = usize::try_from(f.uv_stride)
            .ok()
            .filter(|&s| s >= w)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "uv_stride is {}, expected >= width {w}",
                    f.uv_stride
                ))
            })?;
        // SAFETY: the caller guarantees the planes hold `height` (resp. height/2) rows of
        // `width` bytes at the given strides; these are exactly the spans below.
        let (y, uv) = unsafe {
            (
                std::slice::from_raw_parts(f.y, ys * (hh - 1) + w),
                std::slice::from_raw_parts(f.uv, uvs * (hh / 2 - 1) + w),
            )
        };
        let fr = FrameRef {
            width: c.width,
            height: c.height,
            y,
            y_stride: ys,
            uv,
            uv_stride: uvs,
        };
        Ok(poll_status(&ch.send(&fr, pts, timeout_ms)?))
    })
}

/// End of stream: queued frames are encoded, then enc_get_frame returns every remaining packet
/// and then ENC_EOF. Later sends fail with ENC_ERR_WRONG_STATE. A second flush is a no-op.
#[no_mangle]
pub extern "C" fn enc_flush(h: *mut EncEncoder) -> EncStatus {
    ffi_call(h, || {
        lookup(h)?.flush()?;
        Ok(Status::OK)
    })
}

fn fill_info(p: &Packet) -> EncPacketInfo {
    let (has, ps) = match p.psnr {
        Some(v) => (1, v),
        None => (0, [0.0; 3]),
    };
    EncPacketInfo {
        size: p.data.len(),
        pts: p.pts,
        frame_num: p.frame_num,
        keyframe: p.is_keyframe() as i32,
        frame_type: p.frame_type as i32,
        qp: p.qp,
        has_psnr: has,
        psnr_y: ps[0],
        psnr_u: ps[1],
        psnr_v: ps[2],
    }
}

/// Copies the next packet into `buf` (capacity `capacity` bytes) and describes it in `*info`.
/// Waits up to `timeout_ms` (-1 forever, 0 poll): ENC_AGAIN when nothing came, ENC_EOF after
/// the end of stream. If `capacity` is too small: ENC_ERR_BUFFER_TOO_SMALL, `info->size` is the
/// size needed, nothing is written to `buf` and the packet stays queued for the next call.
#[no_mangle]
pub unsafe extern "C" fn enc_get_frame(
    h: *mut EncEncoder,
    buf: *mut u8,
    capacity: usize,
    info: *mut EncPacketInfo,
    timeout_ms: i32,
) -> EncStatus {
    ffi_call(h, || {
        let ch = lookup(h)?;
        non_null(info, "info")?;
        if buf.is_null() && capacity != 0 {
            return Err(Error::invalid("buf is NULL but capacity is not 0"));
        }
        let got = ch.get_with(timeout_ms, |p| {
            if p.data.len() > capacity {
                // SAFETY: `info` is non-null and writable (caller's contract).
                unsafe { *info = fill_info(p) };
                Err(Error::BufferTooSmall {
                    needed: p.data.len(),
                    capacity,
                })
            } else {
                Ok(())
            }
        })?;
        let st = poll_status(&got);
        if let Poll::Ready((p, ())) = got {
            // SAFETY: `buf` has `capacity >= p.data.len()` writable bytes; `info` is writable.
            unsafe {
                ptr::copy_nonoverlapping(p.data.as_ptr(), buf, p.data.len());
                *info = fill_info(&p);
            }
        }
        Ok(st)
    })
}

/// The allocation behind an EncPacket: the public struct first, so the pointers are the same.
#[repr(C)]
struct PacketBox {
    public: EncPacket,
    data: Vec<u8>,
    recon: Vec<u8>,
}

/// Takes the next packet as a library-owned EncPacket (no size limit, no copy); release it
/// with enc_packet_free. Timeout and return codes as enc_get_frame.
#[no_mangle]
pub unsafe extern "C" fn enc_get_packet(
    h: *mut EncEncoder,
    out: *mut *mut EncPacket,
    timeout_ms: i32,
) -> EncStatus {
    ffi_call(h, || {
        non_null(out, "out")?;
        // SAFETY: `out` is non-null and writable.
        unsafe { *out = ptr::null_mut() };
        let ch = lookup(h)?;
        let got = ch.get(timeout_ms)?;
        let st = poll_status(&got);
        if let Poll::Ready(p) = got {
            let info = fill_info(&p);
            let recon = p.recon.as_ref().map(|r| r.to_i420()).unwrap_or_default();
            let mut b = Box::new(PacketBox {
                public: EncPacket {
                    data: ptr::null(),
                    size: p.data.len(),
                    info,
                    recon: ptr::null(),
                    recon_size: recon.len(),
                },
                data: p.data,
                recon,
            });
            b.public.data = b.data.as_ptr();
            if !b.recon.is_empty() {
                b.public.recon = b.recon.as_ptr();
            }
            // SAFETY: `out` is writable; the box is released by enc_packet_free.
            unsafe { *out = Box::into_raw(b) as *mut EncPacket };
        }
        Ok(st)
    })
}

/// Frees a packet from enc_get_packet and sets `*pkt` to NULL. NULL or *pkt == NULL: no-op.
#[no_mangle]
pub unsafe extern "C" fn enc_packet_free(pkt: *mut *mut EncPacket) {
    if pkt.is_null() {
        return;
    }
    // SAFETY: `pkt` is non-null and points to a pointer the caller got from enc_get_packet.
    let p = unsafe { std::mem::replace(&mut *pkt, ptr::null_mut()) };
    if !p.is_null() {
        // SAFETY: `p` came from Box::into_raw of a PacketBox whose first field it points to.
        drop(unsafe { Box::from_raw(p as *mut PacketBox) });
    }
}

/// The next frame sent is coded as a keyframe (IDR with parameter sets).
#[no_mangle]
pub extern "C" fn enc_request_keyframe(h: *mut EncEncoder) -> EncStatus {
    ffi_call(h, || {
        lookup(h)?.request_keyframe()?;
        Ok(Status::OK)
    })
}

/// Changes the target bitrate (kbps, 1..1000000) from the next frame encoded.
#[no_mangle]
pub extern "C" fn enc_set_bitrate(h: *mut EncEncoder, bitrate_kbps: i32) -> EncStatus {
    ffi_call(h, || {
        let kbps = u32::try_from(bitrate_kbps).map_err(|_| {
            Error::invalid(format!(
                "bitrate is {bitrate_kbps} kbps, expected 1..=1000000"
            ))
        })?;
        lookup(h)?.set_bitrate(kbps)?;
        Ok(Status::OK)
    })
}

/// Fills `*stats` (set stats->struct_size = sizeof(EncStats) first; only that many bytes are
/// written).
#[no_mangle]
pub unsafe extern "C" fn enc_get_stats(h: *mut EncEncoder, stats: *mut EncStats) -> EncStatus {
    ffi_call(h, || {
        non_null(stats, "stats")?;
        // SAFETY: non-null; struct_size is the first field.
        let size = unsafe { ptr::read_unaligned(stats as *const u32) } as usize;
        let ours = std::mem::size_of::<EncStats>();
        if !(8..=ours).contains(&size) {
            return Err(Error::invalid(format!(
                "stats->struct_size is {size}, expected 8..={ours} (sizeof(EncStats))"
            )));
        }
        let s = lookup(h)?.stats()?;
        let (hp, lp, mp) = match (s.last_psnr, s.mean_psnr) {
            (Some(l), Some(m)) => (1, l, m),
            _ => (0, [0.0; 3], [0.0; 3]),
        };
        let mut note = [0 as c_char; 160];
        if let Some(n) = &s.rc_note {
            for (d, &b) in note.iter_mut().zip(n.as_bytes().iter().take(159)) {
                *d = b as c_char;
            }
        }
        let out = EncStats {
            struct_size: size as u32,
            target_kbps: s.target_kbps,
            frames_in: s.frames_in,
            frames_out: s.frames_out,
            bytes_out: s.bytes_out,
            keyframes: s.keyframes,
            kbps: s.kbps,
            last_qp: s.last_qp,
            has_psnr: hp,
            last_psnr_y: lp[0],
            last_psnr_u: lp[1],
            last_psnr_v: lp[2],
            mean_psnr_y: mp[0],
            mean_psnr_u: mp[1],
            mean_psnr_v: mp[2],
            rc_limited: s.rc_note.is_some() as i32,
            rc_note: note,
        };
        // SAFETY: the caller owns `size` writable bytes at `stats`, and size <= sizeof(out).
        unsafe {
            ptr::copy_nonoverlapping(&out as *const EncStats as *const u8, stats as *mut u8, size);
        }
        Ok(Status::OK)
    })
}

/// Copies the stream headers (H.265 VPS+SPS+PPS, Annex-B; empty for MJPEG) into `buf`.
/// `*size` is always set to the bytes needed; ENC_ERR_BUFFER_TOO_SMALL when `capacity` is less.
#[no_mangle]
pub unsafe extern "C" fn enc_get_headers(
    h: *mut EncEncoder,
    buf: *mut u8,
    capacity: usize,
    size: *mut usize,
) -> EncStatus {
    ffi_call(h, || {
        non_null(size, "size")?;
        let hd = lookup(h)?.headers();
        // SAFETY: `size` is non-null and writable.
        unsafe { *size = hd.len() };
        if hd.len() > capacity {
            return Err(Error::BufferTooSmall {
                needed: hd.len(),
                capacity,
            });
        }
        if !hd.is_empty() {
            non_null(buf, "buf")?;
            // SAFETY: `buf` has `capacity >= hd.len()` writable bytes.
            unsafe { ptr::copy_nonoverlapping(hd.as_ptr(), buf, hd.len()) };
        }
        Ok(Status::OK)
    })
}

/// The largest packet this channel can produce: a buffer of this size always suffices.
#[no_mangle]
pub unsafe extern "C" fn enc_max_packet_size(h: *mut EncEncoder, size: *mut usize) -> EncStatus {
    ffi_call(h, || {
        non_null(size, "size")?;
        let n = lookup(h)?.max_packet_size();
        // SAFETY: non-null and writable.
        unsafe { *size = n };
        Ok(Status::OK)
    })
}

/// Copies the last error message (NUL-terminated, truncated to fit) into `buf` and returns its
/// full length without the NUL (like snprintf). With a live handle: that channel's last error;
/// with NULL (or a closed handle): the last error of any call in the process. "" if none.
#[no_mangle]
pub unsafe extern "C" fn enc_last_error(
    h: *const EncEncoder,
    buf: *mut c_char,
    capacity: usize,
) -> usize {
    let msg = catch_unwind(|| {
        lookup(h)
            .ok()
            .and_then(|c| c.last_error())
            .unwrap_or_else(|| GLOBAL_ERROR.lock().clone())
    })
    .unwrap_or_default();
    if !buf.is_null() && capacity > 0 {
        let n = msg.len().min(capacity - 1);
        // SAFETY: `buf` has `capacity` writable bytes; we write n + 1 <= capacity.
        unsafe {
            ptr::copy_nonoverlapping(msg.as_ptr(), buf as *mut u8, n);
            *buf.add(n) = 0;
        }
    }
    msg.len()
}

/// Closes the channel: discards frames not yet encoded and packets not yet read (to keep them,
/// flush and read to ENC_EOF first), wakes any thread waiting in this channel's calls (they
/// return ENC_ERR_BAD_HANDLE), joins the worker and frees everything. NULL is a no-op
/// (ENC_OK); a closed handle gives ENC_ERR_BAD_HANDLE and changes nothing.
#[no_mangle]
pub extern "C" fn enc_close(h: *mut EncEncoder) -> EncStatus {
    if h.is_null() {
        return ENC_OK;
    }
    ffi_call(ptr::null(), || {
        let ch = registry::remove(h as usize)?;
        ch.close();
        Ok(Status::OK)
    })
}

/// Number of open channels in the process (all handles).
#[no_mangle]
pub extern "C" fn enc_open_channels() -> i32 {
    registry::open_count() as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::flags;

    #[test]
    fn constants_match_the_rust_definitions() {
        let pairs = [
            (ENC_OK, Status::OK),
            (ENC_AGAIN, Status::AGAIN),
            (ENC_EOF, Status::EOF),
            (ENC_ERR_INVALID_ARG, Status::ERR_INVALID_ARG),
            (ENC_ERR_BAD_HANDLE, Status::ERR_BAD_HANDLE),
            (ENC_ERR_WRONG_STATE, Status::ERR_WRONG_STATE),
            (ENC_ERR_UNSUPPORTED, Status::ERR_UNSUPPORTED),
            (ENC_ERR_BUSY, Status::ERR_BUSY),
            (ENC_ERR_NO_MEMORY, Status::ERR_NO_MEMORY),
            (ENC_ERR_INTERNAL, Status::ERR_INTERNAL),
            (ENC_ERR_BUFFER_TOO_SMALL, Status::ERR_BUFFER_TOO_SMALL),
        ];
        for (c, s) in pairs {
            assert_eq!(c, s.0);
            let d = unsafe { std::ffi::CStr::from_ptr(enc_strerror(c)) };
            assert_eq!(d.to_str().unwrap(), s.describe());
        }
        assert_eq!(ENC_FLAG_PSNR, flags::PSNR);
        assert_eq!(ENC_FLAG_RECON, flags::RECON);
        assert_eq!(ENC_FLAG_MD5_SEI, flags::MD5_SEI);
        assert_eq!(ENC_FLAG_OPTIMIZE_HUFFMAN, flags::OPTIMIZE_HUFFMAN);
        assert_eq!(ENC_CODEC_H265, CodecId::H265 as i32);
        assert_eq!(ENC_CODEC_MJPEG, CodecId::Mjpeg as i32);
        assert_eq!(ENC_RC_VBR, RcMode::Vbr as i32);
        assert_eq!(ENC_RC_FIXED_QP, RcMode::FixedQp as i32);
    }
}
