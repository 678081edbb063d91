//! [`BaseConv`]: the N-D convolution layer every convolution family shares (Keras's
//! `BaseConv`, `BaseConvTranspose`, `BaseDepthwiseConv`, `BaseSeparableConv`). The window,
//! padding, layout, bias, activation and config plumbing live here once; a [`ConvKind`]
//! (plain, transposed, depthwise, separable) supplies its kernels, its convolution and its
//! own config keys, and the rank is a const parameter (`Conv2D = BaseConv<Plain, 2>`).

use std::marker::PhantomData;
use std::sync::OnceLock;

use keras_backend::bail;
use keras_ops::ops::IntOrTuple;
use keras_ops::{ops, Result, Tensor, Variable};
use serde_json::{json, Value};

use crate::activations::Activation;
use crate::constraints::Constraint;
use crate::initializers::Initializer;
use crate::layers::keras_tensor::TensorSpec;
use crate::layers::shape::{shape_display, ShapeSpec};
use crate::layers::weight_options::WeightOptions;
use crate::layers::{CallArgs, Layer, LayerBase};
use crate::regularizers::Regularizer;
use crate::saving::object::Config;
use crate::saving::ConfigExt;
use crate::utils::argument_validation::{
    standardize_padding, standardize_tuple, tuple_from_config, DataFormat,
};

/// The arguments every convolution layer has: window, strides, padding, layout, dilation,
/// activation and bias.
#[derive(Clone, Debug)]
pub struct ConvArgs {
    pub(crate) kernel_size: Vec<usize>,
    pub(crate) strides: Vec<usize>,
    pub(crate) padding: String,
    pub(crate) data_format: DataFormat,
    pub(crate) dilation_rate: Vec<usize>,
    pub(crate) activation: Activation,
    pub(crate) use_bias: bool,
    pub(crate) bias: WeightOptions,
}

impl ConvArgs {
    /// Keras's `data_format` argument of the convolution ops.
    pub(crate) fn data_format_arg(&self) -> Option<&str> {
        Some(self.data_format.name())
    }

    /// Output spatial size of a (non-transposed) convolution, as Keras's
    /// `compute_conv_output_shape`: unknown dims stay unknown, a known dim whose output would
    /// be empty under `"valid"` is an error.
    pub(crate) fn conv_output_spatial(
        &self,
        input: &[Option<usize>],
        owner: &str,
    ) -> Result<ShapeSpec> {
        input
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let Some(d) = *d else { return Ok(None) };
                let s = self.strides[i];
                if self.padding != "valid" {
                    return Ok(Some(d.div_ceil(s)));
                }
                let window = self.dilation_rate[i] * (self.kernel_size[i] - 1) + 1;
                if d < window {
                    bail!(
                        owner,
                        "computed output size would be zero or negative: spatial input dims \
                         {input:?}, kernel_size {:?}, dilation_rate {:?}, strides {:?}, padding \
                         \"valid\"",
                        self.kernel_size,
                        self.dilation_rate,
                        self.strides
                    );
                }
                Ok(Some((d - window) / s + 1))
            })
            .collect()
    }

    /// Errors when `strides > 1` and `dilation_rate > 1` are both asked for (plain and
    /// transposed convolutions refuse the combination).
    pub(crate) fn check_strides_with_dilation(&self, owner: &str) -> Result<()> {
        if self.strides.iter().any(|&s| s > 1) && self.dilation_rate.iter().any(|&d| d > 1) {
            bail!(
                owner,
                "`strides > 1` not supported in conjunction with `dilation_rate > 1`, received \
                 strides={:?} and dilation_rate={:?}",
                self.strides,
                self.dilation_rate
            );
        }
        Ok(())
    }
}

