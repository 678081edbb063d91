//! `Cropping1D`, `Cropping2D`, `Cropping3D`: remove rows/columns/planes at the borders of the
//! spatial dims (one generic N-D layer).

use keras_backend::bail;
use keras_ops::{ops, Result, Tensor};
use serde_json::json;

use super::spatial::{check_rank, nd_name, pairs_to_json, parse_pairs, spatial_axes};
use crate::layers::keras_tensor::TensorSpec;
use crate::layers::shape::ShapeSpec;
use crate::layers::{shape_display, CallArgs, DataFormat, Layer, LayerBase};
use crate::saving::object::Config;

const NAMES: [&str; 3] = ["Cropping1D", "Cropping2D", "Cropping3D"];

/// Crops `(before, after)` entries off each of the `N` spatial dims of inputs of shape
/// `(batch, *spatial, channels)` (or channels first). Use the aliases [`Cropping1D`],
/// [`Cropping2D`], [`Cropping3D`].
///
/// ```
/// use keras::layers::{Cropping2D, LayerExt};
/// let crop = Cropping2D::new().cropping([(1, 0), (2, 1)]);
/// let y = crop.forward(&keras::ops::ones(&[2, 5, 6, 3], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(y.dims(), &[2, 4, 3, 3]);
/// ```
pub struct Cropping<const N: usize> {
    base: LayerBase,
    cropping: [(usize, usize); N],
    data_format: DataFormat,
}

/// Crops the steps axis of `(batch, steps, features)` (Keras's `Cropping1D`, default `(1, 1)`).
pub type Cropping1D = Cropping<1>;
/// Crops height and width (Keras's `Cropping2D`, default no cropping).
pub type Cropping2D = Cropping<2>;
/// Crops the three spatial dims (Keras's `Cropping3D`, default `(1, 1)` on each).
pub type Cropping3D = Cropping<3>;

impl<const N: usize> Default for Cropping<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Cropping<N> {
    fn class() -> &'static str {
        nd_name(&NAMES, N)
    }
    /// Keras's default cropping: `(0, 0)` per dim for 2-D, `(1, 1)` per dim otherwise.
    pub fn new() -> Self {
        let k = if N == 2 { 0 } else { 1 };
        Cropping {
            base: LayerBase::new(Self::class(), None),
            cropping: [(k, k); N],
            data_format: DataFormat::ChannelsLast,
        }
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> Self {
        self.base = self.base.renamed(name);
        self
    }
    /// `(before, after)` amounts per spatial dim.
    pub fn cropping(mut self, cropping: [(usize, usize); N]) -> Self {
        self.cropping = cropping;
        self
    }
    /// Channels last or first (2-D and 3-D only; `Cropping1D` has no such argument).
    pub fn data_format(mut self, data_format: DataFormat) -> Result<Self> {
        if N == 1 {
            bail!(Self::class(), "Cropping1D has no data_format argument");
        }
        self.data_format = data_format;
        Ok(self)
    }
    /// From Keras's config (`cropping` as an int, one per dim, or pairs).
    pub fn from_config(c: &Config) -> Result<Self> {
        let mut layer = Self::new();
        layer.base = LayerBase::from_config(Self::class(), c)?;
        if let Some(v) = c.get("cropping").filter(|v| !v.is_null()) {
            layer.cropping = parse_pairs(v, "cropping", Self::class())?;
        }
        if N > 1 {
            layer.data_format = DataFormat::from_config(c, Self::class())?;
        }
        Ok(layer)
    }

    /// The output shape, checking that the cropping leaves something of every known dim.
    fn output_shape(&self, shape: &ShapeSpec) -> Result<ShapeSpec> {
        check_rank(Self::class(), self.base.name(), shape, N)?;
        let mut out = shape.clone();
        for (ax, &(a, b)) in spatial_axes(self.data_format, N).zip(&self.cropping) {
            if let Some(d) = shape[ax] {
                if a + b >= d {
                    bail!(
                        Self::class(),
                        "layer {:?}: cropping {:?} must be smaller than the spatial dims of \
                         input shape {}",
                        self.base.name(),
                        self.cropping,
                        shape_display(shape)
                    );
                }
                out[ax] = Some(d - a - b);
            }
        }
        Ok(out)
    }
}

