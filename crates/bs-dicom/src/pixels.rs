//! Pixel geometry checks and decoding to counts.
//!
//! Stored value `v` (unsigned, or two's complement sign-extended from Bits Stored) becomes counts
//! `c = v · slope + intercept` with Rescale Slope (0028,1053) and Intercept (0028,1052)
//! (1 and 0 when absent), computed in f64 and stored as f32 (exact for |c| < 2²⁴).

use dicom_core::value::DicomValueType;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use dicom_pixeldata::PixelDecoder;
use ndarray::Array2;

use crate::dicom_file::{floats, int, text, transfer_syntax_name, DicomFile};
use crate::error::{Error, Result};
use crate::options::ReadOptions;

/// Image geometry and sample format, validated before any decoding.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Geometry {
    pub rows: usize,
    pub columns: usize,
    pub frames: usize,
    pub bits_allocated: u16,
    pub bits_stored: u16,
    pub signed: bool,
    pub slope: f64,
    pub intercept: f64,
    pub photometric: String,
}

impl Geometry {
    /// Bytes of one native frame.
    pub fn frame_bytes(&self) -> usize {
        self.rows * self.columns * usize::from(self.bits_allocated / 8)
    }
}

fn required(file: &DicomFile, tag: dicom_core::Tag, name: &'static str) -> Result<i64> {
    match int(&file.obj, tag) {
        None => Err(Error::MissingAttribute {
            path: file.path.clone(),
            name,
        }),
        Some(Err(reason)) => Err(Error::InvalidAttribute {
            path: file.path.clone(),
            name,
            reason,
        }),
        Some(Ok(v)) => Ok(v),
    }
}

/// Number of Frames (0028,0008), 1 when absent.
pub(crate) fn frame_count(file: &DicomFile) -> Result<i64> {
    match int(&file.obj, tags::NUMBER_OF_FRAMES) {
        None => Ok(1),
        Some(Ok(n)) => Ok(n),
        Some(Err(reason)) => Err(Error::InvalidAttribute {
            path: file.path.clone(),
            name: "Number of Frames (0028,0008)",
            reason,
        }),
    }
}

/// Reads and validates the geometry: 1 sample per pixel, 8 or 16 bits, 1 or 2 frames, and a
/// declared size under [`ReadOptions::max_image_bytes`].
pub(crate) fn geometry(file: &DicomFile, opts: &ReadOptions) -> Result<Geometry> {
    let path = || file.path.clone();
    let obj: &InMemDicomObject = &file.obj;
    if obj.get(tags::PIXEL_DATA).is_none() {
        return Err(Error::NoPixelData { path: path() });
    }
    let rows = required(file, tags::ROWS, "Rows (0028,0010)")?;
    let columns = required(file, tags::COLUMNS, "Columns (0028,0011)")?;
    let bits_allocated = required(file, tags::BITS_ALLOCATED, "Bits Allocated (0028,0100)")?;
    let frames = frame_count(file)?;
    let samples = int(obj, tags::SAMPLES_PER_PIXEL)
        .and_then(|r| r.ok())
        .unwrap_or(1);
    if rows <= 0 || columns <= 0 {
        return Err(Error::InvalidAttribute {
            path: path(),
            name: "Rows/Columns (0028,0010/0011)",
            reason: format!("{rows}×{columns} is empty"),
        });
    }
    if !(1..=2).contains(&frames) {
        return Err(Error::FrameCount {
            path: path(),
            frames: frames.max(0) as u64,
        });
    }
    if bits_allocated != 8 && bits_allocated != 16 {
        return Err(Error::UnsupportedPixelFormat {
            path: path(),
            reason: format!("Bits Allocated {bits_allocated}; count images use 8 or 16"),
        });
    }
    // checked in u128 so that no declared value can overflow the product
    let bytes = rows as u128
        * columns as u128
        * frames as u128
        * (bits_allocated as u128 / 8)
        * samples.max(1) as u128;
    if bytes > u128::from(opts.max_image_bytes) {
        return Err(Error::ImageTooLarge {
            path: path(),
            rows: rows as u64,
            columns: columns as u64,
            frames: frames as u64,
            bits_allocated: bits_allocated as u64,
            bytes: bytes.min(u128::from(u64::MAX)) as u64,
            limit: opts.max_image_bytes,
        });
    }
    if samples != 1 {
        return Err(Error::UnsupportedPixelFormat {
            path: path(),
            reason: format!("{samples} samples per pixel; a count image has 1"),
        });
    }
    let photometric =
        text(obj, tags::PHOTOMETRIC_INTERPRETATION).unwrap_or_else(|| "MONOCHROME2".into());
    if photometric != "MONOCHROME2" && photometric != "MONOCHROME1" {
        return Err(Error::UnsupportedPixelFormat {
            path: path(),
            reason: format!(
                "Photometric Interpretation {photometric}; a count image is MONOCHROME1/2"
            ),
        });
    }
    let bits_stored = match int(obj, tags::BITS_STORED) {
        Some(Ok(b)) if (1..=bits_allocated).contains(&b) => b,
        Some(Ok(b)) => {
            return Err(Error::InvalidAttribute {
                path: path(),
                name: "Bits Stored (0028,0101)",
                reason: format!("{b} with Bits Allocated {bits_allocated}"),
            })
        }
        _ => bits_allocated,
    };
    let signed = int(obj, tags::PIXEL_REPRESENTATION)
        .and_then(|r| r.ok())
        .unwrap_or(0)
        == 1;
    let slope = floats(obj, tags::RESCALE_SLOPE)
        .first()
        .copied()
        .unwrap_or(1.0);
    let intercept = floats(obj, tags::RESCALE_INTERCEPT)
        .first()
        .copied()
        .unwrap_or(0.0);
    if !slope.is_finite() || !intercept.is_finite() || slope == 0.0 {
        return Err(Error::InvalidAttribute {
            path: path(),
            name: "Rescale Slope/Intercept (0028,1053/1052)",
            reason: format!("slope {slope}, intercept {intercept}"),
        });
    }
    Ok(Geometry {
        rows: rows as usize,
        columns: columns as usize,
        frames: frames as usize,
        bits_allocated: bits_allocated as u16,
        bits_stored: bits_stored as u16,
        signed,
        slope,
        intercept,
        photometric,
    })
}

