//! Entropy-coded segment writer: MSB-first bits, 0xFF followed by a stuffed 0x00, and padding
//! with 1-bits before a marker (T.81 F.1.2.3 and B.1.1.5).

pub struct BitWriter<'a> {
    out: &'a mut Vec<u8>,
    acc: u64,
    /// Bits held in `acc` (the low `n` bits are valid).
    n: u32,
}

impl<'a> BitWriter<'a> {
    pub fn new(out: &'a mut Vec<u8>) -> Self {
        BitWriter { out, acc: 0, n: 0 }
    }

    /// Makes room for `n` more output bytes.
    pub fn reserve(&mut self, n: usize) {
        self.out.reserve(n);
    }

    /// Appends the low `len` bits of `code` (len <= 32).
    #[inline(always)]
    pub fn put(&mut self, code: u32, len: u32) {
        debug_assert!(len <= 32);
        self.acc = (self.acc << len) | (code as u64 & ((1u64 << len) - 1));
        self.n += len;
        if self.n >= 32 {
            self.flush32();
        }
    }

    #[inline(always)]
    fn flush32(&mut self) {
        self.n -= 32;
        let word = (self.acc >> self.n) as u32;
        let bytes = word.to_be_bytes();
        // Fast path: no 0xFF byte in the word (a byte is 0xFF iff its complement is 0).
        let inv = !word;
        let has_ff = (inv.wrapping_sub(0x0101_0101) & !inv & 0x8080_8080) != 0;
        if !has_ff {
            self.out.extend_from_slice(&bytes);
        } else {
            for b in bytes {
                self.out.push(b);
                if b == 0xFF {
                    self.out.push(0);
                }
            }
        }
    }

    /// Pads the last byte with 1-bits and writes out everything (before a marker or EOI).
    pub fn finish(mut self) {
        let pad = (8 - self.n % 8) % 8;
        if pad > 0 {
            self.put((1 << pad) - 1, pad);
        }
        while self.n >= 8 {
            self.n -= 8;
            let b = (self.acc >> self.n) as u8;
            self.out.push(b);
            if b == 0xFF {
                self.out.push(0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(bits: &[(u32, u32)]) -> Vec<u8> {
        let mut v = Vec::new();
        let mut w = BitWriter::new(&mut v);
        for &(c, l) in bits {
            w.put(c, l);
        }
        w.finish();
        v
    }

    #[test]
    fn msb_first_with_one_padding() {
        assert_eq!(write(&[(0b101, 3)]), vec![0b1011_1111]);
        assert_eq!(write(&[(0xAB, 8), (0x1, 1)]), vec![0xAB, 0xFF, 0x00]);
    }

    #[test]
    fn stuffs_every_ff() {
        assert_eq!(write(&[(0xFF, 8), (0x12, 8)]), vec![0xFF, 0x00, 0x12]);
        // Through the 32-bit fast path, with FF in every position.
        let v = write(&[(0x00FF_FF00, 32), (0xFF12_34FF, 32), (0x0102_0304, 32)]);
        assert_eq!(
            v,
            vec![
                0x00, 0xFF, 0x00, 0xFF, 0x00, 0x00, 0xFF, 0x00, 0x12, 0x34, 0xFF, 0x00, 1, 2, 3, 4
            ]
        );
        // A long random-ish stream: unstuffing gives back the bits.
        let mut bits = Vec::new();
        let mut seed = 7u32;
        for _ in 0..1000 {
            seed = seed.wrapping_mul(1103515245).wrapping_add(12345);
            bits.push((seed >> 8, 1 + (seed % 24)));
        }
        let out = write(&bits);
        let mut raw = Vec::new();
        let mut i = 0;
        while i < out.len() {
            raw.push(out[i]);
            if out[i] == 0xFF {
                assert_eq!(out[i + 1], 0, "stuffed zero");
                i += 1;
            }
            i += 1;
        }
        let mut pos = 0usize;
        for &(c, l) in &bits {
            let mut got = 0u32;
            for _ in 0..l {
                got = (got << 1) | ((raw[pos / 8] >> (7 - pos % 8)) & 1) as u32;
                pos += 1;
            }
            assert_eq!(got, c & ((1u64 << l) - 1) as u32);
        }
    }
}
