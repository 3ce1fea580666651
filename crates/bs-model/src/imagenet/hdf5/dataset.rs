//! Datasets: shape (dataspace message), value type (datatype message), where the values are
//! (layout message: compact or contiguous), and the values as `f32`.

use super::cursor::Cursor;
use super::error::{malformed, unsupported, Hdf5Error, Result};
use super::File;

/// The most dimensions HDF5 allows a dataspace.
const MAX_RANK: usize = 32;

/// A dataset's shape.
#[derive(Debug, Clone)]
pub(super) struct Dataspace {
    pub dims: Vec<u64>,
}

impl Dataspace {
    pub fn read(c: &mut Cursor) -> Result<Self> {
        let at = c.start();
        let version = c.u8()?;
        let rank = usize::from(c.u8()?);
        let _flags = c.u8()?;
        match version {
            1 => c.skip(5)?, // reserved
            2 => match c.u8()? {
                0 | 1 => {} // scalar (rank 0) or simple
                2 => return Err(unsupported("a null dataspace (a dataset of no values)")),
                t => return Err(malformed("dataspace message", at, format!("type {t}"))),
            },
            v => {
                return Err(Hdf5Error::Version {
                    what: "dataspace message",
                    version: v,
                })
            }
        }
        if rank > MAX_RANK {
            return Err(malformed(
                "dataspace message",
                at,
                format!("{rank} dimensions (at most {MAX_RANK})"),
            ));
        }
        let dims = (0..rank).map(|_| c.length()).collect::<Result<_>>()?;
        Ok(Dataspace { dims }) // maximum dimensions, if present, are not needed
    }

    /// The number of values, `None` where it overflows.
    pub fn elements(&self) -> Option<u64> {
        self.dims.iter().try_fold(1u64, |n, &d| n.checked_mul(d))
    }
}

/// The type of a dataset's values: an IEEE float, or something else named for errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ValueType {
    Float { bytes: usize, big_endian: bool },
    Other(String),
}

const CLASS_NAMES: [&str; 11] = [
    "integer",
    "float",
    "time",
    "string",
    "bitfield",
    "opaque",
    "compound",
    "reference",
    "enum",
    "variable-length",
    "array",
];

impl ValueType {
    pub(super) fn read(c: &mut Cursor) -> Result<Self> {
        let at = c.start();
        let first = c.u8()?;
        let (class, version) = (first & 0x0F, first >> 4);
        if !(1..=5).contains(&version) {
            return Err(Hdf5Error::Version {
                what: "datatype message",
                version,
            });
        }
        let bits = [c.u8()?, c.u8()?, c.u8()?];
        let size = c.u32()?;
        let Some(name) = CLASS_NAMES.get(usize::from(class)) else {
            return Err(malformed("datatype message", at, format!("class {class}")));
        };
        let other = || ValueType::Other(format!("{name} of {size} bytes"));
        if class != 1 {
            return Ok(other());
        }
        // floating point: byte order (bits 0 and 6), padding, normalisation, sign position
        let (order, vax) = (bits[0] & 0x01 != 0, bits[0] & 0x40 != 0);
        let normalisation = (bits[0] >> 4) & 0x03;
        let sign = bits[1];
        let props = [c.u16()?, c.u16()?]; // bit offset, precision
        let fields = [c.u8()?, c.u8()?, c.u8()?, c.u8()?]; // exponent and mantissa
        let bias = c.u32()?;
        let layout = (size, props, fields, bias, sign, normalisation);
        let bytes = match layout {
            (4, [0, 32], [23, 8, 0, 23], 127, 31, 2) => 4,
            (8, [0, 64], [52, 11, 0, 52], 1023, 63, 2) => 8,
            _ => return Ok(other()),
        };
        if vax || bits[0] & 0x0E != 0 {
            return Ok(other()); // VAX byte order or padding bits set
        }
        Ok(ValueType::Float {
            bytes,
            big_endian: order,
        })
    }
}

impl std::fmt::Display for ValueType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ValueType::Float { bytes, big_endian } => {
                let order = if *big_endian { "big" } else { "little" };
                write!(f, "{}-bit {order}-endian float", bytes * 8)
            }
            ValueType::Other(name) => f.write_str(name),
        }
    }
}

