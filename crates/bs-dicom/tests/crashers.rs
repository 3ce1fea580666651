//! Every input that ever crashed a fuzz target lies in `tests/crashers/` and must give the typed
//! error listed here — through the fast and the general path, as `f32` and as 16-bit counts —
//! never a panic; the few that are scans must read identically through both paths. A new
//! crasher without an entry in [`EXPECTED`] fails the test.

use std::path::{Path, PathBuf};

use bs_dicom::seg::read_segmentation;
use bs_dicom::{read_scan, read_scan_bytes, DicomError, ReadOptions, ScanReader};

/// File name in `tests/crashers/`, and a part of the error message it must give (empty: the
/// file is a scan, read identically through the fast and the general path).
const EXPECTED: &[(&str, &str)] = &[
    (
        // dicom-transfer-syntax-registry 0.10.1 panicked (index out of bounds) on the segment
        "rle-index-out-of-bounds.dcm",
        "pixel data could not be decoded: RLE Lossless frame 1: segment 0 decodes to 126 bytes, the frame has 2048 pixels",
    ),
    (
        // VR "U&" on the Transfer Syntax UID: read as UN, its 4-byte length made dicom-object
        // allocate 775 MB (libFuzzer out-of-memory)
        "meta-unknown-vr-huge-length.dcm",
        "malformed DICOM at byte 264: file meta element (0002,0010) declares 775040561 bytes",
    ),
    (
        // a top-level Item Delimitation ended the pre-check's walk; dicom-object read on past
        // it and a stray Sequence Delimitation into an element declaring 1.1 GB (libFuzzer
        // out-of-memory); the walk now reads on too and refuses the second delimiter
        "stray-item-delimiter-huge-length.dcm",
        "malformed DICOM at byte 2318: unexpected (FFFE,E0DD) outside a sequence",
    ),
    (
        // (0002,0000) says 192 bytes, the group 0002 elements hold 158: the walk started the
        // (deflated) data set where group 0002 ended, dicom-object 34 bytes later, and
        // allocated an element the walk never saw (libFuzzer out-of-memory)
        "meta-group-length-mismatch.dcm",
        "malformed DICOM at byte 56: element (0000,0000) has invalid VR bytes 41 08",
    ),
    (
        // (0008,0100) as FD of 6 bytes: dicom-parser read no value and then 6 bytes out of step
        // with the walk, into a 1.2 GB length (libFuzzer out-of-memory)
        "fd-length-not-whole-values.dcm",
        "malformed DICOM at byte 1018: element (0008,0100) holds 6 bytes, not whole 8-byte values",
    ),
    (
        // JPEG 2000 whose SIZ marker declares 4294967295 columns (the DICOM header 32): OpenJPEG
        // allocated past 2 GB (libFuzzer out-of-memory; found by read_scan_structured)
        "j2k-siz-huge-width.dcm",
        "pixel data could not be decoded: fragment 1 declares 64×4294967295 with 1 component(s), the header 64×32 with 1",
    ),
    (
        // a SEG whose defined-length (0062,0003) sequence starts with a Sequence Delimitation:
        // dicom-parser ended the sequence there and read on from the next byte, which the walk
        // had skipped, into a 1.9 GB value (libFuzzer out-of-memory; found by the seg target)
        "seg-delimiter-in-defined-sequence.dcm",
        "malformed DICOM at byte 2244: sequence delimiter inside a defined-length sequence",
    ),
    (
        // a SEG whose file meta group holds (FFFE,00FF): the walk read a VR after it, the
        // parser reads none (items have no VR), and the two stepped apart into a 1.4 GB
        // length the walk never saw (libFuzzer out-of-memory; found by the seg target)
        "meta-item-tag.dcm",
        "malformed DICOM at byte 354: item tag (FFFE,00FF) in the file meta group",
    ),
    (
        // JPEG-LS scan data running to the end of the fragment with no marker after it:
        // CharLS 2.4.5's bit count went negative and its reader looped about 2^31 times
        // (4 s in a release build, 22 s under AddressSanitizer) before it failed
        "jpegls-scan-without-marker.dcm",
        "pixel data could not be decoded: fragment 1: JPEG-LS scan data runs to the end of the stream without a marker after it (no end-of-image: cut short)",
    ),
    (
        // (FC28,0100) before Pixel Data: the fast path's header parse (read until Pixel Data)
        // stopped there and lost the Pixel Representation after it, reading signed samples as
        // unsigned (the fuzz target's fast-versus-general assertion)
        "fast-path-tag-past-pixel-data.dcm",
        "",
    ),
];

fn crashers() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/crashers");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

fn expected(path: &Path) -> &'static str {
    let name = path.file_name().unwrap().to_str().unwrap();
    EXPECTED
        .iter()
        .find(|(file, _)| *file == name)
        .unwrap_or_else(|| panic!("{name}: add the error it must give to EXPECTED"))
        .1
}

fn assert_typed(what: &str, path: &Path, result: Result<impl std::fmt::Debug, DicomError>) {
    let err = result.expect_err(what);
    assert_eq!(err.path(), Some(path), "{what}: {err}");
    assert!(err.to_string().contains(expected(path)), "{what}: {err}");
}

#[test]
fn every_crasher_gives_its_typed_error() {
    let files = crashers();
    assert!(files.len() >= EXPECTED.len(), "{files:?}");
    for path in &files {
        let general = ReadOptions {
            native_fast_path: false,
            ..ReadOptions::default()
        };
        if expected(path).is_empty() {
            let fast = read_scan(path, &ReadOptions::default()).unwrap();
            assert_eq!(
                fast,
                read_scan(path, &general).unwrap(),
                "{}",
                path.display()
            );
            continue;
        }
        for opts in [ReadOptions::default(), general] {
            let what = format!("{} (fast path {})", path.display(), opts.native_fast_path);
            assert_typed(&what, path, read_scan(path, &opts));
            let bytes = std::fs::read(path).unwrap();
            assert_typed(&what, path, read_scan_bytes(path, &bytes, &opts));
            assert_typed(&what, path, ScanReader::new(opts).read_counts(path));
        }
    }
}

/// Replaces the value of the US element `tag` (explicit VR little endian) in `bytes`.
fn set_us(bytes: &mut [u8], tag: [u8; 4], value: u16) {
    let header = [tag[0], tag[1], tag[2], tag[3], b'U', b'S', 2, 0];
    let at = bytes.windows(8).position(|w| w == header).unwrap() + 8;
    bytes[at..at + 2].copy_from_slice(&value.to_le_bytes());
}

#[test]
fn a_small_rle_file_declaring_a_huge_image_is_refused_before_decoding() {
    // 5 kB declaring 16384 × 8192 16-bit pixels (256 MiB, just within the default limit):
    // the segment lengths cannot hold that many pixels, so nothing is allocated for them
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/crashers/rle-index-out-of-bounds.dcm");
    let mut bytes = std::fs::read(&path).unwrap();
    set_us(&mut bytes, [0x28, 0, 0x10, 0], 16384);
    set_us(&mut bytes, [0x28, 0, 0x11, 0], 8192);
    let name = Path::new("huge-rle.dcm");
    let err = read_scan_bytes(name, &bytes, &ReadOptions::default()).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, DicomError::Decode { .. }), "{msg}");
    assert!(
        msg.contains("segment 0 has 128 bytes, too few for 134217728 pixels"),
        "{msg}"
    );
}

#[test]
fn a_seg_crasher_gives_its_typed_error_as_labels_too() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/crashers/seg-delimiter-in-defined-sequence.dcm");
    assert_typed("read as a SEG", &path, read_segmentation(&path));
}
