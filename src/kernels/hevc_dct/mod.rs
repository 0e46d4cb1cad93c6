//! The H.265 transforms (8.6.4.2): the 32x32 integer DCT matrix (its smaller matrices are its
//! rows subsampled) and the 4x4 DST, the bit-exact inverse transform and the encoder's forward
//! transform (HM-style scaling for 8-bit: shifts log2-1 and log2+6, giving coefficients at the
//! scale the quantiser expects).

// Level is unused on aarch64 until this kernel has its NEON level.
#[cfg_attr(not(target_arch = "x86_64"), allow(unused_imports))]
use super::{cpu, Cpu, Level};

#[cfg(target_arch = "x86_64")]
mod avx2;
mod scalar;

/// |coefficient| for the angle index i (units of pi/64, folded into 0..=32) of the H.265
/// integer DCT: the 64 of row 0 and the spec's approximations of 64*sqrt(2)*cos(i*pi/64).
const MAG: [i32; 33] = [
    64, 90, 90, 90, 89, 88, 87, 85, 83, 82, 80, 78, 75, 73, 70, 67, 64, 61, 57, 54, 50, 46, 43, 38,
    36, 31, 25, 22, 18, 13, 9, 4, 0,
];

/// transMatrix for 32x32: row k, column n (8.6.4.2).
fn dct32() -> [[i32; 32]; 32] {
    let mut m = [[0i32; 32]; 32];
    for (k, row) in m.iter_mut().enumerate() {
        for (n, v) in row.iter_mut().enumerate() {
            let j = (k * (2 * n + 1)) % 128;
            *v = match j {
                0..=32 => MAG[j],
                33..=64 => -MAG[64 - j],
                65..=96 => -MAG[j - 64],
                _ => MAG[128 - j],
            };
        }
    }
    m
}

pub(crate) const DST4: [[i32; 4]; 4] = [
    [29, 55, 74, 84],
    [74, 74, 0, -74],
    [84, -29, -74, 55],
    [55, -84, 74, -29],
];

/// The N-point matrix (N = 1 << log2) as a flat row-major Vec.
pub fn matrix(log2: u32, dst: bool) -> Vec<i32> {
    let n = 1usize << log2;
    if dst {
        return DST4.iter().flatten().copied().collect();
    }
    static M32: std::sync::OnceLock<[[i32; 32]; 32]> = std::sync::OnceLock::new();
    let m = M32.get_or_init(dct32);
    let step = 32 / n;
    let mut v = Vec::with_capacity(n * n);
    for k in 0..n {
        v.extend_from_slice(&m[k * step][..n]);
    }
    v
}

/// The transform matrices in the layouts the kernels read, built once per encoder.
pub struct Matrices {
    pub m: [Vec<i32>; 4], // log2 2..=5
    pub dst: Vec<i32>,
    /// Per DCT size, the even and odd rows restricted to the first half of the columns,
    /// transposed: even_t[j * n/2 + k] = m[2k][j], odd_t[j * n/2 + k] = m[2k+1][j].
    even_t: [Vec<i32>; 4],
    odd_t: [Vec<i32>; 4],
    /// For the AVX2 forward transform of 16x16 and 32x32 (index log2 - 4): the even and odd
    /// rows' first-half columns as `pmaddwd` pairs, pairs[p * n/2 + i] = m[2i+odd][2p] in the
    /// low 16 bits and m[2i+odd][2p+1] in the high 16.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    pairs: [[Vec<i32>; 2]; 2],
    /// For the AVX2 inverse of 8x8, 16x16 and 32x32 (index log2 - 3): rows a and a + 2 (same
    /// parity, a = 4 (j / 2) + j % 2) over the first half of the columns as `pmaddwd` pairs,
    /// inv_pairs[j * n/2 + t] = m[a][t] in the low 16 bits and m[a+2][t] in the high 16, j < n/2.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    inv_pairs: [Vec<i32>; 3],
    /// For the AVX2 inverse 8x8's second pass: adjacent rows as pairs over all 8 columns,
    /// inv8_rows[p * 8 + x] = m[2p][x] low, m[2p+1][x] high.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    inv8_rows: Vec<i32>,
    /// For the AVX2 inverse 4x4 (index: DCT 0, DST 1), six vectors of eight `pmaddwd` pairs
    /// (see `inv4_table`).
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    inv4: [Vec<i32>; 2],
}

