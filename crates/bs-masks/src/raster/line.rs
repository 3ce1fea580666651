//! Pillow's wide line (`ImagingDrawWideLine`), what `ImageDraw.line(xy, width=w)` draws for
//! `w > 1`.

use super::canvas::Canvas;
use super::polygon::{fill_edges, Edge};
use super::rounding::{round_down_f64, round_up_f64};

/// Draws a segment `width` pixels wide between integer points, exactly as Pillow does: the
/// segment becomes a four-vertex polygon offset by `ROUND_UP`/`ROUND_DOWN((width - 1) / 2)`
/// along the normal, with no caps. A zero-length segment sets a single pixel.
pub fn draw_wide_line(
    canvas: &mut Canvas<'_>,
    (x0, y0): (i32, i32),
    (x1, y1): (i32, i32),
    width: i32,
    ink: u8,
) {
    let dx = x1 - x0;
    let dy = y1 - y0;
    if dx == 0 && dy == 0 {
        canvas.point(x0, y0, ink);
        return;
    }
    let big_hypotenuse = f64::from(dx).hypot(f64::from(dy));
    let small_hypotenuse = f64::from(width - 1) / 2.0;
    let ratio_max = f64::from(round_up_f64(small_hypotenuse)) / big_hypotenuse;
    let ratio_min = f64::from(round_down_f64(small_hypotenuse)) / big_hypotenuse;
    let dxmin = round_down_f64(ratio_min * f64::from(dy));
    let dxmax = round_down_f64(ratio_max * f64::from(dy));
    let dymin = round_down_f64(ratio_min * f64::from(dx));
    let dymax = round_down_f64(ratio_max * f64::from(dx));
    let v = [
        (x0 - dxmin, y0 + dymax),
        (x1 - dxmin, y1 + dymax),
        (x1 + dxmax, y1 - dymin),
        (x0 + dxmax, y0 - dymin),
    ];
    let edges = [
        Edge::new(v[0].0, v[0].1, v[1].0, v[1].1),
        Edge::new(v[1].0, v[1].1, v[2].0, v[2].1),
        Edge::new(v[2].0, v[2].1, v[3].0, v[3].1),
        Edge::new(v[3].0, v[3].1, v[0].0, v[0].1),
    ];
    fill_edges(canvas, &edges, ink);
}
