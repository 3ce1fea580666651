//! Adapter: a prepared data set written by `bonescan prepare`
//! ([`bs_preprocess::dataset::PreparedDataset`]) → [`Cohort`].

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::Group;
use crate::data::cohort::{Cohort, PatientImage};
use crate::error::{Result, TrainError};

pub(crate) fn load(dir: &Path) -> Result<Cohort> {
    if !dir.is_dir() {
        return Err(TrainError::Data {
            path: dir.to_path_buf(),
            message: "directory does not exist (run `bonescan prepare` first)".into(),
        });
    }
    let ds = bs_preprocess::dataset::PreparedDataset::load(dir).map_err(|e| TrainError::Data {
        path: dir.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut images = Vec::with_capacity(ds.len());
    let mut pins = BTreeMap::new();
    for (i, entry) in ds.entries().iter().enumerate() {
        let group_text = entry.patient.group.as_deref().unwrap_or("");
        let group = Group::parse(group_text).ok_or_else(|| TrainError::Data {
            path: dir.to_path_buf(),
            message: format!(
                "scan {} has group {group_text:?}; training needs D1–D4 (give `bonescan prepare` a cohort manifest)",
                entry.id
            ),
        })?;
        let id = if entry.patient.patient_id.is_empty() {
            entry.id.clone()
        } else {
            entry.patient.patient_id.clone()
        };
        match entry.patient.split {
            // the cohort table's `split`: a fold number, 1-based
            Some(0) => {
                return Err(TrainError::Data {
                    path: dir.to_path_buf(),
                    message: format!("scan {} has split 0; folds are numbered from 1", entry.id),
                })
            }
            Some(fold) => {
                pins.insert(id.clone(), fold as usize - 1);
            }
            None => {}
        }
        images.push(PatientImage {
            patient_id: id,
            group,
            image: ds.image(i).to_owned(),
            m: ds.lesion_mask(i).mapv(|v| v != 0),
        });
    }
    Cohort::from_images(images, dir)?.with_pinned_folds(pins)
}
