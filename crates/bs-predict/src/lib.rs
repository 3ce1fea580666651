//! Apply a trained bonescan model to new whole-body bone scans.
//!
//! The paper this workspace reproduces (Liu et al., *Bone metastasis segmentation in
//! whole-body bone scans of breast cancer patients with a modified Double U-Net*) aims at
//! "pre-diagnostic reports for physicians" (Sections 1 and 5). This crate is that last step:
//! it loads the networks that bs-train cross-validated (Sections 3.6, 4), prepares a new scan
//! exactly as the training data were prepared (Section 3.3), segments it (three-class
//! BG/NM/M, or the binary baseline), maps the metastasis mask back to the original 1024×256
//! views and writes, per scan, `overlay.png`, `mask_anterior.png`, `mask_posterior.png`,
//! `report.json` and a DICOM Segmentation `seg.dcm` ([`outputs`]).
//!
//! | step | module |
//! |---|---|
//! | find folds, network and preprocessing of a run directory or checkpoint | [`model::source`] |
//! | averaged probabilities of the folds (ensemble) | [`model::ensemble`] |
//! | read → prepare → segment → original geometry | [`predictor`] |
//! | lesions, areas, hotspots, body fraction, regions | [`report`], [`regions`] |
//! | overlay and mask PNGs (written by [`outputs`]) | `render` (internal) |
//! | DICOM SEG | [`seg`] |
//! | directories of scans (views in separate files paired), overlapped decoding, network and writing, per-file errors | [`batch`] |
//!
//! # Example
//!
//! ```no_run
//! use bs_predict::{batch, model, PredictConfig, Predictor};
//! use std::path::{Path, PathBuf};
//!
//! # fn main() -> Result<(), bs_predict::PredictError> {
//! // all folds of the first arm of a bs-train run directory, averaged
//! let spec = model::resolve(&model::ModelRequest::new("runs/table3"))?;
//! let predictor = Predictor::new(&spec, PredictConfig::default())?;
//! let scans = batch::collect_scans(&[PathBuf::from("new_scans/")])?;
//! let summary = batch::predict_all(&predictor, &scans, Path::new("predictions"), &|_, _| {})?;
//! println!("{} scans done, {} failed", summary.succeeded, summary.failed);
//! # Ok(())
//! # }
//! ```
//!
//! The output is research software output for review by a physician, never a diagnosis;
//! every report says so.

pub mod batch;
mod config;
pub mod decision;
pub mod error;
pub mod model;
pub mod outputs;
pub mod predictor;
pub mod regions;
mod render;
pub mod report;
pub mod seg;

pub use config::PredictConfig;
pub use decision::MDecision;
pub use error::{PredictError, Result};
pub use model::{resolve, Ensemble, FoldSelection, ModelIdentity, ModelRequest, ModelSpec};
pub use predictor::{Predictor, PreparedInput, ScanPreparer, Segmentation};
pub use regions::Region;
pub use report::ScanReport;
