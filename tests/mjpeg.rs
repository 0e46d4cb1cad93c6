//! MJPEG judged by real decoders (jpeg-decoder crate, libjpeg-turbo's djpeg, ffmpeg) on real
//! photos and clips: quality, sizes, threads, rate control.

mod common;

use std::process::Command;

use venc::{CodecId, Encoder, EncoderConfig, Poll, RcMode};

fn encode_frames(cfg: EncoderConfig, frames: &[Vec<u8>]) -> Vec<venc::Packet> {
    let enc = Encoder::open(cfg).unwrap();
    let mut out = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        assert!(matches!(
            enc.send_packed(f, i as i64, -1).unwrap(),
            Poll::Ready(())
        ));
        while let Poll::Ready(p) = enc.get(0).unwrap() {
            out.push(p);
        }
    }
    enc.flush().unwrap();
    while let Poll::Ready(p) = enc.get(-1).unwrap() {
        out.push(p);
    }
    assert_eq!(out.len(), frames.len());
    out
}

fn cq(w: u32, h: u32, q: u32) -> EncoderConfig {
    let mut c = EncoderConfig::new(CodecId::Mjpeg, w, h);
    c.rc_mode = RcMode::ConstQuality;
    c.quality = q;
    c
}

/// Y plane of a JPEG decoded by ffmpeg: yuvj420p (full range, as JFIF) so no range conversion.
fn ffmpeg_y(jpeg: &[u8], w: usize, h: usize) -> Vec<u8> {
    let dir = common::temp_dir("mjpeg-ff");
    let p = dir.join("f.jpg");
    std::fs::write(&p, jpeg).unwrap();
    let raw = common::run(
        Command::new("ffmpeg")
            .args(["-v", "error", "-xerror", "-i"])
            .arg(&p)
            .args(["-f", "rawvideo", "-pix_fmt", "yuvj420p", "-"]),
    );
    assert_eq!(raw.len(), w * h * 3 / 2, "ffmpeg output size");
    raw[..w * h].to_vec()
}

/// Y plane as decoded by libjpeg-turbo's djpeg (grayscale output = the Y component).
fn djpeg_y(jpeg: &[u8], w: usize, h: usize) -> Vec<u8> {
    let dir = common::temp_dir("mjpeg-dj");
    let p = dir.join("f.jpg");
    std::fs::write(&p, jpeg).unwrap();
    let pgm = common::run(Command::new("djpeg").args(["-grayscale", "-pnm"]).arg(&p));
    // PGM: "P5\n<w> <h>\n255\n" then the samples.
    let mut fields = 0;
    let mut i = 0;
    while fields < 4 {
        while pgm[i].is_ascii_whitespace() {
            i += 1;
        }
        while !pgm[i].is_ascii_whitespace() {
            i += 1;
        }
        fields += 1;
    }
    let data = &pgm[i + 1..];
    assert_eq!(data.len(), w * h, "djpeg size");
    data.to_vec()
}

fn rust_decode_y(jpeg: &[u8], w: usize, h: usize) -> Vec<u8> {
    let mut d = jpeg_decoder::Decoder::new(jpeg);
    let px = d.decode().expect("jpeg-decoder decodes it");
    let info = d.info().unwrap();
    assert_eq!((info.width as usize, info.height as usize), (w, h));
    // jpeg-decoder converts to RGB: recover luma with the JFIF matrix (approximate).
    px.chunks_exact(3)
        .map(|p| (0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64).round() as u8)
        .collect()
}

#[test]
fn photos_at_quality_90_reach_40_db_in_every_decoder() {
    for (name, w, h) in [
        ("astronaut", 512, 512),
        ("coffee", 600, 400),
        ("motorcycle", 740, 500),
        ("rocket", 640, 426),
        ("chelsea", 450, 300),
    ] {
        let f = common::photo_nv12(name, w, h, w, h);
        let p = &encode_frames(cq(w as u32, h as u32, 90), std::slice::from_ref(&f))[0];
        let src_y = &f[..w * h];
        let ff = ffmpeg_y(&p.data, w, h);
        let dj = djpeg_y(&p.data, w, h);
        let (pf, pd) = (common::psnr(src_y, &ff), common::psnr(src_y, &dj));
        assert!(pf >= 40.0, "{name}: ffmpeg PSNR-Y {pf:.2}");
        assert!(pd >= 40.0, "{name}: djpeg PSNR-Y {pd:.2}");
        // Both decoders agree with each other to within IDCT rounding.
        assert!(common::psnr(&ff, &dj) > 50.0);
        let rs = rust_decode_y(&p.data, w, h);
        assert!(common::psnr(src_y, &rs) > 35.0, "jpeg-decoder round trip");
    }
}

