//! Images written per scan: the overlay (both views, lesions outlined and filled, legend) and
//! the masks in original view geometry.

pub mod font;
pub mod masks;
pub mod overlay;

pub use masks::{mask_image, write_mask_png};
pub use overlay::{display_window, overlay_image, write_overlay_png, OverlayView};
