//! NM by Otsu thresholding: body minus metastasis.
//!
//! The paper uses Otsu's method to "separate air from the human body". Bone-scan intensities are
//! heavily skewed: most of the body is faint soft tissue, a small part is bright bone, and the
//! air is near zero. On linear intensities Otsu's between-class variance is dominated by the
//! bright tail, so the threshold lands between soft tissue and bone (on the normalised NEMA NM1
//! view: 16.8, keeping 26 % of the pixels — mostly skeleton). On `ln(1 + x)` the histogram is
//! bimodal air | body and the threshold separates exactly those (NM1: ≈ 3.0, 55 % of the pixels,
//! the whole body outline). [`BodyDomain::Log1p`] is therefore the default; [`BodyDomain::Linear`]
//! keeps the plain `image > threshold_otsu(image)` for comparison.

use ndarray::{Array2, ArrayView2, Zip};

use crate::error::Result;
use crate::otsu::otsu_threshold_array;
use crate::three_class::{check_dims, ThreeClassMask};

/// Which intensity scale Otsu's threshold is computed on when finding the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum BodyDomain {
    /// `ln(1 + x)`: air vs body (the default; see the module doc).
    #[default]
    Log1p,
    /// The intensities themselves: on bone scans this separates bone from the rest.
    Linear,
}

/// The body mask of an image in the default [`BodyDomain::Log1p`], and the threshold in image
/// units (`expm1` of the log-domain threshold).
pub fn body_mask(image: ArrayView2<'_, f32>) -> Result<(Array2<bool>, f32)> {
    body_mask_in(image, BodyDomain::default())
}

/// The body mask of an image: pixels strictly above Otsu's threshold ([`crate::otsu`]) computed
/// in `domain`, and the threshold expressed in image units.
pub fn body_mask_in(image: ArrayView2<'_, f32>, domain: BodyDomain) -> Result<(Array2<bool>, f32)> {
    match domain {
        BodyDomain::Linear => {
            let threshold = otsu_threshold_array(&image)?;
            Ok((image.mapv(|v| v > threshold), threshold))
        }
        BodyDomain::Log1p => {
            // Compare in the log domain (not `v > expm1(t)`) so the mask is exactly
            // `log1p(image) > threshold_otsu(log1p(image))`. Counts and normalised images are
            // never negative; a negative value (not produced by counting) is air, clamped to 0
            // so the logarithm stays finite. NaN stays NaN and is refused by Otsu.
            let logs = image.mapv(|v| if v < 0.0 { 0.0 } else { v.ln_1p() });
            let threshold = otsu_threshold_array(&logs)?;
            Ok((logs.mapv(|v| v > threshold), threshold.exp_m1()))
        }
    }
}

/// Three-class mask with NM = body ∖ M: M from the annotation (`m`, same size as `image`),
/// body from [`body_mask`].
pub fn otsu_nm(image: ArrayView2<'_, f32>, m: ArrayView2<'_, bool>) -> Result<ThreeClassMask> {
    check_dims("metastasis mask", image.dim(), m.dim())?;
    let (body, _) = body_mask(image)?;
    let nm = Zip::from(&body).and(&m).map_collect(|&b, &is_m| b && !is_m);
    ThreeClassMask::from_parts(m, nm.view())
}
