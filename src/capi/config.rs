//! Translation between the C `EncConfig` (versioned by `struct_size`, `int` fields) and
//! `EncoderConfig`. The ranges themselves are checked once, by `EncoderConfig::validate`.

use std::ptr;

use super::types::*;
use crate::config::{limits, CodecId, EncoderConfig, Preset, RcMode};
use crate::error::{Error, Result};

pub(super) fn default_c_config() -> EncConfig {
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
        preset: d.preset as i32,
    }
}

/// Bytes of EncConfig up to and including `height`: a caller must provide at least those.
pub(super) const MIN_CONFIG_SIZE: usize = std::mem::offset_of!(EncConfig, height) + 4;

/// Reads a caller's config of `struct_size` bytes, defaulting fields it does not have.
///
/// # Safety
/// `p` points to at least `struct_size` readable bytes (checked against our own size first).
pub(super) unsafe fn read_config(p: *const EncConfig) -> Result<EncoderConfig> {
    // SAFETY: the caller guarantees `p` is readable for 4 bytes (struct_size comes first).
    let size = unsafe { ptr::read_unaligned(p as *const u32) } as usize;
    let ours = std::mem::size_of::<EncConfig>();
    if size < MIN_CONFIG_SIZE || size > ours {
        return Err(Error::invalid(format!(
            "cfg->struct_size is {size}, expected {MIN_CONFIG_SIZE}..={ours} \
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
    use limits::*;
    // A negative int gets its setting's range in the message; `validate` checks the rest.
    let mut cfg = EncoderConfig::new(
        CodecId::from_i32(c.codec)?,
        WIDTH.non_negative_c(c.width)?,
        HEIGHT.non_negative_c(c.height)?,
    );
    cfg.bitrate_kbps = BITRATE_KBPS.non_negative_c(c.bitrate_kbps)?;
    cfg.fps_num = FPS_NUM.non_negative_c(c.fps_num)?;
    cfg.fps_den = FPS_DEN.non_negative_c(c.fps_den)?;
    cfg.intra_period = INTRA_PERIOD.non_negative_c(c.intra_period)?;
    cfg.rc_mode = RcMode::from_i32(c.rc_mode)?;
    cfg.quality = QUALITY.non_negative_c(c.quality)?;
    cfg.qp = QP.non_negative_c(c.qp)?;
    cfg.min_qp = MIN_QP.non_negative_c(c.min_qp)?;
    cfg.max_qp = MAX_QP.non_negative_c(c.max_qp)?;
    cfg.min_quality = MIN_QUALITY.non_negative_c(c.min_quality)?;
    cfg.max_quality = MAX_QUALITY.non_negative_c(c.max_quality)?;
    cfg.max_bitrate_kbps = MAX_BITRATE_KBPS.non_negative_c(c.max_bitrate_kbps)?;
    cfg.vbv_buffer_ms = VBV_BUFFER_MS.non_negative_c(c.vbv_buffer_ms)?;
    cfg.channel = match c.channel {
        -1 => None,
        v => Some(u32::try_from(v).map_err(|_| {
            Error::invalid(format!(
                "channel is {v}, expected {}..={} or -1 (first free)",
                CHANNEL.min, CHANNEL.max
            ))
        })?),
    };
    cfg.queue_depth = QUEUE_DEPTH.non_negative_c(c.queue_depth)?;
    cfg.threads = THREADS.non_negative_c(c.threads)?;
    cfg.flags = c.flags;
    cfg.search_range = SEARCH_RANGE.non_negative_c(c.search_range)?;
    cfg.restart_rows = RESTART_ROWS.non_negative_c(c.restart_rows)?;
    cfg.preset = Preset::from_i32(c.preset)?;
    Ok(cfg)
}
