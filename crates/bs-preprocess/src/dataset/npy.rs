//! A small `.npy` (NumPy format 1.0) writer and reader for the prepared data set.
//!
//! Only what the data set needs: little-endian `<f4` and `|u1`, C order, any rank. The reader
//! checks the header against the file length before allocating, so a corrupt header cannot make
//! it allocate a huge buffer.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

use crate::error::{PrepareError, Result};

/// Element types the data set stores.
pub trait NpyElement: Copy + Default + Send + Sync + 'static {
    /// NumPy `descr` string.
    const DESCR: &'static str;
    /// Bytes per element.
    const SIZE: usize;
    /// Appends the little-endian bytes of `values` to `out`.
    fn extend_le(values: &[Self], out: &mut Vec<u8>);
    /// Decodes little-endian bytes (length a multiple of `SIZE`) into `out`.
    fn decode_le(bytes: &[u8], out: &mut Vec<Self>);
}

impl NpyElement for f32 {
    const DESCR: &'static str = "<f4";
    const SIZE: usize = 4;
    fn extend_le(values: &[Self], out: &mut Vec<u8>) {
        out.reserve(values.len() * 4);
        for v in values {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    fn decode_le(bytes: &[u8], out: &mut Vec<Self>) {
        out.extend(
            bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        );
    }
}

impl NpyElement for u8 {
    const DESCR: &'static str = "|u1";
    const SIZE: usize = 1;
    fn extend_le(values: &[Self], out: &mut Vec<u8>) {
        out.extend_from_slice(values);
    }
    fn decode_le(bytes: &[u8], out: &mut Vec<Self>) {
        out.extend_from_slice(bytes);
    }
}

const MAGIC: &[u8] = b"\x93NUMPY";

/// The header bytes of a version-1.0 `.npy` file (magic, version, length, dict, padding to 64).
pub fn npy_header(descr: &str, shape: &[usize]) -> Vec<u8> {
    let shape_text = match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut dict =
        format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_text}, }}");
    let unpadded = MAGIC.len() + 2 + 2 + dict.len() + 1;
    dict.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    dict.push('\n');
    let mut out = Vec::with_capacity(10 + dict.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out
}

/// Writes `data` (C order) with the given shape to `path`.
pub fn write_npy<T: NpyElement>(path: &Path, shape: &[usize], data: &[T]) -> Result<()> {
    let n: usize = shape.iter().product();
    if n != data.len() {
        return Err(PrepareError::Npy {
            path: path.into(),
            reason: format!(
                "shape {shape:?} holds {n} elements, data has {}",
                data.len()
            ),
        });
    }
    let io = |e| PrepareError::io(path, e);
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path).map_err(io)?);
    w.write_all(&npy_header(T::DESCR, shape)).map_err(io)?;
    let mut buf = Vec::with_capacity(1 << 20);
    for chunk in data.chunks((1 << 20) / T::SIZE) {
        buf.clear();
        T::extend_le(chunk, &mut buf);
        w.write_all(&buf).map_err(io)?;
    }
    w.flush().map_err(io)
}

fn parse_header(path: &Path, text: &str) -> Result<(String, bool, Vec<usize>)> {
    let bad = |reason: String| PrepareError::Npy {
        path: path.into(),
        reason,
    };
    let field = |key: &str| -> Result<&str> {
        let k = format!("'{key}':");
        let at = text
            .find(&k)
            .ok_or_else(|| bad(format!("header lacks {key}: {text:?}")))?;
        Ok(text[at + k.len()..].trim_start())
    };
    let descr_rest = field("descr")?;
    let descr = descr_rest
        .strip_prefix('\'')
        .and_then(|r| r.split('\'').next())
        .ok_or_else(|| bad("malformed descr".into()))?
        .to_string();
    let fortran = field("fortran_order")?.starts_with("True");
    let shape_rest = field("shape")?;
    let inner = shape_rest
        .strip_prefix('(')
        .and_then(|r| r.split(')').next())
        .ok_or_else(|| bad("malformed shape".into()))?;
    let shape = inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<usize>()
                .map_err(|_| bad(format!("bad dimension {s:?}")))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((descr, fortran, shape))
}

