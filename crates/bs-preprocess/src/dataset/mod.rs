//! The on-disk prepared data set and its batch, incremental builder.
//!
//! A directory holding:
//!
//! | file | content |
//! |---|---|
//! | `images.npy` | `float32` little-endian, `N × 640 × 512`, intensities 0..255 |
//! | `lesion.npy` | `uint8`, `N × 640 × 512`, 1 = metastasis (M) |
//! | `body.npy` | `uint8`, `N × 640 × 512`, 1 = Otsu body (all 0 with `--nm none`) |
//! | `manifest.json` | [`Manifest`]: config and its hash, one [`Entry`] per scan in array order |
//! | `previews/<id>.png` | the image with M (red) and NM (green) overlaid |
//!
//! Arrays are NumPy `.npy` v1.0 (`np.load` reads them; [`PreparedDataset::load`] reads each
//! with one sequential pass). NM is not stored: three-class masks are `NM = body ∖ M`, built by
//! [`PreparedDataset::three_class`].

mod build;
mod cohort_table;
mod discover;
mod load;
mod manifest;
pub mod npy;

pub use build::{build_dataset, BuildOptions, BuildReport, CohortItem, Freshness, ScanFailure};
pub use cohort_table::{
    Cancer, CohortError, CohortMatch, CohortRow, CohortTable, Group, RowError, RowProblem,
};
pub use discover::{dicom_files, discover_cohort, phantom_layout, read_cohort_manifest};
pub use load::{NmSource, PreparedDataset};
pub use manifest::{sha256_hex, Entry, Manifest, NmMode, PatientInfo, SourceFingerprint, FORMAT};

/// File name of the image array.
pub const IMAGES_FILE: &str = "images.npy";
/// File name of the lesion (M) array.
pub const LESION_FILE: &str = "lesion.npy";
/// File name of the Otsu body array.
pub const BODY_FILE: &str = "body.npy";
/// File name of the manifest.
pub const MANIFEST_FILE: &str = "manifest.json";
/// Directory of the preview PNGs.
pub const PREVIEW_DIR: &str = "previews";
