//! RLE Lossless pixel data (DICOM PS3.5 Annex G), decoded here instead of by
//! dicom-transfer-syntax-registry, whose decoder (0.10.1) indexes past the end of a segment that
//! decodes short and panics (`rle_lossless.rs:119`, found by fuzzing).
//!
//! A frame is one fragment: a 64-byte header of 16 little-endian `u32` — the number of segments,
//! then the byte offset of each segment from the start of the fragment — followed by the
//! segments. Segment `k` holds byte `k` of every sample, most significant byte first (a 16-bit
//! sample: segment 0 its high bytes, segment 1 its low bytes), PackBits-compressed (G.3.1): a
//! header byte `n` of 0..=127 is followed by `n + 1` literal bytes, -127..=-1 by one byte
//! repeated `1 - n` times, and -128 is a no-op.
//!
//! Memory bound: one decoded frame (rows × columns × bytes per sample, already under
//! [`ReadOptions::max_image_bytes`](crate::ReadOptions)) plus, for 16-bit samples, its two
//! byte planes, allocated only after the header checks, which include that every segment is
//! long enough to hold its plane (two PackBits bytes give at most 128 bytes, so a segment of
//! `L` bytes decodes to at most `64 · L`). A file of `n` bytes therefore never makes this
//! decoder allocate more than `2 · 64 · n` bytes, whatever its header declares.

/// The fixed size of the segment table at the start of each fragment.
const HEADER_BYTES: usize = 64;

/// Most bytes one segment byte can decode to (a 2-byte replicate run gives 128).
const MAX_EXPANSION: usize = 64;

/// What is wrong with the RLE fragment of one frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum RleError {
    /// Shorter than the 64-byte segment table.
    #[error("fragment of {0} bytes is shorter than the 64-byte RLE header")]
    ShortHeader(usize),
    /// The header's segment count is not the one the sample format needs.
    #[error("RLE header declares {found} segments, {expected}-byte samples need {expected}")]
    SegmentCount {
        /// Declared segments.
        found: u32,
        /// Bytes per sample (one segment each).
        expected: usize,
    },
    /// A segment starts inside the header, before the previous one or past the fragment.
    #[error("segment {segment} starts at byte {offset}, outside {start}..={end}")]
    SegmentOffset {
        /// Segment index (0 = most significant byte).
        segment: usize,
        /// Declared offset.
        offset: u32,
        /// Earliest allowed start.
        start: usize,
        /// Fragment length.
        end: usize,
    },
    /// A segment too short to decode to one byte per pixel, refused before decoding.
    #[error(
        "segment {segment} has {bytes} bytes, too few for {pixels} pixels (64 per byte at most)"
    )]
    SegmentTooShort {
        /// Segment index.
        segment: usize,
        /// Its length.
        bytes: usize,
        /// Rows × columns.
        pixels: usize,
    },
    /// A segment decodes to fewer bytes than the frame has pixels.
    #[error("segment {segment} decodes to {decoded} bytes, the frame has {pixels} pixels")]
    ShortSegment {
        /// Segment index.
        segment: usize,
        /// Bytes it gave.
        decoded: usize,
        /// Rows × columns.
        pixels: usize,
    },
}

/// Decodes the RLE `fragment` of one frame of `pixels` single-channel samples of
/// `bytes_per_sample` (1 or 2) bytes and appends them to `out` as little-endian samples.
/// Bytes a segment decodes to beyond `pixels` (encoder padding) are ignored; on error `out` is
/// left as it was.
pub(crate) fn decode_frame(
    fragment: &[u8],
    pixels: usize,
    bytes_per_sample: usize,
    out: &mut Vec<u8>,
) -> Result<(), RleError> {
    let segments = segment_ranges(fragment, pixels, bytes_per_sample)?;
    let start = out.len();
    let result = decode_segments(fragment, segments, pixels, bytes_per_sample, out, start);
    if result.is_err() {
        out.truncate(start);
    }
    result
}

