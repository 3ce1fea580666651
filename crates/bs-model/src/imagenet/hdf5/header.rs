//! Object headers (version 1 and 2, with continuation blocks): the messages a group or a
//! dataset is made of, kept only where the Keras reader needs them.

use std::collections::HashSet;

use super::cursor::Cursor;
use super::dataset::{Dataspace, Layout, ValueType};
use super::error::{malformed, unsupported, Result};
use super::group::Link;
use super::File;

/// What an object header says, of the messages the reader uses.
#[derive(Debug, Default, Clone)]
pub(super) struct ObjectInfo {
    pub dataspace: Option<Dataspace>,
    pub datatype: Option<ValueType>,
    pub layout: Option<Layout>,
    /// A filter pipeline (compression) is present.
    pub filtered: bool,
    /// An old-style group: its B-tree and local heap.
    pub symbol_table: Option<(u64, u64)>,
    /// A new-style group's links, when stored in the header (compact storage).
    pub links: Vec<Link>,
    /// A new-style group: whether its links live in a fractal heap (dense storage).
    pub dense_links: Option<bool>,
}

const DATASPACE: u16 = 0x01;
const LINK_INFO: u16 = 0x02;
const DATATYPE: u16 = 0x03;
const LINK: u16 = 0x06;
const LAYOUT: u16 = 0x08;
const FILTER_PIPELINE: u16 = 0x0B;
const CONTINUATION: u16 = 0x10;
const SYMBOL_TABLE: u16 = 0x11;

/// The most header blocks (the first and its continuations) one object may have.
const MAX_BLOCKS: usize = 1024;

/// One block of header messages still to read: its span and whether it is the v2 layout.
struct Block {
    at: u64,
    len: u64,
    v2: Option<V2>,
}

/// What a version 2 header's messages look like.
#[derive(Clone, Copy)]
struct V2 {
    creation_order: bool,
    /// The block starts with "OCHK" (a continuation), not with the header prefix.
    continuation: bool,
}

/// Reads the object header at `addr`.
pub(super) fn read(file: &File, addr: u64) -> Result<ObjectInfo> {
    let mut info = ObjectInfo::default();
    let mut pending = vec![first_block(file, addr)?];
    let mut seen = HashSet::new();
    while let Some(block) = pending.pop() {
        if !seen.insert(block.at) || seen.len() > MAX_BLOCKS {
            return Err(malformed(
                "object header",
                addr,
                "its continuation blocks loop or are too many",
            ));
        }
        let mut c = file.cursor(block.at, block.len, "object header block")?;
        match block.v2 {
            None => read_v1_messages(&mut c, &mut info, &mut pending)?,
            Some(v2) => read_v2_messages(&mut c, v2, &mut info, &mut pending)?,
        }
    }
    Ok(info)
}

/// The first block of the header at `addr`, after its prefix.
fn first_block(file: &File, addr: u64) -> Result<Block> {
    let mut c = file.cursor(addr, 16, "object header")?;
    if c.u8()? == 1 {
        // version 1: reserved, message count, reference count, header size, padding to 16
        c.skip(7)?;
        let len = u64::from(c.u32()?);
        return Ok(Block {
            at: addr + 16,
            len,
            v2: None,
        });
    }
    let mut c = file.cursor(addr, 6, "object header")?;
    c.signature(b"OHDR")?;
    c.version("object header", 2)?;
    let flags = c.u8()?;
    let times = if flags & 0x20 != 0 { 16 } else { 0 };
    let phase = if flags & 0x10 != 0 { 4 } else { 0 };
    let width = 1usize << (flags & 0x03);
    let prefix = 6 + times + phase;
    let mut c = file.cursor(addr, (prefix + width) as u64, "object header")?;
    c.skip(prefix)?;
    let len = c.uint(width)?;
    Ok(Block {
        at: addr + (prefix + width) as u64,
        len,
        v2: Some(V2 {
            creation_order: flags & 0x04 != 0,
            continuation: false,
        }),
    })
}

fn read_v1_messages(c: &mut Cursor, info: &mut ObjectInfo, pending: &mut Vec<Block>) -> Result<()> {
    while c.remaining() >= 8 {
        let kind = c.u16()?;
        let size = usize::from(c.u16()?);
        let flags = c.u8()?;
        c.skip(3)?;
        let body = c.sub(size, "header message")?;
        message(kind, flags, body, info, pending, None)?;
    }
    Ok(())
}

fn read_v2_messages(
    c: &mut Cursor,
    v2: V2,
    info: &mut ObjectInfo,
    pending: &mut Vec<Block>,
) -> Result<()> {
    // a continuation block is "OCHK", messages, a checksum; the first block's span holds its
    // messages only (its checksum follows). Checksums are not verified.
    let mut c = if v2.continuation {
        c.signature(b"OCHK")?;
        let n = c.remaining().saturating_sub(4);
        c.sub(n, "object header block")?
    } else {
        c.clone()
    };
    let header = if v2.creation_order { 6 } else { 4 };
    while c.remaining() >= header {
        let kind = u16::from(c.u8()?);
        let size = usize::from(c.u16()?);
        let flags = c.u8()?;
        if v2.creation_order {
            c.skip(2)?;
        }
        let body = c.sub(size, "header message")?;
        message(kind, flags, body, info, pending, Some(v2))?;
    }
    Ok(())
}

fn message(
    kind: u16,
    flags: u8,
    mut body: Cursor,
    info: &mut ObjectInfo,
    pending: &mut Vec<Block>,
    v2: Option<V2>,
) -> Result<()> {
    let shared = flags & 0x02 != 0;
    if shared && matches!(kind, DATASPACE | DATATYPE | LAYOUT | FILTER_PIPELINE) {
        return Err(unsupported("a shared (committed) header message"));
    }
    match kind {
        DATASPACE => info.dataspace = Some(Dataspace::read(&mut body)?),
        DATATYPE => info.datatype = Some(ValueType::read(&mut body)?),
        LAYOUT => info.layout = Some(Layout::read(&mut body)?),
        FILTER_PIPELINE => info.filtered = true,
        LINK => info.links.push(Link::read(&mut body)?),
        LINK_INFO => info.dense_links = Some(read_link_info(&mut body)?),
        SYMBOL_TABLE => {
            let at = body.start();
            let btree = body.address()?;
            let heap = body.address()?;
            let (Some(btree), Some(heap)) = (btree, heap) else {
                return Err(malformed(
                    "symbol table message",
                    at,
                    "an undefined address",
                ));
            };
            info.symbol_table = Some((btree, heap));
        }
        CONTINUATION => {
            let at = body.start();
            let Some(addr) = body.address()? else {
                return Err(malformed(
                    "continuation message",
                    at,
                    "an undefined address",
                ));
            };
            let len = body.length()?;
            let v2 = v2.map(|v| V2 {
                continuation: true,
                ..v
            });
            pending.push(Block { at: addr, len, v2 });
        }
        _ => {} // attributes, fill values, times, group info, ...: not needed
    }
    Ok(())
}

/// A Link Info message: whether the group's links are in a fractal heap.
fn read_link_info(c: &mut Cursor) -> Result<bool> {
    c.version("link info message", 0)?;
    let flags = c.u8()?;
    if flags & 0x01 != 0 {
        c.skip(8)?; // maximum creation index
    }
    Ok(c.address()?.is_some())
}
