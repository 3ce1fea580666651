//! Fuzz target: any bytes read as a DICOM Segmentation (`bs_dicom::seg::read_segmentation`, the
//! labels `bonescan prepare` takes from a SEG) give masks or a typed error naming the file —
//! never a panic, no allocation beyond libFuzzer's -rss_limit_mb — and masks that read have the
//! size the SEG states, one per frame, numbered in file order.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = scratch("fuzz-seg.dcm");
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

/// A file in this process's own scratch directory under `BS_FUZZ_SCRATCH` (scripts/fuzz puts
/// it in memory) or the temporary directory.
fn scratch(name: &str) -> std::path::PathBuf {
    let base = std::env::var_os("BS_FUZZ_SCRATCH").map_or_else(std::env::temp_dir, Into::into);
    let dir = base.join(format!("bs-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir.join(name)
}
