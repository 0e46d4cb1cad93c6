//! H.265 tables (ITU-T H.265): CABAC state tables (9.3.4.3), context initial values for the
//! syntax elements venc codes (9.3.2.2, Tables 9-5 to 9-37), scan orders (6.5.3–6.5.5).

/// rangeTabLps[pStateIdx][qRangeIdx] (Table 9-52).
pub(crate) const RANGE_LPS: [[u8; 4]; 64] = [
    [128, 176, 208, 240],
    [128, 167, 197, 227],
    [128, 158, 187, 216],
    [123, 150, 178, 205],
    [116, 142, 169, 195],
    [111, 135, 160, 185],
    [105, 128, 152, 175],
    [100, 122, 144, 166],
    [95, 116, 137, 158],
    [90, 110, 130, 150],
    [85, 104, 123, 142],
    [81, 99, 117, 135],
    [77, 94, 111, 128],
    [73, 89, 105, 122],
    [69, 85, 100, 116],
    [66, 80, 95, 110],
    [62, 76, 90, 104],
    [59, 72, 86, 99],
    [56, 69, 81, 94],
    [53, 65, 77, 89],
    [51, 62, 73, 85],
    [48, 59, 69, 80],
    [46, 56, 66, 76],
    [43, 53, 63, 72],
    [41, 50, 59, 69],
    [39, 48, 56, 65],
    [37, 45, 54, 62],
    [35, 43, 51, 59],
    [33, 41, 48, 56],
    [32, 39, 46, 53],
    [30, 37, 43, 50],
    [29, 35, 41, 48],
    [27, 33, 39, 45],
    [26, 31, 37, 43],
    [24, 30, 35, 41],
    [23, 28, 33, 39],
    [22, 27, 32, 37],
    [21, 26, 30, 35],
    [20, 24, 29, 33],
    [19, 23, 27, 31],
    [18, 22, 26, 30],
    [17, 21, 25, 28],
    [16, 20, 23, 27],
    [15, 19, 22, 25],
    [14, 18, 21, 24],
    [14, 17, 20, 23],
    [13, 16, 19, 22],
    [12, 15, 18, 21],
    [12, 14, 17, 20],
    [11, 14, 16, 19],
    [11, 13, 15, 18],
    [10, 12, 15, 17],
    [10, 12, 14, 16],
    [9, 11, 13, 15],
    [9, 11, 12, 14],
    [8, 10, 12, 14],
    [8, 9, 11, 13],
    [7, 9, 11, 12],
    [7, 9, 10, 12],
    [7, 8, 10, 11],
    [6, 8, 9, 11],
    [6, 7, 9, 10],
    [6, 7, 8, 9],
    [2, 2, 2, 2],
];

/// transIdxLps (Table 9-53); transIdxMps is min(state + 1, 62).
pub(crate) const TRANS_LPS: [u8; 64] = [
    0, 0, 1, 2, 2, 4, 4, 5, 6, 7, 8, 9, 9, 11, 11, 12, 13, 13, 15, 15, 16, 16, 18, 18, 19, 19, 21,
    21, 22, 22, 23, 24, 24, 25, 26, 26, 27, 27, 28, 29, 29, 30, 30, 30, 31, 32, 32, 33, 33, 33, 34,
    34, 35, 35, 35, 36, 36, 36, 37, 37, 37, 38, 38, 63,
];

