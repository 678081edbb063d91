//! The [`Layer`] trait and the state every layer shares ([`LayerBase`]): name, `trainable`,
//! dtype policy, lazily-built variables, and the call paths (eager and symbolic).

use std::any::Any;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use keras_backend::bail;
use keras_ops::{AutocastScope, DType, Error, Result, Tensor, Variable};
use serde_json::{json, Value};

use super::keras_tensor::{KerasTensor, Node, TensorSpec};
use super::shape::{shape_to_json, ShapeSpec};
use crate::constraints::Constraint;
use crate::initializers::Initializer;
use crate::regularizers::Regularizer;
use crate::saving::object::Config;
use crate::saving::ConfigExt;
use crate::utils::naming::auto_name;

fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|p| p.into_inner())
}

fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|p| p.into_inner())
}

/// A shared handle to a layer (layers are `Send + Sync`, so a model can serve many threads).
pub type LayerRef = Arc<dyn Layer>;

/// Keras's dtype policy: layers compute in [`compute_dtype`](DTypePolicy::compute_dtype) and
/// keep their variables in [`variable_dtype`](DTypePolicy::variable_dtype) (`"mixed_float16"`:
/// float16 and float32); see [`LayerExt::call_with`] for the autocasting.
#[derive(Debug, Clone, PartialEq)]
pub struct DTypePolicy {
    name: String,
}

impl DTypePolicy {
    /// The policy named `name` (`"float32"`, `"float64"`, `"mixed_float16"`, …).
    pub fn new(name: &str) -> DTypePolicy {
        DTypePolicy {
            name: name.to_string(),
        }
    }
    /// The policy's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The dtype layers compute in (`"mixed_float16"` → float16).
    pub fn compute_dtype(&self) -> DType {
        let n = self.name.strip_prefix("mixed_").unwrap_or(&self.name);
        DType::parse(n).unwrap_or(DType::F32)
    }
    /// The dtype of the layer's variables (`"mixed_*"` → float32).
    pub fn variable_dtype(&self) -> DType {
        if self.name.starts_with("mixed_") {
            DType::F32
        } else {
            self.compute_dtype()
        }
    }
    fn to_json(&self) -> Value {
        json!({"module": "keras", "class_name": "DTypePolicy",
               "config": {"name": self.name}, "registered_name": null})
    }
    fn from_json(v: Option<&Value>) -> Result<DTypePolicy> {
        Ok(match v {
            None | Some(Value::Null) => DTypePolicy::default(),
            Some(Value::String(s)) => DTypePolicy::new(s),
            Some(o) => {
                let name = o
                    .pointer("/config/name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| Error::op("DTypePolicy", format!("bad dtype policy {o}")))?;
                DTypePolicy::new(name)
            }
        })
    }
}

impl Default for DTypePolicy {
    fn default() -> Self {
        DTypePolicy::new("float32")
    }
}

/// What a layer's `call` receives besides its inputs.
#[derive(Clone, Debug, Default)]
pub struct CallArgs {
    /// Training mode (dropout active, batch statistics used and updated).
    pub training: bool,
    /// One optional mask per input (`None` when no mask reaches that input).
    pub masks: Vec<Option<Tensor>>,
}

impl CallArgs {
    /// Inference mode, no masks.
    pub fn inference() -> CallArgs {
        CallArgs::default()
    }
    /// Training mode, no masks.
    pub fn training() -> CallArgs {
        CallArgs {
            training: true,
            masks: Vec::new(),
        }
    }
    /// The mask of input `i`, if any.
    pub fn mask(&self, i: usize) -> Option<&Tensor> {
        self.masks.get(i).and_then(Option::as_ref)
    }
}

/// The state every layer holds: name, `trainable`, dtype policy, variables (in creation
/// order), whether and with which input shapes it was built, and its node count.
pub struct LayerBase {
    name: String,
    trainable: AtomicBool,
    dtype_policy: DTypePolicy,
    activity_regularizer: Option<Regularizer>,
    weights: RwLock<Vec<Variable>>,
    penalties: RwLock<Vec<(Variable, Regularizer)>>,
    constraints: RwLock<Vec<(Variable, Constraint)>>,
    call_losses: RwLock<Vec<Tensor>>,
    built: OnceLock<Vec<ShapeSpec>>,
    build_lock: Mutex<()>,
    node_count: AtomicUsize,
    compiled: Mutex<Option<Box<crate::trainers::Compiled>>>,
    compile_config: Mutex<Option<Config>>,
}

impl LayerBase {
    /// State for a new layer of class `class_name`, named `name` or automatically
    /// (`"dense"`, `"dense_1"`, …).
    pub fn new(class_name: &str, name: Option<&str>) -> LayerBase {
        LayerBase {
            name: name
                .map(str::to_string)
                .unwrap_or_else(|| auto_name(class_name)),
            trainable: AtomicBool::new(true),
            dtype_policy: DTypePolicy::default(),
            activity_regularizer: None,
            weights: RwLock::new(Vec::new()),
            penalties: RwLock::new(Vec::new()),
            constraints: RwLock::new(Vec::new()),
            call_losses: RwLock::new(Vec::new()),
            built: OnceLock::new(),
            build_lock: Mutex::new(()),
            node_count: AtomicUsize::new(0),
            compiled: Mutex::new(None),
            compile_config: Mutex::new(None),
        }
    }

