//! `keras.layers`: the [`Layer`] trait, symbolic tensors, and the layer families (one folder
//! per family, as Keras's `keras/src/layers/`).

pub mod convolutional;
pub mod core;
mod keras_tensor;
mod layer;
pub mod pooling;
mod shape;
mod subclass;
mod weight_options;

use std::sync::Arc;

pub use self::core::{Dense, Input, InputLayer};
pub use convolutional::{
    Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D, Conv3DTranspose, DepthwiseConv1D,
    DepthwiseConv2D, SeparableConv1D, SeparableConv2D,
};
pub use keras_macros::Layer;
pub use keras_tensor::{KerasTensor, Node, TensorSpec};
pub use layer::{Apply, CallArgs, DTypePolicy, IntoLayer, Layer, LayerBase, LayerExt, LayerRef};
pub use pooling::{
    AveragePooling1D, AveragePooling2D, AveragePooling3D, GlobalAveragePooling1D,
    GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalMaxPooling1D, GlobalMaxPooling2D,
    GlobalMaxPooling3D, MaxPooling1D, MaxPooling2D, MaxPooling3D,
};
pub use shape::{
    check_input_shape, shape_display, shape_from_json, shape_to_json, shapes_from_json, ShapeSpec,
};
pub use subclass::{Module, SublayerField};
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
        ("Conv1D", |c: &Config| boxed(Conv1D::from_config(c))),
        ("Conv2D", |c: &Config| boxed(Conv2D::from_config(c))),
        ("Conv3D", |c: &Config| boxed(Conv3D::from_config(c))),
        ("Conv1DTranspose", |c: &Config| {
            boxed(Conv1DTranspose::from_config(c))
        }),
        ("Conv2DTranspose", |c: &Config| {
            boxed(Conv2DTranspose::from_config(c))
        }),
        ("Conv3DTranspose", |c: &Config| {
            boxed(Conv3DTranspose::from_config(c))
        }),
        ("DepthwiseConv1D", |c: &Config| {
            boxed(DepthwiseConv1D::from_config(c))
        }),
        ("DepthwiseConv2D", |c: &Config| {
            boxed(DepthwiseConv2D::from_config(c))
        }),
        ("SeparableConv1D", |c: &Config| {
            boxed(SeparableConv1D::from_config(c))
        }),
        ("SeparableConv2D", |c: &Config| {
            boxed(SeparableConv2D::from_config(c))
        }),
        ("MaxPooling1D", |c: &Config| {
            boxed(MaxPooling1D::from_config(c))
        }),
        ("MaxPooling2D", |c: &Config| {
            boxed(MaxPooling2D::from_config(c))
        }),
        ("MaxPooling3D", |c: &Config| {
            boxed(MaxPooling3D::from_config(c))
        }),
        ("AveragePooling1D", |c: &Config| {
            boxed(AveragePooling1D::from_config(c))
        }),
        ("AveragePooling2D", |c: &Config| {
            boxed(AveragePooling2D::from_config(c))
        }),
        ("AveragePooling3D", |c: &Config| {
            boxed(AveragePooling3D::from_config(c))
        }),
        ("GlobalMaxPooling1D", |c: &Config| {
            boxed(GlobalMaxPooling1D::from_config(c))
        }),
        ("GlobalMaxPooling2D", |c: &Config| {
            boxed(GlobalMaxPooling2D::from_config(c))
        }),
        ("GlobalMaxPooling3D", |c: &Config| {
            boxed(GlobalMaxPooling3D::from_config(c))
        }),
        ("GlobalAveragePooling1D", |c: &Config| {
            boxed(GlobalAveragePooling1D::from_config(c))
        }),
        ("GlobalAveragePooling2D", |c: &Config| {
            boxed(GlobalAveragePooling2D::from_config(c))
        }),
        ("GlobalAveragePooling3D", |c: &Config| {
            boxed(GlobalAveragePooling3D::from_config(c))
        }),
        ("Sequential", |c: &Config| {
            boxed(crate::models::Sequential::from_config(c))
        }),
        ("Functional", |c: &Config| {
            boxed(crate::models::Functional::from_config(c))
        }),
    ];
    table.into_iter().map(|(n, f)| (n.to_string(), f)).collect()
}