/// Decodes the checked `segments` into `out[start..]`, made `pixels · bytes_per_sample` long.
fn decode_segments(
    fragment: &[u8],
    segments: Vec<std::ops::Range<usize>>,
    pixels: usize,
    bytes_per_sample: usize,
    out: &mut Vec<u8>,
    start: usize,
) -> Result<(), RleError> {
    out.resize(start + pixels * bytes_per_sample, 0);
    let frame = &mut out[start..];
    if bytes_per_sample == 1 {
        return unpack(&fragment[segments[0].clone()], frame).map_err(|decoded| {
            RleError::ShortSegment {
                segment: 0,
                decoded,
                pixels,
            }
        });
    }
    let mut planes = vec![vec![0u8; pixels]; bytes_per_sample];
    for (segment, (range, plane)) in segments.into_iter().zip(&mut planes).enumerate() {
        unpack(&fragment[range], plane).map_err(|decoded| RleError::ShortSegment {
            segment,
            decoded,
            pixels,
        })?;
    }
    // segment 0 is the most significant byte: the last of a little-endian sample
    let (high, low) = (&planes[0], &planes[1]);
    for ((sample, &h), &l) in frame.chunks_exact_mut(2).zip(high).zip(low) {
        sample[0] = l;
        sample[1] = h;
    }
    Ok(())
}

/// Checks the segment table of `fragment` and returns each segment's byte range.
fn segment_ranges(
    fragment: &[u8],
    pixels: usize,
    bytes_per_sample: usize,
) -> Result<Vec<std::ops::Range<usize>>, RleError> {
    let header = fragment
        .get(..HEADER_BYTES)
        .ok_or(RleError::ShortHeader(fragment.len()))?;
    let word = |i: usize| u32::from_le_bytes([0, 1, 2, 3].map(|k| header[4 * i + k]));
    let count = word(0);
    if count as usize != bytes_per_sample {
        return Err(RleError::SegmentCount {
            found: count,
            expected: bytes_per_sample,
        });
    }
    let offsets: Vec<u32> = (1..=bytes_per_sample).map(word).collect();
    let mut ranges = Vec::with_capacity(bytes_per_sample);
    let mut earliest = HEADER_BYTES;
    for (segment, &offset) in offsets.iter().enumerate() {
        let begin = offset as usize;
        if begin < earliest || begin > fragment.len() {
            return Err(RleError::SegmentOffset {
                segment,
                offset,
                start: earliest,
                end: fragment.len(),
            });
        }
        let end = offsets
            .get(segment + 1)
            .map_or(fragment.len(), |&next| (next as usize).min(fragment.len()));
        let end = end.max(begin);
        if (end - begin).saturating_mul(MAX_EXPANSION) < pixels {
            return Err(RleError::SegmentTooShort {
                segment,
                bytes: end - begin,
                pixels,
            });
        }
        ranges.push(begin..end);
        earliest = end;
    }
    Ok(ranges)
}

