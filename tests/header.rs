//! The checked-in header is fresh (build.rs's cbindgen run gives it byte for byte), declares
//! nothing outside the C API's prefixes, compiles as strict C99 and C++17, and agrees with the
//! Rust definitions (bindgen reads it back: sizes, offsets, constants, function signatures).
//! Built on x86_64 only (bindgen is an x86_64 dev-dependency): the header is the same for every
//! target, and the aarch64 cross step need not build bindgen.
#![cfg(target_arch = "x86_64")]

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The header build.rs generated for this build (one recipe for the header, in build.rs).
fn generated() -> String {
    let p = Path::new(env!("OUT_DIR")).join("venc.h");
    std::fs::read_to_string(&p).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (build.rs could not run cbindgen: see the build's warnings)",
            p.display()
        )
    })
}

fn checked_in() -> String {
    std::fs::read_to_string(root().join("include/venc.h")).unwrap()
}

#[test]
fn header_is_fresh() {
    assert!(
        checked_in() == generated(),
        "include/venc.h is stale: regenerate with `VENC_UPDATE_HEADER=1 cargo build` and commit it"
    );
}

/// True for the names the C API may put in the global namespace.
fn prefixed(name: &str) -> bool {
    ["enc_", "Enc", "ENC_", "sp_"]
        .iter()
        .any(|p| name.starts_with(p))
}

/// Every macro the header text defines, except its include guard.
fn defined_macros(header: &str) -> Vec<String> {
    header
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix('#'))
        .filter_map(|d| d.trim_start().strip_prefix("define"))
        .map(|rest| {
            rest.trim_start()
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .next()
                .unwrap()
                .to_string()
        })
        .filter(|n| n != "VENC_H")
        .collect()
}

/// Every item bindgen (clang) finds declared in include/venc.h itself, not in the system
/// headers it includes: functions, types, struct tags, constants.
fn declared_items() -> Vec<String> {
    let b = bindgen::Builder::default()
        .header(root().join("include/venc.h").to_str().unwrap())
        .allowlist_file(".*/include/venc\\.h")
        .layout_tests(false)
        .generate()
        .expect("bindgen reads include/venc.h (needs libclang: tests/setup.sh installs it)")
        .to_string();
    let mut names = Vec::new();
    for l in b.lines().map(str::trim) {
        for kw in [
            "pub fn ",
            "pub struct ",
            "pub type ",
            "pub const ",
            "pub static ",
            "pub union ",
            "pub enum ",
        ] {
            if let Some(rest) = l.strip_prefix(kw) {
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                names.push(rest[..end].to_string());
            }
        }
    }
    names
}

#[test]
fn header_exports_only_the_c_api() {
    let macros = defined_macros(&checked_in());
    let items = declared_items();
    // The parsers see the API at all (a broken parse must not pass as "nothing leaked").
    for want in ["ENC_OK", "ENC_ABI_VERSION", "ENC_WAIT_FOREVER"] {
        assert!(macros.iter().any(|m| m == want), "macro {want} not found");
    }
    for want in ["enc_open", "sp_start_encode", "EncConfig", "EncStatus"] {
        assert!(
            items.iter().any(|i| i == want),
            "declaration {want} not found"
        );
    }
    let leaked: Vec<&String> = macros
        .iter()
        .chain(&items)
        .filter(|n| !prefixed(n))
        .collect();
    assert!(
        leaked.is_empty(),
        "include/venc.h declares {leaked:?}, expected only names starting with enc_, Enc, ENC_ \
         or sp_ (is cbindgen reading more than src/capi/ and src/compat/?)"
    );
}

#[test]
fn the_export_check_catches_unprefixed_macros() {
    let leaky =
        "#ifndef VENC_H\n#define VENC_H\n#define ENC_OK 0\n# define ZIGZAG { 0, 1 }\n#endif\n";
    let m = defined_macros(leaky);
    assert_eq!(m, ["ENC_OK", "ZIGZAG"]);
    assert!(!prefixed(&m[1]) && prefixed(&m[0]));
}

#[test]
fn header_compiles_as_strict_c99_and_cpp17() {
    let dir = common::temp_dir("header-compile");
    let src = dir.join("h.c");
    std::fs::write(
        &src,
        "#include \"venc.h\"\nint main(void) { EncConfig c; (void)c; return ENC_OK; }\n",
    )
    .unwrap();
    let inc = root().join("include");
    common::run(
        Command::new("gcc")
            .args(common::C99_STRICT)
            .args(["-fsyntax-only", "-I"])
            .arg(&inc)
            .arg(&src),
    );
    common::run(
        Command::new("g++")
            .args([
                "-std=c++17",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-pedantic",
                "-fsyntax-only",
                "-x",
                "c++",
                "-I",
            ])
            .arg(&inc)
            .arg(&src),
    );
}

