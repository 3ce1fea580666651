//! Reads the tensors of a `torch.save` zip archive holding a dict of tensors (a state dict).
//!
//! The archive holds `<name>/data.pkl`, a pickle (protocol 2) of the dict in which each tensor
//! is `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)` and each storage a
//! persistent id `('storage', torch.FloatStorage, key, location, numel)` whose bytes are the
//! entry `<name>/data/<key>` (little-endian). This module interprets only that subset of pickle
//! — no code runs, any other global is an error — so a file cannot do more than fail.

use std::collections::HashMap;
use std::io::Read;

use tch::{Kind, Tensor};

/// Why an archive cannot be read (the caller adds the path).
pub(crate) type ZipError = String;

#[derive(Debug, Clone)]
enum Value {
    /// `None`, booleans, floats: read, never used.
    Other,
    Int(i64),
    Str(String),
    Tuple(Vec<Value>),
    List(Vec<Value>),
    Dict(Vec<(Value, Value)>),
    Global(String),
    Storage {
        kind: Kind,
        key: String,
        numel: i64,
    },
    Tensor(TensorRef),
}

#[derive(Debug, Clone)]
struct TensorRef {
    kind: Kind,
    key: String,
    numel: i64,
    offset: i64,
    size: Vec<i64>,
    stride: Vec<i64>,
}

/// The named tensors of the archive, in file order.
pub(crate) fn read_state_dict(bytes: &[u8]) -> Result<Vec<(String, Tensor)>, ZipError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("not a zip archive: {e}"))?;
    let pkl = archive
        .file_names()
        .map(str::to_string)
        .find(|n| n.ends_with("/data.pkl") && n.matches('/').count() == 1)
        .ok_or("no <name>/data.pkl entry: not a torch.save archive")?;
    let prefix = pkl.trim_end_matches("data.pkl").to_string();
    let pickle = entry(&mut archive, &pkl, bytes.len())?;
    let Value::Dict(items) = Unpickler::default().run(&pickle)? else {
        return Err("the pickled object is not a dict of tensors".into());
    };
    let mut tensors = Vec::with_capacity(items.len());
    for (k, v) in items {
        let (Value::Str(name), Value::Tensor(t)) = (k, v) else {
            return Err("the dict holds an entry that is not name → tensor".into());
        };
        let data = entry(
            &mut archive,
            &format!("{prefix}data/{}", t.key),
            bytes.len(),
        )?;
        tensors.push((name, materialise(&t, &data)?));
    }
    Ok(tensors)
}

fn entry(
    archive: &mut zip::ZipArchive<std::io::Cursor<&[u8]>>,
    name: &str,
    archive_len: usize,
) -> Result<Vec<u8>, ZipError> {
    let file = archive
        .by_name(name)
        .map_err(|e| format!("entry {name}: {e}"))?;
    // stored entries (torch.save does not compress): an entry is never larger than the
    // archive, whatever its header claims
    let limit = archive_len as u64;
    if file.size() > limit {
        return Err(format!(
            "entry {name} claims {} bytes in a {limit}-byte archive",
            file.size()
        ));
    }
    let mut out = Vec::with_capacity(file.size() as usize);
    file.take(limit)
        .read_to_end(&mut out)
        .map_err(|e| format!("entry {name}: {e}"))?;
    Ok(out)
}

/// The tensor of `t` from its storage bytes, after checking that every element it addresses
/// lies inside the storage.
fn materialise(t: &TensorRef, data: &[u8]) -> Result<Tensor, ZipError> {
    let element = t.kind.elt_size_in_bytes() as i64;
    if t.numel < 0 || data.len() as i64 != t.numel * element {
        return Err(format!(
            "storage {} has {} bytes, its header says {} elements of {element}",
            t.key,
            data.len(),
            t.numel
        ));
    }
    let in_bounds = t.size.len() == t.stride.len()
        && t.offset >= 0
        && t.size.iter().all(|&s| s >= 0)
        && t.stride.iter().all(|&s| s >= 0)
        && (t.size.contains(&0)
            || t.offset
                + t.size
                    .iter()
                    .zip(&t.stride)
                    .map(|(n, s)| (n - 1) * s)
                    .sum::<i64>()
                < t.numel);
    if !in_bounds {
        return Err(format!("tensor on storage {} addresses outside it", t.key));
    }
    let storage = Tensor::from_data_size(data, &[t.numel], t.kind);
    storage
        .f_as_strided(t.size.as_slice(), t.stride.as_slice(), Some(t.offset))
        .and_then(|v| v.f_contiguous())
        .map_err(|e| format!("tensor on storage {}: {e}", t.key))
}

