//! Symbolic tensors ([`KerasTensor`]) and the call records ([`Node`]) that link them into a
//! Functional graph.

use std::sync::Arc;

use keras_ops::DType;

use super::layer::LayerRef;
use super::shape::{shape_display, ShapeSpec};

/// Shape (with unknown dims) and dtype of a tensor.
#[derive(Clone, Debug, PartialEq)]
pub struct TensorSpec {
    /// The shape; `None` marks an unknown dim.
    pub shape: ShapeSpec,
    /// The dtype.
    pub dtype: DType,
}

impl TensorSpec {
    /// A spec.
    pub fn new(shape: ShapeSpec, dtype: DType) -> TensorSpec {
        TensorSpec { shape, dtype }
    }
}

/// One call of a layer on symbolic tensors: the producer of [`KerasTensor`]s.
pub struct Node {
    layer: LayerRef,
    index: usize,
    inputs: Vec<KerasTensor>,
    masks: Vec<Option<KerasTensor>>,
    outputs: Vec<TensorSpec>,
    list_input: bool,
}

impl Node {
    pub(crate) fn new(
        layer: LayerRef,
        index: usize,
        inputs: Vec<KerasTensor>,
        masks: Vec<Option<KerasTensor>>,
        outputs: Vec<TensorSpec>,
        list_input: bool,
    ) -> Node {
        Node {
            layer,
            index,
            inputs,
            masks,
            outputs,
            list_input,
        }
    }
    /// The layer called.
    pub fn layer(&self) -> &LayerRef {
        &self.layer
    }
    /// Which call of the layer this is (0 for the first).
    pub fn index(&self) -> usize {
        self.index
    }
    /// The symbolic inputs.
    pub fn inputs(&self) -> &[KerasTensor] {
        &self.inputs
    }
    /// The masks passed explicitly as the call's `mask` argument (Keras records them in
    /// configs when a layer's `call` takes a mask), one per input, `None` where the input's
    /// own mask applies; empty when the call passed none.
    pub fn masks(&self) -> &[Option<KerasTensor>] {
        &self.masks
    }
    /// Specs of the outputs.
    pub fn outputs(&self) -> &[TensorSpec] {
        &self.outputs
    }
    /// Whether the inputs were passed as one list (merge layers).
    pub fn list_input(&self) -> bool {
        self.list_input
    }
}

/// A symbolic tensor: shape and dtype, plus the node that produced it. Made by
/// [`Input`](crate::layers::Input) and by applying layers (`layer.apply(&x)`).
#[derive(Clone)]
pub struct KerasTensor {
    spec: TensorSpec,
    node: Arc<Node>,
    tensor_index: usize,
}

impl KerasTensor {
    pub(crate) fn from_node(spec: TensorSpec, node: Arc<Node>, tensor_index: usize) -> Self {
        KerasTensor {
            spec,
            node,
            tensor_index,
        }
    }
    /// Shape and dtype.
    pub fn spec(&self) -> &TensorSpec {
        &self.spec
    }
    /// The shape (`None` = unknown).
    pub fn shape(&self) -> &ShapeSpec {
        &self.spec.shape
    }
    /// The dtype.
    pub fn dtype(&self) -> DType {
        self.spec.dtype
    }
    /// The producing node.
    pub fn node(&self) -> &Arc<Node> {
        &self.node
    }
    /// Which output of its node this is.
    pub fn tensor_index(&self) -> usize {
        self.tensor_index
    }
    /// Whether `self` and `other` are the same symbolic tensor.
    pub fn same_as(&self, other: &KerasTensor) -> bool {
        Arc::ptr_eq(&self.node, &other.node) && self.tensor_index == other.tensor_index
    }
}

impl std::fmt::Debug for KerasTensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "<KerasTensor shape={}, dtype={}, name={}>",
            shape_display(&self.spec.shape),
            self.spec.dtype,
            self.node.layer().base().name()
        )
    }
}
