//! One call of [`super::run_experiment`]: the inputs checked, the run files written, then each
//! fold of each arm trained (after its targets and pre-training), tested and recorded.

use std::path::{Path, PathBuf};

use bs_model::DoubleUNetConfig;

use super::{
    device_name, evaluate_test, fold_dir, resolved_epochs, stages, write_overlay, EncoderWeights,
    FoldResult, RunInfo, RunOptions,
};
use crate::config::{
    ExperimentConfig, LossKind, NmSource, Profile, TrainingConfig, TransferConfig,
};
use crate::data::targets::TargetSpec;
use crate::data::{Cohort, TrainingSet};
use crate::error::{Result, TrainError};
use crate::io::{create_dir, write_json_atomic};
use crate::splits::{FoldSplit, Splits};
use crate::trainer::{train_fold, FoldOutcome, FoldSpec};

/// Everything the folds of one run share, resolved once.
pub(super) struct Run<'a> {
    config: &'a ExperimentConfig,
    cohort: &'a Cohort,
    opts: &'a RunOptions,
    profile: Profile,
    /// The experiment's training settings, the profile's where it leaves them unset.
    training: TrainingConfig,
    epochs: usize,
    pretrain_epochs: Option<usize>,
    encoder_weights: Option<PathBuf>,
    /// Training input size (rows, cols).
    input: (usize, usize),
    model: DoubleUNetConfig,
    splits: Splits,
}

/// The pre-training of one arm (transfer learning).
struct PretrainSpec<'s> {
    transfer: &'s TransferConfig,
    epochs: usize,
    /// Random stream of its initialisation and batches.
    stream: u64,
    /// Its targets (those of the arm's validation).
    targets: &'s TargetSpec,
}

/// How one fold of one arm ended in this process.
pub(super) enum ArmEnd {
    /// Tested and recorded (`result.json`).
    Done,
    /// A training stopped on `stop_after_epochs`: the run resumes from its checkpoint.
    Interrupted,
}

impl<'a> Run<'a> {
    /// Checks the inputs, writes `experiment.toml`, `run.json`, `prepare.json` and the splits.
    pub(super) fn start(
        config: &'a ExperimentConfig,
        cohort: &'a Cohort,
        opts: &'a RunOptions,
    ) -> Result<Self> {
        check(config, cohort, opts)?;
        let profile = opts.profile.profile();
        let (epochs, pretrain_epochs) = resolved_epochs(config, opts);
        create_dir(&opts.out)?;
        crate::io::write_atomic(
            &opts.out.join("experiment.toml"),
            config.to_toml_string()?.as_bytes(),
        )?;
        let training = resolved_training(config, &profile);
        let encoder_weights = opts
            .encoder_weights
            .clone()
            .or_else(|| config.encoder_weights.clone());
        let (rows, cols) = cohort.dim();
        let input = profile.input_size(rows, cols);
        let mut model = profile.network(config.variant(), input.0, input.1);
        model.vgg19_weights = encoder_weights.clone();
        let encoder_info = encoder_weights
            .as_deref()
            .map(EncoderWeights::of_file)
            .transpose()?;
        let splits_path = opts
            .splits
            .clone()
            .unwrap_or_else(|| opts.out.join("splits.json"));
        let splits = Splits::load_or_create(
            &splits_path,
            &cohort.patients(),
            config.training.folds,
            config.training.seed,
            cohort.pinned_folds(),
        )?;
        let run = Run {
            config,
            cohort,
            opts,
            profile,
            training,
            epochs,
            pretrain_epochs,
            encoder_weights,
            input,
            model,
            splits,
        };
        write_json_atomic(&opts.out.join("run.json"), &run.info(encoder_info))?;
        run.record_preparation()?;
        Ok(run)
    }

    /// The folds to run (0-based): the options', else the profile's.
    pub(super) fn folds(&self) -> Vec<usize> {
        self.opts
            .folds
            .clone()
            .unwrap_or_else(|| self.profile.fold_indices(self.config.training.folds))
    }

    /// What produced the run (`run.json`).
    fn info(&self, encoder_weights: Option<EncoderWeights>) -> RunInfo {
        RunInfo {
            experiment: self.config.name.clone(),
            profile: self.profile,
            epochs: self.epochs,
            pretrain_epochs: self.pretrain_epochs,
            input_size: self.input,
            window: self.training.window(),
            device: device_name(self.opts.device),
            data: self.cohort.source().to_path_buf(),
            groups: self.cohort.group_counts(),
            version: env!("CARGO_PKG_VERSION").into(),
            encoder_weights,
            model_selection: self.training.model_selection.unwrap_or_default(),
            head_combination: self.training.head_combination.unwrap_or_default(),
        }
    }

