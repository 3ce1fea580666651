//! Writing NM whole-body DICOM objects (2 frames: anterior and posterior), as the synthetic
//! cohort needs: explicit VR little endian, NM Image Storage, Detector Information Sequence with
//! a View Code Sequence per detector (SNOMED CT `399321004` anterior, `399001007` posterior
//! projection; CID 26) and Detector Vector 1\2, so that readers (this crate, pydicom, clinical
//! viewers) find the views by code. The object passes David Clunie's `dciodvfy` without errors
//! (tested): every Type 2 attribute of the NM modules is present, empty where unknown.

mod nm_meta;

use std::path::Path;

use dicom_core::value::DataSetSequence;
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::meta::FileMetaTableBuilder;
use dicom_object::InMemDicomObject;
use ndarray::ArrayView2;

pub use nm_meta::{derived_uid, dicom_date_time, is_valid_uid, NmWriteMeta};

use crate::error::{DicomError, Result};

/// Implementation Class UID of files written by bonescan.
pub const IMPLEMENTATION_CLASS_UID: &str = "2.25.193725934125387634785092471096390625432";

fn text(tag: Tag, vr: VR, value: &str) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, vr, PrimitiveValue::from(value))
}

fn code_item(value: &str, scheme: &str, meaning: &str) -> InMemDicomObject {
    InMemDicomObject::from_element_iter([
        text(tags::CODE_VALUE, VR::SH, value),
        text(tags::CODING_SCHEME_DESIGNATOR, VR::SH, scheme),
        text(tags::CODE_MEANING, VR::LO, meaning),
    ])
}

fn sequence(tag: Tag, items: Vec<InMemDicomObject>) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::SQ, DataSetSequence::from(items))
}

fn us(tag: Tag, values: &[u16]) -> DataElement<InMemDicomObject> {
    DataElement::new(
        tag,
        VR::US,
        PrimitiveValue::U16(values.iter().copied().collect()),
    )
}

/// Decimal string of a pixel spacing (DS: at most 16 characters).
fn ds(v: f64) -> String {
    let s = format!("{v}");
    if s.len() <= 16 {
        s
    } else {
        format!("{v:.10}").chars().take(16).collect()
    }
}

/// Checks the inputs; returns rows × columns.
fn validate(
    path: &Path,
    anterior: &ArrayView2<u16>,
    posterior: &ArrayView2<u16>,
    meta: &NmWriteMeta,
) -> Result<(u16, u16)> {
    let bad = |detail: String| DicomError::InvalidWriteInput {
        path: path.to_path_buf(),
        detail,
    };
    if anterior.dim() != posterior.dim() {
        return Err(bad(format!(
            "anterior view is {:?} but posterior view is {:?}",
            anterior.dim(),
            posterior.dim()
        )));
    }
    let (rows, columns) = anterior.dim();
    if rows == 0 || columns == 0 || rows > usize::from(u16::MAX) || columns > usize::from(u16::MAX)
    {
        return Err(bad(format!(
            "view size {rows}×{columns} is not 1..=65535 in each dimension"
        )));
    }
    for (name, uid) in [
        ("Study Instance UID", &meta.study_instance_uid),
        ("Series Instance UID", &meta.series_instance_uid),
        ("SOP Instance UID", &meta.sop_instance_uid),
    ] {
        if !is_valid_uid(uid) {
            return Err(bad(format!("{name} {uid:?} is not a valid UID")));
        }
    }
    if meta.study_date.len() != 8 || !meta.study_date.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(format!(
            "Study Date {:?} is not YYYYMMDD",
            meta.study_date
        )));
    }
    if !meta
        .pixel_spacing_mm
        .iter()
        .all(|s| s.is_finite() && *s > 0.0)
    {
        return Err(bad(format!(
            "pixel spacing {:?} mm must be positive",
            meta.pixel_spacing_mm
        )));
    }
    Ok((rows as u16, columns as u16))
}

