//! The image size a JPEG, JPEG-LS or JPEG 2000 codestream declares, checked against the DICOM
//! header before the codec sees it.
//!
//! The codecs allocate what their own headers declare: a JPEG 2000 SIZ marker of
//! 4,294,967,295 × 64 samples in a 6 kB file made OpenJPEG allocate past 2 GB (found by the
//! structure-aware fuzz target). Rows × Columns are already bounded
//! ([`ReadOptions::max_image_bytes`](crate::ReadOptions)); a codestream that declares another
//! size, or more than one component, is refused here, so a decoder never allocates more than
//! the header allowed.
//!
//! Where the sizes sit:
//! - JPEG 2000 (ISO/IEC 15444-1 A.5.1): SOC `FF4F`, then SIZ `FF51` with `Lsiz`, `Rsiz`, then
//!   big-endian `u32` `Xsiz`, `Ysiz`, `XOsiz`, `YOsiz`, … and `Csiz` (`u16`) at byte 36 of
//!   the marker; the image is (`Xsiz` − `XOsiz`) × (`Ysiz` − `YOsiz`). In a JP2 file the
//!   codestream follows the boxes, so the first SOC–SIZ pair is used.
//! - JPEG (ITU-T T.81 B.2.2) and JPEG-LS (T.87 C.2.2): SOI `FFD8`, marker segments, then a
//!   frame header SOFn (`FFC0`–`FFCF` but `FFC4`, `FFC8`, `FFCC`; JPEG-LS `FFF7`): length,
//!   precision (`u8`), lines `Y` and samples per line `X` (big-endian `u16`), components
//!   `Nf` (`u8`).
//!
//! A JPEG-LS scan must also be followed by a marker other than a restart marker (`FF` and a
//! byte ≥ `0x80`; T.87 A.1 stuffs a 0 bit after every `FF` of scan data): CharLS 2.4.5 stops
//! reading bits at such a marker, but where the data ends first its bit count goes negative
//! and its reader loops about 2³¹ times (4 s for a 4.7 kB file, found by fuzzing) before it
//! fails. CharLS needs the end-of-image marker after the scan anyway, so such a stream could
//! never decode.

/// The size a codestream declares: (rows, columns, components).
pub(crate) type Declared = (u64, u64, u32);

/// The first SOC–SIZ pair of a JPEG 2000 codestream or JP2 file, when it has one.
fn jpeg2000(data: &[u8]) -> Option<Result<Declared, String>> {
    let at = data
        .windows(4)
        .position(|w| w == [0xFF, 0x4F, 0xFF, 0x51])?;
    let siz = &data[at + 4..];
    let u32_at = |i: usize| {
        siz.get(i..i + 4)
            .map(|b| u32::from_be_bytes(b.try_into().unwrap()))
    };
    let (Some(x), Some(y), Some(x0), Some(y0), Some(c)) = (
        u32_at(4),
        u32_at(8),
        u32_at(12),
        u32_at(16),
        siz.get(36..38).map(|b| u16::from_be_bytes([b[0], b[1]])),
    ) else {
        return Some(Err("JPEG 2000 SIZ marker cut short".into()));
    };
    Some(match (y.checked_sub(y0), x.checked_sub(x0)) {
        (Some(rows), Some(columns)) => Ok((rows.into(), columns.into(), c.into())),
        _ => Err(format!(
            "JPEG 2000 SIZ declares an image offset ({x0}, {y0}) past its size ({x}, {y})"
        )),
    })
}

/// The marker segments of a JPEG or JPEG-LS stream after its SOI: each segment's marker, the
/// byte of its `FF` and the byte after it. Fill bytes and standalone markers (TEM, RSTm) are
/// skipped; a missing marker or a cut-off length ends the walk with an error.
struct Segments<'a> {
    data: &'a [u8],
    at: usize,
    done: bool,
}

