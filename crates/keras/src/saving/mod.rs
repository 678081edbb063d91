//! Keras's object serialization (`serialize_keras_object` / `deserialize_keras_object`):
//! the `{"module", "class_name", "config", "registered_name"}` dicts of `config.json`, and the
//! registry that turns a layer's class name back into a layer; Keras's `.weights.h5` files
//! ([`save_weights`], [`load_weights`]) and `.keras` archives ([`save_model`]); legacy
//! Keras 2 `.h5` models and weights ([`load_legacy_model_from_bytes`],
//! [`load_legacy_weights`]).

mod atomic;
mod keras_file;
mod legacy_h5;
pub mod object;
mod registry;
mod walk;
mod weights_h5;

pub(crate) use atomic::copy_atomic;
pub use atomic::write_atomic;
pub use keras_file::{model_to_keras_bytes, save_model, KERAS_VERSION};
pub use legacy_h5::{
    load_legacy_model_from_bytes, load_legacy_weights, load_legacy_weights_from_bytes, LegacyModel,
    LegacyWeightsOptions, OptimizerWeights, TrainingConfig,
};
pub use object::{object_dict, ConfigExt, ObjectDict};
pub use registry::{deserialize_layer, register_layer, serialize_layer, LayerFromConfig};
pub use walk::{weight_groups, weight_paths, WeightGroup};
pub use weights_h5::{load_weights, load_weights_from_bytes, save_weights, weights_to_bytes};
