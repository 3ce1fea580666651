//! The Double U-Net: two stacked U-Nets, the second fed with the input gated by the first.

use tch::nn;
use tch::{Kind, Tensor};

use crate::config::DoubleUNetConfig;
use crate::error::{ModelError, Result};
use crate::init::{conv2d_same, set_bias};
use crate::layers::{upsample_bilinear_x2, Aspp, ConvBlock};
use crate::vgg19::{Vgg19Encoder, VGG19_BLOCKS};

/// Published filter counts of decoders 1 and 2 (deep to shallow).
const DECODER_FILTERS: [i64; 4] = [256, 128, 64, 32];
/// Published filter counts of encoder 2 (shallow to deep).
const ENCODER2_FILTERS: [i64; 4] = [32, 64, 128, 256];
/// Channels of encoder 1's skips (shallow to deep).
const ENCODER1_SKIPS: [i64; 4] = [64, 128, 256, 512];

/// Both heads of the network, N×C×H×W at the input size (C = 1 binary, 3 for BG/NM/M).
#[derive(Debug)]
pub struct DoubleUNetOutput {
    /// Probabilities of head 1 (network 1): sigmoid or SoftMax of `logits1`.
    pub out1: Tensor,
    /// Probabilities of head 2 (network 2), the network's final prediction.
    pub out2: Tensor,
    /// Pre-activation output of head 1, for numerically stable losses (log-sigmoid,
    /// log-SoftMax).
    pub logits1: Tensor,
    /// Pre-activation output of head 2.
    pub logits2: Tensor,
}

impl DoubleUNetOutput {
    /// `[out1, out2]` concatenated over channels: the single output of the Keras model.
    pub fn concatenated(&self) -> Tensor {
        Tensor::cat(&[&self.out1, &self.out2], 1)
    }
}

/// The Double U-Net of Jha et al. (2020) with binary or three-class heads.
///
/// Network 1: VGG19 encoder ([`Vgg19Encoder`]) → ASPP → decoder 1 (four × [bilinear ×2,
/// concatenate the encoder-1 skip, conv block 256/128/64/32]) → head 1 (1×1 convolution with
/// bias, activation). Network 2: input ⊙ gate(out1) → encoder 2 (four × [conv block
/// 32/64/128/256, 2×2 max-pool]) → ASPP → decoder 2 (four × [bilinear ×2, concatenate the
/// encoder-1 skip and the encoder-2 skip, conv block 256/128/64/32]) → head 2.
///
/// Build with [`DoubleUNetConfig::init`]. VarStore names: `features.*` (VGG19, torchvision
/// indices), `aspp1.*`, `decoder1.{0..3}.*`, `head1.*`, `encoder2.{0..3}.*`, `aspp2.*`,
/// `decoder2.{0..3}.*`, `head2.*`.
#[derive(Debug)]
pub struct DoubleUNet {
    config: DoubleUNetConfig,
    encoder1: Vgg19Encoder,
    aspp1: Aspp,
    decoder1: Vec<ConvBlock>,
    head1: nn::Conv2D,
    encoder2: Vec<ConvBlock>,
    aspp2: Aspp,
    decoder2: Vec<ConvBlock>,
    head2: nn::Conv2D,
}

/// Values of a convolution → batch norm → ReLU unit: the kernel, its bias, and the batch
/// norm's weight, bias, running mean and running variance.
fn conv_bn_relu_elements(c_in: i64, c_out: i64, kernel: i64, bias: bool) -> i64 {
    c_in * c_out * kernel * kernel + i64::from(bias) * c_out + 4 * c_out
}

/// Values of a conv block: two 3×3 units with bias, then squeeze-and-excitation (two
/// bias-free dense layers through `max(1, c_out / ratio)` channels).
fn conv_block_elements(c_in: i64, c_out: i64, se_ratio: i64) -> i64 {
    let hidden = (c_out / se_ratio).max(1);
    conv_bn_relu_elements(c_in, c_out, 3, true)
        + conv_bn_relu_elements(c_out, c_out, 3, true)
        + 2 * c_out * hidden
}

/// Values of ASPP: image pooling (1×1 with bias), a 1×1 and three dilated 3×3 branches and
/// the 1×1 projection of the five, all without bias.
fn aspp_elements(c_in: i64, filters: i64) -> i64 {
    conv_bn_relu_elements(c_in, filters, 1, true)
        + conv_bn_relu_elements(c_in, filters, 1, false)
        + 3 * conv_bn_relu_elements(c_in, filters, 3, false)
        + conv_bn_relu_elements(5 * filters, filters, 1, false)
}

