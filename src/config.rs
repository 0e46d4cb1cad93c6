//! Encoder configuration: the safe Rust form, its defaults and its validation.

use crate::error::{Error, Result};

/// Codec ids, as on the board (`SP_ENCODER_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodecId {
    /// H.264: accepted as an id, not implemented (`Error::Unsupported`).
    H264 = 1,
    /// H.265 / HEVC Main profile.
    H265 = 2,
    /// Motion JPEG: one baseline 4:2:0 JPEG per frame.
    Mjpeg = 3,
}

impl CodecId {
    /// The codec for a C/board id (1, 2 or 3).
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
    /// Ok for the codecs venc implements; `Error::Unsupported` for H.264. Part of
    /// [`EncoderConfig::validate`], so a request that can never succeed is refused as such
    /// before a channel is taken (never `Busy`, a "try again", when all channels are open).
    pub fn check_supported(self) -> Result<()> {
        match self {
            CodecId::H264 => Err(Error::Unsupported(
                "codec is 1 (H.264), expected 2 (H.265) or 3 (MJPEG): H.264 is not implemented"
                    .into(),
            )),
            CodecId::H265 | CodecId::Mjpeg => Ok(()),
        }
    }
    /// The codec's usual name ("H.265").
    pub fn name(self) -> &'static str {
        match self {
            CodecId::H264 => "H.264",
            CodecId::H265 => "H.265",
            CodecId::Mjpeg => "MJPEG",
        }
    }
}

/// H.265 speed presets, x265's names: each a fixed set of encoder decisions (CU sizes, intra
/// modes tried, RD depth, motion search, early exits; the table is in the README and
/// `hevc::encoder::Effort::for_preset`). MJPEG has no decisions to trade and ignores it.
/// Streams are deterministic for a given preset and thread count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Preset {
    /// The fastest: 16x16 CUs at least, the fewest intra modes, half-sample motion.
    Ultrafast = 0,
    /// 8x8 intra CUs, one RD candidate, quarter-sample motion.
    Superfast = 1,
    /// The decisions venc made before presets existed (the default of `enc_config_default`).
    Veryfast = 2,
    /// Three intra RD candidates, 8x8 inter CUs.
    Faster = 3,
    /// Also AMVP search wherever merge is not exact, wider intra search in P slices.
    Fast = 4,
    /// The slowest: four intra RD candidates, no early exits in the CU quadtree.
    Medium = 5,
}

impl Preset {
    /// Every preset, fastest first.
    pub const ALL: [Preset; 6] = [
        Preset::Ultrafast,
        Preset::Superfast,
        Preset::Veryfast,
        Preset::Faster,
        Preset::Fast,
        Preset::Medium,
    ];

    /// The preset for its C value (`ENC_PRESET_*`, 0..5).
    pub fn from_i32(v: i32) -> Result<Self> {
        Preset::ALL
            .into_iter()
            .find(|p| *p as i32 == v)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "preset is {v}, expected 0..=5 ({})",
                    Self::describe()
                ))
            })
    }

    /// The preset of an x265 name ("ultrafast" .. "medium").
    pub fn from_name(s: &str) -> Result<Self> {
        Preset::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "preset is {s:?}, expected one of {}",
                    Self::describe()
                ))
            })
    }

    /// x265's name of the preset.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Ultrafast => "ultrafast",
            Preset::Superfast => "superfast",
            Preset::Veryfast => "veryfast",
            Preset::Faster => "faster",
            Preset::Fast => "fast",
            Preset::Medium => "medium",
        }
    }

    /// "0 ultrafast, 1 superfast, ...": the presets for a message.
    pub fn describe() -> String {
        let names: Vec<String> = Preset::ALL
            .iter()
            .map(|p| format!("{} {}", *p as i32, p.name()))
            .collect();
        names.join(", ")
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
    /// The mode for its C value (`ENC_RC_*`).
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
    /// Whether the mode aims at `bitrate_kbps` (CBR and VBR).
    pub fn targets_bitrate(self) -> bool {
        matches!(self, RcMode::Cbr | RcMode::Vbr)
    }
}

/// Largest width or height (the board's limit).
pub const MAX_DIM: u32 = 4096;
/// Smallest width or height.
pub const MIN_DIM: u32 = 16;
/// Channels a process can have open at once (the board's 32 VPU channels).
pub const MAX_CHANNELS: usize = 32;

/// The allowed values of one numeric setting. Each setting's bounds are written once, in
/// [`limits`], and every check of it (validation at open, a live change, the C translation)
/// goes through [`Range::check`] or [`Range::check_c`], so the message is the same everywhere:
/// "bitrate_kbps is 0, expected 1..=1000000".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// The setting's name as in `EncoderConfig` and the C `EncConfig`.
    pub name: &'static str,
    /// The smallest allowed value.
    pub min: u32,
    /// The largest allowed value.
    pub max: u32,
}

