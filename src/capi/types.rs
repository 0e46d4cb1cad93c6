//! The C types and constants of include/venc.h. Their order here is the header's order.

use std::ffi::c_char;

/// A status code: `ENC_OK` (0), `ENC_AGAIN` and `ENC_EOF` (positive), errors negative.
pub type EncStatus = i32;

/// Success.
pub const ENC_OK: EncStatus = 0;
/// Nothing yet: the queue stayed full (send) or no packet was ready (get) within the timeout.
pub const ENC_AGAIN: EncStatus = 1;
/// End of stream: the channel was flushed and every packet has been returned.
pub const ENC_EOF: EncStatus = 2;
/// An argument is NULL, out of range or malformed (`enc_last_error` says which and what was expected).
pub const ENC_ERR_INVALID_ARG: EncStatus = -1;
/// The handle is NULL, unknown or already closed.
pub const ENC_ERR_BAD_HANDLE: EncStatus = -2;
/// Not allowed in the channel's present state (a frame after the flush, a failed channel).
pub const ENC_ERR_WRONG_STATE: EncStatus = -3;
/// A valid request venc does not implement (H.264). Checked before a channel is taken: never
/// ENC_ERR_BUSY for a request that cannot succeed.
pub const ENC_ERR_UNSUPPORTED: EncStatus = -4;
/// The requested channel is open, or all 32 are.
pub const ENC_ERR_BUSY: EncStatus = -5;
/// Out of memory.
pub const ENC_ERR_NO_MEMORY: EncStatus = -6;
/// A bug in venc was caught (a panic); the channel is failed, the process is not.
pub const ENC_ERR_INTERNAL: EncStatus = -7;
/// The caller's buffer is too small: the size needed was reported and the packet kept.
pub const ENC_ERR_BUFFER_TOO_SMALL: EncStatus = -8;

/// ABI version: bumped on any incompatible change to a function or struct layout.
pub const ENC_ABI_VERSION: u32 = 1;

/// H.264: the board's codec id 1, not implemented (`ENC_ERR_UNSUPPORTED`).
pub const ENC_CODEC_H264: i32 = 1;
/// H.265 / HEVC Main profile (the board's codec id 2).
pub const ENC_CODEC_H265: i32 = 2;
/// Motion JPEG, baseline 4:2:0 (the board's codec id 3).
pub const ENC_CODEC_MJPEG: i32 = 3;

/// Constant bitrate at `bitrate_kbps` (the default, as on the board).
pub const ENC_RC_CBR: i32 = 0;
/// Variable bitrate: `bitrate_kbps` on average, peaks up to `max_bitrate_kbps`.
pub const ENC_RC_VBR: i32 = 1;
/// Constant quality: MJPEG `quality`, H.265 `qp`.
pub const ENC_RC_CONST_QUALITY: i32 = 2;
/// Fixed QP (H.265 `qp`) or fixed quality (MJPEG `quality`) for every picture.
pub const ENC_RC_FIXED_QP: i32 = 3;

/// H.265 speed presets (`EncConfig.preset`), x265's names, fastest first; the README's table
/// says what each decides and costs. MJPEG ignores the preset.
pub const ENC_PRESET_ULTRAFAST: i32 = 0;
/// See ENC_PRESET_ULTRAFAST.
pub const ENC_PRESET_SUPERFAST: i32 = 1;
/// The default of enc_config_default (venc's decisions before presets existed).
pub const ENC_PRESET_VERYFAST: i32 = 2;
/// See ENC_PRESET_ULTRAFAST.
pub const ENC_PRESET_FASTER: i32 = 3;
/// See ENC_PRESET_ULTRAFAST.
pub const ENC_PRESET_FAST: i32 = 4;
/// The slowest preset.
pub const ENC_PRESET_MEDIUM: i32 = 5;

/// Compute PSNR per packet (`EncPacketInfo.psnr_*`, `EncStats`).
pub const ENC_FLAG_PSNR: u32 = 1;
/// Return the encoder's reconstruction with each packet (`EncPacket.recon`).
pub const ENC_FLAG_RECON: u32 = 2;
/// H.265: an MD5 decoded-picture-hash SEI with each picture (decoders verify every picture).
pub const ENC_FLAG_MD5_SEI: u32 = 4;
/// MJPEG: Huffman tables optimised for each picture instead of the standard ones.
pub const ENC_FLAG_OPTIMIZE_HUFFMAN: u32 = 8;

