//! The 0/0 rule shared by every ratio metric.

/// `numerator / denominator`, or `None` when the denominator is 0 (the metric is undefined,
/// not 0 and not 1: see the crate-level policy).
pub(crate) fn ratio(numerator: u64, denominator: u64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}
