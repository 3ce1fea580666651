//! Opening one DICOM file: size limit, structural pre-check, transfer syntax, parse.

use std::path::{Path, PathBuf};

use dicom_core::Tag;
use dicom_encoding::transfer_syntax::TransferSyntaxIndex;
use dicom_object::file::ReadPreamble;
use dicom_object::{DefaultDicomObject, InMemDicomObject, OpenFileOptions};
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;

use crate::error::{DicomError, Result};
use crate::guard::{self, GuardError};
use crate::options::ReadOptions;

/// A parsed DICOM file with the facts later steps need.
pub(crate) struct DicomFile {
    /// Where it came from.
    pub path: PathBuf,
    /// The parsed object (meta group + data set).
    pub obj: DefaultDicomObject,
    /// Transfer Syntax UID.
    pub transfer_syntax: String,
    /// True when `obj` holds only the header and the native Pixel Data is read from the file
    /// directly (the fast path, [`crate::native`]).
    pub external_pixel_data: bool,
}

/// Reads the file at `path` into memory, refusing it when larger than the limit.
pub(crate) fn read_bytes(path: &Path, opts: &ReadOptions) -> Result<Vec<u8>> {
    let io = |action, source| DicomError::Io {
        path: path.to_path_buf(),
        action,
        source,
    };
    let size = std::fs::metadata(path).map_err(|e| io("stat", e))?.len();
    if size > opts.max_file_bytes {
        return Err(DicomError::FileTooLarge {
            path: path.to_path_buf(),
            size,
            limit: opts.max_file_bytes,
        });
    }
    std::fs::read(path).map_err(|e| io("read", e))
}

/// Human name of a transfer syntax UID ("unknown" when the registry does not know it).
pub(crate) fn transfer_syntax_name(uid: &str) -> String {
    TransferSyntaxRegistry
        .get(uid)
        .map(|ts| ts.name().to_string())
        .unwrap_or_else(|| String::from("unknown"))
}

/// Parses DICOM `bytes` that came from `path`.
pub(crate) fn parse(path: &Path, bytes: &[u8], opts: &ReadOptions) -> Result<DicomFile> {
    parse_with(path, bytes, bytes.len(), opts, None)
}

/// [`parse`] of the header of a file whose Pixel Data element starts at `pixel_data` and
/// whose value starts at the end of `bytes` (the fast path): the structural check covers the
/// bytes before the element (the element itself was checked by
/// [`guard::native_pixel_data`]), and parsing stops at its header instead of running into the
/// end of the bytes — an error dicom-rs recovers from, but only after capturing a backtrace
/// when `RUST_BACKTRACE` is set (a measurable share of a whole scan's preparation,
/// `docs/measurements.md`).
pub(crate) fn parse_header(
    path: &Path,
    bytes: &[u8],
    pixel_data: usize,
    opts: &ReadOptions,
) -> Result<DicomFile> {
    parse_with(
        path,
        bytes,
        pixel_data,
        opts,
        Some(dicom_dictionary_std::tags::PIXEL_DATA),
    )
}

/// Checks `bytes[..checked]`, then parses `bytes` (up to `until`, exclusive, when given).
fn parse_with(
    path: &Path,
    bytes: &[u8],
    checked: usize,
    opts: &ReadOptions,
    until: Option<Tag>,
) -> Result<DicomFile> {
    let layout = guard::check(&bytes[..checked], opts.max_file_bytes.saturating_mul(4)).map_err(
        |e| match e {
            GuardError::NotDicom(reason) => DicomError::NotDicom {
                path: path.to_path_buf(),
                reason,
            },
            GuardError::Malformed { offset, reason } => DicomError::Malformed {
                path: path.to_path_buf(),
                offset,
                reason,
            },
        },
    )?;
    let uid = layout.transfer_syntax.clone();
    let unsupported = |reason: &str| DicomError::UnsupportedTransferSyntax {
        path: path.to_path_buf(),
        uid: uid.clone(),
        name: transfer_syntax_name(&uid),
        reason: reason.to_string(),
    };
    match TransferSyntaxRegistry.get(&uid) {
        None => return Err(unsupported("unknown transfer syntax UID")),
        Some(ts) if !ts.can_decode_dataset() => {
            return Err(unsupported("no data set decoder in this build"))
        }
        Some(_) => {}
    }
    let options = OpenFileOptions::new().read_preamble(ReadPreamble::Never);
    let options = match until {
        Some(tag) => options.read_until(tag),
        None => options,
    };
    let obj = options
        .from_reader(&bytes[layout.magic_offset..])
        .map_err(|e| DicomError::Malformed {
            path: path.to_path_buf(),
            offset: 0,
            reason: crate::error::chain(&e),
        })?;
    Ok(DicomFile {
        path: path.to_path_buf(),
        obj,
        transfer_syntax: uid,
        external_pixel_data: false,
    })
}

/// A string attribute, trimmed; `None` when absent, empty or not text.
pub(crate) fn text(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let s = obj.get(tag)?.to_str().ok()?;
    let s = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    (!s.is_empty()).then(|| s.to_string())
}

/// An integer attribute (first value); `None` when absent or empty, `Some(Err)` when present
/// but not an integer.
pub(crate) fn int(obj: &InMemDicomObject, tag: Tag) -> Option<Result<i64, String>> {
    let elem = obj.get(tag)?;
    if elem
        .value()
        .primitive()
        .is_some_and(|p| p.multiplicity() == 0)
    {
        return None;
    }
    Some(elem.to_int::<i64>().map_err(|e| e.to_string()))
}

/// All integer values of an attribute (empty when absent or unreadable).
pub(crate) fn ints(obj: &InMemDicomObject, tag: Tag) -> Vec<i64> {
    obj.get(tag)
        .and_then(|e| e.to_multi_int::<i64>().ok())
        .unwrap_or_default()
}

/// All float values of an attribute (empty when absent or unreadable).
pub(crate) fn floats(obj: &InMemDicomObject, tag: Tag) -> Vec<f64> {
    obj.get(tag)
        .and_then(|e| e.to_multi_float64().ok())
        .unwrap_or_default()
}

/// Items of a sequence attribute (empty when absent or not a sequence).
pub(crate) fn items(obj: &InMemDicomObject, tag: Tag) -> &[InMemDicomObject] {
    obj.get(tag).and_then(|e| e.items()).unwrap_or(&[])
}
