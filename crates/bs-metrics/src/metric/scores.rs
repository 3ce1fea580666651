//! All pixel metrics of one image or one pooled fold.

use crate::metric::confusion::ConfusionCounts;
use crate::metric::{dice::dice, f1::f1, iou::iou, precision::precision, sensitivity::sensitivity};
use serde::{Deserialize, Serialize};

/// Precision, sensitivity, F1, Dice and IoU as fractions in \[0, 1\]; `None` where the metric is
/// 0/0 (see the crate-level policy).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PixelScores {
    /// Eq. 3.
    pub precision: Option<f64>,
    /// Eq. 4.
    pub sensitivity: Option<f64>,
    /// Eq. 5 (count form).
    pub f1: Option<f64>,
    /// Dice coefficient of the hard masks.
    pub dice: Option<f64>,
    /// Intersection over union.
    pub iou: Option<f64>,
}

impl PixelScores {
    /// Every metric of the given counts.
    pub fn from_counts(c: &ConfusionCounts) -> Self {
        Self {
            precision: precision(c),
            sensitivity: sensitivity(c),
            f1: f1(c),
            dice: dice(c),
            iou: iou(c),
        }
    }

    /// The three metrics of the paper's tables, for [`crate::table::ResultsTable`].
    pub fn paper_triple(&self) -> [Option<f64>; 3] {
        [self.precision, self.sensitivity, self.f1]
    }
}

impl From<&ConfusionCounts> for PixelScores {
    fn from(c: &ConfusionCounts) -> Self {
        Self::from_counts(c)
    }
}
