//! Pooling layers (Keras's `keras/src/layers/pooling/`): windowed max/average pooling
//! ([`BasePooling`]) and global pooling ([`GlobalPooling`]), generic over mode and rank.

mod average_pooling;
mod base_pooling;
mod global_pooling;
mod max_pooling;

pub use average_pooling::{Average, AveragePooling1D, AveragePooling2D, AveragePooling3D};
pub use base_pooling::{BasePooling, PoolMode};
pub use global_pooling::{
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalMaxPooling1D,
    GlobalMaxPooling2D, GlobalMaxPooling3D, GlobalPooling,
};
pub use max_pooling::{Max, MaxPooling1D, MaxPooling2D, MaxPooling3D};
