//! NM by Otsu thresholding: body minus metastasis.

use ndarray::{Array2, ArrayView2, Zip};

use crate::error::Result;
use crate::otsu::otsu_threshold_array;
use crate::three_class::{check_dims, ThreeClassMask};

/// The body mask of an image: pixels strictly above its Otsu threshold
/// ([`crate::otsu`]), and the threshold.
pub fn body_mask(image: ArrayView2<'_, f32>) -> Result<(Array2<bool>, f32)> {
    let threshold = otsu_threshold_array(&image)?;
    Ok((image.mapv(|v| v > threshold), threshold))
}

/// Three-class mask with NM = body ∖ M: M from the annotation (`m`, same size as `image`),
/// body = `image > otsu_threshold(image)`.
pub fn otsu_nm(image: ArrayView2<'_, f32>, m: ArrayView2<'_, bool>) -> Result<ThreeClassMask> {
    check_dims("metastasis mask", image.dim(), m.dim())?;
    let (body, _) = body_mask(image)?;
    let nm = Zip::from(&body).and(&m).map_collect(|&b, &is_m| b && !is_m);
    ThreeClassMask::from_parts(m, nm.view())
}
