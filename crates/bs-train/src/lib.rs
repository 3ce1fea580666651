//! Training loop, 10-fold cross-validation, negative mining and transfer learning.
//!
//! Implements Sections 3.4, 3.5 and 4 (experiments of Tables 2–7) of the paper this workspace reproduces: bone-metastasis
//! segmentation of breast-cancer whole-body bone scans with a modified (three-class SoftMax)
//! Double U-Net, evaluated by 10-fold cross-validation on pixel precision, sensitivity and F1.

pub mod config;
pub mod data;
pub mod error;
pub mod experiment;
pub mod io;
pub mod optim;
pub mod results;
pub mod splits;
pub mod trainer;

pub use config::{
    ExperimentConfig, Group, LossKind, NmSource, Profile, ProfileName, TrainingConfig,
};
pub use error::{Result, TrainError};
pub use data::Cohort;
pub use splits::{FoldSplit, Splits};
