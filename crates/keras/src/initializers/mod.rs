//! `keras.initializers`: how new variables get their first values.
//!
//! Every random initializer takes an optional integer seed. With a seed the values are the
//! same on every run and backend; without one, they come from the process-wide stream that
//! [`set_random_seed`] resets (as `keras.utils.set_random_seed`).

mod orthogonal;

use std::sync::{Mutex, OnceLock};

use keras_backend::bail;
use keras_ops::random::{self, SeedGenerator};
use keras_ops::{ops, DType, Error, Result, Tensor};
use serde_json::{json, Value};

use crate::saving::object::Config;
use crate::saving::{object_dict, ConfigExt, ObjectDict};

fn global_seeds() -> &'static Mutex<SeedGenerator> {
    static GLOBAL: OnceLock<Mutex<SeedGenerator>> = OnceLock::new();
    GLOBAL.get_or_init(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        Mutex::new(SeedGenerator::new(nanos))
    })
}

/// Makes every unseeded initializer (and other unseeded random draws of layers) reproducible
/// from `seed`, as `keras.utils.set_random_seed`.
pub fn set_random_seed(seed: u64) {
    *global_seeds().lock().unwrap_or_else(|p| p.into_inner()) = SeedGenerator::new(seed);
}

/// The next seed of the process-wide stream, as a stateless integer seed.
pub fn next_global_seed() -> u64 {
    let [a, b] = global_seeds()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .next();
    ((a as u64) << 32) | b as u64
}

/// Which fan VarianceScaling divides by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FanMode {
    /// Number of inputs.
    FanIn,
    /// Number of outputs.
    FanOut,
    /// Their mean.
    FanAvg,
}

/// VarianceScaling's distribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Distribution {
    /// Normal truncated at two standard deviations (rescaled to keep the variance).
    TruncatedNormal,
    /// Plain normal.
    UntruncatedNormal,
    /// Uniform.
    Uniform,
}

/// A Keras initializer.
///
/// ```
/// use keras::initializers::Initializer;
/// let init = Initializer::get("glorot_uniform").unwrap();
/// let w = init.sample(&[3, 4], keras::DType::F32).unwrap();
/// let limit = (6.0f32 / 7.0).sqrt();
/// assert!(w.to_vec::<f32>().unwrap().iter().all(|v| v.abs() <= limit));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Initializer {
    /// All `value`.
    Constant(f64),
    /// All 0.
    Zeros,
    /// All 1.
    Ones,
    /// `gain · I` for 2-D shapes.
    Identity {
        /// Multiplier.
        gain: f64,
    },
    /// A random orthogonal matrix (rows or columns orthonormal), times `gain`.
    Orthogonal {
        /// Multiplier.
        gain: f64,
        /// Seed.
        seed: Option<u64>,
    },
    /// Normal samples.
    RandomNormal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        stddev: f64,
        /// Seed.
        seed: Option<u64>,
    },
    /// Uniform samples in `[minval, maxval)`.
    RandomUniform {
        /// Lower bound.
        minval: f64,
        /// Upper bound.
        maxval: f64,
        /// Seed.
        seed: Option<u64>,
    },
    /// Normal samples within two standard deviations.
    TruncatedNormal {
        /// Mean.
        mean: f64,
        /// Standard deviation before truncation.
        stddev: f64,
        /// Seed.
        seed: Option<u64>,
    },
    /// Samples scaled by the fans; `class_name` is the Keras class that was asked for
    /// (`GlorotUniform`, `HeNormal`, … or `VarianceScaling`), which fixes the config keys.
    VarianceScaling {
        /// Keras class name.
        class_name: &'static str,
        /// Variance multiplier.
        scale: f64,
        /// Fan divisor.
        mode: FanMode,
        /// Distribution.
        distribution: Distribution,
        /// Seed.
        seed: Option<u64>,
    },
}