/// PackBits-decodes `data` until `out` is full; `Err(decoded)` when `data` ends first.
fn unpack(data: &[u8], out: &mut [u8]) -> Result<(), usize> {
    let (mut src, mut dst) = (0, 0);
    while dst < out.len() {
        let Some(&header) = data.get(src) else {
            return Err(dst);
        };
        src += 1;
        let n = header as i8;
        if n >= 0 {
            let want = n as usize + 1;
            let available = want.min(data.len() - src).min(out.len() - dst);
            out[dst..dst + available].copy_from_slice(&data[src..src + available]);
            src += want;
            dst += available;
            if available < want && dst < out.len() {
                return Err(dst);
            }
        } else if n != -128 {
            let Some(&value) = data.get(src) else {
                return Err(dst);
            };
            src += 1;
            let run = (1 - i32::from(n)) as usize;
            let take = run.min(out.len() - dst);
            out[dst..dst + take].fill(value);
            dst += take;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fragment with the given segments, laid out one after the other.
    fn fragment(segments: &[&[u8]]) -> Vec<u8> {
        let mut header = vec![0u8; HEADER_BYTES];
        header[..4].copy_from_slice(&(segments.len() as u32).to_le_bytes());
        let mut offset = HEADER_BYTES;
        for (i, s) in segments.iter().enumerate() {
            header[4 + 4 * i..8 + 4 * i].copy_from_slice(&(offset as u32).to_le_bytes());
            offset += s.len();
        }
        header.extend(segments.iter().flat_map(|s| s.iter().copied()));
        header
    }

    #[test]
    fn packbits_literal_replicate_and_no_op() {
        // 3 literals, -128 no-op, a run of 4 × 9, one literal
        let data = [2, 1, 2, 3, 0x80, (-3i8) as u8, 9, 0, 7];
        let mut out = [0u8; 8];
        assert_eq!(unpack(&data, &mut out), Ok(()));
        assert_eq!(out, [1, 2, 3, 9, 9, 9, 9, 7]);
        // a run longer than the rest of the plane is cut (padding), never written past it
        let mut out = [0u8; 2];
        assert_eq!(unpack(&[(-127i8) as u8, 5], &mut out), Ok(()));
        assert_eq!(out, [5, 5]);
        // data that ends early says how far it got
        let mut out = [0u8; 8];
        assert_eq!(unpack(&[3, 1, 2], &mut out), Err(2));
        assert_eq!(unpack(&[(-1i8) as u8], &mut out), Err(0));
    }

    #[test]
    fn sixteen_bit_frames_interleave_high_and_low_segments() {
        // samples 0x0102, 0x0304: high bytes 01 03, low bytes 02 04
        let f = fragment(&[&[1, 1, 3], &[1, 2, 4]]);
        let mut out = vec![0xAA];
        decode_frame(&f, 2, 2, &mut out).unwrap();
        assert_eq!(out, [0xAA, 2, 1, 4, 3]);
        let mut out = Vec::new();
        decode_frame(&fragment(&[&[(-2i8) as u8, 6]]), 3, 1, &mut out).unwrap();
        assert_eq!(out, [6, 6, 6]);
    }

    #[test]
    fn bad_headers_and_short_segments_are_typed_errors() {
        let mut out = Vec::new();
        let cases: Vec<(Vec<u8>, usize, RleError)> = vec![
            (vec![0; 10], 1, RleError::ShortHeader(10)),
            (
                fragment(&[&[0, 1]]),
                2,
                RleError::SegmentCount {
                    found: 1,
                    expected: 2,
                },
            ),
            (
                {
                    let mut f = fragment(&[&[0, 1]]);
                    f[4..8].copy_from_slice(&1000u32.to_le_bytes());
                    f
                },
                1,
                RleError::SegmentOffset {
                    segment: 0,
                    offset: 1000,
                    start: 64,
                    end: 66,
                },
            ),
            (
                fragment(&[&[1, 1, 3], &[0, 2]]),
                2,
                RleError::ShortSegment {
                    segment: 1,
                    decoded: 1,
                    pixels: 2,
                },
            ),
        ];
        for (f, bytes_per_sample, want) in cases {
            assert_eq!(decode_frame(&f, 2, bytes_per_sample, &mut out), Err(want));
        }
        // a huge declared frame from a tiny segment is refused before anything is allocated
        let err = decode_frame(&fragment(&[&[0, 1]]), 1 << 40, 1, &mut out).unwrap_err();
        assert!(
            matches!(err, RleError::SegmentTooShort { bytes: 2, .. }),
            "{err}"
        );
        assert!(out.capacity() < 1 << 20);
        // a failed frame leaves what was decoded before it
        let mut out = vec![7];
        let f = fragment(&[&[1, 1, 3], &[0, 2]]);
        assert!(decode_frame(&f, 2, 2, &mut out).is_err());
        assert_eq!(out, [7]);
    }
}
