//! Channel behaviour through the safe API and the C API: concurrency, ordering, close while
//! waiting, use after close, back-pressure. Uses the MJPEG codec (fast, real). The tests that
//! need test-only hooks (a codec panic, an open held in the codec constructor) are in
//! src/channel/tests.rs.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use venc::capi::*;
use venc::{CodecId, Encoder, EncoderConfig, Poll, RcMode};

/// Held by the tests that read `enc_last_error(NULL, ...)` or make C calls that set it: it is
/// process-wide, and the tests of this file run in parallel. Taken after `TABLE`.
static GLOBAL_ERROR: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The process-wide table of 32 channels: every test that opens channels shares it (`shared`),
/// the one that fills it has it alone (`TABLE.write()`).
static TABLE: std::sync::RwLock<()> = std::sync::RwLock::new(());

fn shared() -> std::sync::RwLockReadGuard<'static, ()> {
    TABLE.read().unwrap_or_else(|e| e.into_inner())
}

fn cfg(w: u32, h: u32) -> EncoderConfig {
    let mut c = EncoderConfig::new(CodecId::Mjpeg, w, h);
    c.rc_mode = RcMode::ConstQuality;
    c.quality = 75;
    c
}

#[test]
fn eight_channels_in_parallel_lose_nothing() {
    let _t = shared();
    const N: u64 = 40;
    let mut joins = Vec::new();
    for c in 0..8u32 {
        joins.push(std::thread::spawn(move || {
            let (w, h) = (96 + 16 * c, 64 + 8 * c);
            let enc = Arc::new(Encoder::open(cfg(w, h)).expect("open"));
            let tx = enc.clone();
            let sender = std::thread::spawn(move || {
                for i in 0..N {
                    let f = common::synthetic_nv12(w as usize, h as usize, i as usize);
                    loop {
                        match tx
                            .send_packed(&f, (c as i64) * 1_000_000 + i as i64 * 7, 50)
                            .unwrap()
                        {
                            Poll::Ready(()) => break,
                            _ => continue,
                        }
                    }
                }
                tx.flush().unwrap();
            });
            let mut pts = Vec::new();
            loop {
                match enc.get(-1).unwrap() {
                    Poll::Ready(p) => {
                        assert_eq!(&p.data[..2], &[0xFF, 0xD8]);
                        assert_eq!(p.frame_num, pts.len() as u64);
                        pts.push(p.pts);
                    }
                    Poll::Eof => break,
                    Poll::Again => unreachable!("waiting forever"),
                }
            }
            sender.join().unwrap();
            let want: Vec<i64> = (0..N)
                .map(|i| (c as i64) * 1_000_000 + i as i64 * 7)
                .collect();
            assert_eq!(pts, want, "channel {c}: pts in = pts out");
            let s = enc.stats().unwrap();
            assert_eq!((s.frames_in, s.frames_out), (N, N));
        }));
    }
    for j in joins {
        j.join().unwrap();
    }
}

#[test]
fn close_wakes_a_blocked_getter_quickly() {
    let _t = shared();
    let _g = GLOBAL_ERROR.lock().unwrap_or_else(|e| e.into_inner());
    let mut h: *mut EncEncoder = std::ptr::null_mut();
    let st = unsafe { enc_open_simple(ENC_CODEC_MJPEG, 64, 64, 1000, &mut h) };
    assert_eq!(st, ENC_OK);
    let hv = h as usize;
    let waiter = std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 16];
        let mut info = EncPacketInfo::default();
        let t = Instant::now();
        let st = unsafe {
            enc_get_frame(
                hv as *mut EncEncoder,
                buf.as_mut_ptr(),
                buf.len(),
                &mut info,
                -1,
            )
        };
        (st, t.elapsed())
    });
    std::thread::sleep(Duration::from_millis(200));
    let t0 = Instant::now();
    assert_eq!(enc_close(h), ENC_OK);
    let (st, _) = waiter.join().unwrap();
    let woke = t0.elapsed();
    assert_eq!(st, ENC_ERR_BAD_HANDLE);
    assert!(woke < Duration::from_millis(100), "woke after {woke:?}");
    assert_eq!(enc_close(h), ENC_ERR_BAD_HANDLE, "double close");
}

