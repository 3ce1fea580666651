//! The one error type of `bs-dicom`: every variant names the file and what is wrong with it.

use std::path::{Path, PathBuf};

/// Why a bone scan could not be read or written.
///
/// Every variant carries the path of the file concerned (for [`read_scan_bytes`](crate::read_scan_bytes)
/// the caller-supplied name), so a report over a directory of clinic exports says which file failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DicomError {
    /// No file was given to [`read_scan_files`](crate::read_scan_files).
    #[error("no files given: a scan needs at least one file holding the anterior view")]
    NoFiles,
    /// The operating system could not open or read (or write) the file.
    #[error("{}: cannot {action}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What could not be done ("read", "stat", "list directory").
        action: &'static str,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than [`ReadOptions::max_file_bytes`](crate::ReadOptions).
    #[error("{}: file is {size} bytes, over the {limit}-byte limit for one bone scan", path.display())]
    FileTooLarge {
        /// The file.
        path: PathBuf,
        /// Its size in bytes.
        size: u64,
        /// The limit in force.
        limit: u64,
    },
    /// The file is neither DICOM (no `DICM` magic) nor a PNG/JPEG view image.
    #[error("{}: not a DICOM file: {reason}", path.display())]
    NotDicom {
        /// The file.
        path: PathBuf,
        /// What was found instead.
        reason: String,
    },
    /// The byte structure is broken: truncated, an element declaring more bytes than the file
    /// holds, a broken sequence, or a parse error of the DICOM reader.
    #[error("{}: malformed DICOM at byte {offset}: {reason}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// Byte offset in the file (in the inflated data set for deflated files) where the
        /// problem was found; 0 when the DICOM reader does not say.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// The object is not nuclear medicine (Modality is not `NM`).
    #[error("{}: modality is {found:?}, expected \"NM\" (nuclear medicine)", path.display())]
    WrongModality {
        /// The file.
        path: PathBuf,
        /// The Modality (0008,0060) found ("" when absent).
        found: String,
    },
    /// A required attribute is absent.
    #[error("{}: missing required attribute {name}", path.display())]
    MissingAttribute {
        /// The file.
        path: PathBuf,
        /// Attribute keyword and tag, e.g. `Rows (0028,0010)`.
        name: &'static str,
    },
    /// An attribute holds a value this reader cannot use.
    #[error("{}: invalid {name}: {reason}", path.display())]
    InvalidAttribute {
        /// The file.
        path: PathBuf,
        /// Attribute keyword and tag.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The object has no Pixel Data (7FE0,0010).
    #[error("{}: no Pixel Data (7FE0,0010) element", path.display())]
    NoPixelData {
        /// The file.
        path: PathBuf,
    },
    /// The number of frames is not 1 or 2.
    #[error(
        "{}: {frames} frames; a whole-body scan file holds 1 (one view, or both side by side) or 2 (anterior and posterior)",
        path.display()
    )]
    FrameCount {
        /// The file.
        path: PathBuf,
        /// Number of Frames found.
        frames: u64,
    },
    /// Rows × Columns × Frames × bytes per sample exceeds
    /// [`ReadOptions::max_image_bytes`](crate::ReadOptions); checked before any decoding.
    #[error(
        "{}: declared image {rows}×{columns}×{frames} frames at {bits_allocated} bits needs {bytes} bytes, over the {limit}-byte limit",
        path.display()
    )]
    ImageTooLarge {
        /// The file.
        path: PathBuf,
        /// Rows (0028,0010).
        rows: u64,
        /// Columns (0028,0011).
        columns: u64,
        /// Number of Frames.
        frames: u64,
        /// Bits Allocated (0028,0100).
        bits_allocated: u64,
        /// Bytes the declared image needs.
        bytes: u64,
        /// The limit in force.
        limit: u64,
    },
    /// The (native) pixel data is shorter than the declared geometry needs.
    #[error(
        "{}: Pixel Data holds {found} bytes, but the declared {rows}×{columns}×{frames} frames need {expected}",
        path.display()
    )]
    PixelDataSize {
        /// The file.
        path: PathBuf,
        /// Rows.
        rows: u64,
        /// Columns.
        columns: u64,
        /// Frames.
        frames: u64,
        /// Bytes needed.
        expected: u64,
        /// Bytes present.
        found: u64,
    },
    /// The transfer syntax has no decoder in this build.
    #[error("{}: transfer syntax {name} ({uid}) is not supported: {reason}", path.display())]
    UnsupportedTransferSyntax {
        /// The file.
        path: PathBuf,
        /// Transfer Syntax UID.
        uid: String,
        /// Its name, or "unknown".
        name: String,
        /// Why (no decoder in this build, unknown UID, ...).
        reason: String,
    },
    /// Samples per pixel, bit depth or photometric interpretation is not a count image.
    #[error("{}: unsupported pixel format: {reason}", path.display())]
    UnsupportedPixelFormat {
        /// The file.
        path: PathBuf,
        /// What was found.
        reason: String,
    },
    /// [`ScanReader::read_counts`](crate::ScanReader::read_counts) was asked for 16-bit
    /// integer counts, but the pixel values are not (negative, rescaled to fractions, or above
    /// 65535); [`read_scan`](crate::read_scan) reads them as `f32`.
    #[error("{}: pixel values are not 16-bit integer counts: {detail}", path.display())]
    NotIntegerCounts {
        /// The file.
        path: PathBuf,
        /// The first offending value and where it is.
        detail: String,
    },
    /// The codec failed on the encapsulated pixel data.
    #[error("{}: pixel data could not be decoded: {detail}", path.display())]
    Decode {
        /// The file.
        path: PathBuf,
        /// The decoder's message.
        detail: String,
    },
    /// A PNG/JPEG view image could not be read.
    #[error("{}: cannot read view image: {detail}", path.display())]
    Raster {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// The views found in the files do not make one scan (no anterior, two anteriors, views of
    /// different size, more than two views).
    #[error("{}: {detail}", path.display())]
    Views {
        /// The first file of the set.
        path: PathBuf,
        /// What is wrong with the set of views.
        detail: String,
    },
    /// Input given to the writer is inconsistent (views of different shape, bad UID, ...).
    #[error("{}: cannot write whole-body NM object: {detail}", path.display())]
    InvalidWriteInput {
        /// The file that was to be written.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// A DICOM Segmentation cannot serve as labels: not a SEG, an unsupported encoding, or
    /// frames that do not match the scan they are to label.
    #[error("{}: DICOM SEG: {detail}", path.display())]
    Segmentation {
        /// The SEG file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The DICOM writer failed.
    #[error("{}: writing DICOM failed: {detail}", path.display())]
    Write {
        /// The file that was being written.
        path: PathBuf,
        /// The writer's message.
        detail: String,
    },
}

impl DicomError {
    /// The file this error is about (`None` only for [`DicomError::NoFiles`]).
    pub fn path(&self) -> Option<&Path> {
        match self {
            DicomError::NoFiles => None,
            DicomError::Io { path, .. }
            | DicomError::FileTooLarge { path, .. }
            | DicomError::NotDicom { path, .. }
            | DicomError::Malformed { path, .. }
            | DicomError::WrongModality { path, .. }
            | DicomError::MissingAttribute { path, .. }
            | DicomError::InvalidAttribute { path, .. }
            | DicomError::NoPixelData { path }
            | DicomError::FrameCount { path, .. }
            | DicomError::ImageTooLarge { path, .. }
            | DicomError::PixelDataSize { path, .. }
            | DicomError::UnsupportedTransferSyntax { path, .. }
            | DicomError::UnsupportedPixelFormat { path, .. }
            | DicomError::NotIntegerCounts { path, .. }
            | DicomError::Decode { path, .. }
            | DicomError::Raster { path, .. }
            | DicomError::Views { path, .. }
            | DicomError::InvalidWriteInput { path, .. }
            | DicomError::Segmentation { path, .. }
            | DicomError::Write { path, .. } => Some(path),
        }
    }
}

/// An error and its causes on one line (`error: cause: cause`), as batch summaries, reports
/// and notes list them. Each of bonescan's messages states only its own level; a cause whose
/// text the line already holds (another crate's error repeating its own cause) is not repeated.
pub fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Result alias of this crate.
pub type Result<T, E = DicomError> = std::result::Result<T, E>;
