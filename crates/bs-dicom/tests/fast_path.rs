//! The fast path (native little-endian pixel data read straight from the file) against the
//! general dicom-rs path (`ReadOptions::native_fast_path = false`): identical scans — pixels,
//! views, metadata, count statistics — on every fixture and re-encoded variant, and identical
//! errors (same variant, same message) on a broken-file corpus made from them; and
//! `ScanReader` with recycled buffers against `read_scan`.

mod common;

use std::path::{Path, PathBuf};

use bs_dicom::write::{write_whole_body_nm, NmWriteMeta};
use bs_dicom::{read_scan, read_scan_bytes, ReadOptions};
use ndarray::Array2;

fn general() -> ReadOptions {
    ReadOptions {
        native_fast_path: false,
        ..ReadOptions::default()
    }
}

/// Both paths on a file (by path and by bytes): the same `Result`, compared in full.
fn assert_same(path: &Path) {
    let fast = read_scan(path, &ReadOptions::default());
    let slow = read_scan(path, &general());
    assert_eq!(
        format!("{fast:?}"),
        format!("{slow:?}"),
        "{}: fast and general path differ",
        path.display()
    );
    // Debug abbreviates large arrays: compare the scans themselves
    if let (Ok(a), Ok(b)) = (&fast, &slow) {
        assert_eq!(a, b, "{}", path.display());
    }
    let bytes = std::fs::read(path).unwrap();
    assert_same_bytes(path, &bytes);
}

fn assert_same_bytes(name: &Path, bytes: &[u8]) {
    let fast = read_scan_bytes(name, bytes, &ReadOptions::default());
    let slow = read_scan_bytes(name, bytes, &general());
    assert_eq!(
        format!("{fast:?}"),
        format!("{slow:?}"),
        "{}: fast and general path differ on bytes",
        name.display()
    );
    // Debug abbreviates large arrays: compare the scans themselves
    if let (Ok(a), Ok(b)) = (&fast, &slow) {
        assert_eq!(a, b, "{}", name.display());
    }
}

/// Variants made by pydicom from a written 2-frame scan: other syntaxes, sample formats and
/// layouts, and elements after the pixel data (which the fast path must leave to the general one).
const VARIANTS: &str = r#"
import sys, copy
import numpy as np
import pydicom
from pydicom.uid import RLELossless, DeflatedExplicitVRLittleEndian, ImplicitVRLittleEndian, ExplicitVRBigEndian
src, out = sys.argv[1], sys.argv[2]
base = pydicom.dcmread(src)
frames = base.pixel_array
def save(name, ds, **kw):
    ds.save_as(f"{out}/{name}.dcm", **kw)
ds = copy.deepcopy(base); ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
save("implicit", ds, implicit_vr=True, little_endian=True)
ds = copy.deepcopy(base); ds.file_meta.TransferSyntaxUID = ExplicitVRBigEndian
pydicom.dcmwrite(f"{out}/big-endian.dcm", ds, implicit_vr=False, little_endian=False, force_encoding=True)
ds = copy.deepcopy(base); ds.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian; save("deflate", ds)
ds = copy.deepcopy(base); ds.compress(RLELossless); save("rle", ds)
ds = copy.deepcopy(base)
signed = (frames.astype(np.int32) - 150).astype(np.int16)
ds.PixelRepresentation = 1; ds.RescaleSlope = "0.5"; ds.RescaleIntercept = "-3"
ds.PixelData = signed.tobytes(); save("signed-rescale", ds)
ds = copy.deepcopy(base); ds.RescaleSlope = "2"; ds.RescaleIntercept = "1"; save("unsigned-rescale", ds)
ds = copy.deepcopy(base); ds.PixelRepresentation = 1; ds.PixelData = signed.tobytes(); save("signed-negative", ds)
ds = copy.deepcopy(base); ds.BitsStored = 7; ds.HighBit = 6; save("bits-stored-7", ds)
ds = copy.deepcopy(base)
ds.BitsAllocated = 8; ds.BitsStored = 8; ds.HighBit = 7
ds.PixelData = (frames % 256).astype(np.uint8).tobytes()
for k in ("SmallestImagePixelValue", "LargestImagePixelValue"):
    if k in ds: delattr(ds, k)
