//! Lesion outlines as an annotator draws them in Labelme.
//!
//! An annotator clicks around the hot spot along its edge pixels. Here: the outer boundary of
//! each 8-connected component of a lesion's ground-truth pixels is traced through the centres
//! of its edge pixels (Moore-neighbour tracing with Jacob's stopping criterion), then thinned
//! to the clicks that matter by Ramer–Douglas–Peucker with a sub-pixel tolerance. Labelme's
//! own rasterisation (Pillow `polygon` with outline) then gives back the component, holes
//! filled, up to the simplification.

use std::collections::VecDeque;

/// Clockwise neighbour offsets `(dx, dy)` in image coordinates (y down), starting east.
const DIRS: [(i64, i64); 8] = [
    (1, 0),
    (1, 1),
    (0, 1),
    (-1, 1),
    (-1, 0),
    (-1, -1),
    (0, -1),
    (1, -1),
];

/// Components smaller than this many pixels are outlined with at most 0.3 px tolerance.
pub const SMALL_COMPONENT_PX: usize = 40;

/// Polygons (`[x, y]` = `[column, row]`, pixel centres at integer coordinates) outlining each
/// 8-connected component of `pixels` (`(row, column)`), simplified with `tolerance` pixels.
pub fn trace_polygons(pixels: &[(usize, usize)], tolerance: f64) -> Vec<Vec<[f64; 2]>> {
    if pixels.is_empty() {
        return Vec::new();
    }
    let r0 = pixels.iter().map(|p| p.0).min().unwrap_or(0);
    let c0 = pixels.iter().map(|p| p.1).min().unwrap_or(0);
    let h = pixels.iter().map(|p| p.0).max().unwrap_or(0) - r0 + 3;
    let w = pixels.iter().map(|p| p.1).max().unwrap_or(0) - c0 + 3;
    // padded local grid: local (x, y) = (col - c0 + 1, row - r0 + 1)
    let mut grid = vec![false; h * w];
    for &(r, c) in pixels {
        grid[(r - r0 + 1) * w + (c - c0 + 1)] = true;
    }
    let fg = |x: i64, y: i64| {
        x >= 0
            && y >= 0
            && (x as usize) < w
            && (y as usize) < h
            && grid[y as usize * w + x as usize]
    };
    let mut seen = vec![false; h * w];
    let mut polygons = Vec::new();
    for start in 0..h * w {
        if !grid[start] || seen[start] {
            continue;
        }
        // flood the component so each one is traced once (raster order: `start` is its top-left)
        let mut comp = Vec::new();
        let mut queue = VecDeque::from([start]);
        seen[start] = true;
        while let Some(i) = queue.pop_front() {
            comp.push(i);
            let (x, y) = ((i % w) as i64, (i / w) as i64);
            for (dx, dy) in DIRS {
                let (nx, ny) = (x + dx, y + dy);
                if fg(nx, ny) {
                    let j = ny as usize * w + nx as usize;
                    if !seen[j] {
                        seen[j] = true;
                        queue.push_back(j);
                    }
                }
            }
        }
        let s = ((start % w) as i64, (start / w) as i64);
        let contour = moore_trace(s, &fg);
        let to_image =
            |(x, y): (i64, i64)| [(x - 1) as f64 + c0 as f64, (y - 1) as f64 + r0 as f64];
        let mut poly: Vec<[f64; 2]> = contour.into_iter().map(to_image).collect();
        // annotators zoom in on small lesions and click every corner
        let tol = if comp.len() < SMALL_COMPONENT_PX {
            tolerance.min(0.3)
        } else {
            tolerance
        };
        poly = simplify_closed(&poly, tol);
        if poly.len() < 3 {
            // one-pixel-thin components: their bounding box on pixel centres; Labelme draws the
            // outline, so the degenerate box rasterises to exactly those pixels
            let pts: Vec<[f64; 2]> = comp
                .iter()
                .map(|&i| to_image(((i % w) as i64, (i / w) as i64)))
                .collect();
            let (x0, x1) = pts
                .iter()
                .fold((f64::MAX, f64::MIN), |a, p| (a.0.min(p[0]), a.1.max(p[0])));
            let (y0, y1) = pts
                .iter()
                .fold((f64::MAX, f64::MIN), |a, p| (a.0.min(p[1]), a.1.max(p[1])));
            poly = vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
        }
        polygons.push(poly);
    }
    polygons
}

/// Moore-neighbour tracing of the outer boundary starting at the top-left pixel `s`.
fn moore_trace(s: (i64, i64), fg: &dyn Fn(i64, i64) -> bool) -> Vec<(i64, i64)> {
    let mut contour = vec![s];
    // we entered `s` from the west (background, since `s` is leftmost in the top row)
    let mut back = 4usize;
    let mut c = s;
    let mut first_move: Option<usize> = None;
    for _ in 0..1_000_000 {
        let mut next = None;
        for i in 1..=8 {
            let d = (back + i) % 8;
            let (nx, ny) = (c.0 + DIRS[d].0, c.1 + DIRS[d].1);
            if fg(nx, ny) {
                next = Some((d, (back + i - 1) % 8));
                break;
            }
        }
        let Some((d, prev)) = next else {
            return contour; // isolated pixel
        };
        if c == s {
            match first_move {
                None => first_move = Some(d),
                Some(d0) if d0 == d => break,
                Some(_) => {}
            }
        }
        let n = (c.0 + DIRS[d].0, c.1 + DIRS[d].1);
        // new backtrack: the last background cell checked, seen from `n`
        let b = (c.0 + DIRS[prev].0, c.1 + DIRS[prev].1);
        back = DIRS
            .iter()
            .position(|&(dx, dy)| (n.0 + dx, n.1 + dy) == b)
            .unwrap_or((d + 4) % 8);
        c = n;
        if c == s && first_move.is_some() {
            continue;
        }
        contour.push(c);
    }
    contour
}

