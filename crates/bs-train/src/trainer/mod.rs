//! Training of one fold (or one pre-training stage): Adam, model selection on validation F1,
//! early stopping and LR-on-plateau, mixed precision on CUDA, a checkpoint every epoch and
//! exact resumption.
//!
//! # Files of a fold directory
//!
//! | file | written | content |
//! |---|---|---|
//! | `state.json` | after every epoch (atomic) | [`TrainerState`]: epoch, best, LR, history |
//! | `epoch-N.safetensors` | after epoch N (atomic) | model variables (`model.*`) + Adam moments (`adam.*`) |
//! | `best-epoch-N.safetensors` | when validation F1 improves | model variables of the best epoch |
//! | `log.jsonl` | after every epoch (atomic) | one [`EpochLog`] per line |
//!
//! `state.json` names the checkpoint it belongs to and is replaced only after that checkpoint
//! is complete, so a process killed at any moment resumes from a consistent epoch and loses at
//! most the epoch in progress. The batch order and augmentation of an epoch depend only on
//! (seed, stream, epoch) and Adam's moments are part of the checkpoint, so on the CPU a resumed
//! run ends with exactly the weights of an uninterrupted one.

mod evaluate;
mod sampler;
mod schedule;
mod session;
mod state;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use tch::nn::VarStore;
use tch::{Device, Tensor};

use bs_losses::{
    ClassReduction, DiceLossConfig, DoubleHeadLossConfig, FocalTverskyLossConfig,
    FocalTverskyParams, LossConfig,
};
use bs_model::{DoubleUNet, DoubleUNetConfig, Variant};

use crate::config::{LossKind, ModelSelection, TrainingConfig};
use crate::data::{BatchMaker, TrainingSet};
use crate::error::{Result, TrainError};
use crate::io::{read_json, write_atomic, write_json_atomic};
use sampler::Sampler;
use session::Session;

pub use evaluate::{confusion, m_decision, predict, predict_windowed, validation_scores};
pub use state::{EpochLog, TrainerState};

/// Everything that defines one training run of one fold.
#[derive(Debug, Clone)]
pub struct FoldSpec {
    /// Human-readable name for messages and the progress bar (e.g. `dice fold 3`).
    pub label: String,
    /// Fold index (for messages).
    pub fold: usize,
    /// Stream of the seeded generators (distinct per fold and stage).
    pub stream: u64,
    /// The network.
    pub model: DoubleUNetConfig,
    /// The loss.
    pub loss: LossKind,
    /// Optimiser and schedule.
    pub training: TrainingConfig,
    /// Epochs to train.
    pub epochs: usize,
    /// Device.
    pub device: Device,
    /// Directory of checkpoints and logs.
    pub dir: PathBuf,
    /// Weights to start from (transfer learning) instead of the seeded initialisation.
    pub init_weights: Option<PathBuf>,
    /// Stop (as if killed) after this many epochs of this process: a hook for the tests of
    /// resumption (`bonescan cv --stop-after-epochs`, hidden too), not part of the API.
    #[doc(hidden)]
    pub stop_after_epochs: Option<usize>,
    /// Draw a progress bar (on a terminal).
    pub progress: bool,
}

/// How a fold's training ended.
#[derive(Debug, Clone)]
pub struct FoldOutcome {
    /// Final state (history, best epoch…).
    pub state: TrainerState,
    /// Weight file of the selected epoch (absolute): the best on validation, or the last
    /// epoch's checkpoint ([`crate::config::ModelSelection`]); `None` when stopped before the
    /// end (`finished` false).
    pub best_weights: Option<PathBuf>,
    /// False when stopped by `stop_after_epochs`.
    pub finished: bool,
}

