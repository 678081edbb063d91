//! `LayerNormalization`: normalizes each sample over its feature axes.

use std::sync::OnceLock;

use keras_ops::{ops, result_type, DType, Result, Tensor, Variable};
use serde_json::json;

use super::axis::AxisArg;
use crate::initializers::Initializer;
use crate::layers::keras_tensor::TensorSpec;
use crate::layers::shape::ShapeSpec;
use crate::layers::weight_options::WeightOptions;
use crate::layers::{CallArgs, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

const CLASS: &str = "LayerNormalization";

/// Layer normalization (Keras's `LayerNormalization`): `(x - mean) / sqrt(var + epsilon) *
/// gamma + beta`, with the statistics of each sample over `axis`. With the deprecated
/// `rms_scaling` it computes `x / sqrt(var + epsilon) * gamma` (no centering, no `beta`).
///
/// ```
/// use keras::layers::{LayerExt, LayerNormalization};
/// let ln = LayerNormalization::new();
/// let x = keras::Tensor::from_vec(vec![1.0f32, 3.0], [1, 2]).unwrap();
/// let y = ln.forward(&x).unwrap().to_vec::<f32>().unwrap();
/// assert!((y[0] + 1.0).abs() < 1e-3 && (y[1] - 1.0).abs() < 1e-3);
/// assert_eq!(ln.weights().len(), 2);
/// ```
pub struct LayerNormalization {
    base: LayerBase,
    axis: AxisArg,
    epsilon: f64,
    center: bool,
    scale: bool,
    rms_scaling: bool,
    beta: WeightOptions,
    gamma: WeightOptions,
    vars: OnceLock<(Option<Variable>, Option<Variable>)>,
}

impl Default for LayerNormalization {
    fn default() -> Self {
        Self::new()
    }
}

impl LayerNormalization {
    super::affine_setters!();

    /// Keras's defaults: `axis=-1`, `epsilon=1e-3`, with `gamma` and `beta`.
    pub fn new() -> LayerNormalization {
        LayerNormalization {
            base: LayerBase::new(CLASS, None),
            axis: AxisArg::One(-1),
            epsilon: 1e-3,
            center: true,
            scale: true,
            rms_scaling: false,
            beta: WeightOptions::new(Initializer::Zeros),
            gamma: WeightOptions::new(Initializer::Ones),
            vars: OnceLock::new(),
        }
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> Self {
        self.base = self.base.renamed(name);
        self
    }
    /// The axis or axes to normalize over (`-1`, `[1, 2]`).
    pub fn axis(mut self, axis: impl Into<AxisArg>) -> Self {
        self.axis = axis.into();
        self
    }
    /// Added to the variance before the square root.
    pub fn epsilon(mut self, epsilon: f64) -> Self {
        self.epsilon = epsilon;
        self
    }
    /// Keras's deprecated `rms_scaling` (scales by the variance, not the root mean square;
    /// prefer [`RMSNormalization`](crate::layers::RMSNormalization)).
    pub fn rms_scaling(mut self, rms_scaling: bool) -> Self {
        self.rms_scaling = rms_scaling;
        self
    }

    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<LayerNormalization> {
        Ok(LayerNormalization {
            base: LayerBase::from_config(CLASS, c)?,
            axis: c.get_or("axis", AxisArg::One(-1), CLASS)?,
            epsilon: c.get_or("epsilon", 1e-3, CLASS)?,
            center: c.get_or("center", true, CLASS)?,
            scale: c.get_or("scale", true, CLASS)?,
            rms_scaling: c.get_or("rms_scaling", false, CLASS)?,
            beta: WeightOptions::from_config(c, "beta", Initializer::Zeros)?,
            gamma: WeightOptions::from_config(c, "gamma", Initializer::Ones)?,
            vars: OnceLock::new(),
        })
    }
}

/// `v` (of the shape of the normalized axes) reshaped to broadcast against `x`.
fn broadcast_param(v: &Tensor, x: &Tensor, axes: &[usize]) -> Result<Tensor> {
    let dims: Vec<usize> = (0..x.rank())
        .map(|i| if axes.contains(&i) { x.dims()[i] } else { 1 })
        .collect();
    ops::reshape(&ops::cast(v, x.dtype())?, dims)
}

impl Layer for LayerNormalization {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        CLASS
    }
    /// Keras sets `autocast = False`: inputs keep their dtype (the layer computes its own
    /// precision).
    fn autocast(&self) -> bool {
        false
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("axis".into(), self.axis.to_json(self.base.is_built()));
        c.insert("epsilon".into(), json!(self.epsilon));
        c.insert("center".into(), json!(self.center));
        c.insert("scale".into(), json!(self.scale));
        c.insert("rms_scaling".into(), json!(self.rms_scaling));
        self.beta.write_initializer(&mut c, "beta");
        self.gamma.write_initializer(&mut c, "gamma");
        self.beta.write_regularizer(&mut c, "beta");
        self.gamma.write_regularizer(&mut c, "gamma");
        self.beta.write_constraint(&mut c, "beta");
        self.gamma.write_constraint(&mut c, "gamma");
        c
    }
    fn build(&self, shapes: &[ShapeSpec]) -> Result<()> {
        let shape = self.axis.feature_shape(&shapes[0], CLASS)?;
        let gamma = (self.scale || self.rms_scaling)
            .then(|| self.gamma.add(&self.base, "gamma", &shape))
            .transpose()?;
        let beta = (self.center && !self.rms_scaling)
            .then(|| self.beta.add(&self.base, "beta", &shape))
            .transpose()?;
        // Keras creates these variables with `autocast=False`: they are read in float32
        // even under a mixed dtype policy.
        self.base
            .own_weights()
            .iter()
            .for_each(|v| v.set_autocast(false));
        let _ = self.vars.set((gamma, beta));
        Ok(())
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        let (gamma, beta) = self.vars.get().expect("built before call");
        let x = &inputs[0];
        let (gamma, beta) = (
            gamma.as_ref().map(Variable::value),
            beta.as_ref().map(Variable::value),
        );
        let y = if self.rms_scaling {
            let axes = self.axis.resolve(x.rank(), CLASS)?;
            let dtype = result_type(&[x.dtype().into(), DType::F32.into()]);
            let xc = ops::cast(x, dtype)?;
            let ax: Vec<i64> = axes.iter().map(|&a| a as i64).collect();
            let inv = ops::rsqrt(&ops::add(&ops::var(&xc, ax, true)?, self.epsilon)?)?;
            let mut y = ops::multiply(&xc, &inv)?;
            if let Some(g) = &gamma {
                y = ops::multiply(&y, &broadcast_param(g, &xc, &axes)?)?;
            }
            ops::cast(&y, x.dtype())?
        } else {
            ops::layer_normalization(
                x,
                gamma.as_ref(),
                beta.as_ref(),
                self.axis.axes(),
                Some(self.epsilon),
            )?
        };
        Ok(vec![ops::cast(&y, self.base.compute_dtype())?])
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let x = &inputs[0];
        self.axis.resolve(x.shape.len(), CLASS)?;
        Ok(vec![TensorSpec::new(
            x.shape.clone(),
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
    use crate::layers::normalization::test_util::{close, config, ramp};
    use crate::layers::LayerExt;

    #[test]
    fn config_matches_keras() {
        // keras.layers.LayerNormalization(name="ln", axis=[1, 2], epsilon=1e-5).get_config()
        let expected = r#"{"name": "ln", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "axis": [1, 2], "epsilon": 1e-05, "center": true, "scale": true, "rms_scaling": false, "beta_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "gamma_initializer": {"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name": null}, "beta_regularizer": null, "gamma_regularizer": null, "beta_constraint": null, "gamma_constraint": null}"#;
        let expected = config(expected);
        let ln = LayerNormalization::new()
            .named("ln")
            .axis([1, 2])
            .epsilon(1e-5);
        assert_eq!(ln.get_config(), expected);
        assert_eq!(
            LayerNormalization::from_config(&expected)
                .unwrap()
                .get_config(),
            expected
        );
        // Keras writes `axis` as a list once built.
        let ln = LayerNormalization::new();
        assert_eq!(ln.get_config()["axis"], json!(-1));
        ln.ensure_built(&[vec![None, Some(3)]]).unwrap();
        assert_eq!(ln.get_config()["axis"], json!([-1]));
    }

    #[test]
    fn shapes_and_variables() {
        let ln = LayerNormalization::new().axis([1, 2]);
        let spec = TensorSpec::new(vec![None, Some(3), Some(4)], DType::F32);
        assert_eq!(
            ln.compute_output_spec(std::slice::from_ref(&spec)).unwrap()[0],
            spec
        );
        ln.ensure_built(&[spec.shape]).unwrap();
        assert!(ln.weights().iter().all(|v| v.shape().dims() == [3, 4]));
        let rms = LayerNormalization::new().rms_scaling(true);
        rms.ensure_built(&[vec![None, Some(4)]]).unwrap();
        let names: Vec<String> = rms.weights().iter().map(|v| v.name().to_string()).collect();
        assert_eq!(names, ["gamma"]);
        assert!(LayerNormalization::new()
            .axis(2)
            .compute_output_spec(&[TensorSpec::new(vec![None, Some(2)], DType::F32)])
            .is_err());
    }

    #[test]
    fn numerics_match_keras() {
        // x = np.arange(24).reshape(2, 3, 4) ** 1.3 / 10
        // ln = keras.layers.LayerNormalization(axis=[1, 2]); ln.build((None, 3, 4))
        // ln.set_weights([np.linspace(.5, 1.5, 12).reshape(3, 4), np.linspace(-1, 1, 12)...])
        let x = ramp();
        let ln = LayerNormalization::new().axis([1, 2]);
        ln.ensure_built(&[vec![None, Some(3), Some(4)]]).unwrap();
        let lin = |a: f32, b: f32| -> Tensor {
            let v: Vec<f32> = (0..12).map(|i| a + (b - a) * i as f32 / 11.0).collect();
            Tensor::from_vec(v, [3, 4]).unwrap()
        };
        ln.set_weights(&[lin(0.5, 1.5), lin(-1.0, 1.0)]).unwrap();
        close(
            &ln.forward(&x).unwrap(),
            &[
                -1.684336,
                -1.5457171,
                -1.3387797,
                -1.0691037,
                -0.73501563,
                -0.334136,
                0.13597763,
                0.6776862,
                1.2932352,
                1.98475,
                2.7542446,
                3.6036296,
                -1.7720675,
                -1.5756329,
                -1.32733,
                -1.0257268,
                -0.6694741,
                -0.25729346,
                0.21202898,
                0.73965263,
                1.326684,
                1.9741864,
                2.6831818,
                3.4546537,
            ],
        );
        // lr = keras.layers.LayerNormalization(rms_scaling=True); gamma = [1, 2, 3, 4]
        // lr(x.reshape(6, 4))
        let lr = LayerNormalization::new().rms_scaling(true);
        lr.ensure_built(&[vec![None, Some(4)]]).unwrap();
        lr.set_weights(&[Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [4]).unwrap()])
            .unwrap();
        let y = lr
            .forward(&ops::reshape(&x, &[6usize, 4][..]).unwrap())
            .unwrap();
        close(
            &y,
            &[
                0.0, 1.2467116, 4.6046457, 10.400485, 2.4854655, 6.643864, 12.631288, 20.578665,
                5.1994214, 12.119461, 20.847755, 31.46361, 7.933_04, 17.605986, 29.079819,
                42.411407, 10.673252, 23.096937, 37.317_82, 53.380234, 13.416602, 28.590294,
                45.55901, 64.35906,
            ],
        );
    }
}
