//! AVX2: the scalar quantisation source compiled with AVX2 (8-lane 32-bit multiplies).

crate::kernels::avx2_build!(pub(super) fn quantize(coef: &[i32], level: &mut [i32], log2: u32, qp: i32, intra: bool) -> usize => super::scalar::quantize);
crate::kernels::avx2_build!(pub(super) fn dequantize(level: &[i32], coef: &mut [i32], log2: u32, qp: i32) => super::scalar::dequantize);
