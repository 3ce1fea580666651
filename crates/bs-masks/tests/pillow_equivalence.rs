//! The labelme rasteriser against labelme's own algorithm run on Pillow (the project
//! environment's Pillow), on thousands of deterministic random cases of every shape type:
//! concave and self-intersecting polygons, integer, half-integer and arbitrary float vertices,
//! vertices outside the image, repeated vertices and horizontal runs, overlapping shapes.
//!
//! All cases go to Python in one JSON file; Python writes all masks back as one binary file.

use bs_masks::labelme::{rasterize, LabelMap, LabelmeDocument};
use bs_masks::raster::{fill_ellipse, Canvas};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

/// labelme's `shape_to_mask` + `shapes_to_label` (labelme/utils/shape.py), the reference.
/// Rectangle corners are sorted, as bs-masks documents (Pillow ≥ 9 rejects unordered ones).
const PILLOW_REFERENCE: &str = r#"
import json, math, sys
import numpy as np
import PIL.Image, PIL.ImageDraw

def shape_to_mask(img_shape, points, shape_type, line_width=10, point_size=5):
    mask = PIL.Image.fromarray(np.zeros(img_shape[:2], dtype=np.uint8))
    draw = PIL.ImageDraw.Draw(mask)
    xy = [tuple(p) for p in points]
    if shape_type == "circle":
        (cx, cy), (px, py) = xy
        d = math.sqrt((cx - px) ** 2 + (cy - py) ** 2)
        draw.ellipse([cx - d, cy - d, cx + d, cy + d], outline=1, fill=1)
    elif shape_type == "rectangle":
        (x0, y0), (x1, y1) = xy
        draw.rectangle([min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)], outline=1, fill=1)
    elif shape_type in ("line", "linestrip"):
        draw.line(xy=xy, fill=1, width=line_width)
    elif shape_type == "point":
        cx, cy = xy[0]
        r = point_size
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=1, fill=1)
    else:
        draw.polygon(xy=xy, outline=1, fill=1)
    return np.array(mask, dtype=bool)

cases = json.load(open(sys.argv[1]))
values = {"a": 1, "b": 2, "c": 3}
with open(sys.argv[2], "wb") as out:
    for case in cases:
        h, w = case["imageHeight"], case["imageWidth"]
        cls = np.zeros((h, w), dtype=np.uint8)
        for shape in case["shapes"]:
            m = shape_to_mask((h, w), shape["points"], shape.get("shape_type"))
            cls[m] = values[shape["label"]]
        out.write(cls.tobytes())
print(len(cases))
"#;

const CASES: usize = 6000;
const SHAPE_TYPES: [&str; 6] = [
    "polygon",
    "rectangle",
    "circle",
    "line",
    "linestrip",
    "point",
];

/// A coordinate in one of the styles that exercise Pillow's rounding.
fn coordinate(rng: &mut ChaCha8Rng, size: f64, style: u32, outside: bool) -> f64 {
    let (lo, hi) = if outside {
        (-0.5 * size, 1.5 * size)
    } else {
        (-0.2 * size, 1.2 * size)
    };
    let v = rng.random_range(lo..hi);
    match style {
        0 => v.round(),
        1 => v.floor() + 0.5,
        2 => (v * 4.0).round() / 4.0,
        _ => v,
    }
}

fn random_points(rng: &mut ChaCha8Rng, n: usize, w: f64, h: f64) -> Vec<[f64; 2]> {
    let style = rng.random_range(0..4);
    let outside = rng.random_bool(0.25);
    let mut pts: Vec<[f64; 2]> = Vec::with_capacity(n);
    for _ in 0..n {
        let r: f64 = rng.random();
        let p = if r < 0.12 && !pts.is_empty() {
            // horizontal run: same y as the previous vertex (Pillow merges these edges)
            let prev = pts[pts.len() - 1];
            [coordinate(rng, w, style, outside), prev[1]]
        } else if r < 0.18 && !pts.is_empty() {
            // vertical run
            let prev = pts[pts.len() - 1];
            [prev[0], coordinate(rng, h, style, outside)]
        } else if r < 0.21 && !pts.is_empty() {
            pts[pts.len() - 1]
        } else {
            [
                coordinate(rng, w, style, outside),
                coordinate(rng, h, style, outside),
            ]
        };
        pts.push(p);
    }
    pts
}

