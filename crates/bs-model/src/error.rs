//! The one error type of this crate.

use std::path::PathBuf;

/// Everything that can go wrong when configuring, running, saving or loading the Double U-Net.
///
/// Paths name the file involved; tensor names are the VarStore names (`features.0.weight`,
/// `decoder2.3.se.fc1.weight`, …), the same names the safetensors files use.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A configuration field is out of range.
    #[error("invalid Double U-Net configuration: `{field}` {reason}")]
    InvalidConfig {
        /// The field of [`crate::DoubleUNetConfig`] (or of another config struct).
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The input tensor does not have the shape the configuration declares.
    #[error("Double U-Net input must be {expected}, got shape {found:?}")]
    InputShape {
        /// The expected shape in words.
        expected: String,
        /// The shape that was passed.
        found: Vec<i64>,
    },
    /// The input tensor is not a floating-point tensor.
    #[error("Double U-Net input must be a floating-point tensor, got {found}")]
    InputKind {
        /// The element kind that was passed.
        found: String,
    },
    /// libtorch reported an error.
    #[error("libtorch error while {context}")]
    Torch {
        /// What this crate was doing.
        context: String,
        /// The libtorch error.
        #[source]
        source: tch::TchError,
    },
    /// Reading or writing a file failed.
    #[error("{path}: I/O error")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The JSON sidecar of a checkpoint cannot be parsed.
    #[error("{path}: invalid checkpoint sidecar")]
    Sidecar {
        /// The sidecar file.
        path: PathBuf,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// The sidecar declares a format this crate does not read.
    #[error("{path}: unsupported checkpoint format `{format}` version {version}")]
    SidecarFormat {
        /// The sidecar file.
        path: PathBuf,
        /// The declared format name.
        format: String,
        /// The declared version.
        version: u32,
    },
    /// A checkpoint path does not end in `.safetensors`.
    #[error("{path}: checkpoint weights must be a `.safetensors` file")]
    NotSafetensors {
        /// The path that was given.
        path: PathBuf,
    },
    /// The weight file is too small for the network its sidecar describes (checked before the
    /// network is built, so a sidecar cannot make a load allocate more than the file holds).
    #[error(
        "{path}: {bytes} bytes cannot hold the {elements} values of the network its sidecar describes"
    )]
    WeightsTooSmall {
        /// The weight file.
        path: PathBuf,
        /// Its length.
        bytes: u64,
        /// Values of the described network ([`crate::DoubleUNetConfig::stored_elements`]).
        elements: i64,
    },
    /// A tensor the model needs is not in the weight file (or not in the sidecar).
    #[error("{path}: tensor `{name}` is missing")]
    MissingTensor {
        /// The file.
        path: PathBuf,
        /// The tensor name.
        name: String,
    },
    /// The weight file holds a tensor the model does not have.
    #[error("{path}: unexpected tensor `{name}` (not a parameter of this model)")]
    UnexpectedTensor {
        /// The file.
        path: PathBuf,
        /// The tensor name.
        name: String,
    },
    /// A tensor has another shape than the model (or the sidecar) expects.
    #[error("{path}: tensor `{name}` has shape {found:?}, expected {expected:?}")]
    ShapeMismatch {
        /// The file.
        path: PathBuf,
        /// The tensor name.
        name: String,
        /// The shape the model or sidecar expects.
        expected: Vec<i64>,
        /// The shape in the file.
        found: Vec<i64>,
    },
    /// A tensor of a weight file holds values of another type than floats.
    #[error("{path}: tensor `{name}` holds {found} values, not 32- or 64-bit floats")]
    ValueType {
        /// The file.
        path: PathBuf,
        /// The tensor name.
        name: String,
        /// The type in the file, as its reader names it.
        found: String,
    },
    /// A weight file to convert is of an unknown format.
    #[error("{path}: not a VGG19 weight file this converter reads: {reason}")]
    WeightFormat {
        /// The file.
        path: PathBuf,
        /// What it is instead.
        reason: &'static str,
    },
    /// A `torch.save` archive cannot be read.
    #[error("{path}: cannot read the torch.save archive: {reason}")]
    TorchArchive {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// An HDF5 (Keras) weight file cannot be read.
    #[error("{path}: cannot read HDF5 object `{object}`")]
    Hdf5 {
        /// The file.
        path: PathBuf,
        /// The group or dataset.
        object: String,
        /// What is wrong with it.
        #[source]
        source: Box<crate::imagenet::Hdf5Error>,
    },
}

impl ModelError {
    pub(crate) fn torch(context: impl Into<String>, source: tch::TchError) -> Self {
        ModelError::Torch {
            context: context.into(),
            source,
        }
    }

    pub(crate) fn config(field: &'static str, reason: impl Into<String>) -> Self {
        ModelError::InvalidConfig {
            field,
            reason: reason.into(),
        }
    }
}

/// Result alias of this crate.
pub type Result<T, E = ModelError> = std::result::Result<T, E>;
