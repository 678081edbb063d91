//! `keras.optimizers.schedules`: learning rates that change with the step count.

use std::f64::consts::PI;

use keras_backend::bail;
use keras_ops::Result;
use serde_json::{json, Value};

use crate::saving::{object_dict, ConfigExt, ObjectDict};

/// A Keras learning-rate schedule: a function of the optimizer's iteration count.
///
/// Values are computed in double precision and rounded to float32, as the learning
/// rate Keras feeds to the update (Keras computes them in float32).
///
/// ```
/// use keras::optimizers::schedules::LearningRateSchedule;
/// let s = LearningRateSchedule::ExponentialDecay {
///     initial_learning_rate: 0.1,
///     decay_steps: 10.0,
///     decay_rate: 0.5,
///     staircase: true,
///     name: "ExponentialDecay".into(),
/// };
/// assert_eq!(s.value(25).unwrap(), 0.025f32 as f64);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum LearningRateSchedule {
    /// `initial · rate^(step / decay_steps)` (the exponent floored when `staircase`).
    ExponentialDecay {
        /// Starting learning rate.
        initial_learning_rate: f64,
        /// Steps per decay period.
        decay_steps: f64,
        /// Factor per period.
        decay_rate: f64,
        /// Decay in whole periods.
        staircase: bool,
        /// Schedule name.
        name: String,
    },
    /// `values[i]` for `boundaries[i-1] < step <= boundaries[i]`.
    PiecewiseConstantDecay {
        /// Increasing step boundaries.
        boundaries: Vec<f64>,
        /// One more value than boundaries.
        values: Vec<f64>,
        /// Schedule name.
        name: String,
    },
    /// `(initial - end) · (1 - step / decay_steps)^power + end`.
    PolynomialDecay {
        /// Starting learning rate.
        initial_learning_rate: f64,
        /// Steps to reach `end_learning_rate`.
        decay_steps: f64,
        /// Final learning rate.
        end_learning_rate: f64,
        /// Polynomial power.
        power: f64,
        /// Restart past `decay_steps` with a longer period.
        cycle: bool,
        /// Schedule name.
        name: String,
    },
    /// `initial / (1 + rate · step / decay_steps)`.
    InverseTimeDecay {
        /// Starting learning rate.
        initial_learning_rate: f64,
        /// Steps per decay period.
        decay_steps: f64,
        /// Decay rate.
        decay_rate: f64,
        /// Decay in whole periods.
        staircase: bool,
        /// Schedule name.
        name: String,
    },
    /// Cosine decay to `alpha · lr`, optionally after a linear warmup to `warmup_target`.
    CosineDecay {
        /// Starting learning rate.
        initial_learning_rate: f64,
        /// Steps of the cosine part.
        decay_steps: f64,
        /// Floor as a fraction of the decayed-from rate.
        alpha: f64,
        /// Schedule name.
        name: String,
        /// Rate reached at the end of the warmup (no warmup when `None`).
        warmup_target: Option<f64>,
        /// Warmup length.
        warmup_steps: f64,
    },
    /// Cosine decay with warm restarts (SGDR).
    CosineDecayRestarts {
        /// Starting learning rate.
        initial_learning_rate: f64,
        /// Length of the first period.
        first_decay_steps: f64,
        /// Period length multiplier.
        t_mul: f64,
        /// Rate multiplier per restart.
        m_mul: f64,
        /// Floor as a fraction of the rate.
        alpha: f64,
        /// Schedule name.
        name: String,
    },
}

/// Rounds to float32, the dtype Keras computes schedules in.
fn f32r(v: f64) -> f64 {
    v as f32 as f64
}

