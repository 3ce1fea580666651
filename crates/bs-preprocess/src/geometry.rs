//! [`ViewGeometry`] and [`ScanGeometry`]: where every prepared pixel came from.
//!
//! Cutting and centring never scales, so each view's mapping is an integer translation, optionally
//! preceded by a left–right mirror (`W` = source columns):
//!
//! ```text
//! w        = if mirrored { W − 1 − c } else { c }          (working column)
//! cut row  = r + row_shift,   cut col = w + col_shift       (950×256 cut view)
//! prepared = (cut row, merged_col_origin + cut col)          if cut row < keep_rows
//! ```
//!
//! Both directions are exact; a pixel maps only where both ends exist (padding in the prepared
//! image has no source pixel; source pixels outside the cut or below `keep_rows` have no prepared
//! pixel). [`ScanGeometry::views_to_prepared`] and [`ScanGeometry::prepared_to_views`] move whole
//! masks, filling unmapped pixels with `T::default()` (0 = background).

use ndarray::{s, Array2, ArrayView2, ArrayViewMut2};
use serde::{Deserialize, Serialize};

use crate::body_range::BodyRange;
use crate::error::{PrepareError, Result, ViewName};

/// The geometry of one view: source → cut (950×256) → kept rows → merged columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewGeometry {
    /// Which view.
    pub side: ViewName,
    /// Rows of the source view (1024 for the scans of the paper).
    pub source_rows: usize,
    /// Columns of the source view (256).
    pub source_cols: usize,
    /// Whether the view was mirrored left–right before cutting.
    pub mirrored: bool,
    /// The detected body range, in source coordinates (not mirrored).
    pub body: BodyRange,
    /// `cut row = source row + row_shift`.
    pub row_shift: i64,
    /// `cut col = working col + col_shift` (working col = mirrored source col when `mirrored`).
    pub col_shift: i64,
    /// Rows of the cut view (950).
    pub cut_rows: usize,
    /// Columns of the cut view (256).
    pub cut_cols: usize,
    /// Rows of the cut view kept in the prepared image (640).
    pub keep_rows: usize,
    /// First column of this view in the merged image (0 for AP, `cut_cols` for PA).
    pub merged_col_origin: usize,
    /// True when part of the body range fell outside the cut view (body taller/wider than the cut).
    pub body_truncated: bool,
}

/// A rectangle of source pixels and the cut-view rectangle it lands in (see
/// [`ViewGeometry::mapped_rect`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedRect {
    /// Source rows.
    pub source_rows: std::ops::Range<usize>,
    /// Source columns (in source order).
    pub source_cols: std::ops::Range<usize>,
    /// Cut-view rows.
    pub cut_rows: std::ops::Range<usize>,
    /// Cut-view columns.
    pub cut_cols: std::ops::Range<usize>,
    /// Whether source columns run right-to-left in the cut.
    pub mirrored: bool,
}

impl MappedRect {
    /// The source pixels of the rectangle, in cut-view order (columns reversed when mirrored).
    pub fn source_view<'a, T>(&self, source: ArrayView2<'a, T>) -> ArrayView2<'a, T> {
        let (r, c) = (self.source_rows.clone(), self.source_cols.clone());
        if self.mirrored {
            source.slice_move(s![r, c;-1])
        } else {
            source.slice_move(s![r, c])
        }
    }

    /// The same, mutable.
    pub fn source_view_mut<'a, T>(&self, source: ArrayViewMut2<'a, T>) -> ArrayViewMut2<'a, T> {
        let (r, c) = (self.source_rows.clone(), self.source_cols.clone());
        if self.mirrored {
            source.slice_move(s![r, c;-1])
        } else {
            source.slice_move(s![r, c])
        }
    }
}

/// Half-open overlap `[lo, hi)` of source indices `i ∈ [0, n)` with `i + shift ∈ [0, limit)`.
fn overlap(n: usize, shift: i64, limit: usize) -> (usize, usize) {
    let lo = (-shift).max(0) as usize;
    let hi = (limit as i64 - shift).clamp(0, n as i64) as usize;
    (lo.min(hi), hi)
}

impl ViewGeometry {
    fn working_col(&self, c: usize) -> usize {
        if self.mirrored {
            self.source_cols - 1 - c
        } else {
            c
        }
    }

    /// Source pixel → cut-view pixel (950×256), if it lies inside the cut.
    pub fn source_to_cut(&self, r: usize, c: usize) -> Option<(usize, usize)> {
        if r >= self.source_rows || c >= self.source_cols {
            return None;
        }
        let cr = r as i64 + self.row_shift;
        let cc = self.working_col(c) as i64 + self.col_shift;
        ((0..self.cut_rows as i64).contains(&cr) && (0..self.cut_cols as i64).contains(&cc))
            .then_some((cr as usize, cc as usize))
    }

