//! Cross-validation of an experiment: for each fold and each arm (loss), build the targets
//! (with negative mining's stage 1 when asked), pre-train (transfer learning) when asked,
//! train, evaluate on the fold's test patients and write `result.json`.
//!
//! # Run directory
//!
//! ```text
//! RUN_DIR/
//!   experiment.toml  run.json  prepare.json  splits.json
//!   stage1/fold_K/               negative mining stage 1 (binary, positives only)
//!   <loss>/pretrain_fold_K/      transfer learning: pre-training on the pre-train groups
//!   <loss>/fold_K/               state.json, log.jsonl, checkpoints, model.safetensors, result.json
//!   results.json table.md table.csv report.md figures/   (written by aggregate)
//! ```

mod evaluate;
mod run;
mod stages;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tch::Device;

use crate::config::{
    ExperimentConfig, Group, LossKind, ModelSelection, NmSource, Profile, ProfileName,
};
use crate::data::Cohort;
use crate::error::{Result, TrainError};

pub use evaluate::{evaluate_test, write_overlay};
use run::{ArmEnd, Run};

/// Where and how to run an experiment.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Output (run) directory.
    pub out: PathBuf,
    /// Profile (resolution, width, epochs).
    pub profile: ProfileName,
    /// Folds to run (0-based); `None` = all.
    pub folds: Option<Vec<usize>>,
    /// Device.
    pub device: Device,
    /// Draw progress bars.
    pub progress: bool,
    /// Stop each training after this many epochs in this process: a hook for the tests of
    /// resumption (`bonescan cv --stop-after-epochs`, hidden too), not part of the API.
    #[doc(hidden)]
    pub stop_after_epochs: Option<usize>,
    /// Splits file to use (default `RUN_DIR/splits.json`).
    pub splits: Option<PathBuf>,
    /// Epoch override (command line), taking precedence over config and profile.
    pub epochs: Option<usize>,
    /// ImageNet weights of encoder 1 (command line), taking precedence over the experiment's
    /// `encoder_weights`.
    pub encoder_weights: Option<PathBuf>,
}

impl RunOptions {
    /// All folds into `out` with the given profile, on the best device, with progress bars.
    pub fn new(out: impl Into<PathBuf>, profile: ProfileName) -> RunOptions {
        RunOptions {
            out: out.into(),
            profile,
            folds: None,
            device: Device::cuda_if_available(),
            progress: true,
            stop_after_epochs: None,
            splits: None,
            epochs: None,
            encoder_weights: None,
        }
    }
}

/// What produced a run: written once as `run.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// Experiment name.
    pub experiment: String,
    /// Profile settings.
    pub profile: Profile,
    /// Epochs per fold.
    pub epochs: usize,
    /// Pre-training epochs (transfer).
    pub pretrain_epochs: Option<usize>,
    /// Training input size (rows, cols).
    pub input_size: (usize, usize),
    /// Window (rows, cols) through which whole images are predicted: the patch size of a
    /// model trained on patches, else none.
    #[serde(default)]
    pub window: Option<(usize, usize)>,
    /// Device, e.g. `cpu` or `cuda:0 (NVIDIA H100)`.
    pub device: String,
    /// Prepared data directory.
    pub data: PathBuf,
    /// Patients per group.
    pub groups: Vec<(Group, usize)>,
    /// bs-train version.
    pub version: String,
    /// ImageNet weights encoder 1 started from; `None`: random initialisation.
    #[serde(default)]
    pub encoder_weights: Option<EncoderWeights>,
    /// Which epoch each training hands on (the experiment's setting, else the profile's).
    #[serde(default)]
    pub model_selection: ModelSelection,
    /// How the two heads' losses combine (the experiment's setting, else the profile's).
    #[serde(default)]
    pub head_combination: bs_losses::HeadCombination,
}

/// A weight file a run started from, identified by its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncoderWeights {
    /// The file as given.
    pub path: PathBuf,
    /// SHA-256 of its bytes (lower-case hex).
    pub sha256: String,
}

impl EncoderWeights {
    /// Hashes `path`.
    pub fn of_file(path: &Path) -> Result<EncoderWeights> {
        let bytes = std::fs::read(path)
            .map_err(|e| TrainError::io("cannot read encoder weights", path, e))?;
        Ok(EncoderWeights {
            path: path.to_path_buf(),
            sha256: bs_preprocess::dataset::sha256_hex(&bytes),
        })
    }
}

