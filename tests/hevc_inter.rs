//! H.265 P pictures judged by real decoders: the encoder's reconstruction must equal ffmpeg's
//! decode (MD5 SEI checked, `-err_detect crccheck+explode`) and libde265's, byte for byte, over
//! intra periods, forced keyframes, bitrate changes, real clips with motion and synthetic pans
//! that push motion vectors out of the picture.

mod common;

use venc::{config::flags, CodecId, Encoder, EncoderConfig, Poll, RcMode};

fn cfg(w: u32, h: u32, qp: u32, period: u32) -> EncoderConfig {
    let mut c = EncoderConfig::new(CodecId::H265, w, h);
    c.rc_mode = RcMode::FixedQp;
    c.qp = qp;
    c.intra_period = period;
    c.flags = flags::RECON | flags::MD5_SEI;
    c
}

/// Encodes; `at(i, enc)` runs before frame i is sent (keyframe requests, bitrate changes).
fn encode(
    c: EncoderConfig,
    frames: &[Vec<u8>],
    at: &dyn Fn(usize, &Encoder),
) -> (Vec<u8>, Vec<u8>, Vec<venc::Packet>) {
    let enc = Encoder::open(c).unwrap();
    let mut pkts = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        // Low delay: the packet of frame i is ready before frame i + 1 is sent.
        at(i, &enc);
        assert!(matches!(
            enc.send_packed(f, 100 + i as i64, -1).unwrap(),
            Poll::Ready(())
        ));
        match enc.get(-1).unwrap() {
            Poll::Ready(p) => pkts.push(p),
            other => panic!("no packet for frame {i}: {:?}", matches!(other, Poll::Eof)),
        }
    }
    enc.flush().unwrap();
    assert!(
        matches!(enc.get(-1).unwrap(), Poll::Eof),
        "EOF after the flush"
    );
    let mut stream = Vec::new();
    let mut recon = Vec::new();
    for (i, p) in pkts.iter().enumerate() {
        assert_eq!(p.pts, 100 + i as i64);
        assert_eq!(p.frame_num, i as u64);
        stream.extend_from_slice(&p.data);
        recon.extend_from_slice(&p.recon.as_ref().unwrap().to_i420());
    }
    (stream, recon, pkts)
}

fn types(pkts: &[venc::Packet]) -> String {
    pkts.iter()
        .map(|p| if p.is_keyframe() { 'I' } else { 'P' })
        .collect()
}

#[test]
fn intra_periods_and_forced_keyframe() {
    let frames = common::clip_nv12("carphone", 176, 144, 12);
    for (period, want) in [
        (1, "IIIIIIIIIIII"),
        (2, "IPIPIPIPIPIP"),
        (30, "IPPPPPPPPPPP"),
        (0, "IPPPPPPPPPPP"),
    ] {
        let (s, r, pkts) = encode(cfg(176, 144, 30, period), &frames, &|_, _| {});
        assert_eq!(types(&pkts), want, "intra period {period}");
        common::judge_hevc(&s, &r, &format!("period{period}"));
    }
    // A keyframe request before frame 5: frame 5 is an IDR and the period restarts there.
    let (s, r, pkts) = encode(cfg(176, 144, 27, 4), &frames, &|i, e| {
        if i == 5 {
            e.request_keyframe().unwrap();
        }
    });
    assert_eq!(types(&pkts), "IPPPIIPPPIPP");
    common::judge_hevc(&s, &r, "forced");
    // Parameter sets precede each IDR and only IDRs.
    for p in &pkts {
        let vps_first = p.data.len() > 5 && p.data[..4] == [0, 0, 0, 1] && p.data[4] >> 1 == 32;
        assert_eq!(vps_first, p.is_keyframe());
    }
}

#[test]
fn every_qp_on_a_clip_with_motion() {
    let frames = common::clip_nv12("bikes", 640, 272, 6);
    for qp in [0, 12, 22, 32, 42, 51] {
        let (s, r, _) = encode(cfg(640, 272, qp, 30), &frames, &|_, _| {});
        common::judge_hevc(&s, &r, &format!("bikes-qp{qp}"));
    }
}

#[test]
fn big_buck_bunny_720p_with_bitrate_changes() {
    let frames = common::clip_nv12("bigbuckbunny", 1280, 720, 8);
    let mut c = EncoderConfig::new(CodecId::H265, 1280, 720);
    c.bitrate_kbps = 3000;
    c.flags = flags::RECON | flags::MD5_SEI;
    let (s, r, pkts) = encode(c, &frames, &|i, e| {
        if i == 4 {
            e.set_bitrate(800).unwrap();
        }
    });
    assert_eq!(types(&pkts), "IPPPPPPP");
    common::judge_hevc(&s, &r, "bbb720-cbr");
}

