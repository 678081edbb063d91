//! `keras.optimizers.SGD`: gradient descent with optional (Nesterov) momentum.

use keras_ops::{ops, Result, Tensor, Variable};
use serde_json::json;

use super::update_rule::{Step, UpdateRule};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// SGD: `m = momentum·m - lr·g; w += m` (Nesterov: `w += momentum·m - lr·g`), or
/// `w -= lr·g` without momentum. Default learning rate 0.01.
///
/// ```
/// use keras::optimizers::{Optimizer, SGD};
/// let opt = Optimizer::new(SGD { momentum: 0.9, nesterov: true });
/// assert_eq!(opt.get_config()["momentum"], 0.9);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SGD {
    /// Momentum factor (0 for plain SGD, then there are no slots).
    pub momentum: f64,
    /// Nesterov momentum.
    pub nesterov: bool,
}

impl SGD {
    /// From the optimizer-specific config keys.
    pub fn from_config(c: &Config) -> Result<Self> {
        let n = "SGD";
        let momentum: f64 = c.get_or("momentum", 0.0, n)?;
        if !(0.0..=1.0).contains(&momentum) {
            keras_backend::bail!(n, "momentum must be in [0, 1], got {momentum}");
        }
        Ok(SGD {
            momentum,
            nesterov: c.get_or("nesterov", false, n)?,
        })
    }
}

impl UpdateRule for SGD {
    fn class_name(&self) -> &'static str {
        "SGD"
    }
    fn default_name(&self) -> &'static str {
        "sgd"
    }
    fn default_learning_rate(&self) -> f64 {
        0.01
    }
    fn slot_groups(&self) -> Vec<&'static [&'static str]> {
        if self.momentum != 0.0 {
            vec![&["momentum"]]
        } else {
            vec![]
        }
    }
    fn update(&self, step: &Step, g: &Tensor, var: &Variable, slots: &[Variable]) -> Result<()> {
        let lr_g = ops::multiply(g, step.learning_rate)?;
        let Some(m) = slots.first() else {
            return var.assign_sub(&lr_g);
        };
        m.assign(&ops::subtract(
            &ops::multiply(m.value(), self.momentum)?,
            &lr_g,
        )?)?;
        if self.nesterov {
            var.assign_add(&ops::subtract(
                &ops::multiply(m.value(), self.momentum)?,
                &lr_g,
            )?)
        } else {
            var.assign_add(&m.value())
        }
    }
    fn config(&self) -> Config {
        let mut c = Config::new();
        c.insert("momentum".into(), json!(self.momentum));
        c.insert("nesterov".into(), json!(self.nesterov));
        c
    }
}
