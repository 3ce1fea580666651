//! Training loop, 10-fold cross-validation, negative mining and transfer learning.
//!
//! Implements Sections 3.4, 3.5 and 4 (the experiments of Tables 2–7) of the paper this
//! workspace reproduces: bone-metastasis segmentation of breast-cancer whole-body bone scans
//! with a modified (three-class SoftMax) Double U-Net, evaluated by 10-fold cross-validation on
//! pixel precision, sensitivity and F1 of the metastasis class.
//!
//! * [`config`] — an experiment (= one table) as a TOML file: training groups (D1, D1 + D2, …),
//!   NM source (`none` = binary baseline, `otsu`, `negative_mining`), losses (Dice, Focal
//!   Tversky), optional transfer learning, Adam settings (lr 1e-4, batch 4), early stopping and
//!   LR-on-plateau; [`ProfileName`] picks the size (`paper` 640×512 / 500 epochs for a GPU,
//!   `quick` for 2 CPU cores, `tiny` for tests). Every value is checked before any work.
//! * [`splits`] — 10 folds by patient, stratified by group, 8:1:1 train/validation/test,
//!   deterministic from the seed, stored in `splits.json` and reused; negatives (D2, D4) only
//!   ever join training.
//! * [`data`] — the prepared data set in memory, pooled to the profile's size (images
//!   averaged, masks max-pooled), targets per experiment, seeded batches.
//! * [`trainer`] — Adam ([`optim::Adam`], state in the checkpoint), model selection on
//!   validation F1, JSON-lines log, atomic checkpoint every epoch and exact resumption,
//!   mixed precision and channels-last on CUDA, NaN guard.
//! * [`experiment`] — a fold = (negative mining stage 1 →) (pre-training →) training → test
//!   evaluation at the prepared 640×512 resolution.
//!   *Negative mining (Section 3.4):* stage 1 trains the binary baseline on the fold's positive
//!   training patients only and predicts M on every training image; predicted ∖ true M
//!   becomes NM. Validation and test patients are never predicted, so there is no leakage.
//!   *Transfer learning (Section 3.5):* per fold, pre-train on the training part of D3 + D4,
//!   then fine-tune on D1 + D2 from the pre-trained weights.
//! * [`results`] — `results.json`, `table.md`/`table.csv` in the paper's layout (bs-metrics),
//!   figures, `report.md`, and the comparison of all experiments with the paper's numbers.
//!
//! # Example
//!
//! ```no_run
//! use bs_train::experiment::{run_experiment, RunOptions};
//! use bs_train::{Cohort, ExperimentConfig, ProfileName};
//! use std::path::Path;
//!
//! # fn main() -> Result<(), bs_train::TrainError> {
//! let config = ExperimentConfig::from_path(Path::new("experiments/table4_otsu_negatives.toml"))?;
//! let cohort = Cohort::load_prepared(Path::new("runs/demo/prepared"))?;
//! let mut opts = RunOptions::new("runs/demo/table4", ProfileName::auto());
//! opts.folds = Some(vec![2]); // fold 3 only; `results::aggregate` merges when all are done
//! run_experiment(&config, &cohort, &opts)?;
//! # Ok(())
//! # }
//! ```
//!
//! A config in code (validated like a file):
//!
//! ```
//! use bs_train::{ExperimentConfig, NmSource};
//! use std::path::Path;
//!
//! let toml = r#"
//!     name = "table3_otsu"
//!     table = "Table 3"
//!     groups = ["D1"]
//!     nm_source = "otsu"
//!     losses = ["dice", "focal_tversky"]
//! "#;
//! let config = ExperimentConfig::from_toml_str(toml, Path::new("inline.toml")).unwrap();
//! assert_eq!(config.nm_source, NmSource::Otsu);
//! assert_eq!((config.training.batch_size, config.training.learning_rate), (4, 1e-4));
//! let bad = toml.replace("losses", "loss");
//! assert!(ExperimentConfig::from_toml_str(&bad, Path::new("inline.toml")).is_err());
//! ```

pub mod config;
pub mod data;
pub mod error;
pub mod experiment;
pub(crate) mod io;
pub mod optim;
pub mod results;
pub mod splits;
pub mod trainer;

pub use config::{
    ExperimentConfig, Group, LossKind, NmSource, Profile, ProfileName, TrainingConfig,
};
pub use data::Cohort;
pub use error::{Result, TrainError};
pub use splits::{FoldSplit, Splits};
