//! CABAC arithmetic encoder (9.3.4.3 as an encoder: the spec's informative encoding process),
//! plus fractional bit costs for rate estimation.

use super::bitwriter::BitWriter;
use super::tables::{init_values, RANGE_LPS, TRANS_LPS};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Context {
    pub(crate) state: u8,
    pub(crate) mps: u8,
}

impl Context {
    /// 9.3.2.2: state from the initValue and the slice QP.
    pub(crate) fn init(init_value: u8, qp: i32) -> Self {
        let slope = (init_value >> 4) as i32 * 5 - 45;
        let offset = ((init_value & 15) as i32) * 8 - 16;
        let pre = (((slope * qp.clamp(0, 51)) >> 4) + offset).clamp(1, 126);
        if pre <= 63 {
            Context {
                state: (63 - pre) as u8,
                mps: 0,
            }
        } else {
            Context {
                state: (pre - 64) as u8,
                mps: 1,
            }
        }
    }
}

/// Every context of a slice initialised for `init_type` (0 I, 1 P) at slice QP `qp` (9.3.2.2).
pub(crate) fn init_contexts(init_type: usize, qp: i32) -> Vec<Context> {
    init_values(init_type)
        .iter()
        .map(|&v| Context::init(v, qp))
        .collect()
}

/// The arithmetic coder (9.3.4.3) writing into a bit writer; contexts are kept by the caller.
pub(crate) struct Cabac<'a> {
    low: u32,
    range: u32,
    outstanding: u32,
    first: bool,
    w: &'a mut BitWriter,
}

impl<'a> Cabac<'a> {
    /// Makes room for `bytes` more output (fallibly), so that writing them cannot abort.
    pub(crate) fn make_room(&mut self, bytes: usize) -> crate::error::Result<()> {
        crate::mem::grow(&mut self.w.buf, bytes, "the slice data")
    }

    pub(crate) fn new(w: &'a mut BitWriter) -> Self {
        Cabac {
            low: 0,
            range: 510,
            outstanding: 0,
            first: true,
            w,
        }
    }

    fn put_bit(&mut self, b: u32) {
        if self.first {
            self.first = false;
        } else {
            self.w.bit(b);
        }
        while self.outstanding > 0 {
            self.w.bit(1 - b);
            self.outstanding -= 1;
        }
    }

    fn renorm(&mut self) {
        while self.range < 256 {
            if self.low < 256 {
                self.put_bit(0);
            } else if self.low >= 512 {
                self.low -= 512;
                self.put_bit(1);
            } else {
                self.low -= 256;
                self.outstanding += 1;
            }
            self.range <<= 1;
            self.low <<= 1;
        }
    }

    pub(crate) fn encode(&mut self, c: &mut Context, bin: u32) {
        let lps = RANGE_LPS[c.state as usize][((self.range >> 6) & 3) as usize] as u32;
        self.range -= lps;
        if bin != c.mps as u32 {
            self.low += self.range;
            self.range = lps;
            if c.state == 0 {
                c.mps = 1 - c.mps;
            }
            c.state = TRANS_LPS[c.state as usize];
        } else {
            c.state = (c.state + 1).min(62);
        }
        self.renorm();
    }

    pub(crate) fn bypass(&mut self, bin: u32) {
        self.low <<= 1;
        if bin != 0 {
            self.low += self.range;
        }
        if self.low >= 1024 {
            self.put_bit(1);
            self.low -= 1024;
        } else if self.low < 512 {
            self.put_bit(0);
        } else {
            self.low -= 512;
            self.outstanding += 1;
        }
    }

    /// `n` bypass bins, most significant first.
    pub(crate) fn bypass_bits(&mut self, v: u32, n: u32) {
        for i in (0..n).rev() {
            self.bypass((v >> i) & 1);
        }
    }

    /// end_of_slice_segment_flag & co.: terminate bin; when 1, flushes (9.3.4.3.5). The last
    /// bit written by the flush is the rbsp_stop_one_bit.
    pub(crate) fn terminate(&mut self, bin: u32) {
        self.range -= 2;
        if bin != 0 {
            self.low += self.range;
            self.range = 2;
            self.renorm();
            self.put_bit((self.low >> 9) & 1);
            let v = ((self.low >> 7) & 3) | 1;
            self.w.u(v, 2);
        } else {
            self.renorm();
        }
    }
}

