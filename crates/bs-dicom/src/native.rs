//! The fast path of reading: uncompressed little-endian Pixel Data at the end of the file (what
//! gamma cameras and [`crate::write`] produce).
//!
//! Why: the general path reads the whole file, lets dicom-rs copy Pixel Data into an element
//! (zero-filled first), then converts it — three passes over the pixels before any count is
//! made. Here the header (every byte before Pixel Data) goes through the same structural check
//! and the same dicom-rs parse as in the general path, so metadata, geometry and view
//! identification are the same code; the pixel bytes go from the file straight into the count
//! matrices in 64 KiB blocks, the count statistics computed on the way — or, for 16-bit counts
//! ([`load_counts_path`]), each frame in one read into its memory, masked in place.
//!
//! Anything else — another transfer syntax, encapsulated or short pixel data, elements after
//! Pixel Data other than one Data Set Trailing Padding, a header over 64 KiB — and *any*
//! problem gives `None`: the general path then
//! reads the file and is the one that reports, so errors stay exactly what they were. The size
//! caps are checked before anything is allocated, as there.

use std::io::Read;
use std::path::Path;

use ndarray::Array2;

use crate::dicom_file;
use crate::guard::{self, NativePixelData};
use crate::options::ReadOptions;
use crate::pixels::{mask_counts, Frame, FrameBuilder, Geometry, IntStats};
use crate::read::{self, Loaded};

/// Bytes read first: the header of a whole-body scan is a few KiB.
const HEAD: usize = 64 << 10;
/// Bytes of pixel data read at a time (even: 16-bit samples never straddle two reads).
const CHUNK: usize = 64 << 10;

/// Reads the DICOM file at `path` by the fast path; `None` when it does not apply. Frames are
/// written into buffers taken from `spare` while it has any.
pub(crate) fn load_path(
    path: &Path,
    opts: &ReadOptions,
    spare: &mut Vec<Vec<f32>>,
) -> Option<Loaded> {
    let (head, len, file) = open_head(path, opts)?;
    load(path, &head, len, file, opts, spare)
}

/// [`load_path`] for 16-bit integer counts ([`crate::ScanReader::read_counts`]): each frame's
/// bytes are read from the file straight into its (recycled) memory, then masked to the stored
/// bits in place — no conversion. `None` also when the samples are rescaled or a value is
/// negative: the general path then decides and reports.
pub(crate) fn load_counts_path(
    path: &Path,
    opts: &ReadOptions,
    spare: &mut Vec<Vec<u16>>,
) -> Option<Loaded<u16>> {
    let (head, len, rest) = open_head(path, opts)?;
    let (file, geom, span) = parse_head(path, &head, len, opts)?;
    if geom.slope != 1.0 || geom.intercept != 0.0 {
        return None;
    }
    let mut pixels = head[span.value_start..].chain(rest);
    let frames = read_count_frames(&geom, &mut pixels, spare)?;
    only_padding_after(&span, geom.frame_bytes() * geom.frames, pixels)?;
    Some(read::dicom_loaded(file, &geom, frames))
}

/// The file at `path` opened: its first [`HEAD`] bytes, its length and the file positioned
/// after them; `None` when it cannot be read or is over the size cap.
fn open_head(path: &Path, opts: &ReadOptions) -> Option<(Vec<u8>, usize, std::fs::File)> {
    let mut file = std::fs::File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    if len > opts.max_file_bytes {
        return None;
    }
    let len = usize::try_from(len).ok()?;
    let mut head = Vec::with_capacity(HEAD.min(len));
    (&mut file).take(HEAD as u64).read_to_end(&mut head).ok()?;
    Some((head, len, file))
}

/// The fast path on the bytes of a whole file.
pub(crate) fn load_bytes(name: &Path, bytes: &[u8], opts: &ReadOptions) -> Option<Loaded> {
    load(
        name,
        bytes,
        bytes.len(),
        std::io::empty(),
        opts,
        &mut Vec::new(),
    )
}