    /// Cut-view pixel → source pixel, if the cut pixel is not padding.
    pub fn cut_to_source(&self, r: usize, c: usize) -> Option<(usize, usize)> {
        if r >= self.cut_rows || c >= self.cut_cols {
            return None;
        }
        let sr = r as i64 - self.row_shift;
        let w = c as i64 - self.col_shift;
        if !(0..self.source_rows as i64).contains(&sr) || !(0..self.source_cols as i64).contains(&w)
        {
            return None;
        }
        Some((sr as usize, self.working_col(w as usize)))
    }

    /// Source pixel → prepared (merged 640×512) pixel, if it is kept.
    pub fn source_to_prepared(&self, r: usize, c: usize) -> Option<(usize, usize)> {
        self.source_to_cut(r, c)
            .filter(|&(cr, _)| cr < self.keep_rows)
            .map(|(cr, cc)| (cr, cc + self.merged_col_origin))
    }

    /// Prepared (merged) pixel → source pixel, if it lies in this view's half and is not padding.
    pub fn prepared_to_source(&self, r: usize, c: usize) -> Option<(usize, usize)> {
        if r >= self.keep_rows
            || c < self.merged_col_origin
            || c >= self.merged_col_origin + self.cut_cols
        {
            return None;
        }
        self.cut_to_source(r, c - self.merged_col_origin)
    }

    /// The rectangle present in both the source and the first `rows_limit` rows of the cut view:
    /// `(source rows, source columns, cut rows, cut columns)`, each half-open; source columns are
    /// listed in source order, and run right-to-left in the cut when `mirrored`.
    /// `None` when the two do not overlap.
    pub fn mapped_rect(&self, rows_limit: usize) -> Option<MappedRect> {
        let (r0, r1) = overlap(
            self.source_rows,
            self.row_shift,
            rows_limit.min(self.cut_rows),
        );
        let (w0, w1) = overlap(self.source_cols, self.col_shift, self.cut_cols);
        if r0 == r1 || w0 == w1 {
            return None;
        }
        let (c0, c1) = if self.mirrored {
            (self.source_cols - w1, self.source_cols - w0)
        } else {
            (w0, w1)
        };
        let cr0 = (r0 as i64 + self.row_shift) as usize;
        let cc0 = (w0 as i64 + self.col_shift) as usize;
        Some(MappedRect {
            source_rows: r0..r1,
            source_cols: c0..c1,
            cut_rows: cr0..cr0 + (r1 - r0),
            cut_cols: cc0..cc0 + (w1 - w0),
            mirrored: self.mirrored,
        })
    }

    /// Calls `f(source_row, source_col, cut_row, cut_col)` for every pixel present in both the source
    /// and the first `rows_limit` rows of the cut view, row by row.
    pub fn for_each_mapped(
        &self,
        rows_limit: usize,
        mut f: impl FnMut(usize, usize, usize, usize),
    ) {
        let Some(m) = self.mapped_rect(rows_limit) else {
            return;
        };
        for (k, r) in m.source_rows.clone().enumerate() {
            for (j, cc) in m.cut_cols.clone().enumerate() {
                let sc = if m.mirrored {
                    m.source_cols.end - 1 - j
                } else {
                    m.source_cols.start + j
                };
                f(r, sc, m.cut_rows.start + k, cc);
            }
        }
    }

    /// Cuts a source-shaped array to the first `rows` rows of the cut view, padding with `T::default()`.
    pub fn cut<T: Copy + Default>(&self, source: ArrayView2<T>, rows: usize) -> Result<Array2<T>> {
        self.cut_into(source, rows, Vec::new())
    }

    /// [`ViewGeometry::cut`] written into `buffer`'s memory (its contents are replaced): a
    /// reused buffer costs no page faults.
    pub fn cut_into<T: Copy + Default>(
        &self,
        source: ArrayView2<T>,
        rows: usize,
        mut buffer: Vec<T>,
    ) -> Result<Array2<T>> {
        self.check_source_shape(source.dim(), "view")?;
        let rows = rows.min(self.cut_rows);
        let width = self.cut_cols;
        buffer.clear();
        buffer.reserve_exact(rows * width);
        // row by row, each pixel written once: padding 0, the mapped source pixels between
        match self.mapped_rect(rows) {
            None => buffer.resize(rows * width, T::default()),
            Some(m) => {
                let pad =
                    |buffer: &mut Vec<T>, n: usize| buffer.resize(buffer.len() + n, T::default());
                pad(&mut buffer, m.cut_rows.start * width);
                for row in m.source_view(source).outer_iter() {
                    pad(&mut buffer, m.cut_cols.start);
                    match row.as_slice() {
                        Some(values) => buffer.extend_from_slice(values),
                        None => buffer.extend(row.iter().copied()),
                    }
                    pad(&mut buffer, width - m.cut_cols.end);
                }
                pad(&mut buffer, (rows - m.cut_rows.end) * width);
            }
        }
        Ok(Array2::from_shape_vec((rows, width), buffer).expect("length rows × cut_cols"))
    }