#[test]
fn full_queue_gives_again_and_loses_nothing() {
    let _t = shared();
    let mut c = cfg(320, 240);
    c.queue_depth = 2;
    let enc = Encoder::open(c).unwrap();
    let f = common::synthetic_nv12(320, 240, 3);
    let mut sent = 0i64;
    let mut again = 0;
    // Nobody reads: the worker stops at its output depth, then the input queue fills.
    for _ in 0..40 {
        match enc.send_packed(&f, sent, 20).unwrap() {
            Poll::Ready(()) => sent += 1,
            Poll::Again => again += 1,
            Poll::Eof => unreachable!(),
        }
    }
    assert!(again > 0, "the queue never filled");
    assert!((2..40).contains(&sent), "sent {sent}");
    enc.flush().unwrap();
    let mut got = Vec::new();
    while let Poll::Ready(p) = enc.get(2000).unwrap() {
        got.push(p.pts);
    }
    assert_eq!(got, (0..sent).collect::<Vec<_>>());
}

#[test]
fn channel_numbers_are_exclusive_and_reusable() {
    let _t = shared();
    let mut c = cfg(64, 64);
    c.channel = Some(31);
    let a = Encoder::open(c.clone()).unwrap();
    assert_eq!(a.channel(), 31);
    let e = Encoder::open(c.clone()).err().unwrap();
    assert_eq!(e.status(), venc::Status::ERR_BUSY);
    drop(a);
    let b = Encoder::open(c).unwrap();
    assert_eq!(b.channel(), 31);
}

#[test]
fn get_with_timeout_returns_again_in_time() {
    let _t = shared();
    let enc = Encoder::open(cfg(64, 64)).unwrap();
    let t = Instant::now();
    assert!(matches!(enc.get(50).unwrap(), Poll::Again));
    let el = t.elapsed();
    assert!(
        el >= Duration::from_millis(45) && el < Duration::from_secs(2),
        "{el:?}"
    );
    assert!(matches!(enc.get(0).unwrap(), Poll::Again));
}

#[test]
fn bad_config_messages_say_what_was_expected() {
    let _t = shared();
    let cases: Vec<(EncoderConfig, &str)> = vec![
        (
            EncoderConfig::new(CodecId::Mjpeg, 17, 16),
            "width is 17, expected an even number",
        ),
        (
            EncoderConfig::new(CodecId::Mjpeg, 16, 4098),
            "height is 4098, expected 16..=4096",
        ),
        (
            EncoderConfig::new(CodecId::Mjpeg, 8, 16),
            "width is 8, expected 16..=4096",
        ),
        (
            {
                let mut c = cfg(64, 64);
                c.quality = 0;
                c
            },
            "quality is 0, expected 1..=100",
        ),
        (
            {
                let mut c = cfg(64, 64);
                c.qp = 52;
                c
            },
            "qp is 52, expected 0..=51",
        ),
        (
            {
                let mut c = cfg(64, 64);
                c.fps_num = 0;
                c
            },
            "fps_num is 0",
        ),
        (
            {
                let mut c = cfg(64, 64);
                c.channel = Some(32);
                c
            },
            "channel is 32, expected 0..=31",
        ),
        (
            {
                let mut c = cfg(64, 64);
                c.queue_depth = 0;
                c
            },
            "queue_depth is 0",
        ),
        (
            {
                let mut c = cfg(64, 64);
                c.flags = 0x100;
                c
            },
            "unknown bits",
        ),
        (
            {
                let mut c = EncoderConfig::new(CodecId::Mjpeg, 64, 64);
                c.bitrate_kbps = 0;
                c
            },
            "bitrate_kbps is 0",
        ),
    ];
    for (c, msg) in cases {
        let e = Encoder::open(c).err().expect("must fail");
        assert_eq!(e.status(), venc::Status::ERR_INVALID_ARG);
        assert!(e.to_string().contains(msg), "'{e}' should contain '{msg}'");
    }
    let e = Encoder::open(EncoderConfig::new(CodecId::H264, 64, 64))
        .err()
        .unwrap();
    assert_eq!(e.status(), venc::Status::ERR_UNSUPPORTED);
}

#[test]
fn wrong_frame_size_leaves_the_channel_usable() {
    let _t = shared();
    let enc = Encoder::open(cfg(64, 64)).unwrap();
    let f = common::synthetic_nv12(64, 64, 0);
    let e = enc.send_packed(&f[..f.len() - 2], 0, 0).unwrap_err();
    assert_eq!(
        e.to_string(),
        "frame is 6142 bytes, expected 6144 for 64x64 NV12"
    );
    enc.send_packed(&f, 5, -1).unwrap();
    assert!(matches!(enc.get(-1).unwrap(), Poll::Ready(p) if p.pts == 5));
}

/// enc_config_default's EncConfig.
fn c_default_config() -> EncConfig {
    let mut c = std::mem::MaybeUninit::<EncConfig>::uninit();
    // SAFETY: enc_config_default fills the whole struct it is given.
    unsafe {
        assert_eq!(
            enc_config_default(c.as_mut_ptr(), std::mem::size_of::<EncConfig>()),
            ENC_OK
        );
        c.assume_init()
    }
}

