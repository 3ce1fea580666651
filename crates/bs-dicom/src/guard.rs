//! A structural pre-check of DICOM bytes, run before the DICOM parser sees them.
//!
//! Why: the parser allocates (and zero-fills) each element's declared length before reading it,
//! so a 4-byte length field saying 0xFFFFFFF0 in a 200-byte file would make it claim 4 GiB.
//! This walker visits every element header — into sequences and items, as the parser does —
//! and checks that each declared length fits in the bytes that remain. It never allocates
//! more than the (capped) inflated data set of a deflated file.

use std::io::Read;

use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::StandardDataDictionary;

/// Implicit VR Little Endian.
pub(crate) const IMPLICIT_VR_LE: &str = "1.2.840.10008.1.2";
/// Explicit VR Little Endian.
pub(crate) const EXPLICIT_VR_LE: &str = "1.2.840.10008.1.2.1";
/// Explicit VR Big Endian (retired).
pub(crate) const EXPLICIT_VR_BE: &str = "1.2.840.10008.1.2.2";
/// Deflated Explicit VR Little Endian.
pub(crate) const DEFLATED_EXPLICIT_VR_LE: &str = "1.2.840.10008.1.2.1.99";

const MAX_DEPTH: usize = 32;

/// What the pre-check found out about the file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Layout {
    /// Offset of the `DICM` magic (0 without preamble, 128 with).
    pub magic_offset: usize,
    /// Transfer Syntax UID from the file meta group.
    pub transfer_syntax: String,
}

/// A structural problem: where and what.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum GuardError {
    /// No `DICM` magic.
    NotDicom(String),
    /// Broken structure at a byte offset.
    Malformed { offset: u64, reason: String },
}

fn malformed(offset: usize, reason: impl Into<String>) -> GuardError {
    GuardError::Malformed {
        offset: offset as u64,
        reason: reason.into(),
    }
}

/// Checks `bytes` (a whole DICOM file). `max_inflated` caps the inflated size of a deflated
/// data set.
pub(crate) fn check(bytes: &[u8], max_inflated: u64) -> Result<Layout, GuardError> {
    let magic_offset = if bytes.len() >= 132 && &bytes[128..132] == b"DICM" {
        128
    } else if bytes.len() >= 4 && &bytes[0..4] == b"DICM" {
        0
    } else {
        return Err(GuardError::NotDicom(format!(
            "no \"DICM\" magic at byte 128 ({} bytes in file)",
            bytes.len()
        )));
    };
    let (transfer_syntax, dataset_start) = walk_meta(bytes, magic_offset + 4)?;
    let ts = transfer_syntax.as_str();
    let rest = &bytes[dataset_start..];
    if ts == DEFLATED_EXPLICIT_VR_LE {
        let mut inflated = Vec::new();
        flate2::read::DeflateDecoder::new(rest)
            .take(max_inflated.saturating_add(1))
            .read_to_end(&mut inflated)
            .map_err(|e| malformed(dataset_start, format!("deflated data set: {e}")))?;
        if inflated.len() as u64 > max_inflated {
            return Err(malformed(
                dataset_start,
                format!("deflated data set inflates to more than {max_inflated} bytes"),
            ));
        }
        Walker {
            bytes: &inflated,
            base: 0,
            big_endian: false,
            stop_at_pixel_data: false,
        }
        .dataset(0, inflated.len(), Vr::Explicit, 0)?;
    } else {
        let (vr, big_endian) = match ts {
            IMPLICIT_VR_LE => (Vr::Implicit, false),
            EXPLICIT_VR_BE => (Vr::Explicit, true),
            _ => (Vr::Explicit, false),
        };
        Walker {
            bytes: rest,
            base: dataset_start,
            big_endian,
            stop_at_pixel_data: false,
        }
        .dataset(0, rest.len(), vr, 0)?;
    }
    Ok(Layout {
        magic_offset,
        transfer_syntax,
    })
}

