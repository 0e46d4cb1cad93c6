//! MJPEG: baseline JPEG per frame (placeholder until the encoder lands).
use crate::codec::{Codec, CodecOutput, FrameIn};
use crate::config::EncoderConfig;
use crate::error::{Error, Result};

pub struct MjpegEncoder;

impl MjpegEncoder {
    pub fn new(_cfg: &EncoderConfig) -> Result<Self> {
        Err(Error::Unsupported("MJPEG encoder not built yet".into()))
    }
}

impl Codec for MjpegEncoder {
    fn encode(&mut self, _f: &FrameIn<'_>) -> Result<CodecOutput> {
        unreachable!()
    }
    fn set_bitrate(&mut self, _kbps: u32) -> Result<()> {
        Ok(())
    }
    fn headers(&self) -> Vec<u8> {
        Vec::new()
    }
    fn max_packet_size(&self) -> usize {
        0
    }
}