impl Range {
    /// Whether `v` is allowed.
    pub fn contains(&self, v: u32) -> bool {
        (self.min..=self.max).contains(&v)
    }

    /// `v` if it is in range, else an error naming the setting, the value and the range.
    pub fn check(&self, v: u32) -> Result<u32> {
        if self.contains(v) {
            Ok(v)
        } else {
            Err(self.out_of_range(v))
        }
    }

    /// As `check`, for a C `int`: a negative value gets the same message.
    pub fn check_c(&self, v: i32) -> Result<u32> {
        u32::try_from(v)
            .map_err(|_| self.out_of_range(v))
            .and_then(|u| self.check(u))
    }

    /// A C `int` that is only converted here (its range may depend on other settings, so
    /// `EncoderConfig::validate` checks it): negative values get this setting's message.
    pub fn non_negative_c(&self, v: i32) -> Result<u32> {
        u32::try_from(v).map_err(|_| self.out_of_range(v))
    }

    fn out_of_range(&self, v: impl std::fmt::Display) -> Error {
        Error::invalid(format!(
            "{} is {v}, expected {}..={}",
            self.name, self.min, self.max
        ))
    }
}

/// The range of every numeric setting.
pub mod limits {
    use super::{Range, MAX_CHANNELS, MAX_DIM, MIN_DIM};

    const fn r(name: &'static str, min: u32, max: u32) -> Range {
        Range { name, min, max }
    }

    /// Also even (NV12 chroma is subsampled 2x2).
    pub const WIDTH: Range = r("width", MIN_DIM, MAX_DIM);
    /// Also even.
    pub const HEIGHT: Range = r("height", MIN_DIM, MAX_DIM);
    /// Checked when the rate-control mode targets a bitrate, and on every bitrate change.
    pub const BITRATE_KBPS: Range = r("bitrate_kbps", 1, 1_000_000);
    /// 0 = twice the target; not otherwise limited (any C int that is not negative).
    pub const MAX_BITRATE_KBPS: Range = r("max_bitrate_kbps", 0, i32::MAX as u32);
    /// Frame-rate numerator.
    pub const FPS_NUM: Range = r("fps_num", 1, 1_000_000);
    /// Frame-rate denominator.
    pub const FPS_DEN: Range = r("fps_den", 1, 1_000_000);
    /// Frames per second (fps_num / fps_den) at most.
    pub const MAX_FPS: u32 = 1000;
    /// Frames from one keyframe to the next (0 = the first only).
    pub const INTRA_PERIOD: Range = r("intra_period", 0, 100_000);
    /// MJPEG quality (IJG scale).
    pub const QUALITY: Range = r("quality", 1, 100);
    /// H.265 quantisation parameter.
    pub const QP: Range = r("qp", 0, 51);
    /// Lower QP bound of the rate control.
    pub const MIN_QP: Range = r("min_qp", 0, 51);
    /// Upper QP bound of the rate control.
    pub const MAX_QP: Range = r("max_qp", 0, 51);
    /// Lower MJPEG quality bound of the rate control.
    pub const MIN_QUALITY: Range = r("min_quality", 1, 100);
    /// Upper MJPEG quality bound of the rate control.
    pub const MAX_QUALITY: Range = r("max_quality", 1, 100);
    /// An explicitly requested channel number.
    pub const CHANNEL: Range = r("channel", 0, MAX_CHANNELS as u32 - 1);
    /// Frames the input queue holds.
    pub const QUEUE_DEPTH: Range = r("queue_depth", 1, 64);
    /// Encoder threads of one channel.
    /// 0 = automatic: the cores available, at most [`AUTO_THREADS_MAX`].
    pub const THREADS: Range = r("threads", 0, 64);
    /// The most threads `threads = 0` picks (H.265 wavefronts use at most 8 anyway).
    pub const AUTO_THREADS_MAX: u32 = 8;
    /// Rate-control buffer in milliseconds of the target rate.
    pub const VBV_BUFFER_MS: Range = r("vbv_buffer_ms", 100, 10_000);
    /// H.265 motion search range in full samples.
    pub const SEARCH_RANGE: Range = r("search_range", 0, 512);
    /// MJPEG restart interval in MCU rows.
    pub const RESTART_ROWS: Range = r("restart_rows", 0, 4096);
}

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
    /// Every flag venc knows (other bits are rejected).
    pub const ALL: u32 = PSNR | RECON | MD5_SEI | OPTIMIZE_HUFFMAN;
    /// Each flag with its C name, for messages.
    pub const NAMES: [(&str, u32); 4] = [
        ("ENC_FLAG_PSNR", PSNR),
        ("ENC_FLAG_RECON", RECON),
        ("ENC_FLAG_MD5_SEI", MD5_SEI),
        ("ENC_FLAG_OPTIMIZE_HUFFMAN", OPTIMIZE_HUFFMAN),
    ];

    /// "ENC_FLAG_PSNR (0x1), ENC_FLAG_RECON (0x2), ...": the valid flags for a message.
    pub fn describe() -> String {
        let names: Vec<String> = NAMES
            .iter()
            .map(|(n, v)| format!("{n} (0x{v:x})"))
            .collect();
        names.join(", ")
    }
}

