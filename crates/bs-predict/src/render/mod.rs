//! Images written per scan: the overlay (both views, lesions outlined and filled, legend) and
//! the masks in original view geometry.

pub(crate) mod font;
pub(crate) mod masks;
pub(crate) mod overlay;

pub(crate) use masks::write_mask_png;
pub(crate) use overlay::{write_overlay_png, OverlayView};
