//! Builds the codec a channel drives. It lives beside the channel, its only user, so that
//! `codec.rs` (the trait both codecs implement) imports neither codec.

use crate::codec::Codec;
use crate::config::{CodecId, EncoderConfig};
use crate::error::{Error, Result};

/// Fails for a codec venc does not implement. Checked before a channel number is taken, so that
/// a request that can never succeed gets `Unsupported`, not `Busy` ("try again").
pub(crate) fn check_supported(cfg: &EncoderConfig) -> Result<()> {
    match cfg.codec {
        CodecId::Mjpeg | CodecId::H265 => Ok(()),
        CodecId::H264 => Err(Error::Unsupported(
            "codec is 1 (H.264), expected 2 (H.265) or 3 (MJPEG): H.264 is not implemented".into(),
        )),
    }
}

/// Creates the codec for a validated configuration.
pub(crate) fn create(cfg: &EncoderConfig) -> Result<Box<dyn Codec>> {
    check_supported(cfg)?;
    match cfg.codec {
        CodecId::Mjpeg => Ok(Box::new(crate::mjpeg::MjpegEncoder::new(cfg)?)),
        CodecId::H265 => Ok(Box::new(crate::hevc::HevcEncoder::new(cfg)?)),
        CodecId::H264 => unreachable!("check_supported refused H.264"),
    }
}
