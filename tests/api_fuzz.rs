//! Seeded API-sequence fuzz over the C API: 4 threads make random calls (open with random,
//! often invalid, configs; sends of random sizes, strides and NULLs; gets with random timeouts
//! and capacities; flush, keyframe, bitrate, stats, headers, last error, close; NULL, stale and
//! forged handles; every channel shared by all threads).
//!
//! Invariants checked on every call:
//! - no panic escapes and nothing crashes: buffers handed to the library end at a PROT_NONE
//!   page, so a read or write past what the call was given is a SIGSEGV, not a silent overrun;
//! - each return code is one this call may give in this situation (e.g. `ENC_ERR_BAD_HANDLE`
//!   only for a handle that is NULL, forged or being closed; `ENC_ERR_WRONG_STATE` only after a
//!   flush started; never `ENC_ERR_INTERNAL`); bytes the call must not write keep their canary;
//! - every send that returned `ENC_OK` gets exactly one packet, in pts order, before `ENC_EOF`
//!   (checked at each EOF and, for every channel still open at the end, by a final flush and
//!   drain); a closed channel delivered a prefix of its accepted sends;
//! - nothing leaks: every channel closes, `enc_open_channels()` is 0 at the end and the
//!   process has as many threads as before.
//!
//! The seed is printed; `VENC_FUZZ_SEED=N` replays each thread's sequence of calls (the
//! interleaving of the threads is the scheduler's). `VENC_FUZZ_CALLS=N` sets the number of calls
//! (default 20 000, 1 000 000 with `VENC_LONG=1`).

mod common;

use std::collections::BTreeMap;
use std::ffi::c_char;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use common::Rng;
use venc::capi::*;

const THREADS: usize = 4;
/// Channels the fuzz keeps track of at once (the registry has 32; the "exhaust" call fills it).
const SLOTS: usize = 6;
const MAX_W: i32 = 128;
const MAX_H: i32 = 96;

const OK: i32 = ENC_OK;
const AGAIN: i32 = ENC_AGAIN;
const EOF: i32 = ENC_EOF;
const INVALID: i32 = ENC_ERR_INVALID_ARG;
const BAD_HANDLE: i32 = ENC_ERR_BAD_HANDLE;
const WRONG_STATE: i32 = ENC_ERR_WRONG_STATE;
const UNSUPPORTED: i32 = ENC_ERR_UNSUPPORTED;
const BUSY: i32 = ENC_ERR_BUSY;
const TOO_SMALL: i32 = ENC_ERR_BUFFER_TOO_SMALL;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Anonymous memory followed by a PROT_NONE page: `tail(n)` is n bytes ending at the guard.
struct Guarded {
    base: *mut u8,
    usable: usize,
    page: usize,
}

// SAFETY: the mapping is owned by one thread's context at a time.
unsafe impl Send for Guarded {}