/// What distinguishes one convolution family from another. Implemented by [`Plain`],
/// [`Transpose`], [`Depthwise`] and [`Separable`].
///
/// [`Plain`]: super::Plain
/// [`Transpose`]: super::Transpose
/// [`Depthwise`]: super::Depthwise
/// [`Separable`]: super::Separable
pub trait ConvKind: Clone + Send + Sync + 'static {
    /// The Keras class names for ranks 1, 2, … (a rank past the end does not compile).
    const CLASS_NAMES: &'static [&'static str];
    /// Whether `padding="causal"` is accepted at `rank`.
    fn allows_causal(_rank: usize) -> bool {
        false
    }
    /// The kind's own fields from a Keras config.
    fn from_config(c: &Config, rank: usize, owner: &str) -> Result<Self>;
    /// Config keys written before `kernel_size` (`filters`, `depth_multiplier`).
    fn write_lead(&self, c: &mut Config);
    /// Config keys written after `padding` (`output_padding`).
    fn write_after_padding(&self, _c: &mut Config) {}
    /// Config keys written after `dilation_rate` (`groups`).
    fn write_after_dilation(&self, _c: &mut Config) {}
    /// The kernel weight options with their config prefix (`"kernel"`, `"depthwise"`, …), in
    /// Keras's config order; the bias comes after them.
    fn kernel_options(&self) -> Vec<(&'static str, &WeightOptions)>;
    /// Checks the arguments together (Keras does this in `__init__`).
    fn validate(&self, args: &ConvArgs, owner: &str) -> Result<()>;
    /// Output channels for `in_channels` input channels (`None` when unknown).
    fn out_channels(&self, in_channels: Option<usize>) -> Option<usize>;
    /// Output spatial dims for input spatial dims (`None` = unknown).
    fn output_spatial(
        &self,
        args: &ConvArgs,
        input: &[Option<usize>],
        owner: &str,
    ) -> Result<ShapeSpec> {
        args.conv_output_spatial(input, owner)
    }
    /// Creates the kernel variables, in Keras's order, for `in_channels` input channels.
    fn build_kernels(
        &self,
        args: &ConvArgs,
        base: &LayerBase,
        in_channels: usize,
        owner: &str,
    ) -> Result<Vec<Variable>>;
    /// The convolution of `x` with the kernel values (without bias and activation).
    fn convolve(&self, args: &ConvArgs, x: &Tensor, kernels: &[Tensor]) -> Result<Tensor>;
}

/// The variables of a built convolution layer.
struct Built {
    kernels: Vec<Variable>,
    bias: Option<Variable>,
    in_channels: usize,
}

/// An N-D convolution layer of kind `K` (see the aliases [`Conv2D`](super::Conv2D),
/// [`Conv2DTranspose`](super::Conv2DTranspose), [`DepthwiseConv2D`](super::DepthwiseConv2D),
/// [`SeparableConv2D`](super::SeparableConv2D), …).
///
/// ```
/// use keras::layers::{Conv2D, LayerExt};
/// let conv = Conv2D::new(4, 3).unwrap().padding("same").unwrap();
/// let y = conv.forward(&keras::ops::ones(&[1, 5, 5, 2], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(y.dims(), &[1, 5, 5, 4]);
/// ```
pub struct BaseConv<K, const N: usize> {
    base: LayerBase,
    pub(crate) kind: K,
    args: ConvArgs,
    built: OnceLock<Built>,
    rank: PhantomData<[(); N]>,
}

impl<K: ConvKind, const N: usize> BaseConv<K, N> {
    /// The Keras class name (`"Conv2D"`); evaluating it for a rank the family lacks fails to
    /// compile.
    pub(crate) const CLASS: &'static str = K::CLASS_NAMES[N - 1];

    /// A layer of kind `kind` with `kernel_size` and Keras's defaults for everything else.
    pub(crate) fn with_kind(kind: K, kernel_size: IntOrTuple) -> Result<Self> {
        let layer = BaseConv {
            base: LayerBase::new(Self::CLASS, None),
            kind,
            args: ConvArgs {
                kernel_size: standardize_tuple(&kernel_size, N, "kernel_size", false, Self::CLASS)?,
                strides: vec![1; N],
                padding: "valid".into(),
                data_format: DataFormat::ChannelsLast,
                dilation_rate: vec![1; N],
                activation: Activation::linear(),
                use_bias: true,
                bias: WeightOptions::new(Initializer::Zeros),
            },
            built: OnceLock::new(),
            rank: PhantomData,
        };
        layer.kind.validate(&layer.args, Self::CLASS)?;
        Ok(layer)
    }

    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<Self> {
        let owner = Self::CLASS;
        let padding: String = c.get_or("padding", "valid".to_string(), owner)?;
        let args = ConvArgs {
            kernel_size: tuple_from_config(c, "kernel_size", N, None, false, owner)?,
            strides: tuple_from_config(c, "strides", N, Some(1), false, owner)?,
            padding: standardize_padding(&padding, K::allows_causal(N), owner)?,
            data_format: DataFormat::from_config(c, owner)?,
            dilation_rate: tuple_from_config(c, "dilation_rate", N, Some(1), false, owner)?,
            activation: c.get_or("activation", Activation::linear(), owner)?,
            use_bias: c.get_or("use_bias", true, owner)?,
            bias: WeightOptions::from_config(c, "bias", Initializer::Zeros)?,
        };
        let kind = K::from_config(c, N, owner)?;
        kind.validate(&args, owner)?;
        Ok(BaseConv {
            base: LayerBase::from_config(owner, c)?,
            kind,
            args,
            built: OnceLock::new(),
            rank: PhantomData,
        })
    }

