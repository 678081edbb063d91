//! Keras's `compile_config` (what `model.save` writes next to the model's config, and what
//! `load_model` compiles the model from): [`CompileArgs::to_config`] and
//! [`CompileArgs::from_config`]. Identifiers stay strings, objects are their Keras object
//! dicts, and per-output structures are lists (by position) or dicts (by output name).

use std::sync::Arc;

use keras_backend::bail;
use keras_ops::{Error, Result};
use serde_json::{json, Map, Value};

use super::compile::{CompileArgs, LossSpec, LossWeights, MetricSpec, MetricsSpec, OptimizerSpec};
use crate::losses;
use crate::metrics;
use crate::optimizers::Optimizer;
use crate::saving::object::Config;

const OP: &str = "compile_config";

impl LossSpec {
    fn to_json(&self) -> Value {
        match self {
            LossSpec::Id(id) => json!(id),
            LossSpec::Object(l) => l.to_json(),
            LossSpec::PerOutput(list) => Value::Array(
                list.iter()
                    .map(|l| l.as_ref().map_or(Value::Null, LossSpec::to_json))
                    .collect(),
            ),
            LossSpec::ByName(pairs) => Value::Object(
                pairs
                    .iter()
                    .map(|(k, l)| (k.clone(), l.to_json()))
                    .collect(),
            ),
        }
    }

    /// A single loss: an identifier or an object dict.
    fn single_from_json(v: &Value) -> Result<LossSpec> {
        Ok(match v {
            Value::String(id) => LossSpec::Id(id.clone()),
            _ => LossSpec::Object(Arc::from(losses::from_json(v)?)),
        })
    }

    fn from_json(v: &Value) -> Result<Option<LossSpec>> {
        Ok(Some(match v {
            Value::Null => return Ok(None),
            Value::Array(list) => LossSpec::PerOutput(
                list.iter()
                    .map(LossSpec::from_json)
                    .collect::<Result<_>>()?,
            ),
            Value::Object(map) if !is_object_dict(map) => LossSpec::ByName(
                map.iter()
                    .filter(|(_, l)| !l.is_null())
                    .map(|(k, l)| Ok((k.clone(), LossSpec::single_from_json(l)?)))
                    .collect::<Result<_>>()?,
            ),
            single => LossSpec::single_from_json(single)?,
        }))
    }
}

/// Whether a JSON object is a serialized Keras object rather than a dict by output name.
fn is_object_dict(map: &Map<String, Value>) -> bool {
    map.contains_key("class_name")
}

impl MetricSpec {
    fn to_json(&self) -> Value {
        match self {
            MetricSpec::Id(id) => json!(id),
            MetricSpec::Object(m) => m.to_json(),
        }
    }

    fn from_json(v: &Value) -> Result<MetricSpec> {
        Ok(match v {
            Value::String(id) => MetricSpec::Id(id.clone()),
            _ => MetricSpec::Object(metrics::from_json(v)?),
        })
    }
}

fn metric_list_to_json(list: &[MetricSpec]) -> Value {
    Value::Array(list.iter().map(MetricSpec::to_json).collect())
}

/// One output's metrics: a list, a single metric, or null (none).
fn metric_list_from_json(v: &Value) -> Result<Vec<MetricSpec>> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(list) => list.iter().map(MetricSpec::from_json).collect(),
        single => Ok(vec![MetricSpec::from_json(single)?]),
    }
}

impl MetricsSpec {
    fn to_json(&self) -> Value {
        match self {
            MetricsSpec::None => Value::Null,
            MetricsSpec::All(list) => metric_list_to_json(list),
            MetricsSpec::PerOutput(lists) => {
                Value::Array(lists.iter().map(|l| metric_list_to_json(l)).collect())
            }
            MetricsSpec::ByName(pairs) => Value::Object(
                pairs
                    .iter()
                    .map(|(k, l)| (k.clone(), metric_list_to_json(l)))
                    .collect(),
            ),
        }
    }

    fn from_json(v: &Value) -> Result<MetricsSpec> {
        Ok(match v {
            Value::Null => MetricsSpec::None,
            // A list of lists is one list per output; a flat list is for the single output.
            Value::Array(list)
                if !list.is_empty() && list.iter().all(|x| x.is_array() || x.is_null()) =>
            {
                MetricsSpec::PerOutput(
                    list.iter()
                        .map(metric_list_from_json)
                        .collect::<Result<_>>()?,
                )
            }
            Value::Object(map) if !is_object_dict(map) => MetricsSpec::ByName(
                map.iter()
                    .map(|(k, l)| Ok((k.clone(), metric_list_from_json(l)?)))
                    .collect::<Result<_>>()?,
            ),
            other => MetricsSpec::All(metric_list_from_json(other)?),
        })
    }
}

impl LossWeights {
    fn to_json(&self) -> Value {
        match self {
            LossWeights::Single(w) => json!(w),
            LossWeights::PerOutput(ws) => json!(ws),
            LossWeights::ByName(pairs) => {
                Value::Object(pairs.iter().map(|(k, w)| (k.clone(), json!(w))).collect())
            }
        }
    }

