//! Cut and centre (Section 3.3: "extraction of two views with dimensions of 950 × 256 pixels
//! through cutting and centering. No scaling or other transformations were applied").
//!
//! Per axis, with body span `[b, b + n)` and target length `T`:
//! - `n ≤ T`: the body is centred, `shift = ⌊(T − n)/2⌋ − b` (padding with 0 where the view is
//!   shorter/narrower than the target);
//! - `n > T` (rows): [`TallBodyPolicy::KeepHead`] keeps the top, `shift = −b`;
//!   [`TallBodyPolicy::Centre`] cuts both ends, `shift = −(b + ⌊(n − T)/2⌋)`;
//! - `n > T` (columns): always centred as above.

use crate::body_range::BodyRange;
use crate::config::{PrepareConfig, TallBodyPolicy};
use crate::error::ViewName;
use crate::geometry::ViewGeometry;

/// The shift placing the span `[start, start + len)` into `[0, target)` (see the module doc).
pub(crate) fn centre_shift(
    start: usize,
    len: usize,
    target: usize,
    keep_start_when_long: bool,
) -> i64 {
    let (start, len, target) = (start as i64, len as i64, target as i64);
    if len <= target {
        (target - len) / 2 - start
    } else if keep_start_when_long {
        -start
    } else {
        -(start + (len - target) / 2)
    }
}

/// Plans the cut of one view: the geometry that centres `body` in the cut view.
pub fn plan_view(
    side: ViewName,
    source_shape: (usize, usize),
    body: BodyRange,
    mirrored: bool,
    cfg: &PrepareConfig,
) -> ViewGeometry {
    let (source_rows, source_cols) = source_shape;
    let keep_head = cfg.tall_body == TallBodyPolicy::KeepHead;
    let row_shift = centre_shift(body.row_start, body.rows(), cfg.cut_rows, keep_head);
    let working_col_start = if mirrored {
        source_cols - body.col_end
    } else {
        body.col_start
    };
    let col_shift = centre_shift(working_col_start, body.cols(), cfg.cut_cols, false);
    ViewGeometry {
        side,
        source_rows,
        source_cols,
        mirrored,
        body,
        row_shift,
        col_shift,
        cut_rows: cfg.cut_rows,
        cut_cols: cfg.cut_cols,
        keep_rows: cfg.keep_rows,
        merged_col_origin: match side {
            ViewName::Anterior => 0,
            ViewName::Posterior => cfg.cut_cols,
        },
        body_truncated: body.rows() > cfg.cut_rows || body.cols() > cfg.cut_cols,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centre_shift_cases() {
        // body 100..900 (800 rows) in 950: top margin 75
        assert_eq!(centre_shift(100, 800, 950, true), -25);
        // body longer than target: keep its start, or centre it
        assert_eq!(centre_shift(10, 1000, 950, true), -10);
        assert_eq!(centre_shift(10, 1000, 950, false), -35);
        // body at the right edge of a 256-wide view, 100 wide: its centre moves to 128
        assert_eq!(centre_shift(156, 100, 256, false), 78 - 156);
    }
}
