//! The typed result of reading: one whole-body scan with its views and metadata.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::view::{CountStats, View};

/// One whole-body bone scan: the anterior view, the posterior view when the files hold one,
/// and the metadata. Counts are `f32` by default; `WholeBodyScan<u16>` holds them as the stored
/// 16-bit integers ([`ScanReader::read_counts`](crate::ScanReader::read_counts)).
#[derive(Debug, Clone, PartialEq)]
pub struct WholeBodyScan<P = f32> {
    /// Anterior view (always present: a scan without it is refused).
    pub anterior: View<P>,
    /// Posterior view, when the files hold one (same shape as the anterior view).
    pub posterior: Option<View<P>>,
    /// Patient, study, device and acquisition facts.
    pub meta: ScanMeta,
}

impl<P> WholeBodyScan<P> {
    /// The views present, anterior first.
    pub fn views(&self) -> impl Iterator<Item = &View<P>> {
        std::iter::once(&self.anterior).chain(self.posterior.as_ref())
    }
}

impl WholeBodyScan<u16> {
    /// The scan with `f32` counts: what [`read_scan`](crate::read_scan) gives for the same
    /// files.
    pub fn to_f32(&self) -> WholeBodyScan {
        WholeBodyScan {
            anterior: self.anterior.to_f32(),
            posterior: self.posterior.as_ref().map(View::to_f32),
            meta: self.meta.clone(),
        }
    }
}

/// A patient's name, kept out of `Debug` and `Display` output so that logs and reports never
/// print it by accident; [`PatientName::reveal`] gives it when asked.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientName(String);

impl PatientName {
    /// Wraps a name.
    pub fn new(name: impl Into<String>) -> Self {
        PatientName(name.into())
    }

    /// The name itself (DICOM PN form, `Family^Given`).
    pub fn reveal(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PatientName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PatientName(<redacted>)")
    }
}

impl std::fmt::Display for PatientName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// What kind of file a view came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceFormat {
    /// A DICOM object.
    Dicom,
    /// A PNG image (8- or 16-bit grey).
    Png,
    /// A JPEG image.
    Jpeg,
}

/// Facts about one file of a scan, as `dicom-dump` would show them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceFile {
    /// The file.
    pub path: PathBuf,
    /// DICOM, PNG or JPEG.
    pub format: SourceFormat,
    /// Modality (0008,0060).
    pub modality: Option<String>,
    /// SOP Class UID (0008,0016).
    pub sop_class_uid: Option<String>,
    /// SOP Instance UID (0008,0018).
    pub sop_instance_uid: Option<String>,
    /// Rows of a frame.
    pub rows: usize,
    /// Columns of a frame.
    pub columns: usize,
    /// Number of frames.
    pub frames: usize,
    /// Transfer Syntax UID (DICOM only).
    pub transfer_syntax_uid: Option<String>,
    /// Transfer syntax name (DICOM only).
    pub transfer_syntax_name: Option<String>,
    /// Bits per stored sample (8 or 16).
    pub bits_allocated: u16,
    /// Whether samples are signed (Pixel Representation 1).
    pub signed: bool,
}

/// Count statistics of the views of a scan.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScanCounts {
    /// Anterior view.
    pub anterior: CountStats,
    /// Posterior view, when present.
    pub posterior: Option<CountStats>,
}

/// Patient, study, device and acquisition metadata of a scan (from the file holding the
/// anterior view).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanMeta {
    /// Patient ID (0010,0020), or its pseudonym when read with `deidentify`.
    pub patient_id: Option<String>,
    /// Patient's Name (0010,0010); `None` when de-identified. Redacted in `Debug`.
    pub patient_name: Option<PatientName>,
    /// Whether identifiers were replaced on reading.
    pub deidentified: bool,
    /// Study Instance UID (0020,000D).
    pub study_instance_uid: Option<String>,
    /// Series Instance UID (0020,000E).
    pub series_instance_uid: Option<String>,
    /// Study Date (0008,0020), `YYYYMMDD`.
    pub study_date: Option<String>,
    /// Manufacturer (0008,0070).
    pub manufacturer: Option<String>,
    /// Manufacturer's Model Name (0008,1090).
    pub model: Option<String>,
    /// Pixel Spacing (0028,0030), row spacing then column spacing, in mm.
    pub pixel_spacing_mm: Option<[f64; 2]>,
    /// Radionuclide: Radionuclide Code Sequence meaning, else GE's private name (e.g. `Tc99m`).
    pub radionuclide: Option<String>,
    /// Radiopharmaceutical (0018,0031), e.g. `Tc-99m MDP`.
    pub radiopharmaceutical: Option<String>,
    /// Count statistics of each view.
    pub counts: ScanCounts,
    /// The files of the scan, in the order given.
    pub files: Vec<SourceFile>,
}