/// NM Image and NM/PET Patient Orientation attributes of a whole-body pass: Actual Frame
/// Duration (Type 1C), Scan Length and Scan Velocity (Type 2C for WHOLE BODY), Counts
/// Accumulated (Type 2, empty when the sum exceeds an IS), and the usual bone-scan position,
/// recumbent supine head first (SNOMED CT, CIDs 19–21).
fn acquisition_elements(
    rows: u16,
    counts: u64,
    meta: &NmWriteMeta,
) -> Vec<DataElement<InMemDicomObject>> {
    let length_mm = f64::from(rows) * meta.pixel_spacing_mm[0];
    let seconds = f64::from(meta.frame_duration_ms) / 1000.0;
    let velocity = if seconds > 0.0 {
        ds(length_mm / seconds)
    } else {
        String::new()
    };
    let counts = if counts <= i32::MAX as u64 {
        counts.to_string()
    } else {
        String::new()
    };
    let orientation = InMemDicomObject::from_element_iter([
        text(tags::CODE_VALUE, VR::SH, "102538003"),
        text(tags::CODING_SCHEME_DESIGNATOR, VR::SH, "SCT"),
        text(tags::CODE_MEANING, VR::LO, "recumbent"),
        sequence(
            tags::PATIENT_ORIENTATION_MODIFIER_CODE_SEQUENCE,
            vec![code_item("40199007", "SCT", "supine")],
        ),
    ]);
    vec![
        text(tags::COUNTS_ACCUMULATED, VR::IS, &counts),
        text(
            tags::ACTUAL_FRAME_DURATION,
            VR::IS,
            &meta.frame_duration_ms.to_string(),
        ),
        text(tags::SCAN_VELOCITY, VR::DS, &velocity),
        text(tags::SCAN_LENGTH, VR::IS, &format!("{}", length_mm.round())),
        sequence(tags::PATIENT_ORIENTATION_CODE_SEQUENCE, vec![orientation]),
        sequence(
            tags::PATIENT_GANTRY_RELATIONSHIP_CODE_SEQUENCE,
            vec![code_item("102540008", "SCT", "headfirst")],
        ),
    ]
}

/// Writes a 2-frame NM Whole Body object: frame 1 `anterior`, frame 2 `posterior` (counts,
/// rows × columns each, 16-bit unsigned), explicit VR little endian.
pub fn write_whole_body_nm(
    path: &Path,
    anterior: ArrayView2<u16>,
    posterior: ArrayView2<u16>,
    meta: &NmWriteMeta,
) -> Result<()> {
    let obj = build_whole_body_nm(path, anterior, posterior, meta)?;
    let file = obj
        .with_meta(
            FileMetaTableBuilder::new()
                .transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN)
                .implementation_class_uid(IMPLEMENTATION_CLASS_UID)
                .implementation_version_name("BONESCAN_010"),
        )
        .map_err(|e| DicomError::Write {
            path: path.to_path_buf(),
            detail: crate::error::chain(&e),
        })?;
    file.write_to_file(path).map_err(|e| DicomError::Write {
        path: path.to_path_buf(),
        detail: crate::error::chain(&e),
    })
}