/// A star-like concave polygon around a centre (typical lesion outline).
fn star_polygon(rng: &mut ChaCha8Rng, w: f64, h: f64) -> Vec<[f64; 2]> {
    let n = rng.random_range(5..16);
    let cx = rng.random_range(0.0..w);
    let cy = rng.random_range(0.0..h);
    let r_max = rng.random_range(1.0..w.min(h) * 0.6);
    (0..n)
        .map(|k| {
            let a = k as f64 / n as f64 * std::f64::consts::TAU;
            let r = r_max * rng.random_range(0.3..1.0);
            [cx + r * a.cos(), cy + r * a.sin()]
        })
        .collect()
}

fn random_shape(rng: &mut ChaCha8Rng, w: f64, h: f64) -> Value {
    let shape_type = SHAPE_TYPES[rng.random_range(0..SHAPE_TYPES.len())];
    let points = match shape_type {
        "polygon" if rng.random_bool(0.3) => star_polygon(rng, w, h),
        "polygon" => {
            let n = rng.random_range(3..12);
            random_points(rng, n, w, h)
        }
        "rectangle" | "line" => random_points(rng, 2, w, h),
        "linestrip" => {
            let n = rng.random_range(2..7);
            random_points(rng, n, w, h)
        }
        "point" => random_points(rng, 1, w, h),
        _ => {
            // circle: centre inside, radius small enough to stay within the accepted margin
            let c = random_points(rng, 1, w, h)[0];
            let c = [c[0].clamp(0.0, w), c[1].clamp(0.0, h)];
            let r = rng.random_range(0.0..w.min(h) * 0.7);
            let a: f64 = rng.random_range(0.0..std::f64::consts::TAU);
            vec![c, [c[0] + r * a.cos(), c[1] + r * a.sin()]]
        }
    };
    let label = ["a", "b", "c"][rng.random_range(0..3)];
    json!({"label": label, "shape_type": shape_type, "points": points, "group_id": null})
}

fn random_case(rng: &mut ChaCha8Rng) -> Value {
    let w = rng.random_range(4..48usize);
    let h = rng.random_range(4..48usize);
    let n_shapes = rng.random_range(1..4);
    let shapes: Vec<Value> = (0..n_shapes)
        .map(|_| random_shape(rng, w as f64, h as f64))
        .collect();
    json!({"version": "5.4.1", "flags": {}, "shapes": shapes, "imagePath": "case.png",
           "imageData": null, "imageHeight": h, "imageWidth": w})
}

/// Runs labelme's rasteriser (Pillow) and [`rasterize`] on every case; returns one line per
/// case whose masks differ, and the number of pixels compared.
fn differences_from_pillow(cases: &[Value]) -> (Vec<String>, usize) {
    let dir = tempfile::tempdir().unwrap();
    let cases_path = dir.path().join("cases.json");
    let masks_path = dir.path().join("masks.bin");
    std::fs::write(&cases_path, serde_json::to_vec(cases).unwrap()).unwrap();
    let printed = bs_testdata::run_python(
        PILLOW_REFERENCE,
        &[cases_path.to_str().unwrap(), masks_path.to_str().unwrap()],
    );
    assert_eq!(printed.trim(), cases.len().to_string());
    let reference = std::fs::read(&masks_path).unwrap();

    let labels = LabelMap::new().with("a", 1).with("b", 2).with("c", 3);
    let mut offset = 0;
    let mut mismatched: Vec<String> = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let w = case["imageWidth"].as_u64().unwrap() as usize;
        let h = case["imageHeight"].as_u64().unwrap() as usize;
        let expected = &reference[offset..offset + w * h];
        offset += w * h;
        let doc = LabelmeDocument::from_json(&case.to_string(), format!("case {i}")).unwrap();
        let mask = rasterize(&doc, &labels, w, h).unwrap();
        let got: Vec<u8> = mask.iter().copied().collect();
        if got != expected {
            let differing = got.iter().zip(expected).filter(|(a, b)| a != b).count();
            mismatched.push(format!(
                "case {i} ({w}×{h}, {differing} px differ): {}",
                serde_json::to_string(&case["shapes"]).unwrap()
            ));
        }
    }
    assert_eq!(offset, reference.len(), "reference holds every mask");
    (mismatched, offset)
}

