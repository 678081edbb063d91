//! Class name → constructor, for `from_config` of the layers, losses, metrics and
//! optimizers named in a config (Keras's `register_keras_serializable` and its lookup of
//! `registered_name`, then `class_name`).

use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

use keras_ops::{Error, Result};
use serde_json::Value;

use super::object::{object_dict, Config, ObjectDict};
use crate::layers::{Layer, LayerExt, LayerRef};
use crate::losses::Loss;
use crate::metrics::Metric;
use crate::optimizers::Optimizer;

/// Builds a layer from its `get_config()` object.
pub type LayerFromConfig = fn(&Config) -> Result<LayerRef>;
/// Builds a loss from its `get_config()` object.
pub type LossFromConfig = fn(&Config) -> Result<Box<dyn Loss>>;
/// Builds a metric from its `get_config()` object.
pub type MetricFromConfig = fn(&Config) -> Result<Box<dyn Metric>>;
/// Builds an optimizer from its `get_config()` object.
pub type OptimizerFromConfig = fn(&Config) -> Result<Optimizer>;

/// One kind of registered class: names (`"package>Name"` or a plain class name) to
/// constructors.
pub(crate) struct Registry<F: Copy + 'static> {
    kind: &'static str,
    register_fn: &'static str,
    map: OnceLock<RwLock<HashMap<String, F>>>,
    builtins: fn() -> Vec<(String, F)>,
}

impl<F: Copy + 'static> Registry<F> {
    const fn new(
        kind: &'static str,
        register_fn: &'static str,
        builtins: fn() -> Vec<(String, F)>,
    ) -> Self {
        Registry {
            kind,
            register_fn,
            map: OnceLock::new(),
            builtins,
        }
    }

    fn map(&self) -> &RwLock<HashMap<String, F>> {
        self.map
            .get_or_init(|| RwLock::new((self.builtins)().into_iter().collect()))
    }

    fn insert(&self, name: &str, f: F) {
        self.map()
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.to_string(), f);
    }

    /// The constructor for `obj`: by `registered_name`, then by `class_name`.
    pub(crate) fn lookup(&self, obj: &ObjectDict) -> Option<F> {
        let map = self.map().read().unwrap_or_else(|p| p.into_inner());
        obj.registered_name
            .as_deref()
            .and_then(|n| map.get(n))
            .or_else(|| map.get(obj.class_name.as_str()))
            .copied()
    }

    /// The error for a class nobody registered: names the class and the call to make.
    pub(crate) fn unknown(&self, obj: &ObjectDict) -> Error {
        let name = obj
            .registered_name
            .clone()
            .unwrap_or_else(|| format!("package>{}", obj.class_name));
        Error::op(
            &format!("deserialize_{}", self.kind),
            format!(
                "unknown {} class {:?}{}: register it with keras::saving::{}({name:?}, from_config)",
                self.kind,
                obj.class_name,
                obj.registered_name
                    .as_deref()
                    .map(|r| format!(" (registered name {r:?})"))
                    .unwrap_or_default(),
                self.register_fn,
            ),
        )
    }
}

fn builtin_layers() -> Vec<(String, LayerFromConfig)> {
    crate::layers::builtin_layers()
}

fn none<F>() -> Vec<(String, F)> {
    Vec::new()
}

pub(crate) static LAYERS: Registry<LayerFromConfig> =
    Registry::new("layer", "register_layer", builtin_layers);
pub(crate) static LOSSES: Registry<LossFromConfig> = Registry::new("loss", "register_loss", none);
pub(crate) static METRICS: Registry<MetricFromConfig> =
    Registry::new("metric", "register_metric", none);
pub(crate) static OPTIMIZERS: Registry<OptimizerFromConfig> =
    Registry::new("optimizer", "register_optimizer", none);

/// Registers a layer class under `name` (a built-in class name, or `"package>Name"` for a
/// custom class, as `keras.saving.register_keras_serializable`). The layer reports the same
/// name from [`Layer::registered_name`] (with `#[derive(Layer)]`:
/// `#[keras(registered_name = "package>Name")]`), so that saved configs name it.
///
/// ```
/// use keras::layers::{CallArgs, Layer, LayerBase, LayerRef, Module};
/// use keras::saving::object::Config;
/// use keras::{ops, Result, Tensor};
///
/// /// Multiplies its input by `factor`.
/// #[derive(Layer)]
/// #[keras(registered_name = "my_pkg>Scale")]
/// struct Scale { base: LayerBase, factor: f64 }
/// impl Module for Scale {
///     fn call(&self, x: &[Tensor], _: &CallArgs) -> Result<Vec<Tensor>> {
///         Ok(vec![ops::multiply(&x[0], self.factor)?])
///     }
///     fn config(&self) -> Config {
///         let mut c = Config::new();
///         c.insert("factor".into(), self.factor.into());
///         c
///     }
/// }
/// fn scale_from_config(c: &Config) -> Result<LayerRef> {
///     let factor = c.get("factor").and_then(|v| v.as_f64()).unwrap_or(2.0);
///     Ok(std::sync::Arc::new(Scale { base: LayerBase::from_config("Scale", c)?, factor }))
/// }
/// keras::saving::register_layer("my_pkg>Scale", scale_from_config);
///
/// let layer = Scale { base: LayerBase::new("Scale", None), factor: 3.0 };
/// let dict = keras::saving::serialize_layer(&layer);
/// assert_eq!(dict["registered_name"], "my_pkg>Scale");
/// let back = keras::saving::deserialize_layer(&dict).unwrap();
/// assert_eq!(back.get_config(), layer.get_config());
/// ```
pub fn register_layer(name: &str, from_config: LayerFromConfig) {
    LAYERS.insert(name, from_config)
}

