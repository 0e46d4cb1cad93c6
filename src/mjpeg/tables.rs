//! JPEG tables from ITU-T T.81: the Annex K example quantisation and Huffman tables, the
//! zig-zag order, and IJG quality scaling.

/// Natural (row-major) index of the k-th coefficient in zig-zag order.
pub const ZIGZAG: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// Table K.1, luminance, natural order.
pub const STD_LUMA_QUANT: [u16; 64] = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
    92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/// Table K.2, chrominance, natural order.
pub const STD_CHROMA_QUANT: [u16; 64] = [
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
    47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
];

/// IJG percentage scale for a quality 1..=100 (quality 50 = the Annex K tables).
pub fn quality_scale(quality: u32) -> u32 {
    let q = quality.clamp(1, 100);
    if q < 50 {
        5000 / q
    } else {
        200 - 2 * q
    }
}

/// The quality whose scale is closest to `scale` (inverse of `quality_scale`).
pub fn quality_for_scale(scale: f64) -> u32 {
    let mut best = 1;
    let mut err = f64::MAX;
    for q in 1..=100 {
        let e = ((quality_scale(q).max(1) as f64).ln() - scale.max(1.0).ln()).abs();
        if e < err {
            err = e;
            best = q;
        }
    }
    best
}

/// A base table scaled for `quality`, clamped to 1..=255 so the frame stays baseline (8-bit DQT).
pub fn scaled_table(base: &[u16; 64], quality: u32) -> [u16; 64] {
    let s = quality_scale(quality);
    let mut t = [0u16; 64];
    for i in 0..64 {
        t[i] = ((base[i] as u32 * s + 50) / 100).clamp(1, 255) as u16;
    }
    t
}

/// A Huffman table as stored in DHT: counts of codes per length 1..=16, then the symbols.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HuffSpec {
    pub bits: [u8; 16],
    pub vals: Vec<u8>,
}

/// Table K.3, luminance DC.
pub fn std_dc_luma() -> HuffSpec {
    HuffSpec {
        bits: [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
        vals: (0..12).collect(),
    }
}

/// Table K.4, chrominance DC.
pub fn std_dc_chroma() -> HuffSpec {
    HuffSpec {
        bits: [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0],
        vals: (0..12).collect(),
    }
}

/// Table K.5, luminance AC.
pub fn std_ac_luma() -> HuffSpec {
    HuffSpec {
        bits: [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d],
        vals: vec![
            0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51,
            0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1,
            0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18,
            0x19, 0x1a, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39,
            0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57,
            0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75,
            0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92,
            0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
            0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
            0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8,
            0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2,
            0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
        ],
    }
}

/// Table K.6, chrominance AC.
pub fn std_ac_chroma() -> HuffSpec {
    HuffSpec {
        bits: [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77],
        vals: vec![
            0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07,
            0x61, 0x71, 0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09,
            0x23, 0x33, 0x52, 0xf0, 0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25,
            0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38,
            0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56,
            0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74,
            0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
            0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5,
            0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba,
            0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6,
            0xd7, 0xd8, 0xd9, 0xda, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2,
            0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ijg_scaling() {
        assert_eq!(quality_scale(50), 100);
        assert_eq!(quality_scale(1), 5000);
        assert_eq!(quality_scale(100), 0);
        assert_eq!(quality_scale(75), 50);
        assert_eq!(scaled_table(&STD_LUMA_QUANT, 50), STD_LUMA_QUANT);
        assert!(scaled_table(&STD_LUMA_QUANT, 100).iter().all(|&v| v == 1));
        assert!(scaled_table(&STD_CHROMA_QUANT, 1).iter().all(|&v| v == 255));
        // q75: (16*50+50)/100 = 8
        assert_eq!(scaled_table(&STD_LUMA_QUANT, 75)[0], 8);
        assert_eq!(quality_for_scale(100.0), 50);
        assert_eq!(quality_for_scale(50.0), 75);
    }

    #[test]
    fn zigzag_is_a_permutation() {
        let mut seen = [false; 64];
        for &z in &ZIGZAG {
            assert!(!seen[z]);
            seen[z] = true;
        }
    }

    #[test]
    fn std_tables_have_their_symbol_counts() {
        for (t, n) in [
            (std_dc_luma(), 12),
            (std_dc_chroma(), 12),
            (std_ac_luma(), 162),
            (std_ac_chroma(), 162),
        ] {
            assert_eq!(t.bits.iter().map(|&b| b as usize).sum::<usize>(), n);
            assert_eq!(t.vals.len(), n);
        }
    }
}
