//! `Rescaling`: `x · scale + offset`.

use keras_ops::{ops, Result, Tensor};
use serde_json::Value;

use crate::layers::keras_tensor::TensorSpec;
use crate::layers::{CallArgs, Layer, LayerBase};
use crate::saving::object::Config;

/// Multiplies inputs by `scale` and adds `offset`, in the compute dtype (Keras's
/// `Rescaling`); each may be a scalar or a per-channel list (broadcast over the last axis).
///
/// ```
/// use keras::layers::{LayerExt, Rescaling};
/// let layer = Rescaling::new(1.0 / 255.0).offset(-1.0);
/// let x = keras::Tensor::from_vec(vec![0u8, 255], [2]).unwrap();
/// assert_eq!(layer.forward(&x).unwrap().to_vec::<f32>().unwrap(), vec![-1.0, 0.0]);
/// ```
pub struct Rescaling {
    base: LayerBase,
    scale: Value,
    offset: Value,
}

/// A scalar or a (nested) list of numbers from a config, as a tensor.
pub(crate) fn json_to_tensor(v: &Value, what: &str, owner: &str) -> Result<Tensor> {
    fn walk(v: &Value, depth: usize, shape: &mut Vec<usize>, out: &mut Vec<f64>) -> bool {
        match v {
            Value::Number(n) => {
                out.push(n.as_f64().unwrap_or(f64::NAN));
                shape.len() == depth
            }
            Value::Array(a) => {
                if shape.len() == depth {
                    shape.push(a.len());
                } else if shape.get(depth) != Some(&a.len()) {
                    return false;
                }
                a.iter().all(|e| walk(e, depth + 1, shape, out))
            }
            _ => false,
        }
    }
    let (mut shape, mut data) = (Vec::new(), Vec::new());
    if !walk(v, 0, &mut shape, &mut data) {
        keras_backend::bail!(
            owner,
            "{what} must be a number or a rectangular list of numbers, got {v}"
        );
    }
    Tensor::from_vec(data, shape)
}

impl Rescaling {
    /// Multiplies by `scale` (no offset).
    pub fn new(scale: f64) -> Rescaling {
        Rescaling {
            base: LayerBase::new("Rescaling", None),
            scale: Value::from(scale),
            offset: Value::from(0.0),
        }
    }
    /// Per-channel scales.
    pub fn per_channel(scale: &[f64]) -> Rescaling {
        Rescaling {
            scale: Value::from(scale.to_vec()),
            ..Rescaling::new(1.0)
        }
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> Rescaling {
        self.base = self.base.renamed(name);
        self
    }
    /// The offset added after scaling.
    pub fn offset(mut self, offset: f64) -> Rescaling {
        self.offset = Value::from(offset);
        self
    }
    /// Per-channel offsets.
    pub fn offsets(mut self, offset: &[f64]) -> Rescaling {
        self.offset = Value::from(offset.to_vec());
        self
    }
    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<Rescaling> {
        let n = "Rescaling";
        let scale = c
            .get("scale")
            .filter(|v| !v.is_null())
            .cloned()
            .ok_or_else(|| keras_ops::Error::op(n, "config has no field \"scale\""))?;
        let offset = c.get("offset").cloned().unwrap_or(Value::from(0.0));
        json_to_tensor(&scale, "scale", n)?;
        json_to_tensor(&offset, "offset", n)?;
        Ok(Rescaling {
            base: LayerBase::from_config(n, c)?,
            scale,
            offset,
        })
    }
}

impl Layer for Rescaling {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "Rescaling"
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("scale".into(), self.scale.clone());
        c.insert("offset".into(), self.offset.clone());
        c
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        let dtype = self.base.compute_dtype();
        let scale = ops::cast(&json_to_tensor(&self.scale, "scale", "Rescaling")?, dtype)?;
        let offset = ops::cast(&json_to_tensor(&self.offset, "offset", "Rescaling")?, dtype)?;
        let x = ops::cast(&inputs[0], dtype)?;
        let y = ops::add(&ops::multiply(&x, &scale)?, &offset).map_err(|e| {
            keras_ops::Error::op(
                "Rescaling",
                format!(
                    "layer {:?}: scale {} and offset {} do not broadcast to input shape {}: {e}",
                    self.base.name(),
                    self.scale,
                    self.offset,
                    inputs[0].shape()
                ),
            )
        })?;
        Ok(vec![y])
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        Ok(vec![TensorSpec::new(
            inputs[0].shape.clone(),
            self.base.compute_dtype(),
        )])
    }
    fn supports_masking(&self) -> bool {
        true
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::LayerExt;
    use keras_ops::DType;

    #[test]
    fn config_matches_keras() {
        // keras.layers.Rescaling(1/255.).get_config()
        let expected = r#"{"name": "rescaling", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "scale": 0.00392156862745098, "offset": 0.0}"#;
        let c = Rescaling::new(1.0 / 255.0).named("rescaling").get_config();
        crate::layers::testing::assert_keras_config(&c, expected);
        assert_eq!(Rescaling::from_config(&c).unwrap().get_config(), c);
        let c = Rescaling::per_channel(&[1.0, 2.0])
            .offsets(&[0.5, 0.0])
            .get_config();
        assert_eq!(Rescaling::from_config(&c).unwrap().get_config(), c);
    }

    #[test]
    fn scales_in_float() {
        // keras.layers.Rescaling([1., 2.], offset=[0.5, 0.])(np.array([[1, 3]], "int32"))
        // -> [[1.5, 6.]] float32
        let l = Rescaling::per_channel(&[1.0, 2.0]).offsets(&[0.5, 0.0]);
        let x = Tensor::from_vec(vec![1i32, 3], [1, 2]).unwrap();
        let y = l.forward(&x).unwrap();
        assert_eq!(
            (y.dtype(), y.to_vec::<f32>().unwrap()),
            (DType::F32, vec![1.5, 6.0])
        );
        let spec = TensorSpec::new(vec![None, Some(2)], DType::I32);
        let out = &l.compute_output_spec(&[spec]).unwrap()[0];
        assert_eq!(
            (out.shape.clone(), out.dtype),
            (vec![None, Some(2)], DType::F32)
        );
        assert!(l
            .forward(&Tensor::from_vec(vec![1i32; 3], [1, 3]).unwrap())
            .is_err());
    }
}
