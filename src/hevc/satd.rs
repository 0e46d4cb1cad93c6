//! SATD (sum of absolute Hadamard-transformed differences), the encoder's distortion estimate;
//! the kernel and its per-CPU builds live in `kernels::satd`.

pub use crate::kernels::satd::satd;