#[test]
fn all_required_sizes_decode_without_edge_artifacts() {
    for (w, h) in [(16, 16), (18, 30), (640, 480), (1920, 1080), (4096, 4096)] {
        let f = if w * h >= 1920 * 1080 {
            if w == 4096 {
                common::photo_nv12("astronaut", 4096, 4096, w, h)
            } else {
                common::photo_nv12("astronaut", 1920, 1080, w, h)
            }
        } else {
            common::photo_nv12("coffee", 600, 400, w, h)
        };
        let p = &encode_frames(cq(w as u32, h as u32, 90), std::slice::from_ref(&f))[0];
        let ff = ffmpeg_y(&p.data, w, h);
        let dj = djpeg_y(&p.data, w, h);
        let src_y = &f[..w * h];
        assert!(common::psnr(src_y, &ff) >= 38.0, "{w}x{h} ffmpeg");
        assert!(common::psnr(src_y, &dj) >= 38.0, "{w}x{h} djpeg");
        // The last row and column (padding region's neighbours) are as good as the rest.
        let last_row = &src_y[(h - 1) * w..];
        assert!(
            common::psnr(last_row, &ff[(h - 1) * w..]) > 30.0,
            "{w}x{h} bottom row"
        );
    }
}

#[test]
fn threads_and_restart_intervals_give_identical_output() {
    let (w, h) = (1920usize, 1080usize);
    let f = common::photo_nv12("astronaut", 1920, 1080, w, h);
    let mut one = cq(w as u32, h as u32, 85);
    one.restart_rows = 1;
    let mut two = one.clone();
    two.threads = 2;
    let a = &encode_frames(one, std::slice::from_ref(&f))[0];
    let b = &encode_frames(two, std::slice::from_ref(&f))[0];
    assert_eq!(a.data, b.data);
    // Restart markers present and ffmpeg decodes it.
    assert!(a.data.windows(2).any(|x| x == [0xFF, 0xDD]), "DRI");
    assert!(a.data.windows(2).any(|x| x == [0xFF, 0xD7]), "RST7");
    assert!(common::psnr(&f[..w * h], &ffmpeg_y(&a.data, w, h)) > 38.0);
    // Optimised tables: smaller, still decodes, and also thread-independent.
    let mut o1 = cq(w as u32, h as u32, 85);
    o1.flags = venc::config::flags::OPTIMIZE_HUFFMAN;
    let mut o2 = o1.clone();
    o2.threads = 2;
    let c = &encode_frames(o1, std::slice::from_ref(&f))[0];
    let d = &encode_frames(o2, std::slice::from_ref(&f))[0];
    assert!(
        c.data.len() < a.data.len(),
        "optimised {} vs {}",
        c.data.len(),
        a.data.len()
    );
    assert!(common::psnr(&f[..w * h], &djpeg_y(&c.data, w, h)) > 38.0);
    assert_eq!(ffmpeg_y(&d.data, w, h), ffmpeg_y(&c.data, w, h));
}

#[test]
fn psnr_and_recon_are_reported() {
    let (w, h) = (512usize, 512usize);
    let f = common::photo_nv12("astronaut", 512, 512, w, h);
    let mut c = cq(512, 512, 80);
    c.flags = venc::config::flags::PSNR | venc::config::flags::RECON;
    let p = &encode_frames(c, std::slice::from_ref(&f))[0];
    let ps = p.psnr.unwrap();
    let rec = p.recon.as_ref().unwrap();
    let ff = ffmpeg_y(&p.data, w, h);
    // Our reconstruction is what decoders show, to within IDCT rounding.
    assert!(common::psnr(&rec.y, &ff) > 45.0);
    assert!(
        (ps[0] - common::psnr(&f[..w * h], &ff)).abs() < 0.3,
        "reported {} vs measured",
        ps[0]
    );
}

fn clip_300(w: usize, h: usize) -> Vec<Vec<u8>> {
    let src = common::clip_nv12("bikes", 640, 272, 250);
    let mut frames = Vec::new();
    // Loop forwards then backwards to 300 frames; crop/pad 640x272 into w x h.
    let order: Vec<usize> = (0..250).chain((0..250).rev()).cycle().take(300).collect();
    for i in order {
        let s = &src[i];
        let mut out = vec![128u8; w * h * 3 / 2];
        for y in 0..h {
            for x in 0..w {
                out[y * w + x] = s[(y % 272) * 640 + x.min(639)];
            }
        }
        for y in 0..h / 2 {
            for x in 0..w / 2 {
                let si = 640 * 272 + (y % 136) * 640 + 2 * x.min(319);
                out[w * h + y * w + 2 * x] = s[si];
                out[w * h + y * w + 2 * x + 1] = s[si + 1];
            }
        }
        frames.push(out);
    }
    frames
}

