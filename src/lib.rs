//! venc: a memory-safe H.265 and MJPEG encoder for NV12 camera frames.
//!
//! Data flow: NV12 frame -> channel (queue, worker) -> codec (`hevc/` or `mjpeg/`) -> packet.
//! The safe Rust API is [`api`]; the C ABI (`capi`) is a thin translation of it.

pub mod api;
pub mod capi;
pub mod channel;
pub mod codec;
pub mod compat;
pub mod config;
pub mod error;
pub mod frame;
mod handles;
pub mod hevc;
pub mod mjpeg;
pub mod ratecontrol;
mod simd;

pub use api::{Encoder, Packet, Poll, Stats};
pub use config::{CodecId, EncoderConfig, RcMode};
pub use error::{Error, Result, Status};
pub use frame::{FrameRef, Picture, Recon};
