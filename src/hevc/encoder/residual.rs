//! Residual coding of one block: transform, quantisation (with sign hiding), reconstruction
//! and its distortion; the copy of a chosen block into the reconstruction.

use super::PictureEncoder;
use crate::hevc::params::SIGN_HIDING;
use crate::hevc::syntax;
use crate::hevc::transform::{dequantize, forward, hide_signs, inverse, quantize};

impl PictureEncoder {
    /// Codes a block of component `c` with the prediction `pred` (n x n): transform, quantise,
    /// reconstruct into `recb`. Returns (levels, coded?, SSE).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn code_block(
        &self,
        c: usize,
        x: usize,
        y: usize,
        log2: u32,
        pred: &[u8],
        recb: &mut [u8],
        intra_mode: Option<u32>,
    ) -> (Vec<i32>, bool, u64) {
        // Scratch sized to the block on the stack (NN = n*n).
        match log2 {
            2 => self.code_block_n::<16>(c, x, y, log2, pred, recb, intra_mode),
            3 => self.code_block_n::<64>(c, x, y, log2, pred, recb, intra_mode),
            4 => self.code_block_n::<256>(c, x, y, log2, pred, recb, intra_mode),
            _ => self.code_block_n::<1024>(c, x, y, log2, pred, recb, intra_mode),
        }
    }

    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn code_block_n<const NN: usize>(
        &self,
        c: usize,
        x: usize,
        y: usize,
        log2: u32,
        pred: &[u8],
        recb: &mut [u8],
        intra_mode: Option<u32>,
    ) -> (Vec<i32>, bool, u64) {
        let n = 1usize << log2;
        let intra = intra_mode.is_some();
        let (sp, ss) = (self.src.plane(c), self.src.stride(c));
        let mut res = [0i32; NN];
        let res = &mut res[..];
        for r in 0..n {
            let srow = &sp[(y + r) * ss + x..(y + r) * ss + x + n];
            for ((o, &s), &p) in res[r * n..(r + 1) * n]
                .iter_mut()
                .zip(srow)
                .zip(&pred[r * n..(r + 1) * n])
            {
                *o = s as i32 - p as i32;
            }
        }
        let dst = c == 0 && log2 == 2;
        let mut coef = [0i32; NN];
        let coef = &mut coef[..];
        forward(&self.mx, res, coef, log2, dst);
        let qp = if c == 0 { self.qp } else { self.qpc };
        let mut levels = vec![0i32; n * n];
        let mut nz = quantize(coef, &mut levels, log2, qp, intra);
        if SIGN_HIDING && nz > 1 {
            let sidx = syntax::scan_idx(log2, c == 0, intra_mode);
            let scan = &self.scans.full[log2 as usize - 2][sidx];
            nz = hide_signs(coef, &mut levels, scan, log2, qp);
        }
        recb[..n * n].copy_from_slice(&pred[..n * n]);
        if nz > 0 {
            dequantize(&levels, coef, log2, qp);
            inverse(&self.mx, coef, res, log2, dst);
            for (o, &r) in recb.iter_mut().zip(res.iter()) {
                *o = (*o as i32 + r).clamp(0, 255) as u8;
            }
        }
        let sse = crate::kernels::sad::sse(&sp[y * ss + x..], ss, recb, n, n, n);
        (levels, nz > 0, sse)
    }

    /// Copies an n x n block into the reconstruction of component `c`.
    pub(super) fn put_rec(&mut self, c: usize, x: usize, y: usize, n: usize, blk: &[u8]) {
        let rs = self.rec.stride(c);
        let rp = self.rec.plane_mut(c);
        for r in 0..n {
            rp[(y + r) * rs + x..(y + r) * rs + x + n].copy_from_slice(&blk[r * n..(r + 1) * n]);
        }
    }

    /// SSE of an n x n block of component c against `blk`.
    pub(super) fn sse(&self, c: usize, x: usize, y: usize, n: usize, blk: &[u8]) -> u64 {
        let (sp, ss) = (self.src.plane(c), self.src.stride(c));
        crate::kernels::sad::sse(&sp[y * ss + x..], ss, blk, n, n, n)
    }
}
