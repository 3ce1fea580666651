//! The choice between the two losses the paper compares (Tables 3–7: "Dice Loss" and
//! "Focal Tversky Loss" column groups).

use crate::error::Result;
use crate::loss::dice::{DiceLoss, DiceLossConfig};
use crate::loss::focal_tversky::{FocalTverskyLoss, FocalTverskyLossConfig};
use crate::loss::SegmentationLoss;
use serde::{Deserialize, Serialize};
use tch::Tensor;

/// Either loss configuration; serialises with a `kind` tag (`"dice"` / `"focal_tversky"`), so a
/// training configuration can switch between them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum LossConfig {
    /// Dice loss, Eq. 1.
    Dice(DiceLossConfig),
    /// Focal Tversky loss, Eq. 2.
    FocalTversky(FocalTverskyLossConfig),
}

impl Default for LossConfig {
    fn default() -> Self {
        Self::Dice(DiceLossConfig::default())
    }
}

impl LossConfig {
    /// Validates the chosen configuration and builds the loss.
    pub fn init(&self) -> Result<Loss> {
        Ok(match self {
            Self::Dice(c) => Loss::Dice(c.init()?),
            Self::FocalTversky(c) => Loss::FocalTversky(c.init()?),
        })
    }

    /// Name as printed in the paper's tables ("Dice Loss", "Focal Tversky Loss").
    pub fn display_name(&self) -> &'static str {
        match self {
            Self::Dice(_) => "Dice Loss",
            Self::FocalTversky(_) => "Focal Tversky Loss",
        }
    }
}

/// A built loss of either kind.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Loss {
    /// Dice loss, Eq. 1.
    Dice(DiceLoss),
    /// Focal Tversky loss, Eq. 2.
    FocalTversky(FocalTverskyLoss),
}

impl SegmentationLoss for Loss {
    fn try_forward(&self, probabilities: &Tensor, target: &Tensor) -> Result<Tensor> {
        match self {
            Self::Dice(l) => l.try_forward(probabilities, target),
            Self::FocalTversky(l) => l.try_forward(probabilities, target),
        }
    }
}
