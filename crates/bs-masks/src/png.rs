//! 8-bit class PNGs, as labelme's export writes them.
//!
//! labelme's `lblsave` writes class values as palette indices; here they are written as 8-bit
//! grayscale values. Both read back to the same array with `numpy.asarray(PIL.Image.open(p))`
//! and with [`read_class_png`].

use std::path::Path;

use ndarray::{Array2, ArrayView2};

use crate::error::{MaskError, Result};

/// Writes a rows × cols class mask as an 8-bit grayscale PNG (pixel value = class value).
pub fn write_class_png(path: impl AsRef<Path>, classes: ArrayView2<'_, u8>) -> Result<()> {
    let path = path.as_ref();
    let (rows, cols) = classes.dim();
    let pixels: Vec<u8> = classes.iter().copied().collect();
    image::save_buffer_with_format(
        path,
        &pixels,
        cols as u32,
        rows as u32,
        image::ExtendedColorType::L8,
        image::ImageFormat::Png,
    )
    .map_err(|source| MaskError::Png {
        file: path.to_path_buf(),
        source,
    })
}

/// Reads an 8-bit single-channel PNG (grayscale or palette indices are not expanded: only
/// `L8` is accepted) into a rows × cols array.
pub fn read_class_png(path: impl AsRef<Path>) -> Result<Array2<u8>> {
    let path = path.as_ref();
    let png_error = |source| MaskError::Png {
        file: path.to_path_buf(),
        source,
    };
    let img = image::ImageReader::open(path)
        .map_err(|e| png_error(image::ImageError::IoError(e)))?
        .decode()
        .map_err(png_error)?;
    let image::DynamicImage::ImageLuma8(gray) = img else {
        return Err(MaskError::NotClassPng {
            file: path.to_path_buf(),
            color: format!("{:?}", img.color()),
        });
    };
    let (w, h) = gray.dimensions();
    Ok(
        Array2::from_shape_vec((h as usize, w as usize), gray.into_raw())
            .expect("image buffer length equals width × height"),
    )
}
