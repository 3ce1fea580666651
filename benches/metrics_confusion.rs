//! Speed of the pixel confusion counts and lesion labelling on one prepared bone-scan image
//! (640×512, anterior and posterior views side by side), the unit the evaluation loops over,
//! against NumPy (the four pixel counts from boolean masks) and SciPy (`ndimage.label`,
//! 8-connected) on the same masks in the same run.
//!
//! Run: `cargo bench --bench metrics_confusion`. Prints the references' times and the ratios.

use bs_metrics::{label_components, ConfusionCounts, LesionCounts};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use ndarray::Array2;

mod common;

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
    compare_with_python(&pred, &truth);
}

/// Our medians against NumPy's confusion counts and SciPy's 8-connected labelling of the same
/// masks (handed over as files of one byte per pixel), timed the same way.
fn compare_with_python(pred: &Array2<bool>, truth: &Array2<bool>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, m: &Array2<bool>| {
        let path = dir.path().join(name);
        std::fs::write(&path, m.iter().map(|&v| u8::from(v)).collect::<Vec<u8>>())
            .expect("write mask");
        path.to_string_lossy().into_owned()
    };
    let (p, t) = (write("pred.u8", pred), write("truth.u8", truth));
    let script = r#"
import sys, time, statistics
import numpy as np
from scipy import ndimage
def mask(path): return np.fromfile(path, np.uint8).astype(bool).reshape(640, 512)
p, t, which = mask(sys.argv[1]), mask(sys.argv[2]), sys.argv[3]
def counts():
    tp = np.count_nonzero(p & t); fp = np.count_nonzero(p & ~t); fn = np.count_nonzero(~p & t)
    return tp, fp, fn, p.size - tp - fp - fn
def label(): return ndimage.label(t, structure=np.ones((3, 3)))
f = counts if which == "counts" else label
for _ in range(5): f()
times = []
for _ in range(200):
    s = time.perf_counter(); f(); times.append(time.perf_counter() - s)
print(statistics.median(times))
"#;
    let load = common::load_average();
    let ours_counts = common::median_seconds(|| {
        black_box(ConfusionCounts::from_masks(pred.view(), truth.view()).unwrap());
    });
    let ours_label = common::median_seconds(|| {
        black_box(label_components(truth.view()));
    });
    let numpy = common::python_seconds(script, &[&p, &t, "counts"]);
    let scipy = common::python_seconds(script, &[&p, &t, "label"]);
    println!("load average before the timings: {load}");
    println!(
        "confusion counts 640x512: NumPy {:.3} ms, bs-metrics {:.3} ms, speed-up {:.1}x",
        numpy * 1e3,
        ours_counts * 1e3,
        numpy / ours_counts
    );
    println!(
        "8-connected labelling 640x512: SciPy {:.3} ms, bs-metrics {:.3} ms, speed-up {:.1}x",
        scipy * 1e3,
        ours_label * 1e3,
        scipy / ours_label
    );
}

/// criterion's generated group function carries no doc comment.
mod harness {
    #![allow(missing_docs)]
    use super::*;
    criterion_group!(benches, bench);
}
criterion_main!(harness::benches);
