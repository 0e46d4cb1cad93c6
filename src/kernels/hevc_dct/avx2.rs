//! The even/odd forward DCT in 16-bit lanes with `pmaddwd` (16 multiply-adds per
//! instruction against 8 for 32-bit lanes). Rows: residuals packed to 16 bits, e/o halves
//! stored once, then each e/o pair is broadcast against the pair table (outputs in lanes).
//! Columns: e/o rows with 16-bit adds, interleaved in pairs of rows, times the broadcast
//! pair (rows' x positions in lanes). First-pass outputs are within ±32640; the column e/o
//! sums fit 16 bits when every first-pass output is below 2^14, which holds unless nearly
//! the whole block's residual is beyond ±128. Otherwise (checked) the block goes to the
//! scalar transform (compiled with AVX2), so the results always equal `scalar::forward`.
//! The inverse transform and the other sizes are the scalar source compiled with AVX2.

use super::Matrices;
use std::arch::x86_64::*;

#[inline(always)]
unsafe fn bcast(t: &[i32], i: usize) -> __m256i {
    _mm256_set1_epi32(t[i])
}

crate::kernels::avx2_build!(pub(super) fn inverse(mx: &Matrices, coef: &[i32], res: &mut [i32], log2: u32, dst: bool) => super::scalar::inverse);

/// Forward transform: the 16-bit kernel for 16x16 and 32x32 (most of the encoder's transform
/// time) when its range check passes, else the scalar source.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn forward(mx: &Matrices, res: &[i32], coef: &mut [i32], log2: u32, dst: bool) {
    if log2 >= 4 {
        let done = if log2 == 5 {
            forward_16bit::<32>(mx, res, coef)
        } else {
            forward_16bit::<16>(mx, res, coef)
        };
        if done {
            return;
        }
    }
    super::scalar::forward(mx, res, coef, log2, dst)
}

