//! `Lambda`: wraps a Rust closure as a layer; [`register_lambda`] names closures so that the
//! layer can be saved and loaded.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use keras_backend::bail;
use keras_ops::{Error, Result, Tensor};
use serde_json::{json, Value};

use crate::layers::keras_tensor::TensorSpec;
use crate::layers::shape::{probe_output_specs, shape_from_json, shape_to_json, ShapeSpec};
use crate::layers::{CallArgs, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::{scope, ConfigExt};

/// The function a [`Lambda`] layer applies.
pub type LambdaFn = Arc<dyn Fn(&Tensor) -> Result<Tensor> + Send + Sync>;

fn lambdas() -> &'static RwLock<HashMap<String, LambdaFn>> {
    static REGISTRY: OnceLock<RwLock<HashMap<String, LambdaFn>>> = OnceLock::new();
    REGISTRY.get_or_init(|| RwLock::new(HashMap::new()))
}

/// Registers `f` under `name` (Keras's `register_keras_serializable` for functions: use
/// `"package>name"`), so that a [`Lambda::registered`] layer can be saved and loaded.
///
/// ```
/// use keras::layers::{register_lambda, Lambda, Layer};
/// register_lambda("my_pkg>double", |x| keras::ops::multiply(x, 2.0));
/// let layer = Lambda::registered("my_pkg>double").unwrap();
/// let copy = Lambda::from_config(&layer.get_config()).unwrap();
/// assert_eq!(copy.function_name(), Some("my_pkg>double"));
/// ```
pub fn register_lambda(name: &str, f: impl Fn(&Tensor) -> Result<Tensor> + Send + Sync + 'static) {
    lambdas()
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .insert(name.to_string(), Arc::new(f));
}

/// Applies a Rust function to its input (Keras's `Lambda`). Only a layer built with
/// [`Lambda::registered`] serializes to a config that loads again; an anonymous closure's
/// config names no function, and [`Lambda::from_config`] refuses it with an error.
///
/// A Lambda saved by Python Keras with a Python `lambda` is refused in safe mode with
/// Keras's message; loaded with safe mode off, it runs the Rust function registered under
/// the layer's name with [`register_lambda`].
///
/// ```
/// use keras::layers::{Lambda, LayerExt};
/// let layer = Lambda::new(|x| keras::ops::square(x));
/// let x = keras::Tensor::from_vec(vec![3.0f32], [1]).unwrap();
/// assert_eq!(layer.forward(&x).unwrap().to_vec::<f32>().unwrap(), vec![9.0]);
/// ```
pub struct Lambda {
    base: LayerBase,
    function: LambdaFn,
    function_name: Option<String>,
    output_shape: Option<ShapeSpec>,
}

