//! The typed errors of bs-predict: every one names the file and what is wrong with it.

use std::path::PathBuf;

/// Everything that can go wrong while loading a model or predicting a scan.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PredictError {
    /// A file or directory could not be read or written.
    #[error("{action} {path}")]
    Io {
        /// What was being done (`cannot read`, `cannot write`, …).
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The model path is neither a bs-train run directory, an arm directory nor a checkpoint.
    #[error("{path} is not a bonescan model: {detail}")]
    NotAModel {
        /// The path given.
        path: PathBuf,
        /// What was looked for.
        detail: String,
    },
    /// A file the model directory must hold is absent.
    #[error("model directory {dir}: missing {what} ({path})")]
    MissingModelFile {
        /// The run (or arm) directory.
        dir: PathBuf,
        /// What the file is (`run.json`, `weights of fold 3`, …).
        what: String,
        /// The path that was expected.
        path: PathBuf,
    },
    /// Folds asked for (or all folds of the run) have no trained model.
    #[error("model directory {dir}: fold(s) {missing:?} of {total} have no trained model (model.safetensors); train them or choose others with --folds")]
    MissingFolds {
        /// The arm directory.
        dir: PathBuf,
        /// 1-based fold numbers without weights.
        missing: Vec<usize>,
        /// Folds of the experiment.
        total: usize,
    },
    /// A fold number outside the experiment.
    #[error("fold {fold} does not exist: {dir} has folds 1..={total}")]
    NoSuchFold {
        /// The arm directory.
        dir: PathBuf,
        /// The fold asked for (1-based).
        fold: usize,
        /// Folds of the experiment.
        total: usize,
    },
    /// The run has several arms (losses) and none was chosen, or the one chosen is absent.
    #[error("model directory {dir}: arm {arm:?} not found; it has {available:?}")]
    NoSuchArm {
        /// The run directory.
        dir: PathBuf,
        /// The arm asked for.
        arm: String,
        /// Arms present.
        available: Vec<String>,
    },
    /// A model file written by an incompatible version of bonescan.
    #[error("{path} was written by bonescan {found}; this bs-predict ({supported}) reads models of version {supported_series}")]
    IncompatibleVersion {
        /// The file holding the version.
        path: PathBuf,
        /// Version found in the file.
        found: String,
        /// This crate's version.
        supported: &'static str,
        /// The major.minor series accepted.
        supported_series: String,
    },
    /// A JSON or TOML model file that does not parse or holds impossible values.
    #[error("{path}: {detail}")]
    BadModelFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The preprocessing the model was trained with is not recorded anywhere reachable.
    #[error("model directory {dir}: the preprocessing configuration is not recorded (looked for {tried:?})")]
    PreprocessingNotRecorded {
        /// The run directory.
        dir: PathBuf,
        /// The paths tried.
        tried: Vec<PathBuf>,
    },
    /// The network or its checkpoint (bs-model).
    #[error("model {path} failed")]
    Model {
        /// The weight file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: bs_model::ModelError,
    },
    /// A libtorch operation failed.
    #[error("libtorch error")]
    Torch(#[from] tch::TchError),
    /// An invalid [`crate::PredictConfig`] value.
    #[error("invalid prediction setting {field} = {value}: {reason}")]
    Config {
        /// The field.
        field: &'static str,
        /// The value given.
        value: String,
        /// What it must satisfy.
        reason: &'static str,
    },
    /// The scan could not be read (bs-dicom).
    #[error("cannot read the scan {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: bs_dicom::DicomError,
    },
    /// The scan does not match the geometry the model expects.
    #[error("{path}: {detail}")]
    Geometry {
        /// The file.
        path: PathBuf,
        /// What does not match.
        detail: String,
    },
    /// Preprocessing failed (bs-preprocess).
    #[error("{path}: preprocessing failed")]
    Prepare {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: bs_preprocess::PrepareError,
    },
    /// An output image could not be written.
    #[error("cannot write image {path}")]
    Image {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: image::ImageError,
    },
    /// The DICOM Segmentation could not be built or written.
    #[error("cannot write DICOM SEG {path}: {detail}")]
    Seg {
        /// The file.
        path: PathBuf,
        /// What failed.
        detail: String,
    },
    /// The directory scanner set the file aside (a duplicate, a posterior view without its
    /// anterior view), so it is not predicted.
    #[error("{path}: skipped, {reason}")]
    Skipped {
        /// The file.
        path: PathBuf,
        /// Why (bs-dicom's scanner).
        reason: String,
    },
    /// No input file was found.
    #[error("no DICOM file found in {paths:?}")]
    NoInputs {
        /// The paths given.
        paths: Vec<PathBuf>,
    },
}

impl PredictError {
    /// An I/O error on `path`.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        PredictError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// Result with [`PredictError`].
pub type Result<T, E = PredictError> = std::result::Result<T, E>;
