//! The Double U-Net conv block: two conv-BN-ReLU units and squeeze-and-excitation.

use tch::nn;
use tch::Tensor;

use super::conv_bn_relu::ConvBnReluSpec;
use super::{ConvBnRelu, SqueezeExcitation};

/// `y = SE(CBR₂(CBR₁(x)))` with two 3×3 convolutions (with bias, as Keras' `Conv2D` default) to
/// `c_out` channels; the building block of decoder 1, encoder 2 and decoder 2.
///
/// VarStore names: `<path>.conv_bn1.*`, `<path>.conv_bn2.*`, `<path>.se.*`.
#[derive(Debug)]
pub struct ConvBlock {
    conv_bn1: ConvBnRelu,
    conv_bn2: ConvBnRelu,
    se: SqueezeExcitation,
}

impl ConvBlock {
    pub(crate) fn new(
        path: &nn::Path<'_>,
        c_in: i64,
        c_out: i64,
        se_ratio: i64,
        bn: nn::BatchNormConfig,
    ) -> Self {
        let spec = |c_in| ConvBnReluSpec {
            c_in,
            c_out,
            kernel: 3,
            dilation: 1,
            bias: true,
        };
        ConvBlock {
            conv_bn1: ConvBnRelu::new(&(path / "conv_bn1"), spec(c_in), bn),
            conv_bn2: ConvBnRelu::new(&(path / "conv_bn2"), spec(c_out), bn),
            se: SqueezeExcitation::new(&(path / "se"), c_out, se_ratio),
        }
    }

    /// Applies the block.
    pub fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let x = self.conv_bn1.forward_t(x, train);
        let x = self.conv_bn2.forward_t(&x, train);
        self.se.forward(&x)
    }
}
