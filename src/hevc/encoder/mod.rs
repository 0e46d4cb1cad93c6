//! The picture encoder: CTU loop, CU quadtree search by rate-distortion cost, intra mode
//! decision, reconstruction, deblocking and the slice data.
//!
//! Layout, one file per decision: `mod.rs` picture loop (QP/lambda, CTU loop, serial coding),
//! `quadtree.rs` CU split/no-split RD search and writing the decided tree, `intra_cu.rs` intra
//! CU (SATD pre-selection, RD), `inter_cu.rs` P-slice CU (skip/merge/AMVP, RD), `motion.rs`
//! motion search and half-sample planes, `residual.rs` transform/quantise/reconstruct of one
//! block, `state.rs` neighbour and picture state (maps, collocated motion, contexts),
//! `wpp.rs` wavefront rows on threads.

use super::cabac::{init_contexts, Cabac};
use super::deblock::{deblock, DeblockMap};
use super::inter::Motion;
use super::params::CTB_LOG2;
use super::picture::Planes;
use super::syntax::{Estimator, InterCu, IntraCu, Writer};
use super::tables::Scans;
use super::transform::{chroma_qp, Matrices};
use state::Maps;
use std::sync::Arc;

mod inter_cu;
mod intra_cu;
mod motion;
mod quadtree;
mod residual;
mod state;
mod wpp;

/// A CTU's coding tree as the quadtree search decided it, kept for writing.
enum Node {
    Split(Box<[Option<Node>; 4]>),
    Cu(Box<IntraCu>),
    Inter(Box<InterCu>),
}

/// Search effort knobs (defaults chosen from the intra benchmark; see BENCHMARKS.md).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Effort {
    /// I pictures are followed by P pictures that predict from them (not an all-intra
    /// stream): their lambda is lower.
    pub(crate) intra_is_reference: bool,
    /// Modes kept from the SATD pre-selection for the full rate-distortion check.
    pub(crate) rd_modes: usize,
    /// Motion search range in full samples around the best predictor.
    pub(crate) search_range: i32,
    /// Smallest CU tried in P slices (log2). 16x16 (4): measured on bbb 720p, stopping at 16
    /// costs +2.3 % BD-rate and saves 31 % of the time; x265 ultrafast stops there too.
    pub(crate) p_min_cu_log2: u32,
}

impl Default for Effort {
    fn default() -> Self {
        Effort {
            intra_is_reference: false,
            rd_modes: 2,
            search_range: 64,
            p_min_cu_log2: 4,
        }
    }
}

/// Encodes pictures of one coded size; keeps its buffers between pictures.
pub(crate) struct PictureEncoder {
    /// Read-only during a picture; shared (not copied) with the wavefront helper threads.
    pub(crate) src: Arc<Planes>,
    pub(crate) rec: Planes,
    /// The reference picture of P slices (the previous reconstruction, deblocked).
    pub(crate) refp: Arc<Planes>,
    /// The picture being coded is a P slice.
    p_slice: bool,
    /// Half-sample luma planes of `refp` (x+1/2, y+1/2, both) for the motion search.
    hpel: Arc<[Vec<u8>; 3]>,
    /// The wavefront's shared picture buffers, kept between pictures.
    wpp_spare: Option<(Planes, Maps)>,
    /// Motion of the reference picture on its 16x16 grid (what temporal MV prediction reads,
    /// 8.5.3.2.8); shared with the wavefront helpers.
    col: Arc<Vec<Motion>>,
    maps: Maps,
    mx: Matrices,
    scans: Scans,
    qp: i32,
    qpc: i32,
    lambda: f64,
    sqrt_lambda: f64,
    chroma_weight: f64,
    pub(crate) effort: Effort,
}

impl PictureEncoder {
    pub(crate) fn new(coded_w: usize, coded_h: usize) -> Self {
        let (w4, h4) = (coded_w / 4, coded_h / 4);
        PictureEncoder {
            src: Arc::new(Planes::new(coded_w, coded_h)),
            rec: Planes::new(coded_w, coded_h),
            refp: Arc::new(Planes::new(coded_w, coded_h)),
            p_slice: false,
            hpel: Default::default(),
            wpp_spare: None,
            col: Arc::default(),
            maps: Maps::new(w4, h4),
            mx: Matrices::new(),
            scans: Scans::new(),
            qp: 0,
            qpc: 0,
            lambda: 0.0,
            sqrt_lambda: 0.0,
            chroma_weight: 1.0,
            effort: Effort::default(),
        }
    }