    /// The preprocessing of the training images travels with the run (`prepare.json`), so a
    /// run directory moved to another machine still tells `bonescan predict` how to prepare
    /// new scans. In-memory cohorts (tests, library users) have no prepared data set and so
    /// nothing to record.
    fn record_preparation(&self) -> Result<()> {
        let manifest_path = self.cohort.source().join("manifest.json");
        if manifest_path.is_file() {
            let manifest: serde_json::Value = crate::io::read_json(&manifest_path)?;
            write_json_atomic(&self.opts.out.join("prepare.json"), &manifest["config"])?;
        }
        Ok(())
    }

    /// One training of fold `fold`, with the run's settings.
    fn spec(
        &self,
        fold: usize,
        label: String,
        stream: u64,
        dir: PathBuf,
        loss: LossKind,
        epochs: usize,
    ) -> FoldSpec {
        FoldSpec {
            label,
            fold,
            stream,
            model: self.model.clone(),
            loss,
            training: self.training.clone(),
            epochs,
            device: self.opts.device,
            dir,
            init_weights: None,
            stop_after_epochs: self.opts.stop_after_epochs,
            progress: self.opts.progress,
        }
    }

    /// Trains, tests and records fold `fold` of arm `arm` (`loss`); `first` when it is the
    /// first fold of the run (its overlays are drawn).
    pub(super) fn fold_arm(
        &self,
        fold: usize,
        arm: usize,
        loss: LossKind,
        first: bool,
    ) -> Result<ArmEnd> {
        let split = self.splits.fold(fold, &self.config.groups);
        let Some(spec) = self.targets(fold)? else {
            return Ok(ArmEnd::Interrupted);
        };
        let (cohort, profile, device) = (self.cohort, &self.profile, self.opts.device);
        let train = TrainingSet::new(cohort, &split.train, profile, &spec, device)?;
        let val_spec = match &spec {
            TargetSpec::Mined(_) => TargetSpec::Otsu, // validation scores only use M
            other => other.clone(),
        };
        let val = TrainingSet::new(cohort, &split.validation, profile, &val_spec, device)?;
        let stream = |stage: u64| (fold as u64 + 1) * 100 + stage * 10 + arm as u64;
        let label = format!("{} fold {}", loss.slug(), fold + 1);
        let dir = fold_dir(&self.opts.out, loss, fold);
        let mut main = self.spec(fold, label, stream(0), dir, loss, self.epochs);
        if let (Some(transfer), Some(epochs)) = (&self.config.transfer, self.pretrain_epochs) {
            let pretrain = PretrainSpec {
                transfer,
                epochs,
                stream: stream(2),
                targets: &val_spec,
            };
            match self.pretrain(fold, loss, pretrain)? {
                Some(weights) => main.init_weights = Some(weights),
                None => return Ok(ArmEnd::Interrupted),
            }
        }
        let outcome = train_fold(&main, &train, &val)?;
        let Some(weights) = &outcome.best_weights else {
            return Ok(ArmEnd::Interrupted);
        };
        self.test_and_record(&main, &split, &outcome, weights, first)?;
        Ok(ArmEnd::Done)
    }

    /// The training targets of fold `fold`: negative mining runs its stage 1 (a binary model)
    /// first; `None` when that stage stopped on `stop_after_epochs`.
    fn targets(&self, fold: usize) -> Result<Option<TargetSpec>> {
        if self.config.nm_source != NmSource::NegativeMining {
            return Ok(Some(TargetSpec::for_source(self.config.nm_source)));
        }
        let (h, w) = self.input;
        let mut stage1 = self.spec(
            fold,
            format!("stage1 fold {}", fold + 1),
            (fold as u64 + 1) * 100 + 90,
            self.opts
                .out
                .join("stage1")
                .join(format!("fold_{}", fold + 1)),
            LossKind::Dice,
            self.epochs,
        );
        stage1.model = DoubleUNetConfig {
            vgg19_weights: self.encoder_weights.clone(),
            ..self.profile.network(bs_model::Variant::Binary, h, w)
        };
        let mined = stages::mine_negatives(
            &stage1,
            self.cohort,
            &self.splits,
            fold,
            &self.config.groups,
            &self.profile,
        )?;
        Ok(mined.map(TargetSpec::Mined))
    }

    /// Transfer learning: pre-trains the arm on the pre-training groups; its weights, or
    /// `None` when it stopped on `stop_after_epochs`.
    fn pretrain(&self, fold: usize, loss: LossKind, pre: PretrainSpec) -> Result<Option<PathBuf>> {
        let dir = self
            .opts
            .out
            .join(loss.slug())
            .join(format!("pretrain_fold_{}", fold + 1));
        let label = format!("pretrain {} fold {}", loss.slug(), fold + 1);
        let spec = self.spec(fold, label, pre.stream, dir, loss, pre.epochs);
        stages::pretrain(
            &spec,
            self.cohort,
            &self.splits,
            fold,
            &pre.transfer.pretrain_groups,
            &self.profile,
            pre.targets,
        )
    }