impl<const N: usize> Layer for Cropping<N> {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        Self::class()
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("cropping".into(), pairs_to_json(&self.cropping));
        if N > 1 {
            c.insert("data_format".into(), json!(self.data_format.name()));
        }
        c
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        let shape: ShapeSpec = x.dims().iter().map(|&d| Some(d)).collect();
        let out = self.output_shape(&shape)?;
        let mut start = vec![0i64; x.rank()];
        for (ax, &(a, _)) in spatial_axes(self.data_format, N).zip(&self.cropping) {
            start[ax] = a as i64;
        }
        let sizes: Vec<i64> = out.iter().map(|d| d.map_or(-1, |d| d as i64)).collect();
        Ok(vec![ops::slice(x, &start, &sizes)?])
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let x = &inputs[0];
        Ok(vec![TensorSpec::new(self.output_shape(&x.shape)?, x.dtype)])
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

    const DTYPE: &str = r#""trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}"#;

    #[test]
    fn configs_match_keras() {
        // keras.layers.Cropping1D((1, 2), name="c1").get_config(), and likewise
        // Cropping2D(((1, 0), (2, 1)), data_format="channels_first", name="c2"),
        // Cropping3D(2, name="c3")
        let c1 = config(&format!(r#"{{"name": "c1", {DTYPE}, "cropping": [1, 2]}}"#));
        let c2 = config(&format!(
            r#"{{"name": "c2", {DTYPE}, "cropping": [[1, 0], [2, 1]], "data_format": "channels_first"}}"#
        ));
        let c3 = config(&format!(
            r#"{{"name": "c3", {DTYPE}, "cropping": [[2, 2], [2, 2], [2, 2]], "data_format": "channels_last"}}"#
        ));
        assert_eq!(
            Cropping1D::new()
                .named("c1")
                .cropping([(1, 2)])
                .get_config(),
            c1
        );
        let l2 = Cropping2D::new()
            .named("c2")
            .cropping([(1, 0), (2, 1)])
            .data_format(DataFormat::ChannelsFirst)
            .unwrap();
        assert_eq!(l2.get_config(), c2);
        assert_eq!(
            Cropping3D::new()
                .named("c3")
                .cropping([(2, 2); 3])
                .get_config(),
            c3
        );
        assert_eq!(Cropping1D::from_config(&c1).unwrap().get_config(), c1);
        assert_eq!(Cropping2D::from_config(&c2).unwrap().get_config(), c2);
        assert_eq!(Cropping3D::from_config(&c3).unwrap().get_config(), c3);
        assert!(Cropping1D::new()
            .data_format(DataFormat::ChannelsFirst)
            .is_err());
        assert_eq!(Cropping2D::new().cropping, [(0, 0); 2]);
        assert_eq!(Cropping3D::new().cropping, [(1, 1); 3]);
    }

    #[test]
    fn shapes_and_errors() {
        // keras.layers.Cropping2D(((1, 0), (2, 1))).compute_output_shape((None, 5, None, 3))
        let l = Cropping2D::new().cropping([(1, 0), (2, 1)]);
        let spec = TensorSpec::new(vec![None, Some(5), None, Some(3)], DType::F32);
        assert_eq!(
            l.compute_output_spec(&[spec]).unwrap()[0].shape,
            vec![None, Some(4), None, Some(3)]
        );
        // keras.layers.Cropping1D(2)(np.ones((1, 4, 1))) raises
        let e = Cropping1D::new()
            .cropping([(2, 2)])
            .forward(&keras_ops::ops::ones(&[1, 4, 1], DType::F32).unwrap())
            .unwrap_err();
        assert!(e.to_string().contains("smaller than"), "{e}");
        assert!(Cropping1D::new()
            .compute_output_spec(&[TensorSpec::new(vec![None, Some(4)], DType::F32)])
            .is_err());
    }

    #[test]
    fn values() {
        let x = t(&(0..12).map(|i| i as f32).collect::<Vec<_>>(), &[1, 2, 6]);
        // channels first: crop (1, 2) off the last axis of each channel
        let l = Cropping1D::new().cropping([(1, 2)]);
        let y = l
            .forward(&ops::transpose(&x, Some(&[0, 2, 1])).unwrap())
            .unwrap();
        assert_eq!(y.dims(), &[1, 3, 2]);
        assert_eq!(
            y.to_vec::<f32>().unwrap(),
            vec![1.0, 7.0, 2.0, 8.0, 3.0, 9.0]
        );
        let x = t(
            &(0..12).map(|i| i as f32).collect::<Vec<_>>(),
            &[1, 1, 3, 4],
        );
        let l = Cropping2D::new()
            .cropping([(1, 0), (1, 2)])
            .data_format(DataFormat::ChannelsFirst)
            .unwrap();
        assert_eq!(
            l.forward(&x).unwrap().to_vec::<f32>().unwrap(),
            vec![5.0, 9.0]
        );
    }
}