fn last_error(h: *const EncEncoder) -> String {
    let mut buf = [0 as std::ffi::c_char; 512];
    unsafe { enc_last_error(h, buf.as_mut_ptr(), buf.len()) };
    unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) }
        .to_string_lossy()
        .into_owned()
}

#[test]
fn c_api_messages_name_the_argument_its_value_and_the_range() {
    let _t = shared();
    let _g = GLOBAL_ERROR.lock().unwrap_or_else(|e| e.into_inner());
    let mut h: *mut EncEncoder = std::ptr::null_mut();
    assert_eq!(
        unsafe { enc_open_simple(ENC_CODEC_MJPEG, 64, 64, 1000, &mut h) },
        ENC_OK
    );
    // The same range check, and message, for a live change from C and from Rust, and at open.
    assert_eq!(enc_set_bitrate(h, 0), ENC_ERR_INVALID_ARG);
    assert_eq!(last_error(h), "bitrate_kbps is 0, expected 1..=1000000");
    assert_eq!(enc_set_bitrate(h, -5), ENC_ERR_INVALID_ARG);
    assert_eq!(last_error(h), "bitrate_kbps is -5, expected 1..=1000000");
    let enc = Encoder::open(cfg(64, 64)).unwrap();
    assert_eq!(
        enc.set_bitrate(2_000_000).unwrap_err().to_string(),
        "bitrate_kbps is 2000000, expected 1..=1000000"
    );
    let mut c = EncoderConfig::new(CodecId::Mjpeg, 64, 64);
    c.bitrate_kbps = 0;
    assert_eq!(
        Encoder::open(c).err().unwrap().to_string(),
        "bitrate_kbps is 0, expected 1..=1000000"
    );
    let mut buf = [0u8; 16];
    let st = unsafe { enc_get_frame(h, buf.as_mut_ptr(), buf.len(), std::ptr::null_mut(), 0) };
    assert_eq!(st, ENC_ERR_INVALID_ARG);
    assert_eq!(
        last_error(h),
        "info is NULL, expected a pointer to an EncPacketInfo"
    );
    assert_eq!(enc_close(h), ENC_OK);
    // A stale handle: named by its value.
    assert_eq!(enc_flush(h), ENC_ERR_BAD_HANDLE);
    let msg = last_error(std::ptr::null());
    assert!(
        msg.starts_with(&format!(
            "bad handle {:#x}: not an open channel",
            h as usize
        )),
        "{msg}"
    );
    assert_eq!(enc_flush(std::ptr::null_mut()), ENC_ERR_BAD_HANDLE);
    assert_eq!(
        last_error(std::ptr::null()),
        "bad handle: the handle is NULL, expected one from enc_open"
    );
}

#[test]
fn c_api_messages_say_what_did_not_fit_and_what_was_expected() {
    let _t = shared();
    let _g = GLOBAL_ERROR.lock().unwrap_or_else(|e| e.into_inner());
    let mut h: *mut EncEncoder = std::ptr::null_mut();
    assert_eq!(
        unsafe { enc_open_simple(ENC_CODEC_MJPEG, 64, 64, 1000, &mut h) },
        ENC_OK
    );
    assert_eq!(
        unsafe { enc_send_frame(h, std::ptr::null(), 5, 0, 0) },
        ENC_ERR_INVALID_ARG
    );
    assert_eq!(
        last_error(h),
        "data is NULL with len 5, expected a frame of 6144 bytes (64x64 NV12), or NULL with len 0 \
         to end the stream"
    );
    // Capacity 0: the size of the next packet is the answer, and the packet stays queued.
    let f = common::synthetic_nv12(64, 64, 0);
    assert_eq!(
        unsafe { enc_send_frame(h, f.as_ptr(), f.len(), 9, -1) },
        ENC_OK
    );
    let mut info = EncPacketInfo::default();
    let st = unsafe { enc_get_frame(h, std::ptr::null_mut(), 0, &mut info, -1) };
    assert_eq!(st, ENC_ERR_BUFFER_TOO_SMALL);
    assert_eq!(
        last_error(h),
        format!(
            "capacity is 0 bytes, expected at least {} (the size of the next packet, which stays \
             queued)",
            info.size
        )
    );
    let mut buf = vec![0u8; info.size];
    let st = unsafe { enc_get_frame(h, buf.as_mut_ptr(), buf.len(), &mut info, 0) };
    assert_eq!((st, info.pts), (ENC_OK, 9));
    assert_eq!(enc_close(h), ENC_OK);

    // The headers are "headers", not a packet.
    assert_eq!(
        unsafe { enc_open_simple(ENC_CODEC_H265, 64, 64, 1000, &mut h) },
        ENC_OK
    );
    let (mut tiny, mut size) = ([0u8; 4], 0usize);
    let st = unsafe { enc_get_headers(h, tiny.as_mut_ptr(), tiny.len(), &mut size) };
    assert_eq!(st, ENC_ERR_BUFFER_TOO_SMALL);
    assert_eq!(
        last_error(h),
        format!("capacity is 4 bytes, expected at least {size} (the size of the headers)")
    );
    let st = unsafe { enc_get_headers(h, std::ptr::null_mut(), 1000, &mut size) };
    assert_eq!(st, ENC_ERR_INVALID_ARG);
    assert_eq!(
        last_error(h),
        format!(
            "buf is NULL with capacity 1000, expected a buffer for the {size} bytes of the headers"
        )
    );
    assert_eq!(enc_close(h), ENC_OK);

    // Unknown flag bits: the valid flags by name and value.
    let mut c = c_default_config();
    (c.codec, c.width, c.height, c.flags) = (ENC_CODEC_MJPEG, 64, 64, 0x31);
    assert_eq!(unsafe { enc_open(&c, &mut h) }, ENC_ERR_INVALID_ARG);
    assert_eq!(
        last_error(std::ptr::null()),
        "flags is 0x31, expected a combination of ENC_FLAG_PSNR (0x1), ENC_FLAG_RECON (0x2), \
         ENC_FLAG_MD5_SEI (0x4), ENC_FLAG_OPTIMIZE_HUFFMAN (0x8) (unknown bits 0x30)"
    );
}

