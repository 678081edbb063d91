//! `Dense`: `activation(x · kernel + bias)` over the last axis.

use std::sync::OnceLock;

use keras_backend::bail;
use keras_ops::{ops, Result, Tensor, Variable};
use serde_json::json;

use crate::activations::Activation;
use crate::constraints::Constraint;
use crate::initializers::Initializer;
use crate::layers::keras_tensor::TensorSpec;
use crate::layers::shape::{shape_display, ShapeSpec};
use crate::layers::weight_options::WeightOptions;
use crate::layers::{CallArgs, Layer, LayerBase};
use crate::regularizers::Regularizer;
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// A densely-connected layer (Keras's `Dense`).
///
/// ```
/// use keras::layers::{Dense, LayerExt};
/// let dense = Dense::new(4).activation("relu").unwrap();
/// let y = dense.forward(&keras::ops::ones(&[2, 3], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(y.dims(), &[2, 4]);
/// assert_eq!(dense.weights().len(), 2);
/// ```
pub struct Dense {
    base: LayerBase,
    units: usize,
    activation: Activation,
    use_bias: bool,
    kernel: WeightOptions,
    bias: WeightOptions,
    vars: OnceLock<(Variable, Option<Variable>)>,
}

impl Dense {
    /// `units` outputs, no activation, with bias, GlorotUniform kernel and zero bias.
    pub fn new(units: usize) -> Dense {
        Dense {
            base: LayerBase::new("Dense", None),
            units,
            activation: Activation::linear(),
            use_bias: true,
            kernel: WeightOptions::new(Initializer::glorot_uniform()),
            bias: WeightOptions::new(Initializer::Zeros),
            vars: OnceLock::new(),
        }
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> Dense {
        self.base = self.base.renamed(name);
        self
    }
    /// The activation, by Keras name (`"relu"`).
    pub fn activation(mut self, name: &str) -> Result<Dense> {
        self.activation = Activation::get(name)?;
        Ok(self)
    }
    /// Whether to add a bias.
    pub fn use_bias(mut self, use_bias: bool) -> Dense {
        self.use_bias = use_bias;
        self
    }
    /// The kernel initializer.
    pub fn kernel_initializer(mut self, init: Initializer) -> Dense {
        self.kernel.initializer = init;
        self
    }
    /// The bias initializer.
    pub fn bias_initializer(mut self, init: Initializer) -> Dense {
        self.bias.initializer = init;
        self
    }
    /// A penalty on the kernel.
    pub fn kernel_regularizer(mut self, r: Regularizer) -> Dense {
        self.kernel.regularizer = Some(r);
        self
    }
    /// A penalty on the bias.
    pub fn bias_regularizer(mut self, r: Regularizer) -> Dense {
        self.bias.regularizer = Some(r);
        self
    }
    /// A penalty on the outputs (Keras's `activity_regularizer`).
    pub fn activity_regularizer(mut self, r: Regularizer) -> Dense {
        self.base = self.base.with_activity_regularizer(Some(r));
        self
    }
    /// A constraint on the kernel.
    pub fn kernel_constraint(mut self, c: Constraint) -> Dense {
        self.kernel.constraint = Some(c);
        self
    }
    /// A constraint on the bias.
    pub fn bias_constraint(mut self, c: Constraint) -> Dense {
        self.bias.constraint = Some(c);
        self
    }

    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<Dense> {
        Ok(Dense {
            base: LayerBase::from_config("Dense", c)?,
            units: c.require("units", "Dense")?,
            activation: c.get_or("activation", Activation::linear(), "Dense")?,
            use_bias: c.get_or("use_bias", true, "Dense")?,
            kernel: WeightOptions::from_config(c, "kernel", Initializer::glorot_uniform())?,
            bias: WeightOptions::from_config(c, "bias", Initializer::Zeros)?,
            vars: OnceLock::new(),
        })
    }

    /// Once built, refuses an input whose last dim is not the kernel's input dim (Keras's
    /// `InputSpec(axes={-1: input_dim})`); `shape` names the input in the error.
    fn check_input_dim(&self, last: Option<usize>, shape: &str) -> Result<()> {
        match self.vars.get() {
            Some((kernel, _)) if last != Some(kernel.shape().dims()[0]) => bail!(
                "Dense",
                "layer {:?} expects last input dim {}, got input shape {shape}",
                self.base.name(),
                kernel.shape().dims()[0]
            ),
            _ => Ok(()),
        }
    }

    /// The kernel variable (after build).
    pub fn kernel(&self) -> Option<&Variable> {
        self.vars.get().map(|v| &v.0)
    }
}

impl Layer for Dense {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "Dense"
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("units".into(), json!(self.units));
        c.insert("activation".into(), json!(self.activation.name()));
        c.insert("use_bias".into(), json!(self.use_bias));
        self.kernel.write_initializer(&mut c, "kernel");
        self.bias.write_initializer(&mut c, "bias");
        self.kernel.write_regularizer(&mut c, "kernel");
        self.bias.write_regularizer(&mut c, "bias");
        self.kernel.write_constraint(&mut c, "kernel");
        self.bias.write_constraint(&mut c, "bias");
        c.insert("quantization_config".into(), json!(null));
        c
    }
    fn build(&self, shapes: &[ShapeSpec]) -> Result<()> {
        // Keras's InputSpec(min_ndim=2): a batch dim and a feature dim at least.
        if shapes.first().is_some_and(|s| s.len() < 2) {
            bail!(
                "Dense",
                "layer {:?} expects inputs of rank >= 2, got shapes {shapes:?}",
                self.base.name()
            );
        }
        let Some(Some(input_dim)) = shapes.first().and_then(|s| s.last()) else {
            bail!(
                "Dense",
                "layer {:?} needs a known last input dim, got shapes {shapes:?}",
                self.base.name()
            );
        };
        let kernel = self
            .kernel
            .add(&self.base, "kernel", &[*input_dim, self.units])?;
        let bias = if self.use_bias {
            Some(self.bias.add(&self.base, "bias", &[self.units])?)
        } else {
            None
        };
        let _ = self.vars.set((kernel, bias));
        Ok(())
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        let (kernel, bias) = self.vars.get().expect("built before call");
        let x = &inputs[0];
        let k = kernel.value();
        self.check_input_dim(x.dims().last().copied(), &x.shape().to_string())?;
        let mut y = ops::matmul(x, &k)?;
        if let Some(b) = bias {
            y = ops::add(&y, b.value())?;
        }
        Ok(vec![self.activation.apply(&y)?])
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let mut shape = inputs[0].shape.clone();
        if shape.len() < 2 {
            bail!(
                "Dense",
                "layer {:?} needs an input of rank >= 2",
                self.base.name()
            );
        }
        if let Some(&Some(dim)) = shape.last() {
            self.check_input_dim(Some(dim), &shape_display(&shape))?;
        }
        *shape.last_mut().expect("rank >= 1") = Some(self.units);
        Ok(vec![TensorSpec::new(shape, self.base.compute_dtype())])
    }
    fn supports_masking(&self) -> bool {
        true
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
