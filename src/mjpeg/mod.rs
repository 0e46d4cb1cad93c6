//! MJPEG: one baseline JPEG (SOF0, 4:2:0, 8-bit) per frame, read straight from the NV12 planes —
//! no colour conversion, no chroma resampling. Any even size: partial MCUs are padded by edge
//! replication (decoders crop to the SOF size). Every frame carries APP0, DQT and DHT, so each
//! packet decodes alone. Restart intervals split a frame into segments coded on several threads
//! with output identical to one thread.

pub mod bitwriter;
pub mod dct;
pub mod huffman;
pub mod kernel;
pub mod rate;
pub mod tables;

use crate::codec::{Codec, CodecOutput, FrameIn, FrameType};
use crate::config::{flags, EncoderConfig, RcMode};
use crate::error::Result;
use crate::frame::{Picture, Recon};
use crate::mem::try_vec;

use bitwriter::BitWriter;
use huffman::{optimal_spec, HuffTable};
use kernel::{Coefs, QuantRecip, BLOCKS_PER_MCU, ZZ_T};
use rate::JpegRate;
use tables::*;

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

/// The MJPEG codec of one channel: one baseline JPEG per picture.
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
    /// Quantised coefficients of the frame, and each block's zig-zag nonzero AC mask.
    coefs: Vec<Coefs>,
    masks: Vec<u64>,
    segments: Vec<Vec<u8>>,
    std_tables: FrameTables,
}

