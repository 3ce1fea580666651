//! Otsu's threshold, computed exactly like scikit-image's (0.26) `threshold_otsu(image)`
//! (default `nbins=256`) on a float32 image: the same bins, the same float32 arithmetic.
//!
//! Binning (numpy's `histogram(image, bins=256, range=(min, max))` in float32): the edges are
//! `e_i = i · ((max − min) / 256) + min` for `i < 256` and `e_256 = max`; a value `v` goes to
//! bin `⌊(v − min) / (max − min) · 256⌋` (256 → 255), corrected by one when that disagrees
//! with the edges; bin centres are `(e_i + e_{i+1}) / 2`. For every split `k` between bin
//! `k` and `k+1` the between-class variance is
//!
//! `σ²_B(k) = w₁(k) · w₂(k+1) · (μ₁(k) − μ₂(k+1))²`
//!
//! with `w₁(k) = Σ_{i≤k} n_i`, `w₂(k) = Σ_{i≥k} n_i`, `μ₁`, `μ₂` the count-weighted mean bin
//! centres of the two sides, all in float32 as scikit-image 0.26 computes them (it converts
//! the counts to float32). The threshold is the centre of the first
//! bin maximising `σ²_B`; pixels `> threshold` are foreground. An image with a single value
//! returns that value.

use ndarray::{ArrayBase, Data, Dimension};

use crate::error::{MaskError, Result};

/// Number of histogram bins (scikit-image's default `nbins`).
pub const OTSU_BINS: usize = 256;

/// Otsu's threshold of a list of values (see the module docs for the exact binning).
///
/// Errors: empty input, a NaN/infinite value, or a range too narrow for 256 distinct float32
/// bins (where scikit-image raises too).
pub fn otsu_threshold(values: &[f32]) -> Result<f32> {
    let first = *values.first().ok_or(MaskError::EmptyImage)?;
    let (min, max) = finite_range(values)?;
    if min == max {
        return Ok(first);
    }
    let (counts, centres) = histogram_f32(values, min, max).ok_or(MaskError::RangeTooNarrow {
        min,
        max,
        bins: OTSU_BINS,
    })?;
    Ok(centres[best_split(&counts, &centres)])
}

/// Otsu's threshold of an image (any ndarray of `f32`, any layout; non-contiguous views are
/// copied once). A non-finite value is reported by its index in memory order, which is the
/// row-major index for ordinary arrays.
pub fn otsu_threshold_array<S, D>(image: &ArrayBase<S, D>) -> Result<f32>
where
    S: Data<Elem = f32>,
    D: Dimension,
{
    match image.as_slice_memory_order() {
        Some(values) => otsu_threshold(values),
        None => otsu_threshold(&image.iter().copied().collect::<Vec<f32>>()),
    }
}

/// `(min, max)` of the values, or the index of the first NaN/infinite one. Eight running
/// minima/maxima keep the loop free of dependencies so it vectorises.
fn finite_range(values: &[f32]) -> Result<(f32, f32)> {
    const LANES: usize = 8;
    let mut mins = [f32::INFINITY; LANES];
    let mut maxs = [f32::NEG_INFINITY; LANES];
    // v · 0 is 0 for finite v and NaN for NaN or ±∞, so one NaN in `poison` flags them all.
    let mut poison = [0f32; LANES];
    let chunks = values.chunks_exact(LANES);
    let tail = chunks.remainder();
    for chunk in chunks {
        for k in 0..LANES {
            let v = chunk[k];
            poison[k] += v * 0.0;
            mins[k] = if v < mins[k] { v } else { mins[k] };
            maxs[k] = if v > maxs[k] { v } else { maxs[k] };
        }
    }
    for &v in tail {
        poison[0] += v * 0.0;
        mins[0] = mins[0].min(v);
        maxs[0] = maxs[0].max(v);
    }
    if poison.iter().any(|p| p.is_nan()) {
        let index = values.iter().position(|v| !v.is_finite()).unwrap_or(0);
        return Err(MaskError::NonFiniteValue { index });
    }
    let min = mins.iter().copied().fold(f32::INFINITY, f32::min);
    let max = maxs.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    Ok((min, max))
}

