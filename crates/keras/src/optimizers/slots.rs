//! [`Slots`]: the variables an optimizer creates when it is built.

use keras_backend::bail;
use keras_ops::{ops, Result, Tensor, Variable};

/// The optimizer variables created at build time, in Keras's creation order, and for
/// each model variable the ones its update uses (in the order they were added).
///
/// Names follow Keras: a slot made from a model variable at path `dense/kernel` with suffix
/// `momentum` is named `dense_kernel_momentum`, at path `{optimizer}/dense_kernel_momentum`.
///
/// ```
/// use keras::optimizers::Slots;
/// use keras::{Tensor, Variable};
/// let w = Variable::with_path(Tensor::from_vec(vec![0.0f32; 2], [2]).unwrap(), "kernel", "dense/kernel", true);
/// let mut slots = Slots::new("adam", 1);
/// slots.add_interleaved(&[w], &[("momentum", 0.0), ("velocity", 0.0)]).unwrap();
/// assert_eq!(slots.variables()[1].path(), "adam/dense_kernel_velocity");
/// assert_eq!(slots.of(0).len(), 2);
/// ```
#[derive(Debug, Default)]
pub struct Slots {
    scope: String,
    per_var: Vec<Vec<Variable>>,
    ordered: Vec<Variable>,
}

impl Slots {
    /// Empty slots for `n` model variables, under the optimizer's name `scope`.
    pub fn new(scope: &str, n: usize) -> Slots {
        Slots {
            scope: scope.to_string(),
            per_var: vec![Vec::new(); n],
            ordered: Vec::new(),
        }
    }

    /// Keras's `add_variable`: a non-trainable variable `name` (path `{scope}/{name}`)
    /// holding `value`, used by the update of model variable `index`.
    pub fn add(&mut self, index: usize, name: &str, value: Tensor) -> Result<Variable> {
        let Some(list) = self.per_var.get_mut(index) else {
            bail!(
                "Optimizer.build",
                "slot {name:?} for variable {index} of {}",
                self.ordered.len()
            );
        };
        let v = Variable::with_path(value, name, &format!("{}/{name}", self.scope), false);
        list.push(v.clone());
        self.ordered.push(v.clone());
        Ok(v)
    }

    /// Keras's `add_variable_from_reference`: a slot shaped and typed like `var` (model
    /// variable `index`), filled with `value`, named `{var.path with '/' as '_'}_{suffix}`.
    pub fn add_from_reference(
        &mut self,
        index: usize,
        var: &Variable,
        suffix: &str,
        value: f64,
    ) -> Result<Variable> {
        let name = reference_name(var, suffix);
        let init = ops::full(var.shape().dims(), value, var.dtype())?;
        self.add(index, &name, init)
    }

    /// Keras's `add_optimizer_variables(vars, names, initializers)`: for each variable in
    /// turn, one slot per `(suffix, initial value)`.
    pub fn add_interleaved(&mut self, vars: &[Variable], names: &[(&str, f64)]) -> Result<()> {
        for (i, v) in vars.iter().enumerate() {
            for (suffix, value) in names {
                self.add_from_reference(i, v, suffix, *value)?;
            }
        }
        Ok(())
    }

    /// The slots of model variable `index`, in the order they were added.
    pub fn of(&self, index: usize) -> &[Variable] {
        self.per_var.get(index).map_or(&[], Vec::as_slice)
    }

    /// All slots in creation order.
    pub fn variables(&self) -> &[Variable] {
        &self.ordered
    }
}

/// Keras's slot name for a model variable: its path with `/` replaced by `_`, then `_suffix`.
pub(crate) fn reference_name(var: &Variable, suffix: &str) -> String {
    format!("{}_{suffix}", var.path().replace('/', "_"))
}