/// The data set [`write_whole_body_nm`] writes (without file meta group), for callers that
/// add attributes or encode it themselves. `path` is only used in errors.
pub fn build_whole_body_nm(
    path: &Path,
    anterior: ArrayView2<u16>,
    posterior: ArrayView2<u16>,
    meta: &NmWriteMeta,
) -> Result<InMemDicomObject> {
    let (rows, columns) = validate(path, &anterior, &posterior, meta)?;
    let mut pixels: Vec<u16> = Vec::with_capacity(2 * anterior.len());
    pixels.extend(anterior.iter().copied());
    pixels.extend(posterior.iter().copied());
    let max = pixels.iter().copied().max().unwrap_or(0);
    let counts: u64 = pixels.iter().map(|&v| u64::from(v)).sum();
    let min = pixels.iter().copied().min().unwrap_or(0);

    // NM Detector Module, Type 2: a parallel-hole collimator; position and orientation unknown
    // to this writer (a posterior view may or may not have been mirrored), so empty
    let detector = |code: &str, meaning: &str| {
        InMemDicomObject::from_element_iter([
            text(tags::COLLIMATOR_TYPE, VR::CS, "PARA"),
            text(tags::IMAGE_POSITION_PATIENT, VR::DS, ""),
            text(tags::IMAGE_ORIENTATION_PATIENT, VR::DS, ""),
            sequence(
                tags::VIEW_CODE_SEQUENCE,
                vec![code_item(code, "SCT", meaning)],
            ),
        ])
    };
    let mut obj = InMemDicomObject::from_element_iter([
        text(
            tags::IMAGE_TYPE,
            VR::CS,
            "ORIGINAL\\PRIMARY\\WHOLE BODY\\EMISSION",
        ),
        text(
            tags::SOP_CLASS_UID,
            VR::UI,
            uids::NUCLEAR_MEDICINE_IMAGE_STORAGE,
        ),
        text(tags::SOP_INSTANCE_UID, VR::UI, &meta.sop_instance_uid),
        text(tags::STUDY_DATE, VR::DA, &meta.study_date),
        text(tags::SERIES_DATE, VR::DA, &meta.study_date),
        text(tags::STUDY_TIME, VR::TM, "090000"),
        text(tags::ACCESSION_NUMBER, VR::SH, ""),
        text(tags::MODALITY, VR::CS, "NM"),
        text(tags::MANUFACTURER, VR::LO, &meta.manufacturer),
        text(tags::REFERRING_PHYSICIAN_NAME, VR::PN, ""),
        text(tags::SERIES_DESCRIPTION, VR::LO, &meta.series_description),
        text(tags::MANUFACTURER_MODEL_NAME, VR::LO, &meta.model),
        text(tags::PATIENT_NAME, VR::PN, &meta.patient_name),
        text(tags::PATIENT_ID, VR::LO, &meta.patient_id),
        text(tags::PATIENT_BIRTH_DATE, VR::DA, ""),
        text(tags::PATIENT_SEX, VR::CS, ""),
        text(tags::BODY_PART_EXAMINED, VR::CS, "WHOLEBODY"),
        text(tags::STUDY_INSTANCE_UID, VR::UI, &meta.study_instance_uid),
        text(tags::SERIES_INSTANCE_UID, VR::UI, &meta.series_instance_uid),
        text(tags::STUDY_ID, VR::SH, ""),
        text(tags::SERIES_NUMBER, VR::IS, "1"),
        text(tags::INSTANCE_NUMBER, VR::IS, "1"),
        text(tags::PATIENT_ORIENTATION, VR::CS, ""),
        us(tags::SAMPLES_PER_PIXEL, &[1]),
        text(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2"),
        text(tags::NUMBER_OF_FRAMES, VR::IS, "2"),
        DataElement::new(
            tags::FRAME_INCREMENT_POINTER,
            VR::AT,
            PrimitiveValue::Tags(
                [tags::ENERGY_WINDOW_VECTOR, tags::DETECTOR_VECTOR]
                    .into_iter()
                    .collect(),
            ),
        ),
        us(tags::ROWS, &[rows]),
        us(tags::COLUMNS, &[columns]),
        text(
            tags::PIXEL_SPACING,
            VR::DS,
            &format!(
                "{}\\{}",
                ds(meta.pixel_spacing_mm[0]),
                ds(meta.pixel_spacing_mm[1])
            ),
        ),
        us(tags::BITS_ALLOCATED, &[16]),
        us(tags::BITS_STORED, &[16]),
        us(tags::HIGH_BIT, &[15]),
        us(tags::PIXEL_REPRESENTATION, &[0]),
        us(tags::SMALLEST_IMAGE_PIXEL_VALUE, &[min]),
        us(tags::LARGEST_IMAGE_PIXEL_VALUE, &[max]),
        us(tags::ENERGY_WINDOW_VECTOR, &[1, 1]),
        us(tags::NUMBER_OF_ENERGY_WINDOWS, &[1]),
        sequence(
            tags::ENERGY_WINDOW_INFORMATION_SEQUENCE,
            vec![InMemDicomObject::from_element_iter([text(
                tags::ENERGY_WINDOW_NAME,
                VR::SH,
                "PEAK",
            )])],
        ),
        us(tags::DETECTOR_VECTOR, &[1, 2]),
        us(tags::NUMBER_OF_DETECTORS, &[2]),
        sequence(
            tags::DETECTOR_INFORMATION_SEQUENCE,
            vec![
                detector("399321004", "Anterior projection"),
                detector("399001007", "Posterior projection"),
            ],
        ),
        DataElement::new(tags::PIXEL_DATA, VR::OW, PrimitiveValue::U16(pixels.into())),
    ]);
    for element in acquisition_elements(rows, counts, meta) {
        obj.put(element);
    }
    obj.put(radiopharmaceutical(meta));
    Ok(obj)
}

/// SNOMED CT code (CID 18 "Isotopes in Radiopharmaceuticals") of the radionuclides of planar
/// bone and whole-body scintigraphy, by name in any spelling (`Tc-99m`, `99mTc`, `TC99M`).
fn radionuclide_code(name: &str) -> Option<&'static str> {
    let mut letters: Vec<char> = name
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    letters.sort_unstable();
    let digits: String = name.chars().filter(char::is_ascii_digit).collect();
    let key = (letters.into_iter().collect::<String>(), digits);
    let table = [
        ("cmt", "99", "72454006"),
        ("i", "123", "21572004"),
        ("i", "131", "1368003"),
        ("f", "18", "77004003"),
        ("ag", "67", "2008008"),
        ("in", "111", "56609000"),
        ("lt", "201", "60057003"),
    ];
    table
        .iter()
        .find(|(l, d, _)| key.0 == *l && key.1 == *d)
        .map(|(_, _, code)| *code)
}

