//! Precision, Equation (3) of the paper.

use crate::metric::confusion::ConfusionCounts;
use crate::metric::ratio::ratio;

/// Precision (positive predictive value), paper Eq. 3:
///
/// ```text
/// Precision = TP / (TP + FP)
/// ```
///
/// `None` when nothing was predicted M (TP + FP = 0).
pub fn precision(c: &ConfusionCounts) -> Option<f64> {
    ratio(c.tp, c.tp + c.fp)
}
