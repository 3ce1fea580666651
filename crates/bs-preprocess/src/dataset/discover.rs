//! Turning command-line inputs (DICOM files and directories, a label directory, a cohort
//! manifest) into [`CohortItem`]s.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::build::CohortItem;
use super::manifest::PatientInfo;
use crate::error::{PrepareError, Result};

fn is_dicom_name(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("dcm") || e.eq_ignore_ascii_case("dicom"))
}

/// The DICOM files named by `inputs`: files as given, directories by their `*.dcm` / `*.dicom`
/// files (not recursive), sorted by name. A directory without any is an error.
pub fn dicom_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for input in inputs {
        let meta = std::fs::metadata(input).map_err(|e| PrepareError::io(input, e))?;
        if meta.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(input)
                .map_err(|e| PrepareError::io(input, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && is_dicom_name(p))
                .collect();
            if found.is_empty() {
                return Err(PrepareError::io(
                    input,
                    std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "directory holds no *.dcm files",
                    ),
                ));
            }
            found.sort();
            out.extend(found);
        } else {
            out.push(input.clone());
        }
    }
    Ok(out)
}

/// Patient facts from a cohort manifest such as bs-phantom's `manifest.json`
/// (`{"patients": [{"patient_id", "group", "cancer", "metastatic", ...}]}`), keyed by patient ID.
pub fn read_cohort_manifest(path: &Path) -> Result<HashMap<String, PatientInfo>> {
    let bad = |reason: String| PrepareError::Manifest {
        path: path.into(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| PrepareError::io(path, e))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    let patients = value
        .get("patients")
        .and_then(|p| p.as_array())
        .ok_or_else(|| bad("no \"patients\" array".into()))?;
    let mut out = HashMap::new();
    for (k, p) in patients.iter().enumerate() {
        let patient_id = p
            .get("patient_id")
            .and_then(|v| v.as_str())
            .ok_or_else(|| bad(format!("patients[{k}] has no string patient_id")))?
            .to_string();
        let text_field = |name: &str| p.get(name).and_then(|v| v.as_str()).map(String::from);
        let info = PatientInfo {
            patient_id: patient_id.clone(),
            group: text_field("group"),
            cancer: text_field("cancer"),
            metastatic: p.get("metastatic").and_then(|v| v.as_bool()),
            ..PatientInfo::default()
        };
        if out.insert(patient_id.clone(), info).is_some() {
            return Err(bad(format!("patient {patient_id:?} listed twice")));
        }
    }
    Ok(out)
}

/// One cohort item per DICOM file (id = file stem), with labels `labels_dir/<id>.json` (else
/// `<id>.png`, `<id>.dcm`, or `<id>/seg.dcm` as `bonescan predict` writes it: a DICOM SEG) when
/// present and patient facts from `cohort` when it lists the id.
pub fn discover_cohort(
    inputs: &[PathBuf],
    labels_dir: Option<&Path>,
    cohort: Option<&HashMap<String, PatientInfo>>,
) -> Result<Vec<CohortItem>> {
    if let Some(dir) = labels_dir {
        if !dir.is_dir() {
            return Err(PrepareError::io(
                dir,
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "label directory does not exist",
                ),
            ));
        }
    }
    dicom_files(inputs)?
        .into_iter()
        .map(|path| {
            let id = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let labels = labels_dir.and_then(|d| {
                ["json", "png", "dcm"]
                    .iter()
                    .map(|ext| d.join(format!("{id}.{ext}")))
                    .chain([d.join(&id).join("seg.dcm")])
                    .find(|p| p.is_file())
            });
            Ok(CohortItem {
                patient: cohort.and_then(|c| c.get(&id).cloned()),
                id,
                dicom: vec![path],
                labels,
            })
        })
        .collect()
}

/// For an input directory `<cohort>/dicom` as bs-phantom writes it: `(<cohort>/labelme,
/// <cohort>/manifest.json)` where they exist.
pub fn phantom_layout(input: &Path) -> (Option<PathBuf>, Option<PathBuf>) {
    let Some(root) = input
        .parent()
        .filter(|_| input.file_name().is_some_and(|n| n == "dicom"))
    else {
        return (None, None);
    };
    let labels = Some(root.join("labelme")).filter(|p| p.is_dir());
    let manifest = Some(root.join("manifest.json")).filter(|p| p.is_file());
    (labels, manifest)
}
