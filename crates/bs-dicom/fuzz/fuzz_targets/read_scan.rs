//! Fuzz target: any bytes given to the bone-scan reader must give a scan or a typed error —
//! no panic, no abort, no allocation beyond the limits (libFuzzer's -rss_limit_mb catches that).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = bs_dicom::ReadOptions {
        max_file_bytes: 4 << 20,
        max_image_bytes: 16 << 20,
        ..bs_dicom::ReadOptions::default()
    };
    if let Ok(scan) = bs_dicom::read_scan_bytes(std::path::Path::new("fuzz-input.dcm"), data, &opts)
    {
        // a scan that reads must be usable: same-shaped views, finite statistics
        if let Some(p) = &scan.posterior {
            assert_eq!(p.pixels.dim(), scan.anterior.pixels.dim());
        }
        let _ = bs_dicom::ScanReport::of(&scan);
    }
});
