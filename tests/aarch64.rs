//! venc built for aarch64 and run under qemu gives what the x86 build gives. tests/cross.sh
//! builds it and runs this file with `VENC_AARCH64_DIR` (the aarch64 release directory) and
//! `VENC_AARCH64_RUN` (the qemu command) set; without them every test here says SKIPPED.
//!
//! - The venc command's stream matrix (H.265: all-intra and low-delay P, fixed QP and CBR, one
//!   and two threads; MJPEG: standard and optimised tables, one and two threads; synthetic
//!   scenes of 200x120 and 100x60, real clips of 176x144 and 640x272): the stream and the
//!   reconstruction of x86 at scalar and at its best level, and of aarch64 at `VENC_CPU=scalar`
//!   and `=neon`, are byte-identical; ffmpeg and libde265 decode each H.265 stream to exactly
//!   the reconstruction, ffmpeg decodes each MJPEG stream to it within IDCT rounding.
//! - The C programs of tests/c/, cross-compiled with aarch64-linux-gnu-gcc: linked by SONAME,
//!   dlopened three times, and the board code, all under qemu; what they write equals what the
//!   same programs built for x86 write, and decodes.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The aarch64 build and how to run it.
struct Cross {
    /// target/cross/aarch64-unknown-linux-gnu/release: `venc`, `libvenc.so`.
    dir: PathBuf,
    /// The emulator command line, e.g. `qemu-aarch64 -L /usr/aarch64-linux-gnu`.
    run: Vec<String>,
}

/// The level `VENC_CPU=neon` gives on aarch64.
const NEON_LEVEL: &str = "neon";

/// ELF machine number of AArch64.
const EM_AARCH64: u16 = 183;

fn cross() -> Option<Cross> {
    let (Some(dir), Ok(run)) = (
        std::env::var_os("VENC_AARCH64_DIR"),
        std::env::var("VENC_AARCH64_RUN"),
    ) else {
        println!(
            "SKIPPED: VENC_AARCH64_DIR and VENC_AARCH64_RUN are not set (tests/cross.sh, run by \
             tests/run-all.sh, sets them after building for aarch64)"
        );
        return None;
    };
    let c = Cross {
        dir: PathBuf::from(dir),
        run: run.split_whitespace().map(String::from).collect(),
    };
    assert!(!c.run.is_empty(), "VENC_AARCH64_RUN is empty");
    for f in ["venc", "libvenc.so"] {
        c.expect_aarch64(&c.dir.join(f));
    }
    Some(c)
}

impl Cross {
    /// Fails unless `path` is an AArch64 ELF file (not a stale or host build).
    fn expect_aarch64(&self, path: &Path) {
        let head = std::fs::read(path)
            .unwrap_or_else(|e| panic!("{}: {e} (tests/cross.sh builds it)", path.display()));
        assert!(
            head.len() > 20 && head.starts_with(b"\x7fELF"),
            "{} is not ELF",
            path.display()
        );
        let machine = u16::from_le_bytes([head[18], head[19]]);
        assert_eq!(
            machine,
            EM_AARCH64,
            "{}: ELF machine {machine}, expected {EM_AARCH64} (AArch64)",
            path.display()
        );
    }

    /// `exe` (an aarch64 program) under the emulator.
    fn command(&self, exe: &Path) -> Command {
        let mut c = Command::new(&self.run[0]);
        c.args(&self.run[1..]).arg(exe);
        c
    }

    /// `exe` under the emulator with `VAR=value` in its environment (qemu-user's `-E`).
    fn command_env(&self, exe: &Path, var: &str) -> Command {
        let mut c = Command::new(&self.run[0]);
        c.args(&self.run[1..]).arg("-E").arg(var).arg(exe);
        c
    }
}

/// Runs `cmd`; panics with its output unless it succeeded; returns stderr.
fn ok(mut cmd: Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let se = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}{se}",
        out.status,
        String::from_utf8_lossy(&out.stdout)
    );
    se
}

