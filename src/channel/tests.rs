//! Channel tests that need the test-only hooks (a panicking codec, a codec constructor held at
//! a gate), so they live inside the crate. They drive channels through the registry, as the
//! safe API and the C API do.

use std::sync::mpsc;
use std::time::Duration;

use super::hooks::block_codec_build;
use super::{registry, Channel, Poll};
use crate::config::{CodecId, EncoderConfig, RcMode};
use crate::error::{Result, Status};
use crate::frame::FrameRef;

/// Bounds waits that would hang if the behaviour under test were broken; never reached when
/// it works, so nothing here depends on timing.
const HANG: Duration = Duration::from_secs(60);

fn cfg(w: u32, h: u32) -> EncoderConfig {
    let mut c = EncoderConfig::new(CodecId::Mjpeg, w, h);
    c.rc_mode = RcMode::ConstQuality;
    c.quality = 75;
    c
}

/// Opens a channel as `Encoder::open` and `enc_open` do; returns its handle.
fn open(cfg: EncoderConfig) -> Result<usize> {
    super::open(cfg).map(|(h, _)| h)
}

fn close(handle: usize) {
    registry::remove(handle).expect("open").close();
}

fn channel(handle: usize) -> std::sync::Arc<Channel> {
    registry::get(handle).expect("open")
}

/// The scene of tests/common's `synthetic_nv12` (gradient, moving box, chroma ramps), so the
/// panic test, moved here from tests/channels.rs, codes the very same streams as before.
fn synthetic_nv12(w: usize, h: usize, t: usize) -> Vec<u8> {
    let mut out = vec![0u8; w * h * 3 / 2];
    for y in 0..h {
        for x in 0..w {
            let mut v = ((x + 3 * t) * 255 / w.max(1)) as u32 ^ ((y * 7) as u32 & 0x1f);
            let bx = (t * 5) % w.max(1);
            if x >= bx && x < bx + w / 4 && y >= h / 3 && y < h / 3 + h / 4 {
                v = 235;
            }
            out[y * w + x] = v as u8;
        }
    }
    for y in 0..h / 2 {
        for x in 0..w / 2 {
            out[w * h + y * w + 2 * x] = (128 + (x as i32 - (w / 4) as i32) / 4) as u8;
            out[w * h + y * w + 2 * x + 1] = (128 + (y as i32 - (h / 4) as i32) / 4) as u8;
        }
    }
    out
}

/// Sends scene picture `t`, looking the handle up (as every C call does).
fn send(handle: usize, t: usize, pts: i64, timeout_ms: i32) -> Result<Poll<()>> {
    let c = channel(handle).config().clone();
    let f = synthetic_nv12(c.width as usize, c.height as usize, t);
    let fr = FrameRef::packed(c.width, c.height, &f).unwrap();
    channel(handle).send(&fr, pts, timeout_ms)
}

/// Sends scene picture 0 and waits for its packet.
fn round_trip(handle: usize, pts: i64) -> i64 {
    assert!(matches!(send(handle, 0, pts, -1), Ok(Poll::Ready(()))));
    match channel(handle).get(-1) {
        Ok(Poll::Ready(p)) => p.pts,
        other => panic!("expected a packet, got {other:?}"),
    }
}

/// Runs `f` on another thread; its result, or a failure naming `what` if it never finishes.
fn finishes<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(HANG)
        .unwrap_or_else(|_| panic!("{what} did not finish while another open was in progress"))
}

#[test]
fn panic_in_codec_fails_only_its_channel() {
    let a = open(cfg(64, 48)).unwrap();
    let b = open(cfg(64, 48)).unwrap();
    assert_eq!(round_trip(a, 1), 1);
    channel(a).inject_panic();
    send(a, 0, 2, -1).unwrap();
    let e = loop {
        match channel(a).get(-1) {
            Err(e) => break e,
            Ok(Poll::Ready(_)) => panic!("no packet expected"),
            Ok(_) => {}
        }
    };
    assert_eq!(e.status(), Status::ERR_INTERNAL, "{e}");
    assert!(
        e.to_string()
            .contains("the codec panicked on frame 1: injected test panic"),
        "{e}"
    );
    // Later calls keep reporting it; the other channel goes on.
    assert_eq!(send(a, 0, 3, 0).unwrap_err().status(), Status::ERR_INTERNAL);
    assert_eq!(round_trip(b, 9), 9);
    close(a);
    close(b);
}

