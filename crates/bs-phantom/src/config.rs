//! Validated hyper-parameters of the phantom.

use serde::{Deserialize, Serialize};

use crate::error::{PhantomError, Result};

/// Count level, noise and annotation thresholds of the synthetic scans.
///
/// Defaults are calibrated against the NEMA NM1 whole-body scan (anterior view mean 13.72
/// counts/pixel, maximum 278); see the crate documentation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PhantomConfig {
    /// Median over patients of the anterior view's mean counts per pixel.
    pub mean_counts: f32,
    /// Log-normal spread of the per-patient count level (injected activity, delay, scan speed).
    pub count_level_sd: f32,
    /// Soft-tissue activity per cm of tissue relative to bone.
    pub soft_tissue_density: f32,
    /// Room and cosmic background, counts per pixel.
    pub background_counts: f32,
    /// Rose criterion: a lesion is annotated in a view when its excess counts over the
    /// background reach this many standard deviations of the background counts.
    pub min_lesion_snr: f32,
    /// And when its mean counts exceed the background by at least this ratio.
    pub min_lesion_contrast: f32,
}

impl Default for PhantomConfig {
    fn default() -> Self {
        Self {
            mean_counts: 13.7,
            count_level_sd: 0.15,
            soft_tissue_density: 0.15,
            background_counts: 0.05,
            min_lesion_snr: 5.0,
            min_lesion_contrast: 1.25,
        }
    }
}

impl PhantomConfig {
    /// Checks every value; the checked configuration is what the generator uses.
    pub fn init(self) -> Result<Self> {
        let check = |ok: bool, what: &str, value: f32| {
            if ok {
                Ok(())
            } else {
                Err(PhantomError::Config(format!(
                    "{what} = {value} is out of range"
                )))
            }
        };
        check(
            self.mean_counts > 0.0 && self.mean_counts <= 1000.0,
            "mean_counts (0, 1000]",
            self.mean_counts,
        )?;
        check(
            (0.0..=1.0).contains(&self.count_level_sd),
            "count_level_sd [0, 1]",
            self.count_level_sd,
        )?;
        check(
            (0.0..=10.0).contains(&self.soft_tissue_density),
            "soft_tissue_density [0, 10]",
            self.soft_tissue_density,
        )?;
        check(
            (0.0..=100.0).contains(&self.background_counts),
            "background_counts [0, 100]",
            self.background_counts,
        )?;
        check(
            (0.0..=100.0).contains(&self.min_lesion_snr),
            "min_lesion_snr [0, 100]",
            self.min_lesion_snr,
        )?;
        check(
            (1.0..=100.0).contains(&self.min_lesion_contrast),
            "min_lesion_contrast [1, 100]",
            self.min_lesion_contrast,
        )?;
        Ok(self)
    }
}
