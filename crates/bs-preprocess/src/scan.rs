//! The whole Section 3.3 pipeline: one view ([`Preprocessor::prepare_view`]) and a scan of two
//! views merged AP‖PA ([`Preprocessor::prepare_views`]).

use std::path::PathBuf;

use ndarray::{s, Array2, ArrayView2};

use crate::body_range::{mean_and_max, profiles, range_from_profiles, threshold_from_stats};
use crate::brightness::{
    fit_gain, fit_gain_with_max, normalised_histogram, BrightnessReport, GainMap,
};
use crate::config::BrightnessConfig;
use crate::config::{MeanRegion, PrepareConfig};
use crate::count::Count;
use crate::cut::plan_view;
use crate::error::{PrepareError, Result, ViewName};
use crate::geometry::{ScanGeometry, ViewGeometry};

/// One prepared view: `keep_rows × cut_cols` (640×256) intensities in `0..=clip_max`.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedView {
    /// The normalised, cut and row-cropped view.
    pub image: Array2<f32>,
    /// Where its pixels came from.
    pub geometry: ViewGeometry,
    /// The brightness normalisation applied.
    pub brightness: BrightnessReport,
}

/// A prepared scan: the 640×512 network input (AP left, PA right) and how to map it back.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedScan {
    /// `keep_rows × 2·cut_cols` (640×512) intensities in `0..=clip_max` (0..255 floats).
    pub image: Array2<f32>,
    /// Geometry of both views, for exact mapping to and from the source views.
    pub geometry: ScanGeometry,
    /// True when the scan had no posterior view: the right half of `image` is then all zero,
    /// `geometry.posterior` is `None` and [`ScanGeometry::valid_mask`] is false there.
    pub posterior_missing: bool,
    /// Normalisation of the anterior view.
    pub anterior_brightness: BrightnessReport,
    /// Normalisation of the posterior view, if any.
    pub posterior_brightness: Option<BrightnessReport>,
    /// Pixels of `image` per intensity `0, 1, 2, …` when the output is quantised (8-bit) and
    /// the normalisation counted exactly the kept rows
    /// ([`MeanRegion::KeptRows`](crate::MeanRegion)): derived from the views' histograms, so
    /// Otsu's threshold needs no pass over the image ([`PreparedScan::body_mask`]). `None`
    /// otherwise.
    pub value_counts: Option<Vec<u64>>,
}

/// A validated [`PrepareConfig`] ready to prepare scans (made by [`PrepareConfig::init`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Preprocessor {
    pub(crate) config: PrepareConfig,
}

/// A view cut and centred, with its gain found, before normalisation.
struct FittedView<P: Count> {
    /// The cut view (`keep_rows` or `cut_rows` rows: the counted region).
    cut: Array2<P>,
    geometry: ViewGeometry,
    brightness: BrightnessReport,
    /// [`crate::fast::integer_max`] of `cut`, when known.
    integer_max: Option<Option<u32>>,
    /// Pixels per count of exactly the rows [`FittedView::apply`] writes, when known.
    kept_histogram: Option<Vec<u64>>,
}

impl<P: Count> FittedView<P> {
    /// The map normalising the first `rows` rows of the cut (the written ones): a lookup
    /// table when their counts are integers.
    fn gain_map<'c>(&self, rows: usize, cfg: &'c BrightnessConfig) -> GainMap<'c> {
        // the written rows are the counted region or part of it: their values are integers up
        // to the same maximum when those are, and the lookup table covers them
        let max = match self.integer_max {
            Some(max) => max,
            None => self
                .cut
                .slice(s![..rows, ..])
                .as_slice()
                .and_then(|v| P::integer_max(v, u32::from(u16::MAX) + 1)),
        };
        GainMap::new(self.brightness.gain, cfg, max)
    }

    /// Appends row `row` of the cut, normalised by `map`, to `out`.
    fn extend_row(&self, map: &GainMap, row: usize, out: &mut Vec<f32>) {
        let values = self.cut.row(row);
        match values.as_slice() {
            Some(values) => map.extend(values, out),
            // (a fresh cut is contiguous; kept for any layout)
            None => map.extend(&values.to_vec(), out),
        }
    }

    /// Done: `rows` rows were written by `map`. The cut's memory goes back to this thread's
    /// buffers; gives the histogram of what was written when it is known without counting.
    fn finish(self, map: &GainMap, rows: usize, cfg: &BrightnessConfig) -> AppliedView {
        let written = (rows * self.cut.ncols()) as u64;
        return_cut_buffer(self.cut);
        // the histogram of what was written, through the table that wrote it, when the counted
        // pixels are exactly the written ones
        let written_histogram = match (map, self.kept_histogram) {
            (GainMap::Table(table), Some(h)) if h.iter().sum::<u64>() == written => {
                normalised_histogram(&h, table, cfg)
            }
            _ => None,
        };
        AppliedView {
            written_histogram,
            geometry: self.geometry,
            brightness: self.brightness,
        }
    }
}

