//! The even/odd forward DCT in 16-bit lanes with `pmaddwd` (16 multiply-adds per
//! instruction against 8 for 32-bit lanes). Rows: residuals packed to 16 bits, e/o halves
//! stored once, then each e/o pair is broadcast against the pair table (outputs in lanes).
//! Columns: e/o rows with 16-bit adds, interleaved in pairs of rows, times the broadcast
//! pair (rows' x positions in lanes). First-pass outputs are within ±32640; the column e/o
//! sums fit 16 bits when every first-pass output is below 2^14, which holds unless nearly
//! the whole block's residual is beyond ±128. Otherwise (checked) the block goes to the
//! scalar transform (compiled with AVX2), so the results always equal `scalar::forward`.
//! The forward 4x4 and 8x8 are the scalar source compiled with AVX2.
//!
//! The inverse of 8x8, 16x16 and 32x32 in 16-bit lanes with `pmaddwd`, exact: coefficients are
//! 16-bit, the first pass's outputs are clipped to 16 bits (the saturating pack is the spec's
//! clip), the matrix entries are within ±90, so every pair product sum and every total fits
//! i32 as in the scalar source. Only the rows and columns up to the last nonzero coefficient
//! are read (in groups of four; 16 columns in the first pass's groups). The 4x4 DCT and DST
//! inverse: the whole block in two registers, every coefficient.

use super::Matrices;
use std::arch::x86_64::*;

#[inline(always)]
unsafe fn bcast(t: &[i32], i: usize) -> __m256i {
    _mm256_set1_epi32(t[i])
}

/// Inverse transform: 16-bit `pmaddwd` kernels for every size and the DST. Coefficients must be 16-bit values (the
/// dequantiser's clip), as for `scalar::inverse`.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn inverse(mx: &Matrices, coef: &[i32], res: &mut [i32], log2: u32, dst: bool) {
    match log2 {
        2 => inverse4(&mx.inv4[dst as usize], coef, res),
        3 => inverse8(mx, coef, res),
        4 => inverse_big::<16, 256>(mx, coef, res),
        _ => inverse_big::<32, 1024>(mx, coef, res),
    }
}

/// (last nonzero row + 1, last nonzero column + 1) of the N x N block `coef` (N = 8, 16, 32),
/// (0, 0) if it is all zero: as `scalar::extent`.
#[target_feature(enable = "avx2")]
unsafe fn extent<const N: usize>(coef: &[i32]) -> (usize, usize) {
    let coef = &coef[..N * N];
    let mut cols_or = [_mm256_setzero_si256(); 4];
    let mut rows = 0;
    for (k, row) in coef.chunks_exact(N).enumerate() {
        let mut any = _mm256_setzero_si256();
        for (i, c) in cols_or[..N / 8].iter_mut().enumerate() {
            let v = _mm256_loadu_si256(row[8 * i..].as_ptr() as *const __m256i);
            *c = _mm256_or_si256(*c, v);
            any = _mm256_or_si256(any, v);
        }
        if _mm256_testz_si256(any, any) == 0 {
            rows = k + 1;
        }
    }
    let mut nonzero = 0u32;
    for (i, c) in cols_or[..N / 8].iter().enumerate() {
        let zero = _mm256_cmpeq_epi32(*c, _mm256_setzero_si256());
        let z = _mm256_movemask_ps(_mm256_castsi256_ps(zero)) as u32;
        nonzero |= (!z & 0xFF) << (8 * i);
    }
    (rows, (32 - nonzero.leading_zeros()) as usize)
}

/// Adds the rounding `r` and shifts right by S: (v + r) >> S per 32-bit lane.
#[inline(always)]
unsafe fn round<const S: i32>(v: __m256i, r: __m256i) -> __m256i {
    _mm256_srai_epi32::<S>(_mm256_add_epi32(v, r))
}

