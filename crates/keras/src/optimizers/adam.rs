//! `keras.optimizers.Adam` (with AMSGrad).

use keras_ops::{ops, Result, Tensor, Variable};
use serde_json::json;

use super::update_rule::{Step, UpdateRule};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// Adam: bias-corrected first and second moment estimates (`momentum`, `velocity`
/// slots, plus `velocity_hat` with AMSGrad).
///
/// ```
/// use keras::optimizers::{Adam, Optimizer};
/// let opt = Optimizer::new(Adam { amsgrad: true, ..Adam::default() });
/// assert_eq!(opt.get_config()["learning_rate"], 0.0010000000474974513);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Adam {
    /// Decay of the first moment.
    pub beta_1: f64,
    /// Decay of the second moment.
    pub beta_2: f64,
    /// Numerical stability constant.
    pub epsilon: f64,
    /// Use the maximum of past second moments.
    pub amsgrad: bool,
}

impl Default for Adam {
    fn default() -> Self {
        Adam {
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
            amsgrad: false,
        }
    }
}

impl Adam {
    /// From the optimizer-specific config keys (`owner` names the class in errors).
    pub fn from_config(c: &Config, owner: &str) -> Result<Self> {
        let d = Adam::default();
        Ok(Adam {
            beta_1: c.get_or("beta_1", d.beta_1, owner)?,
            beta_2: c.get_or("beta_2", d.beta_2, owner)?,
            epsilon: c.get_or("epsilon", d.epsilon, owner)?,
            amsgrad: c.get_or("amsgrad", d.amsgrad, owner)?,
        })
    }

    /// The Adam slot layout (shared with AdamW).
    pub(crate) fn groups(&self) -> Vec<&'static [&'static str]> {
        let mut g: Vec<&'static [&'static str]> = vec![&["momentum", "velocity"]];
        if self.amsgrad {
            g.push(&["velocity_hat"]);
        }
        g
    }

    /// The Adam update (shared with AdamW).
    pub(crate) fn step(
        &self,
        step: &Step,
        g: &Tensor,
        var: &Variable,
        slots: &[Variable],
    ) -> Result<()> {
        let t = (step.iteration + 1) as f32;
        let b1_power = (self.beta_1 as f32).powf(t);
        let b2_power = (self.beta_2 as f32).powf(t);
        let alpha = step.learning_rate as f32 * (1.0 - b2_power).sqrt() / (1.0 - b1_power);
        self.update_moments(g, slots)?;
        let (m, v) = (&slots[0], &slots[1]);
        let v = match slots.get(2) {
            Some(v_hat) => {
                v_hat.assign(&ops::maximum(v_hat.value(), v.value())?)?;
                v_hat
            }
            None => v,
        };
        var.assign_sub(&ops::divide(
            &ops::multiply(m.value(), alpha as f64)?,
            &ops::add(&ops::sqrt(&v.value())?, self.epsilon)?,
        )?)
    }

    /// The moment updates `m += (g - m)(1 - β₁)`, `v += (g² - v)(1 - β₂)` on the first
    /// two slots; returns the new `(m, v)` (shared with Lamb).
    pub(crate) fn update_moments(
        &self,
        g: &Tensor,
        slots: &[Variable],
    ) -> Result<(Tensor, Tensor)> {
        let (m, v) = (&slots[0], &slots[1]);
        m.assign_add(&ops::multiply(
            &ops::subtract(g, m.value())?,
            1.0 - self.beta_1,
        )?)?;
        v.assign_add(&ops::multiply(
            &ops::subtract(&ops::square(g)?, v.value())?,
            1.0 - self.beta_2,
        )?)?;
        Ok((m.value(), v.value()))
    }

    /// The `beta_1`, `beta_2`, `epsilon` config keys (shared with Lamb).
    pub(crate) fn keys_without_amsgrad(&self) -> Config {
        let mut c = Config::new();
        c.insert("beta_1".into(), json!(self.beta_1));
        c.insert("beta_2".into(), json!(self.beta_2));
        c.insert("epsilon".into(), json!(self.epsilon));
        c
    }

    /// The Adam config keys (shared with AdamW).
    pub(crate) fn keys(&self) -> Config {
        let mut c = self.keys_without_amsgrad();
        c.insert("amsgrad".into(), json!(self.amsgrad));
        c
    }
}

impl UpdateRule for Adam {
    fn class_name(&self) -> &'static str {
        "Adam"
    }
    fn default_name(&self) -> &'static str {
        "adam"
    }
    fn slot_groups(&self) -> Vec<&'static [&'static str]> {
        self.groups()
    }
    fn update(&self, step: &Step, g: &Tensor, var: &Variable, slots: &[Variable]) -> Result<()> {
        self.step(step, g, var, slots)
    }
    fn config(&self) -> Config {
        self.keys()
    }
}
