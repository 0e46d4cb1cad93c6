//! AVX2: two blocks at once in 16-bit lanes (see `kernels::jpeg_block`). Every function
//! needs AVX2.

use super::{to_zigzag, Coefs, QuantRecip, BLOCKS_PER_MCU};
use std::arch::x86_64::*;

// The rotation constants of the DCT (13-bit fixed point), combined below so each output is
// one `pmaddwd` of an interleaved pair.
use super::{
    F0_298, F0_390, F0_541, F0_765, F0_899, F1_175, F1_501, F1_847, F1_961, F2_053, F2_562, F3_072,
};

/// `pmaddwd` operand: a*lo + b*hi for the pair (a, b).
#[inline(always)]
unsafe fn pair(lo: i32, hi: i32) -> __m256i {
    _mm256_set1_epi32((hi << 16) | (lo & 0xFFFF))
}

/// (a*k1.lo + b*k1.hi, a*k2.lo + b*k2.hi) as 32-bit (low, high) halves of the 16 lanes.
#[inline(always)]
unsafe fn rot(a: __m256i, b: __m256i, k1: __m256i, k2: __m256i) -> [__m256i; 4] {
    let lo = _mm256_unpacklo_epi16(a, b);
    let hi = _mm256_unpackhi_epi16(a, b);
    [
        _mm256_madd_epi16(lo, k1),
        _mm256_madd_epi16(hi, k1),
        _mm256_madd_epi16(lo, k2),
        _mm256_madd_epi16(hi, k2),
    ]
}

/// Adds two 32-bit (low, high) pairs, rounds off `n` bits and packs back to 16 lanes.
#[inline(always)]
unsafe fn descale(n: i32, alo: __m256i, ahi: __m256i, blo: __m256i, bhi: __m256i) -> __m256i {
    let r = _mm256_set1_epi32(1 << (n - 1));
    let count = _mm_cvtsi32_si128(n);
    let lo = _mm256_sra_epi32(_mm256_add_epi32(_mm256_add_epi32(alo, blo), r), count);
    let hi = _mm256_sra_epi32(_mm256_add_epi32(_mm256_add_epi32(ahi, bhi), r), count);
    _mm256_packs_epi32(lo, hi)
}

/// One 1-D pass across the 8 registers, lane-wise (as the scalar `pass`).
#[inline(always)]
unsafe fn pass<const FIRST: bool>(v: &mut [__m256i; 8]) {
    // Pass 1 keeps two extra bits (CONST_BITS - 2), pass 2 removes them (CONST_BITS + 2).
    let sh = if FIRST { 11 } else { 15 };
    let t0 = _mm256_add_epi16(v[0], v[7]);
    let t7 = _mm256_sub_epi16(v[0], v[7]);
    let t1 = _mm256_add_epi16(v[1], v[6]);
    let t6 = _mm256_sub_epi16(v[1], v[6]);
    let t2 = _mm256_add_epi16(v[2], v[5]);
    let t5 = _mm256_sub_epi16(v[2], v[5]);
    let t3 = _mm256_add_epi16(v[3], v[4]);
    let t4 = _mm256_sub_epi16(v[3], v[4]);
    let t10 = _mm256_add_epi16(t0, t3);
    let t13 = _mm256_sub_epi16(t0, t3);
    let t11 = _mm256_add_epi16(t1, t2);
    let t12 = _mm256_sub_epi16(t1, t2);
    let zero = _mm256_setzero_si256();
    if FIRST {
        v[0] = _mm256_slli_epi16::<2>(_mm256_add_epi16(t10, t11));
        v[4] = _mm256_slli_epi16::<2>(_mm256_sub_epi16(t10, t11));
    } else {
        let two = _mm256_set1_epi16(2);
        v[0] = _mm256_srai_epi16::<2>(_mm256_add_epi16(_mm256_add_epi16(t10, t11), two));
        v[4] = _mm256_srai_epi16::<2>(_mm256_add_epi16(_mm256_sub_epi16(t10, t11), two));
    }
    let [a, b, c, d] = rot(
        t13,
        t12,
        pair(F0_541 + F0_765, F0_541),
        pair(F0_541, F0_541 - F1_847),
    );
    v[2] = descale(sh, a, b, zero, zero);
    v[6] = descale(sh, c, d, zero, zero);
    let z3 = _mm256_add_epi16(t4, t6);
    let z4 = _mm256_add_epi16(t5, t7);
    let [z3l, z3h, z4l, z4h] = rot(
        z3,
        z4,
        pair(F1_175 - F1_961, F1_175),
        pair(F1_175, F1_175 - F0_390),
    );
    let [a7l, a7h, a1l, a1h] = rot(
        t4,
        t7,
        pair(F0_298 - F0_899, -F0_899),
        pair(-F0_899, F1_501 - F0_899),
    );
    let [a5l, a5h, a3l, a3h] = rot(
        t5,
        t6,
        pair(F2_053 - F2_562, -F2_562),
        pair(-F2_562, F3_072 - F2_562),
    );
    v[7] = descale(sh, a7l, a7h, z3l, z3h);
    v[1] = descale(sh, a1l, a1h, z4l, z4h);
    v[5] = descale(sh, a5l, a5h, z4l, z4h);
    v[3] = descale(sh, a3l, a3h, z3l, z3h);
}

