//! `keras.optimizers.Lamb`: Adam scaled per variable by a trust ratio.

use keras_ops::{ops, Result, Tensor, Variable};

use super::adam::Adam;
use super::update_rule::{Step, UpdateRule};
use crate::saving::object::Config;

/// LAMB: the bias-corrected Adam direction `u = m̂ / (√v̂ + ε)` scaled by the trust
/// ratio `‖w‖ / ‖u‖` (1 when either norm is 0); `momentum` and `velocity` slots.
/// Its hyperparameters are [`Adam`]'s without AMSGrad.
///
/// ```
/// use keras::optimizers::{Lamb, Optimizer};
/// let opt = Optimizer::get("lamb").unwrap();
/// assert_eq!(opt.class_name(), "Lamb");
/// assert_eq!(opt.get_config()["epsilon"], 1e-7);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Lamb {
    /// Decay of the first moment.
    pub beta_1: f64,
    /// Decay of the second moment.
    pub beta_2: f64,
    /// Numerical stability constant.
    pub epsilon: f64,
}

impl Default for Lamb {
    fn default() -> Self {
        let a = Adam::default();
        Lamb {
            beta_1: a.beta_1,
            beta_2: a.beta_2,
            epsilon: a.epsilon,
        }
    }
}

impl Lamb {
    /// From the optimizer-specific config keys.
    pub fn from_config(c: &Config) -> Result<Self> {
        let a = Adam::from_config(c, "Lamb")?;
        Ok(Lamb {
            beta_1: a.beta_1,
            beta_2: a.beta_2,
            epsilon: a.epsilon,
        })
    }

    fn adam(&self) -> Adam {
        Adam {
            beta_1: self.beta_1,
            beta_2: self.beta_2,
            epsilon: self.epsilon,
            amsgrad: false,
        }
    }
}

/// `sqrt(sum(x²))` as a float32 value.
fn l2_norm(x: &Tensor) -> Result<f32> {
    Ok(ops::sqrt(&ops::sum(&ops::square(x)?, None, false)?)?.item()? as f32)
}

impl UpdateRule for Lamb {
    fn class_name(&self) -> &'static str {
        "Lamb"
    }
    fn default_name(&self) -> &'static str {
        "lamb"
    }
    fn slot_groups(&self) -> Vec<&'static [&'static str]> {
        vec![&["momentum", "velocity"]]
    }
    fn update(&self, step: &Step, g: &Tensor, var: &Variable, slots: &[Variable]) -> Result<()> {
        let t = (step.iteration + 1) as f32;
        let b1_power = (self.beta_1 as f32).powf(t);
        let b2_power = (self.beta_2 as f32).powf(t);
        let (m, v) = self.adam().update_moments(g, slots)?;
        let m_hat = ops::divide(&m, (1.0 - b1_power) as f64)?;
        let v_sqrt = ops::add(
            &ops::sqrt(&ops::divide(&v, (1.0 - b2_power) as f64)?)?,
            self.epsilon,
        )?;
        let u = ops::divide(&m_hat, &v_sqrt)?;
        let (w_norm, u_norm) = (l2_norm(&var.value())?, l2_norm(&u)?);
        let ratio = if w_norm > 0.0 && u_norm > 0.0 {
            w_norm / u_norm
        } else {
            1.0
        };
        let scale = ratio * step.learning_rate as f32;
        var.assign_sub(&ops::multiply(&u, scale as f64)?)
    }
    fn config(&self) -> Config {
        self.adam().keys_without_amsgrad()
    }
}
