//! Labelme annotations to label masks and the three-class BG/NM/M masks.
//!
//! Implements Sections 3.2 (image labeling) and 3.4 (positive and negative samples: Otsu,
//! negative mining) of Liu et al., "Bone metastasis segmentation in whole-body bone scans of
//! breast cancer patients with a modified Double U-Net" (the paper this workspace reproduces).
//!
//! - [`labelme`]: labelme JSON (old and new formats) → label mask, pixel-identical to labelme's
//!   own export (a port of Pillow's `ImageDraw` fill rules in [`raster`]).
//! - [`ThreeClassMask`]: the BG 0 / NM 1 / M 2 target the trainer consumes, with its
//!   invariants (size, M never overwritten by NM) checked on construction.
//! - [`otsu`]: Otsu's threshold, binned exactly like scikit-image's `threshold_otsu`.
//! - [`nm`]: the two ways the paper gets NM (non-metastatic hotspot/body) pixels: (a) Otsu body
//!   minus M, (b) negative mining of a binary model's false positives.
//! - [`png`]: 8-bit class PNGs as labelme exports them.
//!
//! ```
//! use bs_masks::labelme::{rasterize, LabelMap, LabelmeDocument};
//! use bs_masks::{nm::otsu_nm, ThreeClassMask};
//! use ndarray::Array2;
//!
//! let json = r#"{"version": "5.4.1", "imageWidth": 8, "imageHeight": 6, "imageData": null,
//!   "shapes": [{"label": "metastasis", "shape_type": "polygon",
//!               "points": [[1, 1], [5, 1], [5, 4], [1, 4]]}]}"#;
//! let doc: LabelmeDocument = json.parse()?;
//! let labels = LabelMap::new().with("metastasis", 1);
//! let lesions = rasterize(&doc, &labels, 8, 6)?; // 0/1, as labelme would draw it
//! assert_eq!(lesions.iter().filter(|&&v| v == 1).count(), 5 * 4);
//!
//! // A toy "scan": body of intensity 10 on the left half, air elsewhere.
//! let image = Array2::from_shape_fn((6, 8), |(_, c)| if c < 4 { 10.0f32 } else { 0.0 });
//! let m = lesions.mapv(|v| v == 1);
//! let three: ThreeClassMask = otsu_nm(image.view(), m.view())?;
//! assert_eq!(three.count(bs_masks::MaskClass::Metastasis), 20);
//! assert!(three.count(bs_masks::MaskClass::NonMetastatic) > 0);
//! # Ok::<(), bs_masks::MaskError>(())
//! ```

pub mod error;
pub mod labelme;
pub mod nm;
pub mod otsu;
pub mod png;
pub mod raster;
mod three_class;

pub use error::{MaskError, Result};
pub use three_class::{MaskClass, ThreeClassMask};
