//! Golden dispatch for activations, losses, normalization, sorting and cumulative ops, and
//! the numeric helpers (`clip`, `nan_to_num`, `isclose`, `cbrt`, `hypot`, ...).

use keras_ops::{ops, Axes, Result, Tensor};
use serde_json::Value;

use crate::call::Call;

/// Wraps one output.
fn one(t: Result<Tensor>) -> Option<Result<Vec<Tensor>>> {
    Some(t.map(|t| vec![t]))
}

/// An axis argument whose Keras default is `default` (absent) but which may be `None`
/// (explicit null).
fn opt_axis(c: &Call, name: &str, pos: usize, default: Option<i64>) -> Option<i64> {
    match c.kwargs.get(name).or_else(|| c.args.get(pos)) {
        None => default,
        Some(Value::Null) => None,
        Some(v) => v.as_i64(),
    }
}

/// An `axis` argument (int or list) whose Keras default is `default` when absent.
fn axes_or(c: &Call, name: &str, pos: usize, default: i64) -> Result<Axes> {
    match c.kwargs.get(name).or_else(|| c.args.get(pos)) {
        None => Ok(Axes::from(default)),
        Some(_) => c.axes(name, pos),
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
    macro_rules! with_f64 {
        ($f:path, $name:literal, $default:expr) => {
            one((|| $f(&c.tensor("x", 0)?, c.f64_or($name, 1, $default)?))())
        };
    }
    macro_rules! scan {
        ($f:path) => {
            one((|| {
                $f(
                    &c.tensor("x", 0)?,
                    opt_axis(c, "axis", 1, None),
                    c.dtype("dtype", 2)?,
                )
            })())
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
    macro_rules! quantile {
        ($f:path) => {
            one((|| {
                $f(
                    &c.tensor("x", 0)?,
                    c.operand("q", 1)?,
                    c.axes("axis", 2)?,
                    c.str_or("method", 3, "linear"),
                    c.bool_or("keepdims", 4, false),
                )
            })())
        };
    }
    match c.op {
        // activations
        "relu6" => unary!(ops::relu6),
        "selu" => unary!(ops::selu),
        "silu" => unary!(ops::silu),
        "swish" => unary!(ops::swish),
        "softsign" => unary!(ops::softsign),
        "hard_sigmoid" => unary!(ops::hard_sigmoid),
        "hard_silu" => unary!(ops::hard_silu),
        "hard_swish" => unary!(ops::hard_swish),
        "hard_tanh" => unary!(ops::hard_tanh),
        "tanh_shrink" => unary!(ops::tanh_shrink),
        "log_sigmoid" => unary!(ops::log_sigmoid),
        "sparse_plus" => unary!(ops::sparse_plus),
        "sparse_sigmoid" => unary!(ops::sparse_sigmoid),
        "mish" => unary!(ops::mish),
        "elu" => with_f64!(ops::elu, "alpha", 1.0),
        "celu" => with_f64!(ops::celu, "alpha", 1.0),
        "leaky_relu" => with_f64!(ops::leaky_relu, "negative_slope", 0.2),
        "hard_shrink" => with_f64!(ops::hard_shrink, "threshold", 0.5),
        "soft_shrink" => with_f64!(ops::soft_shrink, "threshold", 0.5),
        "squareplus" => with_f64!(ops::squareplus, "b", 4.0),
        "gelu" => one((|| {
            ops::gelu(&c.tensor("x", 0)?, c.bool_or("approximate", 1, true))
        })()),
        "glu" => one((|| ops::glu(&c.tensor("x", 0)?, c.i64_or("axis", 1, -1)))()),
        "sparsemax" => one((|| {
            ops::sparsemax(&c.tensor("x", 0)?, c.i64_or("axis", 1, -1))
        })()),
        "softmax" => one((|| {
            ops::softmax(&c.tensor("x", 0)?, axes_or(c, "axis", 1, -1)?)
        })()),
        "log_softmax" => one((|| {
            ops::log_softmax(&c.tensor("x", 0)?, axes_or(c, "axis", 1, -1)?)
        })()),
        "threshold" => one((|| {
            ops::threshold(
                &c.tensor("x", 0)?,
                c.operand("threshold", 1)?,
                c.operand("default_value", 2)?,
            )
        })()),
        // losses
        "binary_crossentropy" => one((|| {
            ops::binary_crossentropy(
                &c.tensor("target", 0)?,
                &c.tensor("output", 1)?,
                c.bool_or("from_logits", 2, false),
            )
        })()),
        "categorical_crossentropy" => one((|| {
            ops::categorical_crossentropy(
                &c.tensor("target", 0)?,
                &c.tensor("output", 1)?,
                c.bool_or("from_logits", 2, false),
                c.i64_or("axis", 3, -1),
            )
        })()),
        "sparse_categorical_crossentropy" => one((|| {
            ops::sparse_categorical_crossentropy(
                &c.tensor("target", 0)?,
                &c.tensor("output", 1)?,
                c.bool_or("from_logits", 2, false),
                c.i64_or("axis", 3, -1),
            )
        })()),
        // normalization
        "batch_normalization" => one((|| {
            let offset = c.opt_tensor("offset", 4)?;
            let scale = c.opt_tensor("scale", 5)?;
            ops::batch_normalization(
                &c.tensor("x", 0)?,
                &c.tensor("mean", 1)?,
                &c.tensor("variance", 2)?,
                c.i64_or("axis", 3, -1),
                offset.as_ref(),
                scale.as_ref(),
                c.f64_or("epsilon", 6, 1e-3)?,
            )
        })()),
        "normalize" => one((|| {
            ops::normalize(
                &c.tensor("x", 0)?,
                axes_or(c, "axis", 1, -1)?,
                c.i64_or("order", 2, 2),
                c.opt_f64("epsilon", 3)?,
            )
        })()),
        "layer_normalization" => one((|| {
            let gamma = c.opt_tensor("gamma", 1)?;
            let beta = c.opt_tensor("beta", 2)?;
            ops::layer_normalization(
                &c.tensor("x", 0)?,
                gamma.as_ref(),
                beta.as_ref(),
                axes_or(c, "axis", 3, -1)?,
                c.opt_f64("epsilon", 4)?,
            )
        })()),
        "rms_normalization" => one((|| {
            let scale = c.opt_tensor("scale", 1)?;
            ops::rms_normalization(
                &c.tensor("x", 0)?,
                scale.as_ref(),
                axes_or(c, "axis", 2, -1)?,
                c.opt_f64("epsilon", 3)?,
            )
        })()),
        // sorting and scans
        "sort" => one((|| {
            ops::sort(&c.tensor("x", 0)?, opt_axis(c, "axis", 1, Some(-1)))
        })()),
        "argsort" => one((|| {
            ops::argsort(&c.tensor("x", 0)?, opt_axis(c, "axis", 1, Some(-1)))
        })()),
        "top_k" => Some((|| {
            let k = c.opt_i64("k", 1).unwrap_or(0).max(0) as usize;
            let (v, i) = ops::top_k(&c.tensor("x", 0)?, k, c.bool_or("sorted", 2, true))?;
            Ok(vec![v, i])
        })()),
        "in_top_k" => one((|| {
            let k = c.opt_i64("k", 2).unwrap_or(0).max(0) as usize;
            ops::in_top_k(&c.tensor("targets", 0)?, &c.tensor("predictions", 1)?, k)
        })()),
        "searchsorted" => one((|| {
            ops::searchsorted(
                &c.tensor("sorted_sequence", 0)?,
                &c.tensor("values", 1)?,
                c.str_or("side", 2, "left"),
            )
        })()),
        "cumsum" => scan!(ops::cumsum),
        "cumprod" => scan!(ops::cumprod),
        "nancumsum" => scan!(ops::nancumsum),
        "nancumprod" => scan!(ops::nancumprod),
        // numeric helpers
        "clip" => one((|| {
            ops::clip(
                &c.tensor("x", 0)?,
                c.operand("x_min", 1)?,
                c.operand("x_max", 2)?,
            )
        })()),
        "divide_no_nan" => binary!(ops::divide_no_nan),
        "nan_to_num" => one((|| {
            ops::nan_to_num(
                &c.tensor("x", 0)?,
                c.f64_or("nan", 1, 0.0)?,
                c.opt_f64("posinf", 2)?,
                c.opt_f64("neginf", 3)?,
            )
        })()),
        "isclose" | "allclose" => one((|| {
            let (x1, x2) = (c.operand("x1", 0)?, c.operand("x2", 1)?);
            let rtol = c.f64_or("rtol", 2, 1e-5)?;
            let atol = c.f64_or("atol", 3, 1e-8)?;
            let equal_nan = c.bool_or("equal_nan", 4, false);
            if c.op == "isclose" {
                ops::isclose(x1, x2, rtol, atol, equal_nan)
            } else {
                ops::allclose(x1, x2, rtol, atol, equal_nan)
            }
        })()),
        "cbrt" => unary!(ops::cbrt),
        "exp2" => unary!(ops::exp2),
        "log2" => unary!(ops::log2),
        "log10" => unary!(ops::log10),
        "deg2rad" => unary!(ops::deg2rad),
        "rad2deg" => unary!(ops::rad2deg),
        "sinc" => unary!(ops::sinc),
        "signbit" => unary!(ops::signbit),
        "conj" => unary!(ops::conj),
        "conjugate" => unary!(ops::conjugate),
        "real" => unary!(ops::real),
        "imag" => unary!(ops::imag),
        "fmod" => binary!(ops::fmod),
        "hypot" => binary!(ops::hypot),
        "logaddexp" => binary!(ops::logaddexp),
        "heaviside" => binary!(ops::heaviside),
        "average" => one((|| {
            let weights = c.opt_tensor("weights", 2)?;
            ops::average(&c.tensor("x", 0)?, c.opt_i64("axis", 1), weights.as_ref())
        })()),
        "diff" => one((|| {
            let n = c.i64_or("n", 1, 1).max(0) as usize;
            ops::diff(&c.tensor("a", 0)?, n, c.i64_or("axis", 2, -1))
        })()),
        "ptp" => reduce!(ops::ptp),
        "nansum" => reduce!(ops::nansum),
        "nanprod" => reduce!(ops::nanprod),
        "nanmean" => reduce!(ops::nanmean),
        "nanvar" => reduce!(ops::nanvar),
        "nanstd" => reduce!(ops::nanstd),
        "nanmax" => reduce!(ops::nanmax),
        "nanmin" => reduce!(ops::nanmin),
        "median" => reduce!(ops::median),
        "nanmedian" => reduce!(ops::nanmedian),
        "quantile" => quantile!(ops::quantile),
        "percentile" => quantile!(ops::percentile),
        "nanquantile" => quantile!(ops::nanquantile),
        "nanpercentile" => quantile!(ops::nanpercentile),
        _ => None,
    }
}
