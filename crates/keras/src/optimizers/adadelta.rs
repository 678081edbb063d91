//! `keras.optimizers.Adadelta`.

use keras_ops::{ops, Result, Tensor, Variable};
use serde_json::json;

use super::update_rule::{Step, UpdateRule};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// Adadelta: running averages of squared gradients (`accumulated_grad`) and of
/// squared updates (`accumulated_delta_var`).
///
/// ```
/// use keras::optimizers::{Adadelta, Optimizer};
/// let opt = Optimizer::new(Adadelta::default());
/// assert_eq!(opt.get_config()["rho"], 0.95);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Adadelta {
    /// Decay of the running averages.
    pub rho: f64,
    /// Numerical stability constant.
    pub epsilon: f64,
}

impl Default for Adadelta {
    fn default() -> Self {
        Adadelta {
            rho: 0.95,
            epsilon: 1e-7,
        }
    }
}

impl Adadelta {
    /// From the optimizer-specific config keys.
    pub fn from_config(c: &Config) -> Result<Self> {
        let (d, n) = (Adadelta::default(), "Adadelta");
        Ok(Adadelta {
            rho: c.get_or("rho", d.rho, n)?,
            epsilon: c.get_or("epsilon", d.epsilon, n)?,
        })
    }
}

impl UpdateRule for Adadelta {
    fn class_name(&self) -> &'static str {
        "Adadelta"
    }
    fn default_name(&self) -> &'static str {
        "adadelta"
    }
    fn slot_groups(&self) -> Vec<&'static [&'static str]> {
        vec![&["accumulated_grad", "accumulated_delta_var"]]
    }
    fn update(&self, step: &Step, g: &Tensor, var: &Variable, slots: &[Variable]) -> Result<()> {
        let (acc_g, acc_d) = (&slots[0], &slots[1]);
        let rho = self.rho;
        let rms = |x: &Tensor| ops::sqrt(&ops::add(x, self.epsilon)?);
        acc_g.assign(&ops::add(
            &ops::multiply(acc_g.value(), rho)?,
            &ops::multiply(&ops::square(g)?, 1.0 - rho)?,
        )?)?;
        let delta = ops::negative(&ops::divide(
            &ops::multiply(&rms(&acc_d.value())?, g)?,
            &rms(&acc_g.value())?,
        )?)?;
        acc_d.assign(&ops::add(
            &ops::multiply(acc_d.value(), rho)?,
            &ops::multiply(&ops::square(&delta)?, 1.0 - rho)?,
        )?)?;
        var.assign_add(&ops::multiply(&delta, step.learning_rate)?)
    }
    fn config(&self) -> Config {
        let mut c = Config::new();
        c.insert("rho".into(), json!(self.rho));
        c.insert("epsilon".into(), json!(self.epsilon));
        c
    }
}
