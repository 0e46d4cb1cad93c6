//! Shared helpers for the integration tests: test content, tools, temp dirs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

mod fuzz;
#[allow(unused_imports)] // not every test uses the fuzz helpers
pub use fuzz::*;

/// Where tests/setup.sh put the real test content.
pub fn content_dir() -> PathBuf {
    std::env::var_os("VENC_CONTENT")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache/content"))
}

/// Reads a content file; a missing file fails the test with the fix.
pub fn content(rel: &str) -> Vec<u8> {
    let p = content_dir().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| {
        panic!(
            "test content {} is missing ({e}): run tests/setup.sh (or tests/run-all.sh) first",
            p.display()
        )
    })
}

/// A photo as tightly packed NV12, cropped (or edge-padded) to `w`x`h`.
pub fn photo_nv12(name: &str, src_w: usize, src_h: usize, w: usize, h: usize) -> Vec<u8> {
    let d = content(&format!("photos/{name}_{src_w}x{src_h}.nv12"));
    assert_eq!(d.len(), src_w * src_h * 3 / 2, "photo size");
    let (sy, suv) = d.split_at(src_w * src_h);
    let mut out = vec![0u8; w * h * 3 / 2];
    for y in 0..h {
        for x in 0..w {
            out[y * w + x] = sy[y.min(src_h - 1) * src_w + x.min(src_w - 1)];
        }
    }
    let (cw, ch, scw, sch) = (w / 2, h / 2, src_w / 2, src_h / 2);
    for y in 0..ch {
        for x in 0..cw {
            let s = y.min(sch - 1) * src_w + 2 * x.min(scw - 1);
            let o = w * h + y * w + 2 * x;
            out[o] = suv[s];
            out[o + 1] = suv[s + 1];
        }
    }
    out
}

/// Frames of a 4:2:0 Y4M clip, converted to NV12.
pub fn clip_nv12(name: &str, w: usize, h: usize, max_frames: usize) -> Vec<Vec<u8>> {
    let d = content(&format!("clips/{name}_{w}x{h}.y4m"));
    let hdr_end = d.iter().position(|&b| b == b'\n').expect("y4m header") + 1;
    let fsize = w * h * 3 / 2;
    let mut pos = hdr_end;
    let mut frames = Vec::new();
    while pos < d.len() && frames.len() < max_frames {
        let line_end = pos
            + d[pos..]
                .iter()
                .position(|&b| b == b'\n')
                .expect("FRAME line")
            + 1;
        assert!(d[pos..].starts_with(b"FRAME"), "y4m FRAME marker");
        let f = &d[line_end..line_end + fsize];
        frames.push(i420_to_nv12(f, w, h));
        pos = line_end + fsize;
    }
    frames
}

pub fn i420_to_nv12(f: &[u8], w: usize, h: usize) -> Vec<u8> {
    let ysz = w * h;
    let csz = ysz / 4;
    let mut out = Vec::with_capacity(ysz * 3 / 2);
    out.extend_from_slice(&f[..ysz]);
    for i in 0..csz {
        out.push(f[ysz + i]);
        out.push(f[ysz + csz + i]);
    }
    out
}

/// A moving synthetic scene (gradient + moving box + texture), NV12.
pub fn synthetic_nv12(w: usize, h: usize, t: usize) -> Vec<u8> {
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

/// Says that a test could not run, straight to stderr past the test harness's capture (so that
/// tests/run-all.sh shows it: such a test does not count as passing).
pub fn skipped(why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {why}");
}

/// True when a command runs (tools the set-up installs).
pub fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("-version")
        .output()
        .map(|_| true)
        .unwrap_or(false)
}

