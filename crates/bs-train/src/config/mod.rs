//! Experiment configuration: one TOML file per table of the paper, validated before any work.
//!
//! ```toml
//! name = "table4_otsu_negatives"
//! table = "Table 4"
//! description = "Otsu NM masks, negative samples: D1 + D2"
//! groups = ["D1", "D2"]          # positives (D1, D3) are cross-validated; negatives join training
//! nm_source = "otsu"             # none (binary baseline) | otsu | negative_mining
//! losses = ["dice", "focal_tversky"]
//!
//! [training]                     # every key optional; these are the paper's values
//! batch_size = 4
//! learning_rate = 1e-4
//! folds = 10
//! seed = 2024
//! checkpoint_every = 1           # epochs between resumable checkpoints (always after the last)
//!
//! [training.focal_tversky]       # the Focal Tversky arms' α (FP), β (FN), γ
//! alpha = 0.3
//! beta = 0.7
//! gamma = 0.75
//! ```

mod profile;
mod training;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};

pub use profile::{Profile, ProfileName};
pub use training::{EarlyStopping, LrDecay, LrPlateau, ModelSelection, TrainingConfig};

/// The four data sets of Table 1, defined in bs-preprocess (the lowest crate that reads them).
pub use bs_preprocess::dataset::Group;

/// Where the NM class of the training targets comes from (Section 3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NmSource {
    /// No NM class: the binary baseline (sigmoid Double U-Net, BG/M), Table 2.
    None,
    /// NM = Otsu body ∖ M (Tables 3, 4, 7).
    Otsu,
    /// NM = false positives of the fold's stage-1 binary baseline (Tables 5, 6).
    NegativeMining,
}

/// The training loss of one arm of an experiment (Section 3.7), defined with the losses.
pub use bs_losses::LossKind;

/// Transfer learning (Section 3.5): pre-train on other groups, then fine-tune on `groups`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferConfig {
    /// Pre-training groups (the paper: D3 + D4, prostate cancer).
    pub pretrain_groups: Vec<Group>,
    /// Pre-training epochs; default: the profile's `pretrain_epochs`.
    #[serde(default)]
    pub pretrain_epochs: Option<usize>,
}

/// One experiment = one table of the paper: one or two arms (losses), each cross-validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentConfig {
    /// Short name, used for directories (`[a-z0-9_-]`).
    pub name: String,
    /// The paper's table this reproduces, e.g. `"Table 3"`.
    pub table: String,
    /// One line saying what the experiment is.
    #[serde(default)]
    pub description: String,
    /// Training groups. Positive groups are split into folds; negative groups join the
    /// training part of every fold.
    pub groups: Vec<Group>,
    /// NM class source; `none` is the binary baseline.
    pub nm_source: NmSource,
    /// One arm per loss (Tables 3–7 compare Dice with Focal Tversky).
    pub losses: Vec<LossKind>,
    /// Pre-training before the per-fold training (Table 7).
    #[serde(default)]
    pub transfer: Option<TransferConfig>,
    /// Optimiser, schedule, folds, seed.
    #[serde(default)]
    pub training: TrainingConfig,
    /// Profile requested by the file (the command line overrides it; default: by device).
    #[serde(default)]
    pub profile: Option<ProfileName>,
    /// ImageNet weights of encoder 1 (VGG19), a safetensors file written by `bonescan weights
    /// vgg19`; relative paths are relative to the experiment file. `None`: random
    /// initialisation. Needs a profile at width 1 (`paper`, `gpu`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoder_weights: Option<PathBuf>,
}

impl ExperimentConfig {
    /// Reads and validates an experiment file.
    pub fn from_path(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| TrainError::ConfigRead {
            path: path.to_path_buf(),
            source,
        })?;
        let mut config = Self::from_toml_str(&text, path)?;
        if let (Some(w), Some(dir)) = (&config.encoder_weights, path.parent()) {
            config.encoder_weights = Some(dir.join(w));
        }
        Ok(config)
    }

    /// Parses and validates TOML text; `origin` names it in errors.
    pub fn from_toml_str(text: &str, origin: &Path) -> Result<Self> {
        let config: ExperimentConfig =
            toml::from_str(text).map_err(|e| TrainError::ConfigParse {
                path: origin.to_path_buf(),
                message: e.to_string(),
            })?;
        config.validate(origin)?;
        Ok(config)
    }

    /// The TOML text of this config (as stored in each run directory).
    pub fn to_toml_string(&self) -> Result<String> {
        toml::to_string_pretty(self).map_err(|e| TrainError::ConfigParse {
            path: PathBuf::from(&self.name),
            message: format!("cannot write the experiment as TOML: {e}"),
        })
    }

    /// Checks every value that can be checked without the data.
    pub fn validate(&self, origin: &Path) -> Result<()> {
        let bad = |key: &'static str, message: String| TrainError::ConfigValue {
            path: origin.to_path_buf(),
            key,
            message,
        };
        if self.name.is_empty()
            || !self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(bad(
                "name",
                format!("must be non-empty [A-Za-z0-9_-], got {:?}", self.name),
            ));
        }
        if !self.groups.iter().any(|g| g.metastatic()) {
            return Err(bad(
                "groups",
                format!(
                    "needs a positive group (D1 or D3) to cross-validate, got {:?}",
                    self.groups
                ),
            ));
        }
        if self.losses.is_empty() {
            return Err(bad("losses", "must list at least one loss".into()));
        }
        let mut seen = self.losses.clone();
        seen.sort_by_key(|l| l.slug());
        seen.dedup();
        if seen.len() != self.losses.len() {
            return Err(bad("losses", "lists a loss twice".into()));
        }
        if let Some(transfer) = &self.transfer {
            if !transfer.pretrain_groups.iter().any(|g| g.metastatic()) {
                return Err(bad(
                    "transfer.pretrain_groups",
                    "needs a positive group (D1 or D3)".into(),
                ));
            }
            if let Some(g) = transfer
                .pretrain_groups
                .iter()
                .find(|g| self.groups.contains(g))
            {
                return Err(bad(
                    "transfer.pretrain_groups",
                    format!("{g} is also a fine-tuning group; pre-training must use other data"),
                ));
            }
            if transfer.pretrain_epochs == Some(0) {
                return Err(bad("transfer.pretrain_epochs", "must be at least 1".into()));
            }
        }
        self.training.validate(origin)
    }

    /// Binary baseline or the three-class network.
    pub fn variant(&self) -> bs_model::Variant {
        match self.nm_source {
            NmSource::None => bs_model::Variant::Binary,
            _ => bs_model::Variant::ThreeClass,
        }
    }

    /// The groups whose patients this experiment reads (training and pre-training).
    pub fn all_groups(&self) -> Vec<Group> {
        let mut groups = self.groups.clone();
        if let Some(t) = &self.transfer {
            groups.extend(t.pretrain_groups.iter().copied());
        }
        groups.sort();
        groups.dedup();
        groups
    }

    /// Checks that the prepared data directory exists (before any work starts).
    pub fn check_data_dir(&self, data: &Path) -> Result<()> {
        if !data.is_dir() {
            return Err(TrainError::Data {
                path: data.to_path_buf(),
                message: "directory does not exist (run `bonescan prepare` first)".into(),
            });
        }
        Ok(())
    }
}

/// Path used in errors for configs built in code.
pub fn inline_origin() -> PathBuf {
    PathBuf::from("<inline>")
}

#[cfg(test)]
mod tests;
