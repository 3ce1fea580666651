//! A reader of the part of HDF5 that Keras weight files use: groups (old-style symbol tables,
//! or links stored in the header) and datasets of IEEE floats stored compact or contiguous.
//! Everything else (chunked or compressed storage, dense link storage, shared messages, soft
//! and external links) is a typed [`Hdf5Error::Unsupported`].
//!
//! Every read is checked against the bytes present, every count is bounded by the bytes it
//! spans, and all reads together are bounded by [`WORK_PER_BYTE`] × the file size + [`WORK_BASE`],
//! so a hostile file costs time and memory linear in its size (fuzzed by `vgg19_weights`).

use std::cell::Cell;

mod cursor;
mod dataset;
mod error;
mod group;
mod header;

use cursor::{Cursor, Sizes};
pub(crate) use dataset::{Dataset, ValueType};
pub use error::Hdf5Error;
use error::{malformed, unsupported, Result};

/// The HDF5 format signature, at byte 0 of the files this reader opens.
pub(crate) const SIGNATURE: &[u8; 8] = b"\x89HDF\r\n\x1a\n";

/// Bytes of structure reading allowed per byte of file, beyond [`WORK_BASE`].
const WORK_PER_BYTE: u64 = 16;
/// Bytes of structure reading any file is allowed.
const WORK_BASE: u64 = 16 << 20;

/// An HDF5 file held in memory.
pub(crate) struct File {
    data: Vec<u8>,
    sizes: Sizes,
    root: u64,
    work: Cell<u64>,
    limit: u64,
}

/// A member of a group.
#[derive(Debug, Clone)]
enum Member {
    /// A group: its header's address and what the header says.
    Group(u64, Box<header::ObjectInfo>),
    Dataset(Box<Dataset>),
    /// A named datatype, or another object that is neither.
    Other,
}

/// A group's members, by name.
pub(crate) struct Group {
    members: Vec<(String, Member)>,
}

impl File {
    /// Opens the file from its bytes: the superblock (versions 0 to 3) must be at byte 0.
    pub fn open(data: Vec<u8>) -> Result<Self> {
        let limit = WORK_BASE.saturating_add((data.len() as u64).saturating_mul(WORK_PER_BYTE));
        let mut c = Cursor::new(&data, 0, 12, "superblock", PROBE)?;
        c.signature(SIGNATURE)?;
        let version = c.u8()?;
        let (sizes, root) = match version {
            0 | 1 => superblock_v0(&data, version)?,
            2 | 3 => superblock_v2(&data)?,
            _ => {
                return Err(Hdf5Error::Version {
                    what: "superblock",
                    version,
                })
            }
        };
        Ok(File {
            data,
            sizes,
            root,
            work: Cell::new(0),
            limit,
        })
    }

    fn sizes(&self) -> Sizes {
        self.sizes
    }

    /// The span `[at, at + len)`, counted against the file's reading bound.
    fn cursor(&self, at: u64, len: u64, what: &'static str) -> Result<Cursor<'_>> {
        let c = Cursor::new(&self.data, at, len, what, self.sizes)?;
        let work = self.work.get().saturating_add(len);
        if work > self.limit {
            return Err(Hdf5Error::TooMuchWork { limit: self.limit });
        }
        self.work.set(work);
        Ok(c)
    }

    /// The root group.
    pub fn root(&self) -> Result<Group> {
        self.group(self.root, &header::read(self, self.root)?)
    }

    /// The group whose header, at `at`, says `info`.
    fn group(&self, at: u64, info: &header::ObjectInfo) -> Result<Group> {
        let mut members = Vec::new();
        for link in group::links(self, at, info)? {
            members.push((link.name, self.member(link.at)?));
        }
        members.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Group { members })
    }

    fn member(&self, at: u64) -> Result<Member> {
        let info = header::read(self, at)?;
        if info.layout.is_none() {
            let group =
                info.symbol_table.is_some() || info.dense_links.is_some() || !info.links.is_empty();
            return Ok(if group {
                Member::Group(at, Box::new(info))
            } else {
                Member::Other
            });
        }
        let (Some(space), Some(value_type), Some(layout)) =
            (info.dataspace, info.datatype, info.layout)
        else {
            return Err(malformed(
                "dataset",
                at,
                "a layout without a dataspace or a datatype",
            ));
        };
        Ok(Member::Dataset(Box::new(Dataset {
            at,
            space,
            value_type,
            layout,
            filtered: info.filtered,
        })))
    }
}

