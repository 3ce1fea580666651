//! Profiles: how big the network, images and schedule are on this machine.
//!
//! | profile | input (H×W) | width | epochs | pre-train epochs | for |
//! |---|---|---|---|---|---|
//! | `paper` | 640×512 | 1 | 500 | 500 | a GPU: the paper's setting |
//! | `quick` | 80×64 (÷8) | 1/8 | 7 | 4 | 2 CPU cores: the whole set in ≤ 20 min |
//! | `tiny` | 32×32 (÷20, ÷16) | 1/16 | 2 | 1 | tests |
//!
//! With a handful of epochs instead of 500 the reduced profiles change what the paper's
//! schedule can afford to leave alone (each measured on the synthetic cohort, Tables 2–3, 10
//! folds, 2026-11-27; `paper` keeps the published settings):
//!
//! - learning rate ×30 for `quick` (3e-3), ×10 for `tiny`: at 1e-4 a few epochs barely move the
//!   weights;
//! - batch-norm momentum 0.1 instead of Keras' 0.01: a few hundred steps at 0.01 leave the
//!   running statistics used at validation and test far from the trained ones;
//! - sigmoid heads start at P(M) = 0.01 ([`bs_model::DoubleUNetConfig::head_prior`]) instead of
//!   ½: Table 2 mean fold F1 at 1/16 width went from 4.0 % to 6.4 % with this and the momentum;
//! - three-class losses average the NM and M ratios instead of pooling them: pooled, NM (about
//!   40 % of the pixels) swamps M (under 1 %) and M was never predicted, even after 30 epochs;
//!   averaged, M appeared after 13–18 epochs (fold 1, F1 0.35 at 30 epochs);
//! - width 1/8 (its last decoder block has 4 channels, 2 at 1/16): Table 2 mean fold F1 6.4 % →
//!   13 % (6 epochs), 17 % with 8 epochs at lr ×30.
//!
//! Even so, the three-class arms barely predict M within `quick`'s 7 epochs (F1 0–2 % per fold):
//! `quick` numbers show that the pipeline runs, not what the method achieves. Use `paper` on a
//! GPU for that.
//!
//! Reduced resolutions average-pool the image (counts are conserved in the mean) and max-pool
//! the metastasis mask (a lesion smaller than a pooled pixel is not lost).

use bs_losses::ClassReduction;
use bs_model::{DoubleUNetConfig, Variant};
use serde::{Deserialize, Serialize};

/// Name of a profile (`auto` picks `paper` on CUDA, `quick` otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileName {
    /// The paper's setting (640×512, width 1, 500 epochs).
    Paper,
    /// Reduced: the whole experiment set on 2 CPU cores in ≤ 20 minutes.
    Quick,
    /// Tests: tiny images and network, 2 epochs.
    Tiny,
}

impl ProfileName {
    /// `paper` with CUDA, `quick` without.
    pub fn auto() -> ProfileName {
        if tch::Cuda::is_available() {
            ProfileName::Paper
        } else {
            ProfileName::Quick
        }
    }

    /// Parses `paper`, `quick`, `tiny` (case-insensitive).
    pub fn parse(s: &str) -> Option<ProfileName> {
        match s.to_ascii_lowercase().as_str() {
            "paper" => Some(ProfileName::Paper),
            "quick" => Some(ProfileName::Quick),
            "tiny" => Some(ProfileName::Tiny),
            _ => None,
        }
    }

