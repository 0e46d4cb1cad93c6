//! CABAC-coded syntax of a coding unit (7.3.8.5–7.3.8.11), written once and used twice:
//! through [`Estimator`] to measure bits during mode decision, and through [`Writer`] to
//! produce the slice data. Keeping one copy is what keeps the estimate and the stream in step.

use super::cabac::{bin_cost, Cabac, Context};
use super::params::SIGN_HIDING;
use super::tables::{ctx, Scans};

/// Where CABAC bins go.
pub(crate) trait Sink {
    fn bin(&mut self, ctx_idx: usize, b: u32);
    /// `n` bypass bins holding the low bits of `v`, most significant first.
    fn bypass(&mut self, v: u32, n: u32);
}

/// Counts the cost of bins in 1/32768 bit, updating its own copy of the contexts.
#[derive(Clone)]
pub(crate) struct Estimator {
    pub(crate) ctx: Vec<Context>,
    pub(crate) cost: u64,
}

impl Estimator {
    pub(crate) fn new(ctx: &[Context]) -> Self {
        Estimator {
            ctx: ctx.to_vec(),
            cost: 0,
        }
    }
    pub(crate) fn bits(&self) -> f64 {
        self.cost as f64 / 32768.0
    }
}

impl Sink for Estimator {
    #[inline]
    fn bin(&mut self, i: usize, b: u32) {
        let c = &mut self.ctx[i];
        self.cost += bin_cost(c, b) as u64;
        // The same state transition as the arithmetic coder.
        if b == c.mps as u32 {
            c.state = (c.state + 1).min(62);
        } else {
            if c.state == 0 {
                c.mps = 1 - c.mps;
            }
            c.state = super::tables::TRANS_LPS[c.state as usize];
        }
    }
    #[inline]
    fn bypass(&mut self, _v: u32, n: u32) {
        self.cost += 32768 * n as u64;
    }
}

/// The real arithmetic coder with the slice's contexts.
pub(crate) struct Writer<'a> {
    pub(crate) cabac: Cabac<'a>,
    pub(crate) ctx: Vec<Context>,
}

impl Sink for Writer<'_> {
    #[inline]
    fn bin(&mut self, i: usize, b: u32) {
        self.cabac.encode(&mut self.ctx[i], b);
    }
    #[inline]
    fn bypass(&mut self, v: u32, n: u32) {
        self.cabac.bypass_bits(v, n);
    }
}

