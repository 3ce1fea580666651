//! Intersection over union (Jaccard index) of the binary masks.

use crate::metric::confusion::ConfusionCounts;
use crate::metric::ratio::ratio;

/// Intersection over union (Jaccard index), the metric of several studies in the paper's
/// Table 8:
///
/// ```text
/// IoU = |P ∩ T| / |P ∪ T| = TP / (TP + FP + FN) = Dice / (2 − Dice)
/// ```
///
/// `None` when both masks are empty.
pub fn iou(c: &ConfusionCounts) -> Option<f64> {
    ratio(c.tp, c.tp + c.fp + c.fn_)
}
