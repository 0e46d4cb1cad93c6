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
use crate::error::Result;
use crate::mem::try_vec;
use state::Maps;
use std::sync::Arc;

mod inter_cu;
mod intra_cu;
mod motion;
mod quadtree;
mod residual;
mod state;
mod wpp;

pub(crate) use wpp::threads_used;

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
    /// Deblocking information of the picture (a helper: of its rows), reset for each picture.
    dbk: DeblockMap,
    /// Substream buffers, kept between pictures so that coding allocates nothing: one per CTU
    /// row with wavefronts (in the main encoder), else one.
    rows: Vec<Vec<u8>>,
    mx: Matrices,
    scans: Scans,
    qp: i32,
    qpc: i32,
    lambda: f64,
    sqrt_lambda: f64,
    chroma_weight: f64,
    pub(crate) effort: Effort,
    /// Test hook: making room for the first CTU of this row fails (once), as if memory ran out.
    #[cfg(test)]
    pub(crate) fail_ctu_row: Option<usize>,
}

/// Most bytes one CTU's syntax can take (32x32 luma and two 16x16 chroma samples at under 5
/// bytes each, see `max_packet_size`, plus its split flags and modes): room made before each
/// CTU so that its writes never reallocate.
const CTU_BYTES: usize = 1536 * 5 + 1024;

impl PictureEncoder {
    /// The encoder of one thread, with every buffer a picture of `coded_w` x `coded_h` needs
    /// (`inter`: P pictures follow, so the half-sample planes too); `OutOfMemory` if any
    /// cannot be had. The wavefront's other threads use `helper` encoders.
    pub(crate) fn new(coded_w: usize, coded_h: usize, inter: bool) -> Result<Self> {
        let mut pe = Self::helper(coded_w, coded_h)?;
        pe.src = Arc::new(Planes::try_new(coded_w, coded_h, "the source picture")?);
        pe.refp = Arc::new(Planes::try_new(coded_w, coded_h, "the reference picture")?);
        if inter {
            let n = coded_w * coded_h;
            let what = "the half-sample planes";
            pe.hpel = Arc::new([
                try_vec(n, 0, what)?,
                try_vec(n, 0, what)?,
                try_vec(n, 0, what)?,
            ]);
        }
        Ok(pe)
    }

    /// A wavefront helper: its own reconstruction, maps and deblocking map; the source,
    /// reference and half-sample planes are the main encoder's, lent for each picture.
    pub(crate) fn helper(coded_w: usize, coded_h: usize) -> Result<Self> {
        let (w4, h4) = (coded_w / 4, coded_h / 4);
        Ok(PictureEncoder {
            src: Arc::default(),
            rec: Planes::try_new(coded_w, coded_h, "the reconstruction")?,
            refp: Arc::default(),
            p_slice: false,
            hpel: Default::default(),
            wpp_spare: None,
            col: Arc::default(),
            maps: Maps::new(w4, h4)?,
            dbk: DeblockMap::new(coded_w, coded_h)?,
            rows: Vec::new(),
            mx: Matrices::new(),
            scans: Scans::new(),
            qp: 0,
            qpc: 0,
            lambda: 0.0,
            sqrt_lambda: 0.0,
            chroma_weight: 1.0,
            effort: Effort::default(),
            #[cfg(test)]
            fail_ctu_row: None,
        })
    }

    /// Bytes `new` (`helper`: false) allocates for a coded_w x coded_h picture.
    pub(crate) fn bytes(coded_w: usize, coded_h: usize, main: bool, inter: bool) -> usize {
        let n = coded_w * coded_h;
        let own = Planes::bytes(coded_w, coded_h)
            + Maps::bytes(coded_w / 4, coded_h / 4)
            + DeblockMap::bytes(coded_w, coded_h);
        match (main, inter) {
            (false, _) => own,
            (true, false) => own + 2 * Planes::bytes(coded_w, coded_h),
            (true, true) => own + 2 * Planes::bytes(coded_w, coded_h) + 3 * n,
        }
    }