/// A pan that runs off the picture, on a size that needs a conformance window: vectors and
/// merge candidates point outside, so the reference padding must match the decoders'.
#[test]
fn pans_out_of_the_picture() {
    let (w, h) = (200, 120);
    let src = common::photo_nv12("astronaut", 512, 512, 512, 512);
    let frames: Vec<Vec<u8>> = (0..10)
        .map(|t| {
            let (ox, oy) = (t * 13 % 300, (t * 7) % 300);
            let mut f = vec![0u8; w * h * 3 / 2];
            for y in 0..h {
                for x in 0..w {
                    f[y * w + x] = src[(y + oy) * 512 + x + ox];
                }
            }
            for y in 0..h / 2 {
                for x in 0..w {
                    f[w * h + y * w + x] = src[512 * 512 + (y + oy / 2) * 512 + (x + ox / 2 * 2)];
                }
            }
            f
        })
        .collect();
    for qp in [17, 37] {
        let (s, r, _) = encode(cfg(w as u32, h as u32, qp, 30), &frames, &|_, _| {});
        common::judge_hevc(&s, &r, &format!("pan-qp{qp}"));
    }
    // Sizes with padding on both axes and a moving synthetic scene.
    let frames: Vec<Vec<u8>> = (0..8)
        .map(|t| common::synthetic_nv12(90, 46, t * 3))
        .collect();
    let (s, r, _) = encode(cfg(90, 46, 25, 30), &frames, &|_, _| {});
    common::judge_hevc(&s, &r, "synthetic-90x46");
}

#[test]
fn full_hd_p_frames() {
    let frames: Vec<Vec<u8>> = (0..3)
        .map(|t| common::synthetic_nv12(1920, 1080, t * 4))
        .collect();
    let (s, r, pkts) = encode(cfg(1920, 1080, 32, 30), &frames, &|_, _| {});
    assert_eq!(types(&pkts), "IPP");
    common::judge_hevc(&s, &r, "1080p");
}

/// P pictures cost far less than the IDR on a static-camera clip: inter prediction works.
#[test]
fn p_pictures_are_cheap_on_a_static_scene() {
    let frames = common::clip_nv12("carphone", 176, 144, 10);
    let (_, _, pkts) = encode(cfg(176, 144, 30, 30), &frames, &|_, _| {});
    let idr = pkts[0].data.len();
    let p_mean = pkts[1..].iter().map(|p| p.data.len()).sum::<usize>() / (pkts.len() - 1);
    assert!(p_mean * 3 < idr, "P mean {p_mean} bytes vs IDR {idr}");
}

/// Several threads: wavefront rows (entropy_coding_sync, entry points). Both decoders must
/// match the reconstruction; any thread count above one gives the same stream (decisions never
/// depend on timing); one thread keeps the plain single-substream stream. Sizes: many rows,
/// one CTU column (no context sync: every row starts from initialisation), one CTU row (no
/// entry points), a conformance window, and 1080p.
#[test]
fn wavefront_threads() {
    let with_threads = |mut c: EncoderConfig, t: u32, frames: &[Vec<u8>]| {
        c.threads = t;
        encode(c, frames, &|i, e| {
            if i == 3 {
                e.request_keyframe().unwrap();
            }
        })
    };
    let bikes = common::clip_nv12("bikes", 640, 272, 6);
    let (s2, r2, _) = with_threads(cfg(640, 272, 27, 30), 2, &bikes);
    common::judge_hevc(&s2, &r2, "wpp-bikes-2");
    let (s3, _, _) = with_threads(cfg(640, 272, 27, 30), 3, &bikes);
    assert!(s2 == s3, "2 and 3 threads give different streams");
    let (s1, r1, _) = with_threads(cfg(640, 272, 27, 30), 1, &bikes);
    common::judge_hevc(&s1, &r1, "wpp-bikes-1");
    assert!(s1 != s2, "one thread codes without wavefront substreams");
    for (w, h, t) in [(24, 200, 2), (328, 24, 2), (90, 46, 4), (1920, 1080, 2)] {
        let frames: Vec<Vec<u8>> = (0..4)
            .map(|k| common::synthetic_nv12(w, h, k * 5))
            .collect();
        let (s, r, _) = with_threads(cfg(w as u32, h as u32, 30, 30), t, &frames);
        common::judge_hevc(&s, &r, &format!("wpp-{w}x{h}-t{t}"));
    }
}

/// Issue 12: every preset decodes bit-exact in ffmpeg and libde265 (an I picture, P pictures,
/// a forced keyframe), gives its own stream (each preset decides differently), and the preset x
/// thread-count matrix holds: 2 and 3 threads give the same stream for each preset.
#[test]
fn every_preset_bit_exact_and_thread_invariant() {
    let bikes = common::clip_nv12("bikes", 640, 272, 5);
    let mut streams = Vec::new();
    for p in venc::Preset::ALL {
        let mut by_threads = Vec::new();
        for t in [1, 2, 3] {
            let mut c = cfg(640, 272, 30, 30);
            c.preset = p;
            c.threads = t;
            let (s, r, _) = encode(c, &bikes, &|i, e| {
                if i == 3 {
                    e.request_keyframe().unwrap();
                }
            });
            if t != 3 {
                common::judge_hevc(&s, &r, &format!("preset-{}-t{t}", p.name()));
            }
            by_threads.push(s);
        }
        assert!(
            by_threads[1] == by_threads[2],
            "{}: 2 and 3 threads differ",
            p.name()
        );
        streams.push(by_threads.swap_remove(0));
    }
    for i in 0..streams.len() {
        for j in i + 1..streams.len() {
            assert!(
                streams[i] != streams[j],
                "presets {} and {} code the same stream",
                venc::Preset::ALL[i].name(),
                venc::Preset::ALL[j].name()
            );
        }
    }
}
