//! Bone-scan preprocessing: body range, 950×256 cut, brightness normalisation, AP‖PA 640×512.
//!
//! Implements Section 3.3 (image pre-processing) of Liu et al., "Bone metastasis segmentation in whole-body bone scans of breast
//! cancer patients with a modified Double U-Net" (the paper this workspace reproduces).