impl DoubleUNetConfig {
    /// How many values the network of this configuration stores (its parameters and batch-norm
    /// statistics: what a checkpoint holds), counted from the configuration without building
    /// it ([`DoubleUNet::build`]'s layers, one by one). For a configuration that validates.
    pub fn stored_elements(&self) -> i64 {
        let c = |published| self.channels(published);
        let classes = self.variant.num_classes();
        let ratio = self.se_ratio.max(1);
        let aspp = c(self.aspp_filters);
        let mut n = 0i64;
        let mut c_in = 3;
        for &(channels, convs) in VGG19_BLOCKS.iter() {
            for _ in 0..convs {
                n += c_in * c(channels) * 9 + c(channels);
                c_in = c(channels);
            }
        }
        n += aspp_elements(c(512), aspp);
        let mut c_in = aspp;
        for (i, &f) in DECODER_FILTERS.iter().enumerate() {
            let skip = c(ENCODER1_SKIPS[3 - i]);
            n += conv_block_elements(c_in + skip, c(f), ratio);
            c_in = c(f);
        }
        n += 2 * (c_in * classes + classes); // head 1 and head 2
        let mut c_in = 3;
        for &f in ENCODER2_FILTERS.iter() {
            n += conv_block_elements(c_in, c(f), ratio);
            c_in = c(f);
        }
        n += aspp_elements(c_in, aspp);
        let mut c_in = aspp;
        for (i, &f) in DECODER_FILTERS.iter().enumerate() {
            let skips = c(ENCODER1_SKIPS[3 - i]) + c(ENCODER2_FILTERS[3 - i]);
            n += conv_block_elements(c_in + skips, c(f), ratio);
            c_in = c(f);
        }
        n
    }
}

impl DoubleUNet {
    /// Builds the layers; the configuration is already validated.
    pub(crate) fn build(config: DoubleUNetConfig, root: &nn::Path<'_>) -> Self {
        let c = |published| config.channels(published);
        let bn = config.batch_norm();
        let ratio = config.se_ratio;
        let aspp_filters = c(config.aspp_filters);
        let classes = config.variant.num_classes();

        let encoder1 = Vgg19Encoder::new(&(root / "features"), c, config.encoder_init);
        let aspp1 = Aspp::new(&(root / "aspp1"), c(512), aspp_filters, bn);
        let mut decoder1 = Vec::with_capacity(4);
        let mut c_in = aspp_filters;
        for (i, &f) in DECODER_FILTERS.iter().enumerate() {
            let skip = c(ENCODER1_SKIPS[3 - i]);
            decoder1.push(ConvBlock::new(
                &(root / "decoder1" / i),
                c_in + skip,
                c(f),
                ratio,
                bn,
            ));
            c_in = c(f);
        }
        let head_bias = config.head_bias();
        let head1 = conv2d_same(&(root / "head1"), c_in, classes, 1, 1, true);
        set_bias(&head1, &head_bias);

        let mut encoder2 = Vec::with_capacity(4);
        let mut c_in = 3;
        for (i, &f) in ENCODER2_FILTERS.iter().enumerate() {
            encoder2.push(ConvBlock::new(
                &(root / "encoder2" / i),
                c_in,
                c(f),
                ratio,
                bn,
            ));
            c_in = c(f);
        }
        let aspp2 = Aspp::new(&(root / "aspp2"), c_in, aspp_filters, bn);
        let mut decoder2 = Vec::with_capacity(4);
        let mut c_in = aspp_filters;
        for (i, &f) in DECODER_FILTERS.iter().enumerate() {
            let skips = c(ENCODER1_SKIPS[3 - i]) + c(ENCODER2_FILTERS[3 - i]);
            decoder2.push(ConvBlock::new(
                &(root / "decoder2" / i),
                c_in + skips,
                c(f),
                ratio,
                bn,
            ));
            c_in = c(f);
        }
        let head2 = conv2d_same(&(root / "head2"), c_in, classes, 1, 1, true);
        set_bias(&head2, &head_bias);

        DoubleUNet {
            config,
            encoder1,
            aspp1,
            decoder1,
            head1,
            encoder2,
            aspp2,
            decoder2,
            head2,
        }
    }

    /// The configuration the network was built from.
    pub fn config(&self) -> &DoubleUNetConfig {
        &self.config
    }

