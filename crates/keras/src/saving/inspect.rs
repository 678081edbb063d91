//! What a weights file stores, read without a model (the `keras inspect` command): every
//! HDF5 dataset of a `.weights.h5` file, of the `model.weights.h5` inside a `.keras`
//! archive, or of a legacy `.h5` file, with its path, shape and dtype.

use std::cmp::Ordering;
use std::io::Cursor;

use hdf5_pure::{Datatype, Group};
use keras_backend::{bail, Result};

use super::archive::KerasArchive;
use super::weights_h5::{catch, dataset_dtype, h5_err, open_h5};

const OP: &str = "inspect";

/// Groups nested deeper than this are refused (HDF5 links can form cycles).
const MAX_DEPTH: usize = 64;
/// At most this many groups and datasets are listed.
const MAX_ENTRIES: usize = 1_000_000;

/// One dataset of a weights file.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredWeight {
    /// Its HDF5 path, e.g. `layers/dense/vars/0` or `model_weights/dense/dense/kernel:0`.
    pub path: String,
    /// Its shape (empty for a scalar).
    pub shape: Vec<u64>,
    /// Its dtype as Keras names it (`float32`, `bfloat16`, `int64`, …), or the HDF5 class
    /// for a type no weight uses (`string`, `compound`, …).
    pub dtype: String,
    /// The `name` attribute of the nearest enclosing group that has one: the layer's (or
    /// optimizer's) name in Keras 3 files, whose paths use automatic names.
    pub layer_name: Option<String>,
}

/// The datasets of a weights file given as bytes: a `.keras` archive (its
/// `model.weights.h5`), a `.weights.h5` or a legacy `.h5` file, recognised by content.
/// Groups and datasets come in HDF5 order, numeric names (`0`, `1`, …, `10`) by value;
/// nothing but the datasets' headers is read.
///
/// ```
/// use keras::layers::{Dense, Input};
/// use keras::models::Sequential;
/// let mut m = Sequential::new();
/// m.add(Input::new(&[3])).unwrap();
/// m.add(Dense::new(2)).unwrap();
/// let bytes = keras::saving::weights_to_bytes(&m, None).unwrap();
/// let stored = keras::saving::stored_weights(bytes).unwrap();
/// assert_eq!(stored[0].path, "layers/dense/vars/0");
/// assert_eq!((stored[0].shape.clone(), stored[0].dtype.as_str()), (vec![3, 2], "float32"));
/// assert!(keras::saving::stored_weights(b"hello".to_vec()).is_err());
/// ```
pub fn stored_weights(bytes: Vec<u8>) -> Result<Vec<StoredWeight>> {
    let h5 = if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        KerasArchive::open(Cursor::new(bytes))?.weights()?
    } else if hdf5_pure::is_hdf5_bytes(&bytes) {
        bytes
    } else {
        bail!(
            OP,
            "not a weights file: neither a .keras archive (zip) nor an HDF5 file (.weights.h5, .h5)"
        );
    };
    let (file, _) = open_h5(h5)?;
    let mut out = Vec::new();
    let mut entries = 0;
    walk(&catch(|| file.root())?, "", None, 0, &mut entries, &mut out)?;
    Ok(out)
}

/// Numeric names by value, then the rest by name.
fn by_name(a: &String, b: &String) -> Ordering {
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        _ => a.cmp(b),
    }
}

/// Lists the datasets of `group` (at `prefix`), then its sub-groups.
fn walk(
    group: &Group,
    prefix: &str,
    layer_name: Option<&str>,
    depth: usize,
    entries: &mut usize,
    out: &mut Vec<StoredWeight>,
) -> Result<()> {
    if depth > MAX_DEPTH {
        bail!(OP, "groups nest deeper than {MAX_DEPTH} levels at `{prefix}`");
    }
    let attrs = catch(|| group.attrs())?.map_err(h5_err)?;
    let named = attrs.get("name").and_then(|a| a.as_str());
    let layer_name = named.or(layer_name);
    let mut datasets = catch(|| group.datasets())?.map_err(h5_err)?;
    let mut groups = catch(|| group.groups())?.map_err(h5_err)?;
    *entries += datasets.len() + groups.len();
    if *entries > MAX_ENTRIES {
        bail!(OP, "the file holds more than {MAX_ENTRIES} groups and datasets");
    }
    datasets.sort_by(by_name);
    groups.sort_by(by_name);
    let path_of = |name: &str| {
        if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}/{name}")
        }
    };
    for name in &datasets {
        let path = path_of(name);
        let ds = catch(|| group.dataset(name))?.map_err(h5_err)?;
        let shape = catch(|| ds.shape())?.map_err(h5_err)?;
        let (datatype, dtype) = dataset_dtype(&ds)?;
        out.push(StoredWeight {
            path,
            shape,
            dtype: dtype.map_or_else(|| class_name(&datatype).to_string(), |d| d.to_string()),
            layer_name: layer_name.map(str::to_string),
        });
    }
    for name in &groups {
        let sub = catch(|| group.group(name))?.map_err(h5_err)?;
        walk(&sub, &path_of(name), layer_name, depth + 1, entries, out)?;
    }
    Ok(())
}

/// The HDF5 class of a type that no Keras weight uses.
fn class_name(dt: &Datatype) -> &'static str {
    match dt {
        Datatype::FixedPoint { .. } => "integer",
        Datatype::FloatingPoint { .. } => "float",
        Datatype::Time { .. } => "time",
        Datatype::String { .. } => "string",
        Datatype::VariableLength {
            is_string: true, ..
        } => "string",
        Datatype::VariableLength { .. } => "vlen",
        Datatype::BitField { .. } => "bitfield",
        Datatype::Opaque { .. } => "opaque",
        Datatype::Compound { .. } => "compound",
        Datatype::Reference { .. } => "reference",
        Datatype::Enumeration { .. } => "enum",
        Datatype::Array { .. } => "array",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_names_sort_by_value() {
        let mut names: Vec<String> = ["10", "b", "2", "a", "0"].map(String::from).to_vec();
        names.sort_by(by_name);
        assert_eq!(names, ["0", "2", "10", "a", "b"]);
    }
}
