//! The per-block hot path of the MJPEG encoder: forward DCT, quantisation and the nonzero mask
//! in zig-zag order. Two builds give identical numbers: a portable one (one block at a time,
//! `dct::fdct` in 32-bit lanes) and an AVX2 one that codes two blocks at once in 16-bit lanes —
//! one 128-bit half per block (two luma blocks side by side, or the Cb and Cr blocks that NV12
//! interleaves), with `pmaddwd` for the rotations, a per-half 8x8 transpose between the passes,
//! and quantisation by two unsigned multiply-highs.
//!
//! Coefficients are kept in transposed natural order (index u*8+v for horizontal frequency u,
//! vertical v), the order the DCT's second pass produces; `ZZ_T` maps zig-zag positions to it.

use super::dct;
use super::tables::ZIGZAG;

/// Quantised coefficients of one 8x8 block in transposed natural order (index u*8+v).
pub type Coefs = [i16; 64];

/// Transposed-natural index of the k-th coefficient in zig-zag order.
pub(crate) const ZZ_T: [u8; 64] = {
    let mut t = [0u8; 64];
    let mut k = 0;
    while k < 64 {
        let n = ZIGZAG[k];
        t[k] = ((n % 8) * 8 + n / 8) as u8;
        k += 1;
    }
    t
};

/// Zig-zag position of each transposed-natural index.
const ZZ_OF_T: [u8; 64] = {
    let mut t = [0u8; 64];
    let mut k = 0;
    while k < 64 {
        t[ZZ_T[k] as usize] = k as u8;
        k += 1;
    }
    t
};

/// `ZZ_MASK[j][b]`: the zig-zag-order bits of byte j (indices 8j..8j+8) of a transposed-order
/// mask. Eight lookups permute a 64-bit mask (16 KiB, stays in L1).
static ZZ_MASK: [[u64; 256]; 8] = {
    let mut t = [[0u64; 256]; 8];
    let mut j = 0;
    while j < 8 {
        let mut b = 0;
        while b < 256 {
            let mut m = 0u64;
            let mut i = 0;
            while i < 8 {
                if b >> i & 1 == 1 {
                    m |= 1u64 << ZZ_OF_T[8 * j + i];
                }
                i += 1;
            }
            t[j][b] = m;
            b += 1;
        }
        j += 1;
    }
    t
};

/// Nonzero mask in zig-zag order (bit k = zig-zag coefficient k) of a transposed-order mask.
#[inline(always)]
fn to_zigzag(m: u64) -> u64 {
    let mut z = 0;
    for (j, t) in ZZ_MASK.iter().enumerate() {
        z |= t[(m >> (8 * j)) as u8 as usize];
    }
    z
}

/// Division by 8*Q (the DCT output is scaled by 8) rounding half away from zero, as
/// `((|x| + 4Q) * mul >> 16) * scale >> 16` with mul = ceil(2^(16+s) / 8Q), s = floor(log2(8Q-1)),
/// scale = 2^(16-s). Exact for |x| + 4Q < 2^15 (the error term stays below 1/(8Q)); DCT output
/// is within ±8192. Entries are in transposed order, each row of 8 repeated for both 128-bit
/// halves (index u*16 + half*8 + v), as the AVX2 kernel loads them.
#[derive(Clone)]
pub struct QuantRecip {
    half: [u16; 128],
    mul: [u16; 128],
    scale: [u16; 128],
}

impl QuantRecip {
    /// From a quantisation table in natural order (entries 1..=255).
    pub fn new(q: &[u16; 64]) -> Self {
        let mut r = QuantRecip {
            half: [0; 128],
            mul: [0; 128],
            scale: [0; 128],
        };
        for u in 0..8 {
            for v in 0..8 {
                let d = 8 * q[v * 8 + u] as u32;
                let s = 31 - (d - 1).leading_zeros();
                let mul = (1u32 << (16 + s)).div_ceil(d);
                debug_assert!(mul < 65536 && (2..16).contains(&s));
                for half in 0..2 {
                    let i = u * 16 + half * 8 + v;
                    r.half[i] = (d / 2) as u16;
                    r.mul[i] = mul as u16;
                    r.scale[i] = (1u32 << (16 - s)) as u16;
                }
            }
        }
        r
    }

    /// Quantises one coefficient at transposed index `t`; AC and DC limited to ±1023 so every
    /// symbol stays within baseline's categories.
    #[inline(always)]
    fn quantize(&self, t: usize, x: i32) -> i16 {
        let i = (t / 8) * 16 + t % 8;
        let a = x.unsigned_abs() + self.half[i] as u32;
        let q = ((((a * self.mul[i] as u32) >> 16) * self.scale[i] as u32) >> 16).min(1023) as i32;
        (if x < 0 { -q } else { q }) as i16
    }
}

/// Portable path: DCT, quantisation and zig-zag nonzero AC mask of one block of level-shifted
/// samples `s[y][x]`.
#[inline(always)]
pub fn block(s: &[[i32; 8]; 8], q: &QuantRecip, out: &mut Coefs) -> u64 {
    let c = dct::fdct(s);
    let mut m = 0u64;
    for (t, (&x, o)) in c.as_flattened().iter().zip(out.iter_mut()).enumerate() {
        *o = q.quantize(t, x);
        m |= ((*o != 0) as u64) << t;
    }
    to_zigzag(m & !1)
}

