//! The board's `libspcdev` encoder functions (`sp_codec.h`), with their exact prototypes, over the
//! venc C API — so C code written for the board links or `dlopen`s libvenc unchanged.
//!
//! Faithful: the same calls, return values (0 / -1, bytes written), channel numbers 0..31 (an open
//! channel cannot be reused), CBR at `bits` kbps and 30 fps for H.265, send blocking up to 3 s,
//! get up to 2 s. Better: NULL and stale module objects, send before start, double stop and
//! double release return -1 instead of crashing; the reason is kept per module object, for
//! `sp_encoder_get_last_error(obj, ...)` (two threads on two objects each read their own), and
//! process-wide in `enc_last_error(NULL, ...)` as before (the last of any thread).
//! MJPEG: the board ignores `bits` and uses a fixed quality; so do we (constant quality 85, venc's
//! default, instead of the X5's 50 — the knob the board does not have is `enc_open`'s config).
//!
//! `sp_encoder_get_stream` has no capacity argument: it writes at most
//! `sp_encoder_get_max_stream_size(obj)` bytes (the codec's proven worst case, e.g. about
//! 1.2 MiB for 1080p MJPEG); use `sp_encoder_get_stream_bounded` to pass a capacity.

#![allow(clippy::missing_safety_doc)] // each function's contract is in include/venc.h

use std::ffi::{c_char, c_void};
use std::ptr;

use crate::capi::*;
use crate::handles::HandleTable;

/// Send timeout of the board (X3: 3 s for a free input buffer).
const SEND_TIMEOUT_MS: i32 = 3000;
/// Get timeout of the board.
const GET_TIMEOUT_MS: i32 = 2000;
/// Quality used for MJPEG, where the board ignores the bitrate.
const BOARD_MJPEG_QUALITY: i32 = 85;

const MAX_MODULES: usize = 256;

/// What a module object holds.
#[derive(Default)]
struct Module {
    /// The channel's handle while encoding, 0 before sp_start_encode.
    enc: usize,
    /// The started encoder's picture size, for messages.
    width: i32,
    height: i32,
    /// The message of this object's last failed call ("" if none failed).
    error: String,
}

/// Module objects are handles into this table (slot + generation), never pointers to memory.
// Nine slot bits, as the tokens have always had (256 slots plus the NULL value).
static MODULES: HandleTable<Module, MAX_MODULES> = HandleTable::new(9);

/// Runs `f` on the live slot of `obj`, or returns None (and records why) for a bad object.
fn with_slot<T>(obj: *mut c_void, f: impl FnOnce(&mut Module) -> T) -> Option<T> {
    let r = MODULES.with(obj as usize, f);
    if r.is_none() {
        bad_object(obj);
    }
    r
}

fn bad_object(obj: *mut c_void) {
    if obj.is_null() {
        set_global_error("encoder module object is NULL, expected one from sp_init_encoder_module");
    } else {
        set_global_error(&format!(
            "encoder module object {obj:p} was released or never created, expected a live one \
             from sp_init_encoder_module"
        ));
    }
}

/// Records the board layer's own message as `obj`'s last error and process-wide.
fn note(obj: *mut c_void, msg: &str) {
    set_global_error(msg);
    keep(obj, msg.to_string());
}

/// A C API call made for `obj` failed: its message (the one this thread's call recorded; the
/// process-wide one may already be another thread's) becomes `obj`'s last error.
fn c_failed(obj: *mut c_void) {
    keep(obj, thread_last_error());
}

fn keep(obj: *mut c_void, msg: String) {
    // A stale object has no error of its own (sp_encoder_get_last_error then gives the
    // process-wide one); the table's lock is not held by any caller here.
    MODULES.with(obj as usize, |m| m.error = msg);
}

/// The started encoder of `obj`: its channel handle and what the module knows of it.
struct Started {
    h: usize,
    /// "460800 bytes (640x480 NV12: width*height*3/2)".
    frame: String,
}

fn current_enc(obj: *mut c_void) -> Option<Started> {
    let started = with_slot(obj, |m| {
        (m.enc != 0).then(|| Started {
            h: m.enc,
            frame: format!(
                "{} bytes ({}x{} NV12: width*height*3/2)",
                m.width as i64 * m.height as i64 * 3 / 2,
                m.width,
                m.height
            ),
        })
    })?;
    if started.is_none() {
        not_started(obj);
    }
    started
}

fn not_started(obj: *mut c_void) {
    note(
        obj,
        &format!("encoder module object {obj:p} is not started: call sp_start_encode first"),
    );
}

/// Creates an encoder module object (NULL when 256 are already alive).
#[no_mangle]
pub extern "C" fn sp_init_encoder_module() -> *mut c_void {
    match MODULES.insert(Module::default()) {
        Ok(token) => token as *mut c_void,
        Err(_) => {
            set_global_error(&format!(
                "too many encoder module objects ({MAX_MODULES} alive): release some with \
                 sp_release_encoder_module"
            ));
            ptr::null_mut()
        }
    }
}

