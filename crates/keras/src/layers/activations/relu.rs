//! `ReLU`: the rectifier with optional cap, leak and threshold.

use keras_backend::bail;
use keras_ops::{ops, Result, Tensor};
use serde_json::json;

use crate::layers::{CallArgs, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// `max_value` if `x >= max_value`, `x` if `threshold < x < max_value`, else
/// `negative_slope · (x - threshold)` (Keras's `ReLU` layer).
///
/// ```
/// use keras::layers::{LayerExt, ReLU};
/// let layer = ReLU::new().max_value(6.0).unwrap();
/// let x = keras::Tensor::from_vec(vec![-1.0f32, 3.0, 9.0], [3]).unwrap();
/// assert_eq!(layer.forward(&x).unwrap().to_vec::<f32>().unwrap(), vec![0.0, 3.0, 6.0]);
/// ```
pub struct ReLU {
    base: LayerBase,
    max_value: Option<f64>,
    negative_slope: f64,
    threshold: f64,
}

fn non_negative(v: f64, what: &str) -> Result<f64> {
    if v.is_nan() || v < 0.0 {
        bail!(
            "ReLU",
            "{what} of a ReLU layer cannot be negative, got {what}={v}"
        );
    }
    Ok(v)
}

/// Keras's `activations.relu(x, negative_slope, max_value, threshold)`.
pub(crate) fn relu(
    x: &Tensor,
    negative_slope: f64,
    max_value: Option<f64>,
    threshold: f64,
) -> Result<Tensor> {
    if negative_slope != 0.0 && max_value.is_none() && threshold == 0.0 {
        return ops::leaky_relu(x, negative_slope);
    }
    let negative_part = (negative_slope != 0.0)
        .then(|| ops::relu(&ops::add(&ops::negative(x)?, threshold)?))
        .transpose()?;
    let mut y = if threshold != 0.0 {
        ops::where_(&ops::greater(x, threshold)?, x, 0)?
    } else {
        ops::relu(x)?
    };
    if let Some(m) = max_value {
        y = ops::clip(&y, 0.0, m)?;
    }
    if let Some(n) = negative_part {
        y = ops::subtract(&y, &ops::multiply(&n, negative_slope)?)?;
    }
    Ok(y)
}

impl ReLU {
    /// The plain rectifier `max(x, 0)`.
    pub fn new() -> ReLU {
        ReLU {
            base: LayerBase::new("ReLU", None).built_at_construction(),
            max_value: None,
            negative_slope: 0.0,
            threshold: 0.0,
        }
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> ReLU {
        self.base = self.base.renamed(name);
        self
    }
    /// The cap (>= 0).
    pub fn max_value(mut self, v: f64) -> Result<ReLU> {
        self.max_value = Some(non_negative(v, "max_value")?);
        Ok(self)
    }
    /// The slope below the threshold (>= 0).
    pub fn negative_slope(mut self, v: f64) -> Result<ReLU> {
        self.negative_slope = non_negative(v, "negative_slope")?;
        Ok(self)
    }
    /// Values at or below it are treated as negative (>= 0).
    pub fn threshold(mut self, v: f64) -> Result<ReLU> {
        self.threshold = non_negative(v, "threshold")?;
        Ok(self)
    }
    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<ReLU> {
        let n = "ReLU";
        let max_value: Option<f64> = c.get_or("max_value", None, n)?;
        Ok(ReLU {
            base: LayerBase::from_config(n, c)?.built_at_construction(),
            max_value: max_value
                .map(|m| non_negative(m, "max_value"))
                .transpose()?,
            negative_slope: non_negative(c.get_or("negative_slope", 0.0, n)?, "negative_slope")?,
            threshold: non_negative(c.get_or("threshold", 0.0, n)?, "threshold")?,
        })
    }
}

impl Default for ReLU {
    fn default() -> Self {
        ReLU::new()
    }
}

impl Layer for ReLU {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "ReLU"
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("max_value".into(), json!(self.max_value));
        c.insert("negative_slope".into(), json!(self.negative_slope));
        c.insert("threshold".into(), json!(self.threshold));
        c
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        Ok(vec![relu(
            &inputs[0],
            self.negative_slope,
            self.max_value,
            self.threshold,
        )?])
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
    use keras_ops::DType;

    fn x() -> Tensor {
        Tensor::from_vec(vec![-3.0f32, -1.0, 0.0, 0.4, 0.6, 2.0, 7.0], [7]).unwrap()
    }

    fn close(a: &[f32], b: &[f32]) {
        assert!(
            a.iter().zip(b).all(|(p, q)| (p - q).abs() < 1e-6),
            "{a:?} vs {b:?}"
        );
    }

    #[test]
    fn config_matches_keras() {
        // keras.layers.ReLU(max_value=6., negative_slope=0.1, threshold=0.5).get_config()
        let expected = r#"{"name": "re_lu", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "max_value": 6.0, "negative_slope": 0.1, "threshold": 0.5}"#;
        let l = ReLU::new().named("re_lu").max_value(6.0).unwrap();
        let c = l
            .negative_slope(0.1)
            .unwrap()
            .threshold(0.5)
            .unwrap()
            .get_config();
        crate::layers::testing::assert_keras_config(&c, expected);
        assert_eq!(ReLU::from_config(&c).unwrap().get_config(), c);
        assert_eq!(ReLU::new().get_config()["max_value"], json!(null));
        assert!(ReLU::new().threshold(-1.0).is_err());
    }

    #[test]
    fn values_match_keras() {
        // keras.layers.ReLU(...)(x) for x = [-3, -1, 0, 0.4, 0.6, 2, 7].
        let full = ReLU::new()
            .max_value(6.0)
            .unwrap()
            .negative_slope(0.1)
            .unwrap();
        let full = full.threshold(0.5).unwrap().forward(&x()).unwrap();
        close(
            &full.to_vec::<f32>().unwrap(),
            &[-0.35, -0.15, -0.05, -0.01, 0.6, 2.0, 6.0],
        );
        let capped = ReLU::new().max_value(6.0).unwrap().forward(&x()).unwrap();
        close(
            &capped.to_vec::<f32>().unwrap(),
            &[0.0, 0.0, 0.0, 0.4, 0.6, 2.0, 6.0],
        );
        let leaky = ReLU::new()
            .negative_slope(0.1)
            .unwrap()
            .forward(&x())
            .unwrap();
        close(
            &leaky.to_vec::<f32>().unwrap(),
            &[-0.3, -0.1, 0.0, 0.4, 0.6, 2.0, 7.0],
        );
        let spec = TensorSpec::new(vec![None, Some(7)], DType::F32);
        assert_eq!(
            ReLU::new().compute_output_spec(&[spec]).unwrap()[0].shape,
            vec![None, Some(7)]
        );
    }
}
