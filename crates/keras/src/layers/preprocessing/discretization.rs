//! `Discretization`: buckets continuous values by boundaries, given or adapted as quantiles.

use std::sync::RwLock;

use keras_backend::bail;
use keras_ops::{ops, DType, Result, Tensor};
use serde_json::json;

use super::category_encoding::{encode, OutputMode};
use crate::layers::keras_tensor::TensorSpec;
use crate::layers::{CallArgs, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// Maps each value to the index of its bucket: `i` when `b[i-1] <= x < b[i]` for the sorted
/// `bin_boundaries` `b`, then encodes the index per `output_mode` (Keras's
/// `Discretization`). With `num_bins` instead, [`adapt`](Discretization::adapt) estimates
/// quantile boundaries the way Keras does (approximate to `epsilon`).
///
/// ```
/// use keras::layers::{Discretization, LayerExt};
/// let layer = Discretization::with_boundaries(&[0.0, 1.0, 2.0]);
/// let x = keras::Tensor::from_vec(vec![-1.0f32, 0.5, 2.5], [3]).unwrap();
/// assert_eq!(layer.forward(&x).unwrap().to_vec::<i32>().unwrap(), vec![0, 1, 3]);
/// ```
pub struct Discretization {
    base: LayerBase,
    bin_boundaries: RwLock<Option<Vec<f64>>>,
    num_bins: Option<usize>,
    epsilon: f64,
    output_mode: OutputMode,
}

/// A weighted sample summary: sorted values and their weights (float32, as Keras's numpy).
type Summary = (Vec<f32>, Vec<f32>);

/// `numpy.interp` for increasing `xp`.
fn interp(x: f64, xp: &[f64], fp: &[f64]) -> f64 {
    let j = xp.partition_point(|&v| v <= x);
    if j == 0 {
        return fp[0];
    }
    if j == xp.len() {
        return fp[fp.len() - 1];
    }
    let j = j - 1;
    let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
    slope * (x - xp[j]) + fp[j]
}

/// Keras's `summarize`: every `step`-th sorted value, each weighing `step`.
fn summarize(values: &[f32], epsilon: f64) -> Summary {
    let mut v = values.to_vec();
    v.sort_by(f32::total_cmp);
    let step = (v.len() as f64 / (1.0 / epsilon)).max(1.0);
    let (start, stride) = ((step - 1.0) as usize, step as usize);
    let picked: Vec<f32> = v
        .iter()
        .skip(start)
        .step_by(stride.max(1))
        .copied()
        .collect();
    let weights = vec![step as f32; picked.len()];
    (picked, weights)
}

/// Keras's `compress_summary`: re-buckets the summary at quantiles spaced `epsilon` apart.
fn compress(s: Summary, epsilon: f64) -> Summary {
    if (s.0.len() as f64) * epsilon < 1.0 {
        return s;
    }
    let n = (1.0 / epsilon).ceil() as usize;
    let percents: Vec<f64> = (0..n).map(|i| epsilon + i as f64 * epsilon).collect();
    let mut acc = 0f32;
    let cum: Vec<f32> =
        s.1.iter()
            .map(|&w| {
                acc += w;
                acc
            })
            .collect();
    let total = cum[cum.len() - 1];
    let cum_pct: Vec<f64> = cum.iter().map(|&c| (c / total) as f64).collect();
    let values: Vec<f64> = s.0.iter().map(|&v| v as f64).collect();
    let cum64: Vec<f64> = cum.iter().map(|&c| c as f64).collect();
    let bins = percents
        .iter()
        .map(|&p| interp(p, &cum_pct, &values) as f32)
        .collect();
    let cw: Vec<f64> = percents
        .iter()
        .map(|&p| interp(p, &cum_pct, &cum64))
        .collect();
    let weights = (0..cw.len())
        .map(|i| (cw[i] - if i == 0 { 0.0 } else { cw[i - 1] }) as f32)
        .collect();
    (bins, weights)
}

impl Discretization {
    /// Buckets split at the sorted `bin_boundaries` (integer output).
    pub fn with_boundaries(bin_boundaries: &[f64]) -> Discretization {
        Discretization {
            base: LayerBase::new("Discretization", None),
            bin_boundaries: RwLock::new(Some(bin_boundaries.to_vec())),
            num_bins: None,
            epsilon: 0.01,
            output_mode: OutputMode::Int,
        }
    }
    /// `num_bins` buckets whose boundaries [`adapt`](Discretization::adapt) estimates.
    pub fn with_num_bins(num_bins: usize) -> Discretization {
        Discretization {
            bin_boundaries: RwLock::new(None),
            num_bins: Some(num_bins),
            ..Discretization::with_boundaries(&[])
        }
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> Discretization {
        self.base = self.base.renamed(name);
        self
    }
    /// The quantile precision of [`adapt`](Discretization::adapt) (default 0.01).
    pub fn epsilon(mut self, epsilon: f64) -> Discretization {
        self.epsilon = epsilon;
        self
    }
    /// How bucket indices are encoded (default `Int`).
    pub fn output_mode(mut self, mode: OutputMode) -> Discretization {
        self.output_mode = mode;
        self
    }
    /// The current boundaries (`None` before adapting a `num_bins` layer).
    pub fn bin_boundaries(&self) -> Option<Vec<f64>> {
        self.bin_boundaries
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
    /// From Keras's config (`sparse=true` is refused).
    pub fn from_config(c: &Config) -> Result<Discretization> {
        let n = "Discretization";
        let bins: Option<Vec<f64>> = c.get_or("bin_boundaries", None, n)?;
        let num_bins: Option<usize> = c.get_or("num_bins", None, n)?;
        // An adapted layer's config carries both (Keras then applies the boundaries).
        if bins.is_none() && num_bins.is_none() {
            bail!(n, "set num_bins or bin_boundaries, got {c:?}");
        }
        if c.get_or("sparse", false, n)? {
            bail!(n, "sparse=True is not supported");
        }
        let mode: String = c.get_or("output_mode", "int".to_string(), n)?;
        Ok(Discretization {
            base: LayerBase::from_config(n, c)?,
            bin_boundaries: RwLock::new(bins),
            num_bins,
            epsilon: c.get_or("epsilon", 0.01, n)?,
            output_mode: OutputMode::parse(&mode, n)?,
        })
    }

    /// Estimates `num_bins` quantile boundaries from `data` (Keras's `adapt`, one batch).
    pub fn adapt(&self, data: &Tensor) -> Result<()> {
        let Some(num_bins) = self.num_bins else {
            bail!(
                "Discretization",
                "layer {:?} was given bin_boundaries; use num_bins to adapt it",
                self.base.name()
            );
        };
        if num_bins == 0 || data.size() == 0 {
            bail!(
                "Discretization",
                "layer {:?} needs num_bins >= 1 and non-empty data, got {num_bins} and shape {}",
                self.base.name(),
                data.shape()
            );
        }
        let values = ops::cast(data, DType::F32)?.to_vec::<f32>()?;
        let summary = compress(summarize(&values, self.epsilon), self.epsilon);
        let (mut bins, _) = compress(summary, 1.0 / num_bins as f64);
        bins.pop();
        *self
            .bin_boundaries
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Some(bins.iter().map(|&b| b as f64).collect());
        Ok(())
    }

    fn depth(&self) -> usize {
        self.bin_boundaries()
            .map_or(self.num_bins.unwrap_or(0), |b| b.len() + 1)
    }
    fn output_dtype(&self) -> DType {
        if self.output_mode == OutputMode::Int {
            DType::I32
        } else {
            self.base.compute_dtype()
        }
    }
}

impl Layer for Discretization {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "Discretization"
    }
    /// Float inputs are cast to float32 (Keras's `input_dtype` is `floatx()`), whatever the
    /// policy.
    fn input_dtype(&self) -> DType {
        DType::F32
    }
    /// Keras writes only these keys, `dtype` as the policy name.
    fn get_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("bin_boundaries".into(), json!(self.bin_boundaries()));
        c.insert("num_bins".into(), json!(self.num_bins));
        c.insert("epsilon".into(), json!(self.epsilon));
        c.insert("output_mode".into(), json!(self.output_mode.name()));
        c.insert("sparse".into(), json!(false));
        c.insert("name".into(), json!(self.base.name()));
        c.insert("dtype".into(), json!(self.base.dtype_policy().name()));
        c
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        let Some(bins) = self.bin_boundaries() else {
            bail!(
                "Discretization",
                "layer {:?}: pass bin_boundaries or call adapt() before using the layer",
                self.base.name()
            );
        };
        let b = Tensor::from_vec(
            bins.iter().map(|&v| v as f32).collect::<Vec<_>>(),
            [bins.len()],
        )?;
        let idx = ops::digitize(&inputs[0], &b)?;
        Ok(vec![encode(
            &idx,
            self.output_mode,
            bins.len() + 1,
            self.output_dtype(),
            None,
        )?])
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let s = &inputs[0].shape;
        let depth = Some(self.depth());
        let shape = match self.output_mode {
            OutputMode::Int => s.clone(),
            OutputMode::OneHot if s.len() > 1 && s.last() == Some(&Some(1)) => {
                let mut out = s[..s.len() - 1].to_vec();
                out.push(depth);
                out
            }
            OutputMode::OneHot => {
                let mut out = s.clone();
                out.push(depth);
                out
            }
            _ if s.len() >= 2 => {
                let mut out = vec![s[0]];
                out.extend_from_slice(&s[2..]);
                out.push(depth);
                out
            }
            _ => vec![depth],
        };
        Ok(vec![TensorSpec::new(shape, self.output_dtype())])
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::LayerExt;

    fn adapted(num_bins: usize, epsilon: f64, data: Vec<f32>) -> Vec<f64> {
        let l = Discretization::with_num_bins(num_bins).epsilon(epsilon);
        let n = data.len();
        l.adapt(&Tensor::from_vec(data, [n]).unwrap()).unwrap();
        l.bin_boundaries().unwrap()
    }

    #[test]
    fn config_matches_keras() {
        // keras.layers.Discretization(bin_boundaries=[0., 1.]).get_config()
        let expected = r#"{"bin_boundaries": [0.0, 1.0], "num_bins": null, "epsilon": 0.01, "output_mode": "int", "sparse": false, "name": "discretization", "dtype": "float32"}"#;
        let c = Discretization::with_boundaries(&[0.0, 1.0])
            .named("discretization")
            .get_config();
        crate::layers::testing::assert_keras_config(&c, expected);
        assert_eq!(Discretization::from_config(&c).unwrap().get_config(), c);
        let c = Discretization::with_num_bins(4)
            .output_mode(OutputMode::OneHot)
            .get_config();
        assert_eq!(c["bin_boundaries"], json!(null));
        assert_eq!(Discretization::from_config(&c).unwrap().get_config(), c);
    }

    #[test]
    fn adapt_matches_keras() {
        // l = keras.layers.Discretization(num_bins=..., epsilon=...); l.update_state(data);
        // l.finalize_state(); l.bin_boundaries
        let b = adapted(4, 0.01, (0..20).map(|i| i as f32 * 0.37).collect());
        assert_eq!(
            b,
            vec![
                1.480_000_019_073_486_3,
                3.329_999_923_706_054_7,
                5.180_000_305_175_781
            ]
        );
        let b = adapted(3, 0.1, vec![5.0, 1.0, 3.0, 2.0, 9.0, 7.0, 4.0]);
        assert_eq!(b, vec![2.333_333_253_860_473_6, 4.666_666_507_720_947]);
        // np.linspace(0, 1, 1000).astype("float32") ** 2, num_bins=5
        let data: Vec<f32> = (0..1000)
            .map(|i| {
                let v = (i as f64 / 999.0) as f32;
                v * v
            })
            .collect();
        let b = adapted(5, 0.01, data);
        let want = [0.039_680_257, 0.159_519_73, 0.359_519_57, 0.639_679_6];
        assert!(
            b.iter().zip(want).all(|(a, w)| (a - w).abs() < 1e-6),
            "{b:?}"
        );
    }

    #[test]
    fn buckets_and_encodings_match_keras() {
        // keras.layers.Discretization(bin_boundaries=[0., 1., 2.], output_mode=...)(x)
        let x = Tensor::from_vec(vec![0.1f32, 0.5, 1.5, 2.5, -1.0, 3.0], [2, 3]).unwrap();
        let l = Discretization::with_boundaries(&[0.0, 1.0, 2.0]);
        assert_eq!(
            l.forward(&x).unwrap().to_vec::<i32>().unwrap(),
            vec![1, 1, 2, 3, 0, 3]
        );
        let count =
            Discretization::with_boundaries(&[0.0, 1.0, 2.0]).output_mode(OutputMode::Count);
        let y = count.forward(&x).unwrap();
        assert_eq!(
            y.to_vec::<f32>().unwrap(),
            vec![0., 2., 1., 0., 1., 0., 0., 2.]
        );
        let spec = [TensorSpec::new(vec![None, Some(3)], DType::F32)];
        assert_eq!(
            count.compute_output_spec(&spec).unwrap()[0].shape,
            vec![None, Some(4)]
        );
        let int = &l.compute_output_spec(&spec).unwrap()[0];
        assert_eq!(
            (int.shape.clone(), int.dtype),
            (vec![None, Some(3)], DType::I32)
        );
        assert!(Discretization::with_num_bins(2).forward(&x).is_err());
        assert!(l.adapt(&x).is_err());
    }
}
