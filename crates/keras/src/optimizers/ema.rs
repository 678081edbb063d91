//! The exponential moving average (EMA) of model variables kept by an optimizer with
//! `use_ema`: its update after each step, the periodic overwrite, and the swaps the
//! `SwapEMAWeights` callback and the end of `fit` perform.

use keras_backend::bail;
use keras_ops::{ops, Result, Variable};

use super::optimizer::{Built, Optimizer};

impl Optimizer {
    /// After a step: `average = m · average + (1 - m) · value` for every model variable
    /// (`m` = 0 on the first update, so the average starts at the value), then, every
    /// `ema_overwrite_frequency` updates, the model variables take their averages.
    pub(super) fn update_ema(&self, built: &Built) -> Result<()> {
        let first = self.iterations() == 0;
        let momentum = if first { 0.0 } else { self.ema_momentum as f32 };
        let rest = 1.0 - momentum;
        for (v, avg) in built.trainable.iter().zip(&built.averages) {
            avg.assign(&ops::add(
                &ops::multiply(avg.value(), momentum as f64)?,
                &ops::multiply(v.value(), rest as f64)?,
            )?)?;
        }
        if let Some(f) = self.ema_overwrite_frequency.filter(|f| *f != 0) {
            if (self.iterations() + 1) % f == 0 {
                for (v, avg) in built.trainable.iter().zip(&built.averages) {
                    v.assign(&avg.value())?;
                }
            }
        }
        Ok(())
    }

    /// Whether the optimizer keeps an EMA of the model variables.
    pub fn uses_ema(&self) -> bool {
        self.use_ema
    }

    /// The EMA `average` variables, one per model variable in build order (empty until
    /// built, or without `use_ema`).
    pub fn ema_variables(&self) -> Vec<Variable> {
        self.built
            .as_ref()
            .map(|b| b.averages.clone())
            .unwrap_or_default()
    }

    /// The model variables paired with their averages; an error naming `what` unless
    /// the optimizer uses EMA and is built.
    fn ema_pairs(&self, what: &str) -> Result<(&[Variable], &[Variable])> {
        let class = self.rule.class_name();
        if !self.use_ema {
            bail!(
                class,
                "{what} needs an optimizer with use_ema=True (got use_ema=False)"
            );
        }
        match &self.built {
            Some(b) => Ok((&b.trainable, &b.averages)),
            None => bail!(class, "{what}: the optimizer is not built yet"),
        }
    }

    /// Exchanges each model variable's value with its EMA value (what Keras's
    /// `SwapEMAWeights` callback does around evaluation; calling it twice restores both).
    ///
    /// ```
    /// use keras::optimizers::Optimizer;
    /// use keras::{Tensor, Variable};
    /// let w = Variable::new(Tensor::from_vec(vec![1.0f32], [1]).unwrap(), "w", true);
    /// let mut opt = Optimizer::get("sgd").unwrap().learning_rate(1.0).use_ema(true);
    /// opt.apply(&[Tensor::from_vec(vec![1.0f32], [1]).unwrap()], &[w.clone()]).unwrap();
    /// opt.apply(&[Tensor::from_vec(vec![1.0f32], [1]).unwrap()], &[w.clone()]).unwrap();
    /// let average = opt.ema_variables()[0].value().to_vec::<f32>().unwrap()[0];
    /// opt.swap_ema_weights().unwrap();
    /// assert_eq!(w.value().to_vec::<f32>().unwrap(), vec![average]);
    /// assert_eq!(opt.ema_variables()[0].value().to_vec::<f32>().unwrap(), vec![-1.0]);
    /// ```
    pub fn swap_ema_weights(&self) -> Result<()> {
        let (vars, averages) = self.ema_pairs("swap_ema_weights")?;
        for (v, avg) in vars.iter().zip(averages) {
            let value = v.value();
            v.assign(&avg.value())?;
            avg.assign(&value)?;
        }
        Ok(())
    }

    /// Copies each model variable's value into its EMA variable (what `SwapEMAWeights`
    /// does at the end of training when it swapped for evaluation, so that
    /// [`Optimizer::finalize_variable_values`] keeps the model's values).
    pub fn copy_model_weights_to_ema(&self) -> Result<()> {
        let (vars, averages) = self.ema_pairs("copy_model_weights_to_ema")?;
        for (v, avg) in vars.iter().zip(averages) {
            avg.assign(&v.value())?;
        }
        Ok(())
    }

    /// Keras's `finalize_variable_values(var_list)`, run at the end of `fit`: with
    /// `use_ema`, each variable of `vars` (in build order) takes its moving average;
    /// without EMA nothing happens.
    pub fn finalize_variable_values(&self, vars: &[Variable]) -> Result<()> {
        if !self.use_ema {
            return Ok(());
        }
        let (_, averages) = self.ema_pairs("finalize_variable_values")?;
        if vars.len() != averages.len() {
            bail!(
                self.rule.class_name(),
                "finalize_variable_values: got {} variables but the optimizer holds \
                 averages of {}; was it applied to this model?",
                vars.len(),
                averages.len()
            );
        }
        for (v, avg) in vars.iter().zip(averages) {
            v.assign(&avg.value())?;
        }
        Ok(())
    }
}
