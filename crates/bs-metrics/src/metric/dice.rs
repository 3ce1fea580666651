//! Dice similarity coefficient of the binary masks.

use crate::metric::confusion::ConfusionCounts;
use crate::metric::ratio::ratio;

/// Dice coefficient of the hard masks:
///
/// ```text
/// Dice = 2·|P ∩ T| / (|P| + |T|) = 2·TP / (2·TP + FP + FN)
/// ```
///
/// Numerically the same as the pixel F1 ([`crate::f1`]); kept under its own name because
/// segmentation papers report it as such. `None` when both masks are empty.
pub fn dice(c: &ConfusionCounts) -> Option<f64> {
    ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn_)
}