#[cfg(target_arch = "x86_64")]
pub mod avx2 {
    //! Two blocks at once; see the module comment above. Every function needs AVX2.
    use super::{to_zigzag, Coefs, QuantRecip};
    use std::arch::x86_64::*;

    // The rotation constants of `dct.rs` (13-bit fixed point), combined below so each output
    // is one `pmaddwd` of an interleaved pair.
    use crate::mjpeg::dct::{
        F0_298, F0_390, F0_541, F0_765, F0_899, F1_175, F1_501, F1_847, F1_961, F2_053, F2_562,
        F3_072,
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

    /// One 1-D pass across the 8 registers, lane-wise (as `dct::pass`).
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
    pub unsafe fn pair_blocks(
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
    pub unsafe fn load_luma_pair(
        y: &[u8],
        w: usize,
        h: usize,
        x0: usize,
        y0: usize,
    ) -> [__m256i; 8] {
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
    pub unsafe fn load_chroma_pair(
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
                let tmp: [u8; 16] =
                    std::array::from_fn(|i| line[2 * (x0 + i / 2).min(cw - 1) + i % 2]);
                _mm_loadu_si128(tmp.as_ptr() as *const __m128i)
            };
            let planar = _mm_shuffle_epi8(bytes, split);
            *row = _mm256_sub_epi16(_mm256_cvtepu8_epi16(planar), bias);
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mjpeg::tables::*;

    #[test]
    fn zigzag_tables_are_inverse_permutations() {
        let mut seen = [false; 64];
        for k in 0..64 {
            let t = ZZ_T[k] as usize;
            assert!(!seen[t]);
            seen[t] = true;
            assert_eq!(ZZ_OF_T[t] as usize, k);
            // Transposed index t = u*8+v is natural v*8+u.
            assert_eq!((t % 8) * 8 + t / 8, ZIGZAG[k]);
        }
        for t in 0..64 {
            assert_eq!(to_zigzag(1u64 << t), 1u64 << ZZ_OF_T[t]);
        }
    }

    #[test]
    fn reciprocal_quantisation_is_exact_division() {
        for q in 1..=255u16 {
            let r = QuantRecip::new(&[q; 64]);
            let d = 8 * q as i32;
            for x in -8192i32..=8192 {
                // Half away from zero, limited to ±1023.
                let want = ((x.abs() + d / 2) / d).min(1023) * x.signum();
                assert_eq!(r.quantize(9, x) as i32, want, "x {x} q {q}");
            }
        }
    }

    #[test]
    fn block_masks_follow_zigzag() {
        let q = QuantRecip::new(&scaled_table(&STD_LUMA_QUANT, 90));
        let mut s = [[0i32; 8]; 8];
        for (y, row) in s.iter_mut().enumerate() {
            for (x, v) in row.iter_mut().enumerate() {
                *v = ((x * 37 + y * 11) % 97) as i32 - 60;
            }
        }
        let mut c = [0i16; 64];
        let m = block(&s, &q, &mut c);
        for k in 1..64 {
            assert_eq!(m >> k & 1 == 1, c[ZZ_T[k] as usize] != 0, "position {k}");
        }
        assert_eq!(m & 1, 0);
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_pair_equals_two_portable_blocks() {
        if !crate::simd::has_avx2() {
            eprintln!("no AVX2 on this CPU: only the portable kernel runs here");
            return;
        }
        use std::arch::x86_64::*;
        let mut seed = 3u32;
        for trial in 0..3000 {
            let quality = [1, 25, 50, 85, 100][trial % 5];
            let q = QuantRecip::new(&scaled_table(&STD_CHROMA_QUANT, quality));
            let mut sa = [[0i32; 8]; 8];
            let mut sb = [[0i32; 8]; 8];
            for (ra, rb) in sa.iter_mut().zip(sb.iter_mut()) {
                for (a, b) in ra.iter_mut().zip(rb.iter_mut()) {
                    seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
                    // Extremes (all -128 / 127 checkerboards) and noise.
                    *a = if trial % 4 == 0 {
                        ((seed >> 31) as i32) * 255 - 128
                    } else {
                        (seed >> 24) as i32 - 128
                    };
                    *b = if trial % 7 == 0 {
                        -128
                    } else {
                        (seed >> 16) as u8 as i32 - 128
                    };
                }
            }
            // SAFETY: AVX2 checked above.
            let (ma, mb, ca, cb) = unsafe {
                let rows: [__m256i; 8] = std::array::from_fn(|y| {
                    let v: [i16; 16] = std::array::from_fn(|i| {
                        if i < 8 {
                            sa[y][i] as i16
                        } else {
                            sb[y][i - 8] as i16
                        }
                    });
                    _mm256_loadu_si256(v.as_ptr() as *const __m256i)
                });
                let mut ca = [0i16; 64];
                let mut cb = [0i16; 64];
                let (ma, mb) = avx2::pair_blocks(rows, &q, &mut ca, &mut cb);
                (ma, mb, ca, cb)
            };
            let mut pa = [0i16; 64];
            let mut pb = [0i16; 64];
            assert_eq!(ma, block(&sa, &q, &mut pa), "trial {trial}");
            assert_eq!(mb, block(&sb, &q, &mut pb), "trial {trial}");
            assert_eq!(ca, pa, "trial {trial}");
            assert_eq!(cb, pb, "trial {trial}");
        }
    }
}