/// Otsu's threshold of the multiset holding `values[i]` `counts[i]` times (values with count
/// 0 are ignored; all values finite): the same threshold as [`otsu_threshold`] on the
/// expanded list, from the same bins and arithmetic, at the cost of the distinct values only.
/// Used for integer-valued images (8-bit exports), whose histogram is small.
pub fn otsu_threshold_counted(values: &[f32], counts: &[u64]) -> Result<f32> {
    let present = || {
        values
            .iter()
            .zip(counts)
            .filter(|(_, &c)| c > 0)
            .map(|(&v, &c)| (v, c))
    };
    let (first, _) = present().next().ok_or(MaskError::EmptyImage)?;
    if let Some(index) = values.iter().position(|v| !v.is_finite()) {
        return Err(MaskError::NonFiniteValue { index });
    }
    let (min, max) = present().fold((first, first), |(lo, hi), (v, _)| (lo.min(v), hi.max(v)));
    if min == max {
        return Ok(first);
    }
    let bins = Bins::new(min, max).ok_or(MaskError::RangeTooNarrow {
        min,
        max,
        bins: OTSU_BINS,
    })?;
    let mut hist = [0i64; OTSU_BINS];
    for (v, c) in present() {
        hist[bins.bin(v)] += c as i64;
    }
    let centres = bins.centres();
    Ok(centres[best_split(&hist, &centres)])
}

/// Pixels per value `0..=max` when every value is an integer in `0..=limit` (8-bit exports,
/// counts; `limit` below 2²³); `None` otherwise (non-integers, negatives, NaN). With
/// [`otsu_threshold_counted`] this gives Otsu's threshold of integer images at the cost of one
/// counting pass.
///
/// The passes run compiled for AVX2 where the CPU has it ([`bs_simd::vectorised!`]).
pub fn integer_histogram(values: &[f32], limit: u32) -> Option<Vec<u64>> {
    integer_histogram_dispatched(values, limit)
}

bs_simd::vectorised! {
    /// [`integer_histogram`], compiled for AVX2 too.
    fn integer_histogram_dispatched, integer_histogram_baseline(
        values: &[f32],
        limit: u32,
    ) -> Option<Vec<u64>> {
        let limit = limit.min((1 << 23) - 1) as f32;
        // for 0 ≤ v < 2²³, adding and subtracting 2²³ rounds v to an integer in f32; NaN fails
        // the comparisons. Branch-free, so the check vectorises.
        const ROUNDER: f32 = 8_388_608.0;
        // eight independent lanes, so the loop vectorises
        const LANES: usize = 8;
        let integer = |v: f32| (v >= 0.0) & (v <= limit) & ((v + ROUNDER) - ROUNDER == v);
        let mut ok = [true; LANES];
        let mut maxs = [0f32; LANES];
        let chunks = values.chunks_exact(LANES);
        for &v in chunks.remainder() {
            ok[0] &= integer(v);
            maxs[0] = if v > maxs[0] { v } else { maxs[0] };
        }
        for c in chunks {
            for k in 0..LANES {
                ok[k] &= integer(c[k]);
                maxs[k] = if c[k] > maxs[k] { c[k] } else { maxs[k] };
            }
        }
        if !ok.iter().all(|&o| o) {
            return None;
        }
        let max = maxs.iter().fold(0f32, |a, &b| a.max(b));
        // for an integer 0 ≤ v < 2²³ the low 23 bits of v + 2²³ are v (branch-free)
        Some(spread_count(values, max as usize + 1, |v| {
            (v + ROUNDER).to_bits() & 0x7F_FFFF
        }))
    }
}

/// Pixels per value `0..=max` of 16-bit integer counts when `max ≤ limit`; `None` otherwise.
/// The same counts as [`integer_histogram`] of the values as f32, in half the memory traffic
/// and with no integer check (bs-preprocess's path for counts read as stored).
pub fn count_histogram(values: &[u16], limit: u32) -> Option<Vec<u64>> {
    count_histogram_dispatched(values, limit)
}

