//! `keras.optimizers.Lion`: sign of an interpolated momentum.

use keras_backend::bail;
use keras_ops::{ops, Result, Tensor, Variable};
use serde_json::json;

use super::update_rule::{Step, UpdateRule};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// Lion (evoLved sIgn mOmeNtum): `w -= lr · sign(β₁·m + (1-β₁)·g)`, then
/// `m = β₂·m + (1-β₂)·g` (one `momentum` slot per variable).
///
/// ```
/// use keras::optimizers::{Lion, Optimizer};
/// let opt = Optimizer::new(Lion::default());
/// assert_eq!(opt.get_config()["beta_2"], 0.99);
/// assert!(Lion::new(0.0, 0.99).is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Lion {
    /// Interpolation between momentum and gradient in the update direction.
    pub beta_1: f64,
    /// Decay of the momentum.
    pub beta_2: f64,
}

impl Default for Lion {
    fn default() -> Self {
        Lion {
            beta_1: 0.9,
            beta_2: 0.99,
        }
    }
}

impl Lion {
    /// Lion with these betas; `beta_1` must lie in (0, 1] as Keras requires.
    pub fn new(beta_1: f64, beta_2: f64) -> Result<Self> {
        if beta_1 <= 0.0 || beta_1 > 1.0 || beta_1.is_nan() {
            bail!(
                "Lion",
                "beta_1 must be in the (0, 1] range, otherwise the optimizer degenerates \
                 to SignSGD; got beta_1={beta_1}"
            );
        }
        Ok(Lion { beta_1, beta_2 })
    }

    /// From the optimizer-specific config keys.
    pub fn from_config(c: &Config) -> Result<Self> {
        let (d, n) = (Lion::default(), "Lion");
        Lion::new(
            c.get_or("beta_1", d.beta_1, n)?,
            c.get_or("beta_2", d.beta_2, n)?,
        )
    }
}

impl UpdateRule for Lion {
    fn class_name(&self) -> &'static str {
        "Lion"
    }
    fn default_name(&self) -> &'static str {
        "lion"
    }
    fn slot_groups(&self) -> Vec<&'static [&'static str]> {
        vec![&["momentum"]]
    }
    fn update(&self, step: &Step, g: &Tensor, var: &Variable, slots: &[Variable]) -> Result<()> {
        // Keras casts the betas to the variable dtype before `1 - β`.
        let (b1, b2) = (self.beta_1 as f32, self.beta_2 as f32);
        let m = &slots[0];
        let direction = ops::sign(&ops::add(
            &ops::multiply(m.value(), b1 as f64)?,
            &ops::multiply(g, (1.0 - b1) as f64)?,
        )?)?;
        var.assign_sub(&ops::multiply(&direction, step.learning_rate)?)?;
        m.assign(&ops::add(
            &ops::multiply(m.value(), b2 as f64)?,
            &ops::multiply(g, (1.0 - b2) as f64)?,
        )?)
    }
    fn config(&self) -> Config {
        let mut c = Config::new();
        c.insert("beta_1".into(), json!(self.beta_1));
        c.insert("beta_2".into(), json!(self.beta_2));
        c
    }
}