/// The venc command of one machine at one `VENC_CPU` level.
#[derive(Clone, Copy)]
enum Venc {
    X86(&'static str),
    Aarch64(&'static str),
}

impl Venc {
    fn name(self) -> String {
        match self {
            Venc::X86(l) => format!("x86-{l}"),
            Venc::Aarch64(l) => format!("aarch64-{l}"),
        }
    }

    fn command(self, c: &Cross) -> Command {
        let (mut cmd, level) = match self {
            Venc::X86(l) => (Command::new(env!("CARGO_BIN_EXE_venc")), l),
            Venc::Aarch64(l) => (c.command(&c.dir.join("venc")), l),
        };
        cmd.env("VENC_CPU", level);
        cmd
    }

    /// The level the summary must name (`auto` is not checked).
    fn expected_level(self) -> Option<&'static str> {
        match self {
            Venc::X86("auto") => None,
            Venc::X86(l) => Some(l),
            Venc::Aarch64("neon") => Some(NEON_LEVEL),
            Venc::Aarch64(l) => Some(l),
        }
    }
}

const ALL: [Venc; 4] = [
    Venc::X86("scalar"),
    Venc::X86("auto"),
    Venc::Aarch64("scalar"),
    Venc::Aarch64("neon"),
];

/// Encodes `input` with `args` (and `--recon`) on both machines at every level: streams and
/// reconstructions must be byte-identical; then the decoders judge the stream.
fn same_everywhere(c: &Cross, dir: &Path, input: &Path, ext: &str, args: &[&str]) {
    let stem = input.file_stem().unwrap().to_string_lossy();
    let tag = format!("{stem}_{}", args.join("_").replace("--", ""));
    let mut first: Option<(String, Vec<u8>, Vec<u8>)> = None;
    for v in ALL {
        let out = dir.join(format!("{tag}_{}.{ext}", v.name()));
        let recon = dir.join(format!("{tag}_{}.yuv", v.name()));
        let mut cmd = v.command(c);
        cmd.arg(input)
            .arg("-o")
            .arg(&out)
            .arg("--recon")
            .arg(&recon);
        cmd.args(args);
        let se = ok(cmd);
        if let Some(l) = v.expected_level() {
            assert!(se.contains(&format!(", {l} kernels")), "{}: {se}", v.name());
        }
        let (s, r) = (std::fs::read(&out).unwrap(), std::fs::read(&recon).unwrap());
        assert!(
            !s.is_empty() && !r.is_empty(),
            "{tag} {}: empty output",
            v.name()
        );
        match &first {
            None => first = Some((v.name(), s, r)),
            Some((n0, s0, r0)) => {
                assert!(
                    s == *s0,
                    "{tag}: {} and {n0} streams differ ({} vs {} bytes)",
                    v.name(),
                    s.len(),
                    s0.len()
                );
                assert!(
                    r == *r0,
                    "{tag}: {} and {n0} reconstructions differ",
                    v.name()
                );
            }
        }
    }
    let (_, stream, recon) = first.unwrap();
    if ext == "h265" {
        common::judge_hevc(&stream, &recon, &tag);
    } else {
        let p = dir.join(format!("{tag}.mjpeg"));
        std::fs::write(&p, &stream).unwrap();
        let dec = common::run(
            Command::new("ffmpeg")
                .args(["-v", "error", "-xerror", "-f", "mjpeg", "-i"])
                .arg(&p)
                .args(["-f", "rawvideo", "-pix_fmt", "yuvj420p", "-"]),
        );
        assert_eq!(dec.len(), recon.len(), "{tag}: ffmpeg decoded size");
        let psnr = common::psnr(&dec, &recon);
        assert!(psnr > 45.0, "{tag}: ffmpeg decode vs recon PSNR {psnr:.2}");
    }
    println!(
        "aarch64: {tag}: {} bytes, same on x86 and aarch64 at every level",
        stream.len()
    );
}

/// The H.265 configurations: low-delay P at fixed QP and CBR on one and two threads, all-intra.
fn hevc_configs(frames: &'static str, kbps: &'static str) -> Vec<Vec<&'static str>> {
    let mut v = Vec::new();
    for rc in [["--qp", "30"], ["--bitrate", kbps]] {
        for threads in ["1", "2"] {
            v.push(vec![
                "--frames",
                frames,
                "--keyint",
                "30",
                rc[0],
                rc[1],
                "--threads",
                threads,
            ]);
        }
    }
    v.push(vec![
        "--frames",
        frames,
        "--keyint",
        "1",
        "--qp",
        "30",
        "--threads",
        "1",
    ]);
    for a in &mut v {
        a.push("--md5");
    }
    v
}

#[test]
fn hevc_synthetic_streams() {
    let Some(c) = cross() else { return };
    let d = common::temp_dir("aarch64-hevc-synth");
    let input = common::synthetic_y4m(&d, 200, 120, 8);
    for args in hevc_configs("8", "400") {
        same_everywhere(&c, &d, &input, "h265", &args);
    }
    // A size that is not a multiple of 8 (coded with a conformance window).
    let input = common::synthetic_y4m(&d, 100, 60, 6);
    for args in &hevc_configs("6", "150")[1..3] {
        same_everywhere(&c, &d, &input, "h265", args);
    }
}