/// Reads a whole `.npy` file written by [`write_npy`] (or NumPy) into `(shape, data)`.
pub fn read_npy<T: NpyElement>(path: &Path) -> Result<(Vec<usize>, Vec<T>)> {
    let io = |e| PrepareError::io(path, e);
    let bad = |reason: String| PrepareError::Npy {
        path: path.into(),
        reason,
    };
    let mut f = File::open(path).map_err(io)?;
    let file_len = f.metadata().map_err(io)?.len();
    let mut pre = [0u8; 10];
    f.read_exact(&mut pre)
        .map_err(|_| bad("shorter than the npy preamble".into()))?;
    if &pre[..6] != MAGIC {
        return Err(bad("not an .npy file (bad magic)".into()));
    }
    let (header_len, preamble) = match pre[6] {
        1 => (u16::from_le_bytes([pre[8], pre[9]]) as usize, 10usize),
        2 | 3 => {
            let mut more = [0u8; 2];
            f.read_exact(&mut more).map_err(io)?;
            (
                u32::from_le_bytes([pre[8], pre[9], more[0], more[1]]) as usize,
                12,
            )
        }
        v => return Err(bad(format!("unsupported format version {v}"))),
    };
    if header_len as u64 > file_len.min(1 << 20) {
        return Err(bad(format!("header length {header_len} exceeds the file")));
    }
    let mut header = vec![0u8; header_len];
    f.read_exact(&mut header).map_err(io)?;
    let text = String::from_utf8(header).map_err(|_| bad("header is not UTF-8".into()))?;
    let (descr, fortran, shape) = parse_header(path, &text)?;
    if descr != T::DESCR {
        return Err(bad(format!("dtype {descr}, expected {}", T::DESCR)));
    }
    if fortran {
        return Err(bad("Fortran order is not supported".into()));
    }
    let n = shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| bad(format!("shape {shape:?} overflows")))?;
    let data_len = file_len - (preamble + header_len) as u64;
    if Some(data_len) != (n as u64).checked_mul(T::SIZE as u64) {
        return Err(bad(format!(
            "shape {shape:?} needs {} data bytes, file has {data_len}",
            n as u128 * T::SIZE as u128
        )));
    }
    let mut data = Vec::with_capacity(n);
    let mut buf = vec![0u8; (1 << 20) / T::SIZE * T::SIZE];
    let mut left = n * T::SIZE;
    while left > 0 {
        let take = left.min(buf.len());
        f.read_exact(&mut buf[..take]).map_err(io)?;
        T::decode_le(&buf[..take], &mut data);
        left -= take;
    }
    Ok((shape, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_padded_to_64_bytes() {
        for shape in [vec![3], vec![2, 640, 512], vec![0, 1, 1]] {
            let h = npy_header("<f4", &shape);
            assert_eq!(h.len() % 64, 0);
            assert_eq!(*h.last().unwrap(), b'\n');
        }
    }

    #[test]
    fn round_trip_and_truncation_detected() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.npy");
        let data: Vec<f32> = (0..24).map(|i| i as f32 * 0.5).collect();
        write_npy(&p, &[2, 3, 4], &data).unwrap();
        let (shape, back) = read_npy::<f32>(&p).unwrap();
        assert_eq!(shape, vec![2, 3, 4]);
        assert_eq!(back, data);
        assert!(matches!(read_npy::<u8>(&p), Err(PrepareError::Npy { .. })));
        let bytes = std::fs::read(&p).unwrap();
        std::fs::write(&p, &bytes[..bytes.len() - 4]).unwrap();
        let e = read_npy::<f32>(&p).unwrap_err();
        assert!(e.to_string().contains("data bytes"), "{e}");
    }
}