/// Radiopharmaceutical Information Sequence (NM Isotope Module, Type 2: empty when neither the
/// radionuclide nor the radiopharmaceutical is known).
fn radiopharmaceutical(meta: &NmWriteMeta) -> DataElement<InMemDicomObject> {
    let mut item = InMemDicomObject::new_empty();
    if let Some(nuclide) = &meta.radionuclide {
        let (code, scheme) = match radionuclide_code(nuclide) {
            Some(code) => (code, "SCT"),
            None => (nuclide.as_str(), "99BONESCAN"),
        };
        let code: String = code.chars().take(16).collect();
        item.put(sequence(
            tags::RADIONUCLIDE_CODE_SEQUENCE,
            vec![code_item(&code, scheme, nuclide)],
        ));
    }
    if let Some(pharm) = &meta.radiopharmaceutical {
        item.put(text(tags::RADIOPHARMACEUTICAL, VR::LO, pharm));
    }
    let known = meta.radionuclide.is_some() || meta.radiopharmaceutical.is_some();
    sequence(
        tags::RADIOPHARMACEUTICAL_INFORMATION_SEQUENCE,
        if known { vec![item] } else { Vec::new() },
    )
}

#[cfg(test)]
mod tests {
    use super::radionuclide_code;

    #[test]
    fn radionuclide_names_in_any_spelling() {
        for name in ["Tc-99m", "99mTc", "TC99M", "tc 99m"] {
            assert_eq!(radionuclide_code(name), Some("72454006"), "{name}");
        }
        assert_eq!(radionuclide_code("I-123"), Some("21572004"));
        assert_eq!(radionuclide_code("131I"), Some("1368003"));
        assert_eq!(radionuclide_code("Tc-99"), None);
        assert_eq!(radionuclide_code("Xe-133"), None);
    }
}
