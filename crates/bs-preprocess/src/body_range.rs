//! Body range by projection profile (Section 3.3: "the detection of the body range was
//! accomplished using the projection profile").
//!
//! The view is thresholded at `t` (see [`crate::BodyThreshold`]); the row profile
//! `P_r(i) = #{j : x_ij > t}` and the column profile `P_c(j) = #{i : x_ij > t}` count body pixels
//! per line. A line belongs to the body when its profile is ≥ `min_pixels_per_line`; runs of body
//! lines shorter than `min_run` are dropped as noise, and the body range is the span from the first
//! to the last remaining body line (gaps inside, e.g. between an arm and the trunk, are kept).

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::config::{BodyRangeConfig, BodyThreshold};
use crate::count::Count;
use crate::error::{PrepareError, Result, ViewName};

/// The body's bounding box in a view's own coordinates (half-open ranges).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyRange {
    /// First body row.
    pub row_start: usize,
    /// One past the last body row.
    pub row_end: usize,
    /// First body column.
    pub col_start: usize,
    /// One past the last body column.
    pub col_end: usize,
}

impl BodyRange {
    /// Body height in rows.
    pub fn rows(&self) -> usize {
        self.row_end - self.row_start
    }
    /// Body width in columns.
    pub fn cols(&self) -> usize {
        self.col_end - self.col_start
    }
}

/// Mean and maximum of a view in one pass (mean accumulated in f64).
pub(crate) fn mean_and_max(view: ArrayView2<f32>) -> (f64, f32) {
    let n = view.len().max(1) as f64;
    match view.as_slice() {
        Some(v) => (
            crate::fast::sum_by(v, |x| x as f64) / n,
            crate::fast::max_of(v),
        ),
        None => {
            let (sum, max) = view
                .iter()
                .fold((0.0f64, 0.0f32), |(s, m), &v| (s + v as f64, m.max(v)));
            (sum / n, max)
        }
    }
}

/// The body threshold in counts for a view of the given mean and maximum.
pub(crate) fn threshold_from_stats(threshold: BodyThreshold, mean: f64, max: f32) -> f32 {
    match threshold {
        BodyThreshold::Counts(t) => t,
        BodyThreshold::FractionOfMean(f) => mean as f32 * f,
        BodyThreshold::FractionOfMax(f) => max * f,
    }
}

/// The threshold in counts that [`body_range`] uses for this view.
pub fn body_threshold(view: ArrayView2<f32>, threshold: BodyThreshold) -> f32 {
    let (mean, max) = mean_and_max(view);
    threshold_from_stats(threshold, mean, max)
}

/// Span `[first, last+1)` of the lines whose profile is ≥ `min_pixels`, ignoring runs of such lines
/// shorter than `min_run`; `None` when no run remains.
pub(crate) fn profile_span(
    profile: &[usize],
    min_pixels: usize,
    min_run: usize,
) -> Option<(usize, usize)> {
    let mut span: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < profile.len() {
        if profile[i] >= min_pixels {
            let start = i;
            while i < profile.len() && profile[i] >= min_pixels {
                i += 1;
            }
            if i - start >= min_run {
                span = Some(match span {
                    None => (start, i),
                    Some((s, _)) => (s, i),
                });
            }
        } else {
            i += 1;
        }
    }
    span
}

/// Projection profiles of a thresholded view and counts used by the saturation check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Profiles {
    /// Pixels above the threshold in each row.
    pub rows: Vec<usize>,
    /// Pixels above the threshold in each column.
    pub cols: Vec<usize>,
    /// Pixels above the threshold in the view.
    pub body_pixels: usize,
    /// Of those, pixels equal to `max`.
    pub at_max: usize,
}

/// Row and column profiles of `view > threshold` (one pass), for views of `f32` or `u16`
/// counts.
pub(crate) fn profiles<P: Count>(view: ArrayView2<P>, threshold: f32, max: f32) -> Profiles {
    let (rows, cols) = view.dim();
    let mut p = Profiles {
        rows: vec![0; rows],
        cols: Vec::new(),
        body_pixels: 0,
        at_max: 0,
    };
    let mut cols32 = vec![0u32; cols];
    if let Some(values) = view.as_slice().filter(|_| cols > 0) {
        (p.body_pixels, p.at_max) =
            P::row_profiles(values, threshold, max, &mut p.rows, &mut cols32);
        p.cols = cols32.into_iter().map(|c| c as usize).collect();
        return p;
    }
    for (i, row) in view.outer_iter().enumerate() {
        let (mut n, mut at_max) = (0u32, 0u32);
        for (c, v) in cols32.iter_mut().zip(row.iter().map(|v| v.to_f32())) {
            let on = (v > threshold) as u32;
            n += on;
            *c += on;
            at_max += on & (v == max) as u32;
        }
        p.rows[i] = n as usize;
        p.body_pixels += n as usize;
        p.at_max += at_max as usize;
    }
    p.cols = cols32.into_iter().map(|c| c as usize).collect();
    p
}

