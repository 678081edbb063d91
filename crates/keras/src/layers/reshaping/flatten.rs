//! `Flatten`: folds every non-batch dim into one.

use keras_backend::bail;
use keras_ops::{ops, Result, Tensor};
use serde_json::json;

use crate::layers::keras_tensor::TensorSpec;
use crate::layers::{CallArgs, DataFormat, Layer, LayerBase};
use crate::saving::object::Config;

const CLASS: &str = "Flatten";

/// Flattens each sample to one dim (Keras's `Flatten`); a rank-1 input becomes `(batch, 1)`.
/// With `channels_first` the channels axis is moved last first, so the order matches the
/// channels-last layout.
///
/// ```
/// use keras::layers::{Flatten, LayerExt};
/// let y = Flatten::new().forward(&keras::ops::ones(&[2, 3, 4], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(y.dims(), &[2, 12]);
/// ```
pub struct Flatten {
    base: LayerBase,
    data_format: DataFormat,
}

impl Default for Flatten {
    fn default() -> Self {
        Self::new()
    }
}

impl Flatten {
    /// Channels last (Keras's default).
    pub fn new() -> Flatten {
        Flatten {
            base: LayerBase::new(CLASS, None),
            data_format: DataFormat::ChannelsLast,
        }
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> Self {
        self.base = self.base.renamed(name);
        self
    }
    /// Channels last or first.
    pub fn data_format(mut self, data_format: DataFormat) -> Self {
        self.data_format = data_format;
        self
    }
    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<Flatten> {
        Ok(Flatten {
            base: LayerBase::from_config(CLASS, c)?,
            data_format: DataFormat::from_config(c, CLASS)?,
        })
    }
}

impl Layer for Flatten {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        CLASS
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("data_format".into(), json!(self.data_format.name()));
        c
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        let mut x = inputs[0].clone();
        let rank = x.rank();
        if rank == 0 {
            bail!(
                CLASS,
                "layer {:?} needs an input of rank >= 1, got a scalar",
                self.base.name()
            );
        }
        if self.data_format == DataFormat::ChannelsFirst && rank > 1 {
            let mut perm: Vec<i64> = vec![0];
            perm.extend(2..rank as i64);
            perm.push(1);
            x = ops::transpose(&x, Some(&perm))?;
        }
        let batch = x.dims()[0];
        let rest: usize = x.dims()[1..].iter().product();
        Ok(vec![ops::reshape(&x, vec![batch, rest])?])
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let x = &inputs[0];
        let Some((&batch, rest)) = x.shape.split_first() else {
            bail!(
                CLASS,
                "layer {:?} needs an input of rank >= 1, got a scalar",
                self.base.name()
            );
        };
        let flat = rest.iter().copied().product::<Option<usize>>();
        Ok(vec![TensorSpec::new(vec![batch, flat], x.dtype)])
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::normalization::test_util::{config, t};
    use crate::layers::LayerExt;
    use keras_ops::DType;

    #[test]
    fn config_matches_keras() {
        // keras.layers.Flatten(data_format="channels_first", name="f").get_config()
        let expected = config(
            r#"{"name": "f", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "data_format": "channels_first"}"#,
        );
        let f = Flatten::new()
            .named("f")
            .data_format(DataFormat::ChannelsFirst);
        assert_eq!(f.get_config(), expected);
        assert_eq!(
            Flatten::from_config(&expected).unwrap().get_config(),
            expected
        );
    }

    #[test]
    fn shapes_as_keras() {
        let spec = |s: &[Option<usize>]| TensorSpec::new(s.to_vec(), DType::F32);
        let f = Flatten::new();
        // compute_output_shape((None, None, 4)) and ((None,))
        assert_eq!(
            f.compute_output_spec(&[spec(&[None, None, Some(4)])])
                .unwrap()[0]
                .shape,
            vec![None, None]
        );
        assert_eq!(
            f.compute_output_spec(&[spec(&[None])]).unwrap()[0].shape,
            vec![None, Some(1)]
        );
        assert_eq!(
            f.compute_output_spec(&[spec(&[None, Some(3), Some(4)])])
                .unwrap()[0]
                .shape,
            vec![None, Some(12)]
        );
        assert!(f.compute_output_spec(&[spec(&[])]).is_err());
    }

    #[test]
    fn channels_first_order_matches_keras() {
        // keras.layers.Flatten(data_format="channels_first")(np.arange(24).reshape(2, 3, 4))
        let x = t(&(0..24).map(|i| i as f32).collect::<Vec<_>>(), &[2, 3, 4]);
        let y = Flatten::new()
            .data_format(DataFormat::ChannelsFirst)
            .forward(&x)
            .unwrap();
        assert_eq!(
            y.to_vec::<f32>().unwrap(),
            vec![
                0.0, 4.0, 8.0, 1.0, 5.0, 9.0, 2.0, 6.0, 10.0, 3.0, 7.0, 11.0, 12.0, 16.0, 20.0,
                13.0, 17.0, 21.0, 14.0, 18.0, 22.0, 15.0, 19.0, 23.0
            ]
        );
        assert_eq!(
            Flatten::new()
                .forward(&t(&[1.0, 2.0], &[2]))
                .unwrap()
                .dims(),
            &[2, 1]
        );
    }
}