/// Most bytes after the pixels the fast path reads to check they are padding.
const MAX_TRAILING: usize = 64 << 10;

/// Where uncompressed little-endian Pixel Data lies in a file, found by [`native_pixel_data`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NativePixelData {
    /// Offset of the Pixel Data element's tag: everything before it is the header.
    pub element_start: usize,
    /// Offset of its first value byte.
    pub value_start: usize,
    /// Its declared (even, defined) length.
    pub length: usize,
    /// Bytes after the value: 0, or what [`is_trailing_padding`] must accept.
    pub trailing: usize,
    /// Whether the data set is in explicit VR (else implicit VR) little endian.
    pub explicit: bool,
}

/// Data Set Trailing Padding (FFFC,FFFC), which "shall have no DICOM meaning" (PS3.5 §7.1):
/// an element the fast path may leave unread after the pixels.
const TRAILING_PADDING: (u16, u16) = (0xFFFC, 0xFFFC);

/// Whether `bytes` are exactly one Data Set Trailing Padding element (explicit VR: `OB`, or
/// implicit VR) whose length runs to their end.
pub(crate) fn is_trailing_padding(bytes: &[u8], explicit: bool) -> bool {
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
    let header = if explicit { 12 } else { 8 };
    if bytes.len() < header || (u16_at(0), u16_at(2)) != TRAILING_PADDING {
        return false;
    }
    if explicit && &bytes[4..8] != b"OB\0\0" {
        return false;
    }
    let len = u32::from_le_bytes(bytes[header - 4..header].try_into().expect("4 bytes"));
    len as usize == bytes.len() - header
}

/// The Pixel Data of a file in (explicit or implicit VR) little endian when it is stored
/// natively (OB/OW, defined even length) and is the file's last element but for trailing
/// bytes (which the reader checks with [`is_trailing_padding`]), found from `head`, the first
/// bytes of a file of `file_len` bytes. Every element before it is checked as [`check`] does,
/// and must lie inside `head`. `None` for anything else (other syntaxes, encapsulated data,
/// more than 64 KiB after the pixels, a header longer than `head`, any structural problem):
/// such files take the general path, which reports problems.
pub(crate) fn native_pixel_data(head: &[u8], file_len: usize) -> Option<NativePixelData> {
    let magic_offset = if head.len() >= 132 && &head[128..132] == b"DICM" {
        128
    } else if head.len() >= 4 && &head[0..4] == b"DICM" {
        0
    } else {
        return None;
    };
    let (ts, dataset_start) = walk_meta(head, magic_offset + 4).ok()?;
    let vr_mode = match ts.as_str() {
        IMPLICIT_VR_LE => Vr::Implicit,
        EXPLICIT_VR_LE => Vr::Explicit,
        _ => return None,
    };
    let walker = Walker {
        bytes: head,
        base: 0,
        big_endian: false,
        stop_at_pixel_data: true,
    };
    let pos = walker.dataset(dataset_start, head.len(), vr_mode, 0).ok()?;
    if pos + 8 > head.len() || (walker.u16_at(pos), walker.u16_at(pos + 2)) != PIXEL_DATA {
        return None;
    }
    let (vr, len, header) = walker
        .element_header(pos, head.len(), PIXEL_DATA, vr_mode)
        .ok()?;
    let value_start = pos + header;
    let native_vr = vr.is_none_or(|v| &v == b"OB" || &v == b"OW");
    let end = value_start.checked_add(len as usize)?;
    let trailing = file_len.checked_sub(end)?;
    (native_vr && len != UNDEFINED && len % 2 == 0 && trailing <= MAX_TRAILING).then_some(
        NativePixelData {
            element_start: pos,
            value_start,
            length: len as usize,
            trailing,
            explicit: vr_mode == Vr::Explicit,
        },
    )
}

