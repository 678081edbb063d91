//! `UpSampling1D`, `UpSampling2D`, `UpSampling3D`: repeat (or, in 2-D, interpolate as
//! `keras.ops.image.resize`) the spatial dims by integer factors (one generic N-D layer).

use keras_backend::bail;
use keras_ops::{ops, DType, Result, Tensor};
use serde_json::json;

use super::spatial::{check_rank, check_sizes, nd_name, parse_sizes, spatial_axes};
use crate::layers::keras_tensor::TensorSpec;
use crate::layers::preprocessing::resize::{resize_nhwc, to_nhwc, ResizeOptions};
use crate::layers::shape::ShapeSpec;
use crate::layers::{CallArgs, DataFormat, Interpolation, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

const NAMES: [&str; 3] = ["UpSampling1D", "UpSampling2D", "UpSampling3D"];

/// Upsamples the `N` spatial dims of inputs of shape `(batch, *spatial, channels)` (or
/// channels first) by `size`, repeating each entry (`"nearest"`) or, for 2-D, with
/// `"bilinear"`, `"bicubic"`, `"lanczos3"` or `"lanczos5"` interpolation (as
/// `keras.ops.image.resize`, which Keras uses). Use the
/// aliases [`UpSampling1D`], [`UpSampling2D`], [`UpSampling3D`].
///
/// ```
/// use keras::layers::{LayerExt, UpSampling2D};
/// let up = UpSampling2D::new().size([2, 3]).unwrap().interpolation("bilinear").unwrap();
/// let y = up.forward(&keras::ops::ones(&[1, 2, 2, 3], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(y.dims(), &[1, 4, 6, 3]);
/// ```
pub struct UpSampling<const N: usize> {
    base: LayerBase,
    size: [usize; N],
    data_format: DataFormat,
    interpolation: Interpolation,
}

/// Repeats the steps of `(batch, steps, features)` (Keras's `UpSampling1D`, default 2).
pub type UpSampling1D = UpSampling<1>;
/// Upsamples height and width (Keras's `UpSampling2D`, default `(2, 2)`, nearest).
pub type UpSampling2D = UpSampling<2>;
/// Upsamples the three spatial dims (Keras's `UpSampling3D`, default `(2, 2, 2)`).
pub type UpSampling3D = UpSampling<3>;

impl<const N: usize> Default for UpSampling<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> UpSampling<N> {
    fn class() -> &'static str {
        nd_name(&NAMES, N)
    }
    /// Keras's defaults: factor 2 on every spatial dim, channels last, nearest.
    pub fn new() -> Self {
        UpSampling {
            base: LayerBase::new(Self::class(), None),
            size: [2; N],
            data_format: DataFormat::ChannelsLast,
            interpolation: Interpolation::Nearest,
        }
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> Self {
        self.base = self.base.renamed(name);
        self
    }
    /// The positive factor of each spatial dim.
    pub fn size(mut self, size: [usize; N]) -> Result<Self> {
        self.size = check_sizes(size, "size", Self::class())?;
        Ok(self)
    }
    /// Channels last or first (2-D and 3-D only; `UpSampling1D` has no such argument).
    pub fn data_format(mut self, data_format: DataFormat) -> Result<Self> {
        if N == 1 {
            bail!(Self::class(), "UpSampling1D has no data_format argument");
        }
        self.data_format = data_format;
        Ok(self)
    }
    /// `"nearest"`, `"bilinear"`, `"bicubic"`, `"lanczos3"` or `"lanczos5"`
    /// (case-insensitive; `UpSampling2D` only).
    pub fn interpolation(mut self, interpolation: &str) -> Result<Self> {
        if N != 2 {
            bail!(
                Self::class(),
                "only UpSampling2D has an interpolation argument"
            );
        }
        self.interpolation = Interpolation::parse(&interpolation.to_lowercase())?;
        Ok(self)
    }
    fn interpolates(&self) -> bool {
        self.interpolation != Interpolation::Nearest
    }
    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<Self> {
        let mut layer = Self::new();
        layer.base = LayerBase::from_config(Self::class(), c)?;
        if let Some(v) = c.get("size").filter(|v| !v.is_null()) {
            layer.size = parse_sizes(v, "size", Self::class())?;
        }
        if N > 1 {
            layer.data_format = DataFormat::from_config(c, Self::class())?;
        }
        if N == 2 {
            let interpolation: String =
                c.get_or("interpolation", "nearest".into(), Self::class())?;
            layer = layer.interpolation(&interpolation)?;
        }
        Ok(layer)
    }
}

impl<const N: usize> Layer for UpSampling<N> {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        Self::class()
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        if N == 1 {
            c.insert("size".into(), json!(self.size[0]));
            return c;
        }
        c.insert("size".into(), json!(self.size.to_vec()));
        c.insert("data_format".into(), json!(self.data_format.name()));
        if N == 2 {
            c.insert("interpolation".into(), json!(self.interpolation.name()));
        }
        c
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        let mut x = inputs[0].clone();
        let shape: ShapeSpec = x.dims().iter().map(|&d| Some(d)).collect();
        check_rank(Self::class(), self.base.name(), &shape, N)?;
        if self.interpolates() {
            let dtype = if x.dtype().is_float() {
                x.dtype()
            } else {
                DType::F32
            };
            let (nhwc, back) = to_nhwc(&x, self.data_format, dtype, Self::class())?;
            let d = nhwc.dims().to_vec();
            let options = ResizeOptions {
                height: d[1] * self.size[0],
                width: d[2] * self.size[1],
                interpolation: self.interpolation,
                crop_to_aspect_ratio: false,
                pad_to_aspect_ratio: false,
                fill_value: 0.0,
                antialias: false,
                data_format: DataFormat::ChannelsLast,
            };
            return Ok(vec![back(resize_nhwc(&nhwc, &options)?)?]);
        }
        for (ax, &k) in spatial_axes(self.data_format, N).zip(&self.size) {
            x = ops::repeat(&x, &[k], Some(ax as i64))?;
        }
        Ok(vec![x])
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let x = &inputs[0];
        check_rank(Self::class(), self.base.name(), &x.shape, N)?;
        let mut shape = x.shape.clone();
        for (ax, &k) in spatial_axes(self.data_format, N).zip(&self.size) {
            shape[ax] = shape[ax].map(|d| d * k);
        }
        let dtype = if self.interpolates() && !x.dtype.is_float() {
            DType::F32
        } else {
            x.dtype
        };
        Ok(vec![TensorSpec::new(shape, dtype)])
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::normalization::test_util::{close, config, t};
    use crate::layers::LayerExt;

    const DTYPE: &str = r#""trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}"#;

    #[test]
    fn configs_match_keras() {
        // keras.layers.UpSampling1D(3, name="u1").get_config(), and likewise
        // UpSampling2D((2, 3), interpolation="bilinear", name="u2"),
        // UpSampling3D(2, data_format="channels_first", name="u3")
        let u1 = config(&format!(r#"{{"name": "u1", {DTYPE}, "size": 3}}"#));
        let u2 = config(&format!(
            r#"{{"name": "u2", {DTYPE}, "size": [2, 3], "data_format": "channels_last", "interpolation": "bilinear"}}"#
        ));
        let u3 = config(&format!(
            r#"{{"name": "u3", {DTYPE}, "size": [2, 2, 2], "data_format": "channels_first"}}"#
        ));
        assert_eq!(
            UpSampling1D::new()
                .named("u1")
                .size([3])
                .unwrap()
                .get_config(),
            u1
        );
        let l2 = UpSampling2D::new()
            .named("u2")
            .size([2, 3])
            .unwrap()
            .interpolation("BILINEAR")
            .unwrap();
        assert_eq!(l2.get_config(), u2);
        let l3 = UpSampling3D::new()
            .named("u3")
            .data_format(DataFormat::ChannelsFirst)
            .unwrap();
        assert_eq!(l3.get_config(), u3);
        assert_eq!(UpSampling1D::from_config(&u1).unwrap().get_config(), u1);
        assert_eq!(UpSampling2D::from_config(&u2).unwrap().get_config(), u2);
        assert_eq!(UpSampling3D::from_config(&u3).unwrap().get_config(), u3);
        assert!(UpSampling2D::new().interpolation("area").is_err());
        assert!(UpSampling3D::new().interpolation("nearest").is_err());
        assert!(UpSampling2D::new().size([0, 1]).is_err());
    }

    #[test]
    fn shapes() {
        // keras.layers.UpSampling3D(2).compute_output_shape((None, 2, None, 3, 1))
        let spec = TensorSpec::new(vec![None, Some(2), None, Some(3), Some(1)], DType::F32);
        assert_eq!(
            UpSampling3D::new().compute_output_spec(&[spec]).unwrap()[0].shape,
            vec![None, Some(4), None, Some(6), Some(1)]
        );
        assert!(UpSampling1D::new()
            .compute_output_spec(&[TensorSpec::new(vec![None, Some(2)], DType::F32)])
            .is_err());
    }

    #[test]
    fn nearest_and_bilinear_match_keras() {
        let y = UpSampling1D::new()
            .size([2])
            .unwrap()
            .forward(&t(&[1.0, 2.0, 3.0, 4.0], &[1, 2, 2]))
            .unwrap();
        assert_eq!(
            y.to_vec::<f32>().unwrap(),
            vec![1.0, 2.0, 1.0, 2.0, 3.0, 4.0, 3.0, 4.0]
        );
        // keras.layers.UpSampling2D((2, 3), interpolation="bilinear")(
        //     np.array([[1, 2, 3], [4, 5, 7]]).reshape(1, 2, 3, 1))
        let up = UpSampling2D::new()
            .size([2, 3])
            .unwrap()
            .interpolation("bilinear")
            .unwrap();
        let y = up
            .forward(&t(&[1.0, 2.0, 3.0, 4.0, 5.0, 7.0], &[1, 2, 3, 1]))
            .unwrap();
        assert_eq!(y.dims(), &[1, 4, 9, 1]);
        close(
            &y,
            &[
                1.0, 1.0, 1.3333334, 1.6666667, 2.0, 2.3333335, 2.6666667, 3.0, 3.0, 1.75, 1.75,
                2.0833335, 2.4166667, 2.75, 3.1666667, 3.5833335, 4.0, 4.0, 3.25, 3.25, 3.5833333,
                3.916667, 4.25, 4.8333335, 5.4166665, 6.0, 6.0, 4.0, 4.0, 4.3333335, 4.666667, 5.0,
                5.6666665, 6.3333335, 7.0, 7.0,
            ],
        );
        // keras.layers.UpSampling2D((3, 2), interpolation="bilinear")(
        //     np.arange(12).reshape(1, 2, 3, 2) ** 1.5), first output row
        let x: Vec<f32> = (0..12).map(|i| (i as f32).powf(1.5)).collect();
        let up = UpSampling2D::new()
            .size([3, 2])
            .unwrap()
            .interpolation("bilinear")
            .unwrap();
        let y = up.forward(&t(&x, &[1, 2, 3, 2])).unwrap();
        assert_eq!(y.dims(), &[1, 6, 6, 2]);
        let row2 = ops::slice(&y, &[0, 2, 0, 0], &[1, 1, 6, 2]).unwrap();
        close(
            &row2,
            &[
                4.89898, 6.8400874, 6.0312576, 8.246091, 8.295813, 11.058099, 11.039633, 14.251706,
                14.262717, 17.826914, 15.87426, 19.61452,
            ],
        );
    }

    /// `keras.layers.UpSampling2D((2, 2), interpolation="bicubic")` on
    /// `arange(9).reshape(1, 3, 3, 1)` in Keras 3.15.1 (JAX): first and last rows.
    #[test]
    fn bicubic_matches_keras() {
        let x = keras_ops::ops::arange(0.0, 9.0, 1.0, Some(DType::F32)).unwrap();
        let x = keras_ops::ops::reshape(&x, [1i64, 3, 3, 1]).unwrap();
        let up = UpSampling2D::new().interpolation("bicubic").unwrap();
        let y = up
            .call(&[x], &CallArgs::inference())
            .unwrap()
            .remove(0)
            .to_vec::<f32>()
            .unwrap();
        let first = [-0.35294, -0.09682, 0.44522, 1.02537, 1.56741, 1.82353];
        let last = [6.17647, 6.43259, 6.97463, 7.55478, 8.09682, 8.35294];
        for (got, want) in y[..6].iter().chain(&y[30..]).zip(first.iter().chain(&last)) {
            assert!((got - want).abs() < 1e-4, "{y:?}");
        }
    }
}
