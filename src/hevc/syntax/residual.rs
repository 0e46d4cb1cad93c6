//! residual_coding (7.3.8.11): the last position, then per 4x4 sub-block in reverse scan the
//! coded-sub-block flag, significance, greater-than-1/2 flags, signs and remaining levels.

use super::Sink;
use crate::hevc::params::SIGN_HIDING;
use crate::hevc::tables::{ctx, Scans};

const CTX_IDX_MAP_4X4: [u8; 16] = [0, 1, 4, 5, 2, 3, 4, 5, 6, 6, 8, 8, 7, 7, 8, 8];

/// Group index of a last-position coordinate (its prefix) and the group's first value.
fn last_group(v: u32) -> (u32, u32) {
    const MIN: [u32; 10] = [0, 1, 2, 3, 4, 6, 8, 12, 16, 24];
    let g = match v {
        0..=3 => v,
        4..=5 => 4,
        6..=7 => 5,
        8..=11 => 6,
        12..=15 => 7,
        16..=23 => 8,
        _ => 9,
    };
    (g, MIN[g as usize])
}

/// coeff_abs_level_remaining (9.3.3.11): Rice prefix up to 3, then Exp-Golomb escape.
fn write_remaining<S: Sink>(s: &mut S, v: u32, rice: u32) {
    if v < (3 << rice) {
        let q = v >> rice;
        s.bypass((1 << (q + 1)) - 2, q + 1);
        if rice > 0 {
            s.bypass(v & ((1 << rice) - 1), rice);
        }
    } else {
        let mut len = rice;
        let mut rest = v - (3 << rice);
        while rest >= (1 << len) {
            rest -= 1 << len;
            len += 1;
        }
        let ones = 3 + len + 1 - rice;
        // `ones - 1` one-bins then a zero (at most 32 bins: split to stay in u32).
        let mut n = ones;
        while n > 16 {
            s.bypass(0xffff, 16);
            n -= 16;
        }
        s.bypass((1 << n) - 2, n);
        s.bypass(rest, len);
    }
}

/// The block-wide facts residual coding reads: levels, scan, size and kind.
struct Block<'a> {
    levels: &'a [i32],
    /// Scan position -> raster position over the whole block.
    full: &'a [u16],
    /// Position within a 4x4 sub-block, per scan index.
    in_sb: &'a [(u8, u8)],
    log2: u32,
    chroma: bool,
    sidx: usize,
}

/// The nonzero levels of one 4x4 sub-block in reverse scan order, as significance coding
/// found them: their count and the scan positions of the last and the first of them.
struct Group {
    cnt: usize,
    hi_k: Option<usize>,
    lo_k: usize,
}

/// residual_coding (7.3.8.11) for a block of `levels` (row-major, 1 << log2 wide) with at
/// least one nonzero level. No transform skip; sign hiding as `SIGN_HIDING` says.
pub(super) fn residual<S: Sink>(
    s: &mut S,
    scans: &Scans,
    levels: &[i32],
    log2: u32,
    chroma: bool,
    sidx: usize,
) {
    let nsb = 1usize << (log2 - 2);
    let lsb = (log2 - 2) as usize;
    let blk = Block {
        levels,
        full: &scans.full[lsb][sidx],
        in_sb: &scans.in_sb[sidx],
        log2,
        chroma,
        sidx,
    };
    let full = blk.full;
    let last = full
        .iter()
        .rposition(|&p| levels[p as usize] != 0)
        .expect("residual of an all-zero block");
    last_position(s, &blk, full[last] as usize);

    let last_sb = last / 16;
    let last_pos = last % 16;
    let mut csbf = [false; 64];
    let sb_scan = &scans.sb[lsb][sidx];
    let mut c1 = 1u32; // greater1Ctx carried between sub-blocks
    let mut first_sb = true;
    for i in (0..=last_sb).rev() {
        let (xs, ys) = (sb_scan[i].0 as usize, sb_scan[i].1 as usize);
        let base = i * 16;
        let any = (0..16).any(|k| levels[full[base + k] as usize] != 0);
        let mut infer_dc = false;
        if i < last_sb && i > 0 {
            let right = xs + 1 < nsb && csbf[ys * 8 + xs + 1];
            let below = ys + 1 < nsb && csbf[(ys + 1) * 8 + xs];
            let c = (right || below) as usize + if chroma { 2 } else { 0 };
            s.bin(ctx::CSBF + c, any as u32);
            infer_dc = true;
        }
        csbf[ys * 8 + xs] = i == last_sb || i == 0 || any;
        if !csbf[ys * 8 + xs] {
            continue;
        }
        let prev = if log2 == 2 {
            0
        } else {
            let right = xs + 1 < nsb && csbf[ys * 8 + xs + 1];
            let below = ys + 1 < nsb && csbf[(ys + 1) * 8 + xs];
            right as u32 + 2 * below as u32
        };
        let first = (i == last_sb).then_some(last_pos);
        // Absolute values and signs of the group's nonzero levels, here rather than in `Group`
        // (measured: inside it, residual coding took 3 % more instructions than unsplit).
        let mut abs = [0u32; 16];
        let mut neg = [false; 16];
        let g = significance(
            s,
            &blk,
            base,
            (xs, ys),
            prev,
            first,
            infer_dc,
            &mut abs,
            &mut neg,
        );
        let mut ctx_set = if i == 0 || chroma { 0 } else { 2 };
        if !first_sb && c1 == 0 {
            ctx_set += 1;
        }
        first_sb = false;
        c1 = group_levels(s, &g, &abs, &neg, ctx_set, chroma);
    }
}

