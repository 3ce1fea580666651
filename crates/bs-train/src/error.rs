//! The error type of bs-train: every failure names the file or setting at fault.

use std::path::PathBuf;

/// Result alias of this crate.
pub type Result<T, E = TrainError> = std::result::Result<T, E>;

/// Everything that can go wrong while configuring, training or evaluating an experiment.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrainError {
    /// The experiment file could not be read.
    #[error("cannot read experiment config {path}")]
    ConfigRead {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The experiment file is not valid TOML for an experiment (unknown key, wrong type, …).
    #[error("experiment config {path} is malformed: {message}")]
    ConfigParse {
        /// The file (or `<inline>`).
        path: PathBuf,
        /// The TOML parser's message (it names the key and line).
        message: String,
    },
    /// A setting has an impossible value.
    #[error("experiment config {path}: `{key}` {message}")]
    ConfigValue {
        /// The file (or `<inline>`).
        path: PathBuf,
        /// The offending key.
        key: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// The prepared data directory does not exist or is not a prepared data set.
    #[error("prepared data set {path}: {message}")]
    Data {
        /// The directory or file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The data set does not fit the experiment (too few patients for the folds, missing group).
    #[error("data set does not fit experiment `{experiment}`: {message}")]
    DataMismatch {
        /// Experiment name.
        experiment: String,
        /// What is missing.
        message: String,
    },
    /// A `splits.json` exists but does not match the data set or the experiment.
    #[error("splits file {path}: {message}")]
    Splits {
        /// The splits file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The loss became NaN or infinite: the fold stops, its last good checkpoint is kept.
    #[error(
        "fold {fold} ({arm}): loss is not finite ({loss}) at epoch {epoch}, batch {batch}; \
         training stopped, last good checkpoint kept in {checkpoint_dir}"
    )]
    NonFiniteLoss {
        /// Fold index (0-based).
        fold: usize,
        /// Arm (loss) name.
        arm: String,
        /// Epoch (1-based).
        epoch: usize,
        /// Batch within the epoch (0-based).
        batch: usize,
        /// The value.
        loss: f64,
        /// Where the last good checkpoint lives.
        checkpoint_dir: PathBuf,
    },
    /// Reading or writing an output or checkpoint file failed (unwritable directory, disk full…).
    #[error("{action} {path}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// A JSON file (checkpoint state, results) is malformed.
    #[error("{path}: malformed JSON")]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        source: serde_json::Error,
    },
    /// A run directory lacks results to aggregate.
    #[error("run directory {path}: {message}")]
    RunDir {
        /// The directory.
        path: PathBuf,
        /// What is missing.
        message: String,
    },
    /// libtorch failed.
    #[error("libtorch error")]
    Torch(#[from] tch::TchError),
    /// The model rejected its configuration or input.
    #[error(transparent)]
    Model(#[from] bs_model::ModelError),
    /// The loss rejected its configuration or input.
    #[error(transparent)]
    Loss(#[from] bs_losses::LossError),
    /// A mask operation failed.
    #[error(transparent)]
    Mask(#[from] bs_masks::MaskError),
    /// A metric computation failed.
    #[error(transparent)]
    Metrics(#[from] bs_metrics::MetricsError),
    /// Drawing a figure failed.
    #[error("figure {path}: {message}")]
    Plot {
        /// The PNG being drawn.
        path: PathBuf,
        /// The drawing backend's message.
        message: String,
    },
}

impl TrainError {
    /// Shorthand for [`TrainError::Io`].
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        TrainError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
