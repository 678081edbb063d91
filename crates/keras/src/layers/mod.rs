//! `keras.layers`: the [`Layer`] trait, symbolic tensors, and the layer families (one folder
//! per family, as Keras's `keras/src/layers/`).

pub mod activations;
pub mod convolutional;
pub mod core;
mod data_format;
mod keras_tensor;
mod layer;
pub mod merging;
pub mod normalization;
pub mod pooling;
pub mod preprocessing;
pub mod regularization;
pub mod reshaping;
mod shape;
mod subclass;
#[cfg(test)]
mod testing;
mod weight_options;

use std::sync::Arc;

pub use self::core::{
    register_lambda, Dense, EinsumDense, Embedding, Identity, Input, InputLayer, Lambda, LambdaFn,
    Masking,
};
pub use activations::{Activation, LeakyReLU, PReLU, ReLU, Softmax, ELU};
pub use convolutional::{
    Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D, Conv3DTranspose, DepthwiseConv1D,
    DepthwiseConv2D, SeparableConv1D, SeparableConv2D,
};
pub use data_format::DataFormat;
pub use keras_macros::Layer;
pub use keras_tensor::{KerasTensor, Node, TensorSpec};
pub(crate) use layer::apply_symbolic;
pub use layer::{Apply, CallArgs, DTypePolicy, IntoLayer, Layer, LayerBase, LayerExt, LayerRef};
pub use merging::{
    Add, AddOp, Average, AverageOp, Concatenate, Dot, DotAxes, Maximum, MaximumOp, Merge,
    MergeFunction, Minimum, MinimumOp, Multiply, MultiplyOp, Subtract, SubtractOp,
};
pub use normalization::{
    AxisArg, BatchNormalization, GroupNormalization, LayerNormalization, RMSNormalization,
    UnitNormalization,
};
pub use pooling::{
    AveragePooling1D, AveragePooling2D, AveragePooling3D, GlobalAveragePooling1D,
    GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalMaxPooling1D, GlobalMaxPooling2D,
    GlobalMaxPooling3D, MaxPooling1D, MaxPooling2D, MaxPooling3D,
};
pub use preprocessing::{
    CategoryEncoding, CenterCrop, Discretization, Hashing, Interpolation, Normalization,
    OutputMode, Rescaling, Resizing,
};
pub use regularization::{
    ActivityRegularization, AlphaDropout, Dropout, GaussianDropout, GaussianNoise, SpatialDropout,
    SpatialDropout1D, SpatialDropout2D, SpatialDropout3D,
};
pub use reshaping::{
    Cropping, Cropping1D, Cropping2D, Cropping3D, Flatten, Permute, RepeatVector, Reshape,
    UpSampling, UpSampling1D, UpSampling2D, UpSampling3D, ZeroPadding, ZeroPadding1D,
    ZeroPadding2D, ZeroPadding3D,
};
pub(crate) use shape::probe_output_specs;
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

/// The class names of the built-in layers: those [`deserialize_layer`](crate::saving::deserialize_layer)
/// knows without registration.
///
/// ```
/// let classes = keras::layers::builtin_layer_classes();
/// assert!(classes.iter().any(|c| c == "Dense"));
/// ```
pub fn builtin_layer_classes() -> Vec<String> {
    builtin_layers().into_iter().map(|(name, _)| name).collect()
}

/// The built-in layer classes, for `from_config` by class name.
pub(crate) fn builtin_layers() -> Vec<(String, LayerFromConfig)> {
    let table: Vec<(&str, LayerFromConfig)> = vec![
        ("InputLayer", |c: &Config| boxed(InputLayer::from_config(c))),
        ("Dense", |c: &Config| boxed(Dense::from_config(c))),
        ("Hashing", |c: &Config| boxed(Hashing::from_config(c))),
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
        ("BatchNormalization", |c: &Config| {
            boxed(BatchNormalization::from_config(c))
        }),
        ("LayerNormalization", |c: &Config| {
            boxed(LayerNormalization::from_config(c))
        }),
        ("GroupNormalization", |c: &Config| {
            boxed(GroupNormalization::from_config(c))
        }),
        ("RMSNormalization", |c: &Config| {
            boxed(RMSNormalization::from_config(c))
        }),
        ("UnitNormalization", |c: &Config| {
            boxed(UnitNormalization::from_config(c))
        }),
        ("Add", |c: &Config| boxed(Add::from_config(c))),
        ("Subtract", |c: &Config| boxed(Subtract::from_config(c))),
        ("Multiply", |c: &Config| boxed(Multiply::from_config(c))),
        ("Average", |c: &Config| boxed(Average::from_config(c))),
        ("Maximum", |c: &Config| boxed(Maximum::from_config(c))),
        ("Minimum", |c: &Config| boxed(Minimum::from_config(c))),
        ("Concatenate", |c: &Config| {
            boxed(Concatenate::from_config(c))
        }),
        ("Dot", |c: &Config| boxed(Dot::from_config(c))),
        ("Reshape", |c: &Config| boxed(Reshape::from_config(c))),
        ("Flatten", |c: &Config| boxed(Flatten::from_config(c))),
        ("Permute", |c: &Config| boxed(Permute::from_config(c))),
        ("RepeatVector", |c: &Config| {
            boxed(RepeatVector::from_config(c))
        }),
        ("Cropping1D", |c: &Config| boxed(Cropping1D::from_config(c))),
        ("Cropping2D", |c: &Config| boxed(Cropping2D::from_config(c))),
        ("Cropping3D", |c: &Config| boxed(Cropping3D::from_config(c))),
        ("UpSampling1D", |c: &Config| {
            boxed(UpSampling1D::from_config(c))
        }),
        ("UpSampling2D", |c: &Config| {
            boxed(UpSampling2D::from_config(c))
        }),
        ("UpSampling3D", |c: &Config| {
            boxed(UpSampling3D::from_config(c))
        }),
        ("ZeroPadding1D", |c: &Config| {
            boxed(ZeroPadding1D::from_config(c))
        }),
        ("ZeroPadding2D", |c: &Config| {
            boxed(ZeroPadding2D::from_config(c))
        }),
        ("ZeroPadding3D", |c: &Config| {
            boxed(ZeroPadding3D::from_config(c))
        }),
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
