//! Sensitivity, Equation (4) of the paper.

use crate::metric::confusion::ConfusionCounts;
use crate::metric::ratio::ratio;

/// Sensitivity (recall, true-positive rate), paper Eq. 4:
///
/// ```text
/// Sensitivity = TP / (TP + FN)
/// ```
///
/// `None` when the truth has no M pixel (TP + FN = 0).
pub fn sensitivity(c: &ConfusionCounts) -> Option<f64> {
    ratio(c.tp, c.tp + c.fn_)
}