bs_simd::vectorised! {
    /// [`count_histogram`], compiled for AVX2 too.
    fn count_histogram_dispatched, count_histogram_baseline(
        values: &[u16],
        limit: u32,
    ) -> Option<Vec<u64>> {
        let max = values.iter().copied().fold(0u16, u16::max);
        (u32::from(max) <= limit)
            .then(|| spread_count(values, usize::from(max) + 1, u32::from))
    }
}

/// Pixels per bin `0..bins` of `index(v)` over `values` (every index must be below `bins`).
///
/// Eight interleaved histograms, so that runs of one value (air) do not wait on one counter's
/// store-to-load latency; the indices of a block are made first, branch-free, so that loop
/// vectorises, and the counting loop is unrolled over the eight histograms (no index
/// arithmetic per pixel).
#[inline(always)]
fn spread_count<T: Copy>(values: &[T], bins: usize, index: impl Fn(T) -> u32) -> Vec<u64> {
    const SPREAD: usize = 8;
    let mut partial = vec![0u32; SPREAD * bins];
    let [h0, h1, h2, h3, h4, h5, h6, h7]: [&mut [u32]; SPREAD] = {
        let mut parts = partial.chunks_exact_mut(bins);
        std::array::from_fn(|_| parts.next().expect("SPREAD chunks"))
    };
    let mut indices = [0u32; 256];
    for block in values.chunks(256) {
        let indices = &mut indices[..block.len()];
        for (i, &v) in indices.iter_mut().zip(block) {
            *i = index(v);
        }
        let octets = indices.chunks_exact(SPREAD);
        for &i in octets.remainder() {
            h0[i as usize] += 1;
        }
        for o in octets {
            h0[o[0] as usize] += 1;
            h1[o[1] as usize] += 1;
            h2[o[2] as usize] += 1;
            h3[o[3] as usize] += 1;
            h4[o[4] as usize] += 1;
            h5[o[5] as usize] += 1;
            h6[o[6] as usize] += 1;
            h7[o[7] as usize] += 1;
        }
    }
    (0..bins)
        .map(|v| (0..SPREAD).map(|k| u64::from(partial[k * bins + v])).sum())
        .collect()
}

/// numpy's uniform 256-bin binning of float32 values in `[first, last]` (see the module doc).
struct Bins {
    first: f32,
    norm_denom: f32,
    scale: f32,
    /// Whether a bin spans many float32 steps (the multiplied guess is then good enough).
    wide: bool,
    edges: [f32; OTSU_BINS + 1],
    lower: [f32; OTSU_BINS],
    upper: [f32; OTSU_BINS],
}

impl Bins {
    /// The bins of `[first, last]`; `None` when the 257 float32 edges are not strictly
    /// increasing (numpy raises then).
    fn new(first: f32, last: f32) -> Option<Bins> {
        let n = OTSU_BINS;
        // np.linspace(first, last, n + 1, dtype=float32)
        let delta = last - first;
        let step = delta / n as f32;
        let mut edges = [0f32; OTSU_BINS + 1];
        for (i, e) in edges.iter_mut().enumerate() {
            *e = if step == 0.0 {
                (i as f32 / n as f32) * delta + first
            } else {
                i as f32 * step + first
            };
        }
        edges[n] = last;
        if edges.windows(2).any(|e| e[0] >= e[1]) {
            return None;
        }
        let norm_denom = last - first;
        // numpy's index: ⌊(v − first) / (last − first) · n⌋, n → n − 1, then one step down when
        // below its lower edge and one step up when at or above its upper edge (not for the last
        // bin, which includes `last`). When a bin spans many float32 steps, any first guess
        // within one bin of the right one ends on the same bin after that correction, so the
        // guess may use a multiplication (which vectorises) instead of numpy's division; narrow
        // ranges keep numpy's exact guess.
        Some(Bins {
            first,
            norm_denom,
            scale: n as f32 / norm_denom,
            wide: step > 64.0 * f32::EPSILON * first.abs().max(last.abs()),
            edges,
            lower: std::array::from_fn(|i| edges[i]),
            upper: std::array::from_fn(|i| {
                if i == n - 1 {
                    f32::INFINITY
                } else {
                    edges[i + 1]
                }
            }),
        })
    }

