//! `Sequential`: a plain stack of layers, each with one input and one output.

use keras_backend::bail;
use keras_ops::{Result, Tensor};
use serde_json::Value;

use crate::layers::{
    check_input_shape, shape_display, shape_from_json, shape_to_json, CallArgs, InputLayer,
    IntoLayer, Layer, LayerBase, LayerExt, LayerRef, ShapeSpec, TensorSpec,
};
use crate::saving::object::Config;
use crate::saving::{deserialize_layer, serialize_layer};

/// A linear stack of layers (Keras's `Sequential`).
///
/// ```
/// use keras::layers::{Dense, InputLayer, LayerExt};
/// use keras::models::Sequential;
/// let mut model = Sequential::new();
/// model.add(InputLayer::new(&[4])).unwrap();
/// model.add(Dense::new(8).activation("relu").unwrap()).unwrap();
/// model.add(Dense::new(2)).unwrap();
/// let y = model.forward(&keras::ops::ones(&[3, 4], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(y.dims(), &[3, 2]);
/// assert_eq!(model.count_params(), 4 * 8 + 8 + 8 * 2 + 2);
/// ```
pub struct Sequential {
    base: LayerBase,
    input: Option<LayerRef>,
    layers: Vec<LayerRef>,
}

impl Default for Sequential {
    fn default() -> Self {
        Self::new()
    }
}

impl Sequential {
    /// An empty model named `sequential`, `sequential_1`, ….
    pub fn new() -> Sequential {
        Self::named_opt(None)
    }
    /// An empty model named `name`.
    pub fn named(name: &str) -> Sequential {
        Self::named_opt(Some(name))
    }
    fn named_opt(name: Option<&str>) -> Sequential {
        Sequential {
            base: LayerBase::new("Sequential", name),
            input: None,
            layers: Vec::new(),
        }
    }

    /// Appends a layer; an [`InputLayer`] as the first layer fixes the input shape, and
    /// from then on every added layer is built at once, as in Keras. Layer names must be
    /// unique.
    pub fn add(&mut self, layer: impl IntoLayer) -> Result<()> {
        let layer = layer.into_layer();
        if layer.as_any().is::<InputLayer>() {
            if self.input.is_some() || !self.layers.is_empty() {
                bail!(
                    "Sequential.add",
                    "model {:?}: an InputLayer can only be the first layer",
                    self.base.name()
                );
            }
            self.input = Some(layer);
            return Ok(());
        }
        let clash = self
            .layers
            .iter()
            .chain(&self.input)
            .any(|l| l.name() == layer.name());
        if clash {
            bail!(
                "Sequential.add",
                "model {:?} already has a layer named {:?}; all layers added to a Sequential \
                 model should have unique names",
                self.base.name(),
                layer.name()
            );
        }
        self.layers.push(layer);
        // As Keras: once the input shape is known, each added layer is built right away
        // (so the model has its weights before its first call); a layer that cannot take
        // the previous output is refused here and not kept.
        if let Some(shape) = self.input_shape() {
            let shapes = [shape];
            if let Err(e) = self.build(&shapes) {
                self.layers.pop();
                return Err(e);
            }
            self.base.mark_built(shapes.to_vec());
        }
        Ok(())
    }

    /// Removes and returns the last layer.
    pub fn pop(&mut self) -> Result<LayerRef> {
        match self.layers.pop() {
            Some(l) => Ok(l),
            None => bail!(
                "Sequential.pop",
                "model {:?} has no layers",
                self.base.name()
            ),
        }
    }

