//! Bilinear ×2 upsampling as Keras' `UpSampling2D((2, 2), interpolation="bilinear")`.

use tch::Tensor;

/// Doubles H and W by bilinear interpolation with half-pixel centres (`align_corners=False`),
/// which is what TensorFlow's `tf.image.resize(..., "bilinear")` behind Keras'
/// `UpSampling2D` computes: output pixel `i` samples the input at `(i + ½)/2 − ½`, clamped at
/// the border.
pub fn upsample_bilinear_x2(x: &Tensor) -> Tensor {
    let size = x.size();
    let (h, w) = (size[2], size[3]);
    x.upsample_bilinear2d([2 * h, 2 * w], false, None, None)
}
