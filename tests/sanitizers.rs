//! The C test programs (tests/c) under valgrind's memcheck (0 errors, 0 bytes definitely lost)
//! and built with `-fsanitize=address,undefined`. The library itself is not instrumented: ASan
//! checks the C side, and its malloc and LeakSanitizer also see every allocation the library
//! makes. tests/c/sanitizer_probe.c first shows that each checker reports a deliberate fault
//! here, so that silence on the real programs means something.
//!
//! Under valgrind the board program runs MJPEG only: its H.265 frames take longer than the
//! board's 2 s get timeout there. test_link encodes 6 MJPEG frames instead of 30 under valgrind
//! (all 30 with VENC_LONG=1). No suppressions are needed.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// memcheck: any error, or a definitely lost block, exits 99.
const VALGRIND: &[&str] = &[
    "--error-exitcode=99",
    "--leak-check=full",
    "--errors-for-leak-kinds=definite",
    "--show-leak-kinds=definite",
    "-q",
];

const SANITIZE: &[&str] = &[
    "-fsanitize=address,undefined",
    "-fno-omit-frame-pointer",
    "-fno-sanitize-recover=all",
];

/// What every sanitizer report starts with.
const SANITIZER_REPORTS: &[&str] = &[
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "runtime error:",
];

fn have_valgrind() -> bool {
    Command::new("valgrind")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// One run of a C program: its source, libraries, arguments and environment.
struct Prog {
    name: &'static str,
    src: &'static str,
    link: &'static [&'static str],
    args: Vec<PathBuf>,
    env: Vec<(&'static str, String)>,
}

/// The C programs of tests/c, reading and writing in `dir`, with the library in `lib`.
fn programs(lib: &Path, dir: &Path, under_valgrind: bool) -> Vec<Prog> {
    let frames = if under_valgrind && !common::long() {
        "6"
    } else {
        "30"
    };
    let mut v = vec![
        Prog {
            name: "test_link",
            src: "test_link.c",
            link: &["-lvenc"],
            args: vec![dir.join("link.mjpeg"), dir.join("link.h265")],
            env: vec![
                ("LD_LIBRARY_PATH", lib.display().to_string()),
                ("VENC_TEST_FRAMES", frames.into()),
            ],
        },
        Prog {
            name: "test_dlopen",
            src: "test_dlopen.c",
            link: &["-ldl"],
            args: vec![lib.join("libvenc.so.0")],
            env: vec![],
        },
        Prog {
            name: "test_board (MJPEG)",
            src: "test_board.c",
            link: &["-ldl"],
            args: vec![lib.join("libvenc.so"), "3".into(), dir.join("board.mjpeg")],
            env: vec![],
        },
    ];
    if !under_valgrind {
        v.push(Prog {
            name: "test_board (H.265)",
            src: "test_board.c",
            link: &["-ldl"],
            args: vec![lib.join("libvenc.so"), "2".into(), dir.join("board.h265")],
            env: vec![],
        });
    }
    v
}

/// The library's install directory and a work directory, or None (and a SKIPPED line)
/// without valgrind.
fn valgrind_dirs(name: &str) -> Option<(PathBuf, PathBuf)> {
    if !have_valgrind() {
        common::skipped("valgrind is not installed (tests/setup.sh installs it)");
        return None;
    }
    Some((common::lib_install(), common::temp_dir(name)))
}

fn describe(what: &str, out: &Output) -> String {
    format!(
        "{what}: {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn valgrind(exe: &Path) -> Command {
    let mut c = Command::new("valgrind");
    c.args(VALGRIND).arg(exe);
    c
}

/// A sanitized program: LeakSanitizer on, the first report ends the run.
fn sanitized(exe: &Path) -> Command {
    let mut c = Command::new(exe);
    c.env("ASAN_OPTIONS", "detect_leaks=1:halt_on_error=1")
        .env("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1");
    c
}

#[test]
fn the_checkers_report_deliberate_faults() {
    let dir = common::temp_dir("probe");
    let lib = common::lib_install();
    let plain = dir.join("probe");
    let asan = dir.join("probe-asan");
    common::compile_c("sanitizer_probe.c", &plain, &lib, &[]);
    common::compile_c("sanitizer_probe.c", &asan, &lib, SANITIZE);
    if have_valgrind() {
        for (mode, code) in [("clean", 0), ("leak", 99), ("overflow", 99)] {
            let out = valgrind(&plain).arg(mode).output().unwrap();
            assert_eq!(
                out.status.code(),
                Some(code),
                "{}",
                describe(&format!("valgrind probe {mode}"), &out)
            );
        }
    } else {
        common::skipped("valgrind is not installed (tests/setup.sh installs it)");
    }
    for (mode, report) in [
        ("clean", None),
        ("leak", Some("LeakSanitizer: detected memory leaks")),
        ("overflow", Some("AddressSanitizer: heap-buffer-overflow")),
        ("ubsan", Some("runtime error: signed integer overflow")),
    ] {
        let out = sanitized(&asan).arg(mode).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        match report {
            None => assert!(
                out.status.success(),
                "{}",
                describe("asan probe clean", &out)
            ),
            Some(r) => assert!(
                !out.status.success() && err.contains(r),
                "{}",
                describe(&format!("asan probe {mode} (expected '{r}')"), &out)
            ),
        }
    }
}

#[test]
fn c_programs_under_valgrind_have_no_errors_and_no_definite_leaks() {
    let Some((lib, dir)) = valgrind_dirs("valgrind") else {
        return;
    };
    for p in programs(&lib, &dir, true) {
        let exe = dir.join(p.src.trim_end_matches(".c"));
        common::compile_c(p.src, &exe, &lib, p.link);
        let t = std::time::Instant::now();
        let out = valgrind(&exe)
            .args(&p.args)
            .envs(p.env.iter().map(|(k, v)| (k, v)))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", describe(p.name, &out));
        common::expect_all_passed(&out.stdout);
        eprintln!(
            "valgrind {}: clean in {:.1} s",
            p.name,
            t.elapsed().as_secs_f64()
        );
    }
}

#[test]
fn c_programs_built_with_address_and_undefined_sanitizers_are_clean() {
    let lib = common::lib_install();
    let dir = common::temp_dir("asan");
    for p in programs(&lib, &dir, false) {
        let exe = dir.join(format!("{}-asan", p.src.trim_end_matches(".c")));
        common::compile_c(p.src, &exe, &lib, &[SANITIZE, p.link].concat());
        let out = sanitized(&exe)
            .args(&p.args)
            .envs(p.env.iter().map(|(k, v)| (k, v)))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && !SANITIZER_REPORTS.iter().any(|r| err.contains(r)),
            "{}",
            describe(p.name, &out)
        );
        common::expect_all_passed(&out.stdout);
    }
}

/// dlopen/dlclose cycles with real unloads (tests/c/test_dlopen_cycles.c, calls on a thread
/// that exits first) under valgrind: no memory error, and the only blocks definitely lost are
/// parking_lot_core's global hash table, which it allocates once per load of the library and
/// by design never frees (at most one per cycle). 4 cycles, 20 with VENC_LONG=1.
#[test]
fn dlopen_cycles_under_valgrind_lose_only_parking_lots_table() {
    let Some((lib, dir)) = valgrind_dirs("valgrind-cycles") else {
        return;
    };
    let exe = dir.join("test_dlopen_cycles");
    common::compile_c("test_dlopen_cycles.c", &exe, &lib, &["-ldl", "-lpthread"]);
    let cycles = if common::long() { 20 } else { 4 };
    let out = Command::new("valgrind")
        .args([
            "--error-exitcode=99",
            "--errors-for-leak-kinds=none",
            "--leak-check=full",
            "--show-leak-kinds=definite",
            "--keep-debuginfo=yes",
            "--num-callers=40",
        ])
        .arg(&exe)
        .arg(lib.join("libvenc.so.0"))
        .arg(cycles.to_string())
        .arg("thread")
        .arg("1000000") // VmRSS means little under valgrind; test_dlopen_cycles checks it natively
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        describe("valgrind test_dlopen_cycles", &out)
    );
    common::expect_all_passed(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    // Each loss record: a header line, then its stack up to a line with nothing after the pid.
    let mut records: Vec<(String, Vec<&str>)> = Vec::new();
    let mut in_record = false;
    for line in err.lines() {
        // "==pid== text"; a record ends at a line with no text.
        let text = line.splitn(3, "==").nth(2).unwrap_or(line).trim();
        if text.contains("are definitely lost in loss record") {
            records.push((text.to_string(), Vec::new()));
            in_record = true;
        } else if text.is_empty() {
            in_record = false;
        } else if in_record {
            records.last_mut().expect("in a record").1.push(text);
        }
    }
    let mut tables = 0;
    for (header, stack) in &records {
        let blocks: usize = header
            .split(" blocks are")
            .next()
            .and_then(|h| h.rsplit(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(usize::MAX);
        assert!(
            stack
                .iter()
                .any(|f| f.contains("parking_lot_core::parking_lot::HashTable::new")),
            "a block lost by something other than parking_lot's table: {header}\n{}",
            stack.join("\n")
        );
        tables += blocks;
    }
    assert!(
        tables <= cycles,
        "{tables} parking_lot tables lost in {cycles} cycles:\n{err}"
    );
    eprintln!("valgrind test_dlopen_cycles: {cycles} unloads, {tables} parking_lot tables lost");
}
