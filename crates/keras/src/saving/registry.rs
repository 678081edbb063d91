//! Class name → constructor, for `from_config` of layers named in a config.

use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

use keras_ops::{Error, Result};
use serde_json::Value;

use super::object::{object_dict, Config, ObjectDict};
use crate::layers::{Layer, LayerExt, LayerRef};

/// Builds a layer from its `get_config()` object.
pub type LayerFromConfig = fn(&Config) -> Result<LayerRef>;

fn registry() -> &'static RwLock<HashMap<String, LayerFromConfig>> {
    static REGISTRY: OnceLock<RwLock<HashMap<String, LayerFromConfig>>> = OnceLock::new();
    REGISTRY.get_or_init(|| RwLock::new(crate::layers::builtin_layers().into_iter().collect()))
}

/// Registers a layer class under `name` (a built-in class name, or `"package>Name"` for a
/// custom class, as `keras.saving.register_keras_serializable`).
///
/// ```
/// use keras::layers::{Dense, LayerRef};
/// fn make(c: &keras::saving::object::Config) -> keras::Result<LayerRef> {
///     Ok(std::sync::Arc::new(Dense::from_config(c)?))
/// }
/// keras::saving::register_layer("my_pkg>MyDense", make);
/// let dict = serde_json::json!({"class_name": "MyDense", "registered_name": "my_pkg>MyDense",
///                               "config": {"units": 3}});
/// assert_eq!(keras::saving::deserialize_layer(&dict).unwrap().class_name(), "Dense");
/// ```
pub fn register_layer(name: &str, from_config: LayerFromConfig) {
    registry()
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .insert(name.to_string(), from_config);
}

/// The object dict of a layer: module, class name, full config, and `build_config` when it
/// was built for input shapes (a layer built at construction, such as InputLayer, has none).
pub fn serialize_layer(layer: &dyn Layer) -> Value {
    let mut v = object_dict(layer.module(), layer.class_name(), layer.get_config());
    if let Some(name) = layer.registered_name() {
        v["registered_name"] = Value::String(name);
    }
    if let Some(shapes) = layer.base().build_shapes().filter(|s| !s.is_empty()) {
        let shape = if shapes.len() == 1 {
            crate::layers::shape_to_json(&shapes[0])
        } else {
            Value::Array(shapes.iter().map(crate::layers::shape_to_json).collect())
        };
        v["build_config"] = serde_json::json!({ "input_shape": shape });
    }
    v
}

/// A layer from its object dict (`registered_name` first, then `class_name`); an error
/// naming the class when it is unknown.
pub fn deserialize_layer(value: &Value) -> Result<LayerRef> {
    let obj = ObjectDict::parse(value, "deserialize_layer")?;
    let map = registry().read().unwrap_or_else(|p| p.into_inner());
    let ctor = obj
        .registered_name
        .as_deref()
        .and_then(|n| map.get(n))
        .or_else(|| map.get(obj.class_name.as_str()))
        .copied()
        .ok_or_else(|| {
            Error::op(
                "deserialize_layer",
                format!(
                    "unknown layer class {:?}{}: register it with keras::saving::register_layer",
                    obj.class_name,
                    obj.registered_name
                        .as_deref()
                        .map(|r| format!(" (registered name {r:?})"))
                        .unwrap_or_default()
                ),
            )
        })?;
    drop(map);
    let layer = ctor(&obj.config)?;
    if let Some(bc) = value.get("build_config").and_then(|b| b.get("input_shape")) {
        if !bc.is_null() && !layer.base().is_built() {
            let shapes = crate::layers::shapes_from_json(bc)?;
            layer.ensure_built(&shapes)?;
        }
    }
    Ok(layer)
}
