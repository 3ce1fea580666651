//! Pixel-level precision, sensitivity and F1 of the metastasis class, lesion metrics, fold tables.
//!
//! Implements Section 3.8 (evaluation metrics, Equations 3–5) and the table layout of Section 4
//! (Tables 2–7) of Liu et al., "Bone metastasis segmentation in whole-body bone scans of breast
//! cancer patients with a modified Double U-Net" (the paper this workspace reproduces). No
//! libtorch: masks come in as `ndarray` views (boolean M masks, or u8 class masks BG 0 / NM 1 /
//! M 2 with a target class).
//!
//! * [`ConfusionCounts`] — pixel TP/FP/FN/TN of the M class; counts add, so pooling over a fold
//!   is a sum;
//! * [`precision()`] (Eq. 3), [`sensitivity()`] (Eq. 4), [`f1()`] (Eq. 5), [`dice()`], [`iou()`];
//! * [`FoldEvaluation`] — per-image and pooled metrics of a test fold, plus lesion detection
//!   ([`LesionCounts`], 8-connected components from [`label_components`]);
//! * [`FoldAggregate`] — mean ± sample SD over the folds of the cross-validation;
//! * [`ResultsTable`] — the paper's table layouts rendered as markdown and CSV.
//!
//! # Undefined values (0/0)
//!
//! A ratio whose denominator is 0 is **undefined and returned as `None`**, never silently 0 or 1:
//! precision without predicted M pixels, sensitivity without true M pixels, F1/Dice/IoU when
//! there are neither. This matters for the negative samples (D2, D4), which have no lesion:
//!
//! * **per image** — an image with no true and no predicted M pixel ("empty", a correct
//!   negative) has every metric `None`; it enters no per-image mean and is counted in
//!   [`PerImageSummary::empty_images`]. Other `None`s (e.g. sensitivity of a negative image with
//!   false positives) likewise leave only that metric's mean, and each mean reports how many
//!   images entered it;
//! * **pooled** — the counts of every image are summed (empty images add only TN, so they change
//!   nothing); a pooled metric is `None` only when the whole fold has a 0 denominator;
//! * **F1** is computed as `2TP / (2TP + FP + FN)`, equal to Eq. 5 wherever that is defined and 0
//!   (rather than undefined) when TP = 0 but FP + FN > 0.
//!
//! The paper's per-fold values are pooled over the test fold (each fold's F1 equals Eq. 5 of
//! its own precision and sensitivity), and its Mean-row F1 is Eq. 5 of the mean precision and
//! mean sensitivity ([`MeanF1`]).
//!
//! ```
//! use bs_metrics::{FoldEvaluation, PixelScores, ResultsTable};
//! use ndarray::Array2;
//!
//! // Three-class masks (BG 0 / NM 1 / M 2) of two test images.
//! let truth = Array2::from_shape_vec((2, 4), vec![0, 1, 2, 2, 0, 1, 1, 2]).unwrap();
//! let pred = Array2::from_shape_vec((2, 4), vec![0, 1, 2, 1, 0, 2, 1, 2]).unwrap();
//! let mut fold = FoldEvaluation::new();
//! fold.add_class_masks("patient-01", pred.view(), truth.view(), 2)?;
//! let pooled = fold.pooled(); // TP 2, FP 1, FN 1
//! assert_eq!(pooled.precision, Some(2.0 / 3.0));
//! assert_eq!(pooled.f1, Some(2.0 / 3.0));
//!
//! let table = ResultsTable::single("Table 2 (reproduction)", vec![pooled, pooled])?;
//! assert!(table.to_markdown().contains("| 1 | 66.67 | 66.67 | 66.67 |"));
//! assert!(table.to_csv().starts_with("Fold Number,Precision,Sensitivity,F1-Score\n"));
//! # let _ = PixelScores::default();
//! # Ok::<(), bs_metrics::MetricsError>(())
//! ```

pub mod aggregate;
pub mod error;
pub mod evaluation;
pub mod lesion;
pub mod metric;
pub mod table;

pub use aggregate::{FoldAggregate, MeanF1, MeanSd};
pub use error::{MetricsError, Result};
pub use evaluation::{DefinedMean, FoldEvaluation, FoldReport, ImageResult, PerImageSummary};
pub use lesion::components::{label_components, Components};
pub use lesion::detection::LesionCounts;
pub use metric::confusion::ConfusionCounts;
pub use metric::dice::dice;
pub use metric::f1::{f1, f1_from_precision_sensitivity};
pub use metric::iou::iou;
pub use metric::precision::precision;
pub use metric::scores::PixelScores;
pub use metric::sensitivity::sensitivity;
pub use table::{ColumnGroup, ResultsTable, TableRow, METRIC_HEADERS};

/// The code blocks of the crate README, compiled and run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