    /// Makes the shared picture buffers of the wavefront (kept between pictures).
    pub(crate) fn prepare_wavefront(&mut self) -> Result<()> {
        let (w, h) = (self.rec.w, self.rec.h);
        let rec = Planes::try_new(w, h, "the wavefront's shared picture")?;
        self.wpp_spare = Some((rec, Maps::new(w / 4, h / 4)?));
        Ok(())
    }

    /// Bytes `prepare_wavefront` allocates.
    pub(crate) fn wavefront_bytes(coded_w: usize, coded_h: usize) -> usize {
        Planes::bytes(coded_w, coded_h) + Maps::bytes(coded_w / 4, coded_h / 4)
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
    /// Leaves the slice data (the CABAC part after the header, terminated) in `substreams()`:
    /// one substream, or with `threads` > 1 one per CTU row (wavefront, see `wpp`), coded on
    /// `threads` threads with `helpers` as the other threads' encoders. `OutOfMemory` when a
    /// substream could not grow: the picture is then abandoned (the reference is untouched).
    pub(crate) fn encode(
        &mut self,
        qp: i32,
        p_slice: bool,
        helpers: &mut Vec<PictureEncoder>,
        threads: usize,
    ) -> Result<()> {
        self.set_qp(qp, p_slice);
        if p_slice {
            self.build_hpel(threads);
        }
        self.maps.avail.fill(false);
        self.dbk.reset();
        if threads > 1 {
            wpp::code_picture(self, helpers, threads)?;
        } else {
            self.rows.resize_with(1, Vec::new);
            let mut buf = std::mem::take(&mut self.rows[0]);
            let r = self.code_serial(&mut buf);
            self.rows[0] = buf;
            r?;
        }
        deblock(&self.dbk, &mut self.rec, 0, 0);
        self.store_col_motion(threads > 1);
        Ok(())
    }

    /// The substreams of the last picture `encode` coded.
    pub(crate) fn substreams(&self) -> &[Vec<u8>] {
        &self.rows
    }

    /// Codes every CTU in raster order into one substream, in `buf` (cleared first).
    fn code_serial(&mut self, buf: &mut Vec<u8>) -> Result<()> {
        let mut w = super::bitwriter::BitWriter::reuse(std::mem::take(buf));
        let (cw, ch) = (self.src.w, self.src.h);
        let ctb = 1usize << CTB_LOG2;
        let mut writer = Writer {
            cabac: Cabac::new(&mut w),
            ctx: init_contexts(self.p_slice as usize, self.qp),
        };
        let nx = cw.div_ceil(ctb);
        let ny = ch.div_ceil(ctb);
        let mut result = Ok(());
        'rows: for cy in 0..ny {
            for cx in 0..nx {
                result = self.code_ctu(&mut writer, cx, cy);
                if result.is_err() {
                    break 'rows;
                }
            }
        }
        drop(writer);
        w.align_zero(); // rbsp_slice_segment_trailing_bits after the stop bit of the flush
        *buf = w.buf;
        result
    }

    /// Decides and writes CTU (cx, cy), then its end_of_slice_segment_flag.
    fn code_ctu(&mut self, writer: &mut Writer<'_>, cx: usize, cy: usize) -> Result<()> {
        #[cfg(test)]
        if cx == 0 && self.fail_ctu_row == Some(cy) {
            self.fail_ctu_row = None;
            return Err(crate::mem::no_memory(
                CTU_BYTES,
                "the slice data (test hook)",
            ));
        }
        writer.cabac.make_room(CTU_BYTES)?;
        let ctb = 1usize << CTB_LOG2;
        let (nx, ny) = (self.src.w.div_ceil(ctb), self.src.h.div_ceil(ctb));
        let (x, y) = (cx * ctb, cy * ctb);
        let est = Estimator::new(&writer.ctx);
        let (_, node, _) = self.search(x, y, CTB_LOG2, 0, est);
        let mut dbk = std::mem::take(&mut self.dbk);
        self.write_node(writer, &mut dbk, &node, x, y, CTB_LOG2, 0);
        self.dbk = dbk;
        let last = cy + 1 == ny && cx + 1 == nx;
        writer.cabac.terminate(last as u32); // end_of_slice_segment_flag
        Ok(())
    }
}
