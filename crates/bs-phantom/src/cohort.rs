//! Cohort specifications (the paper's Table 1, a small test cohort, or a TOML file) and
//! parallel, seed-deterministic generation.

use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::config::PhantomConfig;
use crate::error::{PhantomError, Result};
use crate::patient::{generate_patient, Group, PatientSpec, SyntheticPatient};

/// Largest cohort a specification may ask for (guards against typos allocating for days).
pub const MAX_PATIENTS: usize = 100_000;

/// Patients per data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)]
pub struct GroupSizes {
    /// Breast cancer with metastasis.
    #[serde(default)]
    pub D1: usize,
    /// Breast cancer without metastasis.
    #[serde(default)]
    pub D2: usize,
    /// Prostate cancer with metastasis.
    #[serde(default)]
    pub D3: usize,
    /// Prostate cancer without metastasis.
    #[serde(default)]
    pub D4: usize,
}

impl GroupSizes {
    /// Size of one group.
    pub fn get(&self, group: Group) -> usize {
        match group {
            Group::D1 => self.D1,
            Group::D2 => self.D2,
            Group::D3 => self.D3,
            Group::D4 => self.D4,
        }
    }

    /// All patients.
    pub fn total(&self) -> usize {
        Group::ALL.iter().map(|&g| self.get(g)).sum()
    }
}

/// What cohort to generate.
///
/// TOML form (every key optional but at least one patient):
/// ```toml
/// name = "pilot"
/// [groups]
/// D1 = 20
/// D2 = 5
/// D3 = 10
/// D4 = 10
/// [phantom]          # any field of PhantomConfig
/// mean_counts = 13.7
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CohortSpec {
    /// Name written into the manifest.
    #[serde(default = "default_name")]
    pub name: String,
    /// Patients per data set.
    pub groups: GroupSizes,
    /// Phantom parameters.
    #[serde(default)]
    pub phantom: PhantomConfig,
}

fn default_name() -> String {
    "custom".to_string()
}

impl CohortSpec {
    /// The paper's Table 1: D1 90, D2 10, D3 50, D4 50.
    pub fn paper() -> Self {
        Self {
            name: "paper".into(),
            groups: GroupSizes {
                D1: 90,
                D2: 10,
                D3: 50,
                D4: 50,
            },
            phantom: PhantomConfig::default(),
        }
    }

    /// A 12-patient cohort for tests: D1 4, D2 2, D3 4, D4 2.
    pub fn small() -> Self {
        Self {
            name: "small".into(),
            groups: GroupSizes {
                D1: 4,
                D2: 2,
                D3: 4,
                D4: 2,
            },
            phantom: PhantomConfig::default(),
        }
    }

    /// Parses and validates a TOML specification; `path` only names the source in errors.
    pub fn from_toml_str(text: &str, path: &Path) -> Result<Self> {
        let spec: CohortSpec = toml::from_str(text).map_err(|e| PhantomError::Spec {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        spec.validate().map_err(|e| PhantomError::Spec {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    /// Reads a TOML specification file.
    pub fn from_path(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| PhantomError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml_str(&text, path)
    }

    /// Checks sizes and the phantom configuration.
    pub fn validate(self) -> Result<Self> {
        let total = self.groups.total();
        if total == 0 || total > MAX_PATIENTS {
            return Err(PhantomError::Config(format!(
                "cohort size {total} must be 1..={MAX_PATIENTS}"
            )));
        }
        let phantom = self.phantom.clone().init()?;
        Ok(Self { phantom, ..self })
    }

    /// The patients in Table 1 order, IDs `SYN-D1-001`, … (numbered within each data set).
    pub fn patients(&self) -> Vec<PatientSpec> {
        let mut out = Vec::with_capacity(self.groups.total());
        for group in Group::ALL {
            for i in 0..self.groups.get(group) {
                out.push(PatientSpec {
                    index: out.len() as u64,
                    patient_id: format!("SYN-{}-{:03}", group.name(), i + 1),
                    group,
                });
            }
        }
        out
    }
}

/// Generates the whole cohort in memory, in parallel; the result does not depend on the
/// number of threads.
pub fn generate_cohort(spec: &CohortSpec, seed: u64) -> Vec<SyntheticPatient> {
    spec.patients()
        .par_iter()
        .map(|p| generate_patient(seed, p, &spec.phantom))
        .collect()
}