/// Stops the encoder if running and frees the module object. NULL or stale: no-op.
#[no_mangle]
pub unsafe extern "C" fn sp_release_encoder_module(obj: *mut c_void) {
    match MODULES.remove(obj as usize) {
        Some(Module { enc: 0, .. }) => {}
        Some(m) => {
            enc_close(m.enc as *mut EncEncoder);
        }
        None => bad_object(obj),
    }
}

/// Opens channel `chn` (0..31) with codec `type` (1 H.264, 2 H.265, 3 MJPEG), `width` x
/// `height`, `bits` kbps. 0 on success, -1 on error.
#[no_mangle]
pub unsafe extern "C" fn sp_start_encode(
    obj: *mut c_void,
    chn: i32,
    r#type: i32,
    width: i32,
    height: i32,
    bits: i32,
) -> i32 {
    let Some(running) = with_slot(obj, |m| m.enc != 0) else {
        return -1;
    };
    if running {
        note(
            obj,
            &format!("encoder module object {obj:p} is already started: call sp_stop_encode first"),
        );
        return -1;
    }
    let mut cfg = std::mem::MaybeUninit::<EncConfig>::uninit();
    // SAFETY: enc_config_default writes the whole struct (size given).
    if unsafe { enc_config_default(cfg.as_mut_ptr(), std::mem::size_of::<EncConfig>()) } != ENC_OK {
        c_failed(obj);
        return -1;
    }
    // SAFETY: initialised by enc_config_default above.
    let mut cfg = unsafe { cfg.assume_init() };
    cfg.codec = r#type;
    cfg.width = width;
    cfg.height = height;
    cfg.bitrate_kbps = bits;
    cfg.channel = chn;
    cfg.queue_depth = 7; // the X3's input buffers
    crate::capi::realtime(&mut cfg);
    if r#type == ENC_CODEC_MJPEG {
        cfg.rc_mode = ENC_RC_CONST_QUALITY;
        cfg.quality = BOARD_MJPEG_QUALITY;
    }
    let mut h: *mut EncEncoder = ptr::null_mut();
    // SAFETY: `cfg` is a complete config, `h` a valid out-pointer.
    if unsafe { enc_open(&cfg, &mut h) } != ENC_OK {
        c_failed(obj);
        return -1;
    }
    let stored = with_slot(obj, |m| {
        if m.enc == 0 {
            (m.enc, m.width, m.height) = (h as usize, width, height);
            true
        } else {
            false
        }
    });
    if stored != Some(true) {
        enc_close(h);
        if stored == Some(false) {
            note(
                obj,
                &format!("encoder module object {obj:p} was started by another thread meanwhile"),
            );
        }
        return -1;
    }
    0
}

/// Stops (closes) the encoder; the module object stays usable. 0, or -1 when not started.
#[no_mangle]
pub unsafe extern "C" fn sp_stop_encode(obj: *mut c_void) -> i32 {
    match with_slot(obj, |m| std::mem::take(&mut m.enc)) {
        Some(0) => {
            not_started(obj);
            -1
        }
        Some(h) => match enc_close(h as *mut EncEncoder) {
            ENC_OK => 0,
            _ => {
                c_failed(obj);
                -1
            }
        },
        None => -1,
    }
}

/// Sends one NV12 frame of exactly width*height*3/2 bytes; waits up to 3 s for a free buffer.
#[no_mangle]
pub unsafe extern "C" fn sp_encoder_set_frame(
    obj: *mut c_void,
    frame_buffer: *mut c_char,
    size: i32,
) -> i32 {
    let Some(Started { h, frame }) = current_enc(obj) else {
        return -1;
    };
    if frame_buffer.is_null() {
        note(
            obj,
            &format!("frame_buffer is NULL, expected an NV12 frame of {frame}"),
        );
        return -1;
    }
    if size <= 0 {
        note(obj, &format!("size is {size}, expected {frame}"));
        return -1;
    }
    // SAFETY: the caller provides `size` readable bytes at `frame_buffer` (board contract).
    let st = unsafe {
        enc_send_frame(
            h as *mut EncEncoder,
            frame_buffer as *const u8,
            size as usize,
            0,
            SEND_TIMEOUT_MS,
        )
    };
    match st {
        ENC_OK => 0,
        ENC_AGAIN => {
            note(obj, "no free input buffer within 3000 ms");
            -1
        }
        _ => {
            c_failed(obj);
            -1
        }
    }
}

/// The older name of sp_encoder_set_frame.
#[no_mangle]
pub unsafe extern "C" fn sp_set_frame(
    obj: *mut c_void,
    frame_buffer: *mut c_char,
    size: i32,
) -> i32 {
    // SAFETY: same contract as sp_encoder_set_frame.
    unsafe { sp_encoder_set_frame(obj, frame_buffer, size) }
}

