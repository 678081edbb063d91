//! The STFT initializer: Conv kernels of shape `(frame_length, 1, fft_length / 2 + 1)` that
//! compute the real or imaginary part of a windowed short-time Fourier transform.

use keras_backend::bail;
use keras_ops::{ops, DType, Result, Tensor};
use serde_json::{json, Value};

/// The window applied across time.
#[derive(Clone, Debug, PartialEq)]
pub enum Window {
    /// A `scipy.signal.windows` name: `"hann"`, `"hamming"` or `"boxcar"`.
    Named(String),
    /// Explicit values, one per frame sample.
    Values(Vec<f64>),
}

/// Settings of [`super::Initializer::Stft`].
#[derive(Clone, Debug, PartialEq)]
pub struct Stft {
    /// `true` for `side="real"` (cosines), `false` for `"imag"` (sines).
    pub real: bool,
    /// Window, or none.
    pub window: Option<Window>,
    /// `"density"` (divide by the window's L2 norm) or `"spectrum"` (L1), or none.
    pub scaling: Option<String>,
    /// Periodic (DFT-even) rather than symmetric window.
    pub periodic: bool,
}

impl Default for Stft {
    fn default() -> Self {
        Stft {
            real: true,
            window: Some(Window::Named("hann".into())),
            scaling: Some("density".into()),
            periodic: false,
        }
    }
}

/// `scipy.signal.get_window(name, n, fftbins=periodic)` for the supported names.
fn named_window(name: &str, n: usize, periodic: bool) -> Result<Vec<f64>> {
    let (a, b) = match name {
        "hann" | "hanning" => (0.5, 0.5),
        "hamming" => (0.54, 0.46),
        "boxcar" | "rectangular" | "ones" => return Ok(vec![1.0; n]),
        other => bail!(
            "STFT",
            "window {other:?} is not supported (use hann, hamming, boxcar or explicit values)"
        ),
    };
    if n == 1 {
        return Ok(vec![1.0]);
    }
    let denom = if periodic { n } else { n - 1 } as f64;
    Ok((0..n)
        .map(|i| a - b * (2.0 * std::f64::consts::PI * i as f64 / denom).cos())
        .collect())
}

impl Stft {
    /// From Keras's config keys (`side`, `window`, `scaling`, `periodic`).
    pub fn from_config(c: &serde_json::Map<String, Value>) -> Result<Stft> {
        let side = c.get("side").and_then(Value::as_str).unwrap_or("real");
        if side != "real" && side != "imag" {
            bail!("STFT", "side should be 'real' or 'imag', not {side:?}");
        }
        let window = match c.get("window") {
            None => Some(Window::Named("hann".into())),
            Some(Value::Null) => None,
            Some(Value::String(s)) => {
                named_window(s, 1, false)?;
                Some(Window::Named(s.clone()))
            }
            Some(Value::Array(a)) => Some(Window::Values(
                a.iter()
                    .map(|v| {
                        v.as_f64()
                            .ok_or_else(|| keras_ops::Error::op("STFT", "bad window value"))
                    })
                    .collect::<Result<_>>()?,
            )),
            Some(other) => bail!("STFT", "bad window {other}"),
        };
        let scaling = match c.get("scaling") {
            None => Some("density".to_string()),
            Some(Value::Null) => None,
            Some(Value::String(s)) if s == "density" || s == "spectrum" => Some(s.clone()),
            Some(other) => bail!(
                "STFT",
                "scaling must be null, 'density' or 'spectrum', got {other}"
            ),
        };
        Ok(Stft {
            real: side == "real",
            window,
            scaling,
            periodic: c.get("periodic").and_then(Value::as_bool).unwrap_or(false),
        })
    }

    /// Keras's config (`side`, `window`, `periodic`, `scaling`).
    pub fn config(&self) -> Value {
        let window = match &self.window {
            None => Value::Null,
            Some(Window::Named(n)) => json!(n),
            Some(Window::Values(v)) => json!(v),
        };
        json!({
            "side": if self.real { "real" } else { "imag" },
            "window": window,
            "periodic": self.periodic,
            "scaling": self.scaling,
        })
    }

    /// The kernel for `shape = (frame_length, channels, fft_bins)`.
    pub fn sample(&self, shape: &[usize], dtype: DType) -> Result<Tensor> {
        let [frames, channels, bins] = shape else {
            bail!(
                "STFT",
                "needs a 3-D shape (frame_length, 1, fft_bins), got {shape:?}"
            );
        };
        let (frames, channels, bins) = (*frames, *channels, *bins);
        let win = match &self.window {
            None => None,
            Some(Window::Named(n)) => Some(named_window(n, frames, self.periodic)?),
            Some(Window::Values(v)) if v.len() == frames => Some(v.clone()),
            Some(Window::Values(v)) => bail!(
                "STFT",
                "the window has {} values but frame_length is {frames}",
                v.len()
            ),
        };
        let scale = match (&win, self.scaling.as_deref()) {
            (Some(w), Some("density")) => w.iter().map(|x| x * x).sum::<f64>().sqrt(),
            (Some(w), Some("spectrum")) => w.iter().map(|x| x.abs()).sum::<f64>(),
            _ => 1.0,
        };
        let fft_length = (bins.max(1) - 1) * 2;
        let mut out = Vec::with_capacity(frames * channels * bins);
        for t in 0..frames {
            for _ in 0..channels {
                for f in 0..bins {
                    let freq = f as f64 / fft_length as f64;
                    let arg = -2.0 * t as f64 * freq * std::f64::consts::PI;
                    let v = if self.real { arg.cos() } else { arg.sin() };
                    let w = win.as_ref().map_or(1.0, |w| w[t]);
                    out.push(if win.is_some() { v * w / scale } else { v });
                }
            }
        }
        ops::cast(&Tensor::from_vec(out, [frames, channels, bins])?, dtype)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(t: Tensor, want: &[f64]) {
        let v = t.to_vec::<f64>().unwrap();
        assert!(
            v.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-6),
            "{v:?}"
        );
    }

    /// Values printed by Keras 3.15.1 (JAX) for the same calls.
    #[test]
    fn kernels_match_keras() {
        let r = std::f64::consts::FRAC_1_SQRT_2;
        // keras.initializers.STFT()(shape=(4, 1, 3))
        close(
            Stft::default().sample(&[4, 1, 3], DType::F64).unwrap(),
            &[0.0, 0.0, 0.0, r, 0.0, -r, r, -r, r, 0.0, 0.0, 0.0],
        );
        // keras.initializers.STFT("imag", "hamming", "spectrum", True)(shape=(3, 1, 3))
        let imag = Stft {
            real: false,
            window: Some(Window::Named("hamming".into())),
            scaling: Some("spectrum".into()),
            periodic: true,
        };
        close(
            imag.sample(&[3, 1, 3], DType::F64).unwrap(),
            &[0.0, 0.0, 0.0, 0.0, -0.475_309, 0.0, 0.0, 0.0, 0.0],
        );
    }
}