/// A view written into the prepared image.
struct AppliedView {
    geometry: ViewGeometry,
    brightness: BrightnessReport,
    /// Pixels per intensity of the written pixels, when known.
    written_histogram: Option<Vec<u64>>,
}

// Memory of finished cuts ([`Count::cut_buffers`]) is reused by the next view prepared on this
// thread (at most two buffers of `region_rows × cut_cols` pixels, ≤ 1 MiB each at the paper's
// sizes). Why: a fresh 0.6–1 MiB array per view is page-faulted in and zeroed again each time
// (glibc maps and unmaps blocks of that size), which cost about as much as the view's
// arithmetic, and with rayon the unmapping interrupts the other cores.

fn take_cut_buffer<P: Count>() -> Vec<P> {
    P::cut_buffers()
        .with(|b| b.borrow_mut().pop())
        .unwrap_or_default()
}

fn return_cut_buffer<P: Count>(cut: Array2<P>) {
    let (buffer, _) = cut.into_raw_vec_and_offset();
    P::cut_buffers().with(|b| {
        let mut b = b.borrow_mut();
        if b.len() < 2 {
            b.push(buffer);
        }
    });
}

fn check_counts(view: ArrayView2<f32>, side: ViewName) -> Result<()> {
    let (rows, cols) = view.dim();
    if rows == 0 || cols == 0 {
        return Err(PrepareError::EmptyView { side, rows, cols });
    }
    let valid = match view.as_slice() {
        Some(v) => crate::fast::all_valid_counts(v),
        None => view.iter().all(|v| v.is_finite() && *v >= 0.0),
    };
    if valid {
        return Ok(());
    }
    if let Some(((row, col), &value)) = view
        .indexed_iter()
        .find(|(_, v)| !(v.is_finite() && **v >= 0.0))
    {
        return Err(PrepareError::InvalidCounts {
            side,
            value,
            row,
            col,
        });
    }
    Ok(())
}

impl Preprocessor {
    /// The configuration applied.
    pub fn config(&self) -> &PrepareConfig {
        &self.config
    }

    /// Prepares one view of raw counts (`f32`, or `u16` as stored: the same result):
    /// body range, cut and centre, brightness, rows < `keep_rows`.
    pub fn prepare_view<P: Count>(
        &self,
        view: ArrayView2<P>,
        side: ViewName,
    ) -> Result<PreparedView> {
        let cfg = &self.config;
        let fitted = self.fit_view(view, side, None)?;
        let rows = cfg.keep_rows;
        let map = fitted.gain_map(rows, &cfg.brightness);
        let mut pixels = Vec::with_capacity(rows * cfg.cut_cols);
        for row in 0..rows {
            fitted.extend_row(&map, row, &mut pixels);
        }
        let image = Array2::from_shape_vec((rows, cfg.cut_cols), pixels).expect("rows × cut_cols");
        let AppliedView {
            geometry,
            brightness,
            ..
        } = fitted.finish(&map, rows, &cfg.brightness);
        Ok(PreparedView {
            image,
            geometry,
            brightness,
        })
    }

