//! [`UpdateRule`]: what each optimizer adds to the shared base, and the [`Step`] it sees.

use keras_ops::{Result, Tensor, Variable};

use super::slots::Slots;
use crate::saving::object::Config;

/// What an optimizer adds to the base: its slots and its per-variable update.
///
/// Each optimizer (`SGD`, `Adam`, ...) implements this; [`Optimizer`](super::Optimizer)
/// does the rest (learning rate, clipping, weight decay, EMA, gradient accumulation).
///
/// A custom rule, plain gradient descent with a fixed step size:
///
/// ```
/// use keras::optimizers::{Optimizer, Step, UpdateRule};
/// use keras::{ops, Result, Tensor, Variable};
/// use serde_json::Map;
///
/// #[derive(Debug)]
/// struct SignDescent;
/// impl UpdateRule for SignDescent {
///     fn class_name(&self) -> &'static str { "SignDescent" }
///     fn default_name(&self) -> &'static str { "sign_descent" }
///     fn slot_groups(&self) -> Vec<&'static [&'static str]> { vec![] }
///     fn update(&self, step: &Step, g: &Tensor, var: &Variable, _: &[Variable]) -> Result<()> {
///         var.assign_sub(&ops::multiply(&ops::sign(g)?, step.learning_rate)?)
///     }
///     fn config(&self) -> Map<String, serde_json::Value> { Map::new() }
/// }
/// let w = Variable::new(Tensor::from_vec(vec![1.0f32], [1]).unwrap(), "w", true);
/// let mut opt = Optimizer::new(SignDescent).learning_rate(0.5);
/// opt.apply(&[Tensor::from_vec(vec![-3.0f32], [1]).unwrap()], &[w.clone()]).unwrap();
/// assert_eq!(w.value().to_vec::<f32>().unwrap(), vec![1.5]);
/// ```
pub trait UpdateRule: std::fmt::Debug + Send + Sync {
    /// The Keras class name (`"Adam"`).
    fn class_name(&self) -> &'static str;
    /// The default optimizer name (`"adam"`).
    fn default_name(&self) -> &'static str;
    /// The default learning rate.
    fn default_learning_rate(&self) -> f64 {
        0.001
    }
    /// The default weight decay.
    fn default_weight_decay(&self) -> Option<f64> {
        None
    }
    /// Slot suffixes in groups; each group is created interleaved per variable
    /// (Keras's `add_optimizer_variables(var_list, [names...])`), groups one after another.
    fn slot_groups(&self) -> Vec<&'static [&'static str]>;
    /// The value the slot with this suffix starts at.
    fn slot_initial_value(&self, _suffix: &str) -> f64 {
        0.0
    }
    /// Creates the slots for `vars`; by default from [`UpdateRule::slot_groups`] and
    /// [`UpdateRule::slot_initial_value`]. Override for slots that are not shaped like
    /// their variable (Adafactor's factored second moments).
    fn build_slots(&self, vars: &[Variable], slots: &mut Slots) -> Result<()> {
        for group in self.slot_groups() {
            let names: Vec<(&str, f64)> = group
                .iter()
                .map(|s| (*s, self.slot_initial_value(s)))
                .collect();
            slots.add_interleaved(vars, &names)?;
        }
        Ok(())
    }
    /// Extra scalar float32 variables `(name, initial value)` created after the slots.
    fn extra_variables(&self) -> Vec<(&'static str, f64)> {
        Vec::new()
    }
    /// Runs once per applied step before the per-variable updates.
    fn begin_step(&self, _step: &Step) -> Result<()> {
        Ok(())
    }
    /// Updates `var` (and its `slots`, in creation order) from `grad`.
    fn update(&self, step: &Step, grad: &Tensor, var: &Variable, slots: &[Variable]) -> Result<()>;
    /// The optimizer-specific config keys, in Keras's order.
    fn config(&self) -> Config;
    /// `"package>Name"` for a custom rule registered with
    /// [`register_optimizer`](crate::saving::register_optimizer); `None` for Keras's.
    fn registered_name(&self) -> Option<String> {
        None
    }
}

/// What an update sees of the current step.
#[derive(Debug)]
pub struct Step<'a> {
    /// The learning rate (float32 value).
    pub learning_rate: f64,
    /// Keras's `optimizer.iterations` before this step: the number of applied updates
    /// (with gradient accumulation, the raw step count divided by the accumulation steps).
    pub iteration: i64,
    /// The variables of [`UpdateRule::extra_variables`].
    pub extra: &'a [Variable],
}