    /// Encoder 1 (e.g. to load ImageNet weights later).
    pub fn encoder1(&self) -> &Vgg19Encoder {
        &self.encoder1
    }

    /// Checks that `x` is a floating-point N×3×H×W tensor at the configured size (N ≥ 1, and
    /// N ≥ 2 when training: batch norm of the ASPP pooling branch sees one value per image).
    pub fn check_input(&self, x: &Tensor, train: bool) -> Result<()> {
        let (h, w) = (self.config.input_height, self.config.input_width);
        check_shape(x, train, |side| side == [h, w], &format!("{h}×{w}"))
    }

    /// [`Self::forward_t`] on an input of any size whose sides are positive multiples of
    /// [`crate::config::INPUT_SIDE_MULTIPLE`] (the network is fully convolutional): patch
    /// training cuts samples smaller than the configured input, which validation and
    /// prediction use. The ASPP pooling branch then averages over the patch, not the image.
    pub fn try_forward_any_size_t(&self, x: &Tensor, train: bool) -> Result<DoubleUNetOutput> {
        let m = crate::config::INPUT_SIDE_MULTIPLE;
        let side_ok = |s: i64| s > 0 && s % m == 0 && s <= crate::config::MAX_INPUT_SIDE;
        let sides = format!("H×W (multiples of {m})");
        check_shape(x, train, |[h, w]| side_ok(h) && side_ok(w), &sides)?;
        Ok(self.forward_t(x, train))
    }

    /// [`Self::forward_t`] after [`Self::check_input`].
    pub fn try_forward_t(&self, x: &Tensor, train: bool) -> Result<DoubleUNetOutput> {
        self.check_input(x, train)?;
        Ok(self.forward_t(x, train))
    }

    /// Runs both networks. `x` is N×3×H×W float (see the crate documentation for scaling);
    /// `train` selects batch statistics in batch norm.
    ///
    /// Panics inside libtorch when `x` has the wrong shape; [`Self::try_forward_t`] returns
    /// an error instead.
    pub fn forward_t(&self, x: &Tensor, train: bool) -> DoubleUNetOutput {
        let variant = self.config.variant;
        let encoded = self.encoder1.forward(x);
        let skips1 = &encoded.skips;

        let mut y = self.aspp1.forward_t(&encoded.bottleneck, train);
        for (i, block) in self.decoder1.iter().enumerate() {
            let up = upsample_bilinear_x2(&y);
            y = block.forward_t(&Tensor::cat(&[&up, &skips1[3 - i]], 1), train);
        }
        let logits1 = y.apply(&self.head1);
        let out1 = variant.activate(&logits1);

        let mut z = x * variant.gate(&out1);
        let mut skips2 = Vec::with_capacity(4);
        for block in &self.encoder2 {
            let features = block.forward_t(&z, train);
            z = features.max_pool2d([2, 2], [2, 2], [0, 0], [1, 1], false);
            skips2.push(features);
        }
        let mut z = self.aspp2.forward_t(&z, train);
        for (i, block) in self.decoder2.iter().enumerate() {
            let up = upsample_bilinear_x2(&z);
            z = block.forward_t(
                &Tensor::cat(&[&up, &skips1[3 - i], &skips2[3 - i]], 1),
                train,
            );
        }
        let logits2 = z.apply(&self.head2);
        let out2 = variant.activate(&logits2);
        DoubleUNetOutput {
            out1,
            out2,
            logits1,
            logits2,
        }
    }
}

/// Checks that `x` is a floating-point N×3×H×W tensor with N ≥ 1 (N ≥ 2 when training) whose
/// sides `[H, W]` pass `sides_ok` (described as `sides` in the error).
fn check_shape(
    x: &Tensor,
    train: bool,
    sides_ok: impl Fn([i64; 2]) -> bool,
    sides: &str,
) -> Result<()> {
    let size = x.size();
    let min_batch = if train { 2 } else { 1 };
    let ok =
        size.len() == 4 && size[0] >= min_batch && size[1] == 3 && sides_ok([size[2], size[3]]);
    if !ok {
        return Err(ModelError::InputShape {
            expected: format!("N×3×{sides} with N ≥ {min_batch}"),
            found: size,
        });
    }
    match x.kind() {
        Kind::Float | Kind::Double | Kind::Half | Kind::BFloat16 => Ok(()),
        other => Err(ModelError::InputKind {
            found: format!("{other:?}"),
        }),
    }
}