/// A fresh temporary directory under target/ (kept on failure for inspection).
pub fn temp_dir(name: &str) -> PathBuf {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let base = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("test-tmp")
        .join(format!("{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    base
}

/// The directory holding the libvenc.so / libvenc.a built with this test binary:
/// target/<profile>/deps (cargo test refreshes those; the copies one level up only on cargo build).
pub fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().to_path_buf()
}

/// Runs a command, returning stdout; panics with stderr on failure.
pub fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    if !out.status.success() {
        panic!(
            "{cmd:?} failed ({}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out.stdout
}

/// PSNR of two 8-bit planes.
pub fn psnr(a: &[u8], b: &[u8]) -> f64 {
    venc::frame::psnr(a, b)
}

/// Frames (I420 bytes) of a Y4M file held in memory.
pub fn clip_from_y4m_bytes(d: &[u8], w: usize, h: usize) -> Vec<Vec<u8>> {
    let fsize = w * h * 3 / 2;
    let mut pos = d.iter().position(|&b| b == b'\n').expect("y4m header") + 1;
    let mut frames = Vec::new();
    while pos < d.len() {
        let line_end = pos
            + d[pos..]
                .iter()
                .position(|&b| b == b'\n')
                .expect("FRAME line")
            + 1;
        frames.push(d[line_end..line_end + fsize].to_vec());
        pos = line_end + fsize;
    }
    frames
}

/// An H.265 stream decoded by ffmpeg to raw I420.
pub fn hevc_ffmpeg_decode(stream: &[u8], tag: &str) -> Vec<u8> {
    let d = temp_dir(&format!("hevc-ff-{tag}"));
    let p = d.join("s.h265");
    std::fs::write(&p, stream).unwrap();
    run(Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-xerror",
            "-err_detect",
            "crccheck+explode",
            "-f",
            "hevc",
            "-i",
        ])
        .arg(&p)
        .args(["-f", "rawvideo", "-pix_fmt", "yuv420p", "-"]))
}

pub fn hevc_libde265_decode(stream: &[u8], tag: &str) -> Vec<u8> {
    let d = temp_dir(&format!("hevc-de-{tag}"));
    let p = d.join("s.h265");
    let o = d.join("o.yuv");
    std::fs::write(&p, stream).unwrap();
    let out = Command::new("libde265-dec265")
        .args(["-c", "-q", "-o"])
        .arg(&o)
        .arg(&p)
        .output()
        .unwrap();
    let err =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "libde265 failed: {err}");
    assert!(
        !err.to_lowercase().contains("error") && !err.contains("MD5"),
        "libde265 complained: {err}"
    );
    std::fs::read(&o).unwrap()
}

/// The heart of the H.265 tests: ffmpeg (MD5 SEI checked, `-err_detect crccheck+explode`) and
/// libde265 (`-c`) both decode `stream` to exactly `recon`.
pub fn judge_hevc(stream: &[u8], recon: &[u8], tag: &str) {
    let ff = hevc_ffmpeg_decode(stream, tag);
    assert_eq!(ff.len(), recon.len(), "{tag}: ffmpeg decoded size");
    if let Some(i) = ff.iter().zip(recon).position(|(a, b)| a != b) {
        panic!("{tag}: ffmpeg decode differs from the reconstruction at byte {i}");
    }
    let de = hevc_libde265_decode(stream, tag);
    assert_eq!(de.len(), recon.len(), "{tag}: libde265 decoded size");
    if let Some(i) = de.iter().zip(recon).position(|(a, b)| a != b) {
        panic!("{tag}: libde265 decode differs from the reconstruction at byte {i}");
    }
}

