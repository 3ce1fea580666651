//! bonescan: bone-metastasis segmentation of whole-body bone scans.
//!
//! This umbrella crate re-exports the member crates of the workspace as modules, in the order of
//! the paper (modified Double U-Net, 3-class BG/NM/M segmentation of whole-body bone scans):
//!
//! | module | crate | paper |
//! |---|---|---|
//! | [`dicom`] | `bs-dicom` | §3.1 materials (AP/PA DICOM views) |
//! | [`phantom`] | `bs-phantom` | §3.1 Table 1 cohort, synthetic |
//! | [`preprocess`] | `bs-preprocess` | §3.3 pre-processing |
//! | [`masks`] | `bs-masks` | §3.2 labeling, §3.4 negative samples |
//! | [`model`] | `bs-model` | §3.6 Double U-Net |
//! | [`losses`] | `bs-losses` | §3.7 losses |
//! | [`metrics`] | `bs-metrics` | §3.8 metrics |
//! | [`train`] | `bs-train` | §3.4, §3.5, §4 experiments |
//! | [`predict`] | `bs-predict` | §1, §5 pre-diagnostic reports: a trained model on new scans |
//!
//! # Features
//!
//! - `torch` (default): the modules that link libtorch through `tch` — [`model`], [`losses`],
//!   [`train`], [`predict`] and `tch` itself. Without it
//!   (`bonescan = { version = "0.1", default-features = false }`) the crate builds without
//!   libtorch and gives [`dicom`], [`phantom`], [`preprocess`], [`masks`] and [`metrics`].

pub use bs_dicom as dicom;
#[cfg(feature = "torch")]
pub use bs_losses as losses;
pub use bs_masks as masks;
pub use bs_metrics as metrics;
#[cfg(feature = "torch")]
pub use bs_model as model;
pub use bs_phantom as phantom;
#[cfg(feature = "torch")]
pub use bs_predict as predict;
pub use bs_preprocess as preprocess;
#[cfg(feature = "torch")]
pub use bs_train as train;
#[cfg(feature = "torch")]
pub use tch;
