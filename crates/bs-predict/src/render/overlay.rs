//! `overlay.png`: the original views side by side at their original contrast (counts, linear
//! window), M filled in translucent red and outlined in amber, titles and a legend.
//!
//! Window: `grey = 255 · min(1, counts / w)` with `w` the 99.5th percentile of the view's
//! non-zero counts, so that the bladder or an injection site does not turn the skeleton black.

use std::path::Path;

use image::{Rgb, RgbImage};
use ndarray::ArrayView2;

use crate::error::{PredictError, Result};
use crate::render::font::{draw_text, GLYPH_H};

/// Fill colour of M pixels (blended 50 % with the grey).
pub(crate) const FILL: Rgb<u8> = Rgb([230, 30, 30]);
/// Outline colour: M pixels with a 4-neighbour outside M.
pub(crate) const OUTLINE: Rgb<u8> = Rgb([255, 200, 0]);
const MARGIN: u32 = 16;
const TITLE_H: u32 = 28;
const LEGEND_H: u32 = 96;
const BACKGROUND: Rgb<u8> = Rgb([24, 24, 24]);
const TEXT: Rgb<u8> = Rgb([235, 235, 235]);

/// One panel of the overlay.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OverlayView<'a> {
    /// `ANTERIOR` / `POSTERIOR`.
    pub title: &'a str,
    /// Counts and M mask of the view; `None` draws a "missing" panel.
    pub data: Option<(ArrayView2<'a, f32>, ArrayView2<'a, bool>)>,
    /// Lesions found on the view.
    pub lesions: usize,
}

/// The display window `w` of a view (see the module doc); at least 1 count.
pub(crate) fn display_window(counts: ArrayView2<'_, f32>) -> f32 {
    let mut nz: Vec<f32> = counts.iter().copied().filter(|&v| v > 0.0).collect();
    if nz.is_empty() {
        return 1.0;
    }
    let k = ((nz.len() - 1) as f64 * 0.995).round() as usize;
    let (_, v, _) = nz.select_nth_unstable_by(k, f32::total_cmp);
    v.max(1.0)
}

fn is_outline(mask: &ArrayView2<'_, bool>, r: usize, c: usize) -> bool {
    let (rows, cols) = mask.dim();
    r == 0
        || c == 0
        || r + 1 == rows
        || c + 1 == cols
        || !mask[[r - 1, c]]
        || !mask[[r + 1, c]]
        || !mask[[r, c - 1]]
        || !mask[[r, c + 1]]
}

/// Renders the overlay (see the module doc); `footer` lines go under the legend.
pub(crate) fn overlay_image(views: &[OverlayView<'_>], footer: &[String]) -> RgbImage {
    let panel_w = views
        .iter()
        .filter_map(|v| v.data.map(|(c, _)| c.ncols() as u32))
        .max()
        .unwrap_or(256);
    let panel_h = views
        .iter()
        .filter_map(|v| v.data.map(|(c, _)| c.nrows() as u32))
        .max()
        .unwrap_or(1024);
    let n = views.len().max(1) as u32;
    let width = n * panel_w + (n + 1) * MARGIN;
    let height = TITLE_H + panel_h + LEGEND_H + 12 * footer.len() as u32;
    let mut img = RgbImage::from_pixel(width, height, BACKGROUND);
    for (i, view) in views.iter().enumerate() {
        let x0 = MARGIN + i as u32 * (panel_w + MARGIN);
        let y0 = TITLE_H;
        let title = format!("{} - {} LESIONS", view.title, view.lesions);
        match view.data {
            Some((counts, mask)) => {
                draw_text(&mut img, x0, 8, &title, 2, TEXT);
                let w = display_window(counts);
                for ((r, c), &v) in counts.indexed_iter() {
                    let g = (255.0 * (v / w).clamp(0.0, 1.0)).round() as u8;
                    let px = if mask[[r, c]] {
                        if is_outline(&mask, r, c) {
                            OUTLINE
                        } else {
                            Rgb([
                                ((u16::from(g) + u16::from(FILL[0])) / 2) as u8,
                                ((u16::from(g) + u16::from(FILL[1])) / 2) as u8,
                                ((u16::from(g) + u16::from(FILL[2])) / 2) as u8,
                            ])
                        }
                    } else {
                        Rgb([g, g, g])
                    };
                    img.put_pixel(x0 + c as u32, y0 + r as u32, px);
                }
            }
            None => {
                draw_text(&mut img, x0, 8, view.title, 2, TEXT);
                for y in y0..y0 + panel_h {
                    for x in x0..x0 + panel_w {
                        img.put_pixel(x, y, Rgb([60, 60, 60]));
                    }
                }
                draw_text(
                    &mut img,
                    x0 + 8,
                    y0 + panel_h / 2 - 20,
                    "VIEW MISSING",
                    2,
                    TEXT,
                );
                draw_text(
                    &mut img,
                    x0 + 8,
                    y0 + panel_h / 2 + 4,
                    "NOT IN THE FILE,",
                    1,
                    TEXT,
                );
                draw_text(
                    &mut img,
                    x0 + 8,
                    y0 + panel_h / 2 + 16,
                    "NOTHING INVENTED",
                    1,
                    TEXT,
                );
            }
        }
    }
    // legend
    let ly = TITLE_H + panel_h + 10;
    let swatch = |img: &mut RgbImage, x: u32, y: u32, c: Rgb<u8>| {
        for dy in 0..14 {
            for dx in 0..14 {
                img.put_pixel(x + dx, y + dy, c);
            }
        }
    };
    swatch(&mut img, MARGIN, ly, FILL);
    draw_text(
        &mut img,
        MARGIN + 22,
        ly + 3,
        "METASTASIS (M), FILLED",
        1,
        TEXT,
    );
    swatch(&mut img, MARGIN, ly + 22, OUTLINE);
    draw_text(&mut img, MARGIN + 22, ly + 25, "LESION OUTLINE", 1, TEXT);
    draw_text(
        &mut img,
        MARGIN,
        ly + 46,
        "GREY: ORIGINAL COUNTS, 0 TO 99.5TH PERCENTILE",
        1,
        TEXT,
    );
    draw_text(
        &mut img,
        MARGIN,
        ly + 46 + GLYPH_H + 6,
        "FOR REVIEW BY A PHYSICIAN - NOT A DIAGNOSIS",
        1,
        Rgb([255, 160, 160]),
    );
    for (i, line) in footer.iter().enumerate() {
        draw_text(
            &mut img,
            MARGIN,
            ly + 46 + 2 * (GLYPH_H + 6) + 12 * i as u32,
            line,
            1,
            TEXT,
        );
    }
    img
}

/// Writes [`overlay_image`] as PNG.
pub(crate) fn write_overlay_png(
    path: &Path,
    views: &[OverlayView<'_>],
    footer: &[String],
) -> Result<()> {
    overlay_image(views, footer)
        .save_with_format(path, image::ImageFormat::Png)
        .map_err(|source| PredictError::Image {
            path: path.to_path_buf(),
            source,
        })
}
