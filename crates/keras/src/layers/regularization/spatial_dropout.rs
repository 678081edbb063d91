//! `SpatialDropout1D/2D/3D`: dropout of whole feature maps (channels).

use keras_backend::bail;
use keras_ops::random::SeedGenerator;
use keras_ops::{Result, Tensor};
use serde_json::json;

use super::dropout::drop;
use super::{check_rate, seed_generator};
use crate::layers::data_format::DataFormat;
use crate::layers::{CallArgs, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// Drops entire channels of a `D`-dimensional feature map in training (one keep decision
/// per sample and channel), scaling the rest by `1 / (1 - rate)`; the identity at inference
/// (Keras's `SpatialDropout1D/2D/3D`, inputs of rank `D + 2`).
///
/// ```
/// use keras::layers::{LayerExt, SpatialDropout1D};
/// let layer = SpatialDropout1D::new(0.5).unwrap().seed(3);
/// let y = layer.forward_train(&keras::ops::ones(&[2, 5, 4], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(y.dims(), &[2, 5, 4]);
/// ```
pub struct SpatialDropout<const D: usize> {
    base: LayerBase,
    rate: f64,
    seed: Option<u64>,
    data_format: DataFormat,
    generator: SeedGenerator,
}

/// Channel dropout for `(batch, steps, channels)`.
pub type SpatialDropout1D = SpatialDropout<1>;
/// Channel dropout for 4-D images.
pub type SpatialDropout2D = SpatialDropout<2>;
/// Channel dropout for 5-D volumes.
pub type SpatialDropout3D = SpatialDropout<3>;

const NAMES: [&str; 4] = [
    "",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
];

impl<const D: usize> SpatialDropout<D> {
    /// Drops channels with probability `rate` (in `[0, 1]`), channels last.
    pub fn new(rate: f64) -> Result<Self> {
        Ok(SpatialDropout {
            base: LayerBase::new(NAMES[D], None).built_at_construction(),
            rate: check_rate(rate, NAMES[D])?,
            seed: None,
            data_format: DataFormat::ChannelsLast,
            generator: seed_generator(None),
        })
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> Self {
        self.base = self.base.renamed(name);
        self
    }
    /// A fixed seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self.generator = seed_generator(Some(seed));
        self
    }
    /// Where the channels are (2-D and 3-D only; 1-D is always channels last).
    pub fn data_format(mut self, f: DataFormat) -> Self {
        if D > 1 {
            self.data_format = f;
        }
        self
    }
    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<Self> {
        let n = NAMES[D];
        let seed: Option<u64> = c.get_or("seed", None, n)?;
        Ok(SpatialDropout {
            base: LayerBase::from_config(n, c)?.built_at_construction(),
            rate: check_rate(c.require("rate", n)?, n)?,
            seed,
            data_format: if D > 1 {
                DataFormat::from_config(c, n)?
            } else {
                DataFormat::ChannelsLast
            },
            generator: seed_generator(seed),
        })
    }
}

impl<const D: usize> Layer for SpatialDropout<D> {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        NAMES[D]
    }
    /// Keras writes only these keys, `dtype` as the policy name.
    fn get_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("rate".into(), json!(self.rate));
        c.insert("seed".into(), json!(self.seed));
        c.insert("name".into(), json!(self.base.name()));
        c.insert("dtype".into(), json!(self.base.dtype_policy().name()));
        if D > 1 {
            c.insert("data_format".into(), json!(self.data_format.name()));
        }
        c
    }
    fn call(&self, inputs: &[Tensor], args: &CallArgs) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        if x.rank() != D + 2 {
            bail!(
                NAMES[D],
                "layer {:?} expects an input of rank {}, got shape {}",
                self.base.name(),
                D + 2,
                x.shape()
            );
        }
        if !args.training || self.rate == 0.0 {
            return Ok(vec![x.clone()]);
        }
        let dims = x.dims();
        let channel = self.data_format.channel_axis(dims.len());
        let noise: Vec<usize> = (0..dims.len())
            .map(|i| if i == 0 || i == channel { dims[i] } else { 1 })
            .collect();
        Ok(vec![drop(x, self.rate, &noise, &self.generator)?])
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
    use crate::layers::LayerExt;
    use keras_ops::{ops, DType};

    #[test]
    fn configs_match_keras() {
        // keras.layers.SpatialDropout1D(0.5).get_config() and SpatialDropout2D(0.5).
        let e1 = r#"{"rate": 0.5, "seed": null, "name": "spatial_dropout1d", "dtype": "float32"}"#;
        let e2 = r#"{"rate": 0.5, "seed": null, "name": "spatial_dropout2d", "dtype": "float32", "data_format": "channels_last"}"#;
        let c1 = SpatialDropout1D::new(0.5)
            .unwrap()
            .named("spatial_dropout1d")
            .get_config();
        crate::layers::testing::assert_keras_config(&c1, e1);
        assert_eq!(SpatialDropout1D::from_config(&c1).unwrap().get_config(), c1);
        let c2 = SpatialDropout2D::new(0.5)
            .unwrap()
            .named("spatial_dropout2d")
            .get_config();
        crate::layers::testing::assert_keras_config(&c2, e2);
        assert_eq!(SpatialDropout2D::from_config(&c2).unwrap().get_config(), c2);
        let c3 = SpatialDropout3D::new(0.1)
            .unwrap()
            .data_format(DataFormat::ChannelsFirst)
            .get_config();
        assert_eq!(c3["data_format"], "channels_first");
        assert_eq!(SpatialDropout3D::from_config(&c3).unwrap().get_config(), c3);
    }

    #[test]
    fn drops_whole_channels() {
        let x = ops::ones(&[8, 3, 3, 16], DType::F32).unwrap();
        let l = SpatialDropout2D::new(0.5).unwrap().seed(5);
        assert_eq!(
            l.forward(&x).unwrap().to_vec::<f32>().unwrap(),
            vec![1.0; 8 * 9 * 16]
        );
        let y = l.forward_train(&x).unwrap().to_vec::<f32>().unwrap();
        // Every pixel of a sample shares the channel's keep decision.
        for sample in y.chunks(9 * 16) {
            let first = &sample[..16];
            assert!(sample.chunks(16).all(|p| p == first));
        }
        assert!(y.iter().all(|&v| v == 0.0 || v == 2.0));
        let again = SpatialDropout2D::new(0.5)
            .unwrap()
            .seed(5)
            .forward_train(&x)
            .unwrap();
        assert_eq!(again.to_vec::<f32>().unwrap(), y);
        let cf = SpatialDropout2D::new(0.5)
            .unwrap()
            .seed(5)
            .data_format(DataFormat::ChannelsFirst);
        let y = cf
            .forward_train(&ops::ones(&[2, 4, 3, 3], DType::F32).unwrap())
            .unwrap();
        for map in y.to_vec::<f32>().unwrap().chunks(9) {
            assert!(map.iter().all(|&v| v == map[0]));
        }
        assert!(l.forward(&ops::ones(&[2, 3], DType::F32).unwrap()).is_err());
    }
}
