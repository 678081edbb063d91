//! The compile side of a legacy `.h5` file: the `training_config` attribute (the arguments
//! of `compile`, with the optimizer as `optimizer_config`) and the `optimizer_weights`
//! group.

use keras_backend::{bail, Error, Result};
use keras_ops::{Tensor, Variable};
use serde_json::{json, Map, Value};

use super::h5::{string_list, H5};
use crate::losses;
use crate::metrics;
use crate::optimizers::Optimizer;
use crate::trainers::{CompileArgs, LossSpec, LossWeights, MetricSpec, MetricsSpec};

const OP: &str = "load_legacy_h5";

/// The parsed `training_config` of a legacy `.h5` file: what the model was compiled with.
///
/// Keras 2 spellings are turned into Keras 3 ones: optimizer class `Custom>Adam` is
/// `Adam`, `lr` is `learning_rate`, a loss `reduction` of `"auto"` is
/// `"sum_over_batch_size"`, and a metric saved as `MeanMetricWrapper` is its function
/// under the saved name.
///
/// ```
/// let tc = keras::saving::TrainingConfig::parse(
///     r#"{"loss": "mse", "metrics": [["mae"]], "loss_weights": null,
///        "optimizer_config": {"class_name": "Custom>Adam", "config": {"learning_rate": 0.5}}}"#,
/// ).unwrap();
/// assert_eq!(tc.optimizer_config["class_name"], "Adam");
/// assert_eq!(tc.optimizer().unwrap().get_config()["learning_rate"], 0.5);
/// let _args = tc.compile_args().unwrap(); // for `model.compile(args)`
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct TrainingConfig {
    /// `{"class_name", "config"}` of the optimizer, in Keras 3 names.
    pub optimizer_config: Value,
    /// The `loss` argument of `compile` (`null` when none).
    pub loss: Value,
    /// The `metrics` argument (`null` when none).
    pub metrics: Value,
    /// The `weighted_metrics` argument (`null` when none).
    pub weighted_metrics: Value,
    /// The `loss_weights` argument (`null` when none).
    pub loss_weights: Value,
}

impl TrainingConfig {
    /// Parses the JSON text of a `training_config` attribute.
    pub fn parse(text: &str) -> Result<TrainingConfig> {
        let v: Value = serde_json::from_str(text)
            .map_err(|e| Error::op(OP, format!("training_config is not valid JSON: {e}")))?;
        let Value::Object(mut c) = v else {
            bail!(OP, "training_config is not a JSON object");
        };
        let Some(opt) = c.remove("optimizer_config") else {
            bail!(OP, "training_config has no optimizer_config");
        };
        let mut take = |k: &str| c.remove(k).unwrap_or(Value::Null);
        Ok(TrainingConfig {
            optimizer_config: convert_optimizer(opt)?,
            loss: convert_losses(take("loss")),
            metrics: take("metrics"),
            weighted_metrics: take("weighted_metrics"),
            loss_weights: take("loss_weights"),
        })
    }

    /// A fresh optimizer from `optimizer_config`.
    pub fn optimizer(&self) -> Result<Optimizer> {
        Optimizer::from_json(&self.optimizer_config)
    }

    /// The arguments to compile the model with, as Keras's
    /// `compile_args_from_training_config`.
    pub fn compile_args(&self) -> Result<CompileArgs> {
        let mut args = CompileArgs::new().optimizer(self.optimizer()?);
        if !self.loss.is_null() {
            args = args.loss(loss_spec(&self.loss)?);
        }
        if let Some(w) = loss_weights(&self.loss_weights)? {
            args = args.loss_weights(w);
        }
        Ok(args
            .metrics(metrics_spec(&self.metrics)?)
            .weighted_metrics(metrics_spec(&self.weighted_metrics)?))
    }
}