impl Group {
    /// The names of the member groups, sorted.
    pub fn groups(&self) -> Vec<String> {
        self.names(|m| matches!(m, Member::Group(..)))
    }

    /// The names of the member datasets, sorted.
    pub fn datasets(&self) -> Vec<String> {
        self.names(|m| matches!(m, Member::Dataset(_)))
    }

    fn names(&self, keep: impl Fn(&Member) -> bool) -> Vec<String> {
        let named = self.members.iter().filter(|(_, m)| keep(m));
        named.map(|(n, _)| n.clone()).collect()
    }

    fn find(&self, name: &str) -> Option<&Member> {
        let i = self.members.binary_search_by(|m| m.0.as_str().cmp(name));
        i.ok().map(|i| &self.members[i].1)
    }

    /// The member group `name`.
    pub fn group(&self, file: &File, name: &str) -> Result<Group> {
        match self.find(name) {
            Some(Member::Group(at, info)) => file.group(*at, info),
            _ => Err(Hdf5Error::NotFound {
                kind: "group",
                name: name.to_string(),
            }),
        }
    }

    /// The member dataset `name`.
    pub fn dataset(&self, name: &str) -> Result<&Dataset> {
        match self.find(name) {
            Some(Member::Dataset(d)) => Ok(d),
            _ => Err(Hdf5Error::NotFound {
                kind: "dataset",
                name: name.to_string(),
            }),
        }
    }
}

/// Widths of reading the superblock before it has said its own.
const PROBE: Sizes = Sizes {
    offset: 8,
    length: 8,
};

/// The address and length widths the superblock gives at byte `at` (a byte each).
fn sizes_at(data: &[u8], at: u64) -> Result<Sizes> {
    let mut c = Cursor::new(data, at, 2, "superblock", PROBE)?;
    let sizes = Sizes {
        offset: usize::from(c.u8()?),
        length: usize::from(c.u8()?),
    };
    let ok = |n: usize| matches!(n, 2 | 4 | 8);
    if ok(sizes.offset) && ok(sizes.length) {
        return Ok(sizes);
    }
    Err(unsupported(format!(
        "{}-byte addresses with {}-byte lengths",
        sizes.offset, sizes.length
    )))
}

fn check_base(base: Option<u64>) -> Result<()> {
    match base {
        Some(0) => Ok(()),
        _ => Err(unsupported("a base address other than 0 (a user block)")),
    }
}

/// Superblock versions 0 and 1: address widths, then the root group's symbol table entry.
fn superblock_v0(data: &[u8], version: u8) -> Result<(Sizes, u64)> {
    let sizes = sizes_at(data, 13)?;
    let fixed = if version == 0 { 24 } else { 28 };
    // base, free space, end of file, driver info; the root entry's name offset and header
    let len = (6 * sizes.offset) as u64;
    let mut c = Cursor::new(data, fixed, len, "superblock", sizes)?;
    check_base(c.address()?)?;
    c.skip(4 * sizes.offset)?;
    let Some(root) = c.address()? else {
        return Err(malformed("superblock", 0, "no root group"));
    };
    Ok((sizes, root))
}

/// Superblock versions 2 and 3: address widths, then the root group's object header.
fn superblock_v2(data: &[u8]) -> Result<(Sizes, u64)> {
    let sizes = sizes_at(data, 9)?;
    // flags, then base, extension, end of file, root object header
    let mut c = Cursor::new(data, 12, (4 * sizes.offset) as u64, "superblock", sizes)?;
    check_base(c.address()?)?;
    c.skip(2 * sizes.offset)?;
    let Some(root) = c.address()? else {
        return Err(malformed("superblock", 0, "no root group"));
    };
    Ok((sizes, root))
}

#[cfg(test)]
mod tests;
