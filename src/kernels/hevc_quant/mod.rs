//! H.265 quantisation: the encoder's dead-zone quantiser and the bit-exact scaling process
//! (8.6.3, flat scaling lists) that reconstructs coefficients from levels.

// Level is unused on aarch64 until this kernel has its NEON level.
#[cfg_attr(not(target_arch = "x86_64"), allow(unused_imports))]
use super::{cpu, Cpu, Level};

#[cfg(target_arch = "x86_64")]
mod avx2;
mod scalar;

/// Forward quantiser scale per QP % 6: round(2^14 / Qstep), Qstep = 2^((QP - 4) / 6).
pub(crate) const QUANT_SCALE: [i64; 6] = [26214, 23302, 20560, 18396, 16384, 14564];
/// levelScale of 8.6.3 per QP % 6.
const LEVEL_SCALE: [i64; 6] = [40, 45, 51, 57, 64, 72];

/// Dead-zone quantiser of the n x n (n = 1 << log2) coefficients `coef` into `level`; returns
/// the number of nonzero levels.
pub fn quantize(coef: &[i32], level: &mut [i32], log2: u32, qp: i32, intra: bool) -> usize {
    quantize_on(cpu(), coef, level, log2, qp, intra)
}

#[inline(always)]
fn quantize_on(
    cpu: Cpu,
    coef: &[i32],
    level: &mut [i32],
    log2: u32,
    qp: i32,
    intra: bool,
) -> usize {
    match cpu.level() {
        // SAFETY: a `Cpu` at level Avx2 exists only on a CPU with AVX2.
        #[cfg(target_arch = "x86_64")]
        Level::Avx2 => unsafe { avx2::quantize(coef, level, log2, qp, intra) },
        _ => scalar::quantize(coef, level, log2, qp, intra),
    }
}

/// Scaling (8.6.3) with flat scaling lists (m = 16), bit-exact: levels to coefficients.
pub fn dequantize(level: &[i32], coef: &mut [i32], log2: u32, qp: i32) {
    dequantize_on(cpu(), level, coef, log2, qp)
}

#[inline(always)]
fn dequantize_on(cpu: Cpu, level: &[i32], coef: &mut [i32], log2: u32, qp: i32) {
    match cpu.level() {
        // SAFETY: a `Cpu` at level Avx2 exists only on a CPU with AVX2.
        #[cfg(target_arch = "x86_64")]
        Level::Avx2 => unsafe { avx2::dequantize(level, coef, log2, qp) },
        _ => scalar::dequantize(level, coef, log2, qp),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testing::{each_simd_level, Rng};

    /// Coefficients on both sides of every rounding boundary of the quantiser at `qp`
    /// (where |c| * scale + offset crosses a multiple of 2^qbits), up to the +-32768 clamp.
    fn boundaries(log2: u32, qp: i32, intra: bool) -> Vec<i32> {
        let qbits = 14 + qp / 6 + (15 - 8 - log2 as i32);
        let offset = (if intra { 171i64 } else { 64 }) << (qbits - 9);
        let scale = QUANT_SCALE[(qp % 6) as usize];
        let mut v = vec![0, 1, -1, 32767, -32767, 32768, -32768, 40000, -40000];
        let mut k = 1i64;
        loop {
            let c = ((k << qbits) - offset + scale - 1) / scale; // first |c| giving level k
            if c > 32768 {
                break;
            }
            for d in [-1, 0, 1] {
                v.push((c + d) as i32);
                v.push(-(c + d) as i32);
            }
            // Sample the boundaries sparsely at fine steps (low QPs have thousands).
            k = (k + 1).max(k * 9 / 8);
        }
        v
    }

    #[test]
    fn every_level_equals_scalar() {
        each_simd_level(|cpu| {
            let mut rng = Rng(3);
            for log2 in 2..=5u32 {
                let nn = 1usize << (2 * log2);
                for qp in 0..=51 {
                    for intra in [false, true] {
                        let mut vals = boundaries(log2, qp, intra);
                        while vals.len() % nn != 0 || vals.len() < 2 * nn {
                            vals.push(rng.range(-33000, 33000));
                        }
                        for coef in vals.chunks(nn) {
                            let (mut a, mut b) = (vec![0; nn], vec![0; nn]);
                            let na = quantize_on(cpu, coef, &mut a, log2, qp, intra);
                            let nb = scalar::quantize(coef, &mut b, log2, qp, intra);
                            assert_eq!((na, &a), (nb, &b), "{cpu:?} log2 {log2} qp {qp}");
                        }
                    }
                    // Levels up to the largest magnitude the syntax carries.
                    let mut levels: Vec<i32> = vec![32767, -32767, 32768, -32768, 0, 1, -1];
                    while levels.len() % nn != 0 {
                        let m = [32767, 1000, 10][levels.len() % 3];
                        levels.push(rng.range(-m, m));
                    }
                    for level in levels.chunks(nn) {
                        let (mut a, mut b) = (vec![0; nn], vec![0; nn]);
                        dequantize_on(cpu, level, &mut a, log2, qp);
                        scalar::dequantize(level, &mut b, log2, qp);
                        assert_eq!(a, b, "{cpu:?} dequantize log2 {log2} qp {qp}");
                    }
                }
            }
        });
    }
}
