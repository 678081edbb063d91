//! `keras.models`: [`Sequential`] and [`Functional`] (alias [`Model`]) containers, and
//! loading saved models ([`load_model`], [`model_from_json`]) as a [`LoadedModel`].
//! Subclassed models are user structs implementing [`Layer`](crate::layers::Layer).

mod functional;
mod loaded;
mod sequential;

pub use crate::saving::{
    load_model, load_model_from_bytes, load_model_with, model_from_json, LoadOptions,
};
pub use functional::{Functional, Model, Tensors};
pub use loaded::LoadedModel;
pub use sequential::Sequential;
