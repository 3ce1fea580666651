//! Labelme annotations to label masks and the three-class BG/NM/M masks.
//!
//! Implements Sections 3.2 (image labeling) and 3.4 (positive and negative samples: Otsu, negative mining) of Liu et al., "Bone metastasis segmentation in whole-body bone scans of breast
//! cancer patients with a modified Double U-Net" (the paper this workspace reproduces).
