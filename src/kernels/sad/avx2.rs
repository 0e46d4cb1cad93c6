//! AVX2: SAD by `vpsadbw` (32 absolute differences summed per instruction) and SSE by 16-bit
//! differences squared and pair-summed with `vpmaddwd`, for widths that are multiples of 8;
//! other widths run the scalar source compiled with AVX2. Integer sums: equal to the scalar
//! ones.

use std::arch::x86_64::*;

/// 8 bytes at the start of `s` in the low half of a register.
#[inline(always)]
unsafe fn load8(s: &[u8]) -> __m128i {
    _mm_loadl_epi64(s[..8].as_ptr() as *const __m128i)
}

#[inline(always)]
unsafe fn load16(s: &[u8]) -> __m128i {
    _mm_loadu_si128(s[..16].as_ptr() as *const __m128i)
}

#[inline(always)]
unsafe fn load32(s: &[u8]) -> __m256i {
    _mm256_loadu_si256(s[..32].as_ptr() as *const __m256i)
}

/// SAD (see `kernels::sad::sad`).
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn sad(a: &[u8], sa: usize, b: &[u8], sb: usize, w: usize, h: usize) -> u32 {
    if w % 8 != 0 {
        return super::scalar::sad(a, sa, b, sb, w, h);
    }
    // 64-bit lane sums of `vpsadbw`.
    let mut acc = _mm256_setzero_si256();
    for r in 0..h {
        let (ra, rb) = (&a[r * sa..r * sa + w], &b[r * sb..r * sb + w]);
        let mut x = 0;
        while x + 32 <= w {
            let d = _mm256_sad_epu8(load32(&ra[x..]), load32(&rb[x..]));
            acc = _mm256_add_epi64(acc, d);
            x += 32;
        }
        if x + 16 <= w {
            let d = _mm_sad_epu8(load16(&ra[x..]), load16(&rb[x..]));
            acc = _mm256_add_epi64(acc, _mm256_castsi128_si256(d));
            x += 16;
        }
        if x < w {
            let d = _mm_sad_epu8(load8(&ra[x..]), load8(&rb[x..]));
            acc = _mm256_add_epi64(acc, _mm256_castsi128_si256(d));
        }
    }
    let s = _mm_add_epi64(
        _mm256_castsi256_si128(acc),
        _mm256_extracti128_si256::<1>(acc),
    );
    (_mm_cvtsi128_si64(s) + _mm_extract_epi64::<1>(s)) as u32
}

/// Squared differences of 16 samples pair-summed into 8 32-bit lanes.
#[inline(always)]
unsafe fn sq16(a: __m128i, b: __m128i) -> __m256i {
    let d = _mm256_sub_epi16(_mm256_cvtepu8_epi16(a), _mm256_cvtepu8_epi16(b));
    _mm256_madd_epi16(d, d)
}

/// SSE (see `kernels::sad::sse`).
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn sse(a: &[u8], sa: usize, b: &[u8], sb: usize, w: usize, h: usize) -> u64 {
    // 32-bit lanes take up to 2 * 255^2 per 16 samples: exact while w * h <= 2^16.
    if w % 8 != 0 || w * h > 1 << 16 {
        return super::scalar::sse(a, sa, b, sb, w, h);
    }
    let mut acc = _mm256_setzero_si256();
    if w == 8 {
        // Two rows per register.
        let mut r = 0;
        while r + 2 <= h {
            let (a0, a1) = (load8(&a[r * sa..]), load8(&a[(r + 1) * sa..]));
            let (b0, b1) = (load8(&b[r * sb..]), load8(&b[(r + 1) * sb..]));
            let d = sq16(_mm_unpacklo_epi64(a0, a1), _mm_unpacklo_epi64(b0, b1));
            acc = _mm256_add_epi32(acc, d);
            r += 2;
        }
        if r < h {
            acc = _mm256_add_epi32(acc, sq16(load8(&a[r * sa..]), load8(&b[r * sb..])));
        }
    } else {
        for r in 0..h {
            let (ra, rb) = (&a[r * sa..r * sa + w], &b[r * sb..r * sb + w]);
            let mut x = 0;
            while x + 16 <= w {
                acc = _mm256_add_epi32(acc, sq16(load16(&ra[x..]), load16(&rb[x..])));
                x += 16;
            }
            if x < w {
                acc = _mm256_add_epi32(acc, sq16(load8(&ra[x..]), load8(&rb[x..])));
            }
        }
    }
    let s = _mm_add_epi32(
        _mm256_castsi256_si128(acc),
        _mm256_extracti128_si256::<1>(acc),
    );
    let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0x4E>(s));
    let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0xB1>(s));
    _mm_cvtsi128_si32(s) as u32 as u64
}
