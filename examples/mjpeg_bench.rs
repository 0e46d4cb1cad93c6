//! MJPEG encode speed on one picture, through the codec directly (no channel queue), so it is
//! comparable with tjbench's compress-only timing. Used by bench/mjpeg/run.sh; needs
//! `--features bench`.
//! Usage: mjpeg_bench FILE.nv12 WIDTH HEIGHT QUALITY THREADS SECONDS [RESTART_ROWS]

use std::time::{Duration, Instant};

use venc::bench::{Codec, FrameIn, MjpegEncoder};
use venc::config::{CodecId, EncoderConfig, RcMode};
use venc::frame::Picture;

fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() != 7 && a.len() != 8 {
        eprintln!(
            "usage: {} FILE.nv12 WIDTH HEIGHT QUALITY THREADS SECONDS [RESTART_ROWS]",
            a[0]
        );
        std::process::exit(2);
    }
    let data = std::fs::read(&a[1]).expect("read input");
    let (w, h): (u32, u32) = (a[2].parse().unwrap(), a[3].parse().unwrap());
    let mut cfg = EncoderConfig::new(CodecId::Mjpeg, w, h);
    cfg.rc_mode = RcMode::ConstQuality;
    cfg.quality = a[4].parse().unwrap();
    cfg.threads = a[5].parse().unwrap();
    if cfg.threads > 1 {
        cfg.restart_rows = 1;
    }
    if let Some(r) = a.get(7) {
        cfg.restart_rows = r.parse().unwrap();
    }
    let secs: f64 = a[6].parse().unwrap();
    let ysz = (w * h) as usize;
    let pic = Picture {
        width: w,
        height: h,
        y: data[..ysz].to_vec(),
        uv: data[ysz..ysz * 3 / 2].to_vec(),
    };
    let mut enc = MjpegEncoder::new(&cfg).unwrap();
    let mut n = 0u64;
    let mut bytes = 0usize;
    // Warm-up, then timed.
    for _ in 0..3 {
        bytes = enc
            .encode(&FrameIn {
                pic: &pic,
                force_keyframe: false,
            })
            .unwrap()
            .data
            .len();
    }
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs_f64(secs) {
        enc.encode(&FrameIn {
            pic: &pic,
            force_keyframe: false,
        })
        .unwrap();
        n += 1;
    }
    let el = t.elapsed().as_secs_f64();
    let mpix = n as f64 * (w * h) as f64 / el / 1e6;
    println!(
        "venc threads={} frames={} {:.1} Mpixel/s ({} bytes/frame)",
        cfg.threads, n, mpix, bytes
    );
}
