//! `keras.models`: [`Sequential`] and [`Functional`] (alias [`Model`]) containers.
//! Subclassed models are user structs implementing [`Layer`](crate::layers::Layer).

mod functional;
mod sequential;

pub use functional::{Functional, Model, Tensors};
pub use sequential::Sequential;
