//! PNG renderings: the exported image an annotator labels, the ground-truth mask, and the
//! contact sheet for people to look at.

use image::{GrayImage, Luma, Rgb, RgbImage};
use ndarray::ArrayView2;

use crate::patient::SyntheticPatient;

/// The exported 8-bit image of merged counts (`1024 × 512`, AP‖PA) that the Labelme document
/// refers to: linear window from 0 to the 99.5th percentile of non-zero counts (× 1.3),
/// inverted like a film (hot = dark), as bone scans are read.
pub fn export_image(counts: ArrayView2<u16>) -> GrayImage {
    let top = window_top(counts);
    let (rows, cols) = counts.dim();
    GrayImage::from_fn(cols as u32, rows as u32, |x, y| {
        let v = f32::from(counts[(y as usize, x as usize)]);
        Luma([255 - (v / top * 255.0).clamp(0.0, 255.0) as u8])
    })
}

fn window_top(counts: ArrayView2<u16>) -> f32 {
    let mut nz: Vec<u16> = counts.iter().copied().filter(|&v| v > 0).collect();
    if nz.is_empty() {
        return 1.0;
    }
    let k = ((nz.len() - 1) as f64 * 0.995) as usize;
    let (_, v, _) = nz.select_nth_unstable(k);
    (f32::from(*v) * 1.3).max(1.0)
}

/// The exact ground-truth mask as an 8-bit PNG: 255 = metastasis (class M), 0 = other.
pub fn mask_image(mask: ArrayView2<bool>) -> GrayImage {
    let (rows, cols) = mask.dim();
    GrayImage::from_fn(cols as u32, rows as u32, |x, y| {
        Luma([if mask[(y as usize, x as usize)] {
            255
        } else {
            0
        }])
    })
}

/// A contact sheet: each patient's merged image at half resolution (`512 × 256` per tile),
/// lesion outlines in red, tiles side by side in `columns` columns.
pub fn contact_sheet(patients: &[&SyntheticPatient], columns: usize) -> RgbImage {
    let columns = columns.max(1);
    let (tile_h, tile_w) = (512u32, 256u32);
    let n_rows = patients.len().div_ceil(columns).max(1) as u32;
    let mut sheet = RgbImage::from_pixel(
        columns as u32 * tile_w,
        n_rows * tile_h,
        Rgb([255, 255, 255]),
    );
    for (i, p) in patients.iter().enumerate() {
        let counts = p.merged_counts();
        let top = window_top(counts.view());
        let mask = p.lesion_mask();
        let (ox, oy) = ((i % columns) as u32 * tile_w, (i / columns) as u32 * tile_h);
        for y in 0..tile_h {
            for x in 0..tile_w {
                let (r, c) = (2 * y as usize, 2 * x as usize);
                let sum: f32 = [(0, 0), (0, 1), (1, 0), (1, 1)]
                    .iter()
                    .map(|&(dr, dc)| f32::from(counts[(r + dr, c + dc)]))
                    .sum();
                let g = 255 - (sum / 4.0 / top * 255.0).clamp(0.0, 255.0) as u8;
                let inside = |rr: usize, cc: usize| mask[(rr, cc)];
                let any = (0..2).any(|dr| (0..2).any(|dc| inside(r + dr, c + dc)));
                let edge = any && {
                    let (r0, r1) = (r.saturating_sub(1), (r + 2).min(mask.nrows() - 1));
                    let (c0, c1) = (c.saturating_sub(1), (c + 2).min(mask.ncols() - 1));
                    (r0..=r1).any(|rr| (c0..=c1).any(|cc| !inside(rr, cc)))
                };
                let px = if edge {
                    Rgb([230, 20, 20])
                } else {
                    Rgb([g, g, g])
                };
                sheet.put_pixel(ox + x, oy + y, px);
            }
        }
        // a thin separator between the tiles
        for y in 0..tile_h {
            sheet.put_pixel(ox, oy + y, Rgb([200, 200, 200]));
        }
    }
    sheet
}