#[test]
fn an_unsupported_codec_is_refused_as_such_when_every_channel_is_busy() {
    let _t = TABLE.write().unwrap_or_else(|e| e.into_inner());
    let _g = GLOBAL_ERROR.lock().unwrap_or_else(|e| e.into_inner());
    let all: Vec<Encoder> = (0..venc::config::MAX_CHANNELS)
        .map(|_| Encoder::open(cfg(16, 16)).expect("a free channel"))
        .collect();
    // Full: a supported codec is told to try again, H.264 that it never will work.
    let busy = Encoder::open(cfg(16, 16)).err().unwrap();
    assert_eq!(busy.status(), venc::Status::ERR_BUSY);
    let e = Encoder::open(EncoderConfig::new(CodecId::H264, 64, 64))
        .err()
        .unwrap();
    assert_eq!(e.status(), venc::Status::ERR_UNSUPPORTED, "{e}");
    let mut h: *mut EncEncoder = std::ptr::null_mut();
    let st = unsafe { enc_open_simple(ENC_CODEC_H264, 64, 64, 1000, &mut h) };
    assert_eq!((st, h), (ENC_ERR_UNSUPPORTED, std::ptr::null_mut()));
    assert_eq!(
        last_error(std::ptr::null()),
        "codec is 1 (H.264), expected 2 (H.265) or 3 (MJPEG): H.264 is not implemented"
    );
    assert_eq!(enc_open_channels(), venc::config::MAX_CHANNELS as i32);
    drop(all);
    assert_eq!(enc_open_channels(), 0);
}

/// Issue 12: the preset is a C setting (default veryfast; out of range named with the valid
/// ones); threads 0 means the cores available (at most 8), resolved at open; enc_open_simple
/// opens with the real-time choices.
#[test]
fn presets_and_automatic_threads() {
    let _t = shared();
    // The process-wide last error is read below: no other test may write it meanwhile.
    let _g = GLOBAL_ERROR.lock().unwrap_or_else(|e| e.into_inner());
    let mut c = c_default_config();
    assert_eq!(c.preset, ENC_PRESET_VERYFAST);
    c.codec = ENC_CODEC_H265;
    c.width = 64;
    c.height = 64;
    c.preset = 6;
    let mut h: *mut EncEncoder = std::ptr::null_mut();
    // SAFETY: valid config and out-pointer.
    assert_eq!(unsafe { enc_open(&c, &mut h) }, ENC_ERR_INVALID_ARG);
    let m = last_error(std::ptr::null());
    assert!(
        m.contains("preset is 6, expected 0..=5 (0 ultrafast, 1 superfast, 2 veryfast"),
        "{m}"
    );
    let mut r = EncoderConfig::new(CodecId::H265, 64, 64);
    r.threads = 0;
    r.preset = venc::Preset::Ultrafast;
    let e = Encoder::open(r).unwrap();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u32;
    assert_eq!(e.config().threads, cores.clamp(1, 8));
    drop(e);
}
