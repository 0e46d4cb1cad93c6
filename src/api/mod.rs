//! The safe Rust API: `Encoder` owns one channel of the process-wide table.

use std::sync::Arc;

use crate::channel::{registry, Channel};
use crate::config::EncoderConfig;
use crate::error::Result;
use crate::frame::FrameRef;

pub use crate::channel::{Packet, Poll, Stats};
pub use crate::codec::FrameType;

/// An open encoding channel. Dropping it closes the channel (discarding what is not read).
pub struct Encoder {
    handle: usize,
    ch: Arc<Channel>,
}

impl Encoder {
    /// Validates `cfg`, reserves a channel and starts its worker.
    pub fn open(cfg: EncoderConfig) -> Result<Encoder> {
        let (handle, ch) = crate::channel::open(cfg)?;
        Ok(Encoder { handle, ch })
    }

    /// Bytes a channel for `cfg` allocates when it opens (all it needs to encode: codec
    /// buffers and the input queue's pictures; packets not yet read come on top). `open`
    /// fails with `OutOfMemory` rather than start a channel that could not get them.
    pub fn memory_estimate(cfg: &EncoderConfig) -> Result<u64> {
        crate::channel::memory_estimate(cfg)
    }

    /// The channel number (0..31) in the process-wide table.
    pub fn channel(&self) -> usize {
        self.ch.number
    }

    /// The configuration the channel was opened with.
    pub fn config(&self) -> &EncoderConfig {
        self.ch.config()
    }

    /// Queues a copy of the frame; waits up to `timeout_ms` (-1 forever, 0 poll) for space.
    pub fn send(&self, frame: &FrameRef<'_>, pts: i64, timeout_ms: i32) -> Result<Poll<()>> {
        self.ch.send(frame, pts, timeout_ms)
    }

    /// Sends a tightly packed NV12 buffer (exactly width*height*3/2 bytes).
    pub fn send_packed(&self, data: &[u8], pts: i64, timeout_ms: i32) -> Result<Poll<()>> {
        let c = self.ch.config();
        let f = FrameRef::packed(c.width, c.height, data)?;
        self.ch.send(&f, pts, timeout_ms)
    }

    /// End of stream: queued frames are encoded, then `get` returns `Poll::Eof`.
    pub fn flush(&self) -> Result<()> {
        self.ch.flush()
    }

    /// The next packet; waits up to `timeout_ms` (-1 forever, 0 poll).
    pub fn get(&self, timeout_ms: i32) -> Result<Poll<Packet>> {
        self.ch.get(timeout_ms)
    }

    /// Makes the next frame sent an IDR (H.265); every JPEG is a keyframe anyway.
    pub fn request_keyframe(&self) -> Result<()> {
        self.ch.request_keyframe()
    }

    /// Changes the target bitrate (kbit/s, 1..=1000000) from the next frame the worker starts.
    pub fn set_bitrate(&self, kbps: u32) -> Result<()> {
        self.ch.set_bitrate(kbps)
    }

    /// Running statistics of the channel.
    pub fn stats(&self) -> Result<Stats> {
        self.ch.stats()
    }

    /// H.265 parameter sets (VPS, SPS, PPS, Annex-B); empty for MJPEG.
    pub fn headers(&self) -> Vec<u8> {
        self.ch.headers()
    }

    /// The largest packet this channel can produce, in bytes.
    pub fn max_packet_size(&self) -> usize {
        self.ch.max_packet_size()
    }

    /// Closes now (as drop does), joining the worker.
    pub fn close(self) {}
}

impl Drop for Encoder {
    fn drop(&mut self) {
        if let Ok(ch) = registry::remove(self.handle) {
            ch.close();
        }
    }
}
