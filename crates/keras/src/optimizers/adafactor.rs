//! `keras.optimizers.Adafactor`: Adam-like updates with a factored second moment.

use keras_ops::{ops, DType, Result, Tensor, Variable};
use serde_json::json;

use super::slots::Slots;
use super::update_rule::{Step, UpdateRule};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// Adafactor: for variables of rank ≥ 2 the second moment is kept as row means `r`
/// (shape without the last axis) and column means `c` (shape without the second-last
/// axis); lower-rank variables keep a full `velocity`. The step size is relative to the
/// variable's RMS and the update is clipped by RMS.
///
/// Slots per variable, in Keras's order: `r`, `c` (both named after the variable; int32
/// scalar placeholders below rank 2), then `velocity`.
///
/// ```
/// use keras::optimizers::{Adafactor, Optimizer};
/// use keras::{Tensor, Variable};
/// let w = Variable::new(Tensor::from_vec(vec![1.0f32; 6], [2, 3]).unwrap(), "kernel", true);
/// let mut opt = Optimizer::new(Adafactor::default());
/// opt.build(&[w]).unwrap();
/// let shapes: Vec<_> = opt.variables().iter().map(|v| v.shape().dims().to_vec()).collect();
/// assert_eq!(shapes[2..], [vec![2], vec![3], vec![2, 3]]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Adafactor {
    /// Decay exponent of the second-moment averaging: `β₂(t) = 1 - t^beta_2_decay`.
    pub beta_2_decay: f64,
    /// Added to the squared gradient.
    pub epsilon_1: f64,
    /// Lower bound of the variable RMS that scales the step.
    pub epsilon_2: f64,
    /// Updates are scaled down when their RMS exceeds this.
    pub clip_threshold: f64,
    /// Caps a constant learning rate at `1/√t` (Keras caps the step at `1/√t` either way).
    pub relative_step: bool,
}

impl Default for Adafactor {
    fn default() -> Self {
        Adafactor {
            beta_2_decay: -0.8,
            epsilon_1: 1e-30,
            epsilon_2: 1e-3,
            clip_threshold: 1.0,
            relative_step: true,
        }
    }
}

impl Adafactor {
    /// From the optimizer-specific config keys.
    pub fn from_config(c: &Config) -> Result<Self> {
        let (d, n) = (Adafactor::default(), "Adafactor");
        Ok(Adafactor {
            beta_2_decay: c.get_or("beta_2_decay", d.beta_2_decay, n)?,
            epsilon_1: c.get_or("epsilon_1", d.epsilon_1, n)?,
            epsilon_2: c.get_or("epsilon_2", d.epsilon_2, n)?,
            clip_threshold: c.get_or("clip_threshold", d.clip_threshold, n)?,
            relative_step: c.get_or("relative_step", d.relative_step, n)?,
        })
    }
}

/// `sqrt(mean(x²))` as a float32 value.
fn rms(x: &Tensor) -> Result<f32> {
    Ok(ops::sqrt(&ops::mean(&ops::square(x)?, None, false)?)?.item()? as f32)
}

/// `β·old + (1-β)·new`.
fn moving(old: &Tensor, new: &Tensor, beta: f32) -> Result<Tensor> {
    ops::add(
        &ops::multiply(old, beta as f64)?,
        &ops::multiply(new, (1.0 - beta) as f64)?,
    )
}

impl UpdateRule for Adafactor {
    fn class_name(&self) -> &'static str {
        "Adafactor"
    }
    fn default_name(&self) -> &'static str {
        "adafactor"
    }
    fn slot_groups(&self) -> Vec<&'static [&'static str]> {
        vec![&["velocity"]]
    }
    fn build_slots(&self, vars: &[Variable], slots: &mut Slots) -> Result<()> {
        for (i, v) in vars.iter().enumerate() {
            let dims = v.shape().dims().to_vec();
            if dims.len() < 2 {
                for _ in 0..2 {
                    slots.add(i, v.name(), Tensor::scalar_of(0.0, DType::I32)?)?;
                }
            } else {
                let n = dims.len();
                let r = &dims[..n - 1];
                let c: Vec<usize> = dims[..n - 2]
                    .iter()
                    .chain(&dims[n - 1..])
                    .copied()
                    .collect();
                slots.add(i, v.name(), ops::zeros(r, v.dtype())?)?;
                slots.add(i, v.name(), ops::zeros(&c, v.dtype())?)?;
            }
            slots.add_from_reference(i, v, "velocity", 0.0)?;
        }
        Ok(())
    }
    fn update(&self, step: &Step, g: &Tensor, var: &Variable, slots: &[Variable]) -> Result<()> {
        let (r, c, v) = (&slots[0], &slots[1], &slots[2]);
        let t = (step.iteration + 1) as f32;
        let rho = (step.learning_rate as f32).min(1.0 / t.sqrt());
        let w = var.value();
        let alpha = (self.epsilon_2 as f32).max(rms(&w)?) * rho;
        let g2 = ops::add(&ops::square(g)?, self.epsilon_1)?;
        let beta = 1.0 - t.powf(self.beta_2_decay as f32);
        if w.rank() >= 2 {
            r.assign(&moving(&r.value(), &ops::mean(&g2, -1, false)?, beta)?)?;
            c.assign(&moving(&c.value(), &ops::mean(&g2, -2, false)?, beta)?)?;
            let r = r.value();
            let row = ops::divide(&r, &ops::mean(&r, -1, true)?)?;
            v.assign(&ops::multiply(
                &ops::expand_dims(&row, -1)?,
                &ops::expand_dims(&c.value(), -2)?,
            )?)?;
        } else {
            v.assign(&moving(&v.value(), &g2, beta)?)?;
        }
        let u = ops::divide(g, &ops::sqrt(&v.value())?)?;
        let clip = 1.0f32.max(rms(&u)? / self.clip_threshold as f32);
        let u = ops::divide(&u, clip as f64)?;
        var.assign_sub(&ops::multiply(&u, alpha as f64)?)
    }
    fn config(&self) -> Config {
        let mut c = Config::new();
        c.insert("beta_2_decay".into(), json!(self.beta_2_decay));
        c.insert("epsilon_1".into(), json!(self.epsilon_1));
        c.insert("epsilon_2".into(), json!(self.epsilon_2));
        c.insert("clip_threshold".into(), json!(self.clip_threshold));
        c.insert("relative_step".into(), json!(self.relative_step));
        c
    }
}
