//! Where the NM (non-metastatic) class comes from (Section 3.4 of the paper).
//!
//! - [`otsu_nm`] (a): NM = body ∖ M, the body being the pixels above Otsu's threshold of the
//!   (normalised) image taken on a `ln(1 + x)` scale, which separates air from body.
//! - [`negative_mining_nm`] (b): NM = a binary model's false positives, i.e. its predicted M
//!   outside the true M (on a negative patient, where the true M is empty, every prediction).
//!   The trainer runs the binary model and hands the prediction masks in; nothing here needs
//!   libtorch.

mod negative_mining;
mod otsu_body;

pub use negative_mining::{negative_mining_nm, negative_mining_nm_from_probabilities};
pub use otsu_body::{
    body_mask, body_mask_counted, body_mask_in, otsu_nm, otsu_nm_counted, BodyDomain,
};
