//! Errors of the bs-metrics crate.

use thiserror::Error;

/// Everything that can go wrong when computing or tabulating metrics.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum MetricsError {
    /// Prediction and truth masks differ in size.
    #[error("prediction mask is {prediction:?} (rows × cols) but the truth mask is {truth:?}: both must cover the same image")]
    ShapeMismatch {
        /// Rows × columns of the prediction.
        prediction: (usize, usize),
        /// Rows × columns of the truth.
        truth: (usize, usize),
    },
    /// A table or aggregation was given no folds.
    #[error("no folds to aggregate")]
    NoFolds,
    /// The column groups of a table have different numbers of folds.
    #[error("column group `{group}` has {found} folds but the first group has {expected}")]
    FoldCountMismatch {
        /// Name of the offending group.
        group: String,
        /// Fold count of the first group.
        expected: usize,
        /// Fold count of this group.
        found: usize,
    },
    /// A table was given no column groups.
    #[error("a results table needs at least one column group (e.g. \"Dice Loss\")")]
    NoGroups,
    /// A score lies outside \[0, 1\] or is not finite.
    #[error("score `{name}` = {value} is not a fraction in [0, 1]")]
    ScoreOutOfRange {
        /// Which score.
        name: &'static str,
        /// The rejected value.
        value: f64,
    },
}

/// Result alias of this crate.
pub type Result<T, E = MetricsError> = std::result::Result<T, E>;