impl Lambda {
    /// A layer applying an anonymous closure (it cannot be loaded back from its config).
    pub fn new(f: impl Fn(&Tensor) -> Result<Tensor> + Send + Sync + 'static) -> Lambda {
        Lambda {
            base: LayerBase::new("Lambda", None),
            function: Arc::new(f),
            function_name: None,
            output_shape: None,
        }
    }
    /// A layer applying the function registered under `name` by [`register_lambda`].
    pub fn registered(name: &str) -> Result<Lambda> {
        let f = lambdas()
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
            .cloned();
        let Some(function) = f else {
            bail!(
                "Lambda",
                "no function is registered under {name:?}; call \
                 keras::layers::register_lambda({name:?}, f) first"
            );
        };
        Ok(Lambda {
            base: LayerBase::new("Lambda", None),
            function,
            function_name: Some(name.to_string()),
            output_shape: None,
        })
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> Lambda {
        self.base = self.base.renamed(name);
        self
    }
    /// The output shape without the batch dim (else inferred by running the function).
    pub fn output_shape(mut self, shape: &[Option<usize>]) -> Lambda {
        self.output_shape = Some(shape.to_vec());
        self
    }
    /// The registered name of the function, if any.
    pub fn function_name(&self) -> Option<&str> {
        self.function_name.as_deref()
    }

    /// From Keras's config: the `function` entry must name a function registered with
    /// [`register_lambda`].
    pub fn from_config(c: &Config) -> Result<Lambda> {
        let n = "Lambda";
        let f = c
            .get("function")
            .ok_or_else(|| Error::op(n, "config has no field \"function\""))?;
        let name = match (f.get("class_name"), f.get("config")) {
            (Some(Value::String(class)), Some(Value::String(s))) if class == "function" => {
                s.clone()
            }
            (Some(Value::String(class)), _) if class == "__lambda__" => python_lambda(c)?,
            _ => bail!(
                n,
                "the Lambda's function {f} is not a registered function (a Python lambda or \
                 an anonymous Rust closure cannot be loaded); register one with \
                 keras::layers::register_lambda and build the layer with Lambda::registered"
            ),
        };
        if c.get("mask").is_some_and(|m| !m.is_null()) {
            bail!(n, "a Lambda `mask` is not supported, got {}", c["mask"]);
        }
        if c.get("arguments")
            .is_some_and(|a| a.as_object().is_some_and(|o| !o.is_empty()))
        {
            bail!(
                n,
                "Lambda `arguments` cannot be passed to a Rust function, got {}",
                c["arguments"]
            );
        }
        let mut l = Lambda::registered(&name)?;
        l.base = LayerBase::from_config(n, c)?;
        if let Some(s) = c.get("output_shape").filter(|v| !v.is_null()) {
            if s.get("class_name").and_then(Value::as_str) == Some("__lambda__") {
                return Err(scope::python_lambda_error(
                    n,
                    "a `Lambda` layer whose `output_shape` is a Python lambda",
                ));
            }
            l.output_shape = Some(shape_from_json(s)?);
        }
        Ok(l)
    }
}

/// The Rust function standing in for a Lambda's Python lambda: refused in safe mode (with
/// Keras's message); with safe mode off, the function registered under the layer's name.
fn python_lambda(c: &Config) -> Result<String> {
    let n = "Lambda";
    let layer: String = c.get_or("name", "lambda".to_string(), n)?;
    if scope::in_safe_mode() {
        bail!(
            n,
            "{} Then the layer runs the Rust function registered under its name with \
             keras::layers::register_lambda({layer:?}, f).",
            scope::safe_mode_message("a `Lambda` layer whose `function` is a Python lambda")
        );
    }
    let known = lambdas()
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .contains_key(&layer);
    if !known {
        bail!(
            n,
            "the Lambda layer {layer:?} holds a Python lambda, which keras-rs cannot run; \
             register its Rust equivalent under the layer's name with \
             keras::layers::register_lambda({layer:?}, f)"
        );
    }
    Ok(layer)
}

impl Layer for Lambda {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "Lambda"
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        let function = match &self.function_name {
            Some(name) => json!({"module": "builtins", "class_name": "function",
                                 "config": name, "registered_name": "function"}),
            None => json!({"module": "builtins", "class_name": "__lambda__",
                           "config": null, "registered_name": null}),
        };
        c.insert("function".into(), function);
        if let Some(s) = &self.output_shape {
            c.insert("output_shape".into(), shape_to_json(s));
        }
        c.insert("arguments".into(), json!({}));
        c
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        Ok(vec![(self.function)(&inputs[0])?])
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let x = &inputs[0];
        if let Some(s) = &self.output_shape {
            let mut shape = vec![x.shape.first().copied().flatten()];
            shape.extend(s.iter().copied());
            return Ok(vec![TensorSpec::new(shape, self.base.compute_dtype())]);
        }
        let name = format!("Lambda {:?}", self.base.name());
        probe_output_specs(&name, std::slice::from_ref(x), |xs| {
            Ok(vec![(self.function)(&xs[0])?])
        })
        .map_err(|e| Error::op("Lambda", format!("{}; give output_shape", e.message())))
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::LayerExt;
    use keras_ops::{ops, DType};

    #[test]
    fn registered_round_trip_matches_keras() {
        // @keras.saving.register_keras_serializable(package="my_pkg")
        // def double(x): return x * 2
        // keras.layers.Lambda(double, output_shape=(3,)).get_config()
        let expected = r#"{"name": "lambda", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "function": {"module": "builtins", "class_name": "function", "config": "my_pkg>double", "registered_name": "function"}, "output_shape": [3], "arguments": {}}"#;
        register_lambda("my_pkg>double", |x| ops::multiply(x, 2.0));
        let l = Lambda::registered("my_pkg>double")
            .unwrap()
            .named("lambda")
            .output_shape(&[Some(3)]);
        let c = l.get_config();
        crate::layers::testing::assert_keras_config(&c, expected);
        let copy = Lambda::from_config(&c).unwrap();
        assert_eq!(copy.get_config(), c);
        let x = Tensor::from_vec(vec![1.0f32, 2.0, 3.0], [1, 3]).unwrap();
        assert_eq!(
            copy.forward(&x).unwrap().to_vec::<f32>().unwrap(),
            vec![2.0, 4.0, 6.0]
        );
        let spec = TensorSpec::new(vec![None, Some(7)], DType::F32);
        assert_eq!(
            l.compute_output_spec(&[spec]).unwrap()[0].shape,
            vec![None, Some(3)]
        );
    }

    #[test]
    fn anonymous_closure_refuses_to_load() {
        let l = Lambda::new(|x| ops::sum(x, -1, false));
        let err = Lambda::from_config(&l.get_config())
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("register_lambda"), "{err}");
        assert!(Lambda::registered("nobody>nothing").is_err());
        // Shape inference by probing: the reduced axis disappears, the batch stays unknown.
        let spec = TensorSpec::new(vec![None, Some(4), Some(5)], DType::F32);
        assert_eq!(
            l.compute_output_spec(&[spec]).unwrap()[0].shape,
            vec![None, Some(4)]
        );
    }
}