/// The named VarianceScaling variants: (class, string id, scale, mode, distribution).
const SCALED: [(&str, &str, f64, FanMode, Distribution); 6] = [
    (
        "GlorotNormal",
        "glorot_normal",
        1.0,
        FanMode::FanAvg,
        Distribution::TruncatedNormal,
    ),
    (
        "GlorotUniform",
        "glorot_uniform",
        1.0,
        FanMode::FanAvg,
        Distribution::Uniform,
    ),
    (
        "HeNormal",
        "he_normal",
        2.0,
        FanMode::FanIn,
        Distribution::TruncatedNormal,
    ),
    (
        "HeUniform",
        "he_uniform",
        2.0,
        FanMode::FanIn,
        Distribution::Uniform,
    ),
    (
        "LecunNormal",
        "lecun_normal",
        1.0,
        FanMode::FanIn,
        Distribution::TruncatedNormal,
    ),
    (
        "LecunUniform",
        "lecun_uniform",
        1.0,
        FanMode::FanIn,
        Distribution::Uniform,
    ),
];

/// Keras's fans: `(shape[0], shape[1])` for matrices; for kernels `(in·receptive field,
/// out·receptive field)` with the receptive field the product of the leading dims.
pub fn compute_fans(shape: &[usize]) -> (f64, f64) {
    match shape.len() {
        0 => (1.0, 1.0),
        1 => (shape[0] as f64, shape[0] as f64),
        2 => (shape[0] as f64, shape[1] as f64),
        r => {
            let field: usize = shape[..r - 2].iter().product();
            ((shape[r - 2] * field) as f64, (shape[r - 1] * field) as f64)
        }
    }
}

impl Initializer {
    /// GlorotUniform, Keras's default kernel initializer.
    pub fn glorot_uniform() -> Initializer {
        Self::scaled(1, None)
    }

    fn scaled(i: usize, seed: Option<u64>) -> Initializer {
        let (class_name, _, scale, mode, distribution) = SCALED[i];
        Initializer::VarianceScaling {
            class_name,
            scale,
            mode,
            distribution,
            seed,
        }
    }

    /// The initializer for a Keras string identifier (`"zeros"`, `"he_normal"`, …) or
    /// class name (`"GlorotUniform"`), with default arguments.
    pub fn get(name: &str) -> Result<Initializer> {
        Self::from_object(&ObjectDict::parse(
            &Value::String(name.into()),
            "initializers",
        )?)
    }

    /// The initializer of a serialized object dict (or string identifier).
    pub fn from_json(v: &Value) -> Result<Initializer> {
        Self::from_object(&ObjectDict::parse(v, "initializers")?)
    }

