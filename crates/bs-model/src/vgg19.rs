//! Encoder 1: the convolutional part of VGG19, named like torchvision's `vgg19().features`.

use std::collections::HashMap;
use std::path::Path;

use tch::nn;
use tch::Tensor;

use crate::config::EncoderInit;
use crate::error::{ModelError, Result};
use crate::init::conv2d_same;

/// Output channels of VGG19's five blocks and the number of 3×3 convolutions in each.
pub(crate) const VGG19_BLOCKS: [(i64, usize); 5] =
    [(64, 2), (128, 2), (256, 4), (512, 4), (512, 4)];

/// VGG19 without its classifier and without the last max-pool.
///
/// Every convolution is 3×3, `padding="same"`, with bias, followed by ReLU; blocks are separated
/// by 2×2 max-pooling. The skip connections are the outputs of `block1_conv2` (64 channels, full
/// size), `block2_conv2` (128, ½), `block3_conv4` (256, ¼) and `block4_conv4` (512, ⅛); the
/// bottleneck is `block5_conv4` (512, 1/16) — the Keras layer names of the Double U-Net code.
///
/// Parameter names follow the index of each layer in torchvision's `vgg19().features`
/// (`features.0.weight`, `features.2.weight`, `features.5.weight`, …, `features.34.bias`: ReLU and
/// max-pool layers take indices too), so ImageNet weights exported from torchvision load with
/// [`Vgg19Encoder::load_torchvision_weights`].
#[derive(Debug)]
pub struct Vgg19Encoder {
    /// The 16 convolutions, block by block, with their torchvision index.
    convs: Vec<(usize, nn::Conv2D)>,
    block_lengths: [usize; 5],
}

/// What encoder 1 returns: the bottleneck and the four skips (shallow to deep).
#[derive(Debug)]
pub struct Encoder1Output {
    /// `block5_conv4`, 1/16 of the input size.
    pub bottleneck: Tensor,
    /// `block1_conv2`, `block2_conv2`, `block3_conv4`, `block4_conv4`.
    pub skips: Vec<Tensor>,
}

impl Vgg19Encoder {
    /// Builds encoder 1 under `path` (the model uses `features`) with channels scaled by
    /// `scale` (identity at width 1), its convolutions initialised as `init` says.
    pub(crate) fn new(path: &nn::Path<'_>, scale: impl Fn(i64) -> i64, init: EncoderInit) -> Self {
        let mut convs = Vec::with_capacity(16);
        let mut index = 0usize;
        let mut c_in = 3;
        let mut block_lengths = [0usize; 5];
        for (block, &(channels, n)) in VGG19_BLOCKS.iter().enumerate() {
            let c_out = scale(channels);
            for _ in 0..n {
                let conv = conv2d_same(&(path / index), c_in, c_out, 3, 1, true);
                if init == EncoderInit::He {
                    crate::init::he_normal_truncated(&conv.ws, 9 * c_in);
                }
                convs.push((index, conv));
                c_in = c_out;
                index += 2; // conv, ReLU
            }
            index += 1; // MaxPool2d
            block_lengths[block] = n;
        }
        Vgg19Encoder {
            convs,
            block_lengths,
        }
    }

    /// Runs the encoder.
    pub fn forward(&self, x: &Tensor) -> Encoder1Output {
        let mut skips = Vec::with_capacity(4);
        let mut convs = self.convs.iter();
        let mut x = x.shallow_clone();
        for (block, &n) in self.block_lengths.iter().enumerate() {
            if block > 0 {
                x = x.max_pool2d([2, 2], [2, 2], [0, 0], [1, 1], false);
            }
            for (_, conv) in convs.by_ref().take(n) {
                x = x.apply(conv).relu();
            }
            if block < 4 {
                skips.push(x.shallow_clone());
            }
        }
        Encoder1Output {
            bottleneck: x,
            skips,
        }
    }

    /// Copies ImageNet weights from a safetensors file into encoder 1.
    ///
    /// The file holds torchvision names: either `features.N.weight`/`features.N.bias` (the
    /// `features` module's state dict prefixed) or `N.weight`/`N.bias` (the module's own state
    /// dict); a full `vgg19()` state dict also loads, its `classifier.*` tensors are ignored.
    /// Every one of the 32 tensors must be present with the shape of this encoder, so the
    /// model must have width multiplier 1.
    pub fn load_torchvision_weights(&self, path: &Path) -> Result<()> {
        let tensors = Tensor::read_safetensors(path)
            .map_err(|e| ModelError::torch(format!("reading {}", path.display()), e))?;
        let tensors: HashMap<String, Tensor> = tensors.into_iter().collect();
        for (index, conv) in &self.convs {
            let targets = [("weight", Some(&conv.ws)), ("bias", conv.bs.as_ref())];
            for (suffix, target) in targets {
                let Some(target) = target else { continue };
                let name = format!("features.{index}.{suffix}");
                let source = tensors
                    .get(&name)
                    .or_else(|| tensors.get(&format!("{index}.{suffix}")))
                    .ok_or_else(|| ModelError::MissingTensor {
                        path: path.to_path_buf(),
                        name: name.clone(),
                    })?;
                if source.size() != target.size() {
                    return Err(ModelError::ShapeMismatch {
                        path: path.to_path_buf(),
                        name,
                        expected: target.size(),
                        found: source.size(),
                    });
                }
                tch::no_grad(|| {
                    let mut target = target.shallow_clone();
                    target
                        .f_copy_(source)
                        .map_err(|e| ModelError::torch(format!("copying {name}"), e))
                })?;
            }
        }
        Ok(())
    }
}
