//! `keras.random`: seeded samplers on a counter-based generator ([`philox`]), so one seed
//! gives the same numbers on every run, thread count and backend.
//!
//! A seed is an integer (stateless: the same draw every call) or a [`SeedGenerator`]
//! (advances on each draw, as Keras's layers use it).
//!
//! ```
//! use keras_ops::random::{self, SeedGenerator};
//! use keras_ops::DType;
//! let a = random::normal(&[3], 0.0, 1.0, DType::F32, 42).unwrap();
//! let b = random::normal(&[3], 0.0, 1.0, DType::F32, 42).unwrap();
//! assert_eq!(a.to_vec::<f32>().unwrap(), b.to_vec::<f32>().unwrap());
//! let gen = SeedGenerator::new(7);
//! let c = random::uniform(&[2], 0.0, 1.0, DType::F32, &gen).unwrap();
//! let d = random::uniform(&[2], 0.0, 1.0, DType::F32, &gen).unwrap();
//! assert_ne!(c.to_vec::<f32>().unwrap(), d.to_vec::<f32>().unwrap());
//! ```

pub mod philox;

use std::sync::Mutex;

use keras_backend::{bail, DType, HostBuffer, Result};

use crate::ops::{self, checked_size};
use crate::tensor::Tensor;

/// A stream of seeds (`keras.random.SeedGenerator`): state `[seed, counter]`, the counter
/// advancing by one on every draw.
#[derive(Debug)]
pub struct SeedGenerator {
    state: Mutex<[u32; 2]>,
}

impl SeedGenerator {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> SeedGenerator {
        SeedGenerator {
            state: Mutex::new([seed as u32 ^ (seed >> 32) as u32, 0]),
        }
    }

    /// The current `[seed, counter]` pair, then advances the counter.
    pub fn next(&self) -> [u32; 2] {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let out = *s;
        s[1] = s[1].wrapping_add(1);
        out
    }

    /// The current state (for saving).
    pub fn state(&self) -> [u32; 2] {
        *self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Restores a saved state.
    pub fn set_state(&self, state: [u32; 2]) {
        *self.state.lock().unwrap_or_else(|p| p.into_inner()) = state;
    }
}

/// A `seed` argument: an integer or a [`SeedGenerator`].
pub enum Seed<'a> {
    /// Stateless: the same numbers for the same integer.
    Int(u64),
    /// Draws the next seed from the generator.
    Generator(&'a SeedGenerator),
}

impl From<u64> for Seed<'_> {
    fn from(s: u64) -> Self {
        Seed::Int(s)
    }
}
impl From<i32> for Seed<'_> {
    fn from(s: i32) -> Self {
        Seed::Int(s as u64)
    }
}
impl<'a> From<&'a SeedGenerator> for Seed<'a> {
    fn from(g: &'a SeedGenerator) -> Self {
        Seed::Generator(g)
    }
}

impl Seed<'_> {
    /// The Philox key for this draw.
    fn key(self) -> [u32; 2] {
        match self {
            Seed::Int(s) => [s as u32, (s >> 32) as u32 ^ 0x5EED_0000],
            Seed::Generator(g) => g.next(),
        }
    }
}

/// Uniform floats in `[0, 1)` with 53 random bits each (two words per value).
fn unit_uniform(key: [u32; 2], n: usize) -> Vec<f64> {
    philox::random_bits(key, 2 * n)
        .chunks_exact(2)
        .map(|w| ((((w[0] as u64) << 32) | w[1] as u64) >> 11) as f64 * (1.0 / (1u64 << 53) as f64))
        .collect()
}

/// Standard normal samples by the Box–Muller transform.
fn standard_normal(key: [u32; 2], n: usize) -> Vec<f64> {
    let u = unit_uniform(key, n + n % 2);
    let mut out = Vec::with_capacity(n + 1);
    for p in u.chunks_exact(2) {
        let r = (-2.0 * (1.0 - p[0]).ln()).sqrt();
        let t = 2.0 * std::f64::consts::PI * p[1];
        out.push(r * t.cos());
        out.push(r * t.sin());
    }
    out.truncate(n);
    out
}

fn float_tensor(values: Vec<f64>, shape: &[usize], dtype: DType, op: &str) -> Result<Tensor> {
    if !dtype.is_float() {
        bail!(op, "dtype must be a float type, got {dtype}");
    }
    Tensor::from_host(HostBuffer::from(values).cast(dtype), shape)
}

