//! `Resizing`: resizes images to a fixed height and width.

use keras_backend::bail;
use keras_ops::{Result, Tensor};
use serde_json::json;

use super::resize::{resize_nhwc, to_nhwc, Interpolation, ResizeOptions};
use crate::layers::keras_tensor::TensorSpec;
use crate::layers::{CallArgs, DataFormat, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// Resizes images (rank 4 batched or rank 3 single) to `height × width` as Keras's JAX
/// backend does (Keras's `Resizing`), optionally first cropping or padding to the target
/// aspect ratio.
///
/// ```
/// use keras::layers::{LayerExt, Resizing};
/// let layer = Resizing::new(2, 3);
/// let y = layer.forward(&keras::ops::ones(&[1, 4, 6, 3], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(y.dims(), &[1, 2, 3, 3]);
/// ```
pub struct Resizing {
    base: LayerBase,
    options: ResizeOptions,
}

impl Resizing {
    /// Bilinear resizing to `height × width`, channels last.
    pub fn new(height: usize, width: usize) -> Resizing {
        Resizing {
            base: LayerBase::new("Resizing", None),
            options: ResizeOptions {
                height,
                width,
                interpolation: Interpolation::Bilinear,
                crop_to_aspect_ratio: false,
                pad_to_aspect_ratio: false,
                fill_value: 0.0,
                antialias: false,
                data_format: DataFormat::ChannelsLast,
            },
        }
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> Resizing {
        self.base = self.base.renamed(name);
        self
    }
    /// The resampling kernel.
    pub fn interpolation(mut self, i: Interpolation) -> Resizing {
        self.options.interpolation = i;
        self
    }
    /// Crops the largest centered window of the target aspect ratio first.
    pub fn crop_to_aspect_ratio(mut self, on: bool) -> Resizing {
        self.options.crop_to_aspect_ratio = on;
        self
    }
    /// Pads to the target aspect ratio first (with `fill_value`).
    pub fn pad_to_aspect_ratio(mut self, on: bool) -> Resizing {
        self.options.pad_to_aspect_ratio = on;
        self
    }
    /// The padding value.
    pub fn fill_value(mut self, v: f64) -> Resizing {
        self.options.fill_value = v;
        self
    }
    /// Widens the kernel when downsampling.
    pub fn antialias(mut self, on: bool) -> Resizing {
        self.options.antialias = on;
        self
    }
    /// Where the channels are.
    pub fn data_format(mut self, f: DataFormat) -> Resizing {
        self.options.data_format = f;
        self
    }
    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<Resizing> {
        let n = "Resizing";
        let fill_mode: String = c.get_or("fill_mode", "constant".to_string(), n)?;
        if fill_mode != "constant" {
            bail!(
                n,
                "only fill_mode \"constant\" is supported, got {fill_mode:?}"
            );
        }
        let interp: String = c.get_or("interpolation", "bilinear".to_string(), n)?;
        Ok(Resizing {
            base: LayerBase::from_config(n, c)?,
            options: ResizeOptions {
                height: c.require("height", n)?,
                width: c.require("width", n)?,
                interpolation: Interpolation::parse(&interp)?,
                crop_to_aspect_ratio: c.get_or("crop_to_aspect_ratio", false, n)?,
                pad_to_aspect_ratio: c.get_or("pad_to_aspect_ratio", false, n)?,
                fill_value: c.get_or("fill_value", 0.0, n)?,
                antialias: c.get_or("antialias", false, n)?,
                data_format: DataFormat::from_config(c, n)?,
            },
        })
    }
}

/// The output shape of an image layer producing `height × width` (rank 3 or 4).
pub(crate) fn image_output_shape(
    input: &TensorSpec,
    height: usize,
    width: usize,
    format: DataFormat,
    owner: &str,
) -> Result<TensorSpec> {
    let mut s = input.shape.clone();
    if s.len() != 3 && s.len() != 4 {
        bail!(owner, "expected an image shape of rank 3 or 4, got {s:?}");
    }
    let h = s.len()
        - if format == DataFormat::ChannelsLast {
            3
        } else {
            2
        };
    s[h] = Some(height);
    s[h + 1] = Some(width);
    Ok(TensorSpec::new(s, input.dtype))
}

impl Layer for Resizing {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "Resizing"
    }
    fn layer_config(&self) -> Config {
        let o = &self.options;
        let mut c = Config::new();
        c.insert("data_format".into(), json!(o.data_format.name()));
        c.insert("height".into(), json!(o.height));
        c.insert("width".into(), json!(o.width));
        c.insert("interpolation".into(), json!(o.interpolation.name()));
        c.insert("crop_to_aspect_ratio".into(), json!(o.crop_to_aspect_ratio));
        c.insert("pad_to_aspect_ratio".into(), json!(o.pad_to_aspect_ratio));
        c.insert("fill_mode".into(), json!("constant"));
        c.insert("fill_value".into(), json!(o.fill_value));
        c.insert("antialias".into(), json!(o.antialias));
        c
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        let dtype = self.base.compute_dtype();
        let (x, back) = to_nhwc(&inputs[0], self.options.data_format, dtype, "Resizing")?;
        Ok(vec![back(resize_nhwc(&x, &self.options)?)?])
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let o = &self.options;
        let mut spec =
            image_output_shape(&inputs[0], o.height, o.width, o.data_format, "Resizing")?;
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

    fn image() -> Tensor {
        Tensor::from_vec((0..12).map(|v| v as f32).collect(), [1, 3, 4, 1]).unwrap()
    }

    fn close(a: &[f32], b: &[f32]) {
        assert!(
            a.iter().zip(b).all(|(p, q)| (p - q).abs() < 1e-5),
            "{a:?} vs {b:?}"
        );
    }

    // The flattened outputs of the Keras calls in the tests below (JAX backend).
    const KERAS_BILINEAR: [f32; 6] = [1.1666667, 2.5, 3.8333335, 7.1666665, 8.5, 9.833334];
    const KERAS_NEAREST: [f32; 6] = [0.0, 2.0, 3.0, 8.0, 10.0, 11.0];
    const KERAS_BICUBIC: [f32; 30] = [
        -0.36767593,
        0.1098781,
        0.86477995,
        1.531447,
        2.286349,
        2.7639036,
        1.1580913,
        1.6356454,
        2.390547,
        3.0572138,
        3.8121154,
        4.2896695,
        3.9342108,
        4.411765,
        5.166667,
        5.8333335,
        6.588236,
        7.0657897,
        6.710331,
        7.1878853,
        7.942787,
        8.609453,
        9.364356,
        9.84191,
        8.236099,
        8.713654,
        9.468555,
        10.1352215,
        10.890124,
        11.36768,
    ];
    const KERAS_CROP: [f32; 4] = [1.25, 2.75, 7.25, 8.75];
    const KERAS_PAD: [f32; 4] = [1.5, 3.5, 7.5, 9.5];

    #[test]
    fn config_matches_keras() {
        // keras.layers.Resizing(2, 3).get_config()
        let expected = r#"{"name": "resizing", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "data_format": "channels_last", "height": 2, "width": 3, "interpolation": "bilinear", "crop_to_aspect_ratio": false, "pad_to_aspect_ratio": false, "fill_mode": "constant", "fill_value": 0.0, "antialias": false}"#;
        let c = Resizing::new(2, 3).named("resizing").get_config();
        crate::layers::testing::assert_keras_config(&c, expected);
        assert_eq!(Resizing::from_config(&c).unwrap().get_config(), c);
    }

    #[test]
    fn values_match_keras() {
        // x = np.arange(12, dtype="float32").reshape(1, 3, 4, 1)
        // keras.layers.Resizing(2, 3, interpolation=...)(x)[0, :, :, 0]
        let bilinear = Resizing::new(2, 3).forward(&image()).unwrap();
        close(&bilinear.to_vec::<f32>().unwrap(), &KERAS_BILINEAR);
        let nearest = Resizing::new(2, 3).interpolation(Interpolation::Nearest);
        close(
            &nearest.forward(&image()).unwrap().to_vec::<f32>().unwrap(),
            &KERAS_NEAREST,
        );
        let bicubic = Resizing::new(5, 6).interpolation(Interpolation::Bicubic);
        close(
            &bicubic.forward(&image()).unwrap().to_vec::<f32>().unwrap(),
            &KERAS_BICUBIC,
        );
        let crop = Resizing::new(2, 2).crop_to_aspect_ratio(true);
        close(
            &crop.forward(&image()).unwrap().to_vec::<f32>().unwrap(),
            &KERAS_CROP,
        );
        let pad = Resizing::new(2, 2)
            .pad_to_aspect_ratio(true)
            .fill_value(1.0);
        close(
            &pad.forward(&image()).unwrap().to_vec::<f32>().unwrap(),
            &KERAS_PAD,
        );
        let cf = Resizing::new(2, 3).data_format(DataFormat::ChannelsFirst);
        let x = Tensor::from_vec((0..12).map(|v| v as f32).collect(), [1, 3, 4]).unwrap();
        assert_eq!(cf.forward(&x).unwrap().dims(), &[1, 2, 3]);
        let spec = TensorSpec::new(vec![None, Some(3), Some(4), Some(1)], DType::U8);
        let out = &Resizing::new(2, 3).compute_output_spec(&[spec]).unwrap()[0];
        assert_eq!(
            (out.shape.clone(), out.dtype),
            (vec![None, Some(2), Some(3), Some(1)], DType::F32)
        );
        assert!(Resizing::new(2, 3)
            .forward(&Tensor::from_vec(vec![1.0f32], [1]).unwrap())
            .is_err());
    }
}