impl MjpegEncoder {
    /// A codec for a validated configuration.
    pub fn new(cfg: &EncoderConfig) -> Result<Self> {
        let (w, h) = (cfg.width as usize, cfg.height as usize);
        let mcu_cols = w.div_ceil(16);
        let mcu_rows = h.div_ceil(16);
        let blocks = mcu_cols * mcu_rows * BLOCKS_PER_MCU;
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
            coefs: try_vec(blocks, [0; 64], "the JPEG coefficients")?,
            masks: try_vec(blocks, 0, "the JPEG coefficient masks")?,
            segments: Vec::new(),
            std_tables: FrameTables::standard(),
        })
    }

    /// Bytes `new` allocates for `cfg` (the coefficients of a picture and their masks; the
    /// segments grow with the stream).
    pub(crate) fn memory_bytes(cfg: &EncoderConfig) -> u64 {
        let blocks = (cfg.width as usize).div_ceil(16) * (cfg.height as usize).div_ceil(16);
        (blocks * BLOCKS_PER_MCU * (std::mem::size_of::<Coefs>() + 8)) as u64
    }

    fn segment_rows(&self) -> usize {
        if self.restart_rows == 0 {
            self.mcu_rows
        } else {
            self.restart_rows
        }
    }

    /// Encodes `pic` at `quality`; `optimize` selects per-frame Huffman tables. `OutOfMemory`
    /// when a segment or the packet could not be had.
    fn encode_at(&mut self, pic: &Picture, quality: u32, optimize: bool) -> Result<Vec<u8>> {
        let qt = [
            scaled_table(&STD_LUMA_QUANT, quality),
            scaled_table(&STD_CHROMA_QUANT, quality),
        ];
        let recip = [QuantRecip::new(&qt[0]), QuantRecip::new(&qt[1])];
        let seg_rows = self.segment_rows();
        let nseg = self.mcu_rows.div_ceil(seg_rows);
        let row_blocks = self.mcu_cols * BLOCKS_PER_MCU;
        let blocks_per_seg = seg_rows * row_blocks;
        let threads = self.threads.min(nseg).max(1);
        let geom = Geometry {
            width: self.width,
            height: self.height,
        };
        self.segments.resize_with(nseg, Vec::new);
        let mut work: Vec<Segment<'_>> = self
            .coefs
            .chunks_mut(blocks_per_seg)
            .zip(self.masks.chunks_mut(blocks_per_seg))
            .zip(self.segments.iter_mut())
            .enumerate()
            .map(|(i, ((coefs, masks), out))| Segment {
                row0: i * seg_rows,
                coefs,
                masks,
                out,
                failed: false,
            })
            .collect();
        let (recip, geom) = (&recip, &geom);

        let optimal;
        let tables = if optimize {
            // Two passes: transform and count symbols, build the tables, then code.
            let counts = run_shared(
                &mut work,
                threads,
                || [[0u32; 256]; 4],
                |seg, f| {
                    transform_rows(pic, geom, recip, seg.row0, seg.coefs, seg.masks);
                    count_symbols(seg.coefs, seg.masks, f);
                },
            );
            let mut freq = [[0u32; 256]; 4];
            for f in &counts {
                for (acc, add) in freq.iter_mut().zip(f) {
                    for (a, b) in acc.iter_mut().zip(add) {
                        *a += b;
                    }
                }
            }
            optimal = FrameTables::optimal(&freq);
            let tables = &optimal;
            run_shared(
                &mut work,
                threads,
                || (),
                |seg, _| {
                    seg.failed = !write_segment(seg.out, |w, pred| {
                        entropy_code(seg.coefs, seg.masks, tables, w, pred)
                    })
                },
            );
            tables
        } else {
            // One pass: each MCU row is coded right after its transform, while its
            // coefficients are still in cache.
            let tables = &self.std_tables;
            run_shared(
                &mut work,
                threads,
                || (),
                |seg, _| {
                    let rows = seg.coefs.chunks_mut(row_blocks);
                    let rows = rows.zip(seg.masks.chunks_mut(row_blocks));
                    let row0 = seg.row0;
                    seg.failed = !write_segment(seg.out, |w, pred| {
                        rows.enumerate().all(|(r, (coefs, masks))| {
                            transform_rows(pic, geom, recip, row0 + r, coefs, masks);
                            entropy_code(coefs, masks, tables, w, pred)
                        })
                    })
                },
            );
            tables
        };
        if work.iter().any(|s| s.failed) {
            return Err(crate::mem::no_memory(0, "a JPEG segment"));
        }
        drop(work);

        // Headers under 1024 bytes (see max_packet_size), a marker per segment, EOI.
        let size = self.segments.iter().map(|s| s.len() + 2).sum::<usize>() + 1024;
        let mut out = Vec::new();
        crate::mem::reserve_exact(&mut out, size, "the packet")?;
        self.write_headers(&mut out, &qt, tables);
        for (i, seg) in self.segments.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(&[0xFF, 0xD0 + ((i - 1) % 8) as u8]);
            }
            out.extend_from_slice(seg);
        }
        out.extend_from_slice(&[0xFF, 0xD9]);
        Ok(out)
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
    fn reconstruct(&self, quality: u32) -> Result<Recon> {
        let qt = [
            scaled_table(&STD_LUMA_QUANT, quality),
            scaled_table(&STD_CHROMA_QUANT, quality),
        ];
        let (w, h) = (self.width, self.height);
        let (cw, ch) = (w / 2, h / 2);
        let mut r = Recon {
            width: w as u32,
            height: h as u32,
            y: try_vec(w * h, 0, "the reconstruction")?,
            u: try_vec(cw * ch, 0, "the reconstruction")?,
            v: try_vec(cw * ch, 0, "the reconstruction")?,
        };
        let mut px = [0u8; 64];
        for my in 0..self.mcu_rows {
            for mx in 0..self.mcu_cols {
                let base = (my * self.mcu_cols + mx) * BLOCKS_PER_MCU;
                for b in 0..BLOCKS_PER_MCU {
                    let z = &self.coefs[base + b];
                    let t = &qt[(b >= 4) as usize];
                    // Natural index n = v*8+u is transposed index u*8+v.
                    let c: [f32; 64] =
                        std::array::from_fn(|n| z[(n % 8) * 8 + n / 8] as f32 * t[n] as f32);
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
        Ok(r)
    }
}

pub(crate) struct Geometry {
    width: usize,
    height: usize,
}

/// One restart segment's share of the frame: its first MCU row, its coefficient and mask slots
/// and its entropy-coded output.
struct Segment<'a> {
    row0: usize,
    coefs: &'a mut [Coefs],
    masks: &'a mut [u64],
    out: &'a mut Vec<u8>,
    /// The segment's output could not grow (out of memory): the frame fails.
    failed: bool,
}

/// Entropy-codes one restart segment into `out`: `f` gets the bit writer and the DC
/// predictors, which start at 0 as after a restart marker; the writer is padded at the end.
/// Returns what `f` returns: false when the output could not grow.
fn write_segment(
    out: &mut Vec<u8>,
    f: impl FnOnce(&mut BitWriter<'_>, &mut [i32; 3]) -> bool,
) -> bool {
    out.clear();
    let mut w = BitWriter::new(out);
    let ok = f(&mut w, &mut [0; 3]) && w.make_room(16);
    w.finish();
    ok
}

/// Runs `f` over `items` on `threads` threads (the calling thread is one of them; one thread
/// spawns nothing). Items are handed out one at a time from a shared queue, so a thread that
/// drew cheap rows takes more of them (static halves left one core idle ~35 % of the time on a
/// photo whose detail sits in one half). The calling thread takes from the front, the others
/// from the back, so each works on a contiguous band of the picture. Each thread folds into
/// its own `init()` state; those states come back.
fn run_shared<T: Send, A: Send>(
    items: &mut [T],
    threads: usize,
    init: impl Fn() -> A + Sync,
    f: impl Fn(&mut T, &mut A) + Sync,
) -> Vec<A> {
    let queue = parking_lot::Mutex::new(items.iter_mut());
    let work = |from_back: bool| {
        let mut acc = init();
        loop {
            let next = if from_back {
                queue.lock().next_back()
            } else {
                queue.lock().next()
            };
            match next {
                Some(item) => f(item, &mut acc),
                None => return acc,
            }
        }
    };
    if threads <= 1 {
        return vec![work(false)];
    }
    std::thread::scope(|s| {
        let work = &work;
        // A thread that cannot start (no memory for its stack) is left out: the others take
        // its items from the shared queue, and the output does not depend on who coded what.
        let handles: Vec<_> = (1..threads)
            .filter_map(|_| {
                std::thread::Builder::new()
                    .name("venc-mjpeg".into())
                    .spawn_scoped(s, move || work(true))
                    .ok()
            })
            .collect();
        let mut out = vec![work(false)];
        for h in handles {
            out.push(h.join().expect("MJPEG worker panicked"));
        }
        out
    })
}

/// Transforms and quantises the MCU rows starting at `row0` into `out` (6 blocks per MCU) and
/// their zig-zag nonzero masks into `masks`, at the process's CPU level.
fn transform_rows(
    pic: &Picture,
    g: &Geometry,
    qt: &[QuantRecip; 2],
    row0: usize,
    out: &mut [Coefs],
    masks: &mut [u64],
) {
    kernel::transform_rows(&pic.y, &pic.uv, g.width, g.height, qt, row0, out, masks)
}

/// Number of bits of |v| (the JPEG magnitude category).
#[inline(always)]
fn category(v: i32) -> u32 {
    32 - v.unsigned_abs().leading_zeros()
}

/// Visits a block's symbols in order: `emit(true, category, diff)` for the DC difference, then
/// `emit(false, symbol, value)` for each nonzero AC coefficient (bit k of `mask` = zig-zag
/// position k), ZRLs and the EOB. The symbol's low 4 bits are the value's category.
#[inline(always)]
fn walk_block(z: &Coefs, mask: u64, pred: &mut i32, mut emit: impl FnMut(bool, usize, i32)) {
    let diff = z[0] as i32 - *pred;
    *pred = z[0] as i32;
    emit(true, category(diff) as usize, diff);
    let mut mask = mask;
    let mut last = 0u32;
    while mask != 0 {
        let k = mask.trailing_zeros();
        mask &= mask - 1;
        let mut run = k - last - 1;
        while run > 15 {
            emit(false, 0xF0, 0);
            run -= 16;
        }
        let v = z[ZZ_T[k as usize] as usize] as i32;
        emit(false, ((run << 4) | category(v)) as usize, v);
        last = k;
    }
    if last != 63 {
        emit(false, 0x00, 0);
    }
}

/// Entropy-codes whole MCUs into `w`, continuing the segment's DC predictors `pred`.
fn entropy_code(
    blocks: &[Coefs],
    masks: &[u64],
    t: &FrameTables,
    w: &mut BitWriter<'_>,
    pred: &mut [i32; 3],
) -> bool {
    let (luma, chroma) = ((&t.codes[0], &t.codes[1]), (&t.codes[2], &t.codes[3]));
    let mcus = blocks
        .chunks_exact(BLOCKS_PER_MCU)
        .zip(masks.chunks_exact(BLOCKS_PER_MCU));
    for (z, m) in mcus {
        // Room for the MCU's worst case first, so its writes never reallocate.
        if !w.make_room(BLOCKS_PER_MCU * MAX_BLOCK_BYTES) {
            return false;
        }
        for b in 0..4 {
            code_block(w, &z[b], m[b], &mut pred[0], luma);
        }
        code_block(w, &z[4], m[4], &mut pred[1], chroma);
        code_block(w, &z[5], m[5], &mut pred[2], chroma);
    }
    true
}

/// Value bits of a coefficient of category `cat`: negative values as v - 1 (T.81 F.1.2.1).
#[inline(always)]
fn value_bits(v: i32, cat: u32) -> u32 {
    (v - (v < 0) as i32) as u32 & ((1u32 << cat) - 1)
}

/// One block: the DC difference, then (run, category) symbols of the nonzero AC coefficients
/// in zig-zag order (bit k of `mask`), ZRLs and the EOB. Code and value bits go out in one put
/// (at most 16 + 11 bits).
#[inline(always)]
fn code_block(
    w: &mut BitWriter<'_>,
    z: &Coefs,
    mask: u64,
    pred: &mut i32,
    (dct, act): (&HuffTable, &HuffTable),
) {
    let diff = z[0] as i32 - *pred;
    *pred = z[0] as i32;
    let cat = category(diff);
    let e = dct.packed[cat as usize];
    w.put(((e >> 8) << cat) | value_bits(diff, cat), (e & 0xFF) + cat);
    let mut mask = mask;
    let mut last = 0u32;
    while mask != 0 {
        let k = mask.trailing_zeros();
        mask &= mask - 1;
        let mut run = k - last - 1;
        while run > 15 {
            let e = act.packed[0xF0];
            w.put(e >> 8, e & 0xFF);
            run -= 16;
        }
        let v = z[ZZ_T[k as usize] as usize] as i32;
        let cat = category(v);
        let e = act.packed[((run << 4) | cat) as usize];
        w.put(((e >> 8) << cat) | value_bits(v, cat), (e & 0xFF) + cat);
        last = k;
    }
    if last != 63 {
        let e = act.packed[0];
        w.put(e >> 8, e & 0xFF);
    }
}

/// Counts symbols per table for optimised Huffman tables.
fn count_symbols(blocks: &[Coefs], masks: &[u64], f: &mut [[u32; 256]; 4]) {
    let mut pred = [0i32; 3];
    for (i, (z, &mask)) in blocks.iter().zip(masks).enumerate() {
        let b = i % BLOCKS_PER_MCU;
        let comp = b.saturating_sub(3);
        let tbl = if comp == 0 { 0 } else { 2 };
        let (dc_part, ac_part) = f.split_at_mut(tbl + 1);
        let dcf = &mut dc_part[tbl];
        let acf = &mut ac_part[0];
        walk_block(z, mask, &mut pred[comp], |is_dc, sym, _| {
            if is_dc {
                dcf[sym] += 1
            } else {
                acf[sym] += 1
            }
        });
    }
}

impl Codec for MjpegEncoder {
    fn encode(&mut self, frame: &FrameIn<'_>) -> Result<CodecOutput> {
        let pic = frame.pic;
        let force_opt = self.flags & flags::OPTIMIZE_HUFFMAN != 0;
        let (quality, data) = match &self.rc {
            None => {
                let q = self.quality;
                (q, self.encode_at(pic, q, force_opt)?)
            }
            Some(rc) => {
                let q = rc.next_quality(self.quality);
                // Once standard tables proved too big, keep optimised tables (until the bitrate
                // changes): the model re-learns its constant from the smaller frames.
                let optimize = force_opt || self.unreachable.is_some();
                let data = self.encode_at(pic, q, optimize)?;
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
        let recon = if want_recon {
            Some(self.reconstruct(quality)?)
        } else {
            None
        };
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