/// `{"class_name", "config"}` in Keras 3 names: `Custom>Adam` → `Adam` (tf.keras 2.11+
/// registered its optimizers so), `lr` → `learning_rate`; a non-zero legacy `decay` has no
/// Keras 3 meaning and is refused.
fn convert_optimizer(v: Value) -> Result<Value> {
    let Value::Object(mut o) = v else {
        bail!(OP, "optimizer_config is not an object: {v}");
    };
    if let Some(Value::String(c)) = o.get("class_name") {
        if let Some(plain) = c.strip_prefix("Custom>") {
            let plain = plain.to_string();
            o.insert("class_name".into(), json!(plain));
        }
    }
    if let Some(Value::Object(c)) = o.get_mut("config") {
        if let Some(lr) = c.remove("lr") {
            c.entry("learning_rate").or_insert(lr);
        }
        match c.remove("decay") {
            None | Some(Value::Null) => {}
            Some(d) if d.as_f64() == Some(0.0) => {}
            Some(d) => bail!(
                OP,
                "the optimizer's legacy `decay` = {d} is not supported; recompile with a learning-rate schedule"
            ),
        }
    }
    Ok(Value::Object(o))
}

/// Keras 2 loss objects carry `reduction: "auto"`, Keras 3's `"sum_over_batch_size"`.
fn convert_losses(v: Value) -> Value {
    match v {
        Value::Object(mut o) => {
            if let Some(Value::Object(c)) = o.get_mut("config") {
                if c.get("reduction").and_then(Value::as_str) == Some("auto") {
                    c.insert("reduction".into(), json!("sum_over_batch_size"));
                }
                return Value::Object(o);
            }
            Value::Object(o.into_iter().map(|(k, v)| (k, convert_losses(v))).collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(convert_losses).collect()),
        other => other,
    }
}

/// A serialized single object: a string, or a dict with `class_name`.
fn is_single(v: &Value) -> bool {
    v.is_string() || v.get("class_name").is_some()
}

/// A function saved as `{"class_name": "function", "config": "name"}` is its name.
fn function_name(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        _ if v.get("class_name").and_then(Value::as_str) == Some("function") => {
            v.get("config").and_then(Value::as_str)
        }
        _ => None,
    }
}

fn loss_spec(v: &Value) -> Result<LossSpec> {
    if let Some(name) = function_name(v) {
        return Ok(LossSpec::Id(name.to_string()));
    }
    if is_single(v) {
        return Ok(LossSpec::from(losses::from_json(v)?));
    }
    match v {
        Value::Array(items) => Ok(LossSpec::PerOutput(
            items
                .iter()
                .map(|x| (!x.is_null()).then(|| loss_spec(x)).transpose())
                .collect::<Result<_>>()?,
        )),
        Value::Object(by_name) => Ok(LossSpec::ByName(
            by_name
                .iter()
                .map(|(k, x)| Ok((k.clone(), loss_spec(x)?)))
                .collect::<Result<_>>()?,
        )),
        other => bail!(OP, "training_config: loss {other} is not understood"),
    }
}

fn metric_spec(v: &Value) -> Result<MetricSpec> {
    if let Some(name) = function_name(v) {
        return Ok(MetricSpec::Id(name.to_string()));
    }
    if !is_single(v) {
        bail!(OP, "training_config: metric {v} is not understood");
    }
    // tf.keras saved `metrics=["accuracy"]` as a MeanMetricWrapper of the resolved function.
    if v.get("class_name").and_then(Value::as_str) == Some("MeanMetricWrapper") {
        let c = v.get("config").cloned().unwrap_or(Value::Null);
        let Some(func) = c.get("fn").and_then(function_name) else {
            bail!(
                OP,
                "training_config: MeanMetricWrapper without a function name: {v}"
            );
        };
        let mut config = Map::new();
        if let Some(name) = c.get("name") {
            config.insert("name".into(), name.clone());
        }
        let dict = json!({"class_name": func, "config": config});
        return Ok(MetricSpec::Object(metrics::from_json(&dict)?));
    }
    Ok(MetricSpec::Object(metrics::from_json(v)?))
}

fn metric_list(v: &Value) -> Result<Vec<MetricSpec>> {
    match v {
        Value::Array(items) => items.iter().map(metric_spec).collect(),
        Value::Null => Ok(Vec::new()),
        single => Ok(vec![metric_spec(single)?]),
    }
}

