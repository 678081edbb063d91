//! `.npy` arrays and `.npz` archives (a zip of `.npy` members), as `np.load` reads them:
//! numeric arrays become tensors; object arrays (IMDB and Reuters store ragged sequences
//! that way, as a pickle) go through the restricted [`pickle`](super::pickle) reader.

use std::io::Read;
use std::path::Path;

use keras_backend::{bail, HostBuffer};
use keras_ops::{Result, Tensor};

use super::pickle::{self, Value};

/// Largest `.npy` member read (the largest Keras dataset file member is about 50 MB).
const MAX_MEMBER: u64 = 2 << 30;

/// One array of an `.npz` file.
#[derive(Debug)]
pub(crate) enum Npy {
    /// A numeric array.
    Tensor(Tensor),
    /// An object array, as the pickled `numpy.ndarray`.
    Object(Value),
}

impl Npy {
    pub fn tensor(self, what: &str) -> Result<Tensor> {
        match self {
            Npy::Tensor(t) => Ok(t),
            Npy::Object(_) => bail!("npz", "{what} is an object array, not a numeric one"),
        }
    }
}

/// The members of an `.npz` file, by name (without `.npy`), in archive order.
pub(crate) fn read_npz(path: &Path) -> Result<Vec<(String, Npy)>> {
    let what = path.display().to_string();
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => bail!("npz", "cannot open {what}: {e}"),
    };
    let mut archive = match zip::ZipArchive::new(file) {
        Ok(a) => a,
        Err(e) => bail!("npz", "{what} is not a valid .npz (zip) file: {e}"),
    };
    let mut out = Vec::new();
    for i in 0..archive.len() {
        let mut member = match archive.by_index(i) {
            Ok(m) => m,
            Err(e) => bail!("npz", "{what}: member {i}: {e}"),
        };
        let name = match member.name() {
            Ok(n) => n.into_owned(),
            Err(e) => bail!("npz", "{what}: member {i}: {e}"),
        };
        let Some(key) = name.strip_suffix(".npy") else {
            continue;
        };
        if member.size() > MAX_MEMBER {
            bail!(
                "npz",
                "{what}: member {name} declares {} bytes, too large",
                member.size()
            );
        }
        let mut bytes = Vec::with_capacity(member.size() as usize);
        if let Err(e) = (&mut member).take(MAX_MEMBER + 1).read_to_end(&mut bytes) {
            bail!("npz", "{what}: cannot read member {name}: {e}");
        }
        out.push((
            key.to_string(),
            read_npy(&bytes, &format!("{what}:{name}"))?,
        ));
    }
    Ok(out)
}

/// Takes the member `key` out of `members`.
pub(crate) fn take(members: &mut Vec<(String, Npy)>, key: &str, what: &str) -> Result<Npy> {
    match members.iter().position(|(k, _)| k == key) {
        Some(i) => Ok(members.remove(i).1),
        None => bail!("npz", "{what} has no array named {key:?}"),
    }
}

/// Parses an `.npy` file's bytes.
pub(crate) fn read_npy(bytes: &[u8], what: &str) -> Result<Npy> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        bail!("npy", "{what}: not an .npy array (bad magic)");
    }
    let (header_len, start): (usize, usize) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => bail!("npy", "{what}: unsupported .npy version {v}"),
    };
    let Some(header) = start
        .checked_add(header_len)
        .and_then(|end| bytes.get(start..end))
    else {
        bail!("npy", "{what}: truncated header");
    };
    let header = String::from_utf8_lossy(header);
    let descr = header_field(&header, "descr").and_then(|v| {
        v.trim()
            .strip_prefix('\'')?
            .split('\'')
            .next()
            .map(str::to_string)
    });
    let Some(descr) = descr else {
        bail!("npy", "{what}: header without a plain 'descr': {header}");
    };
    let fortran =
        header_field(&header, "fortran_order").map(|v| v.trim_start().starts_with("True"));
    let shape = header_field(&header, "shape").and_then(|v| {
        let inner = v.trim().strip_prefix('(')?.split(')').next()?;
        inner
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.trim_end_matches('L').parse::<usize>().ok())
            .collect::<Option<Vec<usize>>>()
    });
    let (Some(fortran), Some(shape)) = (fortran, shape) else {
        bail!("npy", "{what}: cannot parse the header {header}");
    };
    let data = &bytes[start + header_len..];
    if descr
        .trim_start_matches(['|', '<', '>', '='])
        .starts_with('O')
    {
        let value = pickle::loads(data, what)?;
        if !matches!(value, Value::Array(_)) {
            bail!(
                "npy",
                "{what}: the object array's pickle holds a {}",
                value.kind()
            );
        }
        return Ok(Npy::Object(value));
    }
    if fortran && shape.iter().filter(|&&d| d > 1).count() > 1 {
        bail!("npy", "{what}: Fortran-ordered arrays are not supported");
    }
    Ok(Npy::Tensor(tensor_from_raw(&descr, data, &shape, what)?))
}

