//! Otsu's threshold against scikit-image's `threshold_otsu` (float32 input, default 256
//! bins) on random and image-like data, including the real NEMA NM1 whole-body view read by
//! pydicom. All arrays go to Python in one binary file; thresholds come back as float32.

use bs_masks::nm::{body_mask, body_mask_in, BodyDomain};
use bs_masks::otsu::{otsu_threshold, otsu_threshold_array};
use bs_masks::MaskError;
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal, Poisson};

const SKIMAGE_REFERENCE: &str = r#"
import sys
import numpy as np
import pydicom
from skimage.filters import threshold_otsu

raw = open(sys.argv[1], "rb").read()
count = int(np.frombuffer(raw[:8], dtype="<u8")[0])
pos = 8
thresholds = []
for _ in range(count):
    n = int(np.frombuffer(raw[pos:pos + 8], dtype="<u8")[0]); pos += 8
    a = np.frombuffer(raw[pos:pos + 4 * n], dtype="<f4"); pos += 4 * n
    try:
        thresholds.append(np.float32(threshold_otsu(a)))
    except ValueError:  # numpy: "Too many bins for data range"
        thresholds.append(np.float32("nan"))
# The real NM1 scan: its anterior view as float32 counts, and skimage's threshold of it.
ds = pydicom.dcmread(sys.argv[3])
view = ds.pixel_array.astype(np.float32)
view = view.reshape(-1, view.shape[-1])
with open(sys.argv[2], "wb") as out:
    out.write(np.asarray(thresholds, dtype="<f4").tobytes())
    out.write(np.asarray([view.shape[0], view.shape[1]], dtype="<u8").tobytes())
    out.write(view.astype("<f4").tobytes())
    out.write(np.asarray([threshold_otsu(view)], dtype="<f4").tobytes())
    # The body (air vs body) mask: Otsu on ln(1 + x).
    logs = np.log1p(view)
    out.write((logs > threshold_otsu(logs)).astype(np.uint8).tobytes())
print(count)
"#;

/// Arrays of many kinds: uniform, bimodal, Poisson counts like a bone scan, constant-ish,
/// negative, tiny ranges, huge ranges, few distinct values.
fn random_arrays(rng: &mut ChaCha8Rng, count: usize) -> Vec<Vec<f32>> {
    (0..count)
        .map(|i| {
            let n = rng.random_range(2..3000);
            match i % 7 {
                0 => (0..n).map(|_| rng.random_range(-50.0f32..300.0)).collect(),
                1 => {
                    let a = Normal::new(rng.random_range(0.0..20.0), 3.0).unwrap();
                    let b = Normal::new(rng.random_range(40.0..200.0), 15.0).unwrap();
                    (0..n)
                        .map(|k| if k % 3 == 0 { a.sample(rng) } else { b.sample(rng) } as f32)
                        .collect()
                }
                2 => {
                    // air (low counts) + body (higher counts) + hot spots, integer counts
                    let air = Poisson::new(0.8).unwrap();
                    let body = Poisson::new(rng.random_range(8.0..20.0)).unwrap();
                    (0..n)
                        .map(|k| match k % 10 {
                            0..=5 => air.sample(rng) as f32,
                            6..=8 => body.sample(rng) as f32,
                            _ => body.sample(rng) as f32 * 6.0,
                        })
                        .collect()
                }
                3 => (0..n).map(|_| rng.random_range(0..4) as f32).collect(),
                4 => {
                    // a narrow range: near 1000 numpy refuses 256 bins, near 1 it does not
                    let base: f32 = if rng.random_bool(0.5) { 1.0e3 } else { 1.0 };
                    (0..n)
                        .map(|_| base + rng.random_range(0.0f32..1.0e-3))
                        .collect()
                }
                5 => (0..n).map(|_| rng.random_range(-1.0e6f32..1.0e6)).collect(),
                _ => (0..n)
                    .map(|_| (rng.random_range(0.0f32..255.0)).round())
                    .collect(),
            }
        })
        .collect()
}