/// Uniform samples in `[minval, maxval)` (`keras.random.uniform`).
pub fn uniform<'a>(
    shape: &[usize],
    minval: f64,
    maxval: f64,
    dtype: DType,
    seed: impl Into<Seed<'a>>,
) -> Result<Tensor> {
    let n = checked_size(shape, "uniform")?;
    let v = unit_uniform(seed.into().key(), n)
        .into_iter()
        .map(|u| minval + (maxval - minval) * u)
        .collect();
    float_tensor(v, shape, dtype, "uniform")
}

/// Normal samples (`keras.random.normal`).
pub fn normal<'a>(
    shape: &[usize],
    mean: f64,
    stddev: f64,
    dtype: DType,
    seed: impl Into<Seed<'a>>,
) -> Result<Tensor> {
    let n = checked_size(shape, "normal")?;
    let v = standard_normal(seed.into().key(), n)
        .into_iter()
        .map(|z| mean + stddev * z)
        .collect();
    float_tensor(v, shape, dtype, "normal")
}

/// Normal samples redrawn until within two standard deviations of the mean
/// (`keras.random.truncated_normal`).
pub fn truncated_normal<'a>(
    shape: &[usize],
    mean: f64,
    stddev: f64,
    dtype: DType,
    seed: impl Into<Seed<'a>>,
) -> Result<Tensor> {
    let n = checked_size(shape, "truncated_normal")?;
    let key = seed.into().key();
    // Each element owns a private stream of candidates, so values never depend on how
    // many rejections other elements needed.
    let v = (0..n)
        .map(|i| {
            let sub = philox::philox4x32([i as u32, (i >> 32) as u32, 1, 0], key);
            let k = [sub[0], sub[1]];
            let mut batch = 0;
            loop {
                for z in standard_normal([k[0] ^ batch, k[1]], 8) {
                    if z.abs() <= 2.0 {
                        return mean + stddev * z;
                    }
                }
                batch += 1;
            }
        })
        .collect();
    float_tensor(v, shape, dtype, "truncated_normal")
}

/// Integers uniform in `[minval, maxval)` (`keras.random.randint`, default dtype int32).
pub fn randint<'a>(
    shape: &[usize],
    minval: i64,
    maxval: i64,
    dtype: DType,
    seed: impl Into<Seed<'a>>,
) -> Result<Tensor> {
    if maxval <= minval {
        bail!(
            "randint",
            "maxval ({maxval}) must be greater than minval ({minval})"
        );
    }
    if dtype.is_float() || dtype == DType::Bool {
        bail!("randint", "dtype must be an integer type, got {dtype}");
    }
    let n = checked_size(shape, "randint")?;
    let span = (maxval - minval) as u128;
    let v: Vec<i64> = philox::random_bits(seed.into().key(), 2 * n)
        .chunks_exact(2)
        .map(|w| {
            let r = ((w[0] as u128) << 32) | w[1] as u128;
            minval + ((r * span) >> 64) as i64
        })
        .collect();
    Tensor::from_host(HostBuffer::from(v).cast(dtype), shape)
}

/// Zeroes elements with probability `rate` and scales the rest by `1 / (1 - rate)`
/// (`keras.random.dropout`); `noise_shape` broadcasts one mask over some axes.
pub fn dropout<'a>(
    x: &Tensor,
    rate: f64,
    noise_shape: Option<&[usize]>,
    seed: impl Into<Seed<'a>>,
) -> Result<Tensor> {
    if !(0.0..1.0).contains(&rate) {
        bail!("dropout", "rate must be in [0, 1), got {rate}");
    }
    let shape = noise_shape.unwrap_or(x.dims());
    let u = uniform(shape, 0.0, 1.0, DType::F32, seed)?;
    let keep = ops::greater_equal(&u, rate)?;
    let scale = ops::divide(&ops::cast(&keep, x.dtype())?, 1.0 - rate)?;
    ops::multiply(x, &scale)
}

/// A random permutation of `x` along `axis` (`keras.random.shuffle`).
pub fn shuffle<'a>(x: &Tensor, axis: i64, seed: impl Into<Seed<'a>>) -> Result<Tensor> {
    let ax = crate::shape::normalize_axis(axis, x.rank(), "shuffle")?;
    let n = x.dims()[ax];
    // Fisher–Yates driven by the counter stream.
    let bits = philox::random_bits(seed.into().key(), n);
    let mut perm: Vec<i64> = (0..n as i64).collect();
    for i in (1..n).rev() {
        let j = ((bits[i] as u64 * (i as u64 + 1)) >> 32) as usize;
        perm.swap(i, j);
    }
    let idx = Tensor::from_vec(perm, [n])?;
    ops::take(x, &idx, Some(ax as i64))
}

