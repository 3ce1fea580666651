//! DICOM SEG as labels: a Segmentation that highdicom (the independent reference, `.venv`)
//! writes for the real NM1 scan — binary and fractional — gives exactly the prepared lesion
//! mask of the same mask as a class PNG, through `seg_to_prepared` and through
//! `build_dataset` with a label directory; a SEG of another image, one whose frame references
//! no view of the scan and a DICOM file that is no SEG are typed errors naming the file.

use std::path::{Path, PathBuf};

use bs_preprocess::dataset::{build_dataset, discover_cohort, BuildOptions, PreparedDataset};
use bs_preprocess::{mask_to_prepared, seg_to_prepared, LabelSpace, PrepareConfig};
use ndarray::Array2;

/// Writes `mask.png` (discs on the 1024×256 anterior view) and, by highdicom, `binary.dcm`,
/// `fractional.dcm`; then `other_image.dcm` (the binary SEG with another Referenced SOP
/// Instance UID) and `wrong_frame.dcm` (Referenced Frame Number 2 of the single-frame NM1).
const HIGHDICOM: &str = r#"
import sys, numpy as np, pydicom, highdicom as hd
from PIL import Image, ImageDraw
from pydicom.sr.codedict import codes
src_path, out = sys.argv[1], sys.argv[2]
src = pydicom.dcmread(src_path)
im = Image.new("L", (src.Columns, src.Rows), 0)
draw = ImageDraw.Draw(im)
for x, y, r in [(60, 150, 9), (128, 420, 14), (200, 700, 6), (250, 900, 12)]:
    draw.ellipse([x - r, y - r, x + r, y + r], fill=255)
im.save(f"{out}/mask.png")
mask = np.asarray(im) > 0
desc = hd.seg.SegmentDescription(
    segment_number=1, segment_label="metastasis",
    segmented_property_category=codes.SCT.MorphologicallyAbnormalStructure,
    segmented_property_type=codes.SCT.Neoplasm,
    algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL)
for kind, arr in [("BINARY", mask.astype(np.uint8)), ("FRACTIONAL", mask.astype(np.float32))]:
    seg = hd.seg.Segmentation(
        source_images=[src], pixel_array=arr,
        segmentation_type=getattr(hd.seg.SegmentationTypeValues, kind),
        segment_descriptions=[desc], series_instance_uid=hd.UID(), series_number=2,
        sop_instance_uid=hd.UID(), instance_number=1, manufacturer="test",
        manufacturer_model_name="test", software_versions="0", device_serial_number="0")
    seg.save_as(f"{out}/{kind.lower()}.dcm")
def altered(name, change):
    seg = pydicom.dcmread(f"{out}/binary.dcm")
    for group in seg.PerFrameFunctionalGroupsSequence:
        change(group.DerivationImageSequence[0].SourceImageSequence[0])
    seg.save_as(f"{out}/{name}.dcm")
altered("other_image", lambda s: setattr(s, "ReferencedSOPInstanceUID", hd.UID()))
altered("wrong_frame", lambda s: setattr(s, "ReferencedFrameNumber", 2))
"#;

fn fixtures() -> (PathBuf, tempfile::TempDir) {
    let nm1 = bs_testdata::nm1_jpll();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    bs_testdata::run_python(HIGHDICOM, &[nm1.to_str().unwrap(), out]);
    (nm1, dir)
}

/// The prepared lesion mask of NM1 with the label file `labels` (PNG or SEG).
fn prepared_labels(nm1: &Path, labels: &Path) -> bs_preprocess::Result<Array2<u8>> {
    prepared_scan_labels(nm1, labels, LabelSpace::RawAnterior)
}

/// The prepared lesion mask of `scan` with the label file `labels` (a PNG in `space`, or a SEG).
fn prepared_scan_labels(
    scan: &Path,
    labels: &Path,
    space: LabelSpace,
) -> bs_preprocess::Result<Array2<u8>> {
    let pre = PrepareConfig::default().init().unwrap();
    let mut reader = bs_dicom::ScanReader::new(bs_dicom::ReadOptions::default());
    let (prepared, meta, views) = pre
        .read_and_prepare_sources(&mut reader, &[scan.to_path_buf()])
        .unwrap();
    let geometry = &prepared.geometry;
    if labels.extension().is_some_and(|e| e == "png") {
        let mask = bs_masks::png::read_class_png(labels).unwrap();
        mask_to_prepared(geometry, space, mask.view())
    } else {
        let seg = bs_dicom::seg::read_segmentation(labels).map_err(|e| {
            bs_preprocess::PrepareError::Labels {
                path: labels.to_path_buf(),
                source: e.into(),
            }
        })?;
        seg_to_prepared(geometry, &meta, &views, &seg)
    }
}

