//! Inter prediction for P pictures with one reference: motion compensation with reference
//! padding around the interpolation kernel (8.5.3.3.3, `kernels::hevc_mc`), the merge candidate
//! list (8.5.3.2.2–8.5.3.2.5) and the AMVP predictor list (8.5.3.2.6–8.5.3.2.7), and the
//! motion search's cost helpers.

use super::picture::Planes;
use crate::kernels::hevc_mc::interpolate;
use crate::kernels::sad::sad;

/// A motion vector in quarter luma samples.
pub type Mv = [i32; 2];

/// Motion-compensated prediction of a w x h block of component `c` at (x, y) (component
/// coordinates) displaced by `mv` (luma quarter samples; for 4:2:0 chroma that is eighth
/// samples), uni-directional, default weighting. Reference samples outside the picture are the
/// nearest edge sample.
#[allow(clippy::too_many_arguments)]
pub fn mc(refp: &Planes, c: usize, x: usize, y: usize, w: usize, h: usize, mv: Mv, dst: &mut [u8]) {
    let (plane, stride) = (refp.plane(c), refp.stride(c));
    let (pw, ph) = if c == 0 {
        (refp.w as i32, refp.h as i32)
    } else {
        (refp.w as i32 / 2, refp.h as i32 / 2)
    };
    let (shift, taps_n, frac_mask) = if c == 0 {
        (2, 8usize, 3)
    } else {
        (3, 4usize, 7)
    };
    let (fx, fy) = ((mv[0] & frac_mask) as usize, (mv[1] & frac_mask) as usize);
    let half = taps_n / 2 - 1; // taps start at -3 (luma) or -1 (chroma)
                               // Top-left of the filter footprint and its size.
    let sx = x as i32 + (mv[0] >> shift) - half as i32;
    let sy = y as i32 + (mv[1] >> shift) - half as i32;
    let (fw, fh) = (w + taps_n - 1, h + taps_n - 1);
    if sx >= 0 && sy >= 0 && sx + fw as i32 <= pw && sy + fh as i32 <= ph {
        interpolate(
            plane,
            stride,
            sx as usize,
            sy as usize,
            w,
            h,
            half,
            fx,
            fy,
            c == 0,
            dst,
        );
        return;
    }
    // Partly outside: copy the footprint with the coordinates clamped to the picture (the
    // spec's reference sample padding), then filter that copy.
    let mut pad = vec![0u8; fw * fh];
    for r in 0..fh {
        let yy = (sy + r as i32).clamp(0, ph - 1) as usize;
        let row = &plane[yy * stride..yy * stride + pw as usize];
        for (k, p) in pad[r * fw..(r + 1) * fw].iter_mut().enumerate() {
            *p = row[(sx + k as i32).clamp(0, pw - 1) as usize];
        }
    }
    interpolate(&pad, fw, 0, 0, w, h, half, fx, fy, c == 0, dst);
}

/// What prediction needs to know about a neighbouring 4x4 block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Motion {
    /// Coded in inter mode (skip or not) and already decoded.
    pub inter: bool,
    pub mv: Mv,
}

/// The merge candidate list (5 entries) of a w x h prediction block at (x, y); `nb(x, y)`
/// gives the motion at a luma position (None when unavailable: outside the picture, not yet
/// decoded, or intra).
pub fn merge_candidates(
    x: i32,
    y: i32,
    w: i32,
    h: i32,
    nb: &dyn Fn(i32, i32) -> Option<Mv>,
    col: Option<Mv>,
) -> [Mv; 5] {
    let a1 = nb(x - 1, y + h - 1);
    let b1 = nb(x + w - 1, y - 1);
    let b0 = nb(x + w, y - 1);
    let a0 = nb(x - 1, y + h);
    let b2 = nb(x - 1, y - 1);
    let same = |p: Option<Mv>, q: Option<Mv>| matches!((p, q), (Some(p), Some(q)) if p == q);
    let f_a1 = a1.is_some();
    let f_b1 = b1.is_some() && !same(a1, b1);
    let f_b0 = b0.is_some() && !same(b1, b0);
    let f_a0 = a0.is_some() && !same(a1, a0);
    // The spec's availability conditions term by term.
    #[allow(clippy::nonminimal_bool)]
    let f_b2 = b2.is_some() && !same(a1, b2) && !same(b1, b2) && !(f_a0 && f_a1 && f_b0 && f_b1);
    let mut list = [[0, 0]; 5];
    let mut n = 0;
    for (f, m) in [(f_a1, a1), (f_b1, b1), (f_b0, b0), (f_a0, a0), (f_b2, b2)] {
        if f {
            list[n] = m.expect("flagged candidates exist");
            n += 1;
        }
    }
    // The temporal candidate (`col`, already derived by the caller) after at most four spatial
    // ones; P slices then fill with zero vectors, reference index 0.
    if let Some(c) = col {
        list[n] = c;
    }
    list
}

