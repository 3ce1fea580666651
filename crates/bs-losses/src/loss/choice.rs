//! The choice between the two losses the paper compares (Tables 3–7: "Dice Loss" and
//! "Focal Tversky Loss" column groups).

use crate::error::Result;
use crate::loss::dice::{DiceLoss, DiceLossConfig};
use crate::loss::focal_tversky::{FocalTverskyLoss, FocalTverskyLossConfig};
use crate::loss::SegmentationLoss;
use serde::{Deserialize, Serialize};
use tch::Tensor;

/// Which of the two losses: what an experiment's arms name (`losses = ["dice",
/// "focal_tversky"]`) and what [`LossConfig`] is tagged with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LossKind {
    /// Dice loss, Eq. 1.
    Dice,
    /// Focal Tversky loss (α 0.3 on FP, β 0.7 on FN, γ 0.75), Eq. 2.
    FocalTversky,
}

impl LossKind {
    /// Directory-safe name: `dice`, `focal_tversky`.
    pub fn slug(self) -> &'static str {
        match self {
            LossKind::Dice => "dice",
            LossKind::FocalTversky => "focal_tversky",
        }
    }

    /// The column-group title used in the paper's tables.
    pub fn title(self) -> &'static str {
        match self {
            LossKind::Dice => "Dice Loss",
            LossKind::FocalTversky => "Focal Tversky Loss",
        }
    }
}

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

    /// Which loss this configures.
    pub fn kind(&self) -> LossKind {
        match self {
            Self::Dice(_) => LossKind::Dice,
            Self::FocalTversky(_) => LossKind::FocalTversky,
        }
    }

    /// Name as printed in the paper's tables ("Dice Loss", "Focal Tversky Loss").
    pub fn display_name(&self) -> &'static str {
        self.kind().title()
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
