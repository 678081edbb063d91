//! The optimizer base: learning rate, iteration count, slot variables, gradient
//! clipping, decoupled weight decay and the update loop shared by every optimizer.

use keras_backend::bail;
use keras_ops::{ops, DType, Result, Tensor, Variable};
use serde_json::{json, Map, Value};

use super::schedules::LearningRateSchedule;
use crate::saving::object::Config;
use crate::saving::{object_dict, ConfigExt};

/// What an optimizer adds to the base: its slots and its per-variable update.
///
/// Each optimizer (`SGD`, `Adam`, ...) implements this; [`Optimizer`] does the rest.
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
    /// The value slots start at.
    fn slot_initial_value(&self) -> f64 {
        0.0
    }
    /// Extra scalar float32 variables `(name, initial value)` created after the slots.
    fn extra_variables(&self) -> Vec<(&'static str, f64)> {
        Vec::new()
    }
    /// Runs once per step before the per-variable updates.
    fn begin_step(&self, _step: &Step) -> Result<()> {
        Ok(())
    }
    /// Updates `var` (and its `slots`, in [`UpdateRule::slot_groups`] order) from `grad`.
    fn update(&self, step: &Step, grad: &Tensor, var: &Variable, slots: &[Variable]) -> Result<()>;
    /// The optimizer-specific config keys, in Keras's order.
    fn config(&self) -> Config;
}

/// What an update sees of the current step.
#[derive(Debug)]
pub struct Step<'a> {
    /// The learning rate (float32 value).
    pub learning_rate: f64,
    /// The iteration count before this step (`optimizer.iterations`).
    pub iteration: i64,
    /// The variables of [`UpdateRule::extra_variables`].
    pub extra: &'a [Variable],
}

/// A learning rate: a constant (held in a float32 variable) or a schedule.
#[derive(Clone, Debug, PartialEq)]
pub enum LearningRate {
    /// A fixed rate.
    Constant(f64),
    /// A rate computed from the iteration count.
    Schedule(LearningRateSchedule),
}

impl From<f64> for LearningRate {
    fn from(v: f64) -> Self {
        LearningRate::Constant(v)
    }
}

impl From<LearningRateSchedule> for LearningRate {
    fn from(s: LearningRateSchedule) -> Self {
        LearningRate::Schedule(s)
    }
}

#[derive(Debug)]
enum Lr {
    Variable(Variable),
    Schedule(LearningRateSchedule),
}

#[derive(Debug)]
struct Built {
    trainable: Vec<Variable>,
    /// Per trainable variable, its slots in `slot_groups` order.
    slots: Vec<Vec<Variable>>,
    /// All slots in Keras's creation order.
    ordered: Vec<Variable>,
    extra: Vec<Variable>,
}

/// A Keras optimizer: an [`UpdateRule`] plus the shared base state.
///
/// ```
/// use keras::optimizers::Optimizer;
/// use keras::{Tensor, Variable};
/// let w = Variable::new(Tensor::from_vec(vec![1.0f32, 2.0], [2]).unwrap(), "w", true);
/// let mut opt = Optimizer::get("sgd").unwrap();
/// let g = Tensor::from_vec(vec![10.0f32, -10.0], [2]).unwrap();
/// opt.apply_gradients(&[(g, w.clone())]).unwrap();
/// assert_eq!(w.value().to_vec::<f32>().unwrap(), vec![0.9, 2.1]);
/// assert_eq!(opt.iterations(), 1);
/// ```
#[derive(Debug)]
pub struct Optimizer {
    rule: Box<dyn UpdateRule>,
    name: String,
    lr: Lr,
    weight_decay: Option<f64>,
    clipnorm: Option<f64>,
    global_clipnorm: Option<f64>,
    clipvalue: Option<f64>,
    loss_scale_factor: Option<f64>,
    iterations: Variable,
    built: Option<Built>,
}

impl Optimizer {
    /// An optimizer with `rule` and Keras's defaults (name, learning rate, weight decay).
    pub fn new(rule: impl UpdateRule + 'static) -> Optimizer {
        let name = rule.default_name().to_string();
        let lr = rule.default_learning_rate();
        let weight_decay = rule.default_weight_decay();
        Optimizer {
            rule: Box::new(rule),
            iterations: iterations_variable(&name),
            lr: lr_state(&name, LearningRate::Constant(lr)),
            name,
            weight_decay,
            clipnorm: None,
            global_clipnorm: None,
            clipvalue: None,
            loss_scale_factor: None,
            built: None,
        }
    }