/// Walks the file meta group as dicom-object reads it: first its group length (0002,0000), 4
/// bytes, then explicit VR little endian elements of any group until that many bytes are
/// consumed; the data set starts where the last one ends. (Walking while the group is 0002
/// let a wrong group length put the parser's data set start elsewhere than the walk's, and
/// the parser allocated a declared length the walk had never seen.) Returns the Transfer
/// Syntax UID and the data set start.
fn walk_meta(bytes: &[u8], start: usize) -> Result<(String, usize), GuardError> {
    let (tag, len, value) = meta_element(bytes, start)?;
    if tag != (0x0002, 0x0000) || len != 4 {
        return Err(malformed(
            start,
            format!(
                "file meta group starts with ({:04X},{:04X}) of {len} bytes, not its 4-byte group length (0002,0000)",
                tag.0, tag.1
            ),
        ));
    }
    let group_length = u32::from_le_bytes(bytes[value..value + 4].try_into().expect("4 bytes"));
    let (mut pos, mut consumed, mut ts) = (value + 4, 0u64, None);
    while consumed < u64::from(group_length) {
        let (tag, len, value) = meta_element(bytes, pos)?;
        if tag == (0x0002, 0x0010) {
            let raw = &bytes[value..value + len];
            ts = Some(
                String::from_utf8_lossy(raw)
                    .trim_end_matches(['\0', ' '])
                    .trim()
                    .to_string(),
            );
        }
        consumed += (value + len - pos) as u64;
        pos = value + len;
    }
    match ts {
        Some(ts) if !ts.is_empty() => Ok((ts, pos)),
        _ => Err(malformed(
            start,
            "file meta group has no Transfer Syntax UID (0002,0010)",
        )),
    }
}

/// Tag, checked length and value offset of the explicit VR little endian file meta element at
/// `pos`.
fn meta_element(bytes: &[u8], pos: usize) -> Result<((u16, u16), usize, usize), GuardError> {
    let cut = || malformed(pos, "file meta element header cut short");
    let head = bytes.get(pos..pos + 8).ok_or_else(cut)?;
    let tag = (
        u16::from_le_bytes([head[0], head[1]]),
        u16::from_le_bytes([head[2], head[3]]),
    );
    if tag.0 == 0xFFFE {
        // the parser reads no VR after an item tag: it would step another way than this walk
        return Err(malformed(
            pos,
            format!(
                "item tag ({:04X},{:04X}) in the file meta group",
                tag.0, tag.1
            ),
        ));
    }
    let (len, header) = if long_length_vr([head[4], head[5]]) {
        let raw = bytes.get(pos + 8..pos + 12).ok_or_else(cut)?;
        (u32::from_le_bytes(raw.try_into().expect("4 bytes")), 12)
    } else {
        (u32::from(u16::from_le_bytes([head[6], head[7]])), 8)
    };
    let remaining = bytes.len().saturating_sub(pos + header);
    if len as usize > remaining {
        return Err(malformed(
            pos,
            format!(
                "file meta element ({:04X},{:04X}) declares {len} bytes, only {remaining} remain",
                tag.0, tag.1
            ),
        ));
    }
    Ok((tag, len as usize, pos + header))
}

/// VRs whose explicit header has 2 reserved bytes and a 4-byte length: all but the 21 of
/// PS3.5 Table 7.1-2 with a 2-byte length. Unknown VR codes count as long, since the DICOM
/// parser reads them as UN (a corrupt VR once made it read 4 bytes of a UID as a 775 MB
/// length the walk had not checked).
fn long_length_vr(vr: [u8; 2]) -> bool {
    !matches!(
        &vr,
        b"AE"
            | b"AS"
            | b"AT"
            | b"CS"
            | b"DA"
            | b"DS"
            | b"DT"
            | b"FL"
            | b"FD"
            | b"IS"
            | b"LO"
            | b"LT"
            | b"PN"
            | b"SH"
            | b"SL"
            | b"SS"
            | b"ST"
            | b"TM"
            | b"UI"
            | b"UL"
            | b"US"
    )
}

