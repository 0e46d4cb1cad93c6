//! H.265 fractional-sample interpolation (8.5.3.3.3): the separable 8-tap luma and 4-tap chroma
//! filters, uni-directional prediction with default weighting, 8-bit samples.

use super::{cpu, Cpu, Level};

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "aarch64")]
mod neon;
mod scalar;

/// Luma 8-tap filters for quarter positions 1..3 (Table 8-11).
const LUMA_TAPS: [[i32; 8]; 4] = [
    [0, 0, 0, 64, 0, 0, 0, 0],
    [-1, 4, -10, 58, 17, -5, 1, 0],
    [-1, 4, -11, 40, 40, -11, 4, -1],
    [0, 1, -5, 17, 58, -10, 4, -1],
];

/// Chroma 4-tap filters for eighth positions 0..7 (Table 8-12).
const CHROMA_TAPS: [[i32; 4]; 8] = [
    [0, 64, 0, 0],
    [-2, 58, 10, -2],
    [-4, 54, 16, -2],
    [-6, 46, 28, -4],
    [-4, 36, 36, -4],
    [-4, 28, 46, -6],
    [-2, 16, 54, -4],
    [-2, 10, 58, -2],
];

/// Prediction of a w x h block (w, h <= 64) into `dst` (stride w) from `plane` (stride
/// `stride`), at the fractional position (fx, fy) (quarter samples for luma, eighth samples
/// for chroma): every sample the filters touch lies inside the plane, and (sx, sy) is the
/// top-left of that footprint (the block's integer position minus `half` = taps / 2 - 1).
#[allow(clippy::too_many_arguments)]
pub fn interpolate(
    plane: &[u8],
    stride: usize,
    sx: usize,
    sy: usize,
    w: usize,
    h: usize,
    half: usize,
    fx: usize,
    fy: usize,
    luma: bool,
    dst: &mut [u8],
) {
    interpolate_on(cpu(), plane, stride, sx, sy, w, h, half, fx, fy, luma, dst)
}

#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn interpolate_on(
    cpu: Cpu,
    plane: &[u8],
    stride: usize,
    sx: usize,
    sy: usize,
    w: usize,
    h: usize,
    half: usize,
    fx: usize,
    fy: usize,
    luma: bool,
    dst: &mut [u8],
) {
    match cpu.level() {
        // SAFETY: a `Cpu` at level Avx2 exists only on a CPU with AVX2.
        #[cfg(target_arch = "x86_64")]
        Level::Avx2 => unsafe {
            avx2::interpolate(plane, stride, sx, sy, w, h, half, fx, fy, luma, dst)
        },
        // SAFETY: a `Cpu` at level Neon exists only on a CPU with NEON.
        #[cfg(target_arch = "aarch64")]
        Level::Neon => unsafe {
            neon::interpolate(plane, stride, sx, sy, w, h, half, fx, fy, luma, dst)
        },
        _ => scalar::interpolate(plane, stride, sx, sy, w, h, half, fx, fy, luma, dst),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testing::{each_simd_level, Rng};

    #[test]
    fn every_level_equals_scalar() {
        // A plane of noise with saturated patches (0 and 255 runs, the filters' largest
        // overshoots), another all 255, another all 0.
        let (pw, ph) = (80usize, 80usize);
        let mut rng = Rng(9);
        let noise: Vec<u8> = (0..pw * ph)
            .map(|i| match (i / pw / 8 + i % pw / 8) % 3 {
                0 => rng.byte(),
                1 => [0, 255][(rng.next() >> 31) as usize],
                _ => [0, 255][(i / 3) % 2],
            })
            .collect();
        let planes = [noise, vec![255u8; pw * ph], vec![0u8; pw * ph]];
        each_simd_level(|cpu| {
            for (pi, plane) in planes.iter().enumerate() {
                for luma in [true, false] {
                    let (taps, fracs) = if luma { (8, 4) } else { (4, 8) };
                    let half = taps / 2 - 1;
                    let sizes: &[usize] = if luma {
                        &[4, 8, 12, 16, 24, 32, 48, 64]
                    } else {
                        &[2, 4, 6, 8, 12, 16, 24, 32]
                    };
                    for &w in sizes {
                        for &h in sizes {
                            for fy in 0..fracs {
                                for fx in 0..fracs {
                                    let sx = rng.range(0, (pw - w - taps + 1) as i32) as usize;
                                    let sy = rng.range(0, (ph - h - taps + 1) as i32) as usize;
                                    let (mut a, mut b) = (vec![1u8; w * h], vec![2u8; w * h]);
                                    let p = plane.as_slice();
                                    interpolate_on(
                                        cpu, p, pw, sx, sy, w, h, half, fx, fy, luma, &mut a,
                                    );
                                    scalar::interpolate(
                                        p, pw, sx, sy, w, h, half, fx, fy, luma, &mut b,
                                    );
                                    assert_eq!(
                                        a, b,
                                        "{cpu:?} plane {pi} luma {luma} {w}x{h} frac ({fx},{fy})"
                                    );
                                }
                            }
                        }
                    }
                }
            }
        });
    }
}
