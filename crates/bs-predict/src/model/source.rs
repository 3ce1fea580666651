//! Finding the networks, the network configuration and the preprocessing of a model path:
//! a bs-train run directory, one arm of it (`RUN_DIR/<loss>`), or one checkpoint file.

use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use bs_model::DoubleUNetConfig;
use bs_preprocess::PrepareConfig;

use crate::error::{PredictError, Result};
use crate::model::run_files::{
    check_version, read_experiment, read_run_json, recorded_preparation, RunJson,
};

/// Which folds of a run form the ensemble.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum FoldSelection {
    /// Every fold of the experiment (all must be trained).
    #[default]
    All,
    /// These folds (1-based, as in the paper's tables).
    Only(Vec<usize>),
}

impl FoldSelection {
    /// Parses `all`, `3` or `1,2,5`.
    pub fn parse(text: &str) -> std::result::Result<FoldSelection, String> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("all") {
            return Ok(FoldSelection::All);
        }
        let mut folds = Vec::new();
        for part in t.split(',') {
            let k: usize = part
                .trim()
                .parse()
                .map_err(|_| format!("`{part}` is not a fold number (use `all`, `3` or `1,2`)"))?;
            if k == 0 {
                return Err("folds are numbered from 1".into());
            }
            if !folds.contains(&k) {
                folds.push(k);
            }
        }
        folds.sort_unstable();
        Ok(FoldSelection::Only(folds))
    }
}

/// What the user points at and chooses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelRequest {
    /// Run directory, arm directory or `.safetensors` checkpoint.
    pub path: PathBuf,
    /// Folds of a run (ignored for a checkpoint).
    pub folds: FoldSelection,
    /// Arm (loss) of a run with several; default: the first listed in `experiment.toml`.
    pub arm: Option<String>,
}

impl ModelRequest {
    /// All folds of the default arm of `path`.
    pub fn new(path: impl Into<PathBuf>) -> ModelRequest {
        ModelRequest {
            path: path.into(),
            folds: FoldSelection::All,
            arm: None,
        }
    }
}

/// One network of the ensemble.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberWeights {
    /// Fold (1-based); `None` for a lone checkpoint.
    pub fold: Option<usize>,
    /// The weight file (a bs-model checkpoint with its `.json` sidecar).
    pub weights: PathBuf,
    /// SHA-256 of the weight file, lower-case hex.
    pub sha256: String,
}

/// Who the model is, as `report.json` records it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelIdentity {
    /// `run` (ensemble of folds) or `checkpoint`.
    pub kind: String,
    /// The path given.
    pub path: PathBuf,
    /// Experiment name (runs only).
    pub experiment: Option<String>,
    /// Table of the paper the experiment reproduces.
    pub table: Option<String>,
    /// Arm (loss) of the run.
    pub arm: Option<String>,
    /// Training profile (`paper`, `quick`, `tiny`).
    pub profile: Option<String>,
    /// `binary` or `three_class`.
    pub variant: String,
    /// Network input (rows, cols).
    pub input_size: (usize, usize),
    /// Prepared pixels averaged into one network pixel (rows, cols).
    pub pool: (usize, usize),
    /// Window (rows, cols) the network sees at a time: its training patch size, when it was
    /// trained on patches ([`bs_model::windows`]); none: the whole image at once.
    pub window: Option<(usize, usize)>,
    /// Channel multiplier.
    pub width_multiplier: f64,
    /// Version of bonescan that trained it (runs only).
    pub trained_with: Option<String>,
    /// Version of bs-predict.
    pub predictor_version: String,
    /// Where the preprocessing configuration came from.
    pub preprocessing_source: String,
    /// The networks averaged.
    pub members: Vec<MemberWeights>,
}

/// A resolved model: everything needed to build the ensemble and prepare scans for it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSpec {
    /// Identity for reports.
    pub identity: ModelIdentity,
    /// The network configuration shared by every member.
    pub network: DoubleUNetConfig,
    /// The preprocessing of the training data.
    pub prepare: PrepareConfig,
}

impl ModelSpec {
    /// The weight files of the ensemble.
    pub fn members(&self) -> &[MemberWeights] {
        &self.identity.members
    }

    /// Prepared rows/cols averaged into one network pixel.
    pub fn pool(&self) -> (usize, usize) {
        self.identity.pool
    }
}

