//! Entropy-coded segment writer: MSB-first bits, 0xFF followed by a stuffed 0x00, and padding
//! with 1-bits before a marker (T.81 F.1.2.3 and B.1.1.5).

pub struct BitWriter<'a> {
    out: &'a mut Vec<u8>,
    /// Pending bits, the most recent in the low end; only the low `64 - free` bits are valid
    /// (bits above them were already written and are shifted out unread).
    acc: u64,
    /// Room left in `acc`, 1..=64.
    free: u32,
}

impl<'a> BitWriter<'a> {
    pub fn new(out: &'a mut Vec<u8>) -> Self {
        BitWriter {
            out,
            acc: 0,
            free: 64,
        }
    }

    /// Makes room for `n` more output bytes (amortised growth); false when memory ran out.
    pub fn make_room(&mut self, n: usize) -> bool {
        crate::mem::grow(self.out, n, "a JPEG segment").is_ok()
    }

    /// Appends `code`, `len` bits long (len <= 32, code < 2^len). Output goes out 64 bits at a
    /// time, half as many flushes as 32-bit words and one 0xFF test per 8 bytes.
    #[inline(always)]
    pub fn put(&mut self, code: u32, len: u32) {
        debug_assert!(len <= 32 && (code as u64) < 1u64 << len);
        if len < self.free {
            self.acc = (self.acc << len) | code as u64;
            self.free -= len;
        } else {
            let spill = len - self.free;
            let word = (self.acc << self.free) | (code as u64 >> spill);
            self.write64(word);
            self.acc = code as u64;
            self.free = 64 - spill;
        }
    }

    #[inline(always)]
    fn write64(&mut self, word: u64) {
        let bytes = word.to_be_bytes();
        // A byte is 0xFF iff its complement is zero (the exact zero-byte test).
        let inv = !word;
        let has_ff = (inv.wrapping_sub(0x0101_0101_0101_0101) & !inv & 0x8080_8080_8080_8080) != 0;
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
        let pad = self.free % 8;
        if pad > 0 {
            self.put((1 << pad) - 1, pad);
        }
        let n = 64 - self.free;
        for i in (0..n / 8).rev() {
            let b = (self.acc >> (8 * i)) as u8;
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
            w.put(c & ((1u64 << l) - 1) as u32, l);
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
        // Through the 64-bit fast path, with FF in every position.
        let v = write(&[(0x00FF_FF00, 32), (0xFF12_34FF, 32), (0x0102_0304, 32)]);
        assert_eq!(
            v,
            vec![
                0x00, 0xFF, 0x00, 0xFF, 0x00, 0x00, 0xFF, 0x00, 0x12, 0x34, 0xFF, 0x00, 1, 2, 3, 4
            ]
        );
        // A word that ends exactly at the 64-bit boundary, then more.
        assert_eq!(
            write(&[(0x0123_4567, 32), (0x89AB_CDEF, 32), (0x5, 3)]),
            vec![0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0b1011_1111]
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
