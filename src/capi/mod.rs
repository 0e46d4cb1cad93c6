//! The C ABI: a thin translation of the safe API. Every exported function goes through
//! `boundary::ffi_call`, which catches panics, maps `Result` to a status code and records the
//! message. Handles are opaque tokens looked up in the channel table, never dereferenced.
//!
//! cbindgen reads this directory (and src/compat/) to write include/venc.h: the header lists
//! items in the order of the `mod` lines below, then their order inside each file.

#![allow(clippy::missing_safety_doc)] // each function's contract is in include/venc.h

// The header follows this order (types, then the functions of open, stream, control), so each
// line stands alone: rustfmt sorts adjacent `mod` lines.
mod types;

mod boundary;
mod config;

mod open;

mod stream;

mod control;

pub(crate) use boundary::{copy_message, set_global_error, thread_last_error};
pub use control::*;
pub use open::*;
pub use stream::*;
pub use types::*;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{flags, CodecId, RcMode};
    use crate::error::Status;

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
        // The names messages give the flags are the header's.
        let named = [
            ("ENC_FLAG_PSNR", ENC_FLAG_PSNR),
            ("ENC_FLAG_RECON", ENC_FLAG_RECON),
            ("ENC_FLAG_MD5_SEI", ENC_FLAG_MD5_SEI),
            ("ENC_FLAG_OPTIMIZE_HUFFMAN", ENC_FLAG_OPTIMIZE_HUFFMAN),
        ];
        assert_eq!(flags::NAMES, named);
        assert_eq!(flags::NAMES.iter().fold(0, |a, (_, v)| a | v), flags::ALL);
        assert_eq!(ENC_CODEC_H265, CodecId::H265 as i32);
        assert_eq!(ENC_CODEC_MJPEG, CodecId::Mjpeg as i32);
        assert_eq!(ENC_RC_VBR, RcMode::Vbr as i32);
        assert_eq!(ENC_RC_FIXED_QP, RcMode::FixedQp as i32);
    }
}
