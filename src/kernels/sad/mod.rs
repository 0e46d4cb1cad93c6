//! Block distortions between two strided 8-bit blocks: SAD (motion search) and SSE (rate-
//! distortion decisions).

use super::{cpu, Cpu, Level};

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "aarch64")]
mod neon;
mod scalar;

/// Sum of absolute differences of the w x h blocks at the start of `a` (row stride `sa`) and
/// `b` (row stride `sb`).
pub fn sad(a: &[u8], sa: usize, b: &[u8], sb: usize, w: usize, h: usize) -> u32 {
    sad_on(cpu(), a, sa, b, sb, w, h)
}

#[inline(always)]
fn sad_on(cpu: Cpu, a: &[u8], sa: usize, b: &[u8], sb: usize, w: usize, h: usize) -> u32 {
    match cpu.level() {
        // SAFETY: a `Cpu` at level Avx2 exists only on a CPU with AVX2.
        #[cfg(target_arch = "x86_64")]
        Level::Avx2 => unsafe { avx2::sad(a, sa, b, sb, w, h) },
        // SAFETY: a `Cpu` at level Neon exists only on a CPU with NEON.
        #[cfg(target_arch = "aarch64")]
        Level::Neon => unsafe { neon::sad(a, sa, b, sb, w, h) },
        _ => scalar::sad(a, sa, b, sb, w, h),
    }
}

/// Sum of squared differences of the w x h blocks at the start of `a` (row stride `sa`) and
/// `b` (row stride `sb`).
// Not called yet: the encoder's SSE loops switch to it when the split encoder lands.
pub fn sse(a: &[u8], sa: usize, b: &[u8], sb: usize, w: usize, h: usize) -> u64 {
    sse_on(cpu(), a, sa, b, sb, w, h)
}

#[inline(always)]
fn sse_on(cpu: Cpu, a: &[u8], sa: usize, b: &[u8], sb: usize, w: usize, h: usize) -> u64 {
    match cpu.level() {
        // SAFETY: a `Cpu` at level Avx2 exists only on a CPU with AVX2.
        #[cfg(target_arch = "x86_64")]
        Level::Avx2 => unsafe { avx2::sse(a, sa, b, sb, w, h) },
        // SAFETY: a `Cpu` at level Neon exists only on a CPU with NEON.
        #[cfg(target_arch = "aarch64")]
        Level::Neon => unsafe { neon::sse(a, sa, b, sb, w, h) },
        _ => scalar::sse(a, sa, b, sb, w, h),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testing::{each_simd_level, Rng};

    #[test]
    fn every_level_equals_scalar() {
        let stride = 80;
        let mut rng = Rng(21);
        let noise = |rng: &mut Rng| -> Vec<u8> { (0..stride * 70).map(|_| rng.byte()).collect() };
        let (n1, n2) = (noise(&mut rng), noise(&mut rng));
        let (zero, full) = (vec![0u8; stride * 70], vec![255u8; stride * 70]);
        let pairs = [
            (&n1, &n2),
            (&zero, &full),
            (&full, &zero),
            (&n1, &n1),
            (&zero, &n2),
        ];
        each_simd_level(|cpu| {
            for (pi, (a, b)) in pairs.iter().enumerate() {
                for w in [1usize, 2, 3, 4, 6, 8, 12, 16, 24, 32, 40, 48, 64] {
                    for h in [1usize, 2, 4, 8, 16, 32, 64] {
                        let (oa, ob) = (rng.range(0, 15) as usize, rng.range(0, 15) as usize);
                        // Packed blocks (stride w) and blocks inside a plane.
                        for (sa, sb) in [(w, w), (stride, stride), (w, stride)] {
                            let (a, b) = (&a[oa..], &b[ob..]);
                            let what = format!("{cpu:?} pair {pi} {w}x{h} strides {sa},{sb}");
                            let want = scalar::sad(a, sa, b, sb, w, h);
                            assert_eq!(sad_on(cpu, a, sa, b, sb, w, h), want, "sad {what}");
                            let want = scalar::sse(a, sa, b, sb, w, h);
                            assert_eq!(sse_on(cpu, a, sa, b, sb, w, h), want, "sse {what}");
                        }
                    }
                }
            }
        });
    }

    #[test]
    fn every_level_equals_scalar_on_large_blocks() {
        // Whole rows and planes at the extremes: past where 16-bit SAD lanes (within one row)
        // and 32-bit SSE lanes (2048x160 at 0 vs 255 overflows them) must be widened.
        let (w_max, h_max) = (2048usize, 160usize);
        let mut rng = Rng(5);
        let noise: Vec<u8> = (0..w_max * h_max).map(|_| rng.byte()).collect();
        let (zero, full) = (vec![0u8; w_max * h_max], vec![255u8; w_max * h_max]);
        let pairs = [(&zero, &full), (&full, &zero), (&noise, &full)];
        each_simd_level(|cpu| {
            for (pi, (a, b)) in pairs.iter().enumerate() {
                for (w, h) in [(2048, 160), (1032, 40), (520, 64), (1920, 1), (64, 512)] {
                    // Packed blocks (stride w), all within the w_max x h_max buffers.
                    let (sa, sb) = (w, w);
                    let what = format!("{cpu:?} pair {pi} {w}x{h}");
                    let want = scalar::sad(a, sa, b, sb, w, h);
                    assert_eq!(sad_on(cpu, a, sa, b, sb, w, h), want, "sad {what}");
                    let want = scalar::sse(a, sa, b, sb, w, h);
                    assert_eq!(sse_on(cpu, a, sa, b, sb, w, h), want, "sse {what}");
                }
            }
        });
    }

    #[test]
    fn known_values() {
        let a = [10u8, 20, 30, 40, 50, 60];
        let b = [12u8, 20, 25, 40, 50, 66];
        // 2x2 blocks of rows with stride 3: |10-12| + |20-20| + |40-40| + |50-50| = 2.
        assert_eq!(scalar::sad(&a, 3, &b, 3, 2, 2), 2);
        assert_eq!(scalar::sad(&a, 3, &b, 3, 3, 2), 13);
        assert_eq!(scalar::sse(&a, 3, &b, 3, 3, 2), 4 + 25 + 36);
        assert_eq!(
            scalar::sse(&[0; 64], 8, &[255; 64], 8, 8, 8),
            64 * 255 * 255
        );
    }
}
