//! What a model or weights file stores, read without building the model (the
//! `keras inspect` command): the format, what the file records about its model (class,
//! name, Keras version, compile configuration) and every HDF5 dataset of its weights (the
//! `model.weights.h5` inside a `.keras` archive, a `.weights.h5` file, or a legacy `.h5`
//! file) with its path, shape and dtype.

use std::cmp::Ordering;
use std::fmt;
use std::io::Cursor;

use hdf5_pure::{AttrValue, Datatype, Group};
use keras_backend::{bail, Error, Result};
use serde_json::Value;

use super::archive::KerasArchive;
use super::weights_h5::{catch, dataset_dtype, h5_err, open_h5};

const OP: &str = "inspect";

/// Groups nested deeper than this are refused (HDF5 links can form cycles).
const MAX_DEPTH: usize = 64;
/// At most this many groups and datasets are listed.
const MAX_ENTRIES: usize = 1_000_000;

/// The kinds of file [`inspect_file_bytes`] recognises, by content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileFormat {
    /// A Keras 3 `.keras` archive (zip of `config.json`, `metadata.json`,
    /// `model.weights.h5`).
    KerasArchive,
    /// A Keras 3 `.weights.h5` file (`layers/…/vars/0`, …).
    WeightsH5,
    /// A legacy whole-model `.h5` file (root attribute `model_config`).
    LegacyModelH5,
    /// A legacy weights-only `.h5` file (root attribute `layer_names`).
    LegacyWeightsH5,
}

impl fmt::Display for FileFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileFormat::KerasArchive => ".keras archive",
            FileFormat::WeightsH5 => ".weights.h5 weights file",
            FileFormat::LegacyModelH5 => "legacy .h5 model",
            FileFormat::LegacyWeightsH5 => "legacy .h5 weights file",
        })
    }
}

/// What a model file records about its model, read from its configuration without
/// building it.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredModel {
    /// The model's class (`Sequential`, `Functional`, Keras 2's `Model`, a custom name).
    pub class_name: String,
    /// The model's name, when its config has one.
    pub name: Option<String>,
    /// The compile configuration when the model was saved compiled (`None` for Keras's
    /// empty `{}` of an uncompiled model): Keras 3's
    /// `compile_config` (`optimizer`, `loss`, `metrics`, …) or a legacy file's
    /// `training_config` (`optimizer_config`, `loss`, `metrics`, …).
    pub compile_config: Option<Value>,
}

/// What [`inspect_file_bytes`] found in a file.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredFile {
    /// The file's kind.
    pub format: FileFormat,
    /// The model it describes (`None` for weights files).
    pub model: Option<StoredModel>,
    /// The Keras version that wrote it, when recorded.
    pub keras_version: Option<String>,
    /// The backend that wrote it, when recorded (legacy `.h5` files).
    pub backend: Option<String>,
    /// When it was saved, when recorded (`.keras` archives, `YYYY-MM-DD@HH:MM:SS`).
    pub date_saved: Option<String>,
    /// Every dataset of its weights, groups in HDF5 order with numeric names by value.
    pub weights: Vec<StoredWeight>,
}

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

/// Reads what a file given as bytes stores: a `.keras` archive, a `.weights.h5` file or a
/// legacy `.h5` file (model or weights), recognised by content. Nothing is built and only
/// the datasets' headers are read; groups and datasets come in HDF5 order, numeric names
/// (`0`, `1`, …, `10`) by value.
///
/// ```
/// use keras::layers::{Dense, Input};
/// use keras::models::Sequential;
/// use keras::saving::{inspect_file_bytes, FileFormat};
/// let mut m = Sequential::new();
/// m.add(Input::new(&[3])).unwrap();
/// m.add(Dense::new(2)).unwrap();
/// let archive = keras::saving::model_to_keras_bytes(&m, None).unwrap();
/// let stored = inspect_file_bytes(archive).unwrap();
/// assert_eq!(stored.format, FileFormat::KerasArchive);
/// assert_eq!(stored.model.unwrap().class_name, "Sequential");
/// assert_eq!(stored.weights[0].path, "layers/dense/vars/0");
/// let kernel = &stored.weights[0];
/// assert_eq!((kernel.shape.clone(), kernel.dtype.as_str()), (vec![3, 2], "float32"));
/// assert!(inspect_file_bytes(b"hello".to_vec()).is_err());
/// ```
pub fn inspect_file_bytes(bytes: Vec<u8>) -> Result<StoredFile> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        inspect_archive(bytes)
    } else if hdf5_pure::is_hdf5_bytes(&bytes) {
        inspect_h5(bytes)
    } else {
        bail!(
            OP,
            "not a Keras file: neither a .keras archive (zip) nor an HDF5 file (.weights.h5, .h5)"
        );
    }
}

/// A `.keras` archive: `config.json`, `metadata.json` and the weights.
fn inspect_archive(bytes: Vec<u8>) -> Result<StoredFile> {
    let mut archive = KerasArchive::open(Cursor::new(bytes))?;
    let config = archive.json("config.json")?;
    let metadata = if archive.has("metadata.json") {
        archive.json("metadata.json")?
    } else {
        Value::Null
    };
    let text = |v: &Value| v.as_str().map(str::to_string);
    let Some(class_name) = text(&config["class_name"]) else {
        bail!(OP, "config.json has no `class_name`");
    };
    // Keras writes `{}` for a model that was not compiled.
    let compile_config = Some(config["compile_config"].clone())
        .filter(|c| !c.is_null() && c.as_object().is_none_or(|m| !m.is_empty()));
    let weights = if archive.has("model.weights.h5") {
        let (file, _) = open_h5(archive.weights()?)?;
        datasets(&catch(|| file.root())?)?
    } else {
        Vec::new()
    };
    Ok(StoredFile {
        format: FileFormat::KerasArchive,
        model: Some(StoredModel {
            class_name,
            name: text(&config["config"]["name"]),
            compile_config,
        }),
        keras_version: text(&metadata["keras_version"]),
        backend: None,
        date_saved: text(&metadata["date_saved"]),
        weights,
    })
}