    fn from_object(o: &ObjectDict) -> Result<Initializer> {
        let c = &o.config;
        let owner = o.class_name.as_str();
        let seed: Option<u64> = c.get_or("seed", None, owner)?;
        if let Some(i) = SCALED
            .iter()
            .position(|s| s.0 == o.class_name || s.1 == o.class_name)
        {
            return Ok(Self::scaled(i, seed));
        }
        Ok(match o.class_name.as_str() {
            "Constant" | "constant" => Initializer::Constant(c.get_or("value", 0.0, owner)?),
            "Zeros" | "zeros" => Initializer::Zeros,
            "Ones" | "ones" => Initializer::Ones,
            "Identity" | "identity" | "IdentityInitializer" => Initializer::Identity {
                gain: c.get_or("gain", 1.0, owner)?,
            },
            "Orthogonal" | "orthogonal" | "OrthogonalInitializer" => Initializer::Orthogonal {
                gain: c.get_or("gain", 1.0, owner)?,
                seed,
            },
            "RandomNormal" | "random_normal" => Initializer::RandomNormal {
                mean: c.get_or("mean", 0.0, owner)?,
                stddev: c.get_or("stddev", 0.05, owner)?,
                seed,
            },
            "RandomUniform" | "random_uniform" => Initializer::RandomUniform {
                minval: c.get_or("minval", -0.05, owner)?,
                maxval: c.get_or("maxval", 0.05, owner)?,
                seed,
            },
            "TruncatedNormal" | "truncated_normal" => Initializer::TruncatedNormal {
                mean: c.get_or("mean", 0.0, owner)?,
                stddev: c.get_or("stddev", 0.05, owner)?,
                seed,
            },
            "VarianceScaling" | "variance_scaling" => {
                let mode: String = c.get_or("mode", "fan_in".to_string(), owner)?;
                let dist: String =
                    c.get_or("distribution", "truncated_normal".to_string(), owner)?;
                Initializer::VarianceScaling {
                    class_name: "VarianceScaling",
                    scale: c.get_or("scale", 1.0, owner)?,
                    mode: match mode.as_str() {
                        "fan_in" => FanMode::FanIn,
                        "fan_out" => FanMode::FanOut,
                        "fan_avg" => FanMode::FanAvg,
                        m => bail!("VarianceScaling", "unknown mode {m:?}"),
                    },
                    distribution: match dist.as_str() {
                        "truncated_normal" => Distribution::TruncatedNormal,
                        "untruncated_normal" | "normal" => Distribution::UntruncatedNormal,
                        "uniform" => Distribution::Uniform,
                        d => bail!("VarianceScaling", "unknown distribution {d:?}"),
                    },
                    seed,
                }
            }
            other => bail!("initializers.get", "unknown initializer {other:?}"),
        })
    }

    /// The Keras object dict (`{"module": "keras.initializers", "class_name": …}`).
    pub fn to_json(&self) -> Value {
        let (class, config) = match self {
            Initializer::Constant(v) => ("Constant", json!({ "value": v })),
            Initializer::Zeros => ("Zeros", json!({})),
            Initializer::Ones => ("Ones", json!({})),
            // Keras 3.15 writes no keys for Identity (its `gain` is not saved).
            Initializer::Identity { .. } => ("Identity", json!({})),
            Initializer::Orthogonal { gain, seed } => {
                ("Orthogonal", json!({ "seed": seed, "gain": gain }))
            }
            Initializer::RandomNormal { mean, stddev, seed } => (
                "RandomNormal",
                json!({ "seed": seed, "mean": mean, "stddev": stddev }),
            ),
            Initializer::RandomUniform {
                minval,
                maxval,
                seed,
            } => (
                "RandomUniform",
                json!({ "seed": seed, "minval": minval, "maxval": maxval }),
            ),
            Initializer::TruncatedNormal { mean, stddev, seed } => (
                "TruncatedNormal",
                json!({ "seed": seed, "mean": mean, "stddev": stddev }),
            ),
            Initializer::VarianceScaling {
                class_name,
                scale,
                mode,
                distribution,
                seed,
            } => {
                if *class_name == "VarianceScaling" {
                    let mode = match mode {
                        FanMode::FanIn => "fan_in",
                        FanMode::FanOut => "fan_out",
                        FanMode::FanAvg => "fan_avg",
                    };
                    let dist = match distribution {
                        Distribution::TruncatedNormal => "truncated_normal",
                        Distribution::UntruncatedNormal => "untruncated_normal",
                        Distribution::Uniform => "uniform",
                    };
                    (
                        "VarianceScaling",
                        json!({ "seed": seed, "scale": scale, "mode": mode,
                                "distribution": dist, "input_axes": null, "output_axes": null }),
                    )
                } else {
                    (
                        *class_name,
                        json!({ "seed": seed, "input_axes": null, "output_axes": null }),
                    )
                }
            }
        };
        let Value::Object(config) = config else {
            unreachable!("json! of an object literal")
        };
        object_dict("keras.initializers", class, config)
    }