#[test]
fn hevc_clip_streams() {
    let Some(c) = cross() else { return };
    let d = common::temp_dir("aarch64-hevc-clips");
    let carphone = common::clip_path("carphone_176x144.y4m");
    for args in hevc_configs("8", "200") {
        same_everywhere(&c, &d, &carphone, "h265", &args);
    }
    let bikes = common::clip_path("bikes_640x272.y4m");
    let args = ["--frames", "3", "--qp", "27", "--threads", "2", "--md5"];
    same_everywhere(&c, &d, &bikes, "h265", &args);
}

#[test]
fn mjpeg_streams() {
    let Some(c) = cross() else { return };
    let d = common::temp_dir("aarch64-mjpeg");
    let synthetic = common::synthetic_y4m(&d, 200, 120, 4);
    for threads in ["1", "2"] {
        let args = ["--frames", "4", "--quality", "90", "--threads", threads];
        same_everywhere(&c, &d, &synthetic, "mjpeg", &args);
    }
    let small = common::synthetic_y4m(&d, 100, 60, 3);
    same_everywhere(
        &c,
        &d,
        &small,
        "mjpeg",
        &["--frames", "3", "--quality", "50"],
    );
    let carphone = common::clip_path("carphone_176x144.y4m");
    let args = ["--frames", "4", "--quality", "75", "--threads", "2"];
    same_everywhere(&c, &d, &carphone, "mjpeg", &args);
    // A target below what standard tables reach switches to optimised tables.
    let bikes = common::clip_path("bikes_640x272.y4m");
    let args = [
        "--frames",
        "6",
        "--rc",
        "cbr",
        "--bitrate",
        "30",
        "--threads",
        "2",
    ];
    same_everywhere(&c, &d, &bikes, "mjpeg", &args);
}

/// A directory holding `lib` as libvenc.so.0 (the SONAME) with the libvenc.so link.
fn install_lib(lib: &Path, name: &str) -> PathBuf {
    let dir = common::temp_dir(name);
    std::fs::copy(lib, dir.join("libvenc.so.0")).unwrap();
    std::os::unix::fs::symlink("libvenc.so.0", dir.join("libvenc.so")).unwrap();
    dir
}

/// Runs a C test program; its last line must say "N passed, 0 failed".
fn expect_all_passed(cmd: Command, what: &str) {
    let mut cmd = cmd;
    let out = cmd.output().unwrap();
    let so = String::from_utf8_lossy(&out.stdout);
    let last = so.lines().last().unwrap_or("");
    assert!(
        out.status.success() && last.ends_with(" passed, 0 failed"),
        "{what} ({}):\n{so}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One machine's C programs: compiler, library directory, how to run a program with it.
struct CSide<'a> {
    name: &'static str,
    cc: &'static str,
    lib: PathBuf,
    cross: Option<&'a Cross>,
}

impl CSide<'_> {
    fn command(&self, exe: &Path) -> Command {
        match self.cross {
            // qemu's -E sets the variable for the emulated program only, not for qemu itself.
            Some(c) => c.command_env(exe, &format!("LD_LIBRARY_PATH={}", self.lib.display())),
            None => {
                let mut cmd = Command::new(exe);
                cmd.env("LD_LIBRARY_PATH", &self.lib);
                cmd
            }
        }
    }

    /// The codecs the board code runs with (type, extension): H.265 and MJPEG on x86; MJPEG only
    /// under qemu, where the first 640x480 H.265 picture takes longer than the 2 s that
    /// `sp_encoder_get_stream` waits (the board's contract), so the board code would see no
    /// stream for it. H.265 from C under qemu is test_link's.
    fn board_codecs(&self) -> &'static [(&'static str, &'static str)] {
        if self.cross.is_some() {
            println!(
                "SKIPPED: test_board H.265 under qemu: its first 640x480 picture takes over the \
                 2 s sp_encoder_get_stream waits (H.265 from C runs in test_link)"
            );
            &[("3", "mjpeg")]
        } else {
            &[("2", "h265"), ("3", "mjpeg")]
        }
    }

    /// Builds and runs the three C programs in `dir`; returns the files they wrote:
    /// test_link's MJPEG and H.265, the board code's H.265 and MJPEG.
    fn run_programs(&self, dir: &Path) -> Vec<(String, Vec<u8>)> {
        let link = dir.join("test_link");
        let lflag = format!("-L{}", self.lib.display());
        common::compile_c_test(self.cc, "test_link.c", &link, &[lflag, "-lvenc".into()]);
        let needed =
            String::from_utf8(common::run(Command::new("readelf").arg("-d").arg(&link))).unwrap();
        assert!(
            needed.contains("NEEDED") && needed.contains("[libvenc.so.0]"),
            "{}: test_link should need the SONAME:\n{needed}",
            self.name
        );
        let (mjpeg, h265) = (dir.join("link.mjpeg"), dir.join("link.h265"));
        let mut cmd = self.command(&link);
        cmd.arg(&mjpeg).arg(&h265);
        expect_all_passed(cmd, &format!("{} test_link", self.name));

        let dl = dir.join("test_dlopen");
        common::compile_c_test(self.cc, "test_dlopen.c", &dl, &["-ldl".into()]);
        let mut cmd = self.command(&dl);
        cmd.arg(self.lib.join("libvenc.so.0"));
        expect_all_passed(cmd, &format!("{} test_dlopen", self.name));

        let board = dir.join("test_board");
        common::compile_c_test(self.cc, "test_board.c", &board, &["-ldl".into()]);
        let mut files = vec![
            (
                "test_link MJPEG".to_string(),
                std::fs::read(&mjpeg).unwrap(),
            ),
            ("test_link H.265".to_string(), std::fs::read(&h265).unwrap()),
        ];
        for (ty, ext) in self.board_codecs() {
            let out = dir.join(format!("board.{ext}"));
            let mut cmd = self.command(&board);
            cmd.arg(self.lib.join("libvenc.so")).arg(ty).arg(&out);
            expect_all_passed(cmd, &format!("{} test_board {ext}", self.name));
            files.push((format!("board {ext}"), std::fs::read(&out).unwrap()));
        }
        files
    }
}

