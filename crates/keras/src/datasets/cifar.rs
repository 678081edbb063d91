//! The CIFAR "python version" batch files: pickled dicts (Python 2 `cPickle`) holding a
//! `data` array of `uint8 (n, 3072)` (channels first) and label lists.

use std::path::Path;

use keras_backend::bail;
use keras_ops::{Result, Tensor};

use super::pickle::{self, ArrayData, Value};

/// The largest batch file read (CIFAR's are about 160 MB).
const MAX_FILE: u64 = 1 << 30;

/// Images (`n` rows of 3072 channel-first bytes) and labels of one batch file.
pub(crate) fn load_batch(path: &Path, label_key: &str) -> Result<(Vec<u8>, Vec<u8>)> {
    let what = path.display().to_string();
    match std::fs::metadata(path) {
        Ok(m) if m.len() > MAX_FILE => bail!("cifar", "{what} is larger than {MAX_FILE} bytes"),
        Ok(_) => {}
        Err(e) => bail!("cifar", "cannot read {what}: {e}"),
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => bail!("cifar", "cannot read {what}: {e}"),
    };
    let d = pickle::loads(&bytes, &what)?;
    let (Some(data), Some(labels)) = (d.get("data"), d.get(label_key)) else {
        bail!("cifar", "{what} has no `data` and `{label_key}` entries");
    };
    let Value::Array(a) = &data else {
        bail!("cifar", "{what}: `data` is a {}, not an array", data.kind());
    };
    let a = a.borrow();
    let (Some(dt), ArrayData::Raw(raw)) = (&a.dtype, &a.data) else {
        bail!("cifar", "{what}: `data` is not a numeric array");
    };
    if dt.kind != "u1" || a.shape.len() != 2 || a.shape[1] != 3072 {
        bail!(
            "cifar",
            "{what}: `data` is {} {:?}, expected uint8 (n, 3072)",
            dt.kind,
            a.shape
        );
    }
    let n = a.shape[0];
    if raw.len() < n * 3072 {
        bail!("cifar", "{what}: `data` is truncated");
    }
    let labels = labels.int_list(&format!("{what}: {label_key}"))?;
    if labels.len() != n {
        bail!("cifar", "{what}: {n} images but {} labels", labels.len());
    }
    let labels = labels
        .into_iter()
        .map(|l| {
            u8::try_from(l).map_err(|_| {
                keras_ops::Error::op("cifar", format!("{what}: label {l} out of range"))
            })
        })
        .collect::<Result<Vec<u8>>>()?;
    Ok((raw[..n * 3072].to_vec(), labels))
}

/// `(x, y)` tensors, channels last: `uint8 (n, 32, 32, 3)` and `uint8 (n, 1)`.
pub(crate) fn to_tensors(chw: &[u8], labels: Vec<u8>) -> Result<(Tensor, Tensor)> {
    let n = labels.len();
    let mut hwc = vec![0u8; chw.len()];
    for (img_in, img_out) in chw.chunks_exact(3072).zip(hwc.chunks_exact_mut(3072)) {
        for c in 0..3 {
            for p in 0..1024 {
                img_out[p * 3 + c] = img_in[c * 1024 + p];
            }
        }
    }
    Ok((
        Tensor::from_vec(hwc, [n, 32, 32, 3])?,
        Tensor::from_vec(labels, [n, 1])?,
    ))
}

/// The folder holding the batch files: `dir/<inner>` when it exists, else `dir`.
pub(crate) fn batches_dir(dir: &Path, inner: &str) -> std::path::PathBuf {
    let nested = dir.join(inner);
    if nested.is_dir() {
        nested
    } else {
        dir.to_path_buf()
    }
}
