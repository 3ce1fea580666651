//! Errors of the bs-losses crate: invalid hyper-parameters and tensors that do not fit the loss.

use thiserror::Error;

/// Everything that can go wrong when configuring or evaluating a segmentation loss.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum LossError {
    /// A hyper-parameter (α, β, γ, smoothing constant, head weight) is outside its valid range.
    #[error("loss hyper-parameter `{name}` = {value} is invalid: it must be {requirement}")]
    InvalidHyperParameter {
        /// Name of the configuration field (e.g. `alpha`).
        name: &'static str,
        /// The rejected value.
        value: f64,
        /// The rule it broke, in words (e.g. "finite and ≥ 0").
        requirement: &'static str,
    },
    /// The configured number of output channels is zero.
    #[error("a loss needs at least one output channel (num_classes = 0)")]
    NoClasses,
    /// An excluded class index does not name an output channel.
    #[error("excluded class {class} is out of range: the output has {num_classes} channel(s) (0..{num_classes})")]
    ExcludedClassOutOfRange {
        /// The rejected class index.
        class: usize,
        /// Number of output channels of the configuration.
        num_classes: usize,
    },
    /// Every channel is excluded, so nothing would be left to compute the loss on.
    #[error("all {num_classes} class(es) are excluded: no channel is left to compute the loss on")]
    AllClassesExcluded {
        /// Number of output channels of the configuration.
        num_classes: usize,
    },
    /// Both Double U-Net head weights are zero, so the combined loss would carry no gradient.
    #[error("both Double U-Net head weights are zero: the loss would ignore both outputs")]
    ZeroHeadWeights,
    /// Head weights other than 1 were given with [`crate::HeadCombination::Concatenated`],
    /// which computes one loss over both heads and so cannot weigh them.
    #[error("head weights ({weight_out1}, {weight_out2}) cannot be used with concatenated heads: one loss is computed over both, set both weights to 1 or use the weighted sum")]
    WeightsWithConcatenation {
        /// Weight given for output 1.
        weight_out1: f64,
        /// Weight given for output 2.
        weight_out2: f64,
    },
    /// The probabilities or the target do not have the layout N×C×spatial….
    #[error("{what} must be a tensor N×C×H×W (rank ≥ 2), got shape {shape:?}")]
    BadRank {
        /// Which input (`probabilities` or `target`).
        what: &'static str,
        /// Its shape.
        shape: Vec<i64>,
    },
    /// Probabilities and target differ in shape.
    #[error("probabilities have shape {probabilities:?} but the target has shape {target:?}; the target must be one-hot with the same layout")]
    ShapeMismatch {
        /// Shape of the probabilities.
        probabilities: Vec<i64>,
        /// Shape of the target.
        target: Vec<i64>,
    },
    /// The channel dimension does not match the configured number of classes.
    #[error("the loss is configured for {expected} channel(s) but the probabilities have {found}")]
    ChannelMismatch {
        /// Configured number of classes.
        expected: usize,
        /// Channels found in dimension 1 of the probabilities.
        found: i64,
    },
    /// Probabilities and target live on different devices.
    #[error("probabilities are on {probabilities} but the target is on {target}")]
    DeviceMismatch {
        /// Device of the probabilities, in words.
        probabilities: String,
        /// Device of the target, in words.
        target: String,
    },
    /// The probabilities are not a floating-point tensor.
    #[error("probabilities must be a floating-point tensor, got {kind}")]
    NotFloatingPoint {
        /// The tensor kind found, in words.
        kind: String,
    },
    /// Class labels passed to [`crate::one_hot()`] are outside `0..num_classes` or not integers.
    #[error("class labels must be integers in 0..{num_classes}: {detail}")]
    BadLabels {
        /// Number of classes requested.
        num_classes: usize,
        /// What was wrong.
        detail: String,
    },
    /// libtorch refused an operation.
    #[error("libtorch error while computing the loss")]
    Torch(#[from] tch::TchError),
}

/// Result alias of this crate.
pub type Result<T, E = LossError> = std::result::Result<T, E>;