/// The 4x4 inverse (DCT or DST: `w` is its `Matrices::inv4` table), the whole block in two
/// registers. First pass: rows 0, 1 and rows 2, 3 interleaved as 16-bit pairs (x in lanes),
/// each broadcast to both halves, times the pairs of two outputs y per vector (one per half);
/// the saturating pack clips and leaves the rows as 32-bit pairs [y0 | y1, y2 | y3] that
/// `pshufd` broadcasts per half for the second pass, times the matrix pairs (x in lanes): the
/// result is rows 0 | 1 and 2 | 3 in order.
#[target_feature(enable = "avx2")]
unsafe fn inverse4(w: &[i32], coef: &[i32], res: &mut [i32]) {
    let (w, coef, res) = (&w[..48], &coef[..16], &mut res[..16]);
    let wt = |i: usize| _mm256_loadu_si256(w[8 * i..].as_ptr() as *const __m256i);
    let ld = |i: usize| _mm256_loadu_si256(coef[8 * i..].as_ptr() as *const __m256i);
    // packs gives rows [0, 2 | 1, 3]; the permute makes it [0, 1 | 2, 3], the shuffle pairs.
    let rows = _mm256_permute4x64_epi64::<0xD8>(_mm256_packs_epi32(ld(0), ld(1)));
    let d = _mm256_shuffle_epi8(rows, zip());
    let (d01, d23) = (
        _mm256_permute4x64_epi64::<0x44>(d),
        _mm256_permute4x64_epi64::<0xEE>(d),
    );
    let dot = |a: __m256i, wa: __m256i, b: __m256i, wb: __m256i| {
        _mm256_add_epi32(_mm256_madd_epi16(a, wa), _mm256_madd_epi16(b, wb))
    };
    let r1 = _mm256_set1_epi32(64);
    let g01 = round::<7>(dot(d01, wt(0), d23, wt(1)), r1);
    let g23 = round::<7>(dot(d01, wt(2), d23, wt(3)), r1);
    let g = _mm256_packs_epi32(g01, g23);
    let r2 = _mm256_set1_epi32(2048);
    let (w4, w5) = (wt(4), wt(5));
    let r01 = dot(
        _mm256_shuffle_epi32::<0x00>(g),
        w4,
        _mm256_shuffle_epi32::<0x55>(g),
        w5,
    );
    let r23 = dot(
        _mm256_shuffle_epi32::<0xAA>(g),
        w4,
        _mm256_shuffle_epi32::<0xFF>(g),
        w5,
    );
    _mm256_storeu_si256(res.as_mut_ptr() as *mut __m256i, round::<12>(r01, r2));
    _mm256_storeu_si256(res[8..].as_mut_ptr() as *mut __m256i, round::<12>(r23, r2));
}

/// `pshufb` control interleaving the 16-bit values of the two 64-bit halves of each 128-bit
/// lane.
#[inline(always)]
unsafe fn zip() -> __m256i {
    _mm256_broadcastsi128_si256(_mm_setr_epi8(
        0, 1, 8, 9, 2, 3, 10, 11, 4, 5, 12, 13, 6, 7, 14, 15,
    ))
}