    /// Everything of [`Preprocessor::prepare_view`] but writing the normalised pixels: body
    /// range, cut and centre, and the gain.
    ///
    /// `known`: the view's `(Σ counts, max)` when its reader computed them exactly (integer
    /// counts) and nothing can have changed the pixels since.
    fn fit_view<P: Count>(
        &self,
        view: ArrayView2<P>,
        side: ViewName,
        known: Option<(f64, f32)>,
    ) -> Result<FittedView<P>> {
        let cfg = &self.config;
        // the usual, contiguous view: validity, mean and maximum in one pass, unless known
        let fused = known.filter(|_| !view.is_empty()).or_else(|| {
            view.as_slice()
                .filter(|v| !v.is_empty())
                .and_then(P::valid_sum_max)
        });
        let (mean, max) = match fused {
            Some((sum, max)) => (sum / view.len() as f64, max),
            None => {
                let floats = view.mapv(P::to_f32);
                check_counts(floats.view(), side)?;
                mean_and_max(floats.view())
            }
        };
        let threshold = threshold_from_stats(cfg.body.threshold, mean, max);
        let profile = profiles(view, threshold, max);
        let body = range_from_profiles(&profile, &cfg.body, side, threshold, max)?;
        let fraction = profile.at_max as f64 / profile.body_pixels.max(1) as f64;
        if fraction >= cfg.brightness.max_saturated_fraction {
            return Err(PrepareError::SaturatedView {
                side,
                fraction,
                max,
                limit: cfg.brightness.max_saturated_fraction,
            });
        }
        let mirrored = side == ViewName::Posterior && cfg.mirror_posterior;
        let geometry = plan_view(side, view.dim(), body, mirrored, cfg);
        let region_rows = match cfg.brightness.region {
            MeanRegion::CutView => cfg.cut_rows,
            MeanRegion::KeptRows | MeanRegion::BodyOfKeptRows => cfg.keep_rows,
        };
        let cut = geometry.cut_into(view, region_rows, take_cut_buffer())?;
        // `integer_max` of the counted pixels, when they include every pixel of the image
        let (brightness, integer_max, kept_histogram) = match cfg.brightness.region {
            MeanRegion::BodyOfKeptRows => {
                let body: Vec<f32> = cut
                    .iter()
                    .map(|v| v.to_f32())
                    .filter(|&v| v > threshold)
                    .collect();
                (fit_gain(&body, &cfg.brightness, side)?, None, None)
            }
            _ => {
                let fit = fit_gain_with_max(
                    cut.as_slice().expect("fresh array is contiguous"),
                    &cfg.brightness,
                    side,
                )?;
                // the counted rows are the kept ones (or more: `apply` checks the total)
                (fit.report, Some(fit.integer_max), fit.histogram)
            }
        };
        Ok(FittedView {
            cut,
            geometry,
            brightness,
            integer_max,
            kept_histogram,
        })
    }

    /// Prepares a scan from its views (raw counts, `f32` or `u16` as stored: the same result)
    /// and merges them AP‖PA into `keep_rows × 2·cut_cols`.
    ///
    /// A missing posterior is reported, never invented: `posterior_missing = true`, the right half
    /// is zero and maps to no source pixel.
    pub fn prepare_views<P: Count>(
        &self,
        anterior: ArrayView2<P>,
        posterior: Option<ArrayView2<P>>,
    ) -> Result<PreparedScan> {
        self.prepare_views_known(anterior, posterior, [None, None])
    }

    /// [`Preprocessor::prepare_views`] with the views' `(Σ counts, max)` when known (see
    /// [`Preprocessor::fit_view`]).
    fn prepare_views_known<P: Count>(
        &self,
        anterior: ArrayView2<P>,
        posterior: Option<ArrayView2<P>>,
        known: [Option<(f64, f32)>; 2],
    ) -> Result<PreparedScan> {
        let cfg = &self.config;
        let (rows, cols) = cfg.prepared_shape();
        let ant = self.fit_view(anterior, ViewName::Anterior, known[0])?;
        let post = match posterior {
            Some(p) => Some(self.fit_view(p, ViewName::Posterior, known[1])?),
            None => None,
        };
        // the image row by row, AP then PA: each pixel written once (no zero-filling first)
        let ant_map = ant.gain_map(rows, &cfg.brightness);
        let post_map = post.as_ref().map(|p| p.gain_map(rows, &cfg.brightness));
        let mut pixels = Vec::with_capacity(rows * cols);
        for row in 0..rows {
            ant.extend_row(&ant_map, row, &mut pixels);
            match (&post, &post_map) {
                (Some(p), Some(map)) => p.extend_row(map, row, &mut pixels),
                // a missing posterior: zeros
                _ => pixels.resize(pixels.len() + cfg.cut_cols, 0.0),
            }
        }
        let image = Array2::from_shape_vec((rows, cols), pixels).expect("rows × cols");
        let ant = ant.finish(&ant_map, rows, &cfg.brightness);
        let post = post
            .zip(post_map)
            .map(|(p, map)| p.finish(&map, rows, &cfg.brightness));
        // the image's histogram from the views' own: exact, and no pass over the image
        let half = (rows * cfg.cut_cols) as u64;
        let value_counts = match &post {
            Some(p) => add_histograms(&ant.written_histogram, &p.written_histogram),
            // the missing posterior's half is zeros
            None => add_histograms(&ant.written_histogram, &Some(vec![half])),
        };
        Ok(PreparedScan {
            image,
            geometry: ScanGeometry {
                anterior: ant.geometry,
                posterior: post.as_ref().map(|p| p.geometry),
                prepared_rows: rows,
                prepared_cols: cols,
            },
            posterior_missing: post.is_none(),
            anterior_brightness: ant.brightness,
            posterior_brightness: post.map(|p| p.brightness),
            value_counts,
        })
    }
}

