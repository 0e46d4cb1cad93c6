//! Helpers of the fuzz and soak tests: the long-run switch, seeds, a small PRNG, the text of a
//! caught panic. Self-contained (no other module of tests/common), so that the CLI's unit tests
//! include it too (src/bin/venc/y4m.rs).

/// True when the long versions of the reliability tests should run: `VENC_LONG=1` (the name
/// tests/run-all.sh documents) or `VENC_LONG_TESTS=1` (the older name the README gives).
pub fn long() -> bool {
    ["VENC_LONG", "VENC_LONG_TESTS"]
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|s| !s.is_empty() && s != "0"))
}

/// A number from the environment variable `var` (decimal or 0x hex), or `default`.
pub fn env_u64(var: &str, default: u64) -> u64 {
    match std::env::var(var) {
        Ok(s) => {
            let s = s.trim();
            let parsed = match s.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => s.parse(),
            };
            parsed.unwrap_or_else(|e| panic!("{var} is '{s}', expected a number: {e}"))
        }
        Err(_) => default,
    }
}

/// The seed of a seeded test: `var` from the environment (to replay a failure), else one taken
/// from the clock. Printed by the caller so that a failure can be replayed.
pub fn seed(var: &str) -> u64 {
    let clock = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1);
    env_u64(var, clock ^ ((std::process::id() as u64) << 32))
}

/// A small deterministic PRNG (SplitMix64) for the seeded fuzz and soak tests.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator whose sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in lo..=hi.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo.wrapping_add(self.below(hi.wrapping_sub(lo) as u64 + 1) as i64)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64) < p
    }

    /// One element of `xs`.
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }

    /// An index chosen with the given weights.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| w as u64).sum();
        let mut r = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if r < w as u64 {
                return i;
            }
            r -= w as u64;
        }
        weights.len() - 1
    }

    /// Fills `buf` with random bytes.
    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let v = self.u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

/// The message of a caught panic.
pub fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(not a string)".into())
}

/// The start of a seeded run: the seed (`seed_var` replays one) and the amount (`amount_var`,
/// else `long` with VENC_LONG=1, else `default`), announced on stderr past the test harness's
/// capture so that even a crash shows the seed. `unit` names the amount ("calls").
pub fn start_seeded(
    test: &str,
    seed_var: &str,
    amount_var: &str,
    (default, long_amount): (u64, u64),
    unit: &str,
) -> (u64, u64) {
    use std::io::Write;
    let seed = seed(seed_var);
    let amount = env_u64(amount_var, if long() { long_amount } else { default });
    let _ = writeln!(
        std::io::stderr(),
        "{test}: seed {seed} (replay with {seed_var}={seed}), {amount} {unit}"
    );
    (seed, amount)
}
