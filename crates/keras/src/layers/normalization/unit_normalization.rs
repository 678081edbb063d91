//! `UnitNormalization`: scales each sample to unit L2 norm over `axis`.

use keras_ops::{ops, Result, Tensor};

use super::axis::AxisArg;
use crate::layers::keras_tensor::TensorSpec;
use crate::layers::{CallArgs, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

const CLASS: &str = "UnitNormalization";

/// L2 normalization of each sample over `axis` (Keras's `UnitNormalization`):
/// `x / max(||x||, 1e-12)`. It has no weights and is built at construction.
///
/// ```
/// use keras::layers::{LayerExt, UnitNormalization};
/// let x = keras::Tensor::from_vec(vec![3.0f32, 4.0], [1, 2]).unwrap();
/// let y = UnitNormalization::new().forward(&x).unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![0.6, 0.8]);
/// ```
pub struct UnitNormalization {
    base: LayerBase,
    axis: AxisArg,
}

impl Default for UnitNormalization {
    fn default() -> Self {
        Self::new()
    }
}

impl UnitNormalization {
    /// Normalizes over the last axis.
    pub fn new() -> UnitNormalization {
        Self::with_base(LayerBase::new(CLASS, None), AxisArg::One(-1))
    }
    fn with_base(base: LayerBase, axis: AxisArg) -> UnitNormalization {
        base.mark_built(Vec::new());
        UnitNormalization { base, axis }
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> Self {
        self.base = self.base.renamed(name);
        self
    }
    /// The axis or axes to normalize over.
    pub fn axis(mut self, axis: impl Into<AxisArg>) -> Self {
        self.axis = axis.into();
        self
    }
    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<UnitNormalization> {
        Ok(Self::with_base(
            LayerBase::from_config(CLASS, c)?,
            c.get_or("axis", AxisArg::One(-1), CLASS)?,
        ))
    }
}

impl Layer for UnitNormalization {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        CLASS
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("axis".into(), self.axis.to_json(false));
        c
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        Ok(vec![ops::normalize(
            &inputs[0],
            self.axis.axes(),
            2,
            Some(1e-12),
        )?])
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let x = &inputs[0];
        self.axis.resolve(x.shape.len(), CLASS)?;
        Ok(vec![TensorSpec::new(
            x.shape.clone(),
            self.base.compute_dtype(),
        )])
    }
    fn supports_masking(&self) -> bool {
        true
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::normalization::test_util::{close, config, ramp};
    use crate::layers::LayerExt;
    use keras_ops::DType;

    #[test]
    fn config_matches_keras() {
        // keras.layers.UnitNormalization(axis=[1, 2], name="un").get_config()
        let expected = config(
            r#"{"name": "un", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "axis": [1, 2]}"#,
        );
        let un = UnitNormalization::new().named("un").axis([1, 2]);
        assert_eq!(un.get_config(), expected);
        assert_eq!(
            UnitNormalization::from_config(&expected)
                .unwrap()
                .get_config(),
            expected
        );
        assert!(un.base().is_built());
        assert!(un.weights().is_empty());
    }

    #[test]
    fn shapes() {
        let spec = TensorSpec::new(vec![None, Some(3), Some(4)], DType::F32);
        let un = UnitNormalization::new().axis([1, 2]);
        assert_eq!(
            un.compute_output_spec(std::slice::from_ref(&spec)).unwrap()[0],
            spec
        );
        assert!(UnitNormalization::new()
            .axis(3)
            .compute_output_spec(&[spec])
            .is_err());
    }

    #[test]
    fn numerics_match_keras() {
        // keras.layers.UnitNormalization(axis=[1, 2])(np.arange(24).reshape(2, 3, 4) ** 1.3 / 10)
        close(
            &UnitNormalization::new()
                .axis([1, 2])
                .forward(&ramp())
                .unwrap(),
            &[
                0.0,
                0.023417218,
                0.057659958,
                0.097677134,
                0.14197545,
                0.18975632,
                0.2405093,
                0.29387504,
                0.34958455,
                0.40742767,
                0.46723488,
                0.5288661,
                0.17002717,
                0.18867269,
                0.20775387,
                0.22724868,
                0.24713752,
                0.267403,
                0.2880295,
                0.3090028,
                0.33031,
                0.3519393,
                0.37387994,
                0.39612192,
            ],
        );
    }
}
