//! Encoder configuration: the safe Rust form, its defaults and its validation.

use crate::error::{Error, Result};

/// Codec ids, as on the board (`SP_ENCODER_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodecId {
    H264 = 1,
    H265 = 2,
    Mjpeg = 3,
}

impl CodecId {
    pub fn from_i32(v: i32) -> Result<Self> {
        match v {
            1 => Ok(CodecId::H264),
            2 => Ok(CodecId::H265),
            3 => Ok(CodecId::Mjpeg),
            _ => Err(Error::invalid(format!(
                "unknown codec {v}: expected 1 (H.264), 2 (H.265) or 3 (MJPEG)"
            ))),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            CodecId::H264 => "H.264",
            CodecId::H265 => "H.265",
            CodecId::Mjpeg => "MJPEG",
        }
    }
}

/// Rate-control modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RcMode {
    /// Constant bitrate (the board's only mode): hold `bitrate_kbps` with a buffer model.
    Cbr = 0,
    /// Variable bitrate: mean `bitrate_kbps`, peaks allowed up to `max_bitrate_kbps`.
    Vbr = 1,
    /// Constant quality: MJPEG `quality` / H.265 `qp` for every frame, bitrate ignored.
    ConstQuality = 2,
    /// Fixed QP (H.265) / fixed quality (MJPEG), no adaptation at all.
    FixedQp = 3,
}

impl RcMode {
    pub fn from_i32(v: i32) -> Result<Self> {
        match v {
            0 => Ok(RcMode::Cbr),
            1 => Ok(RcMode::Vbr),
            2 => Ok(RcMode::ConstQuality),
            3 => Ok(RcMode::FixedQp),
            _ => Err(Error::invalid(format!(
                "unknown rate-control mode {v}: expected 0 (CBR), 1 (VBR), 2 (constant quality) or 3 (fixed QP)"
            ))),
        }
    }
    pub fn targets_bitrate(self) -> bool {
        matches!(self, RcMode::Cbr | RcMode::Vbr)
    }
}

pub const MAX_DIM: u32 = 4096;
pub const MIN_DIM: u32 = 16;
pub const MAX_CHANNELS: usize = 32;

/// Flags (bit set) in `EncoderConfig::flags`.
pub mod flags {
    /// Compute PSNR of each frame (costs a reconstruction pass for MJPEG).
    pub const PSNR: u32 = 1;
    /// Attach the encoder's reconstruction (I420) to each packet.
    pub const RECON: u32 = 2;
    /// H.265: write a decoded-picture-hash SEI (MD5) after every picture.
    pub const MD5_SEI: u32 = 4;
    /// MJPEG: always use per-frame optimized Huffman tables (smaller, a little slower).
    pub const OPTIMIZE_HUFFMAN: u32 = 8;
    pub const ALL: u32 = PSNR | RECON | MD5_SEI | OPTIMIZE_HUFFMAN;
}

/// A validated encoder configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct EncoderConfig {
    pub codec: CodecId,
    pub width: u32,
    pub height: u32,
    pub bitrate_kbps: u32,
    pub fps_num: u32,
    pub fps_den: u32,
    /// Frames between keyframes: 1 = all intra, 0 = only the first frame is a keyframe.
    pub intra_period: u32,
    pub rc_mode: RcMode,
    /// MJPEG quality 1..100 (constant-quality and fixed modes; starting point for CBR/VBR).
    pub quality: u32,
    /// H.265 QP 0..51 (constant-quality and fixed modes; starting point for CBR/VBR).
    pub qp: u32,
    pub min_qp: u32,
    pub max_qp: u32,
    pub min_quality: u32,
    pub max_quality: u32,
    /// VBR peak bitrate in kbps (0 = 2x the target).
    pub max_bitrate_kbps: u32,
    /// Rate-control buffer (VBV) size in milliseconds of the target rate.
    pub vbv_buffer_ms: u32,
    /// Requested channel 0..31, or None for the first free one.
    pub channel: Option<u32>,
    /// Frames the input queue holds before send blocks.
    pub queue_depth: u32,
    /// Worker threads for one channel's encoding: MJPEG restart segments, H.265 wavefront rows
    /// (at most 8, and one per two CTU columns).
    pub threads: u32,
    pub flags: u32,
    /// H.265 motion search range in full pels.
    pub search_range: u32,
    /// MJPEG restart interval in MCU rows (0 = none, unless threads > 1, then 1).
    pub restart_rows: u32,
}

