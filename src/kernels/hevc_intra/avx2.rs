//! AVX2: the scalar intra prediction source compiled with AVX2.

use super::Refs;

crate::kernels::avx2_build!(pub(super) fn predict(r: &Refs, n: usize, mode: u32, luma: bool, dst: &mut [u8], ds: usize) => super::scalar::predict);
