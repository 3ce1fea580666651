//! Lesion-level detection: which true lesions were found and which predicted lesions are false
//! alarms.

use crate::error::{MetricsError, Result};
use crate::lesion::components::label_components;
use crate::metric::ratio::ratio;
use ndarray::{ArrayView2, Zip};
use serde::{Deserialize, Serialize};
use std::iter::Sum;
use std::ops::{Add, AddAssign};

/// Lesion counts of one image or, summed, of a fold.
///
/// Lesions are 8-connected components ([`label_components`]). A predicted lesion is a **hit**
/// when it shares at least one pixel with a true lesion, otherwise a **false-positive lesion**;
/// a true lesion is **detected** when at least one predicted pixel lies on it. One predicted
/// blob covering two true lesions detects both; two predicted blobs on one true lesion are both
/// hits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LesionCounts {
    /// Images counted.
    pub images: u64,
    /// True lesions (components of the truth mask).
    pub true_lesions: u64,
    /// True lesions overlapped by the prediction.
    pub detected_true_lesions: u64,
    /// Predicted lesions (components of the prediction mask).
    pub predicted_lesions: u64,
    /// Predicted lesions that overlap no true lesion.
    pub false_positive_lesions: u64,
}

impl LesionCounts {
    /// Lesion counts of one image from boolean M masks of equal shape.
    pub fn from_masks(prediction: ArrayView2<bool>, truth: ArrayView2<bool>) -> Result<Self> {
        if prediction.dim() != truth.dim() {
            return Err(MetricsError::ShapeMismatch {
                prediction: prediction.dim(),
                truth: truth.dim(),
            });
        }
        let pred = label_components(prediction);
        let tru = label_components(truth);
        let mut pred_hit = vec![false; pred.count + 1];
        let mut true_hit = vec![false; tru.count + 1];
        // Zip walks both label images as flat slices (an iterator zip is several times slower).
        Zip::from(&pred.labels).and(&tru.labels).for_each(|&p, &t| {
            if p > 0 && t > 0 {
                pred_hit[p as usize] = true;
                true_hit[t as usize] = true;
            }
        });
        let hits = |v: &[bool]| v[1..].iter().filter(|&&h| h).count() as u64;
        Ok(Self {
            images: 1,
            true_lesions: tru.count as u64,
            detected_true_lesions: hits(&true_hit),
            predicted_lesions: pred.count as u64,
            false_positive_lesions: pred.count as u64 - hits(&pred_hit),
        })
    }

    /// Lesion sensitivity = detected true lesions / true lesions; `None` without true lesions.
    pub fn sensitivity(&self) -> Option<f64> {
        ratio(self.detected_true_lesions, self.true_lesions)
    }

    /// Lesion precision = predicted lesions that hit / predicted lesions; `None` without
    /// predicted lesions.
    pub fn precision(&self) -> Option<f64> {
        ratio(
            self.predicted_lesions - self.false_positive_lesions,
            self.predicted_lesions,
        )
    }

    /// Mean number of false-positive lesions per image; `None` for zero images.
    pub fn false_positives_per_image(&self) -> Option<f64> {
        ratio(self.false_positive_lesions, self.images)
    }
}

impl Add for LesionCounts {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        Self {
            images: self.images + o.images,
            true_lesions: self.true_lesions + o.true_lesions,
            detected_true_lesions: self.detected_true_lesions + o.detected_true_lesions,
            predicted_lesions: self.predicted_lesions + o.predicted_lesions,
            false_positive_lesions: self.false_positive_lesions + o.false_positive_lesions,
        }
    }
}

impl AddAssign for LesionCounts {
    fn add_assign(&mut self, o: Self) {
        *self = *self + o;
    }
}

impl Sum for LesionCounts {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(Self::default(), Add::add)
    }
}

impl<'a> Sum<&'a LesionCounts> for LesionCounts {
    fn sum<I: Iterator<Item = &'a Self>>(iter: I) -> Self {
        iter.copied().sum()
    }
}
