//! `Normalization`: `(x - mean) / sqrt(variance)` per feature, from given or adapted values.

use std::sync::OnceLock;

use keras_backend::bail;
use keras_ops::{ops, DType, Result, Tensor, Variable};
use serde_json::{json, Value};

use super::rescaling::json_to_tensor;
use crate::initializers::Initializer;
use crate::layers::shape::{shape_to_json, ShapeSpec};
use crate::layers::{CallArgs, Layer, LayerBase, LayerExt};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// Keras's `backend.epsilon()`, the floor of the standard deviation.
const EPSILON: f64 = 1e-7;

/// Normalizes each position along `axis` (default the last) to zero mean and unit variance
/// (Keras's `Normalization`). Give `mean` and `variance`, or call
/// [`adapt`](Normalization::adapt) on data: then the statistics live in the non-trainable
/// variables `mean`, `variance` and `count` (int32), as in Keras. `invert` maps back.
///
/// ```
/// use keras::layers::{LayerExt, Normalization};
/// let layer = Normalization::new();
/// layer.adapt(&keras::Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 6.0], [2, 2]).unwrap()).unwrap();
/// let y = layer.forward(&keras::Tensor::from_vec(vec![2.0f32, 4.0], [1, 2]).unwrap()).unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![0.0, 0.0]);
/// ```
pub struct Normalization {
    base: LayerBase,
    axis: Vec<i64>,
    mean: Value,
    variance: Value,
    invert: bool,
    state: OnceLock<State>,
}

/// What `build` fixes.
struct State {
    reduce_axes: Vec<i64>,
    broadcast_shape: Vec<usize>,
    stats: Stats,
}

enum Stats {
    /// From the constructor, broadcast to `broadcast_shape`.
    Given(Tensor, Tensor),
    /// Variables `mean`, `variance` (and `count`, kept for Keras's weight layout).
    Adapted(Variable, Variable),
}

