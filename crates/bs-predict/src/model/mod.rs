//! Loading a trained model: resolving the path ([`source`]), reading the run's files
//! (`run_files`, internal) and the averaged ensemble of folds ([`ensemble`]).

pub mod ensemble;
pub(crate) mod run_files;
pub mod source;

pub use ensemble::{block_mean, Ensemble};
pub use source::{resolve, FoldSelection, MemberWeights, ModelIdentity, ModelRequest, ModelSpec};