    /// State from the `name`, `trainable` and `dtype` keys of a config.
    pub fn from_config(class_name: &str, config: &Config) -> Result<LayerBase> {
        let name: Option<String> = config.get_or("name", None, class_name)?;
        let mut base = LayerBase::new(class_name, name.as_deref());
        base.trainable = AtomicBool::new(config.get_or("trainable", true, class_name)?);
        base.dtype_policy = DTypePolicy::from_json(config.get("dtype"))?;
        base.activity_regularizer = match config.get("activity_regularizer") {
            None | Some(Value::Null) => None,
            Some(v) => Some(Regularizer::from_json(v)?),
        };
        Ok(base)
    }

    /// The same state under another name (builder style, before the layer is used); the
    /// dtype policy, `trainable` and activity regularizer are kept.
    pub fn renamed(mut self, name: &str) -> LayerBase {
        self.name = name.to_string();
        self
    }

    /// Sets the dtype policy (builder style, before the layer is used).
    pub fn with_dtype(mut self, policy: DTypePolicy) -> LayerBase {
        self.dtype_policy = policy;
        self
    }

    /// Sets the penalty on the layer's outputs (Keras's `activity_regularizer`).
    pub fn with_activity_regularizer(mut self, r: Option<Regularizer>) -> LayerBase {
        self.activity_regularizer = r;
        self
    }
    /// The penalty on the layer's outputs, if any.
    pub fn activity_regularizer(&self) -> Option<&Regularizer> {
        self.activity_regularizer.as_ref()
    }

    /// The layer's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Whether the layer's own variables are trainable.
    pub fn trainable(&self) -> bool {
        self.trainable.load(Ordering::Relaxed)
    }
    /// Sets `trainable` on the layer and its own variables (see [`LayerExt::set_trainable`]
    /// for the recursive version).
    pub fn set_trainable(&self, trainable: bool) {
        self.trainable.store(trainable, Ordering::Relaxed);
        for v in self
            .weights
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            v.set_trainable(trainable);
        }
    }
    /// The dtype policy.
    pub fn dtype_policy(&self) -> &DTypePolicy {
        &self.dtype_policy
    }
    /// The dtype the layer computes in.
    pub fn compute_dtype(&self) -> DType {
        self.dtype_policy.compute_dtype()
    }

    /// Creates a variable `name` of `shape`, initialized by `initializer`, owned by this layer
    /// (path `"{layer}/{name}"`); as Keras's `add_weight`.
    pub fn add_weight(
        &self,
        name: &str,
        shape: &[usize],
        initializer: &Initializer,
        trainable: bool,
    ) -> Result<Variable> {
        self.add_weight_with(name, shape, initializer, trainable, None, None)
    }

    /// [`add_weight`](LayerBase::add_weight) with a regularizer (its penalty joins
    /// [`LayerBase::losses`]) and a constraint (applied after each optimizer step).
    pub fn add_weight_with(
        &self,
        name: &str,
        shape: &[usize],
        initializer: &Initializer,
        trainable: bool,
        regularizer: Option<&Regularizer>,
        constraint: Option<&Constraint>,
    ) -> Result<Variable> {
        let dtype = self.dtype_policy.variable_dtype();
        self.add_weight_full(
            name,
            shape,
            initializer,
            dtype,
            trainable,
            regularizer,
            constraint,
        )
    }