/// The text after `'key':` in an `.npy` header dict.
fn header_field<'h>(header: &'h str, key: &str) -> Option<&'h str> {
    let at = header.find(&format!("'{key}'"))?;
    let rest = &header[at + key.len() + 2..];
    rest.trim_start().strip_prefix(':')
}

/// A tensor from the raw bytes of a numeric array of `descr` (`"<f4"`, `"|u1"`, …);
/// `raw` may hold more bytes than needed (trailing padding is ignored).
pub(crate) fn tensor_from_raw(
    descr: &str,
    raw: &[u8],
    shape: &[usize],
    what: &str,
) -> Result<Tensor> {
    let (order, kind) = match descr.chars().next() {
        Some(c @ ('<' | '>' | '|' | '=')) => (c, &descr[1..]),
        _ => ('=', descr),
    };
    let count = shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    let size: usize = match kind {
        "b1" | "u1" | "i1" => 1,
        "u2" | "i2" => 2,
        "u4" | "i4" | "f4" => 4,
        "u8" | "i8" | "f8" => 8,
        _ => bail!("npy", "{what}: unsupported dtype {descr:?}"),
    };
    let Some(nbytes) = count.and_then(|c| c.checked_mul(size)) else {
        bail!("npy", "{what}: shape {shape:?} is too large");
    };
    if raw.len() < nbytes {
        bail!(
            "npy",
            "{what}: shape {shape:?} of {descr} needs {nbytes} bytes but only {} are there",
            raw.len()
        );
    }
    let raw = &raw[..nbytes];
    let big = order == '>';
    macro_rules! words {
        ($t:ty, $n:expr) => {
            raw.chunks_exact($n)
                .map(|c| {
                    let a: [u8; $n] = c.try_into().expect("chunk");
                    if big {
                        <$t>::from_be_bytes(a)
                    } else {
                        <$t>::from_le_bytes(a)
                    }
                })
                .collect::<Vec<$t>>()
        };
    }
    let buffer = match kind {
        "b1" => HostBuffer::Bool(raw.iter().map(|&b| b != 0).collect()),
        "u1" => HostBuffer::U8(raw.to_vec()),
        "i1" => HostBuffer::I8(raw.iter().map(|&b| b as i8).collect()),
        "u2" => HostBuffer::U16(words!(u16, 2)),
        "i2" => HostBuffer::I16(words!(i16, 2)),
        "u4" => HostBuffer::U32(words!(u32, 4)),
        "i4" => HostBuffer::I32(words!(i32, 4)),
        "f4" => HostBuffer::F32(words!(f32, 4)),
        "u8" => HostBuffer::U64(words!(u64, 8)),
        "i8" => HostBuffer::I64(words!(i64, 8)),
        _ => HostBuffer::F64(words!(f64, 8)),
    };
    Tensor::from_host(buffer, shape.to_vec())
}

/// The integer sequences of a 1-D object array of lists (IMDB, Reuters).
pub(crate) fn object_int_lists(value: &Value, what: &str) -> Result<Vec<Vec<i64>>> {
    let Value::Array(a) = value else {
        bail!(
            "npz",
            "{what}: expected an object array, found a {}",
            value.kind()
        );
    };
    let a = a.borrow();
    match &a.data {
        pickle::ArrayData::Objects(items) => items.iter().map(|v| v.int_list(what)).collect(),
        _ => bail!("npz", "{what}: expected an object array of lists"),
    }
}
