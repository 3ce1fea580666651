//! Double U-Net on libtorch: baseline binary sigmoid and the modified three-class SoftMax.
//!
//! Implements Section 3.6 (neural network model) of Liu et al., "Bone metastasis segmentation in
//! whole-body bone scans of breast cancer patients with a modified Double U-Net" (the paper this
//! workspace reproduces): the Double U-Net of Jha et al. (2020), layer for layer as their Keras
//! code, with either the original binary sigmoid heads (the paper's baseline) or three-class
//! SoftMax heads over background (BG 0), non-metastatic bone (NM 1) and metastasis (M 2).
//!
//! # Architecture
//!
//! | stage | layers | channels (width 1) | scale |
//! |---|---|---|---|
//! | encoder 1 | VGG19 convolutions (torchvision names `features.N.*`) | skips 64, 128, 256, 512 | 1, ½, ¼, ⅛ |
//! | bottleneck 1 | `block5_conv4` → ASPP (pooling, 1×1, 3×3 d6/d12/d18, 1×1) | 512 → 64 | 1/16 |
//! | decoder 1 | 4 × (bilinear ×2, concat skip, conv block) | 256, 128, 64, 32 | ⅛ … 1 |
//! | head 1 | 1×1 conv + sigmoid / SoftMax | 1 or 3 | 1 |
//! | network 2 input | `x ⊙ g`, `g = out1` (binary) or `1 − P(BG)` (three classes) | 3 | 1 |
//! | encoder 2 | 4 × (conv block, 2×2 max-pool) | 32, 64, 128, 256 | 1 … 1/16 |
//! | bottleneck 2 | ASPP | 256 → 64 | 1/16 |
//! | decoder 2 | 4 × (bilinear ×2, concat both skips, conv block) | in 832, 640, 320, 160 → 256, 128, 64, 32 | ⅛ … 1 |
//! | head 2 | 1×1 conv + sigmoid / SoftMax | 1 or 3 | 1 |
//!
//! A conv block is `SE(CBR(CBR(x)))`: two 3×3 convolution–batch-norm–ReLU units and
//! squeeze-and-excitation with ratio 8. Batch norm uses Keras' ε = 1e-3 and momentum 0.99.
//! See [`Variant::gate`] for why the three-class network multiplies its input by `1 − P(BG)`.
//!
//! # Input
//!
//! `x` is N×3×H×W float at the configured size (H, W multiples of 16; the paper uses 640×512),
//! the prepared 0…255 grayscale image divided by 255 and replicated to three channels —
//! [`grayscale_to_input`] does both. Random initialisation is the default; torchvision VGG19
//! ImageNet weights load from a safetensors file ([`DoubleUNetConfig::with_vgg19_weights`]).
//!
//! # Example
//!
//! ```
//! use bs_model::{grayscale_to_input, DoubleUNetConfig, Variant};
//! use tch::{nn::VarStore, Device, Kind, Tensor};
//!
//! # fn main() -> Result<(), bs_model::ModelError> {
//! let vs = VarStore::new(Device::Cpu);
//! let config = DoubleUNetConfig::new(Variant::ThreeClass)
//!     .with_width_multiplier(0.125)
//!     .with_input_size(32, 32);
//! let model = config.init(&vs.root())?;
//! let image = Tensor::rand([32, 32], (Kind::Float, Device::Cpu)) * 255.0; // prepared 0…255
//! let x = grayscale_to_input(&image)?; // 1×3×32×32 in 0…1
//! let out = tch::no_grad(|| model.try_forward_t(&x, false))?;
//! assert_eq!(out.out2.size(), [1, 3, 32, 32]); // P(BG), P(NM), P(M)
//! let total = out.out2.sum_dim_intlist(1, false, Kind::Float);
//! assert!(total.allclose(&Tensor::ones_like(&total), 1e-5, 1e-6, false));
//! # Ok(())
//! # }
//! ```
//!
//! Training on CUDA: [`with_mixed_precision`] (fp16 autocast) with a [`DynamicLossScaler`],
//! [`channels_last`] layout, [`set_cudnn_benchmark`]. Checkpoints: [`checkpoint::save`] /
//! [`checkpoint::load`] (safetensors + JSON sidecar).

mod acceleration;
pub mod channels_last;
pub mod checkpoint;
mod config;
mod double_unet;
mod error;
pub mod imagenet;
mod init;
mod input;
pub mod layers;
pub mod loss_scaler;
mod variant;
mod vgg19;
pub mod windows;

pub use acceleration::{set_cudnn_benchmark, with_mixed_precision};
pub use config::{DoubleUNetConfig, EncoderInit, INPUT_SIDE_MULTIPLE, MAX_INPUT_SIDE};
pub use double_unet::{DoubleUNet, DoubleUNetOutput};
pub use error::{ModelError, Result};
pub use input::{grayscale_to_input, input_from_pixels, INPUT_SCALE};
pub use loss_scaler::{DynamicLossScaler, LossScalerConfig, ScalerStep};
pub use variant::Variant;
pub use vgg19::{Encoder1Output, Vgg19Encoder};