    /// [`add_weight`](LayerBase::add_weight) with an explicit dtype instead of the policy's
    /// variable dtype (Keras's `add_weight(dtype=...)`, e.g. an int32 counter).
    pub fn add_weight_of(
        &self,
        name: &str,
        shape: &[usize],
        initializer: &Initializer,
        dtype: DType,
        trainable: bool,
    ) -> Result<Variable> {
        self.add_weight_full(name, shape, initializer, dtype, trainable, None, None)
    }

    #[allow(clippy::too_many_arguments)]
    fn add_weight_full(
        &self,
        name: &str,
        shape: &[usize],
        initializer: &Initializer,
        dtype: DType,
        trainable: bool,
        regularizer: Option<&Regularizer>,
        constraint: Option<&Constraint>,
    ) -> Result<Variable> {
        let path = format!("{}/{}", self.name, name);
        // Inside a model load, a variable must fit in what the file can fill.
        crate::saving::scope::charge(&format!("variable {path:?}"), shape, dtype)?;
        let value = initializer.sample(shape, dtype)?;
        let v = Variable::with_path(value, name, &path, trainable && self.trainable());
        self.weights
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .push(v.clone());
        if let Some(r) = regularizer {
            write(&self.penalties).push((v.clone(), r.clone()));
        }
        if let Some(c) = constraint {
            write(&self.constraints).push((v.clone(), c.clone()));
        }
        Ok(v)
    }

    /// The layer's own losses (scalars): those its last call recorded (see
    /// [`set_call_losses`](LayerBase::set_call_losses)), then the weight-regularization
    /// penalties of its variables, in Keras's order.
    pub fn losses(&self) -> Result<Vec<Tensor>> {
        let mut out = read(&self.call_losses).clone();
        for (v, r) in read(&self.penalties).iter() {
            out.push(r.penalty(&v.value())?);
        }
        Ok(out)
    }

    /// Replaces the losses recorded by the previous call (Keras's `add_loss` inside `call`,
    /// such as activity-regularization penalties; Keras clears them at each call).
    pub fn set_call_losses(&self, losses: Vec<Tensor>) {
        *write(&self.call_losses) = losses;
    }

    /// Projects each constrained variable (Keras applies this after every optimizer step).
    pub fn apply_constraints(&self) -> Result<()> {
        read(&self.constraints)
            .iter()
            .try_for_each(|(v, c)| v.assign(&c.apply(&v.value())?))
    }

    /// The layer's own variables, trainable ones first, each group in creation order (the
    /// order Keras saves them in).
    pub fn own_weights(&self) -> Vec<Variable> {
        let all = self.weights.read().unwrap_or_else(|p| p.into_inner());
        let (t, nt): (Vec<Variable>, Vec<Variable>) =
            all.iter().cloned().partition(|v| v.trainable());
        t.into_iter().chain(nt).collect()
    }

    /// Whether `build` ran.
    pub fn is_built(&self) -> bool {
        self.built.get().is_some()
    }
    /// The input shapes the layer was built with (Keras's `build_config`).
    pub fn build_shapes(&self) -> Option<&[ShapeSpec]> {
        self.built.get().map(Vec::as_slice)
    }
    /// Marks a stateless layer built at construction, as Keras does for layers without
    /// weights (their configs then carry no `build_config`).
    pub fn built_at_construction(self) -> LayerBase {
        self.mark_built(Vec::new());
        self
    }
    /// Marks the layer built without calling `build` (for layers with no weights that are
    /// built at construction, such as InputLayer).
    pub fn mark_built(&self, shapes: Vec<ShapeSpec>) {
        let _ = self.built.set(shapes);
    }

    /// The `name`, `trainable` and `dtype` keys (and `activity_regularizer` when set) that
    /// start every layer config.
    pub fn config_head(&self) -> Config {
        let mut c = Config::new();
        c.insert("name".into(), json!(self.name));
        c.insert("trainable".into(), json!(self.trainable()));
        c.insert("dtype".into(), self.dtype_policy.to_json());
        // Keras's base config has this key only when it is set.
        if let Some(r) = &self.activity_regularizer {
            c.insert("activity_regularizer".into(), r.to_json());
        }
        c
    }

