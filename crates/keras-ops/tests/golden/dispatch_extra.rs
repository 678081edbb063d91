//! Golden dispatch for the extra ops: NumPy extras, conversions, splits, segment
//! reductions, windows, counting, signal, image layout, adaptive pooling, CTC, attention.

use keras_ops::ops::{self, ArrayLike, IntOrTuple, SplitSpec};
use keras_ops::{Error, Result, Tensor};
use serde_json::Value;

use crate::call::{parse_tensor, Call};

/// Wraps one output.
fn one(t: Result<Tensor>) -> Option<Result<Vec<Tensor>>> {
    Some(t.map(|t| vec![t]))
}

/// Wraps a pair of outputs.
fn pair(t: Result<(Tensor, Tensor)>) -> Option<Result<Vec<Tensor>>> {
    Some(t.map(|(a, b)| vec![a, b]))
}

/// A fixture value as a Python-like value.
fn array_like(v: &Value) -> Result<ArrayLike> {
    Ok(match v {
        Value::Bool(b) => ArrayLike::Bool(*b),
        Value::Number(n) if n.is_i64() || n.is_u64() => ArrayLike::Int(n.as_i64().unwrap_or(0)),
        Value::Number(n) => ArrayLike::Float(n.as_f64().unwrap_or(f64::NAN)),
        Value::Array(items) => {
            ArrayLike::List(items.iter().map(array_like).collect::<Result<_>>()?)
        }
        Value::Object(_) if v.get("tensor").is_some() => {
            ArrayLike::Tensor(parse_tensor(&v["tensor"])?)
        }
        other => return Err(Error::msg(format!("not an array-like value: {other}"))),
    })
}

