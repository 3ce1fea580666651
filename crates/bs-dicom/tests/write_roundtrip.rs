//! A written 2-frame NM whole-body object reads back identically here and in pydicom, with
//! the views found by their View Code Sequence.

mod common;

use bs_dicom::write::{write_whole_body_nm, NmWriteMeta};
use bs_dicom::{read_scan, ReadOptions, ViewRule};
use ndarray::{Array2, Axis};

fn views() -> (Array2<u16>, Array2<u16>) {
    // full 16-bit range, different in the two views, so a swapped frame order would show
    let anterior = Array2::from_shape_fn((1024, 256), |(r, c)| ((r * 257 + c * 31) % 65536) as u16);
    let posterior = Array2::from_shape_fn((1024, 256), |(r, c)| {
        ((r * 7 + c * 1013 + 11) % 65536) as u16
    });
    (anterior, posterior)
}

#[test]
fn written_scan_round_trips_through_bs_dicom_and_pydicom() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("synthetic.dcm");
    let (anterior, posterior) = views();
    let meta = NmWriteMeta::synthetic("SYN-0042", 99);
    write_whole_body_nm(&path, anterior.view(), posterior.view(), &meta).unwrap();

    let scan = read_scan(&path, &ReadOptions::default()).unwrap();
    let post = scan.posterior.as_ref().expect("posterior view");
    assert_eq!(scan.anterior.pixels, anterior.mapv(f32::from));
    assert_eq!(post.pixels, posterior.mapv(f32::from));
    assert_eq!(
        (scan.anterior.source.rule, scan.anterior.source.frame),
        (ViewRule::ViewCode, 0)
    );
    assert_eq!(
        (post.source.rule, post.source.frame),
        (ViewRule::ViewCode, 1)
    );
    assert_eq!(scan.anterior.source.evidence, "SCT 399321004");
    let m = &scan.meta;
    assert_eq!(m.patient_id.as_deref(), Some("SYN-0042"));
    assert_eq!(
        m.study_instance_uid.as_deref(),
        Some(meta.study_instance_uid.as_str())
    );
    assert_eq!(
        m.series_instance_uid.as_deref(),
        Some(meta.series_instance_uid.as_str())
    );
    assert_eq!(m.study_date.as_deref(), Some(meta.study_date.as_str()));
    assert_eq!(m.pixel_spacing_mm, Some(meta.pixel_spacing_mm));
    assert_eq!(m.radionuclide.as_deref(), Some("Tc-99m"));
    assert_eq!(m.radiopharmaceutical.as_deref(), Some("Tc-99m MDP"));
    assert_eq!(
        m.files[0].sop_class_uid.as_deref(),
        Some("1.2.840.10008.5.1.4.1.1.20")
    );

    // pydicom: same pixels, and the view codes where a DICOM reader looks for them
    let reference = common::pydicom_frames(std::slice::from_ref(&path));
    assert_eq!(reference[0].dim(), (2, 1024, 256));
    common::assert_same_pixels(
        "anterior vs pydicom",
        scan.anterior.pixels.view(),
        reference[0].index_axis(Axis(0), 0),
    );
    common::assert_same_pixels(
        "posterior vs pydicom",
        post.pixels.view(),
        reference[0].index_axis(Axis(0), 1),
    );
    let facts = common::py(
        r#"
import sys, pydicom
ds = pydicom.dcmread(sys.argv[1])
codes = [d.ViewCodeSequence[0].CodeValue for d in ds.DetectorInformationSequence]
print(ds.file_meta.TransferSyntaxUID, ds.Modality, ds.NumberOfFrames, list(ds.DetectorVector), ",".join(codes), ds.SOPInstanceUID, ds.PatientName)
"#,
        &[&path],
    );
    let want = format!(
        "1.2.840.10008.1.2.1 NM 2 [1, 2] 399321004,399001007 {} Synthetic^SYN-0042",
        meta.sop_instance_uid
    );
    assert_eq!(facts.trim(), want);
}

#[test]
fn writer_refuses_views_of_different_shape() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.dcm");
    let a = Array2::<u16>::zeros((1024, 256));
    let p = Array2::<u16>::zeros((1024, 128));
    let err = write_whole_body_nm(&path, a.view(), p.view(), &NmWriteMeta::synthetic("X", 1))
        .unwrap_err();
    assert!(
        matches!(err, bs_dicom::DicomError::InvalidWriteInput { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("bad.dcm"), "{err}");
    assert!(!path.exists(), "nothing written for bad input");

    let mut meta = NmWriteMeta::synthetic("X", 1);
    meta.sop_instance_uid = "1.2.abc".into();
    let err = write_whole_body_nm(&path, a.view(), a.view(), &meta).unwrap_err();
    assert!(err.to_string().contains("SOP Instance UID"), "{err}");
}

#[test]
fn mirror_option_reverses_only_the_posterior_columns() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.dcm");
    let (anterior, posterior) = views();
    write_whole_body_nm(
        &path,
        anterior.view(),
        posterior.view(),
        &NmWriteMeta::synthetic("M", 1),
    )
    .unwrap();
    let opts = ReadOptions {
        mirror_posterior: true,
        ..ReadOptions::default()
    };
    let scan = read_scan(&path, &opts).unwrap();
    let post = scan.posterior.unwrap();
    assert!(post.source.mirrored && !scan.anterior.source.mirrored);
    assert_eq!(scan.anterior.pixels, anterior.mapv(f32::from));
    assert_eq!(post.pixels[[3, 0]], f32::from(posterior[[3, 255]]));
    assert_eq!(post.pixels[[3, 255]], f32::from(posterior[[3, 0]]));
}
