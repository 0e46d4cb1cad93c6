//! SATD: sum of absolute Hadamard-transformed differences over 8x8 blocks (4x4 for n = 4),
//! each block's sum scaled as HM scales it (about the SAD of a residual): the encoder's
//! distortion estimate for mode decision and sub-sample motion search.

use super::{cpu, Cpu, Level};

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "aarch64")]
mod neon;
mod scalar;

/// SATD of the n x n blocks `src` and `pred` (row-major, n = 4, 8, 16 or 32).
pub fn satd(src: &[u8], pred: &[u8], n: usize) -> u32 {
    satd_on(cpu(), src, pred, n)
}

#[inline(always)]
fn satd_on(cpu: Cpu, src: &[u8], pred: &[u8], n: usize) -> u32 {
    match cpu.level() {
        // SAFETY: a `Cpu` at level Avx2 exists only on a CPU with AVX2.
        #[cfg(target_arch = "x86_64")]
        Level::Avx2 => unsafe { avx2::satd(src, pred, n) },
        // SAFETY: a `Cpu` at level Neon exists only on a CPU with NEON.
        #[cfg(target_arch = "aarch64")]
        Level::Neon => unsafe { neon::satd(src, pred, n) },
        _ => scalar::satd(src, pred, n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testing::{each_simd_level, Rng};

    #[test]
    fn every_level_equals_scalar() {
        each_simd_level(|cpu| {
            let mut rng = Rng(11);
            for n in [4usize, 8, 16, 32] {
                let check = |a: &[u8], b: &[u8], what: &str| {
                    let want = scalar::satd(a, b, n);
                    assert_eq!(satd_on(cpu, a, b, n), want, "{cpu:?} n {n} {what}");
                };
                for trial in 0..60 {
                    let gen = |rng: &mut Rng| match trial % 3 {
                        0 => rng.byte(),
                        1 => [0u8, 255][(rng.next() >> 31) as usize],
                        _ => 100 + (rng.next() >> 29) as u8,
                    };
                    let a: Vec<u8> = (0..n * n).map(|_| gen(&mut rng)).collect();
                    let b: Vec<u8> = (0..n * n).map(|_| gen(&mut rng)).collect();
                    check(&a, &b, &format!("random {trial}"));
                }
                let (zero, full) = (vec![0u8; n * n], vec![255u8; n * n]);
                let checker: Vec<u8> = (0..n * n)
                    .map(|i| if (i % n + i / n) % 2 == 0 { 255 } else { 0 })
                    .collect();
                let inverse: Vec<u8> = checker.iter().map(|v| 255 - v).collect();
                check(&full, &zero, "255 - 0");
                check(&zero, &full, "0 - 255");
                check(&zero, &zero, "0 - 0");
                check(&checker, &inverse, "checkerboards");
                check(&checker, &zero, "checkerboard - 0");
            }
        });
    }

    #[test]
    fn satd_of_a_flat_difference_is_its_sad() {
        let satd = scalar::satd;
        let a = vec![10u8; 64];
        let b = vec![7u8; 64];
        // Only the DC term survives: 64 * 3, scaled by 1/4 as HM scales 8x8 SATD.
        assert_eq!(satd(&a, &b, 8), 48);
        assert_eq!(satd(&a, &a, 8), 0);
        // A +-1 checkerboard is one Hadamard basis function: 64 at one coefficient.
        let c: Vec<u8> = (0..64)
            .map(|i| if (i % 8 + i / 8) % 2 == 0 { 11 } else { 9 })
            .collect();
        assert_eq!(satd(&c, &[10u8; 64], 8), 16);
        assert_eq!(satd(&a[..16], &b[..16], 4), 24);
    }
}
