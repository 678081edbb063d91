//! `Concatenate`: joins a list of inputs along one axis.

use keras_backend::bail;
use keras_ops::{normalize_axis, ops, DType, Result, Tensor};
use serde_json::json;

use super::base_merge::broadcast_mask;
use crate::layers::keras_tensor::TensorSpec;
use crate::layers::layer::shapes_display;
use crate::layers::shape::ShapeSpec;
use crate::layers::{CallArgs, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

const CLASS: &str = "Concatenate";

/// Concatenates a list of inputs along `axis` (Keras's `Concatenate`); all other dims must
/// match. The output mask concatenates the input masks (all true for an input without one)
/// and reduces them with `any` over the last axis.
///
/// ```
/// use keras::layers::{CallArgs, Concatenate, LayerExt};
/// let a = keras::ops::ones(&[2, 3], keras::DType::F32).unwrap();
/// let b = keras::ops::zeros(&[2, 1], keras::DType::F32).unwrap();
/// let y = Concatenate::new().call_with(&[a, b], &CallArgs::inference()).unwrap();
/// assert_eq!(y[0].dims(), &[2, 4]);
/// ```
pub struct Concatenate {
    base: LayerBase,
    axis: i64,
}

impl Default for Concatenate {
    fn default() -> Self {
        Self::new()
    }
}

impl Concatenate {
    /// Concatenates along the last axis.
    pub fn new() -> Concatenate {
        Concatenate {
            base: LayerBase::new(CLASS, None),
            axis: -1,
        }
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> Self {
        self.base = self.base.renamed(name);
        self
    }
    /// The concatenation axis.
    pub fn axis(mut self, axis: i64) -> Self {
        self.axis = axis;
        self
    }
    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<Concatenate> {
        Ok(Concatenate {
            base: LayerBase::from_config(CLASS, c)?,
            axis: c.get_or("axis", -1, CLASS)?,
        })
    }

    /// The output shape, checking that the inputs agree on every other axis.
    fn output_shape(&self, shapes: &[ShapeSpec]) -> Result<ShapeSpec> {
        let name = self.base.name();
        let Some(first) = shapes.first() else {
            bail!(
                CLASS,
                "layer {name:?} must be called on a list of at least 1 input"
            );
        };
        let axis = normalize_axis(self.axis, first.len(), CLASS)?;
        let mismatch = || {
            Err(keras_ops::Error::op(
                CLASS,
                format!(
                    "layer {name:?} requires inputs with matching shapes except for the \
                     concatenation axis {}, got shapes {}",
                    self.axis,
                    shapes_display(shapes)
                ),
            ))
        };
        let mut out = first.clone();
        for s in &shapes[1..] {
            if s.len() != first.len() {
                return mismatch();
            }
            for (i, (o, d)) in out.iter_mut().zip(s).enumerate() {
                if i == axis {
                    *o = o.zip(*d).map(|(a, b)| a + b);
                } else if let (Some(a), Some(b)) = (*o, *d) {
                    if a != b {
                        return mismatch();
                    }
                } else {
                    *o = o.or(*d);
                }
            }
        }
        Ok(out)
    }
}

impl Layer for Concatenate {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        CLASS
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("axis".into(), json!(self.axis));
        c
    }
    fn build(&self, shapes: &[ShapeSpec]) -> Result<()> {
        self.output_shape(shapes).map(|_| ())
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        let shapes: Vec<ShapeSpec> = inputs
            .iter()
            .map(|t| t.dims().iter().map(|&d| Some(d)).collect())
            .collect();
        self.output_shape(&shapes)?;
        let refs: Vec<&Tensor> = inputs.iter().collect();
        Ok(vec![ops::concatenate(&refs, self.axis)?])
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let shapes: Vec<ShapeSpec> = inputs.iter().map(|s| s.shape.clone()).collect();
        Ok(vec![TensorSpec::new(
            self.output_shape(&shapes)?,
            self.base.compute_dtype(),
        )])
    }
    fn supports_masking(&self) -> bool {
        true
    }
    fn compute_mask(
        &self,
        inputs: &[Tensor],
        masks: &[Option<Tensor>],
    ) -> Result<Vec<Option<Tensor>>> {
        if masks.iter().all(Option::is_none) {
            return Ok(vec![None]);
        }
        let full = inputs
            .iter()
            .enumerate()
            .map(|(i, x)| match masks.get(i).and_then(Option::as_ref) {
                Some(m) => broadcast_mask(m, x),
                None => ops::ones(x.dims(), DType::Bool),
            })
            .collect::<Result<Vec<_>>>()?;
        let refs: Vec<&Tensor> = full.iter().collect();
        let joined = ops::concatenate(&refs, self.axis)?;
        Ok(vec![Some(ops::any(&joined, -1, false)?)])
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
    use crate::layers::normalization::test_util::{config, t};
    use crate::layers::LayerExt;

    #[test]
    fn config_matches_keras() {
        // keras.layers.Concatenate(axis=1, name="c").get_config()
        let expected = config(
            r#"{"name": "c", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "axis": 1}"#,
        );
        let c = Concatenate::new().named("c").axis(1);
        assert_eq!(c.get_config(), expected);
        assert_eq!(
            Concatenate::from_config(&expected).unwrap().get_config(),
            expected
        );
    }

    #[test]
    fn shapes() {
        let c = Concatenate::new().axis(1);
        let spec = |s: &[Option<usize>]| TensorSpec::new(s.to_vec(), DType::F32);
        let out = c
            .compute_output_spec(&[
                spec(&[None, Some(3), Some(2)]),
                spec(&[None, Some(4), None]),
            ])
            .unwrap();
        assert_eq!(out[0].shape, vec![None, Some(7), Some(2)]);
        let out = c
            .compute_output_spec(&[
                spec(&[None, None, Some(2)]),
                spec(&[None, Some(4), Some(2)]),
            ])
            .unwrap();
        assert_eq!(out[0].shape, vec![None, None, Some(2)]);
        let e = c
            .compute_output_spec(&[
                spec(&[None, Some(3), Some(2)]),
                spec(&[None, Some(3), Some(5)]),
            ])
            .unwrap_err();
        assert!(e.to_string().contains("matching shapes"), "{e}");
        assert!(c
            .compute_output_spec(&[spec(&[None, Some(3)]), spec(&[None, Some(3), Some(1)])])
            .is_err());
    }

    #[test]
    fn values_and_masks_match_keras() {
        let a = t(&[1.0, -2.0, 3.0, 4.0, 0.5, 6.0], &[1, 3, 2]);
        let b = t(&[2.0, 1.0, -1.0, 5.0, 7.0, -3.0], &[1, 3, 2]);
        let c = Concatenate::new().axis(1);
        let y = c
            .call_with(&[a.clone(), b.clone()], &CallArgs::inference())
            .unwrap();
        assert_eq!(y[0].dims(), &[1, 6, 2]);
        assert_eq!(
            y[0].to_vec::<f32>().unwrap(),
            vec![1.0, -2.0, 3.0, 4.0, 0.5, 6.0, 2.0, 1.0, -1.0, 5.0, 7.0, -3.0]
        );
        // keras.layers.Concatenate(axis=1).compute_mask([a, b], [[[True, False, True]], None])
        let ma = Tensor::from_vec(vec![true, false, true], [1, 3]).unwrap();
        let m = c
            .compute_mask(&[a.clone(), b.clone()], &[Some(ma.clone()), None])
            .unwrap();
        assert_eq!(
            m[0].as_ref().unwrap().to_vec::<bool>().unwrap(),
            vec![true, false, true, true, true, true]
        );
        assert!(c
            .compute_mask(&[a.clone(), b.clone()], &[None, None])
            .unwrap()[0]
            .is_none());
        // keras.layers.Concatenate().compute_mask([a, b], [[[T, F, T]], [[T, T, F]]]) is all true
        let mb = Tensor::from_vec(vec![true, true, false], [1, 3]).unwrap();
        let m = Concatenate::new()
            .compute_mask(&[a, b], &[Some(ma), Some(mb)])
            .unwrap();
        assert_eq!(
            m[0].as_ref().unwrap().to_vec::<bool>().unwrap(),
            vec![true, true, true]
        );
    }
}
