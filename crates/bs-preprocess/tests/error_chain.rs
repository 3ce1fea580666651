//! Errors read once: each message states its own level (which scan, which file) and the cause
//! comes only through `source()`, as `bonescan` prints the chain.

use bs_preprocess::{LabelsCause, PrepareConfig, PrepareError};

#[test]
fn a_scan_that_cannot_be_read_names_each_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.dcm");
    let pre = PrepareConfig::default().init().unwrap();
    let mut reader = bs_dicom::ScanReader::new(bs_dicom::ReadOptions::default());
    let err = pre
        .read_and_prepare(&mut reader, std::slice::from_ref(&path))
        .unwrap_err();
    assert!(matches!(err, PrepareError::Dicom { .. }), "{err:?}");
    // a cohort wraps it once more with the scan's id
    let err = PrepareError::Scan {
        id: "P001".into(),
        path: path.clone(),
        source: Box::new(err),
    };
    let chain = bs_testdata::error_chain_reads_once(&err);
    assert_eq!(chain.len(), 4, "scan, reading, bs-dicom, the OS: {chain:?}");
    assert!(
        chain[0].contains("P001") && chain[1].contains("absent.dcm"),
        "{chain:?}"
    );
}

#[test]
fn an_unreadable_manifest_names_its_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let err =
        bs_preprocess::dataset::Manifest::read(&dir.path().join("manifest.json")).unwrap_err();
    assert!(matches!(err, PrepareError::Io { .. }), "{err:?}");
    let chain = bs_testdata::error_chain_reads_once(&err);
    assert!(chain[0].contains("manifest.json"), "{chain:?}");
}

/// A Labelme file without an image size fails in bs-masks: its error arrives typed as the labels
/// error's cause, named once (SEG errors arrive as bs-dicom's: `tests/seg_labels.rs`).
#[test]
fn a_labels_error_keeps_the_typed_error_of_the_crate_that_read_them() {
    let scan = bs_testdata::nm1_jpll();
    let pre = PrepareConfig::default().init().unwrap();
    let mut reader = bs_dicom::ScanReader::new(bs_dicom::ReadOptions::default());
    let (prepared, _, _) = pre
        .read_and_prepare_sources(&mut reader, std::slice::from_ref(&scan))
        .unwrap();
    let text = r#"{"version": "5.4.1", "shapes": [], "imagePath": "x.png", "imageData": null}"#;
    let doc = bs_masks::labelme::LabelmeDocument::from_json(text, "no_size.json").unwrap();
    let labels = bs_masks::labelme::LabelMap::new().with("metastasis", 1);
    let err = bs_preprocess::labelme_to_prepared(&prepared.geometry, &doc, &labels).unwrap_err();
    assert!(
        matches!(
            &err,
            PrepareError::Labels { source: LabelsCause::Mask(e), .. }
                if matches!(**e, bs_masks::MaskError::MissingImageSize { .. })
        ),
        "{err:?}"
    );
    let chain = bs_testdata::error_chain_reads_once(&err);
    assert!(chain[0].contains("no_size.json"), "{chain:?}");
}
