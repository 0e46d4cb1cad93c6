//! One encoding channel: a bounded input queue, a worker thread that owns the codec, and an
//! output queue, all behind one `parking_lot` mutex with condition variables.
//!
//! `send` returns once the frame is copied into the queue; the worker encodes; `get` waits for
//! the packet — the shape of the board's hardware encoder.

mod factory;
#[cfg(test)]
mod hooks;
pub mod registry;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex, MutexGuard};

use crate::codec::{Codec, FrameIn, FrameType};
use crate::config::{limits, EncoderConfig};
use crate::error::{panic_message, Error, Result};
use crate::frame::{FrameRef, Picture, Recon};

/// One encoded picture as the caller receives it.
#[derive(Debug, Clone)]
pub struct Packet {
    /// One whole JPEG or one H.265 access unit.
    pub data: Vec<u8>,
    /// The pts given with the frame.
    pub pts: i64,
    /// 0-based index of the picture in the stream.
    pub frame_num: u64,
    /// IDR (every JPEG), I or P.
    pub frame_type: FrameType,
    /// H.265 QP or MJPEG quality used.
    pub qp: i32,
    /// Y, Cb, Cr PSNR in dB, with `flags::PSNR`.
    pub psnr: Option<[f64; 3]>,
    /// The encoder's reconstruction, with `flags::RECON`.
    pub recon: Option<Recon>,
}

impl Packet {
    /// Whether the packet decodes on its own.
    pub fn is_keyframe(&self) -> bool {
        self.frame_type == FrameType::Idr
    }
}

/// Running statistics of a channel.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Frames accepted by `send`.
    pub frames_in: u64,
    /// Packets produced.
    pub frames_out: u64,
    /// Bytes of those packets.
    pub bytes_out: u64,
    /// Keyframes among them.
    pub keyframes: u64,
    /// Mean bitrate of the packets out so far, at the configured frame rate.
    pub kbps: f64,
    /// The current target bitrate in kbit/s.
    pub target_kbps: u32,
    /// H.265 QP or MJPEG quality of the last packet.
    pub last_qp: i32,
    /// PSNR of the last packet (Y, Cb, Cr in dB), with `flags::PSNR`.
    pub last_psnr: Option<[f64; 3]>,
    /// Mean PSNR of all packets so far.
    pub mean_psnr: Option<[f64; 3]>,
    /// Rate-control remark from the codec (e.g. target unreachable).
    pub rc_note: Option<String>,
    psnr_sum: [f64; 3],
    psnr_count: u64,
}

/// Result of a call that may have nothing to do yet.
#[derive(Debug)]
pub enum Poll<T> {
    /// Done: the value.
    Ready(T),
    /// Timed out: queue full (send) or no packet yet (get).
    Again,
    /// End of stream: flushed and drained.
    Eof,
}

enum Job {
    Frame {
        pic: Picture,
        pts: i64,
        frame_num: u64,
        force_key: bool,
    },
    Flush,
}

#[derive(Default)]
struct State {
    input: VecDeque<Job>,
    /// Input slots reserved by senders copying a frame outside the lock.
    reserved: usize,
    /// Packets in order; a frame that failed for want of memory holds its error instead
    /// (get returns it once, the channel goes on).
    output: VecDeque<Result<Packet>>,
    /// End of stream was sent: no more frames accepted.
    flushing: bool,
    /// The worker has passed the flush marker: once `output` is empty, get says EOF.
    eos_reached: bool,
    closed: bool,
    failed: Option<Error>,
    force_key_pending: bool,
    pending_bitrate: Option<u32>,
    next_frame_num: u64,
    pool: Vec<Picture>,
    stats: Stats,
    last_error: Option<String>,
    headers: Vec<u8>,
    max_packet: usize,
    /// Test hook: the worker panics on the next frame (exercises the panic path).
    #[cfg(test)]
    inject_panic: bool,
    /// Test hook: the codec runs out of memory in the next frame.
    #[cfg(test)]
    inject_no_memory: bool,
}

