//! How the soft TP/FP/FN sums of a loss are reduced over the batch and over the classes.

use serde::{Deserialize, Serialize};

/// Reduction of the soft counts over the images of a batch.
///
/// The Keras reference code the paper builds on (Jha et al., Double U-Net `metrics.py`, and
/// Abraham & Khan's `focal_tversky`) flattens the whole batch tensor before summing, so one
/// overlap ratio is computed for the batch as a whole: [`BatchReduction::Pooled`] is the default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BatchReduction {
    /// Sum TP, FP and FN over every pixel of every image, then form one ratio (Keras reference).
    #[default]
    Pooled,
    /// Form one ratio per image, then average the per-image losses.
    PerImage,
}

/// Reduction of the soft counts over the channels that take part in the loss.
///
/// Applying the reference Keras loss to the one-hot tensor with the background channel sliced
/// off (`y[..., 1:]`) — the direct reading of "we do not calculate loss for the BG class" —
/// flattens the NM and M channels together: [`ClassReduction::Pooled`] is the default.
/// [`ClassReduction::Mean`] gives every included class the same weight regardless of its area,
/// which keeps the small M class from being swamped by the large NM class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ClassReduction {
    /// Sum the counts over all included channels, then form one ratio (Keras reference).
    #[default]
    Pooled,
    /// Form one ratio per included channel, then average the per-class losses.
    Mean,
}