save("eight-bit", ds)
ds = copy.deepcopy(base); ds.NumberOfFrames = 1; ds.DetectorVector = [1]
ds.PixelData = frames[0].tobytes(); save("one-frame", ds)
ds = copy.deepcopy(base); ds.NumberOfFrames = 1; ds.Columns = 2 * ds.Columns
del ds.DetectorInformationSequence
ds.PixelData = np.concatenate([frames[0], frames[1]], axis=1).tobytes(); save("side-by-side", ds)
ds = copy.deepcopy(base); ds.add_new(0xFFFCFFFC, "OB", b"\0" * 8); save("trailing-padding", ds)
ds = copy.deepcopy(base); ds.PixelData = frames.tobytes() + b"\0\0\0\0"; save("longer-pixel-data", ds)
ds = copy.deepcopy(base); ds.PixelData = frames.tobytes()[:-2]; save("short-pixel-data", ds)
ds = copy.deepcopy(base); ds.Modality = "CT"; save("wrong-modality", ds)
ds = copy.deepcopy(base); ds.NumberOfFrames = 3; save("three-frames", ds)
ds = copy.deepcopy(base); del ds.PixelData; save("no-pixel-data", ds)
"#;

fn written(dir: &Path) -> PathBuf {
    let path = dir.join("wb.dcm");
    // the full 16-bit range, so that sign, masking and statistics are exercised
    let a = Array2::from_shape_fn((1024, 256), |(r, c)| ((r * 131 + c * 977) % 65536) as u16);
    let p = Array2::from_shape_fn((1024, 256), |(r, c)| ((r / 4 + c) % 300) as u16);
    write_whole_body_nm(
        &path,
        a.view(),
        p.view(),
        &NmWriteMeta::synthetic("FAST", 3),
    )
    .unwrap();
    path
}

#[test]
fn fast_and_general_path_read_every_variant_identically() {
    let dir = tempfile::tempdir().unwrap();
    let src = written(dir.path());
    common::py(VARIANTS, &[&src, dir.path()]);
    let mut files = vec![src.clone(), bs_testdata::nm1_jpll()];
    files.extend(bs_testdata::nm1_unc());
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p != &src)
        .collect();
    names.sort();
    assert_eq!(names.len(), 17, "{names:?}");
    files.extend(names);
    let mut read = 0;
    for f in &files {
        assert_same(f);
        read += usize::from(read_scan(f, &ReadOptions::default()).is_ok());
    }
    // the corpus holds both readable files and errors
    assert!(
        read >= 12 && read < files.len(),
        "{read} of {}",
        files.len()
    );
    // a ScanReader writing into the recycled buffers of earlier scans (2-frame, one-frame,
    // 8-bit, side by side, errors in between) reads every file as read_scan does; twice round,
    // so that buffers of every size meet every file
    let mut reader = bs_dicom::ScanReader::new(ReadOptions::default());
    let mut reused = 0;
    for f in files.iter().chain(&files) {
        let spare_before = reader.spare_buffers();
        let got = reader.read(f);
        let want = read_scan(f, &ReadOptions::default());
        assert_eq!(format!("{got:?}"), format!("{want:?}"), "{}", f.display());
        if let (Ok(got), Ok(want)) = (got, want) {
            assert_eq!(got, want, "{}", f.display());
            reused += spare_before - reader.spare_buffers();
            reader.recycle(got);
        }
    }
    assert!(reused >= 10, "recycled buffers were used {reused} times");
    assert_counts_like_floats(&files);
    // a pair of single-view files, one scan
    let opts = ReadOptions::default();
    let one = dir.path().join("one-frame.dcm");
    let pair = [one.clone(), one];
    assert_eq!(
        format!("{:?}", bs_dicom::read_scan_files(&pair, &opts)),
        format!("{:?}", bs_dicom::read_scan_files(&pair, &general()))
    );
}