/// Two matrix entries as one `pmaddwd` operand: `lo` in the low 16 bits, `hi` in the high 16.
fn pair(lo: i32, hi: i32) -> i32 {
    (lo & 0xFFFF) | (hi << 16)
}

/// `Matrices::inv4` for the 4x4 matrix `m`: vector t < 4 holds, in 32-bit lane l, rows k and
/// k + 1 (k = 2 (t % 2)) at column y = 2 (t / 2) + l / 4 (the first pass: two outputs y per
/// vector, one per 128-bit half); vectors 4 and 5 rows k, k + 1 (k = 0, 2) at column l % 4
/// (the second pass: x in lanes, both halves alike).
fn inv4_table(m: &[i32]) -> Vec<i32> {
    let at = |k: usize, i: usize| pair(m[k * 4 + i], m[(k + 1) * 4 + i]);
    let first = (0..32).map(|i| at(2 * (i / 8 % 2), 2 * (i / 16) + i % 8 / 4));
    first
        .chain((0..16).map(|i| at(2 * (i / 8), i % 4)))
        .collect()
}

/// `Matrices::inv_pairs` for the n x n matrix `m`.
fn inv_pair_table(m: &[i32]) -> Vec<i32> {
    let n = (m.len() as f64).sqrt() as usize;
    let h = n / 2;
    (0..h * h)
        .map(|i| {
            let (j, t) = (i / h, i % h);
            let a = 4 * (j / 2) + j % 2;
            pair(m[a * n + t], m[(a + 2) * n + t])
        })
        .collect()
}

/// `pmaddwd` pair table of the even or odd rows of the n x n matrix `m` (see `Matrices::pairs`).
fn pair_table(m: &[i32], odd: bool) -> Vec<i32> {
    let n = (m.len() as f64).sqrt() as usize;
    let h = n / 2;
    (0..h / 2 * h)
        .map(|t| {
            let (p, i) = (t / h, t % h);
            let row = &m[(2 * i + odd as usize) * n..];
            pair(row[2 * p], row[2 * p + 1])
        })
        .collect()
}

/// Rows of parity `odd` of an n x n matrix over its first n/2 columns, transposed.
fn half_t(m: &[i32], odd: bool) -> Vec<i32> {
    let n = (m.len() as f64).sqrt() as usize;
    let h = n / 2;
    (0..h * h)
        .map(|i| m[(2 * (i % h) + odd as usize) * n + i / h])
        .collect()
}

impl Matrices {
    pub fn new() -> Self {
        let m = [
            matrix(2, false),
            matrix(3, false),
            matrix(4, false),
            matrix(5, false),
        ];
        let dst = matrix(2, true);
        let even_t = std::array::from_fn(|i| half_t(&m[i], false));
        let odd_t = std::array::from_fn(|i| half_t(&m[i], true));
        let pairs =
            std::array::from_fn(|i| [pair_table(&m[i + 2], false), pair_table(&m[i + 2], true)]);
        let inv_pairs = std::array::from_fn(|i| inv_pair_table(&m[i + 1]));
        let inv8_rows = (0..32)
            .map(|i| pair(m[1][(i / 8) * 16 + i % 8], m[1][(i / 8) * 16 + 8 + i % 8]))
            .collect();
        let inv4 = [inv4_table(&m[0]), inv4_table(&dst)];
        Matrices {
            m,
            dst,
            even_t,
            odd_t,
            pairs,
            inv_pairs,
            inv8_rows,
            inv4,
        }
    }
    fn get(&self, log2: u32, dst: bool) -> &[i32] {
        if dst {
            &self.dst
        } else {
            &self.m[log2 as usize - 2]
        }
    }
}

impl Default for Matrices {
    fn default() -> Self {
        Self::new()
    }
}