/// `head`: the first bytes of a file of `file_len` bytes; `rest`: the bytes after `head`.
fn load(
    path: &Path,
    head: &[u8],
    file_len: usize,
    rest: impl Read,
    opts: &ReadOptions,
    spare: &mut Vec<Vec<f32>>,
) -> Option<Loaded> {
    let (file, geom, span) = parse_head(path, head, file_len, opts)?;
    let frame_bytes = geom.frame_bytes();
    let pixel_bytes = frame_bytes * geom.frames;
    let in_head = &head[span.value_start..];
    let frames = if in_head.len() >= pixel_bytes {
        let frames = (0..geom.frames)
            .map(|f| {
                let mut b = FrameBuilder::new_in(&geom, spare.pop().unwrap_or_default());
                b.extend_le(
                    &in_head[f * frame_bytes..(f + 1) * frame_bytes],
                    geom.bits_allocated,
                );
                b.finish()
            })
            .collect::<Option<Vec<_>>>()?;
        only_padding_after(&span, pixel_bytes, in_head[pixel_bytes..].chain(rest))?;
        frames
    } else {
        let mut pixels = in_head.chain(rest);
        let frames = stream_frames(&geom, &mut pixels, spare)?;
        only_padding_after(&span, pixel_bytes, pixels)?;
        frames
    };
    Some(read::dicom_loaded(file, &geom, frames))
}

/// `Some` when the bytes after the frames — `after`, positioned `read` bytes into the pixel
/// data — are only what the fast path may leave unread: the rest of the pixel data and a Data
/// Set Trailing Padding element (as the NEMA NM1 files end). Reads them only when the file has
/// bytes after its pixel data (at most 64 KiB; see [`guard::native_pixel_data`]).
fn only_padding_after(span: &NativePixelData, read: usize, after: impl Read) -> Option<()> {
    if span.trailing == 0 {
        return Some(());
    }
    let skip = span.length.checked_sub(read)?;
    let mut tail = Vec::with_capacity(skip + span.trailing);
    after
        .take((skip + span.trailing) as u64)
        .read_to_end(&mut tail)
        .ok()?;
    (tail.len() == skip + span.trailing && guard::is_trailing_padding(&tail[skip..], span.explicit))
        .then_some(())
}

/// The header of a file whose first bytes are `head`: parsed and checked, with where its
/// pixel data (which holds every frame) lies; `None` when the fast path does not apply.
fn parse_head(
    path: &Path,
    head: &[u8],
    file_len: usize,
    opts: &ReadOptions,
) -> Option<(dicom_file::DicomFile, Geometry, NativePixelData)> {
    if crate::raster::sniff(head).is_some() {
        return None;
    }
    let span = guard::native_pixel_data(head, file_len)?;
    let mut file =
        dicom_file::parse_header(path, &head[..span.value_start], span.element_start, opts).ok()?;
    file.external_pixel_data = true;
    let (file, geom) = read::check_opened(file, opts).ok()?;
    if span.length < geom.frame_bytes() * geom.frames {
        return None;
    }
    Some((file, geom, span))
}

/// Reads `geom.frames` frames of native little-endian samples from `pixels` as 16-bit counts,
/// each frame in one read into memory taken from `spare`; `None` when a value is negative.
fn read_count_frames(
    geom: &Geometry,
    mut pixels: impl Read,
    spare: &mut Vec<Vec<u16>>,
) -> Option<Vec<Frame<u16>>> {
    let (mask, sign) = geom.stored_bits();
    let n = geom.rows * geom.columns;
    (0..geom.frames)
        .map(|_| {
            let mut samples = spare.pop().unwrap_or_default();
            // a recycled frame of the same size is overwritten as it is: no zeroing pass
            samples.truncate(n);
            samples.resize(n, 0);
            if geom.bits_allocated == 16 {
                pixels
                    .read_exact(bytemuck::cast_slice_mut(&mut samples))
                    .ok()?;
                // the file is little-endian; a no-op on little-endian machines
                samples.iter_mut().for_each(|v| *v = u16::from_le(*v));
            } else {
                let mut bytes = vec![0u8; n];
                pixels.read_exact(&mut bytes).ok()?;
                samples
                    .iter_mut()
                    .zip(&bytes)
                    .for_each(|(d, &b)| *d = u16::from(b));
            }
            let mut stats = IntStats::new();
            if !mask_counts(&mut samples, mask, sign, &mut stats) {
                return None;
            }
            let stats = stats.count_stats(n)?;
            let pixels = Array2::from_shape_vec((geom.rows, geom.columns), samples).ok()?;
            Some(Frame {
                pixels,
                stats: Some(stats),
            })
        })
        .collect()
}