    /// First guess of the bin of `v` by multiplication (only when `wide`), clamped to the last bin.
    #[inline]
    fn guess_wide(&self, v: f32) -> f32 {
        ((v - self.first) * self.scale).min(OTSU_BINS as f32 - 1.0)
    }

    /// numpy's own first guess, by division, clamped to the last bin.
    #[inline]
    fn guess_exact(&self, v: f32) -> f32 {
        (((v - self.first) / self.norm_denom) * OTSU_BINS as f32).min(OTSU_BINS as f32 - 1.0)
    }

    /// The bin of `v` from a guess within one bin of it: with such a guess g, numpy's
    /// sequential correction equals g − [v < lower(g)] + [v ≥ upper(g)], where the last bin has
    /// no upper edge.
    #[inline]
    fn correct(&self, v: f32, guess: f32) -> usize {
        let index = (guess as u32 as usize).min(OTSU_BINS - 1);
        index - usize::from(v < self.lower[index]) + usize::from(v >= self.upper[index])
    }

    /// The bin of one value.
    fn bin(&self, v: f32) -> usize {
        let guess = if self.wide {
            self.guess_wide(v)
        } else {
            self.guess_exact(v)
        };
        self.correct(v, guess)
    }

    /// Bin centres `(e_i + e_{i+1}) / 2`.
    fn centres(&self) -> [f32; OTSU_BINS] {
        std::array::from_fn(|i| (self.edges[i] + self.edges[i + 1]) / 2.0)
    }
}

/// numpy's uniform-bin `histogram` in float32: counts and bin centres; `None` when the 257
/// float32 edges are not strictly increasing (numpy raises then).
fn histogram_f32(
    values: &[f32],
    first: f32,
    last: f32,
) -> Option<([i64; OTSU_BINS], [f32; OTSU_BINS])> {
    let bins = Bins::new(first, last)?;
    // Guesses for a block are computed first (a vectorisable loop), then corrected and
    // counted into four interleaved histograms so equal neighbours do not serialise.
    const BLOCK: usize = 256;
    let mut partial = [[0u64; OTSU_BINS]; 4];
    let mut guesses = [0f32; BLOCK];
    for block in values.chunks(BLOCK) {
        let guesses = &mut guesses[..block.len()];
        if bins.wide {
            for (g, &v) in guesses.iter_mut().zip(block) {
                *g = bins.guess_wide(v);
            }
        } else {
            for (g, &v) in guesses.iter_mut().zip(block) {
                *g = bins.guess_exact(v);
            }
        }
        for (k, (&v, &g)) in block.iter().zip(guesses.iter()).enumerate() {
            partial[k & 3][bins.correct(v, g)] += 1;
        }
    }
    let mut counts = [0i64; OTSU_BINS];
    for (i, c) in counts.iter_mut().enumerate() {
        *c = partial.iter().map(|p| p[i] as i64).sum();
    }
    Some((counts, bins.centres()))
}