/// The largest packet sp_encoder_get_stream can write for the started encoder, or -1.
#[no_mangle]
pub unsafe extern "C" fn sp_encoder_get_max_stream_size(obj: *mut c_void) -> i32 {
    match current_enc(obj) {
        Some(s) => max_stream_size(obj, s.h),
        None => -1,
    }
}

/// enc_max_packet_size of `obj`'s started encoder `h` as the board's int32, or -1.
fn max_stream_size(obj: *mut c_void, h: usize) -> i32 {
    let mut n = 0usize;
    // SAFETY: `n` is a valid out-pointer.
    if unsafe { enc_max_packet_size(h as *mut EncEncoder, &mut n) } != ENC_OK {
        c_failed(obj);
        return -1;
    }
    n.min(i32::MAX as usize) as i32
}

/// Copies one encoded picture into `stream_buffer` (at most `capacity` bytes) after waiting up
/// to 2 s. Returns the bytes written, or -1 (nothing ready, too small — the packet is kept — or
/// an error).
#[no_mangle]
pub unsafe extern "C" fn sp_encoder_get_stream_bounded(
    obj: *mut c_void,
    stream_buffer: *mut c_char,
    capacity: i32,
) -> i32 {
    let Some(Started { h, .. }) = current_enc(obj) else {
        return -1;
    };
    let max = max_stream_size(obj, h);
    if stream_buffer.is_null() {
        note(
            obj,
            &format!(
                "stream_buffer is NULL, expected a buffer of capacity bytes \
                 (sp_encoder_get_max_stream_size: {max} suffice for any picture)"
            ),
        );
        return -1;
    }
    if capacity <= 0 {
        // The size of the picture that is ready, if one is (it stays queued).
        let mut info = EncPacketInfo::default();
        // SAFETY: capacity 0 with a NULL buffer only asks for the size; `info` is writable.
        let st = unsafe { enc_get_frame(h as *mut EncEncoder, ptr::null_mut(), 0, &mut info, 0) };
        let expected = if st == ENC_ERR_BUFFER_TOO_SMALL {
            format!(
                "at least {} bytes (the size of the next picture, which stays queued; ",
                info.size
            )
        } else {
            "a positive number of bytes (".to_string()
        };
        note(
            obj,
            &format!(
                "capacity is {capacity}, expected {expected}sp_encoder_get_max_stream_size: \
                 {max} suffice for any picture)"
            ),
        );
        return -1;
    }
    let mut info = EncPacketInfo::default();
    // SAFETY: the caller provides `capacity` writable bytes.
    let st = unsafe {
        enc_get_frame(
            h as *mut EncEncoder,
            stream_buffer.cast::<u8>(),
            capacity as usize,
            &mut info,
            GET_TIMEOUT_MS,
        )
    };
    match st {
        ENC_OK => info.size.min(i32::MAX as usize) as i32,
        ENC_AGAIN => {
            note(obj, "no encoded picture within 2000 ms");
            -1
        }
        _ => {
            c_failed(obj);
            -1
        }
    }
}

/// Copies one encoded picture into `stream_buffer` after waiting up to 2 s; returns the bytes
/// written or -1. The buffer must hold sp_encoder_get_max_stream_size(obj) bytes.
#[no_mangle]
pub unsafe extern "C" fn sp_encoder_get_stream(
    obj: *mut c_void,
    stream_buffer: *mut c_char,
) -> i32 {
    // SAFETY: the board contract: the buffer holds any packet; we bound it by the worst case.
    unsafe {
        sp_encoder_get_stream_bounded(
            obj,
            stream_buffer,
            sp_encoder_get_max_stream_size(obj).max(1),
        )
    }
}

/// Copies the message of `obj`'s last failed sp_ call (NUL-terminated, truncated to fit) into
/// `buf` and returns its full length without the NUL, as enc_last_error does. Each module
/// object keeps its own, so threads using different objects read their own errors; "" if no
/// call on `obj` has failed. NULL or a released object: the process-wide last error
/// (enc_last_error(NULL, ...)). Not on the board, whose errors are only printed to its log.
#[no_mangle]
pub unsafe extern "C" fn sp_encoder_get_last_error(
    obj: *mut c_void,
    buf: *mut c_char,
    capacity: usize,
) -> usize {
    match MODULES.with(obj as usize, |m| m.error.clone()) {
        // SAFETY: the caller provides `capacity` writable bytes at `buf` (or buf is NULL).
        Some(msg) => unsafe { copy_message(&msg, buf, capacity) },
        // SAFETY: as above; NULL asks for the process-wide message.
        None => unsafe { enc_last_error(ptr::null(), buf, capacity) },
    }
}