/// The loss of an arm for a network variant (BG excluded for three classes, as in the paper;
/// `class_reduction` combines NM and M, see [`TrainingConfig::loss_class_reduction`]).
pub fn loss_config(
    loss: LossKind,
    variant: Variant,
    head1_weight: f64,
    class_reduction: ClassReduction,
    focal_tversky: FocalTverskyParams,
) -> DoubleHeadLossConfig {
    let inner = match (loss, variant) {
        (LossKind::Dice, Variant::Binary) => LossConfig::Dice(DiceLossConfig::binary()),
        (LossKind::Dice, _) => {
            LossConfig::Dice(DiceLossConfig::three_class().with_class_reduction(class_reduction))
        }
        (LossKind::FocalTversky, Variant::Binary) => {
            LossConfig::FocalTversky(FocalTverskyLossConfig::binary().with_params(focal_tversky))
        }
        (LossKind::FocalTversky, _) => LossConfig::FocalTversky(
            FocalTverskyLossConfig::three_class()
                .with_params(focal_tversky)
                .with_class_reduction(class_reduction),
        ),
    };
    DoubleHeadLossConfig::new(inner).with_weights(head1_weight, 1.0)
}

/// Serialises seeding and initialisation: libtorch has one global generator, so two threads
/// building networks at once (folds trained in parallel threads, or tests) would interleave
/// their draws and break "same seed, same weights".
static INIT_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Builds the network on `device`, seeded by `seed` (weights identical for identical seeds,
/// also when other threads build networks at the same time).
pub fn build_model(
    config: &DoubleUNetConfig,
    device: Device,
    seed: i64,
) -> Result<(VarStore, DoubleUNet)> {
    // A panic while holding the lock leaves nothing half-done that matters here.
    let _guard = INIT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    tch::manual_seed(seed);
    let vs = VarStore::new(device);
    let model = config.init(&vs.root())?;
    Ok((vs, model))
}

/// Copies named tensors into the store's variables (`prefix` + variable name).
pub fn load_into(
    vs: &VarStore,
    tensors: &BTreeMap<String, Tensor>,
    prefix: &str,
    file: &Path,
) -> Result<()> {
    tch::no_grad(|| {
        for (name, mut var) in vs.variables() {
            let src = tensors
                .get(&format!("{prefix}{name}"))
                .ok_or_else(|| TrainError::Data {
                    path: file.to_path_buf(),
                    message: format!("checkpoint lacks variable {name}"),
                })?;
            if src.size() != var.size() {
                return Err(TrainError::Data {
                    path: file.to_path_buf(),
                    message: format!(
                        "variable {name}: shape {:?}, model has {:?}",
                        src.size(),
                        var.size()
                    ),
                });
            }
            var.copy_(src);
        }
        Ok(())
    })
}

/// Reads a safetensors file into a name → tensor map.
pub fn read_tensors(path: &Path) -> Result<BTreeMap<String, Tensor>> {
    let list = Tensor::read_safetensors(path).map_err(|e| TrainError::Data {
        path: path.to_path_buf(),
        message: format!("cannot read checkpoint: {e}"),
    })?;
    Ok(list.into_iter().collect())
}

/// Writes named tensors to `path` atomically (temporary file + rename).
fn write_tensors(path: &Path, tensors: &[(String, Tensor)]) -> Result<()> {
    let tmp = path.with_extension("tmp.safetensors");
    let cpu: Vec<(String, Tensor)> = tensors
        .iter()
        .map(|(k, t)| (k.clone(), t.detach().to_device(Device::Cpu).contiguous()))
        .collect();
    Tensor::write_safetensors(&cpu, &tmp).map_err(|e| TrainError::Io {
        action: "cannot write checkpoint",
        path: tmp.clone(),
        source: std::io::Error::other(e.to_string()),
    })?;
    std::fs::rename(&tmp, path).map_err(|e| TrainError::io("cannot rename into", path, e))
}

fn model_tensors(vs: &VarStore, prefix: &str) -> Vec<(String, Tensor)> {
    let mut v: Vec<(String, Tensor)> = vs
        .variables()
        .into_iter()
        .map(|(k, t)| (format!("{prefix}{k}"), t))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// Loads a best-weights file into a fresh model.
pub fn load_weights(
    config: &DoubleUNetConfig,
    device: Device,
    path: &Path,
) -> Result<(VarStore, DoubleUNet)> {
    let (vs, model) = build_model(config, device, 0)?;
    let tensors = read_tensors(path)?;
    load_into(&vs, &tensors, "model.", path)?;
    Ok((vs, model))
}

/// The weights a finished training hands on, as [`TrainingConfig::model_selection`] says: the
/// best-validation file, or the last epoch's checkpoint (always written after the last epoch;
/// its `model.*` tensors load like a best-weights file).
fn selected_weights(spec: &FoldSpec, state: &TrainerState) -> Result<PathBuf> {
    let selection = spec.training.model_selection.unwrap_or_default();
    let file = match selection {
        ModelSelection::BestValidationF1 => state.best_weights.as_ref(),
        ModelSelection::LastEpoch => state.checkpoint.as_ref(),
    };
    file.map(|f| spec.dir.join(f))
        .ok_or_else(|| TrainError::Data {
            path: spec.dir.join("state.json"),
            message: format!(
                "training ended without weights for model selection by {}",
                selection.describe()
            ),
        })
}

fn write_log(dir: &Path, history: &[EpochLog]) -> Result<()> {
    let mut text = String::new();
    for e in history {
        let line = serde_json::to_string(e).map_err(|source| TrainError::Json {
            path: dir.join("log.jsonl"),
            source,
        })?;
        text.push_str(&line);
        text.push('\n');
    }
    write_atomic(&dir.join("log.jsonl"), text.as_bytes())
}

/// Trains one fold on `train`, selecting the epoch with the best F1 on `val`; resumes from
/// `spec.dir` when a previous process left a state there.
pub fn train_fold(spec: &FoldSpec, train: &TrainingSet, val: &TrainingSet) -> Result<FoldOutcome> {
    check_sizes(spec, train, val)?;
    crate::io::create_dir(&spec.dir)?;
    let state_path = spec.dir.join("state.json");
    let mut state: TrainerState = match state_path.exists() {
        true => read_json(&state_path)?,
        false => TrainerState::initial(spec.training.learning_rate),
    };
    if state.finished {
        return finished(spec, state);
    }
    let mut session = Session::resume(spec, &state)?;
    let maker = BatchMaker {
        intensity_augmentation: spec.training.intensity_augmentation,
    };
    let sampler = Sampler::new(&spec.training, train, &maker, spec.epochs)?;
    let bar = progress_bar(spec, &sampler, train, state.epochs_done);
    // files the in-memory state no longer refers to, deleted once a newer state is on disk
    let mut superseded: Vec<String> = Vec::new();
    let mut epochs_this_process = 0;
    while state.epochs_done < spec.epochs && !state.stopped_early {
        if spec.stop_after_epochs == Some(epochs_this_process) {
            bar.abandon_with_message("stopped");
            return Ok(FoldOutcome {
                state,
                best_weights: None,
                finished: false,
            });
        }
        let data = (&sampler, train, val);
        run_epoch(spec, &mut session, data, &mut state, &mut superseded, &bar)?;
        epochs_this_process += 1;
    }
    bar.finish_and_clear();
    state.finished = true;
    write_json_atomic(&state_path, &state)?;
    finished(spec, state)
}

/// Training needs two images (batch norm) and validation one.
fn check_sizes(spec: &FoldSpec, train: &TrainingSet, val: &TrainingSet) -> Result<()> {
    if train.len() >= 2 && !val.is_empty() {
        return Ok(());
    }
    Err(TrainError::DataMismatch {
        experiment: spec.label.clone(),
        message: format!(
            "{} training and {} validation images: training needs at least 2 and validation 1 \
             (batch norm needs two images per batch); use fewer folds or more patients",
            train.len(),
            val.len()
        ),
    })
}

/// The outcome of a finished training: its state and the weights model selection picks.
fn finished(spec: &FoldSpec, state: TrainerState) -> Result<FoldOutcome> {
    let best_weights = Some(selected_weights(spec, &state)?);
    Ok(FoldOutcome {
        state,
        best_weights,
        finished: true,
    })
}

/// The bar of the whole training (hidden unless `spec.progress`), at the resumed epoch.
fn progress_bar(
    spec: &FoldSpec,
    sampler: &Sampler,
    train: &TrainingSet,
    epochs_done: usize,
) -> ProgressBar {
    if !spec.progress {
        return ProgressBar::hidden();
    }
    let steps_per_epoch = sampler.steps_per_epoch(train.len(), spec.training.batch_size);
    let bar = ProgressBar::new((spec.epochs * steps_per_epoch) as u64);
    bar.set_style(
        ProgressStyle::with_template("{prefix:>18} [{bar:30}] {pos}/{len} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_prefix(spec.label.clone());
    bar.set_position((epochs_done * steps_per_epoch) as u64);
    bar
}

/// One epoch: training, validation, its log line, model selection and the schedules
/// ([`schedule::after_validation`]), then its files: the best weights when it is the best, the
/// checkpoint and `state.json` when due, `log.jsonl` always.
fn run_epoch(
    spec: &FoldSpec,
    session: &mut Session,
    (sampler, train, val): (&Sampler, &TrainingSet, &TrainingSet),
    state: &mut TrainerState,
    superseded: &mut Vec<String>,
    bar: &ProgressBar,
) -> Result<()> {
    let t = &spec.training;
    let epoch = state.epochs_done + 1;
    let started = Instant::now();
    let lr = state.lr * t.lr_decay.unwrap_or_default().factor(epoch, spec.epochs);
    let done_before = state.history.last().map_or(0, |e| e.steps);
    let sums = session.train_epoch(spec, sampler, train, (epoch, lr, done_before), bar)?;
    let train_seconds = started.elapsed().as_secs_f64();
    let (scores, val_loss) = session.validate(spec, val)?;
    let n = sums.seen.max(1) as f64;
    let log = EpochLog {
        epoch,
        train_loss: sums.total / n,
        train_loss_out1: sums.out1 / n,
        train_loss_out2: sums.out2 / n,
        val_loss,
        val_precision: scores.precision,
        val_sensitivity: scores.sensitivity,
        val_f1: scores.f1,
        lr,
        seconds: started.elapsed().as_secs_f64(),
        images_per_second: sums.seen as f64 / train_seconds.max(1e-9),
        steps: done_before + sums.steps,
    };
    let f1 = log
        .val_f1
        .map_or("–".into(), |f| format!("{:.1}%", 100.0 * f));
    let message = format!(
        "epoch {epoch}/{} loss {:.4} val F1 {f1}",
        spec.epochs, log.train_loss
    );
    bar.set_message(message);
    let (old_best, old_ckpt) = (state.best_weights.clone(), state.checkpoint.clone());
    if schedule::after_validation(state, t, epoch, scores.f1.unwrap_or(0.0)) {
        let name = format!("best-epoch-{epoch}.safetensors");
        session.save_weights(spec, &name)?;
        state.best_weights = Some(name);
        superseded.extend(old_best);
    }
    state.epochs_done = epoch;
    state.seconds += log.seconds;
    state.history.push(log);
    state.finished = state.stopped_early || epoch >= spec.epochs;
    if state.finished || epoch % t.checkpoint_every == 0 {
        let name = format!("epoch-{epoch}.safetensors");
        session.save_checkpoint(spec, &name)?;
        state.checkpoint = Some(name);
        superseded.extend(old_ckpt);
        write_json_atomic(&spec.dir.join("state.json"), &*state)?;
        // the new state is durable: the files it no longer names can go
        for old in superseded.drain(..) {
            let named = [&state.checkpoint, &state.best_weights];
            if !named.iter().any(|n| n.as_deref() == Some(old.as_str())) {
                let _ = std::fs::remove_file(spec.dir.join(old));
            }
        }
    }
    // every epoch, also between checkpoints: progress is visible; a resumed run rewrites it
    // from the state on disk
    write_log(&spec.dir, &state.history)
}