impl EncoderConfig {
    /// Defaults as on the board: CBR at 8000 kbps, 30 fps, intra period 30.
    pub fn new(codec: CodecId, width: u32, height: u32) -> Self {
        EncoderConfig {
            codec,
            width,
            height,
            bitrate_kbps: 8000,
            fps_num: 30,
            fps_den: 1,
            intra_period: 30,
            rc_mode: RcMode::Cbr,
            quality: 85,
            qp: 30,
            min_qp: 0,
            max_qp: 51,
            min_quality: 1,
            max_quality: 100,
            max_bitrate_kbps: 0,
            vbv_buffer_ms: 1000,
            channel: None,
            queue_depth: 5,
            threads: 1,
            flags: 0,
            search_range: 64,
            restart_rows: 0,
        }
    }

    pub fn has_flag(&self, f: u32) -> bool {
        self.flags & f != 0
    }

    /// Seconds per frame as a float.
    pub fn frame_duration(&self) -> f64 {
        self.fps_den as f64 / self.fps_num as f64
    }

    /// Target bits per frame at the configured rate.
    pub fn target_bits_per_frame(&self) -> f64 {
        self.bitrate_kbps as f64 * 1000.0 * self.frame_duration()
    }

    /// Bytes of one tightly packed NV12 frame.
    pub fn frame_bytes(&self) -> usize {
        nv12_size(self.width, self.height)
    }

    /// Checks every field; the message names the field, the value and what is allowed.
    pub fn validate(&self) -> Result<()> {
        check_dims(self.width, self.height)?;
        let rng = |name: &str, v: u32, lo: u32, hi: u32| -> Result<()> {
            if v < lo || v > hi {
                Err(Error::invalid(format!(
                    "{name} is {v}, expected {lo}..={hi}"
                )))
            } else {
                Ok(())
            }
        };
        if self.rc_mode.targets_bitrate() {
            rng("bitrate_kbps", self.bitrate_kbps, 1, 1_000_000)?;
        }
        rng("fps_num", self.fps_num, 1, 1_000_000)?;
        rng("fps_den", self.fps_den, 1, 1_000_000)?;
        if self.fps_num as f64 / self.fps_den as f64 > 1000.0 {
            return Err(Error::invalid(format!(
                "frame rate {}/{} is above 1000 fps",
                self.fps_num, self.fps_den
            )));
        }
        rng("intra_period", self.intra_period, 0, 100_000)?;
        rng("quality", self.quality, 1, 100)?;
        rng("qp", self.qp, 0, 51)?;
        rng("min_qp", self.min_qp, 0, 51)?;
        rng("max_qp", self.max_qp, 0, 51)?;
        rng("min_quality", self.min_quality, 1, 100)?;
        rng("max_quality", self.max_quality, 1, 100)?;
        if self.min_qp > self.max_qp {
            return Err(Error::invalid(format!(
                "min_qp {} is above max_qp {}",
                self.min_qp, self.max_qp
            )));
        }
        if self.min_quality > self.max_quality {
            return Err(Error::invalid(format!(
                "min_quality {} is above max_quality {}",
                self.min_quality, self.max_quality
            )));
        }
        if let Some(c) = self.channel {
            rng("channel", c, 0, MAX_CHANNELS as u32 - 1)?;
        }
        rng("queue_depth", self.queue_depth, 1, 64)?;
        rng("threads", self.threads, 1, 64)?;
        rng("vbv_buffer_ms", self.vbv_buffer_ms, 100, 10_000)?;
        rng("search_range", self.search_range, 0, 512)?;
        rng("restart_rows", self.restart_rows, 0, 4096)?;
        if self.flags & !flags::ALL != 0 {
            return Err(Error::invalid(format!(
                "flags 0x{:x} has unknown bits 0x{:x}",
                self.flags,
                self.flags & !flags::ALL
            )));
        }
        Ok(())
    }
}

/// Bytes of a tightly packed NV12 picture.
pub fn nv12_size(width: u32, height: u32) -> usize {
    width as usize * height as usize * 3 / 2
}

/// Picture sizes venc accepts: even, 16..=4096 on each side.
pub fn check_dims(width: u32, height: u32) -> Result<()> {
    for (name, v) in [("width", width), ("height", height)] {
        if !(MIN_DIM..=MAX_DIM).contains(&v) {
            return Err(Error::invalid(format!(
                "{name} is {v}, expected {MIN_DIM}..={MAX_DIM}"
            )));
        }
        if v % 2 != 0 {
            return Err(Error::invalid(format!(
                "{name} is {v}, expected an even number (NV12 chroma is subsampled 2x2)"
            )));
        }
    }
    Ok(())
}