/// Ramer–Douglas–Peucker on a closed polygon.
fn simplify_closed(poly: &[[f64; 2]], tol: f64) -> Vec<[f64; 2]> {
    if poly.len() < 4 {
        return poly.to_vec();
    }
    let far = (1..poly.len())
        .max_by(|&a, &b| dist2(poly[0], poly[a]).total_cmp(&dist2(poly[0], poly[b])))
        .unwrap_or(1);
    let mut first: Vec<[f64; 2]> = poly[..=far].to_vec();
    let mut second: Vec<[f64; 2]> = poly[far..].to_vec();
    second.push(poly[0]);
    first = rdp(&first, tol);
    second = rdp(&second, tol);
    first.pop();
    second.pop();
    first.extend(second);
    first
}

fn dist2(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

fn rdp(pts: &[[f64; 2]], tol: f64) -> Vec<[f64; 2]> {
    if pts.len() < 3 {
        return pts.to_vec();
    }
    let (a, b) = (pts[0], pts[pts.len() - 1]);
    let len = dist2(a, b).sqrt();
    let dist = |p: [f64; 2]| {
        if len == 0.0 {
            dist2(a, p).sqrt()
        } else {
            ((b[0] - a[0]) * (a[1] - p[1]) - (a[0] - p[0]) * (b[1] - a[1])).abs() / len
        }
    };
    let (idx, dmax) = pts[1..pts.len() - 1]
        .iter()
        .enumerate()
        .map(|(i, &p)| (i + 1, dist(p)))
        .fold((0, -1.0), |acc, x| if x.1 > acc.1 { x } else { acc });
    if dmax > tol {
        let mut left = rdp(&pts[..=idx], tol);
        let right = rdp(&pts[idx..], tol);
        left.pop();
        left.extend(right);
        left
    } else {
        vec![a, b]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bs_masks::labelme::{rasterize_shape, LabelmeDocument, Shape, ShapeType};

    /// The pixels labelme paints for `poly` on a `rows × cols` image (bs-masks' rasteriser,
    /// Pillow-identical), in raster order.
    fn rasterize_polygon(poly: &[[f64; 2]], rows: usize, cols: usize) -> Vec<(usize, usize)> {
        let shape = Shape {
            label: "metastasis".into(),
            shape_type: ShapeType::Polygon,
            points: poly.to_vec(),
            group_id: None,
        };
        let doc = LabelmeDocument::new("4.5.9", "view.png", (cols, rows), vec![shape]).unwrap();
        let mask = rasterize_shape(&doc, 0, cols, rows).unwrap();
        mask.indexed_iter()
            .filter(|&(_, &m)| m)
            .map(|(rc, _)| rc)
            .collect()
    }

    fn iou(a: &[(usize, usize)], b: &[(usize, usize)]) -> f64 {
        let sa: std::collections::HashSet<_> = a.iter().collect();
        let sb: std::collections::HashSet<_> = b.iter().collect();
        sa.intersection(&sb).count() as f64 / sa.union(&sb).count() as f64
    }

    #[test]
    fn a_filled_disc_is_traced_and_rasterised_back() {
        let disc: Vec<(usize, usize)> = (0..40)
            .flat_map(|r| (0..40).map(move |c| (r, c)))
            .filter(|&(r, c)| (r as f64 - 20.0).powi(2) + (c as f64 - 17.0).powi(2) < 64.0)
            .collect();
        let polys = trace_polygons(&disc, 0.6);
        assert_eq!(polys.len(), 1);
        assert!(
            polys[0].len() >= 8 && polys[0].len() < disc.len(),
            "{} vertices",
            polys[0].len()
        );
        let back = rasterize_polygon(&polys[0], 40, 40);
        assert!(iou(&disc, &back) > 0.9, "IoU {}", iou(&disc, &back));
    }

    #[test]
    fn two_components_and_single_pixels_each_get_a_polygon() {
        let mut px = vec![(5, 5)];
        px.extend((10..14).flat_map(|r| (20..26).map(move |c| (r, c))));
        let polys = trace_polygons(&px, 0.6);
        assert_eq!(polys.len(), 2);
        for p in &polys {
            assert!(p.len() >= 3);
        }
        let single = rasterize_polygon(&polys[0], 30, 30);
        assert_eq!(single, vec![(5, 5)]);
        let rect = rasterize_polygon(&polys[1], 30, 30);
        assert_eq!(iou(&rect, &px[1..]), 1.0);
    }

    #[test]
    fn concave_shapes_keep_their_notch() {
        // an L shape: the notch must stay out
        let mut px: Vec<(usize, usize)> =
            (0..12).flat_map(|r| (0..4).map(move |c| (r, c))).collect();
        px.extend((8..12).flat_map(|r| (4..12).map(move |c| (r, c))));
        let polys = trace_polygons(&px, 0.6);
        let back = rasterize_polygon(&polys[0], 20, 20);
        assert!(!back.contains(&(2, 8)));
        assert!(iou(&px, &back) > 0.95);
    }
}
