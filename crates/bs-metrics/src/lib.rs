//! Pixel-level precision, sensitivity and F1 of the metastasis class, lesion metrics, fold tables.
//!
//! Implements Section 3.8 (evaluation metrics, Equations 3–5) and the table layout of Section 4 of Liu et al., "Bone metastasis segmentation in whole-body bone scans of breast
//! cancer patients with a modified Double U-Net" (the paper this workspace reproduces).
