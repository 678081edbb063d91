//! Reading and writing NumPy `.npy` files (format version 1.0/2.0/3.0, little or big endian).

use std::io::{Read, Write};
use std::path::Path;

use keras_backend::{bail, DType, Error, HostBuffer, Result};

use super::Tensor;

const MAGIC: &[u8] = b"\x93NUMPY";

fn descr(dtype: DType) -> Result<&'static str> {
    Ok(match dtype {
        DType::Bool => "|b1",
        DType::U8 => "|u1",
        DType::U16 => "<u2",
        DType::U32 => "<u4",
        DType::U64 => "<u8",
        DType::I8 => "|i1",
        DType::I16 => "<i2",
        DType::I32 => "<i4",
        DType::I64 => "<i8",
        DType::F16 => "<f2",
        DType::F32 => "<f4",
        DType::F64 => "<f8",
        DType::BF16 => bail!(
            "save_npy",
            "NumPy has no bfloat16 dtype; cast to float32 first"
        ),
    })
}

fn parse_descr(d: &str) -> Result<(DType, bool)> {
    let (order, code) = d.split_at(1.min(d.len()));
    let big = order == ">";
    let dtype = match code {
        "b1" => DType::Bool,
        "u1" => DType::U8,
        "u2" => DType::U16,
        "u4" => DType::U32,
        "u8" => DType::U64,
        "i1" => DType::I8,
        "i2" => DType::I16,
        "i4" => DType::I32,
        "i8" => DType::I64,
        "f2" => DType::F16,
        "f4" => DType::F32,
        "f8" => DType::F64,
        _ => bail!("load_npy", "unsupported dtype descriptor {d:?}"),
    };
    Ok((dtype, big))
}

/// Extracts the quoted value after `'key':` in the header dict.
fn header_field<'a>(header: &'a str, key: &str) -> Result<&'a str> {
    let pat = format!("'{key}':");
    let start = header
        .find(&pat)
        .ok_or_else(|| Error::op("load_npy", format!("header has no {key:?} field")))?
        + pat.len();
    Ok(header[start..].trim_start())
}

fn parse_header(header: &str) -> Result<(DType, bool, Vec<usize>)> {
    let d = header_field(header, "descr")?;
    let d = d
        .strip_prefix('\'')
        .and_then(|r| r.split('\'').next())
        .ok_or_else(|| Error::op("load_npy", "malformed descr"))?;
    let (dtype, big) = parse_descr(d)?;
    if header_field(header, "fortran_order")?.starts_with("True") {
        bail!("load_npy", "Fortran-ordered arrays are not supported");
    }
    let s = header_field(header, "shape")?;
    let inner = s
        .strip_prefix('(')
        .and_then(|r| r.split(')').next())
        .ok_or_else(|| Error::op("load_npy", "malformed shape"))?;
    let mut shape = Vec::new();
    for part in inner.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        shape.push(
            part.parse::<usize>()
                .map_err(|_| Error::op("load_npy", format!("bad dimension {part:?}")))?,
        );
    }
    Ok((dtype, big, shape))
}

fn decode(dtype: DType, big: bool, bytes: &[u8]) -> HostBuffer {
    macro_rules! num {
        ($t:ty) => {{
            const W: usize = std::mem::size_of::<$t>();
            HostBuffer::from(
                bytes
                    .chunks_exact(W)
                    .map(|c| {
                        let a: [u8; W] = c.try_into().expect("chunk of width W");
                        if big {
                            <$t>::from_be_bytes(a)
                        } else {
                            <$t>::from_le_bytes(a)
                        }
                    })
                    .collect::<Vec<$t>>(),
            )
        }};
    }
    match dtype {
        DType::Bool => HostBuffer::Bool(bytes.iter().map(|&b| b != 0).collect()),
        DType::U8 => HostBuffer::U8(bytes.to_vec()),
        DType::I8 => HostBuffer::I8(bytes.iter().map(|&b| b as i8).collect()),
        DType::U16 => num!(u16),
        DType::U32 => num!(u32),
        DType::U64 => num!(u64),
        DType::I16 => num!(i16),
        DType::I32 => num!(i32),
        DType::I64 => num!(i64),
        DType::F16 => HostBuffer::F16(
            bytes
                .chunks_exact(2)
                .map(|c| {
                    let bits = [c[0], c[1]];
                    half::f16::from_bits(if big {
                        u16::from_be_bytes(bits)
                    } else {
                        u16::from_le_bytes(bits)
                    })
                })
                .collect(),
        ),
        DType::F32 => num!(f32),
        DType::F64 => num!(f64),
        DType::BF16 => unreachable!("parse_descr never yields bfloat16"),
    }
}

