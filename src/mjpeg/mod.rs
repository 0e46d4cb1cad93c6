//! MJPEG: one baseline JPEG (SOF0, 4:2:0, 8-bit) per frame, read straight from the NV12 planes —
//! no colour conversion, no chroma resampling. Any even size: partial MCUs are padded by edge
//! replication (decoders crop to the SOF size). Every frame carries APP0, DQT and DHT, so each
//! packet decodes alone. Restart intervals split a frame into segments coded on several threads
//! with output identical to one thread.

pub mod bitwriter;
pub mod dct;
pub mod huffman;
pub mod rate;
pub mod tables;

use crate::codec::{Codec, CodecOutput, FrameIn, FrameType};
use crate::config::{flags, EncoderConfig, RcMode};
use crate::error::Result;
use crate::frame::{Picture, Recon};

use bitwriter::BitWriter;
use huffman::{optimal_spec, HuffTable};
use rate::JpegRate;
use tables::*;

/// Quantised coefficients of one 8x8 block, in zig-zag order.
type Coefs = [i16; 64];

/// Blocks per MCU (4:2:0): Y00 Y01 Y10 Y11 Cb Cr.
const BLOCKS_PER_MCU: usize = 6;

/// Worst-case bytes of one block's entropy-coded data: DC (16-bit code + 11 bits) and 63 AC
/// coefficients (16-bit code + 10 bits each) = 1665 bits = 209 bytes, doubled for 0xFF stuffing.
const MAX_BLOCK_BYTES: usize = 2 * 209;

/// Huffman tables of one frame: [DC luma, AC luma, DC chroma, AC chroma].
struct FrameTables {
    specs: [HuffSpec; 4],
    codes: [HuffTable; 4],
}

impl FrameTables {
    fn standard() -> Self {
        let specs = [
            std_dc_luma(),
            std_ac_luma(),
            std_dc_chroma(),
            std_ac_chroma(),
        ];
        let codes = [
            HuffTable::from_spec(&specs[0]),
            HuffTable::from_spec(&specs[1]),
            HuffTable::from_spec(&specs[2]),
            HuffTable::from_spec(&specs[3]),
        ];
        FrameTables { specs, codes }
    }

    fn optimal(freq: &[[u32; 256]; 4]) -> Self {
        let specs = [
            optimal_spec(&freq[0]),
            optimal_spec(&freq[1]),
            optimal_spec(&freq[2]),
            optimal_spec(&freq[3]),
        ];
        let codes = [
            HuffTable::from_spec(&specs[0]),
            HuffTable::from_spec(&specs[1]),
            HuffTable::from_spec(&specs[2]),
            HuffTable::from_spec(&specs[3]),
        ];
        FrameTables { specs, codes }
    }
}

pub struct MjpegEncoder {
    width: usize,
    height: usize,
    mcu_cols: usize,
    mcu_rows: usize,
    /// MCU rows per restart interval (0: one segment, no DRI).
    restart_rows: usize,
    threads: usize,
    flags: u32,
    mode: RcMode,
    quality: u32,
    min_quality: u32,
    fps: f64,
    rc: Option<JpegRate>,
    /// Set when the target cannot be reached even at the lowest quality with standard tables.
    unreachable: Option<String>,
    coefs: Vec<Coefs>,
    segments: Vec<Vec<u8>>,
}

impl MjpegEncoder {
    pub fn new(cfg: &EncoderConfig) -> Result<Self> {
        let (w, h) = (cfg.width as usize, cfg.height as usize);
        let mcu_cols = w.div_ceil(16);
        let mcu_rows = h.div_ceil(16);
        let threads = cfg.threads.max(1) as usize;
        let restart_rows = match cfg.restart_rows as usize {
            0 if threads > 1 => 1,
            r => r.min(mcu_rows),
        };
        let fps = cfg.fps_num as f64 / cfg.fps_den as f64;
        let rc = cfg.rc_mode.targets_bitrate().then(|| {
            JpegRate::new(
                cfg.bitrate_kbps,
                fps,
                cfg.min_quality,
                cfg.max_quality,
                cfg.rc_mode == RcMode::Vbr,
            )
        });
        Ok(MjpegEncoder {
            width: w,
            height: h,
            mcu_cols,
            mcu_rows,
            restart_rows,
            threads,
            flags: cfg.flags,
            mode: cfg.rc_mode,
            quality: cfg.quality.clamp(cfg.min_quality, cfg.max_quality),
            min_quality: cfg.min_quality,
            fps,
            rc,
            unreachable: None,
            coefs: vec![[0; 64]; mcu_cols * mcu_rows * BLOCKS_PER_MCU],
            segments: Vec::new(),
        })
    }

