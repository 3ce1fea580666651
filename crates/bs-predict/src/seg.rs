//! `seg.dcm`: the M mask as a DICOM Segmentation (PS3.3 A.51) that a PACS or viewer loads
//! beside the source scan.
//!
//! - SOP class Segmentation Storage `1.2.840.10008.5.1.4.1.1.66.4`, modality `SEG`,
//!   explicit VR little endian, Segmentation Type `BINARY` (1 bit per pixel, frames packed
//!   contiguously, least significant bit first);
//! - one segment, "bone metastasis": category SCT 49755003 *Morphologically abnormal
//!   structure*, type SCT 14799000 *Neoplasm, metastatic*, anatomic region SCT 272673000
//!   *Bone structure*, algorithm type `AUTOMATIC`;
//! - one frame per source view present (anterior, then posterior), each of the view's size,
//!   its Derivation Image Sequence naming the source SOP instance (and frame, for a
//!   multi-frame source); for views side by side in one source frame, one frame of that
//!   frame's size; dimensions: Referenced Segment Number, Frame Label;
//! - patient and study attributes of the source (so the PACS files the object with the study),
//!   Referenced Series Sequence with the source series and instances;
//! - no Pixel Measures functional group (a planar projection has no slice thickness, and the
//!   object has no Frame of Reference): the source's Pixel Spacing applies;
//! - UIDs under `2.25` derived from the source SOP instance and the model's weights, so the
//!   same scan and model give the same object.

use std::path::Path;

use dicom_core::value::DataSetSequence;
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::meta::FileMetaTableBuilder;
use dicom_object::InMemDicomObject;
use ndarray::{Array2, ArrayView2};

use crate::error::{PredictError, Result};
use crate::model::ModelIdentity;
use crate::predictor::{PreparedInput, Segmentation};

/// Segmentation Storage SOP Class UID.
pub const SEGMENTATION_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.66.4";
/// Segment label of the one segment.
pub const SEGMENT_LABEL: &str = "bone metastasis";
/// Implementation Class UID of bs-predict's files.
pub const IMPLEMENTATION_CLASS_UID: &str = "2.25.193725934125387634785092471096390625433";

fn text(tag: Tag, vr: VR, value: &str) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, vr, PrimitiveValue::from(value))
}

fn us(tag: Tag, value: u16) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::US, PrimitiveValue::from(value))
}

fn ul_list(tag: Tag, values: &[u32]) -> DataElement<InMemDicomObject> {
    DataElement::new(
        tag,
        VR::UL,
        PrimitiveValue::U32(values.iter().copied().collect()),
    )
}

fn at(tag: Tag, value: Tag) -> DataElement<InMemDicomObject> {
    DataElement::new(
        tag,
        VR::AT,
        PrimitiveValue::Tags([value].into_iter().collect()),
    )
}

fn seq(tag: Tag, items: Vec<InMemDicomObject>) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::SQ, DataSetSequence::from(items))
}

fn code(value: &str, scheme: &str, meaning: &str) -> InMemDicomObject {
    InMemDicomObject::from_element_iter([
        text(tags::CODE_VALUE, VR::SH, value),
        text(tags::CODING_SCHEME_DESIGNATOR, VR::SH, scheme),
        text(tags::CODE_MEANING, VR::LO, meaning),
    ])
}

/// One source view referenced by a SEG frame.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceFrame {
    /// `anterior` / `posterior`.
    pub label: &'static str,
    /// SOP Class UID of the source object.
    pub sop_class_uid: String,
    /// SOP Instance UID of the source object.
    pub sop_instance_uid: String,
    /// 1-based frame number in a multi-frame source; `None` for a single-frame object.
    pub frame: Option<u32>,
}

