//! NEON: interpolation in columns of 8 outputs. A horizontal pass widens the footprint of 8
//! outputs to two 16-bit registers once and takes every tap as a lane shift of them (`ext`)
//! times the tap (`mla` by scalar, wrapping 16-bit lanes as in the scalar source: the final
//! sums fit 16 bits); a vertical pass keeps the last T rows of a column in registers, so each
//! source row is loaded (or filtered horizontally) once per column, and sums them in 16-bit
//! lanes (vertical only) or 32-bit lanes (`smlal`, after a horizontal pass). Rounding and the
//! clip to 8 bits by `srshr` and saturating narrows (`sqxtn`, `sqxtun`). Widths that are not
//! a multiple of 8, and whole-sample positions, run the scalar source. Equal to
//! `scalar::interpolate`.

use std::arch::aarch64::*;

use super::{CHROMA_TAPS, LUMA_TAPS};

/// Interpolation of a block whose filter footprint lies inside `plane` (see
/// `kernels::hevc_mc::interpolate`).
///
/// # Safety
/// The CPU must support NEON.
#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "neon")]
pub(super) unsafe fn interpolate(
    plane: &[u8],
    stride: usize,
    sx: usize,
    sy: usize,
    w: usize,
    h: usize,
    half: usize,
    fx: usize,
    fy: usize,
    luma: bool,
    dst: &mut [u8],
) {
    if w % 8 != 0 || (fx == 0 && fy == 0) {
        return super::scalar::interpolate(plane, stride, sx, sy, w, h, half, fx, fy, luma, dst);
    }
    let b = Block {
        plane,
        stride,
        sx,
        sy,
        w,
        h,
        half,
    };
    let pass = match (fx, fy) {
        (_, 0) => Pass::Horizontal,
        (0, _) => Pass::Vertical,
        _ => Pass::Both,
    };
    if luma {
        b.filter::<8>(&taps16(&LUMA_TAPS[fx]), &taps16(&LUMA_TAPS[fy]), pass, dst);
    } else {
        b.filter::<4>(
            &taps16(&CHROMA_TAPS[fx]),
            &taps16(&CHROMA_TAPS[fy]),
            pass,
            dst,
        );
    }
}

#[inline(always)]
fn taps16<const T: usize>(t: &[i32; T]) -> [i16; T] {
    std::array::from_fn(|i| t[i] as i16)
}

/// Which filters a fractional position needs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    Horizontal,
    Vertical,
    Both,
}

/// Where the block's footprint is (see `interpolate`).
struct Block<'a> {
    plane: &'a [u8],
    stride: usize,
    sx: usize,
    sy: usize,
    w: usize,
    h: usize,
    half: usize,
}

/// 8 source samples widened to 16-bit lanes.
#[inline(always)]
unsafe fn widen8(s: &[u8]) -> int16x8_t {
    vreinterpretq_s16_u16(vmovl_u8(vld1_u8(s[..8].as_ptr())))
}

/// `acc + v * t` in wrapping 16-bit lanes.
#[inline(always)]
unsafe fn mla(acc: int16x8_t, v: int16x8_t, t: i16) -> int16x8_t {
    vmlaq_n_s16(acc, v, t)
}

/// The T-tap horizontal filter of 8 outputs whose footprint starts at `row[x]`
/// (`row[x..x + 7 + T]`), unshifted, in 16-bit lanes.
#[inline(always)]
unsafe fn hfilter8<const T: usize>(row: &[u8], x: usize, t: &[i16; T]) -> int16x8_t {
    // Samples x..x+8 and, from an 8-byte load ending where the footprint ends, x+8.. .
    let a = vld1_u8(row[x..x + 8].as_ptr());
    let b = vld1_u8(row[x + T - 1..x + T + 7].as_ptr());
    let b = if T == 8 {
        vext_u8::<1>(b, b)
    } else {
        vext_u8::<5>(b, b)
    };
    let (w0, w1) = (
        vreinterpretq_s16_u16(vmovl_u8(a)),
        vreinterpretq_s16_u16(vmovl_u8(b)),
    );
    let mut acc = vmulq_n_s16(w0, t[0]);
    acc = mla(acc, vextq_s16::<1>(w0, w1), t[1]);
    acc = mla(acc, vextq_s16::<2>(w0, w1), t[2]);
    acc = mla(acc, vextq_s16::<3>(w0, w1), t[3]);
    if T == 8 {
        acc = mla(acc, vextq_s16::<4>(w0, w1), t[4]);
        acc = mla(acc, vextq_s16::<5>(w0, w1), t[5]);
        acc = mla(acc, vextq_s16::<6>(w0, w1), t[6]);
        acc = mla(acc, vextq_s16::<7>(w0, w1), t[7]);
    }
    acc
}

