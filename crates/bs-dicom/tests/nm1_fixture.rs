//! The real NEMA NM1 whole-body bone scan: uncompressed and JPEG lossless read to the same
//! pixels, equal to pydicom's decoding, with the metadata the file holds.

mod common;

use bs_dicom::{read_scan, ReadOptions, SourceFormat, ViewRule};

#[test]
fn nm1_jpeg_lossless_matches_pydicom_and_stated_statistics() {
    let jpll = bs_testdata::nm1_jpll();
    let scan = read_scan(&jpll, &ReadOptions::default()).unwrap();
    let a = &scan.anterior;
    assert_eq!(a.pixels.dim(), (1024, 256));
    assert!(scan.posterior.is_none(), "NM1 holds one view");
    assert_eq!(a.source.rule, ViewRule::FrameOrder);
    assert_eq!(a.source.frame, 0);
    let stats = a.stats();
    assert_eq!(stats.min, 0.0);
    assert_eq!(stats.max, 278.0);
    assert!((stats.mean - 13.72).abs() < 0.005, "mean {}", stats.mean);
    assert_eq!(stats.sum, stats.mean * (1024.0 * 256.0));

    let reference = common::pydicom_frames(std::slice::from_ref(&jpll));
    assert_eq!(reference[0].dim(), (1, 1024, 256));
    common::assert_same_pixels(
        "NM1_JPLL vs pydicom",
        a.pixels.view(),
        reference[0].index_axis(ndarray::Axis(0), 0),
    );
}

#[test]
fn nm1_uncompressed_and_jpeg_lossless_are_identical() {
    // NM1_UNC exists only in the shared fixtures; pydicom-data ships the JPEG-lossless file
    let Some(unc) = bs_testdata::nm1_unc() else {
        panic!("NM1_UNC.dcm missing: the shared fixtures (../shared/fixtures/dicom) are required for this check");
    };
    let u = read_scan(&unc, &ReadOptions::default()).unwrap();
    let j = read_scan(&bs_testdata::nm1_jpll(), &ReadOptions::default()).unwrap();
    common::assert_same_pixels(
        "NM1_UNC vs NM1_JPLL",
        u.anterior.pixels.view(),
        j.anterior.pixels.view(),
    );
    let reference = common::pydicom_frames(&[unc]);
    common::assert_same_pixels(
        "NM1_UNC vs pydicom",
        u.anterior.pixels.view(),
        reference[0].index_axis(ndarray::Axis(0), 0),
    );
    assert_eq!(
        u.meta.files[0].transfer_syntax_uid.as_deref(),
        Some("1.2.840.10008.1.2.1")
    );
    assert_eq!(
        j.meta.files[0].transfer_syntax_uid.as_deref(),
        Some("1.2.840.10008.1.2.4.70")
    );
}

#[test]
fn nm1_metadata() {
    let scan = read_scan(&bs_testdata::nm1_jpll(), &ReadOptions::default()).unwrap();
    let m = &scan.meta;
    assert_eq!(m.patient_id.as_deref(), Some("8NM1"));
    assert_eq!(
        m.patient_name.as_ref().map(|n| n.reveal()),
        Some("CompressedSamples^NM1")
    );
    assert_eq!(m.manufacturer.as_deref(), Some("GE Medical Systems"));
    assert_eq!(m.model.as_deref(), Some("MILLENNIUM MG"));
    assert_eq!(m.study_date.as_deref(), Some("20040826"));
    assert_eq!(
        m.study_instance_uid.as_deref(),
        Some("1.3.6.1.4.1.5962.1.2.8.20040826185059.5457")
    );
    assert_eq!(m.pixel_spacing_mm, Some([2.26, 2.26]));
    assert_eq!(m.radionuclide.as_deref(), Some("Tc99m"));
    let f = &m.files[0];
    assert_eq!(f.format, SourceFormat::Dicom);
    assert_eq!(f.modality.as_deref(), Some("NM"));
    assert_eq!(
        f.sop_class_uid.as_deref(),
        Some("1.2.840.10008.5.1.4.1.1.7")
    );
    assert_eq!(
        (f.rows, f.columns, f.frames, f.bits_allocated, f.signed),
        (1024, 256, 1, 16, true)
    );
    assert_eq!(m.counts.anterior.max, 278.0);
    // the name never reaches Debug output
    let debug = format!("{scan:?}");
    assert!(
        !debug.contains("CompressedSamples"),
        "patient name leaked into Debug"
    );
}

#[test]
fn deidentify_replaces_id_and_drops_name() {
    let opts = ReadOptions::deidentified();
    let scan = read_scan(&bs_testdata::nm1_jpll(), &opts).unwrap();
    assert!(scan.meta.deidentified);
    assert!(scan.meta.patient_name.is_none());
    let id = scan.meta.patient_id.clone().unwrap();
    assert_eq!(id, bs_dicom::pseudonym("8NM1", "bonescan"));
    assert!(id.starts_with("anon-") && id.len() == 21, "{id}");
    assert!(!id.contains("8NM1"));
    let other_salt = ReadOptions {
        deidentify_salt: "site-b".into(),
        ..ReadOptions::deidentified()
    };
    let scan_b = read_scan(&bs_testdata::nm1_jpll(), &other_salt).unwrap();
    assert_ne!(
        scan_b.meta.patient_id.unwrap(),
        id,
        "salt changes the pseudonym"
    );
}

#[test]
fn mirroring_is_explicit_and_recorded() {
    // a one-view file has no posterior to mirror: mirroring must not touch the anterior view
    let opts = ReadOptions {
        mirror_posterior: true,
        ..ReadOptions::default()
    };
    let plain = read_scan(&bs_testdata::nm1_jpll(), &ReadOptions::default()).unwrap();
    let scan = read_scan(&bs_testdata::nm1_jpll(), &opts).unwrap();
    assert!(!scan.anterior.source.mirrored);
    assert_eq!(scan.anterior.pixels, plain.anterior.pixels);
}
