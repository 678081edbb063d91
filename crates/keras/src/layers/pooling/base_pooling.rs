//! [`BasePooling`]: the N-D windowed pooling layer shared by max and average pooling (Keras's
//! `BasePooling`), and [`PoolMode`], what a pooling mode (max, average) computes.

use std::marker::PhantomData;

use keras_backend::bail;
use keras_ops::ops::IntOrTuple;
use keras_ops::{Result, Tensor};
use serde_json::json;

use crate::layers::keras_tensor::TensorSpec;
use crate::layers::shape::{shape_display, ShapeSpec};
use crate::layers::{CallArgs, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;
use crate::utils::argument_validation::{
    standardize_padding, standardize_tuple, tuple_from_config, DataFormat,
};

/// A pooling mode: the windowed op and the global reduction it stands for. Implemented by
/// [`Max`](super::Max) and [`Average`](super::Average).
pub trait PoolMode: Send + Sync + 'static {
    /// The windowed pooling class names for ranks 1, 2, 3 (`"MaxPooling1D"`, …).
    const POOLING_NAMES: [&'static str; 3];
    /// The global pooling class names for ranks 1, 2, 3 (`"GlobalMaxPooling1D"`, …).
    const GLOBAL_NAMES: [&'static str; 3];
    /// Whether the global 1-D layer accepts a mask of padded steps (average pooling only).
    const MASKABLE: bool;
    /// The windowed pooling op (`keras.ops.max_pool` / `average_pool`).
    fn pool(
        x: &Tensor,
        pool_size: &[usize],
        strides: &[usize],
        padding: &str,
        data_format: &str,
    ) -> Result<Tensor>;
    /// The reduction over `axes`; `mask` (`(batch, steps)`, 1-D inputs only) leaves out
    /// masked steps where the mode supports it, its axis in the input being `mask_axis`.
    fn reduce(
        x: &Tensor,
        axes: Vec<i64>,
        keepdims: bool,
        mask: Option<(&Tensor, usize)>,
    ) -> Result<Tensor>;
}

/// A windowed N-D pooling layer of mode `M` (see the aliases
/// [`MaxPooling2D`](super::MaxPooling2D), [`AveragePooling2D`](super::AveragePooling2D), …).
///
/// ```
/// use keras::layers::{LayerExt, MaxPooling2D};
/// let pool = MaxPooling2D::new().strides(1).unwrap();
/// let y = pool.forward(&keras::ops::ones(&[1, 4, 4, 3], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(y.dims(), &[1, 3, 3, 3]);
/// ```
pub struct BasePooling<M, const N: usize> {
    base: LayerBase,
    pool_size: Vec<usize>,
    /// `None`: the pool size.
    strides: Option<Vec<usize>>,
    padding: String,
    data_format: DataFormat,
    mode: PhantomData<M>,
}

impl<M: PoolMode, const N: usize> BasePooling<M, N> {
    /// The Keras class name (`"MaxPooling2D"`).
    pub(crate) const CLASS: &'static str = M::POOLING_NAMES[N - 1];

    /// A layer pooling windows of `pool_size`, strides equal to the pool size, `"valid"`
    /// padding, channels last.
    pub(crate) fn with_pool_size(pool_size: IntOrTuple) -> Result<Self> {
        Ok(BasePooling {
            base: LayerBase::new(Self::CLASS, None).built_at_construction(),
            pool_size: standardize_tuple(&pool_size, N, "pool_size", false, Self::CLASS)?,
            strides: None,
            padding: "valid".into(),
            data_format: DataFormat::ChannelsLast,
            mode: PhantomData,
        })
    }

    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<Self> {
        let owner = Self::CLASS;
        let pool_size = tuple_from_config(c, "pool_size", N, Some(2), false, owner)?;
        let strides = match c.get("strides").filter(|v| !v.is_null()) {
            Some(_) => Some(tuple_from_config(c, "strides", N, None, false, owner)?),
            None => None,
        };
        let padding: String = c.get_or("padding", "valid".to_string(), owner)?;
        standardize_padding(&padding, false, owner)?;
        Ok(BasePooling {
            base: LayerBase::from_config(owner, c)?.built_at_construction(),
            pool_size,
            strides,
            padding,
            data_format: DataFormat::from_config(c, owner)?,
            mode: PhantomData,
        })
    }

    /// Names the layer.
    pub fn named(mut self, name: &str) -> Self {
        self.base = self.base.renamed(name);
        self
    }
    /// The window size, one int for every spatial dim or one per dim.
    pub fn pool_size(mut self, pool_size: impl Into<IntOrTuple>) -> Result<Self> {
        self.pool_size = standardize_tuple(&pool_size.into(), N, "pool_size", false, Self::CLASS)?;
        Ok(self)
    }
    /// The strides (default: the pool size).
    pub fn strides(mut self, strides: impl Into<IntOrTuple>) -> Result<Self> {
        self.strides = Some(standardize_tuple(
            &strides.into(),
            N,
            "strides",
            false,
            Self::CLASS,
        )?);
        Ok(self)
    }
    /// `"valid"` or `"same"` (case-insensitive; kept as given, as Keras does).
    pub fn padding(mut self, padding: &str) -> Result<Self> {
        standardize_padding(padding, false, Self::CLASS)?;
        self.padding = padding.to_string();
        Ok(self)
    }
    /// `"channels_last"` (the default) or `"channels_first"`.
    pub fn data_format(mut self, data_format: &str) -> Result<Self> {
        self.data_format = DataFormat::parse(Some(data_format), Self::CLASS)?;
        Ok(self)
    }

    fn strides_or_pool(&self) -> &[usize] {
        self.strides.as_deref().unwrap_or(&self.pool_size)
    }

    /// Keras's `compute_pooling_output_shape`, unknown dims staying unknown.
    fn output_shape(&self, shape: &ShapeSpec) -> Result<ShapeSpec> {
        let name = self.base.name();
        check_rank(shape, N, Self::CLASS, name)?;
        let same = self.padding.eq_ignore_ascii_case("same");
        let strides = self.strides_or_pool();
        let df = self.data_format;
        let spatial = df
            .spatial_axes(N + 2)
            .enumerate()
            .map(|(i, a)| {
                let Some(d) = shape[a] else { return Ok(None) };
                let (k, s) = (self.pool_size[i], strides[i]);
                if same {
                    return Ok(Some(d.div_ceil(s)));
                }
                if d < k {
                    bail!(
                        Self::CLASS,
                        "layer {name:?}: computed output size would be zero or negative for \
                         input shape {}, pool_size {:?}, strides {strides:?}, padding \"valid\"",
                        shape_display(shape),
                        self.pool_size
                    );
                }
                Ok(Some((d - k) / s + 1))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(df.assemble(shape[0], spatial, shape[df.channel_axis(N + 2)]))
    }
}

/// Errors unless `shape` has rank `n + 2` (batch, `n` spatial dims, channels).
pub(crate) fn check_rank(shape: &[Option<usize>], n: usize, owner: &str, name: &str) -> Result<()> {
    if shape.len() != n + 2 {
        bail!(
            owner,
            "layer {name:?} expects inputs of rank {} (batch, {n} spatial dims, channels), got \
             shape {}",
            n + 2,
            shape_display(&shape.to_vec())
        );
    }
    Ok(())
}

/// The single input of a pooling layer's `call` or `compute_output_spec`.
pub(crate) fn single<'a, T>(inputs: &'a [T], owner: &str, name: &str) -> Result<&'a T> {
    match inputs {
        [x] => Ok(x),
        _ => bail!(
            owner,
            "layer {name:?} expects one input, got {}",
            inputs.len()
        ),
    }
}

/// A pooling output spec: `shape`, the compute dtype for float inputs, else the input dtype.
pub(crate) fn pooled_spec(base: &LayerBase, x: &TensorSpec, shape: ShapeSpec) -> TensorSpec {
    let dtype = if x.dtype.is_float() {
        base.compute_dtype()
    } else {
        x.dtype
    };
    TensorSpec::new(shape, dtype)
}

impl<M: PoolMode, const N: usize> Layer for BasePooling<M, N> {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        Self::CLASS
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("pool_size".into(), json!(self.pool_size));
        c.insert("padding".into(), json!(self.padding));
        c.insert("strides".into(), json!(self.strides_or_pool()));
        c.insert("data_format".into(), json!(self.data_format.name()));
        c
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        let x = single(inputs, Self::CLASS, self.base.name())?;
        let dims: ShapeSpec = x.dims().iter().map(|&d| Some(d)).collect();
        self.output_shape(&dims)?;
        Ok(vec![M::pool(
            x,
            &self.pool_size,
            self.strides_or_pool(),
            &self.padding,
            self.data_format.name(),
        )?])
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let x = single(inputs, Self::CLASS, self.base.name())?;
        Ok(vec![pooled_spec(
            &self.base,
            x,
            self.output_shape(&x.shape)?,
        )])
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