/// The two AMVP predictors of a w x h prediction block at (x, y) (single reference picture:
/// no scaling ever applies).
pub fn amvp_candidates(
    x: i32,
    y: i32,
    w: i32,
    h: i32,
    nb: &dyn Fn(i32, i32) -> Option<Mv>,
    col: Option<Mv>,
) -> [Mv; 2] {
    let a0 = nb(x - 1, y + h);
    let a1 = nb(x - 1, y + h - 1);
    let is_scaled = a0.is_some() || a1.is_some();
    let mut a = a0.or(a1);
    let b = nb(x + w, y - 1)
        .or_else(|| nb(x + w - 1, y - 1))
        .or_else(|| nb(x - 1, y - 1));
    if !is_scaled && b.is_some() {
        a = b;
    }
    // When A is absent, B is derived again allowing scaling: with one reference picture that
    // gives the same vector, so B stays.
    let mut list: Vec<Mv> = Vec::with_capacity(3);
    if let Some(a) = a {
        list.push(a);
    }
    if let Some(b) = b {
        if a != Some(b) {
            list.push(b);
        }
    }
    // The temporal candidate only when A and B did not give two different vectors (8.5.3.2.6).
    if list.len() < 2 {
        if let Some(c) = col {
            list.push(c);
        }
    }
    while list.len() < 2 {
        list.push([0, 0]);
    }
    [list[0], list[1]]
}

/// Sum of absolute differences of a w x h block of `src` (stride ss) at (x, y) against the
/// reference at integer displacement (dx, dy), clamped at the picture edges.
#[allow(clippy::too_many_arguments)]
pub fn sad_int(
    src: &[u8],
    refp: &[u8],
    stride: usize,
    pw: i32,
    ph: i32,
    x: usize,
    y: usize,
    w: usize,
    h: usize,
    dx: i32,
    dy: i32,
) -> u32 {
    let (rx, ry) = (x as i32 + dx, y as i32 + dy);
    let inside = rx >= 0 && ry >= 0 && rx + w as i32 <= pw && ry + h as i32 <= ph;
    if inside {
        let o = ry as usize * stride + rx as usize;
        return sad(&src[y * stride + x..], stride, &refp[o..], stride, w, h);
    }
    let mut s = 0u32;
    for r in 0..h {
        let yy = (ry + r as i32).clamp(0, ph - 1) as usize;
        for k in 0..w {
            let xx = (rx + k as i32).clamp(0, pw - 1) as usize;
            s += (src[(y + r) * stride + x + k] as i32 - refp[yy * stride + xx] as i32)
                .unsigned_abs();
        }
    }
    s
}

/// Bits of one motion vector difference component (abs_mvd_greater0/1, EG1 remainder, sign),
/// approximately, for motion search costs.
pub fn mvd_bits(d: i32) -> u32 {
    let a = d.unsigned_abs();
    match a {
        0 => 1,
        1 => 3,
        _ => {
            // EG1 of a - 2 plus greater0, greater1 and sign.
            let v = a - 2 + 2;
            3 + 2 * (32 - v.leading_zeros()) - 1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_and_half_sample_interpolation() {
        let mut p = Planes::try_new(16, 16, "test").unwrap();
        for (i, v) in p.y.iter_mut().enumerate() {
            *v = (i % 16 * 10) as u8;
        }
        let mut d = [0u8; 16];
        mc(&p, 0, 4, 4, 4, 4, [4, 0], &mut d); // one full sample right
        assert_eq!(&d[..4], &[50, 60, 70, 80]);
        // Half sample on a linear ramp: the midpoint.
        mc(&p, 0, 4, 4, 4, 4, [2, 0], &mut d);
        assert_eq!(&d[..4], &[45, 55, 65, 75]);
        // Far outside: edge samples.
        mc(&p, 0, 0, 0, 4, 4, [-400, -400], &mut d);
        assert!(d.iter().all(|&v| v == 0));
    }

    #[test]
    fn candidate_lists() {
        // All neighbours carry the same vector: merge keeps one, then zeros.
        let nb = |_x: i32, _y: i32| Some([4, -8]);
        assert_eq!(
            merge_candidates(8, 8, 8, 8, &nb, None),
            [[4, -8], [0, 0], [0, 0], [0, 0], [0, 0]]
        );
        assert_eq!(amvp_candidates(8, 8, 8, 8, &nb, None), [[4, -8], [0, 0]]);
        // With a temporal candidate: after the spatial ones, unpruned; in AMVP only while
        // fewer than two spatial vectors.
        assert_eq!(
            merge_candidates(8, 8, 8, 8, &nb, Some([4, -8])),
            [[4, -8], [4, -8], [0, 0], [0, 0], [0, 0]]
        );
        assert_eq!(
            amvp_candidates(8, 8, 8, 8, &nb, Some([7, 7])),
            [[4, -8], [7, 7]]
        );
        let none = |_x: i32, _y: i32| None;
        assert_eq!(
            amvp_candidates(0, 0, 8, 8, &none, Some([7, 7])),
            [[7, 7], [0, 0]]
        );
        // Nothing available: zeros.
        assert_eq!(amvp_candidates(0, 0, 8, 8, &none, None), [[0, 0], [0, 0]]);
        // Only above: B fills A, then the duplicate goes.
        let above = |_x: i32, y: i32| if y < 8 { Some([1, 2]) } else { None };
        assert_eq!(amvp_candidates(8, 8, 8, 8, &above, None), [[1, 2], [0, 0]]);
        // Left and above differ: both.
        let both = |x: i32, _y: i32| if x < 8 { Some([3, 3]) } else { Some([5, 5]) };
        assert_eq!(amvp_candidates(8, 8, 8, 8, &both, None), [[3, 3], [5, 5]]);
    }
}
