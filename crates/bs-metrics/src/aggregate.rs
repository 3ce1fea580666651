//! Aggregation of per-fold scores over the folds of a cross-validation: mean ± SD.

use crate::error::{MetricsError, Result};
use crate::metric::f1::f1_from_precision_sensitivity;
use crate::metric::scores::PixelScores;
use serde::{Deserialize, Serialize};

/// Mean and **sample** standard deviation (divisor n − 1, the usual choice when the folds are a
/// sample of possible data splits) of one metric over the folds where it is defined.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeanSd {
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample SD, `sqrt(Σ(x − mean)² / (n − 1))`; `None` for a single fold.
    pub sd: Option<f64>,
    /// Folds that entered.
    pub n: usize,
}

impl MeanSd {
    /// Mean and sample SD of `values`; `None` when there are none.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<Self> {
        let v: Vec<f64> = values.into_iter().collect();
        if v.is_empty() {
            return None;
        }
        let n = v.len();
        let mean = v.iter().sum::<f64>() / n as f64;
        let sd = (n > 1)
            .then(|| (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt());
        Some(Self { mean, sd, n })
    }
}

/// How the F1 of the "Mean" row is formed.
///
/// The paper's tables give, in the Mean row, **Eq. 5 applied to the mean precision and mean
/// sensitivity**, not the mean of the fold F1s: Table 2 has mean precision 61.56 and mean
/// sensitivity 62.99, and Mean F1 62.27 = 2·61.56·62.99 / (61.56 + 62.99), while its fold F1s
/// average to 60.43. [`MeanF1::OfMeans`] (the default) reproduces the paper.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MeanF1 {
    /// F1 of the mean precision and mean sensitivity (paper's tables).
    #[default]
    OfMeans,
    /// Arithmetic mean of the fold F1 values.
    MeanOfFolds,
}

/// Mean ± SD of every metric over the folds. Folds where a metric is undefined (0/0) do not
/// enter its mean; `n` says how many did.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FoldAggregate {
    /// Folds given.
    pub folds: usize,
    /// Precision over folds.
    pub precision: Option<MeanSd>,
    /// Sensitivity over folds.
    pub sensitivity: Option<MeanSd>,
    /// F1 over folds (mean of the fold F1 values, and their SD).
    pub f1: Option<MeanSd>,
    /// Dice over folds.
    pub dice: Option<MeanSd>,
    /// IoU over folds.
    pub iou: Option<MeanSd>,
    /// Eq. 5 of the mean precision and mean sensitivity (the paper's Mean-row F1).
    pub f1_of_means: Option<f64>,
}

impl FoldAggregate {
    /// Aggregates the per-fold scores (usually [`crate::FoldEvaluation::pooled`] of each test
    /// fold); an error for no folds.
    pub fn from_folds(folds: &[PixelScores]) -> Result<Self> {
        if folds.is_empty() {
            return Err(MetricsError::NoFolds);
        }
        let agg = |f: fn(&PixelScores) -> Option<f64>| MeanSd::of(folds.iter().filter_map(f));
        let precision = agg(|s| s.precision);
        let sensitivity = agg(|s| s.sensitivity);
        Ok(Self {
            folds: folds.len(),
            f1_of_means: f1_from_precision_sensitivity(
                precision.map(|m| m.mean),
                sensitivity.map(|m| m.mean),
            ),
            precision,
            sensitivity,
            f1: agg(|s| s.f1),
            dice: agg(|s| s.dice),
            iou: agg(|s| s.iou),
        })
    }

    /// The Mean-row F1 under `rule`.
    pub fn mean_f1(&self, rule: MeanF1) -> Option<f64> {
        match rule {
            MeanF1::OfMeans => self.f1_of_means,
            MeanF1::MeanOfFolds => self.f1.map(|m| m.mean),
        }
    }
}