/// Context indices in venc's context array, per syntax element.
pub(crate) mod ctx {
    pub(crate) const SPLIT_CU: usize = 0; // 3
    pub(crate) const PART_MODE: usize = 3; // 1 (intra: bin 0 only)
    pub(crate) const PREV_INTRA_LUMA: usize = 4; // 1
    pub(crate) const INTRA_CHROMA: usize = 5; // 1
    pub(crate) const CBF_LUMA: usize = 6; // 2
    pub(crate) const CBF_CHROMA: usize = 8; // 4
    pub(crate) const LAST_X: usize = 12; // 18
    pub(crate) const LAST_Y: usize = 30; // 18
    pub(crate) const CSBF: usize = 48; // 4
    pub(crate) const SIG: usize = 52; // 42 (27 luma + 15 chroma)
    pub(crate) const GT1: usize = 94; // 24
    pub(crate) const GT2: usize = 118; // 6
    pub(crate) const SPLIT_TRANSFORM: usize = 124; // 3
    pub(crate) const SKIP: usize = 127; // 3
    pub(crate) const PRED_MODE: usize = 130; // 1
    pub(crate) const MERGE_FLAG: usize = 131; // 1
    pub(crate) const MERGE_IDX: usize = 132; // 1
    pub(crate) const MVD_GT0: usize = 133; // 1
    pub(crate) const MVD_GT1: usize = 134; // 1
    pub(crate) const MVP_FLAG: usize = 135; // 1
    pub(crate) const RQT_ROOT_CBF: usize = 136; // 1
    pub(crate) const COUNT: usize = 137;
}

/// initValue per context for initType 0 (I slices) and 1 (P slices), in `ctx` order.
pub(crate) fn init_values(init_type: usize) -> [u8; ctx::COUNT] {
    let mut v = [154u8; ctx::COUNT];
    let mut put = |at: usize, vals: &[u8]| v[at..at + vals.len()].copy_from_slice(vals);
    let t = init_type;
    put(ctx::SPLIT_CU, [&[139u8, 141, 157][..], &[107, 139, 126]][t]);
    put(ctx::PART_MODE, [&[184u8][..], &[154]][t]);
    put(ctx::PREV_INTRA_LUMA, [&[184u8][..], &[154]][t]);
    put(ctx::INTRA_CHROMA, [&[63u8][..], &[152]][t]);
    put(ctx::CBF_LUMA, [&[111u8, 141][..], &[153, 111]][t]);
    put(
        ctx::CBF_CHROMA,
        [&[94u8, 138, 182, 154][..], &[149, 107, 167, 154]][t],
    );
    let last: [&[u8]; 2] = [
        &[
            110, 110, 124, 125, 140, 153, 125, 127, 140, 109, 111, 143, 127, 111, 79, 108, 123, 63,
        ],
        &[
            125, 110, 94, 110, 95, 79, 125, 111, 110, 78, 110, 111, 111, 95, 94, 108, 123, 108,
        ],
    ];
    put(ctx::LAST_X, last[t]);
    put(ctx::LAST_Y, last[t]);
    put(
        ctx::CSBF,
        [&[91u8, 171, 134, 141][..], &[121, 140, 61, 154]][t],
    );
    let sig: [&[u8]; 2] = [
        &[
            111, 111, 125, 110, 110, 94, 124, 108, 124, 107, 125, 141, 179, 153, 125, 107, 125,
            141, 179, 153, 125, 107, 125, 141, 179, 153, 125, 140, 139, 182, 182, 152, 136, 152,
            136, 153, 136, 139, 111, 136, 139, 111,
        ],
        &[
            155, 154, 139, 153, 139, 123, 123, 63, 153, 166, 183, 140, 136, 153, 154, 166, 183,
            140, 136, 153, 154, 166, 183, 140, 136, 153, 154, 170, 153, 123, 123, 107, 121, 107,
            121, 167, 151, 183, 140, 151, 183, 140,
        ],
    ];
    put(ctx::SIG, sig[t]);
    let gt1: [&[u8]; 2] = [
        &[
            140, 92, 137, 138, 140, 152, 138, 139, 153, 74, 149, 92, 139, 107, 122, 152, 140, 179,
            166, 182, 140, 227, 122, 197,
        ],
        &[
            154, 196, 196, 167, 154, 152, 167, 182, 182, 134, 149, 136, 153, 121, 136, 137, 169,
            194, 166, 167, 154, 167, 137, 182,
        ],
    ];
    put(ctx::GT1, gt1[t]);
    put(
        ctx::GT2,
        [
            &[138u8, 153, 136, 167, 152, 152][..],
            &[107, 167, 91, 122, 107, 167],
        ][t],
    );
    put(
        ctx::SPLIT_TRANSFORM,
        [&[153u8, 138, 138][..], &[124, 138, 94]][t],
    );
    put(ctx::SKIP, &[197, 185, 201]);
    put(ctx::PRED_MODE, &[149]);
    put(ctx::MERGE_FLAG, &[110]);
    put(ctx::MERGE_IDX, &[122]);
    put(ctx::MVD_GT0, &[140]);
    put(ctx::MVD_GT1, &[198]);
    put(ctx::MVP_FLAG, &[168]);
    put(ctx::RQT_ROOT_CBF, &[79]);
    v
}

