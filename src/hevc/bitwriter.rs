//! RBSP bit writer (u(n), ue(v), se(v)) and NAL unit packaging with emulation prevention (7.4.2).

#[derive(Default)]
pub(crate) struct BitWriter {
    pub(crate) buf: Vec<u8>,
    cur: u64,
    n: u32,
}

impl BitWriter {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// A writer into `buf`'s memory (cleared): no allocation while it stays large enough.
    pub(crate) fn reuse(mut buf: Vec<u8>) -> Self {
        buf.clear();
        BitWriter {
            buf,
            ..Self::default()
        }
    }

    /// Writes the low `len` bits of `v` (len <= 32).
    pub(crate) fn u(&mut self, v: u32, len: u32) {
        for i in (0..len).rev() {
            self.bit((v >> i) & 1);
        }
    }

    pub(crate) fn bit(&mut self, b: u32) {
        self.cur = (self.cur << 1) | (b as u64 & 1);
        self.n += 1;
        if self.n == 8 {
            self.buf.push(self.cur as u8);
            self.cur = 0;
            self.n = 0;
        }
    }

    pub(crate) fn flag(&mut self, b: bool) {
        self.bit(b as u32);
    }

    /// Unsigned Exp-Golomb.
    pub(crate) fn ue(&mut self, v: u32) {
        let x = v as u64 + 1;
        let len = 64 - x.leading_zeros();
        self.u(0, len - 1);
        for i in (0..len).rev() {
            self.bit(((x >> i) & 1) as u32);
        }
    }

    /// Signed Exp-Golomb.
    pub(crate) fn se(&mut self, v: i32) {
        self.ue(if v > 0 {
            2 * v as u32 - 1
        } else {
            (-2 * v) as u32
        });
    }

    /// rbsp_trailing_bits: a 1 then zeros to the byte boundary.
    pub(crate) fn trailing_bits(&mut self) {
        self.bit(1);
        self.align_zero();
    }

    pub(crate) fn align_zero(&mut self) {
        while self.n != 0 {
            self.bit(0);
        }
    }

    /// The written bytes (tests: a whole number of bytes must have been written).
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> &[u8] {
        debug_assert!(self.n == 0);
        &self.buf
    }
}

/// NAL unit types venc writes.
pub(crate) mod nal {
    pub(crate) const TRAIL_R: u8 = 1;
    pub(crate) const IDR_W_RADL: u8 = 19;
    pub(crate) const VPS: u8 = 32;
    pub(crate) const SPS: u8 = 33;
    pub(crate) const PPS: u8 = 34;
    pub(crate) const SUFFIX_SEI: u8 = 40;
}

/// Appends one NAL unit to `out`: start code, 2-byte header, payload with emulation prevention
/// (a 0x03 after any two zero bytes followed by a byte <= 3).
pub(crate) fn write_nal(out: &mut Vec<u8>, nal_type: u8, rbsp: &[u8]) {
    out.extend_from_slice(&[0, 0, 0, 1]);
    out.push(nal_type << 1);
    out.push(1); // nuh_layer_id 0, nuh_temporal_id_plus1 1
    escape(rbsp, |b| out.push(b));
}

/// Emulation prevention (7.4.2): a 0x03 after any two zero bytes that a byte <= 3 follows.
fn escape(rbsp: &[u8], mut emit: impl FnMut(u8)) {
    let mut zeros = 0;
    for &b in rbsp {
        if zeros >= 2 && b <= 3 {
            emit(3);
            zeros = 0;
        }
        emit(b);
        zeros = if b == 0 { zeros + 1 } else { 0 };
    }
}

/// Size of `bytes` once escaped in a NAL unit, when the byte before them is not zero (true
/// after a slice header or a substream: both end with a byte holding a 1 bit), which is what
/// WPP entry points count.
pub(crate) fn escaped_len(bytes: &[u8]) -> usize {
    let mut n = 0;
    escape(bytes, |_| n += 1);
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_golomb() {
        let mut w = BitWriter::new();
        for v in [0u32, 1, 2, 3, 7] {
            w.ue(v);
        }
        // 1 010 011 00100 0001000 = 1010 0110 0100 0001 000 + pad
        w.u(0, 5);
        assert_eq!(w.bytes(), &[0b1010_0110, 0b0100_0001, 0b0000_0000]);
        let mut w = BitWriter::new();
        w.se(1); // 010
        w.se(-1); // 011
        w.se(2); // 00100
        w.u(0, 5);
        assert_eq!(w.bytes(), &[0b0100_1100, 0b1000_0000]);
    }

    #[test]
    fn emulation_prevention() {
        let mut out = Vec::new();
        write_nal(&mut out, nal::PPS, &[0, 0, 1, 0, 0, 0, 5, 0, 0, 3, 0, 0]);
        assert_eq!(
            out,
            vec![0, 0, 0, 1, 0x44, 1, 0, 0, 3, 1, 0, 0, 3, 0, 5, 0, 0, 3, 3, 0, 0]
        );
    }
}
