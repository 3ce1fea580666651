//! Bounds-checked little-endian reading of a span of the file.

use super::error::{Hdf5Error, Result};

/// The widths the superblock gives to file addresses ("offsets") and to sizes ("lengths").
#[derive(Debug, Clone, Copy)]
pub(super) struct Sizes {
    pub offset: usize,
    pub length: usize,
}

/// A read position inside `data[start..end]`; reading past `end` is [`Hdf5Error::Truncated`]
/// for the structure `what` that the span holds.
#[derive(Clone)]
pub(super) struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    end: usize,
    start: usize,
    what: &'static str,
    sizes: Sizes,
}

impl<'a> Cursor<'a> {
    /// The span `[start, start + len)` of `data`, which must lie inside it.
    pub fn new(
        data: &'a [u8],
        start: u64,
        len: u64,
        what: &'static str,
        sizes: Sizes,
    ) -> Result<Self> {
        let end = start.checked_add(len).filter(|&e| e <= data.len() as u64);
        let Some(end) = end else {
            return Err(Hdf5Error::Truncated { what, at: start });
        };
        Ok(Cursor {
            data,
            pos: start as usize,
            end: end as usize,
            start: start as usize,
            what,
            sizes,
        })
    }

    /// Where the span starts in the file.
    pub fn start(&self) -> u64 {
        self.start as u64
    }

    /// The file position of the next byte.
    pub fn pos(&self) -> u64 {
        self.pos as u64
    }

    pub fn remaining(&self) -> usize {
        self.end - self.pos
    }

    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(Hdf5Error::Truncated {
                what: self.what,
                at: self.start as u64,
            });
        }
        let out = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    /// The next `n` bytes as a span of their own, for the structure `what`.
    pub fn sub(&mut self, n: usize, what: &'static str) -> Result<Cursor<'a>> {
        let start = self.pos as u64;
        self.bytes(n)?;
        Cursor::new(self.data, start, n as u64, what, self.sizes)
    }

    pub fn skip(&mut self, n: usize) -> Result<()> {
        self.bytes(n).map(|_| ())
    }

    /// An unsigned little-endian integer of `n` (≤ 8) bytes.
    pub fn uint(&mut self, n: usize) -> Result<u64> {
        debug_assert!(n <= 8);
        let b = self.bytes(n)?;
        Ok(b.iter().rev().fold(0u64, |v, &x| (v << 8) | u64::from(x)))
    }

    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.bytes(1)?[0])
    }

    pub fn u16(&mut self) -> Result<u16> {
        Ok(self.uint(2)? as u16)
    }

    pub fn u32(&mut self) -> Result<u32> {
        Ok(self.uint(4)? as u32)
    }

    /// A file address; `None` for the undefined address (all bits set).
    pub fn address(&mut self) -> Result<Option<u64>> {
        let n = self.sizes.offset;
        let v = self.uint(n)?;
        let undefined = if n == 8 {
            u64::MAX
        } else {
            (1u64 << (8 * n)) - 1
        };
        Ok((v != undefined).then_some(v))
    }

    /// A size or count of the file's "length" width.
    pub fn length(&mut self) -> Result<u64> {
        self.uint(self.sizes.length)
    }

    /// A version byte, which must be `expected` (the structure is named in the error).
    pub fn version(&mut self, what: &'static str, expected: u8) -> Result<()> {
        match self.u8()? {
            version if version != expected => Err(Hdf5Error::Version { what, version }),
            _ => Ok(()),
        }
    }

    /// Checks that the span starts with `signature`.
    pub fn signature(&mut self, signature: &[u8]) -> Result<()> {
        let at = self.pos as u64;
        if self.bytes(signature.len())? != signature {
            return Err(Hdf5Error::Signature {
                what: self.what,
                at,
            });
        }
        Ok(())
    }
}
