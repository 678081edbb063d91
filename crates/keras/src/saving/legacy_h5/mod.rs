//! Legacy `.h5` files: whole models as Keras 2 (tf.keras) wrote them with `model.save("x.h5")`
//! (Keras 3 still writes this format for a `.h5` name), and Keras 2 weights files from
//! `model.save_weights("x.h5")`.
//!
//! A full-model file holds the root attributes `model_config` (JSON in Keras 2's config
//! dialect, turned into Keras 3's by `config.rs`), `keras_version`, `backend` and, when
//! compiled, `training_config` (`training_config.rs`); the group `model_weights` (one
//! sub-group per layer, `weights.rs`); and `optimizer_weights` when it was compiled with an
//! optimizer that had state.

mod config;
mod h5;
mod training_config;
mod weights;

use std::path::Path;

use keras_backend::{bail, Error, Result};
use serde_json::Value;

use super::registry::deserialize_layer;
use super::scope::{variable_budget, with_budget};
use crate::layers::{Layer, LayerRef};
use h5::{string_attr, H5};
pub use training_config::{OptimizerWeights, TrainingConfig};
pub use weights::LegacyWeightsOptions;

const OP: &str = "load_legacy_h5";

/// A model read from a legacy `.h5` file, with what is needed to compile it as it was.
///
/// ```
/// use keras::layers::{CallArgs, LayerExt};
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/legacy_h5/tf2_seq_mlp.h5");
/// let loaded = keras::saving::load_legacy_model_from_bytes(std::fs::read(path).unwrap()).unwrap();
/// assert_eq!(loaded.keras_version.as_deref(), Some("2.15.0"));
/// assert!(loaded.training_config.is_none()); // saved uncompiled
/// let x = keras::Tensor::from_vec(vec![0.5f32; 8], [1, 8]).unwrap();
/// let y = loaded.model.call_with(&[x], &CallArgs::inference()).unwrap();
/// assert_eq!(y[0].dims(), &[1, 4]);
/// ```
pub struct LegacyModel {
    /// The model, with its weights loaded.
    pub model: LayerRef,
    /// The compile arguments, when the model was saved compiled.
    pub training_config: Option<TrainingConfig>,
    /// The saved optimizer state, if any: restore it with [`OptimizerWeights::restore`]
    /// after compiling with [`TrainingConfig::compile_args`].
    pub optimizer_weights: Option<OptimizerWeights>,
    /// The `keras_version` attribute (`"2.15.0"`, `"3.15.1"`, …), if present.
    pub keras_version: Option<String>,
    /// The `backend` attribute (`"tensorflow"`, `"jax"`, …), if present.
    pub backend: Option<String>,
}

/// Whether a `keras_version` names Keras 1 or 2 (absent counts as old, as in Keras).
fn is_keras2(version: Option<&str>) -> bool {
    version.is_none_or(|v| v.starts_with("1.") || v.starts_with("2."))
}