#[test]
fn otsu_equals_skimage_threshold_otsu() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let arrays = random_arrays(&mut rng, 700);
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("arrays.bin");
    let output = dir.path().join("thresholds.bin");
    let mut raw = Vec::new();
    raw.extend_from_slice(&(arrays.len() as u64).to_le_bytes());
    for a in &arrays {
        raw.extend_from_slice(&(a.len() as u64).to_le_bytes());
        for v in a {
            raw.extend_from_slice(&v.to_le_bytes());
        }
    }
    std::fs::write(&input, raw).unwrap();
    let nm1 = bs_testdata::nm1_jpll();
    let printed = bs_testdata::run_python(
        SKIMAGE_REFERENCE,
        &[
            input.to_str().unwrap(),
            output.to_str().unwrap(),
            nm1.to_str().unwrap(),
        ],
    );
    assert_eq!(printed.trim(), arrays.len().to_string());
    let back = std::fs::read(&output).unwrap();
    let f32_at = |i: usize| f32::from_le_bytes(back[4 * i..4 * i + 4].try_into().unwrap());

    let mut mismatches = Vec::new();
    let mut narrow = 0;
    for (i, a) in arrays.iter().enumerate() {
        let theirs = f32_at(i);
        if theirs.is_nan() {
            narrow += 1;
            assert!(
                matches!(otsu_threshold(a), Err(MaskError::RangeTooNarrow { .. })),
                "array {i}: skimage refuses it, we must too"
            );
            continue;
        }
        let ours = otsu_threshold(a).unwrap();
        if ours.to_bits() != theirs.to_bits() {
            mismatches.push(format!(
                "array {i} (kind {}): ours {ours}, skimage {theirs}",
                i % 7
            ));
        }
        let (min, max) = a
            .iter()
            .fold((f32::MAX, f32::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        assert!(ours >= min && ours <= max);
    }
    assert!(
        narrow > 10 && narrow < 100,
        "{narrow} arrays too narrow for 256 bins"
    );
    assert!(
        mismatches.is_empty(),
        "{} differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );

    // NM1, a real whole-body view.
    let mut pos = 4 * arrays.len();
    let u64_at = |p: usize| u64::from_le_bytes(back[p..p + 8].try_into().unwrap()) as usize;
    let (rows, cols) = (u64_at(pos), u64_at(pos + 8));
    pos += 16;
    assert_eq!((rows, cols), (1024, 256));
    let pixels: Vec<f32> = back[pos..pos + 4 * rows * cols]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    pos += 4 * rows * cols;
    let expected = f32::from_le_bytes(back[pos..pos + 4].try_into().unwrap());
    let view = Array2::from_shape_vec((rows, cols), pixels).unwrap();
    let ours = otsu_threshold_array(&view).unwrap();
    assert_eq!(
        ours.to_bits(),
        expected.to_bits(),
        "NM1: ours {ours}, skimage {expected}"
    );
    // Non-contiguous views give the same answer as contiguous copies.
    let t = view.t();
    assert_eq!(otsu_threshold_array(&t).unwrap(), ours);

    // The body mask (Otsu on ln(1 + x)) equals NumPy/scikit-image's, and it is the body, not
    // the skeleton: far more pixels than the linear threshold keeps.
    pos += 4;
    let expected_body: Vec<bool> = back[pos..pos + rows * cols]
        .iter()
        .map(|&b| b == 1)
        .collect();
    let (body, _) = body_mask(view.view()).unwrap();
    let differing = body
        .iter()
        .zip(&expected_body)
        .filter(|(a, b)| a != b)
        .count();
    assert_eq!(
        differing, 0,
        "NM1 body mask differs from skimage on {differing} pixels"
    );
    let (linear, _) = body_mask_in(view.view(), BodyDomain::Linear).unwrap();
    let count = |m: &Array2<bool>| m.iter().filter(|&&b| b).count();
    assert!(
        2 * count(&body) > 3 * count(&linear) && count(&body) * 100 > 35 * rows * cols,
        "log-domain body {} px vs linear {} px",
        count(&body),
        count(&linear)
    );
}

#[test]
fn otsu_edge_cases() {
    assert!(matches!(otsu_threshold(&[]), Err(MaskError::EmptyImage)));
    assert_eq!(otsu_threshold(&[3.5; 10]).unwrap(), 3.5);
    assert!(matches!(
        otsu_threshold(&[1.0, f32::NAN, 2.0]),
        Err(MaskError::NonFiniteValue { index: 1 })
    ));
    assert!(matches!(
        otsu_threshold(&[1.0, 2.0, f32::INFINITY]),
        Err(MaskError::NonFiniteValue { index: 2 })
    ));
    // Two well separated groups: the threshold lies between them.
    let mut v = vec![1.0f32; 100];
    v.extend(std::iter::repeat_n(100.0f32, 50));
    let t = otsu_threshold(&v).unwrap();
    assert!(t > 1.0 && t < 100.0, "{t}");
}
