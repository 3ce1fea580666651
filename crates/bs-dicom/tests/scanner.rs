//! The directory scanner: grouping by Study/Series UID, pairing single views, and the skip
//! report (not DICOM, not NM, no pixel data, duplicate, unpaired view).

use bs_dicom::write::{write_whole_body_nm, NmWriteMeta};
use bs_dicom::{read_scan_files, scan_directory, ReadOptions, SkipReason, ViewName, ViewRule};
use ndarray::Array2;

const SPLIT: &str = r#"
import sys, copy, pydicom
from pydicom.uid import generate_uid
src, out = sys.argv[1], sys.argv[2]
base = pydicom.dcmread(src)
frames = base.pixel_array
def single(i, name, series, keep_item):
    ds = copy.deepcopy(base)
    ds.NumberOfFrames = 1; ds.DetectorVector = [1]; ds.EnergyWindowVector = [1]; ds.NumberOfDetectors = 1
    ds.DetectorInformationSequence = pydicom.sequence.Sequence([base.DetectorInformationSequence[keep_item]])
    ds.SeriesInstanceUID = series
    ds.SOPInstanceUID = generate_uid(); ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.PixelData = frames[i].tobytes()
    ds.save_as(f"{out}/{name}.dcm")
# one study, anterior and posterior in two different series
single(1, "b-post", generate_uid(), 1)
single(0, "a-ant", generate_uid(), 0)
# a posterior view of another study, alone
ds = pydicom.dcmread(f"{out}/b-post.dcm"); ds.StudyInstanceUID = generate_uid(); ds.SOPInstanceUID = generate_uid()
ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID; ds.save_as(f"{out}/lonely-post.dcm")
ds = pydicom.dcmread(src); ds.Modality = "CT"; ds.SOPInstanceUID = generate_uid(); ds.save_as(f"{out}/ct.dcm")
ds = pydicom.dcmread(src); del ds.PixelData; ds.SOPInstanceUID = generate_uid(); ds.save_as(f"{out}/no-pixels.dcm")
"#;

#[test]
fn groups_pairs_and_reports_skips() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let scans = root.join("export");
    std::fs::create_dir_all(scans.join("nested")).unwrap();
    let a = Array2::from_shape_fn((64, 16), |(r, c)| (r * 3 + c) as u16);
    let p = Array2::from_shape_fn((64, 16), |(r, c)| (r + c * 5 + 1) as u16);
    let two_frame = scans.join("nested/two-frame.dcm");
    write_whole_body_nm(
        &two_frame,
        a.view(),
        p.view(),
        &NmWriteMeta::synthetic("S1", 1),
    )
    .unwrap();
    // the same object again under another name: a duplicate
    std::fs::copy(&two_frame, scans.join("nested/two-frame-copy.dcm")).unwrap();
    let src = root.join("src.dcm");
    write_whole_body_nm(&src, a.view(), p.view(), &NmWriteMeta::synthetic("S2", 1)).unwrap();
    bs_testdata::run_python(SPLIT, &[src.to_str().unwrap(), scans.to_str().unwrap()]);
    std::fs::write(scans.join("notes.txt"), "not an image").unwrap();
    std::fs::copy(bs_testdata::nm1_jpll(), scans.join("nm1.dcm")).unwrap();

    let report = scan_directory(&scans, &ReadOptions::default()).unwrap();
    let names = |paths: &[std::path::PathBuf]| -> Vec<String> {
        paths
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    };
    let groups: Vec<Vec<String>> = report.scans.iter().map(|s| names(&s.files)).collect();
    // paths are visited sorted: "two-frame-copy.dcm" comes before "two-frame.dcm"
    let want: Vec<Vec<String>> = vec![
        vec!["a-ant.dcm".into(), "b-post.dcm".into()],
        vec!["two-frame-copy.dcm".into()],
        vec!["nm1.dcm".into()],
    ];
    assert_eq!(groups, want, "{report:#?}");
    let skipped: Vec<(String, SkipReason)> = report
        .skipped
        .iter()
        .map(|s| {
            (
                s.path.file_name().unwrap().to_string_lossy().into_owned(),
                s.reason.clone(),
            )
        })
        .collect();
    let reason = |name: &str| {
        skipped
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, r)| r.clone())
            .unwrap_or_else(|| panic!("{name} not skipped: {skipped:?}"))
    };
    assert!(matches!(reason("notes.txt"), SkipReason::NotDicom { .. }));
    assert_eq!(
        reason("ct.dcm"),
        SkipReason::NotNm {
            modality: "CT".into()
        }
    );
    assert_eq!(reason("no-pixels.dcm"), SkipReason::NoPixelData);
    assert_eq!(
        reason("lonely-post.dcm"),
        SkipReason::UnpairedView {
            view: ViewName::Posterior
        }
    );
    // copy and original have the same SOP Instance UID: the one visited second is the duplicate
    assert_eq!(
        reason("two-frame.dcm"),
        SkipReason::Duplicate {
            of: scans.join("nested/two-frame-copy.dcm")
        }
    );
    assert_eq!(skipped.len(), 5, "{skipped:?}");

    // the paired files read as one scan with views by View Code
    let scan = read_scan_files(&report.scans[0].files, &ReadOptions::default()).unwrap();
    assert_eq!(scan.anterior.source.rule, ViewRule::ViewCode);
    assert_eq!(scan.anterior.pixels, a.mapv(f32::from));
    assert_eq!(scan.posterior.unwrap().pixels, p.mapv(f32::from));
}