/// The sum of two histograms, when both are known.
fn add_histograms(a: &Option<Vec<u64>>, b: &Option<Vec<u64>>) -> Option<Vec<u64>> {
    let (a, b) = (a.as_ref()?, b.as_ref()?);
    let mut sum = vec![0u64; a.len().max(b.len())];
    for (s, &n) in sum.iter_mut().zip(a) {
        *s += n;
    }
    for (s, &n) in sum.iter_mut().zip(b) {
        *s += n;
    }
    Some(sum)
}

impl PreparedScan {
    /// The Otsu body mask of [`PreparedScan::image`] (`bs_masks::nm::body_mask`: air vs body on
    /// `ln(1 + x)`) and its threshold, from [`PreparedScan::value_counts`] when known (no
    /// counting pass; the same result).
    pub fn body_mask(&self) -> std::result::Result<(Array2<bool>, f32), bs_masks::MaskError> {
        match &self.value_counts {
            Some(counts) => bs_masks::nm::body_mask_counted(self.image.view(), counts),
            None => bs_masks::nm::body_mask(self.image.view()),
        }
    }
}

impl Preprocessor {
    /// Prepares a scan read by bs-dicom (views in the reader's coordinates, counts with rescale
    /// applied; `f32`, or `u16` from `ScanReader::read_counts`: the same result).
    pub fn prepare_scan<P: Count>(
        &self,
        scan: &bs_dicom::WholeBodyScan<P>,
    ) -> Result<PreparedScan> {
        self.prepare_views(
            scan.anterior.pixels.view(),
            scan.posterior.as_ref().map(|p| p.pixels.view()),
        )
    }
}

impl Preprocessor {
    /// Reads the scan held by `paths` with `reader` and prepares it, giving its metadata too;
    /// the reader keeps the pixel memory for its next scan (the batch pattern of
    /// `bonescan prepare`).
    ///
    /// Counts are read as the stored 16-bit integers when they are
    /// (`ScanReader::read_counts`: every pass reads half the bytes), as `f32` otherwise
    /// (rescaled or negative values: the file is then read a second time). The result is the
    /// same either way.
    pub fn read_and_prepare(
        &self,
        reader: &mut bs_dicom::ScanReader,
        paths: &[PathBuf],
    ) -> Result<(PreparedScan, bs_dicom::ScanMeta)> {
        self.read_and_prepare_sources(reader, paths)
            .map(|(prepared, meta, _)| (prepared, meta))
    }

    /// [`Preprocessor::read_and_prepare`], also saying where each view came from (file,
    /// frame, columns): what labels referencing the source images (DICOM SEG) are matched by.
    pub fn read_and_prepare_sources(
        &self,
        reader: &mut bs_dicom::ScanReader,
        paths: &[PathBuf],
    ) -> Result<(PreparedScan, bs_dicom::ScanMeta, ViewSources)> {
        let dicom_err = |e: bs_dicom::DicomError| PrepareError::Dicom {
            path: paths.first().cloned().unwrap_or_default(),
            source: e.into(),
        };
        match reader.read_counts_files(paths) {
            Ok(scan) => {
                // the reader's exact integer statistics of pixels nobody else has seen: the
                // views' sum and maximum need no pass of their own
                let stats = |s: bs_dicom::CountStats| Some((s.sum, s.max as f32));
                let counts = &scan.meta.counts;
                let prepared = self.prepare_views_known(
                    scan.anterior.pixels.view(),
                    scan.posterior.as_ref().map(|p| p.pixels.view()),
                    [stats(counts.anterior), counts.posterior.and_then(stats)],
                );
                let (meta, sources) = (scan.meta.clone(), ViewSources::of(&scan));
                reader.recycle_counts(scan);
                Ok((prepared?, meta, sources))
            }
            Err(bs_dicom::DicomError::NotIntegerCounts { .. }) => {
                let scan = reader.read_files(paths).map_err(dicom_err)?;
                let prepared = self.prepare_scan(&scan);
                let (meta, sources) = (scan.meta.clone(), ViewSources::of(&scan));
                reader.recycle(scan);
                Ok((prepared?, meta, sources))
            }
            Err(e) => Err(dicom_err(e)),
        }
    }
}

