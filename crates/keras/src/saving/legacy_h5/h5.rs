//! The HDF5 side of legacy `.h5` files: groups by name, string attributes as h5py writes
//! them (variable- or fixed-length, scalar or array, split into `name0`, `name1`, … when
//! larger than an object header allows), and datasets whose shape is checked before their
//! data is read.

use std::cell::Cell;
use std::collections::HashMap;

use hdf5_pure::{AttrValue, Dataset, Group};
use keras_backend::{bail, Error, Result};
use keras_ops::Tensor;

use super::super::weights_h5::{catch, declared_bytes, h5_err, open_h5, read_dataset, MAX_RATIO};

/// An opened legacy file.
pub(super) struct H5 {
    file: hdf5_pure::File,
    len: u64,
    /// Bytes the datasets still to be read may declare in all: [`MAX_RATIO`] times the
    /// file's size (a dataset that was never written reads as its fill value, data the file
    /// does not hold, so its declared size alone cannot be trusted).
    read_left: Cell<u64>,
}

/// The attributes of one group.
pub(super) type Attrs = HashMap<String, AttrValue>;

impl H5 {
    /// Parses the file's bytes (an error for anything that is not HDF5).
    pub fn open(bytes: Vec<u8>) -> Result<H5> {
        let (file, len) = open_h5(bytes)?;
        Ok(H5 {
            file,
            len,
            read_left: Cell::new(len.saturating_mul(MAX_RATIO)),
        })
    }

    /// The root group.
    pub fn root(&self) -> Result<Group> {
        catch(|| self.file.root())
    }

    /// The sub-group `name` of `group`, if there is one.
    pub fn child(&self, group: &Group, name: &str) -> Result<Option<Group>> {
        let names = catch(|| group.groups())?.map_err(h5_err)?;
        if !names.iter().any(|n| n == name) {
            return Ok(None);
        }
        catch(|| group.group(name))?.map(Some).map_err(h5_err)
    }

    /// The attributes of `group`.
    pub fn attrs(&self, group: &Group) -> Result<Attrs> {
        catch(|| group.attrs())?.map_err(h5_err)
    }

    /// The dataset at `path` under `group`.
    pub fn dataset(&self, group: &Group, path: &str) -> Result<Dataset> {
        catch(|| group.dataset(path))?.map_err(h5_err)
    }

    /// The dataset's shape (read from its header, no data).
    pub fn shape(&self, ds: &Dataset) -> Result<Vec<usize>> {
        let dims = catch(|| ds.shape())?.map_err(h5_err)?;
        dims.iter()
            .map(|&d| {
                usize::try_from(d).map_err(|_| Error::msg(format!("dimension {d} is too large")))
            })
            .collect()
    }

    /// The dataset's values; refuses one that declares far more data than the file holds,
    /// alone or together with the datasets read before it.
    pub fn read(&self, ds: &Dataset) -> Result<Tensor> {
        let declared = declared_bytes(ds)?;
        let left = self.read_left.get();
        if declared > left {
            bail!(
                "load_legacy_h5",
                "the datasets read declare more than {MAX_RATIO} times the file's {} bytes \
                 ({declared} bytes asked, {left} left); refusing to read more",
                self.len
            );
        }
        self.read_left.set(left - declared);
        read_dataset(ds, self.len)
    }
}

/// A string attribute (scalar, or a one-element array), if present.
pub(super) fn string_attr(attrs: &Attrs, name: &str) -> Option<String> {
    attrs
        .get(name)
        .and_then(AttrValue::as_str)
        .map(str::to_string)
}

/// A list-of-strings attribute (`layer_names`, `weight_names`), also when Keras split it
/// into `name0`, `name1`, …; empty when absent. h5py writes an empty list as an empty
/// float64 array, which reads as no strings.
pub(super) fn string_list(attrs: &Attrs, name: &str, owner: &str) -> Result<Vec<String>> {
    let strings = |key: &str, v: &AttrValue| -> Result<Vec<String>> {
        if let Some(s) = v.as_strings() {
            return Ok(s.to_vec());
        }
        match v {
            AttrValue::F64Array(a) if a.is_empty() => Ok(Vec::new()),
            AttrValue::F32Array(a) if a.is_empty() => Ok(Vec::new()),
            other => bail!(
                "load_legacy_h5",
                "{owner}: attribute `{key}` should be a list of strings, got {other:?}"
            ),
        }
    };
    if let Some(v) = attrs.get(name) {
        return strings(name, v);
    }
    let mut out = Vec::new();
    for i in 0.. {
        let key = format!("{name}{i}");
        match attrs.get(&key) {
            Some(v) => out.extend(strings(&key, v)?),
            None => break,
        }
    }
    Ok(out)
}
