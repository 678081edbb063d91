//! `keras.optimizers.RMSprop` (with momentum and the centered variant).

use keras_ops::{ops, Result, Tensor, Variable};
use serde_json::json;

use super::update_rule::{Step, UpdateRule};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// RMSprop: divides the gradient by a running RMS (`velocity` slots; `momentum` and
/// `average_gradient` slots when enabled).
///
/// ```
/// use keras::optimizers::{Optimizer, RMSprop};
/// let opt = Optimizer::new(RMSprop { centered: true, ..RMSprop::default() });
/// assert_eq!(opt.get_name(), "rm_sprop");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RMSprop {
    /// Decay of the running averages.
    pub rho: f64,
    /// Momentum factor (0: no momentum slots).
    pub momentum: f64,
    /// Numerical stability constant.
    pub epsilon: f64,
    /// Normalize by the variance instead of the second moment.
    pub centered: bool,
}

impl Default for RMSprop {
    fn default() -> Self {
        RMSprop {
            rho: 0.9,
            momentum: 0.0,
            epsilon: 1e-7,
            centered: false,
        }
    }
}

impl RMSprop {
    /// From the optimizer-specific config keys.
    pub fn from_config(c: &Config) -> Result<Self> {
        let (d, n) = (RMSprop::default(), "RMSprop");
        Ok(RMSprop {
            rho: c.get_or("rho", d.rho, n)?,
            momentum: c.get_or("momentum", d.momentum, n)?,
            epsilon: c.get_or("epsilon", d.epsilon, n)?,
            centered: c.get_or("centered", d.centered, n)?,
        })
    }
}

impl UpdateRule for RMSprop {
    fn class_name(&self) -> &'static str {
        "RMSprop"
    }
    fn default_name(&self) -> &'static str {
        "rm_sprop"
    }
    fn slot_groups(&self) -> Vec<&'static [&'static str]> {
        let mut g: Vec<&'static [&'static str]> = vec![&["velocity"]];
        if self.momentum > 0.0 {
            g.push(&["momentum"]);
        }
        if self.centered {
            g.push(&["average_gradient"]);
        }
        g
    }
    fn update(&self, step: &Step, g: &Tensor, var: &Variable, slots: &[Variable]) -> Result<()> {
        let mut slots = slots.iter();
        let velocity = slots.next().expect("velocity slot");
        let momentum = if self.momentum > 0.0 {
            slots.next()
        } else {
            None
        };
        let rho = self.rho;
        velocity.assign(&ops::add(
            &ops::multiply(velocity.value(), rho)?,
            &ops::multiply(&ops::square(g)?, 1.0 - rho)?,
        )?)?;
        let denominator = match slots.next() {
            Some(avg) => {
                avg.assign(&ops::add(
                    &ops::multiply(avg.value(), rho)?,
                    &ops::multiply(g, 1.0 - rho)?,
                )?)?;
                let var_est = ops::subtract(velocity.value(), &ops::square(&avg.value())?)?;
                ops::add(&var_est, self.epsilon)?
            }
            None => ops::add(velocity.value(), self.epsilon)?,
        };
        let increment = ops::divide(
            &ops::multiply(g, step.learning_rate)?,
            &ops::sqrt(&denominator)?,
        )?;
        match momentum {
            Some(m) => {
                m.assign(&ops::add(
                    &ops::multiply(m.value(), self.momentum)?,
                    &increment,
                )?)?;
                var.assign_sub(&m.value())
            }
            None => var.assign_sub(&increment),
        }
    }
    fn config(&self) -> Config {
        let mut c = Config::new();
        c.insert("rho".into(), json!(self.rho));
        c.insert("momentum".into(), json!(self.momentum));
        c.insert("epsilon".into(), json!(self.epsilon));
        c.insert("centered".into(), json!(self.centered));
        c
    }
}
