//! The float inverse DCT used for the reconstruction and for tests. The forward integer DCT
//! is part of the block kernel in `kernels::jpeg_block`.

/// Float inverse DCT of dequantised coefficients (natural order), giving 8-bit samples.
/// Decoders' integer IDCTs may differ from this by ±1 per sample.
pub fn idct_float(coef: &[f32; 64], out: &mut [u8; 64]) {
    let c = cos_table();
    let mut tmp = [0f32; 64];
    // rows: tmp[v][x] = sum_u C(u) coef[v][u] cos((2x+1)u pi/16) / 2
    for v in 0..8 {
        for x in 0..8 {
            let mut acc = 0f32;
            for u in 0..8 {
                acc += coef[v * 8 + u] * c[x][u];
            }
            tmp[v * 8 + x] = acc;
        }
    }
    for x in 0..8 {
        for y in 0..8 {
            let mut acc = 0f32;
            for v in 0..8 {
                acc += tmp[v * 8 + x] * c[y][v];
            }
            out[y * 8 + x] = (acc + 128.0).round().clamp(0.0, 255.0) as u8;
        }
    }
}

/// c[x][u] = C(u) cos((2x+1) u pi / 16) / 2 with C(0) = 1/sqrt(2).
fn cos_table() -> [[f32; 8]; 8] {
    let mut c = [[0f32; 8]; 8];
    for (x, row) in c.iter_mut().enumerate() {
        for (u, v) in row.iter_mut().enumerate() {
            let cu = if u == 0 {
                std::f64::consts::FRAC_1_SQRT_2
            } else {
                1.0
            };
            *v = (cu * ((2 * x + 1) as f64 * u as f64 * std::f64::consts::PI / 16.0).cos() / 2.0)
                as f32;
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::jpeg_block::fdct;

    #[test]
    fn float_idct_inverts() {
        let s: [[i32; 8]; 8] = std::array::from_fn(|y| {
            std::array::from_fn(|x| ((x * 29 + y * 13) % 200) as i32 - 100)
        });
        let c = fdct(&s);
        let mut cf = [0f32; 64];
        for v in 0..8 {
            for u in 0..8 {
                cf[v * 8 + u] = c[u][v] as f32 / 8.0;
            }
        }
        let mut out = [0u8; 64];
        idct_float(&cf, &mut out);
        for y in 0..8 {
            for x in 0..8 {
                assert!((out[y * 8 + x] as i32 - (s[y][x] + 128)).abs() <= 1);
            }
        }
    }
}
