//! The optimiser.

mod adam;

pub use adam::{Adam, AdamConfig};
