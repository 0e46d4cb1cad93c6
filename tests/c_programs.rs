//! Builds the C programs in tests/c/ against the freshly built libvenc and runs them:
//! one links it (-lvenc, by SONAME), one dlopens it by path. Their output must end with
//! "N passed, 0 failed", and what they encode must decode with ffmpeg.

mod common;

use std::path::Path;
use std::process::Command;

#[test]
fn c_program_links_and_encodes() {
    let lib = common::lib_install();
    let dir = common::temp_dir("c-link");
    let exe = dir.join("test_link");
    common::compile_c("test_link.c", &exe, &lib, &["-lvenc"]);
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
    common::expect_all_passed(&out.stdout);
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
    let lib = common::lib_install();
    let dir = common::temp_dir("c-dlopen");
    let exe = dir.join("test_dlopen");
    common::compile_c("test_dlopen.c", &exe, &lib, &["-ldl"]);
    let out = Command::new(&exe)
        .arg(lib.join("libvenc.so.0"))
        .output()
        .unwrap();
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    common::expect_all_passed(&out.stdout);
    assert!(out.status.success());
}

/// Loads of libvenc in one process: each cycle dlopen, a channel, one frame, close, dlclose
/// (50 cycles, 1000 with VENC_LONG=1); once with the calls on a thread that exits before the
/// dlclose (then the library must really be unloaded each time) and once on the main thread
/// (glibc keeps it loaded then). Threads and fds must stay as after a warm-up, VmRSS nearly.
#[test]
fn dlopen_dlclose_cycles_do_not_grow_the_process() {
    let lib = common::lib_install();
    let dir = common::temp_dir("c-cycles");
    let exe = dir.join("test_dlopen_cycles");
    common::compile_c("test_dlopen_cycles.c", &exe, &lib, &["-ldl", "-lpthread"]);
    let cycles = if common::long() { 1000 } else { 50 };
    for mode in ["thread", "main"] {
        // Each real unload loses parking_lot_core's global hash table (1,056 bytes; the
        // valgrind run in tests/sanitizers.rs checks that nothing else is lost), so with
        // unloads the margin grows by 2 kB a cycle.
        let margin_kb = 128 + if mode == "thread" { 2 * cycles } else { 0 };
        let out = Command::new(&exe)
            .arg(lib.join("libvenc.so.0"))
            .arg(cycles.to_string())
            .arg(mode)
            .arg(margin_kb.to_string())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        eprintln!("{}{}", String::from_utf8_lossy(&out.stderr), stdout);
        common::expect_all_passed(&out.stdout);
        assert!(out.status.success(), "{mode}: {}", out.status);
    }
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
    common::expect_all_passed(&out.stdout);
}

/// Runs tests/c/test_memory.c (built against the library) with `args`, under `prlimit` when
/// `limit` is given; returns its "key value" lines and its exit status.
fn run_memory_program(
    args: &[&str],
    limit: Option<u64>,
) -> (
    std::collections::HashMap<String, String>,
    std::process::ExitStatus,
) {
    let lib = common::lib_install();
    let dir = common::temp_dir("c-memory");
    let exe = dir.join("test_memory");
    common::compile_c("test_memory.c", &exe, &lib, &["-lvenc"]);
    let mut cmd = match limit {
        Some(bytes) => {
            let mut c = Command::new("prlimit");
            c.arg(format!("--as={bytes}")).arg(&exe);
            c
        }
        None => Command::new(&exe),
    };
    let out = cmd
        .args(args)
        .env("LD_LIBRARY_PATH", &lib)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!("{text}{}", String::from_utf8_lossy(&out.stderr));
    let kv = text
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    (kv, out.status)
}

/// enc_memory_estimate is what enc_open takes (address space), and encoding takes no more
/// (resident memory): the buffers are all made at open.
#[test]
fn memory_estimate_is_what_a_channel_takes() {
    for cfg in [
        ["h265", "1920", "1080", "1"],
        ["h265", "640", "360", "2"],
        ["mjpeg", "1280", "720", "2"],
    ] {
        let mut args = vec!["probe"];
        args.extend(cfg);
        args.push("4");
        let (kv, status) = run_memory_program(&args, None);
        assert!(status.success(), "{cfg:?}: {status}");
        let kib = |k: &str| -> f64 { kv[k].parse().unwrap() };
        let est = kib("estimate_kib");
        // The worker thread's stack (2 MiB and a guard page) comes on top of the buffers. (No
        // upper bound on address space: glibc reserves 64 MiB arenas for new threads.)
        let slack = 4096.0;
        assert!(
            kib("open_vmsize_kib") >= est,
            "{cfg:?}: open took {} KiB of address space, less than the estimate {est}: \
             something is allocated later",
            kib("open_vmsize_kib")
        );
        assert!(
            kib("frames_rss_kib") <= est * 1.02 + slack,
            "{cfg:?}: encoding made the channel resident in {} KiB, over the estimate {est}",
            kib("frames_rss_kib")
        );
    }
}

/// Issue 16 item 1: under an address-space limit, opening channels until memory runs out gives
/// ENC_ERR_NO_MEMORY with a message saying how much was needed, and every channel that opened
/// encodes: exit 0, no abort. (Before: every open succeeded and a worker aborted the process in
/// `Planes::new`.) Default: 4096x4096 H.265 threads 2 under 1.5 GiB; VENC_LONG=1: the issue's
/// 32 channels under 4 GiB, two frames each.
#[test]
fn running_out_of_memory_is_an_error_not_an_abort() {
    if !common::have("prlimit") {
        eprintln!("SKIPPED: prlimit (util-linux) is not installed");
        return;
    }
    let long = std::env::var_os("VENC_LONG").is_some();
    let (limit, frames) = if long {
        (4u64 << 30, "2")
    } else {
        (3u64 << 29, "1")
    };
    let (kv, status) =
        run_memory_program(&["limit", "h265", "4096", "4096", "2", frames], Some(limit));
    assert!(
        status.success(),
        "the program must exit 0 (no abort, no signal): {status}"
    );
    let n = |k: &str| -> u32 { kv[k].parse().unwrap() };
    assert!(n("opened") >= 1, "no channel opened under {limit} bytes");
    assert!(n("no_memory") >= 1, "no open reported ENC_ERR_NO_MEMORY");
    assert_eq!(n("opened") + n("no_memory"), 32);
    let msg = &kv["message"];
    assert!(
        msg.contains("needs") && msg.contains("MiB") && msg.contains("enc_memory_estimate"),
        "the message must say how much was needed: {msg}"
    );
    let frames: u32 = frames.parse().unwrap();
    assert_eq!(n("frames_ok") + n("frames_no_memory"), n("opened") * frames);
}
