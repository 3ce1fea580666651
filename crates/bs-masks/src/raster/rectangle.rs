//! Pillow's filled rectangle (`ImagingDrawRectangle` with `fill`).

use super::canvas::Canvas;

/// Fills the rectangle with integer corners `(x0, y0)`–`(x1, y1)`, both inclusive, as
/// `ImageDraw.rectangle(..., fill=ink)` does. Corners must be ordered (`x0 <= x1`, `y0 <= y1`);
/// Pillow rejects unordered ones and callers sort them first.
pub fn fill_rectangle(canvas: &mut Canvas<'_>, x0: i32, y0: i32, x1: i32, y1: i32, ink: u8) {
    let (y0, y1) = if y0 > y1 { (y1, y0) } else { (y0, y1) };
    if y0 >= canvas.height() || y1 < 0 {
        return;
    }
    let y0 = y0.max(0);
    let y1 = y1.min(canvas.height());
    for y in y0..=y1 {
        canvas.hline(x0, y, x1, ink);
    }
}
