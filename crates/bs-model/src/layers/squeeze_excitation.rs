//! Squeeze-and-excitation (Hu et al.), as in the Keras Double U-Net (ratio 8, no biases).

use tch::nn::{self, Module};
use tch::Tensor;

use crate::init::he_normal_truncated;

/// Channel re-weighting: `s = σ(W₂ · ReLU(W₁ · GAP(x)))`, `y = x ⊙ s` (broadcast over H×W).
///
/// `GAP` is the global average over H×W; `W₁ ∈ ℝ^{(C/r)×C}` and `W₂ ∈ ℝ^{C×(C/r)}` have no bias,
/// as the Keras `Dense(..., use_bias=False)` layers. The hidden width is `max(1, C / r)`
/// (integer division); the `max` only matters for the tiny widths the tests use.
///
/// VarStore names: `<path>.fc1.weight` (C/r × C) and `<path>.fc2.weight` (C × C/r), the
/// layout of `torch.nn.Linear`.
#[derive(Debug)]
pub struct SqueezeExcitation {
    fc1: nn::Linear,
    fc2: nn::Linear,
}

impl SqueezeExcitation {
    pub(crate) fn new(path: &nn::Path<'_>, channels: i64, ratio: i64) -> Self {
        let hidden = (channels / ratio).max(1);
        let config = nn::LinearConfig {
            bias: false,
            ..Default::default()
        };
        let fc1 = nn::linear(path / "fc1", channels, hidden, config);
        let fc2 = nn::linear(path / "fc2", hidden, channels, config);
        he_normal_truncated(&fc1.ws, channels);
        he_normal_truncated(&fc2.ws, hidden);
        SqueezeExcitation { fc1, fc2 }
    }

    /// Re-weights the channels of `x` (N×C×H×W).
    pub fn forward(&self, x: &Tensor) -> Tensor {
        let (n, c) = (x.size()[0], x.size()[1]);
        let squeezed = x.mean_dim([2i64, 3].as_slice(), false, None);
        let excitation = self
            .fc2
            .forward(&self.fc1.forward(&squeezed).relu())
            .sigmoid();
        x * excitation.view([n, c, 1, 1])
    }
}
