//! Shared helpers of the bs-dicom integration tests: pydicom as the independent reference.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use ndarray::{Array3, ArrayView2};

/// pydicom's decoding of each file: `pixel_array` with Rescale Slope/Intercept applied, as
/// frames × rows × columns f32 (one Python call for all files).
pub fn pydicom_frames(files: &[PathBuf]) -> Vec<Array3<f32>> {
    let dir = tempfile::tempdir().unwrap();
    let script = r#"
import sys, numpy as np, pydicom
out = sys.argv[1]
for i, f in enumerate(sys.argv[2:]):
    ds = pydicom.dcmread(f)
    a = ds.pixel_array.astype(np.float64)
    if int(getattr(ds, "NumberOfFrames", 1) or 1) == 1:
        a = a[None]
    a = a * float(getattr(ds, "RescaleSlope", 1) or 1) + float(getattr(ds, "RescaleIntercept", 0) or 0)
    a.astype("<f4").tofile(f"{out}/{i}.f32")
    print(*a.shape)
"#;
    let mut args: Vec<String> = vec![dir.path().display().to_string()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let stdout = bs_testdata::run_python(script, &refs);
    stdout
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let dims: Vec<usize> = line
                .split_whitespace()
                .map(|d| d.parse().unwrap())
                .collect();
            let bytes = std::fs::read(dir.path().join(format!("{i}.f32"))).unwrap();
            let values: Vec<f32> = bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
                .collect();
            Array3::from_shape_vec((dims[0], dims[1], dims[2]), values).unwrap()
        })
        .collect()
}

/// Asserts two views are identical pixel by pixel, naming the first difference.
pub fn assert_same_pixels(what: &str, got: ArrayView2<f32>, want: ArrayView2<f32>) {
    assert_eq!(got.dim(), want.dim(), "{what}: shape");
    if let Some(((r, c), g)) = got.indexed_iter().find(|(ix, g)| **g != want[*ix]) {
        panic!("{what}: pixel ({r},{c}) is {g}, reference {}", want[[r, c]]);
    }
}

/// A Python script run with the given arguments (paths as strings).
pub fn py(script: &str, args: &[&Path]) -> String {
    let args: Vec<String> = args.iter().map(|p| p.display().to_string()).collect();
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    bs_testdata::run_python(script, &refs)
}

/// A tiny deterministic generator (xorshift64*), so corpora are the same on every run.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}
