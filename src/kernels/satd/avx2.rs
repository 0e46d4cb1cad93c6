//! AVX2: SATD of 8x8 blocks in 16-bit lanes: Hadamard across the 8 row registers, an 8x8
//! transpose (per 128-bit half), the Hadamard's first two stages again, and the last stage
//! folded into the sum as |a+b| + |a-b| = 2 max(|a|, |b|). Differences are within ±255, so
//! every value fits 16 bits (|coefficient| <= 64 * 255). Equal to `scalar::satd`.
//! 4x4 blocks run the scalar source compiled with AVX2.

use std::arch::x86_64::*;

/// One template for 128-bit (one block) and 256-bit (two blocks) registers: returns the
/// per-32-bit-lane sums of max(|a|, |b|) over the last stage's pairs.
macro_rules! half_satd {
    ($name:ident, $t:ty, $add:ident, $sub:ident, $lo16:ident, $hi16:ident, $lo32:ident,
     $hi32:ident, $lo64:ident, $hi64:ident, $abs:ident, $max:ident, $madd:ident,
     $set1:ident, $add32:ident) => {
        #[inline(always)]
        unsafe fn $name(mut d: [$t; 8]) -> $t {
            for h in [1, 2, 4] {
                for j in (0..8).filter(|j| j & h == 0) {
                    let (a, b) = (d[j], d[j + h]);
                    d[j] = $add(a, b);
                    d[j + h] = $sub(a, b);
                }
            }
            let a = [
                $lo16(d[0], d[1]),
                $hi16(d[0], d[1]),
                $lo16(d[2], d[3]),
                $hi16(d[2], d[3]),
                $lo16(d[4], d[5]),
                $hi16(d[4], d[5]),
                $lo16(d[6], d[7]),
                $hi16(d[6], d[7]),
            ];
            let b = [
                $lo32(a[0], a[2]),
                $hi32(a[0], a[2]),
                $lo32(a[1], a[3]),
                $hi32(a[1], a[3]),
                $lo32(a[4], a[6]),
                $hi32(a[4], a[6]),
                $lo32(a[5], a[7]),
                $hi32(a[5], a[7]),
            ];
            let mut t = [
                $lo64(b[0], b[4]),
                $hi64(b[0], b[4]),
                $lo64(b[1], b[5]),
                $hi64(b[1], b[5]),
                $lo64(b[2], b[6]),
                $hi64(b[2], b[6]),
                $lo64(b[3], b[7]),
                $hi64(b[3], b[7]),
            ];
            for h in [1, 2] {
                for j in (0..8).filter(|j| j & h == 0) {
                    let (a, b) = (t[j], t[j + h]);
                    t[j] = $add(a, b);
                    t[j + h] = $sub(a, b);
                }
            }
            let ones = $set1(1);
            let mut acc = $madd($max($abs(t[0]), $abs(t[4])), ones);
            for j in 1..4 {
                let m = $max($abs(t[j]), $abs(t[j + 4]));
                acc = $add32(acc, $madd(m, ones));
            }
            acc
        }
    };
}

half_satd!(
    satd_128,
    __m128i,
    _mm_add_epi16,
    _mm_sub_epi16,
    _mm_unpacklo_epi16,
    _mm_unpackhi_epi16,
    _mm_unpacklo_epi32,
    _mm_unpackhi_epi32,
    _mm_unpacklo_epi64,
    _mm_unpackhi_epi64,
    _mm_abs_epi16,
    _mm_max_epi16,
    _mm_madd_epi16,
    _mm_set1_epi16,
    _mm_add_epi32
);
half_satd!(
    satd_256,
    __m256i,
    _mm256_add_epi16,
    _mm256_sub_epi16,
    _mm256_unpacklo_epi16,
    _mm256_unpackhi_epi16,
    _mm256_unpacklo_epi32,
    _mm256_unpackhi_epi32,
    _mm256_unpacklo_epi64,
    _mm256_unpackhi_epi64,
    _mm256_abs_epi16,
    _mm256_max_epi16,
    _mm256_madd_epi16,
    _mm256_set1_epi16,
    _mm256_add_epi32
);

#[inline(always)]
unsafe fn hsum(v: __m128i) -> u32 {
    let v = _mm_add_epi32(v, _mm_shuffle_epi32::<0x4E>(v));
    let v = _mm_add_epi32(v, _mm_shuffle_epi32::<0xB1>(v));
    _mm_cvtsi128_si32(v) as u32
}

/// `src` and `pred` are n x n (n = 4, 8, 16 or 32), row-major.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn satd(src: &[u8], pred: &[u8], n: usize) -> u32 {
    if n < 8 {
        return super::scalar::satd(src, pred, n);
    }
    let (src, pred) = (&src[..n * n], &pred[..n * n]);
    // Each 8x8 block's sum of |coefficients| = 2 * max-sum, scaled (sum + 2) >> 2.
    if n == 8 {
        let d: [__m128i; 8] = std::array::from_fn(|r| {
            let a = _mm_loadl_epi64(src[r * 8..].as_ptr() as *const __m128i);
            let b = _mm_loadl_epi64(pred[r * 8..].as_ptr() as *const __m128i);
            _mm_sub_epi16(_mm_cvtepu8_epi16(a), _mm_cvtepu8_epi16(b))
        });
        return (hsum(satd_128(d)) + 1) >> 1;
    }
    let mut total = 0;
    for by in (0..n).step_by(8) {
        for bx in (0..n).step_by(16) {
            let d: [__m256i; 8] = std::array::from_fn(|r| {
                let i = (by + r) * n + bx;
                let a = _mm_loadu_si128(src[i..i + 16].as_ptr() as *const __m128i);
                let b = _mm_loadu_si128(pred[i..i + 16].as_ptr() as *const __m128i);
                _mm256_sub_epi16(_mm256_cvtepu8_epi16(a), _mm256_cvtepu8_epi16(b))
            });
            let m = satd_256(d);
            total += (hsum(_mm256_castsi256_si128(m)) + 1) >> 1;
            total += (hsum(_mm256_extracti128_si256::<1>(m)) + 1) >> 1;
        }
    }
    total
}