    fn segment_rows(&self) -> usize {
        if self.restart_rows == 0 {
            self.mcu_rows
        } else {
            self.restart_rows
        }
    }

    /// Encodes `pic` at `quality`; `optimize` selects per-frame Huffman tables.
    fn encode_at(&mut self, pic: &Picture, quality: u32, optimize: bool) -> Vec<u8> {
        let qt = [
            scaled_table(&STD_LUMA_QUANT, quality),
            scaled_table(&STD_CHROMA_QUANT, quality),
        ];
        let seg_rows = self.segment_rows();
        let nseg = self.mcu_rows.div_ceil(seg_rows);
        let blocks_per_seg = seg_rows * self.mcu_cols * BLOCKS_PER_MCU;
        let threads = self.threads.min(nseg).max(1);
        let geom = Geometry {
            width: self.width,
            height: self.height,
            mcu_cols: self.mcu_cols,
        };
        self.segments.resize_with(nseg, Vec::new);

        // Pass 1: transform and quantise (and count symbols when optimising), per segment.
        let mut freq = [[0u32; 256]; 4];
        {
            let work: Vec<(usize, &mut [Coefs])> =
                self.coefs.chunks_mut(blocks_per_seg).enumerate().collect();
            let per_thread = nseg.div_ceil(threads);
            let mut results: Vec<[[u32; 256]; 4]> = Vec::new();
            std::thread::scope(|s| {
                let mut handles = Vec::new();
                let mut it = work.into_iter();
                for _ in 0..threads {
                    let batch: Vec<_> = it.by_ref().take(per_thread).collect();
                    let (qt, geom) = (&qt, &geom);
                    let job = move || {
                        let mut f = [[0u32; 256]; 4];
                        for (seg, blocks) in batch {
                            transform_rows(pic, geom, qt, seg * seg_rows, blocks);
                            if optimize {
                                count_symbols(blocks, &mut f);
                            }
                        }
                        f
                    };
                    handles.push(s.spawn(job));
                }
                for h in handles {
                    results.push(h.join().expect("MJPEG worker panicked"));
                }
            });
            for r in results {
                for t in 0..4 {
                    for i in 0..256 {
                        freq[t][i] += r[t][i];
                    }
                }
            }
        }
        let tables = if optimize {
            FrameTables::optimal(&freq)
        } else {
            FrameTables::standard()
        };

        // Pass 2: entropy-code each segment.
        {
            let coefs = &self.coefs;
            let tables = &tables;
            let per_thread = nseg.div_ceil(threads);
            std::thread::scope(|s| {
                for (ti, bufs) in self.segments.chunks_mut(per_thread).enumerate() {
                    s.spawn(move || {
                        for (k, buf) in bufs.iter_mut().enumerate() {
                            let seg = ti * per_thread + k;
                            let start = seg * blocks_per_seg;
                            let end = (start + blocks_per_seg).min(coefs.len());
                            buf.clear();
                            entropy_code(&coefs[start..end], tables, buf);
                        }
                    });
                }
            });
        }

        let mut out =
            Vec::with_capacity(self.segments.iter().map(|s| s.len()).sum::<usize>() + 700);
        self.write_headers(&mut out, &qt, &tables);
        for (i, seg) in self.segments.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(&[0xFF, 0xD0 + ((i - 1) % 8) as u8]);
            }
            out.extend_from_slice(seg);
        }
        out.extend_from_slice(&[0xFF, 0xD9]);
        out
    }

    fn write_headers(&self, out: &mut Vec<u8>, qt: &[[u16; 64]; 2], t: &FrameTables) {
        out.extend_from_slice(&[0xFF, 0xD8]);
        // APP0 JFIF 1.01, no density, no thumbnail.
        out.extend_from_slice(&[
            0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
        ]);
        // DQT: two 8-bit tables in zig-zag order.
        out.extend_from_slice(&[0xFF, 0xDB, 0, 2 + 2 * 65]);
        for (id, table) in qt.iter().enumerate() {
            out.push(id as u8);
            for &z in &ZIGZAG {
                out.push(table[z] as u8);
            }
        }
        // SOF0: 8-bit, three components, Y 2x2 with table 0, Cb/Cr 1x1 with table 1.
        let (w, h) = (self.width as u16, self.height as u16);
        out.extend_from_slice(&[0xFF, 0xC0, 0, 17, 8]);
        out.extend_from_slice(&h.to_be_bytes());
        out.extend_from_slice(&w.to_be_bytes());
        out.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        // DHT: class/id 0x00 DC luma, 0x10 AC luma, 0x01 DC chroma, 0x11 AC chroma.
        for (spec, tc) in t.specs.iter().zip([0x00u8, 0x10, 0x01, 0x11]) {
            let len = 2 + 1 + 16 + spec.vals.len();
            out.extend_from_slice(&[0xFF, 0xC4]);
            out.extend_from_slice(&(len as u16).to_be_bytes());
            out.push(tc);
            out.extend_from_slice(&spec.bits);
            out.extend_from_slice(&spec.vals);
        }
        if self.restart_rows > 0 && self.mcu_rows > self.restart_rows {
            let ri = (self.restart_rows * self.mcu_cols) as u16;
            out.extend_from_slice(&[0xFF, 0xDD, 0, 4]);
            out.extend_from_slice(&ri.to_be_bytes());
        }
        // SOS: three components, full spectral range.
        out.extend_from_slice(&[0xFF, 0xDA, 0, 12, 3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]);
    }

    /// The decoder-side picture of the current coefficients (for PSNR and the recon output).
    fn reconstruct(&self, quality: u32) -> Recon {
        let qt = [
            scaled_table(&STD_LUMA_QUANT, quality),
            scaled_table(&STD_CHROMA_QUANT, quality),
        ];
        let (w, h) = (self.width, self.height);
        let (cw, ch) = (w / 2, h / 2);
        let mut r = Recon {
            width: w as u32,
            height: h as u32,
            y: vec![0; w * h],
            u: vec![0; cw * ch],
            v: vec![0; cw * ch],
        };
        let mut px = [0u8; 64];
        for my in 0..self.mcu_rows {
            for mx in 0..self.mcu_cols {
                let base = (my * self.mcu_cols + mx) * BLOCKS_PER_MCU;
                for b in 0..BLOCKS_PER_MCU {
                    let z = &self.coefs[base + b];
                    let t = &qt[(b >= 4) as usize];
                    let mut c = [0f32; 64];
                    for k in 0..64 {
                        c[ZIGZAG[k]] = z[k] as f32 * t[ZIGZAG[k]] as f32;
                    }
                    dct::idct_float(&c, &mut px);
                    let (plane, pw, ph, x0, y0) = match b {
                        0..=3 => (
                            &mut r.y,
                            w,
                            h,
                            mx * 16 + (b & 1) * 8,
                            my * 16 + (b >> 1) * 8,
                        ),
                        4 => (&mut r.u, cw, ch, mx * 8, my * 8),
                        _ => (&mut r.v, cw, ch, mx * 8, my * 8),
                    };
                    for yy in 0..8 {
                        for xx in 0..8 {
                            let (x, y) = (x0 + xx, y0 + yy);
                            if x < pw && y < ph {
                                plane[y * pw + x] = px[yy * 8 + xx];
                            }
                        }
                    }
                }
            }
        }
        r
    }
}