struct Shared {
    state: Mutex<State>,
    /// Senders wait here for input space.
    cv_space: Condvar,
    /// The worker waits here for input (and for output space).
    cv_work: Condvar,
    /// Getters wait here for packets.
    cv_out: Condvar,
}

pub struct Channel {
    pub(crate) number: usize,
    cfg: EncoderConfig,
    shared: Arc<Shared>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

/// Output packets kept before the worker waits for the caller (the board keeps 5–7).
fn output_depth(cfg: &EncoderConfig) -> usize {
    cfg.queue_depth as usize + 2
}

/// Input pictures a channel holds: a full input queue and the one being encoded.
fn pictures(cfg: &EncoderConfig) -> usize {
    cfg.queue_depth as usize + 1
}

/// Bytes a channel for `cfg` allocates at open: the codec's buffers and the input pictures.
/// Packets not yet read come on top (each the size of its frame's stream).
pub(crate) fn memory_estimate(cfg: &EncoderConfig) -> Result<u64> {
    cfg.validate()?;
    let cfg = &cfg.resolved();
    let picture = cfg.width as u64 * cfg.height as u64 * 3 / 2;
    Ok(factory::memory_bytes(cfg) + pictures(cfg) as u64 * picture)
}

/// Validates `cfg`, reserves a channel number in the registry, starts the channel (outside the
/// registry's lock) and registers it; returns the handle and the channel.
pub(crate) fn open(cfg: EncoderConfig) -> Result<(usize, Arc<Channel>)> {
    cfg.validate()?;
    let cfg = cfg.resolved();
    let requested = cfg.channel;
    registry::insert(requested, move |slot| Channel::start(cfg, slot))
}

impl Channel {
    /// Builds the codec and starts the worker. `number` is the channel's slot.
    pub(crate) fn start(cfg: EncoderConfig, number: usize) -> Result<Arc<Channel>> {
        #[cfg(test)]
        hooks::before_codec_build(number);
        // Everything the configuration needs is allocated now: a machine that cannot hold the
        // channel gets OutOfMemory here, not an abort in the worker later.
        let too_big = |e: Error| match e {
            Error::OutOfMemory(m) => Error::OutOfMemory(format!(
                "opening a {}x{} {} channel (threads {}, queue_depth {}) needs {} \
                 (enc_memory_estimate); {m}",
                cfg.width,
                cfg.height,
                cfg.codec.name(),
                cfg.threads,
                cfg.queue_depth,
                crate::mem::mib(memory_estimate(&cfg).unwrap_or(0)),
            )),
            e => e,
        };
        let codec = factory::create(&cfg).map_err(too_big)?;
        let pool = (0..pictures(&cfg))
            .map(|_| Picture::try_reserved(cfg.width, cfg.height))
            .collect::<Result<Vec<_>>>()
            .map_err(too_big)?;
        let state = State {
            pool,
            headers: codec.headers(),
            max_packet: codec.max_packet_size(),
            stats: Stats {
                target_kbps: cfg.bitrate_kbps,
                ..Stats::default()
            },
            ..State::default()
        };
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            cv_space: Condvar::new(),
            cv_work: Condvar::new(),
            cv_out: Condvar::new(),
        });
        let w_shared = shared.clone();
        let w_cfg = cfg.clone();
        let handle = std::thread::Builder::new()
            .name(format!("venc-ch{number}"))
            .spawn(move || worker(w_shared, w_cfg, codec))
            .map_err(|e| {
                Error::OutOfMemory(format!("cannot start the channel's worker thread: {e}"))
            })?;
        Ok(Arc::new(Channel {
            number,
            cfg,
            shared,
            worker: Mutex::new(Some(handle)),
        }))
    }

    pub fn config(&self) -> &EncoderConfig {
        &self.cfg
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.shared.state.lock()
    }

    /// Fails if the channel cannot take calls any more.
    fn usable(st: &State) -> Result<()> {
        if st.closed {
            return Err(Error::BadHandle("the channel was closed".into()));
        }
        if let Some(e) = &st.failed {
            // The original error (Internal for a caught panic), on every later call.
            return Err(e.clone());
        }
        Ok(())
    }

    /// Queues a copy of `frame`. Waits up to `timeout_ms` (-1 forever, 0 poll) for space.
    pub fn send(&self, frame: &FrameRef<'_>, pts: i64, timeout_ms: i32) -> Result<Poll<()>> {
        if frame.width != self.cfg.width || frame.height != self.cfg.height {
            return Err(Error::invalid(format!(
                "frame is {}x{}, the channel was opened for {}x{}",
                frame.width, frame.height, self.cfg.width, self.cfg.height
            )));
        }
        frame.check()?;
        let deadline = deadline(timeout_ms);
        let depth = self.cfg.queue_depth as usize;
        let mut st = self.lock();
        loop {
            Self::usable(&st)?;
            if st.flushing {
                return Err(Error::WrongState(
                    "end of stream was already sent: no frames are accepted after a flush".into(),
                ));
            }
            if st.input.len() + st.reserved < depth {
                break;
            }
            if !wait(&self.shared.cv_space, &mut st, deadline) {
                return Ok(Poll::Again);
            }
        }
        // The pool holds a picture for every slot (made at open); allocate only if it did not.
        let mut pic = match st.pool.pop() {
            Some(p) => p,
            None => Picture::try_reserved(frame.width, frame.height)?,
        };
        st.reserved += 1;
        drop(st);
        // Copy outside the lock: a 4K frame takes milliseconds and getters must not stall.
        pic.copy_from(frame);
        let mut st = self.lock();
        st.reserved -= 1;
        // A flush (or a close, or a failure) that came while the frame was being copied wins:
        // the frame is not queued, so that every frame whose send returned OK is ahead of the
        // flush marker and its packet comes before EOF. The picture goes back to the pool and
        // the reserved slot is free again.
        let refused = Self::usable(&st).and_then(|()| {
            if st.flushing {
                Err(Error::WrongState(
                    "end of stream was sent (flush) while this frame was being copied: the frame was not queued; frames are accepted only before the flush"
                        .into(),
                ))
            } else {
                Ok(())
            }
        });
        if let Err(e) = refused {
            st.pool.push(pic);
            drop(st);
            self.shared.cv_space.notify_one();
            return Err(e);
        }
        let force_key = std::mem::take(&mut st.force_key_pending);
        let frame_num = st.next_frame_num;
        st.next_frame_num += 1;
        st.stats.frames_in += 1;
        st.input.push_back(Job::Frame {
            pic,
            pts,
            frame_num,
            force_key,
        });
        drop(st);
        self.shared.cv_work.notify_one();
        Ok(Poll::Ready(()))
    }

    /// Marks end of stream: frames already queued are encoded, then `get` returns EOF.
    /// A send that has not queued its frame yet (one still copying it on another thread) fails
    /// with `WrongState`, so every send that returned OK has its packet before EOF.
    /// A second flush is a no-op.
    pub fn flush(&self) -> Result<()> {
        let mut st = self.lock();
        Self::usable(&st)?;
        if !st.flushing {
            st.flushing = true;
            st.input.push_back(Job::Flush);
            drop(st);
            self.shared.cv_work.notify_one();
        }
        Ok(())
    }

    /// Takes the next packet if `accept` agrees (it sees the packet first, e.g. to check a
    /// caller's buffer size; when it refuses, the packet stays queued and its error returns).
    pub fn get_with<T>(
        &self,
        timeout_ms: i32,
        accept: impl FnOnce(&Packet) -> Result<T>,
    ) -> Result<Poll<(Packet, T)>> {
        let deadline = deadline(timeout_ms);
        let mut st = self.lock();
        loop {
            if st.closed {
                return Err(Error::BadHandle("the channel was closed".into()));
            }
            if let Some(front) = st.output.front() {
                let t = match front {
                    Ok(p) => accept(p)?,
                    Err(_) => {
                        // A frame lost for want of memory: its error, once.
                        let e = st.output.pop_front().expect("front exists").unwrap_err();
                        drop(st);
                        self.shared.cv_work.notify_one();
                        return Err(e);
                    }
                };
                let p = st
                    .output
                    .pop_front()
                    .expect("front exists")
                    .expect("a packet");
                drop(st);
                self.shared.cv_work.notify_one();
                return Ok(Poll::Ready((p, t)));
            }
            Self::usable(&st)?;
            if st.eos_reached {
                return Ok(Poll::Eof);
            }
            if !wait(&self.shared.cv_out, &mut st, deadline) {
                return Ok(Poll::Again);
            }
        }
    }

    pub fn get(&self, timeout_ms: i32) -> Result<Poll<Packet>> {
        Ok(match self.get_with(timeout_ms, |_| Ok(()))? {
            Poll::Ready((p, ())) => Poll::Ready(p),
            Poll::Again => Poll::Again,
            Poll::Eof => Poll::Eof,
        })
    }

    /// The next frame sent after this call is coded as a keyframe.
    pub fn request_keyframe(&self) -> Result<()> {
        let mut st = self.lock();
        Self::usable(&st)?;
        st.force_key_pending = true;
        Ok(())
    }

    /// Changes the target bitrate from the next frame the worker starts.
    pub fn set_bitrate(&self, kbps: u32) -> Result<()> {
        limits::BITRATE_KBPS.check(kbps)?;
        let mut st = self.lock();
        Self::usable(&st)?;
        st.pending_bitrate = Some(kbps);
        st.stats.target_kbps = kbps;
        Ok(())
    }

    pub fn stats(&self) -> Result<Stats> {
        let st = self.lock();
        if st.closed {
            return Err(Error::BadHandle("the channel was closed".into()));
        }
        Ok(st.stats.clone())
    }

    /// Parameter sets (H.265) or an empty vector (MJPEG).
    pub fn headers(&self) -> Vec<u8> {
        self.lock().headers.clone()
    }

    /// Largest packet this channel can produce.
    pub fn max_packet_size(&self) -> usize {
        self.lock().max_packet
    }

    pub fn set_last_error(&self, msg: String) {
        self.lock().last_error = Some(msg);
    }

    pub fn last_error(&self) -> Option<String> {
        self.lock().last_error.clone()
    }

    /// Marks the channel failed (a panic was caught at the C boundary).
    pub fn mark_failed(&self, e: Error) {
        self.lock().failed.get_or_insert(e);
        self.shared.cv_out.notify_all();
        self.shared.cv_space.notify_all();
        self.shared.cv_work.notify_all();
    }

    /// Test hook: the codec runs out of memory in the middle of the next frame (H.265; the
    /// other codec ignores it).
    #[cfg(test)]
    pub(crate) fn inject_no_memory(&self) {
        self.lock().inject_no_memory = true;
    }

    /// Test hook: the codec call for the next frame panics inside the worker.
    #[cfg(test)]
    pub(crate) fn inject_panic(&self) {
        self.lock().inject_panic = true;
    }

    /// Stops the channel: wakes every waiter (they get "closed"), discards frames not yet
    /// encoded and packets not yet read, joins the worker. Idempotent.
    pub fn close(&self) {
        {
            let mut st = self.lock();
            st.closed = true;
            st.input.clear();
            st.output.clear();
        }
        self.shared.cv_work.notify_all();
        self.shared.cv_space.notify_all();
        self.shared.cv_out.notify_all();
        let handle = self.worker.lock().take();
        if let Some(h) = handle {
            // The worker catches codec panics itself, so join only fails on a bug in this file.
            let _ = h.join();
        }
    }
}