/// The residual scan to use (7.4.9.11): mode-dependent for intra 4x4 blocks and 8x8 luma.
pub(crate) fn scan_idx(log2: u32, luma: bool, intra_mode: Option<u32>) -> usize {
    match intra_mode {
        Some(m) if log2 == 2 || (log2 == 3 && luma) => match m {
            6..=14 => 2,
            22..=30 => 1,
            _ => 0,
        },
        _ => 0,
    }
}

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
pub(crate) fn residual<S: Sink>(
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

/// Everything about one intra CU's coding, kept from the search for the real write.
#[derive(Clone, Debug)]
pub(crate) struct IntraCu {
    pub(crate) log2: u32,
    /// Luma mode and how it is signalled.
    pub(crate) mode: u32,
    pub(crate) mpm: [u32; 3],
    /// Luma, Cb, Cr levels (row-major) and their coded-block flags.
    pub(crate) levels: [Vec<i32>; 3],
    pub(crate) cbf: [bool; 3],
}

/// The luma mode signalling (prev_intra_luma_pred_flag, mpm_idx or rem_intra_luma_pred_mode).
pub(crate) fn luma_mode<S: Sink>(s: &mut S, mode: u32, mpm: &[u32; 3]) {
    if let Some(idx) = mpm.iter().position(|&m| m == mode) {
        s.bin(ctx::PREV_INTRA_LUMA, 1);
        // mpm_idx: truncated rice, cMax 2, bypass.
        match idx {
            0 => s.bypass(0, 1),
            1 => s.bypass(2, 2),
            _ => s.bypass(3, 2),
        }
    } else {
        s.bin(ctx::PREV_INTRA_LUMA, 0);
        let rem = mode - mpm.iter().filter(|&&m| m < mode).count() as u32;
        s.bypass(rem, 5);
    }
}

/// The luma part of an intra CU's coding (for comparing luma modes).
pub(crate) fn intra_luma_part<S: Sink>(s: &mut S, scans: &Scans, cu: &IntraCu) {
    luma_mode(s, cu.mode, &cu.mpm);
    s.bin(ctx::CBF_LUMA + 1, cu.cbf[0] as u32);
    if cu.cbf[0] {
        let si = scan_idx(cu.log2, true, Some(cu.mode));
        residual(s, scans, &cu.levels[0], cu.log2, false, si);
    }
}

/// coding_unit for an intra CU in any slice (after the split flag), in syntax order. In a P
/// slice `skip_ctx` is the context of its cu_skip_flag.
pub(crate) fn intra_cu<S: Sink>(
    s: &mut S,
    scans: &Scans,
    cu: &IntraCu,
    min_cb_log2: u32,
    skip_ctx: Option<usize>,
) {
    if let Some(c) = skip_ctx {
        s.bin(ctx::SKIP + c, 0);
        s.bin(ctx::PRED_MODE, 1); // pred_mode_flag = MODE_INTRA
    }
    if cu.log2 == min_cb_log2 {
        s.bin(ctx::PART_MODE, 1); // PART_2Nx2N
    }
    luma_mode(s, cu.mode, &cu.mpm);
    s.bin(ctx::INTRA_CHROMA, 0); // intra_chroma_pred_mode 4: same as luma

    // transform_tree at depth 0, no split: cbf_cb, cbf_cr, cbf_luma, then the residuals.
    s.bin(ctx::CBF_CHROMA, cu.cbf[1] as u32);
    s.bin(ctx::CBF_CHROMA, cu.cbf[2] as u32);
    s.bin(ctx::CBF_LUMA + 1, cu.cbf[0] as u32);
    let scan = [
        scan_idx(cu.log2, true, Some(cu.mode)),
        scan_idx(cu.log2 - 1, false, Some(cu.mode)),
    ];
    residuals(s, scans, &cu.levels, cu.cbf, cu.log2, scan);
}

/// The transform unit's residual_coding calls: luma, then Cb and Cr at half size, each when its
/// cbf is set; `scan` is the scan index for luma and for chroma.
fn residuals<S: Sink>(
    s: &mut S,
    scans: &Scans,
    levels: &[Vec<i32>; 3],
    cbf: [bool; 3],
    log2: u32,
    scan: [usize; 2],
) {
    for c in 0..3 {
        if cbf[c] {
            let (l2, chroma) = if c == 0 {
                (log2, false)
            } else {
                (log2 - 1, true)
            };
            residual(s, scans, &levels[c], l2, chroma, scan[chroma as usize]);
        }
    }
}

/// An inter CU (2Nx2N, one reference picture) as decided by the search.
#[derive(Clone, Debug)]
pub(crate) struct InterCu {
    pub(crate) log2: u32,
    /// Skipped: merge without residual.
    pub(crate) skip: bool,
    /// merge_idx when merged, else None (AMVP with `mvd` and `mvp_idx`).
    pub(crate) merge: Option<u8>,
    pub(crate) mvd: [i32; 2],
    pub(crate) mvp_idx: u8,
    /// The motion vector used (quarter luma samples).
    pub(crate) mv: [i32; 2],
    pub(crate) levels: [Vec<i32>; 3],
    pub(crate) cbf: [bool; 3],
}

/// merge_idx: truncated rice with cMax 4, first bin context-coded.
fn merge_idx<S: Sink>(s: &mut S, idx: u8) {
    s.bin(ctx::MERGE_IDX, (idx > 0) as u32);
    if idx > 0 {
        let rest = idx as u32 - 1; // remaining unary bins, bypass, up to 3
        let n = if idx < 4 { rest + 1 } else { 3 };
        let bits = if idx < 4 { ((1 << rest) - 1) << 1 } else { 7 };
        s.bypass(bits, n);
    }
}

/// k-th order Exp-Golomb in bypass bins (9.3.3.3).
fn exp_golomb<S: Sink>(s: &mut S, mut v: u32, mut k: u32) {
    while v >= (1 << k) {
        s.bypass(1, 1);
        v -= 1 << k;
        k += 1;
    }
    s.bypass(0, 1);
    s.bypass(v, k);
}

/// mvd_coding (7.3.8.9).
pub(crate) fn mvd<S: Sink>(s: &mut S, d: [i32; 2]) {
    let a = [d[0].unsigned_abs(), d[1].unsigned_abs()];
    s.bin(ctx::MVD_GT0, (a[0] > 0) as u32);
    s.bin(ctx::MVD_GT0, (a[1] > 0) as u32);
    for &v in &a {
        if v > 0 {
            s.bin(ctx::MVD_GT1, (v > 1) as u32);
        }
    }
    for c in 0..2 {
        if a[c] > 0 {
            if a[c] > 1 {
                exp_golomb(s, a[c] - 2, 1);
            }
            s.bypass((d[c] < 0) as u32, 1);
        }
    }
}

/// coding_unit for an inter CU in a P slice (after the split flag).
pub(crate) fn inter_cu<S: Sink>(s: &mut S, scans: &Scans, cu: &InterCu, skip_ctx: usize) {
    s.bin(ctx::SKIP + skip_ctx, cu.skip as u32);
    if cu.skip {
        merge_idx(s, cu.merge.expect("a skipped CU is merged"));
        return;
    }
    s.bin(ctx::PRED_MODE, 0); // MODE_INTER
    s.bin(ctx::PART_MODE, 1); // PART_2Nx2N
    let root = cu.cbf.iter().any(|&c| c);
    match cu.merge {
        Some(i) => {
            s.bin(ctx::MERGE_FLAG, 1);
            merge_idx(s, i);
            // rqt_root_cbf is inferred 1 for a merged 2Nx2N CU: the search codes residual-free
            // merges as skips.
            debug_assert!(root);
        }
        None => {
            s.bin(ctx::MERGE_FLAG, 0);
            mvd(s, cu.mvd);
            s.bin(ctx::MVP_FLAG, cu.mvp_idx as u32);
            s.bin(ctx::RQT_ROOT_CBF, root as u32);
        }
    }
    if !root {
        return;
    }
    s.bin(ctx::CBF_CHROMA, cu.cbf[1] as u32);
    s.bin(ctx::CBF_CHROMA, cu.cbf[2] as u32);
    if cu.cbf[1] || cu.cbf[2] {
        s.bin(ctx::CBF_LUMA + 1, cu.cbf[0] as u32);
    } else {
        // cbf_luma is inferred 1 here; the search never leaves it 0 in this case.
        debug_assert!(cu.cbf[0]);
    }
    residuals(s, scans, &cu.levels, cu.cbf, cu.log2, [0, 0]);
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Log(Vec<(i64, u32, u32)>);
    impl Sink for Log {
        fn bin(&mut self, c: usize, b: u32) {
            self.0.push((c as i64, b, 1));
        }
        fn bypass(&mut self, v: u32, n: u32) {
            self.0.push((-1, v, n));
        }
    }

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
    fn merge_index_and_mvd_binarization() {
        let bins = |f: &dyn Fn(&mut Log)| {
            let mut l = Log(vec![]);
            f(&mut l);
            l.0
        };
        assert_eq!(
            bins(&|l| merge_idx(l, 0)),
            vec![(ctx::MERGE_IDX as i64, 0, 1)]
        );
        assert_eq!(
            bins(&|l| merge_idx(l, 2)),
            vec![(ctx::MERGE_IDX as i64, 1, 1), (-1, 0b10, 2)]
        );
        assert_eq!(
            bins(&|l| merge_idx(l, 4)),
            vec![(ctx::MERGE_IDX as i64, 1, 1), (-1, 0b111, 3)]
        );
        // mvd (3, 0): gt0 1, gt0 0, gt1 1, EG1(1) = "0" + "1", sign 0
        let b = bins(&|l| mvd(l, [3, 0]));
        assert_eq!(
            b[..3],
            [
                (ctx::MVD_GT0 as i64, 1, 1),
                (ctx::MVD_GT0 as i64, 0, 1),
                (ctx::MVD_GT1 as i64, 1, 1)
            ]
        );
        assert_eq!(b[3..], [(-1, 0, 1), (-1, 1, 1), (-1, 0, 1)]);
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
