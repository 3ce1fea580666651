//! The broken-file corpus, made in the test from the fixtures: truncations, flipped bytes,
//! garbage, removed pixel data, wrong and gigantic declared sizes, wrong modality, 0 and 3
//! frames. Each must give a typed `bs_dicom::DicomError` naming the file — never a panic, never a
//! large allocation.

mod common;

use std::path::{Path, PathBuf};

use bs_dicom::write::{write_whole_body_nm, NmWriteMeta};
use bs_dicom::{read_scan, read_scan_bytes, DicomError, ReadOptions};
use ndarray::Array2;

fn written(dir: &Path) -> PathBuf {
    written_sized(dir, 1024, 256)
}

fn written_sized(dir: &Path, rows: usize, columns: usize) -> PathBuf {
    let path = dir.join(format!("wb-{rows}x{columns}.dcm"));
    let a = Array2::from_shape_fn((rows, columns), |(r, c)| ((r + c) % 200) as u16);
    write_whole_body_nm(
        &path,
        a.view(),
        a.view(),
        &NmWriteMeta::synthetic("BROKEN", 1),
    )
    .unwrap();
    path
}

fn expect_err(name: &Path, bytes: &[u8]) -> DicomError {
    match read_scan_bytes(name, bytes, &ReadOptions::default()) {
        Ok(_) => panic!("{}: broken file was accepted", name.display()),
        Err(e) => {
            assert_eq!(e.path(), Some(name), "error must name the file: {e}");
            e
        }
    }
}

#[test]
fn truncated_files_give_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    for source in [bs_testdata::nm1_jpll(), written(dir.path())] {
        let bytes = std::fs::read(&source).unwrap();
        let mut cuts: Vec<usize> = vec![0, 1, 4, 127, 128, 131, 132, 140, 200, 400, 1000, 2000];
        cuts.extend((1..40).map(|k| bytes.len() * k / 40));
        cuts.push(bytes.len() - 1);
        for cut in cuts {
            let name = PathBuf::from(format!("{}@{cut}", source.display()));
            let err = expect_err(&name, &bytes[..cut]);
            assert!(
                matches!(
                    err,
                    DicomError::NotDicom { .. }
                        | DicomError::Malformed { .. }
                        | DicomError::PixelDataSize { .. }
                        | DicomError::Decode { .. }
                ),
                "cut at {cut}: unexpected {err}"
            );
        }
    }
}

#[test]
fn garbage_and_flipped_bytes_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = common::Rng(0x5EED_0FB0_E5E5);
    let garbage: Vec<u8> = (0..4096).map(|_| rng.next() as u8).collect();
    assert!(matches!(
        expect_err(Path::new("garbage.dcm"), &garbage),
        DicomError::NotDicom { .. }
    ));
    let mut with_magic = garbage.clone();
    with_magic[128..132].copy_from_slice(b"DICM");
    assert!(matches!(
        expect_err(Path::new("magic.dcm"), &with_magic),
        DicomError::Malformed { .. }
    ));

    let mut outcomes = [0usize; 2];
    // a small written scan: same structure as a full one, cheaper to read 150 times
    for (source, trials) in [
        (bs_testdata::nm1_jpll(), 60),
        (written_sized(dir.path(), 128, 32), 200),
    ] {
        let bytes = std::fs::read(&source).unwrap();
        // the header region (where structure lives) and, for the JPEG file, the codestream
        let header_end = bytes.len().min(3000);
        for trial in 0..trials {
            let mut b = bytes.clone();
            let flips = 1 + (rng.next() % 4) as usize;
            for _ in 0..flips {
                let at = if trial % 3 == 2 {
                    (rng.next() as usize) % b.len()
                } else {
                    (rng.next() as usize) % header_end
                };
                b[at] ^= 1 << (rng.next() % 8);
            }
            let name = PathBuf::from(format!("flip-{trial}.dcm"));
            match read_scan_bytes(&name, &b, &ReadOptions::default()) {
                Ok(scan) => {
                    outcomes[0] += 1;
                    assert_eq!(scan.anterior.pixels.ndim(), 2);
                }
                Err(e) => {
                    outcomes[1] += 1;
                    assert_eq!(e.path(), Some(name.as_path()), "{e}");
                }
            }
        }
    }
    // most single-bit flips land in values (names, UIDs, pixels) and still read; some break
    // the structure — both outcomes must occur, or the corpus is not testing anything
    assert!(outcomes[0] > 0 && outcomes[1] > 0, "outcomes {outcomes:?}");
}

