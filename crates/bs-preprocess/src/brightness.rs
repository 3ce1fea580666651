//! Brightness normalisation after Cheng et al. (paper ref. [14], its Figure 3 flowchart).
//!
//! A linear transformation of the counts, `y = q(clamp(g·x, 0, C))` with `C = clip_max` (255) and
//! `q` rounding to the nearest integer when `quantise` (an 8-bit export), chosen so that the mean
//! intensity `m(g)` of the counted region lies in `(7, 14)`. Clipping lowers the mean below the
//! linear prediction `g·mean(x)`, hence the iteration
//!
//! ```text
//! g₀ = m* / mean(x),    g_{k+1} = g_k · m* / m(g_k)      (m* = target_mean, 10.5)
//! ```
//!
//! stopped when `|m(g_k) − m*| ≤ tolerance`. Without rounding, `m(g)/g` never increases with `g`,
//! so `m(g_k) ≤ m*` for every `k` and the gains increase monotonically towards the solution.
//! When even huge gains cannot lift the mean into the interval (a view that is almost all air),
//! the result is [`PrepareError::BrightnessNotReached`], never a NaN image.

use serde::{Deserialize, Serialize};

use std::borrow::Cow;

use crate::config::BrightnessConfig;
use crate::count::Count;
use crate::error::{PrepareError, Result, ViewName};

/// What the normalisation did to one view.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BrightnessReport {
    /// The final gain `g` (output intensity per count).
    pub gain: f64,
    /// Gain updates run after the initial guess.
    pub iterations: usize,
    /// Mean intensity of the counted region after normalisation.
    pub mean: f64,
    /// Fraction of the counted pixels clipped at `clip_max`.
    pub clipped_fraction: f64,
}

/// `q(clamp(g·x, 0, clip_max))`: one pixel through the normalisation.
#[inline]
pub fn apply_gain(x: f32, gain: f64, cfg: &BrightnessConfig) -> f32 {
    let y = ((x as f64) * gain).clamp(0.0, cfg.clip_max as f64) as f32;
    if cfg.quantise {
        // = y.round() for y ≥ 0 (half away from zero), without a libm call: the f64 sum is exact
        ((y as f64) + 0.5) as u32 as f32
    } else {
        y
    }
}

/// The counted pixels; integer counts (the usual case) go through a lookup table of
/// `max + 1` entries per gain trial instead of the per-pixel arithmetic, and with a quantised
/// output through their histogram: every mean is then a sum of integers, exact in f64 in any
/// order, so summing over the distinct values gives the per-pixel result to the bit.
enum Counted<'a> {
    Histogram { counts: Vec<u64>, pixels: usize },
    Integers(&'a [f32], u32),
    Pixels(&'a [f32]),
}

fn lut(max: u32, gain: f64, cfg: &BrightnessConfig) -> Vec<f32> {
    (0..=max).map(|v| apply_gain(v as f32, gain, cfg)).collect()
}

impl Counted<'_> {
    fn len(&self) -> usize {
        match self {
            Counted::Histogram { pixels, .. } => *pixels,
            Counted::Integers(values, _) | Counted::Pixels(values) => values.len(),
        }
    }

    /// Σ f(x) over the counted pixels (exact for the histogram: integer x and f(x)).
    fn sum(&self, f: impl Fn(f32) -> f64) -> f64 {
        match self {
            Counted::Histogram { counts, .. } => counts
                .iter()
                .enumerate()
                .map(|(v, &c)| c as f64 * f(v as f32))
                .sum(),
            Counted::Integers(values, _) | Counted::Pixels(values) => {
                crate::fast::sum_by(values, f)
            }
        }
    }

    fn mean_after(&self, gain: f64, cfg: &BrightnessConfig) -> f64 {
        let n = self.len() as f64;
        match self {
            Counted::Histogram { counts, .. } => {
                let table = lut(counts.len() as u32 - 1, gain, cfg);
                self.sum(|x| table[x as usize] as f64) / n
            }
            Counted::Integers(_, max) => {
                let table = lut(*max, gain, cfg);
                self.sum(|x| table[x as usize] as f64) / n
            }
            Counted::Pixels(_) => self.sum(|x| apply_gain(x, gain, cfg) as f64) / n,
        }
    }

    fn max(&self) -> f32 {
        match self {
            Counted::Histogram { counts, .. } => {
                counts.iter().rposition(|&c| c > 0).unwrap_or(0) as f32
            }
            Counted::Integers(values, _) | Counted::Pixels(values) => crate::fast::max_of(values),
        }
    }

    /// Pixels with `x · gain ≥ limit`.
    fn count_at_least(&self, gain: f64, limit: f64) -> usize {
        match self {
            Counted::Histogram { counts, .. } => counts
                .iter()
                .enumerate()
                .filter(|(v, _)| *v as f32 as f64 * gain >= limit)
                .map(|(_, &c)| c as usize)
                .sum(),
            Counted::Integers(values, _) | Counted::Pixels(values) => {
                values.iter().filter(|&&x| x as f64 * gain >= limit).count()
            }
        }
    }
}

