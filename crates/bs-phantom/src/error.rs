//! The one error type of the phantom crate.

use std::path::PathBuf;

/// Everything that can go wrong while configuring, generating or writing a synthetic cohort.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PhantomError {
    /// A configuration value is out of its valid range (names the field and the value).
    #[error("invalid phantom configuration: {0}")]
    Config(String),
    /// A cohort specification file could not be parsed or holds invalid values.
    #[error("cohort spec {path}: {message}")]
    Spec {
        /// The TOML file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A lesion-insertion plan could not be parsed.
    #[error("insertion plan {path}: cannot parse it")]
    Plan {
        /// The TOML file.
        path: PathBuf,
        /// The parser's error.
        source: toml::de::Error,
    },
    /// Reading or writing a file failed.
    #[error("{path}: I/O error")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Encoding a PNG failed.
    #[error("{path}: cannot write the image")]
    Image {
        /// The PNG file.
        path: PathBuf,
        /// The underlying error.
        source: image::ImageError,
    },
    /// Writing the DICOM file failed.
    #[error("{path}: cannot write the DICOM file")]
    Dicom {
        /// The DICOM file.
        path: PathBuf,
        /// The underlying error.
        source: bs_dicom::DicomError,
    },
    /// Serialising a JSON document failed.
    #[error("{path}: cannot write the JSON document")]
    Json {
        /// The JSON file.
        path: PathBuf,
        /// The underlying error.
        source: serde_json::Error,
    },
}

/// Result alias of this crate.
pub type Result<T, E = PhantomError> = std::result::Result<T, E>;
