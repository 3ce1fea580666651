//! Which output heads the Double U-Net has: the baseline (binary sigmoid) or the paper's
//! modified network (three-class SoftMax).

use serde::{Deserialize, Serialize};
use tch::Tensor;

/// The two networks compared in the paper (Section 3.6, Table 2).
///
/// Both are built by the same code; only the number of output channels, the activation and the
/// gate that multiplies the input of network 2 differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Variant {
    /// The original Double U-Net of Jha et al.: each head is a 1×1 convolution to one channel
    /// followed by a sigmoid, `p = σ(z)`, the probability of metastasis (M).
    Binary,
    /// The paper's modified network: each head is a 1×1 convolution to three channels
    /// (BG 0, NM 1, M 2) followed by a SoftMax over channels,
    /// `p_c = exp(z_c) / Σ_k exp(z_k)`.
    ThreeClass,
}

impl Variant {
    /// Output channels of each head: 1 (binary) or 3 (BG/NM/M).
    pub fn num_classes(self) -> i64 {
        match self {
            Variant::Binary => 1,
            Variant::ThreeClass => 3,
        }
    }

    /// Probabilities from head logits (N×C×H×W): sigmoid (binary) or SoftMax over `C`.
    ///
    /// The SoftMax is computed in the logits' kind (under autocast libtorch promotes it to fp32).
    pub fn activate(self, logits: &Tensor) -> Tensor {
        match self {
            Variant::Binary => logits.sigmoid(),
            Variant::ThreeClass => logits.softmax(1, logits.kind()),
        }
    }

    /// The M decision of head probabilities N×C×H×W, N×H×W bool: `p ≥ 0.5` (binary) or
    /// arg-max = M (three classes; libtorch's arg-max takes the first of equal maxima). The rule
    /// models are selected with in training and applied by prediction without a threshold.
    pub fn m_decision(self, probabilities: &Tensor) -> Tensor {
        match self {
            Variant::Binary => probabilities.select(1, 0).ge(0.5),
            Variant::ThreeClass => probabilities.argmax(1, false).eq(2),
        }
    }

    /// The N×1×H×W map that multiplies the input image to form the input of network 2.
    ///
    /// - Binary (Keras code): `g = p`, the sigmoid output itself.
    /// - Three classes: `g = 1 − p_BG = p_NM + p_M`, the probability that a pixel is bone of
    ///   any kind. This keeps network 2's input what it is in the baseline — the image with
    ///   the background suppressed — rather than keeping only suspected metastases
    ///   (`p_M`), which would hide from network 2 the normal bone it must tell metastases
    ///   apart from (and would zero its input for every image without lesions). One channel,
    ///   broadcast over the three input channels, as in the Keras code.
    pub fn gate(self, probabilities: &Tensor) -> Tensor {
        match self {
            Variant::Binary => probabilities.shallow_clone(),
            Variant::ThreeClass => probabilities.narrow(1, 0, 1).neg() + 1.0,
        }
    }
}

impl std::fmt::Display for Variant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Variant::Binary => f.write_str("binary"),
            Variant::ThreeClass => f.write_str("three-class"),
        }
    }
}
