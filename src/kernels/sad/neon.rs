//! NEON: SAD by absolute differences (`uabd`) widened and summed into 16-bit lanes (`uabal`),
//! SSE by absolute differences squared into 16-bit lanes (`umull`, exact: 255^2 < 2^16) and
//! pair-summed into 32-bit lanes (`uadalp`), for widths that are multiples of 8; other widths
//! run the scalar source. Integer sums, each lane flushed before it can overflow: equal to the
//! scalar ones for every size.

use std::arch::aarch64::*;

/// Chunks (8 or 16 bytes) a 16-bit SAD accumulator takes before it is widened: each adds at
/// most 2 * 255 per lane (low and high halves), and 128 * 510 < 2^16.
const SAD_FLUSH: usize = 128;

/// SAD (see `kernels::sad::sad`).
///
/// # Safety
/// The CPU must support NEON.
#[target_feature(enable = "neon")]
pub(super) unsafe fn sad(a: &[u8], sa: usize, b: &[u8], sb: usize, w: usize, h: usize) -> u32 {
    if w % 8 != 0 {
        return super::scalar::sad(a, sa, b, sb, w, h);
    }
    let mut total = vdupq_n_u32(0);
    let mut acc = vdupq_n_u16(0);
    let mut chunks = 0;
    for r in 0..h {
        let (ra, rb) = (&a[r * sa..r * sa + w], &b[r * sb..r * sb + w]);
        let mut x = 0;
        while x < w {
            if chunks == SAD_FLUSH {
                total = vpadalq_u16(total, acc);
                acc = vdupq_n_u16(0);
                chunks = 0;
            }
            if x + 16 <= w {
                let (p, q) = (
                    vld1q_u8(ra[x..x + 16].as_ptr()),
                    vld1q_u8(rb[x..x + 16].as_ptr()),
                );
                acc = vabal_u8(acc, vget_low_u8(p), vget_low_u8(q));
                acc = vabal_high_u8(acc, p, q);
                x += 16;
            } else {
                let (p, q) = (
                    vld1_u8(ra[x..x + 8].as_ptr()),
                    vld1_u8(rb[x..x + 8].as_ptr()),
                );
                acc = vabal_u8(acc, p, q);
                x += 8;
            }
            chunks += 1;
        }
    }
    vaddvq_u32(vpadalq_u16(total, acc))
}

/// Samples whose squares the 32-bit lanes take before they are widened to 64 bits (checked
/// after each row): every 8 samples add at most 2 * 255^2 to each of the 4 lanes, so a lane
/// holds at most (2^15 + w) / 8 * 130050 < 2^32 for any w below 2^17.
const SSE_FLUSH_SAMPLES: usize = 1 << 15;

/// SSE (see `kernels::sad::sse`).
///
/// # Safety
/// The CPU must support NEON.
#[target_feature(enable = "neon")]
pub(super) unsafe fn sse(a: &[u8], sa: usize, b: &[u8], sb: usize, w: usize, h: usize) -> u64 {
    if w % 8 != 0 {
        return super::scalar::sse(a, sa, b, sb, w, h);
    }
    let mut total = vdupq_n_u64(0);
    let mut acc = vdupq_n_u32(0);
    let mut samples = 0;
    for r in 0..h {
        let (ra, rb) = (&a[r * sa..r * sa + w], &b[r * sb..r * sb + w]);
        let mut x = 0;
        while x + 16 <= w {
            let d = vabdq_u8(
                vld1q_u8(ra[x..x + 16].as_ptr()),
                vld1q_u8(rb[x..x + 16].as_ptr()),
            );
            acc = vpadalq_u16(acc, vmull_u8(vget_low_u8(d), vget_low_u8(d)));
            acc = vpadalq_u16(acc, vmull_high_u8(d, d));
            x += 16;
        }
        if x < w {
            let d = vabd_u8(
                vld1_u8(ra[x..x + 8].as_ptr()),
                vld1_u8(rb[x..x + 8].as_ptr()),
            );
            acc = vpadalq_u16(acc, vmull_u8(d, d));
        }
        samples += w;
        if samples >= SSE_FLUSH_SAMPLES {
            total = vpadalq_u32(total, acc);
            acc = vdupq_n_u32(0);
            samples = 0;
        }
    }
    vaddvq_u64(vpadalq_u32(total, acc))
}