impl LearningRateSchedule {
    /// The Keras class name.
    pub fn class_name(&self) -> &'static str {
        match self {
            Self::ExponentialDecay { .. } => "ExponentialDecay",
            Self::PiecewiseConstantDecay { .. } => "PiecewiseConstantDecay",
            Self::PolynomialDecay { .. } => "PolynomialDecay",
            Self::InverseTimeDecay { .. } => "InverseTimeDecay",
            Self::CosineDecay { .. } => "CosineDecay",
            Self::CosineDecayRestarts { .. } => "CosineDecayRestarts",
        }
    }

    /// The learning rate at `step` (rounded to float32).
    pub fn value(&self, step: i64) -> Result<f64> {
        let s = step as f64;
        let v = match self {
            Self::ExponentialDecay {
                initial_learning_rate,
                decay_steps,
                decay_rate,
                staircase,
                ..
            } => {
                let p = s / decay_steps;
                let p = if *staircase { p.floor() } else { p };
                initial_learning_rate * decay_rate.powf(p)
            }
            Self::PiecewiseConstantDecay {
                boundaries, values, ..
            } => {
                let i = boundaries.iter().take_while(|b| s > **b).count();
                values[i]
            }
            Self::PolynomialDecay {
                initial_learning_rate,
                decay_steps,
                end_learning_rate,
                power,
                cycle,
                ..
            } => {
                let (s, d) = if *cycle {
                    let m = if s == 0.0 {
                        1.0
                    } else {
                        (s / decay_steps).ceil()
                    };
                    (s, decay_steps * m)
                } else {
                    (s.min(*decay_steps), *decay_steps)
                };
                (initial_learning_rate - end_learning_rate) * (1.0 - s / d).powf(*power)
                    + end_learning_rate
            }
            Self::InverseTimeDecay {
                initial_learning_rate,
                decay_steps,
                decay_rate,
                staircase,
                ..
            } => {
                let p = s / decay_steps;
                let p = if *staircase { p.floor() } else { p };
                initial_learning_rate / (1.0 + decay_rate * p)
            }
            Self::CosineDecay {
                initial_learning_rate,
                decay_steps,
                alpha,
                warmup_target,
                warmup_steps,
                ..
            } => {
                let cosine = |step: f64, from: f64| {
                    let decayed = 0.5 * (1.0 + (PI * step / decay_steps).cos());
                    from * ((1.0 - alpha) * decayed + alpha)
                };
                match warmup_target {
                    None => cosine(s.min(*decay_steps), *initial_learning_rate),
                    Some(target) => {
                        let s = s.min(decay_steps + warmup_steps);
                        if s < *warmup_steps {
                            (target - initial_learning_rate) * (s / warmup_steps)
                                + initial_learning_rate
                        } else {
                            cosine(s - warmup_steps, *target)
                        }
                    }
                }
            }
            Self::CosineDecayRestarts {
                initial_learning_rate,
                first_decay_steps,
                t_mul,
                m_mul,
                alpha,
                ..
            } => {
                let fraction = s / first_decay_steps;
                let (restart, fraction) = if *t_mul == 1.0 {
                    let r = fraction.floor();
                    (r, fraction - r)
                } else {
                    let r = ((1.0 - fraction * (1.0 - t_mul)).ln() / t_mul.ln()).floor();
                    let done = (1.0 - t_mul.powf(r)) / (1.0 - t_mul);
                    (r, (fraction - done) / t_mul.powf(r))
                };
                let cosine = 0.5 * m_mul.powf(restart) * (1.0 + (PI * fraction).cos());
                initial_learning_rate * ((1.0 - alpha) * cosine + alpha)
            }
        };
        if !v.is_finite() {
            bail!(
                self.class_name(),
                "learning rate at step {step} is not finite ({v})"
            );
        }
        Ok(f32r(v))
    }

    /// From a serialized object dict (`{"class_name": "ExponentialDecay", "config": …}`).
    pub fn from_json(v: &Value) -> Result<LearningRateSchedule> {
        let o = ObjectDict::parse(v, "schedules")?;
        let (c, n) = (&o.config, o.class_name.as_str());
        let name = |default: &str| c.get_or("name", default.to_string(), n);
        let s = match n {
            "ExponentialDecay" => Self::ExponentialDecay {
                initial_learning_rate: c.require("initial_learning_rate", n)?,
                decay_steps: c.require("decay_steps", n)?,
                decay_rate: c.require("decay_rate", n)?,
                staircase: c.get_or("staircase", false, n)?,
                name: name("ExponentialDecay")?,
            },
            "PiecewiseConstantDecay" => {
                let boundaries: Vec<f64> = c.require("boundaries", n)?;
                let values: Vec<f64> = c.require("values", n)?;
                if values.len() != boundaries.len() + 1 {
                    bail!(
                        n,
                        "needs one more value than boundaries, got {} boundaries and {} values",
                        boundaries.len(),
                        values.len()
                    );
                }
                Self::PiecewiseConstantDecay {
                    boundaries,
                    values,
                    name: name("PiecewiseConstant")?,
                }
            }
            "PolynomialDecay" => Self::PolynomialDecay {
                initial_learning_rate: c.require("initial_learning_rate", n)?,
                decay_steps: c.require("decay_steps", n)?,
                end_learning_rate: c.get_or("end_learning_rate", 0.0001, n)?,
                power: c.get_or("power", 1.0, n)?,
                cycle: c.get_or("cycle", false, n)?,
                name: name("PolynomialDecay")?,
            },
            "InverseTimeDecay" => Self::InverseTimeDecay {
                initial_learning_rate: c.require("initial_learning_rate", n)?,
                decay_steps: c.require("decay_steps", n)?,
                decay_rate: c.require("decay_rate", n)?,
                staircase: c.get_or("staircase", false, n)?,
                name: name("InverseTimeDecay")?,
            },
            "CosineDecay" => Self::CosineDecay {
                initial_learning_rate: c.require("initial_learning_rate", n)?,
                decay_steps: c.require("decay_steps", n)?,
                alpha: c.get_or("alpha", 0.0, n)?,
                name: name("CosineDecay")?,
                warmup_target: c.get_or("warmup_target", None, n)?,
                warmup_steps: c.get_or("warmup_steps", 0.0, n)?,
            },
            "CosineDecayRestarts" => Self::CosineDecayRestarts {
                initial_learning_rate: c.require("initial_learning_rate", n)?,
                first_decay_steps: c.require("first_decay_steps", n)?,
                t_mul: c.get_or("t_mul", 2.0, n)?,
                m_mul: c.get_or("m_mul", 1.0, n)?,
                alpha: c.get_or("alpha", 0.0, n)?,
                name: name("SGDRDecay")?,
            },
            other => bail!("schedules.deserialize", "unknown schedule {other:?}"),
        };
        Ok(s)
    }

    /// The Keras object dict (module `keras.optimizers.schedules`).
    pub fn to_json(&self) -> Value {
        let config = match self {
            Self::ExponentialDecay {
                initial_learning_rate,
                decay_steps,
                decay_rate,
                staircase,
                name,
            }
            | Self::InverseTimeDecay {
                initial_learning_rate,
                decay_steps,
                decay_rate,
                staircase,
                name,
            } => json!({
                "initial_learning_rate": initial_learning_rate,
                "decay_steps": int_like(*decay_steps),
                "decay_rate": decay_rate,
                "staircase": staircase,
                "name": name,
            }),
            Self::PiecewiseConstantDecay {
                boundaries,
                values,
                name,
            } => json!({
                "boundaries": boundaries.iter().map(|b| int_like(*b)).collect::<Vec<_>>(),
                "values": values,
                "name": name,
            }),
            Self::PolynomialDecay {
                initial_learning_rate,
                decay_steps,
                end_learning_rate,
                power,
                cycle,
                name,
            } => json!({
                "initial_learning_rate": initial_learning_rate,
                "decay_steps": int_like(*decay_steps),
                "end_learning_rate": end_learning_rate,
                "power": power,
                "cycle": cycle,
                "name": name,
            }),
            Self::CosineDecay {
                initial_learning_rate,
                decay_steps,
                alpha,
                name,
                warmup_target,
                warmup_steps,
            } => json!({
                "initial_learning_rate": initial_learning_rate,
                "decay_steps": int_like(*decay_steps),
                "alpha": alpha,
                "name": name,
                "warmup_target": warmup_target,
                "warmup_steps": int_like(*warmup_steps),
            }),
            Self::CosineDecayRestarts {
                initial_learning_rate,
                first_decay_steps,
                t_mul,
                m_mul,
                alpha,
                name,
            } => json!({
                "initial_learning_rate": initial_learning_rate,
                "first_decay_steps": int_like(*first_decay_steps),
                "t_mul": t_mul,
                "m_mul": m_mul,
                "alpha": alpha,
                "name": name,
            }),
        };
        let Value::Object(config) = config else {
            unreachable!("json! of an object literal")
        };
        object_dict("keras.optimizers.schedules", self.class_name(), config)
    }
}

/// Step counts are usually Python ints in Keras configs: write whole numbers as integers.
fn int_like(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        json!(v as i64)
    } else {
        json!(v)
    }
}
