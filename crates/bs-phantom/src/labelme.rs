//! Labelme 4.5.9 annotation documents of the synthetic lesions.
//!
//! Coordinates: the JSON annotates the **merged raw image**, `1024 × 512`, anterior view in
//! columns 0–255 and posterior view (mirrored, as acquired) in columns 256–511, so one document
//! covers both views; `x` is the column and `y` the row, pixel centres at integer coordinates
//! (Labelme's and Pillow's convention). Every visible lesion gets one `"metastasis"` polygon per
//! view and per connected piece.

use serde::{Deserialize, Serialize};

use crate::patient::SyntheticPatient;
use crate::trace::trace_polygons;
use crate::{VIEW_COLS, VIEW_ROWS};

/// Label of lesion polygons (class M).
pub const LESION_LABEL: &str = "metastasis";
/// Labelme version written into the documents (the paper used 4.5.9).
pub const LABELME_VERSION: &str = "4.5.9";
/// Douglas–Peucker tolerance of the traced outlines, pixels.
pub const OUTLINE_TOLERANCE_PX: f64 = 0.6;

/// One Labelme shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelmeShape {
    /// Class label.
    pub label: String,
    /// Vertices `[x, y]`.
    pub points: Vec<[f64; 2]>,
    /// Group id (unused: `null`).
    pub group_id: Option<i64>,
    /// `"polygon"`.
    pub shape_type: String,
    /// Per-shape flags (empty).
    pub flags: serde_json::Map<String, serde_json::Value>,
}

/// A Labelme document, keys in the order Labelme writes them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelmeDocument {
    /// Labelme version.
    pub version: String,
    /// Image-level flags (empty).
    pub flags: serde_json::Map<String, serde_json::Value>,
    /// The polygons.
    pub shapes: Vec<LabelmeShape>,
    /// Image file, relative to the JSON file.
    pub image_path: String,
    /// Embedded image (not embedded: `null`).
    pub image_data: Option<String>,
    /// Image rows.
    pub image_height: usize,
    /// Image columns.
    pub image_width: usize,
}

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
                shapes.push(LabelmeShape {
                    label: LESION_LABEL.to_string(),
                    points,
                    group_id: None,
                    shape_type: "polygon".to_string(),
                    flags: serde_json::Map::new(),
                });
            }
        }
        per_lesion.push(idx);
    }
    let doc = LabelmeDocument {
        version: LABELME_VERSION.to_string(),
        flags: serde_json::Map::new(),
        shapes,
        image_path: image_path.to_string(),
        image_data: None,
        image_height: VIEW_ROWS,
        image_width: 2 * VIEW_COLS,
    };
    (doc, per_lesion)
}
