//! PNG/JPEG view images, as public bone-scan data sets ship them (one file per view).
//!
//! Grey images keep their values as counts (8- or 16-bit); colour images whose channels are all
//! equal use the first channel; other colour images are converted to luma (Rec. 709 weights,
//! as the `image` crate does) — such files hold display values, not counts.

use std::io::Cursor;
use std::path::Path;

use image::{DynamicImage, ImageFormat};
use ndarray::Array2;

use crate::error::{DicomError, Result};
use crate::options::ReadOptions;
use crate::scan::SourceFormat;

/// PNG or JPEG magic at the start of `bytes`.
pub(crate) fn sniff(bytes: &[u8]) -> Option<SourceFormat> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(SourceFormat::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(SourceFormat::Jpeg)
    } else {
        None
    }
}

/// A decoded view image: pixels and bits per sample.
pub(crate) struct RasterView {
    pub pixels: Array2<f32>,
    pub bits: u16,
}

/// Decodes a PNG/JPEG view, refusing images whose decoded size exceeds the limit.
pub(crate) fn decode(
    path: &Path,
    bytes: &[u8],
    format: SourceFormat,
    opts: &ReadOptions,
) -> Result<RasterView> {
    let err = |detail: String| DicomError::Raster {
        path: path.to_path_buf(),
        detail,
    };
    let fmt = match format {
        SourceFormat::Png => ImageFormat::Png,
        _ => ImageFormat::Jpeg,
    };
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), fmt);
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(opts.max_image_bytes);
    reader.limits(limits);
    let img = reader.decode().map_err(|e| err(e.to_string()))?;
    let (w, h) = (img.width() as usize, img.height() as usize);
    let (values, bits): (Vec<f32>, u16) = match img {
        DynamicImage::ImageLuma8(g) => (g.into_raw().into_iter().map(f32::from).collect(), 8),
        DynamicImage::ImageLumaA8(g) => (
            g.into_raw()
                .chunks_exact(2)
                .map(|p| f32::from(p[0]))
                .collect(),
            8,
        ),
        DynamicImage::ImageLuma16(g) => (g.into_raw().into_iter().map(f32::from).collect(), 16),
        DynamicImage::ImageLumaA16(g) => (
            g.into_raw()
                .chunks_exact(2)
                .map(|p| f32::from(p[0]))
                .collect(),
            16,
        ),
        DynamicImage::ImageRgb8(ref rgb) if rgb.pixels().all(|p| p[0] == p[1] && p[1] == p[2]) => {
            (rgb.pixels().map(|p| f32::from(p[0])).collect(), 8)
        }
        DynamicImage::ImageRgb16(ref rgb) if rgb.pixels().all(|p| p[0] == p[1] && p[1] == p[2]) => {
            (rgb.pixels().map(|p| f32::from(p[0])).collect(), 16)
        }
        other if other.color().bytes_per_pixel() / other.color().channel_count() >= 2 => (
            other
                .to_luma16()
                .into_raw()
                .into_iter()
                .map(f32::from)
                .collect(),
            16,
        ),
        other => (
            other
                .to_luma8()
                .into_raw()
                .into_iter()
                .map(f32::from)
                .collect(),
            8,
        ),
    };
    let pixels = Array2::from_shape_vec((h, w), values).map_err(|e| err(e.to_string()))?;
    Ok(RasterView { pixels, bits })
}