    /// Where `compile` keeps the training state of a model.
    pub(crate) fn compiled_slot(&self) -> &Mutex<Option<Box<crate::trainers::Compiled>>> {
        &self.compiled
    }

    /// The arguments `compile` was given, as Keras's `compile_config` without its
    /// `optimizer` (kept outside the compiled state so that a save during `fit` has them).
    pub(crate) fn compile_config(&self) -> Option<Config> {
        self.compile_config
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Records the compile arguments (see [`LayerBase::compile_config`]).
    pub(crate) fn set_compile_config(&self, config: Option<Config>) {
        *self
            .compile_config
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = config;
    }

    /// Reserves the next node index (one per symbolic call).
    pub(crate) fn node_count_increment(&self) -> usize {
        self.node_count.fetch_add(1, Ordering::Relaxed)
    }
}

/// A Keras layer. Implement [`base`](Layer::base), [`class_name`](Layer::class_name) and
/// [`call`](Layer::call); the rest has Keras's defaults. Layers use interior mutability
/// (variables are created on the first call, from the input shapes), so every method takes
/// `&self`.
///
/// ```
/// use keras::layers::{CallArgs, Layer, LayerBase, LayerExt};
/// use keras::{ops, Result, Tensor};
///
/// /// Doubles its input.
/// struct Double { base: LayerBase }
/// impl Layer for Double {
///     fn base(&self) -> &LayerBase { &self.base }
///     fn class_name(&self) -> &str { "Double" }
///     fn call(&self, inputs: &[Tensor], _: &CallArgs) -> Result<Vec<Tensor>> {
///         Ok(vec![ops::multiply(&inputs[0], 2.0)?])
///     }
///     fn as_any(&self) -> &dyn std::any::Any { self }
/// }
/// let layer = Double { base: LayerBase::new("Double", None) };
/// let y = layer.forward(&Tensor::from_vec(vec![1.0f32, 2.0], [2]).unwrap()).unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![2.0, 4.0]);
/// ```
pub trait Layer: Send + Sync + 'static {
    /// The shared state.
    fn base(&self) -> &LayerBase;
    /// The Keras class name (`"Dense"`).
    fn class_name(&self) -> &str;
    /// The Python module Keras writes in configs.
    fn module(&self) -> &str {
        "keras.layers"
    }
    /// `"package>Name"` for a registered custom class.
    fn registered_name(&self) -> Option<String> {
        None
    }
    /// The layer's own config keys, after `name`, `trainable` and `dtype`.
    fn layer_config(&self) -> Config {
        Config::new()
    }
    /// Keras's `get_config()`.
    fn get_config(&self) -> Config {
        let mut c = self.base().config_head();
        c.extend(self.layer_config());
        c
    }
    /// Creates the variables from the input shapes (`None` = unknown dim). Called once,
    /// before the first call.
    fn build(&self, _input_shapes: &[ShapeSpec]) -> Result<()> {
        Ok(())
    }
    /// The forward computation on concrete tensors.
    fn call(&self, inputs: &[Tensor], args: &CallArgs) -> Result<Vec<Tensor>>;
    /// Output shapes and dtypes for input specs (symbolic shape inference). The default
    /// keeps the shape of the single input and uses the compute dtype for float inputs.
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let [x] = inputs else {
            bail!(
                self.class_name(),
                "layer {:?} expects one input, got {}",
                self.base().name(),
                inputs.len()
            );
        };
        let dtype = if x.dtype.is_float() {
            self.base().compute_dtype()
        } else {
            x.dtype
        };
        Ok(vec![TensorSpec::new(x.shape.clone(), dtype)])
    }
    /// Whether the layer casts float inputs to [`input_dtype`](Layer::input_dtype) and
    /// reads its float variables in its compute dtype (Keras's `layer.autocast`; layers that
    /// compute their own precision, such as LayerNormalization, turn it off).
    fn autocast(&self) -> bool {
        true
    }
    /// Whether a call converts its inputs at all (Keras's `_convert_input_args`; off for
    /// models, which convert each input to its `Input`'s dtype instead, and for layers that
    /// take integer ids as they come).
    fn converts_input_args(&self) -> bool {
        true
    }
    /// The dtype float inputs are cast to before `call` (Keras's `input_dtype`): the compute
    /// dtype, unless the layer says otherwise.
    fn input_dtype(&self) -> DType {
        self.base().compute_dtype()
    }
    /// Whether the layer passes masks through (Keras's `supports_masking`).
    fn supports_masking(&self) -> bool {
        false
    }
    /// The output masks. The default passes the first input's mask through when the layer
    /// supports masking, else returns no mask.
    fn compute_mask(
        &self,
        _inputs: &[Tensor],
        masks: &[Option<Tensor>],
    ) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![if self.supports_masking() {
            masks.first().cloned().flatten()
        } else {
            None
        }])
    }
    /// Keras's `build_config` (written next to the config when saving): by default the input
    /// shapes the layer was built with, none for layers built at construction.
    fn build_config(&self) -> Option<Value> {
        let shapes = self.base().build_shapes().filter(|s| !s.is_empty())?;
        let shape = if shapes.len() == 1 {
            shape_to_json(&shapes[0])
        } else {
            Value::Array(shapes.iter().map(shape_to_json).collect())
        };
        Some(json!({ "input_shape": shape }))
    }
    /// Whether this is a Sequential or Functional model: its `layers` are walked first when
    /// saving weights, and its calls record a `mask` argument in configs, as in Keras.
    fn is_container(&self) -> bool {
        false
    }
    /// Whether the layer takes a list of inputs (merge layers), which Keras records in node
    /// arguments as one list.
    fn takes_list(&self) -> bool {
        false
    }
    /// Visits the layer's sublayers as `(attribute name, layer)`, in Keras's attribute order
    /// (public names sorted, then `_private` ones), for the weight walk and `weights`.
    ///
    /// A list attribute reports its items as `"name[0]"`, `"name[1]"`, … (nested lists as
    /// `"name[0][1]"`). Sequential, Functional and subclassed models report their
    /// `model.layers` as `"layers[i]"`.
    fn visit_sublayers<'a>(&'a self, _f: &mut dyn FnMut(&str, &'a dyn Layer)) {}
    /// The model's training steps when this layer is a model (Sequential, Functional, or a
    /// `#[keras(model)]` subclass), so that code holding a `&dyn Layer`, such as a loaded
    /// model, trains it with its own `train_step`. `None` for plain layers.
    fn as_trainer(&self) -> Option<&dyn crate::trainers::Trainer> {
        None
    }
    /// `self` as `Any`, for downcasting a [`LayerRef`] back to its type.
    fn as_any(&self) -> &dyn Any;
}

