//! Normalization layers: `BatchNormalization`, `LayerNormalization`, `GroupNormalization`,
//! `RMSNormalization`, `UnitNormalization`.

/// Builder setters shared by the normalization layers with a learned offset and scale
/// (fields `center`, `scale`, `beta` and `gamma`): `center`, `scale`, and the
/// initializer, regularizer and constraint of `beta` and `gamma`.
macro_rules! affine_setters {
    () => {
        /// Whether to add the offset `beta`.
        pub fn center(mut self, center: bool) -> Self {
            self.center = center;
            self
        }
        /// Whether to multiply by `gamma`.
        pub fn scale(mut self, scale: bool) -> Self {
            self.scale = scale;
            self
        }
        /// The `beta` initializer.
        pub fn beta_initializer(mut self, init: crate::initializers::Initializer) -> Self {
            self.beta.initializer = init;
            self
        }
        /// The `gamma` initializer.
        pub fn gamma_initializer(mut self, init: crate::initializers::Initializer) -> Self {
            self.gamma.initializer = init;
            self
        }
        /// A penalty on `beta`.
        pub fn beta_regularizer(mut self, r: crate::regularizers::Regularizer) -> Self {
            self.beta.regularizer = Some(r);
            self
        }
        /// A penalty on `gamma`.
        pub fn gamma_regularizer(mut self, r: crate::regularizers::Regularizer) -> Self {
            self.gamma.regularizer = Some(r);
            self
        }
        /// A constraint on `beta`.
        pub fn beta_constraint(mut self, c: crate::constraints::Constraint) -> Self {
            self.beta.constraint = Some(c);
            self
        }
        /// A constraint on `gamma`.
        pub fn gamma_constraint(mut self, c: crate::constraints::Constraint) -> Self {
            self.gamma.constraint = Some(c);
            self
        }
    };
}
pub(crate) use affine_setters;

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
