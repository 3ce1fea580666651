//! Prepared images and metastasis masks of every patient, at full prepared resolution.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use ndarray::Array2;

use crate::config::Group;
use crate::error::{Result, TrainError};

/// One patient's prepared image (AP ‖ PA, 0…255) and metastasis mask, same size.
#[derive(Debug, Clone)]
pub struct PatientImage {
    /// Patient id (unique in the cohort).
    pub patient_id: String,
    /// Data set of Table 1.
    pub group: Group,
    /// Prepared image, rows × cols (640×512 from bs-preprocess), 0…255.
    pub image: Array2<f32>,
    /// Metastasis (M) mask from the annotation; all false for negative patients.
    pub m: Array2<bool>,
}

/// The patients of a prepared data set, in memory.
#[derive(Debug, Clone)]
pub struct Cohort {
    images: Vec<PatientImage>,
    index: HashMap<String, usize>,
    source: PathBuf,
    pins: BTreeMap<String, usize>,
}

impl Cohort {
    /// Builds a cohort, checking that ids are unique and every image and mask has one size.
    pub fn from_images(images: Vec<PatientImage>, source: impl Into<PathBuf>) -> Result<Cohort> {
        let source = source.into();
        let bad = |message: String| TrainError::Data {
            path: source.clone(),
            message,
        };
        let Some(first) = images.first() else {
            return Err(bad("contains no patients".into()));
        };
        let dim = first.image.dim();
        let mut index = HashMap::new();
        for (i, p) in images.iter().enumerate() {
            if p.image.dim() != dim || p.m.dim() != dim {
                return Err(bad(format!(
                    "patient {}: image {:?} / mask {:?}, expected {:?} like the first patient",
                    p.patient_id,
                    p.image.dim(),
                    p.m.dim(),
                    dim
                )));
            }
            if let Some(v) = p.image.iter().find(|v| !v.is_finite()) {
                return Err(bad(format!("patient {}: image contains {v}", p.patient_id)));
            }
            if !p.group.metastatic() && p.m.iter().any(|&v| v) {
                return Err(bad(format!(
                    "patient {} is in negative group {} but has metastasis pixels",
                    p.patient_id, p.group
                )));
            }
            if index.insert(p.patient_id.clone(), i).is_some() {
                return Err(bad(format!("patient id {} appears twice", p.patient_id)));
            }
        }
        Ok(Cohort {
            images,
            index,
            source,
            pins: BTreeMap::new(),
        })
    }

    /// Pins patients to cross-validation folds (patient id → fold, 0-based), as the cohort
    /// table's `split` column does; [`crate::splits::Splits`] places them there. Fails when a
    /// pin names a patient not in the cohort.
    pub fn with_pinned_folds(mut self, pins: BTreeMap<String, usize>) -> Result<Cohort> {
        if let Some(id) = pins.keys().find(|id| !self.index.contains_key(*id)) {
            return Err(TrainError::Data {
                path: self.source.clone(),
                message: format!("patient {id} is pinned to a fold but is not in the cohort"),
            });
        }
        self.pins = pins;
        Ok(self)
    }

    /// Patients pinned to a fold (id → fold, 0-based); empty unless pinned.
    pub fn pinned_folds(&self) -> &BTreeMap<String, usize> {
        &self.pins
    }

    /// Loads a prepared data set written by `bonescan prepare`.
    pub fn load_prepared(dir: &Path) -> Result<Cohort> {
        super::prepared::load(dir)
    }

    /// Where the cohort came from.
    pub fn source(&self) -> &Path {
        &self.source
    }

    /// All patients.
    pub fn images(&self) -> &[PatientImage] {
        &self.images
    }

    /// (id, group) of every patient, for [`crate::splits::Splits`].
    pub fn patients(&self) -> Vec<(String, Group)> {
        self.images
            .iter()
            .map(|p| (p.patient_id.clone(), p.group))
            .collect()
    }

    /// The patient with this id.
    pub fn get(&self, id: &str) -> Option<&PatientImage> {
        self.index.get(id).map(|&i| &self.images[i])
    }

    /// Prepared size (rows, cols).
    pub fn dim(&self) -> (usize, usize) {
        self.images[0].image.dim()
    }

    /// Number of patients per group.
    pub fn group_counts(&self) -> Vec<(Group, usize)> {
        Group::ALL
            .into_iter()
            .map(|g| (g, self.images.iter().filter(|p| p.group == g).count()))
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}
