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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::convolutional::test_utils::{
        assert_close, check_config, output_shape, signed_ramp,
    };
    use crate::layers::{Layer, LayerExt};

    #[test]
    fn config_matches_keras() {
        // keras.layers.MaxPooling2D((3, 2), padding="SAME", data_format="channels_first",
        //     name="m").get_config()
        let python = r#"{"name": "m", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "pool_size": [3, 2], "padding": "SAME", "strides": [3, 2], "data_format": "channels_first"}"#;
        let layer = MaxPooling2D::new()
            .named("m")
            .pool_size([3, 2])
            .unwrap()
            .padding("SAME")
            .unwrap()
            .data_format("channels_first")
            .unwrap();
        check_config(&layer, python, MaxPooling2D::from_config);
        assert_eq!(layer.get_config()["strides"], serde_json::json!([3, 2]));
        assert!(layer.base().is_built());
    }

    #[test]
    fn shapes_and_numerics() {
        // keras.layers.MaxPooling3D(2, padding="same")
        //     .compute_output_shape((None, 5, None, 4, 3)) == (None, 3, None, 2, 3)
        let p = MaxPooling3D::new().padding("same").unwrap();
        let shape = output_shape(&p, vec![None, Some(5), None, Some(4), Some(3)]);
        assert_eq!(shape, vec![None, Some(3), None, Some(2), Some(3)]);
        // keras.layers.MaxPooling2D(2, strides=1, padding="same")(signed_ramp())
        let p = MaxPooling2D::new()
            .strides(1)
            .unwrap()
            .padding("same")
            .unwrap();
        let want = [1.6, 1.6, -0.9, 1.9, 3.3, 3.3, 1.9, 3.3, 3.3];
        assert_close(&p.forward(&signed_ramp()).unwrap(), &[1, 3, 3, 1], &want);
        // keras.layers.MaxPooling1D(3, strides=2, data_format="channels_first")(
        //     ramp((1,2,7), 1, 0) % 5)
        let v: Vec<f32> = (0..14).map(|i| (i % 5) as f32).collect();
        let x = Tensor::from_vec(v, [1, 2, 7]).unwrap();
        let p = MaxPooling1D::new()
            .pool_size(3)
            .unwrap()
            .strides(2)
            .unwrap()
            .data_format("channels_first")
            .unwrap();
        assert_close(
            &p.forward(&x).unwrap(),
            &[1, 2, 3],
            &[2.0, 4.0, 4.0, 4.0, 4.0, 3.0],
        );
        // Errors, not panics: wrong rank, window larger than a "valid" input.
        assert!(p
            .forward(&Tensor::from_vec(vec![1.0f32; 7], [1, 7]).unwrap())
            .is_err());
        assert!(MaxPooling2D::new().forward(&signed_ramp()).is_ok());
        let big = MaxPooling2D::new().pool_size(4).unwrap();
        assert!(big.forward(&signed_ramp()).is_err());
        assert!(MaxPooling2D::new().pool_size([2, 2, 2]).is_err());
    }
}
