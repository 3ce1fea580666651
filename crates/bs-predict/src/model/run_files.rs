//! The files of a bs-train run directory that prediction needs, read leniently (extra fields
//! are ignored) so that bs-predict does not depend on the trainer's internals.
//!
//! ```text
//! RUN_DIR/
//!   run.json          profile (pooling factors, width), input size, prepared data dir, version
//!   experiment.toml   losses (arms), folds, NM source
//!   prepare.json      the PrepareConfig of the training data (when the trainer records it)
//!   <loss>/fold_K/model.safetensors + model.json    one network per fold (bs-model checkpoint)
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{PredictError, Result};

/// The profile part of `run.json`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct RunProfile {
    /// `paper`, `quick`, `tiny`.
    pub name: String,
    /// Prepared rows averaged into one network pixel.
    pub pool_rows: usize,
    /// Prepared columns averaged into one network pixel.
    pub pool_cols: usize,
    /// Channel multiplier of the network.
    pub width_multiplier: f64,
}

/// What prediction reads from `run.json`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct RunJson {
    /// Experiment name.
    pub experiment: String,
    /// Profile.
    pub profile: RunProfile,
    /// Network input size (rows, cols).
    pub input_size: (usize, usize),
    /// Window (rows, cols) of a model trained on patches: whole images are predicted through
    /// windows of this size, as bs-train validated and tested it.
    #[serde(default)]
    pub window: Option<(usize, usize)>,
    /// Epochs per fold.
    #[serde(default)]
    pub epochs: Option<usize>,
    /// Prepared data directory used for training.
    pub data: PathBuf,
    /// Device of the training.
    #[serde(default)]
    pub device: Option<String>,
    /// bonescan (bs-train) version that wrote the run.
    pub version: String,
}

/// What prediction reads from `experiment.toml`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ExperimentToml {
    /// Arms, in the order of the file (`dice`, `focal_tversky`).
    pub losses: Vec<String>,
    /// Folds of the cross-validation.
    pub folds: usize,
    /// `none`, `otsu`, `negative_mining`.
    pub nm_source: String,
    /// The table of the paper it reproduces.
    pub table: Option<String>,
}

fn read_text(path: &Path, dir: &Path, what: &str) -> Result<String> {
    if !path.is_file() {
        return Err(PredictError::MissingModelFile {
            dir: dir.to_path_buf(),
            what: what.to_string(),
            path: path.to_path_buf(),
        });
    }
    std::fs::read_to_string(path).map_err(|e| PredictError::io("cannot read", path, e))
}

/// Reads `dir/run.json`.
pub(crate) fn read_run_json(dir: &Path) -> Result<RunJson> {
    let path = dir.join("run.json");
    let text = read_text(&path, dir, "run.json (written by `bonescan cv`)")?;
    serde_json::from_str(&text).map_err(|e| PredictError::BadModelFile {
        path,
        detail: format!("not a bs-train run.json: {e}"),
    })
}

/// Reads `dir/experiment.toml`.
pub(crate) fn read_experiment(dir: &Path) -> Result<ExperimentToml> {
    let path = dir.join("experiment.toml");
    let text = read_text(&path, dir, "experiment.toml (written by `bonescan cv`)")?;
    let bad = |detail: String| PredictError::BadModelFile {
        path: path.clone(),
        detail,
    };
    let value: toml::Table = text.parse().map_err(|e| bad(format!("{e}")))?;
    let losses: Vec<String> = value
        .get("losses")
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .filter(|l: &Vec<String>| !l.is_empty())
        .ok_or_else(|| bad("lists no `losses`".into()))?;
    let folds = value
        .get("training")
        .and_then(|t| t.get("folds"))
        .map(|f| {
            f.as_integer()
                .ok_or_else(|| bad("training.folds is not an integer".into()))
        })
        .transpose()?
        .unwrap_or(10);
    if !(1..=1000).contains(&folds) {
        return Err(bad(format!("training.folds = {folds} is not in 1..=1000")));
    }
    Ok(ExperimentToml {
        losses,
        folds: folds as usize,
        nm_source: value
            .get("nm_source")
            .and_then(|v| v.as_str())
            .unwrap_or("otsu")
            .to_string(),
        table: value
            .get("table")
            .and_then(|v| v.as_str())
            .map(str::to_string),
    })
}

