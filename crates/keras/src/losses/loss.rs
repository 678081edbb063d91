//! The [`Loss`] trait, [`Reduction`] and the shared call logic of every Keras loss
//! (`keras.losses.Loss.__call__`: per-sample values, mask and sample weights merged,
//! then reduced as `reduce_weighted_values`).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock, RwLock};

use keras_backend::bail;
use keras_ops::{ops, Error, Result, Tensor};
use serde_json::{json, Value};

use crate::saving::object::object_dict_registered;
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// How per-sample losses are reduced to the returned value (`reduction=` in Keras).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Reduction {
    /// `"sum_over_batch_size"` (the default): the weighted sum divided by the number of
    /// per-sample values.
    #[default]
    SumOverBatchSize,
    /// `"sum"`: the weighted sum.
    Sum,
    /// `"mean"`: as `"sum_over_batch_size"`.
    Mean,
    /// `"mean_with_sample_weight"`: the weighted sum divided by the sum of the sample
    /// weights (by the number of values without sample weights).
    MeanWithSampleWeight,
    /// `"none"` (or `None`): the weighted per-sample values, unreduced.
    None,
}

impl Reduction {
    /// Keras's string for this reduction.
    pub fn as_str(self) -> &'static str {
        match self {
            Reduction::SumOverBatchSize => "sum_over_batch_size",
            Reduction::Sum => "sum",
            Reduction::Mean => "mean",
            Reduction::MeanWithSampleWeight => "mean_with_sample_weight",
            Reduction::None => "none",
        }
    }

    /// Parses Keras's string (`null` is `"none"`); an error names the allowed values.
    pub fn parse(value: &Value) -> Result<Reduction> {
        Ok(match value {
            Value::Null => Reduction::None,
            Value::String(s) => match s.as_str() {
                "sum_over_batch_size" => Reduction::SumOverBatchSize,
                "sum" => Reduction::Sum,
                "mean" => Reduction::Mean,
                "mean_with_sample_weight" => Reduction::MeanWithSampleWeight,
                "none" => Reduction::None,
                other => bail!("Loss", "invalid reduction {other:?}; expected one of \"sum_over_batch_size\", \"sum\", \"mean\", \"mean_with_sample_weight\", \"none\""),
            },
            other => bail!("Loss", "reduction must be a string or null, got {other}"),
        })
    }
}

/// What [`Loss::call`] returns: the unreduced per-sample losses and, when some entries
/// do not count (`SparseCategoricalCrossentropy(ignore_class=…)`), a boolean mask of the
/// entries that do.
#[derive(Clone, Debug)]
pub struct PerSample {
    /// Unreduced losses.
    pub values: Tensor,
    /// Which entries of `values` count (same shape), if not all.
    pub mask: Option<Tensor>,
}

impl From<Tensor> for PerSample {
    fn from(values: Tensor) -> Self {
        PerSample { values, mask: None }
    }
}

/// The name and reduction every loss carries (`Loss(name=…, reduction=…)`).
#[derive(Clone, Debug, PartialEq)]
pub struct LossBase {
    /// The loss's name (Keras's default is the snake-case function name).
    pub name: String,
    /// How [`Loss::compute`] reduces the per-sample values.
    pub reduction: Reduction,
}

impl LossBase {
    /// A base with `name` and the default reduction.
    pub fn new(name: &str) -> LossBase {
        LossBase {
            name: name.into(),
            reduction: Reduction::default(),
        }
    }

    /// Reads `name` (default `default_name`) and `reduction` from a config.
    pub fn from_config(config: &Config, default_name: &str, owner: &str) -> Result<LossBase> {
        let name: Option<String> = config.get_or("name", None, owner)?;
        let reduction = match config.get("reduction") {
            None => Reduction::default(),
            Some(v) => Reduction::parse(v)?,
        };
        Ok(LossBase {
            name: name.unwrap_or_else(|| default_name.into()),
            reduction,
        })
    }
}