/// Reads `geom.frames` frames of native little-endian samples from `pixels`, a block at a time.
fn stream_frames(
    geom: &Geometry,
    mut pixels: impl Read,
    spare: &mut Vec<Vec<f32>>,
) -> Option<Vec<Frame>> {
    let wide = geom.bits_allocated == 16;
    // 16-bit data is read straight into u16 samples: one copy less than bytes → samples
    // (a measurable share of a read, `docs/measurements.md`); 8-bit data goes through a byte
    // buffer
    let mut samples = vec![0u16; if wide { CHUNK / 2 } else { 0 }];
    let mut bytes = vec![0u8; if wide { 0 } else { CHUNK }];
    (0..geom.frames)
        .map(|_| {
            let mut builder = FrameBuilder::new_in(geom, spare.pop().unwrap_or_default());
            let mut remaining = geom.frame_bytes();
            while remaining > 0 {
                let n = remaining.min(CHUNK);
                if wide {
                    if n % 2 == 1 {
                        return None; // an odd byte count: not 16-bit samples after all
                    }
                    let block = &mut samples[..n / 2];
                    pixels
                        .read_exact(bytemuck::cast_slice_mut(&mut *block))
                        .ok()?;
                    // the file is little-endian; a no-op on little-endian machines
                    block.iter_mut().for_each(|v| *v = u16::from_le(*v));
                    builder.extend_samples(block);
                } else {
                    pixels.read_exact(&mut bytes[..n]).ok()?;
                    builder.extend_le(&bytes[..n], geom.bits_allocated);
                }
                remaining -= n;
            }
            builder.finish()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write::{write_whole_body_nm, NmWriteMeta};
    use ndarray::Array2;

    #[test]
    fn applies_to_written_scans_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wb.dcm");
        let a = Array2::from_shape_fn((1024, 256), |(r, c)| ((r + c) % 300) as u16);
        write_whole_body_nm(&path, a.view(), a.view(), &NmWriteMeta::synthetic("N", 1)).unwrap();
        let opts = ReadOptions::default();
        // by path: more than HEAD bytes, so the pixels are streamed
        let loaded = load_path(&path, &opts, &mut Vec::new()).expect("fast path applies");
        assert_eq!(loaded.frames_len(), 2);
        let bytes = std::fs::read(&path).unwrap();
        assert!(load_bytes(&path, &bytes, &opts).is_some());
        // encapsulated JPEG: the general path's job
        let jpll = bs_testdata::nm1_jpll();
        assert!(load_path(&jpll, &opts, &mut Vec::new()).is_none());
        // NM1 ends with Data Set Trailing Padding (FFFC,FFFC): still the fast path
        if let Some(unc) = bs_testdata::nm1_unc() {
            assert!(load_path(&unc, &opts, &mut Vec::new()).is_some());
            assert!(load_counts_path(&unc, &opts, &mut Vec::new()).is_some());
        }
        // bytes after the pixels that are not exactly one padding element: the general path
        let padded = |tail: &[u8]| {
            let mut b = bytes.clone();
            b.extend_from_slice(tail);
            b
        };
        let padding = [
            &[0xFC, 0xFF, 0xFC, 0xFF, b'O', b'B', 0, 0, 4, 0, 0, 0][..],
            &[0; 4],
        ]
        .concat();
        assert!(load_bytes(&path, &padded(&padding), &opts).is_some());
        let wrong_length = [&padding[..8], &[5, 0, 0, 0], &padding[12..]].concat();
        let other_element = [&[0x10, 0x00, 0x10, 0x00][..], &padding[4..]].concat();
        for tail in [
            &padding[..10],
            &wrong_length[..],
            &other_element[..],
            &[0u8; 2][..],
        ] {
            assert!(
                load_bytes(&path, &padded(tail), &opts).is_none(),
                "{tail:?}"
            );
        }
        // a size cap applies before anything is read
        let small = ReadOptions {
            max_image_bytes: 1000,
            ..ReadOptions::default()
        };
        assert!(load_path(&path, &small, &mut Vec::new()).is_none());
    }
}
