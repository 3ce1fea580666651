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
mod stages;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tch::Device;

use bs_model::DoubleUNetConfig;

use crate::config::{
    ExperimentConfig, Group, LossKind, ModelSelection, NmSource, Profile, ProfileName,
};
use crate::data::targets::TargetSpec;
use crate::data::{Cohort, TrainingSet};
use crate::error::{Result, TrainError};
use crate::io::{create_dir, write_json_atomic};
use crate::splits::Splits;
use crate::trainer::{train_fold, FoldSpec};

pub use evaluate::{evaluate_test, write_overlay};

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
    /// Stop each training after this many epochs in this process (tests of resumption).
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
    config.validate(Path::new(&config.name))?;
    let profile = opts.profile.profile();
    let (epochs, pretrain_epochs) = resolved_epochs(config, opts);
    let folds_total = config.training.folds;
    if let Some(f) = opts
        .folds
        .as_ref()
        .and_then(|f| f.iter().find(|&&k| k >= folds_total))
    {
        return Err(TrainError::ConfigValue {
            path: opts.out.clone(),
            key: "fold",
            message: format!(
                "fold {} does not exist (the experiment has {folds_total} folds)",
                f + 1
            ),
        });
    }
    for g in config.all_groups() {
        if !cohort.images().iter().any(|p| p.group == g) {
            return Err(TrainError::DataMismatch {
                experiment: config.name.clone(),
                message: format!(
                    "the data set {} has no patient of group {g}",
                    cohort.source().display()
                ),
            });
        }
    }
    let n_pos = cohort
        .images()
        .iter()
        .filter(|p| p.group.metastatic())
        .count();
    if n_pos < folds_total {
        return Err(TrainError::DataMismatch {
            experiment: config.name.clone(),
            message: format!("{folds_total} folds need at least {folds_total} positive patients, the data set has {n_pos}"),
        });
    }
    if config.transfer.is_some() && config.nm_source == NmSource::NegativeMining {
        return Err(TrainError::ConfigValue {
            path: PathBuf::from(&config.name),
            key: "transfer",
            message: "transfer learning is implemented with Otsu or binary targets (as in Table 7), not negative mining".into(),
        });
    }
    create_dir(&opts.out)?;
    crate::io::write_atomic(
        &opts.out.join("experiment.toml"),
        config.to_toml_string()?.as_bytes(),
    )?;
    // the experiment's training settings, the profile's where it leaves them unset
    let mut training = config.training.clone();
    training.learning_rate *= profile.learning_rate_scale;
    training.loss_class_reduction = Some(profile.class_reduction(training.loss_class_reduction));
    training.patches = profile.patches(training.patches);
    training.augmentation = profile.augmentation(training.augmentation);
    training.channels_last = profile.channels_last(training.channels_last);
    training.lr_decay = Some(profile.lr_decay(training.lr_decay));
    training.head_combination = Some(profile.head_combination(training.head_combination));
    training.model_selection = Some(profile.model_selection(training.model_selection));
    let encoder_weights = opts
        .encoder_weights
        .clone()
        .or_else(|| config.encoder_weights.clone());
    let (rows, cols) = cohort.dim();
    let info = RunInfo {
        experiment: config.name.clone(),
        profile,
        epochs,
        pretrain_epochs,
        input_size: profile.input_size(rows, cols),
        window: training.window(),
        device: device_name(opts.device),
        data: cohort.source().to_path_buf(),
        groups: cohort.group_counts(),
        version: env!("CARGO_PKG_VERSION").into(),
        encoder_weights: encoder_weights
            .as_deref()
            .map(EncoderWeights::of_file)
            .transpose()?,
        model_selection: training.model_selection.unwrap_or_default(),
        head_combination: training.head_combination.unwrap_or_default(),
    };
    write_json_atomic(&opts.out.join("run.json"), &info)?;
    // The preprocessing of the training images travels with the run, so a run directory moved
    // to another machine still tells `bonescan predict` how to prepare new scans. In-memory
    // cohorts (tests, library users) have no prepared data set and so nothing to record.
    let manifest_path = cohort.source().join("manifest.json");
    if manifest_path.is_file() {
        let manifest: serde_json::Value = crate::io::read_json(&manifest_path)?;
        write_json_atomic(&opts.out.join("prepare.json"), &manifest["config"])?;
    }
    let splits_path = opts
        .splits
        .clone()
        .unwrap_or_else(|| opts.out.join("splits.json"));
    let splits = Splits::load_or_create(
        &splits_path,
        &cohort.patients(),
        folds_total,
        config.training.seed,
        cohort.pinned_folds(),
    )?;
    let (h, w) = info.input_size;
    let mut model_cfg = profile.network(config.variant(), h, w);
    model_cfg.vgg19_weights = encoder_weights.clone();
    let folds: Vec<usize> = opts
        .folds
        .clone()
        .unwrap_or_else(|| profile.fold_indices(folds_total));
    let mut summary = RunSummary::default();
    for &fold in &folds {
        for (arm, &loss) in config.losses.iter().enumerate() {
            let dir = fold_dir(&opts.out, loss, fold);
            if dir.join("result.json").exists() {
                summary.completed.push((loss, fold + 1));
                continue;
            }
            let split = splits.fold(fold, &config.groups);
            let spec_for = |label: String,
                            stream: u64,
                            dir: PathBuf,
                            model: DoubleUNetConfig,
                            loss: LossKind,
                            epochs: usize| FoldSpec {
                label,
                fold,
                stream,
                model,
                loss,
                training: training.clone(),
                epochs,
                device: opts.device,
                dir,
                init_weights: None,
                stop_after_epochs: opts.stop_after_epochs,
                progress: opts.progress,
            };
            let stream = |stage: u64| (fold as u64 + 1) * 100 + stage * 10 + arm as u64;
            // targets (negative mining: stage 1 first)
            let spec = match config.nm_source {
                NmSource::NegativeMining => {
                    let s1 = spec_for(
                        format!("stage1 fold {}", fold + 1),
                        (fold as u64 + 1) * 100 + 90,
                        opts.out.join("stage1").join(format!("fold_{}", fold + 1)),
                        DoubleUNetConfig {
                            vgg19_weights: encoder_weights.clone(),
                            ..profile.network(bs_model::Variant::Binary, h, w)
                        },
                        LossKind::Dice,
                        epochs,
                    );
                    match stages::mine_negatives(
                        &s1,
                        cohort,
                        &splits,
                        fold,
                        &config.groups,
                        &profile,
                    )? {
                        Some(predicted) => TargetSpec::Mined(predicted),
                        None => {
                            summary.interrupted = true;
                            return Ok(summary);
                        }
                    }
                }
                source => TargetSpec::for_source(source),
            };
            let train = TrainingSet::new(cohort, &split.train, &profile, &spec, opts.device)?;
            let val_spec = match &spec {
                TargetSpec::Mined(_) => TargetSpec::Otsu, // validation scores only use M
                other => other.clone(),
            };
            let val =
                TrainingSet::new(cohort, &split.validation, &profile, &val_spec, opts.device)?;
            let mut main = spec_for(
                format!("{} fold {}", loss.slug(), fold + 1),
                stream(0),
                dir.clone(),
                model_cfg.clone(),
                loss,
                epochs,
            );
            if let (Some(t), Some(pre_epochs)) = (&config.transfer, pretrain_epochs) {
                let pre = spec_for(
                    format!("pretrain {} fold {}", loss.slug(), fold + 1),
                    stream(2),
                    opts.out
                        .join(loss.slug())
                        .join(format!("pretrain_fold_{}", fold + 1)),
                    model_cfg.clone(),
                    loss,
                    pre_epochs,
                );
                match stages::pretrain(
                    &pre,
                    cohort,
                    &splits,
                    fold,
                    &t.pretrain_groups,
                    &profile,
                    &val_spec,
                )? {
                    Some(weights) => main.init_weights = Some(weights),
                    None => {
                        summary.interrupted = true;
                        return Ok(summary);
                    }
                }
            }
            let outcome = train_fold(&main, &train, &val)?;
            let Some(weights) = &outcome.best_weights else {
                summary.interrupted = true;
                return Ok(summary);
            };
            let (vs, model) = crate::trainer::load_weights(&model_cfg, opts.device, weights)?;
            bs_model::checkpoint::save(&vs, &model_cfg, &dir.join("model.safetensors"))?;
            let evaluation = evaluate_test(
                &model,
                cohort,
                &split.test,
                &profile,
                opts.device,
                training.window(),
            )?;
            if fold == folds.first().copied().unwrap_or(0) {
                let fig = opts.out.join("figures");
                create_dir(&fig)?;
                for (i, (id, pred)) in evaluation.predictions.iter().take(2).enumerate() {
                    if let Some(p) = cohort.get(id) {
                        let path = fig.join(format!(
                            "overlay_{}_fold{}_{}.png",
                            loss.slug(),
                            fold + 1,
                            i + 1
                        ));
                        write_overlay(&path, p, pred)?;
                    }
                }
            }
            let st = &outcome.state;
            let selected = st.selected_epoch(training.model_selection.unwrap_or_default());
            let ips = st.history.iter().map(|e| e.images_per_second).sum::<f64>()
                / st.history.len().max(1) as f64;
            let result = FoldResult {
                fold: fold + 1,
                loss,
                report: evaluation.fold.report(),
                images: evaluation.fold.images().to_vec(),
                best_epoch: selected.0,
                best_val_f1: selected.1,
                epochs_run: st.epochs_done,
                stopped_early: st.stopped_early,
                train_seconds: st.seconds,
                images_per_second: ips,
                n_train: split.train.len(),
                n_validation: split.validation.len(),
                n_test: split.test.len(),
            };
            write_json_atomic(&dir.join("result.json"), &result)?;
            // checkpoints are no longer needed once the fold is evaluated
            for entry in std::fs::read_dir(&dir)
                .map_err(|e| TrainError::io("cannot list", &dir, e))?
                .flatten()
            {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with("epoch-") {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
            summary.completed.push((loss, fold + 1));
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