/// A pickle machine for the opcodes `torch.save` (protocol 2) writes.
#[derive(Default)]
struct Unpickler {
    stack: Vec<Value>,
    marks: Vec<usize>,
    memo: HashMap<u32, Value>,
}

impl Unpickler {
    fn run(mut self, data: &[u8]) -> Result<Value, ZipError> {
        let mut r = Reader { data, pos: 0 };
        loop {
            let op = r.byte()?;
            match op {
                b'.' => return self.pop(),
                _ => self.step(op, &mut r)?,
            }
        }
    }

    fn step(&mut self, op: u8, r: &mut Reader<'_>) -> Result<(), ZipError> {
        match op {
            0x80 => {
                r.byte()?; // protocol
            }
            b'c' => {
                let module = r.line()?;
                let name = r.line()?;
                self.stack.push(Value::Global(format!("{module} {name}")));
            }
            b'q' => self.memoise(r.byte()? as u32)?,
            b'r' => self.memoise(r.u32()?)?,
            b'h' => self.recall(r.byte()? as u32)?,
            b'j' => self.recall(r.u32()?)?,
            b'(' => self.marks.push(self.stack.len()),
            b')' => self.stack.push(Value::Tuple(Vec::new())),
            b'}' => self.stack.push(Value::Dict(Vec::new())),
            b']' => self.stack.push(Value::List(Vec::new())),
            b'N' | 0x88 | 0x89 => self.stack.push(Value::Other),
            b'K' => self.stack.push(Value::Int(r.byte()? as i64)),
            b'M' => self
                .stack
                .push(Value::Int(u16::from_le_bytes(r.array()?) as i64)),
            b'J' => self
                .stack
                .push(Value::Int(i32::from_le_bytes(r.array()?) as i64)),
            0x8a => self.long1(r)?,
            b'G' => {
                r.take(8)?;
                self.stack.push(Value::Other);
            }
            b'X' => {
                let n = r.u32()? as usize;
                let s = std::str::from_utf8(r.take(n)?).map_err(|_| "a string is not UTF-8")?;
                self.stack.push(Value::Str(s.to_string()));
            }
            b't' => {
                let items = self.since_mark()?;
                self.stack.push(Value::Tuple(items));
            }
            0x85..=0x87 => {
                let n = (op - 0x84) as usize;
                if self.stack.len() < n {
                    return Err("stack underflow".into());
                }
                let items = self.stack.split_off(self.stack.len() - n);
                self.stack.push(Value::Tuple(items));
            }
            b's' => {
                let v = self.pop()?;
                let k = self.pop()?;
                self.extend_top(vec![k, v])?;
            }
            b'u' | b'e' => {
                let items = self.since_mark()?;
                self.extend_top(items)?;
            }
            b'a' => {
                let v = self.pop()?;
                self.extend_top(vec![v])?;
            }
            b'b' => {
                self.pop()?; // BUILD: the state (a state dict's `_metadata`) is not needed
            }
            b'R' => {
                let args = self.pop()?;
                let callable = self.pop()?;
                self.stack.push(reduce(callable, args)?);
            }
            b'Q' => {
                let pid = self.pop()?;
                self.stack.push(storage(pid)?);
            }
            other => return Err(format!("unsupported pickle opcode 0x{other:02x}")),
        }
        Ok(())
    }

    fn pop(&mut self) -> Result<Value, ZipError> {
        self.stack.pop().ok_or_else(|| "stack underflow".into())
    }

    fn since_mark(&mut self) -> Result<Vec<Value>, ZipError> {
        let mark = self.marks.pop().ok_or("no mark")?;
        if mark > self.stack.len() {
            return Err("mark beyond the stack".into());
        }
        Ok(self.stack.split_off(mark))
    }