/// An HDF5 file: Keras 3 weights, or a legacy model or weights file by its root attributes.
fn inspect_h5(bytes: Vec<u8>) -> Result<StoredFile> {
    let (file, _) = open_h5(bytes)?;
    let root = catch(|| file.root())?;
    let attrs = catch(|| root.attrs())?.map_err(h5_err)?;
    let text = |name: &str| {
        attrs
            .get(name)
            .and_then(AttrValue::as_str)
            .map(str::to_string)
    };
    let json = |name: &str| -> Result<Option<Value>> {
        text(name)
            .map(|t| {
                serde_json::from_str(&t).map_err(|e| {
                    Error::op(OP, format!("attribute `{name}` is not valid JSON: {e}"))
                })
            })
            .transpose()
    };
    let model = json("model_config")?
        .map(|config| -> Result<StoredModel> {
            let Some(class_name) = config["class_name"].as_str() else {
                bail!(OP, "attribute `model_config` has no `class_name`");
            };
            Ok(StoredModel {
                class_name: class_name.to_string(),
                name: config["config"]["name"].as_str().map(str::to_string),
                compile_config: json("training_config")?,
            })
        })
        .transpose()?;
    let format = match (&model, attrs.contains_key("layer_names")) {
        (Some(_), _) => FileFormat::LegacyModelH5,
        (None, true) => FileFormat::LegacyWeightsH5,
        (None, false) => FileFormat::WeightsH5,
    };
    let weights = datasets(&root)?;
    Ok(StoredFile {
        format,
        model,
        keras_version: text("keras_version"),
        backend: text("backend"),
        date_saved: None,
        weights,
    })
}

/// Every dataset under an HDF5 file's root group.
fn datasets(root: &Group) -> Result<Vec<StoredWeight>> {
    let mut out = Vec::new();
    walk(root, "", None, 0, &mut 0, &mut out)?;
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
        bail!(
            OP,
            "groups nest deeper than {MAX_DEPTH} levels at `{prefix}`"
        );
    }
    let attrs = catch(|| group.attrs())?.map_err(h5_err)?;
    let named = attrs.get("name").and_then(|a| a.as_str());
    let layer_name = named.or(layer_name);
    let mut datasets = catch(|| group.datasets())?.map_err(h5_err)?;
    let mut groups = catch(|| group.groups())?.map_err(h5_err)?;
    *entries += datasets.len() + groups.len();
    if *entries > MAX_ENTRIES {
        bail!(
            OP,
            "the file holds more than {MAX_ENTRIES} groups and datasets"
        );
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

    fn fixture(name: &str) -> StoredFile {
        let path = format!("{}/../../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        inspect_file_bytes(std::fs::read(path).unwrap()).unwrap()
    }

    #[test]
    fn keras_archive_reports_config_metadata_and_weights() {
        let f = fixture("saving/compiled_mlp.keras");
        assert_eq!(f.format, FileFormat::KerasArchive);
        assert_eq!(f.keras_version.as_deref(), Some("3.15.1"));
        assert!(f.date_saved.is_some());
        let model = f.model.unwrap();
        assert_eq!(model.class_name, "Sequential");
        let compile = model.compile_config.unwrap();
        assert_eq!(compile["optimizer"]["class_name"], "Adam");
        assert_eq!(compile["loss"], "mse");
        let hidden = &f.weights[0];
        assert_eq!(hidden.path, "layers/dense/vars/0");
        assert_eq!(hidden.layer_name.as_deref(), Some("hidden"));
        // Two Dense layers, then the Adam iteration count, learning rate and 8 slots.
        assert_eq!(f.weights.len(), 4 + 10);
        assert_eq!(f.weights[4].path, "optimizer/vars/0");
    }

    #[test]
    fn uncompiled_archive_has_no_compile_config() {
        let f = fixture("interop/seq_mlp.keras");
        assert_eq!(f.model.unwrap().compile_config, None);
    }

    #[test]
    fn legacy_files_are_told_apart_by_their_root_attributes() {
        let f = fixture("legacy_h5/tf2_compiled_adam.h5");
        assert_eq!(f.format, FileFormat::LegacyModelH5);
        assert_eq!(f.backend.as_deref(), Some("tensorflow"));
        let compile = f.model.unwrap().compile_config.unwrap();
        assert_eq!(compile["loss"], "categorical_crossentropy");
        assert!(f
            .weights
            .iter()
            .any(|w| w.path.starts_with("model_weights/")));
        assert!(f
            .weights
            .iter()
            .any(|w| w.path.starts_with("optimizer_weights/")));

        let f = fixture("legacy_h5/tf2_weights_only.h5");
        assert_eq!(f.format, FileFormat::LegacyWeightsH5);
        assert!(f.model.is_none());
        assert!(!f.weights.is_empty());

        let f = fixture("saving/tiny_mlp.weights.h5");
        assert_eq!(f.format, FileFormat::WeightsH5);
        assert_eq!(f.keras_version, None);
    }
}
