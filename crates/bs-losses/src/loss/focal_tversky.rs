//! Focal Tversky loss, Equation (2) of the paper.

use crate::classes::ClassSelection;
use crate::error::{LossError, Result};
use crate::loss::{check_non_negative, SegmentationLoss};
use crate::overlap::SoftCounts;
use crate::reduction::{BatchReduction, ClassReduction};
use serde::{Deserialize, Serialize};
use tch::Tensor;

/// Smoothing constant of Abraham & Khan's reference implementation of the Focal Tversky loss
/// (`smooth = 1`), the source the paper cites for Eq. 2.
pub const FOCAL_TVERSKY_REFERENCE_SMOOTH: f64 = 1.0;

/// Floor applied to `1 − TI` before the power: with γ < 1 the derivative γ·(1 − TI)^(γ−1) is
/// infinite at a perfect prediction (TI = 1). Below the floor the loss is flat, so the
/// gradient is 0 there; the loss of a perfect prediction is `1e-12^γ` (1e-9 for γ = 0.75).
pub const FOCAL_TVERSKY_FLOOR: f64 = 1e-12;

/// Configuration of the Focal Tversky loss (paper Eq. 2).
///
/// ```text
/// TI  = (TP + s) / (TP + α·FP + β·FN + s)
/// FTL = (1 − TI)^γ
/// ```
///
/// with the soft counts TP = Σ y·p, FP = Σ (1 − y)·p, FN = Σ y·(1 − p) over the included
/// channels. The paper's Eq. 2 writes the denominator as `yp + α(1 − y)p + βy(1 − p)`, so **α
/// weighs false positives and β weighs false negatives**, with α = 0.3, β = 0.7, γ = 0.75.
/// This is the same weighting as Abraham & Khan (2019), whose code puts 0.7 on FN and 0.3 on FP
/// (`tp / (tp + 0.7·fn + 0.3·fp)`): false negatives — missed metastasis pixels — cost more,
/// pushing the model towards sensitivity (the paper's Section 5 motivation: the baseline had
/// higher precision than sensitivity).
///
/// * **Smoothing** — default [`FOCAL_TVERSKY_REFERENCE_SMOOTH`] = 1, as in Abraham & Khan: it
///   keeps TI defined (= 1, loss ≈ 0) for an empty target with an empty prediction and is
///   negligible against the thousands of pixels of a lesion batch.
/// * **γ** — the paper's γ = 0.75 < 1; see [`FOCAL_TVERSKY_FLOOR`] for how the infinite slope at
///   TI = 1 is kept finite.
/// * **Reduction** — pooled over the batch and the included classes by default, as in the Keras
///   reference (see [`crate::reduction`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FocalTverskyLossConfig {
    /// Number of output channels (1 for sigmoid, C for SoftMax).
    pub num_classes: usize,
    /// Channels left out of the loss (BG = 0 in the paper's three-class model).
    pub excluded_classes: Vec<usize>,
    /// Weight α ≥ 0 of the false positives (paper: 0.3).
    pub alpha: f64,
    /// Weight β ≥ 0 of the false negatives (paper: 0.7).
    pub beta: f64,
    /// Focal exponent γ > 0 (paper: 0.75).
    pub gamma: f64,
    /// Smoothing constant `s` ≥ 0.
    pub smooth: f64,
    /// Reduction over the images of a batch.
    pub batch_reduction: BatchReduction,
    /// Reduction over the included channels.
    pub class_reduction: ClassReduction,
}

/// The Focal Tversky loss's own hyper-parameters, as an experiment file sets them
/// (`[training.focal_tversky]`); the number of classes, the excluded background and the
/// reductions follow from the network and the training settings.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FocalTverskyParams {
    /// Weight α ≥ 0 of the false positives (paper: 0.3).
    pub alpha: f64,
    /// Weight β ≥ 0 of the false negatives (paper: 0.7).
    pub beta: f64,
    /// Focal exponent γ > 0 (paper: 0.75).
    pub gamma: f64,
}