/// Packs binary frames (row-major, each `rows × cols`) into DICOM's 1-bit layout: pixel `i`
/// of the concatenated frames goes to bit `i mod 8` of byte `i / 8`; the last byte is padded
/// with zeros, and the value to an even length.
pub fn pack_bits(frames: &[ArrayView2<'_, bool>]) -> Vec<u8> {
    let total: usize = frames.iter().map(|f| f.len()).sum();
    let mut out = vec![0u8; total.div_ceil(8)];
    let mut i = 0usize;
    for f in frames {
        for &v in f.iter() {
            if v {
                out[i / 8] |= 1 << (i % 8);
            }
            i += 1;
        }
    }
    if out.len() % 2 == 1 {
        out.push(0);
    }
    out
}

fn source_frame(input: &PreparedInput, posterior: bool) -> Result<SourceFrame> {
    let view = if posterior {
        input
            .scan
            .posterior
            .as_ref()
            .expect("caller checks the posterior")
    } else {
        &input.scan.anterior
    };
    let file = input
        .scan
        .meta
        .files
        .iter()
        .find(|f| f.path == view.source.path)
        .or_else(|| input.scan.meta.files.first());
    let bad = |detail: String| PredictError::Seg {
        path: input.path.clone(),
        detail,
    };
    let file = file.ok_or_else(|| bad("the scan lists no source file".into()))?;
    let sop_class_uid = file.sop_class_uid.clone().ok_or_else(|| {
        bad(format!(
            "source {} has no SOP Class UID to reference",
            file.path.display()
        ))
    })?;
    let sop_instance_uid = file.sop_instance_uid.clone().ok_or_else(|| {
        bad(format!(
            "source {} has no SOP Instance UID to reference",
            file.path.display()
        ))
    })?;
    Ok(SourceFrame {
        label: if posterior { "posterior" } else { "anterior" },
        sop_class_uid,
        sop_instance_uid,
        frame: (file.frames > 1).then_some(view.source.frame as u32 + 1),
    })
}

/// The SEG frames and their sources: one per view, each the view's mask; or, when both views
/// come from one frame side by side, one frame of that frame's size holding each view's mask at
/// its columns (a SEG frame is in its source frame's pixels; two view-sized frames referencing
/// one frame could not say which view each is).
fn seg_frames(
    input: &PreparedInput,
    seg: &Segmentation,
) -> Result<(Vec<SourceFrame>, Vec<Array2<bool>>)> {
    let anterior = source_frame(input, false)?;
    let front = &input.scan.anterior.source;
    let (Some(view), Some(mask)) = (&input.scan.posterior, &seg.posterior) else {
        return Ok((vec![anterior], vec![in_source(&seg.anterior, front)]));
    };
    let posterior = source_frame(input, true)?;
    if (front.path.as_path(), front.frame) != (view.source.path.as_path(), view.source.frame) {
        return Ok((
            vec![anterior, posterior],
            vec![
                in_source(&seg.anterior, front),
                in_source(mask, &view.source),
            ],
        ));
    }
    let file = input.scan.meta.files.iter().find(|f| f.path == front.path);
    let (rows, cols) = file.map_or((0, 0), |f| (f.rows, f.columns));
    let mut whole = Array2::from_elem((rows, cols), false);
    for (source, m) in [(front, &seg.anterior), (&view.source, mask)] {
        let (r, c) = m.dim();
        let (c0, c1) = (source.column_offset, source.column_offset + c);
        if r != rows || c1 > cols {
            return Err(PredictError::Seg {
                path: input.path.clone(),
                detail: format!(
                    "a {r}×{c} view at column {c0} does not fit its {rows}×{cols} frame"
                ),
            });
        }
        whole
            .slice_mut(ndarray::s![.., c0..c1])
            .assign(&in_source(m, source));
    }
    let both = SourceFrame {
        label: "anterior and posterior",
        ..anterior
    };
    Ok((vec![both], vec![whole]))
}

/// A view's mask in its source's column order (reversed back where the reader mirrored it).
fn in_source(mask: &Array2<bool>, source: &bs_dicom::ViewSource) -> Array2<bool> {
    if source.mirrored {
        mask.slice(ndarray::s![.., ..;-1]).to_owned()
    } else {
        mask.clone()
    }
}

fn now_date_time() -> (String, String) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    bs_dicom::write::dicom_date_time(secs)
}