    /// Names the layer.
    pub fn named(mut self, name: &str) -> Self {
        self.base = self.base.renamed(name);
        self
    }
    /// The strides, one int for every spatial dim or one per dim.
    pub fn strides(mut self, strides: impl Into<IntOrTuple>) -> Result<Self> {
        self.args.strides = standardize_tuple(&strides.into(), N, "strides", false, Self::CLASS)?;
        Ok(self)
    }
    /// `"valid"`, `"same"` or (1-D plain convolution only) `"causal"`, case-insensitive.
    pub fn padding(mut self, padding: &str) -> Result<Self> {
        self.args.padding = standardize_padding(padding, K::allows_causal(N), Self::CLASS)?;
        Ok(self)
    }
    /// `"channels_last"` (the default) or `"channels_first"`.
    pub fn data_format(mut self, data_format: &str) -> Result<Self> {
        self.args.data_format = DataFormat::parse(Some(data_format), Self::CLASS)?;
        Ok(self)
    }
    /// The dilation rate, one int for every spatial dim or one per dim.
    pub fn dilation_rate(mut self, rate: impl Into<IntOrTuple>) -> Result<Self> {
        self.args.dilation_rate =
            standardize_tuple(&rate.into(), N, "dilation_rate", false, Self::CLASS)?;
        Ok(self)
    }
    /// The activation, by Keras name (`"relu"`).
    pub fn activation(mut self, name: &str) -> Result<Self> {
        self.args.activation = Activation::get(name)?;
        Ok(self)
    }
    /// Whether to add a bias.
    pub fn use_bias(mut self, use_bias: bool) -> Self {
        self.args.use_bias = use_bias;
        self
    }
    /// The bias initializer.
    pub fn bias_initializer(mut self, init: Initializer) -> Self {
        self.args.bias.initializer = init;
        self
    }
    /// A penalty on the bias.
    pub fn bias_regularizer(mut self, r: Regularizer) -> Self {
        self.args.bias.regularizer = Some(r);
        self
    }
    /// A constraint on the bias.
    pub fn bias_constraint(mut self, c: Constraint) -> Self {
        self.args.bias.constraint = Some(c);
        self
    }
    /// A penalty on the outputs (Keras's `activity_regularizer`).
    pub fn activity_regularizer(mut self, r: Regularizer) -> Self {
        self.base = self.base.with_activity_regularizer(Some(r));
        self
    }

    /// The kernel variables in Keras's order, after build (`kernel`, or `depthwise_kernel`
    /// and `pointwise_kernel`).
    pub fn kernels(&self) -> Option<&[Variable]> {
        self.built.get().map(|b| b.kernels.as_slice())
    }
    /// The bias variable, after build, when `use_bias`.
    pub fn bias(&self) -> Option<&Variable> {
        self.built.get().and_then(|b| b.bias.as_ref())
    }

    /// The channel count of a rank-checked input shape.
    fn input_channels(&self, shape: &[Option<usize>]) -> Result<Option<usize>> {
        if shape.len() != N + 2 {
            bail!(
                Self::CLASS,
                "layer {:?} expects inputs of rank {} (batch, {N} spatial dims, channels), got \
                 shape {}",
                self.base.name(),
                N + 2,
                shape_display(&shape.to_vec())
            );
        }
        Ok(shape[self.args.data_format.channel_axis(N + 2)])
    }