/// Where the views of a scan came from ([`Preprocessor::read_and_prepare_sources`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ViewSources {
    /// The anterior view's file, frame and columns.
    pub anterior: bs_dicom::ViewSource,
    /// The posterior view's, when the scan has one.
    pub posterior: Option<bs_dicom::ViewSource>,
}

impl ViewSources {
    fn of<P>(scan: &bs_dicom::WholeBodyScan<P>) -> Self {
        Self {
            anterior: scan.anterior.source.clone(),
            posterior: scan.posterior.as_ref().map(|p| p.source.clone()),
        }
    }
}

/// Validates `config` and prepares `scan` (see [`Preprocessor::prepare_scan`]).
pub fn prepare_scan<P: Count>(
    scan: &bs_dicom::WholeBodyScan<P>,
    config: &PrepareConfig,
) -> Result<PreparedScan> {
    config.init()?.prepare_scan(scan)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body-like view: a bright column band on air, with some structure.
    fn view(rows: usize, cols: usize, seed: usize) -> Array2<f32> {
        Array2::from_shape_fn((rows, cols), |(r, c)| {
            let inside = (cols / 4..3 * cols / 4).contains(&c) && (40..rows - 60).contains(&r);
            if inside {
                (5 + (r * 7 + c * 13 + seed * 31) % 40) as f32
            } else {
                0.0
            }
        })
    }

    #[test]
    fn reused_cut_memory_does_not_change_results() {
        let pre = PrepareConfig::default().init().unwrap();
        let small = PrepareConfig {
            cut_rows: 700,
            keep_rows: 500,
            ..PrepareConfig::default()
        }
        .init()
        .unwrap();
        let (a, b) = (view(1024, 256, 1), view(1024, 256, 2));
        let first = pre.prepare_views(a.view(), Some(b.view())).unwrap();
        // other sizes and contents in between, on the same thread's buffers
        small.prepare_views(b.view(), Some(a.view())).unwrap();
        pre.prepare_views(b.view(), None).unwrap();
        let again = pre.prepare_views(a.view(), Some(b.view())).unwrap();
        assert_eq!(first, again);
        // and on a thread that never prepared anything
        let fresh = std::thread::scope(|s| {
            s.spawn(|| pre.prepare_views(a.view(), Some(b.view())).unwrap())
                .join()
                .unwrap()
        });
        assert_eq!(first, fresh);
    }

    #[test]
    fn derived_image_histogram_is_the_images_own() {
        let pre = PrepareConfig {
            brightness: crate::BrightnessConfig {
                region: MeanRegion::KeptRows,
                ..Default::default()
            },
            ..PrepareConfig::default()
        }
        .init()
        .unwrap();
        let (a, b) = (view(1024, 256, 3), view(1024, 256, 4));
        let counted = |p: &PreparedScan| {
            bs_masks::otsu::integer_histogram(p.image.as_slice().unwrap(), 255).unwrap()
        };
        for prepared in [
            pre.prepare_views(a.view(), Some(b.view())).unwrap(),
            pre.prepare_views(b.view(), None).unwrap(),
        ] {
            let derived = prepared
                .value_counts
                .clone()
                .expect("counting the kept rows derives it");
            // the derived histogram may run past the image's maximum with zero counts
            let own = counted(&prepared);
            assert_eq!(&derived[..own.len()], &own[..]);
            assert!(derived[own.len()..].iter().all(|&n| n == 0));
            assert_eq!(
                prepared.body_mask().unwrap(),
                bs_masks::nm::body_mask(prepared.image.view()).unwrap()
            );
        }
        // counted over all 950 rows but 640 kept: no derived histogram, the same mask
        let whole_cut = PrepareConfig {
            brightness: crate::BrightnessConfig {
                region: MeanRegion::CutView,
                ..Default::default()
            },
            ..PrepareConfig::default()
        }
        .init()
        .unwrap();
        let prepared = whole_cut.prepare_views(a.view(), Some(b.view())).unwrap();
        assert_eq!(prepared.value_counts, None);
        assert_eq!(
            prepared.body_mask().unwrap(),
            bs_masks::nm::body_mask(prepared.image.view()).unwrap()
        );
    }
}
