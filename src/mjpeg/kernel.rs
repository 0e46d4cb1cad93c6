//! The MJPEG per-block kernel (DCT, quantisation, zig-zag nonzero masks) lives in
//! `kernels::jpeg_block` with its per-CPU builds; these are the names the codec uses.

pub(crate) use crate::kernels::jpeg_block::{transform_rows, BLOCKS_PER_MCU, ZZ_T};
pub use crate::kernels::jpeg_block::{Coefs, QuantRecip};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mjpeg::tables::ZIGZAG;

    #[test]
    fn kernel_zigzag_is_the_tables_zigzag() {
        for (k, &n) in ZIGZAG.iter().enumerate() {
            // Transposed index t = u*8+v is natural v*8+u.
            let t = ZZ_T[k] as usize;
            assert_eq!((t % 8) * 8 + t / 8, n, "position {k}");
        }
    }
}
