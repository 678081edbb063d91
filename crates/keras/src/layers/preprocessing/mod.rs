//! Numeric and image preprocessing layers: `Rescaling`, `Normalization`, `Discretization`,
//! `CategoryEncoding`, `Hashing`, `Resizing`, `CenterCrop`.

mod category_encoding;
mod center_crop;
mod discretization;
mod hashing;
mod normalization;
mod rescaling;
pub(crate) mod resize;
mod resizing;

pub use category_encoding::{CategoryEncoding, OutputMode};
pub use center_crop::CenterCrop;
pub use discretization::Discretization;
pub use hashing::Hashing;
pub use normalization::Normalization;
pub use rescaling::Rescaling;
pub use resize::Interpolation;
pub use resizing::Resizing;
