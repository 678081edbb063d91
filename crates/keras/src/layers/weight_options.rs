//! The initializer / regularizer / constraint triple that layers keep per weight
//! (`kernel_initializer`, `kernel_regularizer`, `kernel_constraint`, …).

use keras_ops::{Result, Variable};
use serde_json::Value;

use crate::constraints::Constraint;
use crate::initializers::{self, Initializer};
use crate::layers::LayerBase;
use crate::regularizers::Regularizer;
use crate::saving::object::Config;

/// How one weight of a layer is created and kept in check.
#[derive(Clone, Debug, PartialEq)]
pub struct WeightOptions {
    /// First values.
    pub initializer: Initializer,
    /// Penalty added to the loss.
    pub regularizer: Option<Regularizer>,
    /// Projection after each optimizer step.
    pub constraint: Option<Constraint>,
}

impl WeightOptions {
    /// Only an initializer.
    pub fn new(initializer: Initializer) -> WeightOptions {
        WeightOptions {
            initializer,
            regularizer: None,
            constraint: None,
        }
    }

    /// Reads `{prefix}_initializer`, `{prefix}_regularizer` and `{prefix}_constraint`.
    pub fn from_config(c: &Config, prefix: &str, default: Initializer) -> Result<WeightOptions> {
        let opt = |key: String| c.get(&key).filter(|v| !v.is_null());
        Ok(WeightOptions {
            initializer: initializers::from_config(c, &format!("{prefix}_initializer"), default)?,
            regularizer: opt(format!("{prefix}_regularizer"))
                .map(Regularizer::from_json)
                .transpose()?,
            constraint: opt(format!("{prefix}_constraint"))
                .map(Constraint::from_json)
                .transpose()?,
        })
    }

    /// Writes `{prefix}_initializer`.
    pub fn write_initializer(&self, c: &mut Config, prefix: &str) {
        c.insert(format!("{prefix}_initializer"), self.initializer.to_json());
    }
    /// Writes `{prefix}_regularizer` (null when none).
    pub fn write_regularizer(&self, c: &mut Config, prefix: &str) {
        let v = self
            .regularizer
            .as_ref()
            .map_or(Value::Null, Regularizer::to_json);
        c.insert(format!("{prefix}_regularizer"), v);
    }
    /// Writes `{prefix}_constraint` (null when none).
    pub fn write_constraint(&self, c: &mut Config, prefix: &str) {
        let v = self
            .constraint
            .as_ref()
            .map_or(Value::Null, Constraint::to_json);
        c.insert(format!("{prefix}_constraint"), v);
    }

    /// Creates the weight `name` of `shape` on `base` with these options.
    pub fn add(&self, base: &LayerBase, name: &str, shape: &[usize]) -> Result<Variable> {
        base.add_weight_with(
            name,
            shape,
            &self.initializer,
            true,
            self.regularizer.as_ref(),
            self.constraint.as_ref(),
        )
    }
}
