//! Optimiser and schedule settings (Section 4: Adam, lr 1e-4, batch 4, 500 epochs).

use std::path::Path;

use bs_losses::{ClassReduction, HeadCombination};
use serde::{Deserialize, Serialize};

use crate::data::{AugmentConfig, PatchConfig};
use crate::error::{Result, TrainError};

/// Stop a fold when validation F1 has not improved for `patience` epochs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EarlyStopping {
    /// Epochs without improvement before stopping (≥ 1).
    pub patience: usize,
    /// Smallest F1 gain that counts as an improvement.
    #[serde(default)]
    pub min_delta: f64,
}

/// Multiply the learning rate by `factor` after `patience` epochs without a better validation F1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LrPlateau {
    /// Epochs without improvement before reducing (≥ 1).
    pub patience: usize,
    /// Factor in (0, 1).
    pub factor: f64,
    /// Lower bound of the learning rate.
    #[serde(default)]
    pub min_lr: f64,
}

/// Learning-rate schedule over the epochs of a training.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LrDecay {
    /// Constant (the paper's Adam at 1e-4; LR-on-plateau may still reduce it).
    #[default]
    None,
    /// nnU-Net's polynomial decay, per epoch: `lr_e = lr · (1 − (e − 1)/E)^0.9` for epoch
    /// `e` of `E`.
    Poly,
}

impl LrDecay {
    /// The factor of epoch `epoch` (1-based) of `epochs`.
    pub fn factor(self, epoch: usize, epochs: usize) -> f64 {
        match self {
            LrDecay::None => 1.0,
            LrDecay::Poly => {
                let done = epoch.saturating_sub(1) as f64 / epochs.max(1) as f64;
                (1.0 - done).max(0.0).powf(0.9)
            }
        }
    }
}

/// Which epoch's weights a training hands to testing (and to the next stage).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ModelSelection {
    /// The epoch with the best validation F1 (ties: the earliest).
    #[default]
    BestValidationF1,
    /// The last epoch trained, as the Keras Double U-Net's `ModelCheckpoint(model_path)` keeps.
    LastEpoch,
}

impl ModelSelection {
    /// `best validation F1` or `last epoch`, for reports.
    pub fn describe(self) -> &'static str {
        match self {
            ModelSelection::BestValidationF1 => "best validation F1",
            ModelSelection::LastEpoch => "last epoch",
        }
    }
}

/// Training hyper-parameters of an experiment. Defaults are the paper's (Section 4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainingConfig {
    /// Epochs per fold; `None`: the profile's (paper 500, quick a few).
    pub epochs: Option<usize>,
    /// Images per batch (paper: 4).
    pub batch_size: usize,
    /// Adam learning rate (paper: 1e-4).
    pub learning_rate: f64,
    /// Adam β₁.
    pub beta1: f64,
    /// Adam β₂.
    pub beta2: f64,
    /// Adam ε.
    pub eps: f64,
    /// Number of cross-validation folds (paper: 10, 8:1:1 train/val/test).
    pub folds: usize,
    /// Seed of the split, the weight initialisation and the batch order.
    pub seed: u64,
    /// Optional early stopping on validation F1.
    pub early_stopping: Option<EarlyStopping>,
    /// Optional reduce-LR-on-plateau on validation F1.
    pub lr_plateau: Option<LrPlateau>,
    /// Random brightness scaling of whole training images by a factor in `[1 − a, 1 + a]`
    /// (0 = off, the paper's setting), on the device. [`Self::augmentation`] has the same as
    /// `gain`, with the other transforms (its mirroring flips each view in place: a plain
    /// horizontal flip would put a mirrored posterior view where the anterior belongs).
    pub intensity_augmentation: f64,
    /// Weight of head 1's loss (head 2 is weighted 1); the Keras Double U-Net trains both.
    pub head1_weight: f64,
    /// How the three-class losses combine NM and M: `pooled` (one ratio over both channels, the
    /// Keras loss on `y[..., 1:]`) or `mean` (one ratio per class, averaged). `None`: the
    /// profile's choice (`paper` pooled; the reduced profiles mean, without which M, under 1 %
    /// of the pixels, is not learned in their few epochs). No effect on binary experiments.
    pub loss_class_reduction: Option<ClassReduction>,
    /// Write the resumable checkpoint (weights and optimiser state) every this many epochs, and
    /// always after the last. 1 (default): a killed run loses at most one epoch. At the paper
    /// size a checkpoint is ~350 MB, and on a GPU writing it is a noticeable share of an epoch
    /// (`docs/measurements.md`), so a GPU run may trade a few lost epochs for that time. The
    /// log is written every epoch.
    pub checkpoint_every: usize,
    /// Train on patches of the full-resolution image (`[training.patches]`: `size`,
    /// `m_fraction`, `per_epoch`) instead of whole images; `None`: the profile's choice
    /// (`paper` whole images, as the paper trained; `cpu` 64×64 patches, 80 % → 20 % forced
    /// to contain metastasis).
    pub patches: Option<PatchConfig>,
    /// Augmentation (`[training.augmentation]`: `mirror`, `gain`, `zoom`, `shift`,
    /// `thinning`); `None`: the profile's choice (`paper` none, as the paper names none).
    pub augmentation: Option<AugmentConfig>,
    /// Channels-last (NHWC) weights and inputs in training and validation; `None`: the
    /// profile's choice (`cpu` on), else on with CUDA and off on the CPU.
    pub channels_last: Option<bool>,
    /// Learning-rate schedule; `None`: the profile's (`paper` constant, `cpu`/`gpu` poly).
    pub lr_decay: Option<LrDecay>,
    /// Linear learning-rate warm-up over this many optimiser steps (0 = none, the paper's).
    pub warmup_steps: usize,
    /// How the two heads' losses combine: `weighted_sum` (`head1_weight`·loss(out1) +
    /// loss(out2)) or `concatenated` (one loss over both heads stacked, as the Keras code
    /// computes it on `Concatenate([out1, out2])`). `None`: the profile's (`paper`
    /// concatenated, the others weighted sum).
    pub head_combination: Option<HeadCombination>,
    /// Which epoch's weights are tested: `best_validation_f1` or `last_epoch`. `None`: the
    /// profile's (`paper` last epoch, as the Keras code; the others best validation F1).
    pub model_selection: Option<ModelSelection>,
    /// The Focal Tversky loss's α, β, γ (`[training.focal_tversky]`; the paper's 0.3, 0.7,
    /// 0.75 when absent), for the arms that train with it.
    pub focal_tversky: bs_losses::FocalTverskyParams,
}

