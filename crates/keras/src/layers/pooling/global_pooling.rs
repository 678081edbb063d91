//! `GlobalMaxPooling1D/2D/3D` and `GlobalAveragePooling1D/2D/3D`: the maximum or mean over
//! every spatial dim ([`GlobalPooling`], Keras's `BaseGlobalPooling`).
//! `GlobalAveragePooling1D` leaves out masked steps.

use std::marker::PhantomData;

use keras_ops::{Result, Tensor};
use serde_json::json;

use super::average_pooling::Average;
use super::base_pooling::{check_rank, pooled_spec, single, PoolMode};
use super::max_pooling::Max;
use crate::layers::keras_tensor::TensorSpec;
use crate::layers::shape::ShapeSpec;
use crate::layers::{CallArgs, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;
use crate::utils::argument_validation::DataFormat;

/// Global pooling over the spatial dims of an `N`-D input, of mode `M`.
///
/// ```
/// use keras::layers::{GlobalAveragePooling2D, LayerExt};
/// let pool = GlobalAveragePooling2D::new().keepdims(true);
/// let y = pool.forward(&keras::ops::ones(&[2, 4, 5, 3], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(y.dims(), &[2, 1, 1, 3]);
/// ```
pub struct GlobalPooling<M, const N: usize> {
    base: LayerBase,
    data_format: DataFormat,
    keepdims: bool,
    mode: PhantomData<M>,
}

/// Keras's `GlobalMaxPooling1D`: the maximum over the steps of `(batch, steps, channels)`.
///
/// ```
/// use keras::layers::{GlobalMaxPooling1D, LayerExt};
/// let x = keras::Tensor::from_vec(vec![1.0f32, 5.0, 2.0, 4.0], [1, 2, 2]).unwrap();
/// let y = GlobalMaxPooling1D::new().forward(&x).unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![2.0, 5.0]);
/// ```
pub type GlobalMaxPooling1D = GlobalPooling<Max, 1>;
/// Keras's `GlobalMaxPooling2D`.
pub type GlobalMaxPooling2D = GlobalPooling<Max, 2>;
/// Keras's `GlobalMaxPooling3D`.
pub type GlobalMaxPooling3D = GlobalPooling<Max, 3>;
/// Keras's `GlobalAveragePooling1D`: the mean over the steps, leaving out masked steps.
///
/// ```
/// use keras::layers::{CallArgs, GlobalAveragePooling1D, LayerExt};
/// let x = keras::Tensor::from_vec(vec![1.0f32, 3.0, 8.0], [1, 3, 1]).unwrap();
/// let mask = keras::Tensor::from_vec(vec![true, true, false], [1, 3]).unwrap();
/// let args = CallArgs { training: false, masks: vec![Some(mask)] };
/// let y = GlobalAveragePooling1D::new().call_with(&[x], &args).unwrap();
/// assert_eq!(y[0].to_vec::<f32>().unwrap(), vec![2.0]);
/// ```
pub type GlobalAveragePooling1D = GlobalPooling<Average, 1>;
/// Keras's `GlobalAveragePooling2D`.
pub type GlobalAveragePooling2D = GlobalPooling<Average, 2>;
/// Keras's `GlobalAveragePooling3D`.
pub type GlobalAveragePooling3D = GlobalPooling<Average, 3>;

impl<M: PoolMode, const N: usize> GlobalPooling<M, N> {
    /// The Keras class name (`"GlobalMaxPooling2D"`).
    const CLASS: &'static str = M::GLOBAL_NAMES[N - 1];

    /// Channels last, spatial dims dropped.
    pub fn new() -> Self {
        GlobalPooling {
            base: LayerBase::new(Self::CLASS, None).built_at_construction(),
            data_format: DataFormat::ChannelsLast,
            keepdims: false,
            mode: PhantomData,
        }
    }
    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<Self> {
        Ok(GlobalPooling {
            base: LayerBase::from_config(Self::CLASS, c)?.built_at_construction(),
            data_format: DataFormat::from_config(c, Self::CLASS)?,
            keepdims: c.get_or("keepdims", false, Self::CLASS)?,
            mode: PhantomData,
        })
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> Self {
        self.base = self.base.renamed(name);
        self
    }
    /// `"channels_last"` (the default) or `"channels_first"`.
    pub fn data_format(mut self, data_format: &str) -> Result<Self> {
        self.data_format = DataFormat::parse(Some(data_format), Self::CLASS)?;
        Ok(self)
    }
    /// Keeps the spatial dims, as size 1.
    pub fn keepdims(mut self, keepdims: bool) -> Self {
        self.keepdims = keepdims;
        self
    }

    fn output_shape(&self, shape: &ShapeSpec) -> Result<ShapeSpec> {
        check_rank(shape, N, Self::CLASS, self.base.name())?;
        let spatial = if self.keepdims {
            vec![Some(1); N]
        } else {
            Vec::new()
        };
        let df = self.data_format;
        Ok(df.assemble(shape[0], spatial, shape[df.channel_axis(N + 2)]))
    }
}

impl<M: PoolMode, const N: usize> Default for GlobalPooling<M, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: PoolMode, const N: usize> Layer for GlobalPooling<M, N> {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        Self::CLASS
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("data_format".into(), json!(self.data_format.name()));
        c.insert("keepdims".into(), json!(self.keepdims));
        c
    }
    fn call(&self, inputs: &[Tensor], args: &CallArgs) -> Result<Vec<Tensor>> {
        let x = single(inputs, Self::CLASS, self.base.name())?;
        let dims: ShapeSpec = x.dims().iter().map(|&d| Some(d)).collect();
        self.output_shape(&dims)?;
        let df = self.data_format;
        let axes = df.spatial_axes(N + 2).map(|a| a as i64).collect();
        let mask = args
            .mask(0)
            .filter(|_| self.supports_masking())
            .map(|m| (m, df.channel_axis(N + 2)));
        Ok(vec![M::reduce(x, axes, self.keepdims, mask)?])
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let x = single(inputs, Self::CLASS, self.base.name())?;
        Ok(vec![pooled_spec(
            &self.base,
            x,
            self.output_shape(&x.shape)?,
        )])
    }
    /// Only `GlobalAveragePooling1D` takes a mask (Keras's `supports_masking`).
    fn supports_masking(&self) -> bool {
        M::MASKABLE && N == 1
    }
    /// The steps are pooled away, so no mask goes on.
    fn compute_mask(
        &self,
        _inputs: &[Tensor],
        _masks: &[Option<Tensor>],
    ) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![None])
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::convolutional::test_utils::{
        assert_close, check_config, output_shape, ramp,
    };
    use crate::layers::LayerExt;

    #[test]
    fn config_matches_keras() {
        // keras.layers.GlobalAveragePooling1D(data_format="channels_first", keepdims=True,
        //     name="g").get_config()
        let python = r#"{"name": "g", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "data_format": "channels_first", "keepdims": true}"#;
        let layer = GlobalAveragePooling1D::new()
            .named("g")
            .data_format("channels_first")
            .unwrap()
            .keepdims(true);
        check_config(&layer, python, GlobalAveragePooling1D::from_config);
    }

    #[test]
    fn shapes() {
        let g = GlobalMaxPooling3D::new();
        let shape = output_shape(&g, vec![None, Some(4), None, Some(2), Some(5)]);
        assert_eq!(shape, vec![None, Some(5)]);
        let g = GlobalAveragePooling2D::new()
            .data_format("channels_first")
            .unwrap()
            .keepdims(true);
        let shape = output_shape(&g, vec![None, Some(3), None, None]);
        assert_eq!(shape, vec![None, Some(3), Some(1), Some(1)]);
        assert!(g.forward(&ramp(&[2, 3, 4], 0.1, 0.0)).is_err());
        assert!(GlobalAveragePooling1D::new().supports_masking());
        assert!(!GlobalAveragePooling2D::new().supports_masking());
        assert!(!GlobalMaxPooling1D::new().supports_masking());
    }

    #[test]
    fn numerics_match_keras() {
        // keras.layers.GlobalAveragePooling1D(keepdims=True)(ramp((2,3,2), .5, -1),
        //     mask=[[1,1,0],[1,0,0]])
        let x = ramp(&[2, 3, 2], 0.5, -1.0);
        let mask = Tensor::from_vec(vec![true, true, false, true, false, false], [2, 3]).unwrap();
        let args = CallArgs {
            training: false,
            masks: vec![Some(mask.clone())],
        };
        let g = GlobalAveragePooling1D::new().keepdims(true);
        let y = g
            .call_with(std::slice::from_ref(&x), &args)
            .unwrap()
            .remove(0);
        assert_close(&y, &[2, 1, 2], &[-0.5, 0.0, 2.0, 2.5]);
        assert!(g.compute_mask(&[x], &[Some(mask)]).unwrap()[0].is_none());
        // keras.layers.GlobalMaxPooling2D(data_format="channels_first")(ramp((2,2,2,2), 1, 0) % 3)
        let v: Vec<f32> = (0..16).map(|i| (i % 3) as f32).collect();
        let x = Tensor::from_vec(v, [2, 2, 2, 2]).unwrap();
        let g = GlobalMaxPooling2D::new()
            .data_format("channels_first")
            .unwrap();
        assert_close(&g.forward(&x).unwrap(), &[2, 2], &[2.0, 2.0, 2.0, 2.0]);
    }
}
