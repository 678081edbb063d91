//! `Softmax`: normalized exponentials over one or more axes, with mask support.

use keras_backend::bail;
use keras_ops::{ops, DType, Result, Tensor};
use serde_json::{json, Value};

use crate::layers::{CallArgs, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// Softmax over `axis` (Keras's `Softmax` layer). With an input mask, masked positions get
/// a large negative logit (-1e9, -3e4 in float16) and output 0.
///
/// ```
/// use keras::layers::{LayerExt, Softmax};
/// let x = keras::Tensor::from_vec(vec![1.0f32, 1.0], [1, 2]).unwrap();
/// assert_eq!(Softmax::new().forward(&x).unwrap().to_vec::<f32>().unwrap(), vec![0.5, 0.5]);
/// ```
pub struct Softmax {
    base: LayerBase,
    axis: Vec<i64>,
    axis_is_list: bool,
}

impl Softmax {
    /// Over the last axis.
    pub fn new() -> Softmax {
        Softmax {
            base: LayerBase::new("Softmax", None).built_at_construction(),
            axis: vec![-1],
            axis_is_list: false,
        }
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> Softmax {
        self.base = self.base.renamed(name);
        self
    }
    /// One axis.
    pub fn axis(mut self, axis: i64) -> Softmax {
        self.axis = vec![axis];
        self.axis_is_list = false;
        self
    }
    /// Several axes, normalized jointly.
    pub fn axes(mut self, axes: &[i64]) -> Softmax {
        self.axis = axes.to_vec();
        self.axis_is_list = true;
        self
    }
    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<Softmax> {
        let n = "Softmax";
        let l = Softmax {
            base: LayerBase::from_config(n, c)?.built_at_construction(),
            ..Softmax::new()
        };
        Ok(match c.get("axis") {
            None | Some(Value::Null) => l,
            Some(Value::Array(_)) => l.axes(&c.require::<Vec<i64>>("axis", n)?),
            Some(_) => l.axis(c.require("axis", n)?),
        })
    }

    fn masked_logits(&self, x: &Tensor, mask: &Tensor) -> Result<(Tensor, Tensor)> {
        let broadcastable = mask.rank() <= x.rank()
            && mask
                .dims()
                .iter()
                .rev()
                .zip(x.dims().iter().rev())
                .all(|(&m, &i)| m == 1 || m == i);
        if !broadcastable {
            bail!(
                "Softmax",
                "layer {:?}: the mask must be broadcastable to the inputs, got inputs shape {} \
                 and mask shape {}",
                self.base.name(),
                x.shape(),
                mask.shape()
            );
        }
        let mask = if mask.dtype() == DType::Bool {
            mask.clone()
        } else {
            ops::greater(mask, 0.5)?
        };
        let large_negative = if x.dtype() == DType::F16 { -3e4 } else { -1e9 };
        Ok((ops::where_(&mask, x, large_negative)?, mask))
    }
}

impl Default for Softmax {
    fn default() -> Self {
        Softmax::new()
    }
}

impl Layer for Softmax {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "Softmax"
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        let axis = if self.axis_is_list {
            json!(self.axis)
        } else {
            json!(self.axis[0])
        };
        c.insert("axis".into(), axis);
        c
    }
    fn call(&self, inputs: &[Tensor], args: &CallArgs) -> Result<Vec<Tensor>> {
        let (x, mask) = match args.mask(0) {
            Some(m) => {
                let (x, m) = self.masked_logits(&inputs[0], m)?;
                (x, Some(m))
            }
            None => (inputs[0].clone(), None),
        };
        let y = if self.axis.len() > 1 {
            let lse = ops::logsumexp(&x, self.axis.clone(), true)?;
            ops::exp(&ops::subtract(&x, &lse)?)?
        } else {
            ops::softmax(&x, self.axis[0])?
        };
        Ok(vec![match mask {
            Some(m) => ops::where_(&m, &y, 0.0)?,
            None => y,
        }])
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
    use crate::layers::{LayerExt, TensorSpec};

    fn close(a: &[f32], b: &[f32]) {
        assert!(
            a.iter().zip(b).all(|(p, q)| (p - q).abs() < 1e-6),
            "{a:?} vs {b:?}"
        );
    }

    #[test]
    fn config_matches_keras() {
        // keras.layers.Softmax().get_config() and Softmax(axis=[1, 2]).get_config()
        let expected = r#"{"name": "softmax", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "axis": -1}"#;
        let c = Softmax::new().named("softmax").get_config();
        crate::layers::testing::assert_keras_config(&c, expected);
        assert_eq!(Softmax::from_config(&c).unwrap().get_config(), c);
        let c = Softmax::new().axes(&[1, 2]).get_config();
        assert_eq!(c["axis"], json!([1, 2]));
        assert_eq!(Softmax::from_config(&c).unwrap().get_config(), c);
    }

    #[test]
    fn masked_and_multi_axis_values() {
        let x = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 1.0, 1.0, 1.0], [2, 3]).unwrap();
        // keras.layers.Softmax()(x, mask=[[True, False, True], [True, True, True]])
        let mask = Tensor::from_vec(vec![true, false, true, true, true, true], [2, 3]).unwrap();
        let args = CallArgs {
            training: false,
            masks: vec![Some(mask)],
        };
        let y = Softmax::new()
            .call_with(std::slice::from_ref(&x), &args)
            .unwrap();
        let third = 1.0 / 3.0;
        close(
            &y[0].to_vec::<f32>().unwrap(),
            &[0.119_202_91, 0.0, 0.880_797, third, third, third],
        );
        // keras.layers.Softmax(axis=[0, 1])(x)
        let y = Softmax::new().axes(&[0, 1]).forward(&x).unwrap();
        let (a, b, c) = (0.070_885_09, 0.192_685_66, 0.523_773_9);
        close(&y.to_vec::<f32>().unwrap(), &[a, b, c, a, a, a]);
        let spec = TensorSpec::new(vec![None, Some(3)], DType::F32);
        assert_eq!(
            Softmax::new().compute_output_spec(&[spec]).unwrap()[0].shape,
            vec![None, Some(3)]
        );
        let bad = CallArgs {
            training: false,
            masks: vec![Some(ops::ones(&[2, 2], DType::Bool).unwrap())],
        };
        assert!(Softmax::new().call_with(&[x], &bad).is_err());
    }
}