/// Transposes the 8x8 16-bit matrix held in each 128-bit half of the 8 registers.
#[inline(always)]
unsafe fn transpose(r: &[__m256i; 8]) -> [__m256i; 8] {
    let a0 = _mm256_unpacklo_epi16(r[0], r[1]);
    let a1 = _mm256_unpackhi_epi16(r[0], r[1]);
    let a2 = _mm256_unpacklo_epi16(r[2], r[3]);
    let a3 = _mm256_unpackhi_epi16(r[2], r[3]);
    let a4 = _mm256_unpacklo_epi16(r[4], r[5]);
    let a5 = _mm256_unpackhi_epi16(r[4], r[5]);
    let a6 = _mm256_unpacklo_epi16(r[6], r[7]);
    let a7 = _mm256_unpackhi_epi16(r[6], r[7]);
    let b0 = _mm256_unpacklo_epi32(a0, a2);
    let b1 = _mm256_unpackhi_epi32(a0, a2);
    let b2 = _mm256_unpacklo_epi32(a1, a3);
    let b3 = _mm256_unpackhi_epi32(a1, a3);
    let b4 = _mm256_unpacklo_epi32(a4, a6);
    let b5 = _mm256_unpackhi_epi32(a4, a6);
    let b6 = _mm256_unpacklo_epi32(a5, a7);
    let b7 = _mm256_unpackhi_epi32(a5, a7);
    [
        _mm256_unpacklo_epi64(b0, b4),
        _mm256_unpackhi_epi64(b0, b4),
        _mm256_unpacklo_epi64(b1, b5),
        _mm256_unpackhi_epi64(b1, b5),
        _mm256_unpacklo_epi64(b2, b6),
        _mm256_unpackhi_epi64(b2, b6),
        _mm256_unpacklo_epi64(b3, b7),
        _mm256_unpackhi_epi64(b3, b7),
    ]
}

/// DCT, quantisation and masks of two blocks: `rows[y]` holds row y of block `a` in its low
/// 128 bits and of block `b` in its high 128 bits, as level-shifted 16-bit samples. Returns
/// the zig-zag nonzero AC masks of `a` and `b`.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
unsafe fn pair_blocks(
    mut rows: [__m256i; 8],
    q: &QuantRecip,
    a: &mut Coefs,
    b: &mut Coefs,
) -> (u64, u64) {
    pass::<true>(&mut rows);
    let mut c = transpose(&rows);
    pass::<false>(&mut c);
    let max = _mm256_set1_epi16(1023);
    let zero = _mm256_setzero_si256();
    let mut ma = 0u64;
    let mut mb = 0u64;
    for u in 0..8 {
        let ld = |t: &[u16; 128]| _mm256_loadu_si256(t[u * 16..].as_ptr() as *const __m256i);
        let x = c[u];
        let sign = _mm256_srai_epi16::<15>(x);
        let abs = _mm256_add_epi16(_mm256_abs_epi16(x), ld(&q.half));
        let qv = _mm256_mulhi_epu16(_mm256_mulhi_epu16(abs, ld(&q.mul)), ld(&q.scale));
        let qv = _mm256_min_epi16(qv, max);
        c[u] = _mm256_sub_epi16(_mm256_xor_si256(qv, sign), sign);
        _mm_storeu_si128(
            a[u * 8..].as_mut_ptr() as *mut __m128i,
            _mm256_castsi256_si128(c[u]),
        );
        _mm_storeu_si128(
            b[u * 8..].as_mut_ptr() as *mut __m128i,
            _mm256_extracti128_si256::<1>(c[u]),
        );
    }
    for p in 0..4 {
        let packed = _mm256_packs_epi16(c[2 * p], c[2 * p + 1]);
        let zeros = _mm256_movemask_epi8(_mm256_cmpeq_epi8(packed, zero)) as u32;
        let nz = !zeros;
        ma |= ((nz & 0xFFFF) as u64) << (16 * p);
        mb |= ((nz >> 16) as u64) << (16 * p);
    }
    (to_zigzag(ma & !1), to_zigzag(mb & !1))
}

