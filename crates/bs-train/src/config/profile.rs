//! Profiles: how big the network, images and schedule are on this machine.
//!
//! | profile | input (H×W) | width | epochs | pre-train epochs | for |
//! |---|---|---|---|---|---|
//! | `paper` | 640×512 | 1 | 500 | 500 | a GPU: the paper's setting |
//! | `quick` | 80×64 (÷8) | 1/16 | 6 | 3 | 2 CPU cores: the whole set in ≤ 20 min |
//! | `tiny` | 32×32 (÷20, ÷16) | 1/16 | 2 | 1 | tests |
//!
//! The reduced profiles also multiply the learning rate by 10 (1e-3 instead of the paper's
//! 1e-4): with a handful of epochs instead of 500, 1e-4 barely moves the weights.
//!
//! Reduced resolutions average-pool the image (counts are conserved in the mean) and max-pool
//! the metastasis mask (a lesion smaller than a pooled pixel is not lost).

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
            },
            ProfileName::Quick => Profile {
                name: self,
                pool_rows: 8,
                pool_cols: 8,
                width_multiplier: 0.0625,
                epochs: 6,
                pretrain_epochs: 3,
                learning_rate_scale: 10.0,
            },
            ProfileName::Tiny => Profile {
                name: self,
                pool_rows: 20,
                pool_cols: 16,
                width_multiplier: 0.0625,
                epochs: 2,
                pretrain_epochs: 1,
                learning_rate_scale: 10.0,
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
    /// Multiplies the experiment's learning rate. 1 for `paper`; 10 for the reduced profiles,
    /// whose few epochs at the paper's 1e-4 leave the network where it started.
    pub learning_rate_scale: f64,
}

impl Profile {
    /// Training size for a prepared image of `rows × cols`.
    pub fn input_size(&self, rows: usize, cols: usize) -> (usize, usize) {
        (rows / self.pool_rows, cols / self.pool_cols)
    }
}
