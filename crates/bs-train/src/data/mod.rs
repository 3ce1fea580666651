//! The cohort in memory: prepared images, metastasis masks, pooled to the profile's size,
//! and the per-experiment training targets (binary M, or BG/NM/M with NM from Otsu or from
//! negative mining).

pub mod augment;
mod batches;
mod cohort;
pub mod patches;
mod pool;
mod prepared;
pub mod targets;

pub use augment::AugmentConfig;
pub use batches::{epoch_order, BatchMaker};
pub use cohort::{Cohort, PatientImage};
pub use patches::{PatchConfig, SampleSource};
pub use pool::{avg_pool, max_pool_bool, max_pool_u8};
pub use targets::{otsu_targets, TargetSpec, TrainingSet};
