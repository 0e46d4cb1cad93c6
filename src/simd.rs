//! Run-time dispatch to AVX2 builds of portable kernels. The kernels are plain Rust written
//! for auto-vectorisation; on x86_64 CPUs with AVX2 the same source is compiled a second time
//! with AVX2 enabled (8-lane integer multiplies, which baseline SSE2 lacks) and chosen once.

/// Whether the CPU has AVX2 (probed once; a plain static, nothing to tear down at dlclose).
#[cfg(target_arch = "x86_64")]
pub fn has_avx2() -> bool {
    use std::sync::atomic::{AtomicU8, Ordering};
    // 0 = not probed yet, 1 = no, 2 = yes.
    static AVX2: AtomicU8 = AtomicU8::new(0);
    match AVX2.load(Ordering::Relaxed) {
        0 => {
            let yes = std::is_x86_feature_detected!("avx2");
            AVX2.store(1 + yes as u8, Ordering::Relaxed);
            yes
        }
        v => v == 2,
    }
}

/// `dispatch!(pub fn name(a: A, b: B) -> R => body);` defines `name`, which calls the
/// `#[inline(always)]` function `body` compiled for AVX2 when the CPU has it, else the
/// portable build. Integer kernels give identical results either way.
macro_rules! dispatch {
    ($(#[$m:meta])* $vis:vis fn $name:ident($($a:ident : $t:ty),* $(,)?) $(-> $r:ty)? => $body:path) => {
        $(#[$m])*
        #[allow(clippy::too_many_arguments)]
        $vis fn $name($($a: $t),*) $(-> $r)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2")]
                #[allow(clippy::too_many_arguments)]
                unsafe fn avx2($($a: $t),*) $(-> $r)? {
                    $body($($a),*)
                }
                if $crate::simd::has_avx2() {
                    // SAFETY: the CPU supports AVX2 (checked at run time just above).
                    return unsafe { avx2($($a),*) };
                }
            }
            $body($($a),*)
        }
    };
}
pub(crate) use dispatch;
