//! Golden dispatch for indexing, scattering, slicing, padding, tiling and flipping ops.

use keras_ops::ops::{self, Index, PadWidth};
use keras_ops::{Axes, Error, Result, Tensor};
use serde_json::Value;

use crate::call::Call;

/// Wraps one output.
fn one(t: Result<Tensor>) -> Option<Result<Vec<Tensor>>> {
    Some(t.map(|t| vec![t]))
}

/// A (possibly nested) JSON list of integers as an int32 tensor.
fn int_list_tensor(v: &Value) -> Result<Tensor> {
    fn walk(v: &Value, depth: usize, shape: &mut Vec<usize>, out: &mut Vec<i32>) -> Result<()> {
        match v {
            Value::Array(items) => {
                if shape.len() == depth {
                    shape.push(items.len());
                }
                items
                    .iter()
                    .try_for_each(|x| walk(x, depth + 1, shape, out))
            }
            other => {
                out.push(
                    other
                        .as_i64()
                        .ok_or_else(|| Error::msg(format!("not an integer: {other}")))?
                        as i32,
                );
                Ok(())
            }
        }
    }
    let (mut shape, mut data) = (Vec::new(), Vec::new());
    walk(v, 0, &mut shape, &mut data)?;
    Tensor::from_vec(data, shape)
}

/// An index-like argument: a tensor, a nested integer list or a scalar.
fn index_tensor(c: &Call, name: &str, pos: usize) -> Result<Tensor> {
    match c.get(name, pos) {
        Some(v @ Value::Array(_)) => int_list_tensor(v),
        _ => c.tensor(name, pos),
    }
}

/// Integers given as a list, a scalar or an integer tensor.
fn ints(c: &Call, name: &str, pos: usize) -> Result<Vec<i64>> {
    match c.get(name, pos) {
        Some(Value::Object(_)) => c.tensor(name, pos)?.to_vec::<i64>(),
        _ => c
            .i64_list(name, pos)
            .ok_or_else(|| Error::msg(format!("{}: missing integer list {name:?}", c.op))),
    }
}

fn usizes(c: &Call, name: &str, pos: usize) -> Result<Vec<usize>> {
    Ok(ints(c, name, pos)?
        .into_iter()
        .map(|v| v.max(0) as usize)
        .collect())
}

/// A get_item key: a list of ints, `{"slice": [a, b, c]}`, `{"newaxis": true}` and
/// `{"ellipsis": true}`.
fn index_key(v: &Value) -> Result<Vec<Index>> {
    let bad = || Error::msg(format!("bad get_item key {v}"));
    v.as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|it| {
            if let Some(i) = it.as_i64() {
                return Ok(Index::Int(i));
            }
            if let Some(s) = it.get("slice").and_then(Value::as_array) {
                let b = |k: usize| s.get(k).and_then(Value::as_i64);
                return Ok(Index::Slice(b(0), b(1), b(2)));
            }
            if it.get("newaxis").is_some() {
                return Ok(Index::NewAxis);
            }
            if it.get("ellipsis").is_some() {
                return Ok(Index::Ellipsis);
            }
            Err(bad())
        })
        .collect()
}

/// A pad_width: an int, `[n]`, `[before, after]`, or a list of pairs.
fn pad_width(v: &Value) -> Result<PadWidth> {
    let bad = || Error::msg(format!("bad pad_width {v}"));
    let u = |x: &Value| x.as_u64().map(|n| n as usize).ok_or_else(bad);
    match v {
        Value::Array(items) if items.iter().all(Value::is_array) => items
            .iter()
            .map(|p| match p.as_array().map(Vec::as_slice) {
                Some([n]) => Ok((u(n)?, u(n)?)),
                Some([b, a]) => Ok((u(b)?, u(a)?)),
                _ => Err(bad()),
            })
            .collect::<Result<Vec<_>>>()
            .map(PadWidth),
        Value::Array(items) => match items.as_slice() {
            [n] => Ok(PadWidth::from(u(n)?)),
            [b, a] => Ok(PadWidth::from((u(b)?, u(a)?))),
            _ => Err(bad()),
        },
        n => Ok(PadWidth::from(u(n)?)),
    }
}

fn refs(ts: &[Tensor]) -> Vec<&Tensor> {
    ts.iter().collect()
}

