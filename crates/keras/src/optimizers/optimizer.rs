//! The optimizer base: learning rate, iteration count, the common options (clipping,
//! weight decay, EMA, gradient accumulation) and the config Keras writes.

use keras_backend::bail;
use keras_ops::{DType, Result, Tensor, Variable};
use serde_json::{json, Map, Value};

use super::schedules::LearningRateSchedule;
use super::update_rule::UpdateRule;
use crate::saving::object::object_dict_registered;
use crate::saving::object::Config;
use crate::saving::ConfigExt;

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
pub(super) enum Lr {
    Variable(Variable),
    Schedule(LearningRateSchedule),
}

/// The variables created by [`Optimizer::build`].
#[derive(Debug)]
pub(super) struct Built {
    /// The model variables, in build order.
    pub trainable: Vec<Variable>,
    /// EMA `average` slots, one per model variable (empty without `use_ema`).
    pub averages: Vec<Variable>,
    /// `gradient_accumulator` slots (empty without gradient accumulation).
    pub accumulators: Vec<Variable>,
    /// The update rule's slots.
    pub slots: super::Slots,
    /// [`UpdateRule::extra_variables`].
    pub extra: Vec<Variable>,
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
    pub(super) rule: Box<dyn UpdateRule>,
    pub(super) name: String,
    pub(super) lr: Lr,
    pub(super) weight_decay: Option<f64>,
    pub(super) clipnorm: Option<f64>,
    pub(super) global_clipnorm: Option<f64>,
    pub(super) clipvalue: Option<f64>,
    pub(super) use_ema: bool,
    pub(super) ema_momentum: f64,
    pub(super) ema_overwrite_frequency: Option<i64>,
    pub(super) loss_scale_factor: Option<f64>,
    pub(super) gradient_accumulation_steps: Option<i64>,
    /// Keras's `_iterations`: every call to `apply` counts, accumulating or not.
    pub(super) iterations: Variable,
    pub(super) built: Option<Built>,
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
            use_ema: false,
            ema_momentum: 0.99,
            ema_overwrite_frequency: None,
            loss_scale_factor: None,
            gradient_accumulation_steps: None,
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
    /// Keeps an exponential moving average (EMA) of the model variables after each step
    /// (see [`Optimizer::ema_momentum`], [`Optimizer::finalize_variable_values`]).
    ///
    /// ```
    /// use keras::optimizers::Optimizer;
    /// use keras::{Tensor, Variable};
    /// let w = Variable::new(Tensor::from_vec(vec![1.0f32], [1]).unwrap(), "w", true);
    /// let mut opt = Optimizer::get("sgd").unwrap().learning_rate(0.5).use_ema(true).ema_momentum(0.5);
    /// for _ in 0..2 {
    ///     opt.apply(&[Tensor::from_vec(vec![1.0f32], [1]).unwrap()], &[w.clone()]).unwrap();
    /// }
    /// // w: 1 -> 0.5 -> 0; its average: 0.5 (first step copies), then 0.5·0.5 + 0.5·0
    /// assert_eq!(w.value().to_vec::<f32>().unwrap(), vec![0.0]);
    /// opt.finalize_variable_values(&[w.clone()]).unwrap();
    /// assert_eq!(w.value().to_vec::<f32>().unwrap(), vec![0.25]);
    /// ```
    pub fn use_ema(mut self, v: bool) -> Self {
        self.use_ema = v;
        self
    }
    /// The EMA momentum: `average = m · average + (1 - m) · value` (default 0.99).
    pub fn ema_momentum(mut self, v: f64) -> Self {
        self.ema_momentum = v;
        self
    }
    /// With EMA, overwrite the model variables with their averages every `n` steps.
    pub fn ema_overwrite_frequency(mut self, n: Option<i64>) -> Self {
        self.ema_overwrite_frequency = n;
        self
    }
    /// Divides gradients by this factor (undoing a loss scale).
    pub fn loss_scale_factor(mut self, v: Option<f64>) -> Self {
        self.loss_scale_factor = v;
        self
    }
    /// Accumulates gradients over `n` calls to `apply` (n ≥ 2) and updates the variables
    /// with their mean on every `n`-th call.
    ///
    /// ```
    /// use keras::optimizers::Optimizer;
    /// use keras::{Tensor, Variable};
    /// let w = Variable::new(Tensor::from_vec(vec![1.0f32], [1]).unwrap(), "w", true);
    /// let mut opt = Optimizer::get("sgd").unwrap().learning_rate(1.0).gradient_accumulation_steps(Some(2));
    /// opt.apply(&[Tensor::from_vec(vec![1.0f32], [1]).unwrap()], &[w.clone()]).unwrap();
    /// assert_eq!(w.value().to_vec::<f32>().unwrap(), vec![1.0]);
    /// opt.apply(&[Tensor::from_vec(vec![3.0f32], [1]).unwrap()], &[w.clone()]).unwrap();
    /// assert_eq!(w.value().to_vec::<f32>().unwrap(), vec![-1.0]);
    /// assert_eq!(opt.iterations(), 1);
    /// ```
    pub fn gradient_accumulation_steps(mut self, n: Option<i64>) -> Self {
        self.gradient_accumulation_steps = n;
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
    /// Keras's `optimizer.iterations`: the number of updates applied so far (with gradient
    /// accumulation, calls to `apply` divided by the accumulation steps).
    pub fn iterations(&self) -> i64 {
        match self.accumulation_steps() {
            Some(n) => self.raw_iterations().div_euclid(n),
            None => self.raw_iterations(),
        }
    }
    /// The gradient accumulation steps when accumulation is on (Keras treats 0 as off).
    pub(super) fn accumulation_steps(&self) -> Option<i64> {
        self.gradient_accumulation_steps.filter(|n| *n != 0)
    }
    /// The number of calls to `apply` so far (Keras's `_iterations`, the saved
    /// `iteration` variable; learning-rate schedules read it).
    pub fn raw_iterations(&self) -> i64 {
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
            Lr::Schedule(s) => s.value(self.raw_iterations())?,
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

    /// All optimizer variables in Keras's order: `iteration`, `learning_rate` (for a
    /// constant rate), the EMA averages, the gradient accumulators, the rule's slots,
    /// then any extra variables.
    pub fn variables(&self) -> Vec<Variable> {
        let mut out = vec![self.iterations.clone()];
        if let Lr::Variable(v) = &self.lr {
            out.push(v.clone());
        }
        if let Some(b) = &self.built {
            out.extend(b.averages.iter().cloned());
            out.extend(b.accumulators.iter().cloned());
            out.extend(b.slots.variables().iter().cloned());
            out.extend(b.extra.iter().cloned());
        }
        out
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
        c.insert("use_ema".into(), json!(self.use_ema));
        c.insert("ema_momentum".into(), json!(self.ema_momentum));
        c.insert(
            "ema_overwrite_frequency".into(),
            json!(self.ema_overwrite_frequency),
        );
        c.insert("loss_scale_factor".into(), json!(self.loss_scale_factor));
        c.insert(
            "gradient_accumulation_steps".into(),
            json!(self.gradient_accumulation_steps),
        );
        c.extend(self.rule.config());
        c
    }

    /// The Keras object dict (module `keras.optimizers`), with the `registered_name` of a
    /// custom rule.
    pub fn to_json(&self) -> Value {
        object_dict_registered(
            "keras.optimizers",
            self.rule.class_name(),
            self.get_config(),
            self.rule.registered_name(),
        )
    }

    /// An optimizer around `rule` with the base keys of config `c` (name, learning rate,
    /// clipping, weight decay, EMA, …), as Keras's `from_config`; for the constructors given
    /// to [`register_optimizer`](crate::saving::register_optimizer).
    ///
    /// ```
    /// use keras::optimizers::{Optimizer, SGD};
    /// let c = serde_json::json!({"name": "fast", "learning_rate": 0.5, "clipnorm": 1.0});
    /// let opt = Optimizer::from_rule_config(SGD::default(), c.as_object().unwrap()).unwrap();
    /// assert_eq!(opt.get_name(), "fast");
    /// assert_eq!(opt.get_config()["clipnorm"], 1.0);
    /// ```
    pub fn from_rule_config(rule: impl UpdateRule + 'static, c: &Config) -> Result<Self> {
        Self::with_base_config(rule, c)
    }

    /// Applies the base keys of a config to an optimizer built from its rule.
    pub(crate) fn with_base_config(rule: impl UpdateRule + 'static, c: &Config) -> Result<Self> {
        let n = rule.class_name();
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
            .use_ema(c.get_or("use_ema", false, n)?)
            .ema_momentum(c.get_or("ema_momentum", 0.99, n)?)
            .ema_overwrite_frequency(c.get_or("ema_overwrite_frequency", None, n)?)
            .loss_scale_factor(c.get_or("loss_scale_factor", None, n)?)
            .gradient_accumulation_steps(c.get_or("gradient_accumulation_steps", None, n)?);
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
        if let Some(steps) = self.accumulation_steps() {
            if steps < 2 {
                bail!(
                    n,
                    "gradient_accumulation_steps must be an integer >= 2, got {steps}"
                );
            }
        }
        if self.use_ema {
            if !(0.0..=1.0).contains(&self.ema_momentum) {
                bail!(
                    n,
                    "ema_momentum must be in the range [0, 1], got {}",
                    self.ema_momentum
                );
            }
            if let Some(f) = self.ema_overwrite_frequency.filter(|f| *f != 0) {
                if f < 1 {
                    bail!(
                        n,
                        "ema_overwrite_frequency must be an integer >= 1 or None, got {f}"
                    );
                }
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
