//! Reshaping layers: `Reshape`, `Flatten`, `Permute`, `RepeatVector`, and the N-D
//! `Cropping`, `UpSampling` and `ZeroPadding` layers with their 1-D/2-D/3-D aliases.

mod cropping;
mod flatten;
mod permute;
mod repeat_vector;
mod reshape;
mod spatial;
mod up_sampling;
mod zero_padding;

pub use cropping::{Cropping, Cropping1D, Cropping2D, Cropping3D};
pub use flatten::Flatten;
pub use permute::Permute;
pub use repeat_vector::RepeatVector;
pub use reshape::Reshape;
pub use up_sampling::{UpSampling, UpSampling1D, UpSampling2D, UpSampling3D};
pub use zero_padding::{ZeroPadding, ZeroPadding1D, ZeroPadding2D, ZeroPadding3D};