#[test]
fn declared_element_length_of_4_gib_is_refused_before_allocation() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(written(dir.path())).unwrap();
    // Pixel Data (7FE0,0010) OW: tag, VR, 2 reserved bytes, then the 4-byte length
    let at = bytes
        .windows(6)
        .position(|w| w == [0xE0, 0x7F, 0x10, 0x00, b'O', b'W'])
        .unwrap();
    bytes[at + 8..at + 12].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    let err = expect_err(Path::new("huge-length.dcm"), &bytes);
    assert!(matches!(err, DicomError::Malformed { .. }), "{err}");
    assert!(
        err.to_string().contains("declares 4294967280 bytes"),
        "{err}"
    );
}

const MUTATE: &str = r#"
import sys, pydicom
src, out = sys.argv[1], sys.argv[2]
def variant(name, fn):
    ds = pydicom.dcmread(src); fn(ds); ds.save_as(f"{out}/{name}.dcm")
variant("no-pixel-data", lambda ds: ds.__delattr__("PixelData"))
variant("rows-too-many", lambda ds: setattr(ds, "Rows", 2048))
variant("gigantic", lambda ds: (setattr(ds, "Rows", 65535), setattr(ds, "Columns", 65535)))
variant("three-frames", lambda ds: setattr(ds, "NumberOfFrames", 3))
variant("zero-frames", lambda ds: setattr(ds, "NumberOfFrames", 0))
variant("wrong-modality", lambda ds: setattr(ds, "Modality", "CT"))
variant("rgb", lambda ds: setattr(ds, "SamplesPerPixel", 3))
variant("bits-32", lambda ds: setattr(ds, "BitsAllocated", 32))
variant("no-rows", lambda ds: ds.__delattr__("Rows"))
"#;

#[test]
fn wrong_declarations_give_the_matching_error() {
    let dir = tempfile::tempdir().unwrap();
    let src = written(dir.path());
    common::py(MUTATE, &[&src, dir.path()]);
    let check = |name: &str, ok: &dyn Fn(&DicomError) -> bool| {
        let path = dir.path().join(format!("{name}.dcm"));
        let err = read_scan(&path, &ReadOptions::default()).unwrap_err();
        assert!(ok(&err), "{name}: unexpected {err}");
        assert!(
            err.to_string().contains(&format!("{name}.dcm")),
            "{name}: message must name the file: {err}"
        );
    };
    check("no-pixel-data", &|e| {
        matches!(e, DicomError::NoPixelData { .. })
    });
    check("rows-too-many", &|e| {
        matches!(
            e,
            DicomError::PixelDataSize {
                expected: 2_097_152,
                found: 1_048_576,
                ..
            }
        )
    });
    check("gigantic", &|e| {
        matches!(
            e,
            DicomError::ImageTooLarge {
                bytes: 17_179_344_900,
                ..
            }
        )
    });
    check("three-frames", &|e| {
        matches!(e, DicomError::FrameCount { frames: 3, .. })
    });
    check("zero-frames", &|e| {
        matches!(e, DicomError::FrameCount { frames: 0, .. })
    });
    check(
        "wrong-modality",
        &|e| matches!(e, DicomError::WrongModality { found, .. } if found == "CT"),
    );
    check("rgb", &|e| {
        matches!(e, DicomError::UnsupportedPixelFormat { .. })
    });
    check("bits-32", &|e| {
        matches!(e, DicomError::UnsupportedPixelFormat { .. })
    });
    check("no-rows", &|e| {
        matches!(e, DicomError::MissingAttribute { .. })
    });
    // a caller can accept other modalities explicitly
    let opts = ReadOptions {
        allow_any_modality: true,
        ..ReadOptions::default()
    };
    assert!(read_scan(&dir.path().join("wrong-modality.dcm"), &opts).is_ok());
}

#[test]
fn missing_and_oversized_files() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.dcm");
    assert!(matches!(
        read_scan(&missing, &ReadOptions::default()),
        Err(DicomError::Io { .. })
    ));
    let opts = ReadOptions {
        max_file_bytes: 1000,
        ..ReadOptions::default()
    };
    let err = read_scan(&bs_testdata::nm1_jpll(), &opts).unwrap_err();
    assert!(
        matches!(err, DicomError::FileTooLarge { limit: 1000, .. }),
        "{err}"
    );
    assert!(matches!(
        bs_dicom::read_scan_files(&[], &ReadOptions::default()),
        Err(DicomError::NoFiles)
    ));
}

#[test]
fn an_unreadable_file_names_its_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.dcm");
    let err = read_scan(&path, &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, DicomError::Io { .. }), "{err:?}");
    let chain = bs_testdata::error_chain_reads_once(&err);
    assert_eq!(chain[0], format!("{}: cannot stat", path.display()));
    assert_eq!(chain.len(), 2, "{chain:?}");
}