/// The `major.minor` series of a version string (`0.1.3` → `0.1`).
pub(crate) fn series(version: &str) -> String {
    version.split('.').take(2).collect::<Vec<_>>().join(".")
}

/// Refuses a run written by another `major.minor` series than this crate's.
pub(crate) fn check_version(path: &Path, found: &str) -> Result<()> {
    let ours = env!("CARGO_PKG_VERSION");
    if series(found) != series(ours) {
        return Err(PredictError::IncompatibleVersion {
            path: path.to_path_buf(),
            found: found.to_string(),
            supported: ours,
            supported_series: series(ours),
        });
    }
    Ok(())
}

/// Where a [`bs_preprocess::PrepareConfig`] came from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RecordedPreparation {
    /// The configuration.
    pub config: bs_preprocess::PrepareConfig,
    /// The file it was read from, or `None` for the paper's default.
    pub source: Option<PathBuf>,
}

fn parse_prepare(path: &Path, value: serde_json::Value) -> Result<bs_preprocess::PrepareConfig> {
    let config: bs_preprocess::PrepareConfig =
        serde_json::from_value(value).map_err(|e| PredictError::BadModelFile {
            path: path.to_path_buf(),
            detail: format!("preprocessing configuration does not parse: {e}"),
        })?;
    config.validate().map_err(|e| PredictError::BadModelFile {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })?;
    Ok(config)
}

fn read_json_value(path: &Path) -> Result<serde_json::Value> {
    let text =
        std::fs::read_to_string(path).map_err(|e| PredictError::io("cannot read", path, e))?;
    serde_json::from_str(&text).map_err(|e| PredictError::BadModelFile {
        path: path.to_path_buf(),
        detail: format!("not JSON: {e}"),
    })
}

/// The preprocessing a run was trained with, in order of preference:
/// 1. `RUN_DIR/prepare.json` (a [`bs_preprocess::PrepareConfig`], or a manifest holding one
///    under `config`);
/// 2. the `config` of `manifest.json` in the prepared data directory named by `run.json`
///    (as given, then relative to the run directory's parent).
///
/// Neither present is an error: predicting with another preprocessing than the training's
/// would silently change what the network sees.
pub(crate) fn recorded_preparation(dir: &Path, run: &RunJson) -> Result<RecordedPreparation> {
    let own = dir.join("prepare.json");
    let mut tried = vec![own.clone()];
    if own.is_file() {
        let value = read_json_value(&own)?;
        let value = value.get("config").cloned().unwrap_or(value);
        return Ok(RecordedPreparation {
            config: parse_prepare(&own, value)?,
            source: Some(own),
        });
    }
    let mut candidates = vec![run.data.join("manifest.json")];
    if run.data.is_relative() {
        if let Some(parent) = dir.parent() {
            candidates.push(parent.join(&run.data).join("manifest.json"));
        }
    }
    for manifest in candidates {
        tried.push(manifest.clone());
        if manifest.is_file() {
            let value = read_json_value(&manifest)?;
            let config =
                value
                    .get("config")
                    .cloned()
                    .ok_or_else(|| PredictError::BadModelFile {
                        path: manifest.clone(),
                        detail: "prepared data manifest has no `config`".into(),
                    })?;
            return Ok(RecordedPreparation {
                config: parse_prepare(&manifest, config)?,
                source: Some(manifest),
            });
        }
    }
    Err(PredictError::PreprocessingNotRecorded {
        dir: dir.to_path_buf(),
        tried,
    })
}
