//! Intra sample prediction (8.4.4.2): reference sample substitution, filtering (with strong
//! intra smoothing) and the most probable modes; the prediction itself (planar, DC and the 33
//! angular modes with their boundary filters) is the kernel `kernels::hevc_intra`.

pub use crate::kernels::hevc_intra::{predict, Refs};
pub(crate) use crate::kernels::hevc_intra::{DC, PLANAR};

/// Gathers the references of the block at (x0, y0) of size n from `plane`, substituting the
/// unavailable ones (8.4.4.2.2). `avail(x, y)` says whether sample (x, y) of this plane has
/// been reconstructed (false outside the picture).
pub fn build_refs(
    plane: &[u8],
    stride: usize,
    x0: usize,
    y0: usize,
    n: usize,
    avail: &dyn Fn(i32, i32) -> bool,
) -> Refs {
    // Scan order of the substitution process: from p[-1][2n-1] up to p[-1][-1], then p[0][-1]
    // to p[2n-1][-1]. Availability is constant per 4 samples (minimum block), so test once per
    // run of 4 (still exact: blocks are 4-aligned).
    let total = 4 * n + 1;
    let mut vals = vec![0u8; total];
    let mut ok = vec![false; total];
    let (x0i, y0i) = (x0 as i32, y0 as i32);
    let pos = |i: usize| -> (i32, i32) {
        if i < 2 * n {
            (x0i - 1, y0i + (2 * n - 1 - i) as i32)
        } else if i == 2 * n {
            (x0i - 1, y0i - 1)
        } else {
            (x0i + (i - 2 * n - 1) as i32, y0i - 1)
        }
    };
    let mut any = false;
    for i in 0..total {
        let (x, y) = pos(i);
        if avail(x, y) {
            ok[i] = true;
            any = true;
            vals[i] = plane[y as usize * stride + x as usize];
        }
    }
    if !any {
        return Refs {
            top: [128; 129],
            left: [128; 129],
        };
    }
    if !ok[0] {
        let first = (0..total).find(|&i| ok[i]).unwrap();
        vals[0] = vals[first];
    }
    for i in 1..total {
        if !ok[i] {
            vals[i] = vals[i - 1];
        }
    }
    let mut r = Refs {
        top: [0; 129],
        left: [0; 129],
    };
    r.top[0] = vals[2 * n];
    r.left[0] = vals[2 * n];
    for j in 0..2 * n {
        r.left[1 + j] = vals[2 * n - 1 - j];
        r.top[1 + j] = vals[2 * n + 1 + j];
    }
    r
}

/// filterFlag of 8.4.4.2.3: whether luma block of size `n` predicted with `mode` uses the
/// filtered references.
pub fn uses_filter(n: usize, mode: u32) -> bool {
    if mode == DC || n == 4 {
        return false;
    }
    let min_dist = (mode as i32 - 26).abs().min((mode as i32 - 10).abs());
    let thres = match n {
        8 => 7,
        16 => 1,
        _ => 0,
    };
    min_dist > thres
}

/// Filtering of neighbouring samples (8.4.4.2.3), luma only; `strong` = strong_intra_smoothing.
pub fn filter_refs(r: &Refs, n: usize, mode: u32, strong: bool) -> Refs {
    if !uses_filter(n, mode) {
        return r.clone();
    }
    let mut f = r.clone();
    let n2 = 2 * n;
    let corner = r.top[0] as i32;
    let bl = r.left[n2] as i32; // p[-1][2n-1]
    let tr = r.top[n2] as i32; // p[2n-1][-1]
    if strong
        && n == 32
        && (corner + tr - 2 * r.top[n] as i32).abs() < 8
        && (corner + bl - 2 * r.left[n] as i32).abs() < 8
    {
        for i in 0..63 {
            // pF[-1][y] = ((63 - y) * p[-1][-1] + (y + 1) * p[-1][63] + 32) >> 6, y = 0..62
            f.left[1 + i] = (((63 - i as i32) * corner + (i as i32 + 1) * bl + 32) >> 6) as u8;
            f.top[1 + i] = (((63 - i as i32) * corner + (i as i32 + 1) * tr + 32) >> 6) as u8;
        }
        return f;
    }
    f.top[0] = ((r.left[1] as u32 + 2 * corner as u32 + r.top[1] as u32 + 2) >> 2) as u8;
    f.left[0] = f.top[0];
    for i in 1..n2 {
        f.left[i] =
            ((r.left[i - 1] as u32 + 2 * r.left[i] as u32 + r.left[i + 1] as u32 + 2) >> 2) as u8;
        f.top[i] =
            ((r.top[i - 1] as u32 + 2 * r.top[i] as u32 + r.top[i + 1] as u32 + 2) >> 2) as u8;
    }
    f
}