#[test]
fn c_programs_under_qemu_write_what_x86_writes() {
    let Some(c) = cross() else { return };
    let host = CSide {
        name: "x86",
        cc: "gcc",
        lib: install_lib(&common::lib_dir().join("libvenc.so"), "aarch64-c-lib-x86"),
        cross: None,
    };
    let arm = CSide {
        name: "aarch64",
        cc: "aarch64-linux-gnu-gcc",
        lib: install_lib(&c.dir.join("libvenc.so"), "aarch64-c-lib-arm"),
        cross: Some(&c),
    };
    let soname = String::from_utf8(common::run(
        Command::new("readelf")
            .arg("-d")
            .arg(arm.lib.join("libvenc.so.0")),
    ))
    .unwrap();
    assert!(
        soname.contains("Library soname: [libvenc.so.0]"),
        "{soname}"
    );
    let x86 = host.run_programs(&common::temp_dir("aarch64-c-x86"));
    let dir = common::temp_dir("aarch64-c-arm");
    let arm_files = arm.run_programs(&dir);
    for f in ["test_link", "test_dlopen", "test_board"] {
        c.expect_aarch64(&dir.join(f));
    }
    for (what, a) in &arm_files {
        let x = &x86.iter().find(|(w, _)| w == what).unwrap().1;
        assert!(!a.is_empty(), "{what}: nothing written");
        assert!(
            a == x,
            "{what}: aarch64 wrote {} bytes, x86 {} bytes, not the same",
            a.len(),
            x.len()
        );
        let (fmt, n, w, h) = match what.as_str() {
            "test_link MJPEG" => ("mjpeg", 30, 640, 480),
            "test_link H.265" => ("hevc", 10, 200, 120),
            "board h265" => ("hevc", 30, 640, 480),
            _ => ("mjpeg", 30, 640, 480),
        };
        let p = dir.join("decode.in");
        std::fs::write(&p, a).unwrap();
        let yuv = common::run(
            Command::new("ffmpeg")
                .args(["-v", "error", "-xerror", "-f", fmt, "-i"])
                .arg(&p)
                .args(["-f", "rawvideo", "-pix_fmt", "yuv420p", "-"]),
        );
        assert_eq!(
            yuv.len(),
            n * w * h * 3 / 2,
            "{what}: ffmpeg decodes {n} frames"
        );
        if fmt == "hevc" {
            let de = common::hevc_libde265_decode(a, "aarch64-c");
            assert!(de == yuv, "{what}: libde265 and ffmpeg decode differently");
        }
        println!("aarch64: C {what}: {} bytes, same as x86, decodes", a.len());
    }
}
