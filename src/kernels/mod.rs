//! The hot kernels of both codecs, each behind one function with its per-CPU implementations
//! side by side, and the CPU level that picks among them, chosen once per process.
//!
//! Layout: one directory per kernel, `mod.rs` (the interface, the dispatch, the tests that
//! compare every level with the scalar one), `scalar.rs` (portable Rust, the reference) and
//! `avx2.rs` (hand-written intrinsics, or the scalar source compiled again with AVX2 enabled)
//! and `neon.rs` (aarch64 NEON intrinsics; a kernel without one runs its scalar source, which
//! the compiler vectorises with NEON anyway: NEON is baseline on aarch64) — one file per level.
//!
//! Every implementation of a kernel gives the same integers as its scalar one: the streams do
//! not depend on the CPU level.
//!
//! The level: the best one the CPU has, or the one `VENC_CPU` names (`scalar`, `avx2`, `neon`
//! or `auto`, read once, at the first kernel call). A level the CPU lacks falls back to the best
//! level below it that the CPU has (`avx2` on a CPU without AVX2, or `neon` on x86_64, runs
//! `scalar`); an unrecognised value means `auto`. The library prints nothing about it;
//! [`crate::cpu_level`] tells what was chosen.

// `unsafe` in this module: calls into `#[target_feature]` functions (after the level check)
// and the intrinsics inside them; nowhere else in the library except the C ABI.

use std::sync::atomic::{AtomicU8, Ordering};

pub(crate) mod hevc_dct;
pub(crate) mod hevc_intra;
pub(crate) mod hevc_mc;
pub(crate) mod hevc_quant;
pub(crate) mod jpeg_block;
pub(crate) mod sad;
pub(crate) mod satd;

/// The CPU level the kernels run at in this process: `"scalar"` (portable code), `"avx2"`
/// (x86_64 with AVX2) or `"neon"` (aarch64 with NEON). It is the best level the CPU has unless the environment variable
/// `VENC_CPU` (`scalar`, `avx2`, `neon` or `auto`) asks for another; a level the CPU lacks falls
/// back to the best one below it that the CPU has. `VENC_CPU` is read once, at the first call of
/// this function or of any kernel, and the level stays for the life of the process. Every level
/// produces the same bitstreams.
///
/// ```
/// assert!(["scalar", "avx2", "neon"].contains(&venc::cpu_level()));
/// ```
pub fn cpu_level() -> &'static str {
    cpu().level().name()
}

/// A set of kernel implementations, from the portable one up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Level {
    /// Portable Rust at the target's baseline (SSE2 on x86_64).
    Scalar = 1,
    /// x86_64 with AVX2.
    Avx2 = 2,
    /// aarch64 with NEON (Advanced SIMD).
    Neon = 3,
}

impl Level {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Level::Scalar => "scalar",
            Level::Avx2 => "avx2",
            Level::Neon => "neon",
        }
    }

    fn parse(s: &str) -> Option<Level> {
        match s.trim().to_ascii_lowercase().as_str() {
            "scalar" => Some(Level::Scalar),
            "avx2" => Some(Level::Avx2),
            "neon" => Some(Level::Neon),
            _ => None,
        }
    }

    /// Whether this CPU can run the level's kernels.
    fn supported(self) -> bool {
        match self {
            Level::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            Level::Avx2 => std::is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "aarch64")]
            Level::Neon => std::arch::is_aarch64_feature_detected!("neon"),
            _ => false,
        }
    }

    /// The next level down on the same CPU family.
    fn below(self) -> Level {
        match self {
            Level::Scalar | Level::Avx2 | Level::Neon => Level::Scalar,
        }
    }

    /// The best level this CPU has.
    fn best() -> Level {
        [Level::Avx2, Level::Neon]
            .into_iter()
            .find(|l| l.supported())
            .unwrap_or(Level::Scalar)
    }

    /// `want` if the CPU has it, else the best level below it that it has; `None` = the best.
    fn resolve(want: Option<Level>) -> Level {
        let Some(mut l) = want else {
            return Level::best();
        };
        while !l.supported() {
            l = l.below();
        }
        l
    }
}

/// A level this CPU supports: only this module makes one (after checking), so a kernel given a
/// `Cpu` may run that level's `#[target_feature]` code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cpu(Level);

impl Cpu {
    #[inline(always)]
    pub(crate) fn level(self) -> Level {
        self.0
    }

