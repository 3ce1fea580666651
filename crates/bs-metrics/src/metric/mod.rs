//! Pixel-level metrics of Section 3.8: confusion counts and the ratios built from them.

pub mod confusion;
pub mod dice;
pub mod f1;
pub mod iou;
pub mod precision;
pub(crate) mod ratio;
pub mod scores;
pub mod sensitivity;
