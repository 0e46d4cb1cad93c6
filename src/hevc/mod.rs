//! H.265 (HEVC) Main profile encoder, low delay: an IDR every intra period, P pictures from the
//! previous picture in between; CABAC, 32x32 CTUs, CU quadtree 32..8 decided by RD cost,
//! deblocking, MD5 picture-hash SEI.

pub(crate) mod bitwriter;
pub(crate) mod cabac;
pub(crate) mod deblock;
pub(crate) mod encoder;
pub(crate) mod inter;
pub(crate) mod intra;
pub(crate) mod md5;
pub(crate) mod params;
pub(crate) mod picture;
pub(crate) mod rate;
pub(crate) mod satd;
pub(crate) mod syntax;
pub(crate) mod tables;
pub(crate) mod transform;

use crate::codec::{Codec, CodecOutput, FrameIn, FrameType};
use crate::config::{flags, EncoderConfig};
use crate::error::Result;
use bitwriter::{escaped_len, nal, write_nal, BitWriter};
use encoder::PictureEncoder;
use params::StreamParams;
use rate::{RateControl, RcFrame};

/// The H.265 codec behind the `Codec` trait: picture types, rate control, parameter sets and
/// slice packaging around the picture encoder.
pub(crate) struct HevcEncoder {
    params: StreamParams,
    pic: PictureEncoder,
    /// The other threads' picture encoders (wavefront rows) when `threads` > 1.
    helpers: Vec<PictureEncoder>,
    threads: usize,
    rc: RateControl,
    flags: u32,
    width: usize,
    height: usize,
    /// Frames between IDRs (0: only the first).
    intra_period: u32,
    /// Pictures since the last IDR (the POC of the next picture when it is not an IDR).
    since_idr: u32,
    /// A reconstruction exists to predict from.
    have_ref: bool,
    /// Luma of the previous source picture (still-scene detection for the rate control).
    prev_src: Vec<u8>,
    /// The slice NAL's payload (header and substreams), kept between pictures.
    slice: Vec<u8>,
}

/// The coded size and thread count a configuration gives, and whether P pictures follow.
fn layout(cfg: &EncoderConfig) -> (StreamParams, usize, bool) {
    let br = if cfg.rc_mode.targets_bitrate() {
        cfg.bitrate_kbps.max(cfg.max_bitrate_kbps)
    } else {
        0
    };
    // All-intra streams (period 1) declare no reference picture set and a 1-picture DPB.
    let inter = cfg.intra_period != 1;
    let mut params = StreamParams::new(cfg.width, cfg.height, cfg.fps_num, cfg.fps_den, br, inter);
    let (cw, ch) = (params.coded_width as usize, params.coded_height as usize);
    // Several threads: wavefront rows (same decisions for any thread count above one).
    let threads = cfg.threads.max(1) as usize;
    params.wpp = threads > 1;
    // Threads the wavefront really uses (one encoder each).
    let used = if params.wpp {
        encoder::threads_used(cw, ch, threads)
    } else {
        1
    };
    (params, used, inter)
}

/// Bytes an H.265 encoder for `cfg` allocates (all of it at open; see `HevcEncoder::new`).
pub(crate) fn memory_bytes(cfg: &EncoderConfig) -> u64 {
    let (params, threads, inter) = layout(cfg);
    let (cw, ch) = (params.coded_width as usize, params.coded_height as usize);
    let mut b = PictureEncoder::bytes(cw, ch, true, inter);
    b += (threads - 1) * PictureEncoder::bytes(cw, ch, false, inter);
    if params.wpp {
        b += PictureEncoder::wavefront_bytes(cw, ch);
    }
    if inter {
        b += cw * ch; // prev_src
    }
    b as u64
}

impl HevcEncoder {
    /// Every buffer the configuration needs is allocated here (`memory_bytes` of them), so a
    /// machine that cannot hold the encoder fails here with `OutOfMemory`, not later.
    pub(crate) fn new(cfg: &EncoderConfig) -> Result<Self> {
        let (params, threads, inter) = layout(cfg);
        let (cw, ch) = (params.coded_width as usize, params.coded_height as usize);
        let mut pic = PictureEncoder::new(cw, ch, inter)?;
        pic.effort.search_range = cfg.search_range.clamp(4, 256) as i32;
        pic.effort.intra_is_reference = inter;
        let mut helpers = Vec::new();
        if params.wpp {
            pic.prepare_wavefront()?;
        }
        for _ in 1..threads {
            helpers.push(PictureEncoder::helper(cw, ch)?);
        }
        let mut prev_src = Vec::new();
        if inter {
            crate::mem::reserve_exact(&mut prev_src, cw * ch, "the previous source picture")?;
        }
        Ok(HevcEncoder {
            params,
            pic,
            helpers,
            threads: cfg.threads.max(1) as usize,
            rc: RateControl::new(cfg),
            flags: cfg.flags,
            width: cfg.width as usize,
            height: cfg.height as usize,
            intra_period: cfg.intra_period,
            since_idr: 0,
            have_ref: false,
            prev_src,
            slice: Vec::new(),
        })
    }