impl Guarded {
    fn new(len: usize) -> Guarded {
        // SAFETY: sysconf, mmap and mprotect with checked results; the mapping is ours.
        unsafe {
            let page = libc::sysconf(libc::_SC_PAGESIZE) as usize;
            let usable = len.div_ceil(page) * page;
            let base = libc::mmap(
                ptr::null_mut(),
                usable + page,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            assert_ne!(base, libc::MAP_FAILED, "mmap");
            let base = base as *mut u8;
            assert_eq!(
                libc::mprotect(base.add(usable) as *mut _, page, libc::PROT_NONE),
                0
            );
            Guarded { base, usable, page }
        }
    }

    fn tail(&mut self, n: usize) -> &mut [u8] {
        assert!(n <= self.usable);
        // SAFETY: the last n of `usable` mapped read-write bytes, borrowed mutably from self.
        unsafe { std::slice::from_raw_parts_mut(self.base.add(self.usable - n), n) }
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`.
        unsafe { libc::munmap(self.base as *mut _, self.usable + self.page) };
    }
}

#[derive(Default)]
struct SendSide {
    next_pts: i64,
    /// pts of the sends that returned OK, in the order they returned (sends are serialised
    /// per channel by this lock, so that is the order they were queued).
    ok: Vec<i64>,
}

#[derive(Default)]
struct GetSide {
    got: Vec<i64>,
    eof: bool,
}

/// What the fuzz knows about one open channel.
struct Chan {
    handle: usize,
    codec: i32,
    w: i32,
    h: i32,
    flags: u32,
    max_packet: usize,
    send: Mutex<SendSide>,
    get: Mutex<GetSide>,
    /// Set before enc_flush (or an end-of-stream send) is called.
    flush_started: AtomicBool,
    /// Set after it returned OK: from then on every send is refused.
    flush_done: AtomicBool,
    /// Set before enc_close is called.
    closing: AtomicBool,
    /// Set when a get saw EOF: nothing more will happen on it, so it is closed first.
    finished: AtomicBool,
}

impl Chan {
    fn frame_len(&self) -> usize {
        (self.w * self.h * 3 / 2) as usize
    }
    fn ptr(&self) -> *mut EncEncoder {
        self.handle as *mut EncEncoder
    }
}

struct World {
    slots: Mutex<Vec<Option<Arc<Chan>>>>,
    /// Handles that were closed: they must stay dead.
    dead: Mutex<Vec<usize>>,
    stop: AtomicBool,
    failures: Mutex<Vec<String>>,
    calls: AtomicU64,
    sends_ok: AtomicU64,
    packets: AtomicU64,
    eofs_checked: AtomicU64,
    opens_ok: AtomicU64,
    closes_checked: AtomicU64,
}

/// What a generated config should give.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Want {
    Valid,
    Invalid,
    Unsupported,
}

/// An EncConfig with room after it: the library must read only `struct_size` bytes.
#[repr(C)]
struct ConfigBuf {
    cfg: EncConfig,
    extra: [u8; 64],
}

/// An EncStats with room after it: the library must write only `struct_size` bytes.
#[repr(C)]
struct StatsBuf {
    stats: EncStats,
    extra: [u8; 64],
}

const CANARY: u8 = 0xA5;

fn defaults() -> EncConfig {
    // SAFETY: a zeroed EncConfig is valid (plain integers); enc_config_default fills it.
    let mut c: EncConfig = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a writable EncConfig of the size passed.
    let st = unsafe { enc_config_default(&mut c, std::mem::size_of::<EncConfig>()) };
    assert_eq!(st, OK);
    c
}

fn even(r: &mut Rng, lo: i32, hi: i32) -> i32 {
    (r.range(lo as i64 / 2, hi as i64 / 2) * 2) as i32
}

/// A valid config of a small picture.
fn valid_config(r: &mut Rng) -> EncConfig {
    let mut c = defaults();
    c.codec = if r.chance(0.45) {
        ENC_CODEC_H265
    } else {
        ENC_CODEC_MJPEG
    };
    c.width = even(r, 16, MAX_W);
    c.height = even(r, 16, MAX_H);
    c.bitrate_kbps = if r.chance(0.1) {
        r.pick(&[1, 1_000_000])
    } else {
        r.range(50, 20_000) as i32
    };
    c.fps_den = if r.chance(0.7) {
        1
    } else {
        r.range(1, 1001) as i32
    };
    c.fps_num = r.range(1, 1000.min(1_000_000 / c.fps_den as i64) * c.fps_den as i64) as i32;
    c.intra_period = if r.chance(0.1) {
        100_000
    } else {
        r.range(0, 40) as i32
    };
    c.rc_mode = r.range(0, 3) as i32;
    c.quality = r.range(1, 100) as i32;
    c.qp = r.range(0, 51) as i32;
    c.min_qp = r.range(0, 51) as i32;
    c.max_qp = r.range(c.min_qp as i64, 51) as i32;
    c.min_quality = r.range(1, 100) as i32;
    c.max_quality = r.range(c.min_quality as i64, 100) as i32;
    c.max_bitrate_kbps = if r.chance(0.5) {
        0
    } else {
        r.range(0, i32::MAX as i64) as i32
    };
    c.vbv_buffer_ms = r.range(100, 10_000) as i32;
    c.channel = if r.chance(0.8) {
        -1
    } else {
        r.range(0, 31) as i32
    };
    c.queue_depth = if r.chance(0.05) {
        64
    } else {
        r.range(1, 8) as i32
    };
    c.threads = r.range(0, 4) as i32; // 0: the cores available
    c.preset = r.range(0, 5) as i32;
    c.flags = r.below(16) as u32;
    c.search_range = if r.chance(0.1) {
        512
    } else {
        r.range(0, 64) as i32
    };
    c.restart_rows = if r.chance(0.05) {
        4096
    } else {
        r.range(0, 8) as i32
    };
    c
}

/// A config and what opening it should give. Invalid ones have exactly one thing wrong.
fn random_config(r: &mut Rng) -> (ConfigBuf, Want) {
    let mut c = valid_config(r);
    let mut want = Want::Valid;
    let full = std::mem::size_of::<EncConfig>();
    let mut size = full;
    if r.chance(0.35) {
        want = Want::Invalid;
        let bad_dim = [0, 14, 15, 17, 99, 4098, 5000, -2, i32::MIN, i32::MAX];
        match r.below(19) {
            0 => c.width = r.pick(&bad_dim),
            1 => c.height = r.pick(&bad_dim),
            2 => c.codec = r.pick(&[0, 4, -1, 99, i32::MAX]),
            3 => {
                c.codec = ENC_CODEC_H264;
                want = Want::Unsupported;
            }
            4 => {
                c.rc_mode = r.pick(&[ENC_RC_CBR, ENC_RC_VBR]);
                c.bitrate_kbps = r.pick(&[0, -1, 1_000_001, i32::MIN]);
            }
            5 => c.fps_num = r.pick(&[0, -5, 1_000_001]),
            6 => c.fps_den = r.pick(&[0, -1, 1_000_001]),
            7 => {
                c.fps_den = 1;
                c.fps_num = r.range(1001, 1_000_000) as i32;
            }
            8 => c.intra_period = r.pick(&[-1, 100_001, i32::MIN]),
            9 => c.rc_mode = r.pick(&[4, -1, 1000]),
            10 => match r.below(4) {
                0 => c.quality = r.pick(&[0, 101, -1]),
                1 => c.qp = r.pick(&[52, -1, 1000]),
                2 => (c.min_qp, c.max_qp) = (r.range(1, 51) as i32, 0),
                _ => (c.min_quality, c.max_quality) = (r.range(2, 100) as i32, 1),
            },
            11 => c.max_bitrate_kbps = r.pick(&[-1, i32::MIN]),
            12 => c.vbv_buffer_ms = r.pick(&[99, 10_001, 0, -1]),
            13 => c.channel = r.pick(&[32, 33, 255, 1000, -2, i32::MIN]),
            14 => c.queue_depth = r.pick(&[0, 65, -1]),
            15 => c.threads = r.pick(&[65, -1, i32::MIN]),
            16 => c.flags = r.pick(&[0x10, 0x8000_0000, 0xFFFF_FFFF]),
            17 => match r.below(3) {
                0 => c.search_range = r.pick(&[513, -1]),
                1 => c.restart_rows = r.pick(&[4097, -1]),
                _ => c.preset = r.pick(&[6, -1, 99]),
            },
            _ => size = r.pick(&[0, 3, 4, 11, full + 4, full + 64, u32::MAX as usize]),
        }
    } else if r.chance(0.2) {
        // An older caller: a shorter struct, the rest defaulted by the library.
        let min = std::mem::offset_of!(EncConfig, height) + 4;
        size = min + 4 * r.below(((full - min) / 4 + 1) as u64) as usize;
        if size <= std::mem::offset_of!(EncConfig, fps_den) {
            c.fps_num = c.fps_num.min(1000);
        }
    }
    c.struct_size = size as u32;
    let mut buf = ConfigBuf {
        cfg: c,
        extra: [0; 64],
    };
    // What lies past struct_size must not matter: scribble on it.
    if size < full + 64 {
        // SAFETY: within the ConfigBuf; past struct_size the library must not read.
        let bytes = unsafe {
            std::slice::from_raw_parts_mut(
                &mut buf as *mut ConfigBuf as *mut u8,
                std::mem::size_of::<ConfigBuf>(),
            )
        };
        let from = size.max(4);
        r.fill(&mut bytes[from..]);
    }
    (buf, want)
}

/// Per-thread state.
struct Ctx<'a> {
    world: &'a World,
    r: Rng,
    thread: usize,
    call: u64,
    y: Guarded,
    uv: Guarded,
    out: Guarded,
    small: Guarded,
    tally: BTreeMap<(&'static str, i32), u64>,
}

impl<'a> Ctx<'a> {
    /// Thread `thread`'s context: its calls are fixed by `seed` and `thread`.
    fn new(world: &'a World, seed: u64, thread: usize) -> Ctx<'a> {
        // The largest frame with the widest stride the fuzz uses.
        let frame_bytes = (MAX_W as usize + 64) * MAX_H as usize * 3 / 2;
        Ctx {
            world,
            r: Rng::new(seed ^ (thread as u64).wrapping_mul(0xA076_1D64_78BD_642F)),
            thread,
            call: 0,
            y: Guarded::new(frame_bytes),
            uv: Guarded::new(frame_bytes),
            out: Guarded::new(256 << 10),
            small: Guarded::new(8192),
            tally: BTreeMap::new(),
        }
    }

    fn fail(&mut self, msg: String) {
        let mut f = lock(&self.world.failures);
        if f.len() < 20 {
            f.push(format!("thread {} call {}: {msg}", self.thread, self.call));
        }
        self.world.stop.store(true, SeqCst);
    }

    /// Counts the call and checks its status against the codes allowed here.
    fn expect(
        &mut self,
        op: &'static str,
        st: i32,
        allowed: &[i32],
        what: impl FnOnce() -> String,
    ) {
        self.world.calls.fetch_add(1, SeqCst);
        *self.tally.entry((op, st)).or_default() += 1;
        if !allowed.contains(&st) {
            let mut buf = [0 as c_char; 256];
            // SAFETY: a writable buffer of the capacity passed.
            unsafe { enc_last_error(ptr::null(), buf.as_mut_ptr(), buf.len()) };
            // SAFETY: enc_last_error NUL-terminated it.
            let msg = unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) }.to_string_lossy();
            self.fail(format!(
                "{op}: status {st} ({}), allowed {allowed:?}; {}; last error (any thread): {msg}",
                status_name(st),
                what()
            ));
        }
    }

    fn timeout(&mut self, may_block: bool) -> i32 {
        if may_block && self.r.chance(0.3) {
            return -1;
        }
        match self.r.below(20) {
            0..=11 => 0,
            12..=15 => 1,
            16..=18 => 3,
            _ => 15,
        }
    }

    /// One of the open channels the fuzz knows (any thread may be using it too).
    fn pick_chan(&mut self) -> Option<Arc<Chan>> {
        let open: Vec<Arc<Chan>> = lock(&self.world.slots).iter().flatten().cloned().collect();
        (!open.is_empty()).then(|| open[self.r.below(open.len() as u64) as usize].clone())
    }

    /// A handle that is NULL, closed or forged: no call may treat it as a channel.
    fn bad_handle(&mut self) -> usize {
        let dead = {
            let d = lock(&self.world.dead);
            (!d.is_empty()).then(|| d[self.r.below(d.len() as u64) as usize])
        };
        let local = 0u8;
        match (self.r.below(6), dead) {
            (0, _) => 0,
            (1 | 2, Some(h)) => h,
            (3, _) => (1 << 40) | (self.r.below(32) as usize + 1),
            (4, _) => self.r.pick(&[0x100, 0xff, 0x21, 0x12345678, usize::MAX]),
            _ => &local as *const u8 as usize,
        }
    }

    fn step(&mut self) {
        const WEIGHTS: [u32; 16] = [2, 1, 24, 12, 24, 12, 1, 2, 2, 2, 2, 1, 2, 2, 5, 2];
        match self.r.weighted(&WEIGHTS) {
            0 => self.open(),
            1 => self.open_simple(),
            2 => self.with_chan(|c, ch| c.send_packed(ch)),
            3 => self.with_chan(|c, ch| c.send_strided(ch)),
            4 => self.with_chan(|c, ch| c.get_frame(ch)),
            5 => self.with_chan(|c, ch| c.get_packet(ch)),
            6 => self.with_chan(|c, ch| c.flush(ch)),
            7 => self.with_chan(|c, ch| c.keyframe(ch)),
            8 => self.with_chan(|c, ch| c.set_bitrate(ch)),
            9 => self.with_chan(|c, ch| c.stats(ch)),
            10 => self.with_chan(|c, ch| c.headers(ch)),
            11 => self.with_chan(|c, ch| c.max_packet_size(ch)),
            12 => self.last_error(),
            13 => self.close(),
            14 => self.misuse(),
            _ => {
                if self.r.chance(0.02) {
                    self.exhaust()
                } else {
                    self.library_calls()
                }
            }
        }
    }

    fn with_chan(&mut self, f: impl FnOnce(&mut Self, &Chan)) {
        match self.pick_chan() {
            Some(ch) => f(self, &ch),
            None => self.misuse(),
        }
    }

    fn register(&mut self, h: *mut EncEncoder, c: &EncConfig) {
        self.world.opens_ok.fetch_add(1, SeqCst);
        let mut max = 0usize;
        // SAFETY: a live handle and a writable size_t.
        let st = unsafe { enc_max_packet_size(h, &mut max) };
        self.expect("enc_max_packet_size", st, &[OK], || "fresh channel".into());
        let ch = Arc::new(Chan {
            handle: h as usize,
            codec: c.codec,
            w: c.width,
            h: c.height,
            flags: c.flags,
            max_packet: max,
            send: Mutex::new(SendSide {
                next_pts: self.r.range(-(1 << 62), 1 << 62),
                ok: Vec::new(),
            }),
            get: Mutex::new(GetSide::default()),
            flush_started: AtomicBool::new(false),
            flush_done: AtomicBool::new(false),
            closing: AtomicBool::new(false),
            finished: AtomicBool::new(false),
        });
        let mut slots = lock(&self.world.slots);
        if let Some(s) = slots.iter_mut().find(|s| s.is_none()) {
            *s = Some(ch);
            return;
        }
        drop(slots);
        // No room in the model: close it at once (open, close back to back).
        self.close_chan(&ch);
    }

    fn open(&mut self) {
        let (buf, want) = random_config(&mut self.r);
        let null_cfg = self.r.chance(0.03);
        let null_out = self.r.chance(0.03);
        let mut h: *mut EncEncoder = 0x1234 as *mut _;
        let cfg_ptr = if null_cfg { ptr::null() } else { &buf.cfg };
        let out_ptr = if null_out {
            ptr::null_mut()
        } else {
            &mut h as *mut _
        };
        // SAFETY: cfg points to a ConfigBuf (at least struct_size readable bytes when
        // struct_size is valid) or is NULL; out is writable or NULL.
        let st = unsafe { enc_open(cfg_ptr, out_ptr) };
        let allowed: &[i32] = match (null_cfg || null_out, want) {
            (true, _) | (false, Want::Invalid) => &[INVALID],
            (false, Want::Unsupported) => &[UNSUPPORTED],
            (false, Want::Valid) => &[OK, BUSY],
        };
        let c = buf.cfg;
        self.expect("enc_open", st, allowed, || {
            format!(
                "want {want:?}, null cfg {null_cfg}, null out {null_out}, config {}",
                describe(&c)
            )
        });
        if !null_out && (st == OK) == h.is_null() {
            self.fail(format!("enc_open: status {st} but handle {h:?}"));
        }
        // The estimate reads the same config and gives the same verdict (never BUSY).
        let null_bytes = self.r.chance(0.03);
        let mut est = u64::MAX;
        let bp: *mut u64 = if null_bytes {
            ptr::null_mut()
        } else {
            &mut est
        };
        // SAFETY: as for enc_open; `bp` is writable or NULL.
        let est_st = unsafe { enc_memory_estimate(cfg_ptr, bp) };
        let allowed: &[i32] = match (null_cfg || null_bytes, want) {
            (true, _) | (false, Want::Invalid) => &[INVALID],
            (false, Want::Unsupported) => &[UNSUPPORTED],
            (false, Want::Valid) => &[OK],
        };
        self.expect("enc_memory_estimate", est_st, allowed, || describe(&c));
        // At least the input queue's pictures (queue_depth + 1 >= 2 of them) are in it.
        let picture = c.width as u64 * c.height as u64 * 3 / 2;
        if (est_st == OK) != (est != u64::MAX) || (est_st == OK && est < 2 * picture) {
            self.fail(format!(
                "enc_memory_estimate: status {est_st}, estimate {est}"
            ));
        }
        if st == OK && !h.is_null() {
            let mut c = buf.cfg;
            if (c.struct_size as usize) <= std::mem::offset_of!(EncConfig, flags) {
                c.flags = 0;
            }
            self.register(h, &c);
        }
    }

    fn open_simple(&mut self) {
        let mut c = defaults();
        let mut valid = true;
        c.codec = self.r.pick(&[ENC_CODEC_H265, ENC_CODEC_MJPEG]);
        c.width = even(&mut self.r, 16, MAX_W);
        c.height = even(&mut self.r, 16, MAX_H);
        c.bitrate_kbps = self.r.range(1, 50_000) as i32;
        match self.r.below(10) {
            0 => c.width = self.r.pick(&[0, 15, 4098, -16]),
            1 => c.height = self.r.pick(&[0, 15, 4098, -16]),
            2 => c.bitrate_kbps = self.r.pick(&[0, -1, 1_000_001]),
            3 => c.codec = self.r.pick(&[0, 7, -3]),
            _ => {}
        }
        if c.codec != ENC_CODEC_H265 && c.codec != ENC_CODEC_MJPEG {
            valid = false;
        }
        if !(16..=4096).contains(&c.width) || !(16..=4096).contains(&c.height) {
            valid = false;
        }
        if c.width % 2 != 0 || c.height % 2 != 0 || !(1..=1_000_000).contains(&c.bitrate_kbps) {
            valid = false;
        }
        let mut h: *mut EncEncoder = ptr::null_mut();
        // SAFETY: `h` is writable.
        let st = unsafe { enc_open_simple(c.codec, c.width, c.height, c.bitrate_kbps, &mut h) };
        let allowed: &[i32] = if valid { &[OK, BUSY] } else { &[INVALID] };
        self.expect("enc_open_simple", st, allowed, || {
            format!(
                "codec {} {}x{} {} kbps",
                c.codec, c.width, c.height, c.bitrate_kbps
            )
        });
        if st == OK {
            c.flags = 0;
            self.register(h, &c);
        }
    }

    /// Fills the luma/chroma planes at the end of the guarded regions with a moving pattern.
    fn paint(buf: &mut [u8], pts: i64, noise: u64) {
        let t = pts as u8;
        for (i, b) in buf.iter_mut().enumerate() {
            *b = (i as u8).wrapping_add(t) ^ ((i >> 7) as u8) ^ (noise >> (i % 61)) as u8 & 7;
        }
    }

    /// `codes`, and ENC_ERR_BAD_HANDLE if a close of `ch` has started (checked after the call).
    fn or_closed(ch: &Chan, mut codes: Vec<i32>) -> Vec<i32> {
        if ch.closing.load(SeqCst) {
            codes.push(BAD_HANDLE);
        }
        codes
    }

    /// Codes of a well-formed send or get: OK (and AGAIN with a timeout) while `open` (no flush
    /// had returned before a send; no EOF seen before a get), `after_flush` (WRONG_STATE for a
    /// send, EOF for a get) once a flush has started, BAD_HANDLE once a close has.
    fn data_codes(ch: &Chan, open: bool, timeout: i32, after_flush: i32) -> Vec<i32> {
        let mut a = vec![];
        if open {
            a.push(OK);
            if timeout >= 0 {
                a.push(AGAIN);
            }
        }
        if ch.flush_started.load(SeqCst) {
            a.push(after_flush);
        }
        Self::or_closed(ch, a)
    }

    fn ok_codes(ch: &Chan) -> Vec<i32> {
        Self::or_closed(ch, vec![OK])
    }

    fn invalid_allowed(ch: &Chan) -> Vec<i32> {
        Self::or_closed(ch, vec![INVALID])
    }

    /// One send on `ch`, serialised with the channel's other sends. `call` makes it, given the
    /// pts, the timeout and a kind (0..=3 malformed, 4 end of stream, else a frame), and says
    /// what it sent.
    fn send_one(
        &mut self,
        ch: &Chan,
        op: &'static str,
        call: impl FnOnce(&mut Self, i64, i32, u64) -> (i32, String),
    ) {
        let mut s = lock(&ch.send);
        let pts = s.next_pts;
        s.next_pts += self.r.range(1, 1000);
        let done_before = ch.flush_done.load(SeqCst);
        let timeout = self.timeout(done_before);
        let kind = self.r.below(80);
        if kind == 4 {
            ch.flush_started.store(true, SeqCst);
        }
        let (st, what) = call(self, pts, timeout, kind);
        let allowed = match kind {
            0..=3 => Self::invalid_allowed(ch),
            4 => Self::ok_codes(ch),
            _ => Self::data_codes(ch, !done_before, timeout, WRONG_STATE),
        };
        self.expect(op, st, &allowed, || {
            format!("kind {kind}, {what}, timeout {timeout}, flush done before {done_before}")
        });
        match (kind, st) {
            (4, OK) => ch.flush_done.store(true, SeqCst),
            (5.., OK) => {
                s.ok.push(pts);
                self.world.sends_ok.fetch_add(1, SeqCst);
            }
            _ => {}
        }
    }

    fn send_packed(&mut self, ch: &Chan) {
        self.send_one(ch, "enc_send_frame", |c, pts, timeout, kind| {
            let len = ch.frame_len();
            let noise = c.r.u64();
            let (data, n): (*const u8, usize) = match kind {
                0 => {
                    let n = len - 1 - c.r.below(len as u64 - 1) as usize;
                    (c.y.tail(n).as_ptr(), n)
                }
                1 => {
                    let n = len + 1 + c.r.below(100) as usize;
                    (c.y.tail(n).as_ptr(), n)
                }
                2 => (c.y.tail(0).as_ptr(), 0),
                3 => (ptr::null(), 1 + c.r.below(1 << 20) as usize),
                4 => (ptr::null(), 0),
                _ => {
                    let f = c.y.tail(len);
                    Self::paint(f, pts, noise);
                    (f.as_ptr(), len)
                }
            };
            // SAFETY: `data` has `n` readable bytes (it ends at a guard page), or is NULL.
            let st = unsafe { enc_send_frame(ch.ptr(), data, n, pts, timeout) };
            (st, format!("len {n} of {len}"))
        });
    }

    fn send_strided(&mut self, ch: &Chan) {
        self.send_one(ch, "enc_send_frame_strided", |c, pts, timeout, kind| {
            let (w, h) = (ch.w as usize, ch.h as usize);
            let ys = w + c.r.below(64) as usize;
            let uvs = w + c.r.below(64) as usize;
            let noise = c.r.u64();
            let yp = c.y.tail(ys * (h - 1) + w);
            Self::paint(yp, pts, noise);
            let yptr = yp.as_ptr();
            let uvp = c.uv.tail(uvs * (h / 2 - 1) + w);
            Self::paint(uvp, !pts, noise);
            let bad_stride = [0, -1, i32::MIN, w as i32 - 1];
            let mut f = EncFrame {
                y: yptr,
                y_stride: ys as i32,
                uv: uvp.as_ptr(),
                uv_stride: uvs as i32,
            };
            match kind {
                0 => f.y = ptr::null(),
                1 => f.uv = ptr::null(),
                2 => f.y_stride = c.r.pick(&bad_stride),
                3 => f.uv_stride = c.r.pick(&bad_stride),
                _ => {}
            }
            let fp: *const EncFrame = if kind == 4 { ptr::null() } else { &f };
            // SAFETY: the planes hold h (h/2) rows of w bytes at the strides given, ending at a
            // guard page; or a pointer/stride is deliberately invalid and must be rejected
            // unread.
            let st = unsafe { enc_send_frame_strided(ch.ptr(), fp, pts, timeout) };
            (
                st,
                format!("{w}x{h}, strides {} {}", f.y_stride, f.uv_stride),
            )
        });
    }

    /// Checks one packet delivered by a get and records its pts.
    fn delivered(&mut self, ch: &Chan, g: &mut GetSide, data: &[u8], info: &EncPacketInfo) {
        self.world.packets.fetch_add(1, SeqCst);
        let n = g.got.len();
        let mut bad = Vec::new();
        if g.eof {
            bad.push("a packet after EOF".to_string());
        }
        if data.is_empty() || data.len() > ch.max_packet {
            bad.push(format!(
                "size {} (max packet {})",
                data.len(),
                ch.max_packet
            ));
        }
        if let Some(&last) = g.got.last() {
            if info.pts <= last {
                bad.push(format!("pts {} after {last}", info.pts));
            }
        }
        if info.frame_num != n as u64 {
            bad.push(format!("frame_num {} for packet {n}", info.frame_num));
        }
        if !(0..=2).contains(&info.frame_type) || info.keyframe != (info.frame_type == 0) as i32 {
            bad.push(format!(
                "type {} keyframe {}",
                info.frame_type, info.keyframe
            ));
        }
        if info.has_psnr != (ch.flags & ENC_FLAG_PSNR != 0) as i32 {
            bad.push(format!(
                "has_psnr {} with flags {:#x}",
                info.has_psnr, ch.flags
            ));
        }
        let marker_ok = if ch.codec == ENC_CODEC_MJPEG {
            data.starts_with(&[0xFF, 0xD8]) && data.ends_with(&[0xFF, 0xD9]) && info.frame_type == 0
        } else {
            data.starts_with(&[0, 0, 0, 1]) || data.starts_with(&[0, 0, 1])
        };
        if !marker_ok && !data.is_empty() {
            bad.push(format!("starts {:02x?}", &data[..data.len().min(4)]));
        }
        if !bad.is_empty() {
            self.fail(format!(
                "packet {n} of channel {:#x} (codec {}): {}",
                ch.handle,
                ch.codec,
                bad.join(", ")
            ));
        }
        g.got.push(info.pts);
    }

    /// EOF: every accepted send has had its packet, in order.
    fn at_eof(&mut self, ch: &Chan, g: &mut GetSide, op: &str) {
        if !ch.flush_started.load(SeqCst) {
            self.fail(format!(
                "{op}: EOF on channel {:#x} that was never flushed",
                ch.handle
            ));
        }
        if !g.eof {
            // Any send in progress finishes (and records its result) first.
            let s = lock(&ch.send);
            if g.got != s.ok {
                let first = g.got.iter().zip(&s.ok).position(|(a, b)| a != b);
                self.fail(format!(
                    "{op}: EOF on channel {:#x} after {} packets, but {} sends returned OK \
                     (first difference at {first:?}; last accepted {:?}, last delivered {:?})",
                    ch.handle,
                    g.got.len(),
                    s.ok.len(),
                    s.ok.last(),
                    g.got.last()
                ));
            }
            g.eof = true;
            ch.finished.store(true, SeqCst);
            self.world.eofs_checked.fetch_add(1, SeqCst);
        }
    }

    /// Codes allowed for a well-formed get; `cap` None for enc_get_packet (no size limit).
    fn get_allowed(ch: &Chan, timeout: i32, g: &GetSide, cap: Option<usize>) -> Vec<i32> {
        let mut a = Self::data_codes(ch, !g.eof, timeout, EOF);
        // A buffer of enc_max_packet_size bytes always suffices.
        if cap.is_some_and(|c| c < ch.max_packet) {
            a.push(TOO_SMALL);
        }
        a
    }

    fn get_frame(&mut self, ch: &Chan) {
        let mut g = lock(&ch.get);
        let timeout = self.timeout(ch.flush_started.load(SeqCst));
        let region = self.out.usable;
        let cap = match self.r.below(8) {
            0 => 0,
            1 => 1,
            2 => self.r.below(200) as usize,
            3 => self.r.below(ch.max_packet as u64 + 1) as usize,
            _ => ch.max_packet,
        }
        .min(region);
        let kind = self.r.below(20);
        let buf = self.out.tail(cap);
        buf.fill(CANARY);
        let bptr = match kind {
            0 | 1 => ptr::null_mut(),
            _ => buf.as_mut_ptr(),
        };
        let mut info = EncPacketInfo {
            size: usize::MAX,
            keyframe: -1,
            frame_type: -1,
            has_psnr: -1,
            ..Default::default()
        };
        let iptr: *mut EncPacketInfo = if kind == 2 {
            ptr::null_mut()
        } else {
            &mut info
        };
        // SAFETY: `buf` has `cap` writable bytes ending at a guard page (or is NULL); `info`
        // is writable or NULL.
        let st = unsafe { enc_get_frame(ch.ptr(), bptr, cap, iptr, timeout) };
        let invalid = kind == 2 || (bptr.is_null() && cap != 0);
        let allowed = if invalid {
            Self::invalid_allowed(ch)
        } else {
            Self::get_allowed(ch, timeout, &g, Some(cap))
        };
        self.expect("enc_get_frame", st, &allowed, || {
            format!(
                "kind {kind}, capacity {cap}, timeout {timeout}, eof seen {}",
                g.eof
            )
        });
        let buf = self.out.tail(cap).to_vec();
        match st {
            OK => {
                if info.size > cap {
                    self.fail(format!(
                        "enc_get_frame: OK with size {} > capacity {cap}",
                        info.size
                    ));
                    return;
                }
                if buf[info.size..].iter().any(|&b| b != CANARY) {
                    self.fail(format!(
                        "enc_get_frame: wrote past the packet's {} bytes (capacity {cap})",
                        info.size
                    ));
                }
                self.delivered(ch, &mut g, &buf[..info.size], &info);
            }
            EOF => self.at_eof(ch, &mut g, "enc_get_frame"),
            TOO_SMALL if info.size <= cap || buf.iter().any(|&b| b != CANARY) => {
                self.fail(format!(
                    "enc_get_frame: too small with size {} for capacity {cap}, or the buffer was \
                     written",
                    info.size
                ));
            }
            _ => {}
        }
    }

    fn get_packet(&mut self, ch: &Chan) {
        let mut g = lock(&ch.get);
        let timeout = self.timeout(ch.flush_started.load(SeqCst));
        let null_out = self.r.chance(0.05);
        let mut p: *mut EncPacket = 0x10 as *mut EncPacket;
        let out: *mut *mut EncPacket = if null_out { ptr::null_mut() } else { &mut p };
        // SAFETY: `out` is writable or NULL.
        let st = unsafe { enc_get_packet(ch.ptr(), out, timeout) };
        let allowed = if null_out {
            vec![INVALID]
        } else {
            Self::get_allowed(ch, timeout, &g, None)
        };
        self.expect("enc_get_packet", st, &allowed, || {
            format!("null out {null_out}, timeout {timeout}")
        });
        if null_out {
            return;
        }
        if st != OK {
            if !p.is_null() {
                self.fail(format!("enc_get_packet: status {st} left *out = {p:?}"));
            }
            if st == EOF {
                self.at_eof(ch, &mut g, "enc_get_packet");
            }
            return;
        }
        if p.is_null() {
            self.fail("enc_get_packet: OK with a NULL packet".into());
            return;
        }
        // SAFETY: an EncPacket from the library, alive until enc_packet_free.
        let pk = unsafe { &*p };
        let frame = ch.frame_len();
        let want_recon = ch.flags & ENC_FLAG_RECON != 0;
        if pk.size != pk.info.size
            || pk.data.is_null()
            || pk.recon.is_null() == want_recon
            || pk.recon_size != if want_recon { frame } else { 0 }
        {
            self.fail(format!(
                "enc_get_packet: size {} info.size {} data {:?} recon {:?} recon_size {} (flags \
                 {:#x}, frame {frame})",
                pk.size, pk.info.size, pk.data, pk.recon, pk.recon_size, ch.flags
            ));
        } else {
            // SAFETY: `size` bytes at `data`, owned by the packet.
            let data = unsafe { std::slice::from_raw_parts(pk.data, pk.size) }.to_vec();
            if want_recon {
                // SAFETY: `recon_size` bytes at `recon`; reading the last one proves the length.
                let last = unsafe { *pk.recon.add(pk.recon_size - 1) };
                std::hint::black_box(last);
            }
            let info = pk.info;
            self.delivered(ch, &mut g, &data, &info);
        }
        // SAFETY: `p` came from enc_get_packet; a second free of the NULLed pointer is a no-op.
        unsafe {
            enc_packet_free(&mut p);
            if self.r.chance(0.2) {
                enc_packet_free(&mut p);
            }
        }
        if !p.is_null() {
            self.fail("enc_packet_free did not set the pointer to NULL".into());
        }
    }

    fn flush(&mut self, ch: &Chan) {
        ch.flush_started.store(true, SeqCst);
        let st = enc_flush(ch.ptr());
        self.expect("enc_flush", st, &Self::ok_codes(ch), String::new);
        if st == OK {
            ch.flush_done.store(true, SeqCst);
        }
    }

    fn keyframe(&mut self, ch: &Chan) {
        let st = enc_request_keyframe(ch.ptr());
        self.expect("enc_request_keyframe", st, &Self::ok_codes(ch), String::new);
    }

    fn set_bitrate(&mut self, ch: &Chan) {
        let v = if self.r.chance(0.8) {
            self.r.range(1, 1_000_000) as i32
        } else {
            self.r.pick(&[0, -1, 1_000_001, i32::MIN, i32::MAX])
        };
        let st = enc_set_bitrate(ch.ptr(), v);
        let allowed = if (1..=1_000_000).contains(&v) {
            Self::ok_codes(ch)
        } else {
            vec![INVALID]
        };
        self.expect("enc_set_bitrate", st, &allowed, || format!("{v} kbps"));
    }

    fn stats(&mut self, ch: &Chan) {
        let full = std::mem::size_of::<EncStats>();
        let size = match self.r.below(8) {
            0..=3 => full,
            4 => self.r.range(8, full as i64) as usize,
            5 => self.r.pick(&[0, 4, 7]),
            6 => self.r.pick(&[full + 1, full + 64, u32::MAX as usize]),
            _ => usize::MAX, // NULL
        };
        // SAFETY: zeroed bytes are a valid StatsBuf (integers, floats, chars).
        let mut b: StatsBuf = unsafe { std::mem::zeroed() };
        // SAFETY: viewing the StatsBuf as bytes to fill and check it.
        let bytes = |b: &mut StatsBuf| unsafe {
            std::slice::from_raw_parts_mut(
                b as *mut StatsBuf as *mut u8,
                std::mem::size_of::<StatsBuf>(),
            )
        };
        bytes(&mut b).fill(CANARY);
        b.stats.struct_size = size as u32;
        let sp: *mut EncStats = if size == usize::MAX {
            ptr::null_mut()
        } else {
            &mut b.stats
        };
        // SAFETY: `sp` has struct_size writable bytes when struct_size is valid (the buffer is
        // larger than EncStats), or is NULL.
        let st = unsafe { enc_get_stats(ch.ptr(), sp) };
        let valid = (8..=full).contains(&size);
        let allowed = if valid {
            Self::ok_codes(ch)
        } else {
            vec![INVALID]
        };
        self.expect("enc_get_stats", st, &allowed, || {
            format!("struct_size {size}")
        });
        if st == OK {
            let past = &bytes(&mut b)[size..];
            if past.iter().any(|&x| x != CANARY) {
                self.fail(format!("enc_get_stats wrote past struct_size {size}"));
            }
            if size == full {
                let s = &b.stats;
                let note_ok = s.rc_note.contains(&0);
                if s.frames_out > s.frames_in
                    || s.keyframes > s.frames_out
                    || !(1..=1_000_000).contains(&s.target_kbps)
                    || !note_ok
                    || (s.has_psnr == 1 && ch.flags & ENC_FLAG_PSNR == 0)
                {
                    self.fail(format!(
                        "enc_get_stats: in {} out {} keyframes {} target {} psnr {} note \
                         terminated {note_ok}",
                        s.frames_in, s.frames_out, s.keyframes, s.target_kbps, s.has_psnr
                    ));
                }
            }
        }
    }

    fn headers(&mut self, ch: &Chan) {
        let cap = self.r.pick(&[0usize, 1, 10, 40, 1000, 4096]);
        let kind = self.r.below(10);
        let buf = self.small.tail(cap);
        buf.fill(CANARY);
        let bptr = if kind == 0 {
            ptr::null_mut()
        } else {
            buf.as_mut_ptr()
        };
        let mut size = usize::MAX;
        let sptr: *mut usize = if kind == 1 {
            ptr::null_mut()
        } else {
            &mut size
        };
        // SAFETY: `buf` has `cap` writable bytes ending at a guard page, or is NULL; `size`
        // is writable or NULL.
        let st = unsafe { enc_get_headers(ch.ptr(), bptr, cap, sptr) };
        let mut allowed = if kind == 1 {
            vec![INVALID]
        } else {
            let mut a = Self::ok_codes(ch);
            a.push(TOO_SMALL);
            a
        };
        if kind == 0 {
            allowed.push(INVALID);
        }
        self.expect("enc_get_headers", st, &allowed, || {
            format!("kind {kind} capacity {cap}")
        });
        if kind == 1 || !matches!(st, OK | TOO_SMALL | INVALID) {
            return;
        }
        let buf = self.small.tail(cap);
        let fine = match st {
            OK => {
                size <= cap
                    && buf[size..].iter().all(|&b| b == CANARY)
                    && (ch.codec == ENC_CODEC_MJPEG) == (size == 0)
                    && (size == 0 || buf.starts_with(&[0, 0, 0, 1]))
            }
            TOO_SMALL => size > cap && buf.iter().all(|&b| b == CANARY),
            _ => bptr.is_null() && size > 0 && size <= cap,
        };
        if !fine {
            self.fail(format!(
                "enc_get_headers: status {st}, size {size}, capacity {cap}, NULL buf {}, codec {}",
                bptr.is_null(),
                ch.codec
            ));
        }
    }

    fn max_packet_size(&mut self, ch: &Chan) {
        let null = self.r.chance(0.2);
        let mut n = 0usize;
        let p: *mut usize = if null { ptr::null_mut() } else { &mut n };
        // SAFETY: `p` is writable or NULL.
        let st = unsafe { enc_max_packet_size(ch.ptr(), p) };
        let allowed = if null {
            vec![INVALID]
        } else {
            Self::ok_codes(ch)
        };
        self.expect("enc_max_packet_size", st, &allowed, String::new);
        if st == OK && n != ch.max_packet {
            self.fail(format!(
                "enc_max_packet_size changed: {n}, was {}",
                ch.max_packet
            ));
        }
    }

    fn last_error(&mut self) {
        let h = match self.pick_chan() {
            Some(ch) if self.r.chance(0.6) => ch.handle,
            _ => self.bad_handle(),
        };
        let cap = self.r.pick(&[0usize, 1, 2, 7, 64, 512]);
        let null = self.r.chance(0.1);
        let buf = self.small.tail(cap);
        buf.fill(CANARY);
        let bp = if null {
            ptr::null_mut()
        } else {
            buf.as_mut_ptr() as *mut c_char
        };
        // SAFETY: `bp` has `cap` writable bytes ending at a guard page, or is NULL.
        let n = unsafe { enc_last_error(h as *const EncEncoder, bp, cap) };
        self.world.calls.fetch_add(1, SeqCst);
        if null || cap == 0 {
            if self.small.tail(cap).iter().any(|&b| b != CANARY) {
                self.fail("enc_last_error wrote with no buffer".into());
            }
            return;
        }
        let buf = self.small.tail(cap);
        let end = n.min(cap - 1);
        if buf[end] != 0 || buf[..end].contains(&0) || buf[end + 1..].iter().any(|&b| b != CANARY) {
            self.fail(format!(
                "enc_last_error: length {n}, capacity {cap}: not one NUL at {end}"
            ));
        }
    }

    fn close(&mut self) {
        let i = self.r.below(SLOTS as u64) as usize;
        let ch = {
            let mut slots = lock(&self.world.slots);
            let finished = slots
                .iter()
                .position(|s| s.as_ref().is_some_and(|c| c.finished.load(SeqCst)));
            slots[finished.unwrap_or(i)].take()
        };
        match ch {
            Some(ch) => self.close_chan(&ch),
            None => self.misuse(),
        }
    }

    /// Closes a channel no other thread can pick any more and checks what it delivered.
    fn close_chan(&mut self, ch: &Chan) {
        ch.closing.store(true, SeqCst);
        let st = enc_close(ch.ptr());
        self.expect("enc_close", st, &[OK], String::new);
        let st = enc_close(ch.ptr());
        self.expect("enc_close (again)", st, &[BAD_HANDLE], String::new);
        // Calls in progress on other threads finish first (they hold these locks).
        let g = lock(&ch.get);
        let s = lock(&ch.send);
        if !s.ok.starts_with(&g.got) {
            let (gn, sn) = (g.got.len(), s.ok.len());
            drop((g, s));
            self.fail(format!(
                "closed channel {:#x}: its {gn} packets are not the first of its {sn} accepted \
                 sends",
                ch.handle
            ));
        }
        self.world.closes_checked.fetch_add(1, SeqCst);
        let mut d = lock(&self.world.dead);
        if d.len() >= 256 {
            let k = self.r.below(256) as usize;
            d[k] = ch.handle;
        } else {
            d.push(ch.handle);
        }
    }

    /// A call on a NULL, closed or forged handle: ENC_ERR_BAD_HANDLE, nothing else.
    fn misuse(&mut self) {
        let h = self.bad_handle() as *mut EncEncoder;
        let frame = self.y.tail(16 * 16 * 3 / 2).as_ptr();
        let buf = self.out.tail(4096);
        let bp = buf.as_mut_ptr();
        let mut info = EncPacketInfo::default();
        let mut n = 0usize;
        let mut p: *mut EncPacket = ptr::null_mut();
        // SAFETY: zeroed bytes are a valid EncStats.
        let mut s: EncStats = unsafe { std::mem::zeroed() };
        s.struct_size = std::mem::size_of::<EncStats>() as u32;
        let f = EncFrame {
            y: frame,
            y_stride: 16,
            uv: frame,
            uv_stride: 16,
        };
        let which = self.r.below(11);
        // SAFETY: every pointer argument is valid; only the handle is bad.
        let st = unsafe {
            match which {
                0 => enc_send_frame(h, frame, 384, 0, 0),
                1 => enc_send_frame_strided(h, &f, 0, 0),
                2 => enc_flush(h),
                3 => enc_get_frame(h, bp, 4096, &mut info, 0),
                4 => enc_get_packet(h, &mut p, 0),
                5 => enc_request_keyframe(h),
                6 => enc_set_bitrate(h, 1000),
                7 => enc_get_stats(h, &mut s),
                8 => enc_get_headers(h, bp, 4096, &mut n),
                9 => enc_max_packet_size(h, &mut n),
                _ => enc_close(h),
            }
        };
        let allowed: &[i32] = if which == 10 && h.is_null() {
            &[OK]
        } else {
            &[BAD_HANDLE]
        };
        self.expect("call on a bad handle", st, allowed, || {
            format!("function {which}, handle {h:?}")
        });
        if !p.is_null() {
            self.fail("enc_get_packet on a bad handle gave a packet".into());
        }
    }

    /// Opens channels until all 32 are taken (ENC_ERR_BUSY), then closes them.
    fn exhaust(&mut self) {
        let mut mine = Vec::new();
        for _ in 0..=32 {
            let mut h: *mut EncEncoder = ptr::null_mut();
            // SAFETY: `h` is writable.
            let st = unsafe { enc_open_simple(ENC_CODEC_MJPEG, 16, 16, 100, &mut h) };
            self.expect("enc_open_simple (exhaust)", st, &[OK, BUSY], String::new);
            if st != OK {
                break;
            }
            mine.push(h);
        }
        if mine.len() > 32 {
            self.fail("33 channels open at once".into());
        }
        let n = enc_open_channels();
        if !(mine.len() as i32..=32).contains(&n) {
            self.fail(format!(
                "enc_open_channels() is {n} with {} of mine open",
                mine.len()
            ));
        }
        for h in mine {
            let st = enc_close(h);
            self.expect("enc_close (exhaust)", st, &[OK], String::new);
            lock(&self.world.dead).push(h as usize);
        }
    }

    /// The calls that take no handle.
    fn library_calls(&mut self) {
        self.world.calls.fetch_add(4, SeqCst);
        // SAFETY: static NUL-terminated strings.
        let v = unsafe { std::ffi::CStr::from_ptr(enc_version()) };
        if v.to_bytes().is_empty() || enc_abi_version() != ENC_ABI_VERSION {
            self.fail("enc_version / enc_abi_version".into());
        }
        let code = if self.r.chance(0.5) {
            self.r.range(-10, 10) as i32
        } else {
            self.r.u64() as i32
        };
        // SAFETY: a static NUL-terminated string for any code.
        let e = unsafe { std::ffi::CStr::from_ptr(enc_strerror(code)) };
        if e.to_bytes().is_empty() {
            self.fail(format!("enc_strerror({code}) is empty"));
        }
        let full = std::mem::size_of::<EncConfig>();
        let min = std::mem::offset_of!(EncConfig, height) + 4;
        let size = self.r.range(0, full as i64 + 8) as usize;
        let mut b = ConfigBuf {
            cfg: defaults(),
            extra: [CANARY; 64],
        };
        // SAFETY: viewing the ConfigBuf as bytes.
        let bytes = |b: &mut ConfigBuf| unsafe {
            std::slice::from_raw_parts_mut(
                b as *mut ConfigBuf as *mut u8,
                std::mem::size_of::<ConfigBuf>(),
            )
        };
        bytes(&mut b).fill(CANARY);
        let null = self.r.chance(0.1);
        let cp: *mut EncConfig = if null { ptr::null_mut() } else { &mut b.cfg };
        // SAFETY: `cp` has more than `size` writable bytes, or is NULL.
        let st = unsafe { enc_config_default(cp, size) };
        let valid = !null && (min..=full).contains(&size);
        self.expect(
            "enc_config_default",
            st,
            if valid { &[OK] } else { &[INVALID] },
            || format!("struct_size {size}, NULL {null}"),
        );
        let untouched_from = if st == OK { size } else { 0 };
        if bytes(&mut b)[untouched_from..].iter().any(|&x| x != CANARY) {
            self.fail(format!(
                "enc_config_default({size}) wrote past its struct_size"
            ));
        }
        let n = enc_open_channels();
        if !(0..=32).contains(&n) {
            self.fail(format!("enc_open_channels() is {n}"));
        }
    }
}

fn status_name(st: i32) -> String {
    // SAFETY: a static NUL-terminated string for any code.
    unsafe { std::ffi::CStr::from_ptr(enc_strerror(st)) }
        .to_string_lossy()
        .into_owned()
}

fn describe(c: &EncConfig) -> String {
    format!(
        "size {} codec {} {}x{} rc {} {} kbps (max {}) fps {}/{} ip {} q {} qp {} [{}..{}] \
         quality [{}..{}] vbv {} ch {} depth {} threads {} flags {:#x} sr {} rr {}",
        c.struct_size,
        c.codec,
        c.width,
        c.height,
        c.rc_mode,
        c.bitrate_kbps,
        c.max_bitrate_kbps,
        c.fps_num,
        c.fps_den,
        c.intra_period,
        c.quality,
        c.qp,
        c.min_qp,
        c.max_qp,
        c.min_quality,
        c.max_quality,
        c.vbv_buffer_ms,
        c.channel,
        c.queue_depth,
        c.threads,
        c.flags,
        c.search_range,
        c.restart_rows
    )
}

/// Cases earlier fuzz runs found, checked every time before the random calls.
fn pinned_cases() {
    // H.264 is never supported, so that is the answer even when the channel asked for, or every
    // channel, is taken (ENC_ERR_BUSY would mean "try again later").
    let mut held = Vec::new();
    let mut cfg = defaults();
    (cfg.codec, cfg.width, cfg.height, cfg.channel) = (ENC_CODEC_MJPEG, 16, 16, 31);
    let mut h: *mut EncEncoder = ptr::null_mut();
    // SAFETY: a complete config and a writable handle.
    assert_eq!(unsafe { enc_open(&cfg, &mut h) }, OK);
    held.push(h);
    cfg.codec = ENC_CODEC_H264;
    // SAFETY: as above.
    let st = unsafe { enc_open(&cfg, &mut h) };
    assert_eq!(
        st,
        UNSUPPORTED,
        "H.264 on a taken channel: {}",
        status_name(st)
    );
    while held.len() < 32 {
        // SAFETY: a writable handle.
        assert_eq!(
            unsafe { enc_open_simple(ENC_CODEC_MJPEG, 16, 16, 100, &mut h) },
            OK
        );
        held.push(h);
    }
    // SAFETY: a writable handle.
    let st = unsafe { enc_open_simple(ENC_CODEC_H264, 16, 16, 100, &mut h) };
    assert_eq!(
        st,
        UNSUPPORTED,
        "H.264 with all 32 channels open: {}",
        status_name(st)
    );
    for h in held {
        assert_eq!(enc_close(h), OK);
    }
}

#[test]
fn random_api_calls_from_four_threads_keep_every_contract() {
    pinned_cases();
    let (seed, calls) = common::start_seeded(
        "api_fuzz",
        "VENC_FUZZ_SEED",
        "VENC_FUZZ_CALLS",
        (20_000, 1_000_000),
        "calls",
    );
    let threads_before = common::proc_status("Threads");
    let rss_before = common::proc_status("VmRSS");
    let start = Instant::now();
    let world = World {
        slots: Mutex::new(vec![None; SLOTS]),
        dead: Mutex::new(Vec::new()),
        stop: AtomicBool::new(false),
        failures: Mutex::new(Vec::new()),
        calls: AtomicU64::new(0),
        sends_ok: AtomicU64::new(0),
        packets: AtomicU64::new(0),
        eofs_checked: AtomicU64::new(0),
        opens_ok: AtomicU64::new(0),
        closes_checked: AtomicU64::new(0),
    };
    let tally = std::thread::scope(|s| {
        let joins: Vec<_> = (0..THREADS)
            .map(|t| {
                let world = &world;
                s.spawn(move || {
                    let mut ctx = Ctx::new(world, seed, t);
                    while world.calls.load(SeqCst) < calls && !world.stop.load(SeqCst) {
                        ctx.step();
                        ctx.call += 1;
                    }
                    ctx.tally
                })
            })
            .collect();
        let mut all: BTreeMap<(&'static str, i32), u64> = BTreeMap::new();
        for j in joins {
            match j.join() {
                Ok(t) => t
                    .into_iter()
                    .for_each(|(k, v)| *all.entry(k).or_default() += v),
                Err(p) => lock(&world.failures).push(format!(
                    "a fuzz thread panicked: {}",
                    common::panic_text(&*p)
                )),
            }
        }
        all
    });

    // Every channel still open: flush, drain to EOF (all accepted sends delivered), close.
    let mut ctx = Ctx::new(&world, seed, THREADS);
    let left: Vec<Arc<Chan>> = lock(&world.slots)
        .iter_mut()
        .filter_map(|s| s.take())
        .collect();
    let drained = left.len();
    for ch in left {
        ctx.flush(&ch);
        let mut g = lock(&ch.get);
        let mut p: *mut EncPacket = ptr::null_mut();
        loop {
            // SAFETY: `p` is writable; the packet is freed below.
            let st = unsafe { enc_get_packet(ch.ptr(), &mut p, -1) };
            ctx.expect("enc_get_packet (drain)", st, &[OK, EOF], String::new);
            if st != OK {
                if st == EOF {
                    ctx.at_eof(&ch, &mut g, "drain");
                }
                break;
            }
            // SAFETY: a packet from enc_get_packet.
            let (data, info) = unsafe {
                let pk = &*p;
                (
                    std::slice::from_raw_parts(pk.data, pk.size).to_vec(),
                    pk.info,
                )
            };
            ctx.delivered(&ch, &mut g, &data, &info);
            // SAFETY: as above.
            unsafe { enc_packet_free(&mut p) };
        }
        drop(g);
        ctx.close_chan(&ch);
    }
    for &h in lock(&world.dead).iter() {
        let st = enc_close(h as *mut EncEncoder);
        ctx.expect(
            "enc_close (dead handle, at the end)",
            st,
            &[BAD_HANDLE],
            || format!("{h:#x}"),
        );
    }
    let open = enc_open_channels();
    // Worker threads are joined by enc_close; give the OS a moment to reap them.
    let threads_after = common::threads_settled(threads_before);
    let rss_after = common::proc_status("VmRSS");
    let secs = start.elapsed().as_secs_f64();

    let mut lines: Vec<String> = tally
        .iter()
        .map(|((op, st), n)| format!("  {op:28} {:>22} {n}", status_name(*st)))
        .collect();
    lines.sort();
    eprintln!(
        "api_fuzz: seed {seed}: {} calls in {secs:.1} s from {THREADS} threads; {} opens, {} \
         closes checked, {} sends OK, {} packets, {} EOFs checked (got == sent), {drained} \
         channels drained at the end; threads {threads_before} -> {threads_after}; VmRSS \
         {rss_before} -> {rss_after} kB\n{}",
        world.calls.load(SeqCst),
        world.opens_ok.load(SeqCst),
        world.closes_checked.load(SeqCst),
        world.sends_ok.load(SeqCst),
        world.packets.load(SeqCst),
        world.eofs_checked.load(SeqCst),
        lines.join("\n")
    );
    let failures = lock(&world.failures).clone();
    common::assert_clean_run(
        "VENC_FUZZ_SEED",
        seed,
        &failures,
        open,
        threads_before,
        threads_after,
    );
    // The fuzz must have reached the interesting states, or it proves little.
    assert!(world.eofs_checked.load(SeqCst) > 0 && world.packets.load(SeqCst) > 0);
}
