//! The streams do not depend on the CPU level: the venc command with `VENC_CPU=scalar` and
//! with `VENC_CPU=avx2` writes byte-identical H.265 (all-intra and low-delay P, fixed QP and
//! CBR, one and two threads, a size that is not a multiple of 8, real clips) and MJPEG (one and
//! two threads, standard and optimised Huffman tables). Skipped on a CPU without AVX2.

mod common;

use std::path::Path;
use std::process::Command;

/// Runs the venc command at CPU level `level`; returns its stderr (the summary).
fn venc(level: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_venc"))
        .env("VENC_CPU", level)
        .args(args)
        .output()
        .unwrap();
    let se = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        out.status.success(),
        "venc {args:?} at {level} failed:\n{se}"
    );
    se
}

/// Whether this CPU runs the AVX2 kernels (the command says which level it got).
fn have_avx2() -> bool {
    let out = Command::new(env!("CARGO_BIN_EXE_venc"))
        .env("VENC_CPU", "avx2")
        .arg("--version")
        .output()
        .unwrap();
    let so = String::from_utf8_lossy(&out.stdout);
    if so.contains("kernels: avx2") {
        return true;
    }
    assert!(so.contains("kernels: scalar"), "venc --version: {so}");
    println!("SKIPPED: avx2 not available on this CPU");
    false
}

/// Encodes `input` with `args` at both levels and demands identical output files; returns the
/// scalar run's summary.
fn same_at_both_levels(dir: &Path, input: &Path, out_ext: &str, args: &[&str]) -> String {
    let mut outputs = Vec::new();
    let mut summary = String::new();
    for level in ["scalar", "avx2"] {
        let out = dir.join(format!("{}_{level}.{out_ext}", args.join("_")));
        let mut a = vec![input.to_str().unwrap(), "-o", out.to_str().unwrap()];
        a.extend_from_slice(args);
        let se = venc(level, &a);
        assert!(se.contains(&format!(", {level} kernels")), "{level}: {se}");
        if level == "scalar" {
            summary = se;
        }
        outputs.push(std::fs::read(&out).unwrap());
    }
    assert!(!outputs[0].is_empty());
    assert!(
        outputs[0] == outputs[1],
        "{input:?} {args:?}: scalar and avx2 streams differ ({} vs {} bytes)",
        outputs[0].len(),
        outputs[1].len()
    );
    summary
}

/// The H.265 matrix on one input: all-intra and low-delay P, fixed QP and CBR, 1 and 2 threads.
fn hevc_matrix(dir: &Path, input: &Path, frames: &str, kbps: &str) {
    for keyint in ["1", "30"] {
        for rc in [["--qp", "30"], ["--bitrate", kbps]] {
            for threads in ["1", "2"] {
                let args = [
                    "--frames",
                    frames,
                    "--keyint",
                    keyint,
                    rc[0],
                    rc[1],
                    "--threads",
                    threads,
                    "--md5",
                ];
                same_at_both_levels(dir, input, "h265", &args);
            }
        }
    }
}

#[test]
fn hevc_synthetic_200x120() {
    if !have_avx2() {
        return;
    }
    let d = common::temp_dir("cpu-levels-hevc-synth");
    let input = common::synthetic_y4m(&d, 200, 120, 8);
    hevc_matrix(&d, &input, "8", "400");
}

#[test]
fn hevc_clips() {
    if !have_avx2() {
        return;
    }
    let d = common::temp_dir("cpu-levels-hevc-clips");
    let carphone = common::clip_path("carphone_176x144.y4m");
    hevc_matrix(&d, &carphone, "10", "200");
    let bikes = common::clip_path("bikes_640x272.y4m");
    for keyint in ["1", "30"] {
        for threads in ["1", "2"] {
            let args = ["--frames", "6", "--keyint", keyint, "--qp", "27"];
            let mut args = args.to_vec();
            args.extend(["--threads", threads]);
            same_at_both_levels(&d, &bikes, "h265", &args);
        }
    }
}

#[test]
fn mjpeg_tables_and_threads() {
    if !have_avx2() {
        return;
    }
    let d = common::temp_dir("cpu-levels-mjpeg");
    let synthetic = common::synthetic_y4m(&d, 200, 120, 4);
    let bikes = common::clip_path("bikes_640x272.y4m");
    for input in [&synthetic, &bikes] {
        for threads in ["1", "2"] {
            // Standard tables at a fixed quality.
            let args = ["--frames", "4", "--quality", "90", "--threads", threads];
            same_at_both_levels(&d, input, "mjpeg", &args);
        }
    }
    for threads in ["1", "2"] {
        // A target below what standard tables reach even at the lowest quality switches the
        // encoder to optimised tables (it says so).
        let args = [
            "--frames",
            "8",
            "--rc",
            "cbr",
            "--bitrate",
            "30",
            "--threads",
            threads,
        ];
        let se = same_at_both_levels(&d, &bikes, "mjpeg", &args);
        assert!(se.contains("using optimized Huffman tables"), "{se}");
    }
}
