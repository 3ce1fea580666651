//! Evaluation of one test fold: per-image metrics and metrics pooled over the fold.

use crate::error::Result;
use crate::lesion::detection::LesionCounts;
use crate::metric::confusion::ConfusionCounts;
use crate::metric::scores::PixelScores;
use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

/// Counts and scores of one test image.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageResult {
    /// Caller's name for the image (e.g. the patient id).
    pub id: String,
    /// Pixel counts of the M class.
    pub counts: ConfusionCounts,
    /// Pixel metrics of this image alone.
    pub scores: PixelScores,
    /// Lesion-level counts of this image.
    pub lesions: LesionCounts,
}

impl ImageResult {
    /// Evaluates boolean M masks (prediction, truth) of one image.
    pub fn from_masks(
        id: impl Into<String>,
        prediction: ArrayView2<bool>,
        truth: ArrayView2<bool>,
    ) -> Result<Self> {
        let counts = ConfusionCounts::from_masks(prediction, truth)?;
        let lesions = LesionCounts::from_masks(prediction, truth)?;
        Ok(Self {
            id: id.into(),
            scores: PixelScores::from_counts(&counts),
            counts,
            lesions,
        })
    }

    /// Evaluates class-label masks (e.g. BG 0 / NM 1 / M 2) for `class`.
    pub fn from_class_masks(
        id: impl Into<String>,
        prediction: ArrayView2<u8>,
        truth: ArrayView2<u8>,
        class: u8,
    ) -> Result<Self> {
        let p = prediction.mapv(|v| v == class);
        let t = truth.mapv(|v| v == class);
        Self::from_masks(id, p.view(), t.view())
    }
}

/// Mean of one metric over the images where it is defined.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DefinedMean {
    /// Mean over the images where the metric is defined; `None` if it is defined nowhere.
    pub mean: Option<f64>,
    /// Number of images that entered the mean.
    pub n_defined: usize,
}

impl DefinedMean {
    /// Mean of the `Some` values.
    pub fn of(values: impl IntoIterator<Item = Option<f64>>) -> Self {
        let (sum, n) = values
            .into_iter()
            .flatten()
            .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
        Self {
            mean: (n > 0).then(|| sum / n as f64),
            n_defined: n,
        }
    }
}

/// Per-image means of a fold (macro average).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PerImageSummary {
    /// Images in the fold.
    pub images: usize,
    /// Images with no true and no predicted M pixel: every metric is 0/0 there, so they enter
    /// no mean and are counted here instead (a correct "no metastasis" call).
    pub empty_images: usize,
    /// Mean precision over images with a predicted M pixel.
    pub precision: DefinedMean,
    /// Mean sensitivity over images with a true M pixel.
    pub sensitivity: DefinedMean,
    /// Mean F1 over non-empty images.
    pub f1: DefinedMean,
    /// Mean Dice over non-empty images.
    pub dice: DefinedMean,
    /// Mean IoU over non-empty images.
    pub iou: DefinedMean,
}

/// Everything measured on one test fold; serialisable for reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FoldReport {
    /// Images in the fold.
    pub images: usize,
    /// Pixel counts summed over the fold.
    pub pooled_counts: ConfusionCounts,
    /// Metrics of the pooled counts (micro average) — the paper's per-fold table values.
    pub pooled: PixelScores,
    /// Means of the per-image metrics (macro average).
    pub per_image: PerImageSummary,
    /// Lesion counts summed over the fold.
    pub lesions: LesionCounts,
    /// Lesion sensitivity of the fold.
    pub lesion_sensitivity: Option<f64>,
    /// False-positive lesions per image.
    pub false_positive_lesions_per_image: Option<f64>,
}

/// Accumulates the images of one test fold.
///
/// ```
/// use bs_metrics::FoldEvaluation;
/// use ndarray::array;
///
/// let mut fold = FoldEvaluation::new();
/// fold.add_masks("p01", array![[true, false], [false, false]].view(), array![[true, true], [false, false]].view())?;
/// fold.add_masks("p02", array![[false, false]].view(), array![[false, false]].view())?; // no lesion, none predicted
/// let report = fold.report();
/// assert_eq!(report.pooled.precision, Some(1.0));
/// assert_eq!(report.pooled.sensitivity, Some(0.5));
/// assert_eq!(report.per_image.empty_images, 1);
/// # Ok::<(), bs_metrics::MetricsError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FoldEvaluation {
    images: Vec<ImageResult>,
}

impl FoldEvaluation {
    /// An empty fold.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an already evaluated image.
    pub fn push(&mut self, image: ImageResult) -> &ImageResult {
        self.images.push(image);
        &self.images[self.images.len() - 1]
    }

    /// Evaluates and adds one image from boolean M masks.
    pub fn add_masks(
        &mut self,
        id: impl Into<String>,
        prediction: ArrayView2<bool>,
        truth: ArrayView2<bool>,
    ) -> Result<&ImageResult> {
        Ok(self.push(ImageResult::from_masks(id, prediction, truth)?))
    }

    /// Evaluates and adds one image from class-label masks.
    pub fn add_class_masks(
        &mut self,
        id: impl Into<String>,
        prediction: ArrayView2<u8>,
        truth: ArrayView2<u8>,
        class: u8,
    ) -> Result<&ImageResult> {
        Ok(self.push(ImageResult::from_class_masks(id, prediction, truth, class)?))
    }

    /// The images added so far.
    pub fn images(&self) -> &[ImageResult] {
        &self.images
    }

    /// Pixel counts summed over the fold.
    pub fn pooled_counts(&self) -> ConfusionCounts {
        self.images.iter().map(|i| i.counts).sum()
    }

    /// Metrics of the pooled counts: every pixel of the fold weighs the same.
    pub fn pooled(&self) -> PixelScores {
        PixelScores::from_counts(&self.pooled_counts())
    }

    /// Means of the per-image metrics, each over the images where it is defined.
    pub fn per_image(&self) -> PerImageSummary {
        let mean = |f: fn(&PixelScores) -> Option<f64>| {
            DefinedMean::of(self.images.iter().map(|i| f(&i.scores)))
        };
        PerImageSummary {
            images: self.images.len(),
            empty_images: self
                .images
                .iter()
                .filter(|i| i.counts.is_empty_case())
                .count(),
            precision: mean(|s| s.precision),
            sensitivity: mean(|s| s.sensitivity),
            f1: mean(|s| s.f1),
            dice: mean(|s| s.dice),
            iou: mean(|s| s.iou),
        }
    }

    /// Lesion counts summed over the fold.
    pub fn lesions(&self) -> LesionCounts {
        self.images.iter().map(|i| i.lesions).sum()
    }

    /// All fold-level results.
    pub fn report(&self) -> FoldReport {
        let lesions = self.lesions();
        FoldReport {
            images: self.images.len(),
            pooled_counts: self.pooled_counts(),
            pooled: self.pooled(),
            per_image: self.per_image(),
            lesion_sensitivity: lesions.sensitivity(),
            false_positive_lesions_per_image: lesions.false_positives_per_image(),
            lesions,
        }
    }
}
