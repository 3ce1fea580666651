//! NM by negative mining: a binary model's false positives.

use ndarray::{ArrayView2, Zip};

use crate::error::{MaskError, Result};
use crate::three_class::{check_dims, ThreeClassMask};

/// Three-class mask with NM = predicted M ∖ true M: the false positives of a binary
/// (BG/M) model on a training image. On a negative patient `truth_m` is all false and every
/// predicted pixel becomes NM. True M is kept as M.
pub fn negative_mining_nm(
    truth_m: ArrayView2<'_, bool>,
    predicted_m: ArrayView2<'_, bool>,
) -> Result<ThreeClassMask> {
    check_dims(
        "predicted metastasis mask",
        truth_m.dim(),
        predicted_m.dim(),
    )?;
    let nm = Zip::from(&predicted_m)
        .and(&truth_m)
        .map_collect(|&p, &t| p && !t);
    ThreeClassMask::from_parts(truth_m, nm.view())
}

/// [`negative_mining_nm`] from the binary model's metastasis probabilities: a pixel is
/// predicted M when its probability is `>= threshold` (the paper's 0.5). `threshold` must lie
/// in (0, 1] and every probability must be finite.
pub fn negative_mining_nm_from_probabilities(
    truth_m: ArrayView2<'_, bool>,
    probabilities: ArrayView2<'_, f32>,
    threshold: f32,
) -> Result<ThreeClassMask> {
    check_dims(
        "predicted probability map",
        truth_m.dim(),
        probabilities.dim(),
    )?;
    if !(threshold > 0.0 && threshold <= 1.0) {
        return Err(MaskError::BadThreshold { threshold });
    }
    if let Some(index) = probabilities.iter().position(|p| !p.is_finite()) {
        return Err(MaskError::NonFiniteValue { index });
    }
    let predicted = Zip::from(&probabilities).map_collect(|&p| p >= threshold);
    negative_mining_nm(truth_m, predicted.view())
}