/// Decodes all frames to counts: one rows × columns array per frame.
pub(crate) fn decode(file: &DicomFile, geom: &Geometry) -> Result<Vec<Array2<f32>>> {
    let path = || file.path.clone();
    let ts = dicom_transfer_syntax_registry::TransferSyntaxRegistry;
    let ts = dicom_encoding::transfer_syntax::TransferSyntaxIndex::get(&ts, &file.transfer_syntax);
    let frame_bytes = geom.frame_bytes();
    let needed = frame_bytes * geom.frames;
    let elem = file
        .obj
        .get(tags::PIXEL_DATA)
        .ok_or_else(|| Error::NoPixelData { path: path() })?;
    let big_endian = file.transfer_syntax == crate::guard::EXPLICIT_VR_BE;
    let size_error = |found: usize| Error::PixelDataSize {
        path: path(),
        rows: geom.rows as u64,
        columns: geom.columns as u64,
        frames: geom.frames as u64,
        expected: needed as u64,
        found: found as u64,
    };
    let pixels = geom.rows * geom.columns;
    if let Some(prim) = elem.value().primitive() {
        use dicom_core::PrimitiveValue as P;
        // native (uncompressed) pixel data: convert straight from the element, no copy
        return match (prim, geom.bits_allocated) {
            (P::U16(words), 16) => {
                if words.len() * 2 < needed {
                    return Err(size_error(words.len() * 2));
                }
                Ok(frames_from(geom, |f, dst| {
                    convert(geom, words[f * pixels..].iter().copied(), dst)
                }))
            }
            (P::U8(bytes), 16) => {
                if bytes.len() < needed {
                    return Err(size_error(bytes.len()));
                }
                Ok(frames_from(geom, |f, dst| {
                    let words = bytes[f * frame_bytes..(f + 1) * frame_bytes].chunks_exact(2);
                    if big_endian {
                        convert(geom, words.map(|b| u16::from_be_bytes([b[0], b[1]])), dst)
                    } else {
                        convert(geom, words.map(|b| u16::from_le_bytes([b[0], b[1]])), dst)
                    }
                }))
            }
            (P::U8(bytes), 8) => {
                if bytes.len() < needed {
                    return Err(size_error(bytes.len()));
                }
                Ok(frames_from(geom, |f, dst| {
                    convert(geom, bytes[f * pixels..].iter().map(|&b| u16::from(b)), dst)
                }))
            }
            (P::U16(words), 8) => {
                // OW holding 8-bit samples: two samples per word, low byte first
                if words.len() * 2 < needed {
                    return Err(size_error(words.len() * 2));
                }
                Ok(frames_from(geom, |f, dst| {
                    let samples = words
                        .iter()
                        .flat_map(|w| w.to_le_bytes())
                        .skip(f * pixels)
                        .map(u16::from);
                    convert(geom, samples, dst)
                }))
            }
            (P::Empty, _) => Err(size_error(0)),
            (other, _) => Err(Error::UnsupportedPixelFormat {
                path: path(),
                reason: format!("Pixel Data stored as {:?} values", other.value_type()),
            }),
        };
    }
    // encapsulated: a codec from the transfer syntax registry
    if let Some(ts) = ts {
        if !ts.can_decode_all() {
            return Err(Error::UnsupportedTransferSyntax {
                path: path(),
                uid: file.transfer_syntax.clone(),
                name: transfer_syntax_name(&file.transfer_syntax),
                reason: "no pixel data decoder in this build".into(),
            });
        }
    }
    // third-party codecs see attacker-controlled bytes: a panic in one becomes a typed error
    let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        file.obj.decode_pixel_data()
    }))
    .map_err(|panic| Error::Decode {
        path: path(),
        detail: format!(
            "codec panicked: {}",
            panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("unknown panic")
        ),
    })?
    .map_err(|e| Error::Decode {
        path: path(),
        detail: crate::dicom_file::error_chain(&e),
    })?;
    let data = decoded.data();
    if decoded.bits_allocated() != geom.bits_allocated
        || decoded.rows() as usize != geom.rows
        || decoded.columns() as usize != geom.columns
    {
        return Err(Error::Decode {
            path: path(),
            detail: format!(
                "decoder returned {}×{} at {} bits, header says {}×{} at {}",
                decoded.rows(),
                decoded.columns(),
                decoded.bits_allocated(),
                geom.rows,
                geom.columns,
                geom.bits_allocated
            ),
        });
    }
    if data.len() < needed {
        return Err(size_error(data.len()));
    }
    Ok(frames_from(geom, |f, dst| {
        let frame = &data[f * frame_bytes..(f + 1) * frame_bytes];
        match geom.bits_allocated {
            16 => convert(
                geom,
                frame
                    .chunks_exact(2)
                    .map(|b| u16::from_le_bytes([b[0], b[1]])),
                dst,
            ),
            _ => convert(geom, frame.iter().map(|&b| u16::from(b)), dst),
        }
    }))
}

