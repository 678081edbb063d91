//! `keras.regularizers`: penalties on weights that layers add to the loss.

use keras_backend::bail;
use keras_ops::{ops, Result, Tensor};
use serde_json::{json, Value};

use crate::saving::{object_dict, ConfigExt, ObjectDict};

/// A Keras weight regularizer.
///
/// ```
/// use keras::regularizers::Regularizer;
/// let r = Regularizer::get("l2").unwrap();
/// let w = keras::Tensor::from_vec(vec![1.0f32, -2.0], [2]).unwrap();
/// assert!((r.penalty(&w).unwrap().item().unwrap() - 0.05).abs() < 1e-7);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Regularizer {
    /// `l1 · Σ|w|`.
    L1(f64),
    /// `l2 · Σw²`.
    L2(f64),
    /// `l1 · Σ|w| + l2 · Σw²`.
    L1L2 {
        /// L1 factor.
        l1: f64,
        /// L2 factor.
        l2: f64,
    },
    /// Pushes the rows (or columns) of a 2-D weight towards orthogonality.
    Orthogonal {
        /// Strength.
        factor: f64,
        /// `true` for `mode="rows"`, `false` for `"columns"`.
        rows: bool,
    },
}

/// Keras keeps these factors as float32, so configs show their float32 value.
fn f32_value(v: f64) -> f64 {
    v as f32 as f64
}

impl Regularizer {
    /// By string identifier (`"l1"`, `"l2"`, `"l1_l2"`, `"orthogonal_regularizer"`) or class name.
    pub fn get(name: &str) -> Result<Regularizer> {
        Self::from_json(&Value::String(name.into()))
    }

    /// From a serialized object dict or string identifier.
    pub fn from_json(v: &Value) -> Result<Regularizer> {
        let o = ObjectDict::parse(v, "regularizers")?;
        let (c, n) = (&o.config, o.class_name.as_str());
        Ok(match n {
            "L1" | "l1" => Regularizer::L1(f32_value(c.get_or("l1", 0.01, n)?)),
            "L2" | "l2" => Regularizer::L2(c.get_or("l2", 0.01, n)?),
            "L1L2" | "l1_l2" => Regularizer::L1L2 {
                l1: c.get_or("l1", 0.0, n)?,
                l2: c.get_or("l2", 0.0, n)?,
            },
            "OrthogonalRegularizer" | "orthogonal_regularizer" => {
                let mode: String = c.get_or("mode", "rows".to_string(), n)?;
                if mode != "rows" && mode != "columns" {
                    bail!(n, "mode must be \"rows\" or \"columns\", got {mode:?}");
                }
                Regularizer::Orthogonal {
                    factor: f32_value(c.get_or("factor", 0.01, n)?),
                    rows: mode == "rows",
                }
            }
            other => bail!("regularizers.get", "unknown regularizer {other:?}"),
        })
    }

    /// The Keras object dict.
    pub fn to_json(&self) -> Value {
        let (class, config) = match self {
            Regularizer::L1(l1) => ("L1", json!({ "l1": l1 })),
            Regularizer::L2(l2) => ("L2", json!({ "l2": l2 })),
            Regularizer::L1L2 { l1, l2 } => ("L1L2", json!({ "l1": l1, "l2": l2 })),
            Regularizer::Orthogonal { factor, rows } => (
                "OrthogonalRegularizer",
                json!({ "factor": factor, "mode": if *rows { "rows" } else { "columns" } }),
            ),
        };
        let Value::Object(config) = config else {
            unreachable!("json! of an object literal")
        };
        object_dict("keras.regularizers", class, config)
    }

    /// The penalty for weight `w` (a scalar).
    pub fn penalty(&self, w: &Tensor) -> Result<Tensor> {
        let l1 = |f: f64| ops::multiply(&ops::sum(&ops::absolute(w)?, None, false)?, f);
        let l2 = |f: f64| ops::multiply(&ops::sum(&ops::square(w)?, None, false)?, f);
        match self {
            Regularizer::L1(f) => l1(*f),
            Regularizer::L2(f) => l2(*f),
            Regularizer::L1L2 { l1: a, l2: b } => ops::add(&l1(*a)?, &l2(*b)?),
            Regularizer::Orthogonal { factor, rows } => {
                if w.rank() != 2 {
                    bail!(
                        "OrthogonalRegularizer",
                        "needs a 2-D weight, got shape {}",
                        w.shape()
                    );
                }
                let (axis, v) = if *rows {
                    (1, w.clone())
                } else {
                    (0, w.clone())
                };
                let v = ops::normalize(&v, axis, 2, None)?;
                let product = if *rows {
                    ops::matmul(&v, &ops::transpose(&v, None)?)?
                } else {
                    ops::matmul(&ops::transpose(&v, None)?, &v)?
                };
                let size = product.dims()[0];
                let off = ops::subtract(1.0, &ops::eye(size, None, 0, Some(w.dtype()))?)?;
                let total = ops::sum(
                    &ops::absolute(&ops::multiply(&product, &off)?)?,
                    None,
                    false,
                )?;
                let pairs = size as f64 * (size as f64 - 1.0) / 2.0;
                ops::divide(&ops::multiply(&total, factor * 0.5)?, pairs)
            }
        }
    }
}