/// Fractional cost in 1/32768 bit units of coding `bin` with context state (entropy estimate).
pub(crate) fn bin_cost(c: &Context, bin: u32) -> u32 {
    // Probability of the LPS for state s is about 0.5 * 0.949^s (9.3.4.3 design).
    static TABLE: std::sync::OnceLock<[[u32; 2]; 64]> = std::sync::OnceLock::new();
    let t = TABLE.get_or_init(|| {
        let mut t = [[0u32; 2]; 64];
        for (s, e) in t.iter_mut().enumerate() {
            let p_lps = 0.5 * (0.01875f64 / 0.5).powf(s as f64 / 63.0);
            e[0] = (-(1.0 - p_lps).log2() * 32768.0) as u32; // MPS
            e[1] = (-p_lps.log2() * 32768.0) as u32; // LPS
        }
        t
    });
    t[c.state as usize][(bin != c.mps as u32) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal CABAC decoder (9.3.4.3) to check the encoder round trip.
    struct Dec<'a> {
        d: &'a [u8],
        pos: usize,
        range: u32,
        value: u32,
        bits_needed: i32,
    }
    impl<'a> Dec<'a> {
        fn new(d: &'a [u8]) -> Self {
            let mut s = Dec {
                d,
                pos: 0,
                range: 510,
                value: 0,
                bits_needed: -8,
            };
            s.value = ((s.byte() as u32) << 8) | s.byte() as u32;
            s
        }
        fn byte(&mut self) -> u8 {
            let b = *self.d.get(self.pos).unwrap_or(&0);
            self.pos += 1;
            b
        }
        fn decode(&mut self, c: &mut Context) -> u32 {
            let lps = RANGE_LPS[c.state as usize][((self.range >> 6) & 3) as usize] as u32;
            self.range -= lps;
            let scaled = self.range << 7;
            let bin;
            if self.value < scaled {
                bin = c.mps as u32;
                c.state = (c.state + 1).min(62);
                if scaled < (256 << 7) {
                    self.range = scaled >> 6;
                    self.value <<= 1;
                    self.bits_needed += 1;
                    if self.bits_needed == 0 {
                        self.bits_needed = -8;
                        self.value |= self.byte() as u32;
                    }
                }
            } else {
                let mut n = 0;
                let mut l = lps;
                while l < 256 {
                    l <<= 1;
                    n += 1;
                }
                self.value = (self.value - scaled) << n;
                self.range = lps << n;
                bin = 1 - c.mps as u32;
                if c.state == 0 {
                    c.mps = 1 - c.mps;
                }
                c.state = TRANS_LPS[c.state as usize];
                self.bits_needed += n;
                if self.bits_needed >= 0 {
                    self.value |= (self.byte() as u32) << self.bits_needed;
                    self.bits_needed -= 8;
                }
            }
            bin
        }
        fn bypass(&mut self) -> u32 {
            self.value <<= 1;
            self.bits_needed += 1;
            if self.bits_needed >= 0 {
                self.bits_needed = -8;
                self.value |= self.byte() as u32;
            }
            let scaled = self.range << 7;
            if self.value >= scaled {
                self.value -= scaled;
                1
            } else {
                0
            }
        }
        fn terminate(&mut self) -> u32 {
            self.range -= 2;
            let scaled = self.range << 7;
            if self.value >= scaled {
                1
            } else {
                if scaled < (256 << 7) {
                    self.range = scaled >> 6;
                    self.value <<= 1;
                    self.bits_needed += 1;
                    if self.bits_needed == 0 {
                        self.bits_needed = -8;
                        self.value |= self.byte() as u32;
                    }
                }
                0
            }
        }
    }

    #[test]
    fn round_trip_through_a_decoder() {
        let mut seed = 3u32;
        let mut rnd = || {
            seed = seed.wrapping_mul(1103515245).wrapping_add(12345);
            seed >> 16
        };
        let ops: Vec<(u32, u32, usize)> = (0..20000)
            .map(|_| (rnd() % 10, rnd(), (rnd() % 8) as usize))
            .collect();
        let mut w = BitWriter::new();
        let mut ctxs = [Context::init(140, 30); 8];
        {
            let mut e = Cabac::new(&mut w);
            for &(kind, v, c) in &ops {
                if kind < 7 {
                    // skewed bins per context
                    e.encode(&mut ctxs[c], (v % (c as u32 + 2) == 0) as u32);
                } else {
                    e.bypass(v & 1);
                }
                if kind == 9 {
                    e.terminate(0);
                }
            }
            e.terminate(1);
        }
        w.align_zero();
        let mut ctxd = [Context::init(140, 30); 8];
        let mut d = Dec::new(w.bytes());
        for &(kind, v, c) in &ops {
            if kind < 7 {
                assert_eq!(d.decode(&mut ctxd[c]), (v % (c as u32 + 2) == 0) as u32);
            } else {
                assert_eq!(d.bypass(), v & 1);
            }
            if kind == 9 {
                assert_eq!(d.terminate(), 0);
            }
        }
        assert_eq!(d.terminate(), 1);
    }

    #[test]
    fn context_init_matches_the_formula() {
        // initValue 154 = slope 0, offset 64: pre = 64 -> state 0, MPS 1 at any QP.
        assert_eq!(Context::init(154, 30), Context { state: 0, mps: 1 });
        // initValue 139 at QP 26: m = 8*5-45 = -5, n = 11*8-16 = 72; pre = (-5*26>>4)+72 = 63 -> state 0, MPS 0
        assert_eq!(Context::init(139, 26), Context { state: 0, mps: 0 });
    }
}