impl Call<'_> {
    fn split_spec(&self, name: &str, pos: usize) -> Result<SplitSpec> {
        match self.get(name, pos) {
            Some(Value::Array(a)) => Ok(SplitSpec::Indices(
                a.iter().map(|x| x.as_i64().unwrap_or(0)).collect(),
            )),
            Some(v) => Ok(SplitSpec::Sections(v.as_u64().unwrap_or(0) as usize)),
            None => Err(Error::msg(format!("{}: missing {name}", self.op))),
        }
    }

    fn int_or_tuple(&self, name: &str, pos: usize, default: usize) -> IntOrTuple {
        match self.get(name, pos) {
            Some(Value::Array(a)) => {
                IntOrTuple::Tuple(a.iter().map(|x| x.as_u64().unwrap_or(0) as usize).collect())
            }
            Some(v) => IntOrTuple::Int(v.as_u64().unwrap_or(0) as usize),
            None => IntOrTuple::Int(default),
        }
    }

    fn opt_usize(&self, name: &str, pos: usize) -> Option<usize> {
        self.opt_i64(name, pos).map(|v| v.max(0) as usize)
    }
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
    macro_rules! segment {
        ($f:path) => {
            one((|| {
                $f(
                    &c.tensor("data", 0)?,
                    &c.tensor("segment_ids", 1)?,
                    c.opt_usize("num_segments", 2),
                    c.bool_or("sorted", 3, false),
                )
            })())
        };
    }
    macro_rules! split {
        ($f:path) => {
            Some((|| {
                $f(&c.tensor("x", 0)?, c.split_spec("indices_or_sections", 1)?)
            })())
        };
    }
    macro_rules! window {
        ($f:path) => {
            one($f(c.i64_or("x", 0, 0)))
        };
    }
    macro_rules! adaptive {
        ($f:path) => {
            one((|| {
                $f(
                    &c.tensor("inputs", 0)?,
                    c.int_or_tuple("output_size", 1, 1),
                    c.get("data_format", 2).and_then(Value::as_str),
                )
            })())
        };
    }
    match c.op {
        "fabs" => unary!(ops::fabs),
        "copy" => unary!(ops::copy),
        "angle" => unary!(ops::angle),
        "isneginf" => unary!(ops::isneginf),
        "isposinf" => unary!(ops::isposinf),
        "isreal" => unary!(ops::isreal),
        "erfc" => unary!(ops::erfc),
        "i0" => unary!(ops::i0),
        "corrcoef" => unary!(ops::corrcoef),
        "fmax" => binary!(ops::fmax),
        "fmin" => binary!(ops::fmin),
        "logaddexp2" => binary!(ops::logaddexp2),
        "gcd" => binary!(ops::gcd),
        "lcm" => binary!(ops::lcm),
        "ldexp" => binary!(ops::ldexp),
        "nextafter" => binary!(ops::nextafter),
        "saturate_cast" => one((|| {
            let d = c
                .dtype("dtype", 1)?
                .ok_or_else(|| Error::msg("saturate_cast: missing dtype"))?;
            ops::saturate_cast(&c.tensor("x", 0)?, d)
        })()),
        "convert_to_tensor" | "array" => one((|| {
            let x = c.get("x", 0).ok_or_else(|| Error::msg("missing x"))?;
            ops::convert_to_tensor(array_like(x)?, c.dtype("dtype", 1)?)
        })()),
        "view" => one((|| ops::view(&c.tensor("x", 0)?, c.dtype("dtype", 1)?))()),
        "unstack" => Some((|| {
            ops::unstack(
                &c.tensor("x", 0)?,
                c.opt_usize("num", 1),
                c.i64_or("axis", 2, 0),
            )
        })()),
        "array_split" => Some((|| {
            ops::array_split(
                &c.tensor("x", 0)?,
                c.split_spec("indices_or_sections", 1)?,
                c.i64_or("axis", 2, 0),
            )
        })()),
        "hsplit" => split!(ops::hsplit),
        "vsplit" => split!(ops::vsplit),
        "dsplit" => split!(ops::dsplit),
        "segment_sum" => segment!(ops::segment_sum),
        "segment_max" => segment!(ops::segment_max),
        "segment_min" => segment!(ops::segment_min),
        "segment_prod" => segment!(ops::segment_prod),
        "nanargmax" | "nanargmin" => one((|| {
            let f = if c.op == "nanargmax" {
                ops::nanargmax
            } else {
                ops::nanargmin
            };
            f(
                &c.tensor("x", 0)?,
                c.opt_i64("axis", 1),
                c.bool_or("keepdims", 2, false),
            )
        })()),
        "trapezoid" => one((|| {
            let x = c.opt_tensor("x", 1)?;
            ops::trapezoid(
                &c.tensor("y", 0)?,
                x.as_ref(),
                c.f64_or("dx", 2, 1.0)?,
                c.i64_or("axis", 3, -1),
            )
        })()),
        "geomspace" => one((|| {
            ops::geomspace(
                c.operand("start", 0)?,
                c.operand("stop", 1)?,
                c.usize_or("num", 2, 50)?,
                c.bool_or("endpoint", 3, true),
                c.dtype("dtype", 4)?,
                c.i64_or("axis", 5, 0),
            )
        })()),
        "bartlett" => window!(ops::bartlett),
        "blackman" => window!(ops::blackman),
        "hamming" => window!(ops::hamming),
        "hanning" => window!(ops::hanning),
        "kaiser" => one((|| {
            ops::kaiser(c.i64_or("x", 0, 0), c.f64_or("beta", 1, 0.0)?)
        })()),
        "vander" => one((|| {
            ops::vander(
                &c.tensor("x", 0)?,
                c.opt_usize("N", 1),
                c.bool_or("increasing", 2, false),
            )
        })()),
        "digitize" => one((|| {
            ops::digitize(&c.tensor("x", 0)?, &c.tensor("bins", 1)?)
        })()),
        "isin" => one((|| {
            ops::isin(
                &c.tensor("x1", 0)?,
                &c.tensor("x2", 1)?,
                c.bool_or("assume_unique", 2, false),
                c.bool_or("invert", 3, false),
            )
        })()),
        "bincount" => one((|| {
            let w = c.opt_tensor("weights", 1)?;
            ops::bincount(
                &c.tensor("x", 0)?,
                w.as_ref(),
                c.usize_or("minlength", 2, 0)?,
            )
        })()),
        "unravel_index" => Some((|| {
            let shape = c
                .usize_list("shape", 1)
                .ok_or_else(|| Error::msg("unravel_index: missing shape"))?;
            ops::unravel_index(&c.tensor("indices", 0)?, &shape)
        })()),
        "histogram" => pair((|| {
            let range = match c.get("range", 2) {
                Some(Value::Array(r)) if r.len() == 2 => {
                    Some((r[0].as_f64().unwrap_or(0.0), r[1].as_f64().unwrap_or(0.0)))
                }
                _ => None,
            };
            ops::histogram(&c.tensor("x", 0)?, c.usize_or("bins", 1, 10)?, range)
        })()),
        "psnr" => one((|| {
            ops::psnr(
                &c.tensor("x1", 0)?,
                &c.tensor("x2", 1)?,
                c.f64_or("max_val", 2, 1.0)?,
            )
        })()),
        "correlate" => one((|| {
            ops::correlate(
                &c.tensor("x1", 0)?,
                &c.tensor("x2", 1)?,
                c.str_or("mode", 2, "valid"),
            )
        })()),
        "cdist" => one((|| ops::cdist(&c.tensor("x", 0)?, &c.tensor("y", 1)?))()),
        "depth_to_space" | "space_to_depth" => one((|| {
            let f = if c.op == "depth_to_space" {
                ops::depth_to_space
            } else {
                ops::space_to_depth
            };
            f(
                &c.tensor("x", 0)?,
                c.usize_or("block_size", 1, 2)?,
                c.str_or("data_format", 2, "channels_last"),
            )
        })()),
        "extract_sequences" => one((|| {
            ops::extract_sequences(
                &c.tensor("x", 0)?,
                c.usize_or("sequence_length", 1, 1)?,
                c.usize_or("sequence_stride", 2, 1)?,
            )
        })()),
        "unfold" => one((|| {
            ops::unfold(
                &c.tensor("x", 0)?,
                c.int_or_tuple("kernel_size", 1, 1),
                c.int_or_tuple("dilation", 2, 1),
                c.int_or_tuple("padding", 3, 0),
                c.int_or_tuple("stride", 4, 1),
            )
        })()),
        "fold" => one((|| {
            ops::fold(
                &c.tensor("x", 0)?,
                c.int_or_tuple("output_size", 1, 1),
                c.int_or_tuple("kernel_size", 2, 1),
                c.int_or_tuple("dilation", 3, 1),
                c.int_or_tuple("padding", 4, 0),
                c.int_or_tuple("stride", 5, 1),
            )
        })()),
        "rearrange" => one((|| {
            let lengths: Vec<(&str, usize)> = c
                .kwargs
                .iter()
                .filter(|(k, _)| k.as_str() != "tensor" && k.as_str() != "pattern")
                .map(|(k, v)| (k.as_str(), v.as_u64().unwrap_or(0) as usize))
                .collect();
            ops::rearrange(
                &c.tensor("tensor", 0)?,
                c.str_or("pattern", 1, ""),
                &lengths,
            )
        })()),
        "adaptive_average_pool" => adaptive!(ops::adaptive_average_pool),
        "adaptive_max_pool" => adaptive!(ops::adaptive_max_pool),
        "ctc_loss" => one((|| {
            ops::ctc_loss(
                &c.tensor("target", 0)?,
                &c.tensor("output", 1)?,
                &c.tensor("target_length", 2)?,
                &c.tensor("output_length", 3)?,
                c.usize_or("mask_index", 4, 0)?,
            )
        })()),
        "ctc_decode" => pair((|| {
            ops::ctc_decode(
                &c.tensor("inputs", 0)?,
                &c.tensor("sequence_lengths", 1)?,
                c.str_or("strategy", 2, "greedy"),
                c.usize_or("beam_width", 3, 100)?,
                c.usize_or("top_paths", 4, 1)?,
                c.bool_or("merge_repeated", 5, true),
                Some(c.usize_or("mask_index", 6, 0)?),
            )
        })()),
        "dot_product_attention" => one((|| {
            ops::dot_product_attention(
                &c.tensor("query", 0)?,
                &c.tensor("key", 1)?,
                &c.tensor("value", 2)?,
                c.opt_tensor("bias", 3)?.as_ref(),
                c.opt_tensor("mask", 4)?.as_ref(),
                c.opt_f64("scale", 5)?,
                c.bool_or("is_causal", 6, false),
                c.get("flash_attention", 7).and_then(Value::as_bool),
                c.opt_f64("attn_logits_soft_cap", 8)?,
            )
        })()),
        _ => None,
    }
}
