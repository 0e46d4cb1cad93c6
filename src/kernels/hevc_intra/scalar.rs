//! Portable intra prediction in 16-bit lanes (every weighted sum fits), rows contiguous so the
//! compiler vectorises them.

use super::{Refs, ANGLE, DC, INV_ANGLE, PLANAR};

/// Intra prediction (see `kernels::hevc_intra::predict`).
#[inline(always)]
pub(super) fn predict(r: &Refs, n: usize, mode: u32, luma: bool, dst: &mut [u8], ds: usize) {
    let log2 = n.trailing_zeros();
    match mode {
        PLANAR => {
            // 16-bit lanes: the weighted sum is at most 4 * 32 * 255 + 32 < 2^16.
            let tr = r.top[1 + n] as u16;
            let bl = r.left[1 + n] as u16;
            let nn = n as u16;
            let wl: [u16; 32] = std::array::from_fn(|x| (nn.max(x as u16 + 1)) - 1 - x as u16);
            let col: [u16; 32] = std::array::from_fn(|x| (x as u16 + 1) * tr);
            let top: [u16; 32] = std::array::from_fn(|x| r.top[1 + x] as u16);
            for y in 0..n {
                let (left, wy) = (r.left[1 + y] as u16, (n - 1 - y) as u16);
                let base = (y as u16 + 1) * bl + nn;
                let row = &mut dst[y * ds..y * ds + n];
                for (x, d) in row.iter_mut().enumerate() {
                    let v = wl[x] * left + col[x] + wy * top[x] + base;
                    *d = (v >> (log2 + 1)) as u8;
                }
            }
        }
        DC => {
            let sum: u32 = (0..n)
                .map(|i| r.top[1 + i] as u32 + r.left[1 + i] as u32)
                .sum();
            let dc = (sum + n as u32) >> (log2 + 1);
            for y in 0..n {
                for x in 0..n {
                    dst[y * ds + x] = dc as u8;
                }
            }
            if luma && n < 32 {
                dst[0] = ((r.left[1] as u32 + 2 * dc + r.top[1] as u32 + 2) >> 2) as u8;
                // Indexed as the spec writes it (the iterator form costs more instructions).
                #[allow(clippy::needless_range_loop)]
                for x in 1..n {
                    dst[x] = ((r.top[1 + x] as u32 + 3 * dc + 2) >> 2) as u8;
                }
                for y in 1..n {
                    dst[y * ds] = ((r.left[1 + y] as u32 + 3 * dc + 2) >> 2) as u8;
                }
            }
        }
        _ => {
            let angle = ANGLE[mode as usize];
            let vertical = mode >= 18;
            // main = references along the prediction direction, side = the other edge.
            let (main, side) = if vertical {
                (&r.top, &r.left)
            } else {
                (&r.left, &r.top)
            };
            // ref[k + n] for k in -n..=2n, i.e. ref index offset by n.
            // 16-bit lanes: (32 - f) * a + f * b + 16 <= 32 * 255 + 16.
            let mut refb = [0i16; 3 * 64 + 1];
            let off = n as i32;
            for k in 0..=2 * n {
                refb[(k as i32 + off) as usize] = main[k] as i16;
            }
            if angle < 0 {
                let lim = (n as i32 * angle) >> 5;
                if lim < -1 {
                    let inv = INV_ANGLE[(mode - 11) as usize];
                    for k in lim..=-1 {
                        let idx = (k * inv + 128) >> 8;
                        refb[(k + off) as usize] = side[idx as usize] as i16;
                    }
                }
            }
            // Row j of the prediction along the main direction, contiguous in `refb`.
            let mut line = [0u8; 32];
            for j in 0..n {
                let pos = (j as i32 + 1) * angle;
                let start = ((pos >> 5) + 1 + off) as usize;
                let fact = (pos & 31) as i16;
                let a = &refb[start..start + n];
                // Vertical modes write the row in place; horizontal ones go through `line`
                // and are written as a column.
                let out = if vertical {
                    &mut dst[j * ds..j * ds + n]
                } else {
                    &mut line[..n]
                };
                if fact != 0 {
                    let b = &refb[start + 1..start + 1 + n];
                    for ((o, &a), &b) in out.iter_mut().zip(a).zip(b) {
                        *o = (((32 - fact) * a + fact * b + 16) >> 5) as u8;
                    }
                } else {
                    for (o, &a) in out.iter_mut().zip(a) {
                        *o = a as u8;
                    }
                }
                if !vertical {
                    for (i, &v) in line[..n].iter().enumerate() {
                        dst[i * ds + j] = v;
                    }
                }
            }
            if luma && n < 32 && angle == 0 {
                let corner = r.top[0] as i32;
                for k in 0..n {
                    if mode == 26 {
                        let v = r.top[1] as i32 + ((r.left[1 + k] as i32 - corner) >> 1);
                        dst[k * ds] = v.clamp(0, 255) as u8;
                    } else {
                        let v = r.left[1] as i32 + ((r.top[1 + k] as i32 - corner) >> 1);
                        dst[k] = v.clamp(0, 255) as u8;
                    }
                }
            }
        }
    }
}
