# Seed corpus for the read_scan fuzz target: a 64x32 crop of a DICOM bone scan (e.g. NM1) in
# explicit/implicit VR, deflated, RLE, JPEG-LS and JPEG 2000.
#   ../../../.venv/bin/python make_seeds.py ../../../../shared/fixtures/dicom/NM1_JPLL.dcm seeds
import sys, copy, numpy as np, pydicom
from pydicom.uid import RLELossless, JPEGLSLossless, JPEG2000Lossless, DeflatedExplicitVRLittleEndian, ImplicitVRLittleEndian
src, out = sys.argv[1], sys.argv[2]
base = pydicom.dcmread(src)
a = base.pixel_array
small = copy.deepcopy(base)
small.Rows, small.Columns = 64, 32
small.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
small.PixelData = np.ascontiguousarray(a[..., 400:464, 100:132]).tobytes()
small.save_as(f"{out}/small-explicit.dcm")
for name, uid in [("rle", RLELossless), ("jls", JPEGLSLossless), ("j2k", JPEG2000Lossless)]:
    ds = copy.deepcopy(small); ds.compress(uid); ds.save_as(f"{out}/small-{name}.dcm")
ds = copy.deepcopy(small); ds.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian; ds.save_as(f"{out}/small-deflate.dcm")
ds = copy.deepcopy(small); ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian; ds.save_as(f"{out}/small-implicit.dcm", implicit_vr=True, little_endian=True)