/// The 8x8 inverse. First pass along the columns: rows a, a + 2 of coefficients interleaved
/// as 16-bit pairs (x in lanes) times the broadcast pair of matrix entries, even and odd rows
/// summed apart (E, O) for outputs y < 4, rows y and 7 - y = E +- O, rounded and clipped to
/// 16 bits by the saturating pack. Second pass per row: adjacent first-pass outputs broadcast
/// as a pair times the pair rows of the matrix (x in lanes), k < cols only.
#[target_feature(enable = "avx2")]
unsafe fn inverse8(mx: &Matrices, coef: &[i32], res: &mut [i32]) {
    let (coef, res) = (&coef[..64], &mut res[..64]);
    let (rows, cols) = extent::<8>(coef);
    if rows == 0 {
        res.fill(0);
        return;
    }
    let (p, q) = (&mx.inv_pairs[0][..16], &mx.inv8_rows[..32]);
    let ld = |k: usize| _mm256_loadu_si256(coef[8 * k..].as_ptr() as *const __m256i);
    // packs gives [a x0-3, b x0-3 | a x4-7, b x4-7]; the shuffle interleaves a and b.
    let zip = zip();
    let jr = if rows > 4 { 4 } else { 2 };
    let mut d = [_mm256_setzero_si256(); 4];
    for (j, d) in d[..jr].iter_mut().enumerate() {
        let a = 4 * (j / 2) + j % 2;
        *d = _mm256_shuffle_epi8(_mm256_packs_epi32(ld(a), ld(a + 2)), zip);
    }
    let r1 = _mm256_set1_epi32(64);
    let mut g = [0i16; 64];
    for y in 0..4 {
        let (mut e, mut o) = (_mm256_setzero_si256(), _mm256_setzero_si256());
        for (d, p) in d[..jr].chunks_exact(2).zip(p.chunks_exact(8)) {
            e = _mm256_add_epi32(e, _mm256_madd_epi16(d[0], _mm256_set1_epi32(p[y])));
            o = _mm256_add_epi32(o, _mm256_madd_epi16(d[1], _mm256_set1_epi32(p[4 + y])));
        }
        let top = round::<7>(_mm256_add_epi32(e, o), r1);
        let bot = round::<7>(_mm256_sub_epi32(e, o), r1);
        let both = _mm256_permute4x64_epi64::<0xD8>(_mm256_packs_epi32(top, bot));
        _mm_storeu_si128(
            g[8 * y..].as_mut_ptr() as *mut __m128i,
            _mm256_castsi256_si128(both),
        );
        _mm_storeu_si128(
            g[8 * (7 - y)..].as_mut_ptr() as *mut __m128i,
            _mm256_extracti128_si256::<1>(both),
        );
    }
    let r2 = _mm256_set1_epi32(2048);
    let np = cols.div_ceil(2);
    for (grow, out) in g.chunks_exact(8).zip(res.chunks_exact_mut(8)) {
        let gp = grow.as_ptr() as *const i32;
        let mut acc = _mm256_setzero_si256();
        for (i, q) in q.chunks_exact(8).take(np).enumerate() {
            let t = _mm256_set1_epi32(gp.add(i).read_unaligned());
            let w = _mm256_loadu_si256(q.as_ptr() as *const __m256i);
            acc = _mm256_add_epi32(acc, _mm256_madd_epi16(t, w));
        }
        _mm256_storeu_si256(out.as_mut_ptr() as *mut __m256i, round::<12>(acc, r2));
    }
}

