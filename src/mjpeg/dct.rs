//! Forward DCT for JPEG: the Loeffler–Ligtenberg–Moschytz integer factorisation (12 multiplies
//! per 1-D transform, 13-bit fixed-point constants, two extra bits kept between passes — the
//! accuracy class of libjpeg's "islow"). Written lane-wise: each 1-D pass transforms along the
//! first index of an 8x8 array for all 8 lanes of the second index at once (columns first, then
//! rows). Output is 8x the orthonormal 2-D DCT-II (JPEG's normalisation), transposed: `c[u][v]`
//! for horizontal frequency u, vertical v — the order the second pass leaves it in, so no final
//! transpose is spent (the zig-zag tables absorb it). Every intermediate fits 16 bits, so the
//! AVX2 kernel in `kernel.rs` computes exactly the same numbers in 16-bit lanes.
//! The inverse here is a float reference used for the reconstruction and for tests.

const CONST_BITS: i32 = 13;
const PASS1_BITS: i32 = 2;

// round(x * 2^13) of the rotation constants (cosines of multiples of pi/16 and their sums).
pub(crate) const F0_298: i32 = 2446;
pub(crate) const F0_390: i32 = 3196;
pub(crate) const F0_541: i32 = 4433;
pub(crate) const F0_765: i32 = 6270;
pub(crate) const F0_899: i32 = 7373;
pub(crate) const F1_175: i32 = 9633;
pub(crate) const F1_501: i32 = 12299;
pub(crate) const F1_847: i32 = 15137;
pub(crate) const F1_961: i32 = 16069;
pub(crate) const F2_053: i32 = 16819;
pub(crate) const F2_562: i32 = 20995;
pub(crate) const F3_072: i32 = 25172;

type Block = [[i32; 8]; 8];

#[inline(always)]
fn descale(x: i32, n: i32) -> i32 {
    (x + (1 << (n - 1))) >> n
}

type V = [i32; 8];

#[inline(always)]
fn add(a: V, b: V) -> V {
    std::array::from_fn(|i| a[i] + b[i])
}
#[inline(always)]
fn sub(a: V, b: V) -> V {
    std::array::from_fn(|i| a[i] - b[i])
}
#[inline(always)]
fn mul(a: V, k: i32) -> V {
    std::array::from_fn(|i| a[i] * k)
}
#[inline(always)]
fn shl(a: V, n: i32) -> V {
    std::array::from_fn(|i| a[i] << n)
}
#[inline(always)]
fn desc(a: V, n: i32) -> V {
    std::array::from_fn(|i| descale(a[i], n))
}

/// One 1-D pass along the first index, lane-wise over the second (each row of `v` is a vector
/// of 8 lanes). `first` selects the scaling of pass 1 (keep PASS1_BITS of extra precision) or
/// pass 2 (remove it).
#[inline(always)]
fn pass(v: &mut Block, first: bool) {
    let odd_shift = if first {
        CONST_BITS - PASS1_BITS
    } else {
        CONST_BITS + PASS1_BITS
    };
    let t0 = add(v[0], v[7]);
    let t7 = sub(v[0], v[7]);
    let t1 = add(v[1], v[6]);
    let t6 = sub(v[1], v[6]);
    let t2 = add(v[2], v[5]);
    let t5 = sub(v[2], v[5]);
    let t3 = add(v[3], v[4]);
    let t4 = sub(v[3], v[4]);

    let t10 = add(t0, t3);
    let t13 = sub(t0, t3);
    let t11 = add(t1, t2);
    let t12 = sub(t1, t2);
    if first {
        v[0] = shl(add(t10, t11), PASS1_BITS);
        v[4] = shl(sub(t10, t11), PASS1_BITS);
    } else {
        v[0] = desc(add(t10, t11), PASS1_BITS);
        v[4] = desc(sub(t10, t11), PASS1_BITS);
    }
    let z1 = mul(add(t12, t13), F0_541);
    v[2] = desc(add(z1, mul(t13, F0_765)), odd_shift);
    v[6] = desc(sub(z1, mul(t12, F1_847)), odd_shift);

    let z1 = add(t4, t7);
    let z2 = add(t5, t6);
    let z3 = add(t4, t6);
    let z4 = add(t5, t7);
    let z5 = mul(add(z3, z4), F1_175);
    let t4 = mul(t4, F0_298);
    let t5 = mul(t5, F2_053);
    let t6 = mul(t6, F3_072);
    let t7 = mul(t7, F1_501);
    let z1 = mul(z1, -F0_899);
    let z2 = mul(z2, -F2_562);
    let z3 = add(mul(z3, -F1_961), z5);
    let z4 = add(mul(z4, -F0_390), z5);
    v[7] = desc(add(add(t4, z1), z3), odd_shift);
    v[5] = desc(add(add(t5, z2), z4), odd_shift);
    v[3] = desc(add(add(t6, z2), z3), odd_shift);
    v[1] = desc(add(add(t7, z1), z4), odd_shift);
}

