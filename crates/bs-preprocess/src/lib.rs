//! Bone-scan preprocessing: body range, 950×256 cut, brightness normalisation, AP‖PA 640×512.
//!
//! Implements Section 3.3 (image pre-processing) of Liu et al., "Bone metastasis segmentation in
//! whole-body bone scans of breast cancer patients with a modified Double U-Net" (the paper this
//! workspace reproduces).

mod body_range;
mod brightness;
mod config;
mod cut;
pub mod dataset;
mod error;
mod fast;
mod geometry;
mod labels;
mod preview;
mod scan;

pub use body_range::{
    body_range, body_threshold, mean_and_max, profile_span, profiles, range_from_profiles,
    threshold_from_stats, BodyRange, Profiles,
};
pub use brightness::{apply_gain, apply_gain_in_place, fit_gain, BrightnessReport};
pub use config::{
    BodyRangeConfig, BodyThreshold, BrightnessConfig, MeanRegion, PrepareConfig, TallBodyPolicy,
};
pub use cut::{centre_shift, plan_view};
pub use error::{ConfigError, PrepareError, Result, ViewSide};
pub use geometry::{MappedRect, ScanGeometry, ViewGeometry};
pub use labels::{labelme_to_prepared, mask_to_prepared, otsu_three_class, LabelSpace};
pub use preview::write_preview;
pub use scan::{prepare_scan, PreparedScan, PreparedView, Preprocessor};
