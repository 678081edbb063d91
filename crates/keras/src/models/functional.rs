//! `Functional`: a model defined by a graph of layer calls from `Input`s to outputs
//! (Keras's `keras.Model(inputs, outputs)`).

mod config;
mod graph;
mod operation;

use operation::Operation;

use std::collections::HashMap;
use std::sync::Arc;

use keras_backend::bail;
use keras_ops::{Result, Tensor};

use crate::layers::{
    check_input_shape, CallArgs, InputLayer, KerasTensor, Layer, LayerBase, LayerExt, LayerRef,
    Node, ShapeSpec, TensorSpec,
};
use crate::saving::object::Config;

/// One symbolic tensor or a list of them, as the `inputs`/`outputs` of a model (Keras keeps
/// the difference: it shows in configs and in what `call` returns).
#[derive(Clone, Debug)]
pub enum Tensors {
    /// A single tensor.
    One(KerasTensor),
    /// A list.
    Many(Vec<KerasTensor>),
}

impl Tensors {
    /// The tensors as a slice.
    pub fn as_slice(&self) -> &[KerasTensor] {
        match self {
            Tensors::One(t) => std::slice::from_ref(t),
            Tensors::Many(v) => v,
        }
    }
}

impl From<KerasTensor> for Tensors {
    fn from(t: KerasTensor) -> Self {
        Tensors::One(t)
    }
}
impl From<&KerasTensor> for Tensors {
    fn from(t: &KerasTensor) -> Self {
        Tensors::One(t.clone())
    }
}
impl From<Vec<KerasTensor>> for Tensors {
    fn from(v: Vec<KerasTensor>) -> Self {
        Tensors::Many(v)
    }
}
impl From<&[KerasTensor]> for Tensors {
    fn from(v: &[KerasTensor]) -> Self {
        Tensors::Many(v.to_vec())
    }
}
impl<const N: usize> From<[KerasTensor; N]> for Tensors {
    fn from(v: [KerasTensor; N]) -> Self {
        Tensors::Many(v.to_vec())
    }
}

/// A model built from symbolic calls: several inputs and outputs, shared layers and nested
/// models are all allowed (any DAG).
///
/// ```
/// use keras::layers::{Apply, Dense, Input, LayerExt};
/// use keras::models::Functional;
/// let x = Input::new(&[3]).build();
/// let h = Dense::new(4).activation("relu").unwrap().apply(&x).unwrap();
/// let y = Dense::new(1).apply(&h).unwrap();
/// let model = Functional::new(x, y).unwrap();
/// assert_eq!(model.layers().len(), 3);
/// let out = model.forward(&keras::ops::ones(&[2, 3], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(out.dims(), &[2, 1]);
/// ```
pub struct Functional {
    base: LayerBase,
    inputs: Tensors,
    outputs: Tensors,
    /// Every node between the inputs and the outputs, in execution order.
    nodes: Vec<Arc<Node>>,
    /// The layers and recorded `keras.ops` operations, inputs first, by decreasing depth
    /// (Keras's `model.operations`).
    operations: Vec<LayerRef>,
    /// The same without the operations (Keras's `model.layers`).
    layers: Vec<LayerRef>,
}

/// Keras's `keras.Model` constructor for functional models.
pub type Model = Functional;

impl Functional {
    /// The model from `inputs` to `outputs`, named `functional`, `functional_1`, ….
    pub fn new(inputs: impl Into<Tensors>, outputs: impl Into<Tensors>) -> Result<Functional> {
        Self::with_name(inputs, outputs, None)
    }

    /// The model from `inputs` to `outputs`, named `name` (or automatically).
    pub fn with_name(
        inputs: impl Into<Tensors>,
        outputs: impl Into<Tensors>,
        name: Option<&str>,
    ) -> Result<Functional> {
        let (inputs, outputs) = (inputs.into(), outputs.into());
        let base = LayerBase::new("Functional", name);
        // Keras counts the model's own construction as its node 0.
        base.node_count_increment();
        let (nodes, operations) =
            graph::map_graph(base.name(), inputs.as_slice(), outputs.as_slice())?;
        let layers = operations
            .iter()
            .filter(|l| !l.as_any().is::<Operation>())
            .cloned()
            .collect();
        let shapes: Vec<ShapeSpec> = inputs
            .as_slice()
            .iter()
            .map(|t| t.shape().clone())
            .collect();
        base.mark_built(shapes);
        Ok(Functional {
            base,
            inputs,
            outputs,
            nodes,
            operations,
            layers,
        })
    }

    /// The layers, input layers included, in Keras's order.
    pub fn layers(&self) -> &[LayerRef] {
        &self.layers
    }
    /// The layers and the `keras.ops` operations recorded in the graph, in Keras's order
    /// (Keras's `model.operations`; only models loaded from Keras configs have operations,
    /// such as the `NotEqual` that computes an `Embedding`'s mask).
    ///
    /// ```
    /// use keras::layers::{Apply, Dense, Input};
    /// let x = Input::new(&[3]).build();
    /// let model = keras::models::Functional::new(x.clone(), Dense::new(1).apply(&x).unwrap()).unwrap();
    /// assert_eq!(model.operations().len(), model.layers().len());
    /// ```
    pub fn operations(&self) -> &[LayerRef] {
        &self.operations
    }
    /// The symbolic inputs.
    pub fn inputs(&self) -> &[KerasTensor] {
        self.inputs.as_slice()
    }
    /// The symbolic outputs.
    pub fn outputs(&self) -> &[KerasTensor] {
        self.outputs.as_slice()
    }
    /// The nodes in execution order (input layers' nodes excluded).
    pub fn nodes(&self) -> &[Arc<Node>] {
        &self.nodes
    }