    /// Sets the learning rate (a float or a [`LearningRateSchedule`]).
    pub fn learning_rate(mut self, lr: impl Into<LearningRate>) -> Self {
        self.lr = lr_state(&self.name, lr.into());
        self
    }
    /// Sets the name (and so the paths of the optimizer's variables); call before building.
    pub fn name(mut self, name: &str) -> Self {
        self.name = name.to_string();
        self.iterations = iterations_variable(name);
        let lr = self.learning_rate_spec();
        self.lr = lr_state(&self.name, lr);
        self
    }
    /// Decoupled weight decay: `w -= w · weight_decay · lr` before each update.
    pub fn weight_decay(mut self, v: Option<f64>) -> Self {
        self.weight_decay = v;
        self
    }
    /// Clips each gradient to this L2 norm.
    pub fn clipnorm(mut self, v: Option<f64>) -> Self {
        self.clipnorm = v;
        self
    }
    /// Clips all gradients together to this global L2 norm.
    pub fn global_clipnorm(mut self, v: Option<f64>) -> Self {
        self.global_clipnorm = v;
        self
    }
    /// Clips each gradient element to `[-v, v]`.
    pub fn clipvalue(mut self, v: Option<f64>) -> Self {
        self.clipvalue = v;
        self
    }
    /// Divides gradients by this factor (undoing a loss scale).
    pub fn loss_scale_factor(mut self, v: Option<f64>) -> Self {
        self.loss_scale_factor = v;
        self
    }

