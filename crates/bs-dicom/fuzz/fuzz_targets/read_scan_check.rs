//! The check of the `read_scan` targets: any bytes given to the bone-scan reader must give a
//! scan or a typed error — no panic, no abort, no allocation beyond the limits (libFuzzer's
//! -rss_limit_mb catches that) — and the fast path for uncompressed files must give exactly
//! what the general path gives.

pub fn check(data: &[u8]) {
    let opts = bs_dicom::ReadOptions {
        max_file_bytes: 4 << 20,
        max_image_bytes: 16 << 20,
        ..bs_dicom::ReadOptions::default()
    };
    let name = std::path::Path::new("fuzz-input.dcm");
    let result = bs_dicom::read_scan_bytes(name, data, &opts);
    let general = bs_dicom::ReadOptions {
        native_fast_path: false,
        ..opts.clone()
    };
    match (&result, &bs_dicom::read_scan_bytes(name, data, &general)) {
        (Ok(fast), Ok(slow)) => assert_eq!(fast, slow, "fast and general path differ"),
        (Err(fast), Err(slow)) => assert_eq!(format!("{fast:?}"), format!("{slow:?}")),
        (fast, slow) => panic!("fast path {fast:?}, general path {slow:?}"),
    }
    if let Ok(scan) = result {
        // a scan that reads must be usable: same-shaped views, finite statistics
        if let Some(p) = &scan.posterior {
            assert_eq!(p.pixels.dim(), scan.anterior.pixels.dim());
        }
        let _ = bs_dicom::ScanReport::of(&scan);
    }
}