/// One array per frame, each filled by `fill(frame_index, destination)`.
fn frames_from(geom: &Geometry, mut fill: impl FnMut(usize, &mut [f32])) -> Vec<Array2<f32>> {
    (0..geom.frames)
        .map(|f| {
            let mut frame = Array2::<f32>::zeros((geom.rows, geom.columns));
            fill(f, frame.as_slice_mut().expect("fresh array is contiguous"));
            frame
        })
        .collect()
}

/// Stored samples → counts into `dst` (stops when `dst` is full). The sample mapping is chosen
/// once, outside the loop, so that the common case (unsigned 16-bit, no rescale) is a plain
/// widening loop the compiler vectorises.
fn convert(geom: &Geometry, samples: impl Iterator<Item = u16>, dst: &mut [f32]) {
    let bits = u32::from(geom.bits_stored);
    let mask: u32 = if bits >= 16 {
        0xFFFF
    } else {
        (1u32 << bits) - 1
    };
    let identity = geom.slope == 1.0 && geom.intercept == 0.0;
    let (slope, intercept) = (geom.slope, geom.intercept);
    let stored = move |s: u16| -> i32 {
        let v = u32::from(s) & mask;
        if v & (1 << (bits - 1)) != 0 {
            v as i32 - (1i32 << bits)
        } else {
            v as i32
        }
    };
    fn fill(samples: impl Iterator<Item = u16>, dst: &mut [f32], f: impl Fn(u16) -> f32) {
        for (d, s) in dst.iter_mut().zip(samples) {
            *d = f(s);
        }
    }
    match (geom.signed, identity, mask == 0xFFFF) {
        (false, true, true) => fill(samples, dst, f32::from),
        (false, true, false) => fill(samples, dst, |s| (u32::from(s) & mask) as f32),
        (false, false, _) => fill(samples, dst, |s| {
            (f64::from(u32::from(s) & mask) * slope + intercept) as f32
        }),
        (true, true, _) => fill(samples, dst, |s| stored(s) as f32),
        (true, false, _) => fill(samples, dst, |s| {
            (f64::from(stored(s)) * slope + intercept) as f32
        }),
    }
}