/// Why a walk of marker segments stopped.
enum WalkError {
    /// No marker at this byte.
    NoMarker(usize),
    /// The stream ends inside a marker's length.
    CutShort,
}

/// The segments of `data`, when it starts with SOI.
fn segments(data: &[u8]) -> Option<Segments<'_>> {
    data.starts_with(&[0xFF, 0xD8]).then_some(Segments {
        data,
        at: 2,
        done: false,
    })
}

impl Iterator for Segments<'_> {
    type Item = Result<(u8, usize, usize), WalkError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let data = self.data;
        loop {
            // fill bytes (FF) may precede a marker
            while data.get(self.at) == Some(&0xFF) && data.get(self.at + 1) == Some(&0xFF) {
                self.at += 1;
            }
            let (Some(&0xFF), Some(&marker)) = (data.get(self.at), data.get(self.at + 1)) else {
                self.done = true;
                return Some(Err(WalkError::NoMarker(self.at)));
            };
            if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
                self.at += 2;
                continue;
            }
            let Some(len) = data.get(self.at + 2..self.at + 4) else {
                self.done = true;
                return Some(Err(WalkError::CutShort));
            };
            let at = self.at;
            self.at += 2 + usize::from(u16::from_be_bytes([len[0], len[1]]));
            return Some(Ok((marker, at, self.at)));
        }
    }
}

/// The frame header of a JPEG or JPEG-LS stream that starts with SOI, and whether it is
/// JPEG-LS's (SOF55).
fn jpeg(data: &[u8]) -> Option<Result<(Declared, bool), String>> {
    for segment in segments(data)? {
        let (marker, at) = match segment {
            Ok((marker, at, _)) => (marker, at),
            Err(WalkError::NoMarker(at)) => {
                return Some(Err(format!(
                    "JPEG stream has no frame header (no marker at byte {at})"
                )))
            }
            Err(WalkError::CutShort) => {
                return Some(Err("JPEG stream cut short in a marker".into()))
            }
        };
        let frame = matches!(marker, 0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC))
            || marker == 0xF7;
        if frame {
            let Some(h) = data.get(at + 4..at + 10) else {
                return Some(Err("JPEG frame header cut short".into()));
            };
            let rows = u16::from_be_bytes([h[1], h[2]]);
            let columns = u16::from_be_bytes([h[3], h[4]]);
            let declared = (rows.into(), columns.into(), h[5].into());
            return Some(Ok((declared, marker == 0xF7)));
        }
        if marker == 0xD9 || marker == 0xDA {
            return Some(Err("JPEG stream has no frame header before its scan".into()));
        }
    }
    // a walk ends with an error (handled above); no panic on hostile input all the same
    Some(Err("JPEG stream has no frame header".into()))
}

/// Checks every fragment that starts a codestream (SOI, SOC + SIZ, or a JP2 signature; the
/// fragments that continue a frame start with none of them) against `rows` × `columns` × 1 component;
/// the message names the fragment and both sizes.
pub(crate) fn check(fragments: &[Vec<u8>], rows: usize, columns: usize) -> Result<(), String> {
    for (k, fragment) in fragments.iter().enumerate() {
        let (declared, jpeg_ls) = match jpeg(fragment) {
            Some(Ok((d, jpeg_ls))) => (Ok(d), jpeg_ls),
            Some(Err(e)) => (Err(e), false),
            // SIZ must follow SOC: a fragment that starts with SOC alone continues a frame
            None if fragment.starts_with(&[0xFF, 0x4F, 0xFF, 0x51]) || is_jp2(fragment) => (
                jpeg2000(fragment).unwrap_or_else(|| Err("JPEG 2000 file without SIZ".into())),
                false,
            ),
            None => continue,
        };
        let (r, c, n) = declared.map_err(|e| format!("fragment {}: {e}", k + 1))?;
        if (r, c, n) != (rows as u64, columns as u64, 1) {
            return Err(format!(
                "fragment {} declares {r}×{c} with {n} component(s), the header {rows}×{columns} with 1",
                k + 1
            ));
        }
        if jpeg_ls {
            jpeg_ls_scan_ends(&fragments[k..]).map_err(|e| format!("fragment {}: {e}", k + 1))?;
        }
    }
    Ok(())
}

