//! `keras.ops` calls recorded in a Functional graph (Keras's `Operation` nodes). Keras
//! writes them into `config.json` next to the layers: a layer whose `call` takes a mask
//! records the mask it received as an argument, and that mask was computed by ops, e.g.
//! `NotEqual` for `Embedding(mask_zero=True)`, `NotEqual` + `Any` for `Masking`, and
//! `ExpandDims`, `ZerosLike`, `LogicalOr`, `Concatenate`, `Any` for a masked `Concatenate`.

use keras_backend::bail;
use keras_ops::ops::{self, Operand};
use keras_ops::{Axes, DType, Error, Result, Tensor};
use serde_json::Value;

use crate::layers::{CallArgs, Layer, LayerBase, TensorSpec};
use crate::saving::object::Config;

/// One positional argument of an operation's call: a tensor, a list of `n` tensors, or a
/// constant (`ops.not_equal(x, 0)` records the `0`).
#[derive(Clone, Debug, PartialEq)]
pub(super) enum OpArg {
    /// One tensor.
    Tensor,
    /// A list of this many tensors.
    Tensors(usize),
    /// A constant, as written in the config.
    Const(Value),
}

impl OpArg {
    /// How many input tensors the argument takes.
    fn width(&self) -> usize {
        match self {
            OpArg::Tensor => 1,
            OpArg::Tensors(n) => *n,
            OpArg::Const(_) => 0,
        }
    }
}

/// An argument with its tensors filled in.
enum Filled<'a> {
    One(&'a Tensor),
    Many(&'a [Tensor]),
    Const(&'a Value),
}

type OpFn = fn(&Operation, &[Filled]) -> Result<Tensor>;

/// The op classes that load, by Keras class name.
fn op_fn(class: &str) -> Option<OpFn> {
    let f: OpFn = match class {
        "NotEqual" => |op, a| ops::not_equal(op.operand(a, 0)?, op.operand(a, 1)?),
        "Equal" => |op, a| ops::equal(op.operand(a, 0)?, op.operand(a, 1)?),
        "LogicalOr" => |op, a| ops::logical_or(op.operand(a, 0)?, op.operand(a, 1)?),
        "LogicalAnd" => |op, a| ops::logical_and(op.operand(a, 0)?, op.operand(a, 1)?),
        "Any" => |op, a| ops::any(op.tensor(a, 0)?, op.axis()?, op.flag("keepdims")?),
        "All" => |op, a| ops::all(op.tensor(a, 0)?, op.axis()?, op.flag("keepdims")?),
        "ExpandDims" => |op, a| ops::expand_dims(op.tensor(a, 0)?, op.axis()?),
        "Concatenate" => |op, a| {
            let Some(Filled::Many(ts)) = a.first() else {
                bail!(&op.what(), "expects a list of tensors");
            };
            let refs: Vec<&Tensor> = ts.iter().collect();
            ops::concatenate(&refs, Some(op.int("axis")?))
        },
        "OnesLike" => |op, a| {
            let x = op.tensor(a, 0)?;
            ops::cast(&ops::ones_like(x)?, op.dtype_or(x.dtype())?)
        },
        "ZerosLike" => |op, a| {
            let x = op.tensor(a, 0)?;
            ops::cast(&ops::zeros_like(x)?, op.dtype_or(x.dtype())?)
        },
        _ => return None,
    };
    Some(f)
}

/// Whether a serialized object is a `keras.ops` operation (`module` `keras.src.ops.*`).
pub(super) fn is_operation(obj: &Value) -> bool {
    obj.get("module")
        .and_then(Value::as_str)
        .is_some_and(|m| m.starts_with("keras.src.ops."))
}

/// A `keras.ops` call in a Functional graph, loaded from Keras's config. It has no weights
/// and is not one of the model's `layers` (as in Keras).
pub(crate) struct Operation {
    base: LayerBase,
    class_name: String,
    module: String,
    config: Config,
    args: Vec<OpArg>,
    function: OpFn,
}

impl Operation {
    /// The operation of a config entry (`module`, `class_name`, `config`) called with `args`
    /// (its node's positional arguments); an error naming the class when it is not supported.
    pub(super) fn from_config(obj: &Value, args: Vec<OpArg>) -> Result<Operation> {
        let class_name = obj
            .get("class_name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let module = obj
            .get("module")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let Some(function) = op_fn(&class_name) else {
            bail!(
                "Functional",
                "the keras.ops operation {module}.{class_name} in the model's graph is not \
                 supported"
            );
        };
        let config = obj
            .get("config")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let name = config.get("name").and_then(Value::as_str);
        Ok(Operation {
            base: LayerBase::new(&class_name, name).built_at_construction(),
            class_name,
            module,
            config,
            args,
            function,
        })
    }

    /// The call's positional arguments (tensors as placeholders).
    pub(super) fn args(&self) -> &[OpArg] {
        &self.args
    }

    fn what(&self) -> String {
        format!("{} {:?}", self.class_name, self.base.name())
    }

    fn tensor<'a>(&self, a: &'a [Filled], i: usize) -> Result<&'a Tensor> {
        match a.get(i) {
            Some(Filled::One(t)) => Ok(t),
            _ => bail!(&self.what(), "argument {i} must be a tensor"),
        }
    }

    /// Argument `i` as an operand: a tensor or a number / bool constant.
    fn operand(&self, a: &[Filled], i: usize) -> Result<Operand> {
        Ok(match a.get(i) {
            Some(Filled::One(t)) => Operand::from(*t),
            Some(Filled::Const(Value::Bool(b))) => Operand::Bool(*b),
            Some(Filled::Const(Value::Number(n))) if n.is_i64() => {
                Operand::Int(n.as_i64().unwrap_or_default())
            }
            Some(Filled::Const(Value::Number(n))) => Operand::Float(n.as_f64().unwrap_or_default()),
            _ => bail!(&self.what(), "argument {i} must be a tensor or a number"),
        })
    }

    fn config_err(&self, key: &str) -> Error {
        Error::op(
            &self.what(),
            format!("bad config value {key:?}: {:?}", self.config.get(key)),
        )
    }

    /// `axis`: null (all axes), an integer or a list of integers.
    fn axis(&self) -> Result<Axes> {
        match self.config.get("axis") {
            None | Some(Value::Null) => Ok(Axes::All),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Axes::from)
                .ok_or_else(|| self.config_err("axis")),
            Some(Value::Array(v)) => v
                .iter()
                .map(|a| a.as_i64().ok_or_else(|| self.config_err("axis")))
                .collect::<Result<Vec<i64>>>()
                .map(Axes::from),
            Some(_) => Err(self.config_err("axis")),
        }
    }

    fn int(&self, key: &str) -> Result<i64> {
        self.config
            .get(key)
            .and_then(Value::as_i64)
            .ok_or_else(|| self.config_err(key))
    }

    fn flag(&self, key: &str) -> Result<bool> {
        match self.config.get(key) {
            None => Ok(false),
            Some(v) => v.as_bool().ok_or_else(|| self.config_err(key)),
        }
    }

    /// `dtype`, or `default` when it is null.
    fn dtype_or(&self, default: DType) -> Result<DType> {
        match self.config.get("dtype") {
            None | Some(Value::Null) => Ok(default),
            Some(Value::String(s)) => DType::parse(s),
            Some(_) => Err(self.config_err("dtype")),
        }
    }

    /// Runs the operation on the node's tensors (in argument order).
    fn run(&self, inputs: &[Tensor]) -> Result<Tensor> {
        let mut rest = inputs;
        let mut filled = Vec::with_capacity(self.args.len());
        let expected: usize = self.args.iter().map(OpArg::width).sum();
        if inputs.len() != expected {
            bail!(
                &self.what(),
                "expects {expected} input tensors, got {}",
                inputs.len()
            );
        }
        for arg in &self.args {
            let n = arg.width();
            let (taken, tail) = rest.split_at(n);
            rest = tail;
            filled.push(match arg {
                OpArg::Tensor => Filled::One(&taken[0]),
                OpArg::Tensors(_) => Filled::Many(taken),
                OpArg::Const(v) => Filled::Const(v),
            });
        }
        (self.function)(self, &filled)
    }
}