    /// Values of `shape` and `dtype`.
    pub fn sample(&self, shape: &[usize], dtype: DType) -> Result<Tensor> {
        let seed = |s: &Option<u64>| s.unwrap_or_else(next_global_seed);
        match self {
            Initializer::Constant(v) => ops::full(shape, *v, dtype),
            Initializer::Zeros => ops::zeros(shape, dtype),
            Initializer::Ones => ops::ones(shape, dtype),
            Initializer::Identity { gain } => {
                let [r, c] = shape else {
                    bail!(
                        "Identity",
                        "the identity initializer needs a 2-D shape, got {shape:?}"
                    );
                };
                ops::multiply(&ops::eye(*r, Some(*c), 0, Some(dtype))?, *gain)
            }
            Initializer::Orthogonal { gain, seed: s } => {
                orthogonal::sample(shape, *gain, seed(s), dtype)
            }
            Initializer::RandomNormal {
                mean,
                stddev,
                seed: s,
            } => random::normal(shape, *mean, *stddev, dtype, seed(s)),
            Initializer::RandomUniform {
                minval,
                maxval,
                seed: s,
            } => random::uniform(shape, *minval, *maxval, dtype, seed(s)),
            Initializer::TruncatedNormal {
                mean,
                stddev,
                seed: s,
            } => random::truncated_normal(shape, *mean, *stddev, dtype, seed(s)),
            Initializer::VarianceScaling {
                scale,
                mode,
                distribution,
                seed: s,
                ..
            } => {
                let (fan_in, fan_out) = compute_fans(shape);
                let fan = match mode {
                    FanMode::FanIn => fan_in,
                    FanMode::FanOut => fan_out,
                    FanMode::FanAvg => (fan_in + fan_out) / 2.0,
                };
                let scale = scale / fan.max(1.0);
                match distribution {
                    Distribution::TruncatedNormal => random::truncated_normal(
                        shape,
                        0.0,
                        scale.sqrt() / 0.879_625_661_034_239_8,
                        dtype,
                        seed(s),
                    ),
                    Distribution::UntruncatedNormal => {
                        random::normal(shape, 0.0, scale.sqrt(), dtype, seed(s))
                    }
                    Distribution::Uniform => {
                        let limit = (3.0 * scale).sqrt();
                        random::uniform(shape, -limit, limit, dtype, seed(s))
                    }
                }
            }
        }
    }
}

impl TryFrom<&str> for Initializer {
    type Error = Error;
    fn try_from(name: &str) -> Result<Initializer> {
        Initializer::get(name)
    }
}

/// Reads an initializer config field (`kernel_initializer`), with a default.
pub(crate) fn from_config(c: &Config, key: &str, default: Initializer) -> Result<Initializer> {
    match c.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => Initializer::from_json(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fans_and_round_trip() {
        assert_eq!(compute_fans(&[3, 3, 8, 16]), (72.0, 144.0));
        for name in [
            "glorot_uniform",
            "he_normal",
            "zeros",
            "Orthogonal",
            "RandomNormal",
        ] {
            let i = Initializer::get(name).unwrap();
            assert_eq!(Initializer::from_json(&i.to_json()).unwrap(), i);
        }
        assert!(Initializer::get("nope").is_err());
    }

    #[test]
    fn seeded_is_reproducible_and_scaled() {
        let i = Initializer::from_json(&json!({"class_name": "HeNormal", "config": {"seed": 7}}))
            .unwrap();
        let a = i.sample(&[200, 100], DType::F32).unwrap();
        let b = i.sample(&[200, 100], DType::F32).unwrap();
        assert_eq!(a.to_vec::<f32>().unwrap(), b.to_vec::<f32>().unwrap());
        let v = a.to_vec::<f32>().unwrap();
        let var = v.iter().map(|x| (x * x) as f64).sum::<f64>() / v.len() as f64;
        assert!((var - 2.0 / 200.0).abs() < 0.001, "variance {var}");
    }
}