/// The 16x16 and 32x32 inverse (NN = N * N). First pass per group of 16 columns holding
/// nonzero coefficients: each coefficient row packed to 16 bits with its x positions in the
/// slot order 0, 2, 1, 3, 4, 6, 5, 7, ... (so adjacent 16-bit slots hold same-parity x), rows
/// a, a + 2 interleaved as pairs times the broadcast matrix pair; E and O (even and odd rows)
/// for y < N/2 give rows y and N-1-y, rounded, clipped by the saturating pack, kept in `g` in
/// the slot order. Second pass per row: each slot pair (k, k + 2) broadcast times the matrix
/// pair rows over x < N/2, even and odd k apart, out[x] = E + O and out[N-1-x] = E - O
/// (reversed into place), k < cols only.
#[target_feature(enable = "avx2")]
unsafe fn inverse_big<const N: usize, const NN: usize>(
    mx: &Matrices,
    coef: &[i32],
    res: &mut [i32],
) {
    let h = N / 2;
    let (coef, res) = (&coef[..NN], &mut res[..NN]);
    let (rows, cols) = extent::<N>(coef);
    if rows == 0 {
        res.fill(0);
        return;
    }
    let p = &mx.inv_pairs[N.trailing_zeros() as usize - 3][..h * h];
    // Pairs (a, a + 2) to sum: both parities of every group of four rows / columns in use.
    let (jr, jc) = (2 * rows.div_ceil(4), 2 * cols.div_ceil(4));
    // Swaps the middle two 16-bit values of each four: slot order 0, 2, 1, 3.
    let swap = _mm256_broadcastsi128_si256(_mm_setr_epi8(
        0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15,
    ));
    let r1 = _mm256_set1_epi32(64);
    let mut g = [0i16; NN];
    for grp in 0..cols.div_ceil(16) {
        let ld = |k: usize, i: usize| {
            _mm256_loadu_si256(coef[k * N + 16 * grp + 8 * i..].as_ptr() as *const __m256i)
        };
        let row16 = |k: usize| {
            let v = _mm256_permute4x64_epi64::<0xD8>(_mm256_packs_epi32(ld(k, 0), ld(k, 1)));
            _mm256_shuffle_epi8(v, swap)
        };
        // d[j]: rows a, a + 2 interleaved, slots 0-3 | 8-11 and 4-7 | 12-15.
        let mut d = [[_mm256_setzero_si256(); 2]; 16];
        for (j, d) in d[..jr].iter_mut().enumerate() {
            let a = 4 * (j / 2) + j % 2;
            let (u, v) = (row16(a), row16(a + 2));
            *d = [_mm256_unpacklo_epi16(u, v), _mm256_unpackhi_epi16(u, v)];
        }
        for y in 0..h {
            let (mut e, mut o) = ([_mm256_setzero_si256(); 2], [_mm256_setzero_si256(); 2]);
            // An even pair then an odd one (jr is even): the sums stay in registers.
            for (d, p) in d[..jr].chunks_exact(2).zip(p.chunks_exact(2 * h)) {
                let (we, wo) = (_mm256_set1_epi32(p[y]), _mm256_set1_epi32(p[h + y]));
                for i in 0..2 {
                    e[i] = _mm256_add_epi32(e[i], _mm256_madd_epi16(d[0][i], we));
                    o[i] = _mm256_add_epi32(o[i], _mm256_madd_epi16(d[1][i], wo));
                }
            }
            for (yy, f) in [(y, 1), (N - 1 - y, -1)] {
                let sum = |i: usize| {
                    let v = if f > 0 {
                        _mm256_add_epi32(e[i], o[i])
                    } else {
                        _mm256_sub_epi32(e[i], o[i])
                    };
                    round::<7>(v, r1)
                };
                // The pack puts slots 0-3, 4-7 | 8-11, 12-15 back in order.
                let v = _mm256_packs_epi32(sum(0), sum(1));
                _mm256_storeu_si256(g[yy * N + 16 * grp..].as_mut_ptr() as *mut __m256i, v);
            }
        }
    }
    let r2 = _mm256_set1_epi32(2048);
    let rev = _mm256_setr_epi32(7, 6, 5, 4, 3, 2, 1, 0);
    for (grow, out) in g.chunks_exact(N).zip(res.chunks_exact_mut(N)) {
        let gp = grow.as_ptr() as *const i32;
        let (mut e, mut o) = ([_mm256_setzero_si256(); 2], [_mm256_setzero_si256(); 2]);
        for (j, p) in p.chunks_exact(2 * h).take(jc / 2).enumerate() {
            // Slot pairs 2j (even k) and 2j + 1 (odd k) of the row (jc <= h pairs in NN slots).
            let te = _mm256_set1_epi32(gp.add(2 * j).read_unaligned());
            let to = _mm256_set1_epi32(gp.add(2 * j + 1).read_unaligned());
            for v in 0..h / 8 {
                let we = _mm256_loadu_si256(p[8 * v..].as_ptr() as *const __m256i);
                let wo = _mm256_loadu_si256(p[h + 8 * v..].as_ptr() as *const __m256i);
                e[v] = _mm256_add_epi32(e[v], _mm256_madd_epi16(te, we));
                o[v] = _mm256_add_epi32(o[v], _mm256_madd_epi16(to, wo));
            }
        }
        for v in 0..h / 8 {
            let lo = round::<12>(_mm256_add_epi32(e[v], o[v]), r2);
            let hi = round::<12>(_mm256_sub_epi32(e[v], o[v]), r2);
            let hi = _mm256_permutevar8x32_epi32(hi, rev);
            _mm256_storeu_si256(out[8 * v..].as_mut_ptr() as *mut __m256i, lo);
            _mm256_storeu_si256(out[N - 8 - 8 * v..].as_mut_ptr() as *mut __m256i, hi);
        }
    }
}

