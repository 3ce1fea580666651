//! `manifest.json` of a prepared data set: one entry per scan, in the order of the arrays.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::brightness::BrightnessReport;
use crate::config::PrepareConfig;
use crate::error::{PrepareError, Result};
use crate::geometry::ScanGeometry;

/// Value of [`Manifest::format`] this version writes and reads. Version 2: `body.npy` is the
/// air/body Otsu mask on `ln(1 + x)` (version 1 thresholded linear intensities, which kept
/// mostly bone); the bump makes an incremental run redo version-1 data sets.
pub const FORMAT: &str = "bonescan-prepared/2";

/// How NM pixels are derived when the data set is consumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum NmMode {
    /// `body.npy` holds the Otsu body mask of each prepared image (Section 3.4 (a)).
    #[default]
    Otsu,
    /// No body masks (`body.npy` is all zero): NM comes from elsewhere (negative mining).
    None,
}

/// Identity and freshness of one input file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFingerprint {
    /// The file as given.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Modification time, nanoseconds since the Unix epoch (0 where the platform has none).
    pub modified_ns: u128,
    /// SHA-256 of the content, lower-case hex.
    pub sha256: String,
}

impl SourceFingerprint {
    /// `(bytes, modified_ns)` of a file, without reading it.
    pub fn stat(path: &Path) -> Result<(u64, u128)> {
        let meta = std::fs::metadata(path).map_err(|e| PrepareError::io(path, e))?;
        let modified_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        Ok((meta.len(), modified_ns))
    }

    /// Stats and hashes a file.
    pub fn of(path: &Path) -> Result<Self> {
        let (bytes, modified_ns) = Self::stat(path)?;
        let content = std::fs::read(path).map_err(|e| PrepareError::io(path, e))?;
        Ok(Self {
            path: path.to_path_buf(),
            bytes,
            modified_ns,
            sha256: sha256_hex(&content),
        })
    }
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Patient facts carried into the data set (the trainer splits and weighs by them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PatientInfo {
    /// Patient ID (synthetic for the phantom cohort, from DICOM otherwise).
    pub patient_id: String,
    /// Data set group of the paper's Table 1: "D1".."D4", when known.
    pub group: Option<String>,
    /// Primary cancer ("breast", "prostate"), when known.
    pub cancer: Option<String>,
    /// Whether the patient has bone metastases, when known.
    pub metastatic: Option<bool>,
    /// Fold the patient is pinned to (1-based), from the cohort table's `split` column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<u32>,
    /// The cohort table's other columns, by header name.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub extra: std::collections::BTreeMap<String, String>,
}

/// One prepared scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Unique id within the data set (file stem of the scan).
    pub id: String,
    /// Patient facts.
    #[serde(flatten)]
    pub patient: PatientInfo,
    /// DICOM files of the scan.
    pub sources: Vec<SourceFingerprint>,
    /// Label file (Labelme JSON), if any.
    pub labels: Option<SourceFingerprint>,
    /// True when the scan had no posterior view (right half zero, see the crate doc).
    pub posterior_missing: bool,
    /// Geometry mapping prepared ↔ source view pixels.
    pub geometry: ScanGeometry,
    /// Brightness normalisation of the anterior view.
    pub anterior_brightness: BrightnessReport,
    /// Brightness normalisation of the posterior view.
    pub posterior_brightness: Option<BrightnessReport>,
    /// Pixels of class M in `lesion.npy`.
    pub lesion_pixels: usize,
    /// Pixels of the Otsu body in `body.npy`.
    pub body_pixels: usize,
    /// Otsu threshold of the prepared image (`None` with [`NmMode::None`]).
    pub otsu_threshold: Option<f32>,
}

/// The whole manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// The preprocessing configuration.
    pub config: PrepareConfig,
    /// How labels were read: `label → value` (non-zero values are M).
    pub lesion_labels: Vec<(String, u8)>,
    /// How NM is derived.
    pub nm: NmMode,
    /// SHA-256 over config, labels and NM mode: entries are reused only when it is unchanged.
    pub config_hash: String,
    /// Rows of every image (640).
    pub rows: usize,
    /// Columns of every image (512).
    pub cols: usize,
    /// One entry per scan, in array order.
    pub entries: Vec<Entry>,
}

impl Manifest {
    /// The hash identifying what produced a data set.
    pub fn hash_of(config: &PrepareConfig, lesion_labels: &[(String, u8)], nm: NmMode) -> String {
        let text =
            serde_json::to_string(&(FORMAT, config, lesion_labels, nm)).expect("serialisable");
        sha256_hex(text.as_bytes())
    }

    /// Reads and checks `manifest.json`.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| PrepareError::io(path, e))?;
        let bad = |reason: String| PrepareError::Manifest {
            path: path.into(),
            reason,
        };
        let m: Manifest = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        if m.format != FORMAT {
            return Err(bad(format!("format {:?}, expected {FORMAT:?}", m.format)));
        }
        m.config.validate().map_err(|e| bad(e.to_string()))?;
        if (m.rows, m.cols) != m.config.prepared_shape() {
            return Err(bad(format!(
                "image shape {}×{} disagrees with the config",
                m.rows, m.cols
            )));
        }
        let mut ids = std::collections::HashSet::new();
        for e in &m.entries {
            if !ids.insert(e.id.as_str()) {
                return Err(bad(format!("duplicate entry id {:?}", e.id)));
            }
        }
        Ok(m)
    }

    /// Writes `manifest.json` (pretty JSON).
    pub fn write(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self).expect("serialisable");
        std::fs::write(path, text).map_err(|e| PrepareError::io(path, e))
    }
}