impl Normalization {
    /// Statistics per position of the last axis, to be adapted.
    pub fn new() -> Normalization {
        Normalization {
            base: LayerBase::new("Normalization", None),
            axis: vec![-1],
            mean: Value::Null,
            variance: Value::Null,
            invert: false,
            state: OnceLock::new(),
        }
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> Normalization {
        self.base = self.base.renamed(name);
        self
    }
    /// The axes that keep separate statistics (empty: one mean and variance overall).
    pub fn axis(mut self, axis: &[i64]) -> Normalization {
        self.axis = axis.to_vec();
        self
    }
    /// Fixed statistics (same shape: a scalar, or the kept dims' shape).
    pub fn mean_variance(mut self, mean: &[f64], variance: &[f64]) -> Result<Normalization> {
        if mean.len() != variance.len() {
            bail!(
                "Normalization",
                "mean and variance must have the same shape, got {} and {} values",
                mean.len(),
                variance.len()
            );
        }
        self.mean = json!(mean);
        self.variance = json!(variance);
        Ok(self)
    }
    /// Maps normalized values back (`mean + x · sqrt(variance)`).
    pub fn invert(mut self, invert: bool) -> Normalization {
        self.invert = invert;
        self
    }
    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<Normalization> {
        let n = "Normalization";
        let axis = match c.get("axis") {
            None => vec![-1],
            Some(Value::Null) => Vec::new(),
            Some(Value::Number(a)) => vec![a.as_i64().unwrap_or(-1)],
            Some(_) => c.require("axis", n)?,
        };
        let (mean, variance) = (
            c.get("mean").cloned().unwrap_or(Value::Null),
            c.get("variance").cloned().unwrap_or(Value::Null),
        );
        if mean.is_null() != variance.is_null() {
            bail!(
                n,
                "both mean and variance must be set, got mean={mean} and variance={variance}"
            );
        }
        Ok(Normalization {
            base: LayerBase::from_config(n, c)?,
            axis,
            mean,
            variance,
            invert: c.get_or("invert", false, n)?,
            state: OnceLock::new(),
        })
    }

    /// Computes the mean and variance of `data` over the non-kept axes and stores them in
    /// the layer's variables (building it for `data`'s shape first).
    pub fn adapt(&self, data: &Tensor) -> Result<()> {
        let shape: ShapeSpec = data.dims().iter().map(|&d| Some(d)).collect();
        self.ensure_built(&[shape])?;
        let state = self.state.get().expect("built");
        let Stats::Adapted(mean, variance) = &state.stats else {
            bail!(
                "Normalization",
                "layer {:?} was given mean and variance; it cannot be adapted",
                self.base.name()
            );
        };
        if state.broadcast_shape.len() != data.rank()
            || state
                .broadcast_shape
                .iter()
                .zip(data.dims())
                .any(|(&b, &d)| b != 1 && b != d)
        {
            bail!(
                "Normalization",
                "layer {:?} was built for statistics of shape {:?}, but adapt() got data of \
                 shape {}",
                self.base.name(),
                state.broadcast_shape,
                data.shape()
            );
        }
        let x = ops::cast(data, self.base.compute_dtype())?;
        let axes = state.reduce_axes.clone();
        let m = ops::mean(&x, axes.clone(), false)?;
        let v = ops::var(&x, axes, false)?;
        mean.assign(&ops::reshape(&m, mean.shape().dims().to_vec())?)?;
        variance.assign(&ops::reshape(&v, variance.shape().dims().to_vec())?)
    }
}

impl Default for Normalization {
    fn default() -> Self {
        Normalization::new()
    }
}

impl Layer for Normalization {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "Normalization"
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("axis".into(), json!(self.axis));
        c.insert("invert".into(), json!(self.invert));
        c.insert("mean".into(), self.mean.clone());
        c.insert("variance".into(), self.variance.clone());
        c
    }
    fn build(&self, shapes: &[ShapeSpec]) -> Result<()> {
        let n = "Normalization";
        let input = &shapes[0];
        let ndim = input.len() as i64;
        let mut keep = Vec::new();
        for &a in &self.axis {
            if a < -ndim || a >= ndim {
                bail!(
                    n,
                    "layer {:?}: all axis values must be in [-ndim, ndim), got axis={:?} for \
                     input shape {}",
                    self.base.name(),
                    self.axis,
                    shape_to_json(input)
                );
            }
            let a = a.rem_euclid(ndim) as usize;
            if input[a].is_none() {
                bail!(
                    n,
                    "layer {:?}: kept axis {a} must have a known size, got input shape {}",
                    self.base.name(),
                    shape_to_json(input)
                );
            }
            keep.push(a);
        }
        keep.sort_unstable();
        let broadcast_shape: Vec<usize> = (0..input.len())
            .map(|d| {
                if keep.contains(&d) {
                    input[d].unwrap_or(1)
                } else {
                    1
                }
            })
            .collect();
        let reduce_axes = (0..input.len())
            .filter(|d| !keep.contains(d))
            .map(|d| d as i64)
            .collect();
        let stats_shape: Vec<usize> = keep.iter().map(|&d| input[d].unwrap_or(1)).collect();
        let stats = if self.mean.is_null() {
            let b = &self.base;
            let mean = b.add_weight("mean", &stats_shape, &Initializer::Zeros, false)?;
            let variance = b.add_weight("variance", &stats_shape, &Initializer::Ones, false)?;
            b.add_weight_of("count", &[], &Initializer::Zeros, DType::I32, false)?;
            Stats::Adapted(mean, variance)
        } else {
            let fixed = |v: &Value, what: &str| -> Result<Tensor> {
                let t = json_to_tensor(v, what, n)?;
                // Align the value's dims with the last kept axes.
                let mut expanded = vec![1usize; input.len()];
                if t.rank() > keep.len() {
                    bail!(
                        n,
                        "the rank of {what} {v} exceeds the number of axes {:?}",
                        self.axis
                    );
                }
                for (i, &d) in t.dims().iter().rev().enumerate() {
                    expanded[keep[keep.len() - 1 - i]] = d;
                }
                let t = ops::reshape(&t, expanded)?;
                ops::cast(
                    &ops::broadcast_to(&t, &broadcast_shape)?,
                    self.base.compute_dtype(),
                )
            };
            Stats::Given(
                fixed(&self.mean, "mean")?,
                fixed(&self.variance, "variance")?,
            )
        };
        let _ = self.state.set(State {
            reduce_axes,
            broadcast_shape,
            stats,
        });
        Ok(())
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        let state = self.state.get().expect("built before call");
        let (mean, variance) = match &state.stats {
            Stats::Given(m, v) => (m.clone(), v.clone()),
            Stats::Adapted(m, v) => (
                ops::reshape(&m.value(), state.broadcast_shape.clone())?,
                ops::reshape(&v.value(), state.broadcast_shape.clone())?,
            ),
        };
        let x = ops::cast(&inputs[0], self.base.compute_dtype())?;
        let std = ops::maximum(&ops::sqrt(&variance)?, EPSILON)?;
        let y = if self.invert {
            ops::add(&mean, &ops::multiply(&x, &std)?)
        } else {
            ops::divide(&ops::subtract(&x, &mean)?, &std)
        };
        Ok(vec![y.map_err(|e| {
            keras_ops::Error::op(
                "Normalization",
                format!(
                    "layer {:?} with statistics of shape {:?} cannot take input of shape {}: {e}",
                    self.base.name(),
                    state.broadcast_shape,
                    inputs[0].shape()
                ),
            )
        })?])
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
    use crate::layers::TensorSpec;

    #[test]
    fn config_matches_keras() {
        // keras.layers.Normalization(mean=[1., 2.], variance=[1., 4.]).get_config()
        let expected = r#"{"name": "normalization", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "axis": [-1], "invert": false, "mean": [1.0, 2.0], "variance": [1.0, 4.0]}"#;
        let l = Normalization::new().named("normalization");
        let c = l
            .mean_variance(&[1.0, 2.0], &[1.0, 4.0])
            .unwrap()
            .get_config();
        crate::layers::testing::assert_keras_config(&c, expected);
        assert_eq!(Normalization::from_config(&c).unwrap().get_config(), c);
        let c = Normalization::new().get_config();
        assert_eq!(
            (c["mean"].clone(), c["axis"].clone()),
            (Value::Null, json!([-1]))
        );
        assert_eq!(Normalization::from_config(&c).unwrap().get_config(), c);
    }

    #[test]
    fn adapt_matches_keras() {
        // l = keras.layers.Normalization(); l.adapt(np.array([[1., 2.], [3., 6.]]))
        // weights: mean (2,) float32, variance (2,) float32, count () int32, all
        // non-trainable; l.mean = [[2, 4]], l.variance = [[1, 4]]; l([[2., 4.]]) = [[0, 0]].
        let l = Normalization::new();
        l.adapt(&Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 6.0], [2, 2]).unwrap())
            .unwrap();
        let w = l.weights();
        assert_eq!(w.len(), 3);
        assert!(w.iter().all(|v| !v.trainable()));
        assert_eq!(w[2].dtype(), DType::I32);
        assert_eq!(w[0].value().to_vec::<f32>().unwrap(), vec![2.0, 4.0]);
        assert_eq!(w[1].value().to_vec::<f32>().unwrap(), vec![1.0, 4.0]);
        let y = l
            .forward(&Tensor::from_vec(vec![4.0f32, 8.0], [1, 2]).unwrap())
            .unwrap();
        assert_eq!(y.to_vec::<f32>().unwrap(), vec![2.0, 2.0]);
        let spec = TensorSpec::new(vec![None, Some(2)], DType::F32);
        assert_eq!(
            l.compute_output_spec(&[spec]).unwrap()[0].shape,
            vec![None, Some(2)]
        );
        assert!(l
            .adapt(&Tensor::from_vec(vec![1.0f32; 3], [1, 3]).unwrap())
            .is_err());
    }

    #[test]
    fn fixed_and_inverted() {
        let l = Normalization::new()
            .mean_variance(&[1.0, 2.0], &[1.0, 4.0])
            .unwrap();
        let x = Tensor::from_vec(vec![3.0f32, 6.0], [1, 2]).unwrap();
        assert_eq!(
            l.forward(&x).unwrap().to_vec::<f32>().unwrap(),
            vec![2.0, 2.0]
        );
        assert!(l.weights().is_empty());
        assert!(l.adapt(&x).is_err());
        let inv = Normalization::new()
            .mean_variance(&[1.0, 2.0], &[1.0, 4.0])
            .unwrap()
            .invert(true);
        let y = inv
            .forward(&Tensor::from_vec(vec![2.0f32, 2.0], [1, 2]).unwrap())
            .unwrap();
        assert_eq!(y.to_vec::<f32>().unwrap(), vec![3.0, 6.0]);
        let all = Normalization::new().axis(&[]);
        all.adapt(&Tensor::from_vec(vec![1.0f32, 3.0], [2, 1]).unwrap())
            .unwrap();
        assert_eq!(all.weights()[0].shape().dims(), &[] as &[usize]);
    }
}
