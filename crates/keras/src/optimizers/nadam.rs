//! `keras.optimizers.Nadam`: Adam with Nesterov momentum.

use keras_ops::{ops, Result, Tensor, Variable};
use serde_json::json;

use super::update_rule::{Step, UpdateRule};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// Nadam: `momentum` and `velocity` slots plus a scalar `variable` holding the
/// running product of the momentum schedule.
///
/// ```
/// use keras::optimizers::{Nadam, Optimizer};
/// let opt = Optimizer::new(Nadam::default());
/// assert_eq!(opt.get_name(), "nadam");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Nadam {
    /// Decay of the first moment.
    pub beta_1: f64,
    /// Decay of the second moment.
    pub beta_2: f64,
    /// Numerical stability constant.
    pub epsilon: f64,
}

impl Default for Nadam {
    fn default() -> Self {
        Nadam {
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
        }
    }
}

impl Nadam {
    /// From the optimizer-specific config keys.
    pub fn from_config(c: &Config) -> Result<Self> {
        let (d, n) = (Nadam::default(), "Nadam");
        Ok(Nadam {
            beta_1: c.get_or("beta_1", d.beta_1, n)?,
            beta_2: c.get_or("beta_2", d.beta_2, n)?,
            epsilon: c.get_or("epsilon", d.epsilon, n)?,
        })
    }

    /// The momentum schedule `μ_t = β₁ (1 - ½·0.96^t)` in float32.
    fn mu(&self, t: i64) -> f32 {
        self.beta_1 as f32 * (1.0 - 0.5 * 0.96f32.powf(t as f32))
    }
}

impl UpdateRule for Nadam {
    fn class_name(&self) -> &'static str {
        "Nadam"
    }
    fn default_name(&self) -> &'static str {
        "nadam"
    }
    fn slot_groups(&self) -> Vec<&'static [&'static str]> {
        vec![&["momentum", "velocity"]]
    }
    fn extra_variables(&self) -> Vec<(&'static str, f64)> {
        vec![("variable", 1.0)]
    }
    fn begin_step(&self, step: &Step) -> Result<()> {
        // Keras: `u_product · β₁ · (1 - ½·0.96^t)`, multiplied left to right in float32.
        let u_product = &step.extra[0];
        let t = (step.iteration + 1) as f32;
        let value =
            u_product.value().item()? as f32 * self.beta_1 as f32 * (1.0 - 0.5 * 0.96f32.powf(t));
        u_product.assign(&Tensor::scalar(value)?)
    }
    fn update(&self, step: &Step, g: &Tensor, var: &Variable, slots: &[Variable]) -> Result<()> {
        let u_t = self.mu(step.iteration + 1);
        let u_t_1 = self.mu(step.iteration + 2);
        let u_product_t = step.extra[0].value().item()? as f32;
        let u_product_t_1 = u_product_t * u_t_1;
        let b2_power = (self.beta_2 as f32).powf((step.iteration + 1) as f32);
        // Keras casts β₁, β₂ to the variable dtype first, so `1 - β` is a float32 difference.
        let (beta_1, beta_2) = (self.beta_1 as f32, self.beta_2 as f32);
        let (m, v) = (&slots[0], &slots[1]);
        m.assign_add(&ops::multiply(
            &ops::subtract(g, m.value())?,
            (1.0 - beta_1) as f64,
        )?)?;
        v.assign_add(&ops::multiply(
            &ops::subtract(&ops::square(g)?, v.value())?,
            (1.0 - beta_2) as f64,
        )?)?;
        let m_hat = ops::add(
            &ops::divide(
                &ops::multiply(m.value(), u_t_1 as f64)?,
                (1.0 - u_product_t_1) as f64,
            )?,
            &ops::divide(
                &ops::multiply(g, (1.0 - u_t) as f64)?,
                (1.0 - u_product_t) as f64,
            )?,
        )?;
        let v_hat = ops::divide(v.value(), (1.0 - b2_power) as f64)?;
        var.assign_sub(&ops::divide(
            &ops::multiply(&m_hat, step.learning_rate)?,
            &ops::add(&ops::sqrt(&v_hat)?, self.epsilon)?,
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