/// Scan orders: `scan(log2_size, scan_idx)` gives (x, y) positions; 0 = up-right diagonal,
/// 1 = horizontal, 2 = vertical (6.5.3–6.5.5).
pub(crate) fn scan(blk: usize, scan_idx: usize) -> Vec<(u8, u8)> {
    let mut v = Vec::with_capacity(blk * blk);
    match scan_idx {
        0 => {
            let (mut x, mut y) = (0i32, 0i32);
            let n = blk as i32;
            while v.len() < blk * blk {
                while y >= 0 {
                    if x < n && y < n {
                        v.push((x as u8, y as u8));
                    }
                    y -= 1;
                    x += 1;
                }
                y = x;
                x = 0;
            }
        }
        1 => {
            for y in 0..blk {
                for x in 0..blk {
                    v.push((x as u8, y as u8));
                }
            }
        }
        _ => {
            for x in 0..blk {
                for y in 0..blk {
                    v.push((x as u8, y as u8));
                }
            }
        }
    }
    v
}

/// Precomputed 4x4 and sub-block scans for all three orders and block sizes 1x1..8x8 sub-blocks.
pub(crate) struct Scans {
    /// [scan_idx] 4x4 positions inside a sub-block.
    pub(crate) in_sb: [Vec<(u8, u8)>; 3],
    /// [log2 of sub-blocks per side 0..=3][scan_idx] sub-block positions.
    pub(crate) sb: [[Vec<(u8, u8)>; 3]; 4],
    /// [log2 size - 2][scan_idx] every position of a block in coding order (sub-block by
    /// sub-block, forward), as raster indices y * size + x.
    pub(crate) full: [[Vec<u16>; 3]; 4],
}

impl Scans {
    pub(crate) fn new() -> Self {
        let f = |n: usize| [scan(n, 0), scan(n, 1), scan(n, 2)];
        let in_sb = f(4);
        let sb = [f(1), f(2), f(4), f(8)];
        let full = std::array::from_fn(|l| {
            std::array::from_fn(|s| {
                let n = 4usize << l;
                let mut v = Vec::with_capacity(n * n);
                for &(xs, ys) in &sb[l][s] {
                    for &(x, y) in &in_sb[s] {
                        v.push(
                            ((ys as usize * 4 + y as usize) * n + xs as usize * 4 + x as usize)
                                as u16,
                        );
                    }
                }
                v
            })
        });
        Scans { in_sb, sb, full }
    }
}

impl Default for Scans {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagonal_scan_4x4_is_the_spec_order() {
        let s = scan(4, 0);
        let want = [
            (0, 0),
            (0, 1),
            (1, 0),
            (0, 2),
            (1, 1),
            (2, 0),
            (0, 3),
            (1, 2),
            (2, 1),
            (3, 0),
            (1, 3),
            (2, 2),
            (3, 1),
            (2, 3),
            (3, 2),
            (3, 3),
        ];
        assert_eq!(s, want.to_vec());
        assert_eq!(scan(2, 0), vec![(0, 0), (0, 1), (1, 0), (1, 1)]);
    }

    #[test]
    fn context_init_counts() {
        let v = init_values(0);
        assert_eq!(v[ctx::SIG], 111);
        assert_eq!(v[ctx::SIG + 41], 111);
        assert_eq!(v[ctx::GT1 + 23], 197);
        assert_eq!(v[ctx::GT2 + 5], 152);
    }
}
