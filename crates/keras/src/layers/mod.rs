//! `keras.layers`: the [`Layer`] trait, symbolic tensors, and the layer families (one folder
//! per family, as Keras's `keras/src/layers/`).

pub mod activations;
pub mod core;
mod data_format;
mod keras_tensor;
mod layer;
pub mod preprocessing;
pub mod regularization;
mod shape;
#[cfg(test)]
mod testing;
mod weight_options;

use std::sync::Arc;

pub use self::core::{
    register_lambda, Dense, EinsumDense, Embedding, Identity, Input, InputLayer, Lambda, LambdaFn,
    Masking,
};
pub use activations::{Activation, LeakyReLU, PReLU, ReLU, Softmax, ELU};
pub use data_format::DataFormat;
pub use keras_tensor::{KerasTensor, Node, TensorSpec};
pub use layer::{Apply, CallArgs, DTypePolicy, IntoLayer, Layer, LayerBase, LayerExt, LayerRef};
pub use preprocessing::{
    CategoryEncoding, CenterCrop, Discretization, Interpolation, Normalization, OutputMode,
    Rescaling, Resizing,
};
pub use regularization::{
    ActivityRegularization, AlphaDropout, Dropout, GaussianDropout, GaussianNoise, SpatialDropout,
    SpatialDropout1D, SpatialDropout2D, SpatialDropout3D,
};
pub use shape::{shape_display, shape_from_json, shape_to_json, shapes_from_json, ShapeSpec};
pub use weight_options::WeightOptions;

use crate::saving::object::Config;
use crate::saving::LayerFromConfig;
use keras_ops::Result;

fn boxed<L: Layer>(l: Result<L>) -> Result<LayerRef> {
    Ok(Arc::new(l?))
}

/// The built-in layer classes, for `from_config` by class name.
pub(crate) fn builtin_layers() -> Vec<(String, LayerFromConfig)> {
    let table: Vec<(&str, LayerFromConfig)> = vec![
        ("InputLayer", |c: &Config| boxed(InputLayer::from_config(c))),
        ("Dense", |c: &Config| boxed(Dense::from_config(c))),
        ("EinsumDense", |c: &Config| {
            boxed(EinsumDense::from_config(c))
        }),
        ("Embedding", |c: &Config| boxed(Embedding::from_config(c))),
        ("Identity", |c: &Config| boxed(Identity::from_config(c))),
        ("Lambda", |c: &Config| boxed(Lambda::from_config(c))),
        ("Masking", |c: &Config| boxed(Masking::from_config(c))),
        ("Dropout", |c: &Config| boxed(Dropout::from_config(c))),
        ("SpatialDropout1D", |c: &Config| {
            boxed(SpatialDropout1D::from_config(c))
        }),
        ("SpatialDropout2D", |c: &Config| {
            boxed(SpatialDropout2D::from_config(c))
        }),
        ("SpatialDropout3D", |c: &Config| {
            boxed(SpatialDropout3D::from_config(c))
        }),
        ("GaussianDropout", |c: &Config| {
            boxed(GaussianDropout::from_config(c))
        }),
        ("GaussianNoise", |c: &Config| {
            boxed(GaussianNoise::from_config(c))
        }),
        ("AlphaDropout", |c: &Config| {
            boxed(AlphaDropout::from_config(c))
        }),
        ("ActivityRegularization", |c: &Config| {
            boxed(ActivityRegularization::from_config(c))
        }),
        ("Activation", |c: &Config| boxed(Activation::from_config(c))),
        ("ReLU", |c: &Config| boxed(ReLU::from_config(c))),
        ("LeakyReLU", |c: &Config| boxed(LeakyReLU::from_config(c))),
        ("PReLU", |c: &Config| boxed(PReLU::from_config(c))),
        ("ELU", |c: &Config| boxed(ELU::from_config(c))),
        ("Softmax", |c: &Config| boxed(Softmax::from_config(c))),
        ("Rescaling", |c: &Config| boxed(Rescaling::from_config(c))),
        ("Normalization", |c: &Config| {
            boxed(Normalization::from_config(c))
        }),
        ("Discretization", |c: &Config| {
            boxed(Discretization::from_config(c))
        }),
        ("CategoryEncoding", |c: &Config| {
            boxed(CategoryEncoding::from_config(c))
        }),
        ("Resizing", |c: &Config| boxed(Resizing::from_config(c))),
        ("CenterCrop", |c: &Config| boxed(CenterCrop::from_config(c))),
        ("Sequential", |c: &Config| {
            boxed(crate::models::Sequential::from_config(c))
        }),
        ("Functional", |c: &Config| {
            boxed(crate::models::Functional::from_config(c))
        }),
    ];
    table.into_iter().map(|(n, f)| (n.to_string(), f)).collect()
}