/// Largest count whose view goes through a histogram (4 × 4096 counters stay in L1/L2 cache).
const HISTOGRAM_MAX: u32 = 4096;

/// Counts above this are normalised pixel by pixel rather than through a lookup table.
const LUT_LIMIT: u32 = 1 << 16;

/// Applies `gain` to every value in place: through a lookup table when all values are integer
/// counts up to 65536, pixel by pixel otherwise. Same result either way.
pub fn apply_gain_in_place(values: &mut [f32], gain: f64, cfg: &BrightnessConfig) {
    match crate::fast::integer_max(values, LUT_LIMIT) {
        Some(max) => {
            let table = lut(max, gain, cfg);
            for x in values.iter_mut() {
                *x = table[*x as usize];
            }
        }
        None => values
            .iter_mut()
            .for_each(|x| *x = apply_gain(*x, gain, cfg)),
    }
}

/// `q(clamp(g·x, 0, clip_max))` for many pixels: through a lookup table when the pixels are
/// known to be integers up to some maximum (the same values as [`apply_gain`]).
pub(crate) enum GainMap<'a> {
    Table(Vec<f32>),
    Pixels(f64, &'a BrightnessConfig),
}

impl<'a> GainMap<'a> {
    /// The map for pixels whose [`crate::fast::integer_max`] (of them or a superset) is
    /// `integer_max`.
    pub(crate) fn new(gain: f64, cfg: &'a BrightnessConfig, integer_max: Option<u32>) -> Self {
        match integer_max {
            Some(max) => GainMap::Table(lut(max, gain, cfg)),
            None => GainMap::Pixels(gain, cfg),
        }
    }

    /// Appends `apply_gain(src[i])` to `out`.
    pub(crate) fn extend<P: Count>(&self, src: &[P], out: &mut Vec<f32>) {
        match self {
            GainMap::Table(table) => P::extend_table(table, src, out),
            GainMap::Pixels(gain, cfg) => {
                out.extend(src.iter().map(|&x| apply_gain(x.to_f32(), *gain, cfg)))
            }
        }
    }
}

bs_simd::vectorised! {
    /// Appends `table[src[i]]` to `out`, for integer pixels in `0..table.len()` (< 2²³).
    pub(crate) fn extend_table, extend_table_baseline(table: &[f32], src: &[f32], out: &mut Vec<f32>) {
        // the low 23 bits of x + 2²³ are x: vectorises where the saturating `x as usize` does
        // not
        const ROUNDER: f32 = 8_388_608.0;
        let Some(last) = table.len().checked_sub(1) else {
            return;
        };
        // `min` keeps the index provably in bounds (a no-op for the pixels the table is made
        // for), so the lookup needs no per-pixel branch and vectorises as a gather
        out.extend(
            src.iter()
                .map(|&x| table[(((x + ROUNDER).to_bits() & 0x7F_FFFF) as usize).min(last)]),
        );
    }
}

bs_simd::vectorised! {
    /// [`extend_table`] of 16-bit counts: appends `table[src[i]]` for `src[i] < table.len()`.
    pub(crate) fn extend_count_table, extend_count_table_baseline(
        table: &[f32],
        src: &[u16],
        out: &mut Vec<f32>,
    ) {
        let Some(last) = table.len().checked_sub(1) else {
            return;
        };
        // `min` as in `extend_table`: no per-pixel bounds branch, so a vector gather
        out.extend(src.iter().map(|&x| table[usize::from(x).min(last)]));
    }
}

/// Finds the gain for the counted pixels `values` (see the module doc).
pub fn fit_gain<P: Count>(
    values: &[P],
    cfg: &BrightnessConfig,
    side: ViewName,
) -> Result<BrightnessReport> {
    fit_gain_with_max(values, cfg, side).map(|fit| fit.report)
}

/// What [`fit_gain_with_max`] found besides the report.
pub(crate) struct GainFit {
    pub(crate) report: BrightnessReport,
    /// [`crate::fast::integer_max`] of the values.
    pub(crate) integer_max: Option<u32>,
    /// Pixels per count `0..=max`, when the fit went through the histogram.
    pub(crate) histogram: Option<Vec<u64>>,
}

