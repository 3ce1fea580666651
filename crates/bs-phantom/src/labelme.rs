//! Labelme 4.5.9 annotation documents of the synthetic lesions.
//!
//! Coordinates: the JSON annotates the **merged raw image**, `1024 × 512`, anterior view in
//! columns 0–255 and posterior view (mirrored, as acquired) in columns 256–511, so one document
//! covers both views; `x` is the column and `y` the row, pixel centres at integer coordinates
//! (Labelme's and Pillow's convention). Every visible lesion gets one `"metastasis"` polygon per
//! view and per connected piece.

use bs_masks::labelme::{LabelmeDocument, Shape, ShapeType};

use crate::patient::SyntheticPatient;
use crate::trace::trace_polygons;
use crate::{VIEW_COLS, VIEW_ROWS};

/// Label of lesion polygons (class M).
pub const LESION_LABEL: &str = "metastasis";
/// Labelme version written into the documents (the paper used 4.5.9).
pub const LABELME_VERSION: &str = "4.5.9";
/// Douglas–Peucker tolerance of the traced outlines, pixels.
pub const OUTLINE_TOLERANCE_PX: f64 = 0.6;

/// The Labelme document of a patient, and for each lesion the indices of its shapes.
pub fn labelme_document(
    patient: &SyntheticPatient,
    image_path: &str,
) -> (LabelmeDocument, Vec<Vec<usize>>) {
    let mut shapes = Vec::new();
    let mut per_lesion = Vec::new();
    for pixels in &patient.lesion_pixels {
        let mut idx = Vec::new();
        // trace each view separately: a lesion seen in both views is two annotations
        for half in 0..2 {
            let view: Vec<(usize, usize)> = pixels
                .iter()
                .copied()
                .filter(|&(_, c)| (c >= VIEW_COLS) == (half == 1))
                .collect();
            for points in trace_polygons(&view, OUTLINE_TOLERANCE_PX) {
                idx.push(shapes.len());
                shapes.push(Shape {
                    label: LESION_LABEL.to_string(),
                    shape_type: ShapeType::Polygon,
                    points,
                    group_id: None,
                });
            }
        }
        per_lesion.push(idx);
    }
    let doc = LabelmeDocument::new(
        LABELME_VERSION,
        image_path,
        (2 * VIEW_COLS, VIEW_ROWS),
        shapes,
    )
    .expect("traced outlines have at least 3 finite points, on an image of the view size");
    (doc, per_lesion)
}
