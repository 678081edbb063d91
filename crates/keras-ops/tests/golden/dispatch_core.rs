//! Golden dispatch for elementwise math, binary ops, reductions, creation, layout and core.

use keras_ops::{ops, Result, Tensor, TypeArg};

use crate::call::Call;

/// Wraps one output.
fn one(t: Result<Tensor>) -> Option<Result<Vec<Tensor>>> {
    Some(t.map(|t| vec![t]))
}

pub fn dispatch(c: &Call) -> Option<Result<Vec<Tensor>>> {
    macro_rules! unary {
        ($f:path) => {
            one(c.tensor("x", 0).and_then(|x| $f(&x)))
        };
    }
    macro_rules! binary {
        ($f:path) => {
            one((|| $f(c.operand("x1", 0)?, c.operand("x2", 1)?))())
        };
    }
    macro_rules! reduce {
        ($f:path) => {
            one((|| {
                $f(
                    &c.tensor("x", 0)?,
                    c.axes("axis", 1)?,
                    c.bool_or("keepdims", 2, false),
                )
            })())
        };
    }
    match c.op {
        "exp" => unary!(ops::exp),
        "expm1" => unary!(ops::expm1),
        "log" => unary!(ops::log),
        "log1p" => unary!(ops::log1p),
        "sqrt" => unary!(ops::sqrt),
        "rsqrt" => unary!(ops::rsqrt),
        "sin" => unary!(ops::sin),
        "cos" => unary!(ops::cos),
        "tan" => unary!(ops::tan),
        "arcsin" => unary!(ops::arcsin),
        "arccos" => unary!(ops::arccos),
        "arctan" => unary!(ops::arctan),
        "sinh" => unary!(ops::sinh),
        "cosh" => unary!(ops::cosh),
        "tanh" => unary!(ops::tanh),
        "arcsinh" => unary!(ops::arcsinh),
        "arccosh" => unary!(ops::arccosh),
        "arctanh" => unary!(ops::arctanh),
        "erf" => unary!(ops::erf),
        "erfinv" => unary!(ops::erfinv),
        "sigmoid" => unary!(ops::sigmoid),
        "softplus" => unary!(ops::softplus),
        "reciprocal" => unary!(ops::reciprocal),
        "negative" => unary!(ops::negative),
        "absolute" => unary!(ops::absolute),
        "abs" => unary!(ops::abs),
        "square" => unary!(ops::square),
        "relu" => unary!(ops::relu),
        "sign" => unary!(ops::sign),
        "floor" => unary!(ops::floor),
        "ceil" => unary!(ops::ceil),
        "trunc" => unary!(ops::trunc),
        "logical_not" => unary!(ops::logical_not),
        "bitwise_invert" => unary!(ops::bitwise_invert),
        "bitwise_not" => unary!(ops::bitwise_not),
        "isnan" => unary!(ops::isnan),
        "isinf" => unary!(ops::isinf),
        "isfinite" => unary!(ops::isfinite),
        "ravel" => unary!(ops::ravel),
        "round" => one((|| {
            ops::round(&c.tensor("x", 0)?, c.i64_or("decimals", 1, 0) as i32)
        })()),
        "add" => binary!(ops::add),
        "subtract" => binary!(ops::subtract),
        "multiply" => binary!(ops::multiply),
        "divide" => binary!(ops::divide),
        "true_divide" => binary!(ops::true_divide),
        "power" => binary!(ops::power),
        "maximum" => binary!(ops::maximum),
        "minimum" => binary!(ops::minimum),
        "floor_divide" => binary!(ops::floor_divide),
        "mod" => binary!(ops::mod_),
        "arctan2" => binary!(ops::arctan2),
        "equal" => binary!(ops::equal),
        "not_equal" => binary!(ops::not_equal),
        "less" => binary!(ops::less),
        "less_equal" => binary!(ops::less_equal),
        "greater" => binary!(ops::greater),
        "greater_equal" => binary!(ops::greater_equal),
        "logical_and" => binary!(ops::logical_and),
        "logical_or" => binary!(ops::logical_or),
        "logical_xor" => binary!(ops::logical_xor),
        "bitwise_and" => one((|| {
            ops::bitwise_and(c.operand("x", 0)?, c.operand("y", 1)?)
        })()),
        "bitwise_or" => one((|| ops::bitwise_or(c.operand("x", 0)?, c.operand("y", 1)?))()),
        "bitwise_xor" => one((|| {
            ops::bitwise_xor(c.operand("x", 0)?, c.operand("y", 1)?)
        })()),
        "bitwise_left_shift" | "left_shift" => one((|| {
            ops::bitwise_left_shift(c.operand("x", 0)?, c.operand("y", 1)?)
        })()),
        "bitwise_right_shift" | "right_shift" => one((|| {
            ops::bitwise_right_shift(c.operand("x", 0)?, c.operand("y", 1)?)
        })()),
        "where" => match c.get("x1", 1) {
            None => Some((|| ops::nonzero(&c.tensor("condition", 0)?))()),
            Some(_) => one((|| {
                ops::where_(
                    &c.tensor("condition", 0)?,
                    c.operand("x1", 1)?,
                    c.operand("x2", 2)?,
                )
            })()),
        },
        "sum" => reduce!(ops::sum),
        "prod" => reduce!(ops::prod),
        "max" => one((|| {
            ops::max(
                &c.tensor("x", 0)?,
                c.axes("axis", 1)?,
                c.bool_or("keepdims", 2, false),
                c.opt_f64("initial", 3)?,
            )
        })()),
        "min" => one((|| {
            ops::min(
                &c.tensor("x", 0)?,
                c.axes("axis", 1)?,
                c.bool_or("keepdims", 2, false),
                c.opt_f64("initial", 3)?,
            )
        })()),
        "amax" => reduce!(ops::amax),
        "amin" => reduce!(ops::amin),
        "mean" => reduce!(ops::mean),
        "var" => reduce!(ops::var),
        "std" => reduce!(ops::std),
        "any" => reduce!(ops::any),
        "all" => reduce!(ops::all),
        "logsumexp" => reduce!(ops::logsumexp),
        "count_nonzero" => one((|| {
            ops::count_nonzero(&c.tensor("x", 0)?, c.axes("axis", 1)?)
        })()),
        "argmax" => one((|| {
            ops::argmax(
                &c.tensor("x", 0)?,
                c.opt_i64("axis", 1),
                c.bool_or("keepdims", 2, false),
            )
        })()),
        "argmin" => one((|| {
            ops::argmin(
                &c.tensor("x", 0)?,
                c.opt_i64("axis", 1),
                c.bool_or("keepdims", 2, false),
            )
        })()),
        "moments" => Some((|| {
            let (m, v) = ops::moments(
                &c.tensor("x", 0)?,
                c.axes("axes", 1)?,
                c.bool_or("keepdims", 2, false),
            )?;
            Ok(vec![m, v])
        })()),
        "zeros" => one((|| {
            ops::zeros(
                &c.shape("shape", 0)?,
                c.dtype("dtype", 1)?.unwrap_or(keras_ops::DType::F32),
            )
        })()),
        "ones" => one((|| {
            ops::ones(
                &c.shape("shape", 0)?,
                c.dtype("dtype", 1)?.unwrap_or(keras_ops::DType::F32),
            )
        })()),
        "empty" => one((|| {
            ops::empty(
                &c.shape("shape", 0)?,
                c.dtype("dtype", 1)?.unwrap_or(keras_ops::DType::F32),
            )
        })()),
        "full" => one((|| {
            let v = c.operand("fill_value", 1)?;
            let value = match v {
                ops::Operand::Int(i) => i as f64,
                ops::Operand::Float(f) => f,
                ops::Operand::Bool(b) => b as u8 as f64,
                ops::Operand::Tensor(t) => t.item()?,
            };
            ops::full(
                &c.shape("shape", 0)?,
                value,
                c.dtype("dtype", 2)?.unwrap_or(keras_ops::DType::F32),
            )
        })()),
        "zeros_like" => one((|| {
            let x = c.tensor("x", 0)?;
            ops::full_like(&x, 0.0, c.dtype("dtype", 1)?)
        })()),
        "ones_like" => one((|| {
            let x = c.tensor("x", 0)?;
            ops::full_like(&x, 1.0, c.dtype("dtype", 1)?)
        })()),
        "full_like" => one((|| {
            let x = c.tensor("x", 0)?;
            ops::full_like(&x, c.f64_or("fill_value", 1, 0.0)?, c.dtype("dtype", 2)?)
        })()),
        "arange" => one((|| {
            let any_float = ["start", "stop", "step"]
                .iter()
                .enumerate()
                .any(|(i, n)| c.get(n, i).is_some_and(|v| v.is_f64()));
            let dtype = c
                .dtype("dtype", 3)?
                .or(any_float.then_some(keras_ops::DType::F32));
            let start = c.f64_or("start", 0, 0.0)?;
            match c.opt_f64("stop", 1)? {
                Some(stop) => ops::arange(start, stop, c.f64_or("step", 2, 1.0)?, dtype),
                None => ops::arange(0.0, start, c.f64_or("step", 2, 1.0)?, dtype),
            }
        })()),
        "linspace" => one((|| {
            ops::linspace(
                c.f64_or("start", 0, 0.0)?,
                c.f64_or("stop", 1, 0.0)?,
                c.usize_or("num", 2, 50)?,
                c.bool_or("endpoint", 3, true),
                c.dtype("dtype", 5)?,
            )
        })()),
        "logspace" => one((|| {
            ops::logspace(
                c.f64_or("start", 0, 0.0)?,
                c.f64_or("stop", 1, 0.0)?,
                c.usize_or("num", 2, 50)?,
                c.bool_or("endpoint", 3, true),
                c.f64_or("base", 4, 10.0)?,
                c.dtype("dtype", 5)?,
            )
        })()),
        "eye" => one((|| {
            ops::eye(
                c.i64_or("N", 0, 1) as usize,
                c.opt_i64("M", 1).map(|m| m as usize),
                c.i64_or("k", 2, 0),
                c.dtype("dtype", 3)?,
            )
        })()),
        "identity" => one((|| {
            ops::identity(c.i64_or("n", 0, 1) as usize, c.dtype("dtype", 1)?)
        })()),
        "tri" => one((|| {
            ops::tri(
                c.i64_or("N", 0, 1) as usize,
                c.opt_i64("M", 1).map(|m| m as usize),
                c.i64_or("k", 2, 0),
                c.dtype("dtype", 3)?,
            )
        })()),
        "reshape" => one((|| {
            ops::reshape(
                &c.tensor("x", 0)?,
                c.i64_list("newshape", 1).unwrap_or_default(),
            )
        })()),
        "transpose" => one((|| {
            ops::transpose(&c.tensor("x", 0)?, c.i64_list("axes", 1).as_deref())
        })()),
        "broadcast_to" => one((|| {
            ops::broadcast_to(
                &c.tensor("x", 0)?,
                c.usize_list("shape", 1).unwrap_or_default(),
            )
        })()),
        "expand_dims" => one((|| {
            ops::expand_dims(&c.tensor("x", 0)?, c.axes("axis", 1)?)
        })()),
        "squeeze" => one((|| ops::squeeze(&c.tensor("x", 0)?, c.axes("axis", 1)?))()),
        "swapaxes" => one((|| {
            ops::swapaxes(
                &c.tensor("x", 0)?,
                c.i64_or("axis1", 1, 0),
                c.i64_or("axis2", 2, 0),
            )
        })()),
        "moveaxis" => one((|| {
            ops::moveaxis(
                &c.tensor("x", 0)?,
                &c.i64_list("source", 1).unwrap_or_default(),
                &c.i64_list("destination", 2).unwrap_or_default(),
            )
        })()),
        "concatenate" => one((|| {
            let xs = c.tensors("xs", 0)?;
            let axis = match c.kwargs.get("axis") {
                Some(serde_json::Value::Null) => None,
                _ => Some(c.i64_or("axis", 1, 0)),
            };
            ops::concatenate(&xs.iter().collect::<Vec<_>>(), axis)
        })()),
        "stack" => one((|| {
            let xs = c.tensors("x", 0)?;
            ops::stack(&xs.iter().collect::<Vec<_>>(), c.i64_or("axis", 1, 0))
        })()),
        "split" => Some((|| {
            let x = c.tensor("x", 0)?;
            let spec: ops::SplitSpec = match c.get("indices_or_sections", 1) {
                Some(serde_json::Value::Array(a)) => {
                    ops::SplitSpec::Indices(a.iter().map(|v| v.as_i64().unwrap_or(0)).collect())
                }
                Some(v) => ops::SplitSpec::Sections(v.as_u64().unwrap_or(1) as usize),
                None => ops::SplitSpec::Sections(1),
            };
            ops::split(&x, spec, c.i64_or("axis", 2, 0))
        })()),
        "result_type" => one((|| {
            let mut args = Vec::new();
            for v in c.args {
                args.push(match v {
                    serde_json::Value::String(s) => keras_ops::DType::parse(s)?.into(),
                    other => match other["py"].as_str() {
                        Some("int") => TypeArg::WeakInt,
                        Some("float") => TypeArg::WeakFloat,
                        _ => TypeArg::WeakBool,
                    },
                });
            }
            // Keras on JAX (x64 off) canonicalises 64-bit results to 32 bits.
            let d = match keras_ops::result_type(&args) {
                keras_ops::DType::F64 => keras_ops::DType::F32,
                keras_ops::DType::I64 => keras_ops::DType::I32,
                keras_ops::DType::U64 => keras_ops::DType::U32,
                d => d,
            };
            Tensor::scalar_of(0.0, d)
        })()),
        "cast" => one((|| {
            ops::cast(
                &c.tensor("x", 0)?,
                c.dtype("dtype", 1)?.unwrap_or(keras_ops::DType::F32),
            )
        })()),
        "stop_gradient" => one((|| Ok(ops::stop_gradient(&c.tensor("variable", 0)?)))()),
        _ => None,
    }
}