bs_simd::vectorised! {
    /// [`profiles`] of a contiguous view of `rows.len()` rows of `cols.len()` columns: fills
    /// `rows` and adds to `cols`; returns `(body_pixels, at_max)`.
    pub(crate) fn row_profiles, row_profiles_baseline(
        values: &[f32],
        threshold: f32,
        max: f32,
        rows: &mut [usize],
        cols: &mut [u32],
    ) -> (usize, usize) {
        let (mut body, mut saturated) = (0usize, 0usize);
        for (row, n_out) in values.chunks_exact(cols.len()).zip(rows.iter_mut()) {
            let (mut n, mut at_max) = (0u32, 0u32);
            for (c, &v) in cols.iter_mut().zip(row) {
                let on = (v > threshold) as u32;
                n += on;
                *c += on;
                at_max += on & (v == max) as u32;
            }
            *n_out = n as usize;
            body += n as usize;
            saturated += at_max as usize;
        }
        (body, saturated)
    }
}

/// [`row_profiles`] of 16-bit counts: the same profiles, compared as integers. For an integer
/// `v`, `v > t` exactly when `v ≥ ⌊t⌋ + 1`, so the pass compares 16-bit lanes (twice as many
/// per instruction as f32) and counts columns in 16-bit lanes (a view has < 2¹⁶ rows).
pub(crate) fn count_row_profiles(
    values: &[u16],
    threshold: f32,
    max: f32,
    rows: &mut [usize],
    cols: &mut [u32],
) -> (usize, usize) {
    let width = cols.len();
    let n_rows = values.len() / width.max(1);
    // `v > threshold` as `v ≥ lowest`; above every u16 (or NaN): nothing is body
    let lowest = f64::from(threshold).floor() + 1.0;
    let narrow = width > 0 && width <= usize::from(u16::MAX) && n_rows <= usize::from(u16::MAX);
    // (false for NaN too)
    let representable = lowest <= 65_535.0;
    if !representable || !narrow || max.fract() != 0.0 {
        // (rare: thresholds past every count, a maximum that is not one) compared as f32
        let floats: Vec<f32> = values.iter().map(|&v| f32::from(v)).collect();
        return row_profiles(&floats, threshold, max, rows, cols);
    }
    let lowest = lowest.max(0.0) as u16;
    // a maximum above every u16 matches no pixel: compare with a value no pixel "on" has
    let max = if max <= 65_535.0 {
        Some(max as u16)
    } else {
        None
    };
    let mut cols16 = vec![0u16; width];
    let (body, saturated) = integer_row_profiles(values, lowest, max, rows, &mut cols16);
    for (c, n) in cols.iter_mut().zip(cols16) {
        *c += u32::from(n);
    }
    (body, saturated)
}

bs_simd::vectorised! {
    /// The pass of [`count_row_profiles`]: pixels `≥ lowest` per row and (added) per column,
    /// and how many of them equal `max`.
    fn integer_row_profiles, integer_row_profiles_baseline(
        values: &[u16],
        lowest: u16,
        max: Option<u16>,
        rows: &mut [usize],
        cols: &mut [u16],
    ) -> (usize, usize) {
        let (mut body, mut saturated) = (0usize, 0usize);
        let (max, any_max) = (max.unwrap_or(0), u16::from(max.is_some()));
        for (row, n_out) in values.chunks_exact(cols.len()).zip(rows.iter_mut()) {
            let (mut n, mut at_max) = (0u16, 0u16);
            for (c, &v) in cols.iter_mut().zip(row) {
                let on = u16::from(v >= lowest);
                n += on;
                *c += on;
                at_max += on & u16::from(v == max) & any_max;
            }
            *n_out = usize::from(n);
            body += usize::from(n);
            saturated += usize::from(at_max);
        }
        (body, saturated)
    }
}