/// Where a dataset's values are stored.
#[derive(Debug, Clone)]
pub(super) enum Layout {
    /// In the header itself.
    Compact { at: u64, size: u64 },
    /// In one span of the file; `size` is not stored by layout versions 1 and 2; `at` is
    /// `None` when no storage was ever allocated.
    Contiguous { at: Option<u64>, size: Option<u64> },
    /// Chunked or virtual storage: named when the values are asked for.
    Unsupported(&'static str),
}

impl Layout {
    pub fn read(c: &mut Cursor) -> Result<Self> {
        let at = c.start();
        match c.u8()? {
            version @ (1 | 2) => {
                let rank = usize::from(c.u8()?);
                let class = c.u8()?;
                c.skip(5)?;
                let addr = if class == 0 { None } else { c.address()? };
                c.skip(4 * rank)?; // dimensions: the dataspace's, for these classes
                match class {
                    0 => {
                        let size = u64::from(c.u32()?);
                        Ok(Layout::Compact { at: c.pos(), size })
                    }
                    1 => Ok(Layout::Contiguous {
                        at: addr,
                        size: None,
                    }),
                    2 => Ok(Layout::Unsupported("chunked storage")),
                    _ => Err(malformed(
                        "layout message",
                        at,
                        format!("version {version} class {class}"),
                    )),
                }
            }
            version @ (3 | 4) => match c.u8()? {
                0 => {
                    let size = u64::from(c.u16()?);
                    Ok(Layout::Compact { at: c.pos(), size })
                }
                1 => Ok(Layout::Contiguous {
                    at: c.address()?,
                    size: Some(c.length()?),
                }),
                2 => Ok(Layout::Unsupported("chunked storage")),
                3 if version == 4 => Ok(Layout::Unsupported("virtual storage")),
                class => Err(malformed(
                    "layout message",
                    at,
                    format!("version {version} class {class}"),
                )),
            },
            version => Err(Hdf5Error::Version {
                what: "layout message",
                version,
            }),
        }
    }
}

/// A dataset: its shape, value type and storage.
#[derive(Debug, Clone)]
pub(crate) struct Dataset {
    pub(super) at: u64,
    pub(super) space: Dataspace,
    pub(super) value_type: ValueType,
    pub(super) layout: Layout,
    /// A filter pipeline (compression) is present.
    pub(super) filtered: bool,
}

impl Dataset {
    /// The dimensions, outermost first.
    pub fn shape(&self) -> &[u64] {
        &self.space.dims
    }

    pub fn value_type(&self) -> &ValueType {
        &self.value_type
    }

    /// The values as `f32` (64-bit floats rounded). Only float datasets read.
    pub fn read_f32(&self, file: &File) -> Result<Vec<f32>> {
        let ValueType::Float { bytes, big_endian } = self.value_type else {
            return Err(unsupported(format!("reading {} values", self.value_type)));
        };
        if self.filtered {
            return Err(unsupported("a filter pipeline (compressed storage)"));
        }
        let need = self
            .space
            .elements()
            .and_then(|n| n.checked_mul(bytes as u64));
        let (at, stored) = match self.layout {
            Layout::Compact { at, size } => (at, Some(size)),
            Layout::Contiguous { at: Some(at), size } => (at, size),
            Layout::Contiguous { at: None, .. } => {
                return Err(malformed("dataset", self.at, "no values were ever written"))
            }
            Layout::Unsupported(feature) => return Err(unsupported(feature)),
        };
        let need = match (need, stored) {
            (Some(n), None) => n,
            (Some(n), Some(s)) if n == s => n,
            _ => {
                return Err(malformed(
                    "dataset",
                    self.at,
                    format!(
                        "stores {} bytes; {:?} values of {bytes} bytes need another size",
                        stored.map_or("an unstated number of".into(), |s| s.to_string()),
                        self.space.dims
                    ),
                ))
            }
        };
        let mut c = file.cursor(at, need, "dataset values")?;
        let raw = c.bytes(need as usize)?;
        Ok(raw
            .chunks_exact(bytes)
            .map(|b| decode(b, big_endian))
            .collect())
    }
}

fn decode(b: &[u8], big_endian: bool) -> f32 {
    let mut word = [0u8; 8];
    word[..b.len()].copy_from_slice(b);
    if big_endian {
        word[..b.len()].reverse();
    }
    match b.len() {
        4 => f32::from_le_bytes([word[0], word[1], word[2], word[3]]),
        _ => f64::from_le_bytes(word) as f32,
    }
}
