//! [`PrepareConfig`]: every choice of Section 3.3 the paper leaves open, validated.

use serde::{Deserialize, Serialize};

use crate::error::ConfigError;

/// How the body threshold of the projection profile is chosen (in raw counts).
///
/// A pixel is "body" when its count is strictly greater than the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum BodyThreshold {
    /// `t = f · mean(view)`. Scale-free, so it behaves the same for short and long acquisitions.
    /// Default `f = 0.25`: on NEMA NM1 (mean 13.7 counts) `t ≈ 3.4`, which keeps the scatter halo
    /// above the head (1–2 counts) out of the body range but every soft-tissue row in.
    FractionOfMean(f32),
    /// `t = f · max(view)`; sensitive to the bladder and injection sites, offered for comparison.
    FractionOfMax(f32),
    /// A fixed threshold in counts.
    Counts(f32),
}

/// What happens when the body is taller than the cut height (950 rows by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TallBodyPolicy {
    /// Keep the top of the body (the head): the rows lost are feet, which the 640-row crop drops anyway.
    KeepHead,
    /// Centre the body and lose equal parts at the head and the feet.
    Centre,
}

/// Which pixels of a view enter the mean intensity that brightness normalisation controls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeanRegion {
    /// The rows kept for the network (first `keep_rows` rows of the cut view, 640×256): the
    /// prepared view's mean is then the controlled quantity itself.
    KeptRows,
    /// The whole cut view (950×256, padding included), the order in which Section 3.3 lists the
    /// steps (normalise, then drop rows ≥ 640): the default.
    CutView,
    /// Only body pixels (above the body threshold) of the kept rows; a mean that does not depend
    /// on how much air surrounds the patient.
    BodyOfKeptRows,
}

/// Projection-profile body detection.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BodyRangeConfig {
    /// Threshold separating body from air, see [`BodyThreshold`].
    pub threshold: BodyThreshold,
    /// A row (column) belongs to the body when at least this many of its pixels exceed the threshold.
    pub min_pixels_per_line: usize,
    /// Runs of body rows (columns) shorter than this are noise (isolated hot pixels) and ignored.
    pub min_run: usize,
}

impl Default for BodyRangeConfig {
    fn default() -> Self {
        Self {
            threshold: BodyThreshold::FractionOfMean(0.25),
            min_pixels_per_line: 3,
            min_run: 4,
        }
    }
}

/// Brightness normalisation after Cheng et al. (paper ref. [14]).
///
/// A linear gain `g` maps counts to `y = q(clamp(g·x, 0, clip_max))` (`q` = rounding when
/// `quantise`), iterated `g ← g · target_mean / mean(y)` until `|mean(y) − target_mean| ≤ tolerance`;
/// the result must lie strictly inside `(target_low, target_high)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BrightnessConfig {
    /// Lower end of the open target interval (paper: 7).
    pub target_low: f64,
    /// Upper end of the open target interval (paper: 14).
    pub target_high: f64,
    /// The mean aimed at inside the interval (default: the midpoint 10.5).
    pub target_mean: f64,
    /// Pixels that enter the mean, see [`MeanRegion`].
    pub region: MeanRegion,
    /// Upper end of the output range (255: the 8-bit images the paper exported).
    pub clip_max: f32,
    /// Round to integers as an 8-bit export would (default true).
    pub quantise: bool,
    /// Stop once the mean is this close to `target_mean`.
    pub tolerance: f64,
    /// Give up after this many gain updates.
    pub max_iterations: usize,
    /// A view is saturated when at least this fraction of its body pixels equals its maximum.
    pub max_saturated_fraction: f64,
}

impl Default for BrightnessConfig {
    fn default() -> Self {
        Self {
            target_low: 7.0,
            target_high: 14.0,
            target_mean: 10.5,
            region: MeanRegion::CutView,
            clip_max: 255.0,
            quantise: true,
            tolerance: 0.05,
            max_iterations: 64,
            max_saturated_fraction: 0.5,
        }
    }
}

/// Every parameter of the preprocessing of Section 3.3.
///
/// Defaults reproduce the paper: body range by projection profile, 950×256 cut and centre
/// without scaling, brightness normalised to a mean in (7, 14), rows ≥ 640 dropped, AP‖PA → 640×512.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PrepareConfig {
    /// Rows of the cut-and-centred view (paper: 950).
    pub cut_rows: usize,
    /// Columns of the cut-and-centred view (paper: 256).
    pub cut_cols: usize,
    /// Rows kept for the network, counted from the top of the cut view (paper: 640, above the knees).
    pub keep_rows: usize,
    /// Mirror the posterior view left–right before cutting. Default `false`: the paper only says
    /// the views are "horizontally merged", and clinical displays show PA as acquired.
    pub mirror_posterior: bool,
    /// Body detection.
    pub body: BodyRangeConfig,
    /// What to do with bodies taller than `cut_rows`.
    pub tall_body: TallBodyPolicy,
    /// Brightness normalisation.
    pub brightness: BrightnessConfig,
}

