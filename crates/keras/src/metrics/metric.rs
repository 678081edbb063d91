//! The [`Metric`] trait (`keras.metrics.Metric`): state held in variables, updated batch by
//! batch, read with `result()`, cleared with `reset_state()`.

use std::fmt;

use keras_ops::{ops, DType, Result, Tensor, Variable};
use serde_json::{json, Value};

use crate::saving::object::object_dict_registered;
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// A stateful metric: `update_state` accumulates over batches, `result` reads the value,
/// `reset_state` starts over (Keras resets compiled metrics at each epoch).
///
/// Implement it for a user-defined metric; keep the state in [`Variable`]s (they are
/// shared cells, so every method takes `&self`):
///
/// ```
/// use keras::metrics::{Metric, MetricBase};
/// use keras::{ops, Result, Tensor, Variable};
///
/// /// Counts predictions above 0.5.
/// #[derive(Debug)]
/// struct Positives { base: MetricBase, count: Variable }
/// impl Positives {
///     fn new() -> Self {
///         let base = MetricBase::new("positives");
///         let count = base.add_variable("count", &[]).unwrap();
///         Positives { base, count }
///     }
/// }
/// impl Metric for Positives {
///     fn base(&self) -> &MetricBase { &self.base }
///     fn class_name(&self) -> &str { "Positives" }
///     fn update_state(&self, _y_true: &Tensor, y_pred: &Tensor, _w: Option<&Tensor>) -> Result<()> {
///         let hits = ops::cast(&ops::greater(y_pred, 0.5)?, keras::DType::F32)?;
///         self.count.assign_add(&ops::sum(&hits, None, false)?)
///     }
///     fn result(&self) -> Result<Tensor> { Ok(self.count.value()) }
/// }
/// let m = Positives::new();
/// let y = Tensor::from_vec(vec![0.2f32, 0.7, 0.9], [3]).unwrap();
/// m.update_state(&y, &y, None).unwrap();
/// assert_eq!(m.result().unwrap().item().unwrap(), 2.0);
/// m.reset_state().unwrap();
/// assert_eq!(m.result().unwrap().item().unwrap(), 0.0);
/// ```
pub trait Metric: fmt::Debug + Send + Sync {
    /// Name, dtype and variables.
    fn base(&self) -> &MetricBase;
    /// Keras's class name (`"SparseCategoricalAccuracy"`).
    fn class_name(&self) -> &str;
    /// Accumulates one batch.
    fn update_state(
        &self,
        y_true: &Tensor,
        y_pred: &Tensor,
        sample_weight: Option<&Tensor>,
    ) -> Result<()>;
    /// The current value (a scalar for most metrics).
    fn result(&self) -> Result<Tensor>;
    /// Clears the state; by default every variable is set to zero, as Keras does.
    fn reset_state(&self) -> Result<()> {
        for v in self.variables() {
            v.assign(&ops::zeros(v.shape().dims(), v.dtype())?)?;
        }
        Ok(())
    }
    /// The config keys beyond `name` and `dtype`.
    fn extra_config(&self) -> Config {
        Config::new()
    }

    /// The metric's name (its key in the logs).
    fn name(&self) -> &str {
        self.base().name()
    }
    /// The state variables, in creation order.
    fn variables(&self) -> Vec<Variable> {
        self.base().variables()
    }
    /// `get_config()`: `name`, `dtype`, then the class's own keys.
    fn get_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("name".into(), json!(self.name()));
        c.insert("dtype".into(), json!(self.base().dtype().name()));
        c.extend(self.extra_config());
        c
    }
    /// `"package>Name"` for a custom class registered with
    /// [`register_metric`](crate::saving::register_metric); `None` for Keras's metrics.
    fn registered_name(&self) -> Option<String> {
        None
    }
    /// The Keras object dict (module `keras.metrics`), with the `registered_name` of a
    /// custom class.
    fn to_json(&self) -> Value {
        object_dict_registered(
            "keras.metrics",
            self.class_name(),
            self.get_config(),
            self.registered_name(),
        )
    }
}

/// What every metric holds: its name, result dtype and state variables.
#[derive(Debug)]
pub struct MetricBase {
    name: String,
    dtype: DType,
    variables: std::sync::RwLock<Vec<Variable>>,
}

impl MetricBase {
    /// A float32 metric named `name`.
    pub fn new(name: &str) -> MetricBase {
        MetricBase {
            name: name.into(),
            dtype: DType::F32,
            variables: Default::default(),
        }
    }
    /// The same base with another result dtype (before variables are added).
    pub fn with_dtype(mut self, dtype: DType) -> MetricBase {
        self.dtype = dtype;
        self
    }
    /// A base named by the config's `name` (default `default_name`), of the config's
    /// `dtype` (a dtype name or a serialized dtype policy; default float32).
    pub fn from_config(config: &Config, default_name: &str, owner: &str) -> Result<MetricBase> {
        let name: Option<String> = config.get_or("name", None, owner)?;
        let base = MetricBase::new(name.as_deref().unwrap_or(default_name));
        Ok(match config_dtype(config, owner)? {
            Some(d) => base.with_dtype(d),
            None => base,
        })
    }
    /// The metric's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Renames the metric (Keras renames compiled metrics after their identifier).
    pub fn set_name(&mut self, name: &str) {
        self.name = name.into();
    }
    /// The result dtype.
    pub fn dtype(&self) -> DType {
        self.dtype
    }
    /// Creates a zero-filled state variable of the metric's dtype (path `"{metric}/{name}"`).
    pub fn add_variable(&self, name: &str, shape: &[usize]) -> Result<Variable> {
        self.add_variable_of(name, shape, self.dtype)
    }
    /// Creates a zero-filled state variable of `dtype`.
    pub fn add_variable_of(&self, name: &str, shape: &[usize], dtype: DType) -> Result<Variable> {
        let v = Variable::with_path(
            ops::zeros(shape, dtype)?,
            name,
            &format!("{}/{name}", self.name),
            false,
        );
        self.variables
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .push(v.clone());
        Ok(v)
    }
    /// The state variables, in creation order.
    pub fn variables(&self) -> Vec<Variable> {
        self.variables
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// The `dtype` of a metric config: a name (`"float32"`) or a serialized `DTypePolicy`.
pub(crate) fn config_dtype(config: &Config, owner: &str) -> Result<Option<DType>> {
    let name = match config.get("dtype") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s.as_str(),
        Some(v @ Value::Object(_)) => match v["config"]["name"].as_str() {
            Some(s) => s,
            None => keras_backend::bail!(owner, "unreadable dtype policy {v}"),
        },
        Some(v) => keras_backend::bail!(owner, "dtype must be a string, got {v}"),
    };
    DType::parse(name)
        .map(Some)
        .map_err(|e| keras_ops::Error::op(owner, e))
}
