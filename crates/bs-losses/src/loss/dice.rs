//! Dice loss, Equation (1) of the paper.

use crate::classes::ClassSelection;
use crate::error::Result;
use crate::loss::{check_non_negative, SegmentationLoss};
use crate::overlap::SoftCounts;
use crate::reduction::{BatchReduction, ClassReduction};
use serde::{Deserialize, Serialize};
use tch::Tensor;

/// Smoothing constant of the Double U-Net reference code (`smooth = 1e-15` in Jha et al.'s
/// `metrics.py`), the source of the paper's Dice loss.
pub const DICE_REFERENCE_SMOOTH: f64 = 1e-15;

/// Configuration of the Dice loss (paper Eq. 1).
///
/// ```text
/// DL(y, p) = 1 − 2·Σ y·p / (Σ y + Σ p)                      (paper, Eq. 1)
///          = 1 − (2·TP + s) / (2·TP + FP + FN + s)          (as computed)
/// ```
///
/// with the soft counts TP = Σ y·p, FP = Σ (1 − y)·p, FN = Σ y·(1 − p) over the included
/// channels (Σ y + Σ p = 2·TP + FP + FN exactly; the second form keeps the ratio ≤ 1 under
/// rounding). `s` is the smoothing constant.
///
/// * **Smoothing** — default [`DICE_REFERENCE_SMOOTH`] = 1e-15, the value of the Double U-Net
///   reference: it only matters when target and prediction are both empty, where it makes the
///   ratio 1 (loss 0, a perfect prediction of "no lesion") instead of 0/0. A larger `s` (e.g. 1)
///   softens the loss on images without lesions.
/// * **Reduction** — [`BatchReduction::Pooled`] and [`ClassReduction::Pooled`] by default, as in
///   the Keras reference, which flattens the whole batch (see [`crate::reduction`]).
/// * **Classes** — `num_classes = 1` for the sigmoid baseline; 3 with class 0 (BG) excluded for
///   the paper's SoftMax model ([`DiceLossConfig::three_class`], also the `Default`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DiceLossConfig {
    /// Number of output channels (1 for sigmoid, C for SoftMax).
    pub num_classes: usize,
    /// Channels left out of the loss (BG = 0 in the paper's three-class model).
    pub excluded_classes: Vec<usize>,
    /// Smoothing constant `s` ≥ 0 added to numerator and denominator.
    pub smooth: f64,
    /// Reduction over the images of a batch.
    pub batch_reduction: BatchReduction,
    /// Reduction over the included channels.
    pub class_reduction: ClassReduction,
}

impl Default for DiceLossConfig {
    fn default() -> Self {
        Self::three_class()
    }
}

impl DiceLossConfig {
    /// The baseline Double U-Net setting: one sigmoid channel, nothing excluded.
    pub fn binary() -> Self {
        Self {
            num_classes: 1,
            excluded_classes: Vec::new(),
            smooth: DICE_REFERENCE_SMOOTH,
            batch_reduction: BatchReduction::Pooled,
            class_reduction: ClassReduction::Pooled,
        }
    }

    /// The paper's modified model: SoftMax over BG/NM/M with BG (class 0) excluded.
    pub fn three_class() -> Self {
        Self {
            num_classes: 3,
            excluded_classes: vec![0],
            ..Self::binary()
        }
    }

    /// Sets the smoothing constant.
    pub fn with_smooth(mut self, smooth: f64) -> Self {
        self.smooth = smooth;
        self
    }

    /// Sets the batch reduction.
    pub fn with_batch_reduction(mut self, reduction: BatchReduction) -> Self {
        self.batch_reduction = reduction;
        self
    }

    /// Sets the class reduction.
    pub fn with_class_reduction(mut self, reduction: ClassReduction) -> Self {
        self.class_reduction = reduction;
        self
    }

    /// Sets the excluded channels.
    pub fn with_excluded_classes(mut self, excluded: Vec<usize>) -> Self {
        self.excluded_classes = excluded;
        self
    }

    /// Validates the configuration and builds the loss.
    pub fn init(&self) -> Result<DiceLoss> {
        check_non_negative("smooth", self.smooth)?;
        let classes = ClassSelection::new(self.num_classes, &self.excluded_classes)?;
        Ok(DiceLoss {
            config: self.clone(),
            classes,
        })
    }
}

/// Dice loss built from a validated [`DiceLossConfig`].
#[derive(Clone, Debug)]
pub struct DiceLoss {
    config: DiceLossConfig,
    classes: ClassSelection,
}

impl DiceLoss {
    /// The configuration this loss was built from.
    pub fn config(&self) -> &DiceLossConfig {
        &self.config
    }

    /// Loss of `probabilities` (N×C×H×W, after sigmoid/SoftMax) against a one-hot `target` of
    /// the same shape: a differentiable scalar tensor in \[0, 1\].
    pub fn try_forward(&self, probabilities: &Tensor, target: &Tensor) -> Result<Tensor> {
        let c = &self.config;
        let counts = SoftCounts::compute(
            probabilities,
            target,
            &self.classes,
            c.batch_reduction,
            c.class_reduction,
        )?;
        let two_tp = counts.tp.f_mul_scalar(2.0)?;
        let numerator = two_tp.f_add_scalar(c.smooth)?;
        // With s = 0 and an empty target and prediction the denominator is 0: the floor turns
        // 0/0 into 0/tiny = 0 (loss 1) instead of NaN.
        let denominator = two_tp
            .f_add(&counts.fp)?
            .f_add(&counts.fn_)?
            .f_add_scalar(c.smooth)?
            .f_clamp_min(f64::from(f32::MIN_POSITIVE))?;
        let ratio = numerator.f_div(&denominator)?;
        Ok(ratio.f_rsub_scalar(1.0)?.f_mean(None)?)
    }

    /// Like [`DiceLoss::try_forward`].
    ///
    /// # Panics
    /// When the tensors do not fit the configuration (see [`crate::LossError`]), like tch's own
    /// `forward`; use `try_forward` to get the error instead.
    pub fn forward(&self, probabilities: &Tensor, target: &Tensor) -> Tensor {
        self.try_forward(probabilities, target)
            .unwrap_or_else(|e| panic!("Dice loss: {e}"))
    }
}

impl SegmentationLoss for DiceLoss {
    fn try_forward(&self, probabilities: &Tensor, target: &Tensor) -> Result<Tensor> {
        DiceLoss::try_forward(self, probabilities, target)
    }
}
