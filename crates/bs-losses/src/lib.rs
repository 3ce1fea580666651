//! Dice and Focal Tversky losses over both Double U-Net heads, with class exclusion.
//!
//! Implements Section 3.7 (loss functions, Equations 1–2) of Liu et al., "Bone metastasis
//! segmentation in whole-body bone scans of breast cancer patients with a modified Double
//! U-Net" (the paper this workspace reproduces):
//!
//! * [`DiceLossConfig`] — Eq. 1, `DL = 1 − 2·Σyp / (Σy + Σp)`;
//! * [`FocalTverskyLossConfig`] — Eq. 2, `FTL = (1 − TP / (TP + α·FP + β·FN))^γ` with
//!   α = 0.3 on false positives, β = 0.7 on false negatives, γ = 0.75;
//! * a class-exclusion set: in the paper's three-class model (BG 0 / NM 1 / M 2) the background
//!   channel takes no part in the loss;
//! * [`DoubleHeadLossConfig`] — the loss summed over both Double U-Net outputs with weights.
//!
//! Both losses work on probabilities (after the sigmoid of the baseline or the SoftMax of the
//! modified model), N×C×H×W, against a one-hot target of the same shape ([`one_hot()`] builds one
//! from a label map). Soft counts are pooled over the batch and the included classes by
//! default, as in the Keras reference code (see [`reduction`]).
//!
//! ```
//! use bs_losses::{DiceLossConfig, DoubleHeadLossConfig, FocalTverskyLossConfig, LossConfig};
//! use tch::{Kind, Tensor};
//!
//! // A 1×3×2×2 SoftMax output and its one-hot target (BG, NM, M).
//! let labels = Tensor::from_slice(&[0i64, 1, 2, 2]).view([1, 2, 2]);
//! let target = bs_losses::one_hot(&labels, 3)?;
//! let probs = (&target * 0.8 + 0.2 / 3.0).set_requires_grad(true);
//!
//! let dice = DiceLossConfig::three_class().init()?; // BG excluded
//! let loss = dice.try_forward(&probs, &target)?;
//! assert!(loss.double_value(&[]) > 0.0 && loss.double_value(&[]) < 0.2);
//!
//! let both = DoubleHeadLossConfig::new(LossConfig::FocalTversky(FocalTverskyLossConfig::three_class()))
//!     .init()?;
//! let out = both.try_forward(&probs, &probs, &target)?;
//! out.total.backward();
//! assert_eq!(probs.grad().kind(), Kind::Float);
//! # Ok::<(), bs_losses::LossError>(())
//! ```

pub mod classes;
pub mod error;
pub mod loss;
pub mod one_hot;
pub mod overlap;
pub mod reduction;

pub use classes::ClassSelection;
pub use error::{LossError, Result};
pub use loss::choice::{Loss, LossConfig, LossKind};
pub use loss::dice::{DiceLoss, DiceLossConfig, DICE_REFERENCE_SMOOTH};
pub use loss::double_head::{
    DoubleHeadLoss, DoubleHeadLossConfig, DoubleHeadLossOutput, HeadCombination,
};
pub use loss::focal_tversky::{
    FocalTverskyLoss, FocalTverskyLossConfig, FocalTverskyParams, FOCAL_TVERSKY_FLOOR,
    FOCAL_TVERSKY_REFERENCE_SMOOTH,
};
pub use loss::SegmentationLoss;
pub use one_hot::one_hot;
pub use reduction::{BatchReduction, ClassReduction};

/// The code blocks of the crate README, compiled and run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