/// last_sig_coeff_x/y prefix and suffix of the last nonzero level at raster position `pos`.
#[inline(always)]
fn last_position<S: Sink>(s: &mut S, blk: &Block<'_>, pos: usize) {
    let (log2, n) = (blk.log2, 1usize << blk.log2);
    let (lx, ly) = ((pos % n) as u32, (pos / n) as u32);
    // Last position: coded with x and y swapped for the vertical scan.
    let (cx, cy) = if blk.sidx == 2 { (ly, lx) } else { (lx, ly) };
    let (off, shift) = if blk.chroma {
        (15, log2 - 2)
    } else {
        (3 * (log2 - 2) + ((log2 - 1) >> 2), (log2 + 1) >> 2)
    };
    let cmax = (log2 << 1) - 1;
    let (gx, minx) = last_group(cx);
    let (gy, miny) = last_group(cy);
    for (base, g) in [(ctx::LAST_X, gx), (ctx::LAST_Y, gy)] {
        for i in 0..g {
            s.bin(base + (off + (i >> shift)) as usize, 1);
        }
        if g < cmax {
            s.bin(base + (off + (g >> shift)) as usize, 0);
        }
    }
    for (g, v, min) in [(gx, cx, minx), (gy, cy, miny)] {
        if g > 3 {
            s.bypass(v - min, (g >> 1) - 1);
        }
    }
}

/// Context increment of sig_coeff_flag (9.3.4.2.5) at (xp, yp) of sub-block (xs, ys), scan
/// position k; `prev` says which of the right and below sub-blocks are coded.
#[inline(always)]
fn sig_ctx(blk: &Block<'_>, (xs, ys): (usize, usize), prev: u32, k: usize) -> usize {
    let (xp, yp) = (blk.in_sb[k].0 as usize, blk.in_sb[k].1 as usize);
    let log2 = blk.log2;
    if log2 == 2 {
        CTX_IDX_MAP_4X4[yp * 4 + xp] as usize
    } else if xs == 0 && ys == 0 && k == 0 {
        0
    } else {
        let c = match prev {
            0 => match xp + yp {
                0 => 2,
                1 | 2 => 1,
                _ => 0,
            },
            1 => [2, 1, 0, 0][yp],
            2 => [2, 1, 0, 0][xp],
            _ => 2,
        };
        if !blk.chroma {
            c + if xs + ys > 0 { 3 } else { 0 }
                + if log2 == 3 {
                    if blk.sidx == 0 {
                        9
                    } else {
                        15
                    }
                } else {
                    21
                }
        } else {
            c + if log2 == 3 { 9 } else { 12 }
        }
    }
}

/// Significance flags of the sub-block starting at scan position `base`, in reverse scan;
/// `first` is the last nonzero level's position when this is its sub-block (not coded: known
/// significant), `infer_dc` whether the DC flag is inferred when nothing else is significant.
/// Stores the nonzero levels in that order into `abs` and `neg`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn significance<S: Sink>(
    s: &mut S,
    blk: &Block<'_>,
    base: usize,
    sb: (usize, usize),
    prev: u32,
    first: Option<usize>,
    mut infer_dc: bool,
    abs: &mut [u32; 16],
    neg: &mut [bool; 16],
) -> Group {
    let (levels, full) = (blk.levels, blk.full);
    let chroma_add = if blk.chroma { 27 } else { 0 };
    let mut g = Group {
        cnt: 0,
        hi_k: None,
        lo_k: 0,
    };
    let start = if let Some(last_pos) = first {
        let l = levels[full[base + last_pos] as usize];
        abs[0] = l.unsigned_abs();
        neg[0] = l < 0;
        g.cnt = 1;
        (g.hi_k, g.lo_k) = (Some(last_pos), last_pos);
        last_pos as i32 - 1
    } else {
        15
    };
    for k in (0..=start).rev() {
        let k = k as usize;
        let l = levels[full[base + k] as usize];
        if k == 0 && infer_dc {
            // Inferred significant: the sub-block is coded and nothing else was.
            debug_assert!(l != 0);
        } else {
            let sig = sig_ctx(blk, sb, prev, k);
            s.bin(ctx::SIG + chroma_add + sig, (l != 0) as u32);
            if l != 0 {
                infer_dc = false;
            }
        }
        if l != 0 {
            abs[g.cnt] = l.unsigned_abs();
            neg[g.cnt] = l < 0;
            g.cnt += 1;
            g.hi_k.get_or_insert(k);
            g.lo_k = k;
        }
    }
    g
}

