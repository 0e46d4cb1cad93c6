//! H.265 intra sample prediction (8.4.4.2.6): planar, DC and the 33 angular modes, with the DC
//! and horizontal/vertical boundary filters of luma blocks below 32x32. The references are
//! already substituted and filtered (`hevc::intra`).

// Level is unused on aarch64 until this kernel has its NEON level.
#[cfg_attr(not(target_arch = "x86_64"), allow(unused_imports))]
use super::{cpu, Cpu, Level};

#[cfg(target_arch = "x86_64")]
mod avx2;
mod scalar;

/// Planar mode.
pub(crate) const PLANAR: u32 = 0;
/// DC mode.
pub(crate) const DC: u32 = 1;

/// Reference samples of an n x n block: `top[0]` = `left[0]` = p[-1][-1]; `top[1 + i]` =
/// p[i][-1] and `left[1 + j]` = p[-1][j] for i, j in 0..2n.
#[derive(Clone)]
pub struct Refs {
    /// The corner, then the row above (2n samples).
    pub top: [u8; 129],
    /// The corner, then the column to the left (2n samples).
    pub left: [u8; 129],
}

/// intraPredAngle per mode (Table 8-4).
const ANGLE: [i32; 35] = [
    0, 0, 32, 26, 21, 17, 13, 9, 5, 2, 0, -2, -5, -9, -13, -17, -21, -26, -32, -26, -21, -17, -13,
    -9, -5, -2, 0, 2, 5, 9, 13, 17, 21, 26, 32,
];
/// invAngle for modes 11..=25 (Table 8-5).
const INV_ANGLE: [i32; 15] = [
    -4096, -1638, -910, -630, -482, -390, -315, -256, -315, -390, -482, -630, -910, -1638, -4096,
];

/// Predicts an n x n block (n = 4..32) with `mode` (0..=34) from `r` into `dst` (stride `ds`).
/// `luma` enables the DC / horizontal / vertical edge filters (n < 32).
pub fn predict(r: &Refs, n: usize, mode: u32, luma: bool, dst: &mut [u8], ds: usize) {
    predict_on(cpu(), r, n, mode, luma, dst, ds)
}

#[inline(always)]
fn predict_on(cpu: Cpu, r: &Refs, n: usize, mode: u32, luma: bool, dst: &mut [u8], ds: usize) {
    match cpu.level() {
        // SAFETY: a `Cpu` at level Avx2 exists only on a CPU with AVX2.
        #[cfg(target_arch = "x86_64")]
        Level::Avx2 => unsafe { avx2::predict(r, n, mode, luma, dst, ds) },
        _ => scalar::predict(r, n, mode, luma, dst, ds),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testing::{each_simd_level, Rng};

    #[test]
    fn every_level_equals_scalar() {
        let mut rng = Rng(17);
        let mut refs: Vec<Refs> = [0u8, 255]
            .iter()
            .map(|&v| Refs {
                top: [v; 129],
                left: [v; 129],
            })
            .collect();
        // Opposite extremes on the two edges, alternating extremes, and noise.
        refs.push(Refs {
            top: [255; 129],
            left: [0; 129],
        });
        refs.push(Refs {
            top: std::array::from_fn(|i| [0, 255][i % 2]),
            left: std::array::from_fn(|i| [255, 0][i % 2]),
        });
        for _ in 0..4 {
            refs.push(Refs {
                top: std::array::from_fn(|_| rng.byte()),
                left: std::array::from_fn(|_| rng.byte()),
            });
        }
        each_simd_level(|cpu| {
            for (ri, r) in refs.iter().enumerate() {
                for n in [4usize, 8, 16, 32] {
                    for mode in 0..=34 {
                        for luma in [false, true] {
                            // Inside a wider picture (stride 40) and packed (stride n).
                            for ds in [n, 40] {
                                let (mut a, mut b) = (vec![7u8; ds * n], vec![7u8; ds * n]);
                                predict_on(cpu, r, n, mode, luma, &mut a, ds);
                                scalar::predict(r, n, mode, luma, &mut b, ds);
                                assert_eq!(a, b, "{cpu:?} refs {ri} n {n} mode {mode} {luma}");
                            }
                        }
                    }
                }
            }
        });
    }
}
