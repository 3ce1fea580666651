//! A structure-aware mutator for DICOM inputs: half of the mutations are libFuzzer's own byte
//! mutations, the other half edit the file as data elements — a geometry or pixel-format value
//! set to an edge value, a declared length bent, the transfer syntax swapped (the meta group
//! length kept consistent), an element deleted or repeated, the file cut inside an element —
//! so that the fuzzer reaches the decoders with headers that still parse.

/// One data element as found by [`elements`]: byte ranges in the input.
#[derive(Debug, Clone, Copy)]
pub struct Element {
    pub start: usize,
    pub tag: (u16, u16),
    /// Offset and width (2 or 4 bytes) of the length field.
    pub len_at: usize,
    pub len_width: usize,
    pub value_start: usize,
    /// Value end; `value_start` for undefined lengths and items whose contents are walked.
    pub value_end: usize,
}

/// VRs whose explicit-VR header has two reserved bytes and a 4-byte length.
const LONG_VRS: [&[u8; 2]; 13] = [
    b"OB", b"OW", b"OF", b"SQ", b"UT", b"UN", b"UC", b"UR", b"OD", b"OL", b"OV", b"SV", b"UV",
];

const PIXEL_DATA: (u16, u16) = (0x7FE0, 0x0010);
const TRANSFER_SYNTAX: (u16, u16) = (0x0002, 0x0010);
const META_GROUP_LENGTH: (u16, u16) = (0x0002, 0x0000);

/// Geometry and pixel-format elements (little-endian US) and the edge values tried for them.
const US_TAGS: [(u16, u16); 8] = [
    (0x0028, 0x0002), // Samples per Pixel
    (0x0028, 0x0010), // Rows
    (0x0028, 0x0011), // Columns
    (0x0028, 0x0100), // Bits Allocated
    (0x0028, 0x0101), // Bits Stored
    (0x0028, 0x0102), // High Bit
    (0x0028, 0x0103), // Pixel Representation
    (0x0054, 0x0011), // Number of Energy Windows
];
const US_VALUES: [u16; 12] = [0, 1, 2, 3, 7, 8, 15, 16, 32, 256, 1024, 0xFFFF];
/// Integer-string elements (Number of Frames, Image/Detector counts) and the values tried.
const IS_TAGS: [(u16, u16); 2] = [(0x0028, 0x0008), (0x0054, 0x0021)];
const IS_VALUES: [&str; 8] = ["0", "1", "2", "3", "4", "-1", "99999", "2147483647"];
const LENGTHS: [u32; 8] = [0, 1, 2, 3, 0xFFFE, 0xFFFF, 0x7FFF_FFFF, 0xFFFF_FFFF];
const TRANSFER_SYNTAXES: [&str; 9] = [
    "1.2.840.10008.1.2",
    "1.2.840.10008.1.2.1",
    "1.2.840.10008.1.2.1.99",
    "1.2.840.10008.1.2.2",
    "1.2.840.10008.1.2.5",
    "1.2.840.10008.1.2.4.80",
    "1.2.840.10008.1.2.4.90",
    "1.2.840.10008.1.2.4.70",
    "1.2.840.10008.1.2.4.50",
];

/// The elements of `data` in file order, walked as explicit VR where a VR is present and as
/// implicit VR otherwise; the walk stops where a length runs past the end.
pub fn elements(data: &[u8]) -> Vec<Element> {
    let mut at = if data.get(128..132) == Some(b"DICM") {
        132
    } else {
        0
    };
    let mut out = Vec::new();
    // inside encapsulated pixel data items hold fragments (skipped), elsewhere data sets
    let mut in_fragments = false;
    while at + 8 <= data.len() {
        let u16_at = |i: usize| u16::from_le_bytes([data[i], data[i + 1]]);
        let tag = (u16_at(at), u16_at(at + 2));
        let vr = [data[at + 4], data[at + 5]];
        let explicit = tag.0 != 0xFFFE && vr.iter().all(u8::is_ascii_uppercase);
        let (len_at, len_width) = match explicit {
            true if LONG_VRS.contains(&&vr) => (at + 8, 4),
            true => (at + 6, 2),
            false => (at + 4, 4),
        };
        if len_at + len_width > data.len() {
            break;
        }
        let len = match len_width {
            2 => u16_at(len_at) as usize,
            _ => u32::from_le_bytes(data[len_at..len_at + 4].try_into().unwrap()) as usize,
        };
        let value_start = len_at + len_width;
        let undefined = len == 0xFFFF_FFFF;
        if tag == PIXEL_DATA && undefined {
            in_fragments = true;
        } else if tag == (0xFFFE, 0xE0DD) {
            in_fragments = false;
        }
        // undefined lengths and the items of a sequence are walked into
        let item_of_sequence = tag == (0xFFFE, 0xE000) && !in_fragments;
        let value_end = if undefined || item_of_sequence {
            value_start
        } else {
            value_start.saturating_add(len)
        };
        if value_end > data.len() {
            break;
        }
        out.push(Element {
            start: at,
            tag,
            len_at,
            len_width,
            value_start,
            value_end,
        });
        at = value_end;
    }
    out
}