/// Forward transform: the 16-bit kernel for 16x16 and 32x32 (most of the encoder's transform
/// time) when its range check passes, else the scalar source.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn forward(mx: &Matrices, res: &[i32], coef: &mut [i32], log2: u32, dst: bool) {
    if log2 >= 4 {
        let done = if log2 == 5 {
            forward_16bit::<32>(mx, res, coef)
        } else {
            forward_16bit::<16>(mx, res, coef)
        };
        if done {
            return;
        }
    }
    super::scalar::forward(mx, res, coef, log2, dst)
}

/// N = 16 or 32; `res` and `coef` hold N*N values, row-major. Returns false (and leaves
/// `coef` alone) when a first-pass output reaches 2^14.
#[target_feature(enable = "avx2")]
unsafe fn forward_16bit<const N: usize>(mx: &Matrices, res: &[i32], coef: &mut [i32]) -> bool {
    let h = N / 2;
    let g_n = N / 16; // 16-lane groups per row
    let log2 = N.trailing_zeros();
    let [pe, po] = &mx.pairs[log2 as usize - 4];
    let (pe, po) = (&pe[..], &po[..]);
    let s1 = _mm_cvtsi32_si128(log2 as i32 - 1);
    let r1 = _mm256_set1_epi32(1 << (log2 - 2));
    let s2 = _mm_cvtsi32_si128(log2 as i32 + 6);
    let r2 = _mm256_set1_epi32(1 << (log2 + 5));
    let rev8 = _mm_setr_epi8(14, 15, 12, 13, 10, 11, 8, 9, 6, 7, 4, 5, 2, 3, 0, 1);
    let res = &res[..N * N];
    let coef = &mut coef[..N * N];

    // Pass 1, rows: tmp[y * g_n + g] = 16 outputs of row y (natural order), 16 bits.
    let mut tmp = [_mm256_setzero_si256(); 64];
    let mut big = _mm256_setzero_si256();
    let mut e = [0i16; 16];
    let mut o = [0i16; 16];
    for y in 0..N {
        let row = &res[y * N..(y + 1) * N];
        let ld = |i: usize| _mm256_loadu_si256(row[8 * i..].as_ptr() as *const __m256i);
        // packs interleaves 128-bit halves; permute 0xD8 restores x order.
        let x0 = _mm256_permute4x64_epi64::<0xD8>(_mm256_packs_epi32(ld(0), ld(1)));
        if N == 32 {
            let x1 = _mm256_permute4x64_epi64::<0xD8>(_mm256_packs_epi32(ld(2), ld(3)));
            let rv = _mm256_permute4x64_epi64::<0x4E>(_mm256_shuffle_epi8(
                x1,
                _mm256_broadcastsi128_si256(rev8),
            ));
            _mm256_storeu_si256(e.as_mut_ptr() as *mut __m256i, _mm256_add_epi16(x0, rv));
            _mm256_storeu_si256(o.as_mut_ptr() as *mut __m256i, _mm256_sub_epi16(x0, rv));
        } else {
            let lo = _mm256_castsi256_si128(x0);
            let rv = _mm_shuffle_epi8(_mm256_extracti128_si256::<1>(x0), rev8);
            _mm_storeu_si128(e.as_mut_ptr() as *mut __m128i, _mm_add_epi16(lo, rv));
            _mm_storeu_si128(o.as_mut_ptr() as *mut __m128i, _mm_sub_epi16(lo, rv));
        }
        let (ep, op) = (e.as_ptr() as *const i32, o.as_ptr() as *const i32);
        let mut ea = [_mm256_setzero_si256(); 2];
        let mut oa = [_mm256_setzero_si256(); 2];
        for p in 0..h / 2 {
            let be = _mm256_set1_epi32(ep.add(p).read_unaligned());
            let bo = _mm256_set1_epi32(op.add(p).read_unaligned());
            for g in 0..g_n {
                let te = _mm256_loadu_si256(pe[p * h + 8 * g..].as_ptr() as *const __m256i);
                let to = _mm256_loadu_si256(po[p * h + 8 * g..].as_ptr() as *const __m256i);
                ea[g] = _mm256_add_epi32(ea[g], _mm256_madd_epi16(be, te));
                oa[g] = _mm256_add_epi32(oa[g], _mm256_madd_epi16(bo, to));
            }
        }
        for g in 0..g_n {
            let ev = _mm256_sra_epi32(_mm256_add_epi32(ea[g], r1), s1);
            let ov = _mm256_sra_epi32(_mm256_add_epi32(oa[g], r1), s1);
            // (e_i, o_i) interleaved is k = 2i, 2i+1: natural order after the pack.
            let t =
                _mm256_packs_epi32(_mm256_unpacklo_epi32(ev, ov), _mm256_unpackhi_epi32(ev, ov));
            big = _mm256_or_si256(big, _mm256_abs_epi16(t));
            tmp[y * g_n + g] = t;
        }
    }
    // Any |value| >= 2^14 sets bit 14 or 15 of the OR of magnitudes.
    let over = _mm256_and_si256(big, _mm256_set1_epi16(0xC000u16 as i16));
    if _mm256_testz_si256(over, over) == 0 {
        return false;
    }

    // Pass 2, columns, per group of 16 x positions.
    for g in 0..g_n {
        let mut el = [_mm256_setzero_si256(); 8];
        let mut eh = [_mm256_setzero_si256(); 8];
        let mut ol = [_mm256_setzero_si256(); 8];
        let mut oh = [_mm256_setzero_si256(); 8];
        for p in 0..h / 2 {
            let (j0, j1) = (2 * p, 2 * p + 1);
            let a0 = tmp[j0 * g_n + g];
            let b0 = tmp[(N - 1 - j0) * g_n + g];
            let a1 = tmp[j1 * g_n + g];
            let b1 = tmp[(N - 1 - j1) * g_n + g];
            let (e0, e1) = (_mm256_adds_epi16(a0, b0), _mm256_adds_epi16(a1, b1));
            let (o0, o1) = (_mm256_subs_epi16(a0, b0), _mm256_subs_epi16(a1, b1));
            el[p] = _mm256_unpacklo_epi16(e0, e1);
            eh[p] = _mm256_unpackhi_epi16(e0, e1);
            ol[p] = _mm256_unpacklo_epi16(o0, o1);
            oh[p] = _mm256_unpackhi_epi16(o0, o1);
        }
        for i in 0..h {
            for (odd, (lo, hi), t) in [(0, (&el, &eh), pe), (1, (&ol, &oh), po)] {
                let mut al = _mm256_setzero_si256();
                let mut ah = _mm256_setzero_si256();
                for p in 0..h / 2 {
                    let k = bcast(t, p * h + i);
                    al = _mm256_add_epi32(al, _mm256_madd_epi16(lo[p], k));
                    ah = _mm256_add_epi32(ah, _mm256_madd_epi16(hi[p], k));
                }
                // al holds x 0-3 | 8-11 of the group, ah 4-7 | 12-15.
                let al = _mm256_sra_epi32(_mm256_add_epi32(al, r2), s2);
                let ah = _mm256_sra_epi32(_mm256_add_epi32(ah, r2), s2);
                let out = &mut coef[(2 * i + odd) * N + 16 * g..][..16];
                _mm256_storeu_si256(
                    out.as_mut_ptr() as *mut __m256i,
                    _mm256_permute2x128_si256::<0x20>(al, ah),
                );
                _mm256_storeu_si256(
                    out[8..].as_mut_ptr() as *mut __m256i,
                    _mm256_permute2x128_si256::<0x31>(al, ah),
                );
            }
        }
    }
    true
}
