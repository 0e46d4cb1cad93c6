//! The interface between a channel and a codec: a channel hands one picture at a time to a
//! `Codec` on its worker thread and gets one packet back.

use crate::error::Result;
use crate::frame::{Picture, Recon};

/// Picture type of a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameType {
    /// IDR (H.265) or any JPEG: decodable on its own.
    Idr = 0,
    /// Intra but not a random-access point.
    I = 1,
    /// Predicted from the previous picture.
    P = 2,
}

/// What the channel asks of a codec for one picture.
pub struct FrameIn<'a> {
    /// The picture, at the configured size.
    pub pic: &'a Picture,
    /// The caller asked for a keyframe here.
    pub force_keyframe: bool,
}

/// One encoded picture.
#[derive(Debug, Clone, Default)]
pub struct CodecOutput {
    /// One whole JPEG, or one H.265 access unit (Annex-B, parameter sets in front of an IDR).
    pub data: Vec<u8>,
    pub frame_type: Option<FrameType>,
    /// H.265 slice QP, or MJPEG quality 1..100, used for this picture.
    pub qp: i32,
    /// Y, Cb, Cr PSNR in dB (when the PSNR flag is set).
    pub psnr: Option<[f64; 3]>,
    /// The reconstruction (when the RECON flag is set, or the codec has it anyway).
    pub recon: Option<Recon>,
}

impl CodecOutput {
    pub fn is_keyframe(&self) -> bool {
        matches!(self.frame_type, Some(FrameType::Idr))
    }
}

/// A codec instance bound to one channel. Called from one worker thread at a time.
pub trait Codec: Send {
    /// Encodes one picture (same size as configured) into one packet.
    fn encode(&mut self, frame: &FrameIn<'_>) -> Result<CodecOutput>;
    /// Changes the target bitrate from the next picture on.
    fn set_bitrate(&mut self, kbps: u32) -> Result<()>;
    /// Parameter sets (H.265 VPS+SPS+PPS, Annex-B); empty for MJPEG.
    fn headers(&self) -> Vec<u8>;
    /// Test hook: run out of memory in the middle of the next frame.
    #[cfg(test)]
    fn inject_no_memory(&mut self) {}
    /// A note on the rate control's state for the stats (e.g. "target unreachable: ...").
    fn rc_note(&self) -> Option<String> {
        None
    }
    /// An upper bound on the bytes of any packet this codec can produce.
    fn max_packet_size(&self) -> usize;
}
