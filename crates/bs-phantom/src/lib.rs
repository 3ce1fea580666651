//! A synthetic whole-body Tc-99m MDP bone-scan cohort shaped like the paper's data sets D1–D4.
//!
//! Implements Section 3.1 (Table 1 cohort) and the confounders of Section 5, as a stand-in for the private data of Liu et al., "Bone metastasis segmentation in whole-body bone scans of breast
//! cancer patients with a modified Double U-Net" (the paper this workspace reproduces).
