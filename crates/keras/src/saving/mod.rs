//! Keras's object serialization (`serialize_keras_object` / `deserialize_keras_object`):
//! the `{"module", "class_name", "config", "registered_name"}` dicts of `config.json`, and the
//! registries that turn class names back into layers, losses, metrics and optimizers
//! ([`register_layer`], [`register_loss`], [`register_metric`], [`register_optimizer`]);
//! Keras's `.weights.h5` files ([`save_weights`], [`load_weights`]) and `.keras` archives
//! ([`save_model`], [`load_model`], safe against hostile files); legacy Keras 2 `.h5` models
//! and weights ([`load_legacy_model_from_bytes`], [`load_legacy_weights`]); what a model or
//! weights file stores, without building the model ([`inspect_file_bytes`]).

mod archive;
mod atomic;
mod inspect;
mod keras_file;
mod legacy_h5;
mod load_model;
pub mod object;
mod registry;
pub(crate) mod scope;
mod walk;
mod weights_h5;

pub(crate) use atomic::copy_atomic;
pub use atomic::write_atomic;
pub use inspect::{inspect_file_bytes, FileFormat, StoredFile, StoredModel, StoredWeight};
pub(crate) use keras_file::serialize_model;
pub use keras_file::{keras_weights_member, model_to_keras_bytes, save_model, KERAS_VERSION};
pub use legacy_h5::{
    load_legacy_model_from_bytes, load_legacy_weights, load_legacy_weights_from_bytes, LegacyModel,
    LegacyWeightsOptions, OptimizerWeights, TrainingConfig,
};
pub use load_model::{
    load_model, load_model_from_bytes, load_model_with, model_from_json, LoadOptions,
};
pub use object::{object_dict, ConfigExt, ObjectDict};
pub use registry::{
    deserialize_layer, register_layer, register_loss, register_metric, register_optimizer,
    serialize_layer, LayerFromConfig, LossFromConfig, MetricFromConfig, OptimizerFromConfig,
};
pub(crate) use registry::{LOSSES, METRICS, OPTIMIZERS};
pub use walk::{weight_groups, weight_paths, WeightGroup};
pub use weights_h5::{load_weights, load_weights_from_bytes, save_weights, weights_to_bytes};
