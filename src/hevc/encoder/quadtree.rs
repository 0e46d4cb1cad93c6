//! The CU quadtree: the rate-distortion search over split / no split (with snapshot and
//! restore of the area's reconstruction and maps when a split loses), and the writing of the
//! decided tree with its deblocking information.

use super::{Node, PictureEncoder};
use crate::hevc::deblock::{BlockInfo, DeblockMap};
use crate::hevc::inter::Motion;
use crate::hevc::params::MIN_CB_LOG2;
use crate::hevc::syntax::{self, Estimator, Sink, Writer};

/// A saved copy of an area's reconstruction and maps.
struct Snapshot {
    rec: [Vec<u8>; 3],
    depth: Vec<u8>,
    mode: Vec<u8>,
    motion: Vec<Motion>,
    skip: Vec<bool>,
}

impl PictureEncoder {
    /// Chooses the coding of the block at (x, y) of size 1 << log2: returns its distortion, its
    /// tree and the estimator after its bits. Leaves the chosen reconstruction in place.
    pub(super) fn search(
        &mut self,
        x: usize,
        y: usize,
        log2: u32,
        depth: u32,
        est: Estimator,
    ) -> (f64, Node, Estimator) {
        let n = 1usize << log2;
        let (w, h) = (self.src.w, self.src.h);
        let inside = x + n <= w && y + n <= h;
        let split_coded = inside && log2 > MIN_CB_LOG2;
        let mut best: Option<(f64, Node, Estimator, f64)> = None;
        if inside {
            let mut e = est.clone();
            if split_coded {
                e.bin(self.split_ctx(x, y, depth), 0);
            }
            let (d, node, e) = if self.p_slice {
                self.p_cu(x, y, log2, depth, e)
            } else {
                let (d, cu, e) = self.intra_cu(x, y, log2, depth, e);
                (d, Node::Cu(Box::new(cu)), e)
            };
            let cost = d + self.lambda * e.bits();
            best = Some((d, node, e, cost));
        }
        // A skipped CU is not split further (x265's early-skip rule): its area is well predicted.
        // Likewise an inter CU that needs no luma residual (HM's early-CU idea, one step wider).
        let leaf_skipped = self.effort.early_leaf
            && matches!(&best, Some((_, Node::Inter(cu), _, _)) if cu.skip || !cu.cbf[0]);
        let min_cu = if self.p_slice {
            self.effort.p_min_cu_log2
        } else {
            self.effort.i_min_cu_log2
        };
        let floor = log2 <= min_cu && best.is_some();
        if log2 > MIN_CB_LOG2 && !leaf_skipped && !floor {
            let leaf_cost = best.as_ref().map_or(f64::INFINITY, |b| b.3);
            let snap = best.is_some().then(|| self.snapshot(x, y, n));
            self.maps.fill(x, y, n, |m, i| m.avail[i] = false);
            let mut e = est;
            if split_coded {
                let c = self.split_ctx(x, y, depth);
                e.bin(c, 1);
            }
            let half = n / 2;
            let mut dist = 0.0;
            let mut kids: [Option<Node>; 4] = [None, None, None, None];
            let mut abandoned = false;
            for (k, kid) in kids.iter_mut().enumerate() {
                let (kx, ky) = (x + (k & 1) * half, y + (k >> 1) * half);
                if kx >= w || ky >= h {
                    continue;
                }
                let (d, node, e2) = self.search(kx, ky, log2 - 1, depth + 1, e);
                e = e2;
                dist += d;
                *kid = Some(node);
                if dist + self.lambda * e.bits() >= leaf_cost {
                    abandoned = true;
                    break;
                }
            }
            if !abandoned {
                return (dist, Node::Split(Box::new(kids)), e);
            }
            let snap = snap.expect("a split can only be abandoned against a leaf");
            self.restore(&snap, x, y, n);
        }
        let (d, node, e, _) = best.expect("blocks outside the picture are always split");
        (d, node, e)
    }

