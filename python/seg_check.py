"""Independent check of bonescan's DICOM SEG files (bs-predict) with pydicom, Pillow and highdicom.

Usage: seg_check.py CASES.json  — CASES.json is a list of
  {"seg": "seg.dcm", "source": "scan.dcm", "masks": ["mask_anterior.png", ...]}
Prints one JSON object per case (a list), with what pydicom/highdicom read, so that the Rust test
asserts on values it did not compute itself.
"""
import json
import sys

import numpy as np
import pydicom
from PIL import Image


def codes(seq):
    return [(item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning) for item in seq]


def check(case):
    seg = pydicom.dcmread(case["seg"])
    src = pydicom.dcmread(case["source"])
    out = {
        "sop_class": str(seg.SOPClassUID),
        "modality": seg.Modality,
        "frames": int(seg.NumberOfFrames),
        "rows": int(seg.Rows),
        "cols": int(seg.Columns),
        "segmentation_type": seg.SegmentationType,
        "bits_allocated": int(seg.BitsAllocated),
        "segment_labels": [s.SegmentLabel for s in seg.SegmentSequence],
        "category": codes(seg.SegmentSequence[0].SegmentedPropertyCategoryCodeSequence),
        "type": codes(seg.SegmentSequence[0].SegmentedPropertyTypeCodeSequence),
        "study_matches_source": str(seg.StudyInstanceUID) == str(src.StudyInstanceUID),
        "patient_matches_source": str(seg.PatientID) == str(src.get("PatientID", "")),
        "referenced_series": [str(s.SeriesInstanceUID) for s in seg.ReferencedSeriesSequence],
        "referenced_instances": [
            str(i.ReferencedSOPInstanceUID)
            for s in seg.ReferencedSeriesSequence
            for i in s.ReferencedInstanceSequence
        ],
        "source_series": str(src.SeriesInstanceUID),
        "source_sop_instance": str(src.SOPInstanceUID),
        "source_sop_class": str(src.SOPClassUID),
        "source_frames": int(src.get("NumberOfFrames", 1)),
        "frame_sources": [],
        "frame_labels": [],
    }
    for f in seg.PerFrameFunctionalGroupsSequence:
        s = f.DerivationImageSequence[0].SourceImageSequence[0]
        out["frame_sources"].append(
            [str(s.ReferencedSOPClassUID), str(s.ReferencedSOPInstanceUID),
             int(s.ReferencedFrameNumber) if "ReferencedFrameNumber" in s else None]
        )
        out["frame_labels"].append(str(f.FrameContentSequence[0].FrameLabel))
    pixels = seg.pixel_array
    if pixels.ndim == 2:
        pixels = pixels[None]
    out["frame_m_pixels"] = [int(p.sum()) for p in pixels]
    masks = [np.asarray(Image.open(m)) > 0 for m in case["masks"]]
    out["pixels_match_masks"] = len(masks) == pixels.shape[0] and all(
        m.shape == p.shape and bool((m == (p > 0)).all()) for m, p in zip(masks, pixels)
    )
    try:
        import highdicom as hd

        h = hd.seg.Segmentation.from_dataset(seg)
        desc = h.get_segment_description(1)
        out["highdicom"] = {
            "ok": True,
            "version": hd.__version__,
            "segment_numbers": [int(n) for n in h.segment_numbers],
            "label": desc.segment_label,
            "source_instances": sorted({str(u[2]) for u in h.get_source_image_uids()}),
        }
    except ImportError:
        out["highdicom"] = {"ok": False, "error": "highdicom not installed"}
    except Exception as e:  # reported to the Rust test, which fails on it
        out["highdicom"] = {"ok": False, "error": f"{type(e).__name__}: {e}"}
    return out


if __name__ == "__main__":
    cases = json.load(open(sys.argv[1]))
    print(json.dumps([check(c) for c in cases]))
