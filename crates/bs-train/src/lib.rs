//! Training loop, 10-fold cross-validation, negative mining and transfer learning.
//!
//! Implements Sections 3.4, 3.5 and 4 (experiments of Tables 2–7) of Liu et al., "Bone metastasis segmentation in whole-body bone scans of breast
//! cancer patients with a modified Double U-Net" (the paper this workspace reproduces).
