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