fn metrics_spec(v: &Value) -> Result<MetricsSpec> {
    Ok(match v {
        Value::Null => MetricsSpec::None,
        Value::Array(items) if items.iter().all(Value::is_array) && !items.is_empty() => {
            // Keras 2 nests one list per output.
            if let [one] = items.as_slice() {
                MetricsSpec::All(metric_list(one)?)
            } else {
                MetricsSpec::PerOutput(items.iter().map(metric_list).collect::<Result<_>>()?)
            }
        }
        Value::Array(_) => MetricsSpec::All(metric_list(v)?),
        Value::Object(by_name) if !is_single(v) => MetricsSpec::ByName(
            by_name
                .iter()
                .map(|(k, x)| Ok((k.clone(), metric_list(x)?)))
                .collect::<Result<_>>()?,
        ),
        single => MetricsSpec::All(vec![metric_spec(single)?]),
    })
}

fn loss_weights(v: &Value) -> Result<Option<LossWeights>> {
    let num = |x: &Value| {
        x.as_f64().ok_or_else(|| {
            Error::op(
                OP,
                format!("training_config: loss weight {x} is not a number"),
            )
        })
    };
    Ok(match v {
        Value::Null => None,
        Value::Number(_) => Some(LossWeights::Single(num(v)?)),
        Value::Array(a) => Some(LossWeights::PerOutput(
            a.iter().map(num).collect::<Result<_>>()?,
        )),
        Value::Object(o) => Some(LossWeights::ByName(
            o.iter()
                .map(|(k, x)| Ok((k.clone(), num(x)?)))
                .collect::<Result<_>>()?,
        )),
        other => bail!(
            OP,
            "training_config: loss_weights {other} is not understood"
        ),
    })
}

/// The saved optimizer state (`optimizer_weights`): names and values in the saved order.
///
/// ```
/// use keras::layers::LayerExt;
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/legacy_h5/keras3_compiled_adam.h5");
/// let loaded = keras::saving::load_legacy_model_from_bytes(std::fs::read(path).unwrap()).unwrap();
/// let mut opt = loaded.training_config.as_ref().unwrap().optimizer().unwrap();
/// let saved = loaded.optimizer_weights.as_ref().unwrap();
/// assert!(saved.restore(&mut opt, &loaded.model.trainable_weights()).unwrap());
/// assert_eq!(opt.variables()[0].value().item().unwrap(), 2.0); // the saved iteration count
/// ```
#[derive(Clone, Debug)]
pub struct OptimizerWeights {
    /// The saved names (`iteration:0`, `Adam/m/dense/kernel:0`, … in Keras 2;
    /// `adam/iteration`, `adam/dense_kernel_momentum`, … in Keras 3).
    pub names: Vec<String>,
    /// The values, one per name.
    pub values: Vec<Tensor>,
}

impl OptimizerWeights {
    /// Reads the `optimizer_weights` group, if the file has one.
    pub(super) fn read(h5: &H5) -> Result<Option<OptimizerWeights>> {
        let root = h5.root()?;
        let Some(group) = h5.child(&root, "optimizer_weights")? else {
            return Ok(None);
        };
        let names = string_list(&h5.attrs(&group)?, "weight_names", "optimizer_weights")?;
        let mut values = Vec::with_capacity(names.len());
        for n in &names {
            let read = h5.dataset(&group, n).and_then(|ds| h5.read(&ds));
            values.push(
                read.map_err(|e| {
                    Error::op(OP, format!("optimizer weight {n:?}: {}", e.message()))
                })?,
            );
        }
        Ok(Some(OptimizerWeights { names, values }))
    }

