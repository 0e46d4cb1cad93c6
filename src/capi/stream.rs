//! The data path: sending frames, end of stream, taking packets.

use std::ptr;

use super::boundary::{ffi_call, lookup, non_null, poll_status};
use super::types::*;
use crate::channel::{Packet, Poll};
use crate::error::{Error, Status};
use crate::frame::FrameRef;

/// Sends one tightly packed NV12 frame of exactly width*height*3/2 bytes. Waits up to
/// `timeout_ms` (-1 forever, 0 poll) for queue space: ENC_AGAIN when none came.
/// `data == NULL && len == 0` means end of stream (as enc_flush).
#[no_mangle]
pub unsafe extern "C" fn enc_send_frame(
    h: *mut EncEncoder,
    data: *const u8,
    len: usize,
    pts: i64,
    timeout_ms: i32,
) -> EncStatus {
    ffi_call(h, || {
        let ch = lookup(h)?;
        let c = ch.config();
        if data.is_null() {
            if len != 0 {
                return Err(Error::invalid(format!(
                    "data is NULL with len {len}, expected a frame of {} bytes ({}x{} NV12), or \
                     NULL with len 0 to end the stream",
                    c.frame_bytes(),
                    c.width,
                    c.height
                )));
            }
            ch.flush()?;
            return Ok(Status::OK);
        }
        // SAFETY: the caller guarantees `len` readable bytes at `data`.
        let bytes = unsafe { std::slice::from_raw_parts(data, len) };
        let f = FrameRef::packed(c.width, c.height, bytes)?;
        Ok(poll_status(&ch.send(&f, pts, timeout_ms)?))
    })
}

/// Sends one strided NV12 frame (see EncFrame). `frame == NULL` means end of stream.
#[no_mangle]
pub unsafe extern "C" fn enc_send_frame_strided(
    h: *mut EncEncoder,
    frame: *const EncFrame,
    pts: i64,
    timeout_ms: i32,
) -> EncStatus {
    ffi_call(h, || {
        let ch = lookup(h)?;
        if frame.is_null() {
            ch.flush()?;
            return Ok(Status::OK);
        }
        // SAFETY: non-null, points to an EncFrame (caller's contract).
        let f = unsafe { *frame };
        non_null(f.y, "frame->y", "the luma plane")?;
        non_null(f.uv, "frame->uv", "the interleaved chroma plane")?;
        let c = ch.config();
        let (w, hh) = (c.width as usize, c.height as usize);
        let ys = usize::try_from(f.y_stride)
            .ok()
            .filter(|&s| s >= w)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "frame->y_stride is {}, expected >= width {w}",
                    f.y_stride
                ))
            })?;
        let uvs = usize::try_from(f.uv_stride)
            .ok()
            .filter(|&s| s >= w)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "frame->uv_stride is {}, expected >= width {w}",
                    f.uv_stride
                ))
            })?;
        // SAFETY: the caller guarantees the planes hold `height` (resp. height/2) rows of
        // `width` bytes at the given strides; these are exactly the spans below.
        let (y, uv) = unsafe {
            (
                std::slice::from_raw_parts(f.y, ys * (hh - 1) + w),
                std::slice::from_raw_parts(f.uv, uvs * (hh / 2 - 1) + w),
            )
        };
        let fr = FrameRef {
            width: c.width,
            height: c.height,
            y,
            y_stride: ys,
            uv,
            uv_stride: uvs,
        };
        Ok(poll_status(&ch.send(&fr, pts, timeout_ms)?))
    })
}

/// End of stream: queued frames are encoded, then enc_get_frame returns every remaining packet
/// and then ENC_EOF. Later sends fail with ENC_ERR_WRONG_STATE, and so does a send on another
/// thread that has not queued its frame when the flush starts (it may be copying it): every
/// send that returned ENC_OK has its packet before ENC_EOF. A second flush is a no-op.
#[no_mangle]
pub extern "C" fn enc_flush(h: *mut EncEncoder) -> EncStatus {
    ffi_call(h, || {
        lookup(h)?.flush()?;
        Ok(Status::OK)
    })
}

fn fill_info(p: &Packet) -> EncPacketInfo {
    let (has, ps) = match p.psnr {
        Some(v) => (1, v),
        None => (0, [0.0; 3]),
    };
    EncPacketInfo {
        size: p.data.len(),
        pts: p.pts,
        frame_num: p.frame_num,
        keyframe: p.is_keyframe() as i32,
        frame_type: p.frame_type as i32,
        qp: p.qp,
        has_psnr: has,
        psnr_y: ps[0],
        psnr_u: ps[1],
        psnr_v: ps[2],
    }
}