/// A Keras loss: [`Loss::call`] gives per-sample values, [`Loss::compute`] weighs and
/// reduces them like `loss(y_true, y_pred, sample_weight)` in Keras.
///
/// ```
/// use keras::losses::{Loss, MeanSquaredError, Reduction};
/// let y_true = keras::Tensor::from_vec(vec![0.0f32, 1.0, 1.0, 1.0], [2, 2]).unwrap();
/// let y_pred = keras::Tensor::from_vec(vec![1.0f32, 1.0, 1.0, 0.0], [2, 2]).unwrap();
/// let mse = MeanSquaredError::new();
/// assert!((mse.compute(&y_true, &y_pred, None).unwrap().item().unwrap() - 0.5).abs() < 1e-7);
/// let w = keras::Tensor::from_vec(vec![1.0f32, 0.0], [2]).unwrap();
/// assert!((mse.compute(&y_true, &y_pred, Some(&w)).unwrap().item().unwrap() - 0.25).abs() < 1e-7);
/// let none = MeanSquaredError::new().reduction(Reduction::None);
/// assert_eq!(none.compute(&y_true, &y_pred, None).unwrap().dims(), &[2]);
/// ```
pub trait Loss: fmt::Debug + Send + Sync {
    /// Keras's class name (`"MeanSquaredError"`).
    fn class_name(&self) -> &str;
    /// Name and reduction.
    fn base(&self) -> &LossBase;
    /// The unreduced per-sample losses.
    fn call(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<PerSample>;
    /// The config keys beyond `name` and `reduction`.
    fn extra_config(&self) -> Config {
        Config::new()
    }

    /// `"package>Name"` for a custom class registered with
    /// [`register_loss`](crate::saving::register_loss); `None` for Keras's losses.
    fn registered_name(&self) -> Option<String> {
        None
    }

    /// The loss's name.
    fn name(&self) -> &str {
        &self.base().name
    }

    /// `get_config()`: `name`, `reduction`, then the class's own keys, as Keras writes them.
    fn get_config(&self) -> Config {
        let b = self.base();
        let mut c = Config::new();
        c.insert("name".into(), json!(b.name));
        c.insert("reduction".into(), json!(b.reduction.as_str()));
        c.extend(self.extra_config());
        c
    }

    /// The Keras object dict (`keras.losses.serialize`), with the `registered_name` of a
    /// custom class.
    fn to_json(&self) -> Value {
        object_dict_registered(
            "keras.losses",
            self.class_name(),
            self.get_config(),
            self.registered_name(),
        )
    }

    /// `loss(y_true, y_pred, sample_weight)`: per-sample losses, weighted by
    /// `sample_weight` (broadcast after squeezing or expanding a trailing size-1 axis),
    /// then reduced by the loss's [`Reduction`].
    fn compute(
        &self,
        y_true: &Tensor,
        y_pred: &Tensor,
        sample_weight: Option<&Tensor>,
    ) -> Result<Tensor> {
        let per = self.call(y_true, y_pred)?;
        reduce_weighted_values(
            &per.values,
            sample_weight,
            per.mask.as_ref(),
            self.base().reduction,
        )
        .map_err(|e| context(self.class_name(), e))
    }
}

/// Prefixes an error with the loss's class name.
pub(crate) fn context(owner: &str, e: Error) -> Error {
    Error::op(owner, e)
}

/// Keras's `squeeze_or_expand_to_same_rank`: when the ranks differ by one and the longer
/// tensor ends in a size-1 axis, squeeze it (or expand a rank-1 partner).
pub fn squeeze_or_expand_to_same_rank(x1: &Tensor, x2: &Tensor) -> Result<(Tensor, Tensor)> {
    squeeze_or_expand_with(x1, x2, true)
}

/// [`squeeze_or_expand_to_same_rank`] with Keras's `expand_rank_1` switch: when false, a
/// rank-1 partner is never expanded; the longer tensor is squeezed instead.
pub(crate) fn squeeze_or_expand_with(
    x1: &Tensor,
    x2: &Tensor,
    expand_rank_1: bool,
) -> Result<(Tensor, Tensor)> {
    let (r1, r2) = (x1.rank(), x2.rank());
    let (mut a, mut b) = (x1.clone(), x2.clone());
    if r1 == r2 + 1 && x1.dims()[r1 - 1] == 1 {
        if r2 == 1 && expand_rank_1 {
            b = ops::expand_dims(&b, -1)?;
        } else {
            a = ops::squeeze(&a, -1)?;
        }
    }
    if r2 == r1 + 1 && x2.dims()[r2 - 1] == 1 {
        if r1 == 1 && expand_rank_1 {
            a = ops::expand_dims(&a, -1)?;
        } else {
            b = ops::squeeze(&b, -1)?;
        }
    }
    Ok((a, b))
}

/// Keras's `reduce_weighted_values`: merges `mask` into `sample_weight` (masked-out
/// entries weigh 0, the others `total / valid` for the mean reductions), multiplies, and
/// reduces. Scalar or empty `values` come back unreduced.
pub fn reduce_weighted_values(
    values: &Tensor,
    sample_weight: Option<&Tensor>,
    mask: Option<&Tensor>,
    reduction: Reduction,
) -> Result<Tensor> {
    let dtype = values.dtype();
    let mut weight = match sample_weight {
        Some(w) => Some(ops::cast(w, dtype)?),
        None => None,
    };
    if let Some(mask) = mask {
        let float_mask = ops::cast(mask, dtype)?;
        let float_mask = if matches!(reduction, Reduction::Mean | Reduction::SumOverBatchSize) {
            let total = mask.size() as f64;
            let valid = ops::sum(&float_mask, None, false)?;
            let scale = ops::divide_no_nan(total, &valid)?;
            ops::multiply(&float_mask, &scale)?
        } else {
            float_mask
        };
        weight = Some(match weight {
            Some(w) => {
                let (m, w) = squeeze_or_expand_to_same_rank(&float_mask, &w)?;
                ops::multiply(&w, &m)?
            }
            None => float_mask,
        });
    }
    let mut values = values.clone();
    if let Some(w) = &weight {
        let (v, w) = squeeze_or_expand_to_same_rank(&values, w)?;
        values = ops::multiply(&v, &w).map_err(|_| {
            Error::op(
                "sample_weight",
                format!(
                    "cannot broadcast sample_weight of shape {} to losses of shape {}",
                    w.shape(),
                    v.shape()
                ),
            )
        })?;
    }
    if reduction == Reduction::None || values.rank() == 0 || values.dims() == [0] {
        return Ok(values);
    }
    let total = ops::sum(&values, None, false)?;
    match (reduction, &weight) {
        (Reduction::Sum, _) => Ok(total),
        (Reduction::MeanWithSampleWeight, Some(w)) => {
            ops::divide_no_nan(&total, &ops::sum(w, None, false)?)
        }
        _ => ops::divide_no_nan(&total, values.size() as f64),
    }
}

/// The per-sample function of a [`LossFunctionWrapper`].
pub type LossFn = Arc<dyn Fn(&Tensor, &Tensor) -> Result<Tensor> + Send + Sync>;

/// A loss from a user function `fn(y_true, y_pred) -> per-sample losses`
/// (`keras.losses.LossFunctionWrapper`); `y_true` and `y_pred` first get
/// [`squeeze_or_expand_to_same_rank`].
///
/// ```
/// use keras::losses::{Loss, LossFunctionWrapper};
/// use keras::ops;
/// let l1 = LossFunctionWrapper::new("my_l1", |t, p| {
///     ops::sum(&ops::abs(&ops::subtract(t, p)?)?, -1, false)
/// });
/// let t = keras::Tensor::from_vec(vec![0.0f32, 1.0], [1, 2]).unwrap();
/// let p = keras::Tensor::from_vec(vec![0.5f32, 0.0], [1, 2]).unwrap();
/// assert!((l1.compute(&t, &p, None).unwrap().item().unwrap() - 1.5).abs() < 1e-7);
/// ```
#[derive(Clone)]
pub struct LossFunctionWrapper {
    base: LossBase,
    fn_: LossFn,
    /// The name the function is registered under (see [`register_loss_fn`]).
    registered: Option<String>,
}

fn loss_functions() -> &'static RwLock<HashMap<String, LossFn>> {
    static REGISTRY: OnceLock<RwLock<HashMap<String, LossFn>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// Registers a loss function under `name` (`"package>name"`, as Keras's
/// `register_keras_serializable` on a function), so that a model compiled with
/// [`LossFunctionWrapper::registered`] saves it by name and loads it again, also from a
/// file Python Keras saved with that registered function as its loss.
///
/// ```
/// use keras::losses::{self, register_loss_fn, Loss, LossFunctionWrapper};
/// use keras::ops;
/// register_loss_fn("my_pkg>l1", |t, p| ops::mean(&ops::abs(&ops::subtract(t, p)?)?, -1, false));
/// let l1 = LossFunctionWrapper::registered("my_pkg>l1").unwrap();
/// assert_eq!(l1.name(), "l1");
/// let dict = l1.to_json();
/// assert_eq!(dict["class_name"], "function");
/// assert_eq!(losses::from_json(&dict).unwrap().name(), "l1");
/// ```
pub fn register_loss_fn(
    name: &str,
    f: impl Fn(&Tensor, &Tensor) -> Result<Tensor> + Send + Sync + 'static,
) {
    loss_functions()
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .insert(name.to_string(), Arc::new(f));
}

impl LossFunctionWrapper {
    /// Wraps `f` under `name`, with the default reduction.
    pub fn new(
        name: &str,
        f: impl Fn(&Tensor, &Tensor) -> Result<Tensor> + Send + Sync + 'static,
    ) -> Self {
        LossFunctionWrapper {
            base: LossBase::new(name),
            fn_: Arc::new(f),
            registered: None,
        }
    }