/// The body range from profiles (see the module doc); [`PrepareError::BlankView`] when no row or
/// no column run qualifies.
pub(crate) fn range_from_profiles(
    p: &Profiles,
    cfg: &BodyRangeConfig,
    side: ViewName,
    threshold: f32,
    max: f32,
) -> Result<BodyRange> {
    let blank = || PrepareError::BlankView {
        side,
        threshold,
        min_pixels: cfg.min_pixels_per_line,
        max,
    };
    let (row_start, row_end) =
        profile_span(&p.rows, cfg.min_pixels_per_line, cfg.min_run).ok_or_else(blank)?;
    let (col_start, col_end) =
        profile_span(&p.cols, cfg.min_pixels_per_line, cfg.min_run).ok_or_else(blank)?;
    Ok(BodyRange {
        row_start,
        row_end,
        col_start,
        col_end,
    })
}

/// Finds the body range of a view by projection profiles (see the module doc).
///
/// Errors: [`PrepareError::BlankView`] when no row or no column run qualifies.
pub fn body_range(
    view: ArrayView2<f32>,
    cfg: &BodyRangeConfig,
    side: ViewName,
) -> Result<BodyRange> {
    let (mean, max) = mean_and_max(view);
    let t = threshold_from_stats(cfg.threshold, mean, max);
    range_from_profiles(&profiles(view, t, max), cfg, side, t, max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn span_ignores_short_runs_and_keeps_inner_gaps() {
        let p = [0, 5, 0, 0, 4, 4, 4, 4, 0, 0, 3, 3, 3, 3, 3, 0, 9, 0];
        assert_eq!(profile_span(&p, 3, 4), Some((4, 15)));
        assert_eq!(profile_span(&p, 3, 1), Some((1, 17)));
        assert_eq!(profile_span(&p, 10, 1), None);
    }

    #[test]
    fn rectangle_body_is_found_exactly() {
        let mut v = Array2::<f32>::zeros((100, 40));
        v.slice_mut(ndarray::s![20..70, 5..30]).fill(10.0);
        v[[2, 2]] = 50.0; // a hot pixel: a run of one line, ignored
        let r = body_range(v.view(), &BodyRangeConfig::default(), ViewName::Anterior).unwrap();
        assert_eq!(
            (r.row_start, r.row_end, r.col_start, r.col_end),
            (20, 70, 5, 30)
        );
    }

    #[test]
    fn integer_profiles_equal_the_float_comparison() {
        let mut state = 0x2545_F491_u64;
        for (rows, cols) in [(1usize, 1usize), (3, 17), (40, 33), (300, 256)] {
            let values: Vec<u16> = (0..rows * cols)
                .map(|_| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1);
                    match (state >> 60) % 4 {
                        0 => 0,
                        1 => u16::MAX,
                        _ => (state >> 40) as u16 % 300,
                    }
                })
                .collect();
            for threshold in [
                -3.0f32,
                -0.5,
                0.0,
                0.25,
                3.4,
                7.0,
                299.9,
                65_534.5,
                65_535.0,
                1e9,
                f32::NAN,
            ] {
                for max in [0.0f32, 7.0, 299.0, 65_535.0, 70_000.0, 2.5] {
                    // the f32 pass on the same values is the reference
                    let floats: Vec<f32> = values.iter().map(|&v| f32::from(v)).collect();
                    let (mut r, mut c) = (vec![0; rows], vec![5u32; cols]);
                    let totals = row_profiles_baseline(&floats, threshold, max, &mut r, &mut c);
                    let want = (r, c, totals);
                    let (mut r, mut c) = (vec![0; rows], vec![5u32; cols]);
                    let totals = count_row_profiles(&values, threshold, max, &mut r, &mut c);
                    assert_eq!((r, c, totals), want, "t {threshold} max {max}");
                    let lowest = f64::from(threshold).floor() + 1.0;
                    if lowest <= 65_535.0 && max.fract() == 0.0 {
                        let lowest = lowest.max(0.0) as u16;
                        let max = (max <= 65_535.0).then_some(max as u16);
                        let (mut r, mut c) = (vec![0; rows], vec![0u16; cols]);
                        let (mut r2, mut c2) = (vec![0; rows], vec![0u16; cols]);
                        assert_eq!(
                            integer_row_profiles(&values, lowest, max, &mut r, &mut c),
                            integer_row_profiles_baseline(&values, lowest, max, &mut r2, &mut c2)
                        );
                        assert_eq!((r, c), (r2, c2));
                    }
                }
            }
        }
    }

    #[test]
    fn blank_view_is_a_typed_error() {
        let v = Array2::<f32>::zeros((50, 20));
        let e = body_range(v.view(), &BodyRangeConfig::default(), ViewName::Posterior).unwrap_err();
        assert!(
            matches!(
                e,
                PrepareError::BlankView {
                    side: ViewName::Posterior,
                    ..
                }
            ),
            "{e}"
        );
    }
}