#[derive(Clone, Copy, PartialEq)]
enum Vr {
    Explicit,
    Implicit,
}

struct Walker<'a> {
    bytes: &'a [u8],
    /// Offset of `bytes[0]` in the file, for messages.
    base: usize,
    big_endian: bool,
    /// Stop the top-level walk at the Pixel Data element (returning its position).
    stop_at_pixel_data: bool,
}

const PIXEL_DATA: (u16, u16) = (0x7FE0, 0x0010);

const ITEM: (u16, u16) = (0xFFFE, 0xE000);
const ITEM_END: (u16, u16) = (0xFFFE, 0xE00D);
const SEQ_END: (u16, u16) = (0xFFFE, 0xE0DD);
const UNDEFINED: u32 = 0xFFFF_FFFF;

impl Walker<'_> {
    fn u16_at(&self, pos: usize) -> u16 {
        let b = [self.bytes[pos], self.bytes[pos + 1]];
        if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        }
    }

    fn u32_at(&self, pos: usize) -> u32 {
        let b: [u8; 4] = self.bytes[pos..pos + 4].try_into().expect("4 bytes");
        if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }
    }

    fn err(&self, pos: usize, reason: impl Into<String>) -> GuardError {
        malformed(self.base + pos, reason)
    }

    /// Reads a tag and 4-byte length of an item or delimiter at `pos`.
    fn item_header(&self, pos: usize, end: usize) -> Result<((u16, u16), u32), GuardError> {
        if pos + 8 > end {
            return Err(self.err(pos, "sequence item header cut short"));
        }
        Ok((
            (self.u16_at(pos), self.u16_at(pos + 2)),
            self.u32_at(pos + 4),
        ))
    }

    /// VR (explicit only), declared length and header size of the element `tag` at `pos`
    /// (its 8 bytes of tag and short header are known to be there).
    fn element_header(
        &self,
        pos: usize,
        end: usize,
        tag: (u16, u16),
        vr_mode: Vr,
    ) -> Result<(Option<[u8; 2]>, u32, usize), GuardError> {
        Ok(match vr_mode {
            Vr::Explicit => {
                let vr = [self.bytes[pos + 4], self.bytes[pos + 5]];
                if !vr.iter().all(u8::is_ascii_uppercase) {
                    return Err(self.err(
                        pos,
                        format!(
                            "element ({:04X},{:04X}) has invalid VR bytes {:02X} {:02X}",
                            tag.0, tag.1, vr[0], vr[1]
                        ),
                    ));
                }
                if long_length_vr(vr) {
                    if pos + 12 > end {
                        return Err(self.err(pos, "element header cut short"));
                    }
                    (Some(vr), self.u32_at(pos + 8), 12)
                } else {
                    (Some(vr), u32::from(self.u16_at(pos + 6)), 8)
                }
            }
            Vr::Implicit => (None, self.u32_at(pos + 4), 8),
        })
    }

    /// Walks data set elements in `pos..end`. When `end` is the end of an undefined-length item,
    /// stops after its Item Delimitation; returns the position after the last byte consumed.
    fn dataset(
        &self,
        mut pos: usize,
        end: usize,
        vr_mode: Vr,
        depth: usize,
    ) -> Result<usize, GuardError> {
        if depth > MAX_DEPTH {
            return Err(self.err(pos, format!("sequences nested deeper than {MAX_DEPTH}")));
        }
        while pos < end {
            if pos + 8 > end {
                return Err(self.err(
                    pos,
                    format!("element header cut short ({} bytes left)", end - pos),
                ));
            }
            let tag = (self.u16_at(pos), self.u16_at(pos + 2));
            if depth == 0 && self.stop_at_pixel_data {
                if tag == PIXEL_DATA {
                    return Ok(pos);
                }
                if tag == ITEM_END {
                    // would end the top-level walk early: not a file for the fast path
                    return Err(self.err(pos, "item delimiter outside an item"));
                }
            }
            let past_pixel_data = tag > PIXEL_DATA || (depth > 0 && tag == PIXEL_DATA);
            if self.stop_at_pixel_data && past_pixel_data && tag.0 != 0xFFFE {
                // the header parse stops at the first tag at or past Pixel Data (dicom-object's
                // read_until), here, not at the Pixel Data the fast path would read: a fuzzed
                // (FC28,0100) made it drop the Pixel Representation that followed
                return Err(self.err(
                    pos,
                    format!(
                        "element ({:04X},{:04X}) sorts after Pixel Data but comes before it",
                        tag.0, tag.1
                    ),
                ));
            }
            if tag == ITEM_END && depth == 0 {
                // a stray delimiter: the parser skips it and reads on, so the walk does too (it
                // used to stop here, leaving what followed unchecked: a fuzzed file declared a
                // 1.1 GB element after one)
                pos += 8;
                continue;
            }
            if tag == ITEM_END {
                return Ok(pos + 8);
            }
            if tag == ITEM || tag == SEQ_END {
                return Err(self.err(
                    pos,
                    format!(
                        "unexpected ({:04X},{:04X}) outside a sequence",
                        tag.0, tag.1
                    ),
                ));
            }
            if tag.0 == 0xFFFE {
                // the parser reads no VR after a tag of group FFFE, so in explicit VR it would
                // step another way than this walk (a fuzzed SEG's meta group held one)
                return Err(self.err(
                    pos,
                    format!(
                        "({:04X},{:04X}) is neither an item nor a delimiter",
                        tag.0, tag.1
                    ),
                ));
            }
            let (vr, len, header) = self.element_header(pos, end, tag, vr_mode)?;
            let value = pos + header;
            let is_sequence = match vr {
                Some(vr) => &vr == b"SQ",
                None => dictionary_vr_is_sq(tag),
            };
            if len == UNDEFINED {
                if tag == PIXEL_DATA && vr.is_none_or(|v| &v == b"OB" || &v == b"OW") {
                    pos = self.fragments(value, end)?;
                } else if is_sequence || vr.is_none() || vr == Some(*b"UN") {
                    // undefined-length UN holds an implicit VR little endian sequence
                    let inner = if vr == Some(*b"UN") {
                        Vr::Implicit
                    } else {
                        vr_mode
                    };
                    pos = self.sequence(value, end, None, inner, depth + 1)?;
                } else {
                    return Err(self.err(
                        pos,
                        format!("element ({:04X},{:04X}) has undefined length", tag.0, tag.1),
                    ));
                }
                continue;
            }
            let len = len as usize;
            if len > end - value.min(end) {
                return Err(self.err(
                    pos,
                    format!(
                        "element ({:04X},{:04X}) declares {len} bytes, only {} remain",
                        tag.0,
                        tag.1,
                        end.saturating_sub(value)
                    ),
                ));
            }
            if let Some(size) = value_size(vr, tag).filter(|&size| len % size != 0) {
                return Err(self.err(
                    pos,
                    format!(
                        "element ({:04X},{:04X}) holds {len} bytes, not whole {size}-byte values",
                        tag.0, tag.1
                    ),
                ));
            }
            if is_sequence {
                self.sequence(value, value + len, Some(value + len), vr_mode, depth + 1)?;
            }
            pos = value + len;
        }
        Ok(pos)
    }

    /// Walks sequence items from `pos`: to `end` for a defined-length sequence (`defined_end`),
    /// else to its Sequence Delimitation. Returns the position after the sequence.
    fn sequence(
        &self,
        mut pos: usize,
        end: usize,
        defined_end: Option<usize>,
        vr_mode: Vr,
        depth: usize,
    ) -> Result<usize, GuardError> {
        loop {
            if defined_end == Some(pos) {
                return Ok(pos);
            }
            let (tag, len) = self.item_header(pos, end)?;
            if tag == SEQ_END && defined_end.is_some() {
                // dicom-parser ends the sequence here and reads on from the next byte, not
                // from the defined end the walk would go on from (a fuzzed SEG declared 1.9 GB
                // in between)
                return Err(self.err(pos, "sequence delimiter inside a defined-length sequence"));
            }
            if tag == SEQ_END {
                return Ok(pos + 8);
            }
            if tag != ITEM {
                return Err(self.err(
                    pos,
                    format!(
                        "expected a sequence item, found ({:04X},{:04X})",
                        tag.0, tag.1
                    ),
                ));
            }
            let value = pos + 8;
            if len == UNDEFINED {
                pos = self.dataset(value, end, vr_mode, depth)?;
            } else {
                let len = len as usize;
                if len > end - value {
                    return Err(self.err(
                        pos,
                        format!(
                            "sequence item declares {len} bytes, only {} remain",
                            end - value
                        ),
                    ));
                }
                if self.dataset(value, value + len, vr_mode, depth)? != value + len {
                    return Err(self.err(pos, "item delimiter inside a defined-length item"));
                }
                pos = value + len;
            }
        }
    }

    /// Walks the fragments of encapsulated Pixel Data; returns the position after its delimiter.
    fn fragments(&self, mut pos: usize, end: usize) -> Result<usize, GuardError> {
        loop {
            let (tag, len) = self.item_header(pos, end)?;
            if tag == SEQ_END {
                return Ok(pos + 8);
            }
            if tag != ITEM || len == UNDEFINED {
                return Err(self.err(
                    pos,
                    "encapsulated Pixel Data: expected a fragment item of defined length",
                ));
            }
            let value = pos + 8;
            if len as usize > end - value {
                return Err(self.err(
                    pos,
                    format!(
                        "pixel data fragment declares {len} bytes, only {} remain",
                        end - value
                    ),
                ));
            }
            pos = value + len as usize;
        }
    }
}

