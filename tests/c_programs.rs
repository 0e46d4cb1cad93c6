//! Builds the C programs in tests/c/ against the freshly built libvenc and runs them:
//! one links it (-lvenc, by SONAME), one dlopens it by path. Their output must end with
//! "N passed, 0 failed", and what they encode must decode with ffmpeg.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// A directory with libvenc.so.0 (the SONAME) and the libvenc.so link, as an install has.
fn lib_install() -> PathBuf {
    let built = common::lib_dir().join("libvenc.so");
    assert!(built.exists(), "{} not built", built.display());
    let dir = common::temp_dir("clib");
    std::fs::copy(&built, dir.join("libvenc.so.0")).unwrap();
    std::os::unix::fs::symlink("libvenc.so.0", dir.join("libvenc.so")).unwrap();
    dir
}

fn compile(src: &str, out: &Path, lib: &Path, extra: &[&str]) {
    let mut args = vec![format!("-L{}", lib.display())];
    args.extend(extra.iter().map(|a| a.to_string()));
    common::compile_c_test("gcc", src, out, &args);
}

fn expect_all_passed(stdout: &[u8]) {
    let s = String::from_utf8_lossy(stdout);
    let last = s.lines().last().unwrap_or("");
    assert!(last.ends_with(" passed, 0 failed"), "C test output:\n{s}");
}

#[test]
fn c_program_links_and_encodes() {
    let lib = lib_install();
    let dir = common::temp_dir("c-link");
    let exe = dir.join("test_link");
    compile("test_link.c", &exe, &lib, &["-lvenc"]);
    // The binary records the SONAME; check it resolves to the versioned name.
    let ldd = String::from_utf8(common::run(Command::new("readelf").arg("-d").arg(&exe))).unwrap();
    assert!(
        ldd.contains("libvenc.so.0"),
        "NEEDED should be the SONAME:\n{ldd}"
    );
    let mjpeg = dir.join("out.mjpeg");
    let h265 = dir.join("out.h265");
    let out = Command::new(&exe)
        .arg(&mjpeg)
        .arg(&h265)
        .env("LD_LIBRARY_PATH", &lib)
        .output()
        .unwrap();
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    expect_all_passed(&out.stdout);
    assert!(out.status.success());
    // ffmpeg must decode all 30 frames without an error.
    let yuv = common::run(
        Command::new("ffmpeg")
            .args(["-v", "error", "-xerror", "-f", "mjpeg", "-i"])
            .arg(&mjpeg)
            .args(["-f", "rawvideo", "-pix_fmt", "yuv420p", "-"]),
    );
    assert_eq!(yuv.len(), 30 * 640 * 480 * 3 / 2);
    let yuv = common::hevc_ffmpeg_decode(&std::fs::read(&h265).unwrap(), "c-link");
    assert_eq!(
        yuv.len(),
        10 * 200 * 120 * 3 / 2,
        "ffmpeg decodes the 10 H.265 frames"
    );
}

#[test]
fn c_program_dlopens_three_times() {
    let lib = lib_install();
    let dir = common::temp_dir("c-dlopen");
    let exe = dir.join("test_dlopen");
    compile("test_dlopen.c", &exe, &lib, &["-ldl"]);
    let out = Command::new(&exe)
        .arg(lib.join("libvenc.so.0"))
        .output()
        .unwrap();
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    expect_all_passed(&out.stdout);
    assert!(out.status.success());
}

#[test]
fn only_c_symbols_are_exported() {
    let built = common::lib_dir().join("libvenc.so");
    let syms = String::from_utf8(common::run(
        Command::new("nm")
            .args(["-D", "--defined-only"])
            .arg(&built),
    ))
    .unwrap();
    let names: Vec<&str> = syms
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2))
        .collect();
    assert!(names.contains(&"enc_open"));
    for n in &names {
        assert!(
            n.starts_with("enc_") || n.starts_with("sp_"),
            "unexpected exported symbol {n}"
        );
    }
    let soname =
        String::from_utf8(common::run(Command::new("readelf").arg("-d").arg(&built))).unwrap();
    assert!(
        soname.contains("SONAME") && soname.contains("libvenc.so.0"),
        "{soname}"
    );
}

#[test]
fn make_install_gives_a_usable_pkg_config_package() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dest = common::temp_dir("install");
    let prefix = dest.join("usr");
    common::run(
        Command::new("make")
            .current_dir(root)
            .arg("install")
            .arg(format!("PREFIX={}", prefix.display()))
            .arg(format!("BUILD_DIR={}", common::lib_dir().display())),
    );
    for f in [
        "lib/libvenc.so",
        "lib/libvenc.so.0",
        "lib/libvenc.a",
        "include/venc.h",
        "lib/pkgconfig/venc.pc",
    ] {
        assert!(prefix.join(f).exists(), "{f} not installed");
    }
    let pc = |arg: &str| -> String {
        let out = common::run(
            Command::new("pkg-config")
                .arg(arg)
                .arg("venc")
                .env("PKG_CONFIG_PATH", prefix.join("lib/pkgconfig")),
        );
        String::from_utf8(out).unwrap().trim().to_string()
    };
    let (cflags, libs) = (pc("--cflags"), pc("--libs"));
    let exe = dest.join("test_link");
    let mut cmd = Command::new("gcc");
    cmd.args(["-std=c99", "-Wall", "-Werror", "-I"])
        .arg(root.join("tests/c"));
    cmd.args(cflags.split_whitespace());
    cmd.arg(root.join("tests/c/test_link.c"))
        .arg("-o")
        .arg(&exe);
    cmd.args(libs.split_whitespace());
    common::run(&mut cmd);
    let out = Command::new(&exe)
        .arg(dest.join("o.mjpeg"))
        .env("LD_LIBRARY_PATH", prefix.join("lib"))
        .output()
        .unwrap();
    expect_all_passed(&out.stdout);
}
