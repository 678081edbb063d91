//! `ZeroPadding1D`, `ZeroPadding2D`, `ZeroPadding3D`: add zeros at the borders of the spatial
//! dims (one generic N-D layer).

use keras_ops::{ops, Result, Tensor};
use serde_json::json;

use super::spatial::{check_rank, nd_name, pairs_to_json, parse_pairs, spatial_axes};
use crate::layers::keras_tensor::TensorSpec;
use crate::layers::shape::ShapeSpec;
use crate::layers::{CallArgs, DataFormat, Layer, LayerBase};
use crate::saving::object::Config;

const NAMES: [&str; 3] = ["ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D"];

/// Pads `(before, after)` zeros on each of the `N` spatial dims of inputs of shape
/// `(batch, *spatial, channels)` (or channels first). Use the aliases [`ZeroPadding1D`],
/// [`ZeroPadding2D`], [`ZeroPadding3D`].
///
/// ```
/// use keras::layers::{LayerExt, ZeroPadding2D};
/// let pad = ZeroPadding2D::new().padding([(1, 1), (2, 2)]);
/// let y = pad.forward(&keras::ops::ones(&[2, 3, 4, 1], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(y.dims(), &[2, 5, 8, 1]);
/// ```
pub struct ZeroPadding<const N: usize> {
    base: LayerBase,
    padding: [(usize, usize); N],
    data_format: DataFormat,
}

/// Pads the steps axis (Keras's `ZeroPadding1D`).
pub type ZeroPadding1D = ZeroPadding<1>;
/// Pads height and width (Keras's `ZeroPadding2D`).
pub type ZeroPadding2D = ZeroPadding<2>;
/// Pads the three spatial dims (Keras's `ZeroPadding3D`).
pub type ZeroPadding3D = ZeroPadding<3>;

impl<const N: usize> Default for ZeroPadding<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> ZeroPadding<N> {
    fn class() -> &'static str {
        nd_name(&NAMES, N)
    }
    /// Keras's default: one zero on each side of every spatial dim, channels last.
    pub fn new() -> Self {
        ZeroPadding {
            base: LayerBase::new(Self::class(), None),
            padding: [(1, 1); N],
            data_format: DataFormat::ChannelsLast,
        }
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> Self {
        self.base = self.base.renamed(name);
        self
    }
    /// `(before, after)` amounts per spatial dim.
    pub fn padding(mut self, padding: [(usize, usize); N]) -> Self {
        self.padding = padding;
        self
    }
    /// Channels last or first.
    pub fn data_format(mut self, data_format: DataFormat) -> Self {
        self.data_format = data_format;
        self
    }
    /// From Keras's config (`padding` as an int, one per dim, or pairs).
    pub fn from_config(c: &Config) -> Result<Self> {
        let mut layer = Self::new();
        layer.base = LayerBase::from_config(Self::class(), c)?;
        if let Some(v) = c.get("padding").filter(|v| !v.is_null()) {
            layer.padding = parse_pairs(v, "padding", Self::class())?;
        }
        layer.data_format = DataFormat::from_config(c, Self::class())?;
        Ok(layer)
    }

    /// `(before, after)` for every axis of a rank-`N + 2` input.
    fn all_pads(&self, rank: usize) -> Vec<(usize, usize)> {
        let mut pads = vec![(0, 0); rank];
        for (ax, &p) in spatial_axes(self.data_format, N).zip(&self.padding) {
            pads[ax] = p;
        }
        pads
    }
}

impl<const N: usize> Layer for ZeroPadding<N> {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        Self::class()
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("padding".into(), pairs_to_json(&self.padding));
        c.insert("data_format".into(), json!(self.data_format.name()));
        c
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        let shape: ShapeSpec = x.dims().iter().map(|&d| Some(d)).collect();
        check_rank(Self::class(), self.base.name(), &shape, N)?;
        Ok(vec![ops::pad(
            x,
            self.all_pads(x.rank()),
            "constant",
            None,
        )?])
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let x = &inputs[0];
        check_rank(Self::class(), self.base.name(), &x.shape, N)?;
        let shape = x
            .shape
            .iter()
            .zip(self.all_pads(x.shape.len()))
            .map(|(d, (a, b))| d.map(|d| d + a + b))
            .collect();
        Ok(vec![TensorSpec::new(shape, x.dtype)])
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
        // keras.layers.ZeroPadding1D(2, name="z1").get_config(), and likewise
        // ZeroPadding2D((1, 2), name="z2"),
        // ZeroPadding3D(((1, 0), (0, 2), (1, 1)), data_format="channels_first", name="z3")
        let z1 = config(&format!(
            r#"{{"name": "z1", {DTYPE}, "padding": [2, 2], "data_format": "channels_last"}}"#
        ));
        let z2 = config(&format!(
            r#"{{"name": "z2", {DTYPE}, "padding": [[1, 1], [2, 2]], "data_format": "channels_last"}}"#
        ));
        let z3 = config(&format!(
            r#"{{"name": "z3", {DTYPE}, "padding": [[1, 0], [0, 2], [1, 1]], "data_format": "channels_first"}}"#
        ));
        assert_eq!(
            ZeroPadding1D::new()
                .named("z1")
                .padding([(2, 2)])
                .get_config(),
            z1
        );
        assert_eq!(
            ZeroPadding2D::new()
                .named("z2")
                .padding([(1, 1), (2, 2)])
                .get_config(),
            z2
        );
        let l3 = ZeroPadding3D::new()
            .named("z3")
            .padding([(1, 0), (0, 2), (1, 1)])
            .data_format(DataFormat::ChannelsFirst);
        assert_eq!(l3.get_config(), z3);
        assert_eq!(ZeroPadding1D::from_config(&z1).unwrap().get_config(), z1);
        assert_eq!(ZeroPadding2D::from_config(&z2).unwrap().get_config(), z2);
        assert_eq!(ZeroPadding3D::from_config(&z3).unwrap().get_config(), z3);
    }

    #[test]
    fn shapes_and_values() {
        // keras.layers.ZeroPadding2D((1, 2), data_format="channels_first")
        //     .compute_output_shape((None, 3, 4, None))
        let l = ZeroPadding2D::new()
            .padding([(1, 1), (2, 2)])
            .data_format(DataFormat::ChannelsFirst);
        let spec = TensorSpec::new(vec![None, Some(3), Some(4), None], DType::F32);
        assert_eq!(
            l.compute_output_spec(&[spec]).unwrap()[0].shape,
            vec![None, Some(3), Some(6), None]
        );
        assert!(l
            .compute_output_spec(&[TensorSpec::new(vec![None, Some(3)], DType::F32)])
            .is_err());
        let y = ZeroPadding1D::new()
            .padding([(1, 2)])
            .forward(&t(&[1.0, 2.0], &[1, 2, 1]))
            .unwrap();
        assert_eq!(y.to_vec::<f32>().unwrap(), vec![0.0, 1.0, 2.0, 0.0, 0.0]);
    }
}
