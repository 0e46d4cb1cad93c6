//! H.265 intra pictures judged by real decoders: for every case the encoder's reconstruction
//! must equal ffmpeg's decode (`-xerror -err_detect crccheck+explode`, MD5 SEI present) and
//! libde265's decode (`libde265-dec265 -c`, which checks the MD5 too), byte for byte.

mod common;

use std::process::Command;

use venc::{config::flags, CodecId, Encoder, EncoderConfig, Poll, RcMode};

const QPS: [u32; 6] = [0, 12, 22, 32, 42, 51];

fn cfg(w: u32, h: u32, qp: u32) -> EncoderConfig {
    let mut c = EncoderConfig::new(CodecId::H265, w, h);
    c.rc_mode = RcMode::FixedQp;
    c.qp = qp;
    c.intra_period = 1;
    c.flags = flags::RECON | flags::MD5_SEI | flags::PSNR;
    c
}

/// Encodes the frames; returns the stream and the concatenated reconstruction (I420).
fn encode(c: EncoderConfig, frames: &[Vec<u8>]) -> (Vec<u8>, Vec<u8>, Vec<venc::Packet>) {
    let enc = Encoder::open(c).unwrap();
    let mut pkts = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        // Both queues are bounded: when the input is full, take a packet out and retry.
        while let Poll::Again = enc.send_packed(f, i as i64, 0).unwrap() {
            if let Poll::Ready(p) = enc.get(-1).unwrap() {
                pkts.push(p);
            }
        }
    }
    enc.flush().unwrap();
    while let Poll::Ready(p) = enc.get(-1).unwrap() {
        pkts.push(p);
    }
    assert_eq!(pkts.len(), frames.len(), "one access unit per frame");
    let mut stream = Vec::new();
    let mut recon = Vec::new();
    for p in &pkts {
        stream.extend_from_slice(&p.data);
        recon.extend_from_slice(&p.recon.as_ref().expect("recon requested").to_i420());
    }
    (stream, recon, pkts)
}

/// Synthetic content of a kind: flat, gradient, noise, sharp edges.
fn synthetic(kind: &str, w: usize, h: usize) -> Vec<u8> {
    let mut f = vec![0u8; w * h * 3 / 2];
    let mut seed = 0x1234_5678u32 ^ (w * 31 + h) as u32;
    let mut rnd = || {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        (seed >> 16) as u8
    };
    for y in 0..h {
        for x in 0..w {
            f[y * w + x] = match kind {
                "flat" => 16,
                "gradient" => ((x * 255) / w.max(1) / 2 + (y * 255) / h.max(1) / 2) as u8,
                "noise" => rnd(),
                _ => {
                    // Text-like: thin strokes and hard steps between 16 and 235.
                    if (x / 3 + y / 5) % 4 == 0 || (x % 11 == 0 && y % 7 < 5) {
                        235
                    } else {
                        16
                    }
                }
            };
        }
    }
    for i in 0..w * h / 2 {
        f[w * h + i] = match kind {
            "flat" => 128,
            "gradient" => (64 + (i % w) * 128 / w.max(1)) as u8,
            "noise" => rnd(),
            _ => {
                if i % 2 == 0 {
                    90
                } else {
                    170
                }
            }
        };
    }
    f
}

fn content_set(w: usize, h: usize) -> Vec<Vec<u8>> {
    let mut v = vec![
        common::photo_nv12("astronaut", 512, 512, w, h),
        common::photo_nv12("text", 448, 172, w, h),
    ];
    for k in ["flat", "gradient", "noise", "edges"] {
        v.push(synthetic(k, w, h));
    }
    v
}

/// Small sizes: every QP, every kind of content (one stream of six pictures per case).
#[test]
fn small_sizes_every_qp_every_content() {
    for (w, h) in [(16, 16), (24, 40), (64, 64), (176, 144), (200, 120)] {
        let frames = content_set(w, h);
        for qp in QPS {
            let (s, r, pkts) = encode(cfg(w as u32, h as u32, qp), &frames);
            for p in &pkts {
                assert!(p.is_keyframe() && p.qp == qp as i32);
            }
            common::judge_hevc(&s, &r, &format!("{w}x{h}-qp{qp}"));
        }
    }
}

/// Odd multiples of two that need a conformance window on both axes.
#[test]
fn sizes_needing_a_conformance_window() {
    for (w, h) in [(18, 30), (34, 22), (130, 66)] {
        let frames = content_set(w, h);
        for qp in [4, 30] {
            let (s, r, _) = encode(cfg(w as u32, h as u32, qp), &frames);
            common::judge_hevc(&s, &r, &format!("{w}x{h}-qp{qp}"));
        }
    }
}

