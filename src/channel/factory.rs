//! Builds the codec a channel drives. It lives beside the channel, its only user, so that
//! `codec.rs` (the trait both codecs implement) imports neither codec.

use crate::codec::Codec;
use crate::config::{CodecId, EncoderConfig};
use crate::error::Result;

/// Bytes the codec for a validated configuration allocates when it is created.
pub(crate) fn memory_bytes(cfg: &EncoderConfig) -> u64 {
    match cfg.codec {
        CodecId::Mjpeg => crate::mjpeg::MjpegEncoder::memory_bytes(cfg),
        CodecId::H265 => crate::hevc::memory_bytes(cfg),
        CodecId::H264 => 0,
    }
}

/// Creates the codec for a validated configuration.
pub(crate) fn create(cfg: &EncoderConfig) -> Result<Box<dyn Codec>> {
    match cfg.codec {
        CodecId::Mjpeg => Ok(Box::new(crate::mjpeg::MjpegEncoder::new(cfg)?)),
        CodecId::H265 => Ok(Box::new(crate::hevc::HevcEncoder::new(cfg)?)),
        // `validate` refused it before the channel was reserved; the same error if not.
        CodecId::H264 => cfg
            .codec
            .check_supported()
            .map(|()| unreachable!("H.264 is supported")),
    }
}
