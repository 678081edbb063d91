//! `EinsumDense`: `activation(einsum(equation, x, kernel) + bias)`, a dense layer of any rank.

use std::sync::OnceLock;

use keras_backend::bail;
use keras_ops::{ops, Result, Tensor, Variable};
use serde_json::{json, Value};

use crate::activations::Activation;
use crate::constraints::Constraint;
use crate::initializers::{compute_fans, FanMode, Initializer};
use crate::layers::keras_tensor::TensorSpec;
use crate::layers::shape::{shape_from_json, shape_to_json, ShapeSpec};
use crate::layers::weight_options::WeightOptions;
use crate::layers::{CallArgs, Layer, LayerBase};
use crate::regularizers::Regularizer;
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// A dense layer whose contraction is an einsum equation `"X,Y->Z"` between the input and
/// the kernel (Keras's `EinsumDense`). `...` may stand for leading (`"...b,bc->...c"`) or
/// trailing (`"ab...,bc->ac..."`) input axes that pass through.
///
/// ```
/// use keras::layers::{EinsumDense, LayerExt};
/// let layer = EinsumDense::new("abc,cd->abd", &[Some(5), Some(4)]).bias_axes("d");
/// let y = layer.forward(&keras::ops::ones(&[2, 5, 3], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(y.dims(), &[2, 5, 4]);
/// assert_eq!(layer.weights()[0].shape().dims(), &[3, 4]);
/// ```
pub struct EinsumDense {
    base: LayerBase,
    equation: String,
    output_shape: ShapeSpec,
    activation: Activation,
    bias_axes: Option<String>,
    kernel: WeightOptions,
    bias: WeightOptions,
    vars: OnceLock<(Variable, Option<Variable>)>,
}

/// What the equation fixes for one input shape (Keras's `_analyze_einsum_string`).
struct EinsumShapes {
    kernel: ShapeSpec,
    bias: Option<ShapeSpec>,
    output: ShapeSpec,
    input_axes: Vec<usize>,
    output_axes: Vec<usize>,
}

fn letters(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphabetic())
}

/// Splits `equation` into (input spec, weight spec, output spec, left-elided).
fn split_equation(equation: &str) -> Result<(String, String, String, bool)> {
    let bad = || {
        keras_ops::Error::op(
            "EinsumDense",
            format!(
                "invalid einsum equation {equation:?}: equations must be in the form \
                 [X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]..."
            ),
        )
    };
    let eq = equation.replace("...", "0");
    let (lhs, out) = eq.split_once("->").ok_or_else(bad)?;
    let (inp, w) = lhs.split_once(',').ok_or_else(bad)?;
    if !letters(w) {
        return Err(bad());
    }
    let own = |s: &str| s.to_string();
    if letters(inp) && letters(out) {
        return Ok((own(inp), own(w), own(out), false));
    }
    if let (Some(i), Some(o)) = (inp.strip_prefix('0'), out.strip_prefix('0')) {
        if letters(i) && letters(o) {
            return Ok((own(i), own(w), own(o), true));
        }
    }
    if let (Some(i), Some(o)) = (inp.strip_suffix('0'), out.strip_suffix('0')) {
        if letters(i) && i.len() >= 2 && letters(o) {
            return Ok((own(i), own(w), own(o), false));
        }
    }
    Err(bad())
}