fn encode(buf: &HostBuffer) -> Vec<u8> {
    match buf {
        HostBuffer::Bool(v) => v.iter().map(|&b| b as u8).collect(),
        HostBuffer::U8(v) => v.clone(),
        HostBuffer::I8(v) => v.iter().map(|&b| b as u8).collect(),
        HostBuffer::U16(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        HostBuffer::U32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        HostBuffer::U64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        HostBuffer::I16(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        HostBuffer::I32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        HostBuffer::I64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        HostBuffer::F16(v) => v.iter().flat_map(|x| x.to_bits().to_le_bytes()).collect(),
        HostBuffer::BF16(v) => v.iter().flat_map(|x| x.to_bits().to_le_bytes()).collect(),
        HostBuffer::F32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        HostBuffer::F64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
    }
}

impl Tensor {
    /// Reads a tensor from `.npy` bytes. Hostile input (bad header, a declared shape that does
    /// not match the data, unsupported dtypes) gives an error before any large allocation.
    ///
    /// ```
    /// use keras_ops::Tensor;
    /// let t = Tensor::from_vec(vec![1i64, 2, 3], [3]).unwrap();
    /// let bytes = t.to_npy_bytes().unwrap();
    /// let back = Tensor::from_npy_bytes(&bytes).unwrap();
    /// assert_eq!(back.to_vec::<i64>().unwrap(), vec![1, 2, 3]);
    /// ```
    pub fn from_npy_bytes(bytes: &[u8]) -> Result<Tensor> {
        if bytes.len() < 10 || &bytes[..6] != MAGIC {
            bail!("load_npy", "not a .npy file (bad magic)");
        }
        let (hlen, hstart): (usize, usize) = match bytes[6] {
            1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
            2 | 3 if bytes.len() >= 12 => (
                u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
                12,
            ),
            v => bail!("load_npy", "unsupported .npy version {v}"),
        };
        let header = bytes
            .get(hstart..hstart.saturating_add(hlen))
            .ok_or_else(|| Error::op("load_npy", "truncated header"))?;
        let header =
            std::str::from_utf8(header).map_err(|_| Error::op("load_npy", "header is not text"))?;
        let (dtype, big, shape) = parse_header(header)?;
        let data = &bytes[hstart + hlen..];
        let count = shape
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
            .ok_or_else(|| Error::op("load_npy", "declared shape overflows"))?;
        let need = count
            .checked_mul(dtype.size_in_bytes())
            .ok_or_else(|| Error::op("load_npy", "declared shape overflows"))?;
        if data.len() != need {
            bail!(
                "load_npy",
                "shape {shape:?} of {dtype} needs {need} bytes but the file holds {}",
                data.len()
            );
        }
        Tensor::from_host(decode(dtype, big, data), shape)
    }

    /// Reads a `.npy` file.
    pub fn load_npy(path: impl AsRef<Path>) -> Result<Tensor> {
        let mut bytes = Vec::new();
        std::fs::File::open(path.as_ref())
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map_err(|e| Error::op("load_npy", format!("{}: {e}", path.as_ref().display())))?;
        Tensor::from_npy_bytes(&bytes)
    }

    /// Encodes the tensor as `.npy` (version 1.0, little endian).
    pub fn to_npy_bytes(&self) -> Result<Vec<u8>> {
        let d = descr(self.dtype())?;
        let shape = match self.rank() {
            1 => format!("({},)", self.dims()[0]),
            _ => format!(
                "({})",
                self.dims()
                    .iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let mut header = format!("{{'descr': '{d}', 'fortran_order': False, 'shape': {shape}, }}");
        let total = MAGIC.len() + 4 + header.len() + 1;
        header.push_str(&" ".repeat((64 - total % 64) % 64));
        header.push('\n');
        let mut out = Vec::with_capacity(10 + header.len() + self.size() * 8);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&[1, 0]);
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(&encode(&self.to_host()?));
        Ok(out)
    }

    /// Writes a `.npy` file atomically (a temporary file renamed into place).
    pub fn save_npy(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let bytes = self.to_npy_bytes()?;
        let tmp = path.with_extension("npy.tmp");
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)
        };
        write().map_err(|e| Error::op("save_npy", format!("{}: {e}", path.display())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_all_npy_dtypes() {
        for dt in keras_backend::ALL_DTYPES {
            if dt == DType::BF16 {
                continue;
            }
            let t = Tensor::from_host(
                HostBuffer::from(vec![0.0, 1.0, 2.0, 3.0, 1.0, 0.0]).cast(dt),
                [2, 3],
            )
            .unwrap();
            let back = Tensor::from_npy_bytes(&t.to_npy_bytes().unwrap()).unwrap();
            assert_eq!(back.dtype(), dt);
            assert_eq!(back.dims(), &[2, 3]);
            assert_eq!(back.to_host().unwrap(), t.to_host().unwrap());
        }
    }

    #[test]
    fn hostile_inputs_are_errors() {
        assert!(Tensor::from_npy_bytes(b"garbage").is_err());
        let t = Tensor::from_vec(vec![1.0f32; 4], [4]).unwrap();
        let mut b = t.to_npy_bytes().unwrap();
        b.truncate(b.len() - 3);
        assert!(Tensor::from_npy_bytes(&b).is_err());
        let huge = b"\x93NUMPY\x01\x00\x46\x00{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999), }\n";
        assert!(Tensor::from_npy_bytes(huge).is_err());
    }
}