pub(crate) struct Geometry {
    width: usize,
    height: usize,
    mcu_cols: usize,
}

/// Transforms and quantises the MCU rows starting at `row0` into `out` (6 blocks per MCU).
/// Dispatches once per process to an AVX2 build of the same code when the CPU has it.
fn transform_rows(
    pic: &Picture,
    g: &Geometry,
    qt: &[[u16; 64]; 2],
    row0: usize,
    out: &mut [Coefs],
) {
    #[cfg(target_arch = "x86_64")]
    {
        if simd::has_avx2() {
            // SAFETY: the CPU supports AVX2 (checked at run time just above).
            unsafe { simd::transform_rows_avx2(pic, g, qt, row0, out) };
            return;
        }
    }
    transform_rows_scalar(pic, g, qt, row0, out)
}

/// The portable build of the transform (the scalar twin of the AVX2 kernel).
pub(crate) fn transform_rows_scalar(
    pic: &Picture,
    g: &Geometry,
    qt: &[[u16; 64]; 2],
    row0: usize,
    out: &mut [Coefs],
) {
    transform_rows_body(pic, g, qt, row0, out)
}

#[cfg(target_arch = "x86_64")]
pub(crate) mod simd {
    use super::*;

    pub use crate::simd::has_avx2;

    /// The same code as `transform_rows_scalar`, compiled for AVX2 (the lane-wise DCT becomes
    /// 8-wide integer vector code).
    #[target_feature(enable = "avx2")]
    pub(crate) unsafe fn transform_rows_avx2(
        pic: &Picture,
        g: &Geometry,
        qt: &[[u16; 64]; 2],
        row0: usize,
        out: &mut [Coefs],
    ) {
        transform_rows_body(pic, g, qt, row0, out)
    }
}