    /// The optimizer's name (`"adam"`).
    pub fn get_name(&self) -> &str {
        &self.name
    }
    /// The Keras class name (`"Adam"`).
    pub fn class_name(&self) -> &'static str {
        self.rule.class_name()
    }
    /// The update rule.
    pub fn rule(&self) -> &dyn UpdateRule {
        self.rule.as_ref()
    }
    /// The number of steps applied so far.
    pub fn iterations(&self) -> i64 {
        self.iterations
            .value()
            .item()
            .map(|v| v as i64)
            .unwrap_or(0)
    }
    /// The learning rate as configured (a float or a schedule).
    pub fn learning_rate_spec(&self) -> LearningRate {
        match &self.lr {
            Lr::Variable(v) => LearningRate::Constant(v.value().item().unwrap_or(f64::NAN)),
            Lr::Schedule(s) => LearningRate::Schedule(s.clone()),
        }
    }
    /// The learning rate of the next step (float32 value).
    pub fn current_learning_rate(&self) -> Result<f64> {
        let lr = match &self.lr {
            Lr::Variable(v) => v.value().item()?,
            Lr::Schedule(s) => s.value(self.iterations())?,
        };
        if !lr.is_finite() {
            bail!(self.rule.class_name(), "learning rate is {lr}");
        }
        Ok(lr)
    }

    /// Sets a constant learning rate in place (Keras's `optimizer.learning_rate = value`),
    /// as learning-rate callbacks do between steps. Like Keras, an optimizer created with a
    /// [`LearningRateSchedule`] refuses: its rate is not settable.
    ///
    /// ```
    /// use keras::optimizers::Optimizer;
    /// let opt = Optimizer::get("adam").unwrap();
    /// opt.set_learning_rate(0.5).unwrap();
    /// assert_eq!(opt.current_learning_rate().unwrap(), 0.5);
    /// ```
    pub fn set_learning_rate(&self, lr: f64) -> Result<()> {
        let class = self.rule.class_name();
        if !lr.is_finite() {
            bail!(class, "set_learning_rate: the learning rate is {lr}");
        }
        match &self.lr {
            Lr::Variable(v) => v.assign(&Tensor::scalar(lr as f32)?),
            Lr::Schedule(_) => bail!(
                class,
                "set_learning_rate: this optimizer was created with a LearningRateSchedule \
                 as its learning_rate, hence its learning rate is not settable; create it \
                 with a float learning_rate to set it"
            ),
        }
    }

    /// Whether [`Optimizer::build`] has run.
    pub fn built(&self) -> bool {
        self.built.is_some()
    }

    /// Creates the slot variables for `vars` (done by the first apply when not called).
    pub fn build(&mut self, vars: &[Variable]) -> Result<()> {
        if self.built.is_some() {
            bail!(
                self.rule.class_name(),
                "optimizer {:?} is already built",
                self.name
            );
        }
        let init = self.rule.slot_initial_value();
        let mut slots = vec![Vec::new(); vars.len()];
        let mut ordered = Vec::new();
        for group in self.rule.slot_groups() {
            for (i, v) in vars.iter().enumerate() {
                for suffix in group {
                    let name = format!("{}_{suffix}", v.path().replace('/', "_"));
                    let value = ops::full(v.shape().dims(), init, v.dtype())?;
                    let slot =
                        Variable::with_path(value, &name, &format!("{}/{name}", self.name), false);
                    slots[i].push(slot.clone());
                    ordered.push(slot);
                }
            }
        }
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
            slots,
            ordered,
            extra,
        });
        Ok(())
    }

    /// All optimizer variables in Keras's order: `iteration`, `learning_rate` (for a
    /// constant rate), the slots, then any extra variables.
    pub fn variables(&self) -> Vec<Variable> {
        let mut out = vec![self.iterations.clone()];
        if let Lr::Variable(v) = &self.lr {
            out.push(v.clone());
        }
        if let Some(b) = &self.built {
            out.extend(b.ordered.iter().cloned());
            out.extend(b.extra.iter().cloned());
        }
        out
    }

    /// Applies one step: `grads[i]` updates `vars[i]`.
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
                        keras_ops::Error::op(
                            class,
                            format!(
                                "unknown variable {:?}: the optimizer was built on other variables",
                                v.path()
                            ),
                        )
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        let lr = self.current_learning_rate()?;
        let mut grads = grads.to_vec();
        if let Some(scale) = self.loss_scale_factor {
            grads = grads
                .iter()
                .map(|g| ops::divide(g, scale))
                .collect::<Result<_>>()?;
        }
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
        for ((g, v), i) in grads.iter().zip(vars).zip(indices) {
            let g = ops::cast(g, v.dtype())?;
            self.rule.update(&step, &g, v, &built.slots[i])?;
        }
        let next = Tensor::scalar_of((step.iteration + 1) as f64, DType::I32)?;
        self.iterations.assign(&next)
    }

    /// Applies one step from `(gradient, variable)` pairs.
    pub fn apply_gradients(&mut self, grads_and_vars: &[(Tensor, Variable)]) -> Result<()> {
        let (grads, vars): (Vec<_>, Vec<_>) = grads_and_vars.iter().cloned().unzip();
        self.apply(&grads, &vars)
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

    /// `get_config()`: the base keys then the optimizer's own, as Keras writes them.
    pub fn get_config(&self) -> Config {
        let lr = match &self.lr {
            Lr::Variable(v) => json!(v.value().item().unwrap_or(f64::NAN)),
            Lr::Schedule(s) => s.to_json(),
        };
        let mut c = Map::new();
        c.insert("name".into(), json!(self.name));
        c.insert("learning_rate".into(), lr);
        c.insert("weight_decay".into(), json!(self.weight_decay));
        c.insert("clipnorm".into(), json!(self.clipnorm));
        c.insert("global_clipnorm".into(), json!(self.global_clipnorm));
        c.insert("clipvalue".into(), json!(self.clipvalue));
        c.insert("use_ema".into(), json!(false));
        c.insert("ema_momentum".into(), json!(0.99));
        c.insert("ema_overwrite_frequency".into(), Value::Null);
        c.insert("loss_scale_factor".into(), json!(self.loss_scale_factor));
        c.insert("gradient_accumulation_steps".into(), Value::Null);
        c.extend(self.rule.config());
        c
    }

    /// The Keras object dict (module `keras.optimizers`).
    pub fn to_json(&self) -> Value {
        object_dict(
            "keras.optimizers",
            self.rule.class_name(),
            self.get_config(),
        )
    }

    /// Applies the base keys of a config to an optimizer built from its rule.
    pub(crate) fn with_base_config(rule: impl UpdateRule + 'static, c: &Config) -> Result<Self> {
        let n = rule.class_name();
        if c.get_or("use_ema", false, n)? {
            bail!(n, "use_ema is not supported");
        }
        if c.get_or::<Option<i64>>("gradient_accumulation_steps", None, n)?
            .is_some()
        {
            bail!(n, "gradient_accumulation_steps is not supported");
        }
        let mut o = Optimizer::new(rule);
        let default_wd = o.weight_decay;
        if let Some(name) = c.get_or::<Option<String>>("name", None, n)? {
            o = o.name(&name);
        }
        o = match c.get("learning_rate") {
            None | Some(Value::Null) => o,
            Some(Value::Number(x)) => o.learning_rate(x.as_f64().unwrap_or(f64::NAN)),
            Some(v) => o.learning_rate(LearningRateSchedule::from_json(v)?),
        };
        let o = o
            .weight_decay(c.get_or("weight_decay", default_wd, n)?)
            .clipnorm(c.get_or("clipnorm", None, n)?)
            .global_clipnorm(c.get_or("global_clipnorm", None, n)?)
            .clipvalue(c.get_or("clipvalue", None, n)?)
            .loss_scale_factor(c.get_or("loss_scale_factor", None, n)?);
        o.validate()?;
        Ok(o)
    }

    /// Checks the base options as Keras's constructor does.
    pub fn validate(&self) -> Result<()> {
        let n = self.rule.class_name();
        let set = [self.clipnorm, self.global_clipnorm, self.clipvalue]
            .iter()
            .filter(|v| v.is_some())
            .count();
        if set > 1 {
            bail!(
                n,
                "only one of clipnorm, clipvalue and global_clipnorm can be set"
            );
        }
        if let LearningRate::Constant(v) = self.learning_rate_spec() {
            if !v.is_finite() {
                bail!(n, "learning rate is {v}");
            }
        }
        Ok(())
    }
}

fn iterations_variable(name: &str) -> Variable {
    Variable::with_path(
        Tensor::scalar_of(0.0, DType::I32).expect("a scalar tensor"),
        "iteration",
        &format!("{name}/iteration"),
        false,
    )
}

fn lr_state(name: &str, lr: LearningRate) -> Lr {
    match lr {
        LearningRate::Constant(v) => Lr::Variable(Variable::with_path(
            Tensor::scalar(v as f32).expect("a scalar tensor"),
            "learning_rate",
            &format!("{name}/learning_rate"),
            false,
        )),
        LearningRate::Schedule(s) => Lr::Schedule(s),
    }
}
