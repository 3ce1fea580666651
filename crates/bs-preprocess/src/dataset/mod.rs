//! The on-disk prepared data set.
pub mod npy;