#[test]
fn highdicom_binary_and_fractional_segs_give_the_png_mask() {
    let (nm1, dir) = fixtures();
    let png = prepared_labels(&nm1, &dir.path().join("mask.png")).unwrap();
    let lesion = png.iter().filter(|&&v| v != 0).count();
    assert!(
        lesion > 300,
        "the discs reach the prepared image: {lesion} px"
    );
    for kind in ["binary", "fractional"] {
        let path = dir.path().join(format!("{kind}.dcm"));
        let seg = bs_dicom::seg::read_segmentation(&path).unwrap();
        assert_eq!(seg.fractional, kind == "fractional");
        assert_eq!((seg.rows, seg.columns, seg.frames.len()), (1024, 256, 1));
        let from_seg = prepared_labels(&nm1, &path).unwrap();
        assert!(
            from_seg.mapv(|v| v != 0) == png.mapv(|v| v != 0),
            "{kind} SEG and PNG differ in {} prepared pixels",
            ndarray::Zip::from(&from_seg)
                .and(&png)
                .fold(0, |n, &a, &b| n + usize::from((a != 0) != (b != 0)))
        );
    }
}

/// Both views side by side in one frame (a synthetic scan's two frames joined by pydicom, as a
/// single-frame object: highdicom segments a multi-frame image only in a frame of reference): a
/// highdicom SEG of that frame labels each view with its half, like the raw AP|PA PNG; the same
/// mask as two view-sized frames referencing the joined frame is an error (which is which?).
const SIDE_BY_SIDE: &str = r#"
import sys, numpy as np, pydicom, highdicom as hd
from PIL import Image
from pydicom.sr.codedict import codes
nm, mask_png, out = sys.argv[1:4]
ds = pydicom.dcmread(nm)
joined = np.concatenate([ds.pixel_array[0], ds.pixel_array[1]], axis=1)
# one frame, as NM1 stores its view: a Secondary Capture object of modality NM
for kw in ["NumberOfFrames", "FrameIncrementPointer", "DetectorVector",
           "DetectorInformationSequence", "EnergyWindowVector"]:
    delattr(ds, kw)
ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
ds.SOPInstanceUID = hd.UID()
ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
ds.Columns = joined.shape[1]
ds.PixelData = joined.astype(np.uint16).tobytes()
ds.save_as(f"{out}/side_by_side.dcm")
mask = (np.asarray(Image.open(mask_png)) > 0).astype(np.uint8)
desc = hd.seg.SegmentDescription(
    segment_number=1, segment_label="metastasis",
    segmented_property_category=codes.SCT.MorphologicallyAbnormalStructure,
    segmented_property_type=codes.SCT.Neoplasm,
    algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL)
seg = hd.seg.Segmentation(
    source_images=[ds], pixel_array=mask, segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
    segment_descriptions=[desc], series_instance_uid=hd.UID(), series_number=2,
    sop_instance_uid=hd.UID(), instance_number=1, manufacturer="test",
    manufacturer_model_name="test", software_versions="0", device_serial_number="0")
seg.save_as(f"{out}/side_by_side_seg.dcm")
# the same mask as two frames of one view's size, both referencing the joined frame: ambiguous
import copy
from pydicom.pixels import pack_bits
half = mask.shape[1] // 2
seg.Columns, seg.NumberOfFrames = half, 2
seg.PerFrameFunctionalGroupsSequence.append(copy.deepcopy(seg.PerFrameFunctionalGroupsSequence[0]))
seg.PixelData = pack_bits(np.stack([mask[:, :half], mask[:, half:]]))
seg.save_as(f"{out}/side_by_side_halves.dcm")
"#;