impl Default for TrainingConfig {
    fn default() -> Self {
        TrainingConfig {
            epochs: None,
            batch_size: 4,
            learning_rate: 1e-4,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            folds: 10,
            seed: 2024,
            early_stopping: None,
            lr_plateau: None,
            intensity_augmentation: 0.0,
            head1_weight: 1.0,
            loss_class_reduction: None,
            checkpoint_every: 1,
            patches: None,
            augmentation: None,
            channels_last: None,
            lr_decay: None,
            warmup_steps: 0,
            head_combination: None,
            model_selection: None,
            focal_tversky: bs_losses::FocalTverskyParams::default(),
        }
    }
}

impl TrainingConfig {
    /// The window (rows, cols) of validation and test: the patch size when training on
    /// patches, else none (whole images).
    pub fn window(&self) -> Option<(usize, usize)> {
        self.patches.map(|p| (p.size[0], p.size[1]))
    }

    /// Checks every value.
    pub fn validate(&self, origin: &Path) -> Result<()> {
        let bad = |key: &'static str, message: String| TrainError::ConfigValue {
            path: origin.to_path_buf(),
            key,
            message,
        };
        if self.epochs == Some(0) {
            return Err(bad("training.epochs", "must be at least 1".into()));
        }
        let focal_tversky = bs_losses::FocalTverskyLossConfig::three_class();
        if let Err(e) = focal_tversky.with_params(self.focal_tversky).init() {
            return Err(bad("training.focal_tversky", e.to_string()));
        }
        if self.batch_size == 0 || self.batch_size > 4096 {
            return Err(bad(
                "training.batch_size",
                format!("must lie in 1..=4096, got {}", self.batch_size),
            ));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(bad(
                "training.learning_rate",
                format!("must be a positive number, got {}", self.learning_rate),
            ));
        }
        for (key, v) in [
            ("training.beta1", self.beta1),
            ("training.beta2", self.beta2),
        ] {
            if !(0.0..1.0).contains(&v) {
                return Err(bad(key, format!("must lie in [0, 1), got {v}")));
            }
        }
        if !(self.eps.is_finite() && self.eps > 0.0) {
            return Err(bad(
                "training.eps",
                format!("must be positive, got {}", self.eps),
            ));
        }
        if self.folds < 3 {
            return Err(bad(
                "training.folds",
                format!(
                    "must be at least 3 (train, validation and test folds), got {}",
                    self.folds
                ),
            ));
        }
        if let Some(es) = &self.early_stopping {
            if es.patience == 0 || !es.min_delta.is_finite() || es.min_delta < 0.0 {
                return Err(bad(
                    "training.early_stopping",
                    "needs patience ≥ 1 and min_delta ≥ 0".into(),
                ));
            }
        }
        if let Some(p) = &self.lr_plateau {
            if p.patience == 0
                || !(p.factor > 0.0 && p.factor < 1.0)
                || !p.min_lr.is_finite()
                || p.min_lr < 0.0
            {
                return Err(bad(
                    "training.lr_plateau",
                    "needs patience ≥ 1, factor in (0, 1), min_lr ≥ 0".into(),
                ));
            }
        }
        if !(0.0..0.5).contains(&self.intensity_augmentation) {
            return Err(bad(
                "training.intensity_augmentation",
                format!("must lie in [0, 0.5), got {}", self.intensity_augmentation),
            ));
        }
        if self.checkpoint_every == 0 {
            return Err(bad(
                "training.checkpoint_every",
                "must be at least 1".into(),
            ));
        }
        let invalid = (self.patches.as_ref().and_then(PatchConfig::invalid))
            .or_else(|| self.augmentation.as_ref().and_then(AugmentConfig::invalid));
        if let Some((key, message)) = invalid {
            return Err(bad(key, message));
        }
        if !(self.head1_weight.is_finite() && self.head1_weight >= 0.0) {
            return Err(bad("training.head1_weight", "must be ≥ 0".into()));
        }
        if self.head_combination == Some(HeadCombination::Concatenated) && self.head1_weight != 1.0
        {
            return Err(bad(
                "training.head1_weight",
                format!(
                    "must be 1 with head_combination = \"concatenated\" (one loss over both heads), got {}",
                    self.head1_weight
                ),
            ));
        }
        Ok(())
    }
}
