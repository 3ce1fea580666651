//! Reading a DICOM Segmentation (PS3.3 A.51) as label masks: what `bonescan predict` writes
//! and what 3D Slicer, OHIF or highdicom write.
//!
//! - Segmentation Type `BINARY` (1 bit per pixel, frames packed contiguously) or `FRACTIONAL`
//!   (8 bits; a pixel is set when its value is at least half the Maximum Fractional Value);
//! - native (uncompressed) Pixel Data; an encapsulated one is a typed error;
//! - each frame's segment (Segment Identification Sequence) and source images (Derivation
//!   Image Sequence → Source Image Sequence: Referenced SOP Instance UID and, for a multi-frame
//!   source, Referenced Frame Number), looked up in the per-frame functional groups, then in
//!   the shared ones.
//!
//! Matching the frames to a scan's views is the caller's part (bs-preprocess).

use std::path::{Path, PathBuf};

use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use ndarray::Array2;

use crate::dicom_file::{int, items, parse, read_bytes, text};
use crate::error::{DicomError, Result};
use crate::options::ReadOptions;

/// Segmentation Storage SOP Class UID.
pub const SEGMENTATION_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.66.4";

/// One source image a SEG frame was derived from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegSource {
    /// Referenced SOP Instance UID.
    pub sop_instance_uid: String,
    /// Referenced Frame Number (1-based), when given.
    pub frame: Option<u32>,
}

/// One frame of a SEG: a binary mask of one segment on one source image (frame).
#[derive(Debug, Clone, PartialEq)]
pub struct SegFrame {
    /// Frame number in the SEG (1-based).
    pub number: usize,
    /// Referenced Segment Number.
    pub segment: u16,
    /// The source images (frames) it was derived from.
    pub sources: Vec<SegSource>,
    /// `rows × columns`, true where the segment is.
    pub mask: Array2<bool>,
}

/// A DICOM Segmentation read as masks.
#[derive(Debug, Clone, PartialEq)]
pub struct Segmentation {
    /// The file.
    pub path: PathBuf,
    /// Rows of every frame.
    pub rows: usize,
    /// Columns of every frame.
    pub columns: usize,
    /// True for a `FRACTIONAL` SEG (thresholded at half the maximum), false for `BINARY`.
    pub fractional: bool,
    /// The frames, in file order.
    pub frames: Vec<SegFrame>,
}

/// Pixel encoding of the frames.
#[derive(Debug, Clone, Copy)]
enum Encoding {
    Binary,
    Fractional { max: u8 },
}

