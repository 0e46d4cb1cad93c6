//! Portable transforms, written as row-times-matrix loops over contiguous memory so the
//! compiler vectorises them.

use super::Matrices;

/// Inverse transform (see `kernels::hevc_dct::inverse`); rows of zero coefficients (most of
/// them after quantisation) are skipped.
#[inline(always)]
pub(super) fn inverse(mx: &Matrices, coef: &[i32], res: &mut [i32], log2: u32, dst: bool) {
    // Scratch sized to the block on the stack (no allocation, no 4 KiB clear for a 4x4).
    match log2 {
        2 => inverse_n::<16>(mx, coef, res, log2, dst),
        3 => inverse_n::<64>(mx, coef, res, log2, dst),
        4 => inverse_n::<256>(mx, coef, res, log2, dst),
        _ => inverse_n::<1024>(mx, coef, res, log2, dst),
    }
}

#[inline(always)]
fn inverse_n<const NN: usize>(mx: &Matrices, coef: &[i32], res: &mut [i32], log2: u32, dst: bool) {
    let n = 1usize << log2;
    let m = mx.get(log2, dst);
    // Vertical: tmp[y][x] = sum_k m[k][y] * coef[k][x]; accumulate row k of coef into every
    // output row y with weight m[k][y]. Sums fit i32: |coef| <= 2^15, |m| <= 90, n <= 32.
    let mut acc = [0i32; NN];
    let mut last_row = 0;
    for k in 0..n {
        let row = &coef[k * n..(k + 1) * n];
        if row.iter().all(|&c| c == 0) {
            continue;
        }
        last_row = k + 1;
        for y in 0..n {
            let w = m[k * n + y];
            let out = &mut acc[y * n..(y + 1) * n];
            for (o, &c) in out.iter_mut().zip(row) {
                *o += w * c;
            }
        }
    }
    if last_row == 0 {
        res[..n * n].fill(0);
        return;
    }
    let mut tmp = acc;
    for t in tmp.iter_mut() {
        let a = *t;
        *t = ((a + 64) >> 7).clamp(-32768, 32767);
    }
    // Horizontal: res[y][x] = sum_k tmp[y][k] * m[k][x]. |tmp| <= 2^15: the sum can exceed
    // i32 only in theory (2^15 * 90 * 32 < 2^27), so i32 is exact.
    for y in 0..n {
        let mut out = [0i32; 32];
        let out = &mut out[..n];
        for k in 0..n {
            let t = tmp[y * n + k];
            if t == 0 {
                continue;
            }
            for (o, &w) in out.iter_mut().zip(&m[k * n..(k + 1) * n]) {
                *o += t * w;
            }
        }
        for (r, &o) in res[y * n..(y + 1) * n].iter_mut().zip(out.iter()) {
            *r = (o + 2048) >> 12;
        }
    }
}

/// Forward transform (see `kernels::hevc_dct::forward`).
#[inline(always)]
pub(super) fn forward(mx: &Matrices, res: &[i32], coef: &mut [i32], log2: u32, dst: bool) {
    if dst {
        return forward_plain(mx, res, coef, log2, true);
    }
    // Scratch sized to the block on the stack (NN = n*n, NH = n*n/2).
    match log2 {
        2 => forward_n::<16, 8>(mx, res, coef, log2),
        3 => forward_n::<64, 32>(mx, res, coef, log2),
        4 => forward_n::<256, 128>(mx, res, coef, log2),
        _ => forward_n::<1024, 512>(mx, res, coef, log2),
    }
}

#[inline(always)]
fn forward_n<const NN: usize, const NH: usize>(
    mx: &Matrices,
    res: &[i32],
    coef: &mut [i32],
    log2: u32,
) {
    let n = 1usize << log2;
    let s1 = log2 - 1;
    let s2 = log2 + 6;
    // Even-odd decomposition (DCT rows are symmetric for even k, antisymmetric for odd k):
    // out[2k] = sum_j m[2k][j] (x[j] + x[n-1-j]), out[2k+1] = sum_j m[2k+1][j] (x[j] - x[n-1-j])
    // over j < n/2: half the multiplies, and every inner loop stays contiguous.
    let h = n / 2;
    let (me, mo) = (&mx.even_t[log2 as usize - 2], &mx.odd_t[log2 as usize - 2]);
    let mut tmp = [0i32; NN];
    let mut ev = [0i32; 16];
    let mut od = [0i32; 16];
    let add1 = 1 << (s1 - 1);
    for y in 0..n {
        let x = &res[y * n..(y + 1) * n];
        ev[..h].fill(0);
        od[..h].fill(0);
        for j in 0..h {
            let (e, o) = (x[j] + x[n - 1 - j], x[j] - x[n - 1 - j]);
            for (a, &m) in ev[..h].iter_mut().zip(&me[j * h..(j + 1) * h]) {
                *a += e * m;
            }
            for (a, &m) in od[..h].iter_mut().zip(&mo[j * h..(j + 1) * h]) {
                *a += o * m;
            }
        }
        let out = &mut tmp[y * n..(y + 1) * n];
        for k in 0..h {
            out[2 * k] = (ev[k] + add1) >> s1;
            out[2 * k + 1] = (od[k] + add1) >> s1;
        }
    }
    // Columns, the same decomposition along y: coef[k][x] = sum_y m[k][y] tmp[y][x].
    let m = mx.get(log2, false);
    let mut e = [0i32; NH];
    let mut o = [0i32; NH];
    for j in 0..h {
        let (a, b) = (&tmp[j * n..(j + 1) * n], &tmp[(n - 1 - j) * n..(n - j) * n]);
        for x in 0..n {
            e[j * n + x] = a[x] + b[x];
            o[j * n + x] = a[x] - b[x];
        }
    }
    let add2 = 1 << (s2 - 1);
    for k in 0..n {
        let src = if k % 2 == 0 { &e } else { &o };
        let out = &mut coef[k * n..(k + 1) * n];
        out.fill(0);
        for j in 0..h {
            let w = m[k * n + j];
            for (c, &v) in out.iter_mut().zip(&src[j * n..(j + 1) * n]) {
                *c += w * v;
            }
        }
        for c in out.iter_mut() {
            *c = (*c + add2) >> s2;
        }
    }
}

/// The forward transform as plain matrix products (the DST, and the reference for tests).
pub(super) fn forward_plain(mx: &Matrices, res: &[i32], coef: &mut [i32], log2: u32, dst: bool) {
    let n = 1usize << log2;
    let m = mx.get(log2, dst);
    let s1 = log2 - 1;
    let s2 = log2 + 6;
    let mut tmp = vec![0i32; n * n];
    for y in 0..n {
        for k in 0..n {
            let s: i32 = (0..n).map(|x| m[k * n + x] * res[y * n + x]).sum();
            tmp[y * n + k] = (s + (1 << (s1 - 1))) >> s1;
        }
    }
    for x in 0..n {
        for k in 0..n {
            let s: i32 = (0..n).map(|y| m[k * n + y] * tmp[y * n + x]).sum();
            coef[k * n + x] = (s + (1 << (s2 - 1))) >> s2;
        }
    }
}
