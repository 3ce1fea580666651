//! The segmentation losses of Section 3.7: Dice (Eq. 1), Focal Tversky (Eq. 2), the choice
//! between them, and their sum over the two Double U-Net heads.

pub mod choice;
pub mod dice;
pub mod double_head;
pub mod focal_tversky;

use crate::error::{LossError, Result};
use tch::Tensor;

/// A loss of class probabilities against a one-hot target, both N×C×H×W.
pub trait SegmentationLoss {
    /// Scalar, differentiable loss; an error when the tensors do not fit the configuration.
    fn try_forward(&self, probabilities: &Tensor, target: &Tensor) -> Result<Tensor>;

    /// Like [`SegmentationLoss::try_forward`].
    ///
    /// # Panics
    /// When the tensors do not fit the configuration, like tch's own `forward`.
    fn forward(&self, probabilities: &Tensor, target: &Tensor) -> Tensor {
        self.try_forward(probabilities, target)
            .unwrap_or_else(|e| panic!("segmentation loss: {e}"))
    }
}

/// Rejects NaN, infinities and negative values of a hyper-parameter.
pub(crate) fn check_non_negative(name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(LossError::InvalidHyperParameter {
            name,
            value,
            requirement: "finite and ≥ 0",
        })
    }
}
