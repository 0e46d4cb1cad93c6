//! Pictures: the borrowed strided NV12 a caller sends, the packed copy a channel queues,
//! and the I420 reconstruction a codec returns.

use crate::error::{Error, Result};

/// A borrowed NV12 picture with strides (a camera buffer, possibly padded).
#[derive(Clone, Copy)]
pub struct FrameRef<'a> {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Luma: `height` rows of `width` bytes, `y_stride` bytes apart.
    pub y: &'a [u8],
    /// Bytes from one luma row to the next (>= width).
    pub y_stride: usize,
    /// Interleaved Cb,Cr at half resolution: `height/2` rows of `width` bytes.
    pub uv: &'a [u8],
    /// Bytes from one chroma row to the next (>= width).
    pub uv_stride: usize,
}

impl<'a> FrameRef<'a> {
    /// A tightly packed NV12 buffer of exactly `width*height*3/2` bytes.
    pub fn packed(width: u32, height: u32, data: &'a [u8]) -> Result<Self> {
        let need = crate::config::nv12_size(width, height);
        if data.len() != need {
            return Err(Error::invalid(format!(
                "frame is {} bytes, expected {} for {}x{} NV12",
                data.len(),
                need,
                width,
                height
            )));
        }
        let ysz = width as usize * height as usize;
        Ok(FrameRef {
            width,
            height,
            y: &data[..ysz],
            y_stride: width as usize,
            uv: &data[ysz..],
            uv_stride: width as usize,
        })
    }

    /// Checks that strides and plane lengths cover the picture.
    pub fn check(&self) -> Result<()> {
        let (w, h) = (self.width as usize, self.height as usize);
        if self.y_stride < w {
            return Err(Error::invalid(format!(
                "Y stride {} is less than the width {}",
                self.y_stride, w
            )));
        }
        if self.uv_stride < w {
            return Err(Error::invalid(format!(
                "UV stride {} is less than the width {} (NV12 UV rows hold width bytes)",
                self.uv_stride, w
            )));
        }
        let yneed = self.y_stride * (h - 1) + w;
        if self.y.len() < yneed {
            return Err(Error::invalid(format!(
                "Y plane is {} bytes, expected at least {} for {}x{} with stride {}",
                self.y.len(),
                yneed,
                w,
                h,
                self.y_stride
            )));
        }
        let uvneed = self.uv_stride * (h / 2 - 1) + w;
        if self.uv.len() < uvneed {
            return Err(Error::invalid(format!(
                "UV plane is {} bytes, expected at least {} for {}x{} with stride {}",
                self.uv.len(),
                uvneed,
                w,
                h,
                self.uv_stride
            )));
        }
        Ok(())
    }
}

/// An owned, tightly packed NV12 picture: what a channel queues and a codec reads.
#[derive(Clone, Debug, Default)]
pub struct Picture {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width*height` luma bytes, row after row.
    pub y: Vec<u8>,
    /// `width*height/2` bytes: `height/2` rows of interleaved Cb,Cr.
    pub uv: Vec<u8>,
}

impl Picture {
    /// A black picture of this size (luma 0, chroma 128).
    pub fn new(width: u32, height: u32) -> Self {
        let ysz = width as usize * height as usize;
        Picture {
            width,
            height,
            y: vec![0; ysz],
            uv: vec![128; ysz / 2],
        }
    }

    /// An empty picture with the memory of a width x height one reserved (address space,
    /// fallibly; the pages are touched only when a frame is copied in), so that `copy_from`
    /// of that size never allocates.
    pub(crate) fn try_reserved(width: u32, height: u32) -> crate::error::Result<Self> {
        let ysz = width as usize * height as usize;
        let (mut y, mut uv) = (Vec::new(), Vec::new());
        crate::mem::reserve_exact(&mut y, ysz, "an input picture")?;
        crate::mem::reserve_exact(&mut uv, ysz / 2, "an input picture")?;
        Ok(Picture {
            width,
            height,
            y,
            uv,
        })
    }

    /// Copies a strided frame into this picture (reusing its allocation).
    pub fn copy_from(&mut self, f: &FrameRef<'_>) {
        let (w, h) = (f.width as usize, f.height as usize);
        self.width = f.width;
        self.height = f.height;
        self.y.resize(w * h, 0);
        self.uv.resize(w * h / 2, 0);
        if f.y_stride == w {
            self.y.copy_from_slice(&f.y[..w * h]);
        } else {
            for r in 0..h {
                self.y[r * w..(r + 1) * w]
                    .copy_from_slice(&f.y[r * f.y_stride..r * f.y_stride + w]);
            }
        }
        if f.uv_stride == w {
            self.uv.copy_from_slice(&f.uv[..w * h / 2]);
        } else {
            for r in 0..h / 2 {
                self.uv[r * w..(r + 1) * w]
                    .copy_from_slice(&f.uv[r * f.uv_stride..r * f.uv_stride + w]);
            }
        }
    }

    /// A borrowed view of the picture, as `Encoder::send` takes it.
    pub fn as_frame_ref(&self) -> FrameRef<'_> {
        FrameRef {
            width: self.width,
            height: self.height,
            y: &self.y,
            y_stride: self.width as usize,
            uv: &self.uv,
            uv_stride: self.width as usize,
        }
    }

    /// Cb sample at chroma position (x, y).
    #[inline]
    pub fn cb(&self, x: usize, y: usize) -> u8 {
        self.uv[y * self.width as usize + 2 * x]
    }
    /// Cr sample at chroma position (x, y).
    #[inline]
    pub fn cr(&self, x: usize, y: usize) -> u8 {
        self.uv[y * self.width as usize + 2 * x + 1]
    }
}

/// A planar I420 picture: the encoder's reconstruction (what a decoder must output).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recon {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width*height` luma bytes.
    pub y: Vec<u8>,
    /// `(width/2)*(height/2)` Cb bytes.
    pub u: Vec<u8>,
    /// `(width/2)*(height/2)` Cr bytes.
    pub v: Vec<u8>,
}

impl Recon {
    /// The three planes back to back (raw I420, what `ffmpeg -pix_fmt yuv420p` writes).
    pub fn to_i420(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.y.len() + self.u.len() + self.v.len());
        out.extend_from_slice(&self.y);
        out.extend_from_slice(&self.u);
        out.extend_from_slice(&self.v);
        out
    }
}

/// PSNR in dB of two equal-length 8-bit planes (100 dB for identical planes).
pub fn psnr(a: &[u8], b: &[u8]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    let sse: u64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| {
            let d = x as i32 - y as i32;
            (d * d) as u64
        })
        .sum();
    if sse == 0 {
        return 100.0;
    }
    let mse = sse as f64 / a.len() as f64;
    10.0 * (255.0 * 255.0 / mse).log10()
}

/// PSNR of Y, Cb, Cr between an NV12 source and an I420 reconstruction.
pub fn psnr_yuv(src: &Picture, rec: &Recon) -> [f64; 3] {
    let n = src.uv.len() / 2;
    let mut cb = Vec::with_capacity(n);
    let mut cr = Vec::with_capacity(n);
    for p in src.uv.chunks_exact(2) {
        cb.push(p[0]);
        cr.push(p[1]);
    }
    [psnr(&src.y, &rec.y), psnr(&cb, &rec.u), psnr(&cr, &rec.v)]
}