/// Frames of real clips: carphone (176x144) at every QP and bigbuckbunny at 1280x720.
#[test]
fn real_clips() {
    let frames = common::clip_nv12("carphone", 176, 144, 3);
    for qp in QPS {
        let (s, r, _) = encode(cfg(176, 144, qp), &frames);
        common::judge_hevc(&s, &r, &format!("carphone-qp{qp}"));
    }
    let frames = common::clip_nv12("bigbuckbunny", 1280, 720, 2);
    for qp in [0, 22, 37, 51] {
        let (s, r, _) = encode(cfg(1280, 720, qp), &frames);
        common::judge_hevc(&s, &r, &format!("bbb720-qp{qp}"));
    }
}

#[test]
fn full_hd_photo() {
    let f = common::content("photos/astronaut_1920x1080.nv12");
    for qp in [12, 32] {
        let (s, r, pkts) = encode(cfg(1920, 1080, qp), std::slice::from_ref(&f));
        let psnr = pkts[0].psnr.unwrap();
        assert!(
            psnr[0] > if qp == 12 { 45.0 } else { 38.0 },
            "PSNR-Y {psnr:?} at QP {qp}"
        );
        common::judge_hevc(&s, &r, &format!("1080p-qp{qp}"));
    }
}

/// One frame each of 4096x2160 and 4096x4096 (level 5 and level 6 streams).
#[test]
fn largest_pictures() {
    for (name, w, h, qp) in [("coffee", 4096, 2160, 27), ("astronaut", 4096, 4096, 37)] {
        let f = common::content(&format!("photos/{name}_{w}x{h}.nv12"));
        let (s, r, _) = encode(cfg(w, h, qp), std::slice::from_ref(&f));
        // general_level_idc is the 12th byte of the profile_tier_level in the VPS (after the
        // start code, the 2-byte NAL header and 4 bytes of VPS fields), once the emulation
        // prevention bytes are taken out.
        let mut rbsp = Vec::new();
        for &b in &s[4..40] {
            if b == 3 && rbsp.ends_with(&[0, 0]) {
                continue;
            }
            rbsp.push(b);
        }
        let level = rbsp[2 + 4 + 11];
        assert_eq!(
            level,
            if h == 4096 { 180 } else { 150 },
            "level_idc for {w}x{h}"
        );
        common::judge_hevc(&s, &r, &format!("{w}x{h}"));
    }
}

/// The decoders do check the MD5: a stream whose hash is wrong must be refused by both, so
/// the checks above would catch a reconstruction that matched by accident of our own cropping.
#[test]
fn decoders_refuse_a_wrong_picture_hash() {
    let frames = content_set(64, 64);
    let (mut s, _, _) = encode(cfg(64, 64, 30), &frames[..1]);
    // The SEI is the last NAL: flip a byte of the last MD5 (before the trailing 0x80).
    let n = s.len();
    s[n - 2] ^= 0x55;
    let d = common::temp_dir("hevc-badmd5");
    let p = d.join("s.h265");
    std::fs::write(&p, &s).unwrap();
    let ff = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-xerror",
            "-err_detect",
            "crccheck+explode",
            "-i",
        ])
        .arg(&p)
        .args(["-f", "null", "-"])
        .output()
        .unwrap();
    assert!(!ff.status.success(), "ffmpeg accepted a wrong MD5");
    let de = Command::new("libde265-dec265")
        .args(["-c", "-q"])
        .arg(&p)
        .output()
        .unwrap();
    let msg =
        String::from_utf8_lossy(&de.stderr).to_string() + &String::from_utf8_lossy(&de.stdout);
    assert!(
        !de.status.success() || msg.contains("MD5"),
        "libde265 accepted a wrong MD5: {msg}"
    );
}

/// Rate control on an all-intra stream holds a bitrate target roughly (the precise
/// accuracy tests come with the inter issue).
#[test]
fn cbr_intra_stream_lands_near_its_target() {
    let frames = common::clip_nv12("carphone", 176, 144, 30);
    let mut c = EncoderConfig::new(CodecId::H265, 176, 144);
    c.bitrate_kbps = 1500;
    c.intra_period = 1;
    let (s, _, _) = {
        let mut c2 = c.clone();
        c2.flags = flags::RECON;
        encode(c2, &frames)
    };
    let kbps = s.len() as f64 * 8.0 * 30.0 / frames.len() as f64 / 1000.0;
    assert!(
        (kbps - 1500.0).abs() / 1500.0 < 0.25,
        "mean {kbps:.0} kbps for a 1500 kbps target"
    );
}