/// Calls and state queries every layer gets (Keras's `__call__`, `weights`, …).
pub trait LayerExt: Layer {
    /// The layer's name.
    fn name(&self) -> &str {
        self.base().name()
    }

    /// Builds the layer for `shapes` unless already built.
    fn ensure_built(&self, shapes: &[ShapeSpec]) -> Result<()> {
        let base = self.base();
        if base.is_built() {
            return Ok(());
        }
        let _guard = base.build_lock.lock().unwrap_or_else(|p| p.into_inner());
        if !base.is_built() {
            self.build(shapes)?;
            base.mark_built(shapes.to_vec());
        }
        Ok(())
    }

    /// Eager call on several inputs: builds on first use, then calls; an
    /// `activity_regularizer` records its penalty in [`LayerBase::losses`].
    ///
    /// As Keras's `__call__`, float inputs are first cast to the layer's
    /// [`input_dtype`](Layer::input_dtype) (when [`autocast`](Layer::autocast) and
    /// [`converts_input_args`](Layer::converts_input_args) are on), and under a mixed dtype
    /// policy the call runs in an [`AutocastScope`](keras_ops::AutocastScope) that reads
    /// float variables in the compute dtype.
    fn call_with(&self, inputs: &[Tensor], args: &CallArgs) -> Result<Vec<Tensor>> {
        let converted = convert_inputs(self, inputs)?;
        let inputs = converted.as_deref().unwrap_or(inputs);
        let shapes: Vec<ShapeSpec> = inputs
            .iter()
            .map(|t| t.dims().iter().map(|&d| Some(d)).collect())
            .collect();
        self.ensure_built(&shapes)?;
        let _scope = autocast_scope(self);
        let outputs = self.call(inputs, args)?;
        if let (Some(r), Some(y)) = (self.base().activity_regularizer(), outputs.first()) {
            crate::layers::regularization::record_activity(self.base(), Some(r), y)?;
        }
        Ok(outputs)
    }