#[test]
fn a_highdicom_seg_of_a_side_by_side_frame_labels_both_views() {
    let dir = tempfile::tempdir().unwrap();
    let cohort = dir.path().join("cohort");
    let spec = bs_phantom::cohort::CohortSpec::small();
    bs_phantom::output::write_cohort(&cohort, &spec, 7, &|| {}).unwrap();
    let mask = cohort.join("masks/SYN-D1-001.png");
    let args = [
        cohort.join("dicom/SYN-D1-001.dcm"),
        mask.clone(),
        dir.path().into(),
    ];
    let args: Vec<&str> = args.iter().map(|p| p.to_str().unwrap()).collect();
    bs_testdata::run_python(SIDE_BY_SIDE, &args);
    let scan = dir.path().join("side_by_side.dcm");
    let png = prepared_scan_labels(&scan, &mask, LabelSpace::RawSideBySide).unwrap();
    let seg_path = dir.path().join("side_by_side_seg.dcm");
    let from_seg = prepared_scan_labels(&scan, &seg_path, LabelSpace::RawSideBySide).unwrap();
    let half = png.ncols() / 2;
    for (name, cols) in [("anterior", 0..half), ("posterior", half..png.ncols())] {
        let n = png
            .slice(ndarray::s![.., cols])
            .iter()
            .filter(|&&v| v != 0)
            .count();
        assert!(
            n > 20,
            "{name} half of the prepared PNG mask has lesions: {n} px"
        );
    }
    assert_eq!(from_seg.mapv(|v| v != 0), png.mapv(|v| v != 0));
    let halves = dir.path().join("side_by_side_halves.dcm");
    let err = prepared_scan_labels(&scan, &halves, LabelSpace::RawSideBySide).unwrap_err();
    let text = bs_testdata::error_chain_reads_once(&err).join(": ");
    assert!(
        text.contains("side_by_side_halves.dcm")
            && text.contains("which view it labels is unknown"),
        "{text}"
    );
}

/// `build_dataset` with a label directory holding `<id>.dcm` (a SEG) and one holding `<id>.png`
/// writes the same `lesion.npy`.
#[test]
fn a_label_directory_of_segs_prepares_like_one_of_pngs() {
    let (nm1, dir) = fixtures();
    let mut lesions = Vec::new();
    for (name, from) in [("NM1_JPLL.dcm", "binary.dcm"), ("NM1_JPLL.png", "mask.png")] {
        let labels = dir.path().join(format!("labels_{from}"));
        std::fs::create_dir_all(&labels).unwrap();
        std::fs::copy(dir.path().join(from), labels.join(name)).unwrap();
        let items = discover_cohort(std::slice::from_ref(&nm1), Some(&labels), None).unwrap();
        assert_eq!(
            items[0].labels.as_deref(),
            Some(labels.join(name).as_path())
        );
        let out = dir.path().join(format!("prepared_{from}"));
        let opts = BuildOptions {
            previews: false,
            ..BuildOptions::default()
        };
        build_dataset(&items, &out, &opts).unwrap();
        let data = PreparedDataset::load(&out).unwrap();
        lesions.push(data.lesion_mask(0).to_owned());
    }
    assert!(lesions[0].iter().any(|&v| v != 0));
    assert_eq!(lesions[0], lesions[1]);
}

#[test]
fn a_seg_of_another_image_or_frame_and_a_non_seg_are_errors_naming_the_file() {
    let (nm1, dir) = fixtures();
    let cases = [
        ("other_image.dcm", "not a view of this scan"),
        ("wrong_frame.dcm", "frame 2"),
        // the scan itself is DICOM but no Segmentation
        ("nm1_copy.dcm", "not a Segmentation"),
    ];
    std::fs::copy(&nm1, dir.path().join("nm1_copy.dcm")).unwrap();
    for (name, what) in cases {
        let path = dir.path().join(name);
        let err = prepared_labels(&nm1, &path).unwrap_err();
        assert!(
            matches!(
                &err,
                bs_preprocess::PrepareError::Labels {
                    source: bs_preprocess::LabelsCause::Dicom(_),
                    ..
                }
            ),
            "{name}: bs-dicom's typed error is the cause: {err:?}"
        );
        let text = format!("{err}: {}", std::error::Error::source(&err).unwrap());
        eprintln!("{name}: {text}");
        assert!(text.contains(name) && text.contains(what), "{name}: {text}");
    }
}