    /// Wraps the function registered under `name` by [`register_loss_fn`]; the loss is
    /// named after the function (the part after `>`), as Keras names it.
    pub fn registered(name: &str) -> Result<Self> {
        let f = loss_functions()
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
            .cloned();
        let Some(fn_) = f else {
            bail!(
                "losses",
                "unknown loss function {name:?}: register it with \
                 keras::losses::register_loss_fn({name:?}, f)"
            );
        };
        let short = name.rsplit('>').next().unwrap_or(name);
        Ok(LossFunctionWrapper {
            base: LossBase::new(short),
            fn_,
            registered: Some(name.to_string()),
        })
    }

    /// From Keras's dict of a registered function:
    /// `{"module": "builtins", "class_name": "function", "config": "package>name", …}`.
    pub(crate) fn from_function_json(value: &Value) -> Result<Self> {
        match value.get("config") {
            Some(Value::String(name)) => Self::registered(name),
            other => bail!(
                "losses",
                "a serialized function needs its registered name as config, got {other:?}"
            ),
        }
    }

    /// Sets the reduction.
    pub fn reduction(mut self, reduction: Reduction) -> Self {
        self.base.reduction = reduction;
        self
    }
}

impl fmt::Debug for LossFunctionWrapper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LossFunctionWrapper({:?})", self.base)
    }
}

