//! Huffman coding for JPEG: code tables from DHT specs (T.81 Annex C), and optimal
//! length-limited tables from symbol statistics (Annex K.2: code sizes by repeated merging of
//! the two least frequent, a reserved symbol so no code is all 1-bits, then lengths cut to 16).

use super::tables::HuffSpec;

/// Encoder lookup: code and length per symbol, and both in one word for the hot loop.
#[derive(Clone)]
pub struct HuffTable {
    pub code: [u32; 256],
    pub len: [u8; 256],
    /// `code << 8 | len` (one load per symbol).
    pub packed: [u32; 256],
}

impl HuffTable {
    /// Annex C: sizes from BITS, canonical codes in order of VALS.
    pub fn from_spec(spec: &HuffSpec) -> Self {
        let mut t = HuffTable {
            code: [0; 256],
            len: [0; 256],
            packed: [0; 256],
        };
        let mut code = 0u32;
        let mut k = 0;
        for l in 1..=16u8 {
            for _ in 0..spec.bits[l as usize - 1] {
                let s = spec.vals[k] as usize;
                t.code[s] = code;
                t.len[s] = l;
                t.packed[s] = (code << 8) | l as u32;
                code += 1;
                k += 1;
            }
            code <<= 1;
        }
        t
    }
}

/// Builds an optimal table (max code length 16) for symbol frequencies `freq[0..256]`.
pub fn optimal_spec(freq: &[u32; 256]) -> HuffSpec {
    // Symbol 256 is reserved with frequency 1 so that no real symbol gets the all-ones code.
    let mut f = [0i64; 257];
    for (d, &s) in f.iter_mut().zip(freq.iter()) {
        *d = s as i64;
    }
    f[256] = 1;
    let mut codesize = [0usize; 257];
    let mut others = [-1i32; 257];
    loop {
        // v1: least frequency (ties: largest symbol), v2: next least.
        let mut v1 = -1i32;
        let mut best = i64::MAX;
        for (i, &fi) in f.iter().enumerate() {
            if fi > 0 && fi <= best {
                best = fi;
                v1 = i as i32;
            }
        }
        let mut v2 = -1i32;
        best = i64::MAX;
        for (i, &fi) in f.iter().enumerate() {
            if fi > 0 && fi <= best && i as i32 != v1 {
                best = fi;
                v2 = i as i32;
            }
        }
        if v2 < 0 {
            break;
        }
        let (a, b) = (v1 as usize, v2 as usize);
        f[a] += f[b];
        f[b] = 0;
        let mut c = a;
        codesize[c] += 1;
        while others[c] >= 0 {
            c = others[c] as usize;
            codesize[c] += 1;
        }
        others[c] = b as i32;
        let mut c = b;
        codesize[c] += 1;
        while others[c] >= 0 {
            c = others[c] as usize;
            codesize[c] += 1;
        }
    }
    let mut bits = [0usize; 33];
    for &cs in codesize.iter() {
        if cs > 0 {
            assert!(cs <= 32, "code size overflow");
            bits[cs] += 1;
        }
    }
    // Annex K.3 adjust: move codes longer than 16 up the tree.
    let mut i = 32;
    while i > 16 {
        while bits[i] > 0 {
            let mut j = i - 2;
            while bits[j] == 0 {
                j -= 1;
            }
            bits[i] -= 2;
            bits[i - 1] += 1;
            bits[j + 1] += 2;
            bits[j] -= 1;
        }
        i -= 1;
    }
    // Remove the reserved symbol's code (the longest one).
    while bits[i] == 0 {
        i -= 1;
    }
    bits[i] -= 1;
    let mut spec = HuffSpec {
        bits: [0; 16],
        vals: Vec::new(),
    };
    for (dst, &n) in spec.bits.iter_mut().zip(&bits[1..=16]) {
        *dst = n as u8;
    }
    // Symbols in order of increasing code size, then symbol value.
    for size in 1..=32 {
        for (s, &cs) in codesize.iter().enumerate().take(256) {
            if cs == size {
                spec.vals.push(s as u8);
            }
        }
    }
    spec
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mjpeg::tables::*;

    fn kraft(spec: &HuffSpec) -> f64 {
        spec.bits
            .iter()
            .enumerate()
            .map(|(i, &n)| n as f64 * 2f64.powi(-(i as i32 + 1)))
            .sum()
    }

    #[test]
    fn std_tables_give_prefix_codes() {
        for spec in [
            std_dc_luma(),
            std_ac_luma(),
            std_dc_chroma(),
            std_ac_chroma(),
        ] {
            let t = HuffTable::from_spec(&spec);
            assert!(kraft(&spec) < 1.0);
            let syms: Vec<usize> = spec.vals.iter().map(|&v| v as usize).collect();
            for &a in &syms {
                for &b in &syms {
                    if a != b && t.len[a] <= t.len[b] {
                        let prefix = t.code[b] >> (t.len[b] - t.len[a]);
                        assert_ne!(prefix, t.code[a], "{a} is a prefix of {b}");
                    }
                }
                assert_ne!(t.code[a], (1 << t.len[a]) - 1, "all-ones code");
            }
        }
        // K.3: luminance DC category 0 is "00".
        let t = HuffTable::from_spec(&std_dc_luma());
        assert_eq!((t.code[0], t.len[0]), (0b00, 2));
    }

    #[test]
    fn optimal_codes_are_limited_and_near_entropy() {
        // A skewed distribution over 200 symbols that would need codes longer than 16.
        let mut freq = [0u32; 256];
        for (i, f) in freq.iter_mut().enumerate().take(200) {
            *f = (1_000_000f64 * 0.7f64.powi(i as i32)).max(1.0) as u32;
        }
        let spec = optimal_spec(&freq);
        assert_eq!(spec.vals.len(), 200);
        assert!(kraft(&spec) < 1.0 + 1e-12);
        let t = HuffTable::from_spec(&spec);
        let total: f64 = freq.iter().map(|&f| f as f64).sum();
        let mut bits = 0f64;
        let mut entropy = 0f64;
        for (s, &fs) in freq.iter().enumerate().take(200) {
            assert!(t.len[s] >= 1 && t.len[s] <= 16);
            assert_ne!(t.code[s], (1 << t.len[s]) - 1);
            bits += fs as f64 * t.len[s] as f64;
            let p = fs as f64 / total;
            entropy -= fs as f64 * p.log2();
        }
        assert!(
            bits <= entropy * 1.05 + total * 0.05,
            "{bits} vs entropy {entropy}"
        );
    }

    #[test]
    fn single_symbol_gets_a_code() {
        let mut freq = [0u32; 256];
        freq[0] = 100;
        let spec = optimal_spec(&freq);
        assert_eq!(spec.vals, vec![0]);
        let t = HuffTable::from_spec(&spec);
        assert_eq!(t.len[0], 1);
        assert_eq!(t.code[0], 0);
    }
}
