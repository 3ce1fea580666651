//! `bonescan inspect` through the built binary, on the real NM1 fixture and a directory with a
//! written 2-frame scan and a file that is not DICOM.

use std::path::Path;
use std::process::Command;

fn bonescan() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bonescan"))
}

#[test]
fn inspect_json_reports_views_counts_and_skips() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("inspect_json");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(bs_testdata::nm1_jpll(), dir.join("nm1.dcm")).unwrap();
    std::fs::write(dir.join("readme.txt"), "not a scan").unwrap();

    let out = bonescan()
        .arg("inspect")
        .arg("--json")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    let scan = &lines[0];
    assert_eq!(scan["modality"], "NM");
    assert_eq!(scan["sop_class"], "1.2.840.10008.5.1.4.1.1.7");
    assert_eq!(
        (
            scan["rows"].as_u64(),
            scan["columns"].as_u64(),
            scan["frames"].as_u64()
        ),
        (Some(1024), Some(256), Some(1))
    );
    assert!(
        scan["transfer_syntax"]
            .as_str()
            .unwrap()
            .starts_with("JPEG Lossless"),
        "{scan}"
    );
    assert_eq!(scan["views"][0]["name"], "anterior");
    assert_eq!(scan["views"][0]["frame"], 0);
    assert_eq!(scan["views"][0]["rule"], "frame-order");
    assert_eq!(scan["pixel_min"], 0.0);
    assert_eq!(scan["pixel_max"], 278.0);
    // the pixel sum of NM1 equals its Counts Accumulated (0018,0070)
    assert_eq!(scan["pixel_sum"], 3_596_452.0);
    assert!((scan["pixel_mean"].as_f64().unwrap() - 13.72).abs() < 0.005);
    assert!(
        !scan.to_string().contains("CompressedSamples"),
        "patient name printed"
    );
    assert!(
        lines[1]["skipped"].as_str().unwrap().contains("not DICOM"),
        "{}",
        lines[1]
    );

    // text mode: one line per scan, skips on stderr; nothing readable is an error
    let out = bonescan()
        .arg("inspect")
        .arg(dir.join("nm1.dcm"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("anterior frame 0 by frame-order") && text.contains("max 278"),
        "{text}"
    );
    let out = bonescan()
        .arg("inspect")
        .arg(dir.join("readme.txt"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("readme.txt"));
}

/// Every DICOM file that crashed a fuzz target (bs-dicom's `tests/crashers/`) is skipped with
/// its typed error: no panic message, no backtrace, even with `RUST_BACKTRACE=1`.
#[test]
fn inspect_skips_fuzz_crashers_with_their_error_and_no_panic() {
    let crashers = bs_testdata::workspace_root().join("crates/bs-dicom/tests/crashers");
    let out = bonescan()
        .arg("inspect")
        .arg(&crashers)
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    for name in [
        "rle-index-out-of-bounds.dcm",
        "meta-unknown-vr-huge-length.dcm",
        "stray-item-delimiter-huge-length.dcm",
        "meta-group-length-mismatch.dcm",
        "fd-length-not-whole-values.dcm",
        "jpegls-scan-without-marker.dcm",
    ] {
        assert!(
            stderr.contains(&format!("skipped {}", crashers.join(name).display())),
            "{name}: {stderr}"
        );
    }
    assert!(
        stderr.contains("rle-index-out-of-bounds.dcm: pixel data could not be decoded: RLE Lossless frame 1: segment 0 decodes to 126 bytes"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("backtrace"), "{stderr}");
}
