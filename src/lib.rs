//! venc: a memory-safe H.265 and MJPEG encoder for NV12 camera frames.
//!
//! Data flow: NV12 frame -> channel (queue, worker thread) -> codec (H.265 or MJPEG) -> kernels
//! (SIMD chosen once per process, see [`cpu_level`]) -> bitstream -> packet. The safe Rust API is
//! [`Encoder`] (module [`api`]); the C ABI ([`capi`], `include/venc.h`) is a thin translation of
//! it. docs/ARCHITECTURE.md in the repository draws the whole path.
//!
//! # Example
//!
//! Encode two frames to H.265 and collect the stream (Annex-B, parameter sets in front of the
//! first picture):
//!
//! ```
//! use venc::{CodecId, Encoder, EncoderConfig, Poll};
//!
//! let (w, h) = (64u32, 48u32);
//! let mut cfg = EncoderConfig::new(CodecId::H265, w, h);
//! cfg.bitrate_kbps = 500;
//! let enc = Encoder::open(cfg)?;
//! for t in 0..2u8 {
//!     // A tightly packed NV12 frame: w*h luma bytes, then w*h/2 interleaved Cb,Cr bytes.
//!     let mut nv12 = vec![128u8; (w * h * 3 / 2) as usize];
//!     nv12[..(w * h) as usize].iter_mut().enumerate().for_each(|(i, p)| *p = (i as u8) ^ t);
//!     enc.send_packed(&nv12, t as i64, -1)?; // copies the frame; -1 waits for queue space
//! }
//! enc.flush()?; // end of stream: the queued frames are encoded, then get says Eof
//! let mut stream = Vec::new();
//! loop {
//!     match enc.get(-1)? {
//!         Poll::Ready(packet) => stream.extend_from_slice(&packet.data),
//!         Poll::Eof => break,
//!         Poll::Again => unreachable!("a timeout of -1 waits"),
//!     }
//! }
//! assert!(stream.starts_with(&[0, 0, 0, 1, 0x40, 0x01])); // a start code, then the VPS
//! # Ok::<(), venc::Error>(())
//! ```

// `unsafe` lives in the kernels (SIMD), the C ABI and the board compatibility layer only.
#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod api;
// The C ABI, callable from Rust too (the tests drive it directly); its items are the header's.
#[allow(unsafe_code)]
pub mod capi;
pub(crate) mod channel;
pub(crate) mod codec;
// The board's sp_* functions: exported by symbol name, nothing for Rust callers.
#[allow(unsafe_code)]
pub(crate) mod compat;
pub mod config;
pub mod error;
pub mod frame;
mod handles;
pub(crate) mod hevc;
#[allow(unsafe_code)]
mod kernels;
mod mem;
pub(crate) mod mjpeg;

/// Internals for the speed benches only (`--features bench`): the MJPEG codec without the
/// channel's queue, so its timing compares with libjpeg-turbo's compress-only `tjbench`. Not
/// part of the stable API.
#[cfg(feature = "bench")]
#[doc(hidden)]
pub mod bench {
    pub use crate::codec::{Codec, FrameIn};
    pub use crate::mjpeg::MjpegEncoder;
}

pub use api::{Encoder, Packet, Poll, Stats};
pub use config::{CodecId, EncoderConfig, RcMode};
pub use error::{Error, Result, Status};
pub use frame::{FrameRef, Picture, Recon};
pub use kernels::cpu_level;