/// Inverse transform (8.6.4.2), bit-exact for 8-bit video: columns, clip to 16 bits after a
/// 7-bit shift, then rows with a 12-bit shift. `coef` and `res` are row-major n x n
/// (n = 1 << log2); `dst` selects the 4x4 DST. The coefficients must be within
/// [-32768, 32767], as the dequantiser's clip leaves them (8.6.3).
pub fn inverse(mx: &Matrices, coef: &[i32], res: &mut [i32], log2: u32, dst: bool) {
    inverse_on(cpu(), mx, coef, res, log2, dst)
}

#[inline(always)]
fn inverse_on(cpu: Cpu, mx: &Matrices, coef: &[i32], res: &mut [i32], log2: u32, dst: bool) {
    match cpu.level() {
        // SAFETY: a `Cpu` at level Avx2 exists only on a CPU with AVX2.
        #[cfg(target_arch = "x86_64")]
        Level::Avx2 => unsafe { avx2::inverse(mx, coef, res, log2, dst) },
        _ => scalar::inverse(mx, coef, res, log2, dst),
    }
}

/// Forward transform for the encoder of the n x n residual `res` into `coef` (row-major,
/// n = 1 << log2); `dst` selects the 4x4 DST.
pub fn forward(mx: &Matrices, res: &[i32], coef: &mut [i32], log2: u32, dst: bool) {
    forward_on(cpu(), mx, res, coef, log2, dst)
}

