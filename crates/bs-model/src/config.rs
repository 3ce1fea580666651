//! Hyper-parameters of the Double U-Net and their validation.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use tch::nn;

use crate::error::{ModelError, Result};
use crate::variant::Variant;
use crate::DoubleUNet;

/// Largest accepted input side: far above the paper's 640×512, small enough that a typo cannot
/// ask libtorch for terabytes.
pub const MAX_INPUT_SIDE: i64 = 8192;

/// The input side must be a multiple of this (four 2×2 poolings down to the bottleneck).
pub const INPUT_SIDE_MULTIPLE: i64 = 16;

/// Configuration of a [`DoubleUNet`].
///
/// Defaults ([`DoubleUNetConfig::new`]) are the Keras network of Jha et al. at the paper's input
/// size: width multiplier 1 (VGG19 64…512 channels, decoders 256/128/64/32, encoder 2
/// 32/64/128/256, ASPP 64), input 640×512 (H×W), Keras batch-norm settings, random
/// initialisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoubleUNetConfig {
    /// Binary sigmoid heads (baseline) or three-class SoftMax heads (the paper's network).
    pub variant: Variant,
    /// Multiplies every channel count: `c' = max(1, round(c · w))`. 1 is the published network;
    /// the tests use ⅛–¼ to run on a CPU. Must lie in (0, 4].
    pub width_multiplier: f64,
    /// Input height in pixels (multiple of 16, at most [`MAX_INPUT_SIDE`]). The paper: 640.
    pub input_height: i64,
    /// Input width in pixels (multiple of 16, at most [`MAX_INPUT_SIDE`]). The paper: 512.
    pub input_width: i64,
    /// ASPP filters before width scaling (64 in the Keras code).
    pub aspp_filters: i64,
    /// Squeeze-and-excitation reduction ratio `r` (8 in the Keras code).
    pub se_ratio: i64,
    /// Batch-norm ε added to the variance; Keras' default is 1e-3 (PyTorch's is 1e-5).
    pub batch_norm_eps: f64,
    /// Weight of the current batch in the running statistics, PyTorch convention:
    /// `running = (1 − m)·running + m·batch`. Keras' `momentum=0.99` is `m = 0.01`.
    pub batch_norm_momentum: f64,
    /// Optional safetensors file of torchvision VGG19 ImageNet weights for encoder 1 (see
    /// [`crate::Vgg19Encoder::load_torchvision_weights`]); `None` (default) keeps the random
    /// initialisation. Requires width multiplier 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vgg19_weights: Option<PathBuf>,
    /// Prior probability π of metastasis (M) that both heads start from, RetinaNet-style
    /// (Lin et al. 2017, §4.1): the head biases are initialised so that every pixel starts at
    /// P(M) = π instead of ½ (binary: `b = ln(π / (1 − π))`; three classes: BG and NM biases 0,
    /// M bias `ln(2π / (1 − π))`). `None` (default, the Keras code) keeps zero biases. Only the
    /// initialisation changes; with metastasis under 1 % of pixels a start near ½ spends the
    /// first epochs unlearning false positives, which short schedules cannot afford.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_prior: Option<f64>,
    /// How the convolutions of encoder 1 (VGG19, which has no batch norm) start when no
    /// ImageNet weights are loaded. Default: Keras' Glorot-uniform.
    #[serde(default)]
    pub encoder_init: EncoderInit,
}

/// The random initialisation of encoder 1's sixteen convolutions.
///
/// VGG19 has no batch norm. Glorot-uniform (`Var(w) = 2 / (fan_in + fan_out)`) halves the
/// variance of the activations at every ReLU layer, sixteen times over; at reduced widths (8
/// channels at ⅛) some seeds then start with encoder features the decoders cannot use, and the
/// metastasis class was never learnt in 512 steps (`docs/measurements.md`). He-normal
/// (`Var(w) = 2 / fan_in`, He et al. 2015, Keras' `he_normal`) keeps the variance through ReLU
/// layers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EncoderInit {
    /// Keras' default `glorot_uniform`, as the original code starts without ImageNet weights.
    #[default]
    Glorot,
    /// Keras' `he_normal` (truncated at 2σ).
    He,
}

impl DoubleUNetConfig {
    /// The published network with the given heads, at 640×512.
    pub fn new(variant: Variant) -> Self {
        DoubleUNetConfig {
            variant,
            width_multiplier: 1.0,
            input_height: 640,
            input_width: 512,
            aspp_filters: 64,
            se_ratio: 8,
            batch_norm_eps: 1e-3,
            batch_norm_momentum: 0.01,
            vgg19_weights: None,
            head_prior: None,
            encoder_init: EncoderInit::Glorot,
        }
    }

    /// Sets the width multiplier.
    pub fn with_width_multiplier(mut self, width_multiplier: f64) -> Self {
        self.width_multiplier = width_multiplier;
        self
    }

    /// Sets the input size (height, width).
    pub fn with_input_size(mut self, height: i64, width: i64) -> Self {
        self.input_height = height;
        self.input_width = width;
        self
    }

    /// Sets the batch-norm momentum (PyTorch convention, see [`Self::batch_norm_momentum`]).
    pub fn with_batch_norm_momentum(mut self, momentum: f64) -> Self {
        self.batch_norm_momentum = momentum;
        self
    }

