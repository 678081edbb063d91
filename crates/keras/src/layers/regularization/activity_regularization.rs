//! `ActivityRegularization`: adds an L1/L2 penalty on its input to the layer's losses.

use keras_ops::{ops, Result, Tensor};
use serde_json::json;

use crate::layers::{CallArgs, Layer, LayerBase};
use crate::regularizers::Regularizer;
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// Records the activity penalty of output `y` as the layer's call loss, as Keras's
/// `Layer.__call__` does for an `activity_regularizer`: the penalty divided by the batch
/// size (the first dim; no division for scalars).
pub(crate) fn record_activity(
    base: &LayerBase,
    regularizer: Option<&Regularizer>,
    y: &Tensor,
) -> Result<()> {
    let Some(r) = regularizer else {
        return Ok(());
    };
    let mut loss = r.penalty(y)?;
    if y.rank() > 0 {
        loss = ops::divide_no_nan(&loss, y.dims()[0] as f64)?;
    }
    base.set_call_losses(vec![loss]);
    Ok(())
}

/// Passes its input through and records `l1 · Σ|x| + l2 · Σx²`, divided by the batch
/// size, in [`LayerBase::losses`] (Keras's `ActivityRegularization`).
///
/// ```
/// use keras::layers::{ActivityRegularization, Layer, LayerExt};
/// let layer = ActivityRegularization::new(0.1, 0.0);
/// let x = keras::Tensor::from_vec(vec![1.0f32, -2.0, 3.0, 4.0], [2, 2]).unwrap();
/// layer.forward(&x).unwrap();
/// let loss = layer.base().losses().unwrap()[0].item().unwrap();
/// assert!((loss - 0.5).abs() < 1e-6);
/// ```
pub struct ActivityRegularization {
    base: LayerBase,
    l1: f64,
    l2: f64,
}

impl ActivityRegularization {
    /// The L1 and L2 factors (Keras's defaults are 0).
    pub fn new(l1: f64, l2: f64) -> ActivityRegularization {
        ActivityRegularization {
            base: LayerBase::new("ActivityRegularization", None).built_at_construction(),
            l1,
            l2,
        }
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> ActivityRegularization {
        self.base = self.base.renamed(name);
        self
    }
    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<ActivityRegularization> {
        let n = "ActivityRegularization";
        Ok(ActivityRegularization {
            base: LayerBase::from_config(n, c)?.built_at_construction(),
            l1: c.get_or("l1", 0.0, n)?,
            l2: c.get_or("l2", 0.0, n)?,
        })
    }
}

impl Layer for ActivityRegularization {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "ActivityRegularization"
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("l1".into(), json!(self.l1));
        c.insert("l2".into(), json!(self.l2));
        c
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        let r = Regularizer::L1L2 {
            l1: self.l1,
            l2: self.l2,
        };
        record_activity(&self.base, Some(&r), &inputs[0])?;
        Ok(vec![inputs[0].clone()])
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

    #[test]
    fn config_matches_keras() {
        // keras.layers.ActivityRegularization().get_config()
        let expected = r#"{"name": "activity_regularization", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "l1": 0.0, "l2": 0.0}"#;
        let c = ActivityRegularization::new(0.0, 0.0)
            .named("activity_regularization")
            .get_config();
        crate::layers::testing::assert_keras_config(&c, expected);
        assert_eq!(
            ActivityRegularization::from_config(&c)
                .unwrap()
                .get_config(),
            c
        );
    }

    #[test]
    fn penalty_per_sample() {
        // l = keras.layers.ActivityRegularization(l1=0.1, l2=0.01)
        // l(np.array([[1., -2.], [3., 4.]])); l.losses -> [0.65]
        let l = ActivityRegularization::new(0.1, 0.01);
        let x = Tensor::from_vec(vec![1.0f32, -2.0, 3.0, 4.0], [2, 2]).unwrap();
        let y = l.forward(&x).unwrap();
        assert_eq!(y.to_vec::<f32>().unwrap(), x.to_vec::<f32>().unwrap());
        let losses = l.base().losses().unwrap();
        assert_eq!(losses.len(), 1);
        assert!((losses[0].item().unwrap() - 0.65).abs() < 1e-6);
        // A second call replaces the loss instead of adding one.
        l.forward(&x).unwrap();
        assert_eq!(l.base().losses().unwrap().len(), 1);
        let spec = TensorSpec::new(vec![None, Some(2)], DType::F32);
        assert_eq!(
            l.compute_output_spec(&[spec]).unwrap()[0].shape,
            vec![None, Some(2)]
        );
    }
}
