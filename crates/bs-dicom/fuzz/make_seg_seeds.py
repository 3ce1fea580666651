# Seed corpus for the seg fuzz target: highdicom SEGs (binary, fractional; one and two
# segments) of a 64x32 DICOM scan, such as the small-explicit.dcm make_seeds.py writes.
#   ../../../.venv/bin/python make_seg_seeds.py SEEDS/read_scan/small-explicit.dcm SEEDS/seg
import sys, os, numpy as np, pydicom, highdicom as hd
from pydicom.sr.codedict import codes
src, out = pydicom.dcmread(sys.argv[1]), sys.argv[2]
os.makedirs(out, exist_ok=True)
if "NumberOfFrames" in src and int(src.NumberOfFrames) > 1:
    src.PixelData = src.pixel_array[0].tobytes(); src.NumberOfFrames = 1
yy, xx = np.mgrid[:src.Rows, :src.Columns]
disc = ((yy - 30) ** 2 + (xx - 16) ** 2 < 8 ** 2).astype(np.uint8)
def desc(n, label):
    return hd.seg.SegmentDescription(
        segment_number=n, segment_label=label,
        segmented_property_category=codes.SCT.MorphologicallyAbnormalStructure,
        segmented_property_type=codes.SCT.Neoplasm,
        algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL)
def seg(name, pixels, kind, descs):
    hd.seg.Segmentation(
        source_images=[src], pixel_array=pixels, segmentation_type=kind,
        segment_descriptions=descs, series_instance_uid=hd.UID(), series_number=2,
        sop_instance_uid=hd.UID(), instance_number=1, manufacturer="bonescan",
        manufacturer_model_name="fuzz seeds", software_versions="0", device_serial_number="0",
        ).save_as(f"{out}/{name}.dcm")
seg("binary", disc, hd.seg.SegmentationTypeValues.BINARY, [desc(1, "metastasis")])
seg("fractional", disc.astype(np.float32) * 0.75, hd.seg.SegmentationTypeValues.FRACTIONAL,
    [desc(1, "metastasis")])
two = np.stack([disc, (yy > 50).astype(np.uint8)], axis=-1)[None]
seg("two-segments", two, hd.seg.SegmentationTypeValues.BINARY,
    [desc(1, "metastasis"), desc(2, "bladder")])