/// Checks that the scan of the JPEG-LS frame starting `fragments` (its first fragment and those
/// that continue it) is followed by a marker CharLS stops at.
fn jpeg_ls_scan_ends(fragments: &[Vec<u8>]) -> Result<(), String> {
    let continued = fragments[1..]
        .iter()
        .take_while(|f| !starts_codestream(f))
        .count();
    let joined: Vec<u8>;
    let stream = if continued == 0 {
        fragments[0].as_slice()
    } else {
        joined = fragments[..=continued].concat();
        joined.as_slice()
    };
    match scan_data_start(stream) {
        Some(scan) if !has_marker(&stream[scan..]) => Err(
            "JPEG-LS scan data runs to the end of the stream without a marker after it \
             (no end-of-image: cut short)"
                .into(),
        ),
        _ => Ok(()),
    }
}

/// Whether a fragment starts a codestream (JPEG or JPEG-LS SOI, JPEG 2000 SOC + SIZ, JP2).
fn starts_codestream(f: &[u8]) -> bool {
    f.starts_with(&[0xFF, 0xD8]) || f.starts_with(&[0xFF, 0x4F, 0xFF, 0x51]) || is_jp2(f)
}

/// Where the data of the first scan of a JPEG or JPEG-LS stream starts (after its SOS
/// segment), `None` where the walk finds none.
fn scan_data_start(data: &[u8]) -> Option<usize> {
    for segment in segments(data)? {
        match segment.ok()? {
            (0xDA, _, end) => return Some(end.min(data.len())),
            (0xD9, _, _) => return None,
            _ => {}
        }
    }
    None
}

/// Whether JPEG-LS scan data holds a marker other than a restart marker: `FF` followed by a
/// byte ≥ `0x80` but not `D0`–`D7`, or `FF` last. CharLS' bit reader stops at such a marker
/// and never reads past it; restart markers it reads past.
fn has_marker(data: &[u8]) -> bool {
    let stop = |b: u8| b >= 0x80 && !(0xD0..=0xD7).contains(&b);
    data.windows(2).any(|w| w[0] == 0xFF && stop(w[1])) || data.last() == Some(&0xFF)
}