    /// The picture's QP and slice type, and the lambdas that follow from them.
    fn set_qp(&mut self, qp: i32, p_slice: bool) {
        self.p_slice = p_slice;
        self.qp = qp;
        self.qpc = chroma_qp(qp, 0);
        // HM's intra lambda: 0.57 * 2^((QP - 12) / 3), for SSE distortion. P slices: 0.85
        // (measured on 30 frames at QPs 22-37: 0.75 / 0.85 / 1.0 gave BD-rate -1.8 / -1.9 /
        // -2.0 % on bbb 720p and -0.9 / -1.4 / -1.3 % on bikes against 0.57).
        // I pictures that P pictures predict from: 0.4 (better references; measured on 30
        // frames against 0.57: BD-rate -0.7 % bbb, -0.6 % bikes; 0.3: -0.7 / -0.8 %).
        let factor = match (self.p_slice, self.effort.intra_is_reference) {
            (true, _) => 0.85,
            (false, true) => 0.4,
            (false, false) => 0.57,
        };
        self.lambda = factor * 2f64.powf((qp - 12) as f64 / 3.0);
        self.sqrt_lambda = self.lambda.sqrt();
        self.chroma_weight = 2f64.powf((qp - self.qpc) as f64 / 3.0);
    }

    /// Encodes the picture in `self.src` as one slice at `qp` (P when `p_slice`, predicted
    /// from `self.refp`, else I) and leaves the deblocked reconstruction in `self.rec`.
    /// Returns the slice data (the CABAC part after the header, terminated): one substream, or
    /// with `threads` > 1 one substream per CTU row (wavefront, see `wpp`), coded on `threads`
    /// threads with `helpers` as the other threads' encoders.
    pub(crate) fn encode(
        &mut self,
        qp: i32,
        p_slice: bool,
        helpers: &mut Vec<PictureEncoder>,
        threads: usize,
    ) -> Vec<Vec<u8>> {
        self.set_qp(qp, p_slice);
        if p_slice {
            self.build_hpel(threads);
        }
        self.maps.avail.fill(false);
        let (cw, ch) = (self.src.w, self.src.h);
        let mut dbk = DeblockMap::new(cw, ch);
        let subs = if threads > 1 {
            wpp::code_picture(self, helpers, threads, &mut dbk)
        } else {
            vec![self.code_serial(&mut dbk)]
        };
        deblock(&dbk, &mut self.rec, 0, 0);
        self.store_col_motion(threads > 1);
        subs
    }

    /// Codes every CTU in raster order into one substream.
    fn code_serial(&mut self, dbk: &mut DeblockMap) -> Vec<u8> {
        let mut w = super::bitwriter::BitWriter::new();
        let (cw, ch) = (self.src.w, self.src.h);
        let ctb = 1usize << CTB_LOG2;
        let mut writer = Writer {
            cabac: Cabac::new(&mut w),
            ctx: init_contexts(self.p_slice as usize, self.qp),
        };
        let nx = cw.div_ceil(ctb);
        let ny = ch.div_ceil(ctb);
        for cy in 0..ny {
            for cx in 0..nx {
                self.code_ctu(&mut writer, dbk, cx, cy);
            }
        }
        drop(writer);
        w.align_zero(); // rbsp_slice_segment_trailing_bits after the stop bit of the flush
        w.buf
    }

    /// Decides and writes CTU (cx, cy), then its end_of_slice_segment_flag.
    fn code_ctu(&mut self, writer: &mut Writer<'_>, dbk: &mut DeblockMap, cx: usize, cy: usize) {
        let ctb = 1usize << CTB_LOG2;
        let (nx, ny) = (self.src.w.div_ceil(ctb), self.src.h.div_ceil(ctb));
        let (x, y) = (cx * ctb, cy * ctb);
        let est = Estimator::new(&writer.ctx);
        let (_, node, _) = self.search(x, y, CTB_LOG2, 0, est);
        self.write_node(writer, dbk, &node, x, y, CTB_LOG2, 0);
        let last = cy + 1 == ny && cx + 1 == nx;
        writer.cabac.terminate(last as u32); // end_of_slice_segment_flag
    }
}
