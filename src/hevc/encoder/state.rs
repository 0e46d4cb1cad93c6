//! Neighbour and picture state: what prediction and context selection read about the blocks
//! already coded (availability, depth, intra mode, motion, skip per 4x4), the reference
//! picture's motion for temporal candidates, and the intra references.

use super::PictureEncoder;
use crate::error::Result;
use crate::hevc::inter::{Motion, Mv};
use crate::hevc::intra::{build_refs, Refs, DC};
use crate::hevc::params::CTB_LOG2;
use crate::hevc::tables::ctx;
use crate::mem::try_vec;
use std::sync::Arc;

/// Per-4x4 state of the picture being coded, read by prediction and context selection.
pub(super) struct Maps {
    pub(super) w4: usize,
    pub(super) h4: usize,
    /// The block has been reconstructed (decoding order = coding order).
    pub(super) avail: Vec<bool>,
    /// CtDepth of the CU covering the block.
    pub(super) depth: Vec<u8>,
    /// Luma intra mode (DC for blocks that are not intra).
    pub(super) mode: Vec<u8>,
    /// Motion of inter blocks (P slices).
    pub(super) motion: Vec<Motion>,
    /// cu_skip_flag of the CU covering the block.
    pub(super) skip: Vec<bool>,
}

impl Maps {
    /// Maps of a picture of w4 x h4 4x4 blocks, nothing available.
    pub(super) fn new(w4: usize, h4: usize) -> Result<Self> {
        let what = "the prediction maps";
        let n = w4 * h4;
        Ok(Maps {
            w4,
            h4,
            avail: try_vec(n, false, what)?,
            depth: try_vec(n, 0, what)?,
            mode: try_vec(n, DC as u8, what)?,
            motion: try_vec(n, Motion::default(), what)?,
            skip: try_vec(n, false, what)?,
        })
    }

    /// Bytes of the maps of w4 x h4 blocks.
    pub(super) fn bytes(w4: usize, h4: usize) -> usize {
        w4 * h4 * (4 + std::mem::size_of::<Motion>())
    }

    /// Applies `f` to the blocks of an n x n area (clipped to the picture).
    #[inline]
    pub(super) fn fill(&mut self, x: usize, y: usize, n: usize, f: impl Fn(&mut Self, usize)) {
        for by in y / 4..((y + n) / 4).min(self.h4) {
            for bx in x / 4..((x + n) / 4).min(self.w4) {
                f(self, by * self.w4 + bx);
            }
        }
    }
}

impl PictureEncoder {
    /// Context of split_cu_flag: left and above neighbours coded deeper than `depth`
    /// (9.3.4.2.2).
    #[inline]
    pub(super) fn split_ctx(&self, x: usize, y: usize, depth: u32) -> usize {
        let m = &self.maps;
        let l = x > 0 && m.depth[(y / 4) * m.w4 + (x - 1) / 4] as u32 > depth;
        let a = y > 0 && m.depth[((y - 1) / 4) * m.w4 + x / 4] as u32 > depth;
        ctx::SPLIT_CU + l as usize + a as usize
    }

    /// Context of cu_skip_flag: skipped left and above neighbours (9.3.4.2.2).
    #[inline]
    pub(super) fn skip_ctx(&self, x: usize, y: usize) -> usize {
        let m = &self.maps;
        let l = x > 0 && m.skip[(y / 4) * m.w4 + (x - 1) / 4];
        let a = y > 0 && m.skip[((y - 1) / 4) * m.w4 + x / 4];
        l as usize + a as usize
    }

    /// Motion of the prediction block covering luma (x, y) when it is available for
    /// prediction (inside the picture, already decoded, inter).
    #[inline]
    pub(super) fn nb_motion(&self, x: i32, y: i32) -> Option<Mv> {
        let m = &self.maps;
        if x < 0 || y < 0 || x >= self.src.w as i32 || y >= self.src.h as i32 {
            return None;
        }
        let i = (y as usize / 4) * m.w4 + x as usize / 4;
        (m.avail[i] && m.motion[i].inter).then_some(m.motion[i].mv)
    }

    /// The intra prediction references of component `c` for the block at (x, y) (component
    /// coordinates) of size n.
    pub(super) fn refs(&self, c: usize, x: usize, y: usize, n: usize) -> Refs {
        let m = &self.maps;
        let shift = if c == 0 { 0 } else { 1 };
        let (pw, ph) = ((self.src.w >> shift) as i32, (self.src.h >> shift) as i32);
        let avail = |sx: i32, sy: i32| -> bool {
            sx >= 0
                && sy >= 0
                && sx < pw
                && sy < ph
                && m.avail[((sy << shift) as usize / 4) * m.w4 + (sx << shift) as usize / 4]
        };
        build_refs(self.rec.plane(c), self.rec.stride(c), x, y, n, &avail)
    }

    /// Keeps this picture's motion on the 16x16 grid for the next picture's temporal
    /// candidates (the complete map: the wavefront's shared one when rows ran on threads).
    pub(super) fn store_col_motion(&mut self, wavefront: bool) {
        let m = match (&self.wpp_spare, wavefront) {
            (Some((_, shared)), true) => shared,
            _ => &self.maps,
        };
        let (w16, h16) = (m.w4.div_ceil(4), m.h4.div_ceil(4));
        let col = Arc::make_mut(&mut self.col);
        col.clear();
        for y in 0..h16 {
            for x in 0..w16 {
                col.push(m.motion[(y * 4) * m.w4 + x * 4]);
            }
        }
    }

    /// The temporal MV candidate of the prediction block (x, y, w, h) (8.5.3.2.8): the
    /// reference picture's motion below-right of the block (same CTU row, inside the picture),
    /// else at its centre, each on the 16x16 grid; none where that is intra. Both pictures
    /// predict from the picture just before them, so no scaling applies.
    pub(super) fn col_mv(&self, x: usize, y: usize, w: usize, h: usize) -> Option<Mv> {
        let w16 = self.maps.w4.div_ceil(4);
        let at = |px: usize, py: usize| -> Option<Mv> {
            let m = self.col.get((py >> 4) * w16 + (px >> 4))?;
            m.inter.then_some(m.mv)
        };
        let (bx, by) = (x + w, y + h);
        let br = if by >> CTB_LOG2 == y >> CTB_LOG2 && by < self.src.h && bx < self.src.w {
            at(bx, by)
        } else {
            None
        };
        br.or_else(|| at(x + w / 2, y + h / 2))
    }
}
