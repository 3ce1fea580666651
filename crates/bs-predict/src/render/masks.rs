//! Masks as 8-bit PNGs in the original view geometry: 255 = M, 0 = not M.

use std::path::Path;

use image::GrayImage;
use ndarray::ArrayView2;

use crate::error::{PredictError, Result};

/// The mask as an 8-bit image (width = columns, height = rows), 255 where M.
pub(crate) fn mask_image(mask: ArrayView2<'_, bool>) -> GrayImage {
    let (rows, cols) = mask.dim();
    GrayImage::from_fn(cols as u32, rows as u32, |x, y| {
        image::Luma([if mask[[y as usize, x as usize]] {
            255
        } else {
            0
        }])
    })
}

/// Writes [`mask_image`] as PNG.
pub(crate) fn write_mask_png(path: &Path, mask: ArrayView2<'_, bool>) -> Result<()> {
    mask_image(mask)
        .save_with_format(path, image::ImageFormat::Png)
        .map_err(|source| PredictError::Image {
            path: path.to_path_buf(),
            source,
        })
}
