//! [`Variable`]: a shared, mutable, named cell holding a tensor (`keras.Variable`).

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use keras_backend::{bail, DType, Result};

use crate::autodiff::{on_variable_read, Source};
use crate::ops;
use crate::shape::Shape;
use crate::tensor::Tensor;

struct Inner {
    value: RwLock<Tensor>,
    name: String,
    path: String,
    trainable: AtomicBool,
    autocast: AtomicBool,
}

thread_local! {
    /// The innermost [`AutocastScope`] of this thread: `None` when no scope is open,
    /// `Some(None)` inside a scope that turns casting off.
    static AUTOCAST: Cell<Option<Option<DType>>> = const { Cell::new(None) };
}

/// Keras's `AutocastScope` (mixed precision): while the guard lives, [`Variable::value`] on
/// this thread returns float variables cast to the scope's dtype (variables created with
/// autocast off excepted); a scope of `None` turns casting off. Scopes nest: dropping the
/// guard restores the enclosing one. Layers open one around their `call`.
///
/// ```
/// use keras_ops::{AutocastScope, DType, Tensor, Variable};
/// let w = Variable::new(Tensor::from_vec(vec![1.5f32], [1]).unwrap(), "w", true);
/// {
///     let _scope = AutocastScope::enter(Some(DType::F16));
///     assert_eq!(w.value().dtype(), DType::F16);
/// }
/// assert_eq!(w.value().dtype(), DType::F32);
/// ```
pub struct AutocastScope {
    previous: Option<Option<DType>>,
}

impl AutocastScope {
    /// Opens a scope casting float variables to `dtype` (a float dtype), or not casting
    /// them (`None`).
    pub fn enter(dtype: Option<DType>) -> AutocastScope {
        let previous = AUTOCAST.with(|c| c.replace(Some(dtype)));
        AutocastScope { previous }
    }
    /// The innermost open scope's dtype: `None` when no scope is open, `Some(None)` in a
    /// scope that does not cast.
    pub fn current() -> Option<Option<DType>> {
        AUTOCAST.with(Cell::get)
    }
}

impl Drop for AutocastScope {
    fn drop(&mut self) {
        AUTOCAST.with(|c| c.set(self.previous));
    }
}

/// A mutable state cell shared by reference (clones alias the same variable), as Keras's
/// `Variable`: name, path, dtype and shape are fixed (`trainable` can be toggled); the value changes with
/// [`Variable::assign`], which checks shape and converts dtype.
///
/// ```
/// use keras_ops::{ops, GradientTape, Tensor, Variable};
/// let w = Variable::new(Tensor::from_vec(vec![2.0f32], [1]).unwrap(), "w", true);
/// let tape = GradientTape::new();
/// let loss = ops::sum(&ops::square(&w.value()).unwrap(), None, false).unwrap();
/// let g = tape.gradient(&loss, &[&w]).unwrap()[0].clone().unwrap();
/// assert_eq!(g.to_vec::<f32>().unwrap(), vec![4.0]);
/// w.assign_sub(&g).unwrap();
/// assert_eq!(w.value().to_vec::<f32>().unwrap(), vec![-2.0]);
/// ```
#[derive(Clone)]
pub struct Variable(Arc<Inner>);

impl Variable {
    /// A variable named `name` (its path is the name until a layer scopes it).
    pub fn new(value: Tensor, name: &str, trainable: bool) -> Variable {
        Self::with_path(value, name, name, trainable)
    }

    /// A variable with an explicit `path` such as `"dense/kernel"`.
    pub fn with_path(value: Tensor, name: &str, path: &str, trainable: bool) -> Variable {
        Variable(Arc::new(Inner {
            value: RwLock::new(value),
            name: name.to_string(),
            path: path.to_string(),
            trainable: AtomicBool::new(trainable),
            autocast: AtomicBool::new(true),
        }))
    }

    /// The current value. While a gradient tape records, reading a trainable variable
    /// makes the tape watch it. Inside an [`AutocastScope`] a float variable with autocast
    /// on is returned cast to the scope's dtype (the cast is recorded, so gradients still
    /// reach the variable).
    pub fn value(&self) -> Tensor {
        let v = self
            .0
            .value
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        if self.trainable() {
            on_variable_read(&v);
        }
        match AutocastScope::current() {
            Some(Some(dtype)) if self.autocast() && v.dtype().is_float() && v.dtype() != dtype => {
                // A float-to-float cast cannot fail; keep the stored value if it ever did.
                match ops::cast(&v, dtype) {
                    Ok(cast) => cast,
                    Err(_) => v,
                }
            }
            _ => v,
        }
    }

    /// Whether [`AutocastScope`]s cast this variable (Keras's `autocast` argument of
    /// `add_weight`; on by default).
    pub fn autocast(&self) -> bool {
        self.0.autocast.load(Ordering::Relaxed)
    }
    /// Turns autocasting of this variable on or off (layers that compute in float32 under
    /// mixed precision, such as BatchNormalization, turn it off for their variables).
    pub fn set_autocast(&self, autocast: bool) {
        self.0.autocast.store(autocast, Ordering::Relaxed)
    }

    /// Replaces the value; the shape must match and the dtype is converted.
    pub fn assign(&self, value: &Tensor) -> Result<()> {
        let mut slot = self
            .0
            .value
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if value.dims() != slot.dims() {
            bail!(
                "assign",
                "variable {:?} has shape {} but the value has shape {}",
                self.0.path,
                slot.shape(),
                value.shape()
            );
        }
        let v = ops::stop_gradient(&ops::cast(value, slot.dtype())?);
        *slot = v;
        Ok(())
    }

    /// `self = self + delta`.
    pub fn assign_add(&self, delta: &Tensor) -> Result<()> {
        self.assign(&ops::add(self.peek(), delta)?)
    }

    /// `self = self - delta`.
    pub fn assign_sub(&self, delta: &Tensor) -> Result<()> {
        self.assign(&ops::subtract(self.peek(), delta)?)
    }

    /// The value without notifying tapes.
    fn peek(&self) -> Tensor {
        self.0
            .value
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// The name (`"kernel"`).
    pub fn name(&self) -> &str {
        &self.0.name
    }
    /// The path (`"dense/kernel"`).
    pub fn path(&self) -> &str {
        &self.0.path
    }
    /// Whether optimizers update it.
    pub fn trainable(&self) -> bool {
        self.0.trainable.load(Ordering::Relaxed)
    }
    /// Marks the variable trainable or frozen (what `layer.trainable = False` does in Keras).
    pub fn set_trainable(&self, trainable: bool) {
        self.0.trainable.store(trainable, Ordering::Relaxed)
    }
    /// Whether `self` and `other` are the same variable (clones alias one cell).
    pub fn ptr_eq(&self, other: &Variable) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
    /// The dtype.
    pub fn dtype(&self) -> DType {
        self.peek().dtype()
    }
    /// The shape.
    pub fn shape(&self) -> Shape {
        self.peek().shape().clone()
    }
}

impl Source for Variable {
    fn source_tensor(&self) -> Tensor {
        self.peek()
    }
}

impl std::fmt::Debug for Variable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v = self.peek();
        write!(
            f,
            "<Variable path={}, shape={}, dtype={}>",
            self.0.path,
            v.shape(),
            v.dtype()
        )
    }
}