/// bindgen's view of include/venc.h.
fn bindgen_view() -> String {
    bindgen::Builder::default()
        .header(root().join("include/venc.h").to_str().unwrap())
        .layout_tests(true)
        .generate()
        .expect("bindgen reads include/venc.h (needs libclang: tests/setup.sh installs it)")
        .to_string()
}

fn norm(t: &str) -> String {
    t.replace("::std::os::raw::", "")
        .replace("::core::ffi::", "")
        .replace("std::ffi::", "")
        .replace(' ', "")
}

#[test]
fn header_layout_matches_rust() {
    use std::mem::{offset_of, size_of};
    use venc::capi::*;
    let b = bindgen_view();
    // bindgen's layout assertions: ["Size of X"][size_of::<X>() - N] and
    // ["Offset of field: X::f"][offset_of!(X, f) - N]: N is what clang computed from the header.
    let mut clang = BTreeMap::new();
    let flat = b.replace('\n', " ");
    for item in flat.split("[\"").skip(1) {
        let Some(rest) = item
            .strip_prefix("Size of ")
            .or_else(|| item.strip_prefix("Offset of field: "))
        else {
            continue;
        };
        let key = rest.split('"').next().unwrap().to_string();
        let num = rest
            .split(" - ")
            .nth(1)
            .expect("layout assertion has a value");
        let n: usize = num.split("usize").next().unwrap().trim().parse().unwrap();
        clang.insert(key, n);
    }
    macro_rules! check {
        ($t:ident { $($f:ident),* }) => {{
            assert_eq!(clang.get(stringify!($t)), Some(&size_of::<$t>()), "size of {}", stringify!($t));
            $(
                let k = format!("{}::{}", stringify!($t), stringify!($f));
                assert_eq!(clang.get(&k), Some(&offset_of!($t, $f)), "offset of {k}");
            )*
        }};
    }
    check!(EncConfig {
        struct_size,
        codec,
        width,
        height,
        bitrate_kbps,
        fps_num,
        fps_den,
        intra_period,
        rc_mode,
        quality,
        qp,
        min_qp,
        max_qp,
        min_quality,
        max_quality,
        max_bitrate_kbps,
        vbv_buffer_ms,
        channel,
        queue_depth,
        threads,
        flags,
        search_range,
        restart_rows
    });
    check!(EncFrame {
        y,
        y_stride,
        uv,
        uv_stride
    });
    check!(EncPacketInfo {
        size,
        pts,
        frame_num,
        keyframe,
        frame_type,
        qp,
        has_psnr,
        psnr_y,
        psnr_u,
        psnr_v
    });
    check!(EncPacket {
        data,
        size,
        info,
        recon,
        recon_size
    });
    check!(EncStats {
        struct_size,
        target_kbps,
        frames_in,
        frames_out,
        bytes_out,
        keyframes,
        kbps,
        last_qp,
        has_psnr,
        last_psnr_y,
        last_psnr_u,
        last_psnr_v,
        mean_psnr_y,
        mean_psnr_u,
        mean_psnr_v,
        rc_limited,
        rc_note
    });
}

