//! `GroupNormalization`: normalizes each sample over groups of channels.

use std::sync::OnceLock;

use keras_backend::bail;
use keras_ops::{normalize_axis, ops, result_type, DType, Result, Tensor, Variable};
use serde_json::json;

use crate::initializers::Initializer;
use crate::layers::keras_tensor::TensorSpec;
use crate::layers::shape::ShapeSpec;
use crate::layers::weight_options::WeightOptions;
use crate::layers::{shape_display, CallArgs, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

const CLASS: &str = "GroupNormalization";

/// Group normalization (Keras's `GroupNormalization`): the channels on `axis` are split into
/// `groups`, and each sample is normalized over each group (with all other non-batch axes),
/// then scaled by `gamma` and shifted by `beta` per channel. `groups = -1` makes one group
/// per channel (instance normalization).
///
/// ```
/// use keras::layers::{GroupNormalization, LayerExt};
/// let gn = GroupNormalization::new(2).unwrap();
/// let x = keras::ops::ones(&[2, 5, 4], keras::DType::F32).unwrap();
/// assert_eq!(gn.forward(&x).unwrap().dims(), &[2, 5, 4]);
/// assert_eq!(gn.weights().len(), 2);
/// ```
pub struct GroupNormalization {
    base: LayerBase,
    groups: i64,
    axis: i64,
    epsilon: f64,
    center: bool,
    scale: bool,
    beta: WeightOptions,
    gamma: WeightOptions,
    /// The group count once built (`groups = -1` resolves to the channel count).
    resolved_groups: OnceLock<usize>,
    vars: OnceLock<(Option<Variable>, Option<Variable>)>,
}

impl GroupNormalization {
    super::affine_setters!();

    /// `groups` groups (a positive count, or `-1` for one per channel), with Keras's other
    /// defaults (`axis=-1`, `epsilon=1e-3`, `gamma` and `beta`).
    pub fn new(groups: i64) -> Result<GroupNormalization> {
        if groups <= 0 && groups != -1 {
            bail!(
                CLASS,
                "groups must be a positive integer or -1 (instance normalization), got {groups}"
            );
        }
        Ok(GroupNormalization {
            base: LayerBase::new(CLASS, None),
            groups,
            axis: -1,
            epsilon: 1e-3,
            center: true,
            scale: true,
            beta: WeightOptions::new(Initializer::Zeros),
            gamma: WeightOptions::new(Initializer::Ones),
            resolved_groups: OnceLock::new(),
            vars: OnceLock::new(),
        })
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> Self {
        self.base = self.base.renamed(name);
        self
    }
    /// The channels axis.
    pub fn axis(mut self, axis: i64) -> Self {
        self.axis = axis;
        self
    }
    /// Added to the variance before the square root.
    pub fn epsilon(mut self, epsilon: f64) -> Self {
        self.epsilon = epsilon;
        self
    }

    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<GroupNormalization> {
        let mut layer = GroupNormalization::new(c.get_or("groups", 32, CLASS)?)?;
        layer.base = LayerBase::from_config(CLASS, c)?;
        layer.axis = c.get_or("axis", -1, CLASS)?;
        layer.epsilon = c.get_or("epsilon", 1e-3, CLASS)?;
        layer.center = c.get_or("center", true, CLASS)?;
        layer.scale = c.get_or("scale", true, CLASS)?;
        layer.beta = WeightOptions::from_config(c, "beta", Initializer::Zeros)?;
        layer.gamma = WeightOptions::from_config(c, "gamma", Initializer::Ones)?;
        Ok(layer)
    }
}

impl Layer for GroupNormalization {
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
        let groups = self
            .resolved_groups
            .get()
            .map_or(self.groups, |&g| g as i64);
        let mut c = Config::new();
        c.insert("groups".into(), json!(groups));
        c.insert("axis".into(), json!(self.axis));
        c.insert("epsilon".into(), json!(self.epsilon));
        c.insert("center".into(), json!(self.center));
        c.insert("scale".into(), json!(self.scale));
        self.beta.write_initializer(&mut c, "beta");
        self.gamma.write_initializer(&mut c, "gamma");
        self.beta.write_regularizer(&mut c, "beta");
        self.gamma.write_regularizer(&mut c, "gamma");
        self.beta.write_constraint(&mut c, "beta");
        self.gamma.write_constraint(&mut c, "gamma");
        c
    }
    fn build(&self, shapes: &[ShapeSpec]) -> Result<()> {
        let shape = &shapes[0];
        let axis = normalize_axis(self.axis, shape.len(), CLASS)?;
        let Some(dim) = shape[axis] else {
            bail!(
                CLASS,
                "axis {} of the input must have a known size, got input shape {}",
                self.axis,
                shape_display(shape)
            );
        };
        let groups = if self.groups == -1 {
            dim
        } else {
            self.groups as usize
        };
        if dim < groups {
            bail!(
                CLASS,
                "the number of groups ({groups}) cannot be more than the number of channels \
                 ({dim}) of input shape {}",
                shape_display(shape)
            );
        }
        if dim % groups != 0 {
            bail!(
                CLASS,
                "the number of channels ({dim}) of input shape {} must be a multiple of the \
                 number of groups ({groups})",
                shape_display(shape)
            );
        }
        let gamma = self
            .scale
            .then(|| self.gamma.add(&self.base, "gamma", &[dim]))
            .transpose()?;
        let beta = self
            .center
            .then(|| self.beta.add(&self.base, "beta", &[dim]))
            .transpose()?;
        let _ = self.resolved_groups.set(groups);
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
        let groups = *self.resolved_groups.get().expect("built before call");
        let x = &inputs[0];
        let axis = normalize_axis(self.axis, x.rank(), CLASS)?;
        let channels = x.dims()[axis];
        if !channels.is_multiple_of(groups) {
            bail!(
                CLASS,
                "layer {:?} has {groups} groups but got {channels} channels (input shape {})",
                self.base.name(),
                x.shape()
            );
        }
        // Split the channels axis into (groups, channels / groups).
        let mut grouped: Vec<usize> = x.dims().to_vec();
        grouped.splice(axis..=axis, [groups, channels / groups]);
        let mut param_shape = vec![1usize; x.rank() + 1];
        param_shape[axis] = groups;
        param_shape[axis + 1] = channels / groups;
        let dtype = result_type(&[x.dtype().into(), DType::F32.into()]);
        let xg = ops::cast(&ops::reshape(x, grouped)?, dtype)?;
        let reduce: Vec<i64> = (1..=x.rank() as i64)
            .filter(|&a| a != axis as i64)
            .collect();
        let (mean, var) = ops::moments(&xg, reduce, true)?;
        let param =
            |v: &Variable| ops::cast(&ops::reshape(&v.value(), param_shape.clone())?, dtype);
        let mut inv = ops::rsqrt(&ops::add(&var, self.epsilon)?)?;
        if let Some(g) = gamma {
            inv = ops::multiply(&inv, &param(g)?)?;
        }
        let mut res = ops::multiply(&ops::negative(&mean)?, &inv)?;
        if let Some(b) = beta {
            res = ops::add(&res, &param(b)?)?;
        }
        let y = ops::add(&ops::multiply(&xg, &inv)?, &res)?;
        let y = ops::reshape(&ops::cast(&y, x.dtype())?, x.dims())?;
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
    use crate::layers::normalization::test_util::{close, config, ramp, t};
    use crate::layers::LayerExt;

    #[test]
    fn config_matches_keras() {
        // keras.layers.GroupNormalization(groups=2, name="gn", center=False).get_config()
        let expected = config(
            r#"{"name": "gn", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "groups": 2, "axis": -1, "epsilon": 0.001, "center": false, "scale": true, "beta_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "gamma_initializer": {"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name": null}, "beta_regularizer": null, "gamma_regularizer": null, "beta_constraint": null, "gamma_constraint": null}"#,
        );
        let gn = GroupNormalization::new(2)
            .unwrap()
            .named("gn")
            .center(false);
        assert_eq!(gn.get_config(), expected);
        assert_eq!(
            GroupNormalization::from_config(&expected)
                .unwrap()
                .get_config(),
            expected
        );
        // groups=-1 becomes the channel count once built, as in Keras.
        let inst = GroupNormalization::new(-1).unwrap();
        inst.ensure_built(&[vec![None, Some(3)]]).unwrap();
        assert_eq!(inst.get_config()["groups"], json!(3));
        assert!(GroupNormalization::new(0).is_err());
    }

    #[test]
    fn shapes_variables_and_errors() {
        let gn = GroupNormalization::new(2).unwrap();
        let spec = TensorSpec::new(vec![None, Some(3), Some(4)], DType::F32);
        assert_eq!(
            gn.compute_output_spec(std::slice::from_ref(&spec)).unwrap()[0],
            spec
        );
        gn.ensure_built(&[spec.shape]).unwrap();
        assert_eq!(gn.weights().len(), 2);
        assert!(gn.weights().iter().all(|v| v.shape().dims() == [4]));
        let too_many = GroupNormalization::new(5).unwrap();
        let e = too_many.ensure_built(&[vec![None, Some(4)]]).unwrap_err();
        assert!(e.to_string().contains("cannot be more"), "{e}");
        let uneven = GroupNormalization::new(3).unwrap();
        assert!(uneven.ensure_built(&[vec![None, Some(4)]]).is_err());
    }

    #[test]
    fn numerics_match_keras() {
        // gn = keras.layers.GroupNormalization(groups=2); gn.build((None, 3, 4))
        // gn.set_weights([[1, 2, 3, 4], [.1, .2, .3, .4]]); gn(np.arange(24).reshape(2, 3, 4)
        //     ** 1.3 / 10)
        let gn = GroupNormalization::new(2).unwrap();
        gn.ensure_built(&[vec![None, Some(3), Some(4)]]).unwrap();
        gn.set_weights(&[
            t(&[1.0, 2.0, 3.0, 4.0], &[4]),
            t(&[0.1, 0.2, 0.3, 0.4], &[4]),
        ])
        .unwrap();
        close(
            &gn.forward(&ramp()).unwrap(),
            &[
                -1.117395,
                -1.9271944,
                -3.5492542,
                -3.8126254,
                -0.18493915,
                0.25774503,
                -0.3974371,
                0.6965871,
                1.1785804,
                3.1169565,
                3.5106854,
                6.0973825,
                -1.234411,
                -1.911089,
                -3.7125206,
                -3.8235264,
                -0.08113146,
                0.44392776,
                -0.23349667,
                0.90060616,
                1.1628144,
                2.9726148,
                3.487132,
                5.9347553,
            ],
        );
    }
}
