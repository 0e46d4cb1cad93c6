//! Transforms and quantisation (8.6.2–8.6.4): the transforms and the quantiser are kernels
//! (`kernels::hevc_dct`, `kernels::hevc_quant`, re-exported here); sign data hiding and the
//! chroma QP mapping are here.

pub use crate::kernels::hevc_dct::{forward, inverse, Matrices};
use crate::kernels::hevc_quant::QUANT_SCALE;
pub use crate::kernels::hevc_quant::{dequantize, quantize};

/// Sign data hiding, encoder side (7.3.8.11 with HM's choice of the level to move): in each
/// 4x4 coefficient group (16 consecutive entries of `scan`, the block's coding order) whose
/// first and last nonzero levels lie more than 3 scan positions apart, the decoder infers the
/// first one's sign from the parity of the group's sum of magnitudes (odd = negative). Where
/// the parity disagrees, one level moves by one: the move that adds the least quantisation
/// error, judged by each coefficient's rounding remainder (in 1/256 of a step). Returns the
/// number of nonzero levels after.
pub fn hide_signs(coef: &[i32], level: &mut [i32], scan: &[u16], log2: u32, qp: i32) -> usize {
    let qbits = 14 + qp / 6 + (15 - 8 - log2 as i32);
    let scale = QUANT_SCALE[(qp % 6) as usize];
    // Remainder of |coef| / step above the chosen level: > 0 rounded down, <= 0 rounded up.
    let remainder = |c: i32, l: i32| -> i64 {
        ((c.unsigned_abs().min(32768) as i64 * scale) - ((l.unsigned_abs() as i64) << qbits))
            >> (qbits - 8)
    };
    let Some(last) = scan.iter().rposition(|&p| level[p as usize] != 0) else {
        return 0;
    };
    for g in (0..=last / 16).rev() {
        let pos = &scan[g * 16..g * 16 + 16];
        let nz = |k: &u16| level[*k as usize] != 0;
        let (Some(first), Some(lastk)) = (pos.iter().position(nz), pos.iter().rposition(nz)) else {
            continue;
        };
        if lastk - first < 4 {
            continue;
        }
        let sum: i32 = pos.iter().map(|&p| level[p as usize].abs()).sum();
        let neg = level[pos[first] as usize] < 0;
        if (sum & 1 == 1) == neg {
            continue;
        }
        // Candidates from the group's end (not past the block's last coefficient).
        let start = if g == last / 16 { last % 16 } else { 15 };
        let mut best = (i64::MAX, 0usize, 0i32);
        for (k, &p) in pos.iter().enumerate().take(start + 1).rev() {
            let p = p as usize;
            let (l, d) = (level[p], remainder(coef[p], level[p]));
            let (cost, change) = if l != 0 {
                if d > 0 {
                    (-d, 1)
                } else if k == first && l.abs() == 1 {
                    (i64::MAX, 0) // would move the first nonzero level
                } else {
                    (d, -1)
                }
            } else if k < first && (coef[p] < 0) != neg {
                (i64::MAX, 0) // a new first level must carry the hidden sign
            } else {
                (-d, 1)
            };
            if cost < best.0 {
                best = (cost, p, change);
            }
        }
        let (_, p, mut change) = best;
        if level[p].abs() == 32767 {
            change = -1;
        }
        let negative = if level[p] != 0 {
            level[p] < 0
        } else {
            coef[p] < 0
        };
        level[p] += if negative { -change } else { change };
    }
    level.iter().filter(|&&l| l != 0).count()
}

/// The 4:2:0 chroma QP for a luma QP and offset (Table 8-10).
pub fn chroma_qp(qp_y: i32, offset: i32) -> i32 {
    let qpi = (qp_y + offset).clamp(0, 57);
    match qpi {
        0..=29 => qpi,
        30..=43 => [29, 30, 31, 32, 33, 33, 34, 34, 35, 35, 36, 36, 37, 37][(qpi - 30) as usize],
        _ => qpi - 6,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_quant_dequant_inverse_reconstructs() {
        let mx = Matrices::new();
        let mut seed = 5u32;
        for log2 in 2..=5u32 {
            let n = 1usize << log2;
            let res: Vec<i32> = (0..n * n)
                .map(|_| {
                    seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
                    ((seed >> 20) % 200) as i32 - 100
                })
                .collect();
            let mut c = vec![0; n * n];
            let mut l = vec![0; n * n];
            let mut d = vec![0; n * n];
            let mut r = vec![0; n * n];
            forward(&mx, &res, &mut c, log2, log2 == 2);
            quantize(&c, &mut l, log2, 4, true);
            dequantize(&l, &mut d, log2, 4);
            inverse(&mx, &d, &mut r, log2, log2 == 2);
            let maxerr = res
                .iter()
                .zip(&r)
                .map(|(a, b)| (a - b).abs())
                .max()
                .unwrap();
            assert!(maxerr <= 3, "log2 {log2}: max error {maxerr}");
        }
    }

    #[test]
    fn hidden_signs_match_the_parity_after_one_move_per_group() {
        let scans = crate::hevc::tables::Scans::new();
        let mut seed = 5u32;
        let mut moved = 0;
        for trial in 0..400 {
            let log2 = 2 + (trial % 4) as u32;
            let n = 1usize << log2;
            let sidx = if log2 <= 3 { trial % 3 } else { 0 };
            let scan = &scans.full[log2 as usize - 2][sidx];
            let coef: Vec<i32> = (0..n * n)
                .map(|_| {
                    seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
                    let m = [3000, 600, 120][trial % 3];
                    ((seed >> 8) % (2 * m + 1)) as i32 - m as i32
                })
                .collect();
            let qp = 22 + (trial % 20) as i32;
            let mut level = vec![0; n * n];
            quantize(&coef, &mut level, log2, qp, trial % 2 == 0);
            let before = level.clone();
            let nz = hide_signs(&coef, &mut level, scan, log2, qp);
            assert_eq!(nz, level.iter().filter(|&&l| l != 0).count());
            for g in 0..n * n / 16 {
                let pos: Vec<usize> = scan[g * 16..g * 16 + 16]
                    .iter()
                    .map(|&p| p as usize)
                    .collect();
                let diff: Vec<i32> = pos.iter().map(|&p| (level[p] - before[p]).abs()).collect();
                assert!(diff.iter().sum::<i32>() <= 1, "one move per group");
                moved += diff.iter().sum::<i32>();
                let nzk: Vec<usize> = (0..16).filter(|&k| level[pos[k]] != 0).collect();
                if let (Some(&f), Some(&l)) = (nzk.first(), nzk.last()) {
                    if l - f > 3 {
                        let sum: i32 = pos.iter().map(|&p| level[p].abs()).sum();
                        assert_eq!(sum % 2 == 1, level[pos[f]] < 0, "trial {trial} group {g}");
                    }
                }
            }
        }
        assert!(moved > 100, "parity fixes happen ({moved})");
    }

    #[test]
    fn dequant_formula_and_dead_zone() {
        let mut c = [0i32; 16];
        dequantize(&[1; 16], &mut c, 2, 0);
        // (1*16*40 << 0 + 16) >> 5 = 20
        assert_eq!(c[0], 20);
        let mut l = [0i32; 16];
        // A small coefficient quantises to zero.
        quantize(&[10; 16], &mut l, 2, 30, true);
        assert!(l.iter().all(|&v| v == 0));
        assert_eq!(chroma_qp(35, 0), 33);
        assert_eq!(chroma_qp(51, 0), 45);
        assert_eq!(chroma_qp(20, 0), 20);
    }
}