impl Loss for LossFunctionWrapper {
    fn class_name(&self) -> &str {
        "LossFunctionWrapper"
    }
    fn base(&self) -> &LossBase {
        &self.base
    }
    /// A registered function is saved as Keras saves one given to `compile`: by name.
    fn to_json(&self) -> Value {
        match &self.registered {
            Some(name) => json!({"module": "builtins", "class_name": "function",
                                 "config": name, "registered_name": "function"}),
            None => {
                object_dict_registered("keras.losses", self.class_name(), self.get_config(), None)
            }
        }
    }
    fn call(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<PerSample> {
        let (t, p) = squeeze_or_expand_to_same_rank(y_true, y_pred)?;
        (self.fn_)(&t, &p)
            .map(PerSample::from)
            .map_err(|e| context(&self.base.name, e))
    }
}

/// `y_pred` as a float tensor (floatx when it is not float) and `y_true` in its dtype.
pub(crate) fn as_float_pair(y_true: &Tensor, y_pred: &Tensor) -> Result<(Tensor, Tensor)> {
    let p = if y_pred.dtype().is_float() {
        y_pred.clone()
    } else {
        ops::cast(y_pred, keras_ops::config::floatx())?
    };
    Ok((ops::cast(y_true, p.dtype())?, p))
}

/// Errors unless `y_true` and `y_pred` have the same shape.
pub(crate) fn same_shape(owner: &str, y_true: &Tensor, y_pred: &Tensor) -> Result<()> {
    if y_true.dims() != y_pred.dims() {
        bail!(
            owner,
            "y_true and y_pred must have the same shape, got {} and {}",
            y_true.shape(),
            y_pred.shape()
        );
    }
    Ok(())
}

/// Defines a built-in loss class: the struct (name, reduction and its options), `new`,
/// `Default`, a builder setter per option, `from_config` and the [`Loss`] impl whose
/// `call` runs `$body` on `y_true`, `y_pred` after [`squeeze_or_expand_to_same_rank`].
/// Options under `config` are serialized by `get_config`; those under `hidden` are
/// constructor arguments Keras leaves out of its config.
macro_rules! builtin_loss {
    (
        $(#[$doc:meta])*
        $ty:ident, $default_name:literal,
        config { $($(#[$fdoc:meta])* $f:ident : $t:ty = $d:expr),* $(,)? }
        hidden { $($(#[$hdoc:meta])* $h:ident : $ht:ty = $hd:expr),* $(,)? }
        call(|$this:ident, $yt:ident, $yp:ident| $body:expr)
    ) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq)]
        pub struct $ty {
            base: $crate::losses::LossBase,
            $($(#[$fdoc])* pub $f: $t,)*
            $($(#[$hdoc])* pub $h: $ht,)*
        }

        impl $ty {
            /// With Keras's defaults.
            pub fn new() -> Self {
                $ty {
                    base: $crate::losses::LossBase::new($default_name),
                    $($f: $d,)*
                    $($h: $hd,)*
                }
            }

            /// Sets the reduction.
            pub fn reduction(mut self, reduction: $crate::losses::Reduction) -> Self {
                self.base.reduction = reduction;
                self
            }

            /// Sets the name.
            pub fn name(mut self, name: &str) -> Self {
                self.base.name = name.into();
                self
            }

            $(
                #[doc = concat!("Sets `", stringify!($f), "`.")]
                pub fn $f(mut self, value: $t) -> Self {
                    self.$f = value;
                    self
                }
            )*
            $(
                #[doc = concat!("Sets `", stringify!($h), "`.")]
                pub fn $h(mut self, value: $ht) -> Self {
                    self.$h = value;
                    self
                }
            )*

            /// From a `get_config()` dict (missing keys take Keras's defaults).
            pub fn from_config(config: &$crate::saving::object::Config) -> keras_ops::Result<Self> {
                #[allow(unused_imports)]
                use $crate::saving::ConfigExt;
                let owner = stringify!($ty);
                Ok($ty {
                    base: $crate::losses::LossBase::from_config(config, $default_name, owner)?,
                    $($f: config.get_or(stringify!($f), $d, owner)?,)*
                    $($h: config.get_or(stringify!($h), $hd, owner)?,)*
                })
            }
        }

        impl Default for $ty {
            fn default() -> Self {
                Self::new()
            }
        }

        impl $crate::losses::Loss for $ty {
            fn class_name(&self) -> &str {
                stringify!($ty)
            }
            fn base(&self) -> &$crate::losses::LossBase {
                &self.base
            }
            fn extra_config(&self) -> $crate::saving::object::Config {
                #[allow(unused_mut)]
                let mut c = $crate::saving::object::Config::new();
                $(c.insert(stringify!($f).into(), serde_json::json!(self.$f));)*
                c
            }
            fn call(
                &self,
                y_true: &keras_ops::Tensor,
                y_pred: &keras_ops::Tensor,
            ) -> keras_ops::Result<$crate::losses::PerSample> {
                let (t, p) = $crate::losses::squeeze_or_expand_to_same_rank(y_true, y_pred)?;
                let run = |$this: &Self, $yt: &keras_ops::Tensor, $yp: &keras_ops::Tensor|
                    -> keras_ops::Result<$crate::losses::PerSample> { $body };
                run(self, &t, &p).map_err(|e| $crate::losses::loss::context(stringify!($ty), e))
            }
        }
    };
}
pub(crate) use builtin_loss;