impl Default for PrepareConfig {
    fn default() -> Self {
        Self {
            cut_rows: 950,
            cut_cols: 256,
            keep_rows: 640,
            mirror_posterior: false,
            body: BodyRangeConfig::default(),
            tall_body: TallBodyPolicy::KeepHead,
            brightness: BrightnessConfig::default(),
        }
    }
}

fn bad(field: &'static str, value: impl std::fmt::Display, reason: &'static str) -> ConfigError {
    ConfigError {
        field,
        value: value.to_string(),
        reason,
    }
}

impl PrepareConfig {
    /// Checks every field; the only way to get a [`crate::Preprocessor`] is through [`Self::init`].
    pub fn validate(&self) -> Result<(), ConfigError> {
        const MAX_SIDE: usize = 16_384;
        if self.cut_rows == 0 || self.cut_rows > MAX_SIDE {
            return Err(bad("cut_rows", self.cut_rows, "must be in 1..=16384"));
        }
        if self.cut_cols == 0 || self.cut_cols > MAX_SIDE {
            return Err(bad("cut_cols", self.cut_cols, "must be in 1..=16384"));
        }
        if self.keep_rows == 0 || self.keep_rows > self.cut_rows {
            return Err(bad("keep_rows", self.keep_rows, "must be in 1..=cut_rows"));
        }
        let t = match self.body.threshold {
            BodyThreshold::FractionOfMean(f) | BodyThreshold::FractionOfMax(f) => {
                if !(f.is_finite() && f > 0.0) {
                    return Err(bad("body.threshold", f, "fraction must be finite and > 0"));
                }
                f
            }
            BodyThreshold::Counts(c) => c,
        };
        if !(t.is_finite() && t >= 0.0) {
            return Err(bad("body.threshold", t, "must be finite and ≥ 0"));
        }
        if self.body.min_pixels_per_line == 0 {
            return Err(bad("body.min_pixels_per_line", 0, "must be ≥ 1"));
        }
        if self.body.min_run == 0 {
            return Err(bad("body.min_run", 0, "must be ≥ 1"));
        }
        let b = &self.brightness;
        if !(b.clip_max.is_finite() && b.clip_max > 0.0) {
            return Err(bad(
                "brightness.clip_max",
                b.clip_max,
                "must be finite and > 0",
            ));
        }
        if !(b.target_low.is_finite() && b.target_low >= 0.0) {
            return Err(bad(
                "brightness.target_low",
                b.target_low,
                "must be finite and ≥ 0",
            ));
        }
        if !(b.target_high.is_finite()
            && b.target_high > b.target_low
            && b.target_high <= b.clip_max as f64)
        {
            return Err(bad(
                "brightness.target_high",
                b.target_high,
                "must be finite, > target_low and ≤ clip_max",
            ));
        }
        if !(b.target_mean > b.target_low && b.target_mean < b.target_high) {
            return Err(bad(
                "brightness.target_mean",
                b.target_mean,
                "must lie strictly inside (target_low, target_high)",
            ));
        }
        if !(b.tolerance.is_finite() && b.tolerance > 0.0) {
            return Err(bad(
                "brightness.tolerance",
                b.tolerance,
                "must be finite and > 0",
            ));
        }
        if b.max_iterations == 0 || b.max_iterations > 10_000 {
            return Err(bad(
                "brightness.max_iterations",
                b.max_iterations,
                "must be in 1..=10000",
            ));
        }
        if !(b.max_saturated_fraction > 0.0 && b.max_saturated_fraction <= 1.0) {
            return Err(bad(
                "brightness.max_saturated_fraction",
                b.max_saturated_fraction,
                "must be in (0, 1]",
            ));
        }
        Ok(())
    }

    /// Validates the configuration and returns the [`crate::Preprocessor`] that applies it.
    pub fn init(self) -> Result<crate::Preprocessor, ConfigError> {
        self.validate()?;
        Ok(crate::Preprocessor { config: self })
    }

    /// Shape of the prepared image: `keep_rows × 2·cut_cols` (640×512 by default).
    pub fn prepared_shape(&self) -> (usize, usize) {
        (self.keep_rows, 2 * self.cut_cols)
    }
}
