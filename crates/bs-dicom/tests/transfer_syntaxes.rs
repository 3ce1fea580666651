//! Every lossless transfer syntax archives use decodes to the same pixels: pydicom re-encodes
//! the NM1 fixture (signed, 1 frame) and a written 2-frame scan (unsigned, full 16-bit range)
//! as RLE, JPEG-LS, JPEG 2000, deflated and implicit VR; JPEG lossless process 14 is the NM1
//! JPEG (selection value 1 is a process-14 stream) under the process-14 UID. Unsupported
//! syntaxes give a typed error naming the syntax.

mod common;

use std::path::{Path, PathBuf};

use bs_dicom::write::{write_whole_body_nm, NmWriteMeta};
use bs_dicom::{read_scan, DicomError, ReadOptions, WholeBodyScan};
use ndarray::{Array2, Axis};

const REENCODE: &str = r#"
import sys, pydicom
from pydicom.uid import RLELossless, JPEGLSLossless, JPEG2000Lossless, DeflatedExplicitVRLittleEndian, ImplicitVRLittleEndian, UID
src, out, tag = sys.argv[1], sys.argv[2], sys.argv[3]
def load():
    ds = pydicom.dcmread(src)
    if ds.file_meta.TransferSyntaxUID.is_compressed:
        ds.decompress()
    return ds
for name, uid in [("rle", RLELossless), ("jpegls", JPEGLSLossless), ("j2k", JPEG2000Lossless)]:
    ds = load(); ds.compress(uid); ds.save_as(f"{out}/{tag}-{name}.dcm")
ds = load(); ds.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian; ds.save_as(f"{out}/{tag}-deflate.dcm")
ds = load(); ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian; ds.save_as(f"{out}/{tag}-implicit.dcm", implicit_vr=True, little_endian=True)
if tag == "nm1":
    for name, uid in [("process14", "1.2.840.10008.1.2.4.57"), ("mpeg2", "1.2.840.10008.1.2.4.100")]:
        ds = pydicom.dcmread(src); ds.file_meta.TransferSyntaxUID = UID(uid); ds.save_as(f"{out}/{tag}-{name}.dcm", implicit_vr=False, little_endian=True)
"#;

const VARIANTS: [(&str, &str); 5] = [
    ("rle", "1.2.840.10008.1.2.5"),
    ("jpegls", "1.2.840.10008.1.2.4.80"),
    ("j2k", "1.2.840.10008.1.2.4.90"),
    ("deflate", "1.2.840.10008.1.2.1.99"),
    ("implicit", "1.2.840.10008.1.2"),
];

fn written_source(dir: &Path) -> PathBuf {
    let path = dir.join("two-frame.dcm");
    // bone-scan-like counts with a few very hot pixels so that all 16 bits are exercised
    let anterior = Array2::from_shape_fn((1024, 256), |(r, c)| {
        if (r * 256 + c) % 9973 == 0 {
            65535
        } else {
            ((r / 4 + c / 3) % 300) as u16
        }
    });
    let posterior = Array2::from_shape_fn((1024, 256), |(r, c)| ((r * 13 + c * 7) % 500) as u16);
    write_whole_body_nm(
        &path,
        anterior.view(),
        posterior.view(),
        &NmWriteMeta::synthetic("TS", 3),
    )
    .unwrap();
    path
}

fn assert_same_scan(what: &str, got: &WholeBodyScan, want: &WholeBodyScan) {
    common::assert_same_pixels(
        what,
        got.anterior.pixels.view(),
        want.anterior.pixels.view(),
    );
    match (&got.posterior, &want.posterior) {
        (Some(g), Some(w)) => common::assert_same_pixels(what, g.pixels.view(), w.pixels.view()),
        (None, None) => {}
        _ => panic!("{what}: posterior presence differs"),
    }
}

