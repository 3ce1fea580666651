//! Small throughput helpers: sums with independent accumulators (so the compiler can vectorise
//! them instead of waiting on one f64 add chain) and checks of integer counts. The whole-view
//! passes are compiled for AVX2 too ([`bs_simd::vectorised!`]), with identical results.

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

bs_simd::vectorised! {
    /// `(Σ values in f64, max_of(values))` — exactly `sum_by(values, f64::from)` and
    /// [`max_of`] — when every value is finite and ≥ 0; `None` otherwise. One pass instead of
    /// three over a view.
    pub(crate) fn valid_sum_max, valid_sum_max_baseline(values: &[f32]) -> Option<(f64, f32)> {
        all_valid_counts_baseline(values).then(|| (sum_by(values, f64::from), max_of(values)))
    }
}

bs_simd::vectorised! {
    /// Whether every value is finite and ≥ 0 (branch-free, so it vectorises).
    pub(crate) fn all_valid_counts, all_valid_counts_baseline(values: &[f32]) -> bool {
        values
            .iter()
            .fold(true, |ok, &x| ok & (0.0..=f32::MAX).contains(&x))
    }
}

bs_simd::vectorised! {
    /// The maximum when all values are integers in `0..=limit`; `None` otherwise (e.g.
    /// rescaled, non-integer counts).
    pub(crate) fn integer_max, integer_max_baseline(values: &[f32], limit: u32) -> Option<u32> {
        let max = max_of(values);
        if max > limit.min(1 << 22) as f32 {
            return None;
        }
        // for 0 ≤ v < 2²³, adding and subtracting 2²³ rounds v to an integer in f32
        // (branch-free, unlike the saturating `as` casts, so the loop vectorises)
        const ROUNDER: f32 = 8_388_608.0;
        let all_integer = values.iter().fold(true, |ok, &v| {
            ok & (v >= 0.0) & ((v + ROUNDER) - ROUNDER == v)
        });
        all_integer.then_some(max as u32)
    }
}

bs_simd::vectorised! {
    /// `(Σ values, max)` of 16-bit counts (exact integers).
    pub(crate) fn count_sum_max, count_sum_max_baseline(values: &[u16]) -> (u64, u16) {
        let (mut sum, mut max) = (0u64, 0u16);
        // a block's sum, ≤ 2¹⁶ · 65535 < 2³², fits a u32 lane: the loop vectorises
        for block in values.chunks(1 << 16) {
            sum += u64::from(block.iter().map(|&v| u32::from(v)).sum::<u32>());
            max = max.max(block.iter().copied().fold(0, u16::max));
        }
        (sum, max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn views() -> Vec<Vec<f32>> {
        let mut state = 0x9E37_79B9_u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 33) as u32
        };
        let mut out = Vec::new();
        for len in [0usize, 1, 7, 8, 9, 1000, 262_144 + 5] {
            let ints: Vec<f32> = (0..len).map(|_| (next() % 300) as f32).collect();
            let mut frac = ints.clone();
            frac.iter_mut().step_by(97).for_each(|v| *v *= 1.37);
            out.push(ints);
            out.push(frac);
        }
        let mut bad = out[10].clone();
        bad[500] = f32::NAN;
        out.push(bad);
        let mut neg = out[10].clone();
        neg[999] = -1.0;
        out.push(neg);
        let mut inf = out[10].clone();
        inf[3] = f32::INFINITY;
        out.push(inf);
        out
    }

    #[test]
    fn count_sum_max_is_exact() {
        let mut state = 0x51_7CC1_B727_220A_u64;
        for len in [0usize, 1, 15, 16, 17, 65_535, 65_536, 65_537, 300_001] {
            let values: Vec<u16> = (0..len)
                .map(|i| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1);
                    // long runs at the top of the range test the u32 block sums
                    if i % 3 == 0 {
                        u16::MAX
                    } else {
                        (state >> 48) as u16
                    }
                })
                .collect();
            let expected = (
                values.iter().map(|&v| u64::from(v)).sum::<u64>(),
                values.iter().copied().max().unwrap_or(0),
            );
            assert_eq!(count_sum_max(&values), expected, "len {len}");
            assert_eq!(count_sum_max_baseline(&values), expected, "len {len}");
        }
    }

    #[test]
    fn dispatched_passes_equal_the_baseline_and_the_separate_passes() {
        for (i, v) in views().iter().enumerate() {
            let valid = v.iter().all(|x| x.is_finite() && *x >= 0.0);
            assert_eq!(all_valid_counts(v), valid, "view {i}");
            assert_eq!(all_valid_counts_baseline(v), valid, "view {i}");
            let fused = valid_sum_max(v);
            assert_eq!(fused, valid_sum_max_baseline(v), "view {i}");
            let expected = valid.then(|| (sum_by(v, f64::from), max_of(v)));
            assert_eq!(
                fused.map(|(s, m)| (s.to_bits(), m.to_bits())),
                expected.map(|(s, m)| (s.to_bits(), m.to_bits())),
                "view {i}"
            );
            for limit in [255, 299, 65_536] {
                let expected = (v.iter().all(|&x| x >= 0.0 && x.fract() == 0.0)
                    && v.iter().all(|&x| x <= limit as f32))
                .then(|| v.iter().fold(0.0f32, |a, &b| a.max(b)) as u32);
                assert_eq!(integer_max(v, limit), expected, "view {i} limit {limit}");
                assert_eq!(integer_max_baseline(v, limit), expected, "view {i}");
            }
        }
    }
}