    /// Complexity of the loaded source for the rate control: per 8x8 luma block, the SATD
    /// against its own mean (intra) or, for P pictures, the smaller of that and the SATD
    /// against the reference picture at the same place (what a P picture codes when nothing
    /// moves: for a still scene, the reference's own coding error).
    /// Also returns whether the scene is still: the source against the previous source under
    /// 5 % of the intra complexity.
    fn complexity(&self, inter: bool) -> (f64, bool) {
        let s = &self.pic.src;
        let mut total = 0u64;
        let mut intra_total = 0u64;
        let mut change = 0u64;
        let mut last = [0u8; 64];
        let mut blk = [0u8; 64];
        let mut prev = [0u8; 64];
        for by in (0..s.h).step_by(8) {
            for bx in (0..s.w).step_by(8) {
                let mut sum = 0u32;
                for r in 0..8 {
                    let o = (by + r) * s.w + bx;
                    blk[r * 8..r * 8 + 8].copy_from_slice(&s.y[o..o + 8]);
                    sum += blk[r * 8..r * 8 + 8].iter().map(|&v| v as u32).sum::<u32>();
                    if inter {
                        prev[r * 8..r * 8 + 8].copy_from_slice(&self.pic.refp.y[o..o + 8]);
                        last[r * 8..r * 8 + 8].copy_from_slice(&self.prev_src[o..o + 8]);
                    }
                }
                let mean = [((sum + 32) / 64) as u8; 64];
                let mut c = satd::satd(&blk, &mean, 8);
                intra_total += c as u64;
                if inter {
                    c = c.min(satd::satd(&blk, &prev, 8));
                    change += satd::satd(&blk, &last, 8) as u64;
                }
                total += c as u64;
            }
        }
        (total as f64, inter && change * 20 < intra_total)
    }
}

impl Codec for HevcEncoder {
    fn encode(&mut self, frame: &FrameIn<'_>) -> Result<CodecOutput> {
        std::sync::Arc::make_mut(&mut self.pic.src).load_nv12(frame.pic);
        let idr = !self.have_ref
            || frame.force_keyframe
            || (self.intra_period > 0 && self.since_idr >= self.intra_period);
        if idr {
            self.since_idr = 0;
            // Until this picture is done: if it fails (out of memory), the next one is an IDR.
            self.have_ref = false;
        }
        let t = if idr { RcFrame::Intra } else { RcFrame::Inter };
        let (cx, still) = self.complexity(!idr);
        if !idr {
            self.rc.set_still_scene(still);
        }
        let qp = self.rc.next_qp(t, cx);
        self.pic.encode(qp, !idr, &mut self.helpers, self.threads)?;
        let subs = self.pic.substreams();
        let entry_sizes: Vec<usize> = subs[..subs.len() - 1]
            .iter()
            .map(|s| escaped_len(s))
            .collect();
        let mut w = BitWriter::reuse(std::mem::take(&mut self.slice));
        self.params
            .slice_header(&mut w, idr, self.since_idr, qp, &entry_sizes);
        let grown = crate::mem::grow(&mut w.buf, subs.iter().map(Vec::len).sum(), "the slice");
        if grown.is_ok() {
            for s in subs {
                w.buf.extend_from_slice(s);
            }
        }
        self.slice = w.buf;
        grown?;
        // The packet is the one allocation a picture makes (it goes to the caller): exact size.
        let headers = if idr {
            self.params.headers()
        } else {
            Vec::new()
        };
        let sei = if self.flags & flags::MD5_SEI != 0 {
            let r = &self.pic.rec;
            params::md5_sei([&r.y, &r.u, &r.v])
        } else {
            Vec::new()
        };
        let size = headers.len() + 6 + escaped_len(&self.slice) + sei.len();
        let mut out = Vec::new();
        crate::mem::reserve_exact(&mut out, size, "the packet")?;
        out.extend_from_slice(&headers);
        write_nal(
            &mut out,
            if idr { nal::IDR_W_RADL } else { nal::TRAIL_R },
            &self.slice,
        );
        out.extend_from_slice(&sei);
        debug_assert_eq!(out.len(), size);
        self.rc.update(t, qp, cx, out.len() as f64 * 8.0);
        let recon = if self.flags & (flags::RECON | flags::PSNR) != 0 {
            Some(self.pic.rec.cropped(self.width, self.height)?)
        } else {
            None
        };
        let psnr = if self.flags & flags::PSNR != 0 {
            recon.as_ref().map(|r| crate::frame::psnr_yuv(frame.pic, r))
        } else {
            None
        };
        // The reconstruction becomes the next picture's reference.
        std::mem::swap(
            &mut self.pic.rec,
            std::sync::Arc::make_mut(&mut self.pic.refp),
        );
        self.have_ref = self.intra_period != 1;
        self.since_idr += 1;
        self.prev_src.clear();
        self.prev_src.extend_from_slice(&self.pic.src.y);
        Ok(CodecOutput {
            data: out,
            frame_type: Some(if idr { FrameType::Idr } else { FrameType::P }),
            qp,
            psnr,
            recon,
        })
    }

    #[cfg(test)]
    fn inject_no_memory(&mut self) {
        self.pic.fail_ctu_row = Some(2);
    }

    fn set_bitrate(&mut self, kbps: u32) -> Result<()> {
        self.rc.set_bitrate(kbps);
        Ok(())
    }

    fn headers(&self) -> Vec<u8> {
        self.params.headers()
    }

    fn max_packet_size(&self) -> usize {
        // A true bound, not a typical size: every coefficient at the largest level the
        // quantiser can produce (32767) costs at most ~34 bins (significance, greater-1/2, sign
        // and a 30-bin escape), i.e. under 5 bytes a sample, plus headers and the SEI.
        let samples = self.params.coded_width as usize * self.params.coded_height as usize * 3 / 2;
        samples * 5 + 4096
    }
}
