//! Keras's object serialization (`serialize_keras_object` / `deserialize_keras_object`):
//! the `{"module", "class_name", "config", "registered_name"}` dicts of `config.json`, and the
//! registry that turns a layer's class name back into a layer.

pub mod object;
mod registry;
mod walk;

pub use object::{object_dict, ConfigExt, ObjectDict};
pub use registry::{deserialize_layer, register_layer, serialize_layer, LayerFromConfig};
pub use walk::{weight_groups, weight_paths, WeightGroup};