/// Opening a channel must not hold the registry's lock while the codec is built: with one open
/// held inside the codec constructor, another channel still sends and gets through its handle,
/// a third opens, works and closes, and the held channel's number is taken (BUSY).
#[test]
fn an_open_in_progress_does_not_stall_other_channels() {
    // Channel 30: no other test here asks for it, and first-free opens take low numbers.
    const HELD: u32 = 30;
    let other = open(cfg(64, 64)).unwrap();
    let gate = block_codec_build(HELD as usize);
    let held = std::thread::spawn(|| {
        let mut c = cfg(96, 64);
        c.channel = Some(HELD);
        open(c)
    });
    assert!(
        gate.wait_until_holding(HANG),
        "the open of channel {HELD} never reached the codec constructor"
    );

    let pts = finishes("send+get on an open channel", move || round_trip(other, 7));
    assert_eq!(pts, 7);
    let (number, pts) = finishes("an open of another channel", || {
        let h = open(cfg(64, 64)).unwrap();
        let number = channel(h).number;
        let pts = round_trip(h, 8);
        close(h);
        (number, pts)
    });
    assert_ne!(number, HELD as usize);
    assert_eq!(pts, 8);
    let busy = finishes("an open of the held channel number", || {
        let mut c = cfg(64, 64);
        c.channel = Some(HELD);
        open(c).err()
    })
    .expect("the held channel number is taken");
    assert_eq!(busy.status(), Status::ERR_BUSY, "{busy}");
    assert!(
        busy.to_string().contains("channel 30 is already open"),
        "{busy}"
    );

    drop(gate);
    let h = held
        .join()
        .unwrap()
        .expect("the held open completes once released");
    assert_eq!(channel(h).number, HELD as usize);
    assert_eq!(round_trip(h, 5), 5);
    close(h);
    close(other);
}

/// Decodes an H.265 stream with ffmpeg into I420 frames; None (and a SKIPPED line) without it.
fn ffmpeg_decode(stream: &[u8], tag: &str) -> Option<Vec<u8>> {
    let dir = std::env::temp_dir().join(format!("venc-unit-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("in.h265");
    std::fs::write(&input, stream).unwrap();
    let out = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-xerror", "-f", "hevc", "-i"])
        .arg(&input)
        .args(["-f", "rawvideo", "-pix_fmt", "yuv420p", "-"])
        .output();
    let _ = std::fs::remove_dir_all(&dir);
    match out {
        Ok(o) if o.status.success() => Some(o.stdout),
        Ok(o) => panic!("ffmpeg failed: {}", String::from_utf8_lossy(&o.stderr)),
        Err(_) => {
            eprintln!("SKIPPED: ffmpeg not found, the stream is not decoded");
            None
        }
    }
}

/// Issue 16: a frame that runs out of memory in the middle of its picture (wavefront rows
/// abandoned on every thread) fails alone with NO_MEMORY naming the frame; the channel goes on,
/// and the stream without that frame decodes to the encoder's reconstructions (its reference
/// was untouched). A failed IDR makes the next picture the IDR.
#[test]
fn a_frame_out_of_memory_fails_alone() {
    for threads in [1, 2] {
        let mut c = EncoderConfig::new(CodecId::H265, 176, 144);
        c.rc_mode = RcMode::ConstQuality;
        c.qp = 32;
        c.threads = threads;
        c.flags = crate::config::flags::RECON;
        let h = open(c).unwrap();
        let (mut stream, mut recon) = (Vec::new(), Vec::new());
        let mut kinds = Vec::new();
        for t in 0..7 {
            if t == 0 || t == 3 {
                channel(h).inject_no_memory();
            }
            assert!(matches!(send(h, t, t as i64, -1), Ok(Poll::Ready(()))));
            match channel(h).get(-1) {
                Ok(Poll::Ready(p)) => {
                    assert_eq!(p.pts, t as i64);
                    kinds.push((t, p.is_keyframe()));
                    stream.extend_from_slice(&p.data);
                    recon.extend_from_slice(&p.recon.expect("recon").to_i420());
                }
                Err(e) => {
                    assert!(t == 0 || t == 3, "frame {t} failed: {e}");
                    assert_eq!(e.status(), Status::ERR_NO_MEMORY, "{e}");
                    let m = e.to_string();
                    assert!(
                        m.contains(&format!("frame {t} (pts {t}) was not encoded")),
                        "{m}"
                    );
                }
                other => panic!("frame {t}: {other:?}"),
            }
        }
        assert_eq!(
            kinds,
            vec![(1, true), (2, false), (4, false), (5, false), (6, false)],
            "threads {threads}: frame 1 is the IDR, 0 and 3 are lost"
        );
        let stats = channel(h).stats().unwrap();
        assert_eq!((stats.frames_in, stats.frames_out), (7, 5));
        close(h);
        if let Some(dec) = ffmpeg_decode(&stream, &format!("oom{threads}")) {
            assert!(
                dec == recon,
                "threads {threads}: decoder and encoder disagree"
            );
        }
    }
}