/// An IDR picture (H.265) or any JPEG: decodable on its own.
pub const ENC_FRAME_IDR: i32 = 0;
/// An intra picture that is not a random-access point.
pub const ENC_FRAME_I: i32 = 1;
/// A P picture, predicted from the previous one.
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
    /// Frame rate numerator (default 30; the rate is fps_num / fps_den).
    pub fps_num: i32,
    /// Frame rate denominator (default 1).
    pub fps_den: i32,
    /// Frames from one keyframe to the next (default 30; 1 = all intra; 0 = first only).
    pub intra_period: i32,
    /// ENC_RC_* (default ENC_RC_CBR).
    pub rc_mode: i32,
    /// MJPEG quality 1..100 (default 85): used by the constant-quality/fixed modes.
    pub quality: i32,
    /// H.265 QP 0..51 (default 30): used by the constant-quality/fixed modes.
    pub qp: i32,
    /// Lower H.265 QP bound for the rate control (default 0).
    pub min_qp: i32,
    /// Upper H.265 QP bound for the rate control (default 51).
    pub max_qp: i32,
    /// Lower MJPEG quality bound for the rate control (default 1).
    pub min_quality: i32,
    /// Upper MJPEG quality bound for the rate control (default 100).
    pub max_quality: i32,
    /// VBR peak in kbps (0 = twice the target).
    pub max_bitrate_kbps: i32,
    /// Rate-control buffer in ms of the target rate (default 1000).
    pub vbv_buffer_ms: i32,
    /// Channel 0..31, or -1 (default) for the first free one.
    pub channel: i32,
    /// Input frames queued before enc_send_frame waits (default 5, 1..64).
    pub queue_depth: i32,
    /// Threads used to encode one channel (default 1, 0..64; 0 = the cores available, at
    /// most 8: what enc_open_simple and the board's calls use). MJPEG: restart segments coded in
    /// parallel (same output for any count). H.265: wavefront CTU rows (entropy_coding_sync,
    /// the same stream for any count above one; at most 8 threads and one per two CTU columns).
    pub threads: i32,
    /// ENC_FLAG_* bits (default 0).
    pub flags: u32,
    /// H.265 motion search range in pels (default 64).
    pub search_range: i32,
    /// MJPEG restart interval in MCU rows (0 = none, or 1 when threads > 1).
    pub restart_rows: i32,
    /// H.265 speed preset, ENC_PRESET_* (default ENC_PRESET_VERYFAST). Added in 0.2: a caller
    /// whose struct_size ends before it gets the default.
    pub preset: i32,
}

/// A strided NV12 frame: padded camera buffers need no copy on the caller's side.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct EncFrame {
    /// Luma: `height` rows of `width` bytes, `y_stride` bytes apart.
    pub y: *const u8,
    /// Bytes from one luma row to the next (>= width).
    pub y_stride: i32,
    /// Interleaved Cb,Cr: `height/2` rows of `width` bytes, `uv_stride` bytes apart.
    pub uv: *const u8,
    /// Bytes from one chroma row to the next (>= width).
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
    /// Luma PSNR in dB.
    pub psnr_y: f64,
    /// Cb PSNR in dB.
    pub psnr_u: f64,
    /// Cr PSNR in dB.
    pub psnr_v: f64,
}

/// A packet owned by the library: release it with enc_packet_free.
#[repr(C)]
#[derive(Debug)]
pub struct EncPacket {
    /// The packet's bytes (one JPEG, or one H.265 access unit in Annex-B), owned by the packet.
    pub data: *const u8,
    /// Bytes at `data`.
    pub size: usize,
    /// What the packet is (pts, frame number, type, QP, PSNR).
    pub info: EncPacketInfo,
    /// The encoder's reconstruction as planar I420 (ENC_FLAG_RECON), else NULL.
    pub recon: *const u8,
    /// Bytes at `recon` (0 without ENC_FLAG_RECON).
    pub recon_size: usize,
}

/// Channel statistics. Set `struct_size` before calling enc_get_stats.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct EncStats {
    /// sizeof(EncStats) as the caller compiled it.
    pub struct_size: u32,
    /// The current target bitrate in kbps.
    pub target_kbps: u32,
    /// Frames accepted by enc_send_frame.
    pub frames_in: u64,
    /// Packets produced by the codec.
    pub frames_out: u64,
    /// Bytes of those packets.
    pub bytes_out: u64,
    /// Keyframes among them.
    pub keyframes: u64,
    /// Mean bitrate of the packets so far at the configured frame rate.
    pub kbps: f64,
    /// H.265 QP or MJPEG quality of the last packet.
    pub last_qp: i32,
    /// 1 when the psnr fields are set.
    pub has_psnr: i32,
    /// PSNR of the last packet in dB: luma.
    pub last_psnr_y: f64,
    /// PSNR of the last packet in dB: Cb.
    pub last_psnr_u: f64,
    /// PSNR of the last packet in dB: Cr.
    pub last_psnr_v: f64,
    /// Mean PSNR of all packets in dB: luma.
    pub mean_psnr_y: f64,
    /// Mean PSNR of all packets in dB: Cb.
    pub mean_psnr_u: f64,
    /// Mean PSNR of all packets in dB: Cr.
    pub mean_psnr_v: f64,
    /// 1 when the rate control cannot reach the target (see rc_note).
    pub rc_limited: i32,
    /// The rate control's remark, NUL-terminated ("" when none).
    pub rc_note: [c_char; 160],
}