/// The size of one value of a binary numeric VR (explicit, else the dictionary's for `tag`),
/// `None` for the others. dicom-parser reads `length / size` values and moves on by `length`
/// bytes without reading the rest, so a length that is not a multiple puts its reading out of
/// step with the walk's (a fuzzed FD element of 6 bytes made it read a 1.2 GB length the walk
/// never saw).
fn value_size(vr: Option<[u8; 2]>, tag: (u16, u16)) -> Option<usize> {
    use dicom_core::dictionary::VirtualVr;
    let vr = match vr {
        Some(code) => code,
        None => match StandardDataDictionary.by_tag(Tag(tag.0, tag.1))?.vr() {
            VirtualVr::Exact(vr) => vr.to_string().as_bytes().try_into().ok()?,
            // US or SS, OB or OW, pixel data OB or OW, US or SS or OW: read as 16-bit words
            VirtualVr::Xs | VirtualVr::Ox | VirtualVr::Px | VirtualVr::Lt => *b"OW",
            _ => return None,
        },
    };
    match &vr {
        b"US" | b"SS" | b"OW" => Some(2),
        b"AT" | b"FL" | b"OF" | b"OL" | b"SL" | b"UL" => Some(4),
        b"FD" | b"OD" | b"SV" | b"UV" | b"OV" => Some(8),
        _ => None,
    }
}