fn analyze(
    equation: &str,
    bias_axes: Option<&str>,
    input_shape: &ShapeSpec,
    partial_output: &ShapeSpec,
) -> Result<EinsumShapes> {
    let (input_spec, weight_spec, output_spec, left_elided) = split_equation(equation)?;
    let rank = input_shape.len() as i64;
    let elided = rank - input_spec.len() as i64;
    if elided < 0 || input_shape.is_empty() {
        bail!(
            "EinsumDense",
            "equation {equation:?} needs an input of rank >= {}, got shape {}",
            input_spec.len().max(1),
            shape_to_json(input_shape)
        );
    }
    let elided = elided as usize;
    let mut output = partial_output.clone();
    output.insert(0, input_shape[0]);
    if elided > 0 && left_elided {
        for &d in &input_shape[1..elided] {
            output.insert(1, d);
        }
    } else if elided > 0 {
        output.extend_from_slice(&input_shape[input_shape.len() - elided..]);
    }
    let shift = if left_elided { elided } else { 0 };
    let input_pos = |c: char| input_spec.find(c).map(|i| i + shift);
    let output_pos = |c: char| output_spec.find(c).map(|i| i + shift);
    let out_at = |i: usize| -> Result<Option<usize>> {
        match output.get(i) {
            Some(d) => Ok(*d),
            None => bail!(
                "EinsumDense",
                "output_shape {} does not fit the output spec {output_spec:?} of {equation:?}",
                shape_to_json(partial_output)
            ),
        }
    };
    for c in input_spec.chars() {
        let i = input_pos(c).expect("c is in the input spec");
        if let Some(o) = output_pos(c) {
            let (din, dout) = (input_shape[i], out_at(o)?);
            if dout.is_some() && dout != din {
                bail!(
                    "EinsumDense",
                    "input shape and output shape do not match at shared dimension {c:?}: \
                     input shape is {din:?}, output shape is {dout:?}"
                );
            }
        }
    }
    if let Some(c) = output_spec
        .chars()
        .find(|&c| !input_spec.contains(c) && !weight_spec.contains(c))
    {
        bail!(
            "EinsumDense",
            "dimension {c:?} was specified in the output {output_spec:?} but has no \
             corresponding dim in the input spec {input_spec:?} or weight spec {weight_spec:?}"
        );
    }
    let (mut kernel, mut input_axes, mut output_axes) = (Vec::new(), Vec::new(), Vec::new());
    for (i, c) in weight_spec.chars().enumerate() {
        if let Some(o) = output_pos(c) {
            kernel.push(out_at(o)?);
            output_axes.push(i);
        } else if let Some(p) = input_pos(c) {
            kernel.push(input_shape[p]);
            input_axes.push(i);
        } else {
            bail!(
                "EinsumDense",
                "weight dimension {c:?} did not have a match in either the input spec \
                 {input_spec:?} or the output spec {output_spec:?}; the weight must be fully \
                 specified"
            );
        }
    }
    let bias = match bias_axes {
        None => None,
        Some(axes) => {
            if let Some(c) = axes.chars().find(|&c| !output_spec.contains(c)) {
                bail!(
                    "EinsumDense",
                    "bias dimension {c:?} was requested, but is not part of the output spec \
                     {output_spec:?}"
                );
            }
            let Some(first) = axes.chars().filter_map(|c| output_spec.find(c)).min() else {
                bail!("EinsumDense", "bias_axes must not be empty");
            };
            let mut shape = Vec::new();
            for (i, c) in output_spec.chars().enumerate().skip(first) {
                shape.push(if axes.contains(c) {
                    out_at(i + shift)?
                } else {
                    Some(1)
                });
            }
            if !left_elided {
                shape.extend(std::iter::repeat_n(Some(1), elided));
            }
            Some(shape)
        }
    };
    Ok(EinsumShapes {
        kernel,
        bias,
        output,
        input_axes,
        output_axes,
    })
}

fn concrete(shape: &ShapeSpec, what: &str, name: &str) -> Result<Vec<usize>> {
    shape
        .iter()
        .copied()
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| {
            keras_ops::Error::op(
                "EinsumDense",
                format!(
                    "layer {name:?}: the {what} shape {} has unknown dims; give them in \
                 output_shape or the input shape",
                    shape_to_json(shape)
                ),
            )
        })
}

/// Keras gives VarianceScaling kernels fans from the equation's input and output axes;
/// this returns the initializer whose default fans on `shape` give the same variance.
fn fan_adjusted(
    init: &Initializer,
    shape: &[usize],
    input_axes: &[usize],
    output_axes: &[usize],
) -> Initializer {
    let Initializer::VarianceScaling {
        class_name,
        scale,
        mode,
        distribution,
        seed,
    } = init
    else {
        return init.clone();
    };
    let prod = |axes: &[usize]| axes.iter().map(|&a| shape[a] as f64).product::<f64>();
    let fan = |(fi, fo): (f64, f64)| match mode {
        FanMode::FanIn => fi,
        FanMode::FanOut => fo,
        FanMode::FanAvg => (fi + fo) / 2.0,
    };
    let wanted = fan((prod(input_axes), prod(output_axes))).max(1.0);
    let default = fan(compute_fans(shape)).max(1.0);
    Initializer::VarianceScaling {
        class_name,
        scale: scale * default / wanted,
        mode: *mode,
        distribution: *distribution,
        seed: *seed,
    }
}

