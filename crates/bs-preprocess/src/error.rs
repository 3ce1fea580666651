//! The typed errors of bs-preprocess.

use std::path::PathBuf;

/// Which view an error or a mapping concerns: bs-dicom's, as read from the file.
pub use bs_dicom::ViewName;

/// A [`crate::PrepareConfig`] field outside its allowed range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid preprocessing configuration: {field} = {value}: {reason}")]
pub struct ConfigError {
    /// The offending field (dotted path, e.g. `brightness.target_mean`).
    pub field: &'static str,
    /// The value given, as text.
    pub value: String,
    /// What the field must satisfy.
    pub reason: &'static str,
}

/// Everything that can go wrong while preparing scans and data sets.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PrepareError {
    /// The configuration failed validation.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A view holds no pixels at all.
    #[error("{side} view is empty ({rows}×{cols} pixels)")]
    EmptyView {
        /// Which view.
        side: ViewName,
        /// Rows of the view.
        rows: usize,
        /// Columns of the view.
        cols: usize,
    },
    /// A view holds NaN, infinite or negative counts.
    #[error("{side} view has an invalid count {value} at row {row}, column {col} (counts must be finite and ≥ 0)")]
    InvalidCounts {
        /// Which view.
        side: ViewName,
        /// The first offending value.
        value: f32,
        /// Its row.
        row: usize,
        /// Its column.
        col: usize,
    },
    /// No body was found: the view is blank (all counts at or below the body threshold).
    #[error("{side} view is blank: no row/column has at least {min_pixels} pixels above the body threshold {threshold} counts (max count {max})")]
    BlankView {
        /// Which view.
        side: ViewName,
        /// The body threshold used, in counts.
        threshold: f32,
        /// Pixels per profile line required.
        min_pixels: usize,
        /// The view's maximum count.
        max: f32,
    },
    /// Most body pixels sit at the view's maximum: a saturated (or constant) view.
    #[error("{side} view is saturated: {fraction:.3} of its body pixels equal the maximum count {max} (limit {limit})")]
    SaturatedView {
        /// Which view.
        side: ViewName,
        /// Fraction of body pixels at the maximum.
        fraction: f64,
        /// The maximum count.
        max: f32,
        /// The configured limit (`brightness.max_saturated_fraction`).
        limit: f64,
    },
    /// The brightness normalisation could not bring the mean into the target interval.
    #[error("{side} view: brightness normalisation reached mean {achieved:.3} after {iterations} iterations (gain {gain:.4}), outside ({low}, {high})")]
    BrightnessNotReached {
        /// Which view.
        side: ViewName,
        /// Mean intensity achieved.
        achieved: f64,
        /// Iterations run.
        iterations: usize,
        /// Last gain.
        gain: f64,
        /// Lower bound of the target interval.
        low: f64,
        /// Upper bound of the target interval.
        high: f64,
    },
    /// A mask or image does not have the shape a geometry expects.
    #[error("{what}: shape {got:?}, expected {expected:?}")]
    ShapeMismatch {
        /// What was being mapped.
        what: String,
        /// Shape received.
        got: (usize, usize),
        /// Shape expected.
        expected: (usize, usize),
    },
    /// A label mask was given for a posterior view the scan does not have.
    #[error(
        "labels mark {pixels} pixels in the posterior half, but the scan has no posterior view"
    )]
    LabelsOnMissingPosterior {
        /// Labelled pixels that would be lost.
        pixels: usize,
    },
    /// Reading or writing a file failed.
    #[error("{path}: I/O error")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A `.npy` file is malformed or has an unexpected type or shape.
    #[error("{path}: invalid .npy file: {reason}")]
    Npy {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A prepared data set's manifest is missing, malformed or inconsistent with its arrays.
    #[error("{path}: invalid prepared data set manifest: {reason}")]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A scan could not be read by bs-dicom.
    #[error("cannot read scan {path}")]
    Dicom {
        /// The file or first file of the scan.
        path: PathBuf,
        /// The reader's error.
        #[source]
        source: Box<bs_dicom::DicomError>,
    },
    /// A label file (Labelme, class PNG, DICOM SEG) could not be read, rasterised or matched
    /// to the scan, or a mask could not be derived from the prepared image.
    #[error("cannot read or rasterise labels {path}")]
    Labels {
        /// The Labelme JSON, mask or SEG file (or what the mask was derived from).
        path: PathBuf,
        /// bs-masks' or bs-dicom's error.
        #[source]
        source: LabelsCause,
    },
    /// Preparing one scan of a cohort failed.
    #[error("scan {id} ({path}) could not be prepared")]
    Scan {
        /// The cohort item id.
        id: String,
        /// Its first input file.
        path: PathBuf,
        /// What failed.
        #[source]
        source: Box<PrepareError>,
    },
    /// Writing a preview PNG failed.
    #[error("{path}: writing preview: {reason}")]
    Preview {
        /// The PNG file.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
}

/// Result alias of bs-preprocess.
pub type Result<T, E = PrepareError> = std::result::Result<T, E>;

impl PrepareError {
    /// Wraps an I/O error with the file it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        PrepareError::Io {
            path: path.into(),
            source,
        }
    }
}

/// Why labels failed: the error of the crate that read them, typed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LabelsCause {
    /// Labelme, class PNG or mask derivation (bs-masks).
    #[error(transparent)]
    Mask(#[from] Box<bs_masks::MaskError>),
    /// DICOM SEG (bs-dicom).
    #[error(transparent)]
    Dicom(#[from] Box<bs_dicom::DicomError>),
}

impl From<bs_masks::MaskError> for LabelsCause {
    fn from(e: bs_masks::MaskError) -> LabelsCause {
        LabelsCause::Mask(Box::new(e))
    }
}

impl From<bs_dicom::DicomError> for LabelsCause {
    fn from(e: bs_dicom::DicomError) -> LabelsCause {
        LabelsCause::Dicom(Box::new(e))
    }
}