    fn from_json(v: &Value) -> Result<Option<LossWeights>> {
        let number = |x: &Value| {
            x.as_f64()
                .ok_or_else(|| Error::op(OP, format!("loss weight {x} is not a number")))
        };
        Ok(Some(match v {
            Value::Null => return Ok(None),
            Value::Array(list) => {
                LossWeights::PerOutput(list.iter().map(number).collect::<Result<_>>()?)
            }
            Value::Object(map) => LossWeights::ByName(
                map.iter()
                    .map(|(k, w)| Ok((k.clone(), number(w)?)))
                    .collect::<Result<_>>()?,
            ),
            single => LossWeights::Single(number(single)?),
        }))
    }
}

impl CompileArgs {
    /// Every key of Keras's `compile_config` but the `optimizer`, in Keras's order: `loss`,
    /// `loss_weights`, `metrics`, `weighted_metrics`, `run_eagerly`, `steps_per_execution`,
    /// `jit_compile` (`"auto"` saved resolved, as Keras on JAX does: true unless running
    /// eagerly).
    pub(crate) fn config_tail(&self) -> Config {
        let mut c = Config::new();
        let loss = self.loss.as_ref().map_or(Value::Null, LossSpec::to_json);
        c.insert("loss".into(), loss);
        let weights = self
            .loss_weights
            .as_ref()
            .map_or(Value::Null, LossWeights::to_json);
        c.insert("loss_weights".into(), weights);
        c.insert("metrics".into(), self.metrics.to_json());
        c.insert("weighted_metrics".into(), self.weighted_metrics.to_json());
        c.insert("run_eagerly".into(), json!(self.run_eagerly));
        c.insert(
            "steps_per_execution".into(),
            json!(self.steps_per_execution),
        );
        let jit = !self.run_eagerly && self.jit_compile.unwrap_or(true);
        c.insert("jit_compile".into(), json!(jit));
        c
    }

    /// Keras's `compile_config` for these arguments: the optimizer's object dict
    /// (RMSprop when none was given, Keras's default), then [`loss`](CompileArgs::loss),
    /// `loss_weights`, `metrics`, `weighted_metrics`, `run_eagerly`,
    /// `steps_per_execution` and `jit_compile`.
    ///
    /// ```
    /// use keras::trainers::CompileArgs;
    /// let c = CompileArgs::new().optimizer("adam").loss("mse").metrics(["mae"]).to_config().unwrap();
    /// assert_eq!(c["optimizer"]["class_name"], "Adam");
    /// assert_eq!(c["loss"], "mse");
    /// assert_eq!(c["metrics"], serde_json::json!(["mae"]));
    /// let back = CompileArgs::from_config(&c).unwrap();
    /// assert_eq!(back.to_config().unwrap(), c);
    /// ```
    pub fn to_config(&self) -> Result<Value> {
        let optimizer = match &self.optimizer {
            None => Optimizer::get("rmsprop")?.to_json(),
            Some(OptimizerSpec::Id(id)) => Optimizer::get(id)?.to_json(),
            Some(OptimizerSpec::Object(o)) => o.to_json(),
        };
        let mut c = Map::new();
        c.insert("optimizer".into(), optimizer);
        c.extend(self.config_tail());
        Ok(Value::Object(c))
    }

    /// The arguments a `compile_config` describes (Keras's `compile_from_config`):
    /// identifiers, object dicts (built-in or registered with
    /// [`register_loss`](crate::saving::register_loss) and friends), lists per output and
    /// dicts per output name. An error names the key it could not read.
    pub fn from_config(config: &Value) -> Result<CompileArgs> {
        let Value::Object(c) = config else {
            bail!(OP, "expected an object, got {config}");
        };
        let field = |key: &str| c.get(key).unwrap_or(&Value::Null);
        let context = |key: &'static str| move |e: Error| Error::op(OP, format!("{key}: {e}"));
        let mut args = CompileArgs::new();
        if !field("optimizer").is_null() {
            let opt = Optimizer::from_json(field("optimizer")).map_err(context("optimizer"))?;
            args = args.optimizer(opt);
        }
        args.loss = LossSpec::from_json(field("loss")).map_err(context("loss"))?;
        args.loss_weights =
            LossWeights::from_json(field("loss_weights")).map_err(context("loss_weights"))?;
        args.metrics = MetricsSpec::from_json(field("metrics")).map_err(context("metrics"))?;
        args.weighted_metrics = MetricsSpec::from_json(field("weighted_metrics"))
            .map_err(context("weighted_metrics"))?;
        let flag = |key: &str| match field(key) {
            Value::Null => Ok(None),
            Value::Bool(b) => Ok(Some(*b)),
            // Keras accepts `jit_compile="auto"` before resolving it.
            Value::String(s) if s == "auto" => Ok(None),
            other => Err(Error::op(OP, format!("{key} = {other} is not a boolean"))),
        };
        args.run_eagerly = flag("run_eagerly")?.unwrap_or(false);
        args.jit_compile = flag("jit_compile")?;
        args.steps_per_execution = match field("steps_per_execution") {
            Value::Null => 1,
            v => v.as_u64().filter(|&n| n >= 1).ok_or_else(|| {
                Error::op(
                    OP,
                    format!("steps_per_execution = {v} is not a positive integer"),
                )
            })?,
        };
        Ok(args)
    }
}