    /// Eager call on one input in inference mode (Keras's `layer(x)`).
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        single(
            self.name(),
            self.call_with(std::slice::from_ref(x), &CallArgs::inference())?,
        )
    }

    /// Eager call on one input in training mode (`layer(x, training=True)`).
    fn forward_train(&self, x: &Tensor) -> Result<Tensor> {
        single(
            self.name(),
            self.call_with(std::slice::from_ref(x), &CallArgs::training())?,
        )
    }

    /// All variables: own (trainable first) then each sublayer's, without repeats.
    fn weights(&self) -> Vec<Variable> {
        let mut out = self.base().own_weights();
        self.visit_sublayers(&mut |_, l| {
            for v in l.weights() {
                if !out.iter().any(|w| w.ptr_eq(&v)) {
                    out.push(v);
                }
            }
        });
        out
    }
    /// The variables an optimizer updates (none when the layer is frozen).
    fn trainable_weights(&self) -> Vec<Variable> {
        if !self.base().trainable() {
            return Vec::new();
        }
        self.weights()
            .into_iter()
            .filter(|v| v.trainable())
            .collect()
    }
    /// The variables an optimizer leaves alone.
    fn non_trainable_weights(&self) -> Vec<Variable> {
        if !self.base().trainable() {
            return self.weights();
        }
        self.weights()
            .into_iter()
            .filter(|v| !v.trainable())
            .collect()
    }
    /// Freezes or unfreezes the layer and all its sublayers.
    fn set_trainable(&self, trainable: bool) {
        self.base().set_trainable(trainable);
        self.visit_sublayers(&mut |_, l| l.set_trainable(trainable));
    }
    /// The values of [`weights`](LayerExt::weights) (Keras's `get_weights`).
    fn get_weights(&self) -> Vec<Tensor> {
        self.weights().iter().map(Variable::value).collect()
    }
    /// Assigns every weight; count and shapes must match (Keras's `set_weights`).
    fn set_weights(&self, values: &[Tensor]) -> Result<()> {
        let w = self.weights();
        if w.len() != values.len() {
            let hint = if self.base().is_built() {
                ""
            } else {
                " (it is not built yet: call it once or build it first)"
            };
            bail!(
                "set_weights",
                "layer {:?} has {} weights{hint} but {} values were given",
                self.name(),
                w.len(),
                values.len()
            );
        }
        for (v, t) in w.iter().zip(values) {
            if v.shape().dims() != t.dims() {
                bail!(
                    "set_weights",
                    "layer {:?}: weight {:?} has shape {} but the value has shape {}",
                    self.name(),
                    v.path(),
                    v.shape(),
                    t.shape()
                );
            }
        }
        w.iter().zip(values).try_for_each(|(v, t)| v.assign(t))
    }
    /// The losses of the layer and all its sublayers (Keras's `layer.losses`): what their
    /// last calls recorded and their weight-regularization penalties.
    fn losses(&self) -> Result<Vec<Tensor>> {
        let mut out = self.base().losses()?;
        let mut err = None;
        self.visit_sublayers(&mut |_, l| match l.losses() {
            Ok(ls) => out.extend(ls),
            Err(e) => err = Some(e),
        });
        match err {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }
    /// Projects every constrained variable of the layer and its sublayers (done after each
    /// optimizer step of `fit`).
    fn apply_weight_constraints(&self) -> Result<()> {
        self.base().apply_constraints()?;
        let mut result = Ok(());
        self.visit_sublayers(&mut |_, l| {
            if result.is_ok() {
                result = l.apply_weight_constraints();
            }
        });
        result
    }
    /// Number of scalars in all weights.
    fn count_params(&self) -> usize {
        self.weights().iter().map(|v| v.shape().size()).sum()
    }
}

impl<L: Layer + ?Sized> LayerExt for L {}