/// A JP2 file: its signature box.
fn is_jp2(data: &[u8]) -> bool {
    data.starts_with(&[0, 0, 0, 0x0C, b'j', b'P', b' ', b' '])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn siz(x: u32, y: u32, x0: u32, y0: u32, c: u16) -> Vec<u8> {
        let mut s = vec![0xFF, 0x4F, 0xFF, 0x51, 0, 41, 0, 0];
        for v in [x, y, x0, y0, 32, 32, 0, 0] {
            s.extend(v.to_be_bytes());
        }
        s.extend(c.to_be_bytes());
        s.extend([7, 1, 1]);
        s
    }

    fn jpeg_ls(rows: u16, columns: u16, nf: u8) -> Vec<u8> {
        let mut s = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, 0xF7, 0, 11, 16];
        s.extend(rows.to_be_bytes());
        s.extend(columns.to_be_bytes());
        s.extend([nf, 1, 0x11, 0]);
        s
    }

    #[test]
    fn declared_sizes_are_read_from_each_codestream() {
        assert_eq!(jpeg2000(&siz(42, 70, 10, 6, 1)), Some(Ok((64, 32, 1))));
        assert_eq!(jpeg(&jpeg_ls(64, 32, 1)), Some(Ok(((64, 32, 1), true))));
        assert!(check(&[siz(32, 64, 0, 0, 1), jpeg_ls(64, 32, 1)], 64, 32).is_ok());
        // fragments that start no codestream (continuations, offset tables) are not checked
        assert!(check(&[vec![1, 2, 3], vec![]], 64, 32).is_ok());
    }

    /// A JPEG-LS stream: frame header, scan header, then `scan` as its data.
    fn jpeg_ls_scan(scan: &[u8]) -> Vec<u8> {
        let mut s = jpeg_ls(64, 32, 1);
        s.extend([0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0, 0]);
        s.extend(scan);
        s
    }

    #[test]
    fn a_jpeg_ls_scan_must_end_in_a_marker() {
        let ends = jpeg_ls_scan(&[0x12, 0xFF, 0x7F, 0x00, 0xFF, 0xD9]);
        assert!(check(std::slice::from_ref(&ends), 64, 32).is_ok());
        // DICOM pads a fragment to an even length after the end-of-image marker
        assert!(check(&[[ends, vec![0]].concat()], 64, 32).is_ok());
        // a stuffed FF (next byte < 0x80) is scan data, not a marker
        let cut = jpeg_ls_scan(&[0x12, 0xFF, 0x7F, 0x00]);
        let err = check(std::slice::from_ref(&cut), 64, 32).unwrap_err();
        assert!(
            err.contains("fragment 1") && err.contains("end-of-image"),
            "{err}"
        );
        // a restart marker does not end the scan: CharLS reads on past it
        let restart = jpeg_ls_scan(&[0x12, 0xFF, 0xD0, 0x34]);
        assert!(check(&[restart], 64, 32).is_err());
        // the frame continues in the next fragment, which ends it
        assert!(check(&[cut.clone(), vec![0x3C, 0xFF, 0xD9]], 64, 32).is_ok());
        // the scan header itself continues in the next fragment
        let (head, tail) = cut.split_at(cut.len() - 6);
        assert!(check(&[head.to_vec(), tail.to_vec()], 64, 32).is_err());
        let ended = [tail, &[0xFF, 0xD9]].concat();
        assert!(check(&[head.to_vec(), ended], 64, 32).is_ok());
        // ... or the next fragment starts another frame, and this one is cut short
        let second = jpeg_ls_scan(&[0xFF, 0xD9]);
        let err = check(&[cut, second.clone()], 64, 32).unwrap_err();
        assert!(err.contains("fragment 1"), "{err}");
        assert!(check(&[second.clone(), second], 64, 32).is_ok());
        // a baseline JPEG stream is not held to it (libjpeg decoders accept a missing EOI)
        let mut jpeg = jpeg_ls(64, 32, 1);
        jpeg[9] = 0xC0;
        jpeg.extend([0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0, 0, 0x12]);
        assert!(check(&[jpeg], 64, 32).is_ok());
    }

    #[test]
    fn a_declared_size_other_than_the_headers_is_refused() {
        let huge = check(&[siz(u32::MAX, 64, 0, 0, 1)], 64, 32).unwrap_err();
        assert!(
            huge.contains("4294967295") && huge.contains("64×32"),
            "{huge}"
        );
        assert!(check(&[siz(32, 64, 0, 0, 3)], 64, 32).is_err());
        assert!(check(&[siz(32, 64, 40, 0, 1)], 64, 32).is_err());
        assert!(check(&[jpeg_ls(64, 33, 1)], 64, 32).is_err());
        assert!(check(&[jpeg_ls(0, 32, 1)], 64, 32).is_err());
        assert!(check(&[siz(32, 64, 0, 0, 1)[..20].to_vec()], 64, 32).is_err());
        assert!(check(&[vec![0xFF, 0xD8, 0xFF, 0xDA, 0, 2]], 64, 32).is_err());
        assert!(check(&[vec![0xFF, 0xD8, 0xFF, 0xE0, 0xFF, 0xFF]], 64, 32).is_err());
    }
}