impl Default for FocalTverskyParams {
    /// The paper's α 0.3, β 0.7, γ 0.75.
    fn default() -> Self {
        let paper = FocalTverskyLossConfig::binary();
        Self {
            alpha: paper.alpha,
            beta: paper.beta,
            gamma: paper.gamma,
        }
    }
}

impl Default for FocalTverskyLossConfig {
    fn default() -> Self {
        Self::three_class()
    }
}

impl FocalTverskyLossConfig {
    /// One sigmoid channel, nothing excluded, the paper's α, β, γ.
    pub fn binary() -> Self {
        Self {
            num_classes: 1,
            excluded_classes: Vec::new(),
            alpha: 0.3,
            beta: 0.7,
            gamma: 0.75,
            smooth: FOCAL_TVERSKY_REFERENCE_SMOOTH,
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

    /// Sets α (false positives) and β (false negatives).
    pub fn with_alpha_beta(mut self, alpha: f64, beta: f64) -> Self {
        self.alpha = alpha;
        self.beta = beta;
        self
    }

    /// Sets α, β and γ.
    pub fn with_params(self, p: FocalTverskyParams) -> Self {
        self.with_alpha_beta(p.alpha, p.beta).with_gamma(p.gamma)
    }

    /// Sets γ.
    pub fn with_gamma(mut self, gamma: f64) -> Self {
        self.gamma = gamma;
        self
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

    /// Validates α, β ≥ 0, γ > 0, s ≥ 0 (all finite) and the class set, and builds the loss.
    pub fn init(&self) -> Result<FocalTverskyLoss> {
        check_non_negative("alpha", self.alpha)?;
        check_non_negative("beta", self.beta)?;
        check_non_negative("smooth", self.smooth)?;
        if !(self.gamma.is_finite() && self.gamma > 0.0) {
            return Err(LossError::InvalidHyperParameter {
                name: "gamma",
                value: self.gamma,
                requirement: "finite and > 0",
            });
        }
        let classes = ClassSelection::new(self.num_classes, &self.excluded_classes)?;
        Ok(FocalTverskyLoss {
            config: self.clone(),
            classes,
        })
    }
}

/// Focal Tversky loss built from a validated [`FocalTverskyLossConfig`].
#[derive(Clone, Debug)]
pub struct FocalTverskyLoss {
    config: FocalTverskyLossConfig,
    classes: ClassSelection,
}

impl FocalTverskyLoss {
    /// The configuration this loss was built from.
    pub fn config(&self) -> &FocalTverskyLossConfig {
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
        let numerator = counts.tp.f_add_scalar(c.smooth)?;
        let denominator = counts
            .tp
            .f_add(&counts.fp.f_mul_scalar(c.alpha)?)?
            .f_add(&counts.fn_.f_mul_scalar(c.beta)?)?
            .f_add_scalar(c.smooth)?
            .f_clamp_min(f64::from(f32::MIN_POSITIVE))?;
        let tversky_index = numerator.f_div(&denominator)?;
        let one_minus = tversky_index
            .f_rsub_scalar(1.0)?
            .f_clamp_min(FOCAL_TVERSKY_FLOOR)?;
        Ok(one_minus.f_pow_tensor_scalar(c.gamma)?.f_mean(None)?)
    }

    /// Like [`FocalTverskyLoss::try_forward`].
    ///
    /// # Panics
    /// When the tensors do not fit the configuration (see [`LossError`]); use `try_forward`
    /// to get the error instead.
    pub fn forward(&self, probabilities: &Tensor, target: &Tensor) -> Tensor {
        self.try_forward(probabilities, target)
            .unwrap_or_else(|e| panic!("Focal Tversky loss: {e}"))
    }
}

impl SegmentationLoss for FocalTverskyLoss {
    fn try_forward(&self, probabilities: &Tensor, target: &Tensor) -> Result<Tensor> {
        FocalTverskyLoss::try_forward(self, probabilities, target)
    }
}
