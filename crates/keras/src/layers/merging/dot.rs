//! `Dot`: the batchwise dot product of two inputs along one axis each.

use keras_backend::bail;
use keras_ops::{ops, Result, Tensor};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::base_merge::check_inputs;
use crate::layers::keras_tensor::TensorSpec;
use crate::layers::layer::shapes_display;
use crate::layers::shape::ShapeSpec;
use crate::layers::{CallArgs, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

const CLASS: &str = "Dot";

/// The `axes` of [`Dot`]: one axis for both inputs, or one per input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DotAxes {
    /// The same axis of both inputs.
    One(i64),
    /// An axis of the first input and one of the second.
    Pair([i64; 2]),
}

impl From<i64> for DotAxes {
    fn from(a: i64) -> Self {
        DotAxes::One(a)
    }
}

impl From<[i64; 2]> for DotAxes {
    fn from(a: [i64; 2]) -> Self {
        DotAxes::Pair(a)
    }
}

impl DotAxes {
    /// Non-negative axes for inputs of ranks `r1` and `r2` (negative ones count from the end).
    fn resolve(self, r1: usize, r2: usize) -> Result<[usize; 2]> {
        let [a, b] = match self {
            DotAxes::One(a) => [a, a],
            DotAxes::Pair(p) => p,
        };
        let fix = |a: i64, r: usize| -> Result<usize> {
            let r = r as i64;
            let v = if a < 0 { a.rem_euclid(r.max(1)) } else { a };
            if v >= r {
                bail!(CLASS, "axis {a} is out of bounds for an input of rank {r}");
            }
            Ok(v as usize)
        };
        Ok([fix(a, r1)?, fix(b, r2)?])
    }
}

/// The dot product of two inputs along `axes`, batch by batch (Keras's `Dot`); with
/// `normalize` the inputs are first L2-normalized along those axes, giving the cosine
/// proximity. The output has the first input's remaining dims, then the second's (without
/// its batch dim); a rank-1 result gets a trailing unit dim.
///
/// ```
/// use keras::layers::{CallArgs, Dot, LayerExt};
/// let a = keras::Tensor::from_vec(vec![1.0f32, 2.0], [1, 2]).unwrap();
/// let b = keras::Tensor::from_vec(vec![3.0f32, 4.0], [1, 2]).unwrap();
/// let y = Dot::new(1).call_with(&[a, b], &CallArgs::inference()).unwrap();
/// assert_eq!(y[0].dims(), &[1, 1]);
/// assert_eq!(y[0].to_vec::<f32>().unwrap(), vec![11.0]);
/// ```
pub struct Dot {
    base: LayerBase,
    axes: DotAxes,
    normalize: bool,
}

