//! Normalization layers: `BatchNormalization`, `LayerNormalization`, `GroupNormalization`,
//! `RMSNormalization`, `UnitNormalization`.

mod axis;
mod batch_normalization;
mod group_normalization;
mod layer_normalization;
mod rms_normalization;
#[cfg(test)]
pub(crate) mod test_util;
mod unit_normalization;

pub use axis::AxisArg;
pub use batch_normalization::BatchNormalization;
pub use group_normalization::GroupNormalization;
pub use layer_normalization::LayerNormalization;
pub use rms_normalization::RMSNormalization;
pub use unit_normalization::UnitNormalization;