    /// Restores the state into `optimizer`, built for `trainable_variables` first if it is
    /// not built yet. As Keras does, the state is restored only when it fits variable for
    /// variable (same count and shapes); otherwise a warning is printed, the optimizer
    /// stays freshly initialized and the result is `false`. A Keras 2 optimizer never fits
    /// a Keras 3 one (it has no `learning_rate` variable, and its SGD keeps momentum slots).
    pub fn restore(
        &self,
        optimizer: &mut Optimizer,
        trainable_variables: &[Variable],
    ) -> Result<bool> {
        if !optimizer.built() {
            optimizer.build(trainable_variables)?;
        }
        let vars = optimizer.variables();
        let mismatch = if vars.len() != self.values.len() {
            Some(format!(
                "the optimizer has {} variables, the file {}",
                vars.len(),
                self.values.len()
            ))
        } else {
            vars.iter()
                .zip(&self.values)
                .zip(&self.names)
                .find(|((v, t), _)| v.shape().dims() != t.dims())
                .map(|((v, t), n)| {
                    format!(
                        "variable {:?} has shape {} but the saved {n:?} has shape {}",
                        v.path(),
                        v.shape(),
                        t.shape()
                    )
                })
        };
        if let Some(why) = mismatch {
            eprintln!(
                "Warning: Error in loading the saved optimizer state ({why}). As a result, your model is starting with a freshly initialized optimizer."
            );
            return Ok(false);
        }
        for (v, t) in vars.iter().zip(&self.values) {
            v.assign(t)?;
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keras2_training_config() {
        let tc = TrainingConfig::parse(
            r#"{"loss": {"class_name": "CategoricalCrossentropy",
                         "config": {"reduction": "auto", "name": "cce", "from_logits": true}},
                "metrics": [[{"class_name": "MeanMetricWrapper",
                              "config": {"name": "accuracy", "dtype": "float32",
                                         "fn": "categorical_accuracy"}}]],
                "weighted_metrics": null, "loss_weights": [1.0, 0.5],
                "optimizer_config": {"class_name": "Custom>SGD",
                                     "config": {"name": "SGD", "lr": 0.5, "decay": 0.0,
                                                "is_legacy_optimizer": false}}}"#,
        )
        .unwrap();
        assert_eq!(tc.optimizer_config["class_name"], "SGD");
        assert_eq!(tc.loss["config"]["reduction"], "sum_over_batch_size");
        let opt = tc.optimizer().unwrap();
        assert_eq!(opt.get_config()["learning_rate"], 0.5);
        assert!(matches!(loss_spec(&tc.loss).unwrap(), LossSpec::Object(_)));
        match metrics_spec(&tc.metrics).unwrap() {
            MetricsSpec::All(m) => match m.as_slice() {
                [MetricSpec::Object(m)] => assert_eq!(m.name(), "accuracy"),
                _ => panic!("one metric object expected"),
            },
            _ => panic!("metrics for the single output expected"),
        }
        assert_eq!(
            loss_weights(&tc.loss_weights).unwrap(),
            Some(LossWeights::PerOutput(vec![1.0, 0.5]))
        );
        tc.compile_args().unwrap();
    }

    #[test]
    fn per_output_and_by_name() {
        assert!(matches!(
            loss_spec(&json!(["mse", null])).unwrap(),
            LossSpec::PerOutput(v) if v.len() == 2 && v[1].is_none()
        ));
        assert!(matches!(
            loss_spec(&json!({"a": "mse"})).unwrap(),
            LossSpec::ByName(v) if v.len() == 1
        ));
        assert!(matches!(
            metrics_spec(&json!([["mae"], ["accuracy", "mse"]])).unwrap(),
            MetricsSpec::PerOutput(v) if v.len() == 2 && v[1].len() == 2
        ));
        assert!(matches!(
            metrics_spec(&json!({"out": ["mae"]})).unwrap(),
            MetricsSpec::ByName(_)
        ));
    }

    #[test]
    fn bad_training_configs() {
        for bad in [
            "not json",
            "[1]",
            r#"{"loss": "mse"}"#,
            r#"{"optimizer_config": {"class_name": "SGD", "config": {"decay": 0.1}}}"#,
        ] {
            assert!(TrainingConfig::parse(bad).is_err(), "{bad}");
        }
        let tc = TrainingConfig::parse(
            r#"{"optimizer_config": {"class_name": "NoSuchOptimizer", "config": {}}}"#,
        )
        .unwrap();
        assert!(tc.compile_args().is_err());
        assert!(loss_weights(&json!("x")).is_err());
    }
}
