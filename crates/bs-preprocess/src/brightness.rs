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

use crate::config::BrightnessConfig;
use crate::error::{PrepareError, Result, ViewSide};

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
/// `max + 1` entries per gain trial instead of the per-pixel arithmetic.
enum Counted<'a> {
    Integers(&'a [f32], u32),
    Pixels(&'a [f32]),
}

fn lut(max: u32, gain: f64, cfg: &BrightnessConfig) -> Vec<f32> {
    (0..=max).map(|v| apply_gain(v as f32, gain, cfg)).collect()
}

impl Counted<'_> {
    fn mean_after(&self, gain: f64, cfg: &BrightnessConfig) -> f64 {
        match self {
            Counted::Integers(values, max) => {
                let table = lut(*max, gain, cfg);
                crate::fast::sum_by(values, |x| table[x as usize] as f64) / values.len() as f64
            }
            Counted::Pixels(values) => {
                crate::fast::sum_by(values, |x| apply_gain(x, gain, cfg) as f64)
                    / values.len() as f64
            }
        }
    }
}

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

/// Finds the gain for the counted pixels `values` (see the module doc).
pub fn fit_gain(
    values: &[f32],
    cfg: &BrightnessConfig,
    side: ViewSide,
) -> Result<BrightnessReport> {
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
    let raw_mean = crate::fast::sum_by(values, |x| x as f64) / values.len() as f64;
    let counted = match crate::fast::integer_max(values, LUT_LIMIT) {
        Some(max) => Counted::Integers(values, max),
        None => Counted::Pixels(values),
    };
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
            let max = crate::fast::max_of(values) as f64;
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
    let clip = cfg.clip_max as f64;
    let clipped = values.iter().filter(|&&x| x as f64 * gain >= clip).count();
    debug_assert!(clipped <= values.len());
    Ok(BrightnessReport {
        gain,
        iterations,
        mean,
        clipped_fraction: clipped as f64 / values.len() as f64,
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
        let r = fit_gain(&v, &cfg, ViewSide::Anterior).unwrap();
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
        let r = fit_gain(&v, &cfg, ViewSide::Anterior).unwrap();
        assert!(r.iterations > 1, "{r:?}");
        assert!((r.gain - 7.95 / 9.9).abs() < 1e-5, "{r:?}");
        assert!((r.clipped_fraction - 0.01).abs() < 1e-12);
        // with 8-bit rounding the mean still lands within the tolerance of 10.5
        let q = fit_gain(&v, &BrightnessConfig::default(), ViewSide::Anterior).unwrap();
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
    fn too_sparse_view_is_a_typed_error() {
        // 1 pixel in 1000 lit: even at 255 the mean is 0.255
        let mut v = vec![0.0f32; 1000];
        v[0] = 5.0;
        let e = fit_gain(&v, &BrightnessConfig::default(), ViewSide::Posterior).unwrap_err();
        assert!(
            matches!(e, PrepareError::BrightnessNotReached { .. }),
            "{e}"
        );
    }
}
