//! `keras.optimizers.AdamW`: Adam with decoupled weight decay (default 0.004).

use keras_ops::{Result, Tensor, Variable};

use super::adam::Adam;
use super::update_rule::{Step, UpdateRule};
use crate::saving::object::Config;

/// AdamW: the [`Adam`] update with a default `weight_decay` of 0.004, applied by the
/// base optimizer before each update.
///
/// ```
/// use keras::optimizers::{AdamW, Optimizer};
/// let opt = Optimizer::new(AdamW::default());
/// assert_eq!(opt.get_config()["weight_decay"], 0.004);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AdamW(pub Adam);

impl UpdateRule for AdamW {
    fn class_name(&self) -> &'static str {
        "AdamW"
    }
    fn default_name(&self) -> &'static str {
        "adam_w"
    }
    fn default_weight_decay(&self) -> Option<f64> {
        Some(0.004)
    }
    fn slot_groups(&self) -> Vec<&'static [&'static str]> {
        self.0.groups()
    }
    fn update(&self, step: &Step, g: &Tensor, var: &Variable, slots: &[Variable]) -> Result<()> {
        self.0.step(step, g, var, slots)
    }
    fn config(&self) -> Config {
        self.0.keys()
    }
}