impl Drop for Channel {
    fn drop(&mut self) {
        self.close();
    }
}

fn deadline(timeout_ms: i32) -> Option<Instant> {
    if timeout_ms < 0 {
        None
    } else {
        Some(Instant::now() + Duration::from_millis(timeout_ms as u64))
    }
}

/// Waits on `cv` until notified or the deadline; false when the deadline has passed.
fn wait(cv: &Condvar, st: &mut MutexGuard<'_, State>, deadline: Option<Instant>) -> bool {
    match deadline {
        None => {
            cv.wait(st);
            true
        }
        Some(d) => {
            if Instant::now() >= d {
                return false;
            }
            cv.wait_until(st, d);
            true
        }
    }
}

fn worker(shared: Arc<Shared>, cfg: EncoderConfig, mut codec: Box<dyn Codec>) {
    let out_depth = output_depth(&cfg);
    let frame_secs = cfg.frame_duration();
    loop {
        let mut st = shared.state.lock();
        let (job, bitrate) = loop {
            if st.closed || st.failed.is_some() {
                return;
            }
            if !st.input.is_empty() && st.output.len() < out_depth {
                let job = st.input.pop_front().expect("not empty");
                break (job, st.pending_bitrate.take());
            }
            shared.cv_work.wait(&mut st);
        };
        #[cfg(test)]
        let inject = std::mem::take(&mut st.inject_panic);
        #[cfg(test)]
        if std::mem::take(&mut st.inject_no_memory) {
            codec.inject_no_memory();
        }
        drop(st);
        shared.cv_space.notify_one();

        let (pic, pts, frame_num, force_key) = match job {
            Job::Flush => {
                shared.state.lock().eos_reached = true;
                shared.cv_out.notify_all();
                continue;
            }
            Job::Frame {
                pic,
                pts,
                frame_num,
                force_key,
            } => (pic, pts, frame_num, force_key),
        };

        let result = catch_unwind(AssertUnwindSafe(|| -> Result<_> {
            if let Some(kbps) = bitrate {
                codec.set_bitrate(kbps)?;
            }
            #[cfg(test)]
            if inject {
                panic!("injected test panic");
            }
            let out = codec.encode(&FrameIn {
                pic: &pic,
                force_keyframe: force_key,
            })?;
            Ok((out, codec.rc_note()))
        }));

        let mut st = shared.state.lock();
        st.pool.push(pic);
        match result {
            Ok(Ok((out, note))) => {
                let s = &mut st.stats;
                s.frames_out += 1;
                s.bytes_out += out.data.len() as u64;
                s.kbps = s.bytes_out as f64 * 8.0 / (s.frames_out as f64 * frame_secs) / 1000.0;
                s.last_qp = out.qp;
                s.rc_note = note;
                if out.is_keyframe() {
                    s.keyframes += 1;
                }
                if let Some(p) = out.psnr {
                    s.last_psnr = Some(p);
                    s.psnr_count += 1;
                    for (sum, v) in s.psnr_sum.iter_mut().zip(p) {
                        *sum += v;
                    }
                    let n = s.psnr_count as f64;
                    s.mean_psnr = Some([s.psnr_sum[0] / n, s.psnr_sum[1] / n, s.psnr_sum[2] / n]);
                }
                let recon = if cfg.has_flag(crate::config::flags::RECON) {
                    out.recon
                } else {
                    None
                };
                st.output.push_back(Ok(Packet {
                    data: out.data,
                    pts,
                    frame_num,
                    frame_type: out.frame_type.unwrap_or(FrameType::Idr),
                    qp: out.qp,
                    psnr: out.psnr,
                    recon,
                }));
            }
            Ok(Err(Error::OutOfMemory(m))) => {
                // Only this frame is lost: the codec left its state as before the frame.
                let e = Error::OutOfMemory(format!(
                    "frame {frame_num} (pts {pts}) was not encoded: {m}"
                ));
                st.last_error = Some(e.to_string());
                st.output.push_back(Err(e));
            }
            Ok(Err(e)) => {
                st.last_error = Some(e.to_string());
                st.failed = Some(e);
            }
            Err(p) => {
                let e = Error::Internal(format!(
                    "the codec panicked on frame {frame_num}: {}",
                    panic_message(&*p)
                ));
                st.last_error = Some(e.to_string());
                st.failed = Some(e);
            }
        }
        drop(st);
        shared.cv_out.notify_all();
        shared.cv_space.notify_all();
    }
}