    /// Saves the n x n area at (x, y): its reconstruction and maps.
    fn snapshot(&self, x: usize, y: usize, n: usize) -> Snapshot {
        let mut rec: [Vec<u8>; 3] = Default::default();
        for (c, r) in rec.iter_mut().enumerate() {
            let (bx, by, bn) = if c == 0 {
                (x, y, n)
            } else {
                (x / 2, y / 2, n / 2)
            };
            let (p, s) = (self.rec.plane(c), self.rec.stride(c));
            for row in by..by + bn {
                r.extend_from_slice(&p[row * s + bx..row * s + bx + bn]);
            }
        }
        let m = &self.maps;
        let mut depth = Vec::new();
        let mut mode = Vec::new();
        let mut motion = Vec::new();
        let mut skip = Vec::new();
        for by in y / 4..(y + n) / 4 {
            let r = by * m.w4 + x / 4..by * m.w4 + (x + n) / 4;
            depth.extend_from_slice(&m.depth[r.clone()]);
            mode.extend_from_slice(&m.mode[r.clone()]);
            motion.extend_from_slice(&m.motion[r.clone()]);
            skip.extend_from_slice(&m.skip[r]);
        }
        Snapshot {
            rec,
            depth,
            mode,
            motion,
            skip,
        }
    }

    /// Puts back an area saved by `snapshot` (and marks it available again).
    fn restore(&mut self, s: &Snapshot, x: usize, y: usize, n: usize) {
        for c in 0..3 {
            let (bx, by, bn) = if c == 0 {
                (x, y, n)
            } else {
                (x / 2, y / 2, n / 2)
            };
            let st = self.rec.stride(c);
            let p = self.rec.plane_mut(c);
            for (i, row) in (by..by + bn).enumerate() {
                p[row * st + bx..row * st + bx + bn]
                    .copy_from_slice(&s.rec[c][i * bn..(i + 1) * bn]);
            }
        }
        let m = &mut self.maps;
        let q = n / 4;
        for (i, by) in (y / 4..(y + n) / 4).enumerate() {
            let r = by * m.w4 + x / 4;
            m.depth[r..r + q].copy_from_slice(&s.depth[i * q..(i + 1) * q]);
            m.mode[r..r + q].copy_from_slice(&s.mode[i * q..(i + 1) * q]);
            m.motion[r..r + q].copy_from_slice(&s.motion[i * q..(i + 1) * q]);
            m.skip[r..r + q].copy_from_slice(&s.skip[i * q..(i + 1) * q]);
            m.avail[r..r + q].fill(true);
        }
    }

    /// Writes the decided tree `node` of the block at (x, y) (split flags, then each CU's
    /// syntax) and records its CUs' deblocking information in `dbk`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn write_node(
        &self,
        w: &mut Writer<'_>,
        dbk: &mut DeblockMap,
        node: &Node,
        x: usize,
        y: usize,
        log2: u32,
        depth: u32,
    ) {
        let n = 1usize << log2;
        let (pw, ph) = (self.src.w, self.src.h);
        let split_coded = x + n <= pw && y + n <= ph && log2 > MIN_CB_LOG2;
        match node {
            Node::Split(kids) => {
                if split_coded {
                    w.bin(self.split_ctx(x, y, depth), 1);
                }
                let half = n / 2;
                for (k, kid) in kids.iter().enumerate() {
                    if let Some(kid) = kid {
                        self.write_node(
                            w,
                            dbk,
                            kid,
                            x + (k & 1) * half,
                            y + (k >> 1) * half,
                            log2 - 1,
                            depth + 1,
                        );
                    }
                }
            }
            Node::Cu(cu) => {
                if split_coded {
                    w.bin(self.split_ctx(x, y, depth), 0);
                }
                let skip_ctx = self.p_slice.then(|| self.skip_ctx(x, y));
                syntax::intra_cu(w, &self.scans, cu, MIN_CB_LOG2, skip_ctx);
                dbk.set_block(
                    x,
                    y,
                    n,
                    n,
                    BlockInfo {
                        qp_y: self.qp as i8,
                        intra: true,
                        nonzero: cu.cbf[0],
                        mv: [0, 0],
                        ref_idx: -1,
                    },
                );
                dbk.mark_tu(x, y, n);
                dbk.mark_pu(x, y, n, n);
            }
            Node::Inter(cu) => {
                if split_coded {
                    w.bin(self.split_ctx(x, y, depth), 0);
                }
                syntax::inter_cu(w, &self.scans, cu, self.skip_ctx(x, y));
                let bi = BlockInfo {
                    qp_y: self.qp as i8,
                    intra: false,
                    nonzero: cu.cbf[0],
                    mv: [cu.mv[0] as i16, cu.mv[1] as i16],
                    ref_idx: 0,
                };
                dbk.set_block(x, y, n, n, bi);
                dbk.mark_tu(x, y, n);
                dbk.mark_pu(x, y, n, n);
            }
        }
    }
}
