//! `keras.optimizers.Ftrl`: Follow The Regularized Leader.

use keras_backend::bail;
use keras_ops::{ops, Result, Tensor, Variable};
use serde_json::json;

use super::update_rule::{Step, UpdateRule};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// FTRL-Proximal with L1, L2 and L2-shrinkage regularization; `accumulator` (starting
/// at `initial_accumulator_value`) and `linear` slots per variable.
///
/// ```
/// use keras::optimizers::{Ftrl, Optimizer};
/// let opt = Optimizer::new(Ftrl { l1_regularization_strength: 0.01, ..Ftrl::default() });
/// assert_eq!(opt.get_config()["learning_rate_power"], -0.5);
/// let bad = serde_json::json!({"class_name": "Ftrl", "config": {"learning_rate_power": 0.5}});
/// assert!(Optimizer::from_json(&bad).is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Ftrl {
    /// How the learning rate shrinks with the accumulated squared gradients (≤ 0).
    pub learning_rate_power: f64,
    /// Starting value of the accumulators (≥ 0).
    pub initial_accumulator_value: f64,
    /// L1 regularization strength (≥ 0).
    pub l1_regularization_strength: f64,
    /// L2 regularization strength (≥ 0).
    pub l2_regularization_strength: f64,
    /// L2 shrinkage regularization strength (≥ 0), a magnitude penalty on the gradient.
    pub l2_shrinkage_regularization_strength: f64,
    /// The β of the FTRL-Proximal paper (adds `β / (2·lr)` to the L2 strength).
    pub beta: f64,
}

impl Default for Ftrl {
    fn default() -> Self {
        Ftrl {
            learning_rate_power: -0.5,
            initial_accumulator_value: 0.1,
            l1_regularization_strength: 0.0,
            l2_regularization_strength: 0.0,
            l2_shrinkage_regularization_strength: 0.0,
            beta: 0.0,
        }
    }
}

impl Ftrl {
    /// From the optimizer-specific config keys, checked as Keras's constructor does.
    pub fn from_config(c: &Config) -> Result<Self> {
        let (d, n) = (Ftrl::default(), "Ftrl");
        let f = Ftrl {
            learning_rate_power: c.get_or("learning_rate_power", d.learning_rate_power, n)?,
            initial_accumulator_value: c.get_or(
                "initial_accumulator_value",
                d.initial_accumulator_value,
                n,
            )?,
            l1_regularization_strength: c.get_or(
                "l1_regularization_strength",
                d.l1_regularization_strength,
                n,
            )?,
            l2_regularization_strength: c.get_or(
                "l2_regularization_strength",
                d.l2_regularization_strength,
                n,
            )?,
            l2_shrinkage_regularization_strength: c.get_or(
                "l2_shrinkage_regularization_strength",
                d.l2_shrinkage_regularization_strength,
                n,
            )?,
            beta: c.get_or("beta", d.beta, n)?,
        };
        f.validate()?;
        Ok(f)
    }

    /// Checks the ranges Keras checks.
    pub fn validate(&self) -> Result<()> {
        let non_negative = [
            ("initial_accumulator_value", self.initial_accumulator_value),
            (
                "l1_regularization_strength",
                self.l1_regularization_strength,
            ),
            (
                "l2_regularization_strength",
                self.l2_regularization_strength,
            ),
            (
                "l2_shrinkage_regularization_strength",
                self.l2_shrinkage_regularization_strength,
            ),
        ];
        for (key, v) in non_negative {
            if v < 0.0 {
                bail!("Ftrl", "{key} needs to be positive or zero, got {v}");
            }
        }
        if self.learning_rate_power > 0.0 {
            bail!(
                "Ftrl",
                "learning_rate_power needs to be negative or zero, got {}",
                self.learning_rate_power
            );
        }
        Ok(())
    }
}

impl UpdateRule for Ftrl {
    fn class_name(&self) -> &'static str {
        "Ftrl"
    }
    fn default_name(&self) -> &'static str {
        "ftrl"
    }
    fn slot_groups(&self) -> Vec<&'static [&'static str]> {
        vec![&["accumulator", "linear"]]
    }
    fn slot_initial_value(&self, suffix: &str) -> f64 {
        if suffix == "accumulator" {
            self.initial_accumulator_value
        } else {
            0.0
        }
    }
    fn update(&self, step: &Step, g: &Tensor, var: &Variable, slots: &[Variable]) -> Result<()> {
        let (accum, linear) = (&slots[0], &slots[1]);
        let lr = step.learning_rate as f32;
        let power = -self.learning_rate_power;
        let l2 = self.l2_regularization_strength as f32 + self.beta as f32 / (2.0 * lr);
        let w = var.value();
        let grad = ops::add(
            g,
            &ops::multiply(&w, 2.0 * self.l2_shrinkage_regularization_strength)?,
        )?;
        let new_accum = ops::add(accum.value(), &ops::square(g)?)?;
        let new_pow = ops::power(&new_accum, power)?;
        let sigma = ops::divide(
            &ops::subtract(&new_pow, &ops::power(accum.value(), power)?)?,
            lr as f64,
        )?;
        linear.assign_add(&ops::subtract(&grad, &ops::multiply(&sigma, &w)?)?)?;
        let quadratic = ops::add(&ops::divide(&new_pow, lr as f64)?, (2.0 * l2) as f64)?;
        let l1 = self.l1_regularization_strength;
        let lin = linear.value();
        var.assign(&ops::divide(
            &ops::subtract(&ops::clip(&lin, -l1, l1)?, &lin)?,
            &quadratic,
        )?)?;
        accum.assign(&new_accum)
    }
    fn config(&self) -> Config {
        let mut c = Config::new();
        c.insert(
            "learning_rate_power".into(),
            json!(self.learning_rate_power),
        );
        c.insert(
            "initial_accumulator_value".into(),
            json!(self.initial_accumulator_value),
        );
        c.insert(
            "l1_regularization_strength".into(),
            json!(self.l1_regularization_strength),
        );
        c.insert(
            "l2_regularization_strength".into(),
            json!(self.l2_regularization_strength),
        );
        c.insert(
            "l2_shrinkage_regularization_strength".into(),
            json!(self.l2_shrinkage_regularization_strength),
        );
        c.insert("beta".into(), json!(self.beta));
        c
    }
}
