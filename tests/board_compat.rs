//! C code written for the board (dlopen + the sp_ functions) runs on libvenc and its output
//! decodes with ffmpeg; the sp_ functions' messages say what was wrong and what was expected.

mod common;

use std::ffi::{c_char, c_void, CStr};
use std::path::Path;
use std::process::Command;

use venc::capi::enc_last_error;

// The board's prototypes (sp_codec.h), resolved from the venc library this test links.
extern "C" {
    fn sp_init_encoder_module() -> *mut c_void;
    fn sp_release_encoder_module(obj: *mut c_void);
    fn sp_start_encode(obj: *mut c_void, chn: i32, ty: i32, w: i32, h: i32, bits: i32) -> i32;
    fn sp_encoder_set_frame(obj: *mut c_void, frame: *mut c_char, size: i32) -> i32;
    fn sp_encoder_get_max_stream_size(obj: *mut c_void) -> i32;
    fn sp_encoder_get_stream_bounded(obj: *mut c_void, buf: *mut c_char, cap: i32) -> i32;
    // venc's addition: the module object's own last error.
    fn sp_encoder_get_last_error(obj: *mut c_void, buf: *mut c_char, cap: usize) -> usize;
}

/// Held by the tests of this file that read `enc_last_error(NULL, ...)` (process-wide).
static GLOBAL_ERROR: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn message(read: impl FnOnce(*mut c_char, usize) -> usize) -> String {
    let mut buf = [0 as c_char; 512];
    let n = read(buf.as_mut_ptr(), buf.len());
    let s = unsafe { CStr::from_ptr(buf.as_ptr()) }.to_string_lossy();
    assert_eq!(n, s.len(), "the full length is returned");
    s.into_owned()
}

fn global_error() -> String {
    message(|b, n| unsafe { enc_last_error(std::ptr::null(), b, n) })
}

fn object_error(obj: *mut c_void) -> String {
    message(|b, n| unsafe { sp_encoder_get_last_error(obj, b, n) })
}

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

#[test]
fn board_messages_say_which_argument_its_value_and_what_was_expected() {
    let _g = GLOBAL_ERROR.lock().unwrap_or_else(|e| e.into_inner());
    let (w, h) = (640, 480);
    let mut frame = common::synthetic_nv12(w, h, 0);
    let fp = frame.as_mut_ptr() as *mut c_char;
    let fsize = frame.len() as i32;
    unsafe {
        let idle = sp_init_encoder_module();
        assert_eq!(sp_encoder_set_frame(idle, fp, fsize), -1);
        assert_eq!(
            global_error(),
            format!("encoder module object {idle:p} is not started: call sp_start_encode first")
        );
        sp_release_encoder_module(idle);

        let obj = sp_init_encoder_module();
        assert_eq!(sp_start_encode(obj, 30, 3, w as i32, h as i32, 4000), 0);
        assert_eq!(sp_start_encode(obj, 30, 3, w as i32, h as i32, 4000), -1);
        assert_eq!(
            global_error(),
            format!("encoder module object {obj:p} is already started: call sp_stop_encode first")
        );
        assert_eq!(object_error(obj), global_error());
        let expected = "460800 bytes (640x480 NV12: width*height*3/2)";
        assert_eq!(sp_encoder_set_frame(obj, std::ptr::null_mut(), fsize), -1);
        assert_eq!(
            global_error(),
            format!("frame_buffer is NULL, expected an NV12 frame of {expected}")
        );
        assert_eq!(sp_encoder_set_frame(obj, fp, -5), -1);
        assert_eq!(global_error(), format!("size is -5, expected {expected}"));
        assert_eq!(sp_encoder_set_frame(obj, fp, 100), -1);
        assert_eq!(
            global_error(),
            "frame is 100 bytes, expected 460800 for 640x480 NV12"
        );

        let max = sp_encoder_get_max_stream_size(obj);
        assert!(max > 0);
        let any = format!("sp_encoder_get_max_stream_size: {max} suffice for any picture");
        let mut out = vec![0 as c_char; max as usize];
        let op = out.as_mut_ptr();
        // Nothing encoded yet: the size of the next picture is not known.
        assert_eq!(sp_encoder_get_stream_bounded(obj, op, 0), -1);
        assert_eq!(
            global_error(),
            format!("capacity is 0, expected a positive number of bytes ({any})")
        );
        assert_eq!(
            sp_encoder_get_stream_bounded(obj, std::ptr::null_mut(), max),
            -1
        );
        assert_eq!(
            global_error(),
            format!("stream_buffer is NULL, expected a buffer of capacity bytes ({any})")
        );
        assert_eq!(sp_encoder_set_frame(obj, fp, fsize), 0);
        // Too small: waits for the picture, keeps it, says its size.
        assert_eq!(sp_encoder_get_stream_bounded(obj, op, 4), -1);
        let msg = global_error();
        let needed: usize = msg
            .strip_prefix("capacity is 4 bytes, expected at least ")
            .and_then(|r| r.strip_suffix(" (the size of the next packet, which stays queued)"))
            .unwrap_or_else(|| panic!("{msg}"))
            .parse()
            .unwrap();
        // Now that it is ready, a capacity that is not positive is told its size too.
        for cap in [0, -5] {
            assert_eq!(sp_encoder_get_stream_bounded(obj, op, cap), -1);
            assert_eq!(
                global_error(),
                format!(
                    "capacity is {cap}, expected at least {needed} bytes (the size of the next \
                     picture, which stays queued; {any})"
                )
            );
        }
        assert_eq!(sp_encoder_get_stream_bounded(obj, op, max), needed as i32);
        sp_release_encoder_module(obj);
    }
}

