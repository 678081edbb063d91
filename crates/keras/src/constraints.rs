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
        /// Largest norm (an int or a float, kept as given, as Keras's config does).
        max_value: Num,
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

/// A number that Keras writes back the way it was given: `2` stays `2`, `2.0` stays `2.0`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Num {
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
}

impl Num {
    /// The value.
    pub fn value(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }
    fn to_json(self) -> Value {
        match self {
            Num::Int(i) => json!(i),
            Num::Float(f) => json!(f),
        }
    }
    fn from_json(v: Option<&Value>, default: Num, owner: &str) -> Result<Num> {
        match v {
            None | Some(Value::Null) => Ok(default),
            Some(Value::Number(n)) => Ok(match n.as_i64() {
                Some(i) if !n.is_f64() => Num::Int(i),
                _ => Num::Float(n.as_f64().unwrap_or(f64::NAN)),
            }),
            Some(other) => bail!(owner, "expected a number, got {other}"),
        }
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
                max_value: Num::from_json(c.get("max_value"), Num::Int(2), n)?,
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
                json!({ "max_value": max_value.to_json(), "axis": axis }),
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
                rescale(&ops::clip(&n, 0.0, max_value.value())?, &n)
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
