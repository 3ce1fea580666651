//! Speed of Otsu's threshold and the Otsu NM mask against scikit-image / numpy in the same
//! run, on the real NM1 whole-body view (1024×256) and on a 640×512 prepared-size image.
//!
//! `cargo run --release -p bs-masks --example otsu_speed`
//!
//! Both sides time the best of several repetitions of the same work (CPU contention from other
//! processes affects both alike).

use std::time::Instant;

use bs_masks::nm::otsu_nm;
use bs_masks::otsu::otsu_threshold_array;
use ndarray::Array2;

const PYTHON: &str = r#"
import sys, timeit
import numpy as np, pydicom
from skimage.filters import threshold_otsu
view = pydicom.dcmread(sys.argv[1]).pixel_array.astype(np.float32).reshape(1024, 256)
big = np.fromfunction(lambda r, c: ((r * 7 + c * 13) % 97) * 0.37, (640, 512), dtype=np.float32).astype(np.float32)
m = np.zeros(view.shape, bool); m[500:520, 100:140] = True
def nm(img, m):
    lg = np.log1p(img); body = lg > threshold_otsu(lg)
    out = np.zeros(img.shape, np.uint8); out[body & ~m] = 1; out[m] = 2
    return out
for name, f in [("otsu NM1", lambda: threshold_otsu(view)), ("otsu 640x512", lambda: threshold_otsu(big)),
                ("otsu_nm NM1", lambda: nm(view, m))]:
    t = min(timeit.repeat(f, number=20, repeat=5)) / 20
    print(name, t)
"#;

fn best_of<F: FnMut()>(mut f: F) -> f64 {
    (0..5)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..20 {
                f();
            }
            start.elapsed().as_secs_f64() / 20.0
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let nm1 = bs_testdata::nm1_jpll();
    let out = bs_testdata::run_python(PYTHON, &[nm1.to_str().unwrap()]);
    // Rust reads the same NM1 pixels back through Python to stay independent of bs-dicom.
    let pixels = bs_testdata::run_python(
        "import sys, numpy as np, pydicom\n\
         v = pydicom.dcmread(sys.argv[1]).pixel_array.astype(np.float32).reshape(-1)\n\
         print(' '.join(str(int(x)) for x in v))",
        &[nm1.to_str().unwrap()],
    );
    let view: Vec<f32> = pixels
        .split_whitespace()
        .map(|s| s.parse().unwrap())
        .collect();
    let view = Array2::from_shape_vec((1024, 256), view).unwrap();
    let big = Array2::from_shape_fn((640, 512), |(r, c)| ((r * 7 + c * 13) % 97) as f32 * 0.37);
    let mut m = Array2::from_elem((1024, 256), false);
    m.slice_mut(ndarray::s![500..520, 100..140]).fill(true);

    let rust = [
        (
            "otsu NM1",
            best_of(|| {
                std::hint::black_box(otsu_threshold_array(&view).unwrap());
            }),
        ),
        (
            "otsu 640x512",
            best_of(|| {
                std::hint::black_box(otsu_threshold_array(&big).unwrap());
            }),
        ),
        (
            "otsu_nm NM1",
            best_of(|| drop(otsu_nm(view.view(), m.view()).unwrap())),
        ),
    ];
    for (line, (name, ours)) in out.lines().zip(rust) {
        let theirs: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
        println!(
            "{name:14} rust {:8.1} µs   python {:8.1} µs   ×{:.1}",
            ours * 1e6,
            theirs * 1e6,
            theirs / ours
        );
    }
}