/// The levels of one sub-block after significance: greater-than-1 flags for the first 8,
/// greater-than-2 for the first of those > 1, signs (the first one hidden in the parity when
/// sign hiding applies), remaining absolute levels. Returns greater1Ctx for the next group.
#[inline(always)]
fn group_levels<S: Sink>(
    s: &mut S,
    g: &Group,
    abs: &[u32; 16],
    neg: &[bool; 16],
    ctx_set: usize,
    chroma: bool,
) -> u32 {
    let cnt = g.cnt;
    let mut c1 = 1u32;
    let gt1_base = ctx::GT1 + if chroma { 16 } else { 0 };
    let mut gt2_at = usize::MAX;
    for (k, &a) in abs.iter().enumerate().take(cnt.min(8)) {
        let f = (a > 1) as u32;
        s.bin(gt1_base + ctx_set * 4 + c1.min(3) as usize, f);
        if f == 1 {
            c1 = 0;
            if gt2_at == usize::MAX {
                gt2_at = k;
            }
        } else if c1 > 0 {
            c1 += 1;
        }
    }
    if gt2_at != usize::MAX {
        s.bin(
            ctx::GT2 + ctx_set + if chroma { 4 } else { 0 },
            (abs[gt2_at] > 2) as u32,
        );
    }
    let mut signs = 0u32;
    for &ng in &neg[..cnt] {
        signs = (signs << 1) | ng as u32;
    }
    // signHidden: the first level's sign (coded last) comes from the parity instead.
    let hidden = SIGN_HIDING && g.hi_k.is_some_and(|h| h - g.lo_k > 3);
    if hidden {
        s.bypass(signs >> 1, cnt as u32 - 1);
    } else {
        s.bypass(signs, cnt as u32);
    }
    let mut rice = 0u32;
    for (k, &a) in abs.iter().enumerate().take(cnt) {
        let base_level = if k < 8 {
            if k == gt2_at {
                3
            } else {
                2
            }
        } else {
            1
        };
        if a >= base_level {
            write_remaining(s, a - base_level, rice);
            if a > 3 * (1 << rice) {
                rice = (rice + 1).min(4);
            }
        }
    }
    c1
}

#[cfg(test)]
mod tests {
    use super::super::tests::Log;
    use super::*;

    #[test]
    fn remaining_binarization() {
        // rice 0: 0 -> "0", 2 -> "110", 3 -> "1110", 4 -> "11110" + EG1 of 0 -> "1110"+"0"+"0"?
        let bits = |v: u32, r: u32| {
            let mut l = Log(vec![]);
            write_remaining(&mut l, v, r);
            l.0.iter()
                .map(|&(_, v, n)| {
                    (0..n)
                        .rev()
                        .map(|i| if (v >> i) & 1 == 1 { '1' } else { '0' })
                        .collect::<String>()
                })
                .collect::<String>()
        };
        assert_eq!(bits(0, 0), "0");
        assert_eq!(bits(2, 0), "110");
        assert_eq!(bits(3, 0), "1110");
        // 4 with rice 0: prefix "1111" then EG(1) of 0 -> "0" + 1 bit -> "11110" + "0"
        assert_eq!(bits(4, 0), "111100");
        assert_eq!(bits(5, 0), "111101");
        assert_eq!(bits(6, 0), "11111000");
        assert_eq!(bits(5, 1), "1101");
        // Escape with rice 4: 1000 - 48 = 952 leaves 456 after the lengths 4..8; 9 prefix
        // bins (8 ones, a zero), then 456 in 9 bits.
        assert_eq!(bits(1000, 4), "111111110111001000");
    }

    #[test]
    fn last_position_groups() {
        assert_eq!(last_group(3), (3, 3));
        assert_eq!(last_group(5), (4, 4));
        assert_eq!(last_group(7), (5, 6));
        assert_eq!(last_group(31), (9, 24));
    }

    #[test]
    fn single_dc_coefficient() {
        let scans = Scans::new();
        let mut lv = vec![0; 16];
        lv[0] = -1;
        let mut l = Log(vec![]);
        residual(&mut l, &scans, &lv, 2, false, 0);
        // last x prefix 0 (one 0 bin), last y prefix 0, gt1 = 0, sign 1.
        assert_eq!(
            l.0,
            vec![
                (ctx::LAST_X as i64, 0, 1),
                (ctx::LAST_Y as i64, 0, 1),
                ((ctx::GT1 + 1) as i64, 0, 1),
                (-1, 1, 1)
            ]
        );
    }
}