#[inline(always)]
fn transpose(v: &Block) -> Block {
    let mut t = [[0i32; 8]; 8];
    for (i, row) in v.iter().enumerate() {
        for (j, &x) in row.iter().enumerate() {
            t[j][i] = x;
        }
    }
    t
}

/// Forward DCT of level-shifted samples (`s[y][x]` = sample - 128), transposed output
/// `c[u][v]`, scaled by 8.
#[inline(always)]
pub fn fdct(s: &Block) -> Block {
    let mut t = *s;
    pass(&mut t, true); // t[v][x]: columns first
    let mut r = transpose(&t); // r[x][v]
    pass(&mut r, false); // r[u][v]
    r
}

/// Float inverse DCT of dequantised coefficients (natural order), giving 8-bit samples.
/// Decoders' integer IDCTs may differ from this by ±1 per sample.
pub fn idct_float(coef: &[f32; 64], out: &mut [u8; 64]) {
    let c = cos_table();
    let mut tmp = [0f32; 64];
    // rows: tmp[v][x] = sum_u C(u) coef[v][u] cos((2x+1)u pi/16) / 2
    for v in 0..8 {
        for x in 0..8 {
            let mut acc = 0f32;
            for u in 0..8 {
                acc += coef[v * 8 + u] * c[x][u];
            }
            tmp[v * 8 + x] = acc;
        }
    }
    for x in 0..8 {
        for y in 0..8 {
            let mut acc = 0f32;
            for v in 0..8 {
                acc += tmp[v * 8 + x] * c[y][v];
            }
            out[y * 8 + x] = (acc + 128.0).round().clamp(0.0, 255.0) as u8;
        }
    }
}

/// c[x][u] = C(u) cos((2x+1) u pi / 16) / 2 with C(0) = 1/sqrt(2).
fn cos_table() -> [[f32; 8]; 8] {
    let mut c = [[0f32; 8]; 8];
    for (x, row) in c.iter_mut().enumerate() {
        for (u, v) in row.iter_mut().enumerate() {
            let cu = if u == 0 {
                std::f64::consts::FRAC_1_SQRT_2
            } else {
                1.0
            };
            *v = (cu * ((2 * x + 1) as f64 * u as f64 * std::f64::consts::PI / 16.0).cos() / 2.0)
                as f32;
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn float_fdct(s: &Block) -> [[f64; 8]; 8] {
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

    #[test]
    fn float_idct_inverts() {
        let mut s = [[0i32; 8]; 8];
        for y in 0..8 {
            for x in 0..8 {
                s[y][x] = ((x * 29 + y * 13) % 200) as i32 - 100;
            }
        }
        let c = fdct(&s);
        let mut cf = [0f32; 64];
        for v in 0..8 {
            for u in 0..8 {
                cf[v * 8 + u] = c[u][v] as f32 / 8.0;
            }
        }
        let mut out = [0u8; 64];
        idct_float(&cf, &mut out);
        for y in 0..8 {
            for x in 0..8 {
                assert!((out[y * 8 + x] as i32 - (s[y][x] + 128)).abs() <= 1);
            }
        }
    }
}
