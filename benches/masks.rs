//! bs-masks on a whole-body-sized view (1024×256): Labelme rasterising of 40 lesion polygons,
//! the Otsu threshold and the NM mask, against the references in the same run: labelme's
//! rasteriser (a Pillow `ImageDraw.polygon` per shape, as `labelme.utils.shape_to_mask`) and
//! scikit-image's `threshold_otsu` on the same image and polygons.
//!
//! Run: `cargo bench --bench masks`. Prints the references' times and the ratios.

// criterion's macros generate undocumented items.
#![allow(missing_docs)]

use bs_masks::labelme::{rasterize, LabelMap, LabelmeDocument};
use bs_masks::nm::otsu_nm;
use bs_masks::otsu::otsu_threshold_array;
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ndarray::Array2;

mod common;

/// A 1024×256 view-like image: a bright elongated body on dark air, with some texture.
fn view_like() -> Array2<f32> {
    Array2::from_shape_fn((1024, 256), |(r, c)| {
        let dx = (c as f32 - 128.0) / 60.0;
        let dy = (r as f32 - 512.0) / 480.0;
        let body = if dx * dx + dy * dy < 1.0 { 12.0 } else { 0.5 };
        body + ((r * 7 + c * 13) % 11) as f32 * 0.3
    })
}

/// The 40 lesion polygons (12 vertices each) spread over the view, as `[x, y]` points.
fn polygons() -> Vec<Vec<[f64; 2]>> {
    (0..40)
        .map(|i| {
            let cx = 40.0 + (i % 5) as f64 * 40.0;
            let cy = 40.0 + (i / 5) as f64 * 120.0;
            (0..12)
                .map(|k| {
                    let a = k as f64 / 12.0 * std::f64::consts::TAU;
                    let r = 9.0 + (k % 3) as f64 * 2.5;
                    [cx + r * a.cos(), cy + r * a.sin()]
                })
                .collect()
        })
        .collect()
}

/// The polygons as a Labelme document (label `metastasis`).
fn lesions_doc(polygons: &[Vec<[f64; 2]>]) -> LabelmeDocument {
    let shapes: Vec<String> = polygons
        .iter()
        .map(|pts| {
            let pts: Vec<String> = pts
                .iter()
                .map(|[x, y]| format!("[{x:.3}, {y:.3}]"))
                .collect();
            format!(
                r#"{{"label": "metastasis", "shape_type": "polygon", "points": [{}]}}"#,
                pts.join(", ")
            )
        })
        .collect();
    let json = format!(
        r#"{{"version": "5.4.1", "imageWidth": 256, "imageHeight": 1024, "shapes": [{}]}}"#,
        shapes.join(", ")
    );
    json.parse().expect("benchmark document parses")
}

/// Median seconds of labelme's rasterising of `polygons` (JSON `[[[x, y], …], …]`) and of
/// scikit-image's Otsu threshold of the same view, over 200 runs each.
fn references(polygons: &str) -> (f64, f64) {
    let setup = r#"
import sys, json, time, statistics
import numpy as np
from PIL import Image, ImageDraw
def median(f):
    for _ in range(5): f()
    t = []
    for _ in range(200):
        s = time.perf_counter(); f(); t.append(time.perf_counter() - s)
    return statistics.median(t)
"#;
    let labelme = format!(
        "{setup}{}",
        r#"
polys = json.loads(sys.argv[1])
def rasterize():
    cls = np.zeros((1024, 256), np.int32)
    for p in polys:
        img = Image.fromarray(np.zeros((1024, 256), np.uint8))
        ImageDraw.Draw(img).polygon([tuple(x) for x in p], outline=1, fill=1)
        cls[np.array(img, bool)] = 1
    return cls
print(median(rasterize))
"#
    );
    let otsu = format!(
        "{setup}{}",
        r#"
from skimage.filters import threshold_otsu
r, c = np.mgrid[0:1024, 0:256]
dx, dy = (c - 128.0) / 60.0, (r - 512.0) / 480.0
img = (np.where(dx * dx + dy * dy < 1.0, 12.0, 0.5) + ((r * 7 + c * 13) % 11) * 0.3).astype(np.float32)
print(median(lambda: threshold_otsu(img)))
"#
    );
    (
        common::python_seconds(&labelme, &[polygons]),
        common::python_seconds(&otsu, &[]),
    )
}

fn benches(c: &mut Criterion) {
    let image = view_like();
    let polys = polygons();
    let doc = lesions_doc(&polys);
    let labels = LabelMap::new().with("metastasis", 1);
    c.bench_function("rasterize 40 polygons 1024x256", |b| {
        b.iter(|| rasterize(black_box(&doc), &labels, 256, 1024).unwrap())
    });
    c.bench_function("otsu_threshold 1024x256", |b| {
        b.iter(|| otsu_threshold_array(black_box(&image)).unwrap())
    });
    let m = rasterize(&doc, &labels, 256, 1024)
        .unwrap()
        .mapv(|v| v == 1);
    c.bench_function("otsu_nm 1024x256", |b| {
        b.iter(|| otsu_nm(black_box(image.view()), m.view()).unwrap())
    });
    let load = common::load_average();
    let raster = common::median_seconds(|| {
        black_box(rasterize(&doc, &labels, 256, 1024).unwrap());
    });
    let otsu = common::median_seconds(|| {
        black_box(otsu_threshold_array(&image).unwrap());
    });
    let json = serde_json::to_string(&polys).expect("polygons as JSON");
    let (labelme, skimage) = references(&json);
    println!("load average before the timings: {load}");
    println!(
        "rasterize 40 polygons: labelme (Pillow) {:.3} ms, bs-masks {:.3} ms, speed-up {:.1}x",
        labelme * 1e3,
        raster * 1e3,
        labelme / raster
    );
    println!(
        "Otsu threshold 1024x256: scikit-image {:.3} ms, bs-masks {:.3} ms, speed-up {:.1}x",
        skimage * 1e3,
        otsu * 1e3,
        skimage / otsu
    );
}

criterion_group!(masks, benches);
criterion_main!(masks);