/// One fold of one arm: the test evaluation and how training went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldResult {
    /// Fold number (1-based, as in the paper's tables).
    pub fold: usize,
    /// The arm's loss.
    pub loss: LossKind,
    /// Test metrics (pooled and per image at the prepared 640×512 resolution, lesions).
    pub report: bs_metrics::FoldReport,
    /// Per-image results.
    pub images: Vec<bs_metrics::ImageResult>,
    /// The tested epoch: the best on validation F1, or the last
    /// ([`crate::config::ModelSelection`]).
    pub best_epoch: usize,
    /// Validation F1 at the tested epoch.
    pub best_val_f1: Option<f64>,
    /// Epochs trained.
    pub epochs_run: usize,
    /// Early stopping fired.
    pub stopped_early: bool,
    /// Training seconds (all processes, main stage only).
    pub train_seconds: f64,
    /// Mean training throughput (images/s).
    pub images_per_second: f64,
    /// Patients in train / validation / test.
    pub n_train: usize,
    /// Validation patients.
    pub n_validation: usize,
    /// Test patients.
    pub n_test: usize,
}

/// What [`run_experiment`] did.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    /// (loss, fold 1-based) finished in this call or before.
    pub completed: Vec<(LossKind, usize)>,
    /// A training stopped on `stop_after_epochs` before finishing.
    pub interrupted: bool,
}

/// Device name for reports.
pub fn device_name(device: Device) -> String {
    match device {
        Device::Cuda(i) => format!("cuda:{i}"),
        Device::Mps => "mps".into(),
        _ => format!("cpu ({} threads)", tch::get_num_threads()),
    }
}

/// Resolved epochs: command line > config > profile.
pub fn resolved_epochs(config: &ExperimentConfig, opts: &RunOptions) -> (usize, Option<usize>) {
    let profile = opts.profile.profile();
    let epochs = opts
        .epochs
        .or(config.training.epochs)
        .unwrap_or(profile.epochs);
    let pre = config.transfer.as_ref().map(|t| {
        opts.epochs
            .or(t.pretrain_epochs)
            .unwrap_or(profile.pretrain_epochs)
    });
    (epochs, pre)
}

fn fold_dir(out: &Path, loss: LossKind, fold: usize) -> PathBuf {
    out.join(loss.slug()).join(format!("fold_{}", fold + 1))
}

/// The result file of a fold of an arm.
pub fn result_path(out: &Path, loss: LossKind, fold: usize) -> PathBuf {
    fold_dir(out, loss, fold).join("result.json")
}

/// Runs (or resumes) the folds of an experiment; finished folds are skipped.
pub fn run_experiment(
    config: &ExperimentConfig,
    cohort: &Cohort,
    opts: &RunOptions,
) -> Result<RunSummary> {
    let run = Run::start(config, cohort, opts)?;
    let folds = run.folds();
    let first = folds.first().copied().unwrap_or(0);
    let mut summary = RunSummary::default();
    for &fold in &folds {
        for (arm, &loss) in config.losses.iter().enumerate() {
            if result_path(&opts.out, loss, fold).exists() {
                summary.completed.push((loss, fold + 1));
                continue;
            }
            match run.fold_arm(fold, arm, loss, fold == first)? {
                ArmEnd::Done => summary.completed.push((loss, fold + 1)),
                ArmEnd::Interrupted => {
                    summary.interrupted = true;
                    return Ok(summary);
                }
            }
        }
    }
    Ok(summary)
}

/// The epochs of every training of one fold of `config`, in the order they run: negative
/// mining's stage 1, then per arm its pre-training (transfer) and its training.
pub fn fold_trainings(config: &ExperimentConfig, opts: &RunOptions) -> Vec<usize> {
    let (epochs, pre) = resolved_epochs(config, opts);
    let stage1 = (config.nm_source == NmSource::NegativeMining).then_some(epochs);
    let arms = config
        .losses
        .iter()
        .flat_map(|_| pre.into_iter().chain([epochs]));
    stage1.into_iter().chain(arms).collect()
}

/// The training epochs ahead of `folds` folds of `config` and, when the profile's times are
/// measured, their expected seconds on one worker: epochs × [`Profile::epoch_seconds`] +
/// trainings × [`Profile::training_seconds`] (start, first-epoch warm-up, test evaluation).
pub fn expected_work(
    config: &ExperimentConfig,
    opts: &RunOptions,
    folds: usize,
) -> (usize, Option<f64>) {
    let trainings = fold_trainings(config, opts);
    let epochs = folds * trainings.iter().sum::<usize>();
    let p = opts.profile.profile();
    let trainings = (folds * trainings.len()) as f64;
    let seconds = p
        .epoch_seconds
        .map(|s| s * epochs as f64 + p.training_seconds.unwrap_or(0.0) * trainings);
    (epochs, seconds)
}

/// True when every fold the profile runs has a `result.json` in every arm.
pub fn is_complete(config: &ExperimentConfig, profile: ProfileName, out: &Path) -> bool {
    let folds = profile.profile().fold_indices(config.training.folds);
    folds.iter().all(|&k| fold_done(config, out, k))
}

/// Whether fold `fold` (0-based) of every arm of `config` has its results in `out`.
pub fn fold_done(config: &ExperimentConfig, out: &Path, fold: usize) -> bool {
    config
        .losses
        .iter()
        .all(|&l| result_path(out, l, fold).exists())
}
