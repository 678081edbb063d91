//! `BatchNormalization`: normalizes with batch statistics while training and with their moving
//! averages at inference, optionally with batch renormalization.

use std::sync::OnceLock;

use keras_backend::bail;
use keras_ops::{config, normalize_axis, ops, result_type, DType, Result, Tensor, Variable};
use serde_json::{json, Value};

use crate::initializers::Initializer;
use crate::layers::keras_tensor::TensorSpec;
use crate::layers::shape::ShapeSpec;
use crate::layers::weight_options::WeightOptions;
use crate::layers::{CallArgs, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

const CLASS: &str = "BatchNormalization";

/// The variables of a built [`BatchNormalization`].
struct BnVars {
    gamma: Option<Variable>,
    beta: Option<Variable>,
    moving_mean: Variable,
    moving_variance: Variable,
    renorm: Option<RenormVars>,
}

/// The extra state of batch renormalization.
struct RenormVars {
    moving_stddev: Variable,
    renorm_mean: Variable,
    renorm_stddev: Variable,
}

/// Batch normalization (Keras's `BatchNormalization`): `(x - mean) / sqrt(var + epsilon) *
/// gamma + beta` over `axis`. In training mode (and when the layer is trainable) it uses the
/// batch statistics (masked entries excluded) and updates
/// `moving = moving * momentum + batch * (1 - momentum)`; otherwise it uses the moving ones.
///
/// ```
/// use keras::layers::{BatchNormalization, LayerExt};
/// let bn = BatchNormalization::new().momentum(0.9);
/// let x = keras::Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2]).unwrap();
/// let y = bn.forward_train(&x).unwrap();
/// assert_eq!(y.dims(), &[2, 2]);
/// // gamma, beta, moving_mean, moving_variance
/// assert_eq!(bn.weights().len(), 4);
/// assert_eq!(bn.non_trainable_weights().len(), 2);
/// ```
pub struct BatchNormalization {
    base: LayerBase,
    axis: i64,
    momentum: f64,
    epsilon: f64,
    center: bool,
    scale: bool,
    beta: WeightOptions,
    gamma: WeightOptions,
    moving_mean_initializer: Initializer,
    moving_variance_initializer: Initializer,
    synchronized: bool,
    renorm: bool,
    renorm_clipping: Option<Config>,
    renorm_momentum: f64,
    vars: OnceLock<BnVars>,
}

impl Default for BatchNormalization {
    fn default() -> Self {
        Self::new()
    }
}

impl BatchNormalization {
    super::affine_setters!();

    /// Keras's defaults: `axis=-1`, `momentum=0.99`, `epsilon=1e-3`, with `gamma` and `beta`.
    pub fn new() -> BatchNormalization {
        BatchNormalization {
            base: LayerBase::new(CLASS, None),
            axis: -1,
            momentum: 0.99,
            epsilon: 1e-3,
            center: true,
            scale: true,
            beta: WeightOptions::new(Initializer::Zeros),
            gamma: WeightOptions::new(Initializer::Ones),
            moving_mean_initializer: Initializer::Zeros,
            moving_variance_initializer: Initializer::Ones,
            synchronized: false,
            renorm: false,
            renorm_clipping: None,
            renorm_momentum: 0.99,
            vars: OnceLock::new(),
        }
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> Self {
        self.base = self.base.renamed(name);
        self
    }
    /// The features axis (usually the channels axis).
    pub fn axis(mut self, axis: i64) -> Self {
        self.axis = axis;
        self
    }
    /// Momentum of the moving averages.
    pub fn momentum(mut self, momentum: f64) -> Self {
        self.momentum = momentum;
        self
    }
    /// Added to the variance before the square root.
    pub fn epsilon(mut self, epsilon: f64) -> Self {
        self.epsilon = epsilon;
        self
    }
    /// How `beta` is initialized, regularized and constrained.
    pub fn beta_options(mut self, options: WeightOptions) -> Self {
        self.beta = options;
        self
    }
    /// How `gamma` is initialized, regularized and constrained.
    pub fn gamma_options(mut self, options: WeightOptions) -> Self {
        self.gamma = options;
        self
    }
    /// The `moving_mean` initializer.
    pub fn moving_mean_initializer(mut self, init: Initializer) -> Self {
        self.moving_mean_initializer = init;
        self
    }
    /// The `moving_variance` initializer.
    pub fn moving_variance_initializer(mut self, init: Initializer) -> Self {
        self.moving_variance_initializer = init;
        self
    }
    /// Synchronize statistics across replicas. This runs in one process, where the batch
    /// statistics are already global, so the flag is kept for configs only.
    pub fn synchronized(mut self, synchronized: bool) -> Self {
        self.synchronized = synchronized;
        self
    }
    /// Batch renormalization, with optional `rmin`/`rmax`/`dmax` clipping of its corrections
    /// (`{"rmax": 3.0, "dmax": 5.0}`) and the momentum of its statistics.
    pub fn renorm(
        mut self,
        clipping: Option<Config>,
        renorm_momentum: f64,
    ) -> Result<BatchNormalization> {
        self.renorm = true;
        self.renorm_clipping = Some(check_clipping(clipping.unwrap_or_default())?);
        self.renorm_momentum = renorm_momentum;
        Ok(self)
    }

    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<BatchNormalization> {
        let renorm: bool = c.get_or("renorm", false, CLASS)?;
        let clipping: Option<Config> = c.get_or("renorm_clipping", None, CLASS)?;
        Ok(BatchNormalization {
            base: LayerBase::from_config(CLASS, c)?,
            axis: c.get_or("axis", -1, CLASS)?,
            momentum: c.get_or("momentum", 0.99, CLASS)?,
            epsilon: c.get_or("epsilon", 1e-3, CLASS)?,
            center: c.get_or("center", true, CLASS)?,
            scale: c.get_or("scale", true, CLASS)?,
            beta: WeightOptions::from_config(c, "beta", Initializer::Zeros)?,
            gamma: WeightOptions::from_config(c, "gamma", Initializer::Ones)?,
            moving_mean_initializer: crate::initializers::from_config(
                c,
                "moving_mean_initializer",
                Initializer::Zeros,
            )?,
            moving_variance_initializer: crate::initializers::from_config(
                c,
                "moving_variance_initializer",
                Initializer::Ones,
            )?,
            synchronized: c.get_or("synchronized", false, CLASS)?,
            renorm,
            renorm_clipping: if renorm {
                Some(check_clipping(clipping.unwrap_or_default())?)
            } else {
                clipping
            },
            renorm_momentum: c.get_or("renorm_momentum", 0.99, CLASS)?,
            vars: OnceLock::new(),
        })
    }

    /// A clipping bound (`"rmin"`, `"rmax"`, `"dmax"`), if set.
    fn clip(&self, key: &str) -> Option<f64> {
        self.renorm_clipping
            .as_ref()
            .and_then(|c| c.get(key))
            .and_then(Value::as_f64)
    }

    /// Batch mean and variance over every axis but the features axis, leaving out the
    /// entries whose mask is false (the mask has one dim less than the input).
    fn moments(&self, x: &Tensor, axis: usize, mask: Option<&Tensor>) -> Result<(Tensor, Tensor)> {
        let reduce: Vec<i64> = (0..x.rank() as i64).filter(|&a| a != axis as i64).collect();
        let Some(mask) = mask else {
            return ops::moments(x, reduce, false);
        };
        let m = ops::broadcast_to(
            &ops::expand_dims(&ops::cast(mask, DType::Bool)?, -1)?,
            x.dims(),
        )?;
        let weights = ops::add(
            &ops::sum(&ops::cast(&m, x.dtype())?, reduce.clone(), true)?,
            config::epsilon(),
        )?;
        let mean = ops::divide(
            &ops::sum(&ops::where_(&m, x, 0.0)?, reduce.clone(), true)?,
            &weights,
        )?;
        let diff = ops::where_(&m, &ops::subtract(x, &mean)?, 0.0)?;
        let var = ops::divide(&ops::sum(&ops::square(&diff)?, reduce, true)?, &weights)?;
        let n = [x.dims()[axis]];
        Ok((ops::reshape(&mean, &n[..])?, ops::reshape(&var, &n[..])?))
    }

    /// Batch renormalization in training: the effective `(gamma, beta)` that apply the
    /// clipped corrections `r` and `d`, after updating the statistics.
    fn renorm_transforms(
        &self,
        rv: &RenormVars,
        mean: &Tensor,
        var: &Tensor,
        gamma: Option<Tensor>,
        beta: Option<Tensor>,
    ) -> Result<(Tensor, Tensor)> {
        let dtype = mean.dtype();
        let stddev = ops::sqrt(&ops::add(var, self.epsilon)?)?;
        let renorm_mean = ops::cast(&rv.renorm_mean.value(), dtype)?;
        let renorm_stddev = ops::cast(&rv.renorm_stddev.value(), dtype)?;
        let floor = ops::maximum(&renorm_stddev, self.epsilon.sqrt())?;
        let mut r = ops::divide(&stddev, &floor)?;
        let mut d = ops::divide(&ops::subtract(mean, &renorm_mean)?, &floor)?;
        if let Some(rmin) = self.clip("rmin") {
            r = ops::maximum(&r, rmin)?;
        }
        if let Some(rmax) = self.clip("rmax") {
            r = ops::minimum(&r, rmax)?;
        }
        if let Some(dmax) = self.clip("dmax") {
            d = ops::minimum(&ops::maximum(&d, -dmax)?, dmax)?;
        }
        let (r, d) = (ops::stop_gradient(&r), ops::stop_gradient(&d));
        let (mut g, mut b) = match &gamma {
            Some(g) => (ops::multiply(&r, g)?, ops::multiply(&d, g)?),
            None => (r, d),
        };
        if let Some(beta) = &beta {
            b = ops::add(&b, beta)?;
        }
        // Update the renorm and the moving statistics (the moving variance follows the
        // moving stddev).
        let ema = |old: &Tensor, new: &Tensor, m: f64| -> Result<Tensor> {
            ops::add(&ops::multiply(old, m)?, &ops::multiply(new, 1.0 - m)?)
        };
        rv.renorm_mean
            .assign(&ema(&renorm_mean, mean, self.renorm_momentum)?)?;
        rv.renorm_stddev
            .assign(&ema(&renorm_stddev, &stddev, self.renorm_momentum)?)?;
        let vars = self.vars.get().expect("built before call");
        let moving_mean = ops::cast(&vars.moving_mean.value(), dtype)?;
        vars.moving_mean
            .assign(&ema(&moving_mean, mean, self.momentum)?)?;
        let moving_stddev = ema(
            &ops::cast(&rv.moving_stddev.value(), dtype)?,
            &stddev,
            self.momentum,
        )?;
        rv.moving_stddev.assign(&moving_stddev)?;
        vars.moving_variance.assign(&ops::relu(&ops::subtract(
            &ops::square(&moving_stddev)?,
            self.epsilon,
        )?)?)?;
        g = ops::cast(&g, dtype)?;
        Ok((g, b))
    }
}

/// Checks the keys and bounds of `renorm_clipping`.
fn check_clipping(c: Config) -> Result<Config> {
    if let Some(k) = c
        .keys()
        .find(|k| !["rmax", "rmin", "dmax"].contains(&k.as_str()))
    {
        bail!(
            CLASS,
            "invalid key {k:?} in renorm_clipping {}; supported keys: rmax, rmin, dmax",
            Value::Object(c.clone())
        );
    }
    let get = |k: &str| c.get(k).and_then(Value::as_f64);
    if let (Some(rmax), Some(rmin)) = (get("rmax"), get("rmin")) {
        if rmax < rmin {
            bail!(
                CLASS,
                "renorm_clipping rmax ({rmax}) must be >= rmin ({rmin})"
            );
        }
    }
    if let Some(dmax) = get("dmax").filter(|d| *d < 0.0) {
        bail!(
            CLASS,
            "renorm_clipping dmax must be non-negative, got {dmax}"
        );
    }
    Ok(c)
}

impl Layer for BatchNormalization {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        CLASS
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("axis".into(), json!(self.axis));
        c.insert("momentum".into(), json!(self.momentum));
        c.insert("epsilon".into(), json!(self.epsilon));
        c.insert("center".into(), json!(self.center));
        c.insert("scale".into(), json!(self.scale));
        self.beta.write_initializer(&mut c, "beta");
        self.gamma.write_initializer(&mut c, "gamma");
        c.insert(
            "moving_mean_initializer".into(),
            self.moving_mean_initializer.to_json(),
        );
        c.insert(
            "moving_variance_initializer".into(),
            self.moving_variance_initializer.to_json(),
        );
        self.beta.write_regularizer(&mut c, "beta");
        self.gamma.write_regularizer(&mut c, "gamma");
        self.beta.write_constraint(&mut c, "beta");
        self.gamma.write_constraint(&mut c, "gamma");
        c.insert("synchronized".into(), json!(self.synchronized));
        c.insert("renorm".into(), json!(self.renorm));
        c.insert(
            "renorm_clipping".into(),
            self.renorm_clipping
                .clone()
                .map_or(Value::Null, Value::Object),
        );
        c.insert("renorm_momentum".into(), json!(self.renorm_momentum));
        c
    }
    fn build(&self, shapes: &[ShapeSpec]) -> Result<()> {
        let shape = &shapes[0];
        let axis = normalize_axis(self.axis, shape.len(), CLASS)?;
        let Some(n) = shape[axis] else {
            bail!(
                CLASS,
                "layer {:?} needs a known size on axis {}, got input shape {}",
                self.base.name(),
                self.axis,
                crate::layers::shape_display(shape)
            );
        };
        let b = &self.base;
        let gamma = self
            .scale
            .then(|| self.gamma.add(b, "gamma", &[n]))
            .transpose()?;
        let beta = self
            .center
            .then(|| self.beta.add(b, "beta", &[n]))
            .transpose()?;
        let moving_mean =
            b.add_weight("moving_mean", &[n], &self.moving_mean_initializer, false)?;
        let moving_variance = b.add_weight(
            "moving_variance",
            &[n],
            &self.moving_variance_initializer,
            false,
        )?;
        let renorm = if self.renorm {
            // The stddevs start at the square root of the variance initializer's values.
            let stddev = |name: &str| -> Result<Variable> {
                let v = b.add_weight(name, &[n], &self.moving_variance_initializer, false)?;
                v.assign(&ops::sqrt(&v.value())?)?;
                Ok(v)
            };
            let moving_stddev = stddev("moving_stddev")?;
            let renorm_mean =
                b.add_weight("renorm_mean", &[n], &self.moving_mean_initializer, false)?;
            Some(RenormVars {
                moving_stddev,
                renorm_mean,
                renorm_stddev: stddev("renorm_stddev")?,
            })
        } else {
            None
        };
        // Keras creates these variables with `autocast=False`: they are read in float32
        // even under a mixed dtype policy.
        self.base
            .own_weights()
            .iter()
            .for_each(|v| v.set_autocast(false));
        let _ = self.vars.set(BnVars {
            gamma,
            beta,
            moving_mean,
            moving_variance,
            renorm,
        });
        Ok(())
    }
    fn call(&self, inputs: &[Tensor], args: &CallArgs) -> Result<Vec<Tensor>> {
        let vars = self.vars.get().expect("built before call");
        let x = &inputs[0];
        let axis = normalize_axis(self.axis, x.rank(), CLASS)?;
        let mask = args.mask(0);
        if let Some(m) = mask {
            if m.rank() + 1 != x.rank() {
                bail!(
                    CLASS,
                    "layer {:?}: the mask must have one dim less than the inputs, got mask \
                     shape {} and input shape {}",
                    self.base.name(),
                    m.shape(),
                    x.shape()
                );
            }
        }
        let dtype = result_type(&[x.dtype().into(), DType::F32.into()]);
        let x = ops::cast(x, dtype)?;
        let cast = |v: &Variable| ops::cast(&v.value(), dtype);
        let moving_mean = cast(&vars.moving_mean)?;
        let moving_variance = cast(&vars.moving_variance)?;
        let mut gamma = vars.gamma.as_ref().map(cast).transpose()?;
        let mut beta = vars.beta.as_ref().map(cast).transpose()?;
        let (mean, variance) = if args.training && self.base.trainable() {
            let (mean, variance) = self.moments(&x, axis, mask)?;
            if let Some(rv) = &vars.renorm {
                let (g, b) = self.renorm_transforms(rv, &mean, &variance, gamma, beta)?;
                (gamma, beta) = (Some(g), Some(b));
            } else {
                let m = self.momentum;
                vars.moving_mean.assign(&ops::add(
                    &ops::multiply(&moving_mean, m)?,
                    &ops::multiply(&mean, 1.0 - m)?,
                )?)?;
                vars.moving_variance.assign(&ops::add(
                    &ops::multiply(&moving_variance, m)?,
                    &ops::multiply(&variance, 1.0 - m)?,
                )?)?;
            }
            (mean, variance)
        } else {
            (moving_mean, moving_variance)
        };
        let y = ops::batch_normalization(
            &x,
            &mean,
            &variance,
            axis as i64,
            beta.as_ref(),
            gamma.as_ref(),
            self.epsilon,
        )?;
        Ok(vec![ops::cast(&y, self.base.compute_dtype())?])
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let x = &inputs[0];
        normalize_axis(self.axis, x.shape.len(), CLASS)?;
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
    use crate::layers::normalization::test_util::{close, config, t};
    use crate::layers::LayerExt;

    /// `np.arange(12).reshape(4, 3) * 0.5 - 1` with `x[1, 2] = 4`.
    fn input() -> Tensor {
        let mut v: Vec<f32> = (0..12).map(|i| i as f32 * 0.5 - 1.0).collect();
        v[5] = 4.0;
        t(&v, &[4, 3])
    }

    #[test]
    fn config_matches_keras() {
        // keras.layers.BatchNormalization(name="bn").get_config()
        let expected = r#"{"name": "bn", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "axis": -1, "momentum": 0.99, "epsilon": 0.001, "center": true, "scale": true, "beta_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "gamma_initializer": {"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name": null}, "moving_mean_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "moving_variance_initializer": {"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name": null}, "beta_regularizer": null, "gamma_regularizer": null, "beta_constraint": null, "gamma_constraint": null, "synchronized": false, "renorm": false, "renorm_clipping": null, "renorm_momentum": 0.99}"#;
        let expected = config(expected);
        let bn = BatchNormalization::new().named("bn");
        assert_eq!(bn.get_config(), expected);
        let back = BatchNormalization::from_config(&expected).unwrap();
        assert_eq!(back.get_config(), expected);
        // renorm=True with renorm_clipping=None writes {} as Keras does.
        let r = BatchNormalization::new().renorm(None, 0.9).unwrap();
        assert_eq!(r.get_config()["renorm_clipping"], json!({}));
        let mut bad = Config::new();
        bad.insert("x".into(), json!(1.0));
        assert!(BatchNormalization::new().renorm(Some(bad), 0.9).is_err());
    }

    #[test]
    fn output_spec_and_variables() {
        let bn = BatchNormalization::new().axis(1);
        let spec = TensorSpec::new(vec![None, Some(5), Some(7)], DType::F32);
        assert_eq!(
            bn.compute_output_spec(std::slice::from_ref(&spec)).unwrap()[0],
            spec
        );
        bn.ensure_built(&[spec.shape]).unwrap();
        let names: Vec<String> = bn.weights().iter().map(|v| v.name().to_string()).collect();
        assert_eq!(names, ["gamma", "beta", "moving_mean", "moving_variance"]);
        assert!(bn.weights().iter().all(|v| v.shape().dims() == [5]));
        assert_eq!(bn.trainable_weights().len(), 2);
        let no_affine = BatchNormalization::new().center(false).scale(false);
        no_affine.ensure_built(&[vec![None, Some(3)]]).unwrap();
        assert_eq!(no_affine.weights().len(), 2);
        let bad = BatchNormalization::new().axis(3);
        assert!(bad
            .compute_output_spec(&[TensorSpec::new(vec![None, Some(2)], DType::F32)])
            .is_err());
    }

    #[test]
    fn training_and_inference_match_keras() {
        // bn = keras.layers.BatchNormalization(momentum=0.9); bn.build((None, 3));
        // bn.set_weights([[1, 2, .5], [0, .1, -.1], [.1, .2, .3], [1, 2, .5]])
        let bn = BatchNormalization::new().momentum(0.9);
        bn.ensure_built(&[vec![None, Some(3)]]).unwrap();
        bn.set_weights(&[
            t(&[1.0, 2.0, 0.5], &[3]),
            t(&[0.0, 0.1, -0.1], &[3]),
            t(&[0.1, 0.2, 0.3], &[3]),
            t(&[1.0, 2.0, 0.5], &[3]),
        ])
        .unwrap();
        let x = input();
        // bn(x)
        close(
            &bn.forward(&x).unwrap(),
            &[
                -1.0994503,
                -0.8897021,
                -0.31192023,
                0.39980012,
                1.231088,
                2.5136828,
                1.8990506,
                3.3518782,
                1.807282,
                3.398301,
                5.472668,
                2.8668833,
            ],
        );
        // bn(x, training=True), then the moving statistics
        close(
            &bn.forward_train(&x).unwrap(),
            &[
                -1.3414023,
                -2.5828047,
                -0.923397,
                -0.4471341,
                -0.79426813,
                0.22219878,
                0.44713414,
                0.9942683,
                -0.06420016,
                1.3414023,
                2.782805,
                0.36539823,
            ],
        );
        let w = bn.get_weights();
        close(&w[2], &[0.215, 0.355, 0.5575]);
        close(&w[3], &[1.18125, 2.08125, 0.7546875]);
    }

    #[test]
    fn masked_training_matches_keras() {
        // bn = keras.layers.BatchNormalization(momentum=0.5)
        // bn(x.reshape(1, 4, 3), training=True, mask=[[True, True, False, True]])
        let bn = BatchNormalization::new().momentum(0.5);
        let x = ops::reshape(&input(), &[1usize, 4, 3][..]).unwrap();
        let mask = Tensor::from_vec(vec![true, true, false, true], [1, 4]).unwrap();
        let args = CallArgs {
            training: true,
            masks: vec![Some(mask)],
        };
        let y = bn.call_with(&[x], &args).unwrap();
        close(
            &y[0],
            &[
                -1.0688922,
                -1.0688922,
                -1.4067565,
                -0.26722306,
                -0.26722306,
                0.5792527,
                0.5344461,
                0.5344462,
                0.08275044,
                1.3361152,
                1.3361154,
                0.8275038,
            ],
        );
        let w = bn.get_weights();
        close(&w[2], &[0.5, 0.75, 1.4166666]);
        close(&w[3], &[2.25, 2.25, 2.527_778]);
    }

    #[test]
    fn renorm_matches_keras() {
        // keras.layers.BatchNormalization(renorm=True, renorm_clipping={"rmax": 1.5,
        //     "dmax": 0.5}, momentum=0.5, renorm_momentum=0.8)(x, training=True)
        let mut clip = Config::new();
        clip.insert("rmax".into(), json!(1.5));
        clip.insert("dmax".into(), json!(0.5));
        let bn = BatchNormalization::new()
            .momentum(0.5)
            .renorm(Some(clip), 0.8)
            .unwrap();
        close(
            &bn.forward_train(&input()).unwrap(),
            &[
                -1.5121036,
                -1.5121037,
                -1.970191,
                -0.17070115,
                -0.17070127,
                1.4665964,
                1.1707013,
                1.170701,
                0.60739946,
                2.5121038,
                2.5121036,
                1.8961947,
            ],
        );
        let names: Vec<String> = bn.weights().iter().map(|v| v.name().to_string()).collect();
        assert_eq!(
            names,
            [
                "gamma",
                "beta",
                "moving_mean",
                "moving_variance",
                "moving_stddev",
                "renorm_mean",
                "renorm_stddev"
            ]
        );
        let w = bn.get_weights();
        close(&w[2], &[0.625, 0.875, 1.4375]);
        close(&w[3], &[1.7910495, 1.7910495, 1.8838767]);
        close(&w[4], &[1.3386745, 1.3386745, 1.3729081]);
        close(&w[5], &[0.25, 0.35, 0.575]);
        close(&w[6], &[1.1354698, 1.1354698, 1.1491632]);
    }
}
