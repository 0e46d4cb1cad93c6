//! NEON: SATD of 8x8 blocks in 16-bit lanes, one row per register: the 8-point Hadamard across
//! the row registers, an 8x8 transpose (`trn1`/`trn2` at 16, 32 and 64 bits), the Hadamard's
//! first two stages again, and the last stage folded into the sum as
//! |a+b| + |a-b| = 2 max(|a|, |b|). Differences are within ±255, so every value fits 16 bits
//! (|coefficient| <= 64 * 255), and the four maxima a lane sums stay below 2^16. A 4x4 block:
//! two rows per register, the same steps on 4 points. Equal to `scalar::satd`.

use std::arch::aarch64::*;

/// One butterfly stage across registers: (d[j], d[j + h]) -> (sum, difference).
#[inline(always)]
unsafe fn stage<const N: usize>(d: &mut [int16x8_t; N], h: usize) {
    for j in (0..N).filter(|j| j & h == 0) {
        let (a, b) = (d[j], d[j + h]);
        d[j] = vaddq_s16(a, b);
        d[j + h] = vsubq_s16(a, b);
    }
}

/// Transposes 8 rows of 8 16-bit lanes.
#[inline(always)]
unsafe fn transpose8(r: [int16x8_t; 8]) -> [int16x8_t; 8] {
    // 2x2 blocks of 16-bit lanes: t[2i] = (r[2i], r[2i+1]) at even columns, t[2i+1] at odd.
    let t: [int16x8_t; 8] = std::array::from_fn(|i| {
        let (a, b) = (r[i & !1], r[i | 1]);
        if i & 1 == 0 {
            vtrn1q_s16(a, b)
        } else {
            vtrn2q_s16(a, b)
        }
    });
    let t32 = |i: usize| vreinterpretq_s32_s16(t[i]);
    // Then 2x2 blocks of 32-bit pairs: for the rows 4g..4g+4, columns (0, 4), (1, 5), (2, 6),
    // (3, 7) in u[4g..4g+4].
    let u: [int32x4_t; 8] = std::array::from_fn(|i| {
        let g = i & 4;
        match i & 3 {
            0 => vtrn1q_s32(t32(g), t32(g + 2)),
            1 => vtrn1q_s32(t32(g + 1), t32(g + 3)),
            2 => vtrn2q_s32(t32(g), t32(g + 2)),
            _ => vtrn2q_s32(t32(g + 1), t32(g + 3)),
        }
    });
    // Then 64-bit halves: column c (c < 4) is the low halves of u[c] and u[c + 4], column
    // c + 4 their high halves.
    std::array::from_fn(|c| {
        let (a, b) = (
            vreinterpretq_s64_s32(u[c & 3]),
            vreinterpretq_s64_s32(u[(c & 3) + 4]),
        );
        vreinterpretq_s16_s64(if c < 4 {
            vtrn1q_s64(a, b)
        } else {
            vtrn2q_s64(a, b)
        })
    })
}

/// 16-bit differences of 8 samples.
#[inline(always)]
unsafe fn diff8(src: &[u8], pred: &[u8]) -> int16x8_t {
    let (a, b) = (vld1_u8(src[..8].as_ptr()), vld1_u8(pred[..8].as_ptr()));
    vreinterpretq_s16_u16(vsubl_u8(a, b))
}

/// The scaled SATD of the 8x8 block of rows `d` (differences).
#[inline(always)]
unsafe fn satd8x8(mut d: [int16x8_t; 8]) -> u32 {
    for h in [1, 2, 4] {
        stage(&mut d, h);
    }
    let mut t = transpose8(d);
    for h in [1, 2] {
        stage(&mut t, h);
    }
    // max(|a|, |b|) <= 64 * 255: four of them per lane fit an unsigned 16-bit lane.
    let m = |j: usize| vreinterpretq_u16_s16(vmaxq_s16(vabsq_s16(t[j]), vabsq_s16(t[j + 4])));
    let s = vaddq_u16(vaddq_u16(m(0), m(1)), vaddq_u16(m(2), m(3)));
    // The sum of |coefficients| is twice the max-sum; scaled (sum + 2) >> 2.
    (vaddlvq_u16(s) + 1) >> 1
}

/// The scaled SATD of a 4x4 block: `r01` holds the differences of rows 0 and 1, `r23` of rows
/// 2 and 3.
#[inline(always)]
unsafe fn satd4x4(r01: int16x8_t, r23: int16x8_t) -> u32 {
    // Vertical, pairs (0, 2), (1, 3): [r0+r2 | r1+r3] and [r0-r2 | r1-r3]; then pairs of
    // those: a = [V0 | V2], b = [V1 | V3] (coefficient rows of 4 columns, in some order).
    let (s, d) = (vaddq_s16(r01, r23), vsubq_s16(r01, r23));
    let lo = vcombine_s16(vget_low_s16(s), vget_low_s16(d));
    let hi = vcombine_s16(vget_high_s16(s), vget_high_s16(d));
    let (a, b) = (vaddq_s16(lo, hi), vsubq_s16(lo, hi));
    // Horizontal, columns (0, 1), (2, 3): even columns of every row against odd ones.
    let (x, y) = (vtrn1q_s16(a, b), vtrn2q_s16(a, b));
    let (s, d) = (vaddq_s16(x, y), vsubq_s16(x, y));
    // Columns (0+1, 2+3) and (0-1, 2-3): lane pairs 32 bits apart, brought level.
    let (s, d) = (vreinterpretq_s32_s16(s), vreinterpretq_s32_s16(d));
    let p = vreinterpretq_s16_s32(vtrn1q_s32(s, d));
    let q = vreinterpretq_s16_s32(vtrn2q_s32(s, d));
    // The last stage folded: |p+q| + |p-q| = 2 max(|p|, |q|); |coefficient| <= 16 * 255.
    let m = vmaxq_s16(vabsq_s16(p), vabsq_s16(q));
    // The sum of |coefficients| is twice the max-sum; scaled (sum + 1) >> 1 = the max-sum.
    vaddlvq_u16(vreinterpretq_u16_s16(m))
}

/// `src` and `pred` are n x n (n = 4, 8, 16 or 32), row-major.
///
/// # Safety
/// The CPU must support NEON.
#[target_feature(enable = "neon")]
pub(super) unsafe fn satd(src: &[u8], pred: &[u8], n: usize) -> u32 {
    let (src, pred) = (&src[..n * n], &pred[..n * n]);
    if n < 8 {
        // One packed 4x4 block: rows 0-1 and 2-3 are 8 contiguous bytes each.
        return satd4x4(diff8(src, pred), diff8(&src[8..], &pred[8..]));
    }
    let mut total = 0;
    for by in (0..n).step_by(8) {
        for bx in (0..n).step_by(8) {
            let d: [int16x8_t; 8] = std::array::from_fn(|r| {
                let i = (by + r) * n + bx;
                diff8(&src[i..], &pred[i..])
            });
            total += satd8x8(d);
        }
    }
    total
}
