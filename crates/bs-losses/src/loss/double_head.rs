//! The loss summed over both outputs of the Double U-Net.

use crate::error::{LossError, Result};
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
/// Both heads predict the same target. Two ways to combine them ([`HeadCombination`]):
///
/// * [`HeadCombination::WeightedSum`] (default) — the formula above: each head gets its own
///   ratio, and a head can be weighted (default weights 1, 1);
/// * [`HeadCombination::Concatenated`] — what the Keras Double U-Net does
///   (`outputs = Concatenate()([outputs1, outputs2])` in `model.py`, one loss on that): the two
///   heads are stacked and the loss is computed once, so with pooled sums there is a single
///   ratio over the pixels of both heads. The weights must stay 1 in this mode.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DoubleHeadLossConfig {
    /// The per-head loss.
    pub loss: LossConfig,
    /// Weight of output 1 (network 1), ≥ 0.
    pub weight_out1: f64,
    /// Weight of output 2 (network 2), ≥ 0.
    pub weight_out2: f64,
    /// How the two heads are combined.
    pub combination: HeadCombination,
}

/// How [`DoubleHeadLoss`] combines the two Double U-Net outputs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum HeadCombination {
    /// `w₁·loss(out1) + w₂·loss(out2)`.
    #[default]
    WeightedSum,
    /// `loss(out1 ‖ out2, y ‖ y)`, stacked along the batch axis (Keras reference).
    Concatenated,
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
            combination: HeadCombination::WeightedSum,
        }
    }

    /// Sets the head weights.
    pub fn with_weights(mut self, weight_out1: f64, weight_out2: f64) -> Self {
        self.weight_out1 = weight_out1;
        self.weight_out2 = weight_out2;
        self
    }

    /// Sets how the heads are combined.
    pub fn with_combination(mut self, combination: HeadCombination) -> Self {
        self.combination = combination;
        self
    }

    /// Validates the weights (finite, ≥ 0, not both 0; both 1 when concatenated) and the
    /// per-head loss.
    pub fn init(&self) -> Result<DoubleHeadLoss> {
        check_non_negative("weight_out1", self.weight_out1)?;
        check_non_negative("weight_out2", self.weight_out2)?;
        if self.weight_out1 == 0.0 && self.weight_out2 == 0.0 {
            return Err(LossError::ZeroHeadWeights);
        }
        if self.combination == HeadCombination::Concatenated
            && (self.weight_out1, self.weight_out2) != (1.0, 1.0)
        {
            return Err(LossError::WeightsWithConcatenation {
                weight_out1: self.weight_out1,
                weight_out2: self.weight_out2,
            });
        }
        Ok(DoubleHeadLoss {
            loss: self.loss.init()?,
            weights: [self.weight_out1, self.weight_out2],
            combination: self.combination,
        })
    }
}

/// The combined loss and its two per-head terms (unweighted), for logging.
#[derive(Debug)]
pub struct DoubleHeadLossOutput {
    /// The combined loss (w₁·out1 + w₂·out2, or the loss of the concatenation): call
    /// `backward()` on this.
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
    combination: HeadCombination,
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

    /// How the heads are combined.
    pub fn combination(&self) -> HeadCombination {
        self.combination
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
        let total = match self.combination {
            HeadCombination::WeightedSum => l1
                .f_mul_scalar(self.weights[0])?
                .f_add(&l2.f_mul_scalar(self.weights[1])?)?,
            HeadCombination::Concatenated => {
                let probs = Tensor::f_cat(&[out1, out2], 0)?;
                let targets = Tensor::f_cat(&[target, target], 0)?;
                self.loss.try_forward(&probs, &targets)?
            }
        };
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
