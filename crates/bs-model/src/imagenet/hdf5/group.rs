//! Groups: the names and object addresses of their members, from an old-style symbol table
//! (version 1 B-tree, symbol nodes, local heap) or from new-style link messages.

use std::collections::HashSet;

use super::cursor::Cursor;
use super::error::{malformed, unsupported, Result};
use super::header::ObjectInfo;
use super::File;

/// A hard link: a member's name and the address of its object header.
#[derive(Debug, Clone)]
pub(super) struct Link {
    pub name: String,
    pub at: u64,
}

/// The longest member name read from a local heap (Keras names are layer and weight names).
const MAX_NAME: usize = 4096;

/// The deepest version 1 B-tree the reader follows.
const MAX_BTREE_DEPTH: u8 = 64;

impl Link {
    /// A Link message (version 1). Soft and external links are refused: a Keras weight file
    /// holds hard links only, and following them is not this reader's job.
    pub fn read(c: &mut Cursor) -> Result<Self> {
        let at = c.start();
        c.version("link message", 1)?;
        let flags = c.u8()?;
        let kind = if flags & 0x08 != 0 { c.u8()? } else { 0 };
        if flags & 0x04 != 0 {
            c.skip(8)?; // creation order
        }
        if flags & 0x10 != 0 {
            c.skip(1)?; // name character set
        }
        let len = c.uint(1 << (flags & 0x03))?;
        let name = name(c.bytes(usize::try_from(len).unwrap_or(usize::MAX))?, at)?;
        if kind != 0 {
            return Err(unsupported(format!("the soft or external link `{name}`")));
        }
        let Some(target) = c.address()? else {
            return Err(malformed("link message", at, "an undefined address"));
        };
        Ok(Link { name, at: target })
    }
}

fn name(bytes: &[u8], at: u64) -> Result<String> {
    String::from_utf8(bytes.to_vec()).map_err(|_| malformed("link name", at, "not UTF-8"))
}

/// The hard links of the group whose header says `info`, at `at`.
pub(super) fn links(file: &File, at: u64, info: &ObjectInfo) -> Result<Vec<Link>> {
    if let Some((btree, heap)) = info.symbol_table {
        return symbol_table(file, btree, heap);
    }
    if info.dense_links == Some(true) {
        return Err(unsupported(
            "dense link storage (a group of many members written with libver='latest')",
        ));
    }
    if info.dense_links.is_some() || !info.links.is_empty() {
        return Ok(info.links.clone());
    }
    Err(malformed("group", at, "neither a symbol table nor links"))
}

/// The members listed by an old-style group's B-tree, whose names are in the local heap.
fn symbol_table(file: &File, btree: u64, heap: u64) -> Result<Vec<Link>> {
    let names = local_heap(file, heap)?;
    let mut links = Vec::new();
    let mut seen = HashSet::new();
    let mut pending = vec![(btree, None::<u8>)];
    while let Some((node, parent_level)) = pending.pop() {
        if !seen.insert(node) {
            return Err(malformed("group B-tree", btree, "a node is reached twice"));
        }
        let (level, children) = btree_node(file, node)?;
        if parent_level.is_some_and(|p| level + 1 != p) || level > MAX_BTREE_DEPTH {
            return Err(malformed(
                "group B-tree node",
                node,
                format!("level {level}"),
            ));
        }
        for child in children.into_iter().rev() {
            if level == 0 {
                if !seen.insert(child) {
                    return Err(malformed("group B-tree", btree, "a node is reached twice"));
                }
                symbol_node(file, child, &names, &mut links)?;
            } else {
                pending.push((child, Some(level)));
            }
        }
    }
    Ok(links)
}

/// A group B-tree node: its level and its children's addresses.
fn btree_node(file: &File, at: u64) -> Result<(u8, Vec<u64>)> {
    let sizes = file.sizes();
    let mut c = file.cursor(at, 8, "group B-tree node")?;
    c.signature(b"TREE")?;
    let (kind, level, entries) = (c.u8()?, c.u8()?, usize::from(c.u16()?));
    if kind != 0 {
        return Err(malformed(
            "group B-tree node",
            at,
            format!("node type {kind}"),
        ));
    }
    let len = 8 + 2 * sizes.offset + entries * (sizes.length + sizes.offset) + sizes.length;
    let mut c = file.cursor(at, len as u64, "group B-tree node")?;
    c.skip(8 + 2 * sizes.offset)?; // prefix, siblings
    let mut children = Vec::with_capacity(entries);
    for _ in 0..entries {
        c.length()?; // key: a heap offset, for searching by name
        let Some(child) = c.address()? else {
            return Err(malformed("group B-tree node", at, "an undefined child"));
        };
        children.push(child);
    }
    Ok((level, children))
}

/// The entries of a symbol table node, named from `heap` (the local heap's data segment).
fn symbol_node(file: &File, at: u64, heap: &Cursor, links: &mut Vec<Link>) -> Result<()> {
    let sizes = file.sizes();
    let mut c = file.cursor(at, 8, "symbol table node")?;
    c.signature(b"SNOD")?;
    c.version("symbol table node", 1)?;
    c.skip(1)?;
    let count = usize::from(c.u16()?);
    let entry = 2 * sizes.offset + 24;
    let mut c = file.cursor(at + 8, (count * entry) as u64, "symbol table node")?;
    for _ in 0..count {
        let mut e = c.sub(entry, "symbol table entry")?;
        let name_at = e.uint(sizes.offset)?;
        let Some(target) = e.address()? else {
            return Err(malformed(
                "symbol table entry",
                e.start(),
                "an undefined address",
            ));
        };
        links.push(Link {
            name: heap_name(heap, name_at)?,
            at: target,
        });
    }
    Ok(())
}

/// The data segment of the local heap at `at`.
fn local_heap(file: &File, at: u64) -> Result<Cursor<'_>> {
    let sizes = file.sizes();
    let mut c = file.cursor(
        at,
        (8 + 2 * sizes.length + sizes.offset) as u64,
        "local heap",
    )?;
    c.signature(b"HEAP")?;
    c.version("local heap", 0)?;
    c.skip(3)?;
    let size = c.length()?;
    c.length()?; // free list
    let Some(data) = c.address()? else {
        return Err(malformed("local heap", at, "an undefined data segment"));
    };
    file.cursor(data, size, "local heap data segment")
}

/// The NUL-terminated name at `offset` in a local heap's data segment.
fn heap_name(heap: &Cursor, offset: u64) -> Result<String> {
    let mut c = heap.clone();
    let at = heap.start();
    if offset >= c.remaining() as u64 {
        return Err(malformed(
            "local heap",
            at,
            format!("no name at offset {offset}"),
        ));
    }
    c.skip(offset as usize)?;
    let rest = c.bytes(c.remaining().min(MAX_NAME + 1))?;
    let Some(end) = rest.iter().position(|&b| b == 0) else {
        return Err(malformed(
            "local heap",
            at,
            format!("a name without a NUL in its first {MAX_NAME} bytes"),
        ));
    };
    name(&rest[..end], at)
}