#[test]
fn header_constants_match_rust() {
    use venc::capi::*;
    let b = bindgen_view();
    let mut consts = BTreeMap::new();
    for l in b.lines().map(str::trim) {
        if let Some(rest) = l.strip_prefix("pub const ") {
            let name = rest.split(':').next().unwrap().to_string();
            let val: i64 = rest
                .rsplit('=')
                .next()
                .unwrap()
                .trim()
                .trim_end_matches(';')
                .parse()
                .unwrap();
            consts.insert(name, val);
        }
    }
    let expect: &[(&str, i64)] = &[
        ("ENC_OK", ENC_OK as i64),
        ("ENC_AGAIN", ENC_AGAIN as i64),
        ("ENC_EOF", ENC_EOF as i64),
        ("ENC_ERR_INVALID_ARG", ENC_ERR_INVALID_ARG as i64),
        ("ENC_ERR_BAD_HANDLE", ENC_ERR_BAD_HANDLE as i64),
        ("ENC_ERR_WRONG_STATE", ENC_ERR_WRONG_STATE as i64),
        ("ENC_ERR_UNSUPPORTED", ENC_ERR_UNSUPPORTED as i64),
        ("ENC_ERR_BUSY", ENC_ERR_BUSY as i64),
        ("ENC_ERR_NO_MEMORY", ENC_ERR_NO_MEMORY as i64),
        ("ENC_ERR_INTERNAL", ENC_ERR_INTERNAL as i64),
        ("ENC_ERR_BUFFER_TOO_SMALL", ENC_ERR_BUFFER_TOO_SMALL as i64),
        ("ENC_ABI_VERSION", ENC_ABI_VERSION as i64),
        ("ENC_CODEC_H264", ENC_CODEC_H264 as i64),
        ("ENC_CODEC_H265", ENC_CODEC_H265 as i64),
        ("ENC_CODEC_MJPEG", ENC_CODEC_MJPEG as i64),
        ("ENC_RC_CBR", ENC_RC_CBR as i64),
        ("ENC_RC_VBR", ENC_RC_VBR as i64),
        ("ENC_RC_CONST_QUALITY", ENC_RC_CONST_QUALITY as i64),
        ("ENC_RC_FIXED_QP", ENC_RC_FIXED_QP as i64),
        ("ENC_PRESET_ULTRAFAST", ENC_PRESET_ULTRAFAST as i64),
        ("ENC_PRESET_SUPERFAST", ENC_PRESET_SUPERFAST as i64),
        ("ENC_PRESET_VERYFAST", ENC_PRESET_VERYFAST as i64),
        ("ENC_PRESET_FASTER", ENC_PRESET_FASTER as i64),
        ("ENC_PRESET_FAST", ENC_PRESET_FAST as i64),
        ("ENC_PRESET_MEDIUM", ENC_PRESET_MEDIUM as i64),
        ("ENC_FLAG_PSNR", ENC_FLAG_PSNR as i64),
        ("ENC_FLAG_RECON", ENC_FLAG_RECON as i64),
        ("ENC_FLAG_MD5_SEI", ENC_FLAG_MD5_SEI as i64),
        (
            "ENC_FLAG_OPTIMIZE_HUFFMAN",
            ENC_FLAG_OPTIMIZE_HUFFMAN as i64,
        ),
        ("ENC_FRAME_IDR", ENC_FRAME_IDR as i64),
        ("ENC_FRAME_I", ENC_FRAME_I as i64),
        ("ENC_FRAME_P", ENC_FRAME_P as i64),
        ("ENC_WAIT_FOREVER", ENC_WAIT_FOREVER as i64),
    ];
    for (name, v) in expect {
        assert_eq!(consts.get(*name), Some(v), "constant {name}");
    }
    let ours: Vec<_> = expect.iter().map(|(n, _)| n.to_string()).collect();
    for name in consts
        .keys()
        .filter(|n| n.starts_with("ENC_") || n.starts_with("SP_"))
    {
        assert!(
            ours.contains(name) || name.starts_with("SP_"),
            "header constant {name} is not checked here"
        );
    }
}

/// `name -> (args, ret)` from `extern "C" fn` declarations, types normalised.
fn signatures(src: &str, rust_source: bool) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let flat = src.replace('\n', " ");
    let key = if rust_source {
        "extern \"C\" fn "
    } else {
        "pub fn "
    };
    for part in flat.split(key).skip(1) {
        let name = part.split('(').next().unwrap().trim().to_string();
        // args: up to the matching ')'
        let mut depth = 0;
        let mut end = 0;
        for (i, c) in part.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let args = &part[part.find('(').unwrap() + 1..end];
        let tail = &part[end + 1..];
        let ret = tail
            .split(['{', ';'])
            .next()
            .unwrap()
            .trim()
            .trim_start_matches("->")
            .trim();
        let types: Vec<String> = args
            .split(',')
            .filter(|a| !a.trim().is_empty())
            .map(|a| norm(a.split_once(':').unwrap().1))
            .collect();
        out.insert(
            name,
            format!(
                "({}) -> {}",
                types.join(","),
                if ret.is_empty() {
                    "()".into()
                } else {
                    norm(ret)
                }
            ),
        );
    }
    out
}

#[test]
fn header_functions_match_rust() {
    let b = bindgen_view();
    let from_header = signatures(&b, false);
    let mut rust_src = String::new();
    for dir in ["src/capi", "src/compat"] {
        let mut files: Vec<_> = std::fs::read_dir(root().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "rs"))
            .collect();
        files.sort();
        for f in files {
            rust_src.push_str(&std::fs::read_to_string(f).unwrap());
        }
    }
    let from_rust = signatures(&rust_src, true);
    assert!(
        from_rust.len() >= 18,
        "found {} exported functions",
        from_rust.len()
    );
    assert_eq!(
        from_header, from_rust,
        "header vs src/capi/ and src/compat/"
    );
}
