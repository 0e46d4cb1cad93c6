//! The per-block hot path of the MJPEG encoder over MCU rows of an NV12 picture: forward DCT,
//! quantisation and the nonzero mask in zig-zag order. Two builds give identical numbers: a
//! portable one (one block at a time, `fdct` in 32-bit lanes) and an AVX2 one that codes two blocks at once in 16-bit lanes —
//! one 128-bit half per block (two luma blocks side by side, or the Cb and Cr blocks that NV12
//! interleaves), with `pmaddwd` for the rotations, a per-half 8x8 transpose between the passes,
//! and quantisation by two unsigned multiply-highs.
//!
//! Coefficients are kept in transposed natural order (index u*8+v for horizontal frequency u,
//! vertical v), the order the DCT's second pass produces; `ZZ_T` maps zig-zag positions to it.
//!
//! The forward DCT: the Loeffler–Ligtenberg–Moschytz integer factorisation (12 multiplies
//! per 1-D transform, 13-bit fixed-point constants, two extra bits kept between passes — the
//! accuracy class of libjpeg's "islow", whose structure it follows). Each 1-D pass transforms
//! along the first index of an 8x8 array for all 8 lanes of the second index at once (columns
//! first, then rows). Output is 8x the orthonormal 2-D DCT-II (JPEG's normalisation),
//! transposed, as the second pass leaves it. Every intermediate fits 16 bits, so the AVX2
//! kernel computes exactly the same numbers in 16-bit lanes.

// Level is unused on aarch64 until this kernel has its NEON level.
#[cfg_attr(not(target_arch = "x86_64"), allow(unused_imports))]
use super::{cpu, Cpu, Level};

#[cfg(target_arch = "x86_64")]
mod avx2;
mod scalar;

#[cfg(test)]
pub(crate) use scalar::fdct;

/// Blocks per MCU (4:2:0), in the order the kernel writes them: Y00 Y01 Y10 Y11 Cb Cr.
pub(crate) const BLOCKS_PER_MCU: usize = 6;

/// Fixed-point bits of the rotation constants, and the extra bits kept between the passes.
const CONST_BITS: i32 = 13;
const PASS1_BITS: i32 = 2;

// round(x * 2^13) of the rotation constants (cosines of multiples of pi/16 and their sums).
const F0_298: i32 = 2446;
const F0_390: i32 = 3196;
const F0_541: i32 = 4433;
const F0_765: i32 = 6270;
const F0_899: i32 = 7373;
const F1_175: i32 = 9633;
const F1_501: i32 = 12299;
const F1_847: i32 = 15137;
const F1_961: i32 = 16069;
const F2_053: i32 = 16819;
const F2_562: i32 = 20995;
const F3_072: i32 = 25172;

/// Quantised coefficients of one 8x8 block in transposed natural order (index u*8+v).
pub type Coefs = [i16; 64];

