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
