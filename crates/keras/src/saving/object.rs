//! The object dicts Keras writes for every serialized object, and typed access to configs.

use keras_ops::{Error, Result};
use serde_json::{json, Map, Value};

/// A config object: the JSON object of `get_config()`.
pub type Config = Map<String, Value>;

/// `{"module": …, "class_name": …, "config": …, "registered_name": null}`.
///
/// ```
/// let d = keras::saving::object_dict("keras.initializers", "Zeros", serde_json::Map::new());
/// assert_eq!(d["class_name"], "Zeros");
/// assert!(d["registered_name"].is_null());
/// ```
pub fn object_dict(module: &str, class_name: &str, config: Config) -> Value {
    json!({
        "module": module,
        "class_name": class_name,
        "config": Value::Object(config),
        "registered_name": Value::Null,
    })
}

/// [`object_dict`] for an object that may be a registered custom class: with a
/// `registered_name` (`"package>Name"`), the module is `null` as Keras writes it for classes
/// defined in `__main__`.
pub(crate) fn object_dict_registered(
    module: &str,
    class_name: &str,
    config: Config,
    registered_name: Option<String>,
) -> Value {
    let mut v = object_dict(module, class_name, config);
    if let Some(name) = registered_name {
        v["module"] = Value::Null;
        v["registered_name"] = Value::String(name);
    }
    v
}

/// A parsed object dict (what [`object_dict`] writes), also accepting a bare string
/// identifier such as `"glorot_uniform"` (then `class_name` is the string and config is empty).
#[derive(Debug, Clone)]
pub struct ObjectDict {
    /// `class_name`, or the bare string identifier.
    pub class_name: String,
    /// `config` (empty for a bare string).
    pub config: Config,
    /// `registered_name` when it names a registered custom class (`"my_package>MyLayer"`).
    pub registered_name: Option<String>,
}

impl ObjectDict {
    /// Parses `value`; `what` names the field in error messages.
    pub fn parse(value: &Value, what: &str) -> Result<ObjectDict> {
        match value {
            Value::String(s) => Ok(ObjectDict {
                class_name: s.clone(),
                config: Map::new(),
                registered_name: None,
            }),
            Value::Object(o) => {
                let class_name = o
                    .get("class_name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| Error::op(what, format!("object has no class_name: {value}")))?;
                if class_name == "__lambda__" {
                    return Err(super::scope::python_lambda_error(what, "a Python lambda"));
                }
                let config = match o.get("config") {
                    Some(Value::Object(c)) => c.clone(),
                    None | Some(Value::Null) => Map::new(),
                    Some(other) => {
                        return Err(Error::op(what, format!("config is not an object: {other}")))
                    }
                };
                Ok(ObjectDict {
                    class_name: class_name.to_string(),
                    config,
                    registered_name: o
                        .get("registered_name")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                })
            }
            other => Err(Error::op(
                what,
                format!("expected a string or an object dict, got {other}"),
            )),
        }
    }
}

/// Typed reads of config fields with Keras's defaults and clear errors.
pub trait ConfigExt {
    /// The field as `T`, or `default` when absent or null.
    fn get_or<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
        default: T,
        owner: &str,
    ) -> Result<T>;
    /// The field as `T`; an error naming `owner` when it is absent.
    fn require<T: serde::de::DeserializeOwned>(&self, key: &str, owner: &str) -> Result<T>;
}

impl ConfigExt for Config {
    fn get_or<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
        default: T,
        owner: &str,
    ) -> Result<T> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => serde_json::from_value(v.clone())
                .map_err(|e| Error::op(owner, format!("config field {key:?} = {v}: {e}"))),
        }
    }

    fn require<T: serde::de::DeserializeOwned>(&self, key: &str, owner: &str) -> Result<T> {
        let v = self
            .get(key)
            .ok_or_else(|| Error::op(owner, format!("config has no field {key:?}")))?;
        serde_json::from_value(v.clone())
            .map_err(|e| Error::op(owner, format!("config field {key:?} = {v}: {e}")))
    }
}