/// Reads a whole-model legacy `.h5` file (Keras's `load_model` on a `.h5` name): builds the
/// model from `model_config`, loads `model_weights` into it layer by layer (as Keras's
/// topological loading), and returns the parsed `training_config` and optimizer state.
///
/// Errors name the layer for a missing group or dataset, a count or shape mismatch, an
/// unknown class or a Lambda holding Python code; shapes are checked before any data is
/// read, and a file that is not HDF5, is truncated or lacks `model_config` is refused, as is
/// one whose config or datasets declare far more memory than the file's size justifies.
///
/// ```
/// let err = keras::saving::load_legacy_model_from_bytes(b"not hdf5".to_vec()).err().unwrap();
/// assert!(err.to_string().contains("not an HDF5 file"));
/// ```
pub fn load_legacy_model_from_bytes(bytes: Vec<u8>) -> Result<LegacyModel> {
    let file_len = bytes.len() as u64;
    let h5 = H5::open(bytes)?;
    let root = h5.root()?;
    let attrs = h5.attrs(&root)?;
    let keras_version = string_attr(&attrs, "keras_version");
    let backend = string_attr(&attrs, "backend");
    let Some(text) = string_attr(&attrs, "model_config") else {
        if attrs.contains_key("layer_names") {
            bail!(
                OP,
                "this is a weights-only file (model.save_weights); load it into a model with load_weights"
            );
        }
        bail!(
            OP,
            "no model config found in the file (no `model_config` attribute)"
        );
    };
    let config: Value = serde_json::from_str(&text)
        .map_err(|e| Error::op(OP, format!("model_config is not valid JSON: {e}")))?;
    let config = config::convert_model(&config, is_keras2(keras_version.as_deref()))?;
    // The file holds every weight, so its size bounds what the config may build.
    let model = with_budget(variable_budget(file_len), || deserialize_layer(&config))?;
    let Some(group) = h5.child(&root, "model_weights")? else {
        bail!(OP, "the file has no `model_weights` group");
    };
    weights::load_group(
        &h5,
        &group,
        "model_weights",
        model.as_ref(),
        LegacyWeightsOptions::default(),
    )?;
    let training_config = string_attr(&attrs, "training_config")
        .map(|t| TrainingConfig::parse(&t))
        .transpose()?;
    let optimizer_weights = OptimizerWeights::read(&h5)?;
    Ok(LegacyModel {
        model,
        training_config,
        optimizer_weights,
        keras_version,
        backend,
    })
}

/// Loads a legacy `.h5` weights file (Keras 2's `save_weights("x.h5")`, or the
/// `model_weights` of a whole-model `.h5` file) into `model`, by layer order or by name
/// (Keras's `load_weights(path, by_name=…, skip_mismatch=…)`). Every weight is checked
/// before anything is assigned, unless skipped by `skip_mismatch`.
///
/// ```
/// use keras::layers::{Dense, Input};
/// use keras::models::Sequential;
/// let mut m = Sequential::new();
/// m.add(Input::new(&[3])).unwrap();
/// m.add(Dense::new(2)).unwrap();
/// let opts = keras::saving::LegacyWeightsOptions::default();
/// let err = keras::saving::load_legacy_weights_from_bytes(&m, vec![0; 8], opts).unwrap_err();
/// assert!(err.to_string().contains("not an HDF5 file"));
/// ```
pub fn load_legacy_weights_from_bytes(
    model: &dyn Layer,
    bytes: Vec<u8>,
    opts: LegacyWeightsOptions,
) -> Result<()> {
    let h5 = H5::open(bytes)?;
    let root = h5.root()?;
    let attrs = h5.attrs(&root)?;
    if !attrs.contains_key("layer_names") && !attrs.contains_key("layer_names0") {
        if let Some(g) = h5.child(&root, "model_weights")? {
            return weights::load_group(&h5, &g, "model_weights", model, opts);
        }
    }
    weights::load_group(&h5, &root, "/", model, opts)
}

/// [`load_legacy_weights_from_bytes`] from a file.
///
/// ```
/// use keras::saving::{load_legacy_model_from_bytes, load_legacy_weights, LegacyWeightsOptions};
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/legacy_h5/tf2_seq_mlp.h5");
/// let model = load_legacy_model_from_bytes(std::fs::read(path).unwrap()).unwrap().model;
/// let opts = LegacyWeightsOptions { by_name: true, ..Default::default() };
/// load_legacy_weights(model.as_ref(), path, opts).unwrap();
/// ```
pub fn load_legacy_weights(
    model: &dyn Layer,
    path: impl AsRef<Path>,
    opts: LegacyWeightsOptions,
) -> Result<()> {
    let path = path.as_ref();
    let bytes = std::fs::read(path)
        .map_err(|e| Error::op("load_weights", format!("{}: {e}", path.display())))?;
    load_legacy_weights_from_bytes(model, bytes, opts)
        .map_err(|e| Error::msg(format!("{} ({})", e.message(), path.display())))
}

/// Whether `path` names a legacy `.h5` file (`.h5` or `.hdf5`, but not `.weights.h5`).
pub(crate) fn is_legacy_path(path: &Path) -> bool {
    let s = path.to_string_lossy();
    (s.ends_with(".h5") || s.ends_with(".hdf5")) && !s.ends_with(".weights.h5")
}
