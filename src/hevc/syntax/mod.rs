//! CABAC-coded syntax of a coding unit (7.3.8.5–7.3.8.11), written once and used twice:
//! through [`Estimator`] to measure bits during mode decision, and through [`Writer`] to
//! produce the slice data. Keeping one copy is what keeps the estimate and the stream in step.

use super::cabac::{bin_cost, Cabac, Context};
use super::tables::{ctx, Scans};
use residual::residual;

mod residual;

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

    /// Records every bin: (context or -1 for bypass, value, bin count).
    pub(super) struct Log(pub(super) Vec<(i64, u32, u32)>);
    impl Sink for Log {
        fn bin(&mut self, c: usize, b: u32) {
            self.0.push((c as i64, b, 1));
        }
        fn bypass(&mut self, v: u32, n: u32) {
            self.0.push((-1, v, n));
        }
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
}