/// One thread's module objects and the errors it makes on them, each with its message.
struct Misuse {
    width: i32,
    /// A second object, never started: sp_start_encode fails on it inside enc_open.
    bad_open: (i32, i32),
    messages: [String; 3],
}

/// Makes the three errors of `m` in turn on its own objects, `rounds` times, and reads each
/// object's last error after each: the mismatches (with the first one seen).
fn misuse_in_turn(m: &Misuse, rounds: usize, start: &std::sync::Barrier) -> (usize, String) {
    unsafe {
        let (obj, other) = (sp_init_encoder_module(), sp_init_encoder_module());
        assert_eq!(sp_start_encode(obj, -1, 3, m.width, 64, 4000), 0);
        let mut short = vec![0 as c_char; 16];
        let (mut wrong, mut first) = (0, String::new());
        start.wait();
        for i in 0..rounds {
            let k = i % 3;
            let (rc, target) = match k {
                0 if m.width == 64 => (sp_encoder_set_frame(obj, std::ptr::null_mut(), 6144), obj),
                0 => (sp_encoder_set_frame(obj, short.as_mut_ptr(), -5), obj),
                1 => (sp_encoder_set_frame(obj, short.as_mut_ptr(), 7), obj),
                _ => {
                    let (chn, w) = m.bad_open;
                    (sp_start_encode(other, chn, 3, w, 64, 4000), other)
                }
            };
            assert_eq!(rc, -1);
            // Let the other thread in between the error and the read, as a scheduler may.
            std::thread::yield_now();
            let got = object_error(target);
            if got != m.messages[k] {
                wrong += 1;
                if first.is_empty() {
                    first = format!("round {i}: {got:?}, expected {:?}", m.messages[k]);
                }
            }
        }
        sp_release_encoder_module(obj);
        sp_release_encoder_module(other);
        (wrong, first)
    }
}

#[test]
fn board_errors_are_kept_per_module_object_across_threads() {
    // Both threads also write the process-wide error, which the other tests here read.
    let _g = GLOBAL_ERROR.lock().unwrap_or_else(|e| e.into_inner());
    const ROUNDS: usize = 20000;
    let nv12 = "NV12: width*height*3/2";
    let threads = [
        Misuse {
            width: 64,
            bad_open: (40, 64),
            messages: [
                format!(
                    "frame_buffer is NULL, expected an NV12 frame of 6144 bytes (64x64 {nv12})"
                ),
                "frame is 7 bytes, expected 6144 for 64x64 NV12".into(),
                "channel is 40, expected 0..=31".into(),
            ],
        },
        Misuse {
            width: 96,
            bad_open: (-1, 17),
            messages: [
                format!("size is -5, expected 9216 bytes (96x64 {nv12})"),
                "frame is 7 bytes, expected 9216 for 96x64 NV12".into(),
                "width is 17, expected an even number (NV12 chroma is subsampled 2x2)".into(),
            ],
        },
    ];
    let start = std::sync::Barrier::new(threads.len());
    let results: Vec<(usize, String)> = std::thread::scope(|s| {
        let joins: Vec<_> = threads
            .iter()
            .map(|m| s.spawn(|| misuse_in_turn(m, ROUNDS, &start)))
            .collect();
        joins.into_iter().map(|j| j.join().unwrap()).collect()
    });
    for (m, (wrong, first)) in threads.iter().zip(&results) {
        assert_eq!(
            *wrong, 0,
            "the {}-wide object's thread read another's error in {wrong} of {ROUNDS} rounds; {first}",
            m.width
        );
    }
    // A released object has no error of its own: the process-wide one (some thread's last).
    let msg = object_error(std::ptr::null_mut());
    assert!(threads.iter().any(|m| m.messages.contains(&msg)), "{msg}");
    let fresh = unsafe { sp_init_encoder_module() };
    assert_eq!(
        object_error(fresh),
        "",
        "no call on a new object has failed"
    );
    unsafe { sp_release_encoder_module(fresh) };
}
