//! `.npy` files (NumPy format 1.0) and `.npz` archives written from tensors, for the
//! Python side of the interop tests.

use std::io::Write;
use std::path::Path;

use keras::{DType, Tensor};
use keras_ops::HostBuffer;

/// NumPy's type string and the little-endian bytes of `t`. bfloat16 and float16 are
/// widened to float32, unsigned and narrow integers to int64 (NumPy has no bfloat16).
fn descr_and_bytes(t: &Tensor) -> Result<(&'static str, Vec<u8>), String> {
    let host = t.to_host().map_err(|e| e.to_string())?;
    Ok(match host {
        HostBuffer::F64(v) => ("<f8", v.iter().flat_map(|x| x.to_le_bytes()).collect()),
        HostBuffer::I32(v) => ("<i4", v.iter().flat_map(|x| x.to_le_bytes()).collect()),
        HostBuffer::Bool(v) => ("|b1", v.iter().map(|&b| u8::from(b)).collect()),
        HostBuffer::F32(_) | HostBuffer::F16(_) | HostBuffer::BF16(_) => {
            let v = host.cast(DType::F32);
            let v = v.as_slice::<f32>().map_err(|e| e.to_string())?;
            ("<f4", v.iter().flat_map(|x| x.to_le_bytes()).collect())
        }
        other => (
            "<i8",
            other
                .to_i64_vec()
                .iter()
                .flat_map(|x| x.to_le_bytes())
                .collect(),
        ),
    })
}

/// The `.npy` encoding of `t` (C order).
pub fn npy_bytes(t: &Tensor) -> Result<Vec<u8>, String> {
    let (descr, data) = descr_and_bytes(t)?;
    let dims: Vec<String> = t.dims().iter().map(|d| d.to_string()).collect();
    let shape = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    // Magic (6) + version (2) + length (2) + header + '\n', padded to a multiple of 64.
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(&data);
    Ok(out)
}

/// Writes `t` to a `.npy` file.
pub fn write_npy(path: &Path, t: &Tensor) -> Result<(), String> {
    std::fs::write(path, npy_bytes(t)?).map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes named tensors to an `.npz` archive (what `np.savez` writes: one stored
/// `NAME.npy` member per array).
pub fn write_npz(path: &Path, arrays: &[(String, Tensor)]) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let file = std::fs::File::create(path).map_err(|e| err(&e))?;
    let mut z = zip::ZipWriter::new(file);
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, t) in arrays {
        z.start_file(format!("{name}.npy"), opts)
            .map_err(|e| err(&e))?;
        z.write_all(&npy_bytes(t)?).map_err(|e| err(&e))?;
    }
    z.finish().map_err(|e| err(&e))?;
    Ok(())
}