/// Rows of two horizontally adjacent luma blocks at (x0, y0), edges replicated.
///
/// # Safety
/// The CPU must support AVX2.
#[inline(always)]
unsafe fn load_luma_pair(y: &[u8], w: usize, h: usize, x0: usize, y0: usize) -> [__m256i; 8] {
    let bias = _mm256_set1_epi16(128);
    let full = x0 + 16 <= w && y0 + 8 <= h;
    let mut rows = [_mm256_setzero_si256(); 8];
    for (r, row) in rows.iter_mut().enumerate() {
        let bytes = if full {
            let s = &y[(y0 + r) * w + x0..(y0 + r) * w + x0 + 16];
            _mm_loadu_si128(s.as_ptr() as *const __m128i)
        } else {
            let yy = (y0 + r).min(h - 1);
            let tmp: [u8; 16] = std::array::from_fn(|c| y[yy * w + (x0 + c).min(w - 1)]);
            _mm_loadu_si128(tmp.as_ptr() as *const __m128i)
        };
        *row = _mm256_sub_epi16(_mm256_cvtepu8_epi16(bytes), bias);
    }
    rows
}

/// Rows of the Cb (low half) and Cr (high half) blocks at chroma (x0, y0) of the NV12 UV
/// plane, edges replicated.
///
/// # Safety
/// The CPU must support AVX2.
#[inline(always)]
unsafe fn load_chroma_pair(
    uv: &[u8],
    w: usize,
    cw: usize,
    ch: usize,
    x0: usize,
    y0: usize,
) -> [__m256i; 8] {
    let bias = _mm256_set1_epi16(128);
    let split = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
    let mut rows = [_mm256_setzero_si256(); 8];
    for (r, row) in rows.iter_mut().enumerate() {
        let yy = (y0 + r).min(ch - 1);
        let line = &uv[yy * w..yy * w + 2 * cw];
        let bytes = if x0 + 8 <= cw {
            let s = &line[2 * x0..2 * x0 + 16];
            _mm_loadu_si128(s.as_ptr() as *const __m128i)
        } else {
            let tmp: [u8; 16] = std::array::from_fn(|i| line[2 * (x0 + i / 2).min(cw - 1) + i % 2]);
            _mm_loadu_si128(tmp.as_ptr() as *const __m128i)
        };
        let planar = _mm_shuffle_epi8(bytes, split);
        *row = _mm256_sub_epi16(_mm256_cvtepu8_epi16(planar), bias);
    }
    rows
}

/// Transform of MCU rows (see `kernels::jpeg_block::transform_rows`): per MCU, the two luma
/// block pairs and the Cb/Cr pair.
///
/// # Safety
/// The CPU must support AVX2.
#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "avx2")]
pub(super) unsafe fn transform_rows(
    y: &[u8],
    uv: &[u8],
    w: usize,
    h: usize,
    qt: &[QuantRecip; 2],
    row0: usize,
    out: &mut [Coefs],
    masks: &mut [u64],
) {
    let (cw, ch) = (w / 2, h / 2);
    let mcu_cols = w.div_ceil(16);
    let mcus = out
        .chunks_mut(BLOCKS_PER_MCU)
        .zip(masks.chunks_mut(BLOCKS_PER_MCU));
    for (i, (mcu, m)) in mcus.enumerate() {
        let my = row0 + i / mcu_cols;
        let mx = i % mcu_cols;
        let ([c0, c1, c2, c3, c4, c5], [m0, m1, m2, m3, m4, m5]) = (mcu, m) else {
            unreachable!("MCU of six blocks");
        };
        let rows = load_luma_pair(y, w, h, mx * 16, my * 16);
        (*m0, *m1) = pair_blocks(rows, &qt[0], c0, c1);
        let rows = load_luma_pair(y, w, h, mx * 16, my * 16 + 8);
        (*m2, *m3) = pair_blocks(rows, &qt[0], c2, c3);
        let rows = load_chroma_pair(uv, w, cw, ch, mx * 8, my * 8);
        (*m4, *m5) = pair_blocks(rows, &qt[1], c4, c5);
    }
}