/// The thread count once it is back to `before` (exited threads take a moment to go), or
/// after a second of waiting.
pub fn threads_settled(before: u64) -> u64 {
    let mut now = proc_status("Threads");
    for _ in 0..100 {
        if now <= before {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
        now = proc_status("Threads");
    }
    now
}

/// The end of a seeded multi-channel run: no failure, no channel open, no thread left over.
pub fn assert_clean_run(
    seed_var: &str,
    seed: u64,
    failures: &[String],
    open_channels: i32,
    threads_before: u64,
    threads_after: u64,
) {
    assert!(
        failures.is_empty(),
        "seed {seed} (replay: {seed_var}={seed}):\n{}",
        failures.join("\n")
    );
    assert_eq!(
        open_channels, 0,
        "channels left open at the end (seed {seed})"
    );
    assert!(
        threads_after <= threads_before,
        "threads {threads_before} before, {threads_after} after every channel was closed (seed \
         {seed})"
    );
}

/// One line of /proc/self/status as a number (e.g. "Threads", "VmRSS" in kB).
pub fn proc_status(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    s.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

/// A directory with libvenc.so.0 (the SONAME) and the libvenc.so link, as an install has.
pub fn lib_install() -> PathBuf {
    let built = lib_dir().join("libvenc.so");
    assert!(built.exists(), "{} not built", built.display());
    let dir = temp_dir("clib");
    std::fs::copy(&built, dir.join("libvenc.so.0")).unwrap();
    std::os::unix::fs::symlink("libvenc.so.0", dir.join("libvenc.so")).unwrap();
    dir
}

/// A generated Y4M clip (I420) of `n` frames of `synthetic_nv12`, w x h, in `dir`.
pub fn synthetic_y4m(dir: &Path, w: usize, h: usize, n: usize) -> PathBuf {
    use std::io::Write;
    let path = dir.join(format!("in_{w}x{h}.y4m"));
    let mut f = std::fs::File::create(&path).unwrap();
    writeln!(f, "YUV4MPEG2 W{w} H{h} F25:1 Ip A1:1 C420jpeg").unwrap();
    for t in 0..n {
        let nv12 = synthetic_nv12(w, h, t);
        let uv = &nv12[w * h..];
        f.write_all(b"FRAME\n").unwrap();
        f.write_all(&nv12[..w * h]).unwrap();
        f.write_all(&uv.iter().step_by(2).copied().collect::<Vec<u8>>())
            .unwrap();
        f.write_all(&uv.iter().skip(1).step_by(2).copied().collect::<Vec<u8>>())
            .unwrap();
    }
    path
}

/// The path of a clip of the test content (clips/NAME), which must exist.
pub fn clip_path(name: &str) -> PathBuf {
    let p = content_dir().join("clips").join(name);
    assert!(
        p.is_file(),
        "test content {} is missing: run tests/setup.sh (or tests/run-all.sh) first",
        p.display()
    );
    p
}

/// The C compiler flags of every C test: strict C99, every warning an error.
pub const C99_STRICT: &[&str] = &["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"];

/// Compiles the C test program tests/c/`src` with the C compiler `cc` (strict C99, warnings as
/// errors, debug information, include/ and tests/c/ on the include path) into `out`; `extra`
/// follows the source (libraries, -L directories, sanitizers).
pub fn compile_c_test(cc: &str, src: &str, out: &Path, extra: &[String]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    run(Command::new(cc)
        .args([
            "-std=c99",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "-O1",
            "-g",
            "-D_GNU_SOURCE",
        ])
        .arg("-I")
        .arg(root.join("include"))
        .arg("-I")
        .arg(root.join("tests/c"))
        .arg(root.join("tests/c").join(src))
        .arg("-o")
        .arg(out)
        .args(extra));
}

/// Compiles tests/c/`src` with gcc against include/venc.h and the library in `lib`; `extra`
/// goes last (libraries, sanitizers).
pub fn compile_c(src: &str, out: &Path, lib: &Path, extra: &[&str]) {
    let mut args = vec![format!("-L{}", lib.display())];
    args.extend(extra.iter().map(|a| a.to_string()));
    compile_c_test("gcc", src, out, &args);
}

/// The last line of a C test program's output must be "N passed, 0 failed".
pub fn expect_all_passed(stdout: &[u8]) {
    let s = String::from_utf8_lossy(stdout);
    let last = s.lines().last().unwrap_or("");
    assert!(last.ends_with(" passed, 0 failed"), "C test output:\n{s}");
}