    /// The level if this CPU has it (tests run every level the machine has).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn get(level: Level) -> Option<Cpu> {
        level.supported().then_some(Cpu(level))
    }
}

// The process's level: 0 = not chosen yet, else a `Level` discriminant. A plain atomic (no lazy
// static with a destructor): the library is dlopen'd and dlclose'd.
static LEVEL: AtomicU8 = AtomicU8::new(0);

/// The process's CPU level (chosen at the first call).
#[inline(always)]
pub(crate) fn cpu() -> Cpu {
    match LEVEL.load(Ordering::Relaxed) {
        1 => Cpu(Level::Scalar),
        2 => Cpu(Level::Avx2),
        3 => Cpu(Level::Neon),
        _ => choose(),
    }
}

#[cold]
fn choose() -> Cpu {
    let want = std::env::var("VENC_CPU")
        .ok()
        .and_then(|v| Level::parse(&v));
    let l = Level::resolve(want);
    // Threads racing here compute the same level.
    LEVEL.store(l as u8, Ordering::Relaxed);
    Cpu(l)
}

/// Defines `unsafe fn name(args) -> R` that runs the `#[inline(always)]` function `body` (the
/// scalar source) compiled with AVX2 enabled: the auto-vectorised AVX2 build of a kernel.
#[cfg(target_arch = "x86_64")]
macro_rules! avx2_build {
    ($(#[$m:meta])* $vis:vis fn $name:ident($($a:ident : $t:ty),* $(,)?) $(-> $r:ty)? => $body:path) => {
        $(#[$m])*
        /// # Safety
        /// The CPU must support AVX2.
        #[target_feature(enable = "avx2")]
        #[allow(clippy::too_many_arguments)]
        $vis unsafe fn $name($($a: $t),*) $(-> $r)? {
            $body($($a),*)
        }
    };
}
#[cfg(target_arch = "x86_64")]
pub(crate) use avx2_build;

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for the kernels' tests: every level above scalar, and deterministic inputs.
    use super::{Cpu, Level};

    /// Runs `f` for each level above scalar that this CPU has; prints `SKIPPED` for the others
    /// (a kernel is never compared with itself).
    pub(crate) fn each_simd_level(mut f: impl FnMut(Cpu)) {
        for l in [Level::Avx2, Level::Neon] {
            match Cpu::get(l) {
                Some(cpu) => f(cpu),
                None => println!("SKIPPED: {} not available on this CPU", l.name()),
            }
        }
    }

    /// A small LCG: the same inputs on every run and machine.
    pub(crate) struct Rng(pub(crate) u32);

    impl Rng {
        pub(crate) fn next(&mut self) -> u32 {
            self.0 = self.0.wrapping_mul(1664525).wrapping_add(1013904223);
            self.0
        }
        pub(crate) fn byte(&mut self) -> u8 {
            (self.next() >> 24) as u8
        }
        /// Uniform in lo..=hi.
        pub(crate) fn range(&mut self, lo: i32, hi: i32) -> i32 {
            lo + ((self.next() >> 8) % (hi - lo + 1) as u32) as i32
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_resolve_to_ones_the_cpu_has() {
        assert_eq!(Level::resolve(Some(Level::Scalar)), Level::Scalar);
        // Asking for what the CPU lacks falls back below it: each CPU family has one level
        // above scalar.
        let (avx2, neon) = (Level::Avx2.supported(), Level::Neon.supported());
        assert!(!(avx2 && neon));
        assert_eq!(
            neon,
            cfg!(target_arch = "aarch64"),
            "NEON is baseline on aarch64"
        );
        let or_scalar = |has: bool, l: Level| if has { l } else { Level::Scalar };
        assert_eq!(
            Level::resolve(Some(Level::Avx2)),
            or_scalar(avx2, Level::Avx2)
        );
        assert_eq!(
            Level::resolve(Some(Level::Neon)),
            or_scalar(neon, Level::Neon)
        );
        let best = if avx2 {
            Level::Avx2
        } else {
            or_scalar(neon, Level::Neon)
        };
        assert_eq!(Level::resolve(None), best);
        assert_eq!(Level::parse("neon"), Some(Level::Neon));
        assert_eq!(Level::parse(" AVX2"), Some(Level::Avx2));
        assert_eq!(Level::parse("auto"), None);
        assert_eq!(Level::parse("sse9"), None);
        // The process's level is a supported one and stays the same.
        let l = cpu().level();
        assert!(l.supported());
        assert_eq!(cpu().level(), l);
    }
}
