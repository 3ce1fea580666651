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
use crate::error::{PrepareError, Result, ViewSide};

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

/// The threshold in counts that [`body_range`] uses for this view.
pub fn body_threshold(view: ArrayView2<f32>, threshold: BodyThreshold) -> f32 {
    match threshold {
        BodyThreshold::Counts(t) => t,
        BodyThreshold::FractionOfMean(f) => {
            let n = view.len().max(1) as f64;
            (view.iter().map(|&v| v as f64).sum::<f64>() / n) as f32 * f
        }
        BodyThreshold::FractionOfMax(f) => view.iter().copied().fold(0.0f32, f32::max) * f,
    }
}

/// Span `[first, last+1)` of the lines whose profile is ≥ `min_pixels`, ignoring runs of such lines
/// shorter than `min_run`; `None` when no run remains.
pub fn profile_span(
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

/// Finds the body range of a view by projection profiles (see the module doc).
///
/// Errors: [`PrepareError::BlankView`] when no row or no column run qualifies.
pub fn body_range(
    view: ArrayView2<f32>,
    cfg: &BodyRangeConfig,
    side: ViewSide,
) -> Result<BodyRange> {
    let (rows, cols) = view.dim();
    let t = body_threshold(view, cfg.threshold);
    let mut row_profile = vec![0usize; rows];
    let mut col_profile = vec![0usize; cols];
    for (i, row) in view.outer_iter().enumerate() {
        let mut n = 0;
        for (j, &v) in row.iter().enumerate() {
            if v > t {
                n += 1;
                col_profile[j] += 1;
            }
        }
        row_profile[i] = n;
    }
    let blank = || PrepareError::BlankView {
        side,
        threshold: t,
        min_pixels: cfg.min_pixels_per_line,
        max: view.iter().copied().fold(0.0f32, f32::max),
    };
    let (row_start, row_end) =
        profile_span(&row_profile, cfg.min_pixels_per_line, cfg.min_run).ok_or_else(blank)?;
    let (col_start, col_end) =
        profile_span(&col_profile, cfg.min_pixels_per_line, cfg.min_run).ok_or_else(blank)?;
    Ok(BodyRange {
        row_start,
        row_end,
        col_start,
        col_end,
    })
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
        let r = body_range(v.view(), &BodyRangeConfig::default(), ViewSide::Anterior).unwrap();
        assert_eq!(
            (r.row_start, r.row_end, r.col_start, r.col_end),
            (20, 70, 5, 30)
        );
    }

    #[test]
    fn blank_view_is_a_typed_error() {
        let v = Array2::<f32>::zeros((50, 20));
        let e = body_range(v.view(), &BodyRangeConfig::default(), ViewSide::Posterior).unwrap_err();
        assert!(
            matches!(
                e,
                PrepareError::BlankView {
                    side: ViewSide::Posterior,
                    ..
                }
            ),
            "{e}"
        );
    }
}
