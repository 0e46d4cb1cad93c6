//! 32-channel soak: every channel the registry has, H.265 and MJPEG of small sizes, each with
//! its own send thread and get thread, random keyframe requests and bitrate changes, random send
//! timeouts. Per channel: frames in == packets out, in pts order with consecutive frame
//! numbers, each requested keyframe an IDR, no error from any call, EOF after the flush; the
//! stats agree; two of the streams (one per codec; their first 2000 packets) decode with ffmpeg
//! to as many pictures.
//! At the end nothing is open and the threads are back to their start count.
//!
//! About 10 s by default; `VENC_LONG=1` soaks for 5 minutes (`VENC_SOAK_SECS=N` sets it).
//! `VENC_SOAK_SEED` replays the random choices (the timing is the scheduler's).

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::Rng;
use venc::config::flags;
use venc::{CodecId, Encoder, EncoderConfig, Packet, Poll, RcMode};

const CHANNELS: usize = 32;
/// Streams kept whole and decoded at the end.
const DECODED: [usize; 2] = [0, 1];
/// Packets of those streams kept: enough to decode, few enough that the test's own memory does
/// not hide the library's in the VmRSS figures of a long soak.
const KEPT: usize = 2000;

struct Plan {
    codec: CodecId,
    w: u32,
    h: u32,
    cfg: EncoderConfig,
}

fn plan(i: usize, r: &mut Rng) -> Plan {
    // Channels 0, 3, 6, ... H.265 (a third of them: H.265 costs more), the rest MJPEG.
    let codec = if i % 3 == 0 {
        CodecId::H265
    } else {
        CodecId::Mjpeg
    };
    let (w, h) = match codec {
        CodecId::H265 => (
            16 * r.range(4, 10) as u32, // 64..160
            16 * r.range(3, 6) as u32,  // 48..96
        ),
        _ => (16 * r.range(4, 20) as u32, 16 * r.range(3, 15) as u32),
    };
    let mut cfg = EncoderConfig::new(codec, w, h);
    cfg.queue_depth = r.range(1, 6) as u32;
    cfg.threads = r.range(1, 2) as u32;
    cfg.intra_period = r.pick(&[0, 1, 10, 30]);
    cfg.rc_mode = r.pick(&[RcMode::Cbr, RcMode::Vbr, RcMode::ConstQuality]);
    cfg.bitrate_kbps = r.range(100, 2000) as u32;
    if r.chance(0.3) {
        cfg.flags |= flags::PSNR;
    }
    Plan { codec, w, h, cfg }
}

/// What a channel's sender did.
#[derive(Default)]
struct Sent {
    pts: Vec<i64>,
    /// pts of the frames sent right after a keyframe request.
    must_be_key: Vec<i64>,
    again: u64,
    bitrate_changes: u64,
}

/// What a channel's getter saw.
#[derive(Default)]
struct Got {
    pts: Vec<i64>,
    keys: Vec<i64>,
    errors: Vec<String>,
    bytes: u64,
    /// The first KEPT packets of the stream, for the channels in DECODED.
    stream: Vec<u8>,
    kept: usize,
}

