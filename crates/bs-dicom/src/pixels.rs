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
use crate::error::{DicomError, Result};
use crate::options::ReadOptions;
use crate::view::CountStats;

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
    /// The mask of the stored bits (Bits Stored) and, for signed samples, their sign bit (0 for
    /// unsigned ones).
    pub fn stored_bits(&self) -> (u16, u16) {
        let bits = u32::from(self.bits_stored).clamp(1, 16);
        let mask = (u32::MAX >> (32 - bits)) as u16;
        let sign = if self.signed { 1u16 << (bits - 1) } else { 0 };
        (mask, sign)
    }

    /// Bytes of one native frame.
    pub fn frame_bytes(&self) -> usize {
        self.rows * self.columns * usize::from(self.bits_allocated / 8)
    }
}

fn required(file: &DicomFile, tag: dicom_core::Tag, name: &'static str) -> Result<i64> {
    match int(&file.obj, tag) {
        None => Err(DicomError::MissingAttribute {
            path: file.path.clone(),
            name,
        }),
        Some(Err(reason)) => Err(DicomError::InvalidAttribute {
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
        Some(Err(reason)) => Err(DicomError::InvalidAttribute {
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
    if !file.external_pixel_data && obj.get(tags::PIXEL_DATA).is_none() {
        return Err(DicomError::NoPixelData { path: path() });
    }
    let rows = required(file, tags::ROWS, "Rows (0028,0010)")?;
    let columns = required(file, tags::COLUMNS, "Columns (0028,0011)")?;
    let bits_allocated = required(file, tags::BITS_ALLOCATED, "Bits Allocated (0028,0100)")?;
    let frames = frame_count(file)?;
    let samples = int(obj, tags::SAMPLES_PER_PIXEL)
        .and_then(|r| r.ok())
        .unwrap_or(1);
    if rows <= 0 || columns <= 0 {
        return Err(DicomError::InvalidAttribute {
            path: path(),
            name: "Rows/Columns (0028,0010/0011)",
            reason: format!("{rows}×{columns} is empty"),
        });
    }
    if !(1..=2).contains(&frames) {
        return Err(DicomError::FrameCount {
            path: path(),
            frames: frames.max(0) as u64,
        });
    }
    if bits_allocated != 8 && bits_allocated != 16 {
        return Err(DicomError::UnsupportedPixelFormat {
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
        return Err(DicomError::ImageTooLarge {
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
        return Err(DicomError::UnsupportedPixelFormat {
            path: path(),
            reason: format!("{samples} samples per pixel; a count image has 1"),
        });
    }
    let photometric =
        text(obj, tags::PHOTOMETRIC_INTERPRETATION).unwrap_or_else(|| "MONOCHROME2".into());
    if photometric != "MONOCHROME2" && photometric != "MONOCHROME1" {
        return Err(DicomError::UnsupportedPixelFormat {
            path: path(),
            reason: format!(
                "Photometric Interpretation {photometric}; a count image is MONOCHROME1/2"
            ),
        });
    }
    let bits_stored = match int(obj, tags::BITS_STORED) {
        Some(Ok(b)) if (1..=bits_allocated).contains(&b) => b,
        Some(Ok(b)) => {
            return Err(DicomError::InvalidAttribute {
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
        return Err(DicomError::InvalidAttribute {
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
pub(crate) fn decode(file: &DicomFile, geom: &Geometry) -> Result<Vec<Frame>> {
    decode_into(file, geom).map(|frames| frames.expect("f32 frames take any sample"))
}

/// [`decode`] to 16-bit counts as stored; `None` when the samples are not (rescaled, or a
/// negative value).
pub(crate) fn decode_counts(file: &DicomFile, geom: &Geometry) -> Result<Option<Vec<Frame<u16>>>> {
    decode_into(file, geom)
}

/// [`decode`] into frames of `P`; `None` when the samples cannot be `P` ([`Output::finish`]).
fn decode_into<P: Output>(file: &DicomFile, geom: &Geometry) -> Result<Option<Vec<Frame<P>>>> {
    let path = || file.path.clone();
    let ts = dicom_transfer_syntax_registry::TransferSyntaxRegistry;
    let ts = dicom_encoding::transfer_syntax::TransferSyntaxIndex::get(&ts, &file.transfer_syntax);
    let frame_bytes = geom.frame_bytes();
    let needed = frame_bytes * geom.frames;
    let elem = file
        .obj
        .get(tags::PIXEL_DATA)
        .ok_or_else(|| DicomError::NoPixelData { path: path() })?;
    let big_endian = file.transfer_syntax == crate::guard::EXPLICIT_VR_BE;
    let size_error = |found: usize| DicomError::PixelDataSize {
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
                    dst.extend(words[f * pixels..].iter().copied())
                }))
            }
            (P::U8(bytes), 16) => {
                if bytes.len() < needed {
                    return Err(size_error(bytes.len()));
                }
                Ok(frames_from(geom, |f, dst| {
                    let frame = &bytes[f * frame_bytes..(f + 1) * frame_bytes];
                    if big_endian {
                        dst.extend(
                            frame
                                .chunks_exact(2)
                                .map(|b| u16::from_be_bytes([b[0], b[1]])),
                        )
                    } else {
                        dst.extend_le(frame, 16)
                    }
                }))
            }
            (P::U8(bytes), 8) => {
                if bytes.len() < needed {
                    return Err(size_error(bytes.len()));
                }
                Ok(frames_from(geom, |f, dst| {
                    dst.extend_le(&bytes[f * pixels..(f + 1) * pixels], 8)
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
                    dst.extend(samples)
                }))
            }
            (P::Empty, _) => Err(size_error(0)),
            (other, _) => Err(DicomError::UnsupportedPixelFormat {
                path: path(),
                reason: format!("Pixel Data stored as {:?} values", other.value_type()),
            }),
        };
    }
    if file.transfer_syntax == RLE_LOSSLESS {
        let data = rle_frames(file, geom, elem.value().fragments().unwrap_or(&[]))?;
        return Ok(frames_from(geom, |f, dst| {
            dst.extend_le(
                &data[f * frame_bytes..(f + 1) * frame_bytes],
                geom.bits_allocated,
            )
        }));
    }
    // encapsulated: a codec from the transfer syntax registry
    if let Some(ts) = ts {
        if !ts.can_decode_all() {
            return Err(DicomError::UnsupportedTransferSyntax {
                path: path(),
                uid: file.transfer_syntax.clone(),
                name: transfer_syntax_name(&file.transfer_syntax),
                reason: "no pixel data decoder in this build".into(),
            });
        }
    }
    // the codecs allocate what their codestreams declare: that must be the header's size
    crate::codestream::check(
        elem.value().fragments().unwrap_or(&[]),
        geom.rows,
        geom.columns,
    )
    .map_err(|detail| DicomError::Decode {
        path: path(),
        detail,
    })?;
    // third-party codecs see attacker-controlled bytes: a panic in one becomes a typed error
    let decoded = crate::codec_panic::catch_quietly(|| file.obj.decode_pixel_data())
        .map_err(|panic| DicomError::Decode {
            path: path(),
            detail: format!("codec panicked: {panic}"),
        })?
        .map_err(|e| DicomError::Decode {
            path: path(),
            detail: crate::error::chain(&e),
        })?;
    let data = decoded.data();
    if decoded.bits_allocated() != geom.bits_allocated
        || decoded.rows() as usize != geom.rows
        || decoded.columns() as usize != geom.columns
    {
        return Err(DicomError::Decode {
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
        dst.extend_le(
            &data[f * frame_bytes..(f + 1) * frame_bytes],
            geom.bits_allocated,
        )
    }))
}
/// RLE Lossless (1.2.840.10008.1.2.5), decoded by [`crate::rle`] instead of the registry's codec.
const RLE_LOSSLESS: &str = "1.2.840.10008.1.2.5";

/// The frames of RLE Lossless pixel data, one fragment each, as little-endian samples
/// (`geom.frames` × [`Geometry::frame_bytes`]; bounded as [`crate::rle`] states).
fn rle_frames(file: &DicomFile, geom: &Geometry, fragments: &[Vec<u8>]) -> Result<Vec<u8>> {
    let decode_error = |detail| DicomError::Decode {
        path: file.path.clone(),
        detail,
    };
    if fragments.len() < geom.frames {
        return Err(decode_error(format!(
            "RLE Lossless pixel data has {} fragments for {} frames (one per frame)",
            fragments.len(),
            geom.frames
        )));
    }
    let mut data = Vec::new();
    let bytes_per_sample = usize::from(geom.bits_allocated / 8);
    for (f, fragment) in fragments[..geom.frames].iter().enumerate() {
        crate::rle::decode_frame(
            fragment,
            geom.rows * geom.columns,
            bytes_per_sample,
            &mut data,
        )
        .map_err(|e| decode_error(format!("RLE Lossless frame {}: {e}", f + 1)))?;
    }
    Ok(data)
}

/// One decoded frame: counts, and their statistics when they came for free (integer counts,
/// computed while converting; [`CountStats::of`] gives the same values).
#[derive(Debug)]
pub(crate) struct Frame<P = f32> {
    pub pixels: Array2<P>,
    pub stats: Option<CountStats>,
}

/// One frame per `geom.frames`, each filled by `fill(frame_index, builder)`; `None` when a
/// frame cannot be made of `P` ([`Output::finish`]).
fn frames_from<P: Output>(
    geom: &Geometry,
    mut fill: impl FnMut(usize, &mut FrameBuilder<P>),
) -> Option<Vec<Frame<P>>> {
    (0..geom.frames)
        .map(|f| {
            let mut builder = FrameBuilder::new(geom);
            fill(f, &mut builder);
            builder.finish()
        })
        .collect()
}

/// Samples are converted in blocks of this many, small enough to stay in L1.
const BLOCK: usize = 2048;

/// How stored samples become counts, chosen once per frame so that each block is a plain loop
/// the compiler vectorises.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Mapping {
    /// Unsigned, no rescale: `v & mask` (the usual case; statistics are kept on the way).
    Unsigned { mask: u16 },
    /// Unsigned, rescaled: `(v & mask) · slope + intercept` in f64.
    UnsignedRescaled {
        mask: u16,
        slope: f64,
        intercept: f64,
    },
    /// Two's complement from `bits`, optionally rescaled.
    Signed {
        bits: u32,
        slope: f64,
        intercept: f64,
        identity: bool,
    },
}

/// Min, max and sum of unsigned integer counts; exact, so equal to the f32/f64 statistics of
/// [`CountStats::of`] whatever the order of summation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IntStats {
    min: f32,
    max: f32,
    sum: u64,
}

impl IntStats {
    pub(crate) fn new() -> IntStats {
        IntStats {
            min: f32::INFINITY,
            max: f32::NEG_INFINITY,
            sum: 0,
        }
    }

    /// The statistics of `n` added samples (`None` for none).
    pub(crate) fn count_stats(self, n: usize) -> Option<CountStats> {
        (n > 0).then(|| CountStats {
            min: f64::from(self.min),
            max: f64::from(self.max),
            mean: self.sum as f64 / n as f64,
            sum: self.sum as f64,
        })
    }

    /// Adds a block of (at most [`BLOCK`]) samples. Integer min, max and sum are exact in any
    /// order, so the loops vectorise (an f32 min/max or an f64 sum would not: NaN and rounding
    /// rules fix their order); the sum of a block, ≤ BLOCK · 65535 < 2³², fits a u32.
    #[inline(always)]
    fn add(&mut self, block: &[u16]) {
        let lo = block.iter().copied().fold(u16::MAX, u16::min);
        let hi = block.iter().copied().fold(0, u16::max);
        let sum: u32 = block.iter().map(|&v| u32::from(v)).sum();
        if !block.is_empty() {
            self.min = self.min.min(f32::from(lo));
            self.max = self.max.max(f32::from(hi));
        }
        self.sum += u64::from(sum);
    }
}

bs_simd::vectorised! {
    /// The usual case of [`FrameBuilder::push_block`]: masks `block` to the stored bits, adds it
    /// to `stats` and appends it to `values` as f32 counts.
    ///
    /// Compiled for AVX2 too ([`bs_simd::vectorised!`]): half the instructions for the
    /// widening and a native unsigned 16-bit min/max, where the SSE2 baseline has only the
    /// signed one — about a quarter of a file's read time. Integer work and exact u16 → f32
    /// conversion, so both variants give identical results (tested).
    fn widen_unsigned, widen_unsigned_baseline(
        block: &mut [u16],
        mask: u16,
        stats: Option<&mut IntStats>,
        values: &mut Vec<f32>,
    ) {
        if mask != 0xFFFF {
            block.iter_mut().for_each(|v| *v &= mask);
        }
        // statistics on the integers, in cache, before the block is widened to f32
        if let Some(stats) = stats {
            stats.add(block);
        }
        values.extend(block.iter().map(|&v| f32::from(v)));
    }
}

bs_simd::vectorised! {
    /// Stored samples as 16-bit counts, in place: masks them to their `mask` bits and adds
    /// them to `stats`; `false` when one has the `sign` bit set (a negative two's-complement
    /// value; `sign` is 0 for unsigned data). The counts and statistics are those the `f32`
    /// path ([`FrameBuilder`]) gives for the same samples.
    pub(crate) fn mask_counts, mask_counts_baseline(
        samples: &mut [u16],
        mask: u16,
        sign: u16,
        stats: &mut IntStats,
    ) -> bool {
        let mut any_sign = 0u16;
        for block in samples.chunks_mut(BLOCK) {
            if mask != 0xFFFF {
                block.iter_mut().for_each(|v| *v &= mask);
            }
            any_sign |= block.iter().fold(0, |acc, &v| acc | v) & sign;
            stats.add(block);
        }
        any_sign == 0
    }
}

bs_simd::vectorised! {
    /// `values` as 16-bit counts when every one is an integer in `0..=65535`; otherwise the
    /// index of the first that is not.
    pub(crate) fn narrow_counts, narrow_counts_baseline(values: &[f32]) -> Result<Vec<u16>, usize> {
        // for 0 ≤ v < 2²³, adding and subtracting 2²³ rounds v to an integer in f32;
        // branch-free, so the check vectorises (NaN fails every comparison)
        const ROUNDER: f32 = 8_388_608.0;
        let count = |v: f32| (0.0..=65_535.0).contains(&v) & ((v + ROUNDER) - ROUNDER == v);
        if values.iter().fold(true, |ok, &v| ok & count(v)) {
            Ok(values.iter().map(|&v| v as u16).collect())
        } else {
            Err(values.iter().position(|&v| !count(v)).unwrap_or(0))
        }
    }
}

/// What a frame's counts are made of: `f32` (any mapping) or `u16` (the stored integers, when
/// they are counts: no rescale, no negative value).
pub(crate) trait Output: Sized {
    /// Converts one block of stored samples and appends it (for `u16`: clears
    /// [`FrameBuilder::counts`] when they are not counts).
    fn push_block(builder: &mut FrameBuilder<Self>, block: &mut [u16]);
    /// Whether samples mapped by `mapping` are integer counts, whose statistics are made on
    /// the way.
    fn integer_stats(mapping: &Mapping) -> bool;
}

/// Converts the stored samples of one frame to counts, block by block, without zero-filling
/// the output first.
pub(crate) struct FrameBuilder<P = f32> {
    rows: usize,
    columns: usize,
    mapping: Mapping,
    values: Vec<P>,
    stats: Option<IntStats>,
    /// For `u16` output: false once a sample was not a count.
    counts: bool,
    /// `(mask, sign bit)` of the stored samples ([`Geometry::stored_bits`]).
    stored_bits: (u16, u16),
}

impl<P: Output> FrameBuilder<P> {
    pub(crate) fn new(geom: &Geometry) -> Self {
        Self::new_in(geom, Vec::new())
    }

    /// [`Self::new`] writing into `buffer` (cleared first): a recycled buffer keeps its
    /// memory mapped, so the frame costs no page faults (see [`crate::ScanReader`]).
    pub(crate) fn new_in(geom: &Geometry, mut buffer: Vec<P>) -> Self {
        let bits = u32::from(geom.bits_stored);
        let (mask, _) = geom.stored_bits();
        let identity = geom.slope == 1.0 && geom.intercept == 0.0;
        let (slope, intercept) = (geom.slope, geom.intercept);
        let mapping = match (geom.signed, identity) {
            (false, true) => Mapping::Unsigned { mask },
            (false, false) => Mapping::UnsignedRescaled {
                mask,
                slope,
                intercept,
            },
            (true, _) => Mapping::Signed {
                bits,
                slope,
                intercept,
                identity,
            },
        };
        let n = geom.rows * geom.columns;
        buffer.clear();
        buffer.reserve_exact(n);
        FrameBuilder {
            rows: geom.rows,
            columns: geom.columns,
            // integer statistics on the way where the counts are the stored integers
            stats: P::integer_stats(&mapping).then(IntStats::new),
            mapping,
            values: buffer,
            counts: true,
            stored_bits: geom.stored_bits(),
        }
    }

    /// Samples still missing from the frame.
    pub(crate) fn missing(&self) -> usize {
        self.rows * self.columns - self.values.len()
    }

    /// Appends samples (stops when the frame is full).
    pub(crate) fn extend(&mut self, samples: impl Iterator<Item = u16>) {
        let mut samples = samples.take(self.missing());
        let mut block = [0u16; BLOCK];
        loop {
            let mut n = 0;
            for (d, s) in block.iter_mut().zip(&mut samples) {
                *d = s;
                n += 1;
            }
            if n == 0 {
                break;
            }
            self.push_block(&mut block[..n]);
        }
    }

    /// Appends samples already in native byte order (stops when the frame is full); masks them
    /// in place.
    pub(crate) fn extend_samples(&mut self, samples: &mut [u16]) {
        let n = samples.len().min(self.missing());
        for block in samples[..n].chunks_mut(BLOCK) {
            self.push_block(block);
        }
    }

    /// Appends little-endian samples of `bits_allocated` (8 or 16) stored in `bytes` (stops
    /// when the frame is full; a 16-bit frame takes whole samples only).
    pub(crate) fn extend_le(&mut self, bytes: &[u8], bits_allocated: u16) {
        let mut block = [0u16; BLOCK];
        if bits_allocated == 16 {
            let take = bytes.len().min(2 * self.missing()) & !1;
            for chunk in bytes[..take].chunks(2 * BLOCK) {
                let n = chunk.len() / 2;
                for (d, b) in block.iter_mut().zip(chunk.chunks_exact(2)) {
                    *d = u16::from_le_bytes([b[0], b[1]]);
                }
                self.push_block(&mut block[..n]);
            }
        } else {
            let take = bytes.len().min(self.missing());
            for chunk in bytes[..take].chunks(BLOCK) {
                for (d, &b) in block.iter_mut().zip(chunk) {
                    *d = u16::from(b);
                }
                self.push_block(&mut block[..chunk.len()]);
            }
        }
    }

    fn push_block(&mut self, block: &mut [u16]) {
        P::push_block(self, block);
    }

    /// The frame (its samples must all have been given); `None` when they are not counts of
    /// this output type.
    pub(crate) fn finish(self) -> Option<Frame<P>> {
        if !self.counts {
            return None;
        }
        let n = self.values.len();
        debug_assert_eq!(n, self.rows * self.columns, "frame filled completely");
        let stats = self.stats.and_then(|s| s.count_stats(n));
        Some(Frame {
            pixels: Array2::from_shape_vec((self.rows, self.columns), self.values)
                .expect("rows × columns values"),
            stats,
        })
    }
}

impl Output for f32 {
    fn push_block(b: &mut FrameBuilder<f32>, block: &mut [u16]) {
        match b.mapping {
            Mapping::Unsigned { mask } => {
                widen_unsigned(block, mask, b.stats.as_mut(), &mut b.values);
            }
            Mapping::UnsignedRescaled {
                mask,
                slope,
                intercept,
            } => b.values.extend(
                block
                    .iter()
                    .map(|&v| (f64::from(v & mask) * slope + intercept) as f32),
            ),
            Mapping::Signed {
                bits,
                slope,
                intercept,
                identity,
            } => {
                let stored = move |s: u16| -> i32 {
                    let v = u32::from(s) & ((1u32 << bits) - 1);
                    if v & (1 << (bits - 1)) != 0 {
                        v as i32 - (1i32 << bits)
                    } else {
                        v as i32
                    }
                };
                if identity {
                    b.values.extend(block.iter().map(|&s| stored(s) as f32));
                } else {
                    b.values.extend(
                        block
                            .iter()
                            .map(|&s| (f64::from(stored(s)) * slope + intercept) as f32),
                    );
                }
            }
        }
    }

    fn integer_stats(mapping: &Mapping) -> bool {
        matches!(mapping, Mapping::Unsigned { .. })
    }
}

impl Output for u16 {
    fn push_block(b: &mut FrameBuilder<u16>, block: &mut [u16]) {
        // statistics are kept exactly when the counts are the stored integers; rescaled
        // samples are not
        let Some(stats) = b.stats.as_mut() else {
            b.counts = false;
            return;
        };
        let (mask, sign) = b.stored_bits;
        b.counts &= mask_counts(block, mask, sign, stats);
        b.values.extend_from_slice(block);
    }

    fn integer_stats(mapping: &Mapping) -> bool {
        matches!(
            mapping,
            Mapping::Unsigned { .. } | Mapping::Signed { identity: true, .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Plain scalar reference of [`widen_unsigned`].
    fn reference(block: &[u16], mask: u16) -> (Vec<u16>, Vec<f32>, f32, f32, u64) {
        let masked: Vec<u16> = block.iter().map(|&v| v & mask).collect();
        let values = masked.iter().map(|&v| v as f32).collect();
        let min = masked
            .iter()
            .map(|&v| v as f32)
            .fold(f32::INFINITY, f32::min);
        let max = masked
            .iter()
            .map(|&v| v as f32)
            .fold(f32::NEG_INFINITY, f32::max);
        let sum = masked.iter().map(|&v| u64::from(v)).sum();
        (masked, values, min, max, sum)
    }

    type Widen = fn(&mut [u16], u16, Option<&mut IntStats>, &mut Vec<f32>);

    /// The dispatched loop (AVX2 on such a CPU) and the loop compiled for the build's target.
    fn variants() -> Vec<(&'static str, Widen)> {
        vec![
            ("dispatched", widen_unsigned),
            ("baseline", widen_unsigned_baseline),
        ]
    }

    proptest! {
        #[test]
        fn every_variant_equals_the_scalar_reference(
            block in proptest::collection::vec(any::<u16>(), 0..BLOCK),
            bits in prop_oneof![Just(16u32), 1u32..16],
            prefix in proptest::collection::vec(-1.0f32..1.0, 0..5),
        ) {
            let mask = if bits == 16 { 0xFFFF } else { ((1u32 << bits) - 1) as u16 };
            let (masked, expected, min, max, sum) = reference(&block, mask);
            for (name, widen) in variants() {
                let mut samples = block.clone();
                let mut stats = IntStats::new();
                let mut out = prefix.clone();
                widen(&mut samples, mask, Some(&mut stats), &mut out);
                prop_assert_eq!(&samples, &masked, "{} masked in place", name);
                prop_assert_eq!(&out[..prefix.len()], &prefix[..], "{} kept what was there", name);
                prop_assert_eq!(&out[prefix.len()..], &expected[..], "{} counts", name);
                prop_assert_eq!(stats.sum, sum, "{} sum", name);
                if !block.is_empty() {
                    prop_assert_eq!((stats.min, stats.max), (min, max), "{} min/max", name);
                }
                // without statistics: the same counts
                let mut out = Vec::new();
                widen(&mut block.clone(), mask, None, &mut out);
                prop_assert_eq!(&out, &expected, "{} counts without statistics", name);
            }
        }
    }

    proptest! {
        #[test]
        fn counts_in_place_equal_the_f32_path(
            samples in proptest::collection::vec(any::<u16>(), 0..3 * BLOCK),
            bits in prop_oneof![Just(16u32), 1u32..16],
            signed in any::<bool>(),
        ) {
            let mask = if bits == 16 { 0xFFFF } else { ((1u32 << bits) - 1) as u16 };
            let sign = if signed { 1u16 << (bits - 1) } else { 0 };
            // the f32 path: what FrameBuilder makes of the same samples
            let geom = Geometry {
                rows: 1,
                columns: samples.len(),
                frames: 1,
                bits_allocated: 16,
                bits_stored: bits as u16,
                signed,
                slope: 1.0,
                intercept: 0.0,
                photometric: "MONOCHROME2".into(),
            };
            let mut builder = FrameBuilder::<f32>::new(&geom);
            builder.extend_samples(&mut samples.clone());
            let floats = builder.finish().expect("f32 takes any sample");
            let negative = floats.pixels.iter().any(|&v| v < 0.0);
            let want = (!samples.is_empty()).then(|| CountStats::of(&floats.pixels));
            type Masker = fn(&mut [u16], u16, u16, &mut IntStats) -> bool;
            for (name, f) in [
                ("dispatched", mask_counts as Masker),
                ("baseline", mask_counts_baseline),
            ] {
                // in pieces, as a reader may give them
                let mut counts = samples.clone();
                let mut acc = IntStats::new();
                let counted = counts
                    .chunks_mut(1000)
                    .fold(true, |ok, piece| f(piece, mask, sign, &mut acc) & ok);
                prop_assert_eq!(counted, !negative, "{}", name);
                if negative {
                    continue;
                }
                let as_f32: Vec<f32> = counts.iter().map(|&v| f32::from(v)).collect();
                prop_assert_eq!(&as_f32[..], floats.pixels.as_slice().unwrap(), "{}", name);
                prop_assert_eq!(acc.count_stats(samples.len()), want, "{}", name);
            }
            // the general path's 16-bit frames: the same counts and statistics, none when a
            // value is negative
            let mut builder = FrameBuilder::<u16>::new(&geom);
            builder.extend_samples(&mut samples.clone());
            match builder.finish() {
                None => prop_assert!(negative),
                Some(frame) => {
                    prop_assert!(!negative);
                    let as_f32: Vec<f32> = frame.pixels.iter().map(|&v| f32::from(v)).collect();
                    prop_assert_eq!(&as_f32[..], floats.pixels.as_slice().unwrap());
                    prop_assert_eq!(frame.stats, want);
                }
            }
            // rescaled samples are never the stored integers
            let rescaled = Geometry { slope: 2.0, ..geom.clone() };
            let mut builder = FrameBuilder::<u16>::new(&rescaled);
            builder.extend_samples(&mut samples.clone());
            prop_assert!(builder.finish().is_none() || samples.is_empty());
        }

        #[test]
        fn narrowing_keeps_counts_and_finds_the_first_other_value(
            values in proptest::collection::vec(0u16..=u16::MAX, 0..600),
            bad in proptest::option::of((any::<proptest::sample::Index>(), prop_oneof![
                Just(-1.0f32), Just(0.5), Just(65_536.0), Just(f32::NAN), Just(f32::INFINITY), Just(-0.0)
            ])),
        ) {
            let mut floats: Vec<f32> = values.iter().map(|&v| f32::from(v)).collect();
            let mut want: Result<Vec<u16>, usize> = Ok(values.clone());
            if let (Some((at, v)), false) = (bad, values.is_empty()) {
                let i = at.index(values.len());
                floats[i] = v;
                // -0.0 is the count 0
                want = if v == 0.0 { Ok(values.iter().enumerate().map(|(k, &x)| if k == i { 0 } else { x }).collect()) } else { Err(i) };
            }
            prop_assert_eq!(narrow_counts(&floats), want.clone());
            prop_assert_eq!(narrow_counts_baseline(&floats), want);
        }
    }

    #[test]
    fn extremes_of_the_sample_range() {
        let block: Vec<u16> = (0..1000)
            .map(|i| if i % 2 == 0 { 0 } else { u16::MAX })
            .collect();
        for (name, widen) in variants() {
            let mut stats = IntStats::new();
            let mut out = Vec::new();
            widen(&mut block.clone(), 0xFFFF, Some(&mut stats), &mut out);
            assert_eq!((stats.min, stats.max), (0.0, 65535.0), "{name}");
            assert_eq!(stats.sum, 500 * 65535, "{name}");
            assert_eq!(out[1], 65535.0, "{name}");
        }
    }
}
