//! Loading whole models (Keras's `keras.saving.load_model` and
//! `keras.models.model_from_json`): the file format is chosen as Keras chooses it, the
//! config rebuilds the model (custom classes through the registries), the compile config
//! compiles it with its optimizer built, then the weights and optimizer state load.

use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek};
use std::path::Path;

use keras_backend::{bail, Error, Result};
use serde_json::Value;

use super::archive::KerasArchive;
use super::legacy_h5::load_legacy_model_from_bytes;
use super::registry::deserialize_layer;
use super::scope::{variable_budget, with_load_scope};
use super::weights_h5::load_weights_from_bytes;
use crate::layers::{Layer, LayerExt, LayerRef};
use crate::models::LoadedModel;
use crate::trainers::{CompileArgs, TrainerExt};

const OP: &str = "load_model";

/// How [`load_model_with`] loads (Keras's `load_model(compile=…, safe_mode=…)`).
///
/// ```
/// let options = keras::models::LoadOptions { compile: false, ..Default::default() };
/// assert!(options.safe_mode);
/// ```
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Compile the model from its saved `compile_config` and restore the optimizer's state
    /// (default true). A model saved without one is returned uncompiled either way.
    pub compile: bool,
    /// Refuse Python lambdas (Lambda layers holding one) with Keras's message (default
    /// true).
    pub safe_mode: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            compile: true,
            safe_mode: true,
        }
    }
}

/// The file formats `load_model` reads.
enum FileFormat {
    /// A Keras 3 `.keras` zip archive.
    Keras,
    /// A legacy (Keras 2 / tf.keras) `.h5` or `.hdf5` file.
    LegacyH5,
}

impl FileFormat {
    /// By suffix, as Keras's `load_model`.
    fn of_path(path: &Path) -> Result<FileFormat> {
        let name = path.to_string_lossy();
        if name.ends_with(".keras") {
            Ok(FileFormat::Keras)
        } else if name.ends_with(".h5") || name.ends_with(".hdf5") {
            Ok(FileFormat::LegacyH5)
        } else {
            bail!(
                OP,
                "File format not supported: filepath={name}. Keras 3 only supports V3 \
                 `.keras` files and legacy H5 format files (`.h5` extension)."
            )
        }
    }

    /// By content: a zip archive or an HDF5 file.
    fn of_bytes(bytes: &[u8]) -> Result<FileFormat> {
        if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
            Ok(FileFormat::Keras)
        } else if hdf5_pure::is_hdf5_bytes(bytes) {
            Ok(FileFormat::LegacyH5)
        } else {
            bail!(
                OP,
                "not a model file: neither a .keras archive (zip) nor a legacy .h5 file (HDF5)"
            )
        }
    }
}

/// Loads what `reader` holds in `format`.
fn load_format<R: Read + Seek>(
    format: FileFormat,
    reader: R,
    options: &LoadOptions,
) -> Result<LoadedModel> {
    match format {
        FileFormat::Keras => load_keras(reader, options),
        FileFormat::LegacyH5 => load_legacy(reader, options),
    }
}

/// Loads a model saved with `model.save` (Keras's `keras.saving.load_model`): a Keras 3
/// `.keras` archive written here or by Python Keras. It comes back compiled when it was
/// saved compiled, with its optimizer's state, so training resumes where it stopped.
///
/// ```
/// use keras::layers::{Dense, Input};
/// use keras::models::{load_model, Sequential};
/// use keras::trainers::{CompileArgs, TrainerExt};
/// let mut m = Sequential::new();
/// m.add(Input::new(&[3])).unwrap();
/// m.add(Dense::new(2)).unwrap();
/// m.compile(CompileArgs::new().optimizer("adam").loss("mse")).unwrap();
/// let path = std::env::temp_dir().join(format!("doc_load_{}.keras", std::process::id()));
/// m.save(&path).unwrap();
/// let loaded = load_model(&path).unwrap();
/// assert!(loaded.is_compiled());
/// assert!(loaded.downcast_ref::<Sequential>().is_some());
/// let x = keras::ops::ones(&[1, 3], keras::DType::F32).unwrap();
/// use keras::layers::LayerExt;
/// assert_eq!(loaded.forward(&x).unwrap().to_vec::<f32>().unwrap(),
///            m.forward(&x).unwrap().to_vec::<f32>().unwrap());
/// # std::fs::remove_file(&path).unwrap();
/// ```
pub fn load_model(path: impl AsRef<Path>) -> Result<LoadedModel> {
    load_model_with(path, &LoadOptions::default())
}

