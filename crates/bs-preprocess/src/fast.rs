//! Small throughput helpers: sums with independent accumulators (so the compiler can vectorise
//! them instead of waiting on one f64 add chain) and integer-count histograms.

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

/// Histogram of values that are all integers in `0..=limit`; `None` otherwise (e.g. rescaled,
/// non-integer counts).
pub(crate) fn integer_histogram(values: &[f32], limit: u32) -> Option<Vec<u32>> {
    let max = max_of(values);
    if max > limit as f32 {
        return None;
    }
    let mut hist = vec![0u32; max as usize + 1];
    for &v in values {
        let i = v as u32;
        if i as f32 != v {
            return None;
        }
        hist[i as usize] += 1;
    }
    Some(hist)
}
