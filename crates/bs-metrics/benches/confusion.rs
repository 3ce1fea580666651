//! Speed of the pixel confusion counts and lesion labelling on one prepared bone-scan image
//! (640×512, anterior and posterior views side by side), the unit the evaluation loops over.

use bs_metrics::{label_components, ConfusionCounts, LesionCounts};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use ndarray::Array2;

/// Deterministic masks with lesion-like blobs: a few percent of the pixels set, the truth and
/// prediction overlapping partly, like a real M mask and its prediction.
fn masks() -> (Array2<bool>, Array2<bool>) {
    let blob = |r: usize, c: usize, cy: f64, cx: f64, rad: f64| {
        let (dy, dx) = (r as f64 - cy, c as f64 - cx);
        dy * dy + dx * dx < rad * rad
    };
    let centres = [
        (80.0, 120.0, 9.0),
        (200.0, 300.0, 14.0),
        (420.0, 60.0, 6.0),
        (560.0, 400.0, 11.0),
    ];
    let truth = Array2::from_shape_fn((640, 512), |(r, c)| {
        centres.iter().any(|&(y, x, rad)| blob(r, c, y, x, rad))
    });
    let pred = Array2::from_shape_fn((640, 512), |(r, c)| {
        centres
            .iter()
            .any(|&(y, x, rad)| blob(r, c, y + 3.0, x - 2.0, rad * 0.9))
            || blob(r, c, 30.0, 30.0, 4.0)
    });
    (pred, truth)
}

fn bench(c: &mut Criterion) {
    let (pred, truth) = masks();
    let pred_u8 = pred.mapv(|v| if v { 2u8 } else { 1 });
    let truth_u8 = truth.mapv(|v| if v { 2u8 } else { 1 });
    let mut g = c.benchmark_group("640x512");
    g.throughput(Throughput::Elements((640 * 512) as u64));
    g.bench_function("confusion_counts_bool", |b| {
        b.iter(|| {
            ConfusionCounts::from_masks(black_box(pred.view()), black_box(truth.view())).unwrap()
        })
    });
    g.bench_function("confusion_counts_class_u8", |b| {
        b.iter(|| {
            ConfusionCounts::from_class_masks(
                black_box(pred_u8.view()),
                black_box(truth_u8.view()),
                2,
            )
            .unwrap()
        })
    });
    g.bench_function("label_components_8", |b| {
        b.iter(|| label_components(black_box(truth.view())))
    });
    g.bench_function("lesion_counts", |b| {
        b.iter(|| {
            LesionCounts::from_masks(black_box(pred.view()), black_box(truth.view())).unwrap()
        })
    });
    g.finish();
}

/// criterion's generated group function carries no doc comment.
mod harness {
    #![allow(missing_docs)]
    use super::*;
    criterion_group!(benches, bench);
}
criterion_main!(harness::benches);