/// The inputs cast as Keras's `DTypePolicy.convert_input` does: float inputs to the layer's
/// input dtype; `None` when nothing changes.
fn convert_inputs<L: Layer + ?Sized>(layer: &L, inputs: &[Tensor]) -> Result<Option<Vec<Tensor>>> {
    if !layer.autocast() || !layer.converts_input_args() {
        return Ok(None);
    }
    let dtype = layer.input_dtype();
    if inputs
        .iter()
        .all(|x| !x.dtype().is_float() || x.dtype() == dtype)
    {
        return Ok(None);
    }
    inputs
        .iter()
        .map(|x| {
            if x.dtype().is_float() {
                keras_ops::ops::cast(x, dtype)
            } else {
                Ok(x.clone())
            }
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

/// The float dtype of an input spec after [`convert_inputs`].
fn convert_spec<L: Layer + ?Sized>(layer: &L, spec: &TensorSpec) -> TensorSpec {
    if layer.autocast() && layer.converts_input_args() && spec.dtype.is_float() {
        TensorSpec::new(spec.shape.clone(), layer.input_dtype())
    } else {
        spec.clone()
    }
}

/// The autocast scope Keras's `__call__` opens around `call`, if any: a scope of the
/// compute dtype for a mixed policy, none for a layer that does not autocast inside
/// someone else's scope, and a new one when the enclosing scope's dtype differs.
fn autocast_scope<L: Layer + ?Sized>(layer: &L) -> Option<AutocastScope> {
    let policy = layer.base().dtype_policy();
    let compute = policy.compute_dtype();
    match AutocastScope::current() {
        Some(current) => {
            if !layer.autocast() || !compute.is_float() {
                Some(AutocastScope::enter(None))
            } else if current != Some(compute) {
                Some(AutocastScope::enter(Some(compute)))
            } else {
                None
            }
        }
        None => (compute != policy.variable_dtype() && compute.is_float())
            .then(|| AutocastScope::enter(Some(compute))),
    }
}

fn single(name: &str, mut outs: Vec<Tensor>) -> Result<Tensor> {
    if outs.len() != 1 {
        bail!(
            "call",
            "layer {name:?} returned {} outputs, not one",
            outs.len()
        );
    }
    Ok(outs.remove(0))
}

/// Turns a layer value or handle into a [`LayerRef`] (for models and symbolic calls).
pub trait IntoLayer {
    /// The shared handle.
    fn into_layer(self) -> LayerRef;
}

impl<L: Layer> IntoLayer for L {
    fn into_layer(self) -> LayerRef {
        Arc::new(self)
    }
}

impl IntoLayer for &LayerRef {
    fn into_layer(self) -> LayerRef {
        self.clone()
    }
}

impl<L: Layer> IntoLayer for &Arc<L> {
    fn into_layer(self) -> LayerRef {
        self.clone()
    }
}

/// Symbolic calls, building the Functional graph: `layer.apply(&x)` as Keras's `layer(x)`
/// on a `keras.Input` tensor. A layer value is consumed; a shared layer is applied through a
/// reference to its handle (`(&shared).apply(&a)`, `shared.apply(&b)`).
pub trait Apply: IntoLayer + Sized {
    /// Applies the layer to one symbolic tensor.
    fn apply(self, x: &KerasTensor) -> Result<KerasTensor> {
        let layer = self.into_layer();
        let name = layer.name().to_string();
        let outs = apply_symbolic(layer, vec![x.clone()], Vec::new(), false)?;
        single_symbolic(&name, outs)
    }
    /// Applies the layer to a list of symbolic tensors (merge layers), one output.
    fn apply_list(self, xs: &[KerasTensor]) -> Result<KerasTensor> {
        let layer = self.into_layer();
        let name = layer.name().to_string();
        let outs = apply_symbolic(layer, xs.to_vec(), Vec::new(), true)?;
        single_symbolic(&name, outs)
    }
    /// Applies the layer to several symbolic tensors and returns all its outputs.
    fn apply_multi(self, xs: &[KerasTensor]) -> Result<Vec<KerasTensor>> {
        apply_symbolic(self.into_layer(), xs.to_vec(), Vec::new(), false)
    }
}

impl<T: IntoLayer> Apply for T {}

fn single_symbolic(name: &str, mut outs: Vec<KerasTensor>) -> Result<KerasTensor> {
    if outs.len() != 1 {
        bail!(
            "apply",
            "layer {name:?} returned {} outputs, not one",
            outs.len()
        );
    }
    Ok(outs.remove(0))
}

/// Records a call of `layer` on symbolic `inputs` (with explicit `masks`, see
/// [`Node::masks`]) as a new node and returns its outputs.
pub(crate) fn apply_symbolic(
    layer: LayerRef,
    inputs: Vec<KerasTensor>,
    masks: Vec<Option<KerasTensor>>,
    list_input: bool,
) -> Result<Vec<KerasTensor>> {
    let specs: Vec<TensorSpec> = inputs
        .iter()
        .map(|t| convert_spec(layer.as_ref(), t.spec()))
        .collect();
    let shapes: Vec<ShapeSpec> = specs.iter().map(|s| s.shape.clone()).collect();
    layer.ensure_built(&shapes).map_err(|e| {
        Error::op(
            layer.class_name(),
            format!(
                "layer {:?} cannot be built for input shapes {}: {e}",
                layer.name(),
                shapes_display(&shapes)
            ),
        )
    })?;
    let out_specs = layer.compute_output_spec(&specs).map_err(|e| {
        Error::op(
            layer.class_name(),
            format!(
                "layer {:?} cannot take inputs of shapes {}: {e}",
                layer.name(),
                shapes_display(&shapes)
            ),
        )
    })?;
    let node = Arc::new(Node::new(
        layer.clone(),
        layer.base().node_count_increment(),
        inputs,
        masks,
        out_specs.clone(),
        list_input,
    ));
    Ok(out_specs
        .into_iter()
        .enumerate()
        .map(|(i, s)| KerasTensor::from_node(s, node.clone(), i))
        .collect())
}

/// `[(None, 3), (None, 4)]`, for messages.
pub(crate) fn shapes_display(shapes: &[ShapeSpec]) -> String {
    let parts: Vec<String> = shapes
        .iter()
        .map(|s| shape_to_json(s).to_string())
        .collect();
    format!("[{}]", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::{BatchNormalization, Dense, LayerNormalization};
    use keras_ops::ops;

    fn config(v: Value) -> Config {
        v.as_object().expect("an object").clone()
    }

    fn input() -> Tensor {
        Tensor::from_vec(vec![0.1f32, -0.7, 1.3, 0.25, 2.0, -1.5], [2, 3]).unwrap()
    }

    #[test]
    fn mixed_float16_computes_in_float16_with_float32_variables() {
        let dense =
            Dense::from_config(&config(json!({"units": 2, "dtype": "mixed_float16"}))).unwrap();
        let y = dense.forward(&input()).unwrap();
        assert_eq!(y.dtype(), DType::F16);
        let w = dense.weights();
        assert!(w.iter().all(|v| v.dtype() == DType::F32));
        // As Keras: the input and the variables are cast to float16, then computed.
        let half = |t: &Tensor| ops::cast(t, DType::F16).unwrap();
        let want = ops::add(
            ops::matmul(&half(&input()), &half(&w[0].value())).unwrap(),
            half(&w[1].value()),
        )
        .unwrap();
        assert_eq!(y.to_vec::<f32>().unwrap(), want.to_vec::<f32>().unwrap());
        // Outside a call, variables read in their own dtype.
        assert_eq!(w[0].value().dtype(), DType::F32);
    }

    #[test]
    fn normalization_layers_keep_float32_statistics_under_mixed_precision() {
        let bn =
            BatchNormalization::from_config(&config(json!({"dtype": "mixed_float16"}))).unwrap();
        assert_eq!(bn.forward(&input()).unwrap().dtype(), DType::F16);
        let _scope = AutocastScope::enter(Some(DType::F16));
        assert!(bn.weights().iter().all(|v| v.value().dtype() == DType::F32));
    }

    #[test]
    fn inputs_are_cast_to_the_compute_dtype_unless_the_layer_opts_out() {
        let dense = Dense::from_config(&config(json!({"units": 1, "dtype": "float64"}))).unwrap();
        let cast = convert_inputs(&dense, &[input()]).unwrap().expect("cast");
        assert_eq!(cast[0].dtype(), DType::F64);
        // Integer inputs are never cast.
        let ids = ops::cast(&input(), DType::I32).unwrap();
        assert!(convert_inputs(&dense, &[ids]).unwrap().is_none());
        // Keras's LayerNormalization has `autocast = False`: it takes its input as it comes
        // (computing in at least float32) and returns its compute dtype.
        let ln = LayerNormalization::from_config(&config(json!({"dtype": "float64"}))).unwrap();
        assert!(convert_inputs(&ln, &[input()]).unwrap().is_none());
        assert_eq!(ln.forward(&input()).unwrap().dtype(), DType::F64);
    }
}