impl EinsumDense {
    /// A layer for `equation` whose output, without the batch dim, has `output_shape`
    /// (`None` for dims inferred from the input); no bias, no activation.
    pub fn new(equation: &str, output_shape: &[Option<usize>]) -> EinsumDense {
        EinsumDense {
            base: LayerBase::new("EinsumDense", None),
            equation: equation.to_string(),
            output_shape: output_shape.to_vec(),
            activation: Activation::linear(),
            bias_axes: None,
            kernel: WeightOptions::new(Initializer::glorot_uniform()),
            bias: WeightOptions::new(Initializer::Zeros),
            vars: OnceLock::new(),
        }
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> EinsumDense {
        self.base = self.base.renamed(name);
        self
    }
    /// The activation, by Keras name (`"relu"`).
    pub fn activation(mut self, name: &str) -> Result<EinsumDense> {
        self.activation = Activation::get(name)?;
        Ok(self)
    }
    /// The output axes (letters of the output spec) that get a bias.
    pub fn bias_axes(mut self, axes: &str) -> EinsumDense {
        self.bias_axes = Some(axes.to_string());
        self
    }
    /// The kernel initializer.
    pub fn kernel_initializer(mut self, init: Initializer) -> EinsumDense {
        self.kernel.initializer = init;
        self
    }
    /// The bias initializer.
    pub fn bias_initializer(mut self, init: Initializer) -> EinsumDense {
        self.bias.initializer = init;
        self
    }
    /// A penalty on the kernel.
    pub fn kernel_regularizer(mut self, r: Regularizer) -> EinsumDense {
        self.kernel.regularizer = Some(r);
        self
    }
    /// A penalty on the bias.
    pub fn bias_regularizer(mut self, r: Regularizer) -> EinsumDense {
        self.bias.regularizer = Some(r);
        self
    }
    /// A penalty on the output (per sample: divided by the batch size).
    pub fn activity_regularizer(mut self, r: Regularizer) -> EinsumDense {
        self.base = self.base.with_activity_regularizer(Some(r));
        self
    }
    /// A constraint on the kernel.
    pub fn kernel_constraint(mut self, c: Constraint) -> EinsumDense {
        self.kernel.constraint = Some(c);
        self
    }
    /// A constraint on the bias.
    pub fn bias_constraint(mut self, c: Constraint) -> EinsumDense {
        self.bias.constraint = Some(c);
        self
    }

    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<EinsumDense> {
        let n = "EinsumDense";
        let output_shape = match c.get("output_shape") {
            Some(Value::Number(d)) => vec![d.as_u64().map(|d| d as usize)],
            Some(v) => shape_from_json(v)?,
            None => bail!(n, "config has no field \"output_shape\""),
        };
        Ok(EinsumDense {
            base: LayerBase::from_config(n, c)?,
            equation: c.require("equation", n)?,
            output_shape,
            activation: c.get_or("activation", Activation::linear(), n)?,
            bias_axes: c.get_or("bias_axes", None, n)?,
            kernel: WeightOptions::from_config(c, "kernel", Initializer::glorot_uniform())?,
            bias: WeightOptions::from_config(c, "bias", Initializer::Zeros)?,
            vars: OnceLock::new(),
        })
    }

    /// The kernel variable (after build).
    pub fn kernel(&self) -> Option<&Variable> {
        self.vars.get().map(|v| &v.0)
    }
    /// The bias variable (after build, when `bias_axes` is set).
    pub fn bias(&self) -> Option<&Variable> {
        self.vars.get().and_then(|v| v.1.as_ref())
    }
}

/// Writes `activity_regularizer` (null when none).
pub(crate) fn write_activity_regularizer(c: &mut Config, r: Option<&Regularizer>) {
    c.insert(
        "activity_regularizer".into(),
        r.map_or(Value::Null, Regularizer::to_json),
    );
}

impl Layer for EinsumDense {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "EinsumDense"
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("output_shape".into(), shape_to_json(&self.output_shape));
        c.insert("equation".into(), json!(self.equation));
        c.insert("activation".into(), json!(self.activation.name()));
        c.insert("bias_axes".into(), json!(self.bias_axes));
        self.kernel.write_initializer(&mut c, "kernel");
        self.bias.write_initializer(&mut c, "bias");
        self.kernel.write_regularizer(&mut c, "kernel");
        self.bias.write_regularizer(&mut c, "bias");
        write_activity_regularizer(&mut c, self.base.activity_regularizer());
        self.kernel.write_constraint(&mut c, "kernel");
        self.bias.write_constraint(&mut c, "bias");
        c.insert("quantization_config".into(), Value::Null);
        c
    }
    fn build(&self, shapes: &[ShapeSpec]) -> Result<()> {
        let name = self.base.name();
        let s = analyze(
            &self.equation,
            self.bias_axes.as_deref(),
            &shapes[0],
            &self.output_shape,
        )?;
        let kernel_shape = concrete(&s.kernel, "kernel", name)?;
        let kernel_opts = WeightOptions {
            initializer: fan_adjusted(
                &self.kernel.initializer,
                &kernel_shape,
                &s.input_axes,
                &s.output_axes,
            ),
            ..self.kernel.clone()
        };
        let kernel = kernel_opts.add(&self.base, "kernel", &kernel_shape)?;
        let bias = match &s.bias {
            Some(b) => Some(
                self.bias
                    .add(&self.base, "bias", &concrete(b, "bias", name)?)?,
            ),
            None => None,
        };
        let _ = self.vars.set((kernel, bias));
        Ok(())
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        let (kernel, bias) = self.vars.get().expect("built before call");
        let x = &inputs[0];
        let mut y = ops::einsum(&self.equation, &[x, &kernel.value()]).map_err(|e| {
            keras_ops::Error::op(
                "EinsumDense",
                format!(
                    "layer {:?} cannot apply {:?} to input shape {} and kernel shape {}: {e}",
                    self.base.name(),
                    self.equation,
                    x.shape(),
                    kernel.shape()
                ),
            )
        })?;
        if let Some(b) = bias {
            y = ops::add(&y, b.value())?;
        }
        let y = self.activation.apply(&y)?;
        Ok(vec![y])
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let s = analyze(
            &self.equation,
            self.bias_axes.as_deref(),
            &inputs[0].shape,
            &self.output_shape,
        )?;
        Ok(vec![TensorSpec::new(s.output, self.base.compute_dtype())])
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

    fn shapes(eq: &str, bias: Option<&str>, input: ShapeSpec, out: ShapeSpec) -> EinsumShapes {
        analyze(eq, bias, &input, &out).unwrap()
    }

    #[test]
    fn config_matches_keras() {
        // keras.layers.EinsumDense("ab,bc->ac", output_shape=4, bias_axes="c").get_config()
        let expected = r#"{"name": "einsum_dense", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "output_shape": [4], "equation": "ab,bc->ac", "activation": "linear", "bias_axes": "c", "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null, "input_axes": null, "output_axes": null}, "registered_name": null}, "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null, "quantization_config": null}"#;
        let l = EinsumDense::new("ab,bc->ac", &[Some(4)])
            .bias_axes("c")
            .named("einsum_dense");
        let c = l.get_config();
        let keras: Config = serde_json::from_str(expected).unwrap();
        assert_eq!(c, keras);
        assert_eq!(EinsumDense::from_config(&c).unwrap().get_config(), c);
        // An int output_shape in a config reads as one dim.
        let mut c2 = c.clone();
        c2.insert("output_shape".into(), json!(4));
        assert_eq!(EinsumDense::from_config(&c2).unwrap().get_config(), c);
    }

    #[test]
    fn shapes_follow_keras() {
        // Keras's _analyze_einsum_string for these equations (keras/src/layers/core/
        // einsum_dense.py): (kernel, bias, output).
        let s = shapes("ab,bc->ac", Some("c"), vec![None, Some(3)], vec![Some(4)]);
        assert_eq!(
            (s.kernel, s.bias, s.output),
            (
                vec![Some(3), Some(4)],
                Some(vec![Some(4)]),
                vec![None, Some(4)]
            )
        );
        let s = shapes(
            "...b,bc->...c",
            Some("c"),
            vec![None, Some(5), Some(3)],
            vec![Some(4)],
        );
        assert_eq!(s.output, vec![None, Some(5), Some(4)]);
        assert_eq!(s.bias, Some(vec![Some(4)]));
        let s = shapes(
            "abc,cde->abde",
            Some("de"),
            vec![None, Some(5), Some(3)],
            vec![Some(5), Some(2), Some(4)],
        );
        assert_eq!(s.kernel, vec![Some(3), Some(2), Some(4)]);
        assert_eq!(s.bias, Some(vec![Some(2), Some(4)]));
        assert_eq!((s.input_axes, s.output_axes), (vec![0], vec![1, 2]));
        // Right-elided: bias gets trailing 1s.
        let s = shapes(
            "ab...,bc->ac...",
            Some("c"),
            vec![None, Some(3), Some(7)],
            vec![Some(4)],
        );
        assert_eq!(s.output, vec![None, Some(4), Some(7)]);
        assert_eq!(s.bias, Some(vec![Some(4), Some(1)]));
        let s = shapes(
            "abc,cd->abd",
            Some("b"),
            vec![None, Some(5), Some(3)],
            vec![Some(5), Some(4)],
        );
        assert_eq!(s.bias, Some(vec![Some(5), Some(1)]));
        assert!(analyze("ab->b", None, &vec![None, Some(2)], &vec![Some(2)]).is_err());
        assert!(analyze("ab,bc->ad", None, &vec![None, Some(2)], &vec![Some(2)]).is_err());
        assert!(analyze("ab,bc->ac", Some("x"), &vec![None, Some(2)], &vec![Some(2)]).is_err());
    }

    #[test]
    fn output_spec_and_numbers() {
        let l = EinsumDense::new("abc,cd->abd", &[Some(5), Some(2)]).bias_axes("d");
        let spec = TensorSpec::new(vec![None, Some(5), Some(3)], DType::F32);
        assert_eq!(
            l.compute_output_spec(&[spec]).unwrap()[0].shape,
            vec![None, Some(5), Some(2)]
        );
        let x = Tensor::from_vec((0..30).map(|v| v as f32).collect(), [2, 5, 3]).unwrap();
        l.forward(&x).unwrap();
        assert_eq!(l.weights().len(), 2);
        l.set_weights(&[
            Tensor::from_vec(vec![1.0f32, 0.0, 0.0, 1.0, 1.0, -1.0], [3, 2]).unwrap(),
            Tensor::from_vec(vec![0.5f32, -0.5], [2]).unwrap(),
        ])
        .unwrap();
        let y = l.forward(&x).unwrap().to_vec::<f32>().unwrap();
        // Row [0, 1, 2]: [0 + 2, 1 - 2] + bias.
        assert_eq!(&y[..2], &[2.5, -1.5]);
    }

    #[test]
    fn glorot_uses_equation_fans() {
        // Keras: fans from input_axes [0] (3) and output_axes [1, 2] (2·4 = 8), mean 5.5;
        // the default fans of shape [3, 2, 4] are (6, 12), mean 9, so the scale becomes 9/5.5.
        let init = fan_adjusted(&Initializer::glorot_uniform(), &[3, 2, 4], &[0], &[1, 2]);
        let Initializer::VarianceScaling { scale, .. } = init else {
            panic!("still VarianceScaling")
        };
        assert!((scale - 9.0 / 5.5).abs() < 1e-12);
        assert_eq!(
            fan_adjusted(&Initializer::Ones, &[3], &[0], &[]),
            Initializer::Ones
        );
    }
}