/// Draws `num_samples` class indices per row of `logits` (`[batch, classes]`) by the
/// Gumbel-max trick (`keras.random.categorical`).
pub fn categorical<'a>(
    logits: &Tensor,
    num_samples: usize,
    dtype: DType,
    seed: impl Into<Seed<'a>>,
) -> Result<Tensor> {
    if logits.rank() != 2 {
        bail!(
            "categorical",
            "logits must be 2-D [batch, classes], got shape {}",
            logits.shape()
        );
    }
    let (b, c) = (logits.dims()[0], logits.dims()[1]);
    let u = unit_uniform(seed.into().key(), b * num_samples * c);
    let lv = ops::cast(logits, DType::F64)?.to_vec::<f64>()?;
    let mut out = Vec::with_capacity(b * num_samples);
    for row in 0..b {
        for s in 0..num_samples {
            let mut best = (f64::NEG_INFINITY, 0i64);
            for k in 0..c {
                let ui = u[(row * num_samples + s) * c + k].max(f64::MIN_POSITIVE);
                let score = lv[row * c + k] - (-ui.ln()).ln();
                if score > best.0 {
                    best = (score, k as i64);
                }
            }
            out.push(best.1);
        }
    }
    Tensor::from_host(HostBuffer::from(out).cast(dtype), [b, num_samples])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_numbers_and_sane_moments() {
        let a = normal(&[10000], 1.0, 2.0, DType::F64, 3)
            .unwrap()
            .to_vec::<f64>()
            .unwrap();
        let b = normal(&[10000], 1.0, 2.0, DType::F64, 3)
            .unwrap()
            .to_vec::<f64>()
            .unwrap();
        assert_eq!(a, b);
        let m = a.iter().sum::<f64>() / a.len() as f64;
        let v = a.iter().map(|x| (x - m).powi(2)).sum::<f64>() / a.len() as f64;
        assert!((m - 1.0).abs() < 0.06, "mean {m}");
        assert!((v.sqrt() - 2.0).abs() < 0.06, "std {}", v.sqrt());
        let t = truncated_normal(&[5000], 0.0, 1.0, DType::F32, 1)
            .unwrap()
            .to_vec::<f32>()
            .unwrap();
        assert!(t.iter().all(|x| x.abs() <= 2.0));
        let r = randint(&[1000], -3, 4, DType::I32, 9)
            .unwrap()
            .to_vec::<i32>()
            .unwrap();
        assert!(r.iter().all(|&x| (-3..4).contains(&x)));
        assert!((-3..4).all(|k| r.contains(&k)));
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let x = ops::arange(0.0, 50.0, 1.0, None).unwrap();
        let mut s = shuffle(&x, 0, 5).unwrap().to_vec::<i32>().unwrap();
        assert_ne!(s, (0..50).collect::<Vec<_>>());
        s.sort();
        assert_eq!(s, (0..50).collect::<Vec<_>>());
    }

    /// The numbers for a seed are part of the contract (initial weights and dropout masks are
    /// reproducible across runs, versions and backends): these are pinned.
    #[test]
    fn pinned_values_for_seed_42() {
        let u = uniform(&[4], 0.0, 1.0, DType::F64, 42).unwrap();
        let g = SeedGenerator::new(42);
        let n = normal(&[3], 0.0, 1.0, DType::F64, &g).unwrap();
        let r = randint(&[5], 0, 100, DType::I32, 42).unwrap();
        let close = |got: Vec<f64>, want: &[f64]| {
            assert!(
                got.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-15),
                "{got:?}"
            );
        };
        close(
            u.to_vec().unwrap(),
            &[
                0.43702312121064757,
                0.6288625229544459,
                0.08773873257213716,
                0.7110624231606705,
            ],
        );
        close(
            n.to_vec().unwrap(),
            &[1.234541820550271, 0.6118499355304586, -2.9550533475152116],
        );
        assert_eq!(r.to_vec::<i32>().unwrap(), vec![43, 62, 8, 71, 85]);
    }
}
