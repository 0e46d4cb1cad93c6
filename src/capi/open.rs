//! Library-wide calls (version, status strings, default config) and opening a channel.

use std::ffi::c_char;
use std::ptr;

use super::boundary::{ffi_call, non_null};
use super::config::{default_c_config, read_config, MIN_CONFIG_SIZE};
use super::types::*;
use crate::channel;
use crate::error::{Error, Status};

/// The library version, e.g. "0.1.0". Static storage.
#[no_mangle]
pub extern "C" fn enc_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr() as *const c_char
}

/// ENC_ABI_VERSION of the library at run time (compare with the header's).
#[no_mangle]
pub extern "C" fn enc_abi_version() -> u32 {
    ENC_ABI_VERSION
}

/// A static description of a status code; any integer is accepted.
#[no_mangle]
pub extern "C" fn enc_strerror(status: EncStatus) -> *const c_char {
    Status(status).describe_c().as_ptr()
}

/// Fills `cfg` with the defaults (H.265, CBR 8000 kbps, 30/1 fps, intra period 30, channel -1)
/// writing only `struct_size` bytes (pass sizeof(EncConfig)); width and height are left 0.
#[no_mangle]
pub unsafe extern "C" fn enc_config_default(cfg: *mut EncConfig, struct_size: usize) -> EncStatus {
    ffi_call(ptr::null(), || {
        non_null(cfg, "cfg", "an EncConfig")?;
        let ours = std::mem::size_of::<EncConfig>();
        if !(MIN_CONFIG_SIZE..=ours).contains(&struct_size) {
            return Err(Error::invalid(format!(
                "struct_size is {struct_size}, expected {MIN_CONFIG_SIZE}..={ours} (sizeof(EncConfig))"
            )));
        }
        let mut d = default_c_config();
        d.struct_size = struct_size as u32;
        // SAFETY: the caller owns `struct_size` writable bytes at `cfg`; `d` has at least as many.
        unsafe {
            ptr::copy_nonoverlapping(
                &d as *const EncConfig as *const u8,
                cfg as *mut u8,
                struct_size,
            );
        }
        Ok(Status::OK)
    })
}

/// Bytes a channel for `cfg` allocates at enc_open: codec buffers and the input queue's
/// pictures (queue_depth + 1 of width*height*3/2), all made at open so that a machine that
/// cannot hold the channel gets ENC_ERR_NO_MEMORY from enc_open, never a failure later.
/// Packets not yet read come on top. For a config enc_open would refuse, its code
/// (ENC_ERR_INVALID_ARG, or ENC_ERR_UNSUPPORTED for H.264) and `*bytes` is left alone.
#[no_mangle]
pub unsafe extern "C" fn enc_memory_estimate(cfg: *const EncConfig, bytes: *mut u64) -> EncStatus {
    ffi_call(ptr::null(), || {
        non_null(bytes, "bytes", "a uint64_t * to receive the estimate")?;
        non_null(cfg, "cfg", "an EncConfig")?;
        // SAFETY: `cfg` is non-null and points to a config of its struct_size bytes.
        let rc = unsafe { read_config(cfg) }?;
        let n = channel::memory_estimate(&rc)?;
        // SAFETY: `bytes` is non-null and writable (caller's contract).
        unsafe { *bytes = n };
        Ok(Status::OK)
    })
}

/// The real-time choices of the board-style entry points (enc_open_simple, sp_start_encode):
/// ENC_PRESET_ULTRAFAST and threads 0 (automatic).
pub(crate) fn realtime(c: &mut EncConfig) {
    c.preset = ENC_PRESET_ULTRAFAST;
    c.threads = 0;
}

/// Opens a channel. On success `*out` is the handle; on error `*out` is NULL and
/// enc_last_error(NULL, ...) says why.
#[no_mangle]
pub unsafe extern "C" fn enc_open(cfg: *const EncConfig, out: *mut *mut EncEncoder) -> EncStatus {
    ffi_call(ptr::null(), || {
        non_null(out, "out", "an EncEncoder * to receive the handle")?;
        // SAFETY: `out` is non-null and points to a writable pointer (caller's contract).
        unsafe { *out = ptr::null_mut() };
        non_null(cfg, "cfg", "an EncConfig")?;
        // SAFETY: `cfg` is non-null and points to a config of its struct_size bytes.
        let rc = unsafe { read_config(cfg) }?;
        let (handle, _) = channel::open(rc)?;
        // SAFETY: as above.
        unsafe { *out = handle as *mut EncEncoder };
        Ok(Status::OK)
    })
}

/// The board's call in one step: `encode(type, [width, height], bits)`, with real-time choices
/// for the rest: ENC_PRESET_ULTRAFAST and threads 0 (the cores available, at most 8); the other
/// settings are enc_config_default's.
#[no_mangle]
pub unsafe extern "C" fn enc_open_simple(
    codec: i32,
    width: i32,
    height: i32,
    bitrate_kbps: i32,
    out: *mut *mut EncEncoder,
) -> EncStatus {
    let mut c = default_c_config();
    c.codec = codec;
    c.width = width;
    c.height = height;
    c.bitrate_kbps = bitrate_kbps;
    // Real-time defaults, as a camera program moved from the board expects: the fastest
    // preset on every core available.
    realtime(&mut c);
    // SAFETY: `c` is a complete local config; `out` is passed through with the same contract.
    unsafe { enc_open(&c, out) }
}
