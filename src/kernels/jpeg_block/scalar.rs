//! Portable MJPEG block kernel: one block at a time in 32-bit lanes.

use super::{
    to_zigzag, Coefs, QuantRecip, BLOCKS_PER_MCU, CONST_BITS, F0_298, F0_390, F0_541, F0_765,
    F0_899, F1_175, F1_501, F1_847, F1_961, F2_053, F2_562, F3_072, PASS1_BITS,
};

type Block = [[i32; 8]; 8];

#[inline(always)]
fn descale(x: i32, n: i32) -> i32 {
    (x + (1 << (n - 1))) >> n
}

type V = [i32; 8];

#[inline(always)]
fn add(a: V, b: V) -> V {
    std::array::from_fn(|i| a[i] + b[i])
}
#[inline(always)]
fn sub(a: V, b: V) -> V {
    std::array::from_fn(|i| a[i] - b[i])
}
#[inline(always)]
fn mul(a: V, k: i32) -> V {
    std::array::from_fn(|i| a[i] * k)
}
#[inline(always)]
fn shl(a: V, n: i32) -> V {
    std::array::from_fn(|i| a[i] << n)
}
#[inline(always)]
fn desc(a: V, n: i32) -> V {
    std::array::from_fn(|i| descale(a[i], n))
}

/// One 1-D pass along the first index, lane-wise over the second (each row of `v` is a vector
/// of 8 lanes). `first` selects the scaling of pass 1 (keep PASS1_BITS of extra precision) or
/// pass 2 (remove it).
#[inline(always)]
fn pass(v: &mut Block, first: bool) {
    let odd_shift = if first {
        CONST_BITS - PASS1_BITS
    } else {
        CONST_BITS + PASS1_BITS
    };
    let t0 = add(v[0], v[7]);
    let t7 = sub(v[0], v[7]);
    let t1 = add(v[1], v[6]);
    let t6 = sub(v[1], v[6]);
    let t2 = add(v[2], v[5]);
    let t5 = sub(v[2], v[5]);
    let t3 = add(v[3], v[4]);
    let t4 = sub(v[3], v[4]);

    let t10 = add(t0, t3);
    let t13 = sub(t0, t3);
    let t11 = add(t1, t2);
    let t12 = sub(t1, t2);
    if first {
        v[0] = shl(add(t10, t11), PASS1_BITS);
        v[4] = shl(sub(t10, t11), PASS1_BITS);
    } else {
        v[0] = desc(add(t10, t11), PASS1_BITS);
        v[4] = desc(sub(t10, t11), PASS1_BITS);
    }
    let z1 = mul(add(t12, t13), F0_541);
    v[2] = desc(add(z1, mul(t13, F0_765)), odd_shift);
    v[6] = desc(sub(z1, mul(t12, F1_847)), odd_shift);

    let z1 = add(t4, t7);
    let z2 = add(t5, t6);
    let z3 = add(t4, t6);
    let z4 = add(t5, t7);
    let z5 = mul(add(z3, z4), F1_175);
    let t4 = mul(t4, F0_298);
    let t5 = mul(t5, F2_053);
    let t6 = mul(t6, F3_072);
    let t7 = mul(t7, F1_501);
    let z1 = mul(z1, -F0_899);
    let z2 = mul(z2, -F2_562);
    let z3 = add(mul(z3, -F1_961), z5);
    let z4 = add(mul(z4, -F0_390), z5);
    v[7] = desc(add(add(t4, z1), z3), odd_shift);
    v[5] = desc(add(add(t5, z2), z4), odd_shift);
    v[3] = desc(add(add(t6, z2), z3), odd_shift);
    v[1] = desc(add(add(t7, z1), z4), odd_shift);
}

#[inline(always)]
fn transpose(v: &Block) -> Block {
    let mut t = [[0i32; 8]; 8];
    for (i, row) in v.iter().enumerate() {
        for (j, &x) in row.iter().enumerate() {
            t[j][i] = x;
        }
    }
    t
}

/// Forward DCT of level-shifted samples (`s[y][x]` = sample - 128), transposed output
/// `c[u][v]`, scaled by 8.
#[inline(always)]
pub fn fdct(s: &Block) -> Block {
    let mut t = *s;
    pass(&mut t, true); // t[v][x]: columns first
    let mut r = transpose(&t); // r[x][v]
    pass(&mut r, false); // r[u][v]
    r
}

/// DCT, quantisation and zig-zag nonzero AC mask of one block of level-shifted
/// samples `s[y][x]`.
#[inline(always)]
pub(super) fn block(s: &[[i32; 8]; 8], q: &QuantRecip, out: &mut Coefs) -> u64 {
    let c = fdct(s);
    let mut m = 0u64;
    for (t, (&x, o)) in c.as_flattened().iter().zip(out.iter_mut()).enumerate() {
        *o = q.quantize(t, x);
        m |= ((*o != 0) as u64) << t;
    }
    to_zigzag(m & !1)
}

/// Transform of MCU rows (see `kernels::jpeg_block::transform_rows`), one block at a time.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(super) fn transform_rows(
    y: &[u8],
    uv: &[u8],
    w: usize,
    h: usize,
    qt: &[QuantRecip; 2],
    row0: usize,
    out: &mut [Coefs],
    masks: &mut [u64],
) {
    let (cw, ch) = (w / 2, h / 2);
    let mcu_cols = w.div_ceil(16);
    let mut blk = [[0i32; 8]; 8];
    let mcus = out
        .chunks_mut(BLOCKS_PER_MCU)
        .zip(masks.chunks_mut(BLOCKS_PER_MCU));
    for (i, (mcu, mm)) in mcus.enumerate() {
        let my = row0 + i / mcu_cols;
        let mx = i % mcu_cols;
        for (b, (dst, m)) in mcu.iter_mut().zip(mm.iter_mut()).enumerate() {
            if b < 4 {
                let (x0, y0) = (mx * 16 + (b & 1) * 8, my * 16 + (b >> 1) * 8);
                load_luma(y, w, h, x0, y0, &mut blk);
            } else {
                load_chroma(uv, w, cw, ch, mx * 8, my * 8, b - 4, &mut blk);
            }
            *m = block(&blk, &qt[(b >= 4) as usize], dst);
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
        for (c, d) in row.iter_mut().enumerate() {
            *d = line[2 * (x0 + c).min(cw - 1) + comp] as i32 - 128;
        }
    }
}