fn sha256_file(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| PredictError::io("cannot read", path, e))?;
    Ok(Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

fn read_network(weights: &Path) -> Result<DoubleUNetConfig> {
    bs_model::checkpoint::read_sidecar(weights)
        .map(|s| s.config)
        .map_err(|source| PredictError::Model {
            path: weights.to_path_buf(),
            source,
        })
}

/// `prepared / input` when it divides exactly.
fn pool_of(
    prepare: &PrepareConfig,
    network: &DoubleUNetConfig,
    path: &Path,
) -> Result<(usize, usize)> {
    let (rows, cols) = prepare.prepared_shape();
    let (h, w) = (network.input_height as usize, network.input_width as usize);
    if h == 0 || w == 0 || rows % h != 0 || cols % w != 0 {
        return Err(PredictError::BadModelFile {
            path: path.to_path_buf(),
            detail: format!(
                "network input {h}×{w} does not divide the prepared image {rows}×{cols} of the recorded preprocessing"
            ),
        });
    }
    Ok((rows / h, cols / w))
}

/// Resolves a model path (see the module doc).
pub fn resolve(request: &ModelRequest) -> Result<ModelSpec> {
    let path = &request.path;
    if path.is_file() {
        return resolve_checkpoint(path);
    }
    if !path.is_dir() {
        return Err(PredictError::NotAModel {
            path: path.clone(),
            detail: "no such file or directory".into(),
        });
    }
    if path.join("run.json").is_file() {
        return resolve_run(path, None, request);
    }
    // an arm directory RUN_DIR/<loss>
    if let (Some(parent), Some(name)) = (path.parent(), path.file_name()) {
        if parent.join("run.json").is_file() {
            let arm = name.to_string_lossy().into_owned();
            return resolve_run(parent, Some(arm), request);
        }
    }
    Err(PredictError::NotAModel {
        path: path.clone(),
        detail: "expected a run directory (run.json, experiment.toml, <loss>/fold_K/model.safetensors), one of its arm directories, or a .safetensors checkpoint with its .json sidecar".into(),
    })
}

fn resolve_run(
    dir: &Path,
    arm_from_path: Option<String>,
    request: &ModelRequest,
) -> Result<ModelSpec> {
    let run: RunJson = read_run_json(dir)?;
    check_version(&dir.join("run.json"), &run.version)?;
    let experiment = read_experiment(dir)?;
    let arm = match request.arm.clone().or(arm_from_path) {
        Some(a) => {
            if !experiment.losses.contains(&a) {
                return Err(PredictError::NoSuchArm {
                    dir: dir.to_path_buf(),
                    arm: a,
                    available: experiment.losses.clone(),
                });
            }
            a
        }
        None => experiment.losses[0].clone(),
    };
    let arm_dir = dir.join(&arm);
    let total = experiment.folds;
    let folds: Vec<usize> = match &request.folds {
        FoldSelection::All => (1..=total).collect(),
        FoldSelection::Only(list) => {
            if let Some(&k) = list.iter().find(|&&k| k == 0 || k > total) {
                return Err(PredictError::NoSuchFold {
                    dir: arm_dir,
                    fold: k,
                    total,
                });
            }
            list.clone()
        }
    };
    if folds.is_empty() {
        return Err(PredictError::MissingFolds {
            dir: arm_dir,
            missing: Vec::new(),
            total,
        });
    }
    let weights_of = |k: usize| arm_dir.join(format!("fold_{k}")).join("model.safetensors");
    let missing: Vec<usize> = folds
        .iter()
        .copied()
        .filter(|&k| !weights_of(k).is_file())
        .collect();
    if !missing.is_empty() {
        return Err(PredictError::MissingFolds {
            dir: arm_dir,
            missing,
            total,
        });
    }
    let prep = recorded_preparation(dir, &run)?;
    let mut network: Option<DoubleUNetConfig> = None;
    let mut members = Vec::new();
    for &k in &folds {
        let weights = weights_of(k);
        let side = bs_model::checkpoint::sidecar_path(&weights);
        if !side.is_file() {
            return Err(PredictError::MissingModelFile {
                dir: arm_dir.clone(),
                what: format!("configuration sidecar of fold {k}"),
                path: side,
            });
        }
        let cfg = read_network(&weights)?;
        match &network {
            None => network = Some(cfg),
            Some(first) if *first != cfg => {
                return Err(PredictError::BadModelFile {
                    path: side,
                    detail: format!(
                        "fold {k} has another network configuration than fold {}",
                        folds[0]
                    ),
                })
            }
            _ => {}
        }
        members.push(MemberWeights {
            fold: Some(k),
            sha256: sha256_file(&weights)?,
            weights,
        });
    }
    let network = network.expect("at least one fold");
    let input = (network.input_height as usize, network.input_width as usize);
    if input != run.input_size {
        return Err(PredictError::BadModelFile {
            path: dir.join("run.json"),
            detail: format!(
                "input size {:?} differs from the checkpoints' {input:?}",
                run.input_size
            ),
        });
    }
    let pool = pool_of(&prep.config, &network, &dir.join("run.json"))?;
    if pool != (run.profile.pool_rows, run.profile.pool_cols) {
        return Err(PredictError::BadModelFile {
            path: dir.join("run.json"),
            detail: format!(
                "profile pools {}×{} but the recorded preprocessing and the network input imply {}×{}",
                run.profile.pool_rows, run.profile.pool_cols, pool.0, pool.1
            ),
        });
    }
    Ok(ModelSpec {
        identity: ModelIdentity {
            kind: "run".into(),
            path: dir.to_path_buf(),
            experiment: Some(run.experiment.clone()),
            table: experiment.table.clone(),
            arm: Some(arm),
            profile: Some(run.profile.name.clone()),
            variant: network.variant.to_string(),
            input_size: input,
            pool,
            window: run.window,
            width_multiplier: network.width_multiplier,
            trained_with: Some(run.version.clone()),
            predictor_version: env!("CARGO_PKG_VERSION").into(),
            preprocessing_source: describe_source(&prep.source),
            members,
        },
        network,
        prepare: prep.config,
    })
}

fn describe_source(source: &Option<PathBuf>) -> String {
    match source {
        Some(p) => p.display().to_string(),
        None => {
            "default PrepareConfig (paper Section 3.3): not recorded with the checkpoint".into()
        }
    }
}

fn resolve_checkpoint(weights: &Path) -> Result<ModelSpec> {
    if weights.extension().and_then(|e| e.to_str()) != Some("safetensors") {
        return Err(PredictError::NotAModel {
            path: weights.to_path_buf(),
            detail: "a checkpoint file must end in .safetensors (with a .json sidecar beside it)"
                .into(),
        });
    }
    let side = bs_model::checkpoint::sidecar_path(weights);
    if !side.is_file() {
        return Err(PredictError::MissingModelFile {
            dir: weights.parent().unwrap_or(Path::new(".")).to_path_buf(),
            what: "checkpoint configuration sidecar".into(),
            path: side,
        });
    }
    let network = read_network(weights)?;
    // A fold checkpoint inside a run directory (RUN_DIR/<loss>/fold_K/x.safetensors) gets the
    // run's recorded preprocessing; a lone file gets `prepare.json` beside it or the default.
    let run_dir = weights
        .ancestors()
        .skip(1)
        .take(3)
        .find(|d| d.join("run.json").is_file());
    let (prep, run) = if let Some(dir) = run_dir {
        let run = read_run_json(dir)?;
        check_version(&dir.join("run.json"), &run.version)?;
        (recorded_preparation(dir, &run)?, Some(run))
    } else {
        let beside = weights.with_file_name("prepare.json");
        let prep = if beside.is_file() {
            let text = std::fs::read_to_string(&beside)
                .map_err(|e| PredictError::io("cannot read", &beside, e))?;
            let config: PrepareConfig =
                serde_json::from_str(&text).map_err(|e| PredictError::BadModelFile {
                    path: beside.clone(),
                    detail: format!("not a PrepareConfig: {e}"),
                })?;
            config.validate().map_err(|e| PredictError::BadModelFile {
                path: beside.clone(),
                detail: e.to_string(),
            })?;
            crate::model::run_files::RecordedPreparation {
                config,
                source: Some(beside),
            }
        } else {
            crate::model::run_files::RecordedPreparation {
                config: PrepareConfig::default(),
                source: None,
            }
        };
        (prep, None)
    };
    let pool = pool_of(&prep.config, &network, weights)?;
    let fold = weights
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix("fold_"))
        .and_then(|k| k.parse().ok());
    Ok(ModelSpec {
        identity: ModelIdentity {
            kind: "checkpoint".into(),
            path: weights.to_path_buf(),
            experiment: run.as_ref().map(|r| r.experiment.clone()),
            table: None,
            arm: None,
            profile: run.as_ref().map(|r| r.profile.name.clone()),
            variant: network.variant.to_string(),
            input_size: (network.input_height as usize, network.input_width as usize),
            pool,
            window: run.as_ref().and_then(|r| r.window),
            width_multiplier: network.width_multiplier,
            trained_with: run.as_ref().map(|r| r.version.clone()),
            predictor_version: env!("CARGO_PKG_VERSION").into(),
            preprocessing_source: describe_source(&prep.source),
            members: vec![MemberWeights {
                fold,
                sha256: sha256_file(weights)?,
                weights: weights.to_path_buf(),
            }],
        },
        network,
        prepare: prep.config,
    })
}