/// Builds the SEG data set of one segmented scan.
pub fn build_seg(
    input: &PreparedInput,
    seg: &Segmentation,
    model: &ModelIdentity,
) -> Result<InMemDicomObject> {
    let meta = &input.scan.meta;
    let bad = |detail: String| PredictError::Seg {
        path: input.path.clone(),
        detail,
    };
    let study_uid = meta
        .study_instance_uid
        .clone()
        .ok_or_else(|| bad("the source has no Study Instance UID".into()))?;
    let (sources, frames) = seg_frames(input, seg)?;
    let masks: Vec<ArrayView2<'_, bool>> = frames.iter().map(|m| m.view()).collect();
    let (rows, cols) = masks[0].dim();
    if masks.iter().any(|m| m.dim() != (rows, cols)) {
        return Err(bad("views of different sizes cannot share one SEG".into()));
    }
    if rows > usize::from(u16::MAX) || cols > usize::from(u16::MAX) {
        return Err(bad(format!(
            "view {rows}×{cols} exceeds DICOM's 65535 rows/columns"
        )));
    }
    let weights: Vec<&str> = model.members.iter().map(|m| m.sha256.as_str()).collect();
    let model_key = weights.join(",");
    let sop_uid =
        bs_dicom::write::derived_uid(&["bonescan-seg", &sources[0].sop_instance_uid, &model_key]);
    let series_uid = bs_dicom::write::derived_uid(&["bonescan-seg-series", &study_uid, &model_key]);
    let (date, time) = now_date_time();
    let algorithm = format!(
        "bonescan Double U-Net ({}, {} network(s))",
        model.variant,
        model.members.len()
    );
    let segment = InMemDicomObject::from_element_iter([
        us(tags::SEGMENT_NUMBER, 1),
        text(tags::SEGMENT_LABEL, VR::LO, SEGMENT_LABEL),
        text(
            tags::SEGMENT_DESCRIPTION,
            VR::ST,
            "bone metastasis (class M) predicted by bonescan",
        ),
        text(tags::SEGMENT_ALGORITHM_TYPE, VR::CS, "AUTOMATIC"),
        text(tags::SEGMENT_ALGORITHM_NAME, VR::LO, &algorithm),
        seq(
            tags::SEGMENTED_PROPERTY_CATEGORY_CODE_SEQUENCE,
            vec![code(
                "49755003",
                "SCT",
                "Morphologically abnormal structure",
            )],
        ),
        seq(
            tags::SEGMENTED_PROPERTY_TYPE_CODE_SEQUENCE,
            vec![code("14799000", "SCT", "Neoplasm, metastatic")],
        ),
        seq(
            tags::ANATOMIC_REGION_SEQUENCE,
            vec![code("272673000", "SCT", "Bone structure")],
        ),
        DataElement::new(
            tags::RECOMMENDED_DISPLAY_CIE_LAB_VALUE,
            VR::US,
            PrimitiveValue::U16([21169u16, 53249, 50733].into_iter().collect()),
        ),
    ]);
    let dim_org_uid = bs_dicom::write::derived_uid(&["bonescan-seg-dimensions", &sop_uid]);
    let dimension = |pointer: Tag, group: Tag, label: &str| {
        InMemDicomObject::from_element_iter([
            text(tags::DIMENSION_ORGANIZATION_UID, VR::UI, &dim_org_uid),
            at(tags::DIMENSION_INDEX_POINTER, pointer),
            at(tags::FUNCTIONAL_GROUP_POINTER, group),
            text(tags::DIMENSION_DESCRIPTION_LABEL, VR::LO, label),
        ])
    };
    let per_frame: Vec<InMemDicomObject> = sources
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut source_item = InMemDicomObject::from_element_iter([
                text(tags::REFERENCED_SOP_CLASS_UID, VR::UI, &s.sop_class_uid),
                text(
                    tags::REFERENCED_SOP_INSTANCE_UID,
                    VR::UI,
                    &s.sop_instance_uid,
                ),
                seq(
                    tags::PURPOSE_OF_REFERENCE_CODE_SEQUENCE,
                    vec![code(
                        "121322",
                        "DCM",
                        "Source image for image processing operation",
                    )],
                ),
            ]);
            if let Some(f) = s.frame {
                source_item.put(text(tags::REFERENCED_FRAME_NUMBER, VR::IS, &f.to_string()));
            }
            InMemDicomObject::from_element_iter([
                seq(
                    tags::DERIVATION_IMAGE_SEQUENCE,
                    vec![InMemDicomObject::from_element_iter([
                        seq(tags::SOURCE_IMAGE_SEQUENCE, vec![source_item]),
                        seq(
                            tags::DERIVATION_CODE_SEQUENCE,
                            vec![code("113076", "DCM", "Segmentation")],
                        ),
                    ])],
                ),
                seq(
                    tags::FRAME_CONTENT_SEQUENCE,
                    vec![InMemDicomObject::from_element_iter([
                        ul_list(tags::DIMENSION_INDEX_VALUES, &[1, i as u32 + 1]),
                        text(tags::FRAME_LABEL, VR::LO, s.label),
                    ])],
                ),
                seq(
                    tags::SEGMENT_IDENTIFICATION_SEQUENCE,
                    vec![InMemDicomObject::from_element_iter([us(
                        tags::REFERENCED_SEGMENT_NUMBER,
                        1,
                    )])],
                ),
            ])
        })
        .collect();
    // No Pixel Measures: a planar whole-body view has no slice thickness, and without a Frame
    // of Reference the macro is not required; the source's Pixel Spacing applies.
    let shared = InMemDicomObject::new_empty();
    let instances: Vec<InMemDicomObject> = {
        let mut seen: Vec<(String, String)> = Vec::new();
        for s in &sources {
            let key = (s.sop_class_uid.clone(), s.sop_instance_uid.clone());
            if !seen.contains(&key) {
                seen.push(key);
            }
        }
        seen.into_iter()
            .map(|(class, inst)| {
                InMemDicomObject::from_element_iter([
                    text(tags::REFERENCED_SOP_CLASS_UID, VR::UI, &class),
                    text(tags::REFERENCED_SOP_INSTANCE_UID, VR::UI, &inst),
                ])
            })
            .collect()
    };
    let source_series = meta
        .series_instance_uid
        .clone()
        .ok_or_else(|| bad("the source has no Series Instance UID".into()))?;
    let patient_name = meta
        .patient_name
        .as_ref()
        .map(|n| n.reveal().to_string())
        .unwrap_or_default();
    let pixel_data = pack_bits(&masks);
    let obj = InMemDicomObject::from_element_iter([
        text(tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 192"),
        text(tags::IMAGE_TYPE, VR::CS, "DERIVED\\PRIMARY"),
        text(tags::SOP_CLASS_UID, VR::UI, SEGMENTATION_STORAGE),
        text(tags::SOP_INSTANCE_UID, VR::UI, &sop_uid),
        text(
            tags::STUDY_DATE,
            VR::DA,
            meta.study_date.as_deref().unwrap_or(""),
        ),
        text(tags::SERIES_DATE, VR::DA, &date),
        text(tags::CONTENT_DATE, VR::DA, &date),
        text(tags::STUDY_TIME, VR::TM, ""),
        text(tags::SERIES_TIME, VR::TM, &time),
        text(tags::CONTENT_TIME, VR::TM, &time),
        text(tags::ACCESSION_NUMBER, VR::SH, ""),
        text(tags::MODALITY, VR::CS, "SEG"),
        text(tags::MANUFACTURER, VR::LO, "bonescan"),
        text(tags::REFERRING_PHYSICIAN_NAME, VR::PN, ""),
        text(
            tags::SERIES_DESCRIPTION,
            VR::LO,
            "bonescan bone metastasis segmentation",
        ),
        text(tags::MANUFACTURER_MODEL_NAME, VR::LO, "bs-predict"),
        seq(
            tags::REFERENCED_SERIES_SEQUENCE,
            vec![InMemDicomObject::from_element_iter([
                seq(tags::REFERENCED_INSTANCE_SEQUENCE, instances),
                text(tags::SERIES_INSTANCE_UID, VR::UI, &source_series),
            ])],
        ),
        text(tags::PATIENT_NAME, VR::PN, &patient_name),
        text(
            tags::PATIENT_ID,
            VR::LO,
            meta.patient_id.as_deref().unwrap_or(""),
        ),
        text(tags::PATIENT_BIRTH_DATE, VR::DA, ""),
        text(tags::PATIENT_SEX, VR::CS, ""),
        text(tags::BODY_PART_EXAMINED, VR::CS, "WHOLEBODY"),
        text(tags::DEVICE_SERIAL_NUMBER, VR::LO, "0"),
        text(tags::SOFTWARE_VERSIONS, VR::LO, &model.predictor_version),
        text(tags::STUDY_INSTANCE_UID, VR::UI, &study_uid),
        text(tags::SERIES_INSTANCE_UID, VR::UI, &series_uid),
        text(tags::STUDY_ID, VR::SH, ""),
        text(tags::SERIES_NUMBER, VR::IS, "900"),
        text(tags::INSTANCE_NUMBER, VR::IS, "1"),
        // Type 2C without Image Orientation/Position (a planar projection has none): empty,
        // the direction of each view is that of its source frame
        text(tags::PATIENT_ORIENTATION, VR::CS, ""),
        seq(
            tags::DIMENSION_ORGANIZATION_SEQUENCE,
            vec![InMemDicomObject::from_element_iter([text(
                tags::DIMENSION_ORGANIZATION_UID,
                VR::UI,
                &dim_org_uid,
            )])],
        ),
        seq(
            tags::DIMENSION_INDEX_SEQUENCE,
            vec![
                dimension(
                    tags::REFERENCED_SEGMENT_NUMBER,
                    tags::SEGMENT_IDENTIFICATION_SEQUENCE,
                    "Segment Number",
                ),
                dimension(tags::FRAME_LABEL, tags::FRAME_CONTENT_SEQUENCE, "View"),
            ],
        ),
        us(tags::SAMPLES_PER_PIXEL, 1),
        text(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2"),
        text(tags::NUMBER_OF_FRAMES, VR::IS, &masks.len().to_string()),
        us(tags::ROWS, rows as u16),
        us(tags::COLUMNS, cols as u16),
        us(tags::BITS_ALLOCATED, 1),
        us(tags::BITS_STORED, 1),
        us(tags::HIGH_BIT, 0),
        us(tags::PIXEL_REPRESENTATION, 0),
        text(tags::LOSSY_IMAGE_COMPRESSION, VR::CS, "00"),
        text(tags::CONTENT_LABEL, VR::CS, "BONE_METASTASIS"),
        text(
            tags::CONTENT_DESCRIPTION,
            VR::LO,
            "For review by a physician; not a diagnosis",
        ),
        // Type 2, a person's name: empty, the creator is the algorithm named in the segment
        text(tags::CONTENT_CREATOR_NAME, VR::PN, ""),
        text(tags::SEGMENTATION_TYPE, VR::CS, "BINARY"),
        seq(tags::SEGMENT_SEQUENCE, vec![segment]),
        seq(tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE, vec![shared]),
        seq(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE, per_frame),
        DataElement::new(tags::PIXEL_DATA, VR::OB, PrimitiveValue::from(pixel_data)),
    ]);
    Ok(obj)
}

/// Builds and writes `seg.dcm` (explicit VR little endian).
pub fn write_seg(
    path: &Path,
    input: &PreparedInput,
    seg: &Segmentation,
    model: &ModelIdentity,
) -> Result<()> {
    let obj = build_seg(input, seg, model)?;
    let fail = |e: &dyn std::error::Error| PredictError::Seg {
        path: path.to_path_buf(),
        detail: e.to_string(),
    };
    let file = obj
        .with_meta(
            FileMetaTableBuilder::new()
                .transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN)
                .media_storage_sop_class_uid(SEGMENTATION_STORAGE)
                .implementation_class_uid(IMPLEMENTATION_CLASS_UID)
                .implementation_version_name("BONESCAN_PRED1"),
        )
        .map_err(|e| fail(&e))?;
    file.write_to_file(path).map_err(|e| fail(&e))
}