    /// Prints Keras's summary table (see [`crate::utils::summary`]).
    pub fn summary(&self) {
        crate::utils::summary::print_summary(self)
    }

    /// The layer named `name`.
    pub fn get_layer(&self, name: &str) -> Result<LayerRef> {
        match self.layers.iter().find(|l| l.name() == name) {
            Some(l) => Ok(l.clone()),
            None => bail!(
                "get_layer",
                "no layer named {name:?} in model {:?}",
                self.base.name()
            ),
        }
    }

    /// From Keras's config (`layers` with `inbound_nodes`, `input_layers`, `output_layers`).
    pub fn from_config(c: &Config) -> Result<Functional> {
        config::from_config(c)
    }

    /// Runs the graph on concrete inputs, returning outputs and their masks.
    fn run(&self, inputs: &[Tensor], args: &CallArgs) -> Result<Vec<Tensor>> {
        let model_inputs = self.inputs.as_slice();
        if inputs.len() != model_inputs.len() {
            bail!(
                "Functional",
                "model {:?} expects {} inputs, got {}",
                self.base.name(),
                model_inputs.len(),
                inputs.len()
            );
        }
        let key = |t: &KerasTensor| (Arc::as_ptr(t.node()) as usize, t.tensor_index());
        let mut values: HashMap<(usize, usize), (Tensor, Option<Tensor>)> = HashMap::new();
        for (i, (t, x)) in model_inputs.iter().zip(inputs).enumerate() {
            check_input_shape(self.base.name(), i, t.shape(), x.dims())?;
            let x = to_input_dtype(t.node().layer().as_ref(), x)?;
            values.insert(key(t), (x, args.mask(i).cloned()));
        }
        for node in &self.nodes {
            let (xs, mut masks): (Vec<Tensor>, Vec<Option<Tensor>>) = node
                .inputs()
                .iter()
                .map(|t| values.get(&key(t)).cloned().expect("inputs computed first"))
                .unzip();
            // Masks passed explicitly in the call replace the inputs' own.
            for (m, explicit) in masks.iter_mut().zip(node.masks()) {
                if let Some(t) = explicit {
                    *m = Some(values.get(&key(t)).expect("masks computed first").0.clone());
                }
            }
            let a = CallArgs {
                training: args.training,
                masks,
            };
            let layer = node.layer();
            let ys = layer.call_with(&xs, &a)?;
            let ms = layer.compute_mask(&xs, &a.masks)?;
            for (i, y) in ys.into_iter().enumerate() {
                let m = ms.get(i).cloned().flatten();
                values.insert((Arc::as_ptr(node) as usize, i), (y, m));
            }
        }
        Ok(self
            .outputs
            .as_slice()
            .iter()
            .map(|t| values[&key(t)].0.clone())
            .collect())
    }
}

/// `x` converted to the dtype of `input` (an [`InputLayer`]), as Keras converts a model's
/// inputs; other layers leave it as is.
pub(crate) fn to_input_dtype(input: &dyn Layer, x: &Tensor) -> Result<Tensor> {
    match input.as_any().downcast_ref::<InputLayer>() {
        Some(il) if il.dtype() != x.dtype() => keras_ops::ops::cast(x, il.dtype()),
        _ => Ok(x.clone()),
    }
}

impl Layer for Functional {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "Functional"
    }
    fn module(&self) -> &str {
        "keras.src.models.functional"
    }
    fn registered_name(&self) -> Option<String> {
        Some("Functional".into())
    }
    fn get_config(&self) -> Config {
        config::get_config(self)
    }
    fn build_config(&self) -> Option<serde_json::Value> {
        // Keras writes `{"input_shape": null}`: the graph itself fixes the shapes.
        Some(serde_json::json!({ "input_shape": null }))
    }
    fn call(&self, inputs: &[Tensor], args: &CallArgs) -> Result<Vec<Tensor>> {
        self.run(inputs, args)
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        if inputs.len() != self.inputs.as_slice().len() {
            bail!(
                "Functional",
                "model {:?} expects {} inputs, got {}",
                self.base.name(),
                self.inputs.as_slice().len(),
                inputs.len()
            );
        }
        Ok(self
            .outputs
            .as_slice()
            .iter()
            .map(|t| {
                let mut s = t.spec().clone();
                // The batch dim follows the caller's.
                if let (Some(first), Some(b)) = (s.shape.first_mut(), inputs[0].shape.first()) {
                    if first.is_none() {
                        *first = *b;
                    }
                }
                s
            })
            .collect())
    }
    fn takes_list(&self) -> bool {
        matches!(self.inputs, Tensors::Many(_))
    }
    /// Keras converts each input to its `Input`'s dtype instead (in `call`).
    fn converts_input_args(&self) -> bool {
        false
    }
    fn visit_sublayers<'a>(&'a self, f: &mut dyn FnMut(&str, &'a dyn Layer)) {
        for (i, l) in self.layers.iter().enumerate() {
            f(&format!("layers[{i}]"), l.as_ref());
        }
    }
    fn is_container(&self) -> bool {
        true
    }
    fn as_trainer(&self) -> Option<&dyn crate::trainers::Trainer> {
        Some(self)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl crate::trainers::Trainer for Functional {
    /// The names of the layers producing the outputs, as Keras's `output_names`.
    fn output_names(&self) -> Vec<String> {
        self.outputs
            .as_slice()
            .iter()
            .map(|t| t.node().layer().name().to_string())
            .collect()
    }
}