/// The three most probable modes (8.4.2) from the left (A) and above (B) candidates.
pub fn mpm(a: u32, b: u32) -> [u32; 3] {
    if a == b {
        if a < 2 {
            [PLANAR, DC, 26]
        } else {
            [a, 2 + ((a + 29) % 32), 2 + ((a - 2 + 1) % 32)]
        }
    } else {
        let c = if a != PLANAR && b != PLANAR {
            PLANAR
        } else if a != DC && b != DC {
            DC
        } else {
            26
        };
        [a, b, c]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(top: impl Fn(usize) -> u8, left: impl Fn(usize) -> u8, corner: u8) -> Refs {
        let mut r = Refs {
            top: [0; 129],
            left: [0; 129],
        };
        r.top[0] = corner;
        r.left[0] = corner;
        for i in 0..128 {
            r.top[1 + i] = top(i);
            r.left[1 + i] = left(i);
        }
        r
    }

    #[test]
    fn dc_and_vertical_with_edge_filters() {
        let r = refs(|_| 100, |_| 100, 100);
        let mut d = [0u8; 64];
        predict(&r, 8, DC, true, &mut d, 8);
        assert!(d.iter().all(|&v| v == 100));
        let r = refs(|i| 50 + i as u8, |_| 80, 60);
        predict(&r, 4, 26, true, &mut d, 4);
        assert_eq!(&d[1..4], &[51, 52, 53]);
        // Left column: top[0] + ((left[y] - corner) >> 1) = 50 + 10 = 60
        assert_eq!((d[0], d[4], d[8], d[12]), (60, 60, 60, 60));
        // Chroma: no edge filter.
        predict(&r, 4, 26, false, &mut d, 4);
        assert_eq!(d[4], 50);
    }

    #[test]
    fn planar_ramp_and_diagonals() {
        let r = refs(|_| 100, |_| 100, 100);
        let mut d = [0u8; 16];
        predict(&r, 4, PLANAR, true, &mut d, 4);
        assert!(d.iter().all(|&v| v == 100));
        // Mode 34 (angle 32): pred[x][y] = top[x + y + 2]
        let r = refs(|i| i as u8 * 3, |_| 0, 0);
        predict(&r, 4, 34, true, &mut d, 4);
        for y in 0..4 {
            for x in 0..4 {
                assert_eq!(d[y * 4 + x], ((x + y + 1) * 3) as u8);
            }
        }
        // Mode 2 (angle 32 horizontal): pred[x][y] = left[x + y + 2]
        let r = refs(|_| 0, |i| i as u8 * 5, 0);
        predict(&r, 4, 2, true, &mut d, 4);
        for y in 0..4 {
            for x in 0..4 {
                assert_eq!(d[y * 4 + x], ((x + y + 1) * 5) as u8);
            }
        }
    }

    #[test]
    fn substitution() {
        let plane = vec![7u8; 64 * 64];
        let none = build_refs(&plane, 64, 8, 8, 8, &|_, _| false);
        assert!(none.top.iter().chain(none.left.iter()).all(|&v| v == 128));
        // Only the top row is available: everything copies from the first available in scan order.
        let mut p = vec![0u8; 64 * 64];
        for x in 0..64 {
            p[7 * 64 + x] = x as u8;
        }
        let r = build_refs(&p, 64, 8, 8, 8, &|x, y| y == 7 && (8..24).contains(&x));
        assert_eq!(r.top[1], 8);
        assert_eq!(r.left[5], 8); // substituted from p[0][-1]
        assert_eq!(r.top[0], 8);
        assert_eq!(r.top[16], 23);
    }

    #[test]
    fn filter_decisions() {
        let r = refs(|i| (i * 7 % 50) as u8, |i| (i * 3 % 40) as u8, 20);
        // 8x8: mode 26 (dist 0 <= 7): unfiltered; mode 2 (dist 8 > 7): filtered
        assert_eq!(filter_refs(&r, 8, 26, true).top, r.top);
        assert_ne!(filter_refs(&r, 8, 2, true).top, r.top);
        // 16x16: mode 11 (dist 1 <= 1): unfiltered; mode 12: filtered
        assert_eq!(filter_refs(&r, 16, 11, true).left, r.left);
        assert_ne!(filter_refs(&r, 16, 12, true).left, r.left);
        // 32x32 flat linear borders: bilinear strong smoothing
        let r = refs(|i| 100 + (i / 16) as u8, |i| 100 + (i / 16) as u8, 100);
        let f = filter_refs(&r, 32, 0, true);
        // pF[x][-1] = ((63 - x) * p[-1][-1] + (x + 1) * p[63][-1] + 32) >> 6, p[63][-1] = 103
        assert_eq!(f.top[1], ((63 * 100 + 103 + 32) >> 6) as u8);
        assert_eq!(f.top[32], ((32 * 100 + 32 * 103 + 32) >> 6) as u8);
        assert_eq!(f.top[64], r.top[64], "the last sample is kept");
        assert_eq!(mpm(1, 1), [0, 1, 26]);
        assert_eq!(mpm(10, 10), [10, 9, 11]);
        assert_eq!(mpm(2, 2), [2, 33, 3]);
        assert_eq!(mpm(0, 26), [0, 26, 1]);
    }
}
