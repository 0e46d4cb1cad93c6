//! venc: a memory-safe H.265 and MJPEG encoder for NV12 camera frames.
//!
//! Data flow: NV12 frame -> channel (queue, worker) -> codec (`hevc/` or `mjpeg/`) -> packet.
//! The safe Rust API is [`api`]; the C ABI (`capi`) is a thin translation of it.

// `unsafe` lives in the kernels (SIMD), the C ABI and the board compatibility layer only.
#![deny(unsafe_code)]

pub mod api;
#[allow(unsafe_code)]
pub mod capi;
pub mod channel;
pub mod codec;
#[allow(unsafe_code)]
pub mod compat;
pub mod config;
pub mod error;
pub mod frame;
mod handles;
pub mod hevc;
#[allow(unsafe_code)]
mod kernels;
pub mod mjpeg;

pub use api::{Encoder, Packet, Poll, Stats};
pub use config::{CodecId, EncoderConfig, RcMode};
pub use error::{Error, Result, Status};
pub use frame::{FrameRef, Picture, Recon};
pub use kernels::cpu_level;
