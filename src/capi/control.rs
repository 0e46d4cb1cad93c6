//! Control and queries on an open channel (keyframe, bitrate, stats, headers, last error),
//! closing it, and the count of open channels.

use std::ffi::c_char;
use std::panic::catch_unwind;
use std::ptr;

use super::boundary::{ffi_call, lookup, non_null, GLOBAL_ERROR};
use super::types::*;
use crate::channel::registry;
use crate::config::limits;
use crate::error::{Error, Status};

/// The next frame sent is coded as a keyframe (IDR with parameter sets).
#[no_mangle]
pub extern "C" fn enc_request_keyframe(h: *mut EncEncoder) -> EncStatus {
    ffi_call(h, || {
        lookup(h)?.request_keyframe()?;
        Ok(Status::OK)
    })
}

/// Changes the target bitrate (kbps, 1..1000000) from the next frame encoded.
#[no_mangle]
pub extern "C" fn enc_set_bitrate(h: *mut EncEncoder, bitrate_kbps: i32) -> EncStatus {
    ffi_call(h, || {
        // The range is checked once, by the channel (as for the Rust API).
        let kbps = limits::BITRATE_KBPS.non_negative_c(bitrate_kbps)?;
        lookup(h)?.set_bitrate(kbps)?;
        Ok(Status::OK)
    })
}

/// Fills `*stats` (set stats->struct_size = sizeof(EncStats) first; only that many bytes are
/// written).
#[no_mangle]
pub unsafe extern "C" fn enc_get_stats(h: *mut EncEncoder, stats: *mut EncStats) -> EncStatus {
    ffi_call(h, || {
        non_null(stats, "stats", "an EncStats")?;
        // SAFETY: non-null; struct_size is the first field.
        let size = unsafe { ptr::read_unaligned(stats as *const u32) } as usize;
        let ours = std::mem::size_of::<EncStats>();
        if !(8..=ours).contains(&size) {
            return Err(Error::invalid(format!(
                "stats->struct_size is {size}, expected 8..={ours} (sizeof(EncStats))"
            )));
        }
        let s = lookup(h)?.stats()?;
        let (hp, lp, mp) = match (s.last_psnr, s.mean_psnr) {
            (Some(l), Some(m)) => (1, l, m),
            _ => (0, [0.0; 3], [0.0; 3]),
        };
        let mut note = [0 as c_char; 160];
        if let Some(n) = &s.rc_note {
            for (d, &b) in note.iter_mut().zip(n.as_bytes().iter().take(159)) {
                *d = b as c_char;
            }
        }
        let out = EncStats {
            struct_size: size as u32,
            target_kbps: s.target_kbps,
            frames_in: s.frames_in,
            frames_out: s.frames_out,
            bytes_out: s.bytes_out,
            keyframes: s.keyframes,
            kbps: s.kbps,
            last_qp: s.last_qp,
            has_psnr: hp,
            last_psnr_y: lp[0],
            last_psnr_u: lp[1],
            last_psnr_v: lp[2],
            mean_psnr_y: mp[0],
            mean_psnr_u: mp[1],
            mean_psnr_v: mp[2],
            rc_limited: s.rc_note.is_some() as i32,
            rc_note: note,
        };
        // SAFETY: the caller owns `size` writable bytes at `stats`, and size <= sizeof(out).
        unsafe {
            ptr::copy_nonoverlapping(&out as *const EncStats as *const u8, stats as *mut u8, size);
        }
        Ok(Status::OK)
    })
}

/// Copies the stream headers (H.265 VPS+SPS+PPS, Annex-B; empty for MJPEG) into `buf`.
/// `*size` is always set to the bytes needed; ENC_ERR_BUFFER_TOO_SMALL when `capacity` is less.
#[no_mangle]
pub unsafe extern "C" fn enc_get_headers(
    h: *mut EncEncoder,
    buf: *mut u8,
    capacity: usize,
    size: *mut usize,
) -> EncStatus {
    ffi_call(h, || {
        non_null(size, "size", "a size_t")?;
        let hd = lookup(h)?.headers();
        // SAFETY: `size` is non-null and writable.
        unsafe { *size = hd.len() };
        if hd.len() > capacity {
            return Err(Error::BufferTooSmall {
                needed: hd.len(),
                capacity,
            });
        }
        if !hd.is_empty() {
            non_null(buf, "buf", "a buffer of capacity bytes")?;
            // SAFETY: `buf` has `capacity >= hd.len()` writable bytes.
            unsafe { ptr::copy_nonoverlapping(hd.as_ptr(), buf, hd.len()) };
        }
        Ok(Status::OK)
    })
}

/// The largest packet this channel can produce: a buffer of this size always suffices.
#[no_mangle]
pub unsafe extern "C" fn enc_max_packet_size(h: *mut EncEncoder, size: *mut usize) -> EncStatus {
    ffi_call(h, || {
        non_null(size, "size", "a size_t")?;
        let n = lookup(h)?.max_packet_size();
        // SAFETY: non-null and writable.
        unsafe { *size = n };
        Ok(Status::OK)
    })
}

/// Copies the last error message (NUL-terminated, truncated to fit) into `buf` and returns its
/// full length without the NUL (like snprintf). With a live handle: that channel's last error;
/// with NULL (or a closed handle): the last error of any call in the process. "" if none.
#[no_mangle]
pub unsafe extern "C" fn enc_last_error(
    h: *const EncEncoder,
    buf: *mut c_char,
    capacity: usize,
) -> usize {
    let msg = catch_unwind(|| {
        lookup(h)
            .ok()
            .and_then(|c| c.last_error())
            .unwrap_or_else(|| GLOBAL_ERROR.lock().clone())
    })
    .unwrap_or_default();
    if !buf.is_null() && capacity > 0 {
        let n = msg.len().min(capacity - 1);
        // SAFETY: `buf` has `capacity` writable bytes; we write n + 1 <= capacity.
        unsafe {
            ptr::copy_nonoverlapping(msg.as_ptr(), buf.cast::<u8>(), n);
            *buf.add(n) = 0;
        }
    }
    msg.len()
}

/// Closes the channel: discards frames not yet encoded and packets not yet read (to keep them,
/// flush and read to ENC_EOF first), wakes any thread waiting in this channel's calls (they
/// return ENC_ERR_BAD_HANDLE), joins the worker and frees everything. NULL is a no-op
/// (ENC_OK); a closed handle gives ENC_ERR_BAD_HANDLE and changes nothing.
#[no_mangle]
pub extern "C" fn enc_close(h: *mut EncEncoder) -> EncStatus {
    if h.is_null() {
        return ENC_OK;
    }
    ffi_call(ptr::null(), || {
        let ch = registry::remove(h as usize)?;
        ch.close();
        Ok(Status::OK)
    })
}

/// Number of open channels in the process (all handles). An enc_open still in progress is not
/// counted until it succeeds, though its channel number is already taken (ENC_ERR_BUSY).
#[no_mangle]
pub extern "C" fn enc_open_channels() -> i32 {
    registry::open_count() as i32
}
