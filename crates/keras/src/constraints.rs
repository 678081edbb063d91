//! `keras.constraints`: projections applied to weights after each optimizer step.

use keras_backend::bail;
use keras_ops::{config, ops, Result, Tensor};
use serde_json::{json, Value};

use crate::saving::{object_dict, ConfigExt, ObjectDict};

/// A Keras weight constraint.
///
/// ```
/// use keras::constraints::Constraint;
/// let w = keras::Tensor::from_vec(vec![-1.0f32, 2.0], [2]).unwrap();
/// let c = Constraint::get("non_neg").unwrap();
/// assert_eq!(c.apply(&w).unwrap().to_vec::<f32>().unwrap(), vec![0.0, 2.0]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Constraint {
    /// Rescales slices along `axis` whose L2 norm exceeds `max_value`.
    MaxNorm {
        /// Largest norm.
        max_value: f64,
        /// Axis along which norms are taken.
        axis: i64,
    },
    /// Moves norms into `[min_value, max_value]` at `rate`.
    MinMaxNorm {
        /// Smallest norm.
        min_value: f64,
        /// Largest norm.
        max_value: f64,
        /// 1 = jump into the range, less = move part of the way.
        rate: f64,
        /// Axis along which norms are taken.
        axis: i64,
    },
    /// Zeroes negative entries.
    NonNeg,
    /// Divides by the L2 norm along `axis`.
    UnitNorm {
        /// Axis along which norms are taken.
        axis: i64,
    },
}

/// A config number that Keras may have written as an int (`2`) or a float (`2.0`).
fn number(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        json!(v as i64)
    } else {
        json!(v)
    }
}

impl Constraint {
    /// By string identifier (`"max_norm"`, `"non_neg"`, …) or class name.
    pub fn get(name: &str) -> Result<Constraint> {
        Self::from_json(&Value::String(name.into()))
    }

    /// From a serialized object dict or string identifier.
    pub fn from_json(v: &Value) -> Result<Constraint> {
        let o = ObjectDict::parse(v, "constraints")?;
        let (c, n) = (&o.config, o.class_name.as_str());
        Ok(match n {
            "MaxNorm" | "max_norm" => Constraint::MaxNorm {
                max_value: c.get_or("max_value", 2.0, n)?,
                axis: c.get_or("axis", 0, n)?,
            },
            "MinMaxNorm" | "min_max_norm" => Constraint::MinMaxNorm {
                min_value: c.get_or("min_value", 0.0, n)?,
                max_value: c.get_or("max_value", 1.0, n)?,
                rate: c.get_or("rate", 1.0, n)?,
                axis: c.get_or("axis", 0, n)?,
            },
            "NonNeg" | "non_neg" => Constraint::NonNeg,
            "UnitNorm" | "unit_norm" => Constraint::UnitNorm {
                axis: c.get_or("axis", 0, n)?,
            },
            other => bail!("constraints.get", "unknown constraint {other:?}"),
        })
    }

    /// The Keras object dict.
    pub fn to_json(&self) -> Value {
        let (class, config) = match self {
            Constraint::MaxNorm { max_value, axis } => (
                "MaxNorm",
                json!({ "max_value": number(*max_value), "axis": axis }),
            ),
            Constraint::MinMaxNorm {
                min_value,
                max_value,
                rate,
                axis,
            } => (
                "MinMaxNorm",
                json!({ "min_value": min_value, "max_value": max_value, "rate": rate, "axis": axis }),
            ),
            Constraint::NonNeg => ("NonNeg", json!({})),
            Constraint::UnitNorm { axis } => ("UnitNorm", json!({ "axis": axis })),
        };
        let Value::Object(config) = config else {
            unreachable!("json! of an object literal")
        };
        object_dict("keras.constraints", class, config)
    }

    /// The projected weight.
    pub fn apply(&self, w: &Tensor) -> Result<Tensor> {
        let eps = config::epsilon();
        let norms = |axis: i64| ops::sqrt(&ops::sum(&ops::square(w)?, axis, true)?);
        let rescale = |desired: &Tensor, norms: &Tensor| {
            ops::multiply(w, &ops::divide(desired, &ops::add(norms, eps)?)?)
        };
        match self {
            Constraint::MaxNorm { max_value, axis } => {
                let n = norms(*axis)?;
                rescale(&ops::clip(&n, 0.0, *max_value)?, &n)
            }
            Constraint::MinMaxNorm {
                min_value,
                max_value,
                rate,
                axis,
            } => {
                let n = norms(*axis)?;
                let clipped = ops::clip(&n, *min_value, *max_value)?;
                let desired = ops::add(
                    &ops::multiply(&clipped, *rate)?,
                    &ops::multiply(&n, 1.0 - rate)?,
                )?;
                rescale(&desired, &n)
            }
            Constraint::NonNeg => {
                ops::multiply(w, &ops::cast(&ops::greater_equal(w, 0.0)?, w.dtype())?)
            }
            Constraint::UnitNorm { axis } => ops::divide(w, &ops::add(&norms(*axis)?, eps)?),
        }
    }
}
