//! PNG renderings: the exported image an annotator labels, the ground-truth mask, and the
//! contact sheet for people to look at.

use image::{GrayImage, Luma, Rgb, RgbImage};
use ndarray::{Array2, ArrayView2};

use crate::patient::SyntheticPatient;
use crate::{VIEW_COLS, VIEW_ROWS};

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
    contact_sheet_with_reference(None, patients, columns)
}

/// [`contact_sheet`] with a real scan's merged counts (`1024 × 512`, anterior in columns
/// 0–255, posterior in 256–511, zeros where a view is missing) as the first tile, windowed by
/// the same rule as the phantoms (0 to 1.3 × the 99.5th percentile of non-zero counts).
pub fn contact_sheet_with_reference(
    reference: Option<ArrayView2<u16>>,
    patients: &[&SyntheticPatient],
    columns: usize,
) -> RgbImage {
    let columns = columns.max(1);
    let tiles = patients.len() + usize::from(reference.is_some());
    let n_rows = tiles.div_ceil(columns).max(1) as u32;
    let mut sheet = RgbImage::from_pixel(
        columns as u32 * TILE_W,
        n_rows * TILE_H,
        Rgb([255, 255, 255]),
    );
    let mut at = 0;
    if let Some(counts) = reference {
        draw_tile(&mut sheet, at, columns, counts, None);
        at += 1;
    }
    for p in patients {
        let (counts, mask) = (p.merged_counts(), p.lesion_mask());
        draw_tile(&mut sheet, at, columns, counts.view(), Some(mask.view()));
        at += 1;
    }
    sheet
}

/// A real scan's views as merged counts for [`contact_sheet_with_reference`] (`1024 × 512`:
/// anterior, then posterior; cropped or zero-padded to the phantom's matrix, zeros where a view
/// is missing).
pub fn reference_counts(scan: &bs_dicom::WholeBodyScan) -> Array2<u16> {
    let mut out = Array2::<u16>::zeros((VIEW_ROWS, 2 * VIEW_COLS));
    let views = std::iter::once(&scan.anterior).chain(scan.posterior.as_ref());
    for (k, view) in views.enumerate() {
        for ((r, c), &x) in view.pixels.indexed_iter() {
            if r < VIEW_ROWS && c < VIEW_COLS {
                out[(r, k * VIEW_COLS + c)] = x.round().clamp(0.0, f32::from(u16::MAX)) as u16;
            }
        }
    }
    out
}

const TILE_W: u32 = 256;
const TILE_H: u32 = 512;

/// Draws tile `i`: merged counts at half resolution, the mask's outline in red.
fn draw_tile(
    sheet: &mut RgbImage,
    i: usize,
    columns: usize,
    counts: ArrayView2<u16>,
    mask: Option<ArrayView2<bool>>,
) {
    let top = window_top(counts);
    let (ox, oy) = ((i % columns) as u32 * TILE_W, (i / columns) as u32 * TILE_H);
    let inside = |rr: usize, cc: usize| mask.is_some_and(|m| m[(rr, cc)]);
    let (rows, cols) = counts.dim();
    for y in 0..TILE_H.min(rows as u32 / 2) {
        for x in 0..TILE_W.min(cols as u32 / 2) {
            let (r, c) = (2 * y as usize, 2 * x as usize);
            let sum: f32 = [(0, 0), (0, 1), (1, 0), (1, 1)]
                .iter()
                .map(|&(dr, dc)| f32::from(counts[(r + dr, c + dc)]))
                .sum();
            let g = 255 - (sum / 4.0 / top * 255.0).clamp(0.0, 255.0) as u8;
            let any = (0..2).any(|dr| (0..2).any(|dc| inside(r + dr, c + dc)));
            let edge = any && {
                let (r0, r1) = (r.saturating_sub(1), (r + 2).min(rows - 1));
                let (c0, c1) = (c.saturating_sub(1), (c + 2).min(cols - 1));
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
    for y in 0..TILE_H {
        sheet.put_pixel(ox, oy + y, Rgb([200, 200, 200]));
    }
}
