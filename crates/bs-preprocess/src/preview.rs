//! Preview PNGs: the prepared image with its three-class mask overlaid, for checking by eye.

use std::path::Path;

use ndarray::ArrayView2;

use crate::error::{PrepareError, Result};

/// Display gain: the 99th percentile of non-zero intensities maps to white (the normalised images
/// have a mean near 10 of 255, far too dark to look at as they are).
fn display_scale(image: ArrayView2<f32>) -> f32 {
    let mut v: Vec<f32> = image.iter().copied().filter(|&x| x > 0.0).collect();
    if v.is_empty() {
        return 1.0;
    }
    let k = ((v.len() - 1) as f64 * 0.99) as usize;
    let (_, p, _) = v.select_nth_unstable_by(k, f32::total_cmp);
    255.0 / p.max(1.0)
}

/// Writes `image` (0..255) as grey with class overlays: M (2) red, NM (1) green, BG (0) untouched.
pub fn write_preview(path: &Path, image: ArrayView2<f32>, classes: ArrayView2<u8>) -> Result<()> {
    let (rows, cols) = image.dim();
    if classes.dim() != image.dim() {
        return Err(PrepareError::ShapeMismatch {
            what: "preview class mask".into(),
            got: classes.dim(),
            expected: image.dim(),
        });
    }
    let scale = display_scale(image);
    let mut rgb = image::RgbImage::new(cols as u32, rows as u32);
    for ((r, c), &v) in image.indexed_iter() {
        let g = (v * scale).clamp(0.0, 255.0);
        let px = match classes[[r, c]] {
            2 => [0.4 * g + 0.6 * 255.0, 0.4 * g, 0.4 * g],
            1 => [0.75 * g, 0.75 * g + 0.25 * 255.0, 0.75 * g],
            _ => [g, g, g],
        };
        rgb.put_pixel(c as u32, r as u32, image::Rgb(px.map(|x| x.round() as u8)));
    }
    rgb.save_with_format(path, image::ImageFormat::Png)
        .map_err(|e| PrepareError::Preview {
            path: path.into(),
            reason: e.to_string(),
        })
}
