//! Lesion-level evaluation: 8-connected components and detection counts.

pub mod components;
pub mod detection;