/// `ScanReader::read_counts` on every file, by the fast path and the general one, with
/// recycled buffers: the scan `read_scan` gives, as 16-bit counts — or `NotIntegerCounts`
/// exactly when that scan has a value that is not one, or the same error.
fn assert_counts_like_floats(files: &[PathBuf]) {
    let (mut counted, mut refused) = (0, 0);
    for opts in [ReadOptions::default(), general()] {
        let mut reader = bs_dicom::ScanReader::new(opts.clone());
        for f in files.iter().chain(files) {
            let want = read_scan(f, &opts);
            match (reader.read_counts(f), want) {
                (Ok(counts), Ok(want)) => {
                    assert_eq!(counts.to_f32(), want, "{}", f.display());
                    for view in counts.views() {
                        assert_eq!(view.stats(), view.to_f32().stats(), "{}", f.display());
                    }
                    counted += 1;
                    reader.recycle_counts(counts);
                }
                (Err(bs_dicom::DicomError::NotIntegerCounts { path, detail }), Ok(want)) => {
                    assert_eq!(&path, f);
                    let not_count = |v: &f32| !(v.fract() == 0.0 && (0.0..=65_535.0).contains(v));
                    assert!(
                        want.views().any(|v| v.pixels.iter().any(not_count)),
                        "{}: refused ({detail}) but every value is a count",
                        f.display()
                    );
                    refused += 1;
                }
                (got, want) => assert_eq!(
                    format!("{:?}", got.map(|s| s.to_f32())),
                    format!("{want:?}"),
                    "{}",
                    f.display()
                ),
            }
        }
    }
    // NM1 (signed storage, counts ≥ 0) and the unsigned variants are counted; the rescaled and
    // the negative ones are refused
    assert!(
        counted >= 20 && refused >= 6,
        "{counted} counted, {refused} refused"
    );
}

#[test]
fn statistics_made_while_decoding_equal_the_pixel_statistics() {
    let dir = tempfile::tempdir().unwrap();
    let scan = read_scan(&written(dir.path()), &ReadOptions::default()).unwrap();
    for view in scan.views() {
        let stats = if view.source.frame == 0 {
            scan.meta.counts.anterior
        } else {
            scan.meta.counts.posterior.unwrap()
        };
        assert_eq!(stats, bs_dicom::CountStats::of(&view.pixels));
    }
    assert_eq!(scan.meta.counts.anterior.max, 65535.0);
}

#[test]
fn broken_files_give_the_same_error_on_both_paths() {
    let dir = tempfile::tempdir().unwrap();
    let src = written(dir.path());
    let mut rng = common::Rng(0xFA57_0FB0_E5E5);
    let (mut ok, mut failed) = (0, 0);
    for source in [src, bs_testdata::nm1_jpll()] {
        let bytes = std::fs::read(&source).unwrap();
        // truncations: inside the header, at the pixel data, inside it
        let mut cuts: Vec<usize> = vec![0, 4, 128, 132, 200, 1000, 2000];
        cuts.extend((1..30).map(|k| bytes.len() * k / 30));
        cuts.push(bytes.len() - 1);
        for cut in cuts {
            let name = PathBuf::from(format!("cut-{cut}.dcm"));
            assert_same_bytes(&name, &bytes[..cut]);
            // by path as well: the fast path reads files in blocks
            let path = dir.path().join(&name);
            std::fs::write(&path, &bytes[..cut]).unwrap();
            assert_same(&path);
        }
        // bit flips, mostly in the header where the structure is
        let header_end = bytes.len().min(3000);
        for trial in 0..150 {
            let mut b = bytes.clone();
            for _ in 0..1 + rng.next() % 4 {
                let at = if trial % 3 == 2 {
                    rng.next() as usize % b.len()
                } else {
                    rng.next() as usize % header_end
                };
                b[at] ^= 1 << (rng.next() % 8);
            }
            let name = PathBuf::from(format!("flip-{trial}.dcm"));
            assert_same_bytes(&name, &b);
            match read_scan_bytes(&name, &b, &ReadOptions::default()) {
                Ok(_) => ok += 1,
                Err(_) => failed += 1,
            }
        }
    }
    assert!(ok > 0 && failed > 0, "ok {ok}, failed {failed}");
}
