//! C code written for the board (dlopen + the sp_ functions) runs on libvenc and its output
//! decodes with ffmpeg.

mod common;

use std::path::Path;
use std::process::Command;

fn run_board_program(codec: i32, ext: &str, fmt: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = common::temp_dir("board");
    let exe = dir.join("test_board");
    common::run(
        Command::new("gcc")
            .args([
                "-std=c99",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-D_GNU_SOURCE",
                "-I",
            ])
            .arg(root.join("tests/c"))
            .arg(root.join("tests/c/test_board.c"))
            .arg("-o")
            .arg(&exe)
            .arg("-ldl"),
    );
    let out_file = dir.join(format!("out.{ext}"));
    let out = Command::new(&exe)
        .arg(common::lib_dir().join("libvenc.so"))
        .arg(codec.to_string())
        .arg(&out_file)
        .output()
        .unwrap();
    let so = String::from_utf8_lossy(&out.stdout);
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(so.trim_end().ends_with(" passed, 0 failed"), "{so}");
    let yuv = common::run(
        Command::new("ffmpeg")
            .args(["-v", "error", "-xerror", "-f", fmt, "-i"])
            .arg(&out_file)
            .args(["-f", "rawvideo", "-pix_fmt", "yuv420p", "-"]),
    );
    assert_eq!(yuv.len(), 30 * 640 * 480 * 3 / 2);
}

#[test]
fn board_code_encodes_mjpeg() {
    run_board_program(3, "mjpeg", "mjpeg");
}

#[test]
fn board_code_encodes_h265() {
    run_board_program(2, "h265", "hevc");
}
