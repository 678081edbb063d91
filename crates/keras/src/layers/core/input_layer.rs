//! `InputLayer` and `Input`: the entry points of a Functional model.

use std::sync::Arc;

use keras_backend::bail;
use keras_ops::{DType, Result, Tensor};
use serde_json::json;

use crate::layers::keras_tensor::{KerasTensor, Node, TensorSpec};
use crate::layers::shape::{shape_from_json, shape_to_json, ShapeSpec};
use crate::layers::{CallArgs, Layer, LayerBase, LayerRef};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// The layer behind [`Input`]: holds the batch shape and dtype, passes its input through.
pub struct InputLayer {
    base: LayerBase,
    batch_shape: ShapeSpec,
    dtype: DType,
    optional: bool,
}

impl InputLayer {
    /// An input of per-sample `shape` (batch dim unknown), float32.
    pub fn new(shape: &[usize]) -> InputLayer {
        let mut batch_shape = vec![None];
        batch_shape.extend(shape.iter().map(|&d| Some(d)));
        Self::with_batch_shape(batch_shape, DType::F32, None)
    }

    /// An input of full `batch_shape` (any dim may be unknown).
    pub fn with_batch_shape(batch_shape: ShapeSpec, dtype: DType, name: Option<&str>) -> Self {
        let base = LayerBase::new("InputLayer", name);
        // Built at construction, with no build shapes: Keras writes no `build_config` for it.
        base.mark_built(Vec::new());
        InputLayer {
            base,
            batch_shape,
            dtype,
            optional: false,
        }
    }

    /// From Keras's config (`batch_shape`, `dtype`, `name`, …).
    pub fn from_config(c: &Config) -> Result<InputLayer> {
        let batch_shape = match c.get("batch_shape").or_else(|| c.get("batch_input_shape")) {
            Some(v) => shape_from_json(v)?,
            None => bail!("InputLayer", "config has no batch_shape: {c:?}"),
        };
        let dtype: String = c.get_or("dtype", "float32".to_string(), "InputLayer")?;
        let name: Option<String> = c.get_or("name", None, "InputLayer")?;
        let mut l = Self::with_batch_shape(batch_shape, DType::parse(&dtype)?, name.as_deref());
        l.optional = c.get_or("optional", false, "InputLayer")?;
        Ok(l)
    }

    /// The batch shape.
    pub fn batch_shape(&self) -> &ShapeSpec {
        &self.batch_shape
    }
    /// The input dtype.
    pub fn dtype(&self) -> DType {
        self.dtype
    }
}

impl Layer for InputLayer {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "InputLayer"
    }
    fn get_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("batch_shape".into(), shape_to_json(&self.batch_shape));
        c.insert("dtype".into(), json!(self.dtype.name()));
        c.insert("sparse".into(), json!(false));
        c.insert("ragged".into(), json!(false));
        c.insert("name".into(), json!(self.base.name()));
        c.insert("optional".into(), json!(self.optional));
        c
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        Ok(inputs.to_vec())
    }
    fn compute_output_spec(&self, _inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        Ok(vec![TensorSpec::new(self.batch_shape.clone(), self.dtype)])
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// The symbolic tensor of an input layer (its node 0).
pub(crate) fn input_tensor(layer: Arc<InputLayer>) -> KerasTensor {
    let spec = TensorSpec::new(layer.batch_shape.clone(), layer.dtype);
    let index = layer.base.node_count_increment();
    let layer: LayerRef = layer;
    let node = Arc::new(Node::new(
        layer,
        index,
        Vec::new(),
        Vec::new(),
        vec![spec.clone()],
        false,
    ));
    KerasTensor::from_node(spec, node, 0)
}

/// Builder for a model input (Keras's `keras.Input`): per-sample shape, then optional
/// dtype, name and batch size.
///
/// ```
/// use keras::layers::Input;
/// let x = Input::new(&[28, 28, 1]).name("image").build();
/// assert_eq!(x.shape(), &vec![None, Some(28), Some(28), Some(1)]);
/// ```
pub struct Input {
    shape: Vec<Option<usize>>,
    batch_size: Option<usize>,
    dtype: DType,
    name: Option<String>,
}

impl Input {
    /// An input of per-sample `shape`.
    pub fn new(shape: &[usize]) -> Input {
        Input {
            shape: shape.iter().map(|&d| Some(d)).collect(),
            batch_size: None,
            dtype: DType::F32,
            name: None,
        }
    }
    /// An input whose per-sample dims may be unknown (`None`), e.g. variable-length sequences.
    pub fn with_unknown_dims(shape: &[Option<usize>]) -> Input {
        Input {
            shape: shape.to_vec(),
            batch_size: None,
            dtype: DType::F32,
            name: None,
        }
    }
    /// The dtype (default float32).
    pub fn dtype(mut self, dtype: DType) -> Input {
        self.dtype = dtype;
        self
    }
    /// The name (default `input_layer`, `input_layer_1`, …).
    pub fn name(mut self, name: &str) -> Input {
        self.name = Some(name.to_string());
        self
    }
    /// A fixed batch size.
    pub fn batch_size(mut self, n: usize) -> Input {
        self.batch_size = Some(n);
        self
    }
    /// The symbolic tensor.
    pub fn build(self) -> KerasTensor {
        input_tensor(Arc::new(self.into_input_layer()))
    }

    fn into_input_layer(self) -> InputLayer {
        let mut batch_shape = vec![self.batch_size];
        batch_shape.extend(self.shape);
        InputLayer::with_batch_shape(batch_shape, self.dtype, self.name.as_deref())
    }
}

/// `Sequential::add(Input::new(..))` adds the input layer, as `keras.Input` in a Keras
/// `Sequential` list does.
impl crate::layers::IntoLayer for Input {
    fn into_layer(self) -> crate::layers::LayerRef {
        Arc::new(self.into_input_layer())
    }
}