/// Pixels per output intensity of pixels counted by `histogram` (pixels per count) once
/// normalised through `table` (the [`GainMap::Table`] that wrote them): the histogram of the
/// normalised image without a pass over it. `None` unless the output is quantised (integer
/// intensities) and the table covers every count.
pub(crate) fn normalised_histogram(
    histogram: &[u64],
    table: &[f32],
    cfg: &BrightnessConfig,
) -> Option<Vec<u64>> {
    if !cfg.quantise || histogram.is_empty() || histogram.len() > table.len() {
        return None;
    }
    let top = table.iter().copied().fold(0.0f32, f32::max) as usize;
    let mut out = vec![0u64; top + 1];
    for (&y, &n) in table.iter().zip(histogram) {
        out[y as usize] += n;
    }
    Some(out)
}

/// [`fit_gain`], also giving [`crate::fast::integer_max`] of `values` and their histogram
/// when it was made.
pub(crate) fn fit_gain_with_max<P: Count>(
    values: &[P],
    cfg: &BrightnessConfig,
    side: ViewName,
) -> Result<GainFit> {
    let not_reached =
        |achieved: f64, iterations: usize, gain: f64| PrepareError::BrightnessNotReached {
            side,
            achieved,
            iterations,
            gain,
            low: cfg.target_low,
            high: cfg.target_high,
        };
    if values.is_empty() {
        return Err(not_reached(0.0, 0, 0.0));
    }
    // a histogram pays when it is much shorter than the pixel list and stays in cache; its
    // pass also checks that every value is an integer up to the limit, so the usual case (a
    // view of integer counts) costs one check and one counting pass
    let histogram = match cfg.quantise && (HISTOGRAM_MAX as usize) * 8 < values.len() {
        true => P::integer_histogram(values, HISTOGRAM_MAX - 1),
        false => None,
    };
    // the other ways count f32 pixels (a conversion only for u16 views past the histogram)
    let floats = match histogram {
        Some(_) => Cow::Borrowed(&[][..]),
        None => P::as_f32(values),
    };
    let (counted, integer_max) = match histogram {
        Some(counts) => {
            let max = counts.len() as u32 - 1;
            let counted = Counted::Histogram {
                counts,
                pixels: values.len(),
            };
            (counted, Some(max))
        }
        None => match crate::fast::integer_max(&floats, LUT_LIMIT) {
            Some(max) => (Counted::Integers(&floats, max), Some(max)),
            None => (Counted::Pixels(&floats), None),
        },
    };
    let raw_mean = counted.sum(|x| x as f64) / values.len() as f64;
    if !(raw_mean > 0.0 && raw_mean.is_finite()) {
        return Err(not_reached(0.0, 0, 0.0));
    }
    let target = cfg.target_mean;
    let mut gain = target / raw_mean;
    let mut mean = counted.mean_after(gain, cfg);
    let mut iterations = 0;
    while (mean - target).abs() > cfg.tolerance && iterations < cfg.max_iterations {
        if mean <= 0.0 {
            // rounding sent everything to 0: restart from a gain that lifts the largest count to 1
            let max = counted.max() as f64;
            gain = gain.max(1.0 / max);
        } else {
            gain *= target / mean;
        }
        if !gain.is_finite() {
            break;
        }
        mean = counted.mean_after(gain, cfg);
        iterations += 1;
    }
    if !(mean > cfg.target_low && mean < cfg.target_high) {
        return Err(not_reached(mean, iterations, gain));
    }
    let clipped = counted.count_at_least(gain, cfg.clip_max as f64);
    debug_assert!(clipped <= values.len());
    Ok(GainFit {
        report: BrightnessReport {
            gain,
            iterations,
            mean,
            clipped_fraction: clipped as f64 / values.len() as f64,
        },
        integer_max,
        histogram: match counted {
            Counted::Histogram { counts, .. } => Some(counts),
            _ => None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unclipped_view_needs_one_step() {
        let v: Vec<f32> = (0..1000).map(|i| (i % 20) as f32).collect(); // mean 9.5
        let cfg = BrightnessConfig {
            quantise: false,
            ..Default::default()
        };
        let r = fit_gain(&v, &cfg, ViewName::Anterior).unwrap();
        assert_eq!(r.iterations, 0);
        assert!((r.gain - 10.5 / 9.5).abs() < 1e-12);
        assert!((r.mean - 10.5).abs() < 1e-5);
    }

    #[test]
    fn clipping_is_compensated_by_iterating() {
        // 1 % very hot pixels: the first guess clips them at 255 and undershoots the target.
        // Closed form without rounding: 0.99·10·g + 0.01·255 = 10.5  ⇒  g = 7.95 / 9.9.
        let mut v = vec![10.0f32; 990];
        v.extend(std::iter::repeat_n(100_000.0f32, 10));
        let cfg = BrightnessConfig {
            quantise: false,
            tolerance: 1e-6,
            ..Default::default()
        };
        let r = fit_gain(&v, &cfg, ViewName::Anterior).unwrap();
        assert!(r.iterations > 1, "{r:?}");
        assert!((r.gain - 7.95 / 9.9).abs() < 1e-5, "{r:?}");
        assert!((r.clipped_fraction - 0.01).abs() < 1e-12);
        // with 8-bit rounding the mean still lands within the tolerance of 10.5
        let q = fit_gain(&v, &BrightnessConfig::default(), ViewName::Anterior).unwrap();
        assert!((q.mean - 10.5).abs() <= 0.05, "{q:?}");
    }

    #[test]
    fn lookup_table_and_pixel_paths_agree() {
        let cfg = BrightnessConfig::default();
        let ints: Vec<f32> = (0..5000).map(|i| ((i * 7919) % 300) as f32).collect();
        let mut frac = ints.clone();
        frac[0] = 0.5; // one non-integer count forces the pixel-by-pixel path
        for gain in [0.013, 0.77, 1.0, 3.3] {
            let mut a = ints.clone();
            apply_gain_in_place(&mut a, gain, &cfg);
            let b: Vec<f32> = ints.iter().map(|&x| apply_gain(x, gain, &cfg)).collect();
            assert_eq!(a, b);
            let h = Counted::Integers(&ints, crate::fast::integer_max(&ints, LUT_LIMIT).unwrap());
            let p = Counted::Pixels(&ints);
            assert!((h.mean_after(gain, &cfg) - p.mean_after(gain, &cfg)).abs() < 1e-9);
        }
        assert!(crate::fast::integer_max(&frac, LUT_LIMIT).is_none());
        // rounding is half away from zero, like f32::round
        for y in [0.0f32, 0.49999997, 0.5, 1.5, 2.5, 254.5, 254.49998] {
            assert_eq!(apply_gain(y, 1.0, &cfg), y.round(), "{y}");
        }
    }

    #[test]
    fn table_passes_equal_their_baselines_and_the_lookup() {
        let cfg = BrightnessConfig::default();
        let table = lut(300, 0.77, &cfg);
        for len in [0usize, 1, 7, 8, 9, 33, 1000] {
            let counts: Vec<u16> = (0..len).map(|i| ((i * 7919) % 301) as u16).collect();
            let floats: Vec<f32> = counts.iter().map(|&v| f32::from(v)).collect();
            let want: Vec<f32> = counts.iter().map(|&v| table[usize::from(v)]).collect();
            // appended after what the output holds
            let run = |f: fn(&[f32], &[f32], &mut Vec<f32>)| {
                let mut out = vec![-1.0];
                f(&table, &floats, &mut out);
                out
            };
            let run_counts = |f: fn(&[f32], &[u16], &mut Vec<f32>)| {
                let mut out = vec![-1.0];
                f(&table, &counts, &mut out);
                out
            };
            for out in [
                run(extend_table),
                run(extend_table_baseline),
                run_counts(extend_count_table),
                run_counts(extend_count_table_baseline),
            ] {
                assert_eq!(out[0], -1.0);
                assert_eq!(out[1..], want[..], "len {len}");
            }
        }
    }

    #[test]
    fn too_sparse_view_is_a_typed_error() {
        // 1 pixel in 1000 lit: even at 255 the mean is 0.255
        let mut v = vec![0.0f32; 1000];
        v[0] = 5.0;
        let e = fit_gain(&v, &BrightnessConfig::default(), ViewName::Posterior).unwrap_err();
        assert!(
            matches!(e, PrepareError::BrightnessNotReached { .. }),
            "{e}"
        );
    }
}

#[cfg(test)]
mod histogram_tests {
    use super::*;

    #[test]
    fn histogram_equals_the_pixel_by_pixel_sums() {
        let cfg = BrightnessConfig::default();
        let mut state = 0x1234_5678_u64;
        for case in 0..50 {
            let top = [3u32, 255, 300, 4000, 65_536][case % 5];
            let values: Vec<f32> = (0..20_000 + case)
                .map(|_| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1);
                    let r = (state >> 33) as u32;
                    if r % 3 == 0 {
                        0.0
                    } else {
                        (r % (top + 1)) as f32
                    }
                })
                .collect();
            let max = crate::fast::integer_max(&values, LUT_LIMIT).unwrap();
            let h = Counted::Histogram {
                counts: bs_masks::otsu::integer_histogram(&values, max).unwrap(),
                pixels: values.len(),
            };
            let p = Counted::Integers(&values, max);
            assert_eq!(h.sum(|x| x as f64), p.sum(|x| x as f64), "case {case}");
            assert_eq!(h.max(), p.max(), "case {case}");
            for gain in [1e-4, 0.013, 0.77, 1.0, 3.3, 200.0] {
                assert_eq!(h.mean_after(gain, &cfg), p.mean_after(gain, &cfg));
                assert_eq!(h.count_at_least(gain, 255.0), p.count_at_least(gain, 255.0));
            }
        }
    }
}
