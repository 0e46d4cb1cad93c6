//! Portable SATD: rows are B-lane arrays so the butterflies between rows vectorise.

/// SATD of the n x n blocks `src` and `pred` (see `kernels::satd`).
#[inline(always)]
pub(super) fn satd(src: &[u8], pred: &[u8], n: usize) -> u32 {
    if n < 8 {
        satd_blocks::<4>(src, pred, n, 1)
    } else {
        satd_blocks::<8>(src, pred, n, 2)
    }
}

/// SATD over the B x B blocks of an n x n block, each block's sum scaled down by `shift`
/// with rounding. Rows are B-lane arrays: the butterflies between rows are lane-wise
/// (vectorised), then one transpose and the same again.
#[inline(always)]
fn satd_blocks<const B: usize>(src: &[u8], pred: &[u8], n: usize, shift: u32) -> u32 {
    let mut total = 0u32;
    for by in (0..n).step_by(B) {
        for bx in (0..n).step_by(B) {
            let mut d = [[0i32; B]; B];
            for (r, row) in d.iter_mut().enumerate() {
                let i = (by + r) * n + bx;
                for c in 0..B {
                    row[c] = src[i + c] as i32 - pred[i + c] as i32;
                }
            }
            hadamard_rows(&mut d);
            let mut t = [[0i32; B]; B];
            for r in 0..B {
                for c in 0..B {
                    t[c][r] = d[r][c];
                }
            }
            hadamard_rows(&mut t);
            let sum: u32 = t.iter().flatten().map(|v| v.unsigned_abs()).sum();
            total += (sum + (1 << (shift - 1))) >> shift;
        }
    }
    total
}

/// A B-point Walsh-Hadamard transform across the B rows, on all B lanes at once.
#[inline(always)]
fn hadamard_rows<const B: usize>(d: &mut [[i32; B]; B]) {
    let mut h = 1;
    while h < B {
        let mut i = 0;
        while i < B {
            for j in i..i + h {
                let (a, b) = (d[j], d[j + h]);
                for c in 0..B {
                    d[j][c] = a[c] + b[c];
                    d[j + h][c] = a[c] - b[c];
                }
            }
            i += 2 * h;
        }
        h *= 2;
    }
}