    /// The layers, without the input layer (as Keras's `model.layers`).
    pub fn layers(&self) -> &[LayerRef] {
        &self.layers
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

    /// The input layer's batch shape, when the model has one.
    pub fn input_shape(&self) -> Option<ShapeSpec> {
        self.input_spec().map(|s| s.shape)
    }

    /// The input layer's batch shape and dtype, when the model has one.
    ///
    /// ```
    /// use keras::layers::{Embedding, Input};
    /// use keras::models::Sequential;
    /// let mut m = Sequential::new();
    /// m.add(Input::new(&[5]).dtype(keras::DType::I32)).unwrap();
    /// m.add(Embedding::new(10, 4)).unwrap();
    /// let spec = m.input_spec().unwrap();
    /// assert_eq!((spec.shape, spec.dtype), (vec![None, Some(5)], keras::DType::I32));
    /// ```
    pub fn input_spec(&self) -> Option<TensorSpec> {
        self.input.as_ref().map(|l| {
            let input = l
                .as_any()
                .downcast_ref::<InputLayer>()
                .expect("input is an InputLayer");
            TensorSpec::new(input.batch_shape().clone(), input.dtype())
        })
    }

    /// Builds every layer for a batch of `shape` (Keras's `model.build(input_shape)`).
    pub fn build_for(&self, shape: &ShapeSpec) -> Result<()> {
        self.ensure_built(std::slice::from_ref(shape))
    }

    /// From Keras's config (`layers`, `build_input_shape`).
    pub fn from_config(c: &Config) -> Result<Sequential> {
        let mut model = Sequential {
            base: LayerBase::from_config("Sequential", c)?,
            input: None,
            layers: Vec::new(),
        };
        let Some(Value::Array(layers)) = c.get("layers") else {
            bail!("Sequential", "config has no layers list");
        };
        for l in layers {
            model.add(&deserialize_layer(l)?)?;
        }
        // With an input layer the model was built as its layers were added; otherwise, as
        // Keras, it is built for the saved `build_input_shape` when there is one.
        if model.input.is_none() {
            if let Some(v) = c.get("build_input_shape").filter(|v| !v.is_null()) {
                model.build_for(&shape_from_json(v)?)?;
            }
        }
        Ok(model)
    }

    /// The specs after each layer, starting from the model input.
    pub(crate) fn layer_specs(&self, input: TensorSpec) -> Result<Vec<TensorSpec>> {
        let mut spec = input;
        let mut out = Vec::with_capacity(self.layers.len());
        for l in &self.layers {
            l.ensure_built(std::slice::from_ref(&spec.shape))?;
            let mut next = l.compute_output_spec(std::slice::from_ref(&spec))?;
            if next.len() != 1 {
                bail!(
                    "Sequential",
                    "layer {:?} has {} outputs; Sequential layers must have one",
                    l.name(),
                    next.len()
                );
            }
            spec = next.remove(0);
            out.push(spec.clone());
        }
        Ok(out)
    }
}

impl Layer for Sequential {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "Sequential"
    }
    fn module(&self) -> &str {
        "keras"
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        let layers: Vec<Value> = self
            .input
            .iter()
            .chain(&self.layers)
            .map(|l| serialize_layer(l.as_ref()))
            .collect();
        c.insert("layers".into(), Value::Array(layers));
        if let Some(s) = self.base.build_shapes() {
            c.insert("build_input_shape".into(), shape_to_json(&s[0]));
        }
        c
    }
    fn build(&self, shapes: &[ShapeSpec]) -> Result<()> {
        let [shape] = shapes else {
            bail!("Sequential", "takes one input, got {} shapes", shapes.len());
        };
        if let Some(spec) = self.input_shape() {
            let fits = spec.len() == shape.len()
                && spec
                    .iter()
                    .zip(shape)
                    .all(|(s, d)| s.is_none() || d.is_none() || s == d);
            if !fits {
                bail!(
                    "Sequential",
                    "model {:?} has input shape {} and cannot be built for {}",
                    self.base.name(),
                    shape_display(&spec),
                    shape_display(shape)
                );
            }
        }
        let dtype = self
            .input
            .as_ref()
            .and_then(|l| l.as_any().downcast_ref::<InputLayer>())
            .map_or(self.base.compute_dtype(), InputLayer::dtype);
        self.layer_specs(TensorSpec::new(shape.clone(), dtype))?;
        Ok(())
    }
    fn call(&self, inputs: &[Tensor], args: &CallArgs) -> Result<Vec<Tensor>> {
        let [x] = inputs else {
            bail!(
                "Sequential",
                "model {:?} takes one input, got {}",
                self.base.name(),
                inputs.len()
            );
        };
        if let Some(spec) = self.input_shape() {
            check_input_shape(self.base.name(), 0, &spec, x.dims())?;
        }
        // As Keras (the Functional model behind a Sequential converts its input to the
        // Input's dtype).
        let mut x = match &self.input {
            Some(l) => super::functional::to_input_dtype(l.as_ref(), x)?,
            None => x.clone(),
        };
        let mut mask = args.mask(0).cloned();
        for l in &self.layers {
            let a = CallArgs {
                training: args.training,
                masks: vec![mask.clone()],
            };
            let y = l.call_with(std::slice::from_ref(&x), &a)?;
            mask = l
                .compute_mask(std::slice::from_ref(&x), &a.masks)?
                .into_iter()
                .next()
                .flatten();
            x = y.into_iter().next().expect("one output");
        }
        Ok(vec![x])
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let [x] = inputs else {
            bail!("Sequential", "takes one input, got {}", inputs.len());
        };
        Ok(vec![self
            .layer_specs(x.clone())?
            .pop()
            .unwrap_or_else(|| x.clone())])
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

impl crate::trainers::Trainer for Sequential {
    /// The name of the last layer, as Keras's `output_names`.
    fn output_names(&self) -> Vec<String> {
        self.layers
            .last()
            .map(|l| vec![l.name().to_string()])
            .unwrap_or_default()
    }
}
