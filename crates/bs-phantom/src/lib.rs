//! A synthetic whole-body Tc-99m MDP bone-scan cohort shaped like the paper's data sets D1–D4.
//!
//! The paper's 200 patients (Section 3.1, Table 1: D1 90 breast with metastasis, D2 10 breast
//! without, D3 50 prostate with, D4 50 prostate without) are private, so this crate generates a
//! stand-in: anterior and posterior `1024 × 256` count views from one 3-D-ish body per patient,
//! with Poisson noise at the count level of a real scan, bone metastases (class M) with exact
//! ground truth, and the unlabelled confounders the paper blames for its errors (Section 5:
//! kidneys, bladder, injection sites, motion, fractures; catheters, urine bags and diapers in
//! prostate patients). Cohorts are written as 2-frame NM DICOM, Labelme 4.5.9 JSON, exact mask
//! PNGs and a manifest ([`output`]).
//!
//! **What it models.** A skeleton of tubes and ellipses at anthropometric landmarks
//! ([`anatomy`], [`body`]) with per-patient height, build, pose and uptake; every structure
//! has a depth, and each camera sees `activity · exp(-μ d)` (μ = 0.09 /cm) blurred by a
//! depth-dependent PSF, so the spine is brighter in PA and the sternum in AP; PA is mirrored
//! as acquired. Lesions ([`lesion`]) follow clinical site frequencies, sizes, shapes and
//! contrasts (1.5–10× local bone); they are labelled in a view only when the Rose criterion
//! says an observer could see them there.
//!
//! **How it is calibrated.** The count scale makes each anterior view's mean the patient's
//! count level (log-normal around 13.7 counts/pixel, NM1's mean); bone, soft-tissue and
//! organ activities were tuned so that the percentiles, body fraction and row profile of the
//! anterior views match the NEMA NM1 scan ([`stats::ViewStats`], `tests/nm1_calibration.rs`),
//! and so do its noise, texture, landmark contrasts and chest profile ([`realism`],
//! `tests/nm1_realism.rs`).
//!
//! **Determinism.** Patient `i` of a cohort with seed `s` draws from its own ChaCha8 streams
//! keyed by `(s, i)`: same seed, same bytes, whatever the thread count.
//!
//! ```
//! use bs_phantom::{generate_patient, CohortSpec, Group};
//!
//! let spec = CohortSpec::small();
//! let first = &spec.patients()[0];
//! assert_eq!(first.group, Group::D1);
//! let patient = generate_patient(7, first, &spec.phantom);
//! assert_eq!(patient.anterior.dim(), (1024, 256));
//! assert!(!patient.lesions.is_empty());
//! // the merged AP‖PA grid of the Labelme documents and masks
//! assert_eq!(patient.lesion_mask().dim(), (1024, 512));
//! ```

pub mod anatomy;
mod blur;
pub mod body;
pub mod cohort;
pub mod config;
pub mod confounder;
pub mod error;
pub mod images;
pub mod insert;
pub mod labelme;
pub mod lesion;
pub mod output;
pub mod patient;
pub mod poisson;
mod raster;
pub mod realism;
mod rng;
pub mod stats;
mod texture;
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
pub use realism::Realism;
pub use stats::ViewStats;

/// Rows of one view (the paper's raw matrix is 1024 × 256).
pub const VIEW_ROWS: usize = 1024;
/// Columns of one view.
pub const VIEW_COLS: usize = 256;
/// Pixel spacing in mm (as in the NEMA NM1 whole-body scan).
pub const PIXEL_SPACING_MM: f64 = 2.26;
