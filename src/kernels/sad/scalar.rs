//! Portable SAD and SSE, one row at a time (the compiler vectorises the rows).

/// SAD (see `kernels::sad::sad`).
#[inline(always)]
pub(super) fn sad(a: &[u8], sa: usize, b: &[u8], sb: usize, w: usize, h: usize) -> u32 {
    let mut s = 0u32;
    for r in 0..h {
        let (ra, rb) = (&a[r * sa..r * sa + w], &b[r * sb..r * sb + w]);
        s += ra
            .iter()
            .zip(rb)
            .map(|(&p, &q)| (p as i32 - q as i32).unsigned_abs())
            .sum::<u32>();
    }
    s
}

/// SSE (see `kernels::sad::sse`).
#[inline(always)]
pub(super) fn sse(a: &[u8], sa: usize, b: &[u8], sb: usize, w: usize, h: usize) -> u64 {
    let mut s = 0u64;
    for r in 0..h {
        let (ra, rb) = (&a[r * sa..r * sa + w], &b[r * sb..r * sb + w]);
        for (&p, &q) in ra.iter().zip(rb) {
            let d = p as i32 - q as i32;
            s += (d * d) as u64;
        }
    }
    s
}
