//! Small throughput helpers: sums with independent accumulators (so the compiler can vectorise
//! them instead of waiting on one f64 add chain) and checks of integer counts.

/// `Σ f(v)` over `values` in f64, with eight interleaved accumulators.
#[inline]
pub(crate) fn sum_by(values: &[f32], f: impl Fn(f32) -> f64) -> f64 {
    let mut acc = [0.0f64; 8];
    let chunks = values.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for k in 0..8 {
            acc[k] += f(c[k]);
        }
    }
    acc.iter().sum::<f64>() + rest.iter().map(|&v| f(v)).sum::<f64>()
}

/// Largest value (0 for an empty slice or all values ≤ 0).
#[inline]
pub(crate) fn max_of(values: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let chunks = values.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for k in 0..8 {
            acc[k] = acc[k].max(c[k]);
        }
    }
    rest.iter()
        .chain(acc.iter())
        .copied()
        .fold(0.0f32, f32::max)
}

/// Whether every value is finite and ≥ 0 (branch-free, so it vectorises).
pub(crate) fn all_valid_counts(values: &[f32]) -> bool {
    values
        .iter()
        .fold(true, |ok, &x| ok & (0.0..=f32::MAX).contains(&x))
}

/// The maximum when all values are integers in `0..=limit`; `None` otherwise (e.g. rescaled,
/// non-integer counts).
pub(crate) fn integer_max(values: &[f32], limit: u32) -> Option<u32> {
    let max = max_of(values);
    if max > limit.min(1 << 22) as f32 {
        return None;
    }
    // for 0 ≤ v < 2²³, adding and subtracting 2²³ rounds v to an integer in f32 (branch-free,
    // unlike the saturating `as` casts, so the loop vectorises)
    const ROUNDER: f32 = 8_388_608.0;
    let all_integer = values.iter().fold(true, |ok, &v| {
        ok & (v >= 0.0) & ((v + ROUNDER) - ROUNDER == v)
    });
    all_integer.then_some(max as u32)
}
