//! Pixel loops compiled for AVX2 as well as for the x86-64 baseline, the variant picked at run
//! time — the one place in bonescan where `unsafe` code is written.
//!
//! Why: release builds target the x86-64 baseline (SSE2), which widens, compares and converts
//! four values at a time and lacks unsigned 16-bit min/max. The whole-image passes of reading,
//! preprocessing and Otsu masks (conversions, checks, maxima, profiles, histogram indices,
//! lookup tables) run faster compiled for AVX2, which x86-64 servers and workstations of the
//! last decade have (`docs/measurements.md`). Results do not change: the same source compiled
//! twice, with no fused multiply-add (Rust never contracts `a * b + c`) and no reassociation of
//! float sums, so every variant gives the same bits.
//!
//! See [`vectorised!`].

/// Defines a function twice: `$name`, which runs the body compiled for AVX2 when the CPU has it,
/// and `$baseline`, the same body compiled for the build's target only (for tests and
/// comparisons). Arguments are plain `name: Type` (no patterns, generics or `self`).
///
/// ```
/// bs_simd::vectorised! {
///     /// Largest value (0 for none).
///     pub fn max_of, max_of_baseline(values: &[f32]) -> f32 {
///         values.iter().copied().fold(0.0f32, f32::max)
///     }
/// }
/// let values: Vec<f32> = (0..1000).map(|i| i as f32).collect();
/// assert_eq!(max_of(&values), 999.0);
/// assert_eq!(max_of(&values), max_of_baseline(&values));
/// ```
///
/// Why a macro rather than a function taking a closure: the body must be compiled *inside* the
/// `#[target_feature(enable = "avx2")]` function, and a closure called from both variants is
/// not reliably inlined into either (measured: the histogram pass stayed SSE2 code).
#[macro_export]
macro_rules! vectorised {
    (
        $(#[$attr:meta])*
        $vis:vis fn $name:ident, $baseline:ident ($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block
    ) => {
        #[doc = concat!("[`", stringify!($name), "`] compiled for the build's target only.")]
        #[inline(always)]
        #[allow(dead_code)]
        $vis fn $baseline($($arg: $ty),*) $(-> $ret)? $body

        $(#[$attr])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            /// # Safety
            /// The CPU must support AVX2.
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2")]
            #[allow(unsafe_code)]
            unsafe fn avx2($($arg: $ty),*) $(-> $ret)? {
                $baseline($($arg),*)
            }
            #[cfg(target_arch = "x86_64")]
            if $crate::has_avx2() {
                #[allow(unsafe_code)]
                // SAFETY: the one requirement of `avx2`, the CPU's AVX2, is checked just above.
                return unsafe { avx2($($arg),*) };
            }
            $baseline($($arg),*)
        }
    };
}

/// Whether functions made by [`vectorised!`] run their AVX2 variant on this CPU.
pub fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::vectorised! {
        /// A float sum in a fixed order and an unsigned 16-bit min/max.
        fn sum_and_range, sum_and_range_baseline(values: &[f32]) -> (u64, u16, u16) {
            let sum: f64 = values.iter().map(|&v| f64::from(v)).sum();
            let ints: Vec<u16> = values.iter().map(|&v| v as u16).collect();
            let lo = ints.iter().copied().fold(u16::MAX, u16::min);
            let hi = ints.iter().copied().fold(0, u16::max);
            (sum.to_bits(), lo, hi)
        }
    }

    #[test]
    fn both_variants_give_the_same_result() {
        // the dispatched variant (AVX2 on such a CPU) must equal the baseline bit for bit
        let values: Vec<f32> = (0..10_007)
            .map(|i| ((i * 7919) % 1013) as f32 * 0.37)
            .collect();
        let (sum, lo, hi) = sum_and_range(&values);
        assert_eq!((sum, lo, hi), sum_and_range_baseline(&values));
        assert_eq!((lo, hi), (0, 374));
    }

    #[test]
    fn reports_avx2_as_the_standard_library_detects_it() {
        #[cfg(target_arch = "x86_64")]
        assert_eq!(has_avx2(), std::arch::is_x86_feature_detected!("avx2"));
        #[cfg(not(target_arch = "x86_64"))]
        assert!(!has_avx2());
    }
}