#[inline(always)]
fn forward_on(cpu: Cpu, mx: &Matrices, res: &[i32], coef: &mut [i32], log2: u32, dst: bool) {
    match cpu.level() {
        // SAFETY: a `Cpu` at level Avx2 exists only on a CPU with AVX2.
        #[cfg(target_arch = "x86_64")]
        Level::Avx2 => unsafe { avx2::forward(mx, res, coef, log2, dst) },
        _ => scalar::forward(mx, res, coef, log2, dst),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testing::{each_simd_level, Rng};

    /// The blocks (log2, dst) the encoder transforms: DCT 4..32 and the 4x4 DST.
    const BLOCKS: [(u32, bool); 5] = [(2, false), (2, true), (3, false), (4, false), (5, false)];

    /// Residual patterns at the extremes: flat +-255 (the largest first-pass outputs, which
    /// the AVX2 16-bit path hands back), +-127 (the largest it keeps), checkerboards, a step.
    fn extreme_residuals(n: usize) -> Vec<Vec<i32>> {
        let pats: [fn(usize, usize) -> i32; 7] = [
            |_, _| 255,
            |_, _| -255,
            |_, _| 127,
            |_, _| 0,
            |x, y| if (x + y) % 2 == 0 { 255 } else { -255 },
            |x, _| if x < 4 { -255 } else { 255 },
            |x, y| {
                if y % 2 == 0 {
                    255
                } else {
                    -(x as i32 % 2) * 255
                }
            },
        ];
        pats.iter()
            .map(|f| (0..n * n).map(|i| f(i % n, i / n)).collect())
            .collect()
    }

    /// Coefficient blocks for the inverse transform: zero, every value at the limits
    /// (-32768, 32767; the first pass clips), dense full-range random, sparse top-left regions
    /// of every shape (the kernels skip beyond the last nonzero row and column), and single
    /// coefficients (every position up to 8x8, the last row and column and random ones above).
    fn coefficient_blocks(n: usize, rng: &mut Rng) -> Vec<Vec<i32>> {
        const LIM: [i32; 2] = [32767, -32768];
        let nn = n * n;
        let mut v = vec![vec![0; nn], vec![32767; nn], vec![-32768; nn]];
        v.push((0..nn).map(|i| LIM[i % 2]).collect());
        v.push((0..nn).map(|i| LIM[(i / n + i % n) % 2]).collect());
        v.push((0..nn).map(|i| LIM[(i / n) % 2]).collect());
        for t in 0..24 {
            let m = [32768, 2048, 64][t % 3];
            v.push((0..nn).map(|_| rng.range(-m, m - 1)).collect());
        }
        // Regions rows x cols: every shape up to 8x8, a sample of the larger ones (always
        // including full-height and full-width strips).
        let mut shapes: Vec<(usize, usize)> = Vec::new();
        for r in 1..=n.min(8) {
            for c in 1..=n.min(8) {
                shapes.push((r, c));
            }
        }
        if n > 8 {
            shapes.extend([(n, 1), (1, n), (n, n), (n, 3), (5, n), (n / 2, n / 2 + 1)]);
            for _ in 0..24 {
                let r = 1 + rng.next() as usize % n;
                shapes.push((r, 1 + rng.next() as usize % n));
            }
        }
        for (i, &(rows, cols)) in shapes.iter().enumerate() {
            let m = [32768, 512, 8][i % 3];
            let mut b = vec![0; nn];
            for y in 0..rows {
                for x in 0..cols {
                    // Half the region zero, but its last row and column set.
                    if y + 1 == rows || x + 1 == cols || rng.next() % 2 == 0 {
                        b[y * n + x] = rng.range(-m, m - 1);
                    }
                }
            }
            b[(rows - 1) * n + cols - 1] |= 1;
            v.push(b);
            if i % 4 == 0 {
                v.push(
                    (0..nn)
                        .map(|j| {
                            if j / n < rows && j % n < cols {
                                LIM[j % 2]
                            } else {
                                0
                            }
                        })
                        .collect(),
                );
            }
        }
        let mut singles: Vec<usize> = if n <= 8 {
            (0..nn).collect()
        } else {
            (0..n)
                .flat_map(|i| [(n - 1) * n + i, i * n + n - 1])
                .collect()
        };
        singles.extend((0..16).map(|_| rng.next() as usize % nn));
        for (i, p) in singles.into_iter().enumerate() {
            let mut b = vec![0; nn];
            b[p] = [32767, -32768, 1, -1, rng.range(-300, 300) | 1][i % 5];
            v.push(b);
        }
        v
    }

    /// The inverse transform as the spec's two plain matrix products in i64: e = M^T c per
    /// column, g = clip16((e + 64) >> 7), r = (g M + 2048) >> 12 per row.
    fn inverse_plain(coef: &[i32], log2: u32, dst: bool) -> Vec<i32> {
        let n = 1usize << log2;
        let m = matrix(log2, dst);
        let mut g = vec![0i64; n * n];
        for y in 0..n {
            for x in 0..n {
                let e: i64 = (0..n)
                    .map(|k| m[k * n + y] as i64 * coef[k * n + x] as i64)
                    .sum();
                g[y * n + x] = ((e + 64) >> 7).clamp(-32768, 32767);
            }
        }
        let mut r = vec![0; n * n];
        for y in 0..n {
            for x in 0..n {
                let s: i64 = (0..n).map(|k| g[y * n + k] * m[k * n + x] as i64).sum();
                r[y * n + x] = ((s + 2048) >> 12) as i32;
            }
        }
        r
    }

    #[test]
    fn scalar_inverse_equals_the_plain_product() {
        let mx = Matrices::new();
        let mut rng = Rng(31);
        for (log2, dst) in BLOCKS {
            let n = 1usize << log2;
            for (i, coef) in coefficient_blocks(n, &mut rng).iter().enumerate() {
                let mut got = vec![0; n * n];
                scalar::inverse(&mx, coef, &mut got, log2, dst);
                assert_eq!(
                    got,
                    inverse_plain(coef, log2, dst),
                    "log2 {log2} dst {dst} block {i}"
                );
            }
        }
    }

    #[test]
    fn every_level_equals_scalar() {
        let mx = Matrices::new();
        each_simd_level(|cpu| {
            let mut rng = Rng(77);
            for (log2, dst) in BLOCKS {
                let n = 1usize << log2;
                let mut inputs = extreme_residuals(n);
                for t in 0..40 {
                    let m = [255, 128, 20][t % 3];
                    inputs.push((0..n * n).map(|_| rng.range(-m, m)).collect());
                }
                for (i, res) in inputs.iter().enumerate() {
                    let (mut a, mut b) = (vec![0; n * n], vec![0; n * n]);
                    forward_on(cpu, &mx, res, &mut a, log2, dst);
                    scalar::forward(&mx, res, &mut b, log2, dst);
                    assert_eq!(a, b, "{cpu:?} forward log2 {log2} dst {dst} input {i}");
                }
                let coefs = coefficient_blocks(n, &mut rng);
                for (i, coef) in coefs.iter().enumerate() {
                    let (mut a, mut b) = (vec![0; n * n], vec![0; n * n]);
                    inverse_on(cpu, &mx, coef, &mut a, log2, dst);
                    scalar::inverse(&mx, coef, &mut b, log2, dst);
                    assert_eq!(a, b, "{cpu:?} inverse log2 {log2} dst {dst} input {i}");
                }
            }
        });
    }

    #[test]
    fn butterfly_forward_equals_the_matrix_product() {
        let mx = Matrices::new();
        let mut rng = Rng(5);
        for (log2, dst) in BLOCKS {
            let n = 1usize << log2;
            let mut inputs = extreme_residuals(n);
            for _ in 0..20 {
                inputs.push((0..n * n).map(|_| rng.range(-255, 255)).collect());
            }
            for res in &inputs {
                let (mut a, mut b) = (vec![0; n * n], vec![0; n * n]);
                scalar::forward(&mx, res, &mut a, log2, dst);
                scalar::forward_plain(&mx, res, &mut b, log2, dst);
                assert_eq!(a, b, "log2 {log2} dst {dst}");
            }
        }
    }

    #[test]
    fn matrices_have_the_spec_rows() {
        let m4 = matrix(2, false);
        assert_eq!(
            &m4[..],
            &[64, 64, 64, 64, 83, 36, -36, -83, 64, -64, -64, 64, 36, -83, 83, -36]
        );
        let m8 = matrix(3, false);
        assert_eq!(&m8[8..16], &[89, 75, 50, 18, -18, -50, -75, -89]);
        let m32 = matrix(5, false);
        assert_eq!(
            &m32[32..48],
            &[90, 90, 88, 85, 82, 78, 73, 67, 61, 54, 46, 38, 31, 22, 13, 4]
        );
        let m16 = matrix(4, false);
        assert_eq!(&m16[16..24], &[90, 87, 80, 70, 57, 43, 25, 9]);
        // Rows are nearly orthogonal with norm ~ 64^2 * N.
        for log2 in 2..=5u32 {
            let n = 1usize << log2;
            let m = matrix(log2, false);
            for a in 0..n {
                for b in 0..n {
                    let dot: i64 = (0..n)
                        .map(|i| m[a * n + i] as i64 * m[b * n + i] as i64)
                        .sum();
                    if a == b {
                        assert!(
                            (dot - 4096 * n as i64).abs() < 4096 * n as i64 / 50,
                            "norm {log2} {a}"
                        );
                    } else {
                        assert!(
                            dot.abs() < 4096 * n as i64 / 50,
                            "orth {log2} {a} {b}: {dot}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn inverse_matches_the_spec_equations() {
        let mx = Matrices::new();
        let mut seed = 11u32;
        for log2 in 2..=5u32 {
            for &dst in &[false, true] {
                if dst && log2 != 2 {
                    continue;
                }
                let n = 1usize << log2;
                let m = matrix(log2, dst);
                for trial in 0..20 {
                    let coef: Vec<i32> = (0..n * n)
                        .map(|_| {
                            seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
                            let v = ((seed >> 8) % 65536) as i32 - 32768;
                            if trial < 3 {
                                v
                            } else if seed % 4 == 0 {
                                v / 64
                            } else {
                                0
                            }
                        })
                        .collect();
                    let mut got = vec![0; n * n];
                    scalar::inverse(&mx, &coef, &mut got, log2, dst);
                    // Direct: e = M^T c (per column), clip, then r = e M.
                    for y in 0..n {
                        for x in 0..n {
                            let mut r = 0i64;
                            for k in 0..n {
                                let mut e = 0i64;
                                for j in 0..n {
                                    e += m[j * n + y] as i64 * coef[j * n + k] as i64;
                                }
                                let g = ((e + 64) >> 7).clamp(-32768, 32767);
                                r += m[k * n + x] as i64 * g;
                            }
                            assert_eq!(
                                got[y * n + x] as i64,
                                (r + 2048) >> 12,
                                "log2 {log2} ({x},{y})"
                            );
                        }
                    }
                }
            }
        }
    }
}
