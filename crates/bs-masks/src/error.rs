//! The one error type of bs-masks.

use std::path::PathBuf;

/// Everything that can go wrong reading annotations or building masks.
///
/// Annotation errors name the file (`<inline JSON>` for documents parsed from a string) and,
/// where it applies, the zero-based index of the offending shape in the file's `shapes` list.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MaskError {
    /// The annotation file could not be read.
    #[error("{file}: cannot read")]
    Io {
        /// The file.
        file: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid JSON or does not have labelme's structure.
    #[error("{file}: not a labelme JSON document")]
    Json {
        /// The file.
        file: PathBuf,
        /// What serde_json reported (with line and column).
        #[source]
        source: serde_json::Error,
    },
    /// A point coordinate is NaN or infinite (Python writes these as `NaN`/`Infinity`).
    #[error("{file}: shape {shape}: point {point} has a non-finite coordinate")]
    NonFinitePoint {
        /// The file.
        file: PathBuf,
        /// Shape index.
        shape: usize,
        /// Point index within the shape.
        point: usize,
    },
    /// A point is not an `[x, y]` pair.
    #[error("{file}: shape {shape}: point {point} is not an [x, y] pair")]
    MalformedPoint {
        /// The file.
        file: PathBuf,
        /// Shape index.
        shape: usize,
        /// Point index within the shape.
        point: usize,
    },
    /// A point lies further outside the image than [`crate::labelme::MAX_OUTSIDE_FRACTION`]
    /// of the image size allows.
    #[error(
        "{file}: shape {shape}: point {point} ({x}, {y}) lies far outside the {width}×{height} image"
    )]
    PointOutOfBounds {
        /// The file.
        file: PathBuf,
        /// Shape index.
        shape: usize,
        /// Point index within the shape.
        point: usize,
        /// x (column) coordinate.
        x: f64,
        /// y (row) coordinate.
        y: f64,
        /// Image width.
        width: usize,
        /// Image height.
        height: usize,
    },
    /// A shape has the wrong number of points for its type.
    #[error("{file}: shape {shape}: a {shape_type} needs {expected} points, found {found}")]
    WrongPointCount {
        /// The file.
        file: PathBuf,
        /// Shape index.
        shape: usize,
        /// The shape type.
        shape_type: &'static str,
        /// What the type needs, in words ("at least 3", "exactly 2").
        expected: &'static str,
        /// How many points the shape has.
        found: usize,
    },
    /// A shape type this crate does not rasterise (labelme's `mask`, a typo, ...).
    #[error(
        "{file}: shape {shape}: unknown shape_type {shape_type:?} (expected polygon, rectangle, circle, line, linestrip or point)"
    )]
    UnknownShapeType {
        /// The file.
        file: PathBuf,
        /// Shape index.
        shape: usize,
        /// The type found.
        shape_type: String,
    },
    /// A shape's label has no class value in the label map.
    #[error("{file}: shape {shape}: label {label:?} has no class value (known: {known})")]
    UnknownLabel {
        /// The file.
        file: PathBuf,
        /// Shape index.
        shape: usize,
        /// The label.
        label: String,
        /// The labels the map knows, comma separated.
        known: String,
    },
    /// The image size declared by the annotation disagrees with the caller's image.
    #[error(
        "{file}: annotation is for a {declared_width}×{declared_height} image, expected {width}×{height}"
    )]
    ImageSizeMismatch {
        /// The file.
        file: PathBuf,
        /// Width the file declares (`imageWidth` or the embedded image).
        declared_width: usize,
        /// Height the file declares.
        declared_height: usize,
        /// Width the caller expects.
        width: usize,
        /// Height the caller expects.
        height: usize,
    },
    /// `imageWidth`/`imageHeight` and the embedded `imageData` disagree.
    #[error(
        "{file}: imageWidth×imageHeight {declared_width}×{declared_height} disagrees with the embedded image {data_width}×{data_height}"
    )]
    InconsistentImageSize {
        /// The file.
        file: PathBuf,
        /// Declared width.
        declared_width: usize,
        /// Declared height.
        declared_height: usize,
        /// Width of the embedded image.
        data_width: usize,
        /// Height of the embedded image.
        data_height: usize,
    },
    /// The file gives no image size: neither `imageWidth`/`imageHeight` nor `imageData`.
    #[error("{file}: no image size (no imageWidth/imageHeight and no imageData)")]
    MissingImageSize {
        /// The file.
        file: PathBuf,
    },
    /// An image size is zero, larger than [`crate::labelme::MAX_IMAGE_SIDE`] a side or than
    /// [`crate::labelme::MAX_IMAGE_PIXELS`] in all.
    #[error(
        "{file}: image size {width}×{height} is empty or larger than {max} pixels a side or {} pixels in all",
        crate::labelme::MAX_IMAGE_PIXELS
    )]
    BadImageSize {
        /// The file.
        file: PathBuf,
        /// Width.
        width: usize,
        /// Height.
        height: usize,
        /// The largest side accepted.
        max: usize,
    },
    /// `imageData` is not valid base64.
    #[error("{file}: imageData is not valid base64")]
    Base64 {
        /// The file.
        file: PathBuf,
        /// The decoder's complaint.
        #[source]
        source: base64::DecodeError,
    },
    /// `imageData` decodes to bytes that are not a readable image.
    #[error("{file}: imageData is not a readable image")]
    ImageData {
        /// The file.
        file: PathBuf,
        /// The image decoder's complaint.
        #[source]
        source: image::ImageError,
    },
    /// Two arrays that must have the same size do not.
    #[error("{what}: expected {expected_rows}×{expected_cols} (rows×cols), found {rows}×{cols}")]
    SizeMismatch {
        /// Which array.
        what: &'static str,
        /// Expected rows.
        expected_rows: usize,
        /// Expected columns.
        expected_cols: usize,
        /// Rows found.
        rows: usize,
        /// Columns found.
        cols: usize,
    },
    /// A pixel of a class mask holds a value other than 0 (BG), 1 (NM) or 2 (M).
    #[error("class mask pixel ({row}, {col}) holds {value}, not 0 (BG), 1 (NM) or 2 (M)")]
    InvalidClassValue {
        /// Row.
        row: usize,
        /// Column.
        col: usize,
        /// The value.
        value: u8,
    },
    /// A pixel is marked both metastasis and non-metastatic hotspot.
    #[error("pixel ({row}, {col}) is marked both M and NM; M must never be overwritten by NM")]
    MetastasisOverwritten {
        /// Row.
        row: usize,
        /// Column.
        col: usize,
    },
    /// A threshold was asked of an empty image.
    #[error("cannot threshold an empty image")]
    EmptyImage,
    /// The value range is so narrow that 256 bins would not have distinct float32 edges
    /// (numpy's "Too many bins for data range"; scikit-image refuses such images too).
    #[error("value range [{min}, {max}] is too narrow for {bins} distinct float32 histogram bins")]
    RangeTooNarrow {
        /// Smallest value.
        min: f32,
        /// Largest value.
        max: f32,
        /// Bins asked for.
        bins: usize,
    },
    /// A histogram given for an image does not count its pixels.
    #[error("histogram counts {counted} pixels, the image has {pixels}")]
    HistogramMismatch {
        /// Pixels of the image.
        pixels: usize,
        /// Sum of the histogram.
        counted: u64,
    },
    /// An image value is NaN or infinite.
    #[error("image value {index} (row-major) is not finite")]
    NonFiniteValue {
        /// Row-major index of the value.
        index: usize,
    },
    /// A probability threshold outside (0, 1].
    #[error("probability threshold {threshold} must lie in (0, 1]")]
    BadThreshold {
        /// The threshold given.
        threshold: f32,
    },
    /// A label map specification such as `metastasis=1,artifact=2` is malformed.
    #[error("label map {spec:?}: {reason}")]
    BadLabelMap {
        /// The specification.
        spec: String,
        /// What is wrong.
        reason: String,
    },
    /// A class PNG could not be written or read.
    #[error("{file}: cannot write or read the class PNG")]
    Png {
        /// The file.
        file: PathBuf,
        /// The image codec's error.
        #[source]
        source: image::ImageError,
    },
    /// A PNG read as a class mask is not 8-bit single-channel.
    #[error("{file}: not an 8-bit single-channel class PNG ({color})")]
    NotClassPng {
        /// The file.
        file: PathBuf,
        /// The colour type found.
        color: String,
    },
}

/// Result type of bs-masks.
pub type Result<T> = std::result::Result<T, MaskError>;