#[test]
fn cbr_holds_a_reachable_target_on_a_real_clip() {
    let (w, h) = (640u32, 480u32);
    let frames = clip_300(w as usize, h as usize);
    for (mode, kbps) in [(RcMode::Cbr, 4000u32), (RcMode::Vbr, 6000)] {
        let mut c = EncoderConfig::new(CodecId::Mjpeg, w, h);
        c.rc_mode = mode;
        c.bitrate_kbps = kbps;
        let packets = encode_frames(c, &frames);
        let bpf = kbps as f64 * 1000.0 / 30.0;
        let bits: Vec<f64> = packets.iter().map(|p| p.data.len() as f64 * 8.0).collect();
        let mean = bits.iter().sum::<f64>() / bits.len() as f64;
        assert!(
            (mean / bpf - 1.0).abs() < 0.05,
            "{mode:?}: mean {:.0} kbps vs {kbps}",
            mean * 30.0 / 1000.0
        );
        // Converged within 10 frames: frames 10..20 each within 15 %.
        for (i, b) in bits.iter().enumerate().take(20).skip(10) {
            assert!(
                (b / bpf - 1.0).abs() < 0.15,
                "{mode:?} frame {i}: {b:.0} bits vs {bpf:.0}"
            );
        }
    }
}

#[test]
fn unreachable_target_switches_to_optimised_tables_and_says_so() {
    let (w, h) = (1920u32, 1080u32);
    let f = common::photo_nv12("astronaut", 1920, 1080, 1920, 1080);
    let frames: Vec<Vec<u8>> = (0..12).map(|_| f.clone()).collect();
    let mut c = EncoderConfig::new(CodecId::Mjpeg, w, h);
    c.bitrate_kbps = 8000;
    let enc = Encoder::open(c).unwrap();
    let mut sizes = Vec::new();
    for (i, fr) in frames.iter().enumerate() {
        enc.send_packed(fr, i as i64, -1).unwrap();
        if let Poll::Ready(p) = enc.get(-1).unwrap() {
            sizes.push((p.qp, p.data.len()));
        }
    }
    let s = enc.stats().unwrap();
    let note = s.rc_note.expect("rate-control note");
    assert!(
        note.contains("unreachable") && note.contains("optimized Huffman"),
        "{note}"
    );
    // The first frames reach quality 1; from then on the tables are optimised: the last frame
    // is smaller than standard tables give at its quality.
    assert!(sizes.iter().any(|&(q, _)| q == 1), "{sizes:?}");
    let (q_last, size_last) = *sizes.last().unwrap();
    let std_same = &encode_frames(cq(w, h, q_last as u32), std::slice::from_ref(&f))[0];
    assert!(
        size_last < std_same.data.len() * 9 / 10,
        "{size_last} vs {}",
        std_same.data.len()
    );
    // And from the switch on, no frame is over the budget.
    let bpf = 8000.0 * 1000.0 / 30.0 / 8.0;
    let switched = sizes.iter().position(|&(q, _)| q == 1).unwrap() + 1;
    assert!(
        sizes[switched..]
            .iter()
            .all(|&(_, s)| s as f64 <= bpf * 1.05),
        "{sizes:?}"
    );
}

#[test]
fn bitrate_change_takes_effect() {
    let (w, h) = (640u32, 480u32);
    let frames = clip_300(w as usize, h as usize);
    let mut c = EncoderConfig::new(CodecId::Mjpeg, w, h);
    c.bitrate_kbps = 6000;
    let enc = Encoder::open(c).unwrap();
    let mut bits = Vec::new();
    for (i, f) in frames.iter().take(120).enumerate() {
        if i == 60 {
            enc.set_bitrate(2500).unwrap();
        }
        enc.send_packed(f, i as i64, -1).unwrap();
        if let Poll::Ready(p) = enc.get(-1).unwrap() {
            bits.push(p.data.len() as f64 * 8.0);
        }
    }
    // Within one second (30 frames) of the change, the rate is at the new target.
    let after = bits[90..120].iter().sum::<f64>() / 30.0 * 30.0 / 1000.0;
    assert!(
        (after / 2500.0 - 1.0).abs() < 0.10,
        "{after:.0} kbps after the change"
    );
}
