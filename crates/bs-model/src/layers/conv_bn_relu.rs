//! Convolution → batch normalisation → ReLU, the unit of the conv blocks and of ASPP.

use tch::nn::{self, ModuleT};
use tch::Tensor;

use crate::init::conv2d_same;

/// `y = ReLU(BN(W ∗ x + b))` with `padding="same"`.
///
/// VarStore names: `<path>.conv.weight` (and `.conv.bias` when the convolution has one),
/// `<path>.bn.{weight,bias,running_mean,running_var}`.
#[derive(Debug)]
pub struct ConvBnRelu {
    conv: nn::Conv2D,
    bn: nn::BatchNorm,
}

/// Shape of one [`ConvBnRelu`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConvBnReluSpec {
    pub c_in: i64,
    pub c_out: i64,
    pub kernel: i64,
    pub dilation: i64,
    pub bias: bool,
}

impl ConvBnRelu {
    pub(crate) fn new(path: &nn::Path<'_>, spec: ConvBnReluSpec, bn: nn::BatchNormConfig) -> Self {
        let conv = conv2d_same(
            &(path / "conv"),
            spec.c_in,
            spec.c_out,
            spec.kernel,
            spec.dilation,
            spec.bias,
        );
        let bn = nn::batch_norm2d(path / "bn", spec.c_out, bn);
        ConvBnRelu { conv, bn }
    }

    /// Applies the unit; `train` selects batch statistics (and updates the running ones).
    pub fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        self.bn.forward_t(&x.apply(&self.conv), train).relu()
    }
}