/// Copies the next packet into `buf` (capacity `capacity` bytes) and describes it in `*info`.
/// Waits up to `timeout_ms` (-1 forever, 0 poll): ENC_AGAIN when nothing came, ENC_EOF after
/// the end of stream. If `capacity` is too small: ENC_ERR_BUFFER_TOO_SMALL, `info->size` is the
/// size needed, nothing is written to `buf` and the packet stays queued for the next call.
#[no_mangle]
pub unsafe extern "C" fn enc_get_frame(
    h: *mut EncEncoder,
    buf: *mut u8,
    capacity: usize,
    info: *mut EncPacketInfo,
    timeout_ms: i32,
) -> EncStatus {
    ffi_call(h, || {
        let ch = lookup(h)?;
        non_null(info, "info", "an EncPacketInfo")?;
        if buf.is_null() && capacity != 0 {
            return Err(Error::invalid(format!(
                "buf is NULL with capacity {capacity}, expected a buffer of capacity bytes \
                 (or capacity 0)"
            )));
        }
        let got = ch.get_with(timeout_ms, |p| {
            if p.data.len() > capacity {
                // SAFETY: `info` is non-null and writable (caller's contract).
                unsafe { *info = fill_info(p) };
                Err(Error::BufferTooSmall {
                    needed: p.data.len(),
                    capacity,
                    what: "the next packet, which stays queued",
                })
            } else {
                Ok(())
            }
        })?;
        let st = poll_status(&got);
        if let Poll::Ready((p, ())) = got {
            // SAFETY: `buf` has `capacity >= p.data.len()` writable bytes; `info` is writable.
            unsafe {
                ptr::copy_nonoverlapping(p.data.as_ptr(), buf, p.data.len());
                *info = fill_info(&p);
            }
        }
        Ok(st)
    })
}

/// The allocation behind an EncPacket: the public struct first, so the pointers are the same.
#[repr(C)]
struct PacketBox {
    public: EncPacket,
    data: Vec<u8>,
    recon: Vec<u8>,
}

/// Takes the next packet as a library-owned EncPacket (no size limit, no copy); release it
/// with enc_packet_free. Timeout and return codes as enc_get_frame.
#[no_mangle]
pub unsafe extern "C" fn enc_get_packet(
    h: *mut EncEncoder,
    out: *mut *mut EncPacket,
    timeout_ms: i32,
) -> EncStatus {
    ffi_call(h, || {
        non_null(out, "out", "an EncPacket * to receive the packet")?;
        // SAFETY: `out` is non-null and writable.
        unsafe { *out = ptr::null_mut() };
        let ch = lookup(h)?;
        let got = ch.get(timeout_ms)?;
        let st = poll_status(&got);
        if let Poll::Ready(p) = got {
            let info = fill_info(&p);
            let recon = p.recon.as_ref().map(|r| r.to_i420()).unwrap_or_default();
            let mut b = Box::new(PacketBox {
                public: EncPacket {
                    data: ptr::null(),
                    size: p.data.len(),
                    info,
                    recon: ptr::null(),
                    recon_size: recon.len(),
                },
                data: p.data,
                recon,
            });
            b.public.data = b.data.as_ptr();
            if !b.recon.is_empty() {
                b.public.recon = b.recon.as_ptr();
            }
            // SAFETY: `out` is writable; the box is released by enc_packet_free.
            unsafe { *out = Box::into_raw(b) as *mut EncPacket };
        }
        Ok(st)
    })
}

/// Frees a packet from enc_get_packet and sets `*pkt` to NULL. NULL or *pkt == NULL: no-op.
#[no_mangle]
pub unsafe extern "C" fn enc_packet_free(pkt: *mut *mut EncPacket) {
    if pkt.is_null() {
        return;
    }
    // SAFETY: `pkt` is non-null and points to a pointer the caller got from enc_get_packet.
    let p = unsafe { std::mem::replace(&mut *pkt, ptr::null_mut()) };
    if !p.is_null() {
        // SAFETY: `p` came from Box::into_raw of a PacketBox whose first field it points to.
        drop(unsafe { Box::from_raw(p as *mut PacketBox) });
    }
}
