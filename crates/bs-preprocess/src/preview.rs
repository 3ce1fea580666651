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
    let (image, classes) = (image.as_standard_layout(), classes.as_standard_layout());
    let mut rgb = vec![0u8; rows * cols * 3];
    overlay_rgb(
        image.as_slice().expect("standard layout"),
        classes.as_slice().expect("standard layout"),
        scale,
        &mut rgb,
    );
    let rgb = image::RgbImage::from_raw(cols as u32, rows as u32, rgb)
        .expect("3 bytes per pixel of rows × cols");
    rgb.save_with_format(path, image::ImageFormat::Png)
        .map_err(|e| PrepareError::Preview {
            path: path.into(),
            reason: e.to_string(),
        })
}

bs_simd::vectorised! {
    /// The preview's RGB bytes: grey `image · scale`, M (2) blended towards red, NM (1) towards
    /// green. Compiled for AVX2 too, where rounding is an instruction rather than a `roundf`
    /// call per channel (a fifth of `bonescan prepare`'s time before).
    fn overlay_rgb, overlay_rgb_baseline(image: &[f32], classes: &[u8], scale: f32, rgb: &mut [u8]) {
        for ((&v, &class), px) in image.iter().zip(classes).zip(rgb.chunks_exact_mut(3)) {
            let g = (v * scale).clamp(0.0, 255.0);
            let channels = match class {
                2 => [0.4 * g + 0.6 * 255.0, 0.4 * g, 0.4 * g],
                1 => [0.75 * g, 0.75 * g + 0.25 * 255.0, 0.75 * g],
                _ => [g, g, g],
            };
            for (d, x) in px.iter_mut().zip(channels) {
                *d = x.round() as u8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlay_variants_equal_the_per_pixel_formula() {
        let image: Vec<f32> = (0..4000).map(|i| (i % 600) as f32 * 0.43 + 0.5).collect();
        let classes: Vec<u8> = (0..4000).map(|i| ((i / 7) % 3) as u8).collect();
        let scale = 1.7;
        let expected: Vec<u8> = image
            .iter()
            .zip(&classes)
            .flat_map(|(&v, &k)| {
                let g = (v * scale).clamp(0.0, 255.0);
                let px = match k {
                    2 => [0.4 * g + 0.6 * 255.0, 0.4 * g, 0.4 * g],
                    1 => [0.75 * g, 0.75 * g + 0.25 * 255.0, 0.75 * g],
                    _ => [g, g, g],
                };
                px.map(|x| x.round() as u8)
            })
            .collect();
        let mut fast = vec![0u8; 12_000];
        overlay_rgb(&image, &classes, scale, &mut fast);
        let mut baseline = vec![0u8; 12_000];
        overlay_rgb_baseline(&image, &classes, scale, &mut baseline);
        assert_eq!(fast, expected);
        assert_eq!(baseline, expected);
        // half-way values round away from zero, as before
        let mut px = [0u8; 3];
        overlay_rgb(&[2.5], &[0], 1.0, &mut px);
        assert_eq!(px, [3, 3, 3]);
    }
}