    fn check_source_shape(&self, got: (usize, usize), what: &str) -> Result<()> {
        let expected = (self.source_rows, self.source_cols);
        if got != expected {
            return Err(PrepareError::ShapeMismatch {
                what: format!("{} {what}", self.side),
                got,
                expected,
            });
        }
        Ok(())
    }

    /// Which source pixels appear in the prepared image.
    pub fn source_coverage(&self) -> Array2<bool> {
        let mut out = Array2::from_elem((self.source_rows, self.source_cols), false);
        if let Some(r) = self.mapped_rect(self.keep_rows) {
            out.slice_mut(s![r.source_rows, r.source_cols]).fill(true);
        }
        out
    }
}

/// The geometry of a prepared scan: both views and the merged image shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanGeometry {
    /// The anterior view (always present).
    pub anterior: ViewGeometry,
    /// The posterior view; `None` when the scan had none (the right half is then zero).
    pub posterior: Option<ViewGeometry>,
    /// Rows of the prepared image (640).
    pub prepared_rows: usize,
    /// Columns of the prepared image (512).
    pub prepared_cols: usize,
}

impl ScanGeometry {
    /// The geometry of one view, `None` for a missing posterior.
    pub fn view(&self, side: ViewName) -> Option<&ViewGeometry> {
        match side {
            ViewName::Anterior => Some(&self.anterior),
            ViewName::Posterior => self.posterior.as_ref(),
        }
    }

    /// Source pixel of a view → prepared pixel.
    pub fn to_prepared(&self, side: ViewName, r: usize, c: usize) -> Option<(usize, usize)> {
        self.view(side)?.source_to_prepared(r, c)
    }

    /// Prepared pixel → (view, source pixel), `None` for padding and for a missing posterior.
    pub fn to_source(&self, r: usize, c: usize) -> Option<(ViewName, usize, usize)> {
        [Some(&self.anterior), self.posterior.as_ref()]
            .into_iter()
            .flatten()
            .find_map(|g| g.prepared_to_source(r, c).map(|(sr, sc)| (g.side, sr, sc)))
    }

    /// Prepared pixels that hold a real source pixel (false for padding and a missing posterior).
    pub fn valid_mask(&self) -> Array2<bool> {
        let mut out = Array2::from_elem((self.prepared_rows, self.prepared_cols), false);
        for g in [Some(&self.anterior), self.posterior.as_ref()]
            .into_iter()
            .flatten()
        {
            g.for_each_mapped(g.keep_rows, |_, _, cr, cc| {
                out[[cr, cc + g.merged_col_origin]] = true
            });
        }
        out
    }

    /// Maps per-view masks (source coordinates) into one prepared mask; unmapped pixels get
    /// `T::default()`. A posterior mask with non-default pixels on a scan without posterior is an
    /// error ([`PrepareError::LabelsOnMissingPosterior`]), never silently dropped.
    pub fn views_to_prepared<T: Copy + Default + PartialEq>(
        &self,
        anterior: ArrayView2<T>,
        posterior: Option<ArrayView2<T>>,
    ) -> Result<Array2<T>> {
        let mut out = Array2::from_elem((self.prepared_rows, self.prepared_cols), T::default());
        let mut put = |g: &ViewGeometry, m: ArrayView2<T>| -> Result<()> {
            g.check_source_shape(m.dim(), "mask")?;
            let o = g.merged_col_origin;
            g.for_each_mapped(g.keep_rows, |sr, sc, cr, cc| {
                out[[cr, cc + o]] = m[[sr, sc]]
            });
            Ok(())
        };
        put(&self.anterior, anterior)?;
        match (self.posterior.as_ref(), posterior) {
            (Some(g), Some(m)) => put(g, m)?,
            (None, Some(m)) => {
                let pixels = m.iter().filter(|&&v| v != T::default()).count();
                if pixels > 0 {
                    return Err(PrepareError::LabelsOnMissingPosterior { pixels });
                }
            }
            _ => {}
        }
        Ok(out)
    }

    /// Maps a prepared mask back to the source views (anterior, posterior if present); source pixels
    /// that are not in the prepared image get `T::default()`.
    pub fn prepared_to_views<T: Copy + Default>(
        &self,
        prepared: ArrayView2<T>,
    ) -> Result<(Array2<T>, Option<Array2<T>>)> {
        let expected = (self.prepared_rows, self.prepared_cols);
        if prepared.dim() != expected {
            return Err(PrepareError::ShapeMismatch {
                what: "prepared mask".into(),
                got: prepared.dim(),
                expected,
            });
        }
        let back = |g: &ViewGeometry| {
            let mut out = Array2::from_elem((g.source_rows, g.source_cols), T::default());
            let o = g.merged_col_origin;
            g.for_each_mapped(g.keep_rows, |sr, sc, cr, cc| {
                out[[sr, sc]] = prepared[[cr, cc + o]]
            });
            out
        };
        Ok((back(&self.anterior), self.posterior.as_ref().map(back)))
    }
}