    /// Saves the selected weights as `model.safetensors`, tests them on the fold's test
    /// patients, writes `result.json` (and the overlays of the first fold), and removes the
    /// checkpoints, no longer needed once the fold is evaluated.
    fn test_and_record(
        &self,
        main: &FoldSpec,
        split: &FoldSplit,
        outcome: &FoldOutcome,
        weights: &Path,
        first: bool,
    ) -> Result<()> {
        let device = self.opts.device;
        let (vs, model) = crate::trainer::load_weights(&self.model, device, weights)?;
        bs_model::checkpoint::save(&vs, &self.model, &main.dir.join("model.safetensors"))?;
        let window = self.training.window();
        let evaluation = evaluate_test(
            &model,
            self.cohort,
            &split.test,
            &self.profile,
            device,
            window,
        )?;
        if first {
            self.write_figures(main, &evaluation.predictions)?;
        }
        let st = &outcome.state;
        let selected = st.selected_epoch(self.training.model_selection.unwrap_or_default());
        let ips = st.history.iter().map(|e| e.images_per_second).sum::<f64>()
            / st.history.len().max(1) as f64;
        let result = FoldResult {
            fold: main.fold + 1,
            loss: main.loss,
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
        write_json_atomic(&main.dir.join("result.json"), &result)?;
        remove_checkpoints(&main.dir)
    }

    /// Overlays of the first two test patients (`figures/overlay_<loss>_fold<K>_<i>.png`).
    fn write_figures(
        &self,
        main: &FoldSpec,
        predictions: &[(String, ndarray::Array2<bool>)],
    ) -> Result<()> {
        let fig = self.opts.out.join("figures");
        create_dir(&fig)?;
        for (i, (id, pred)) in predictions.iter().take(2).enumerate() {
            if let Some(p) = self.cohort.get(id) {
                let name = format!(
                    "overlay_{}_fold{}_{}.png",
                    main.loss.slug(),
                    main.fold + 1,
                    i + 1
                );
                write_overlay(&fig.join(name), p, pred)?;
            }
        }
        Ok(())
    }
}

/// Rejects a run that cannot work before anything is written: an invalid experiment, a fold
/// the experiment does not have, a group the data lacks, fewer positives than folds, transfer
/// learning with negative mining.
fn check(config: &ExperimentConfig, cohort: &Cohort, opts: &RunOptions) -> Result<()> {
    config.validate(Path::new(&config.name))?;
    let folds_total = config.training.folds;
    let missing_fold = opts.folds.iter().flatten().find(|&&k| k >= folds_total);
    if let Some(f) = missing_fold {
        return Err(TrainError::ConfigValue {
            path: opts.out.clone(),
            key: "fold",
            message: format!(
                "fold {} does not exist (the experiment has {folds_total} folds)",
                f + 1
            ),
        });
    }
    let mismatch = |message| TrainError::DataMismatch {
        experiment: config.name.clone(),
        message,
    };
    for g in config.all_groups() {
        if !cohort.images().iter().any(|p| p.group == g) {
            let source = cohort.source().display();
            return Err(mismatch(format!(
                "the data set {source} has no patient of group {g}"
            )));
        }
    }
    let n_pos = cohort
        .images()
        .iter()
        .filter(|p| p.group.metastatic())
        .count();
    if n_pos < folds_total {
        return Err(mismatch(format!("{folds_total} folds need at least {folds_total} positive patients, the data set has {n_pos}")));
    }
    if config.transfer.is_some() && config.nm_source == NmSource::NegativeMining {
        return Err(TrainError::ConfigValue {
            path: PathBuf::from(&config.name),
            key: "transfer",
            message: "transfer learning is implemented with Otsu or binary targets (as in Table 7), not negative mining".into(),
        });
    }
    Ok(())
}

/// The experiment's training settings, the profile's where it leaves them unset (and the
/// profile's learning-rate scale applied).
fn resolved_training(config: &ExperimentConfig, profile: &Profile) -> TrainingConfig {
    let mut training = config.training.clone();
    training.learning_rate *= profile.learning_rate_scale;
    training.loss_class_reduction = Some(profile.class_reduction(training.loss_class_reduction));
    training.patches = profile.patches(training.patches);
    training.augmentation = profile.augmentation(training.augmentation);
    training.channels_last = profile.channels_last(training.channels_last);
    training.lr_decay = Some(profile.lr_decay(training.lr_decay));
    training.head_combination = Some(profile.head_combination(training.head_combination));
    training.model_selection = Some(profile.model_selection(training.model_selection));
    training
}

/// Removes a fold's `epoch-*` checkpoints.
fn remove_checkpoints(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir)
        .map_err(|e| TrainError::io("cannot list", dir, e))?
        .flatten()
    {
        if entry.file_name().to_string_lossy().starts_with("epoch-") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    Ok(())
}
