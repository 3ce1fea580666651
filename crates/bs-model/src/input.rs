//! Turning prepared grayscale bone-scan images into the network's N×3×H×W input.

use tch::{Kind, Tensor};

use crate::error::{ModelError, Result};

/// The prepared images of `bs-preprocess` are 0…255 floats; the network takes 0…1.
///
/// The Keras training code of Jha et al. shifts each 8-bit image by its median
/// (`clip(x − median(x) + 127, 0, 255)`), divides by 255 and feeds it to VGG19 without ImageNet
/// mean/std normalisation. This crate divides by 255 only: the paper's brightness normalisation
/// (bs-preprocess) takes the place of the median shift.
pub const INPUT_SCALE: f64 = 1.0 / 255.0;

/// Scales grayscale images (0…255) to 0…1 and replicates them to the three channels VGG19
/// expects: H×W, N×H×W or N×1×H×W in, N×3×H×W float out (N = 1 for H×W).
///
/// `y[n, c, i, j] = x[n, i, j] / 255` for c = 0, 1, 2.
pub fn grayscale_to_input(images: &Tensor) -> Result<Tensor> {
    let size = images.size();
    let batched = match size.as_slice() {
        [h, w] => images.reshape([1, 1, *h, *w]),
        [n, h, w] => images.reshape([*n, 1, *h, *w]),
        [n, 1, h, w] => images.reshape([*n, 1, *h, *w]),
        _ => {
            return Err(ModelError::InputShape {
                expected: "H×W, N×H×W or N×1×H×W grayscale images".into(),
                found: size,
            })
        }
    };
    let kind = match images.kind() {
        Kind::Double => Kind::Double,
        _ => Kind::Float,
    };
    Ok((batched.to_kind(kind) * INPUT_SCALE)
        .expand([-1, 3, -1, -1], false)
        .contiguous())
}

/// One image given as row-major `pixels` (0…255) of `height × width`, as 1×3×H×W on the CPU.
pub fn input_from_pixels(pixels: &[f32], height: i64, width: i64) -> Result<Tensor> {
    let expected = height
        .checked_mul(width)
        .filter(|_| height > 0 && width > 0);
    if expected != Some(pixels.len() as i64) {
        return Err(ModelError::InputShape {
            expected: format!("{height}×{width} = {} pixels", height.saturating_mul(width)),
            found: vec![pixels.len() as i64],
        });
    }
    grayscale_to_input(&Tensor::from_slice(pixels).reshape([height, width]))
}