/// N = 16 or 32; `res` and `coef` hold N*N values, row-major. Returns false (and leaves
/// `coef` alone) when a first-pass output reaches 2^14.
#[target_feature(enable = "avx2")]
unsafe fn forward_16bit<const N: usize>(mx: &Matrices, res: &[i32], coef: &mut [i32]) -> bool {
    let h = N / 2;
    let g_n = N / 16; // 16-lane groups per row
    let log2 = N.trailing_zeros();
    let [pe, po] = &mx.pairs[log2 as usize - 4];
    let (pe, po) = (&pe[..], &po[..]);
    let s1 = _mm_cvtsi32_si128(log2 as i32 - 1);
    let r1 = _mm256_set1_epi32(1 << (log2 - 2));
    let s2 = _mm_cvtsi32_si128(log2 as i32 + 6);
    let r2 = _mm256_set1_epi32(1 << (log2 + 5));
    let rev8 = _mm_setr_epi8(14, 15, 12, 13, 10, 11, 8, 9, 6, 7, 4, 5, 2, 3, 0, 1);
    let res = &res[..N * N];
    let coef = &mut coef[..N * N];

    // Pass 1, rows: tmp[y * g_n + g] = 16 outputs of row y (natural order), 16 bits.
    let mut tmp = [_mm256_setzero_si256(); 64];
    let mut big = _mm256_setzero_si256();
    let mut e = [0i16; 16];
    let mut o = [0i16; 16];
    for y in 0..N {
        let row = &res[y * N..(y + 1) * N];
        let ld = |i: usize| _mm256_loadu_si256(row[8 * i..].as_ptr() as *const __m256i);
        // packs interleaves 128-bit halves; permute 0xD8 restores x order.
        let x0 = _mm256_permute4x64_epi64::<0xD8>(_mm256_packs_epi32(ld(0), ld(1)));
        if N == 32 {
            let x1 = _mm256_permute4x64_epi64::<0xD8>(_mm256_packs_epi32(ld(2), ld(3)));
            let rv = _mm256_permute4x64_epi64::<0x4E>(_mm256_shuffle_epi8(
                x1,
                _mm256_broadcastsi128_si256(rev8),
            ));
            _mm256_storeu_si256(e.as_mut_ptr() as *mut __m256i, _mm256_add_epi16(x0, rv));
            _mm256_storeu_si256(o.as_mut_ptr() as *mut __m256i, _mm256_sub_epi16(x0, rv));
        } else {
            let lo = _mm256_castsi256_si128(x0);
            let rv = _mm_shuffle_epi8(_mm256_extracti128_si256::<1>(x0), rev8);
            _mm_storeu_si128(e.as_mut_ptr() as *mut __m128i, _mm_add_epi16(lo, rv));
            _mm_storeu_si128(o.as_mut_ptr() as *mut __m128i, _mm_sub_epi16(lo, rv));
        }
        let (ep, op) = (e.as_ptr() as *const i32, o.as_ptr() as *const i32);
        let mut ea = [_mm256_setzero_si256(); 2];
        let mut oa = [_mm256_setzero_si256(); 2];
        for p in 0..h / 2 {
            let be = _mm256_set1_epi32(ep.add(p).read_unaligned());
            let bo = _mm256_set1_epi32(op.add(p).read_unaligned());
            for g in 0..g_n {
                let te = _mm256_loadu_si256(pe[p * h + 8 * g..].as_ptr() as *const __m256i);
                let to = _mm256_loadu_si256(po[p * h + 8 * g..].as_ptr() as *const __m256i);
                ea[g] = _mm256_add_epi32(ea[g], _mm256_madd_epi16(be, te));
                oa[g] = _mm256_add_epi32(oa[g], _mm256_madd_epi16(bo, to));
            }
        }
        for g in 0..g_n {
            let ev = _mm256_sra_epi32(_mm256_add_epi32(ea[g], r1), s1);
            let ov = _mm256_sra_epi32(_mm256_add_epi32(oa[g], r1), s1);
            // (e_i, o_i) interleaved is k = 2i, 2i+1: natural order after the pack.
            let t =
                _mm256_packs_epi32(_mm256_unpacklo_epi32(ev, ov), _mm256_unpackhi_epi32(ev, ov));
            big = _mm256_or_si256(big, _mm256_abs_epi16(t));
            tmp[y * g_n + g] = t;
        }
    }
    // Any |value| >= 2^14 sets bit 14 or 15 of the OR of magnitudes.
    let over = _mm256_and_si256(big, _mm256_set1_epi16(0xC000u16 as i16));
    if _mm256_testz_si256(over, over) == 0 {
        return false;
    }

    // Pass 2, columns, per group of 16 x positions.
    for g in 0..g_n {
        let mut el = [_mm256_setzero_si256(); 8];
        let mut eh = [_mm256_setzero_si256(); 8];
        let mut ol = [_mm256_setzero_si256(); 8];
        let mut oh = [_mm256_setzero_si256(); 8];
        for p in 0..h / 2 {
            let (j0, j1) = (2 * p, 2 * p + 1);
            let a0 = tmp[j0 * g_n + g];
            let b0 = tmp[(N - 1 - j0) * g_n + g];
            let a1 = tmp[j1 * g_n + g];
            let b1 = tmp[(N - 1 - j1) * g_n + g];
            let (e0, e1) = (_mm256_adds_epi16(a0, b0), _mm256_adds_epi16(a1, b1));
            let (o0, o1) = (_mm256_subs_epi16(a0, b0), _mm256_subs_epi16(a1, b1));
            el[p] = _mm256_unpacklo_epi16(e0, e1);
            eh[p] = _mm256_unpackhi_epi16(e0, e1);
            ol[p] = _mm256_unpacklo_epi16(o0, o1);
            oh[p] = _mm256_unpackhi_epi16(o0, o1);
        }
        for i in 0..h {
            for (odd, (lo, hi), t) in [(0, (&el, &eh), pe), (1, (&ol, &oh), po)] {
                let mut al = _mm256_setzero_si256();
                let mut ah = _mm256_setzero_si256();
                for p in 0..h / 2 {
                    let k = bcast(t, p * h + i);
                    al = _mm256_add_epi32(al, _mm256_madd_epi16(lo[p], k));
                    ah = _mm256_add_epi32(ah, _mm256_madd_epi16(hi[p], k));
                }
                // al holds x 0-3 | 8-11 of the group, ah 4-7 | 12-15.
                let al = _mm256_sra_epi32(_mm256_add_epi32(al, r2), s2);
                let ah = _mm256_sra_epi32(_mm256_add_epi32(ah, r2), s2);
                let out = &mut coef[(2 * i + odd) * N + 16 * g..][..16];
                _mm256_storeu_si256(
                    out.as_mut_ptr() as *mut __m256i,
                    _mm256_permute2x128_si256::<0x20>(al, ah),
                );
                _mm256_storeu_si256(
                    out[8..].as_mut_ptr() as *mut __m256i,
                    _mm256_permute2x128_si256::<0x31>(al, ah),
                );
            }
        }
    }
    true
}
