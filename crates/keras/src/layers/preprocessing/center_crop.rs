//! `CenterCrop`: the central `height × width` window of images.

use keras_ops::{Result, Tensor};
use serde_json::json;

use super::resize::{center_window, resize_nhwc, to_nhwc, Interpolation, ResizeOptions};
use super::resizing::image_output_shape;
use crate::layers::keras_tensor::TensorSpec;
use crate::layers::{CallArgs, DataFormat, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// Crops the central `height × width` window of images (Keras's `CenterCrop`); an image
/// smaller than the target is instead cropped to the target aspect ratio and resized
/// bilinearly (Keras's `smart_resize`).
///
/// ```
/// use keras::layers::{CenterCrop, LayerExt};
/// let y = CenterCrop::new(2, 2)
///     .forward(&keras::ops::ones(&[1, 4, 4, 3], keras::DType::F32).unwrap())
///     .unwrap();
/// assert_eq!(y.dims(), &[1, 2, 2, 3]);
/// ```
pub struct CenterCrop {
    base: LayerBase,
    height: usize,
    width: usize,
    data_format: DataFormat,
}

impl CenterCrop {
    /// A `height × width` crop, channels last.
    pub fn new(height: usize, width: usize) -> CenterCrop {
        CenterCrop {
            base: LayerBase::new("CenterCrop", None),
            height,
            width,
            data_format: DataFormat::ChannelsLast,
        }
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> CenterCrop {
        self.base = self.base.renamed(name);
        self
    }
    /// Where the channels are.
    pub fn data_format(mut self, f: DataFormat) -> CenterCrop {
        self.data_format = f;
        self
    }
    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<CenterCrop> {
        let n = "CenterCrop";
        Ok(CenterCrop {
            base: LayerBase::from_config(n, c)?,
            height: c.require("height", n)?,
            width: c.require("width", n)?,
            data_format: DataFormat::from_config(c, n)?,
        })
    }
}

impl Layer for CenterCrop {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "CenterCrop"
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("data_format".into(), json!(self.data_format.name()));
        c.insert("height".into(), json!(self.height));
        c.insert("width".into(), json!(self.width));
        c
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        let dtype = self.base.compute_dtype();
        let (x, back) = to_nhwc(&inputs[0], self.data_format, dtype, "CenterCrop")?;
        let (h, w) = (x.dims()[1], x.dims()[2]);
        let y = if h >= self.height && w >= self.width {
            let (h0, w0) = ((h - self.height) / 2, (w - self.width) / 2);
            center_window(&x, h0, w0, self.height, self.width)?
        } else {
            let options = ResizeOptions {
                height: self.height,
                width: self.width,
                interpolation: Interpolation::Bilinear,
                crop_to_aspect_ratio: true,
                pad_to_aspect_ratio: false,
                fill_value: 0.0,
                antialias: false,
                data_format: DataFormat::ChannelsLast,
            };
            resize_nhwc(&x, &options)?
        };
        Ok(vec![back(y)?])
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let mut spec = image_output_shape(
            &inputs[0],
            self.height,
            self.width,
            self.data_format,
            "CenterCrop",
        )?;
        spec.dtype = self.base.compute_dtype();
        Ok(vec![spec])
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::LayerExt;
    use keras_ops::DType;

    // The flattened outputs of the Keras calls in the tests below (JAX backend).
    const KERAS_UPSIZE: [f32; 16] = [
        0.0, 0.625, 1.375, 2.0, 2.5, 3.125, 3.875, 4.5, 5.5, 6.125, 6.875, 7.5, 8.0, 8.625, 9.375,
        10.0,
    ];

    #[test]
    fn config_matches_keras() {
        // keras.layers.CenterCrop(2, 3).get_config()
        let expected = r#"{"name": "center_crop", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "data_format": "channels_last", "height": 2, "width": 3}"#;
        let c = CenterCrop::new(2, 3).named("center_crop").get_config();
        crate::layers::testing::assert_keras_config(&c, expected);
        assert_eq!(CenterCrop::from_config(&c).unwrap().get_config(), c);
    }

    #[test]
    fn crops_and_upsizes_like_keras() {
        // x = np.arange(12, dtype="float32").reshape(1, 3, 4, 1)
        // keras.layers.CenterCrop(2, 2)(x)[0, :, :, 0] -> [[1, 2], [5, 6]]
        let x = Tensor::from_vec((0..12).map(|v| v as f32).collect(), [1, 3, 4, 1]).unwrap();
        let y = CenterCrop::new(2, 2).forward(&x).unwrap();
        assert_eq!(y.to_vec::<f32>().unwrap(), vec![1.0, 2.0, 5.0, 6.0]);
        // keras.layers.CenterCrop(4, 4)(x): smaller input, smart_resize.
        let y = CenterCrop::new(4, 4)
            .forward(&x)
            .unwrap()
            .to_vec::<f32>()
            .unwrap();
        assert!(
            y.iter()
                .zip(KERAS_UPSIZE)
                .all(|(a, b)| (a - b).abs() < 1e-5),
            "{y:?}"
        );
        let spec = TensorSpec::new(vec![None, Some(3), Some(4), Some(1)], DType::F32);
        let out = &CenterCrop::new(2, 2).compute_output_spec(&[spec]).unwrap()[0];
        assert_eq!(out.shape, vec![None, Some(2), Some(2), Some(1)]);
    }
}