/// Reads the SEG at `path` (size limit and structural checks of [`ReadOptions::default`]).
pub fn read_segmentation(path: &Path) -> Result<Segmentation> {
    let opts = ReadOptions::default();
    let bytes = read_bytes(path, &opts)?;
    let file = parse(path, &bytes, &opts)?;
    let obj: &InMemDicomObject = &file.obj;
    let bad = |detail: String| DicomError::Segmentation {
        path: path.to_path_buf(),
        detail,
    };
    let class = text(obj, tags::SOP_CLASS_UID).unwrap_or_default();
    if class != SEGMENTATION_STORAGE {
        return Err(bad(format!(
            "not a Segmentation (SOP Class UID {class:?}, expected {SEGMENTATION_STORAGE})"
        )));
    }
    let (rows, columns, count) = dimensions(obj).map_err(bad)?;
    let encoding = encoding(obj).map_err(bad)?;
    let masks = unpack(obj, encoding, rows, columns, count).map_err(bad)?;
    let per_frame = items(obj, tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE);
    let shared = items(obj, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE).first();
    let frames = masks
        .into_iter()
        .enumerate()
        .map(|(i, mask)| {
            let groups = [per_frame.get(i), shared];
            let frame = |e: String| bad(format!("frame {}: {e}", i + 1));
            Ok(SegFrame {
                number: i + 1,
                segment: segment_number(&groups).map_err(frame)?,
                sources: sources(&groups).map_err(frame)?,
                mask,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Segmentation {
        path: path.to_path_buf(),
        rows,
        columns,
        fractional: matches!(encoding, Encoding::Fractional { .. }),
        frames,
    })
}

/// A required positive integer attribute.
fn positive(obj: &InMemDicomObject, tag: dicom_core::Tag, name: &str) -> Result<usize, String> {
    match int(obj, tag) {
        Some(Ok(v)) if v > 0 => Ok(v as usize),
        Some(Ok(v)) => Err(format!("{name} is {v}")),
        Some(Err(e)) => Err(format!("{name}: {e}")),
        None => Err(format!("no {name}")),
    }
}

/// Rows, Columns and Number of Frames (1 when absent).
fn dimensions(obj: &InMemDicomObject) -> Result<(usize, usize, usize), String> {
    let rows = positive(obj, tags::ROWS, "Rows")?;
    let columns = positive(obj, tags::COLUMNS, "Columns")?;
    let frames = match int(obj, tags::NUMBER_OF_FRAMES) {
        None => 1,
        Some(_) => positive(obj, tags::NUMBER_OF_FRAMES, "Number of Frames")?,
    };
    Ok((rows, columns, frames))
}

/// Segmentation Type with the Bits Allocated it requires.
fn encoding(obj: &InMemDicomObject) -> Result<Encoding, String> {
    let kind = text(obj, tags::SEGMENTATION_TYPE).unwrap_or_default();
    let bits = positive(obj, tags::BITS_ALLOCATED, "Bits Allocated")?;
    match (kind.as_str(), bits) {
        ("BINARY", 1) => Ok(Encoding::Binary),
        ("FRACTIONAL", 8) => {
            let max = positive(
                obj,
                tags::MAXIMUM_FRACTIONAL_VALUE,
                "Maximum Fractional Value",
            )?;
            let max = u8::try_from(max)
                .map_err(|_| format!("Maximum Fractional Value {max} exceeds 255"))?;
            Ok(Encoding::Fractional { max })
        }
        ("BINARY" | "FRACTIONAL", _) => Err(format!(
            "Segmentation Type {kind} with Bits Allocated {bits} (BINARY needs 1, FRACTIONAL 8)"
        )),
        _ => Err(format!(
            "Segmentation Type {kind:?} is not supported (BINARY or FRACTIONAL)"
        )),
    }
}

/// The frames' masks from native Pixel Data.
fn unpack(
    obj: &InMemDicomObject,
    encoding: Encoding,
    rows: usize,
    columns: usize,
    count: usize,
) -> Result<Vec<Array2<bool>>, String> {
    let element = obj.get(tags::PIXEL_DATA).ok_or("no Pixel Data")?;
    if element.value().primitive().is_none() {
        return Err("encapsulated (compressed) Pixel Data is not supported; \
                    save the SEG uncompressed"
            .into());
    }
    let bytes = element.to_bytes().map_err(|e| e.to_string())?;
    let pixels = rows
        .checked_mul(columns)
        .and_then(|p| p.checked_mul(count))
        .ok_or("frame size overflows")?;
    let needed = match encoding {
        Encoding::Binary => pixels.div_ceil(8),
        Encoding::Fractional { .. } => pixels,
    };
    if bytes.len() < needed {
        return Err(format!(
            "Pixel Data holds {} bytes, {count} frame(s) of {rows}×{columns} need {needed}",
            bytes.len()
        ));
    }
    let set = |i: usize| match encoding {
        Encoding::Binary => bytes[i / 8] >> (i % 8) & 1 == 1,
        Encoding::Fractional { max } => bytes[i] > 0 && 2 * u16::from(bytes[i]) >= u16::from(max),
    };
    let frame = rows * columns;
    Ok((0..count)
        .map(|f| Array2::from_shape_fn((rows, columns), |(r, c)| set(f * frame + r * columns + c)))
        .collect())
}

/// The first item of `tag` in the first functional group (per-frame, then shared) holding it.
fn group_item<'a>(
    groups: &[Option<&'a InMemDicomObject>; 2],
    tag: dicom_core::Tag,
) -> Option<&'a InMemDicomObject> {
    groups.iter().flatten().find_map(|g| items(g, tag).first())
}

fn segment_number(groups: &[Option<&InMemDicomObject>; 2]) -> Result<u16, String> {
    let item = group_item(groups, tags::SEGMENT_IDENTIFICATION_SEQUENCE)
        .ok_or("no Segment Identification Sequence")?;
    match int(item, tags::REFERENCED_SEGMENT_NUMBER) {
        Some(Ok(n)) if (1..=i64::from(u16::MAX)).contains(&n) => Ok(n as u16),
        Some(Ok(n)) => Err(format!("Referenced Segment Number {n}")),
        Some(Err(e)) => Err(format!("Referenced Segment Number: {e}")),
        None => Err("no Referenced Segment Number".into()),
    }
}

fn sources(groups: &[Option<&InMemDicomObject>; 2]) -> Result<Vec<SegSource>, String> {
    let derivation = group_item(groups, tags::DERIVATION_IMAGE_SEQUENCE)
        .ok_or("no Derivation Image Sequence: the source image it segments is unknown")?;
    let mut out = Vec::new();
    for item in items(derivation, tags::SOURCE_IMAGE_SEQUENCE) {
        let uid = text(item, tags::REFERENCED_SOP_INSTANCE_UID)
            .ok_or("a Source Image Sequence item has no Referenced SOP Instance UID")?;
        let frame = match int(item, tags::REFERENCED_FRAME_NUMBER) {
            None => None,
            Some(Ok(n)) if (1..=i64::from(u32::MAX)).contains(&n) => Some(n as u32),
            Some(Ok(n)) => return Err(format!("Referenced Frame Number {n}")),
            Some(Err(e)) => return Err(format!("Referenced Frame Number: {e}")),
        };
        out.push(SegSource {
            sop_instance_uid: uid,
            frame,
        });
    }
    if out.is_empty() {
        return Err("no Source Image Sequence: the source image it segments is unknown".into());
    }
    Ok(out)
}