    /// The output shape for an input shape.
    fn output_shape(&self, shape: &ShapeSpec) -> Result<ShapeSpec> {
        self.kind.validate(&self.args, Self::CLASS)?;
        let channels = self.input_channels(shape)?;
        let spatial: Vec<Option<usize>> = self
            .args
            .data_format
            .spatial_axes(N + 2)
            .map(|a| shape[a])
            .collect();
        let out = self
            .kind
            .output_spatial(&self.args, &spatial, Self::CLASS)
            .map_err(|e| {
                keras_ops::Error::op(
                    Self::CLASS,
                    format!(
                        "layer {:?}, input shape {}: {e}",
                        self.base.name(),
                        shape_display(shape)
                    ),
                )
            })?;
        Ok(self
            .args
            .data_format
            .assemble(shape[0], out, self.kind.out_channels(channels)))
    }
}

impl<K: ConvKind, const N: usize> Layer for BaseConv<K, N> {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        Self::CLASS
    }
    fn layer_config(&self) -> Config {
        let a = &self.args;
        let mut c = Config::new();
        self.kind.write_lead(&mut c);
        c.insert("kernel_size".into(), json!(a.kernel_size));
        c.insert("strides".into(), json!(a.strides));
        c.insert("padding".into(), json!(a.padding));
        self.kind.write_after_padding(&mut c);
        c.insert("data_format".into(), json!(a.data_format.name()));
        c.insert("dilation_rate".into(), json!(a.dilation_rate));
        self.kind.write_after_dilation(&mut c);
        c.insert("activation".into(), json!(a.activation.name()));
        c.insert("use_bias".into(), json!(a.use_bias));
        let mut weights = self.kind.kernel_options();
        weights.push(("bias", &a.bias));
        for (prefix, w) in &weights {
            w.write_initializer(&mut c, prefix);
        }
        for (prefix, w) in &weights {
            w.write_regularizer(&mut c, prefix);
        }
        // Keras's base config already holds a set activity regularizer right after `dtype`;
        // this key then keeps that position.
        let activity = self
            .base
            .activity_regularizer()
            .map_or(Value::Null, Regularizer::to_json);
        c.insert("activity_regularizer".into(), activity);
        for (prefix, w) in &weights {
            w.write_constraint(&mut c, prefix);
        }
        c
    }
    fn build(&self, shapes: &[ShapeSpec]) -> Result<()> {
        let [shape] = shapes else {
            bail!(
                Self::CLASS,
                "layer {:?} expects one input, got {}",
                self.base.name(),
                shapes.len()
            );
        };
        let Some(in_channels) = self.input_channels(shape)? else {
            bail!(
                Self::CLASS,
                "layer {:?} needs a known channel dim, got input shape {}",
                self.base.name(),
                shape_display(shape)
            );
        };
        self.output_shape(shape)?;
        let kernels = self
            .kind
            .build_kernels(&self.args, &self.base, in_channels, Self::CLASS)?;
        let bias = match (
            self.args.use_bias,
            self.kind.out_channels(Some(in_channels)),
        ) {
            (true, Some(c)) => Some(self.args.bias.add(&self.base, "bias", &[c])?),
            _ => None,
        };
        let _ = self.built.set(Built {
            kernels,
            bias,
            in_channels,
        });
        Ok(())
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        let Some(built) = self.built.get() else {
            bail!(Self::CLASS, "layer {:?} is not built", self.base.name());
        };
        let [x] = inputs else {
            bail!(
                Self::CLASS,
                "layer {:?} expects one input, got {}",
                self.base.name(),
                inputs.len()
            );
        };
        let dims: ShapeSpec = x.dims().iter().map(|&d| Some(d)).collect();
        if self.input_channels(&dims)? != Some(built.in_channels) {
            bail!(
                Self::CLASS,
                "layer {:?} was built for {} input channels, got input shape {}",
                self.base.name(),
                built.in_channels,
                x.shape()
            );
        }
        let kernels: Vec<Tensor> = built.kernels.iter().map(Variable::value).collect();
        let mut y = self.kind.convolve(&self.args, x, &kernels)?;
        if let Some(b) = &built.bias {
            let mut shape = vec![1; N + 2];
            shape[self.args.data_format.channel_axis(N + 2)] = b.shape().size();
            y = ops::add(&y, ops::reshape(&b.value(), shape)?)?;
        }
        Ok(vec![self.args.activation.apply(&y)?])
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let [x] = inputs else {
            bail!(
                Self::CLASS,
                "layer {:?} expects one input, got {}",
                self.base.name(),
                inputs.len()
            );
        };
        Ok(vec![TensorSpec::new(
            self.output_shape(&x.shape)?,
            self.base.compute_dtype(),
        )])
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
