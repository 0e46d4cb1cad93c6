//! H.265 (HEVC) Main profile encoder: intra pictures (every picture an IDR for now), CABAC,
//! 32x32 CTUs, CU quadtree 32..8 decided by RD cost, deblocking, MD5 picture-hash SEI.

pub mod bitwriter;
pub mod cabac;
pub mod deblock;
pub mod encoder;
pub mod intra;
pub mod md5;
pub mod params;
pub mod syntax;
pub mod tables;
pub mod transform;

use crate::codec::{Codec, CodecOutput, FrameIn, FrameType};
use crate::config::{flags, EncoderConfig};
use crate::error::Result;
use crate::ratecontrol::{RateControl, RcFrame};
use bitwriter::{nal, write_nal, BitWriter};
use encoder::PictureEncoder;
use params::StreamParams;

pub struct HevcEncoder {
    params: StreamParams,
    pic: PictureEncoder,
    rc: RateControl,
    flags: u32,
    width: usize,
    height: usize,
}

impl HevcEncoder {
    pub fn new(cfg: &EncoderConfig) -> Result<Self> {
        let br = if cfg.rc_mode.targets_bitrate() {
            cfg.bitrate_kbps.max(cfg.max_bitrate_kbps)
        } else {
            0
        };
        let params = StreamParams::new(cfg.width, cfg.height, cfg.fps_num, cfg.fps_den, br, false);
        let pic = PictureEncoder::new(params.coded_width as usize, params.coded_height as usize);
        Ok(HevcEncoder {
            params,
            pic,
            rc: RateControl::new(cfg),
            flags: cfg.flags,
            width: cfg.width as usize,
            height: cfg.height as usize,
        })
    }

    /// Intra complexity of the loaded source for the rate control: the SATD of each 8x8 luma
    /// block against its own mean.
    fn complexity(&self) -> f64 {
        let s = &self.pic.src;
        let mut total = 0u64;
        let mut blk = [0u8; 64];
        for by in (0..s.h).step_by(8) {
            for bx in (0..s.w).step_by(8) {
                let mut sum = 0u32;
                for r in 0..8 {
                    blk[r * 8..r * 8 + 8]
                        .copy_from_slice(&s.y[(by + r) * s.w + bx..(by + r) * s.w + bx + 8]);
                    sum += blk[r * 8..r * 8 + 8].iter().map(|&v| v as u32).sum::<u32>();
                }
                let mean = [((sum + 32) / 64) as u8; 64];
                total += encoder::satd(&blk, &mean, 8) as u64;
            }
        }
        total as f64
    }
}

impl Codec for HevcEncoder {
    fn encode(&mut self, frame: &FrameIn<'_>) -> Result<CodecOutput> {
        self.pic.src.load_nv12(frame.pic);
        let cx = self.complexity();
        let qp = self.rc.next_qp(RcFrame::Intra, cx);
        let mut out = self.params.headers();
        let mut w = BitWriter::new();
        self.params.slice_header(&mut w, true, 0, qp);
        self.pic.encode_intra(&mut w, qp);
        write_nal(&mut out, nal::IDR_W_RADL, &w.buf);
        if self.flags & flags::MD5_SEI != 0 {
            let r = &self.pic.rec;
            out.extend_from_slice(&params::md5_sei([&r.y, &r.u, &r.v]));
        }
        self.rc
            .update(RcFrame::Intra, qp, cx, out.len() as f64 * 8.0);
        // The reconstruction exists anyway (it is the next reference): cropping is cheap.
        let recon = (self.flags & (flags::RECON | flags::PSNR) != 0)
            .then(|| self.pic.rec.cropped(self.width, self.height));
        let psnr = if self.flags & flags::PSNR != 0 {
            recon.as_ref().map(|r| crate::frame::psnr_yuv(frame.pic, r))
        } else {
            None
        };
        Ok(CodecOutput {
            data: out,
            frame_type: Some(FrameType::Idr),
            qp,
            psnr,
            recon,
        })
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
