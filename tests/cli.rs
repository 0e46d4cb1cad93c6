//! The venc command: inputs (Y4M, raw NV12/I420, stdin), codecs, --recon against ffmpeg's
//! decode, CSV and SVG output, the demo, and every error case.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn venc() -> Command {
    Command::new(env!("CARGO_BIN_EXE_venc"))
}

/// Writes a small Y4M clip (I420) of `n` frames.
fn write_y4m(path: &Path, w: usize, h: usize, n: usize, truncate_last: bool) -> Vec<Vec<u8>> {
    let mut f = std::fs::File::create(path).unwrap();
    writeln!(f, "YUV4MPEG2 W{w} H{h} F25:1 Ip A1:1 C420jpeg").unwrap();
    let mut frames = Vec::new();
    for t in 0..n {
        let nv12 = common::synthetic_nv12(w, h, t);
        let mut i420 = nv12[..w * h].to_vec();
        let uv = &nv12[w * h..];
        i420.extend(uv.iter().step_by(2));
        i420.extend(uv.iter().skip(1).step_by(2));
        f.write_all(b"FRAME\n").unwrap();
        if truncate_last && t == n - 1 {
            f.write_all(&i420[..i420.len() / 3]).unwrap();
        } else {
            f.write_all(&i420).unwrap();
            frames.push(i420);
        }
    }
    frames
}

fn ok(cmd: &mut Command) -> (String, String) {
    let out = cmd.output().unwrap();
    let (so, se) = (
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    );
    assert!(out.status.success(), "{cmd:?} failed:\n{se}");
    (so, se)
}

fn fails(cmd: &mut Command, code: i32, msg: &str) {
    let out = cmd.output().unwrap();
    let se = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{cmd:?}: {se}");
    assert!(se.contains(msg), "'{se}' should contain '{msg}'");
}

fn ffmpeg_decode(path: &Path, fmt: &str, pix: &str) -> Vec<u8> {
    common::run(
        Command::new("ffmpeg")
            .args(["-v", "error", "-xerror", "-f", fmt, "-i"])
            .arg(path)
            .args(["-f", "rawvideo", "-pix_fmt", pix, "-"]),
    )
}

#[test]
fn y4m_to_mjpeg_with_recon_csv_and_plot() {
    let d = common::temp_dir("cli-y4m");
    let (w, h) = (176, 144);
    write_y4m(&d.join("in.y4m"), w, h, 12, false);
    let (_, se) = ok(venc()
        .arg(d.join("in.y4m"))
        .arg("-o")
        .arg(d.join("o.mjpeg"))
        .args(["--rc", "quality", "--quality", "90", "--psnr", "--recon"])
        .arg(d.join("r.y4m"))
        .arg("--csv")
        .arg(d.join("f.csv"))
        .arg("--plot")
        .arg(d.join("p.svg")));
    assert!(
        se.contains("encoded 12 frames") && se.contains("PSNR Y") && se.contains("ffplay"),
        "{se}"
    );
    let dec = ffmpeg_decode(&d.join("o.mjpeg"), "mjpeg", "yuvj420p");
    assert_eq!(dec.len(), 12 * w * h * 3 / 2);
    // Recon (Y4M) equals the decode to within IDCT rounding.
    let rec = std::fs::read(d.join("r.y4m")).unwrap();
    let rec_frames = common::clip_from_y4m_bytes(&rec, w, h);
    assert_eq!(rec_frames.len(), 12);
    let ysz = w * h;
    for (i, rf) in rec_frames.iter().enumerate() {
        let dy = &dec[i * ysz * 3 / 2..i * ysz * 3 / 2 + ysz];
        assert!(common::psnr(&rf[..ysz], dy) > 45.0, "frame {i}");
    }
    let csv = std::fs::read_to_string(d.join("f.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "frame,type,bytes,bits,qp,psnr_y,psnr_u,psnr_v");
    assert_eq!(lines.len(), 13);
    assert!(lines[1].starts_with("0,IDR,") && lines[1].split(',').count() == 8);
    let svg = std::fs::read_to_string(d.join("p.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert_eq!(
        svg.matches("<rect").count(),
        13,
        "background + one bar per frame"
    );
    assert_eq!(svg.matches('<').count(), svg.matches('>').count());
}

#[test]
fn raw_nv12_i420_and_stdin_inputs() {
    let d = common::temp_dir("cli-raw");
    let (w, h) = (64, 48);
    let mut nv12 = Vec::new();
    let mut i420 = Vec::new();
    for t in 0..5 {
        let f = common::synthetic_nv12(w, h, t);
        i420.extend_from_slice(&f[..w * h]);
        i420.extend(f[w * h..].iter().step_by(2));
        i420.extend(f[w * h..].iter().skip(1).step_by(2));
        nv12.extend_from_slice(&f);
    }
    std::fs::write(d.join("a.nv12"), &nv12).unwrap();
    std::fs::write(d.join("a.yuv"), &i420).unwrap();
    ok(venc()
        .arg(d.join("a.nv12"))
        .args(["--size", "64x48", "--quality", "85", "-q", "-o"])
        .arg(d.join("a.mjpeg")));
    ok(venc()
        .arg(d.join("a.yuv"))
        .args(["--size", "64x48", "--quality", "85", "-q", "-o"])
        .arg(d.join("b.mjpeg")));
    // Same pictures either way.
    assert_eq!(
        std::fs::read(d.join("a.mjpeg")).unwrap(),
        std::fs::read(d.join("b.mjpeg")).unwrap()
    );
    // stdin (raw I420) with --frames and --seek
    let mut child = venc()
        .args([
            "-",
            "--size",
            "64x48",
            "--input-format",
            "i420",
            "--quality",
            "85",
            "--seek",
            "1",
            "--frames",
            "3",
            "-o",
        ])
        .arg(d.join("c.mjpeg"))
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&i420).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        ffmpeg_decode(&d.join("c.mjpeg"), "mjpeg", "yuvj420p").len(),
        3 * w * h * 3 / 2
    );
}

#[test]
fn real_clip_from_stdin_y4m() {
    let clip = common::content("clips/carphone_176x144.y4m");
    let d = common::temp_dir("cli-stdin");
    let mut child = venc()
        .args(["-", "--frames", "30", "--bitrate", "1500", "-o"])
        .arg(d.join("c.mjpeg"))
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // The pipe closes early once venc has its 30 frames: ignore the broken pipe.
    let _ = stdin.write_all(&clip);
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let se = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && se.contains("encoded 30 frames") && se.contains("target 1500 kbps"),
        "{se}"
    );
}