impl Dot {
    /// The product along `axes` (`1`, or `[1, 2]` for one axis per input).
    pub fn new(axes: impl Into<DotAxes>) -> Dot {
        Dot {
            base: LayerBase::new(CLASS, None),
            axes: axes.into(),
            normalize: false,
        }
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> Self {
        self.base = self.base.renamed(name);
        self
    }
    /// Whether to L2-normalize the inputs along the axes first.
    pub fn normalize(mut self, normalize: bool) -> Self {
        self.normalize = normalize;
        self
    }
    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<Dot> {
        Ok(Dot {
            base: LayerBase::from_config(CLASS, c)?,
            axes: c.require("axes", CLASS)?,
            normalize: c.get_or("normalize", false, CLASS)?,
        })
    }

    /// Checks the two shapes and returns the resolved axes.
    fn check(&self, shapes: &[ShapeSpec]) -> Result<[usize; 2]> {
        check_inputs(CLASS, self.base.name(), shapes, Some(2))?;
        let (s1, s2) = (&shapes[0], &shapes[1]);
        if s1.len() < 2 || s2.len() < 2 {
            bail!(
                CLASS,
                "layer {:?} needs inputs of rank >= 2, got shapes {}",
                self.base.name(),
                shapes_display(shapes)
            );
        }
        let axes = self.axes.resolve(s1.len(), s2.len())?;
        if axes.contains(&0) {
            bail!(
                CLASS,
                "layer {:?} cannot take the dot product over the batch axis 0 (axes {:?})",
                self.base.name(),
                self.axes
            );
        }
        if let (Some(a), Some(b)) = (s1[axes[0]], s2[axes[1]]) {
            if a != b {
                bail!(
                    CLASS,
                    "layer {:?}: incompatible input shapes {}: {a} (axis {}) != {b} (axis {})",
                    self.base.name(),
                    shapes_display(shapes),
                    axes[0],
                    axes[1]
                );
            }
        }
        Ok(axes)
    }
}

/// Keras's `batch_dot` of `x` and `y` (ranks >= 2, same batch) over axes `a0` of `x` and
/// `a1` of `y`: move `a0` last in `x` and `a1` second in `y`, fold the middle dims, and
/// batch-multiply.
fn batch_dot(x: &Tensor, y: &Tensor, [mut a0, a1]: [usize; 2]) -> Result<Tensor> {
    let (x_rank, y_rank) = (x.rank(), y.rank());
    let mut x = if x_rank == 2 {
        a0 += 1;
        ops::expand_dims(x, 1)?
    } else {
        x.clone()
    };
    let mut y = if y_rank == 2 {
        ops::expand_dims(y, 2)?
    } else {
        y.clone()
    };
    let (xn, yn) = (x.rank(), y.rank());
    if a0 != xn - 1 {
        let mut perm: Vec<i64> = (0..xn as i64).filter(|&i| i != a0 as i64).collect();
        perm.push(a0 as i64);
        x = ops::transpose(&x, Some(&perm))?;
    }
    if a1 != 1 {
        let mut perm: Vec<i64> = (0..yn as i64).filter(|&i| i != a1 as i64).collect();
        perm.insert(1, a1 as i64);
        y = ops::transpose(&y, Some(&perm))?;
    }
    let (xd, yd) = (x.dims().to_vec(), y.dims().to_vec());
    let x3 = ops::reshape(&x, vec![xd[0], xd[1..xn - 1].iter().product(), xd[xn - 1]])?;
    let y3 = ops::reshape(&y, vec![yd[0], yd[1], yd[2..].iter().product()])?;
    let out = ops::matmul(&x3, &y3)?;
    let mut shape: Vec<usize> = xd[..xn - 1].to_vec();
    shape.extend_from_slice(&yd[2..]);
    let out = ops::reshape(&out, shape)?;
    if x_rank == 2 {
        ops::squeeze(&out, 1)
    } else if y_rank == 2 {
        ops::squeeze(&out, -1)
    } else {
        Ok(out)
    }
}

impl Layer for Dot {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        CLASS
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("axes".into(), json!(self.axes));
        c.insert("normalize".into(), json!(self.normalize));
        c
    }
    fn build(&self, shapes: &[ShapeSpec]) -> Result<()> {
        self.check(shapes).map(|_| ())
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        let shapes: Vec<ShapeSpec> = inputs
            .iter()
            .map(|t| t.dims().iter().map(|&d| Some(d)).collect())
            .collect();
        let axes = self.check(&shapes)?;
        let (mut x, mut y) = (inputs[0].clone(), inputs[1].clone());
        if self.normalize {
            x = ops::normalize(&x, axes[0] as i64, 2, None)?;
            y = ops::normalize(&y, axes[1] as i64, 2, None)?;
        }
        Ok(vec![batch_dot(&x, &y, axes)?])
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let shapes: Vec<ShapeSpec> = inputs.iter().map(|s| s.shape.clone()).collect();
        let axes = self.check(&shapes)?;
        let mut out = shapes[0].clone();
        out.remove(axes[0]);
        let mut rest = shapes[1].clone();
        rest.remove(axes[1]);
        out.extend(rest.into_iter().skip(1));
        if out.len() == 1 {
            out.push(Some(1));
        }
        Ok(vec![TensorSpec::new(out, self.base.compute_dtype())])
    }
    fn supports_masking(&self) -> bool {
        true
    }
    fn compute_mask(
        &self,
        _inputs: &[Tensor],
        _masks: &[Option<Tensor>],
    ) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![None])
    }
    fn takes_list(&self) -> bool {
        true
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::normalization::test_util::{close, config, t};
    use crate::layers::LayerExt;
    use keras_ops::DType;

    #[test]
    fn config_matches_keras() {
        // keras.layers.Dot(axes=(1, 2), normalize=True, name="d").get_config()
        let expected = config(
            r#"{"name": "d", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "axes": [1, 2], "normalize": true}"#,
        );
        let d = Dot::new([1, 2]).named("d").normalize(true);
        assert_eq!(d.get_config(), expected);
        assert_eq!(Dot::from_config(&expected).unwrap().get_config(), expected);
        assert_eq!(Dot::new(1).get_config()["axes"], json!(1));
    }

    #[test]
    fn shapes_as_keras() {
        let spec = |s: &[Option<usize>]| TensorSpec::new(s.to_vec(), DType::F32);
        // keras.layers.Dot(axes=(1, 2))([Input((3, 4, 5)), Input((6, 3))]).shape
        let out = Dot::new([1, 2])
            .compute_output_spec(&[
                spec(&[None, Some(3), Some(4), Some(5)]),
                spec(&[None, Some(6), Some(3)]),
            ])
            .unwrap();
        assert_eq!(out[0].shape, vec![None, Some(4), Some(5), Some(6)]);
        let out = Dot::new(1)
            .compute_output_spec(&[spec(&[None, Some(3)]), spec(&[None, Some(3)])])
            .unwrap();
        assert_eq!(out[0].shape, vec![None, Some(1)]);
        assert!(Dot::new(1)
            .compute_output_spec(&[spec(&[None, Some(3)]), spec(&[None, Some(4)])])
            .is_err());
        assert!(Dot::new(0)
            .compute_output_spec(&[spec(&[None, Some(3)]), spec(&[None, Some(3)])])
            .is_err());
        assert!(Dot::new(1)
            .compute_output_spec(&[spec(&[None, Some(3)])])
            .is_err());
    }

    #[test]
    fn values_match_keras() {
        // x = np.arange(6).reshape(1, 3, 2); y = np.arange(6, 12).reshape(1, 2, 3)
        // keras.layers.Dot(axes=(1, 2), normalize=True)([x, y])
        let x = t(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0], &[1, 3, 2]);
        let y = t(&[6.0, 7.0, 8.0, 9.0, 10.0, 11.0], &[1, 2, 3]);
        let out = Dot::new([1, 2])
            .normalize(true)
            .call_with(&[x, y], &CallArgs::inference())
            .unwrap();
        assert_eq!(out[0].dims(), &[1, 2, 2]);
        close(&out[0], &[0.8426548, 0.823496, 0.92778563, 0.9143034]);
        // keras.layers.Dot(axes=-1)([a, b]) with a, b of shape (1, 3, 2)
        let a = t(&[1.0, -2.0, 3.0, 4.0, 0.5, 6.0], &[1, 3, 2]);
        let b = t(&[2.0, 1.0, -1.0, 5.0, 7.0, -3.0], &[1, 3, 2]);
        let out = Dot::new(-1)
            .call_with(&[a, b], &CallArgs::inference())
            .unwrap();
        assert_eq!(out[0].dims(), &[1, 3, 3]);
        close(
            &out[0],
            &[0.0, -11.0, 13.0, 10.0, 17.0, 9.0, 7.0, 29.5, -14.5],
        );
    }
}
