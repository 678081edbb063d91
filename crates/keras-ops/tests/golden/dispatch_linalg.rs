//! Golden dispatch for products and contractions (`matmul`, `dot`, `einsum`, `tensordot`,
//! `inner`, `outer`, `vdot`, `trace`, `kron`, `cross`), convolutions and pooling.

use keras_ops::ops::{self, IntOrTuple, TensordotAxes};
use keras_ops::{Error, Result, Tensor};
use serde_json::Value;

use crate::call::Call;

/// Wraps one output.
fn one(t: Result<Tensor>) -> Option<Result<Vec<Tensor>>> {
    Some(t.map(|t| vec![t]))
}

/// An int-or-tuple argument, or `None` when absent.
fn int_or_tuple(c: &Call, name: &str, pos: usize) -> Option<IntOrTuple> {
    match c.get(name, pos)? {
        Value::Array(a) => Some(IntOrTuple::Tuple(
            a.iter().map(|v| v.as_u64().unwrap_or(0) as usize).collect(),
        )),
        v => v.as_u64().map(|v| IntOrTuple::Int(v as usize)),
    }
}

fn int_list(v: &Value) -> Vec<i64> {
    match v {
        Value::Array(a) => a.iter().map(|x| x.as_i64().unwrap_or(0)).collect(),
        other => vec![other.as_i64().unwrap_or(0)],
    }
}

/// `tensordot`'s `axes`: an int, or a pair of ints / int lists.
fn tensordot_axes(c: &Call) -> Result<TensordotAxes> {
    match c.get("axes", 2) {
        None => Ok(TensordotAxes::Count(2)),
        Some(Value::Array(pair)) if pair.len() == 2 => {
            Ok(TensordotAxes::Pairs(int_list(&pair[0]), int_list(&pair[1])))
        }
        Some(v) => v
            .as_u64()
            .map(|n| TensordotAxes::Count(n as usize))
            .ok_or_else(|| Error::msg(format!("tensordot: unsupported axes {v}"))),
    }
}

fn einsum(c: &Call) -> Result<Tensor> {
    let subscripts = c.args.first().and_then(Value::as_str).unwrap_or("");
    let operands = (1..c.args.len())
        .map(|i| c.tensor("operands", i))
        .collect::<Result<Vec<_>>>()?;
    ops::einsum(subscripts, &operands.iter().collect::<Vec<_>>())
}

fn conv_like(c: &Call) -> Result<Tensor> {
    let x = c.tensor("inputs", 0)?;
    let k = c.tensor("kernel", 1)?;
    let strides = int_or_tuple(c, "strides", 2).unwrap_or(IntOrTuple::Int(1));
    let padding = c.str_or("padding", 3, "valid");
    let data_format = c.get("data_format", 4).and_then(Value::as_str);
    let dilation = int_or_tuple(c, "dilation_rate", 5).unwrap_or(IntOrTuple::Int(1));
    if c.op == "conv" {
        ops::conv(&x, &k, strides, padding, data_format, dilation)
    } else {
        ops::depthwise_conv(&x, &k, strides, padding, data_format, dilation)
    }
}

fn conv_transpose(c: &Call) -> Result<Tensor> {
    ops::conv_transpose(
        &c.tensor("inputs", 0)?,
        &c.tensor("kernel", 1)?,
        int_or_tuple(c, "strides", 2).unwrap_or(IntOrTuple::Int(1)),
        c.str_or("padding", 3, "valid"),
        int_or_tuple(c, "output_padding", 4),
        c.get("data_format", 5).and_then(Value::as_str),
        int_or_tuple(c, "dilation_rate", 6).unwrap_or(IntOrTuple::Int(1)),
    )
}

fn separable_conv(c: &Call) -> Result<Tensor> {
    ops::separable_conv(
        &c.tensor("inputs", 0)?,
        &c.tensor("depthwise_kernel", 1)?,
        &c.tensor("pointwise_kernel", 2)?,
        int_or_tuple(c, "strides", 3).unwrap_or(IntOrTuple::Int(1)),
        c.str_or("padding", 4, "valid"),
        c.get("data_format", 5).and_then(Value::as_str),
        int_or_tuple(c, "dilation_rate", 6).unwrap_or(IntOrTuple::Int(1)),
    )
}

fn pool(c: &Call) -> Result<Tensor> {
    let x = c.tensor("inputs", 0)?;
    let size = int_or_tuple(c, "pool_size", 1)
        .ok_or_else(|| Error::msg(format!("{}: fixture lacks pool_size", c.op)))?;
    let strides = int_or_tuple(c, "strides", 2);
    let padding = c.str_or("padding", 3, "valid");
    let data_format = c.get("data_format", 4).and_then(Value::as_str);
    if c.op == "max_pool" {
        ops::max_pool(&x, size, strides, padding, data_format)
    } else {
        ops::average_pool(&x, size, strides, padding, data_format)
    }
}

pub fn dispatch(c: &Call) -> Option<Result<Vec<Tensor>>> {
    macro_rules! pair {
        ($f:path) => {
            one((|| $f(&c.tensor("x1", 0)?, &c.tensor("x2", 1)?))())
        };
    }
    match c.op {
        "matmul" => pair!(ops::matmul),
        "dot" => pair!(ops::dot),
        "inner" => pair!(ops::inner),
        "outer" => pair!(ops::outer),
        "vdot" => pair!(ops::vdot),
        "kron" => pair!(ops::kron),
        "einsum" => one(einsum(c)),
        "tensordot" => one((|| {
            ops::tensordot(&c.tensor("x1", 0)?, &c.tensor("x2", 1)?, tensordot_axes(c)?)
        })()),
        "trace" => one((|| {
            ops::trace(
                &c.tensor("x", 0)?,
                c.i64_or("offset", 1, 0),
                c.i64_or("axis1", 2, 0),
                c.i64_or("axis2", 3, 1),
            )
        })()),
        "cross" => one((|| {
            ops::cross(
                &c.tensor("x1", 0)?,
                &c.tensor("x2", 1)?,
                c.i64_or("axisa", 2, -1),
                c.i64_or("axisb", 3, -1),
                c.i64_or("axisc", 4, -1),
                c.opt_i64("axis", 5),
            )
        })()),
        "conv" | "depthwise_conv" => one(conv_like(c)),
        "conv_transpose" => one(conv_transpose(c)),
        "separable_conv" => one(separable_conv(c)),
        "max_pool" | "average_pool" => one(pool(c)),
        _ => None,
    }
}