impl Layer for Operation {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        &self.class_name
    }
    fn module(&self) -> &str {
        &self.module
    }
    fn registered_name(&self) -> Option<String> {
        Some(self.class_name.clone())
    }
    /// The op's own config as Keras wrote it (`name` and the op's arguments; no `dtype`).
    fn get_config(&self) -> Config {
        self.config.clone()
    }
    fn converts_input_args(&self) -> bool {
        false
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        Ok(vec![self.run(inputs)?])
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        crate::layers::probe_output_specs(&self.what(), inputs, |xs| Ok(vec![self.run(xs)?]))
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::LayerExt;
    use serde_json::json;

    #[test]
    fn masking_ops_compute_as_keras() {
        let ne = Operation::from_config(
            &json!({"module": "keras.src.ops.numpy", "class_name": "NotEqual",
                    "config": {"name": "not_equal"}}),
            vec![OpArg::Tensor, OpArg::Const(json!(0))],
        )
        .unwrap();
        let x = Tensor::from_vec(vec![3i32, 0, 5, 0], [2, 2]).unwrap();
        let m = ne
            .call_with(&[x], &CallArgs::inference())
            .unwrap()
            .remove(0);
        assert_eq!(m.to_vec::<i32>().unwrap(), vec![1, 0, 1, 0]);
        let any = Operation::from_config(
            &json!({"module": "keras.src.ops.numpy", "class_name": "Any",
                    "config": {"name": "any", "axis": -1, "keepdims": false}}),
            vec![OpArg::Tensor],
        )
        .unwrap();
        let a = any
            .call_with(&[m], &CallArgs::inference())
            .unwrap()
            .remove(0);
        assert_eq!(
            (a.dims(), a.to_vec::<i32>().unwrap()),
            (&[2][..], vec![1, 1])
        );
        let spec = any
            .compute_output_spec(&[TensorSpec::new(vec![None, Some(3)], DType::Bool)])
            .unwrap();
        assert_eq!(spec[0].shape, vec![None]);
    }

    #[test]
    fn unsupported_ops_are_named() {
        let err = Operation::from_config(
            &json!({"module": "keras.src.ops.numpy", "class_name": "Einsum", "config": {}}),
            vec![],
        )
        .err()
        .unwrap();
        assert!(
            err.to_string().contains("keras.src.ops.numpy.Einsum"),
            "{err}"
        );
    }
}