    /// Sets the prior probability of metastasis the heads start from (see [`Self::head_prior`]).
    pub fn with_head_prior(mut self, prior: f64) -> Self {
        self.head_prior = Some(prior);
        self
    }

    /// Sets the random initialisation of encoder 1 (see [`EncoderInit`]).
    pub fn with_encoder_init(mut self, init: EncoderInit) -> Self {
        self.encoder_init = init;
        self
    }

    /// Sets the VGG19 ImageNet weight file for encoder 1.
    pub fn with_vgg19_weights(mut self, path: impl Into<PathBuf>) -> Self {
        self.vgg19_weights = Some(path.into());
        self
    }

    /// Checks every field; [`DoubleUNetConfig::init`] calls it.
    pub fn validate(&self) -> Result<()> {
        let w = self.width_multiplier;
        if !(w.is_finite() && w > 0.0 && w <= 4.0) {
            return Err(ModelError::config(
                "width_multiplier",
                format!("must lie in (0, 4], got {w}"),
            ));
        }
        for (field, side) in [
            ("input_height", self.input_height),
            ("input_width", self.input_width),
        ] {
            if side <= 0 || side % INPUT_SIDE_MULTIPLE != 0 || side > MAX_INPUT_SIDE {
                return Err(ModelError::config(
                    field,
                    format!(
                        "must be a positive multiple of {INPUT_SIDE_MULTIPLE} not above {MAX_INPUT_SIDE}, got {side}"
                    ),
                ));
            }
        }
        if !(1..=4096).contains(&self.aspp_filters) {
            return Err(ModelError::config(
                "aspp_filters",
                format!("must lie in 1..=4096, got {}", self.aspp_filters),
            ));
        }
        if !(1..=512).contains(&self.se_ratio) {
            return Err(ModelError::config(
                "se_ratio",
                format!("must lie in 1..=512, got {}", self.se_ratio),
            ));
        }
        let eps = self.batch_norm_eps;
        if !(eps.is_finite() && eps > 0.0 && eps < 1.0) {
            return Err(ModelError::config(
                "batch_norm_eps",
                format!("must lie in (0, 1), got {eps}"),
            ));
        }
        let m = self.batch_norm_momentum;
        if !(m.is_finite() && m > 0.0 && m <= 1.0) {
            return Err(ModelError::config(
                "batch_norm_momentum",
                format!("must lie in (0, 1], got {m}"),
            ));
        }
        if let Some(prior) = self.head_prior {
            if !(prior.is_finite() && prior > 0.0 && prior < 1.0) {
                return Err(ModelError::config(
                    "head_prior",
                    format!("must lie in (0, 1), got {prior}"),
                ));
            }
        }
        if self.vgg19_weights.is_some() && self.channels(64) != 64 {
            return Err(ModelError::config(
                "vgg19_weights",
                format!("ImageNet weights need width multiplier 1, got {w}"),
            ));
        }
        Ok(())
    }

    /// A channel count of the published network scaled by the width multiplier:
    /// `max(1, round(c · w))`.
    pub fn channels(&self, published: i64) -> i64 {
        ((published as f64 * self.width_multiplier).round() as i64).max(1)
    }

    /// Validates the configuration and builds the network under `path` (usually
    /// `var_store.root()`), loading VGG19 weights when [`Self::vgg19_weights`] is set.
    pub fn init(&self, path: &nn::Path<'_>) -> Result<DoubleUNet> {
        self.validate()?;
        let model = DoubleUNet::build(self.clone(), path);
        if let Some(weights) = &self.vgg19_weights {
            if !weights.is_file() {
                return Err(ModelError::Io {
                    path: weights.clone(),
                    source: std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "VGG19 weight file not found",
                    ),
                });
            }
            model.encoder1().load_torchvision_weights(weights)?;
        }
        Ok(model)
    }

    /// Initial bias of each head channel (BG, NM, M order; one channel for binary heads):
    /// zeros, or the values that make every pixel start at P(M) = [`Self::head_prior`].
    pub fn head_bias(&self) -> Vec<f64> {
        let classes = self.variant.num_classes() as usize;
        let mut bias = vec![0.0; classes];
        if let Some(p) = self.head_prior {
            // Binary: σ(b) = π. Softmax over (0, 0, b): e^b / (2 + e^b) = π.
            let others = (classes.max(2) - 1) as f64;
            bias[classes - 1] = (others * p / (1.0 - p)).ln();
        }
        bias
    }

    /// Batch-norm settings of every BN layer (γ initialised to 1, β to 0 as in Keras).
    pub(crate) fn batch_norm(&self) -> nn::BatchNormConfig {
        nn::BatchNormConfig {
            eps: self.batch_norm_eps,
            momentum: self.batch_norm_momentum,
            ws_init: nn::Init::Const(1.0),
            bs_init: nn::Init::Const(0.0),
            ..Default::default()
        }
    }
}

impl Default for DoubleUNetConfig {
    /// The paper's modified network: three-class heads.
    fn default() -> Self {
        DoubleUNetConfig::new(Variant::ThreeClass)
    }
}
