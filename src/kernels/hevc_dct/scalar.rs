//! Portable transforms, written as loops over contiguous memory so the compiler vectorises
//! them; both use the DCT's even/odd symmetry.

use super::Matrices;

/// Inverse transform (see `kernels::hevc_dct::inverse`). Only the top-left `rows` x `cols`
/// region holding the nonzero coefficients is transformed: rows beyond `rows` add nothing in
/// the first pass, columns beyond `cols` stay zero through it, so the second pass sums over
/// k < `cols` only.
#[inline(always)]
pub(super) fn inverse(mx: &Matrices, coef: &[i32], res: &mut [i32], log2: u32, dst: bool) {
    let m = mx.get(log2, dst);
    match log2 {
        _ if dst => inverse_dst(m, coef, res),
        2 => inverse_dct::<4, 16>(m, coef, res),
        3 => inverse_dct::<8, 64>(m, coef, res),
        4 => inverse_dct::<16, 256>(m, coef, res),
        _ => inverse_dct::<32, 1024>(m, coef, res),
    }
}

/// The number of leading rows and of leading columns of the n x n block `coef` that hold all
/// its nonzero values: (last nonzero row + 1, last nonzero column + 1), (0, 0) if all zero.
#[inline(always)]
pub(super) fn extent(coef: &[i32], n: usize) -> (usize, usize) {
    let (mut rows, mut cols) = (0, 0);
    for (k, row) in coef[..n * n].chunks_exact(n).enumerate() {
        if let Some(x) = row.iter().rposition(|&c| c != 0) {
            rows = k + 1;
            cols = cols.max(x + 1);
        }
    }
    (rows, cols)
}

/// The N x N DCT (NN = N * N), with the rows' symmetry: m[k][N-1-i] = (-1)^k m[k][i], so for
/// i < N/2 a 1-D transform out[i] = sum_k m[k][i] in[k] is E[i] + O[i] and out[N-1-i] is
/// E[i] - O[i], where E sums the even k and O the odd k: half the multiplies. Sums fit i32:
/// |coef| <= 2^15 (the dequantiser's clip), |m| <= 90, N <= 32 give at most 2^15 * 90 * 32.
#[inline(always)]
fn inverse_dct<const N: usize, const NN: usize>(m: &[i32], coef: &[i32], res: &mut [i32]) {
    let h = N / 2;
    let (rows, cols) = extent(coef, N);
    let res = &mut res[..NN];
    if rows == 0 {
        res.fill(0);
        return;
    }
    // First pass (columns, vectorised along the rows): acc[i] = E[i], acc[h + i] = O[i], then
    // g[y] = clip16((E +- O + 64) >> 7) into `res`, which holds g until the second pass.
    let mut acc = [0i32; NN];
    for (k, row) in coef[..rows * N].chunks_exact(N).enumerate() {
        if row.iter().all(|&c| c == 0) {
            continue;
        }
        for i in 0..h {
            let w = m[k * N + i];
            let a = &mut acc[(i + h * (k % 2)) * N..][..N];
            for (a, &c) in a.iter_mut().zip(row) {
                *a += w * c;
            }
        }
    }
    let g1 = |v: i32| ((v + 64) >> 7).clamp(-32768, 32767);
    for i in 0..h {
        let (e, o) = (&acc[i * N..][..N], &acc[(h + i) * N..][..N]);
        for x in 0..N {
            res[i * N + x] = g1(e[x] + o[x]);
            res[(N - 1 - i) * N + x] = g1(e[x] - o[x]);
        }
    }
    // Second pass (rows): res[y][x] = (sum_{k < cols} g[y][k] m[k][x] + 2048) >> 12.
    for out in res.chunks_exact_mut(N) {
        let mut g = [0i32; 32];
        g[..cols].copy_from_slice(&out[..cols]);
        let mut eo = [[0i32; 16]; 2];
        for (k, &t) in g[..cols].iter().enumerate() {
            if t == 0 {
                continue;
            }
            for (a, &w) in eo[k % 2][..h].iter_mut().zip(&m[k * N..][..h]) {
                *a += t * w;
            }
        }
        let [e, o] = &eo;
        for i in 0..h {
            out[i] = (e[i] + o[i] + 2048) >> 12;
            out[N - 1 - i] = (e[i] - o[i] + 2048) >> 12;
        }
    }
}

/// The 4x4 DST (no symmetry to use): the two plain matrix products.
fn inverse_dst(m: &[i32], coef: &[i32], res: &mut [i32]) {
    let mut g = [0i32; 16];
    for x in 0..4 {
        for y in 0..4 {
            let e: i32 = (0..4).map(|k| m[k * 4 + y] * coef[k * 4 + x]).sum();
            g[y * 4 + x] = ((e + 64) >> 7).clamp(-32768, 32767);
        }
    }
    for y in 0..4 {
        for x in 0..4 {
            let r: i32 = (0..4).map(|k| g[y * 4 + k] * m[k * 4 + x]).sum();
            res[y * 4 + x] = (r + 2048) >> 12;
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
