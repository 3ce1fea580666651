//! Writing NM whole-body DICOM objects (2 frames: anterior and posterior), as the synthetic
//! cohort needs: explicit VR little endian, NM Image Storage, Detector Information Sequence with
//! a View Code Sequence per detector (SRT `G-5215` anterior, `G-5216` posterior) and Detector
//! Vector 1\2, so that readers (this crate, pydicom, clinical viewers) find the views by code.

mod nm_meta;

use std::path::Path;

use dicom_core::value::DataSetSequence;
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::meta::FileMetaTableBuilder;
use dicom_object::InMemDicomObject;
use ndarray::ArrayView2;

pub use nm_meta::{derived_uid, dicom_date_time, is_valid_uid, NmWriteMeta};

use crate::error::{Error, Result};

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
    let bad = |detail: String| Error::InvalidWriteInput {
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
        .map_err(|e| Error::Write {
            path: path.to_path_buf(),
            detail: crate::dicom_file::error_chain(&e),
        })?;
    file.write_to_file(path).map_err(|e| Error::Write {
        path: path.to_path_buf(),
        detail: crate::dicom_file::error_chain(&e),
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
    let min = pixels.iter().copied().min().unwrap_or(0);

    let detector = |code: &str, meaning: &str| {
        InMemDicomObject::from_element_iter([sequence(
            tags::VIEW_CODE_SEQUENCE,
            vec![code_item(code, "SRT", meaning)],
        )])
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
                detector("G-5215", "Anterior projection"),
                detector("G-5216", "Posterior projection"),
            ],
        ),
        DataElement::new(tags::PIXEL_DATA, VR::OW, PrimitiveValue::U16(pixels.into())),
    ]);
    if meta.radionuclide.is_some() || meta.radiopharmaceutical.is_some() {
        let mut item = InMemDicomObject::new_empty();
        if let Some(nuclide) = &meta.radionuclide {
            let squashed: String = nuclide
                .to_ascii_lowercase()
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect();
            let (code, scheme) = if squashed == "tc99m" {
                ("C-163A8", "SRT")
            } else {
                (nuclide.as_str(), "99BONESCAN")
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
        obj.put(sequence(
            tags::RADIOPHARMACEUTICAL_INFORMATION_SEQUENCE,
            vec![item],
        ));
    }
    Ok(obj)
}
