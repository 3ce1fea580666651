//! [`ScanMeta`] of a scan: its fields read from a DICOM object, and de-identification.

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use sha2::{Digest, Sha256};

use crate::dicom_file::{floats, items, text};
use crate::options::ReadOptions;
use crate::scan::{PatientName, ScanCounts, ScanMeta, SourceFile};

/// GE Genie private "Radio Nuclide Name" (0011,xx0D) under creator `GEMS_GENIE_1`.
fn ge_radionuclide(obj: &InMemDicomObject) -> Option<String> {
    (0x10u16..=0xFF).find_map(|block| {
        let creator = text(obj, Tag(0x0011, block))?;
        (creator == "GEMS_GENIE_1")
            .then(|| text(obj, Tag(0x0011, (block << 8) | 0x0D)))
            .flatten()
    })
}

/// The metadata of a scan: identity, study and device fields read from `obj` (the object
/// holding the anterior view; `None` for PNG/JPEG views, which have none), de-identified when
/// [`ReadOptions::deidentify`] asks, with the scan's `counts` and `files`.
pub(crate) fn scan_meta(
    obj: Option<&InMemDicomObject>,
    opts: &ReadOptions,
    counts: ScanCounts,
    files: Vec<SourceFile>,
) -> ScanMeta {
    let field = |tag: Tag| obj.and_then(|o| text(o, tag));
    let radiopharm_items = obj.map_or(&[][..], |o| {
        items(o, tags::RADIOPHARMACEUTICAL_INFORMATION_SEQUENCE)
    });
    let radionuclide = radiopharm_items
        .iter()
        .find_map(|item| {
            let code = items(item, tags::RADIONUCLIDE_CODE_SEQUENCE).first()?;
            text(code, tags::CODE_MEANING).or_else(|| text(code, tags::CODE_VALUE))
        })
        .or_else(|| obj.and_then(ge_radionuclide));
    let radiopharmaceutical = radiopharm_items
        .iter()
        .find_map(|item| text(item, tags::RADIOPHARMACEUTICAL))
        .or_else(|| field(tags::RADIOPHARMACEUTICAL));
    let spacing = obj
        .map(|o| floats(o, tags::PIXEL_SPACING))
        .unwrap_or_default();
    let patient_id = field(tags::PATIENT_ID);
    let (patient_id, patient_name) = if opts.deidentify {
        (
            patient_id.map(|id| pseudonym(&id, &opts.deidentify_salt)),
            None,
        )
    } else {
        (patient_id, field(tags::PATIENT_NAME).map(PatientName::new))
    };
    ScanMeta {
        patient_id,
        patient_name,
        deidentified: opts.deidentify,
        study_instance_uid: field(tags::STUDY_INSTANCE_UID),
        series_instance_uid: field(tags::SERIES_INSTANCE_UID),
        study_date: field(tags::STUDY_DATE),
        manufacturer: field(tags::MANUFACTURER),
        model: field(tags::MANUFACTURER_MODEL_NAME),
        pixel_spacing_mm: (spacing.len() == 2 && spacing.iter().all(|s| s.is_finite() && *s > 0.0))
            .then(|| [spacing[0], spacing[1]]),
        radionuclide,
        radiopharmaceutical,
        counts,
        files,
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
