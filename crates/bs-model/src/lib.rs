//! Double U-Net on libtorch: baseline binary sigmoid and the modified three-class SoftMax.
//!
//! Implements Section 3.6 (neural network model) of Liu et al., "Bone metastasis segmentation in whole-body bone scans of breast
//! cancer patients with a modified Double U-Net" (the paper this workspace reproduces).
