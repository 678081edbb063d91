//! `keras.optimizers.Adagrad`.

use keras_ops::{ops, Result, Tensor, Variable};
use serde_json::json;

use super::update_rule::{Step, UpdateRule};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// Adagrad: divides by the root of the summed squared gradients (`accumulator` slots,
/// starting at `initial_accumulator_value`).
///
/// ```
/// use keras::optimizers::{Adagrad, Optimizer};
/// let opt = Optimizer::new(Adagrad::default());
/// assert_eq!(opt.get_config()["initial_accumulator_value"], 0.1);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Adagrad {
    /// Starting value of the accumulators.
    pub initial_accumulator_value: f64,
    /// Numerical stability constant.
    pub epsilon: f64,
}

impl Default for Adagrad {
    fn default() -> Self {
        Adagrad {
            initial_accumulator_value: 0.1,
            epsilon: 1e-7,
        }
    }
}

impl Adagrad {
    /// From the optimizer-specific config keys.
    pub fn from_config(c: &Config) -> Result<Self> {
        let (d, n) = (Adagrad::default(), "Adagrad");
        Ok(Adagrad {
            initial_accumulator_value: c.get_or(
                "initial_accumulator_value",
                d.initial_accumulator_value,
                n,
            )?,
            epsilon: c.get_or("epsilon", d.epsilon, n)?,
        })
    }
}

impl UpdateRule for Adagrad {
    fn class_name(&self) -> &'static str {
        "Adagrad"
    }
    fn default_name(&self) -> &'static str {
        "adagrad"
    }
    fn slot_groups(&self) -> Vec<&'static [&'static str]> {
        vec![&["accumulator"]]
    }
    fn slot_initial_value(&self, _suffix: &str) -> f64 {
        self.initial_accumulator_value
    }
    fn update(&self, step: &Step, g: &Tensor, var: &Variable, slots: &[Variable]) -> Result<()> {
        let acc = &slots[0];
        acc.assign_add(&ops::square(g)?)?;
        var.assign_sub(&ops::divide(
            &ops::multiply(g, step.learning_rate)?,
            &ops::sqrt(&ops::add(acc.value(), self.epsilon)?)?,
        )?)
    }
    fn config(&self) -> Config {
        let mut c = Config::new();
        c.insert(
            "initial_accumulator_value".into(),
            json!(self.initial_accumulator_value),
        );
        c.insert("epsilon".into(), json!(self.epsilon));
        c
    }
}