fn assert_no_differences(mismatched: &[String], cases: usize) {
    assert!(
        mismatched.is_empty(),
        "{} of {cases} cases differ from Pillow; first ones:\n{}",
        mismatched.len(),
        mismatched
            .iter()
            .take(8)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn rasterize_equals_labelme_on_pillow() {
    let mut rng = ChaCha8Rng::seed_from_u64(0x006c_6162_656c_6d65);
    let cases: Vec<Value> = (0..CASES).map(|_| random_case(&mut rng)).collect();
    let mut per_type_cases = std::collections::BTreeMap::<String, usize>::new();
    for case in &cases {
        for s in case["shapes"].as_array().unwrap() {
            *per_type_cases
                .entry(s["shape_type"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
    }
    for t in SHAPE_TYPES {
        assert!(
            per_type_cases.get(t).copied().unwrap_or(0) >= 500,
            "{t} under-sampled: {per_type_cases:?}"
        );
    }
    let (mismatched, pixels_total) = differences_from_pillow(&cases);
    assert!(pixels_total > 1_000_000);
    assert_no_differences(&mismatched, CASES);
}

fn one_shape_case(w: usize, h: usize, shape_type: &str, points: Vec<[f64; 2]>) -> Value {
    json!({"version": "5.4.1", "flags": {}, "imagePath": "case.png", "imageData": null,
           "imageHeight": h, "imageWidth": w,
           "shapes": [{"label": "a", "shape_type": shape_type, "points": points}]})
}

/// The circle of issue #20: its box ends exactly on the right edge (cx + r = 512.0), and the
/// rim point's y (420.31593313700637) is one the default serde_json parser read one ulp off,
/// which made the box end at 511 and changed 52 pixels along the rim.
#[test]
fn the_issue_circle_on_the_right_edge_equals_pillow() {
    let case = one_shape_case(
        512,
        640,
        "circle",
        vec![
            [480.4549626534203, 441.442098068109],
            [457.02902539360167, 420.31593313700637],
        ],
    );
    let (mismatched, _) = differences_from_pillow(&[case]);
    assert_no_differences(&mismatched, 1);
}

/// A circle (or labelme point) whose box side lands on, or within a rounding error of, the
/// coordinate `edge` of an image side of `size` pixels, centre on the other axis anywhere.
fn edge_cut_disc(rng: &mut ChaCha8Rng, w: usize, h: usize, point: bool) -> Value {
    let vertical_edge = rng.random_bool(0.5); // left/right (x) or top/bottom (y)
    let (size, other) = if vertical_edge { (w, h) } else { (h, w) };
    let edge = if rng.random_bool(0.5) {
        0.0
    } else {
        size as f64
    };
    let r = if point {
        bs_masks::labelme::POINT_RADIUS
    } else {
        rng.random_range(0.5..(size.min(other) as f64 * 0.8).max(1.0))
    };
    // on the edge exactly (as far as floating point lets it), or a little either side
    let slack = match rng.random_range(0..4) {
        0 | 1 => 0.0,
        2 => rng.random_range(-1e-9..1e-9),
        _ => rng.random_range(-1.5..1.5),
    };
    let outward = if edge == 0.0 { -1.0 } else { 1.0 };
    let across = edge - outward * (r + slack);
    let along = rng.random_range(-0.2..1.2) * other as f64;
    let centre = if vertical_edge {
        [across, along]
    } else {
        [along, across]
    };
    if point {
        return one_shape_case(w, h, "point", vec![centre]);
    }
    let a: f64 = rng.random_range(0.0..std::f64::consts::TAU);
    let rim = [centre[0] + r * a.cos(), centre[1] + r * a.sin()];
    one_shape_case(w, h, "circle", vec![centre, rim])
}

/// Circles and points cut by each image edge, their boxes ending on the edge (the class of
/// the issue #20 circle): thousands of them, on small images and on 512×640 views.
#[test]
fn edge_cut_circles_and_points_equal_labelme_on_pillow() {
    let mut rng = ChaCha8Rng::seed_from_u64(0x0065_6467_6563_7574);
    let mut cases = Vec::new();
    for k in 0..6000 {
        let (w, h) = if k % 300 == 0 {
            (512, 640)
        } else {
            (rng.random_range(4..64usize), rng.random_range(4..64usize))
        };
        cases.push(edge_cut_disc(&mut rng, w, h, k % 5 == 4));
    }
    let (mismatched, _) = differences_from_pillow(&cases);
    assert_no_differences(&mismatched, cases.len());
}

/// `ImageDraw.ellipse` on integer boxes, the reference for [`fill_ellipse`].
const PILLOW_ELLIPSES: &str = r#"
import json, sys
import numpy as np
import PIL.Image, PIL.ImageDraw

cases = json.load(open(sys.argv[1]))
with open(sys.argv[2], "wb") as out:
    for w, h, x0, y0, x1, y1 in cases:
        image = PIL.Image.fromarray(np.zeros((h, w), dtype=np.uint8))
        PIL.ImageDraw.Draw(image).ellipse([x0, y0, x1, y1], outline=1, fill=1)
        out.write(np.array(image).tobytes())
print(len(cases))
"#;

/// Ellipses of every box size up to 24×24 cut by each edge and corner of the image (labelme
/// draws circles and points as Pillow ellipses): [`fill_ellipse`] against Pillow, every
/// crossing depth.
#[test]
fn edge_cut_ellipses_equal_pillow() {
    let (w, h) = (20i32, 14i32);
    let mut cases: Vec<[i32; 6]> = Vec::new();
    for a in 0..=24 {
        for b in 0..=24 {
            // x0 sweeps the box over the left edge, then over the right edge; y the same
            let xs = (-a..=0).chain(w - 1 - a..w);
            for x0 in xs {
                for y0 in [(h - b) / 2, -b / 2, h - 1 - b / 2] {
                    cases.push([w, h, x0, y0, x0 + a, y0 + b]);
                }
            }
            for y0 in (-b..=0).chain(h - 1 - b..h) {
                cases.push([w, h, (w - a) / 2, y0, (w - a) / 2 + a, y0 + b]);
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let cases_path = dir.path().join("ellipses.json");
    let masks_path = dir.path().join("ellipses.bin");
    std::fs::write(&cases_path, serde_json::to_vec(&cases).unwrap()).unwrap();
    let printed = bs_testdata::run_python(
        PILLOW_ELLIPSES,
        &[cases_path.to_str().unwrap(), masks_path.to_str().unwrap()],
    );
    assert_eq!(printed.trim(), cases.len().to_string());
    let reference = std::fs::read(&masks_path).unwrap();
    let plane = (w * h) as usize;
    assert_eq!(reference.len(), cases.len() * plane);
    let mut mismatched = Vec::new();
    for (k, &[_, _, x0, y0, x1, y1]) in cases.iter().enumerate() {
        let mut mask = ndarray::Array2::<u8>::zeros((h as usize, w as usize));
        fill_ellipse(&mut Canvas::new(mask.view_mut()), x0, y0, x1, y1, 1);
        let expected = &reference[k * plane..(k + 1) * plane];
        if mask.as_slice().unwrap() != expected {
            mismatched.push(format!("box ({x0}, {y0})–({x1}, {y1}) on {w}×{h}"));
        }
    }
    assert!(cases.len() > 20_000, "{} cases", cases.len());
    assert_no_differences(&mismatched, cases.len());
}
