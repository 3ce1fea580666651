//! Adapter: a prepared data set written by `bonescan prepare` (bs-preprocess) → [`Cohort`].

use std::path::Path;

use crate::data::cohort::Cohort;
use crate::error::{Result, TrainError};

pub(crate) fn load(dir: &Path) -> Result<Cohort> {
    Err(TrainError::Data {
        path: dir.to_path_buf(),
        message: "reading prepared data sets is not wired yet".into(),
    })
}
