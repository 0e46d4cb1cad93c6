//! H.265 rate control on real clips: mean bitrate within +-5 % of the target over 300 frames,
//! a bitrate change taking effect within one second, and the stats the caller sees.
//! The 720p/1080p sweep the issue asks for runs with VENC_LONG_TESTS=1 (minutes at today's
//! speed); its results are recorded in BENCHMARKS.md.

mod common;

use venc::{CodecId, Encoder, EncoderConfig, Poll, RcMode};

/// Encodes `n` frames cycling through `clip` (low delay: one packet back per frame); calls
/// `at(i, enc)` before frame i. Returns per-frame (bits, qp, keyframe).
fn run(
    c: EncoderConfig,
    clip: &[Vec<u8>],
    n: usize,
    at: &dyn Fn(usize, &Encoder),
) -> Vec<(f64, i32, bool)> {
    let enc = Encoder::open(c).unwrap();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        at(i, &enc);
        // Play the clip forwards then backwards so the loop has no scene cut.
        let k = i % (2 * clip.len());
        let f = if k < clip.len() {
            &clip[k]
        } else {
            &clip[2 * clip.len() - 1 - k]
        };
        assert!(matches!(
            enc.send_packed(f, i as i64, -1).unwrap(),
            Poll::Ready(())
        ));
        match enc.get(-1).unwrap() {
            Poll::Ready(p) => out.push((p.data.len() as f64 * 8.0, p.qp, p.is_keyframe())),
            _ => panic!("no packet for frame {i}"),
        }
    }
    let st = enc.stats().unwrap();
    assert_eq!(st.frames_out, n as u64);
    out
}

fn kbps(frames: &[(f64, i32, bool)], fps: f64) -> f64 {
    frames.iter().map(|f| f.0).sum::<f64>() / frames.len() as f64 * fps / 1000.0
}

fn cbr(w: u32, h: u32, kbps: u32) -> EncoderConfig {
    let mut c = EncoderConfig::new(CodecId::H265, w, h);
    c.bitrate_kbps = kbps;
    c
}

#[test]
fn cbr_mean_within_5_percent_over_300_frames() {
    let clip = common::clip_nv12("carphone", 176, 144, 120);
    for target in [150, 600] {
        let f = run(cbr(176, 144, target), &clip, 300, &|_, _| {});
        let got = kbps(&f, 30.0);
        assert!(
            (got - target as f64).abs() <= 0.05 * target as f64,
            "target {target} kbps, got {got:.1}"
        );
        // Every intra period starts with a keyframe.
        for (i, fr) in f.iter().enumerate() {
            assert_eq!(fr.2, i % 30 == 0, "keyframe flag of frame {i}");
        }
    }
}

#[test]
fn vbr_and_constant_qp() {
    let clip = common::clip_nv12("carphone", 176, 144, 120);
    let mut c = cbr(176, 144, 400);
    c.rc_mode = RcMode::Vbr;
    let f = run(c, &clip, 300, &|_, _| {});
    let got = kbps(&f, 30.0);
    assert!(
        (got - 400.0).abs() <= 0.05 * 400.0,
        "VBR mean {got:.1} kbps for 400"
    );
    let mut c = cbr(176, 144, 400);
    c.rc_mode = RcMode::FixedQp;
    c.qp = 33;
    let f = run(c, &clip, 40, &|_, _| {});
    assert!(f.iter().all(|fr| fr.1 == 33), "fixed QP is fixed");
}

#[test]
fn bitrate_change_takes_effect_within_one_second() {
    let clip = common::clip_nv12("carphone", 176, 144, 120);
    let f = run(cbr(176, 144, 600), &clip, 300, &|i, e| {
        if i == 150 {
            e.set_bitrate(200).unwrap();
        }
    });
    // One second after the change, the rate is the new one.
    let after = kbps(&f[180..], 30.0);
    assert!(
        (after - 200.0).abs() <= 0.10 * 200.0,
        "after the change: {after:.1} kbps for 200"
    );
    let before = kbps(&f[30..150], 30.0);
    assert!(
        (before - 600.0).abs() <= 0.10 * 600.0,
        "before the change: {before:.1} kbps for 600"
    );
}

/// The sweep of the issue: 720p and 1080p real clips at 2000 and 8000 kbps, 300 frames.
#[test]
fn long_sweep_720p_1080p() {
    if std::env::var_os("VENC_LONG_TESTS").is_none() {
        eprintln!("skipped: set VENC_LONG_TESTS=1 (takes minutes)");
        return;
    }
    let clip = common::clip_nv12("bigbuckbunny", 1280, 720, 132);
    let up: Vec<Vec<u8>> = clip
        .iter()
        .map(|f| upscale_nv12(f, 1280, 720, 1920, 1080))
        .collect();
    for (w, h, frames) in [(1280u32, 720u32, &clip), (1920, 1080, &up)] {
        for target in [2000, 8000] {
            let f = run(cbr(w, h, target), frames, 300, &|_, _| {});
            let got = kbps(&f, 30.0);
            eprintln!("{w}x{h} target {target} kbps: {got:.1} kbps");
            assert!(
                (got - target as f64).abs() <= 0.05 * target as f64,
                "{w}x{h}: target {target}, got {got:.1}"
            );
        }
    }
}

/// Nearest-neighbour upscale of NV12 (content for the 1080p sweep).
fn upscale_nv12(f: &[u8], w: usize, h: usize, ow: usize, oh: usize) -> Vec<u8> {
    let mut o = vec![0u8; ow * oh * 3 / 2];
    for y in 0..oh {
        for x in 0..ow {
            o[y * ow + x] = f[(y * h / oh) * w + x * w / ow];
        }
    }
    for y in 0..oh / 2 {
        for x in 0..ow / 2 {
            let s = w * h + (y * h / oh) * w + 2 * (x * w / ow);
            o[ow * oh + y * ow + 2 * x] = f[s];
            o[ow * oh + y * ow + 2 * x + 1] = f[s + 1];
        }
    }
    o
}