#[inline(always)]
fn transform_rows_body(
    pic: &Picture,
    g: &Geometry,
    qt: &[[u16; 64]; 2],
    row0: usize,
    out: &mut [Coefs],
) {
    // Reciprocals of 8*Q (the DCT output is scaled by 8), in natural order.
    let mut recip = [[0f32; 64]; 2];
    for t in 0..2 {
        for i in 0..64 {
            recip[t][i] = 1.0 / (8.0 * qt[t][i] as f32);
        }
    }
    let (w, h) = (g.width, g.height);
    let (cw, ch) = (w / 2, h / 2);
    let mut blk = [[0i32; 8]; 8];
    for (i, mcu) in out.chunks_mut(BLOCKS_PER_MCU).enumerate() {
        let my = row0 + i / g.mcu_cols;
        let mx = i % g.mcu_cols;
        for (b, dst) in mcu.iter_mut().enumerate() {
            if b < 4 {
                let (x0, y0) = (mx * 16 + (b & 1) * 8, my * 16 + (b >> 1) * 8);
                load_luma(&pic.y, w, h, x0, y0, &mut blk);
            } else {
                load_chroma(&pic.uv, w, cw, ch, mx * 8, my * 8, b - 4, &mut blk);
            }
            quantize(&dct::fdct(&blk), &recip[(b >= 4) as usize], dst);
        }
    }
}

#[inline(always)]
fn load_luma(y: &[u8], w: usize, h: usize, x0: usize, y0: usize, blk: &mut [[i32; 8]; 8]) {
    if x0 + 8 <= w && y0 + 8 <= h {
        for (r, row) in blk.iter_mut().enumerate() {
            let src = &y[(y0 + r) * w + x0..(y0 + r) * w + x0 + 8];
            for (d, &s) in row.iter_mut().zip(src) {
                *d = s as i32 - 128;
            }
        }
    } else {
        for (r, row) in blk.iter_mut().enumerate() {
            let yy = (y0 + r).min(h - 1);
            for (c, d) in row.iter_mut().enumerate() {
                *d = y[yy * w + (x0 + c).min(w - 1)] as i32 - 128;
            }
        }
    }
}

/// One chroma block (`comp` 0 = Cb, 1 = Cr) from the interleaved NV12 UV plane.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn load_chroma(
    uv: &[u8],
    w: usize,
    cw: usize,
    ch: usize,
    x0: usize,
    y0: usize,
    comp: usize,
    blk: &mut [[i32; 8]; 8],
) {
    for (r, row) in blk.iter_mut().enumerate() {
        let yy = (y0 + r).min(ch - 1);
        let line = &uv[yy * w..yy * w + 2 * cw];
        if x0 + 8 <= cw {
            for (c, d) in row.iter_mut().enumerate() {
                *d = line[2 * (x0 + c) + comp] as i32 - 128;
            }
        } else {
            for (c, d) in row.iter_mut().enumerate() {
                *d = line[2 * (x0 + c).min(cw - 1) + comp] as i32 - 128;
            }
        }
    }
}

/// Rounds coef / (8 Q) half away from zero, stores in zig-zag order. AC is limited to ±1023 so
/// every symbol stays within baseline's categories.
#[inline(always)]
fn quantize(c: &[[i32; 8]; 8], recip: &[f32; 64], out: &mut Coefs) {
    let flat = c.as_flattened();
    let mut nat = [0i32; 64];
    // Written so the loop vectorises: float multiply, round half away from zero by adding
    // ±0.5 and truncating, clamp in the integer domain.
    for i in 0..64 {
        let x = flat[i] as f32 * recip[i];
        let r = f32::from_bits((x.to_bits() & 0x8000_0000) | 0.5f32.to_bits());
        nat[i] = ((x + r) as i32).clamp(-1023, 1023);
    }
    for k in 0..64 {
        out[k] = nat[ZIGZAG[k]] as i16;
    }
}

/// Number of bits of |v| (the JPEG magnitude category).
#[inline(always)]
fn category(v: i32) -> u32 {
    32 - v.unsigned_abs().leading_zeros()
}