/// Registers a loss class under `name` (`"package>Name"`), for compile configs that name
/// it; the loss reports the same name from [`Loss::registered_name`].
///
/// ```
/// use keras::losses::{self, Loss, LossBase, PerSample};
/// use keras::{ops, Result, Tensor};
///
/// #[derive(Debug)]
/// struct L1 { base: LossBase }
/// impl Loss for L1 {
///     fn class_name(&self) -> &str { "L1" }
///     fn base(&self) -> &LossBase { &self.base }
///     fn registered_name(&self) -> Option<String> { Some("my_pkg>L1".into()) }
///     fn call(&self, t: &Tensor, p: &Tensor) -> Result<PerSample> {
///         Ok(ops::mean(&ops::abs(&ops::subtract(t, p)?)?, -1, false)?.into())
///     }
/// }
/// keras::saving::register_loss("my_pkg>L1", |c| {
///     Ok(Box::new(L1 { base: LossBase::from_config(c, "l1", "L1")? }))
/// });
/// let l1 = L1 { base: LossBase::new("l1") };
/// let back = losses::from_json(&l1.to_json()).unwrap();
/// assert_eq!(back.class_name(), "L1");
/// ```
pub fn register_loss(name: &str, from_config: LossFromConfig) {
    LOSSES.insert(name, from_config)
}

/// Registers a metric class under `name` (`"package>Name"`), for compile configs that
/// name it; the metric reports the same name from [`Metric::registered_name`].
///
/// ```
/// use keras::metrics::{self, Mean, Metric};
/// keras::saving::register_metric("my_pkg>MyMean", |c| Ok(Box::new(Mean::from_config(c)?)));
/// let dict = serde_json::json!({"module": null, "class_name": "MyMean",
///     "config": {"name": "m", "dtype": "float32"}, "registered_name": "my_pkg>MyMean"});
/// assert_eq!(metrics::from_json(&dict).unwrap().name(), "m");
/// ```
pub fn register_metric(name: &str, from_config: MetricFromConfig) {
    METRICS.insert(name, from_config)
}

/// Registers an optimizer class (a custom [`UpdateRule`](crate::optimizers::UpdateRule))
/// under `name` (`"package>Name"`); the rule reports the same name from
/// [`UpdateRule::registered_name`](crate::optimizers::UpdateRule::registered_name).
///
/// ```
/// use keras::optimizers::{Optimizer, SGD};
/// keras::saving::register_optimizer("my_pkg>MySGD", |c| Optimizer::from_rule_config(SGD::default(), c));
/// let dict = serde_json::json!({"class_name": "MySGD", "registered_name": "my_pkg>MySGD",
///     "config": {"learning_rate": 0.5}});
/// let opt = Optimizer::from_json(&dict).unwrap();
/// assert_eq!(opt.current_learning_rate().unwrap(), 0.5);
/// ```
pub fn register_optimizer(name: &str, from_config: OptimizerFromConfig) {
    OPTIMIZERS.insert(name, from_config)
}

/// The object dict of a layer: module, class name, full config, `registered_name` for a
/// registered custom class (whose module is then `null`, as Keras writes classes defined
/// in `__main__`), and `build_config` when it was built for input shapes (a layer built at
/// construction, such as InputLayer, has none).
pub fn serialize_layer(layer: &dyn Layer) -> Value {
    let mut v = object_dict(layer.module(), layer.class_name(), layer.get_config());
    if layer.module() == "__main__" {
        v["module"] = Value::Null;
    }
    if let Some(name) = layer.registered_name() {
        v["registered_name"] = Value::String(name);
    }
    if let Some(bc) = layer.build_config() {
        v["build_config"] = bc;
    }
    v
}

/// A layer from its object dict (`registered_name` first, then `class_name`); an error
/// naming the class and [`register_layer`] when it is unknown. A `build_config` builds it
/// for those input shapes, sublayers included (a subclassed layer is traced once, as Keras
/// traces a subclassed model when building it).
pub fn deserialize_layer(value: &Value) -> Result<LayerRef> {
    let obj = ObjectDict::parse(value, "deserialize_layer")?;
    let ctor = LAYERS.lookup(&obj).ok_or_else(|| LAYERS.unknown(&obj))?;
    let layer = ctor(&obj.config)?;
    if let Some(bc) = value.get("build_config").and_then(|b| b.get("input_shape")) {
        if !bc.is_null() && !layer.base().is_built() {
            let shapes = crate::layers::shapes_from_json(bc)?;
            layer.ensure_built(&shapes)?;
            super::scope::build_sublayers(layer.as_ref(), &shapes)?;
        }
    }
    Ok(layer)
}