/// A validated encoder configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct EncoderConfig {
    /// The codec.
    pub codec: CodecId,
    /// Picture width in pixels: even, 16..=4096.
    pub width: u32,
    /// Picture height in pixels: even, 16..=4096.
    pub height: u32,
    /// Target bitrate in kbit/s (CBR, VBR).
    pub bitrate_kbps: u32,
    /// Frame-rate numerator (the rate is fps_num / fps_den).
    pub fps_num: u32,
    /// Frame-rate denominator.
    pub fps_den: u32,
    /// Frames between keyframes: 1 = all intra, 0 = only the first frame is a keyframe.
    pub intra_period: u32,
    /// Rate-control mode.
    pub rc_mode: RcMode,
    /// MJPEG quality 1..100 (constant-quality and fixed modes; starting point for CBR/VBR).
    pub quality: u32,
    /// H.265 QP 0..51 (constant-quality and fixed modes; starting point for CBR/VBR).
    pub qp: u32,
    /// Lowest H.265 QP the rate control may choose.
    pub min_qp: u32,
    /// Highest H.265 QP the rate control may choose.
    pub max_qp: u32,
    /// Lowest MJPEG quality the rate control may choose.
    pub min_quality: u32,
    /// Highest MJPEG quality the rate control may choose.
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
    /// [`flags`] bits.
    pub flags: u32,
    /// H.265 motion search range in full pels.
    pub search_range: u32,
    /// MJPEG restart interval in MCU rows (0 = none, unless threads > 1, then 1).
    pub restart_rows: u32,
    /// H.265 speed preset (MJPEG ignores it).
    pub preset: Preset,
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
            preset: Preset::Veryfast,
        }
    }

    /// The configuration with automatic choices made: `threads` 0 becomes the number of cores
    /// available to the process, at most `limits::AUTO_THREADS_MAX`.
    pub fn resolved(&self) -> EncoderConfig {
        let mut c = self.clone();
        if c.threads == 0 {
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
            c.threads = cores.clamp(1, limits::AUTO_THREADS_MAX);
        }
        c
    }

    /// Whether flag `f` (a [`flags`] bit) is set.
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

    /// Checks every field; the message names the field, the value and what is allowed. An
    /// unimplemented codec is `Error::Unsupported`, the rest `Error::InvalidArgument`.
    pub fn validate(&self) -> Result<()> {
        use limits::*;
        self.codec.check_supported()?;
        check_dims(self.width, self.height)?;
        if self.rc_mode.targets_bitrate() {
            BITRATE_KBPS.check(self.bitrate_kbps)?;
        }
        FPS_NUM.check(self.fps_num)?;
        FPS_DEN.check(self.fps_den)?;
        if self.fps_num as f64 / self.fps_den as f64 > MAX_FPS as f64 {
            return Err(Error::invalid(format!(
                "frame rate fps_num/fps_den is {}/{}, expected at most {MAX_FPS} fps",
                self.fps_num, self.fps_den
            )));
        }
        INTRA_PERIOD.check(self.intra_period)?;
        QUALITY.check(self.quality)?;
        QP.check(self.qp)?;
        MIN_QP.check(self.min_qp)?;
        MAX_QP.check(self.max_qp)?;
        MIN_QUALITY.check(self.min_quality)?;
        MAX_QUALITY.check(self.max_quality)?;
        if self.min_qp > self.max_qp {
            return Err(Error::invalid(format!(
                "min_qp is {}, expected at most max_qp ({})",
                self.min_qp, self.max_qp
            )));
        }
        if self.min_quality > self.max_quality {
            return Err(Error::invalid(format!(
                "min_quality is {}, expected at most max_quality ({})",
                self.min_quality, self.max_quality
            )));
        }
        if let Some(c) = self.channel {
            CHANNEL.check(c)?;
        }
        QUEUE_DEPTH.check(self.queue_depth)?;
        THREADS.check(self.threads)?;
        VBV_BUFFER_MS.check(self.vbv_buffer_ms)?;
        SEARCH_RANGE.check(self.search_range)?;
        RESTART_ROWS.check(self.restart_rows)?;
        if self.flags & !flags::ALL != 0 {
            return Err(Error::invalid(format!(
                "flags is 0x{:x}, expected a combination of {} (unknown bits 0x{:x})",
                self.flags,
                flags::describe(),
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
    for (range, v) in [(limits::WIDTH, width), (limits::HEIGHT, height)] {
        range.check(v)?;
        if v % 2 != 0 {
            return Err(Error::invalid(format!(
                "{} is {v}, expected an even number (NV12 chroma is subsampled 2x2)",
                range.name
            )));
        }
    }
    Ok(())
}