/// Bitmask of nonzero AC coefficients (bit k = coefficient k, k in 1..64).
#[inline(always)]
fn nonzero_mask(z: &Coefs) -> u64 {
    let mut m = 0u64;
    for (k, &v) in z.iter().enumerate().skip(1) {
        m |= ((v != 0) as u64) << k;
    }
    m
}

/// Visits a block's symbols: `dc(table, category, diff)` then `ac(table, symbol, value, cat)`.
#[inline(always)]
fn walk_block(
    z: &Coefs,
    pred: &mut i32,
    mut dc: impl FnMut(i32, u32),
    mut ac: impl FnMut(u8, i32, u32),
) {
    let diff = z[0] as i32 - *pred;
    *pred = z[0] as i32;
    dc(diff, category(diff));
    let mut mask = nonzero_mask(z);
    let mut last = 0u32;
    while mask != 0 {
        let k = mask.trailing_zeros();
        mask &= mask - 1;
        let mut run = k - last - 1;
        while run > 15 {
            ac(0xF0, 0, 0);
            run -= 16;
        }
        let v = z[k as usize] as i32;
        let cat = category(v);
        ac(((run << 4) | cat) as u8, v, cat);
        last = k;
    }
    if last != 63 {
        ac(0x00, 0, 0);
    }
}

/// Entropy-codes one segment (its DC predictors start at 0, as after a restart marker).
fn entropy_code(blocks: &[Coefs], t: &FrameTables, out: &mut Vec<u8>) {
    out.reserve(blocks.len() * 40);
    let mut w = BitWriter::new(out);
    let mut pred = [0i32; 3];
    for (i, z) in blocks.iter().enumerate() {
        let b = i % BLOCKS_PER_MCU;
        let comp = if b < 4 { 0 } else { b - 3 };
        let tbl = if comp == 0 { 0 } else { 2 };
        let (dct, act) = (&t.codes[tbl], &t.codes[tbl + 1]);
        // Closures can't both borrow `w` mutably: collect via a small local emitter instead.
        let diff = z[0] as i32 - pred[comp];
        pred[comp] = z[0] as i32;
        let cat = category(diff);
        w.put(dct.code[cat as usize], dct.len[cat as usize] as u32);
        if cat > 0 {
            let bits = if diff < 0 { diff - 1 } else { diff } as u32;
            w.put(bits & ((1 << cat) - 1), cat);
        }
        let mut mask = nonzero_mask(z);
        let mut last = 0u32;
        while mask != 0 {
            let k = mask.trailing_zeros();
            mask &= mask - 1;
            let mut run = k - last - 1;
            while run > 15 {
                w.put(act.code[0xF0], act.len[0xF0] as u32);
                run -= 16;
            }
            let v = z[k as usize] as i32;
            let cat = category(v);
            let sym = ((run << 4) | cat) as usize;
            let bits = if v < 0 { v - 1 } else { v } as u32 & ((1 << cat) - 1);
            // One put for code and value: at most 16 + 10 bits.
            w.put((act.code[sym] << cat) | bits, act.len[sym] as u32 + cat);
            last = k;
        }
        if last != 63 {
            w.put(act.code[0], act.len[0] as u32);
        }
    }
    w.finish();
}

/// Counts symbols per table for optimised Huffman tables.
fn count_symbols(blocks: &[Coefs], f: &mut [[u32; 256]; 4]) {
    let mut pred = [0i32; 3];
    for (i, z) in blocks.iter().enumerate() {
        let b = i % BLOCKS_PER_MCU;
        let comp = if b < 4 { 0 } else { b - 3 };
        let tbl = if comp == 0 { 0 } else { 2 };
        let (dc_part, ac_part) = f.split_at_mut(tbl + 1);
        let dcf = &mut dc_part[tbl];
        let acf = &mut ac_part[0];
        walk_block(
            z,
            &mut pred[comp],
            |_, cat| dcf[cat as usize] += 1,
            |sym, _, _| acf[sym as usize] += 1,
        );
    }
}