#[test]
fn h265_output_and_recon_match_ffmpeg() {
    let d = common::temp_dir("cli-h265");
    write_y4m(&d.join("in.y4m"), 96, 64, 6, false);
    let mut cmd = venc();
    cmd.arg(d.join("in.y4m"))
        .arg("-o")
        .arg(d.join("o.h265"))
        .args(["--md5", "--qp", "27", "--recon"])
        .arg(d.join("r.yuv"));
    ok(&mut cmd);
    let dec = ffmpeg_decode(&d.join("o.h265"), "hevc", "yuv420p");
    assert_eq!(
        dec,
        std::fs::read(d.join("r.yuv")).unwrap(),
        "recon == ffmpeg decode, byte for byte"
    );
}

#[test]
fn demo_writes_playable_files() {
    let d = common::temp_dir("cli-demo");
    let (_, se) = ok(venc().args(["demo", "--frames", "20", "-o"]).arg(&d));
    assert!(se.contains("ffplay"), "{se}");
    assert_eq!(
        ffmpeg_decode(&d.join("demo.mjpeg"), "mjpeg", "yuvj420p").len(),
        20 * 640 * 360 * 3 / 2
    );
    assert_eq!(
        ffmpeg_decode(&d.join("demo.h265"), "hevc", "yuv420p").len(),
        20 * 640 * 360 * 3 / 2
    );
}

#[test]
fn errors_are_clear() {
    let d = common::temp_dir("cli-err");
    fails(
        venc()
            .arg(d.join("missing.y4m"))
            .arg("-o")
            .arg(d.join("o.mjpeg")),
        1,
        "cannot open input",
    );
    std::fs::write(d.join("bad.y4m"), b"NOTY4M W10\n").unwrap();
    fails(
        venc()
            .arg(d.join("bad.y4m"))
            .arg("-o")
            .arg(d.join("o.mjpeg")),
        1,
        "bad Y4M header",
    );
    std::fs::write(d.join("c422.y4m"), b"YUV4MPEG2 W16 H16 F25:1 C422\n").unwrap();
    fails(
        venc()
            .arg(d.join("c422.y4m"))
            .arg("-o")
            .arg(d.join("o.mjpeg")),
        1,
        "not 4:2:0",
    );
    write_y4m(&d.join("ok.y4m"), 32, 32, 2, false);
    fails(
        venc()
            .arg(d.join("ok.y4m"))
            .arg("-o")
            .arg("/nonexistent-dir/x.mjpeg"),
        1,
        "cannot write output",
    );
    fails(
        venc()
            .arg(d.join("ok.y4m"))
            .args(["--bogus", "-o", "x.mjpeg"]),
        2,
        "unknown option '--bogus'",
    );
    fails(
        venc().arg(d.join("ok.y4m")).args(["-o", "x.avi"]),
        2,
        "cannot tell the codec",
    );
    fails(
        venc()
            .arg(d.join("ok.y4m"))
            .args(["--quality", "abc", "-o", "x.mjpeg"]),
        2,
        "--quality takes a number",
    );
    fails(
        venc()
            .arg(d.join("ok.y4m"))
            .args(["--quality", "0", "-o"])
            .arg(d.join("q.mjpeg")),
        1,
        "quality is 0, expected 1..=100",
    );
    fails(
        venc()
            .arg(d.join("raw.nv12"))
            .arg("-o")
            .arg(d.join("o.mjpeg")),
        2,
        "needs --size",
    );
    // Truncated last frame: the whole frames are encoded, the rest reported.
    write_y4m(&d.join("trunc.y4m"), 32, 32, 4, true);
    let (_, se) = ok(venc()
        .arg(d.join("trunc.y4m"))
        .arg("-o")
        .arg(d.join("t.mjpeg")));
    assert!(
        se.contains("input ended inside frame 3") && se.contains("dropped it"),
        "{se}"
    );
    assert_eq!(
        ffmpeg_decode(&d.join("t.mjpeg"), "mjpeg", "yuvj420p").len(),
        3 * 32 * 32 * 3 / 2
    );
}
