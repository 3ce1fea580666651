//! Dice and Focal Tversky losses over both Double U-Net heads, with class exclusion.
//!
//! Implements Section 3.7 (loss functions, Equations 1–2) of Liu et al., "Bone metastasis segmentation in whole-body bone scans of breast
//! cancer patients with a modified Double U-Net" (the paper this workspace reproduces).
