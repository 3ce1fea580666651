//! Keras' default initialisers, so a randomly initialised network starts where the original
//! Keras Double U-Net starts.

use tch::nn::{self, Init};
use tch::Tensor;

/// Keras `glorot_uniform` (the default of `Conv2D`): `U(−l, l)` with
/// `l = sqrt(6 / (fan_in + fan_out))`, `fan_in = k·k·c_in`, `fan_out = k·k·c_out`.
pub(crate) fn glorot_uniform(c_in: i64, c_out: i64, kernel: i64) -> Init {
    let fan_in = (kernel * kernel * c_in) as f64;
    let fan_out = (kernel * kernel * c_out) as f64;
    let limit = (6.0 / (fan_in + fan_out)).sqrt();
    Init::Uniform {
        lo: -limit,
        up: limit,
    }
}

/// Keras `he_normal` (used by the squeeze-and-excitation `Dense` layers): a normal distribution
/// truncated at two standard deviations, with `σ = sqrt(2 / fan_in) / 0.87962566` so that the
/// truncated distribution has standard deviation `sqrt(2 / fan_in)`.
///
/// Values beyond `2σ` are redrawn until none is left (the TensorFlow definition).
pub(crate) fn he_normal_truncated(var: &Tensor, fan_in: i64) {
    let stdev = (2.0 / fan_in as f64).sqrt() / 0.879_625_66;
    tch::no_grad(|| {
        let mut sample = var.randn_like() * stdev;
        loop {
            let outside = sample.abs().gt(2.0 * stdev);
            if !bool::try_from(outside.any()).unwrap_or(false) {
                break;
            }
            let redraw = var.randn_like() * stdev;
            sample = redraw.where_self(&outside, &sample);
        }
        let mut target = var.shallow_clone();
        target.copy_(&sample);
    });
}

/// A 2-D convolution with Keras' defaults (`padding="same"`, Glorot-uniform kernel, zero bias).
pub(crate) fn conv2d_same(
    path: &nn::Path<'_>,
    c_in: i64,
    c_out: i64,
    kernel: i64,
    dilation: i64,
    bias: bool,
) -> nn::Conv2D {
    let config = nn::ConvConfig {
        padding: dilation * (kernel - 1) / 2,
        dilation,
        bias,
        ws_init: glorot_uniform(c_in, c_out, kernel),
        bs_init: Init::Const(0.0),
        ..Default::default()
    };
    nn::conv2d(path, c_in, c_out, kernel, config)
}

/// Overwrites a convolution's bias with `values` (one per output channel). Draws nothing from
/// the generator, so the other weights of a seeded network do not depend on it.
pub(crate) fn set_bias(conv: &nn::Conv2D, values: &[f64]) {
    if let Some(bias) = &conv.bs {
        tch::no_grad(|| {
            let mut target = bias.shallow_clone();
            target.copy_(
                &Tensor::from_slice(values)
                    .to_kind(bias.kind())
                    .to_device(bias.device()),
            );
        });
    }
}
