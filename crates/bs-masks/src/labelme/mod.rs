//! Labelme annotations (Section 3.2 of the paper): parsing and Pillow-identical rasterising.
//!
//! The paper's physicians outlined lesions in labelme; labelme turns each shape into a mask
//! with Pillow (`labelme.utils.shape_to_mask`) and paints shapes in file order, later shapes
//! over earlier ones (`shapes_to_label`). [`rasterize`] reproduces that result pixel for pixel.

mod document;
mod label_map;
mod non_finite;
mod rasterize;
mod shape;

pub use document::LabelmeDocument;
pub use label_map::{LabelMap, UnknownLabelPolicy};
pub use rasterize::{rasterize, rasterize_shape};
pub use shape::{Shape, ShapeType};

/// Largest image side (pixels) accepted from a file's declared size. Whole-body views are
/// 1024×256.
pub const MAX_IMAGE_SIDE: usize = 32_768;

/// Largest image area (width × height) accepted: 64 Mi pixels (8192×8192), so that a corrupt
/// `imageWidth`/`imageHeight` in a file of a few bytes cannot make rasterising allocate more
/// than 64 MiB per mask (the side limit alone allowed 1 GiB). A whole-body AP|PA image is
/// 1024×512, half a Mi pixel.
pub const MAX_IMAGE_PIXELS: usize = 1 << 26;

/// Whether `width`×`height` is a size a file may declare or a mask may be drawn at.
pub(crate) fn acceptable_size(width: u64, height: u64) -> bool {
    let side = 1..=MAX_IMAGE_SIDE as u64;
    side.contains(&width) && side.contains(&height) && width * height <= MAX_IMAGE_PIXELS as u64
}

/// How far outside the image a point may lie, as a fraction of the image size on that axis,
/// before it is rejected as corrupt (`-1.0 × width ≤ x ≤ 2.0 × width`, likewise for y).
/// labelme clamps points to the image while drawing, so real files stay within it; points a
/// little outside are drawn (and clipped) exactly as labelme would.
pub const MAX_OUTSIDE_FRACTION: f64 = 1.0;

/// labelme's `line_width` for `line` and `linestrip` shapes (pixels).
pub const LINE_WIDTH: i32 = 10;

/// labelme's `point_size`: a `point` shape is a filled circle of this radius (pixels).
pub const POINT_RADIUS: f64 = 5.0;