fn sender(enc: Arc<Encoder>, p: &Plan, seed: u64, stop: Arc<AtomicBool>) -> (Sent, Vec<String>) {
    let mut r = Rng::new(seed);
    let frames: Vec<Vec<u8>> = (0..8)
        .map(|t| common::synthetic_nv12(p.w as usize, p.h as usize, t * 3))
        .collect();
    let mut s = Sent::default();
    let mut errors = Vec::new();
    let mut pts = r.range(-1_000_000, 1_000_000);
    let mut key_pending = false;
    while !stop.load(Ordering::Relaxed) {
        if !key_pending && r.chance(0.03) {
            match enc.request_keyframe() {
                Ok(()) => key_pending = true,
                Err(e) => errors.push(format!("request_keyframe: {e}")),
            }
        }
        if r.chance(0.02) {
            let kbps = r.range(50, 5000) as u32;
            match enc.set_bitrate(kbps) {
                Ok(()) => s.bitrate_changes += 1,
                Err(e) => errors.push(format!("set_bitrate({kbps}): {e}")),
            }
        }
        let timeout = r.pick(&[-1, 0, 5, 50]);
        let f = &frames[s.pts.len() % frames.len()];
        match enc.send_packed(f, pts, timeout) {
            Ok(Poll::Ready(())) => {
                s.pts.push(pts);
                if std::mem::take(&mut key_pending) {
                    s.must_be_key.push(pts);
                }
                pts += r.range(1, 3000);
            }
            Ok(Poll::Again) if timeout >= 0 => s.again += 1,
            Ok(other) => errors.push(format!("send (timeout {timeout}): {other:?}")),
            Err(e) => errors.push(format!("send: {e}")),
        }
        if errors.len() > 5 {
            break;
        }
    }
    if let Err(e) = enc.flush() {
        errors.push(format!("flush: {e}"));
    }
    (s, errors)
}

fn getter(enc: Arc<Encoder>, keep: bool) -> Got {
    let mut g = Got::default();
    loop {
        match enc.get(-1) {
            Ok(Poll::Ready(Packet {
                data,
                pts,
                frame_num,
                frame_type,
                ..
            })) => {
                if frame_num != g.pts.len() as u64 {
                    g.errors
                        .push(format!("frame_num {frame_num} for packet {}", g.pts.len()));
                }
                if frame_type == venc::api::FrameType::Idr {
                    g.keys.push(pts);
                }
                g.bytes += data.len() as u64;
                if keep && g.kept < KEPT {
                    g.kept += 1;
                    g.stream.extend_from_slice(&data);
                }
                g.pts.push(pts);
            }
            Ok(Poll::Eof) => break,
            Ok(Poll::Again) => g.errors.push("get(-1) returned Again".into()),
            Err(e) => {
                g.errors.push(format!("get: {e}"));
                break;
            }
        }
        if g.errors.len() > 5 {
            break;
        }
    }
    g
}

