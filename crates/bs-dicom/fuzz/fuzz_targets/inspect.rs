//! Fuzz target: `bonescan inspect` on one file — grouping by header (identification, pairing),
//! then the counts reader and the report — must give a report or a typed error, never a panic,
//! and stay within libFuzzer's -rss_limit_mb.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../../bs-preprocess/fuzz/fuzz_targets/scratch.rs"]
mod scratch;

fuzz_target!(|data: &[u8]| {
    let opts = bs_dicom::ReadOptions {
        max_file_bytes: 4 << 20,
        max_image_bytes: 16 << 20,
        ..bs_dicom::ReadOptions::default()
    };
    let path = scratch::dir().join("fuzz-input.dcm");
    std::fs::write(&path, data).expect("scratch file");
    let grouped = bs_dicom::group_files(std::slice::from_ref(&path), &opts);
    let mut reader = bs_dicom::ScanReader::new(opts);
    for scan_files in &grouped.scans {
        if let Ok(scan) = reader.read_files(&scan_files.files) {
            let report = bs_dicom::ScanReport::of(&scan);
            let _ = report.line();
            serde_json::to_string(&report).expect("a report serialises");
            reader.recycle(scan);
        }
    }
    for skip in &grouped.skipped {
        let _ = skip.reason.to_string();
    }
});
