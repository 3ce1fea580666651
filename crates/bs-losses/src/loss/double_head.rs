//! The loss summed over both outputs of the Double U-Net.

use crate::errors::{LossError, Result};
use crate::loss::choice::{Loss, LossConfig};
use crate::loss::{check_non_negative, SegmentationLoss};
use serde::{Deserialize, Serialize};
use tch::Tensor;

/// Configuration of the loss over the two Double U-Net heads.
///
/// ```text
/// L = w₁·loss(out1, y) + w₂·loss(out2, y)
/// ```
///
/// Both heads predict the same target. The Keras Double U-Net concatenates both outputs and
/// applies one loss to the concatenation; with pooled sums that is one ratio over both heads,
/// whereas this sum gives each head its own ratio and lets a head be weighted — the weights
/// (default 1, 1) are configurable, as the issue asks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DoubleHeadLossConfig {
    /// The per-head loss.
    pub loss: LossConfig,
    /// Weight of output 1 (network 1), ≥ 0.
    pub weight_out1: f64,
    /// Weight of output 2 (network 2), ≥ 0.
    pub weight_out2: f64,
}

impl Default for DoubleHeadLossConfig {
    fn default() -> Self {
        Self::new(LossConfig::default())
    }
}

impl DoubleHeadLossConfig {
    /// Both heads with weight 1.
    pub fn new(loss: LossConfig) -> Self {
        Self {
            loss,
            weight_out1: 1.0,
            weight_out2: 1.0,
        }
    }

    /// Sets the head weights.
    pub fn with_weights(mut self, weight_out1: f64, weight_out2: f64) -> Self {
        self.weight_out1 = weight_out1;
        self.weight_out2 = weight_out2;
        self
    }

    /// Validates the weights (finite, ≥ 0, not both 0) and the per-head loss.
    pub fn init(&self) -> Result<DoubleHeadLoss> {
        check_non_negative("weight_out1", self.weight_out1)?;
        check_non_negative("weight_out2", self.weight_out2)?;
        if self.weight_out1 == 0.0 && self.weight_out2 == 0.0 {
            return Err(LossError::ZeroHeadWeights);
        }
        Ok(DoubleHeadLoss {
            loss: self.loss.init()?,
            weights: [self.weight_out1, self.weight_out2],
        })
    }
}

/// The combined loss and its two per-head terms (unweighted), for logging.
#[derive(Debug)]
pub struct DoubleHeadLossOutput {
    /// w₁·head1 + w₂·head2: call `backward()` on this.
    pub total: Tensor,
    /// Loss of output 1.
    pub out1: Tensor,
    /// Loss of output 2.
    pub out2: Tensor,
}

/// Loss over both Double U-Net heads built from a [`DoubleHeadLossConfig`].
#[derive(Clone, Debug)]
pub struct DoubleHeadLoss {
    loss: Loss,
    weights: [f64; 2],
}

impl DoubleHeadLoss {
    /// The per-head loss.
    pub fn loss(&self) -> &Loss {
        &self.loss
    }

    /// Head weights (output 1, output 2).
    pub fn weights(&self) -> [f64; 2] {
        self.weights
    }

    /// Loss of both heads' probabilities against the same one-hot target.
    pub fn try_forward(
        &self,
        out1: &Tensor,
        out2: &Tensor,
        target: &Tensor,
    ) -> Result<DoubleHeadLossOutput> {
        let l1 = self.loss.try_forward(out1, target)?;
        let l2 = self.loss.try_forward(out2, target)?;
        let total = l1
            .f_mul_scalar(self.weights[0])?
            .f_add(&l2.f_mul_scalar(self.weights[1])?)?;
        Ok(DoubleHeadLossOutput {
            total,
            out1: l1,
            out2: l2,
        })
    }

    /// The weighted total of [`DoubleHeadLoss::try_forward`].
    ///
    /// # Panics
    /// When the tensors do not fit the configuration (see [`LossError`]).
    pub fn forward(&self, out1: &Tensor, out2: &Tensor, target: &Tensor) -> Tensor {
        self.try_forward(out1, out2, target)
            .unwrap_or_else(|e| panic!("Double U-Net loss: {e}"))
            .total
    }
}
