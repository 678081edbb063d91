//! `AveragePooling1D`, `AveragePooling2D`, `AveragePooling3D`: the mean of each window
//! ([`Average`] mode of [`BasePooling`]).

use keras_ops::ops::IntOrTuple;
use keras_ops::{ops, DType, Result, Tensor};

use super::base_pooling::{BasePooling, PoolMode};

/// 1-D average pooling over `(batch, steps, channels)` (Keras's `AveragePooling1D`).
///
/// ```
/// use keras::layers::{AveragePooling1D, LayerExt};
/// let x = keras::Tensor::from_vec(vec![1.0f32, 5.0, 2.0, 4.0], [1, 4, 1]).unwrap();
/// let y = AveragePooling1D::new(2).unwrap().forward(&x).unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![3.0, 3.0]);
/// ```
pub type AveragePooling1D = BasePooling<Average, 1>;
/// 2-D average pooling (Keras's `AveragePooling2D`).
///
/// ```
/// use keras::layers::{AveragePooling2D, LayerExt};
/// let pool = AveragePooling2D::new([2, 3]).unwrap();
/// let y = pool.forward(&keras::ops::ones(&[1, 4, 6, 2], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(y.dims(), &[1, 2, 2, 2]);
/// ```
pub type AveragePooling2D = BasePooling<Average, 2>;
/// 3-D average pooling (Keras's `AveragePooling3D`).
///
/// ```
/// use keras::layers::{AveragePooling3D, LayerExt};
/// let pool = AveragePooling3D::new(2).unwrap();
/// let y = pool.forward(&keras::ops::ones(&[1, 4, 4, 4, 1], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(y.dims(), &[1, 2, 2, 2, 1]);
/// ```
pub type AveragePooling3D = BasePooling<Average, 3>;

/// The average pooling mode.
#[derive(Clone, Copy, Debug)]
pub struct Average;

impl<const N: usize> BasePooling<Average, N> {
    /// Windows of `pool_size` (one int for every spatial dim or one per dim), strides equal
    /// to the pool size.
    pub fn new(pool_size: impl Into<IntOrTuple>) -> Result<Self> {
        Self::with_pool_size(pool_size.into())
    }
}

impl PoolMode for Average {
    const POOLING_NAMES: [&'static str; 3] =
        ["AveragePooling1D", "AveragePooling2D", "AveragePooling3D"];
    const GLOBAL_NAMES: [&'static str; 3] = [
        "GlobalAveragePooling1D",
        "GlobalAveragePooling2D",
        "GlobalAveragePooling3D",
    ];
    const MASKABLE: bool = true;
    fn pool(
        x: &Tensor,
        pool_size: &[usize],
        strides: &[usize],
        padding: &str,
        data_format: &str,
    ) -> Result<Tensor> {
        ops::average_pool(
            x,
            pool_size,
            Some(strides.into()),
            padding,
            Some(data_format),
        )
    }
    /// With a mask, Keras's masked mean: the sum of the unmasked steps over their count.
    fn reduce(
        x: &Tensor,
        axes: Vec<i64>,
        keepdims: bool,
        mask: Option<(&Tensor, usize)>,
    ) -> Result<Tensor> {
        let Some((mask, mask_axis)) = mask else {
            return ops::mean(x, axes, keepdims);
        };
        let m = ops::cast(&ops::expand_dims(mask, mask_axis as i64)?, DType::Bool)?;
        let kept = ops::where_(&m, x, 0.0)?;
        let count = ops::sum(&ops::cast(&m, kept.dtype())?, axes.clone(), keepdims)?;
        ops::divide(&ops::sum(&kept, axes, keepdims)?, &count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::convolutional::test_utils::{
        assert_close, check_config, output_shape, signed_ramp,
    };
    use crate::layers::LayerExt;

    #[test]
    fn config_matches_keras() {
        // keras.layers.AveragePooling3D(2, strides=(1, 2, 1), name="a").get_config()
        let python = r#"{"name": "a", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "pool_size": [2, 2, 2], "padding": "valid", "strides": [1, 2, 1], "data_format": "channels_last"}"#;
        let layer = AveragePooling3D::new(2)
            .unwrap()
            .named("a")
            .strides([1, 2, 1])
            .unwrap();
        check_config(&layer, python, AveragePooling3D::from_config);
    }

    #[test]
    fn shapes_and_numerics() {
        // keras.layers.AveragePooling1D(3, strides=2).compute_output_shape((None, 10, 3))
        let p = AveragePooling1D::new(3).unwrap().strides(2).unwrap();
        assert_eq!(
            output_shape(&p, vec![None, Some(10), Some(3)]),
            vec![None, Some(4), Some(3)]
        );
        // keras.layers.AveragePooling2D(2, strides=1, padding="same") on
        // signed_ramp(): padding is not counted.
        let x = signed_ramp();
        let p = AveragePooling2D::new(2)
            .unwrap()
            .strides(1)
            .unwrap()
            .padding("same")
            .unwrap();
        let want = [0.0, 0.0, -1.05, 0.0, 0.0, 1.05, -0.35, 0.35, 3.3];
        assert_close(&p.forward(&x).unwrap(), &[1, 3, 3, 1], &want);
        assert!(AveragePooling2D::new(0).is_err());
    }
}
