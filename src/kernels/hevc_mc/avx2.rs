//! AVX2: the scalar interpolation source compiled with AVX2 (16 16-bit lanes per multiply-add).

crate::kernels::avx2_build!(pub(super) fn interpolate(plane: &[u8], stride: usize, sx: usize, sy: usize, w: usize, h: usize, half: usize, fx: usize, fy: usize, luma: bool, dst: &mut [u8]) => super::scalar::interpolate);
