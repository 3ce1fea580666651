//! labelme's `shapes_to_label`, pixel-identical.

use ndarray::Array2;

use super::document::LabelmeDocument;
use super::label_map::{LabelMap, UnknownLabelPolicy};
use super::shape::{Shape, ShapeType};
use super::{LINE_WIDTH, MAX_IMAGE_SIDE, MAX_OUTSIDE_FRACTION, POINT_RADIUS};
use crate::error::{MaskError, Result};
use crate::raster::{draw_wide_line, fill_ellipse, fill_polygon, fill_rectangle, Canvas};

/// Paints every shape of `doc` with its label's class value into a `height`×`width`
/// (rows×columns) mask, in file order, later shapes over earlier ones, exactly as labelme's
/// `shapes_to_label` (Pillow `ImageDraw`) does. Pixels no shape covers are 0.
///
/// Errors: the document's declared image size differs from `width`×`height`; a point lies
/// far outside the image ([`MAX_OUTSIDE_FRACTION`]); a label is not in `labels` (unless the
/// map skips unknown labels).
///
/// One deliberate difference: labelme hands rectangle corners to Pillow as drawn, and Pillow
/// (≥ 9) raises on a rectangle dragged from bottom-right to top-left; here corners are sorted
/// first, which draws what the annotator saw.
pub fn rasterize(
    doc: &LabelmeDocument,
    labels: &LabelMap,
    width: usize,
    height: usize,
) -> Result<Array2<u8>> {
    check_canvas_size(doc, width, height)?;
    doc.check_image_size(width, height)?;
    let mut mask = Array2::<u8>::zeros((height, width));
    let mut canvas = Canvas::new(mask.view_mut());
    for (index, shape) in doc.shapes().iter().enumerate() {
        check_points(doc, index, shape, width, height)?;
        let value = match labels.value(&shape.label) {
            Some(v) => v,
            None if labels.unknown_policy() == UnknownLabelPolicy::Skip => continue,
            None => {
                return Err(MaskError::UnknownLabel {
                    file: doc.file().to_path_buf(),
                    shape: index,
                    label: shape.label.clone(),
                    known: labels.known_labels(),
                })
            }
        };
        draw_shape(&mut canvas, shape, value);
    }
    Ok(mask)
}

/// labelme's `shape_to_mask`: the pixels one shape covers in a `height`×`width` image.
/// Points must be finite and within [`MAX_OUTSIDE_FRACTION`] of the image (as parsed
/// documents guarantee after [`rasterize`]'s checks); `shape_index` only names errors.
pub fn rasterize_shape(
    doc: &LabelmeDocument,
    shape_index: usize,
    width: usize,
    height: usize,
) -> Result<Array2<bool>> {
    check_canvas_size(doc, width, height)?;
    let Some(shape) = doc.shapes().get(shape_index) else {
        return Ok(Array2::from_elem((height, width), false));
    };
    check_points(doc, shape_index, shape, width, height)?;
    let mut mask = Array2::<u8>::zeros((height, width));
    draw_shape(&mut Canvas::new(mask.view_mut()), shape, 1);
    Ok(mask.mapv(|v| v != 0))
}

fn check_canvas_size(doc: &LabelmeDocument, width: usize, height: usize) -> Result<()> {
    if !super::acceptable_size(width as u64, height as u64) {
        return Err(MaskError::BadImageSize {
            file: doc.file().to_path_buf(),
            width,
            height,
            max: MAX_IMAGE_SIDE,
        });
    }
    Ok(())
}

fn check_points(
    doc: &LabelmeDocument,
    index: usize,
    shape: &Shape,
    width: usize,
    height: usize,
) -> Result<()> {
    let (w, h) = (width as f64, height as f64);
    let reach = |v: f64, size: f64| {
        v >= -MAX_OUTSIDE_FRACTION * size && v <= (1.0 + MAX_OUTSIDE_FRACTION) * size
    };
    for (p, &[x, y]) in shape.points.iter().enumerate() {
        // A circle is drawn in the box centre ± radius: check that box, reported at the rim.
        let ok = if shape.shape_type == ShapeType::Circle && p == 1 {
            let [cx, cy] = shape.points[0];
            let r = circle_radius(shape);
            reach(cx - r, w) && reach(cx + r, w) && reach(cy - r, h) && reach(cy + r, h)
        } else {
            reach(x, w) && reach(y, h)
        };
        if !ok {
            return Err(MaskError::PointOutOfBounds {
                file: doc.file().to_path_buf(),
                shape: index,
                point: p,
                x,
                y,
                width,
                height,
            });
        }
    }
    Ok(())
}

/// labelme's circle radius: `sqrt((cx - px)² + (cy - py)²)`.
fn circle_radius(shape: &Shape) -> f64 {
    let [[cx, cy], [px, py]] = [shape.points[0], shape.points[1]];
    ((cx - px).powi(2) + (cy - py).powi(2)).sqrt()
}

/// C's `(int)x` for the coordinates Pillow receives: truncation towards zero. Callers have
/// bounded the value, so the cast cannot saturate.
fn trunc(v: f64) -> i32 {
    v as i32
}

fn draw_shape(canvas: &mut Canvas<'_>, shape: &Shape, ink: u8) {
    let pts = &shape.points;
    match shape.shape_type {
        ShapeType::Polygon => {
            let xy: Vec<(i32, i32)> = pts.iter().map(|&[x, y]| (trunc(x), trunc(y))).collect();
            fill_polygon(canvas, &xy, ink);
        }
        ShapeType::Rectangle => {
            let [[ax, ay], [bx, by]] = [pts[0], pts[1]];
            fill_rectangle(
                canvas,
                trunc(ax.min(bx)),
                trunc(ay.min(by)),
                trunc(ax.max(bx)),
                trunc(ay.max(by)),
                ink,
            );
        }
        ShapeType::Circle => {
            let [cx, cy] = pts[0];
            let d = circle_radius(shape);
            fill_ellipse(
                canvas,
                trunc(cx - d),
                trunc(cy - d),
                trunc(cx + d),
                trunc(cy + d),
                ink,
            );
        }
        ShapeType::Point => {
            let [cx, cy] = pts[0];
            let r = POINT_RADIUS;
            fill_ellipse(
                canvas,
                trunc(cx - r),
                trunc(cy - r),
                trunc(cx + r),
                trunc(cy + r),
                ink,
            );
        }
        ShapeType::Line | ShapeType::Linestrip => {
            for pair in pts.windows(2) {
                let a = (trunc(pair[0][0]), trunc(pair[0][1]));
                let b = (trunc(pair[1][0]), trunc(pair[1][1]));
                draw_wide_line(canvas, a, b, LINE_WIDTH, ink);
            }
        }
    }
}