pub fn dispatch(c: &Call) -> Option<Result<Vec<Tensor>>> {
    match c.op {
        "take" => one((|| {
            ops::take(
                &c.tensor("x", 0)?,
                &index_tensor(c, "indices", 1)?,
                c.opt_i64("axis", 2),
            )
        })()),
        "take_along_axis" => one((|| {
            ops::take_along_axis(
                &c.tensor("x", 0)?,
                &index_tensor(c, "indices", 1)?,
                c.opt_i64("axis", 2),
            )
        })()),
        "scatter" => one((|| {
            ops::scatter(
                &index_tensor(c, "indices", 0)?,
                &c.tensor("values", 1)?,
                &usizes(c, "shape", 2)?,
            )
        })()),
        "scatter_update" => one((|| {
            let reduction = c.get("reduction", 3).and_then(Value::as_str);
            ops::scatter_update(
                &c.tensor("inputs", 0)?,
                &index_tensor(c, "indices", 1)?,
                &c.tensor("updates", 2)?,
                reduction,
            )
        })()),
        "slice" => one((|| {
            ops::slice(
                &c.tensor("inputs", 0)?,
                &ints(c, "start_indices", 1)?,
                &ints(c, "shape", 2)?,
            )
        })()),
        "slice_update" => one((|| {
            ops::slice_update(
                &c.tensor("inputs", 0)?,
                &ints(c, "start_indices", 1)?,
                &c.tensor("updates", 2)?,
            )
        })()),
        "get_item" => one((|| {
            let key = c
                .get("key", 1)
                .ok_or_else(|| Error::msg("get_item: missing key"))?;
            ops::get_item(&c.tensor("x", 0)?, &index_key(key)?)
        })()),
        "one_hot" => one((|| {
            ops::one_hot(
                &c.tensor("x", 0)?,
                c.i64_or("num_classes", 1, 0) as usize,
                c.i64_or("axis", 2, -1),
                c.dtype("dtype", 3)?,
            )
        })()),
        "multi_hot" => one((|| {
            ops::multi_hot(
                &c.tensor("inputs", 0)?,
                c.i64_or("num_classes", 1, 0) as usize,
                c.i64_or("axis", 2, -1),
                c.dtype("dtype", 3)?,
            )
        })()),
        "tril" => one((|| ops::tril(&c.tensor("x", 0)?, c.i64_or("k", 1, 0)))()),
        "triu" => one((|| ops::triu(&c.tensor("x", 0)?, c.i64_or("k", 1, 0)))()),
        "diag" => one((|| ops::diag(&c.tensor("x", 0)?, c.i64_or("k", 1, 0)))()),
        "diagflat" => one((|| ops::diagflat(&c.tensor("x", 0)?, c.i64_or("k", 1, 0)))()),
        "diagonal" => one((|| {
            ops::diagonal(
                &c.tensor("x", 0)?,
                c.i64_or("offset", 1, 0),
                c.i64_or("axis1", 2, 0),
                c.i64_or("axis2", 3, 1),
            )
        })()),
        "nonzero" => Some((|| ops::nonzero(&c.tensor("x", 0)?))()),
        "select" => one((|| {
            let conds = c.tensors("condlist", 0)?;
            let choices = c.tensors("choicelist", 1)?;
            let default = match c.get("default", 2) {
                Some(_) => c.operand("default", 2)?,
                None => ops::Operand::Int(0),
            };
            ops::select(&refs(&conds), &refs(&choices), default)
        })()),
        "pad" => one((|| {
            let width = pad_width(
                c.get("pad_width", 1)
                    .ok_or_else(|| Error::msg("pad: missing pad_width"))?,
            )?;
            ops::pad(
                &c.tensor("x", 0)?,
                width,
                c.str_or("mode", 2, "constant"),
                c.opt_f64("constant_values", 3)?,
            )
        })()),
        "tile" => one((|| {
            ops::tile(&c.tensor("x", 0)?, &usizes(c, "repeats", 1)?)
        })()),
        "repeat" => one((|| {
            ops::repeat(
                &c.tensor("x", 0)?,
                &usizes(c, "repeats", 1)?,
                c.opt_i64("axis", 2),
            )
        })()),
        "flip" => one((|| ops::flip(&c.tensor("x", 0)?, c.axes("axis", 1)?))()),
        "fliplr" => one((|| ops::fliplr(&c.tensor("x", 0)?))()),
        "flipud" => one((|| ops::flipud(&c.tensor("x", 0)?))()),
        "rot90" => one((|| {
            let axes = c.i64_list("axes", 2).unwrap_or_else(|| vec![0, 1]);
            let axes: [i64; 2] = axes
                .try_into()
                .map_err(|_| Error::msg("rot90: axes must be a pair"))?;
            ops::rot90(&c.tensor("array", 0)?, c.i64_or("k", 1, 1), axes)
        })()),
        "roll" => one((|| {
            let axis = match c.get("axis", 2) {
                None => Axes::All,
                Some(_) => c.axes("axis", 2)?,
            };
            ops::roll(&c.tensor("x", 0)?, &ints(c, "shift", 1)?, axis)
        })()),
        "hstack" => one((|| ops::hstack(&refs(&c.tensors("xs", 0)?)))()),
        "vstack" => one((|| ops::vstack(&refs(&c.tensors("xs", 0)?)))()),
        "dstack" => one((|| ops::dstack(&refs(&c.tensors("xs", 0)?)))()),
        "append" => one((|| {
            ops::append(
                &c.tensor("x1", 0)?,
                &c.tensor("x2", 1)?,
                c.opt_i64("axis", 2),
            )
        })()),
        "meshgrid" => Some((|| {
            let xs = (0..c.args.len())
                .map(|i| c.tensor("", i))
                .collect::<Result<Vec<_>>>()?;
            ops::meshgrid(&refs(&xs), c.str_or("indexing", usize::MAX, "xy"))
        })()),
        _ => None,
    }
}
