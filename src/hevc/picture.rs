//! Picture buffers of the H.265 encoder: the three planes of a coded-size picture (source,
//! reconstruction, reference) and the stack scratch holding one CU's three blocks.

use crate::error::Result;
use crate::frame::{Picture, Recon};
use crate::mem::try_vec;

/// Three planes of a coded-size 4:2:0 picture.
#[derive(Clone, Debug, Default)]
pub(crate) struct Planes {
    pub(crate) w: usize,
    pub(crate) h: usize,
    pub(crate) y: Vec<u8>,
    pub(crate) u: Vec<u8>,
    pub(crate) v: Vec<u8>,
}

impl Planes {
    /// A w x h picture (luma 0, chroma 128), or `OutOfMemory` naming `what`.
    pub(crate) fn try_new(w: usize, h: usize, what: &str) -> Result<Self> {
        Ok(Planes {
            w,
            h,
            y: try_vec(w * h, 0, what)?,
            u: try_vec(w * h / 4, 128, what)?,
            v: try_vec(w * h / 4, 128, what)?,
        })
    }

    /// Bytes of a w x h picture's three planes.
    pub(crate) fn bytes(w: usize, h: usize) -> usize {
        w * h * 3 / 2
    }

    /// Copies an NV12 picture into the top-left and replicates its last column and row into
    /// the padding (so padded blocks cost little and do not disturb prediction).
    pub(crate) fn load_nv12(&mut self, pic: &Picture) {
        let (pw, ph) = (pic.width as usize, pic.height as usize);
        let (w, h) = (self.w, self.h);
        for r in 0..h {
            let sr = r.min(ph - 1);
            let row = &mut self.y[r * w..(r + 1) * w];
            row[..pw].copy_from_slice(&pic.y[sr * pw..(sr + 1) * pw]);
            let last = row[pw - 1];
            row[pw..].fill(last);
        }
        let (cw, ch, pcw, pch) = (w / 2, h / 2, pw / 2, ph / 2);
        for r in 0..ch {
            let sr = r.min(pch - 1);
            let src = &pic.uv[sr * pw..sr * pw + pw];
            for c in 0..cw {
                let sc = c.min(pcw - 1);
                self.u[r * cw + c] = src[2 * sc];
                self.v[r * cw + c] = src[2 * sc + 1];
            }
        }
    }

    #[inline]
    pub(crate) fn plane(&self, c: usize) -> &[u8] {
        match c {
            0 => &self.y,
            1 => &self.u,
            _ => &self.v,
        }
    }

    #[inline]
    pub(crate) fn plane_mut(&mut self, c: usize) -> &mut [u8] {
        match c {
            0 => &mut self.y,
            1 => &mut self.u,
            _ => &mut self.v,
        }
    }

    /// Stride of component `c`.
    #[inline]
    pub(crate) fn stride(&self, c: usize) -> usize {
        if c == 0 {
            self.w
        } else {
            self.w / 2
        }
    }

    /// The picture cropped to `width` x `height` as I420 (`OutOfMemory` if it cannot be had).
    pub(crate) fn cropped(&self, width: usize, height: usize) -> Result<Recon> {
        let crop = |p: &[u8], stride: usize, w: usize, h: usize| -> Result<Vec<u8>> {
            let mut o = Vec::new();
            crate::mem::reserve_exact(&mut o, w * h, "the reconstruction handed out")?;
            for r in 0..h {
                o.extend_from_slice(&p[r * stride..r * stride + w]);
            }
            Ok(o)
        };
        Ok(Recon {
            width: width as u32,
            height: height as u32,
            y: crop(&self.y, self.w, width, height)?,
            u: crop(&self.u, self.w / 2, width / 2, height / 2)?,
            v: crop(&self.v, self.w / 2, width / 2, height / 2)?,
        })
    }
}

/// One CU's three blocks (luma n x n, chroma n/2 x n/2, n <= 32) on the stack: predictions
/// and reconstructions of inter candidates without heap allocation.
#[derive(Clone, Copy)]
pub(crate) struct Blk3 {
    y: [u8; 1024],
    u: [u8; 256],
    v: [u8; 256],
}

impl Default for Blk3 {
    fn default() -> Self {
        Blk3 {
            y: [0; 1024],
            u: [0; 256],
            v: [0; 256],
        }
    }
}

impl Blk3 {
    /// Component `c` of a CU of luma size n.
    #[inline]
    pub(crate) fn plane(&self, c: usize, n: usize) -> &[u8] {
        match c {
            0 => &self.y[..n * n],
            1 => &self.u[..n * n / 4],
            _ => &self.v[..n * n / 4],
        }
    }

    #[inline]
    pub(crate) fn plane_mut(&mut self, c: usize, n: usize) -> &mut [u8] {
        match c {
            0 => &mut self.y[..n * n],
            1 => &mut self.u[..n * n / 4],
            _ => &mut self.v[..n * n / 4],
        }
    }
}
