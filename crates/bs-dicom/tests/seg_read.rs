//! Reading a DICOM SEG: highdicom's binary SEG of the real NM1 scan reads back with the frame,
//! segment and source pydicom sees, and pixels equal to pydicom's; broken or unsupported SEGs
//! (truncated pixel data, another Segmentation Type, compressed pixel data, no source
//! reference, any truncation of the file) are `DicomError::Segmentation` or another typed error
//! naming the file, never a panic.

use std::path::Path;

use bs_dicom::seg::read_segmentation;

/// highdicom's binary SEG of NM1 (`seg.dcm`, a disc), its pixels as pydicom decodes them
/// (`pixels.txt`, one 0/1 row per line), and broken variants written by pydicom.
const FIXTURES: &str = r#"
import sys, numpy as np, pydicom, highdicom as hd
from pydicom.sr.codedict import codes
from pydicom.uid import RLELossless
src = pydicom.dcmread(sys.argv[1]); out = sys.argv[2]
yy, xx = np.mgrid[:src.Rows, :src.Columns]
mask = ((yy - 400) ** 2 + (xx - 100) ** 2 < 30 ** 2).astype(np.uint8)
desc = hd.seg.SegmentDescription(
    segment_number=1, segment_label="metastasis",
    segmented_property_category=codes.SCT.MorphologicallyAbnormalStructure,
    segmented_property_type=codes.SCT.Neoplasm,
    algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL)
def seg(kind="BINARY", **kw):
    return hd.seg.Segmentation(
        source_images=[src], pixel_array=mask if kind == "BINARY" else mask.astype(np.float32),
        segmentation_type=getattr(hd.seg.SegmentationTypeValues, kind),
        segment_descriptions=[desc], series_instance_uid=hd.UID(), series_number=2,
        sop_instance_uid=hd.UID(), instance_number=1, manufacturer="test",
        manufacturer_model_name="test", software_versions="0", device_serial_number="0", **kw)
s = seg(); s.save_as(f"{out}/seg.dcm")
back = pydicom.dcmread(f"{out}/seg.dcm")
np.savetxt(f"{out}/pixels.txt", back.pixel_array.reshape(src.Rows, src.Columns), fmt="%d", delimiter="")
src_item = back.PerFrameFunctionalGroupsSequence[0].DerivationImageSequence[0].SourceImageSequence[0]
print(src_item.ReferencedSOPInstanceUID)
def variant(name, change):
    d = pydicom.dcmread(f"{out}/seg.dcm"); change(d); d.save_as(f"{out}/{name}.dcm")
variant("truncated", lambda d: setattr(d, "PixelData", d.PixelData[:100]))
variant("labelmap", lambda d: setattr(d, "SegmentationType", "LABELMAP"))
variant("no_source", lambda d: delattr(d.PerFrameFunctionalGroupsSequence[0], "DerivationImageSequence"))
# highdicom compresses only fractional SEGs
seg("FRACTIONAL", transfer_syntax_uid=RLELossless).save_as(f"{out}/rle.dcm")
"#;

#[test]
fn highdicom_seg_reads_like_pydicom_and_broken_segs_are_typed_errors() {
    let nm1 = bs_testdata::nm1_jpll();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    let uid = bs_testdata::run_python(FIXTURES, &[nm1.to_str().unwrap(), out.to_str().unwrap()]);
    let seg = read_segmentation(&out.join("seg.dcm")).unwrap();
    assert_eq!((seg.rows, seg.columns, seg.fractional), (1024, 256, false));
    assert_eq!(seg.frames.len(), 1);
    let frame = &seg.frames[0];
    assert_eq!((frame.number, frame.segment), (1, 1));
    assert_eq!(frame.sources.len(), 1);
    assert_eq!(frame.sources[0].sop_instance_uid, uid.trim());
    let pydicom: Vec<Vec<bool>> = std::fs::read_to_string(out.join("pixels.txt"))
        .unwrap()
        .lines()
        .map(|l| l.bytes().map(|b| b == b'1').collect())
        .collect();
    let ours: Vec<Vec<bool>> = frame.mask.rows().into_iter().map(|r| r.to_vec()).collect();
    assert_eq!(ours, pydicom);
    assert!(ours.iter().flatten().filter(|&&v| v).count() > 2000);

    for (name, what) in [
        ("truncated", "Pixel Data holds"),
        ("labelmap", "LABELMAP"),
        ("no_source", "no Derivation Image Sequence"),
        ("rle", "compressed"),
    ] {
        let path = out.join(format!("{name}.dcm"));
        let err = read_segmentation(&path).unwrap_err();
        assert!(
            matches!(err, bs_dicom::DicomError::Segmentation { .. }),
            "{name}: {err}"
        );
        let text = err.to_string();
        assert!(
            text.contains(&format!("{name}.dcm")) && text.contains(what),
            "{text}"
        );
    }
    every_truncation_is_an_error(&out.join("seg.dcm"), out);
}

/// The SEG cut at 200 points along its length: each a typed error naming the file, no panic.
fn every_truncation_is_an_error(seg: &Path, dir: &Path) {
    let bytes = std::fs::read(seg).unwrap();
    let cut = dir.join("cut.dcm");
    for k in 0..200 {
        let len = bytes.len() * k / 200;
        std::fs::write(&cut, &bytes[..len]).unwrap();
        let err = read_segmentation(&cut).expect_err("a truncated SEG is refused");
        assert_eq!(err.path(), Some(cut.as_path()), "{len} bytes: {err}");
    }
}
