//! Fuzz target: any bytes read as a DICOM Segmentation (`bs_dicom::seg::read_segmentation`, the
//! labels `bonescan prepare` takes from a SEG) give masks or a typed error naming the file —
//! never a panic, no allocation beyond libFuzzer's -rss_limit_mb — and masks that read have the
//! size the SEG states, one per frame, numbered in file order.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../../bs-preprocess/fuzz/fuzz_targets/scratch.rs"]
mod scratch;

fuzz_target!(|data: &[u8]| {
    let path = scratch::dir().join("fuzz-seg.dcm");
    std::fs::write(&path, data).expect("scratch file");
    match bs_dicom::seg::read_segmentation(&path) {
        Ok(seg) => {
            assert_eq!(seg.path, path);
            for (k, frame) in seg.frames.iter().enumerate() {
                assert_eq!(frame.number, k + 1);
                assert_eq!(frame.mask.dim(), (seg.rows, seg.columns));
            }
        }
        Err(e) => assert_eq!(e.path(), Some(path.as_path()), "{e}"),
    }
});