    /// The settings of this profile.
    pub fn profile(self) -> Profile {
        match self {
            ProfileName::Paper => Profile {
                name: self,
                pool_rows: 1,
                pool_cols: 1,
                width_multiplier: 1.0,
                epochs: 500,
                pretrain_epochs: 500,
                learning_rate_scale: 1.0,
                batch_norm_momentum: 0.01,
                head_prior: None,
                loss_class_reduction: ClassReduction::Pooled,
            },
            ProfileName::Quick => Profile {
                name: self,
                pool_rows: 8,
                pool_cols: 8,
                width_multiplier: 0.125,
                epochs: 7,
                pretrain_epochs: 4,
                learning_rate_scale: 30.0,
                batch_norm_momentum: 0.1,
                head_prior: Some(0.01),
                loss_class_reduction: ClassReduction::Mean,
            },
            ProfileName::Tiny => Profile {
                name: self,
                pool_rows: 20,
                pool_cols: 16,
                width_multiplier: 0.0625,
                epochs: 2,
                pretrain_epochs: 1,
                learning_rate_scale: 10.0,
                batch_norm_momentum: 0.1,
                head_prior: Some(0.01),
                loss_class_reduction: ClassReduction::Mean,
            },
        }
    }

    /// `paper`, `quick`, `tiny`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileName::Paper => "paper",
            ProfileName::Quick => "quick",
            ProfileName::Tiny => "tiny",
        }
    }
}

impl std::fmt::Display for ProfileName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The settings a profile fixes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Which profile.
    pub name: ProfileName,
    /// Rows of the prepared image pooled into one training pixel.
    pub pool_rows: usize,
    /// Columns pooled into one training pixel.
    pub pool_cols: usize,
    /// Channel multiplier of the Double U-Net.
    pub width_multiplier: f64,
    /// Default epochs per fold.
    pub epochs: usize,
    /// Default pre-training epochs (transfer learning).
    pub pretrain_epochs: usize,
    /// Multiplies the experiment's learning rate. 1 for `paper`; 30 for `quick` and 10 for
    /// `tiny`, whose few epochs at the paper's 1e-4 leave the network where it started.
    pub learning_rate_scale: f64,
    /// Batch-norm momentum (PyTorch convention). `paper`: Keras' 0.01 (its `momentum=0.99`);
    /// the reduced profiles 0.1, because a few hundred steps at 0.01 leave the running
    /// statistics (used at validation and test) far from the trained ones.
    #[serde(default = "keras_batch_norm_momentum")]
    pub batch_norm_momentum: f64,
    /// Prior probability of metastasis the heads start from
    /// ([`bs_model::DoubleUNetConfig::head_prior`]). `paper`: none (the Keras code); the reduced
    /// profiles 0.01.
    #[serde(default)]
    pub head_prior: Option<f64>,
    /// How three-class losses combine NM and M unless the experiment says
    /// ([`crate::TrainingConfig::loss_class_reduction`]): `paper` pooled (the Keras loss),
    /// the reduced profiles mean.
    #[serde(default)]
    pub loss_class_reduction: ClassReduction,
}

fn keras_batch_norm_momentum() -> f64 {
    0.01
}

impl Profile {
    /// The network this profile trains for `variant` at an input of `height × width`: its
    /// width and batch-norm momentum, and its head prior for sigmoid heads only (the baseline,
    /// stage 1 of negative mining) — under SoftMax the prior, measured, only delayed M.
    pub fn network(&self, variant: Variant, height: usize, width: usize) -> DoubleUNetConfig {
        let mut network = DoubleUNetConfig::new(variant)
            .with_width_multiplier(self.width_multiplier)
            .with_input_size(height as i64, width as i64)
            .with_batch_norm_momentum(self.batch_norm_momentum);
        if variant == Variant::Binary {
            network.head_prior = self.head_prior;
        }
        network
    }

    /// The NM/M combination of the three-class losses: the experiment's `requested` one
    /// ([`crate::TrainingConfig::loss_class_reduction`]), else this profile's.
    pub fn class_reduction(&self, requested: Option<ClassReduction>) -> ClassReduction {
        requested.unwrap_or(self.loss_class_reduction)
    }

    /// Training size for a prepared image of `rows × cols`.
    pub fn input_size(&self, rows: usize, cols: usize) -> (usize, usize) {
        (rows / self.pool_rows, cols / self.pool_cols)
    }
}