/// splitmix64: a small deterministic generator seeded by libFuzzer.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u32) -> Rng {
        Rng(seed as u64 ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// One structural mutation of `data` in place; false when none applied (no elements found).
pub fn mutate(data: &mut Vec<u8>, rng: &mut Rng) -> bool {
    let found = elements(data);
    if found.is_empty() {
        return false;
    }
    let of = |tags: &[(u16, u16)]| -> Vec<Element> {
        found
            .iter()
            .filter(|e| tags.contains(&e.tag))
            .copied()
            .collect()
    };
    match rng.below(7) {
        0 => match of(&US_TAGS).as_slice() {
            [] => false,
            us => {
                let e = *rng.pick(us);
                let v = rng.pick(&US_VALUES).to_le_bytes();
                let end = (e.value_start + 2).min(e.value_end);
                data[e.value_start..end].copy_from_slice(&v[..end - e.value_start]);
                true
            }
        },
        1 => match of(&IS_TAGS).as_slice() {
            [] => false,
            is => {
                let e = *rng.pick(is);
                let mut v = rng.pick(&IS_VALUES).as_bytes().to_vec();
                if v.len() % 2 == 1 {
                    v.push(b' ');
                }
                replace_value(data, &e, &v);
                fix_meta_group_length(data);
                true
            }
        },
        2 => {
            let e = *rng.pick(&found);
            let len = *rng.pick(&LENGTHS);
            let bytes = len.to_le_bytes();
            data[e.len_at..e.len_at + e.len_width].copy_from_slice(&bytes[..e.len_width]);
            true
        }
        3 => match of(&[TRANSFER_SYNTAX]).first() {
            None => false,
            Some(e) => {
                let mut uid = rng.pick(&TRANSFER_SYNTAXES).as_bytes().to_vec();
                if uid.len() % 2 == 1 {
                    uid.push(0);
                }
                replace_value(data, e, &uid);
                fix_meta_group_length(data);
                true
            }
        },
        4 => {
            let e = *rng.pick(&found);
            let whole = data[e.start..e.value_end].to_vec();
            if rng.below(2) == 0 {
                data.drain(e.start..e.value_end);
            } else {
                data.splice(e.value_end..e.value_end, whole);
            }
            true
        }
        5 => {
            // the RLE header of a fragment (segment count, then 15 segment offsets), or
            // the first bytes of a JPEG stream
            let Some(pixel) = of(&[PIXEL_DATA]).first().copied() else {
                return false;
            };
            let fragments: Vec<Element> = found
                .iter()
                .filter(|e| e.start > pixel.start && e.tag == (0xFFFE, 0xE000))
                .skip(1) // the basic offset table
                .filter(|e| e.value_end >= e.value_start + 64)
                .copied()
                .collect();
            if fragments.is_empty() {
                return false;
            }
            let e = *rng.pick(&fragments);
            let at = e.value_start + 4 * rng.below(16);
            let v = *rng.pick(&[0, 1, 2, 3, 15, 16, 64, 65, 0xFFFF, 0xFFFF_FFFF]);
            data[at..at + 4].copy_from_slice(&u32::to_le_bytes(v));
            true
        }
        _ => {
            // cut inside one element (the pixel data most often, as a truncated copy would)
            let e = *of(&[PIXEL_DATA])
                .first()
                .unwrap_or_else(|| rng.pick(&found));
            let span = e.value_end.max(e.value_start + 1) - e.start;
            data.truncate(e.start + rng.below(span));
            true
        }
    }
}

/// Replaces the value of `e` by `value`, its length field set to match.
fn replace_value(data: &mut Vec<u8>, e: &Element, value: &[u8]) {
    data.splice(e.value_start..e.value_end, value.iter().copied());
    let bytes = (value.len() as u32).to_le_bytes();
    data[e.len_at..e.len_at + e.len_width].copy_from_slice(&bytes[..e.len_width]);
}

/// Sets (0002,0000) to the length of the rest of the file meta group, when present.
fn fix_meta_group_length(data: &mut [u8]) {
    let found = elements(data);
    let Some(group_length) = found.iter().find(|e| e.tag == META_GROUP_LENGTH) else {
        return;
    };
    let end = found
        .iter()
        .filter(|e| e.tag.0 == 0x0002)
        .map(|e| e.value_end)
        .max()
        .unwrap_or(group_length.value_end);
    if group_length.value_end - group_length.value_start == 4 {
        let len = (end - group_length.value_end) as u32;
        data[group_length.value_start..group_length.value_end].copy_from_slice(&len.to_le_bytes());
    }
}
