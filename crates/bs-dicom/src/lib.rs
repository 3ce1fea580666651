//! Whole-body bone-scan DICOM reading and writing: anterior/posterior views as count matrices.
//!
//! Implements Section 3.1 (materials: GE whole-body scans, AP and PA views, 1024×256, DICOM) of Liu et al., "Bone metastasis segmentation in whole-body bone scans of breast
//! cancer patients with a modified Double U-Net" (the paper this workspace reproduces).