#[test]
fn lossless_syntaxes_decode_identically_and_match_pydicom() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    let written = written_source(out);
    let nm1 = bs_testdata::nm1_jpll();
    common::py(REENCODE, &[&nm1, out, Path::new("nm1")]);
    common::py(REENCODE, &[&written, out, Path::new("wb")]);
    let opts = ReadOptions::default();

    let mut files = Vec::new();
    for (tag, source) in [("nm1", &nm1), ("wb", &written)] {
        let original = read_scan(source, &opts).unwrap();
        let mut variants: Vec<(String, &str)> = VARIANTS
            .iter()
            .map(|(n, uid)| (n.to_string(), *uid))
            .collect();
        if tag == "nm1" {
            variants.push(("process14".into(), "1.2.840.10008.1.2.4.57"));
        }
        for (name, uid) in variants {
            let path = out.join(format!("{tag}-{name}.dcm"));
            let scan = read_scan(&path, &opts).unwrap_or_else(|e| panic!("{tag}-{name}: {e}"));
            assert_eq!(
                scan.meta.files[0].transfer_syntax_uid.as_deref(),
                Some(uid),
                "{tag}-{name}"
            );
            assert_same_scan(&format!("{tag}-{name} vs original"), &scan, &original);
            files.push((path, scan));
        }
    }
    // pydicom's decoding of every variant, in one call
    let paths: Vec<PathBuf> = files.iter().map(|(p, _)| p.clone()).collect();
    let reference = common::pydicom_frames(&paths);
    for ((path, scan), frames) in files.iter().zip(&reference) {
        let what = format!("{} vs pydicom", path.display());
        common::assert_same_pixels(
            &what,
            scan.anterior.pixels.view(),
            frames.index_axis(Axis(0), 0),
        );
        if let Some(p) = &scan.posterior {
            common::assert_same_pixels(&what, p.pixels.view(), frames.index_axis(Axis(0), 1));
        }
    }

    // unsupported: a syntax the registry knows without a decoder, and an unknown UID (the
    // process-14 file with its UID overwritten in place: same length, so no lengths change)
    let p14 = std::fs::read(out.join("nm1-process14.dcm")).unwrap();
    let at = p14
        .windows(22)
        .position(|w| w == b"1.2.840.10008.1.2.4.57")
        .unwrap();
    let mut unknown = p14.clone();
    unknown[at..at + 22].copy_from_slice(b"1.2.840.10008.9.9.9.99");
    std::fs::write(out.join("nm1-unknown.dcm"), unknown).unwrap();
    for (name, uid) in [
        ("mpeg2", "1.2.840.10008.1.2.4.100"),
        ("unknown", "1.2.840.10008.9.9.9.99"),
    ] {
        let path = out.join(format!("nm1-{name}.dcm"));
        let err = read_scan(&path, &opts).unwrap_err();
        match &err {
            DicomError::UnsupportedTransferSyntax {
                uid: found,
                path: p,
                ..
            } => {
                assert_eq!(found, uid);
                assert_eq!(p, &path);
            }
            other => panic!("{name}: expected UnsupportedTransferSyntax, got {other}"),
        }
        assert!(err.to_string().contains(uid), "{err}");
    }
}

const RLE_VARIANTS: &str = r#"
import sys, numpy as np, pydicom
from pydicom.uid import RLELossless
src, out = sys.argv[1], sys.argv[2]
ds = pydicom.dcmread(src); ds.compress(RLELossless); ds.save_as(f"{out}/rle16.dcm")
ds = pydicom.dcmread(src)
a = ds.pixel_array
ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
ds.PixelData = (a % 256).astype(np.uint8).tobytes()
ds.compress(RLELossless); ds.save_as(f"{out}/rle8.dcm")
"#;

/// bonescan decodes RLE Lossless itself (`rle.rs`): 8- and 16-bit frames of an odd size, with
/// literal and replicate runs of every length, against pydicom's decoder.
#[test]
fn rle_lossless_of_odd_sizes_and_both_depths_matches_pydicom() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("odd.dcm");
    // runs of 1..=300 equal values (PackBits replicate runs up to 128, split beyond), then noise
    let mut rng = common::Rng(11);
    let mut view = || {
        let (mut run, mut value) = (0u64, 0u64);
        Array2::from_shape_fn((301, 77), |(r, _)| {
            if run == 0 {
                run = 1 + rng.next() % 300;
                value = if r < 150 {
                    rng.next() % 400
                } else {
                    rng.next() % 65536
                };
            }
            run -= 1;
            if r >= 250 {
                (rng.next() % 65536) as u16
            } else {
                value as u16
            }
        })
    };
    let (anterior, posterior) = (view(), view());
    let meta = NmWriteMeta::synthetic("RLE", 5);
    write_whole_body_nm(&source, anterior.view(), posterior.view(), &meta).unwrap();
    common::py(RLE_VARIANTS, &[&source, dir.path()]);
    let paths = [dir.path().join("rle16.dcm"), dir.path().join("rle8.dcm")];
    let reference = common::pydicom_frames(&paths);
    for (path, frames) in paths.iter().zip(&reference) {
        let scan = read_scan(path, &ReadOptions::default()).unwrap();
        let what = path.display().to_string();
        let posterior = scan.posterior.as_ref().expect("two views");
        common::assert_same_pixels(
            &what,
            scan.anterior.pixels.view(),
            frames.index_axis(Axis(0), 0),
        );
        common::assert_same_pixels(
            &what,
            posterior.pixels.view(),
            frames.index_axis(Axis(0), 1),
        );
    }
    // the 8-bit file really is 8-bit: its values are the 16-bit ones modulo 256
    let eight = read_scan(&paths[1], &ReadOptions::default()).unwrap();
    assert_eq!(
        eight.anterior.pixels[[300, 76]],
        f32::from(anterior[[300, 76]] % 256)
    );
}