/// Index of the first bin maximising the between-class variance. scikit-image (0.26) turns
/// the counts into float32, so every sum, mean and product below is float32 too, accumulated
/// in the same order as numpy's `cumsum`.
fn best_split(counts: &[i64; OTSU_BINS], centres: &[f32; OTSU_BINS]) -> usize {
    let n = OTSU_BINS;
    let counts: Vec<f32> = counts.iter().map(|&c| c as f32).collect();
    let weighted: Vec<f32> = counts.iter().zip(centres).map(|(&c, &b)| c * b).collect();
    let mut weight1 = vec![0f32; n];
    let mut mean1 = vec![0f32; n];
    let (mut w, mut s) = (0f32, 0f32);
    for i in 0..n {
        w += counts[i];
        s += weighted[i];
        weight1[i] = w;
        mean1[i] = s / w;
    }
    let mut weight2 = vec![0f32; n];
    let mut mean2 = vec![0f32; n];
    let (mut w, mut s) = (0f32, 0f32);
    for i in (0..n).rev() {
        w += counts[i];
        s += weighted[i];
        weight2[i] = w;
        mean2[i] = s / w;
    }
    let mut best = 0;
    let mut best_variance = f32::NEG_INFINITY;
    for k in 0..n - 1 {
        let d = mean1[k] - mean2[k + 1];
        let variance = (weight1[k] * weight2[k + 1]) * (d * d);
        // np.argmax: the first maximum, or the first NaN if there is one.
        if variance.is_nan() {
            return k;
        }
        if variance > best_variance {
            best = k;
            best_variance = variance;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Pixels per value counted one by one; `None` unless all are integers in `0..=limit`.
    fn naive_histogram(values: &[f32], limit: u32) -> Option<Vec<u64>> {
        let ok = values
            .iter()
            .all(|&v| v >= 0.0 && v <= limit as f32 && v.fract() == 0.0);
        if !ok {
            return None;
        }
        let max = values.iter().fold(0.0f32, |a, &b| a.max(b)) as usize;
        let mut counts = vec![0u64; max + 1];
        values.iter().for_each(|&v| counts[v as usize] += 1);
        Some(counts)
    }

    #[test]
    fn histogram_variants_equal_a_naive_count() {
        let mut rng = ChaCha8Rng::seed_from_u64(23);
        for case in 0..400 {
            // lengths around the 8-way unrolling and the 256-value blocks
            let len = [0, 1, 7, 8, 9, 255, 256, 257, 1000, 70_001][case % 10];
            let top = [0u16, 1, 255, 4095, 65_535][case % 5];
            let air = rng.random_range(0.0..1.0);
            let counts: Vec<u16> = (0..len)
                .map(|_| {
                    if rng.random_bool(air) {
                        0
                    } else {
                        rng.random_range(0..=top)
                    }
                })
                .collect();
            let mut values: Vec<f32> = counts.iter().map(|&v| f32::from(v)).collect();
            // 16-bit counts: the same histogram as their f32 values
            for limit in [255, 4095, 65_535] {
                let expected = naive_histogram(&values, limit);
                assert_eq!(count_histogram(&counts, limit), expected, "case {case}");
                assert_eq!(
                    count_histogram_baseline(&counts, limit),
                    expected,
                    "case {case}"
                );
            }
            if case % 7 == 3 && len > 0 {
                // one value that disqualifies the image
                let bad = [0.5, -1.0, f32::NAN, f32::INFINITY, 70_000.0][case % 5];
                let at = rng.random_range(0..len);
                values[at] = bad;
            }
            for limit in [255, 65_536] {
                let expected = naive_histogram(&values, limit.min((1 << 23) - 1));
                assert_eq!(integer_histogram(&values, limit), expected, "case {case}");
                assert_eq!(
                    integer_histogram_baseline(&values, limit),
                    expected,
                    "case {case}"
                );
            }
        }
    }

    #[test]
    fn counted_threshold_equals_the_expanded_list() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for case in 0..500 {
            let distinct = rng.random_range(1..300);
            let offset = [0.0f32, -7.25, 1000.0, 0.001][case % 4];
            let scale = [1.0f32, 0.013, 37.0, 1e-6][case / 4 % 4];
            let values: Vec<f32> = (0..distinct).map(|v| offset + v as f32 * scale).collect();
            let counts: Vec<u64> = (0..distinct)
                .map(|_| {
                    if rng.random_bool(0.3) {
                        0
                    } else {
                        rng.random_range(1..50)
                    }
                })
                .collect();
            let expanded: Vec<f32> = values
                .iter()
                .zip(&counts)
                .flat_map(|(&v, &c)| std::iter::repeat_n(v, c as usize))
                .collect();
            let ours = otsu_threshold_counted(&values, &counts);
            let list = otsu_threshold(&expanded);
            match (ours, list) {
                (Ok(a), Ok(b)) => assert_eq!(a.to_bits(), b.to_bits(), "case {case}"),
                (a, b) => assert_eq!(a.is_err(), b.is_err(), "case {case}: {a:?} vs {b:?}"),
            }
        }
        assert!(otsu_threshold_counted(&[1.0, 2.0], &[0, 0]).is_err());
        assert_eq!(otsu_threshold_counted(&[3.0, 2.0], &[0, 5]).unwrap(), 2.0);
    }
}