/// (v + 32) >> 6 clipped to 8 bits.
#[inline(always)]
unsafe fn finish16(v: int16x8_t) -> uint8x8_t {
    vqmovun_s16(vrshrq_n_s16::<6>(v))
}

/// ((v >> 6) + 32) >> 6 clipped to 8 bits, for the two halves of 8 outputs.
#[inline(always)]
unsafe fn finish32(lo: int32x4_t, hi: int32x4_t) -> uint8x8_t {
    let f = |v: int32x4_t| vrshrq_n_s32::<6>(vshrq_n_s32::<6>(v));
    vqmovun_s16(vcombine_s16(vqmovn_s32(f(lo)), vqmovn_s32(f(hi))))
}

impl Block<'_> {
    /// The source row `r` of the footprint, from column `sx + dx` to its right end.
    #[inline(always)]
    fn row(&self, r: usize, dx: usize) -> &[u8] {
        let o = (self.sy + r) * self.stride + self.sx + dx;
        &self.plane[o..]
    }

    #[inline(always)]
    unsafe fn filter<const T: usize>(
        &self,
        tx: &[i16; T],
        ty: &[i16; T],
        pass: Pass,
        dst: &mut [u8],
    ) {
        let (w, h, half) = (self.w, self.h, self.half);
        let out = |dst: &mut [u8], r: usize, x: usize, v: uint8x8_t| {
            vst1_u8(dst[r * w + x..r * w + x + 8].as_mut_ptr(), v);
        };
        for x in (0..w).step_by(8) {
            if pass == Pass::Horizontal {
                // Horizontal only, on the block's own rows.
                for r in 0..h {
                    let row = &self.row(half + r, 0)[..w + T - 1];
                    out(dst, r, x, finish16(hfilter8::<T>(row, x, tx)));
                }
            } else if pass == Pass::Vertical {
                // Vertical only: the last T rows of the column, widened.
                let mut win: [int16x8_t; T] =
                    std::array::from_fn(|k| widen8(&self.row(k, half + x)[..8]));
                for r in 0..h {
                    win[T - 1] = widen8(&self.row(r + T - 1, half + x)[..8]);
                    let mut acc = vmulq_n_s16(win[0], ty[0]);
                    for i in 1..T {
                        acc = mla(acc, win[i], ty[i]);
                    }
                    out(dst, r, x, finish16(acc));
                    win.copy_within(1.., 0);
                }
            } else {
                // Both: the last T horizontally filtered rows, then 32-bit vertical sums.
                let hrow = |r: usize| hfilter8::<T>(&self.row(r, 0)[..w + T - 1], x, tx);
                let mut win: [int16x8_t; T] =
                    std::array::from_fn(|k| if k < T - 1 { hrow(k) } else { vdupq_n_s16(0) });
                for r in 0..h {
                    win[T - 1] = hrow(r + T - 1);
                    let mut lo = vmull_n_s16(vget_low_s16(win[0]), ty[0]);
                    let mut hi = vmull_high_n_s16(win[0], ty[0]);
                    for i in 1..T {
                        lo = vmlal_n_s16(lo, vget_low_s16(win[i]), ty[i]);
                        hi = vmlal_high_n_s16(hi, win[i], ty[i]);
                    }
                    out(dst, r, x, finish32(lo, hi));
                    win.copy_within(1.., 0);
                }
            }
        }
    }
}
