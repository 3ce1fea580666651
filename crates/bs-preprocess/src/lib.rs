//! Bone-scan preprocessing: body range, 950×256 cut, brightness normalisation, AP‖PA 640×512.
//!
//! Implements Section 3.3 (image pre-processing) of Liu et al., "Bone metastasis segmentation in
//! whole-body bone scans of breast cancer patients with a modified Double U-Net" (the paper this
//! workspace reproduces), and carries labels through it (Sections 3.2 and 3.4).
//!
//! # The pipeline ([`Preprocessor::prepare_view`], per view)
//!
//! 1. **Body range by projection profile** ([`body_range`]): threshold the raw counts at
//!    `t = 0.25 · mean(view)` ([`BodyThreshold::FractionOfMean`]), count body pixels per row and
//!    per column, keep lines with ≥ 3 body pixels, drop runs shorter than 4 lines (isolated hot
//!    pixels), take first..last line. On NEMA NM1 (mean 13.7 counts) `t ≈ 3.4`: the 1–2-count
//!    scatter halo above the head stays out, every soft-tissue row stays in. Otsu on raw counts is
//!    *not* used here: on NM1 it gives 25.5 counts, which separates bone from soft tissue.
//! 2. **Cut and centre to 950×256, no scaling** ([`plan_view`]): the body box is centred (top
//!    margin `⌊(950 − h)/2⌋`), padding with 0 where the body is shorter/narrower; a body taller than
//!    950 rows keeps its head ([`TallBodyPolicy::KeepHead`], the feet are below row 640 anyway).
//!    The posterior view is mirrored first only when [`PrepareConfig::mirror_posterior`] is set
//!    (default `false`: the paper says "horizontally merged" and nothing about flipping).
//! 3. **Brightness normalisation after Cheng et al. (ref. [14])** ([`fit_gain`]): `y = round(clamp(g·x,
//!    0, 255))`, with `g` iterated `g ← g · 10.5 / mean(y)` until `|mean(y) − 10.5| ≤ 0.05`, because
//!    clipping at 255 lowers the mean; the result must lie in the paper's open interval (7, 14).
//!    Its Figure 3 (the flowchart) is not in the text, so the choices are ours:
//!    - *which pixels count*: the whole 950×256 cut ([`MeanRegion::CutView`]), the order in
//!      which Section 3.3 lists the steps (normalise, then drop rows ≥ 640), so the mean of the
//!      kept 640 rows is not itself held in (7, 14); alternatives: the kept rows
//!      ([`MeanRegion::KeptRows`], the prepared view's mean is then the controlled quantity) or
//!      body pixels only ([`MeanRegion::BodyOfKeptRows`]);
//!    - *target*: the midpoint 10.5; *output*: 0..255 floats rounded to integers like the 8-bit
//!      PNGs the paper exported ([`BrightnessConfig::quantise`]);
//!    - *bad views*: a blank view is [`PrepareError::BlankView`], one whose body pixels mostly sit
//!      at the maximum is [`PrepareError::SaturatedView`], a view too sparse to reach the interval
//!      is [`PrepareError::BrightnessNotReached`]; NaN/negative counts are
//!      [`PrepareError::InvalidCounts`]. Never a NaN image.
//! 4. **Rows ≥ 640 dropped** (below the knees), leaving 640×256.
//!
//! [`Preprocessor::prepare_views`] / [`prepare_scan`] merge AP (left) ‖ PA (right) into 640×512.
//! Views may hold `f32` counts or the stored 16-bit integers ([`Count`]: `u16` views read half
//! the bytes per pass and give the same prepared scan to the bit);
//! [`Preprocessor::read_and_prepare`] reads a scan with a `bs_dicom::ScanReader` as 16-bit
//! counts when it holds them and prepares it — the batch pattern of `bonescan prepare`.
//! **A missing posterior** (e.g. NM1, anterior only) is reported, never invented:
//! [`PreparedScan::posterior_missing`] is `true`, the right half is 0, `geometry.posterior` is
//! `None` and [`ScanGeometry::valid_mask`] is false there; labels on it are an error.
//!
//! # Geometry
//!
//! Each step is an integer translation (plus an optional mirror), recorded in [`ViewGeometry`] /
//! [`ScanGeometry`]: [`ScanGeometry::to_source`] / [`ScanGeometry::to_prepared`] map pixels,
//! [`ScanGeometry::views_to_prepared`] / [`ScanGeometry::prepared_to_views`] map whole masks
//! exactly (property-tested both ways), so predictions go back to the original 1024×256 view
//! coordinates for overlays, DICOM SEG and lesion sizes in mm.
//!
//! # Labels and data sets
//!
//! [`labelme_to_prepared`] rasterises a Labelme document with bs-masks (Pillow-identical) in the
//! space its image size names ([`LabelSpace`]: raw AP|PA 1024×512 as bs-phantom writes, raw
//! anterior, or prepared) and maps it; [`seg_to_prepared`] does the same for a DICOM SEG, its
//! frames matched to the views by the source SOP instance and frame they reference
//! ([`Preprocessor::read_and_prepare_sources`] says where each view came from);
//! [`otsu_three_class`] gives BG/NM/M. [`dataset`] writes and
//! loads the prepared data set (`images.npy`, `lesion.npy`, `body.npy`, `manifest.json`,
//! previews) in parallel and incrementally.
//!
//! # Example
//!
//! ```
//! use bs_preprocess::{PrepareConfig, ViewName};
//! use ndarray::Array2;
//!
//! // A toy anterior view: a textured "body" of 700×120 pixels in a 1024×256 field of air.
//! let view = Array2::from_shape_fn((1024, 256), |(r, c)| {
//!     if (150..850).contains(&r) && (60..180).contains(&c) { 10.0 + ((r + 3 * c) % 20) as f32 } else { 0.0 }
//! });
//! let pre = PrepareConfig::default().init()?;
//! let scan = pre.prepare_views(view.view(), None)?;
//! assert_eq!(scan.image.dim(), (640, 512));
//! assert!(scan.posterior_missing);
//! assert!(scan.anterior_brightness.mean > 7.0 && scan.anterior_brightness.mean < 14.0);
//!
//! // The body (rows 150..850) is centred in the 950-row cut: it starts at row (950 − 700)/2 = 125.
//! assert_eq!(scan.geometry.to_prepared(ViewName::Anterior, 150, 60), Some((125, 68)));
//! assert_eq!(scan.geometry.to_source(125, 68), Some((ViewName::Anterior, 150, 60)));
//!
//! // A mask drawn on the source view maps onto the prepared image and back.
//! let mut lesion = Array2::<u8>::zeros((1024, 256));
//! lesion[[300, 100]] = 1;
//! let prepared = scan.geometry.views_to_prepared(lesion.view(), None)?;
//! let (back, _) = scan.geometry.prepared_to_views(prepared.view())?;
//! assert_eq!(back, lesion);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod body_range;
mod brightness;
mod config;
mod count;
mod cut;
pub mod dataset;
mod error;
mod fast;
mod geometry;
mod labels;
mod preview;
mod scan;
mod seg_labels;

pub use body_range::{body_range, body_threshold, BodyRange};
pub use brightness::{apply_gain, apply_gain_in_place, fit_gain, BrightnessReport};
pub use config::{
    BodyRangeConfig, BodyThreshold, BrightnessConfig, MeanRegion, PrepareConfig, TallBodyPolicy,
};
pub use count::Count;
pub use cut::plan_view;
pub use error::{ConfigError, LabelsCause, PrepareError, Result, ViewName};
pub use geometry::{MappedRect, ScanGeometry, ViewGeometry};
pub use labels::{
    labelme_to_prepared, mask_to_prepared, otsu_three_class, prepared_otsu_three_class, LabelSpace,
};
pub use preview::write_preview;
pub use scan::{prepare_scan, PreparedScan, PreparedView, Preprocessor, ViewSources};
pub use seg_labels::seg_to_prepared;