impl Codec for MjpegEncoder {
    fn encode(&mut self, frame: &FrameIn<'_>) -> Result<CodecOutput> {
        let pic = frame.pic;
        let force_opt = self.flags & flags::OPTIMIZE_HUFFMAN != 0;
        let (quality, data) = match &self.rc {
            None => {
                let q = self.quality;
                (q, self.encode_at(pic, q, force_opt))
            }
            Some(rc) => {
                let q = rc.next_quality(self.quality);
                // Once standard tables proved too big, keep optimised tables (until the bitrate
                // changes): the model re-learns its constant from the smaller frames.
                let optimize = force_opt || self.unreachable.is_some();
                let data = self.encode_at(pic, q, optimize);
                let rc = self.rc.as_mut().expect("rate control");
                let target = rc.target_bpf();
                let bits = data.len() as f64 * 8.0;
                rc.update(q, bits);
                if !optimize && q <= self.min_quality && bits > target * 1.05 {
                    self.unreachable = Some(format!(
                        "target {:.0} kbps unreachable with standard tables at {}x{} (quality {} gave {:.0} kbps): using optimized Huffman tables",
                        target * self.fps / 1000.0,
                        self.width,
                        self.height,
                        q,
                        bits * self.fps / 1000.0
                    ));
                }
                (q, data)
            }
        };
        let want_recon = self.flags & (flags::PSNR | flags::RECON) != 0;
        let recon = want_recon.then(|| self.reconstruct(quality));
        let psnr = if self.flags & flags::PSNR != 0 {
            recon.as_ref().map(|r| crate::frame::psnr_yuv(pic, r))
        } else {
            None
        };
        Ok(CodecOutput {
            data,
            frame_type: Some(FrameType::Idr),
            qp: quality as i32,
            psnr,
            recon,
        })
    }

    fn set_bitrate(&mut self, kbps: u32) -> Result<()> {
        if let Some(rc) = &mut self.rc {
            rc.set_bitrate(kbps, self.fps);
            self.unreachable = None;
        }
        Ok(())
    }

    fn headers(&self) -> Vec<u8> {
        Vec::new()
    }

    fn rc_note(&self) -> Option<String> {
        if self.mode.targets_bitrate() {
            self.unreachable.clone()
        } else {
            None
        }
    }

    fn max_packet_size(&self) -> usize {
        let blocks = self.mcu_cols * self.mcu_rows * BLOCKS_PER_MCU;
        let segments = self.mcu_rows.div_ceil(self.segment_rows());
        // Headers: SOI 2 + APP0 18 + DQT 134 + SOF 19 + DHT at most 4 * (21 + 162) + DRI 6 +
        // SOS 14 + EOI 2 < 1024; plus one padding byte (stuffed: 2) and one RST per segment.
        blocks * MAX_BLOCK_BYTES + 1024 + segments * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_kernel_equals_its_scalar_twin() {
        if !simd::has_avx2() {
            eprintln!("no AVX2 on this CPU: only the scalar kernel runs here");
            return;
        }
        let (w, h) = (200usize, 120usize);
        let mut seed = 99u32;
        let mut pic = Picture::new(w as u32, h as u32);
        for v in pic.y.iter_mut().chain(pic.uv.iter_mut()) {
            seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
            *v = (seed >> 24) as u8;
        }
        let g = Geometry {
            width: w,
            height: h,
            mcu_cols: w.div_ceil(16),
        };
        for q in [1, 50, 85, 100] {
            let qt = [
                scaled_table(&STD_LUMA_QUANT, q),
                scaled_table(&STD_CHROMA_QUANT, q),
            ];
            let n = g.mcu_cols * h.div_ceil(16) * BLOCKS_PER_MCU;
            let mut a = vec![[0i16; 64]; n];
            let mut b = vec![[0i16; 64]; n];
            transform_rows_scalar(&pic, &g, &qt, 0, &mut a);
            // SAFETY: AVX2 presence checked above.
            unsafe { simd::transform_rows_avx2(&pic, &g, &qt, 0, &mut b) };
            assert!(a == b, "quality {q}");
        }
    }

    #[test]
    fn max_packet_size_bounds_noise_at_quality_100() {
        let mut cfg = EncoderConfig::new(crate::config::CodecId::Mjpeg, 64, 48);
        cfg.rc_mode = RcMode::ConstQuality;
        cfg.quality = 100;
        let mut e = MjpegEncoder::new(&cfg).unwrap();
        let mut pic = Picture::new(64, 48);
        let mut seed = 5u32;
        for v in pic.y.iter_mut().chain(pic.uv.iter_mut()) {
            seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
            *v = if seed >> 31 == 1 { 255 } else { 0 };
        }
        let out = e
            .encode(&FrameIn {
                pic: &pic,
                frame_num: 0,
                force_keyframe: false,
            })
            .unwrap();
        assert!(
            out.data.len() <= e.max_packet_size(),
            "{} > {}",
            out.data.len(),
            e.max_packet_size()
        );
    }
}