    fn memoise(&mut self, key: u32) -> Result<(), ZipError> {
        let top = self.stack.last().ok_or("stack underflow")?.clone();
        self.memo.insert(key, top);
        Ok(())
    }

    fn recall(&mut self, key: u32) -> Result<(), ZipError> {
        let v = self.memo.get(&key).ok_or("unknown memo key")?.clone();
        self.stack.push(v);
        Ok(())
    }

    fn long1(&mut self, r: &mut Reader<'_>) -> Result<(), ZipError> {
        let n = r.byte()? as usize;
        if n > 8 {
            return Err("integer wider than 64 bits".into());
        }
        let bytes = r.take(n)?;
        let mut v: i64 = 0;
        for (i, b) in bytes.iter().enumerate() {
            v |= (*b as i64) << (8 * i);
        }
        if n > 0 && n < 8 && bytes[n - 1] & 0x80 != 0 {
            v -= 1i64 << (8 * n);
        }
        self.stack.push(Value::Int(v));
        Ok(())
    }

    fn extend_top(&mut self, items: Vec<Value>) -> Result<(), ZipError> {
        match self.stack.last_mut() {
            Some(Value::Dict(d)) if items.len() % 2 == 0 => {
                let mut it = items.into_iter();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    d.push((k, v));
                }
                Ok(())
            }
            Some(Value::List(l)) => {
                l.extend(items);
                Ok(())
            }
            _ => Err("items added to something that is not a dict or list".into()),
        }
    }
}

fn reduce(callable: Value, args: Value) -> Result<Value, ZipError> {
    let (Value::Global(name), Value::Tuple(args)) = (callable, args) else {
        return Err("REDUCE without a global and an argument tuple".into());
    };
    match name.as_str() {
        "collections OrderedDict" => Ok(Value::Dict(Vec::new())),
        "torch._utils _rebuild_tensor_v2" => rebuild_tensor(args),
        other => Err(format!("unsupported global `{other}`")),
    }
}

fn rebuild_tensor(args: Vec<Value>) -> Result<Value, ZipError> {
    let ints = |v: &Value| match v {
        Value::Tuple(items) => items
            .iter()
            .map(|i| match i {
                Value::Int(n) => Ok(*n),
                _ => Err("a size or stride is not an integer".to_string()),
            })
            .collect::<Result<Vec<i64>, _>>(),
        _ => Err("a size or stride is not a tuple".into()),
    };
    match args.as_slice() {
        [Value::Storage { kind, key, numel }, Value::Int(offset), size, stride, ..] => {
            Ok(Value::Tensor(TensorRef {
                kind: *kind,
                key: key.clone(),
                numel: *numel,
                offset: *offset,
                size: ints(size)?,
                stride: ints(stride)?,
            }))
        }
        _ => Err("_rebuild_tensor_v2 with unexpected arguments".into()),
    }
}

fn storage(pid: Value) -> Result<Value, ZipError> {
    let Value::Tuple(items) = pid else {
        return Err("a persistent id is not a tuple".into());
    };
    match items.as_slice() {
        [Value::Str(tag), Value::Global(ty), Value::Str(key), _, Value::Int(numel)]
            if tag == "storage" =>
        {
            let kind = match ty.as_str() {
                "torch FloatStorage" => Kind::Float,
                "torch DoubleStorage" => Kind::Double,
                "torch HalfStorage" => Kind::Half,
                "torch BFloat16Storage" => Kind::BFloat16,
                other => return Err(format!("unsupported storage type `{other}`")),
            };
            Ok(Value::Storage {
                kind,
                key: key.clone(),
                numel: *numel,
            })
        }
        _ => Err("a persistent id that is not a storage".into()),
    }
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ZipError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.data.len());
        let end = end.ok_or("the pickle ends early")?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn byte(&mut self) -> Result<u8, ZipError> {
        Ok(self.take(1)?[0])
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ZipError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn u32(&mut self) -> Result<u32, ZipError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn line(&mut self) -> Result<String, ZipError> {
        let rest = &self.data[self.pos..];
        let n = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or("unterminated global")?;
        let s = std::str::from_utf8(&rest[..n]).map_err(|_| "a global name is not UTF-8")?;
        self.pos += n + 1;
        Ok(s.to_string())
    }
}