/// Transposed-natural index of the k-th coefficient in zig-zag order: the anti-diagonals
/// u + v = s, odd ones walked with v rising, even ones with v falling (T.81 Figure 5).
pub(crate) const ZZ_T: [u8; 64] = {
    let mut t = [0u8; 64];
    let (mut k, mut s) = (0, 0);
    while s < 15 {
        let lo = if s > 7 { s - 7 } else { 0 };
        let hi = if s < 7 { s } else { 7 };
        let mut i = 0;
        while i <= hi - lo {
            let v = if s % 2 == 1 { lo + i } else { hi - i };
            t[k] = ((s - v) * 8 + v) as u8;
            k += 1;
            i += 1;
        }
        s += 1;
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

/// Transforms and quantises the MCU rows starting at `row0` of the w x h NV12 picture (`y`,
/// interleaved `uv`; partial MCUs padded by edge replication) into `out` (`BLOCKS_PER_MCU`
/// blocks per MCU, as many MCUs as `out` holds) and their zig-zag nonzero AC masks into
/// `masks`. `qt` = [luma, chroma].
#[allow(clippy::too_many_arguments)]
pub fn transform_rows(
    y: &[u8],
    uv: &[u8],
    w: usize,
    h: usize,
    qt: &[QuantRecip; 2],
    row0: usize,
    out: &mut [Coefs],
    masks: &mut [u64],
) {
    transform_rows_on(cpu(), y, uv, w, h, qt, row0, out, masks)
}

#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn transform_rows_on(
    cpu: Cpu,
    y: &[u8],
    uv: &[u8],
    w: usize,
    h: usize,
    qt: &[QuantRecip; 2],
    row0: usize,
    out: &mut [Coefs],
    masks: &mut [u64],
) {
    match cpu.level() {
        // SAFETY: a `Cpu` at level Avx2 exists only on a CPU with AVX2.
        #[cfg(target_arch = "x86_64")]
        Level::Avx2 => unsafe { avx2::transform_rows(y, uv, w, h, qt, row0, out, masks) },
        _ => scalar::transform_rows(y, uv, w, h, qt, row0, out, masks),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testing::{each_simd_level, Rng};

    #[test]
    fn every_level_equals_scalar() {
        let mut rng = Rng(99);
        // Quantisation tables: all 1 (quality 100), all 255 (quality 1), and random entries.
        let mut tables: Vec<[u16; 64]> = vec![[1; 64], [255; 64], [16; 64]];
        for _ in 0..3 {
            tables.push(std::array::from_fn(|_| rng.range(1, 255) as u16));
        }
        // Sizes with partial MCUs on both axes, and one single MCU.
        for (w, h) in [(200usize, 120usize), (34, 18), (16, 16), (2, 2)] {
            let (cw, ch) = (w / 2, h / 2);
            let pattern = |f: &dyn Fn(usize, usize) -> u8| -> (Vec<u8>, Vec<u8>) {
                let y = (0..w * h).map(|i| f(i % w, i / w)).collect();
                let uv = (0..2 * cw * ch)
                    .map(|i| f(i % (2 * cw), i / (2 * cw)))
                    .collect();
                (y, uv)
            };
            let mut pics = vec![
                pattern(&|_, _| 0),
                pattern(&|_, _| 255),
                // Checkerboards and stripes of the extremes: the largest coefficients.
                pattern(&|x, y| [0, 255][(x + y) % 2]),
                pattern(&|x, _| [0, 255][x / 4 % 2]),
                pattern(&|_, y| [255, 0][y % 2]),
            ];
            for _ in 0..3 {
                let y = (0..w * h).map(|_| rng.byte()).collect();
                let uv = (0..2 * cw * ch).map(|_| rng.byte()).collect();
                pics.push((y, uv));
            }
            let n = w.div_ceil(16) * h.div_ceil(16) * BLOCKS_PER_MCU;
            each_simd_level(|cpu| {
                for (pi, (y, uv)) in pics.iter().enumerate() {
                    for (ti, pair) in tables.windows(2).enumerate() {
                        let qt = [QuantRecip::new(&pair[0]), QuantRecip::new(&pair[1])];
                        let (mut a, mut ma) = (vec![[0i16; 64]; n], vec![0u64; n]);
                        let (mut b, mut mb) = (vec![[0i16; 64]; n], vec![0u64; n]);
                        transform_rows_on(cpu, y, uv, w, h, &qt, 0, &mut a, &mut ma);
                        scalar::transform_rows(y, uv, w, h, &qt, 0, &mut b, &mut mb);
                        assert!(
                            a == b && ma == mb,
                            "{cpu:?} {w}x{h} picture {pi} tables {ti}"
                        );
                    }
                }
            });
        }
    }

    #[test]
    fn zigzag_tables_are_inverse_permutations() {
        let mut seen = [false; 64];
        for (k, &t) in ZZ_T.iter().enumerate() {
            let t = t as usize;
            assert!(!seen[t]);
            seen[t] = true;
            assert_eq!(ZZ_OF_T[t] as usize, k);
        }
        // The first diagonals: (u, v) = (0,0) (1,0) (0,1) (0,2) (1,1) (2,0).
        assert_eq!(&ZZ_T[..6], &[0, 8, 1, 2, 9, 16]);
        for (t, &k) in ZZ_OF_T.iter().enumerate() {
            assert_eq!(to_zigzag(1u64 << t), 1u64 << k);
        }
    }

    #[test]
    fn reciprocal_quantisation_is_exact_division() {
        for q in 1..=255u16 {
            let r = QuantRecip::new(&[q; 64]);
            let d = 8 * q as i32;
            for x in -8192i32..=8192 {
                // Half away from zero, limited to +-1023.
                let want = ((x.abs() + d / 2) / d).min(1023) * x.signum();
                assert_eq!(r.quantize(9, x) as i32, want, "x {x} q {q}");
            }
        }
    }

    #[test]
    fn block_masks_follow_zigzag() {
        let q = QuantRecip::new(&std::array::from_fn(|i| 2 + (i as u16 * 7) % 40));
        let mut s = [[0i32; 8]; 8];
        for (y, row) in s.iter_mut().enumerate() {
            for (x, v) in row.iter_mut().enumerate() {
                *v = ((x * 37 + y * 11) % 97) as i32 - 60;
            }
        }
        let mut c = [0i16; 64];
        let m = scalar::block(&s, &q, &mut c);
        assert!(m.count_ones() > 5, "a test block with AC coefficients");
        for k in 1..64 {
            assert_eq!(m >> k & 1 == 1, c[ZZ_T[k] as usize] != 0, "position {k}");
        }
        assert_eq!(m & 1, 0);
    }

    // Index loops: the 2-D DCT-II formula as written.
    #[allow(clippy::needless_range_loop)]
    fn float_fdct(s: &[[i32; 8]; 8]) -> [[f64; 8]; 8] {
        let mut out = [[0f64; 8]; 8];
        for v in 0..8 {
            for u in 0..8 {
                let cu = if u == 0 {
                    std::f64::consts::FRAC_1_SQRT_2
                } else {
                    1.0
                };
                let cv = if v == 0 {
                    std::f64::consts::FRAC_1_SQRT_2
                } else {
                    1.0
                };
                let mut acc = 0.0;
                for y in 0..8 {
                    for x in 0..8 {
                        acc += s[y][x] as f64
                            * ((2 * x + 1) as f64 * u as f64 * std::f64::consts::PI / 16.0).cos()
                            * ((2 * y + 1) as f64 * v as f64 * std::f64::consts::PI / 16.0).cos();
                    }
                }
                out[v][u] = 0.25 * cu * cv * acc;
            }
        }
        out
    }

    #[test]
    fn matches_the_float_dct_within_islow_accuracy() {
        let mut seed = 1u32;
        let mut worst = 0f64;
        for trial in 0..2000 {
            let mut s = [[0i32; 8]; 8];
            for row in s.iter_mut() {
                for v in row.iter_mut() {
                    seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
                    *v = if trial % 3 == 0 {
                        ((seed >> 24) as i32 & 1) * 255 - 128
                    } else {
                        (seed >> 24) as i32 - 128
                    };
                }
            }
            let got = fdct(&s);
            let want = float_fdct(&s);
            for v in 0..8 {
                for u in 0..8 {
                    worst = worst.max((got[u][v] as f64 / 8.0 - want[v][u]).abs());
                }
            }
        }
        // Output is 8x the DCT; islow-class integer error stays well under one unit.
        assert!(worst < 0.5, "max error {worst}");
    }

    #[test]
    fn dc_of_a_flat_block() {
        let s = [[100i32; 8]; 8];
        let c = fdct(&s);
        assert_eq!(c[0][0], 8 * 800); // 8 x (8 * 100)
        assert!(c.iter().flatten().skip(1).all(|&x| x == 0));
    }
}
