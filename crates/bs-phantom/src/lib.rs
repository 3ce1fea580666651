//! A synthetic whole-body Tc-99m MDP bone-scan cohort shaped like the paper's data sets D1–D4.
//!
//! (crate documentation is completed below)

pub mod anatomy;
mod blur;
pub mod body;
pub mod cohort;
pub mod config;
pub mod confounder;
pub mod error;
pub mod images;
pub mod labelme;
pub mod lesion;
pub mod output;
pub mod patient;
pub mod poisson;
mod raster;
mod rng;
pub mod stats;
pub mod trace;

pub use anatomy::Site;
pub use body::{BodyParams, Sex, Side};
pub use cohort::{generate_cohort, CohortSpec, GroupSizes};
pub use config::PhantomConfig;
pub use confounder::{Confounder, ConfounderKind};
pub use error::{PhantomError, Result};
pub use lesion::{Cancer, Lesion, LesionShape};
pub use output::{write_cohort, CohortManifest, ManifestEntry};
pub use patient::{generate_patient, Group, PatientSpec, SyntheticPatient};
pub use stats::ViewStats;

/// Rows of one view (the paper's raw matrix is 1024 × 256).
pub const VIEW_ROWS: usize = 1024;
/// Columns of one view.
pub const VIEW_COLS: usize = 256;
/// Pixel spacing in mm (as in the NEMA NM1 whole-body scan).
pub const PIXEL_SPACING_MM: f64 = 2.26;
