//! Benchmarks of bs-masks: labelme rasterising, Otsu threshold and NM masks on a
//! whole-body-sized (1024×256) image.

// criterion's macros generate undocumented items.
#![allow(missing_docs)]

use bs_masks::labelme::{rasterize, LabelMap, LabelmeDocument};
use bs_masks::nm::otsu_nm;
use bs_masks::otsu::otsu_threshold_array;
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ndarray::Array2;

/// A 1024×256 view-like image: a bright elongated body on dark air, with some texture.
fn view_like() -> Array2<f32> {
    Array2::from_shape_fn((1024, 256), |(r, c)| {
        let dx = (c as f32 - 128.0) / 60.0;
        let dy = (r as f32 - 512.0) / 480.0;
        let body = if dx * dx + dy * dy < 1.0 { 12.0 } else { 0.5 };
        body + ((r * 7 + c * 13) % 11) as f32 * 0.3
    })
}

/// A labelme document with 40 lesion polygons (12 vertices each) spread over the view.
fn lesions_doc() -> LabelmeDocument {
    let mut shapes = Vec::new();
    for i in 0..40 {
        let cx = 40.0 + (i % 5) as f64 * 40.0;
        let cy = 40.0 + (i / 5) as f64 * 120.0;
        let pts: Vec<String> = (0..12)
            .map(|k| {
                let a = k as f64 / 12.0 * std::f64::consts::TAU;
                let r = 9.0 + (k % 3) as f64 * 2.5;
                format!("[{:.3}, {:.3}]", cx + r * a.cos(), cy + r * a.sin())
            })
            .collect();
        shapes.push(format!(
            r#"{{"label": "metastasis", "shape_type": "polygon", "points": [{}]}}"#,
            pts.join(", ")
        ));
    }
    let json = format!(
        r#"{{"version": "5.4.1", "imageWidth": 256, "imageHeight": 1024, "shapes": [{}]}}"#,
        shapes.join(", ")
    );
    json.parse().expect("benchmark document parses")
}

fn benches(c: &mut Criterion) {
    let image = view_like();
    let doc = lesions_doc();
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
}

criterion_group!(masks, benches);
criterion_main!(masks);