fn dictionary_vr_is_sq(tag: (u16, u16)) -> bool {
    StandardDataDictionary
        .by_tag(Tag(tag.0, tag.1))
        .is_some_and(|e| matches!(e.vr(), dicom_core::dictionary::VirtualVr::Exact(VR::SQ)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(ts: &str, dataset: &[u8]) -> Vec<u8> {
        let mut v = vec![0u8; 128];
        v.extend_from_slice(b"DICM");
        let mut ts = ts.as_bytes().to_vec();
        if ts.len() % 2 == 1 {
            ts.push(0);
        }
        v.extend_from_slice(&[0x02, 0x00, 0x00, 0x00, b'U', b'L', 4, 0]);
        v.extend_from_slice(&(8 + ts.len() as u32).to_le_bytes());
        v.extend_from_slice(&[0x02, 0x00, 0x10, 0x00, b'U', b'I']);
        v.extend_from_slice(&(ts.len() as u16).to_le_bytes());
        v.extend_from_slice(&ts);
        v.extend_from_slice(dataset);
        v
    }

    #[test]
    fn accepts_a_small_explicit_data_set() {
        // (0010,0020) LO "ID"
        let ds = [0x10, 0x00, 0x20, 0x00, b'L', b'O', 2, 0, b'I', b'D'];
        let layout = check(&file("1.2.840.10008.1.2.1", &ds), 1 << 20).unwrap();
        assert_eq!(layout.transfer_syntax, "1.2.840.10008.1.2.1");
        assert_eq!(layout.magic_offset, 128);
    }

    #[test]
    fn refuses_a_declared_length_past_the_end() {
        // (7FE0,0010) OW with length 0xFFFFFFF0
        let ds = [
            0xE0, 0x7F, 0x10, 0x00, b'O', b'W', 0, 0, 0xF0, 0xFF, 0xFF, 0xFF, 1, 2,
        ];
        match check(&file("1.2.840.10008.1.2.1", &ds), 1 << 20) {
            Err(GuardError::Malformed { reason, .. }) => {
                assert!(reason.contains("declares"), "{reason}")
            }
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    #[test]
    fn unknown_vrs_have_a_four_byte_length_as_the_parser_reads_them() {
        // (0010,0020) with VR "XY": the parser reads it as UN, a 4-byte length after 2
        // reserved bytes — here "1." and ".2" of a UID, 775 MB
        let mut meta_and_ds = file("1.2.840.10008.1.2.1", &[]);
        meta_and_ds.extend_from_slice(&[0x10, 0x00, 0x20, 0x00, b'X', b'Y', 4, 0]);
        meta_and_ds.extend_from_slice(b"1.2.840.10008");
        match check(&meta_and_ds, 1 << 20) {
            Err(GuardError::Malformed { reason, .. }) => {
                assert!(reason.contains("declares 775040561 bytes"), "{reason}")
            }
            other => panic!("expected Malformed, got {other:?}"),
        }
        // in the file meta group any two bytes are taken as a VR (the fuzzed crasher had "U&")
        let mut meta = file("1.2.840.10008.1.2.1", &[]);
        meta[140..144].copy_from_slice(&100u32.to_le_bytes());
        meta.extend_from_slice(&[0x02, 0x00, 0x12, 0x00, b'U', b'&', 4, 0]);
        meta.extend_from_slice(b"1.2.840.10008");
        match check(&meta, 1 << 20) {
            Err(GuardError::Malformed { reason, .. }) => {
                assert!(
                    reason.contains("(0002,0012) declares 775040561 bytes"),
                    "{reason}"
                )
            }
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    #[test]
    fn the_meta_group_ends_where_its_group_length_says() {
        // group length 4 bytes too long: the parser reads the first data set element as meta
        // too, and so does the walk (its declared length checked against what remains)
        let ds = [0x10, 0x00, 0x20, 0x00, b'L', b'O', 0xFF, 0x7F, b'I', b'D'];
        let mut f = file("1.2.840.10008.1.2.1", &ds);
        let group_length = u32::from_le_bytes(f[140..144].try_into().unwrap());
        f[140..144].copy_from_slice(&(group_length + 4).to_le_bytes());
        match check(&f, 1 << 20) {
            Err(GuardError::Malformed { reason, .. }) => {
                assert!(
                    reason.contains("(0010,0020) declares 32767 bytes"),
                    "{reason}"
                )
            }
            other => panic!("expected Malformed, got {other:?}"),
        }
        // no group length at all: refused, as the parser refuses it
        let mut f = file("1.2.840.10008.1.2.1", &[]);
        f.drain(132..144);
        assert!(matches!(
            check(&f, 1 << 20),
            Err(GuardError::Malformed { .. })
        ));
    }

    #[test]
    fn binary_values_must_fill_whole_values() {
        // (0018,1242) as FD with 6 bytes (explicit), Rows US with 3 bytes (implicit)
        let fd = [0x18, 0x00, 0x42, 0x12, b'F', b'D', 6, 0, 1, 2, 3, 4, 5, 6];
        let rows = [0x28, 0x00, 0x10, 0x00, 3, 0, 0, 0, 1, 2, 3];
        for (ts, ds, want) in [
            (
                EXPLICIT_VR_LE,
                &fd[..],
                "(0018,1242) holds 6 bytes, not whole 8-byte",
            ),
            (
                IMPLICIT_VR_LE,
                &rows[..],
                "(0028,0010) holds 3 bytes, not whole 2-byte",
            ),
        ] {
            match check(&file(ts, ds), 1 << 20) {
                Err(GuardError::Malformed { reason, .. }) => {
                    assert!(reason.contains(want), "{reason}")
                }
                other => panic!("expected Malformed, got {other:?}"),
            }
        }
        // whole values pass
        let fd = [
            0x18, 0x00, 0x42, 0x12, b'F', b'D', 8, 0, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F,
        ];
        assert!(check(&file(EXPLICIT_VR_LE, &fd), 1 << 20).is_ok());
    }

    #[test]
    fn walks_into_implicit_sequences_of_defined_length() {
        // implicit: (0054,0022) Detector Information Sequence, 16 bytes: one item of 8 bytes
        // whose element (0054,0220) claims 1000 bytes.
        let mut ds = vec![0x54, 0x00, 0x22, 0x00, 16, 0, 0, 0];
        ds.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 8, 0, 0, 0]);
        ds.extend_from_slice(&[0x54, 0x00, 0x20, 0x02, 0xE8, 0x03, 0, 0]);
        assert!(matches!(
            check(&file(IMPLICIT_VR_LE, &ds), 1 << 20),
            Err(GuardError::Malformed { .. })
        ));
    }

    #[test]
    fn delimiters_inside_defined_lengths_are_refused() {
        // explicit: (0008,1115) SQ of 16 bytes whose first item header is a Sequence
        // Delimitation (the parser would end the sequence there and read its rest as elements)
        let mut ds = vec![0x08, 0x00, 0x15, 0x11, b'S', b'Q', 0, 0, 16, 0, 0, 0];
        ds.extend_from_slice(&[0xFE, 0xFF, 0xDD, 0xE0, 8, 0, 0, 0]);
        ds.extend_from_slice(&[0x10, 0x00, 0x20, 0x00, b'L', b'O', 0, 0]);
        // and an item of 16 bytes with an Item Delimitation half-way
        let mut item = vec![0x08, 0x00, 0x15, 0x11, b'S', b'Q', 0, 0, 24, 0, 0, 0];
        item.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 16, 0, 0, 0]);
        item.extend_from_slice(&[0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0]);
        item.extend_from_slice(&[0x10, 0x00, 0x20, 0x00, b'L', b'O', 0, 0]);
        // and a tag of the item group that is neither an item nor a delimiter
        let odd = vec![0xFE, 0xFF, 0xFF, 0x00, b'L', b'O', 0, 0];
        for (ds, what) in [
            (ds, "sequence delimiter"),
            (item, "item delimiter"),
            (odd, "(FFFE,00FF) is neither"),
        ] {
            match check(&file("1.2.840.10008.1.2.1", &ds), 1 << 20) {
                Err(GuardError::Malformed { reason, .. }) => {
                    assert!(reason.starts_with(what), "{reason}")
                }
                other => panic!("{what}: expected Malformed, got {other:?}"),
            }
        }
    }

    #[test]
    fn refuses_files_without_magic() {
        assert!(matches!(
            check(b"hello world", 1 << 20),
            Err(GuardError::NotDicom(_))
        ));
    }
}
