//! Building an optimizer's variables and applying a step: loss-scale undo, gradient
//! accumulation, clipping, weight decay, the rule's update, EMA and the iteration count,
//! in the order Keras 3 (JAX backend) runs them.

use keras_backend::bail;
use keras_ops::{ops, DType, Error, Result, Tensor, Variable};

use super::optimizer::{Built, Optimizer};
use super::slots::Slots;
use super::update_rule::Step;

impl Optimizer {
    /// Creates the optimizer variables for `vars` (done by the first apply when not
    /// called): EMA averages, gradient accumulators, the rule's slots, extra variables.
    pub fn build(&mut self, vars: &[Variable]) -> Result<()> {
        let class = self.rule.class_name();
        if self.built.is_some() {
            bail!(class, "optimizer {:?} is already built", self.name);
        }
        let per_var = |suffix: &str| -> Result<Vec<Variable>> {
            let mut s = Slots::new(&self.name, vars.len());
            s.add_interleaved(vars, &[(suffix, 0.0)])?;
            Ok(s.variables().to_vec())
        };
        let averages = if self.use_ema {
            per_var("average")?
        } else {
            Vec::new()
        };
        let accumulators = if self.accumulation_steps().is_some() {
            per_var("gradient_accumulator")?
        } else {
            Vec::new()
        };
        let mut slots = Slots::new(&self.name, vars.len());
        self.rule.build_slots(vars, &mut slots)?;
        let extra = self
            .rule
            .extra_variables()
            .into_iter()
            .map(|(name, value)| {
                Ok(Variable::with_path(
                    Tensor::scalar(value as f32)?,
                    name,
                    &format!("{}/{name}", self.name),
                    false,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        self.built = Some(Built {
            trainable: vars.to_vec(),
            averages,
            accumulators,
            slots,
            extra,
        });
        Ok(())
    }

    /// Applies one step: `grads[i]` updates `vars[i]` (building the optimizer on `vars`
    /// at the first call).
    pub fn apply(&mut self, grads: &[Tensor], vars: &[Variable]) -> Result<()> {
        let class = self.rule.class_name();
        if grads.len() != vars.len() {
            bail!(
                class,
                "got {} gradients for {} variables",
                grads.len(),
                vars.len()
            );
        }
        if grads.is_empty() {
            return Ok(());
        }
        for (g, v) in grads.iter().zip(vars) {
            if g.dims() != v.shape().dims() {
                bail!(
                    class,
                    "gradient of shape {} does not match variable {:?} of shape {}",
                    g.shape(),
                    v.path(),
                    v.shape()
                );
            }
        }
        if self.built.is_none() {
            self.build(vars)?;
        }
        let built = self.built.as_ref().expect("built above");
        let indices = vars
            .iter()
            .map(|v| {
                built
                    .trainable
                    .iter()
                    .position(|t| t.ptr_eq(v))
                    .ok_or_else(|| {
                        Error::op(
                            class,
                            format!(
                                "unknown variable {:?}: the optimizer was built on other variables",
                                v.path()
                            ),
                        )
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut grads = grads
            .iter()
            .zip(vars)
            .map(|(g, v)| ops::cast(g, v.dtype()))
            .collect::<Result<Vec<_>>>()?;
        if let Some(scale) = self.loss_scale_factor {
            grads = grads
                .iter()
                .map(|g| ops::divide(g, scale))
                .collect::<Result<_>>()?;
        }
        let raw = self.raw_iterations();
        match self.accumulation_steps() {
            Some(n) => {
                let accs: Vec<&Variable> =
                    indices.iter().map(|&i| &built.accumulators[i]).collect();
                if (raw + 1) % n == 0 {
                    let mean = grads
                        .iter()
                        .zip(&accs)
                        .map(|(g, a)| ops::divide(&ops::add(g, a.value())?, n as f64))
                        .collect::<Result<Vec<_>>>()?;
                    self.update(built, mean, vars, &indices)?;
                    for a in accs {
                        a.assign(&ops::zeros_like(&a.value())?)?;
                    }
                } else {
                    for (g, a) in grads.iter().zip(accs) {
                        a.assign_add(g)?;
                    }
                }
            }
            None => self.update(built, grads, vars, &indices)?,
        }
        if self.use_ema {
            self.update_ema(built)?;
        }
        let next = Tensor::scalar_of((raw + 1) as f64, DType::I32)?;
        self.iterations.assign(&next)
    }

    /// Applies one step from `(gradient, variable)` pairs.
    pub fn apply_gradients(&mut self, grads_and_vars: &[(Tensor, Variable)]) -> Result<()> {
        let (grads, vars): (Vec<_>, Vec<_>) = grads_and_vars.iter().cloned().unzip();
        self.apply(&grads, &vars)
    }

    /// One update of `vars` from `grads`: clipping, weight decay, then the rule.
    fn update(
        &self,
        built: &Built,
        grads: Vec<Tensor>,
        vars: &[Variable],
        indices: &[usize],
    ) -> Result<()> {
        let lr = self.current_learning_rate()?;
        let grads = self.clip(grads)?;
        if let Some(wd) = self.weight_decay {
            for v in vars {
                let decay = ops::multiply(&ops::multiply(v.value(), wd)?, lr)?;
                v.assign_sub(&decay)?;
            }
        }
        let step = Step {
            learning_rate: lr,
            iteration: self.iterations(),
            extra: &built.extra,
        };
        self.rule.begin_step(&step)?;
        for ((g, v), &i) in grads.iter().zip(vars).zip(indices) {
            self.rule.update(&step, g, v, built.slots.of(i))?;
        }
        Ok(())
    }

    /// Keras's `_clip_gradients`: `clipnorm`, else `global_clipnorm`, else `clipvalue`.
    fn clip(&self, grads: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let positive = |v: Option<f64>| v.filter(|c| *c > 0.0);
        if let Some(c) = positive(self.clipnorm) {
            grads
                .iter()
                .map(|g| {
                    let norm = ops::sqrt(&ops::sum(&ops::square(g)?, None, true)?)?;
                    ops::divide(&ops::multiply(g, c)?, &ops::maximum(&norm, c)?)
                })
                .collect()
        } else if let Some(c) = positive(self.global_clipnorm) {
            let mut total = 0.0;
            for g in &grads {
                total += ops::sum(&ops::square(g)?, None, false)?.item()?;
            }
            let norm = total.sqrt() as f32 as f64;
            let scale = c * (1.0 / norm).min(1.0 / c);
            grads.iter().map(|g| ops::multiply(g, scale)).collect()
        } else if let Some(c) = positive(self.clipvalue) {
            grads.iter().map(|g| ops::clip(g, -c, c)).collect()
        } else {
            Ok(grads)
        }
    }
}
