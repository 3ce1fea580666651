//! Decode + view split of a 2-frame 1024×256 NM whole-body file (anterior and posterior, 16-bit,
//! explicit VR little endian as written by `bs_dicom::write`, and the same file RLE-encoded by
//! pydicom, which encodes RLE without extra packages), against pydicom's
//! `dcmread(f).pixel_array` on the same file, timed in the same run. bs-dicom is timed twice:
//! `read_scan` (fresh memory for every scan), a `ScanReader` that recycles the previous
//! scan's pixel buffers, and the same reader's `read_counts` (16-bit counts as stored — what
//! pydicom's `pixel_array` gives too, a uint16 array).
//!
//! Run: `cargo bench --bench dicom_decode`. Prints the pydicom times and the ratios.

// criterion_group! generates an undocumented `benches` function
#![allow(missing_docs)]

use std::path::Path;
use std::time::Duration;

use bs_dicom::write::{write_whole_body_nm, NmWriteMeta};
use bs_dicom::{read_scan, ReadOptions, ScanReader};
use criterion::{criterion_group, criterion_main, Criterion};
use ndarray::Array2;

mod common;

/// pydicom's median time (seconds) of `dcmread(f).pixel_array` over `reps` runs, after warm-up.
fn pydicom_seconds(path: &Path, reps: usize) -> f64 {
    let script = r#"
import sys, time, statistics, pydicom
f, reps = sys.argv[1], int(sys.argv[2])
for _ in range(5):
    pydicom.dcmread(f).pixel_array
times = []
for _ in range(reps):
    t = time.perf_counter(); a = pydicom.dcmread(f).pixel_array; times.append(time.perf_counter() - t)
assert a.shape == (2, 1024, 256), a.shape
print(statistics.median(times))
"#;
    common::python_seconds(script, &[path.to_str().unwrap(), &reps.to_string()])
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let native = dir.path().join("wb-2frame.dcm");
    // counts like a bone scan: mostly low, a hot region
    let anterior = Array2::from_shape_fn((1024, 256), |(r, c)| {
        ((r / 8 + c / 4) % 40 + if (400..430).contains(&r) { 250 } else { 0 }) as u16
    });
    let posterior = Array2::from_shape_fn((1024, 256), |(r, c)| ((r / 6 + c / 5) % 35) as u16);
    write_whole_body_nm(
        &native,
        anterior.view(),
        posterior.view(),
        &NmWriteMeta::synthetic("BENCH", 1),
    )
    .unwrap();
    let rle = dir.path().join("wb-2frame-rle.dcm");
    bs_testdata::run_python(
        "import sys, pydicom\nfrom pydicom.uid import RLELossless\nds = pydicom.dcmread(sys.argv[1]); ds.compress(RLELossless); ds.save_as(sys.argv[2])",
        &[native.to_str().unwrap(), rle.to_str().unwrap()],
    );
    let opts = ReadOptions::default();
    let load = common::load_average();
    let mut results = Vec::new();
    for (name, path) in [("explicit-le", &native), ("rle", &rle)] {
        let scan = read_scan(path, &opts).unwrap();
        assert_eq!(scan.posterior.as_ref().unwrap().pixels.dim(), (1024, 256));
        let mut group = c.benchmark_group("decode_2frame_1024x256");
        group.measurement_time(Duration::from_secs(5));
        group.bench_function(name, |b| {
            b.iter(|| read_scan(std::hint::black_box(path), &opts).unwrap())
        });
        let mut reader = ScanReader::new(opts.clone());
        group.bench_function(format!("{name}-scan-reader"), |b| {
            b.iter(|| {
                let scan = reader.read(std::hint::black_box(path)).unwrap();
                reader.recycle(scan);
            })
        });
        group.bench_function(format!("{name}-read-counts"), |b| {
            b.iter(|| {
                let scan = reader.read_counts(std::hint::black_box(path)).unwrap();
                reader.recycle_counts(scan);
            })
        });
        group.finish();
        // our own median, measured the same way as the Python side, for the printed ratio: the
        // new scan replaces the previous one inside the timed region, as `a = ...` does there
        let mut previous = read_scan(path, &opts).unwrap();
        let ours = common::median_seconds(|| {
            previous = read_scan(path, &opts).unwrap();
            std::hint::black_box(&previous);
        });
        drop(previous);
        // the same loop through a ScanReader: the previous scan's memory holds the next one
        let mut reader = ScanReader::new(opts.clone());
        let mut previous = reader.read(path).unwrap();
        let reused = common::median_seconds(|| {
            let next = reader.read(path).unwrap();
            reader.recycle(std::mem::replace(&mut previous, next));
            std::hint::black_box(&previous);
        });
        // and as 16-bit counts
        let mut previous = reader.read_counts(path).unwrap();
        let counts = common::median_seconds(|| {
            let next = reader.read_counts(path).unwrap();
            reader.recycle_counts(std::mem::replace(&mut previous, next));
            std::hint::black_box(&previous);
        });
        let theirs = pydicom_seconds(path, 200);
        results.push((name, ours, reused, counts, theirs));
    }
    println!("load average before the timings: {load}");
    for (name, ours, reused, counts, theirs) in results {
        println!(
            "{name}: pydicom dcmread().pixel_array {:.3} ms; bs-dicom (decode + view split + count statistics): read_scan {:.3} ms, speed-up {:.1}x; ScanReader with recycled buffers {:.3} ms, speed-up {:.1}x (target >= 5x); ScanReader::read_counts (16-bit) {:.3} ms, speed-up {:.1}x",
            theirs * 1e3,
            ours * 1e3,
            theirs / ours,
            reused * 1e3,
            theirs / reused,
            counts * 1e3,
            theirs / counts
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
