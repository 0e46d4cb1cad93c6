//! Portable interpolation, written tap by tap over whole rows so every inner loop is a
//! contiguous multiply-add the compiler vectorises.

use super::{CHROMA_TAPS, LUMA_TAPS};

/// Interpolation of a block whose filter footprint lies inside `plane` (see
/// `kernels::hevc_mc::interpolate`).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(super) fn interpolate(
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
    if luma {
        mc_taps::<8>(
            plane,
            stride,
            sx,
            sy,
            w,
            h,
            half,
            &LUMA_TAPS[fx],
            &LUMA_TAPS[fy],
            fx,
            fy,
            dst,
        )
    } else {
        mc_taps::<4>(
            plane,
            stride,
            sx,
            sy,
            w,
            h,
            half,
            &CHROMA_TAPS[fx],
            &CHROMA_TAPS[fy],
            fx,
            fy,
            dst,
        )
    }
}

/// Horizontal filter of one source row into `out` (no shift: 8-bit input, shift1 = 0).
/// 16-bit lanes (twice the width of 32-bit ones): one filter pass over 8-bit samples stays
/// within -16 * 255 ..= 88 * 255 for every luma and chroma filter, and wrapping partial
/// sums still end exact.
#[inline(always)]
fn hrow<const T: usize>(row: &[u8], tx: &[i32; T], out: &mut [i16], w: usize) {
    out[..w].fill(0);
    for (i, &t) in tx.iter().enumerate() {
        mac16(&mut out[..w], &row[i..i + w], t);
    }
}

/// acc += t * src, lane-wise in wrapping 16-bit arithmetic (exact once all taps are in).
#[inline(always)]
fn mac16(acc: &mut [i16], src: &[u8], t: i32) {
    let t = t as i16;
    for (a, &s) in acc.iter_mut().zip(src) {
        *a = a.wrapping_add(t.wrapping_mul(s as i16));
    }
}

/// Separable filtering with T taps, written tap-by-tap over whole rows so every inner loop is
/// a contiguous multiply-add the compiler vectorises.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn mc_taps<const T: usize>(
    plane: &[u8],
    stride: usize,
    sx: usize,
    sy: usize,
    w: usize,
    h: usize,
    half: usize,
    tx: &[i32; T],
    ty: &[i32; T],
    fx: usize,
    fy: usize,
    dst: &mut [u8],
) {
    let fin = |v: i32| ((v + 32) >> 6).clamp(0, 255) as u8;
    let mut acc16 = [0i16; 64];
    let acc16 = &mut acc16[..w];
    let mut acc = [0i32; 64];
    let acc = &mut acc[..w];
    if fx == 0 && fy == 0 {
        for r in 0..h {
            let o = (sy + half + r) * stride + sx + half;
            dst[r * w..(r + 1) * w].copy_from_slice(&plane[o..o + w]);
        }
        return;
    }
    if fy == 0 {
        for r in 0..h {
            let o = (sy + half + r) * stride + sx;
            hrow::<T>(&plane[o..o + w + T - 1], tx, acc16, w);
            for (d, &a) in dst[r * w..(r + 1) * w].iter_mut().zip(acc16.iter()) {
                *d = fin(a as i32);
            }
        }
        return;
    }
    if fx == 0 {
        for r in 0..h {
            acc16.fill(0);
            for (i, &t) in ty.iter().enumerate() {
                let o = (sy + r + i) * stride + sx + half;
                mac16(acc16, &plane[o..o + w], t);
            }
            for (d, &a) in dst[r * w..(r + 1) * w].iter_mut().zip(acc16.iter()) {
                *d = fin(a as i32);
            }
        }
        return;
    }
    // Both: horizontal pass into a ring of the last T filtered rows (1 KiB instead of a
    // block-sized buffer), then vertical with shift2 = 6 in 32-bit lanes.
    let hline = |r: usize, out: &mut [i16]| {
        let o = (sy + r) * stride + sx;
        hrow::<T>(&plane[o..o + w + T - 1], tx, out, w);
    };
    let mut ring = [[0i16; 64]; T];
    for (k, row) in ring.iter_mut().enumerate().take(T - 1) {
        hline(k, row);
    }
    for r in 0..h {
        hline(r + T - 1, &mut ring[(r + T - 1) % T]);
        acc.fill(0);
        for (i, &t) in ty.iter().enumerate() {
            for (a, &v) in acc.iter_mut().zip(&ring[(r + i) % T][..w]) {
                *a += t * v as i32;
            }
        }
        for (d, &a) in dst[r * w..(r + 1) * w].iter_mut().zip(acc.iter()) {
            *d = fin(a >> 6);
        }
    }
}