#[test]
fn thirty_two_channels_with_a_sender_and_a_getter_each_lose_nothing() {
    let (seed, secs) = common::start_seeded(
        "soak",
        "VENC_SOAK_SEED",
        "VENC_SOAK_SECS",
        (8, 300),
        "seconds of 32 channels",
    );
    let threads_before = common::proc_status("Threads");
    let rss_before = common::proc_status("VmRSS");
    let mut r = Rng::new(seed);
    let plans: Vec<Plan> = (0..CHANNELS).map(|i| plan(i, &mut r)).collect();
    let encoders: Vec<Arc<Encoder>> = plans
        .iter()
        .map(|p| Arc::new(Encoder::open(p.cfg.clone()).expect("open")))
        .collect();
    assert_eq!(venc::capi::enc_open_channels(), CHANNELS as i32);
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let mut rss_peak = 0;
    let results = std::thread::scope(|s| {
        let joins: Vec<_> = plans
            .iter()
            .zip(&encoders)
            .enumerate()
            .map(|(i, (p, enc))| {
                let (tx, stop) = (enc.clone(), stop.clone());
                let seed = r.u64();
                let send = s.spawn(move || sender(tx, p, seed, stop));
                let rx = enc.clone();
                let get = s.spawn(move || getter(rx, DECODED.contains(&i)));
                (send, get)
            })
            .collect();
        while start.elapsed() < Duration::from_secs(secs) {
            std::thread::sleep(Duration::from_millis(200));
            rss_peak = rss_peak.max(common::proc_status("VmRSS"));
        }
        stop.store(true, Ordering::Relaxed);
        joins
            .into_iter()
            .map(|(s, g)| (s.join().unwrap(), g.join().unwrap()))
            .collect::<Vec<_>>()
    });
    let elapsed = start.elapsed().as_secs_f64();

    let mut failures = Vec::new();
    let (mut frames, mut bytes, mut keys, mut again, mut rate_changes) = (0, 0, 0, 0, 0);
    let mut hevc_frames = 0;
    for (i, ((sent, send_errors), got)) in results.iter().enumerate() {
        let p = &plans[i];
        let stats = encoders[i].stats().expect("stats");
        let mut bad: Vec<String> = send_errors.iter().chain(&got.errors).cloned().collect();
        if got.pts != sent.pts {
            bad.push(format!(
                "{} frames in, {} packets out (first difference at {:?})",
                sent.pts.len(),
                got.pts.len(),
                got.pts.iter().zip(&sent.pts).position(|(a, b)| a != b)
            ));
        }
        let missing_keys: Vec<_> = sent
            .must_be_key
            .iter()
            .filter(|k| !got.keys.contains(k))
            .collect();
        if !missing_keys.is_empty() {
            bad.push(format!("requested keyframes not IDR: pts {missing_keys:?}"));
        }
        let n = sent.pts.len() as u64;
        if (stats.frames_in, stats.frames_out, stats.bytes_out) != (n, n, got.bytes) {
            bad.push(format!(
                "stats in {} out {} bytes {}, counted {n} frames {} bytes",
                stats.frames_in, stats.frames_out, stats.bytes_out, got.bytes
            ));
        }
        if n == 0 {
            bad.push("no frame was sent".into());
        }
        if !bad.is_empty() {
            failures.push(format!(
                "channel {i} ({:?} {}x{}): {}",
                p.codec,
                p.w,
                p.h,
                bad.join("; ")
            ));
        }
        frames += n;
        if p.codec == CodecId::H265 {
            hevc_frames += n;
        }
        bytes += got.bytes;
        keys += got.keys.len();
        again += sent.again;
        rate_changes += sent.bitrate_changes;
    }
    for &i in &DECODED {
        let (p, got) = (&plans[i], &results[i].1);
        let decoded = match p.codec {
            CodecId::H265 => common::hevc_ffmpeg_decode(&got.stream, "soak"),
            _ => {
                let f = common::temp_dir("soak").join("s.mjpeg");
                std::fs::write(&f, &got.stream).unwrap();
                common::run(
                    std::process::Command::new("ffmpeg")
                        .args(["-v", "error", "-xerror", "-f", "mjpeg", "-i"])
                        .arg(&f)
                        .args(["-f", "rawvideo", "-pix_fmt", "yuv420p", "-"]),
                )
            }
        };
        let pictures = decoded.len() / (p.w * p.h * 3 / 2) as usize;
        if pictures != got.kept || got.kept != got.pts.len().min(KEPT) {
            failures.push(format!(
                "channel {i} ({:?}): ffmpeg decoded {pictures} pictures of {} kept",
                p.codec, got.kept
            ));
        }
    }
    drop(results);
    for enc in encoders {
        Arc::try_unwrap(enc).ok().expect("one owner left").close();
    }
    let open = venc::capi::enc_open_channels();
    let threads_after = common::threads_settled(threads_before);
    let rss_after = common::proc_status("VmRSS");
    eprintln!(
        "soak: seed {seed}: {CHANNELS} channels ({} H.265) for {elapsed:.1} s: {frames} frames in \
         = packets out ({hevc_frames} H.265), {bytes} bytes, {keys} IDR, {rate_changes} bitrate \
         changes, {again} sends timed out; VmRSS {rss_before} kB before, {rss_peak} kB peak, {rss_after} kB after \
         closing; threads {threads_before} -> {threads_after}",
        plans.iter().filter(|p| p.codec == CodecId::H265).count()
    );
    common::assert_clean_run(
        "VENC_SOAK_SEED",
        seed,
        &failures,
        open,
        threads_before,
        threads_after,
    );
}
