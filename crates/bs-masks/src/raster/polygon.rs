//! Pillow's scanline polygon filler (`ImagingDrawPolygon` + `polygon_generic`, fill only).

use super::canvas::Canvas;
use super::rounding::{round_down_f32, round_up_f32};

/// One polygon edge as Pillow stores it: integer end points and a float32 inverse slope.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Edge {
    x0: i32,
    y0: i32,
    xmin: i32,
    ymin: i32,
    xmax: i32,
    ymax: i32,
    /// `(x1 - x0) / (y1 - y0)` in single precision; 0 for horizontal edges.
    dx: f32,
}

impl Edge {
    /// Pillow's `add_edge`.
    pub(crate) fn new(x0: i32, y0: i32, x1: i32, y1: i32) -> Self {
        let dx = if y0 == y1 {
            0.0
        } else {
            (x1 - x0) as f32 / (y1 - y0) as f32
        };
        Self {
            x0,
            y0,
            xmin: x0.min(x1),
            xmax: x0.max(x1),
            ymin: y0.min(y1),
            ymax: y0.max(y1),
            dx,
        }
    }

    /// x where the edge crosses row `y`, computed as Pillow does:
    /// `(y - y0) * dx + x0` in float32.
    fn x_at(&self, y: i32) -> f32 {
        (y - self.y0) as f32 * self.dx + self.x0 as f32
    }
}

/// Fills the polygon through integer vertices `xy` with `ink`, exactly as Pillow's
/// `ImageDraw.polygon(xy, fill=ink)` does once the vertices are truncated to integers.
///
/// The polygon is closed automatically; consecutive horizontal edges running the same way
/// are merged first, as Pillow does.
pub fn fill_polygon(canvas: &mut Canvas<'_>, xy: &[(i32, i32)], ink: u8) {
    if xy.is_empty() {
        return;
    }
    let mut edges: Vec<Edge> = Vec::with_capacity(xy.len());
    for i in 0..xy.len() - 1 {
        let (x0, y0) = xy[i];
        let (x1, y1) = xy[i + 1];
        if y0 == y1 && i != 0 && y0 == xy[i - 1].1 {
            // A horizontal edge right after another one: Pillow extends the previous edge
            // when both run the same way instead of adding a new one.
            let prev_x = xy[i - 1].0;
            if let Some(last) = edges.last_mut() {
                if x1 > x0 && x0 > prev_x {
                    last.xmax = x1;
                    continue;
                } else if x1 < x0 && x0 < prev_x {
                    last.xmin = x1;
                    continue;
                }
            }
        }
        edges.push(Edge::new(x0, y0, x1, y1));
    }
    let first = xy[0];
    let last = xy[xy.len() - 1];
    if last != first {
        edges.push(Edge::new(last.0, last.1, first.0, first.1));
    }
    fill_edges(canvas, &edges, ink);
}

/// Pillow's `polygon_generic` for opaque 8-bit images.
pub(crate) fn fill_edges(canvas: &mut Canvas<'_>, edges: &[Edge], ink: u8) {
    if edges.is_empty() {
        return;
    }
    let mut ymin = canvas.height() - 1;
    let mut ymax = 0;
    let mut table: Vec<&Edge> = Vec::with_capacity(edges.len());
    for e in edges {
        ymin = ymin.min(e.ymin);
        ymax = ymax.max(e.ymax);
        if e.ymin == e.ymax {
            // Horizontal edges are drawn directly and take no part in the scanline pairing.
            canvas.hline(e.xmin, e.ymin, e.xmax, ink);
            continue;
        }
        table.push(e);
    }
    let ymin = ymin.max(0);
    // Pillow clamps to ysize (one past the last row); hline ignores that row.
    let ymax = ymax.min(canvas.height());

    let mut xx: Vec<f32> = Vec::with_capacity(table.len() * 2);
    for y in ymin..=ymax {
        xx.clear();
        for (i, current) in table.iter().enumerate() {
            if y < current.ymin || y > current.ymax {
                continue;
            }
            xx.push(current.x_at(y));
            if y == current.ymax && y < ymax {
                // An edge ending on this row counts twice so the span pairing stays even.
                let x = xx[xx.len() - 1];
                xx.push(x);
            } else if (y == current.ymin || y == current.ymax) && current.dx != 0.0 {
                connect_corner(&table[..i], current, y, &mut xx);
            }
        }
        xx.sort_by(f32::total_cmp);
        for pair in xx.chunks_exact(2) {
            canvas.hline(round_up_f32(pair[0]), y, round_down_f32(pair[1]), ink);
        }
    }
}

/// Pillow's "connect discontiguous corners" fix-up: where two sloped edges meet at a vertex
/// on row `y`, the crossing just pushed is widened towards the neighbouring row's crossings.
fn connect_corner(earlier: &[&Edge], current: &Edge, y: i32, xx: &mut [f32]) {
    let last = xx.len() - 1;
    for other in earlier {
        if (y != other.ymin && y != other.ymax) || other.dx == 0.0 {
            continue;
        }
        if xx[last].round() != other.x_at(y).round() {
            continue;
        }
        let offset = if y == current.ymax { -1 } else { 1 };
        let adjacent = current.x_at(y + offset);
        if y + offset >= other.ymin && y + offset <= other.ymax {
            let adjacent_other = other.x_at(y + offset);
            if xx[last] > adjacent + 1.0 && xx[last] > adjacent_other + 1.0 {
                xx[last] = adjacent.max(adjacent_other).round() + 1.0;
            } else if xx[last] < adjacent - 1.0 && xx[last] < adjacent_other - 1.0 {
                xx[last] = adjacent.min(adjacent_other).round() - 1.0;
            }
            break;
        }
    }
}
