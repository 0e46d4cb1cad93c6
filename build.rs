//! Generates the C header from src/capi/ and src/compat/ and gives libvenc.so its SONAME.
//! The header is checked in at include/venc.h; `VENC_UPDATE_HEADER=1 cargo build` rewrites it
//! (a build script should not touch the source tree otherwise), and tests/header.rs fails when
//! the checked-in copy is stale.

use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    println!("cargo:rerun-if-changed=src/capi");
    println!("cargo:rerun-if-changed=src/compat");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=VENC_UPDATE_HEADER");

    // SONAME: ABI-compatible releases keep libvenc.so.0.
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap();
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libvenc.so.{major}");

    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml is valid");
    // Only the C API's sources: parsing the whole crate exported every `pub const` of the codecs
    // too (ZIGZAG, STD_LUMA_QUANT, ...). Each mod.rs brings its submodules, in declaration order.
    match cbindgen::Builder::new()
        .with_src(crate_dir.join("src/capi/mod.rs"))
        .with_src(crate_dir.join("src/compat/mod.rs"))
        .with_config(config)
        .generate()
    {
        Ok(b) => {
            b.write_to_file(out_dir.join("venc.h"));
            if std::env::var_os("VENC_UPDATE_HEADER").is_some() {
                b.write_to_file(crate_dir.join("include/venc.h"));
            }
        }
        // A syntax error in the sources is reported by rustc itself, more clearly.
        Err(e) => println!("cargo:warning=cbindgen could not generate the header: {e}"),
    }
}