/// [`load_model`] with [`LoadOptions`] (`compile`, `safe_mode`). The format follows the
/// file's suffix, as in Keras: `.keras`, or `.h5`/`.hdf5` (the legacy Keras 2 / tf.keras
/// format, compiled from its `training_config`).
///
/// ```
/// use keras::models::{load_model_with, LoadOptions};
/// let err = load_model_with("model.pb", &LoadOptions::default()).unwrap_err();
/// assert!(err.to_string().contains("File format not supported"));
/// ```
pub fn load_model_with(path: impl AsRef<Path>, options: &LoadOptions) -> Result<LoadedModel> {
    let path = path.as_ref();
    let in_file = |e: Error| Error::msg(format!("{} ({})", e.message(), path.display()));
    let format = FileFormat::of_path(path)?;
    let file = File::open(path).map_err(|e| Error::op(OP, format!("{}: {e}", path.display())))?;
    load_format(format, BufReader::new(file), options).map_err(in_file)
}

/// [`load_model_with`] from the bytes of a model file (for the CLI, servers and fuzzers):
/// the format is recognised from the content.
///
/// ```
/// use keras::models::{load_model_from_bytes, LoadOptions};
/// let err = load_model_from_bytes(b"PK\x03\x04 not really a zip", &LoadOptions::default());
/// assert!(err.unwrap_err().to_string().contains("not a readable .keras archive"));
/// ```
pub fn load_model_from_bytes(bytes: &[u8], options: &LoadOptions) -> Result<LoadedModel> {
    load_format(FileFormat::of_bytes(bytes)?, Cursor::new(bytes), options)
}

/// A model from Keras's `model.to_json()` (Keras's `keras.models.model_from_json`): the
/// layers with fresh weights, compiled when the JSON has a compile config.
///
/// ```
/// let json = r#"{"module": "keras", "class_name": "Sequential", "config": {"name": "s",
///   "layers": [{"module": "keras.layers", "class_name": "InputLayer",
///               "config": {"batch_shape": [null, 4], "dtype": "float32", "name": "x"}},
///              {"module": "keras.layers", "class_name": "Dense", "config": {"units": 2}}]}}"#;
/// let model = keras::models::model_from_json(json).unwrap();
/// use keras::layers::LayerExt;
/// assert_eq!(model.count_params(), 4 * 2 + 2);
/// ```
pub fn model_from_json(json: &str) -> Result<LoadedModel> {
    let config: Value = serde_json::from_str(json)
        .map_err(|e| Error::op("model_from_json", format!("invalid JSON: {e}")))?;
    build_model(&config, true)
}

/// The model a `.keras` archive holds, with its weights (and optimizer state).
fn load_keras<R: Read + Seek>(reader: R, options: &LoadOptions) -> Result<LoadedModel> {
    let mut archive = KerasArchive::open(reader)?;
    for member in ["config.json", "model.weights.h5"] {
        if !archive.has(member) {
            bail!(
                OP,
                "the archive has no {member}; it is not a .keras model file"
            );
        }
    }
    let config = archive.json("config.json")?;
    let budget = variable_budget(archive.weights_size());
    let model = with_load_scope(options.safe_mode, Some(budget), || {
        build_model(&config, options.compile)
    })?;
    let weights = archive.weights()?;
    let slot = model
        .base()
        .compiled_slot()
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    load_weights_from_bytes(&model, slot.as_ref().map(|c| &c.optimizer), weights)?;
    drop(slot);
    Ok(model)
}

/// The model a legacy `.h5` file holds, with its weights; compiled from its
/// `training_config` when asked, with the saved optimizer state when it fits variable for
/// variable (a Keras 2 optimizer never does: Keras's warning, and a fresh optimizer).
fn load_legacy<R: Read>(mut reader: R, options: &LoadOptions) -> Result<LoadedModel> {
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| Error::op(OP, format!("cannot read the file: {e}")))?;
    let legacy = with_load_scope(options.safe_mode, None, || {
        load_legacy_model_from_bytes(bytes)
    })?;
    let model = LoadedModel::new(legacy.model);
    if let (true, Some(tc)) = (options.compile, &legacy.training_config) {
        model.compile(tc.compile_args()?)?;
        if let Some(saved) = &legacy.optimizer_weights {
            let weights = model.trainable_weights();
            model
                .with_optimizer(|o| saved.restore(o, &weights))
                .transpose()?;
        }
    }
    Ok(model)
}

/// The model of a `config.json` object, compiled from its `compile_config` when asked (and
/// its optimizer built for the trainable variables, as Keras's `compile_from_config`).
fn build_model(config: &Value, compile: bool) -> Result<LoadedModel> {
    if !config.is_object() {
        bail!(OP, "config.json must hold an object, got {config}");
    }
    let layer: LayerRef = deserialize_layer(config)?;
    let model = LoadedModel::new(layer);
    let compile_config = config
        .get("compile_config")
        .filter(|c| c.as_object().is_some_and(|o| !o.is_empty()));
    if let (true, Some(cc)) = (compile, compile_config) {
        model.compile(CompileArgs::from_config(cc)?)?;
        if model.base().is_built() {
            let weights = model.trainable_weights();
            model.with_optimizer(|o| o.build(&weights)).transpose()?;
        }
    }
    Ok(model)
}
