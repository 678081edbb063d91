//! `keras.optimizers.Adamax`: Adam with the infinity norm.

use keras_ops::{ops, Result, Tensor, Variable};
use serde_json::json;

use super::update_rule::{Step, UpdateRule};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// Adamax: `momentum` and `norm` (exponentially weighted infinity norm) slots.
///
/// ```
/// use keras::optimizers::{Adamax, Optimizer};
/// let opt = Optimizer::new(Adamax::default());
/// assert_eq!(opt.get_config()["beta_2"], 0.999);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Adamax {
    /// Decay of the first moment.
    pub beta_1: f64,
    /// Decay of the infinity norm.
    pub beta_2: f64,
    /// Numerical stability constant.
    pub epsilon: f64,
}

impl Default for Adamax {
    fn default() -> Self {
        Adamax {
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
        }
    }
}

impl Adamax {
    /// From the optimizer-specific config keys.
    pub fn from_config(c: &Config) -> Result<Self> {
        let (d, n) = (Adamax::default(), "Adamax");
        Ok(Adamax {
            beta_1: c.get_or("beta_1", d.beta_1, n)?,
            beta_2: c.get_or("beta_2", d.beta_2, n)?,
            epsilon: c.get_or("epsilon", d.epsilon, n)?,
        })
    }
}

impl UpdateRule for Adamax {
    fn class_name(&self) -> &'static str {
        "Adamax"
    }
    fn default_name(&self) -> &'static str {
        "adamax"
    }
    fn slot_groups(&self) -> Vec<&'static [&'static str]> {
        vec![&["momentum", "norm"]]
    }
    fn update(&self, step: &Step, g: &Tensor, var: &Variable, slots: &[Variable]) -> Result<()> {
        let b1_power = (self.beta_1 as f32).powf((step.iteration + 1) as f32) as f64;
        let (m, u) = (&slots[0], &slots[1]);
        m.assign_add(&ops::multiply(
            &ops::subtract(g, m.value())?,
            1.0 - self.beta_1,
        )?)?;
        u.assign(&ops::maximum(
            &ops::multiply(u.value(), self.beta_2)?,
            &ops::absolute(g)?,
        )?)?;
        var.assign_sub(&ops::divide(
            &ops::multiply(m.value(), step.learning_rate)?,
            &ops::multiply(&ops::add(u.value(), self.epsilon)?, 1.0 - b1_power)?,
        )?)
    }
    fn config(&self) -> Config {
        let mut c = Config::new();
        c.insert("beta_1".into(), json!(self.beta_1));
        c.insert("beta_2".into(), json!(self.beta_2));
        c.insert("epsilon".into(), json!(self.epsilon));
        c
    }
}
