//! Subclassing: a user struct whose fields are layers becomes a layer (or model) with
//! `#[derive(Layer)]` plus an impl of [`Module`] (its forward pass). The derive walks the
//! fields in Keras's attribute order, so weight paths match the ones Keras writes.
//!
//! ```
//! use keras::layers::{CallArgs, Dense, Layer, LayerBase, LayerExt, Module};
//! use keras::{Result, Tensor};
//!
//! #[derive(Layer)]
//! #[keras(model)]
//! struct Mlp {
//!     base: LayerBase,
//!     hidden: Dense,
//!     out: Dense,
//! }
//!
//! impl Module for Mlp {
//!     fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
//!         Ok(vec![self.out.forward(&self.hidden.forward(&inputs[0])?)?])
//!     }
//! }
//! // A model trains with Keras's default steps (or its own `train_step`).
//! impl keras::trainers::Trainer for Mlp {}
//!
//! let mlp = Mlp {
//!     base: LayerBase::new("Mlp", None),
//!     hidden: Dense::new(8).activation("relu")?,
//!     out: Dense::new(2),
//! };
//! let y = mlp.forward(&keras::ops::ones(&[4, 3], keras::DType::F32)?)?;
//! assert_eq!(y.dims(), &[4, 2]);
//! assert_eq!(mlp.weights().len(), 4);
//! # Ok::<(), keras::Error>(())
//! ```

use std::sync::{Arc, OnceLock};

use keras_ops::{ops, Result, Tensor, Variable};

use super::{CallArgs, Layer, LayerRef, ShapeSpec, TensorSpec};
use crate::saving::object::Config;

/// The forward pass of a subclassed layer (what Keras users write as `build` and `call`).
pub trait Module: Layer {
    /// The computation.
    fn call(&self, inputs: &[Tensor], args: &CallArgs) -> Result<Vec<Tensor>>;
    /// Creates the layer's own variables for the input shapes (sublayers build themselves
    /// on their first call).
    fn build(&self, _input_shapes: &[ShapeSpec]) -> Result<()> {
        Ok(())
    }
    /// The class's own config keys, after `name`, `trainable` and `dtype` (what a Python
    /// subclass adds in `get_config`); saved in `config.json` and given back to the
    /// constructor registered with [`register_layer`](crate::saving::register_layer).
    /// None by default.
    fn config(&self) -> Config {
        Config::new()
    }
    /// Output specs; by default found by running `call` on zeros (unknown dims taken as 1,
    /// and an unknown batch dim stays unknown), as Keras traces a subclassed layer.
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let probes: Vec<Tensor> = inputs
            .iter()
            .map(|s| {
                let dims: Vec<usize> = s.shape.iter().map(|d| d.unwrap_or(1)).collect();
                ops::zeros(&dims, s.dtype)
            })
            .collect::<Result<_>>()?;
        let batch_unknown = inputs
            .first()
            .is_some_and(|s| s.shape.first() == Some(&None));
        let outs = Module::call(self, &probes, &CallArgs::inference())?;
        Ok(outs
            .iter()
            .map(|t| {
                let mut shape: ShapeSpec = t.dims().iter().map(|&d| Some(d)).collect();
                if batch_unknown && shape.first() == Some(&Some(1)) {
                    shape[0] = None;
                }
                TensorSpec::new(shape, t.dtype())
            })
            .collect())
    }
}

/// A field of a subclassed layer as the derive sees it: layers (and lists or options of
/// layers) are reported; plain values are not.
pub trait SublayerField {
    /// Reports the layers in this field under attribute `name` (lists as `name[i]`).
    fn visit_field<'a>(&'a self, name: &str, f: &mut dyn FnMut(&str, &'a dyn Layer));
    /// Appends the layers in this field, in order (for a model's `layers`).
    fn collect_layers<'a>(&'a self, out: &mut Vec<&'a dyn Layer>);
}

impl<L: Layer> SublayerField for L {
    fn visit_field<'a>(&'a self, name: &str, f: &mut dyn FnMut(&str, &'a dyn Layer)) {
        f(name, self)
    }
    fn collect_layers<'a>(&'a self, out: &mut Vec<&'a dyn Layer>) {
        out.push(self)
    }
}

impl SublayerField for LayerRef {
    fn visit_field<'a>(&'a self, name: &str, f: &mut dyn FnMut(&str, &'a dyn Layer)) {
        f(name, self.as_ref())
    }
    fn collect_layers<'a>(&'a self, out: &mut Vec<&'a dyn Layer>) {
        out.push(self.as_ref())
    }
}

impl<T: SublayerField> SublayerField for Vec<T> {
    fn visit_field<'a>(&'a self, name: &str, f: &mut dyn FnMut(&str, &'a dyn Layer)) {
        for (i, x) in self.iter().enumerate() {
            x.visit_field(&format!("{name}[{i}]"), f);
        }
    }
    fn collect_layers<'a>(&'a self, out: &mut Vec<&'a dyn Layer>) {
        self.iter().for_each(|x| x.collect_layers(out))
    }
}

impl<T: SublayerField> SublayerField for Option<T> {
    fn visit_field<'a>(&'a self, name: &str, f: &mut dyn FnMut(&str, &'a dyn Layer)) {
        if let Some(x) = self {
            x.visit_field(name, f)
        }
    }
    fn collect_layers<'a>(&'a self, out: &mut Vec<&'a dyn Layer>) {
        if let Some(x) = self {
            x.collect_layers(out)
        }
    }
}

impl<L: Layer> SublayerField for Arc<L> {
    fn visit_field<'a>(&'a self, name: &str, f: &mut dyn FnMut(&str, &'a dyn Layer)) {
        f(name, self.as_ref())
    }
    fn collect_layers<'a>(&'a self, out: &mut Vec<&'a dyn Layer>) {
        out.push(self.as_ref())
    }
}

/// Fields that hold no layers (own variables, numbers, strings, …).
macro_rules! no_sublayers {
    ($($t:ty),*) => {$(
        impl SublayerField for $t {
            fn visit_field<'a>(&'a self, _: &str, _: &mut dyn FnMut(&str, &'a dyn Layer)) {}
            fn collect_layers<'a>(&'a self, _: &mut Vec<&'a dyn Layer>) {}
        }
    )*};
}
no_sublayers!(
    Variable,
    OnceLock<Variable>,
    bool,
    usize,
    u32,
    u64,
    i32,
    i64,
    f32,
    f64,
    String
);
