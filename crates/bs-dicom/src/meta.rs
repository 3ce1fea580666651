//! Extraction of [`ScanMeta`] fields from a DICOM object, and de-identification.

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use sha2::{Digest, Sha256};

use crate::dicom_file::{floats, items, text};
use crate::options::ReadOptions;
use crate::scan::PatientName;

/// Identity, study and device fields of one object, before counts and files are known.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ObjectMeta {
    pub patient_id: Option<String>,
    pub patient_name: Option<PatientName>,
    pub study_instance_uid: Option<String>,
    pub series_instance_uid: Option<String>,
    pub study_date: Option<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub pixel_spacing_mm: Option<[f64; 2]>,
    pub radionuclide: Option<String>,
    pub radiopharmaceutical: Option<String>,
}

/// GE Genie private "Radio Nuclide Name" (0011,xx0D) under creator `GEMS_GENIE_1`.
fn ge_radionuclide(obj: &InMemDicomObject) -> Option<String> {
    (0x10u16..=0xFF).find_map(|block| {
        let creator = text(obj, Tag(0x0011, block))?;
        (creator == "GEMS_GENIE_1")
            .then(|| text(obj, Tag(0x0011, (block << 8) | 0x0D)))
            .flatten()
    })
}

/// Reads the metadata of `obj`.
pub(crate) fn object_meta(obj: &InMemDicomObject) -> ObjectMeta {
    let radiopharm_items = items(obj, tags::RADIOPHARMACEUTICAL_INFORMATION_SEQUENCE);
    let radionuclide = radiopharm_items
        .iter()
        .find_map(|item| {
            let code = items(item, tags::RADIONUCLIDE_CODE_SEQUENCE).first()?;
            text(code, tags::CODE_MEANING).or_else(|| text(code, tags::CODE_VALUE))
        })
        .or_else(|| ge_radionuclide(obj));
    let radiopharmaceutical = radiopharm_items
        .iter()
        .find_map(|item| text(item, tags::RADIOPHARMACEUTICAL))
        .or_else(|| text(obj, tags::RADIOPHARMACEUTICAL));
    let spacing = floats(obj, tags::PIXEL_SPACING);
    ObjectMeta {
        patient_id: text(obj, tags::PATIENT_ID),
        patient_name: text(obj, tags::PATIENT_NAME).map(PatientName::new),
        study_instance_uid: text(obj, tags::STUDY_INSTANCE_UID),
        series_instance_uid: text(obj, tags::SERIES_INSTANCE_UID),
        study_date: text(obj, tags::STUDY_DATE),
        manufacturer: text(obj, tags::MANUFACTURER),
        model: text(obj, tags::MANUFACTURER_MODEL_NAME),
        pixel_spacing_mm: (spacing.len() == 2 && spacing.iter().all(|s| s.is_finite() && *s > 0.0))
            .then(|| [spacing[0], spacing[1]]),
        radionuclide,
        radiopharmaceutical,
    }
}

/// Pseudonym of a patient ID: `anon-` + the first 16 hex digits of SHA-256(salt ‖ 0 ‖ id).
pub fn pseudonym(patient_id: &str, salt: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update([0u8]);
    h.update(patient_id.as_bytes());
    let digest = h.finalize();
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("anon-{hex}")
}

/// Applies [`ReadOptions::deidentify`]: ID → pseudonym, name dropped.
pub(crate) fn deidentify(meta: &mut ObjectMeta, opts: &ReadOptions) {
    if opts.deidentify {
        meta.patient_id = meta
            .patient_id
            .as_deref()
            .map(|id| pseudonym(id, &opts.deidentify_salt));
        meta.patient_name = None;
    }
}
