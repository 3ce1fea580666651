//! F1-score, Equation (5) of the paper.

use crate::metric::confusion::ConfusionCounts;
use crate::metric::ratio::ratio;

/// F1-score, paper Eq. 5, computed from the counts:
///
/// ```text
/// F1 = 2 × Precision × Sensitivity / (Precision + Sensitivity) = 2·TP / (2·TP + FP + FN)
/// ```
///
/// The count form equals Eq. 5 wherever Eq. 5 is defined, and it stays defined in two cases
/// where Eq. 5 is not: nothing predicted but M present (precision 0/0), or M predicted only where
/// it is absent and present only where it is not predicted (precision = sensitivity = 0); F1
/// is 0 in both, the natural limit. `None` only when there is no true and no predicted M pixel.
/// Pixel-level F1 is identical to the Dice coefficient ([`crate::dice`]).
pub fn f1(c: &ConfusionCounts) -> Option<f64> {
    ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn_)
}

/// Eq. 5 applied to a precision and a sensitivity: the paper's tables compute the F1 of the
/// "Mean" row this way, from the mean precision and mean sensitivity of the folds (see
/// [`crate::aggregate::MeanF1`]). `None` when either is undefined or both are 0.
pub fn f1_from_precision_sensitivity(
    precision: Option<f64>,
    sensitivity: Option<f64>,
) -> Option<f64> {
    let (p, s) = (precision?, sensitivity?);
    (p + s > 0.0).then(|| 2.0 * p * s / (p + s))
}
