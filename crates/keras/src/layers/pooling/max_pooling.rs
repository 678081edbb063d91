//! `MaxPooling1D`, `MaxPooling2D`, `MaxPooling3D`: the maximum of each window ([`Max`] mode of
//! [`BasePooling`]).

use keras_ops::ops::IntOrTuple;
use keras_ops::{ops, Result, Tensor};

use super::base_pooling::{BasePooling, PoolMode};

/// 1-D max pooling over `(batch, steps, channels)` (Keras's `MaxPooling1D`).
///
/// ```
/// use keras::layers::{LayerExt, MaxPooling1D};
/// let x = keras::Tensor::from_vec(vec![1.0f32, 5.0, 2.0, 4.0], [1, 4, 1]).unwrap();
/// let y = MaxPooling1D::new().forward(&x).unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![5.0, 4.0]);
/// ```
pub type MaxPooling1D = BasePooling<Max, 1>;
/// 2-D max pooling (Keras's `MaxPooling2D`).
///
/// ```
/// use keras::layers::{LayerExt, MaxPooling2D};
/// let y = MaxPooling2D::new().forward(&keras::ops::ones(&[1, 4, 5, 2], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(y.dims(), &[1, 2, 2, 2]);
/// ```
pub type MaxPooling2D = BasePooling<Max, 2>;
/// 3-D max pooling (Keras's `MaxPooling3D`).
///
/// ```
/// use keras::layers::{LayerExt, MaxPooling3D};
/// let pool = MaxPooling3D::new().padding("same").unwrap();
/// let y = pool.forward(&keras::ops::ones(&[1, 3, 3, 3, 1], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(y.dims(), &[1, 2, 2, 2, 1]);
/// ```
pub type MaxPooling3D = BasePooling<Max, 3>;

/// The max pooling mode.
#[derive(Clone, Copy, Debug)]
pub struct Max;

impl<const N: usize> BasePooling<Max, N> {
    /// Windows of 2 in every spatial dim (Keras's default), strides equal to the pool size.
    pub fn new() -> Self {
        Self::with_pool_size(IntOrTuple::Int(2)).expect("pool size 2 is valid")
    }
}

impl<const N: usize> Default for BasePooling<Max, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl PoolMode for Max {
    const POOLING_NAMES: [&'static str; 3] = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D"];
    const GLOBAL_NAMES: [&'static str; 3] = [
        "GlobalMaxPooling1D",
        "GlobalMaxPooling2D",
        "GlobalMaxPooling3D",
    ];
    const MASKABLE: bool = false;
    fn pool(
        x: &Tensor,
        pool_size: &[usize],
        strides: &[usize],
        padding: &str,
        data_format: &str,
    ) -> Result<Tensor> {
        ops::max_pool(
            x,
            pool_size,
            Some(strides.into()),
            padding,
            Some(data_format),
        )
    }
    fn reduce(
        x: &Tensor,
        axes: Vec<i64>,
        keepdims: bool,
        _mask: Option<(&Tensor, usize)>,
    ) -> Result<Tensor> {
        ops::max(x, axes, keepdims, None)
    }
}
