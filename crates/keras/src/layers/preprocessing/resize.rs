//! Image resizing as Keras's JAX backend does it (`jax.image.resize` after an optional
//! crop or pad to the target aspect ratio), shared by `Resizing` and `CenterCrop`.

use keras_backend::bail;
use keras_ops::{ops, DType, Result, Tensor};

use crate::layers::DataFormat;

/// The resampling kernel (Keras's `interpolation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interpolation {
    /// Nearest pixel.
    Nearest,
    /// Triangle kernel.
    Bilinear,
    /// Keys cubic kernel (a = -0.5).
    Bicubic,
    /// Lanczos kernel of radius 3.
    Lanczos3,
    /// Lanczos kernel of radius 5.
    Lanczos5,
}

impl Interpolation {
    /// From the Keras string.
    pub fn parse(s: &str) -> Result<Interpolation> {
        Ok(match s {
            "nearest" => Interpolation::Nearest,
            "bilinear" => Interpolation::Bilinear,
            "bicubic" => Interpolation::Bicubic,
            "lanczos3" => Interpolation::Lanczos3,
            "lanczos5" => Interpolation::Lanczos5,
            other => bail!(
                "Resizing",
                "unsupported interpolation {other:?}; expected one of \"nearest\", \
                 \"bilinear\", \"bicubic\", \"lanczos3\", \"lanczos5\""
            ),
        })
    }
    /// The Keras string.
    pub fn name(self) -> &'static str {
        match self {
            Interpolation::Nearest => "nearest",
            Interpolation::Bilinear => "bilinear",
            Interpolation::Bicubic => "bicubic",
            Interpolation::Lanczos3 => "lanczos3",
            Interpolation::Lanczos5 => "lanczos5",
        }
    }
    fn kernel(self, x: f64) -> f64 {
        let lanczos = |r: f64| {
            if x > r {
                0.0
            } else if x > 1e-3 {
                let pi = std::f64::consts::PI;
                r * (pi * x).sin() * (pi * x / r).sin() / (pi * pi * x * x)
            } else {
                1.0
            }
        };
        match self {
            Interpolation::Nearest | Interpolation::Bilinear => (1.0 - x).max(0.0),
            Interpolation::Bicubic if x >= 2.0 => 0.0,
            Interpolation::Bicubic if x >= 1.0 => ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0,
            Interpolation::Bicubic => (1.5 * x - 2.5) * x * x + 1.0,
            Interpolation::Lanczos3 => lanczos(3.0),
            Interpolation::Lanczos5 => lanczos(5.0),
        }
    }
}

/// What to resize to and how.
#[derive(Clone, Debug)]
pub(crate) struct ResizeOptions {
    pub height: usize,
    pub width: usize,
    pub interpolation: Interpolation,
    pub crop_to_aspect_ratio: bool,
    pub pad_to_aspect_ratio: bool,
    pub fill_value: f64,
    pub antialias: bool,
    pub data_format: DataFormat,
}

/// `(out, in)` weights of one axis (`jax.image.scale_and_translate`'s weight matrix), or
/// the source index per output for nearest.
fn axis_weights(
    n_in: usize,
    n_out: usize,
    interp: Interpolation,
    antialias: bool,
) -> Vec<Vec<f64>> {
    if interp == Interpolation::Nearest {
        return (0..n_out)
            .map(|o| {
                let src = (((o as f32 + 0.5) * n_in as f32) / n_out as f32).floor() as usize;
                (0..n_in)
                    .map(|j| if j == src.min(n_in - 1) { 1.0 } else { 0.0 })
                    .collect()
            })
            .collect();
    }
    let inv_scale = n_in as f64 / n_out as f64;
    let kernel_scale = if antialias { inv_scale.max(1.0) } else { 1.0 };
    (0..n_out)
        .map(|o| {
            let sample = (o as f64 + 0.5) * inv_scale - 0.5;
            let mut w: Vec<f64> = (0..n_in)
                .map(|j| interp.kernel((sample - j as f64).abs() / kernel_scale))
                .collect();
            let total: f64 = w.iter().sum();
            let inside = sample >= -0.5 && sample <= n_in as f64 - 0.5;
            let norm = if total.abs() > 1000.0 * f32::EPSILON as f64 && inside {
                total
            } else {
                f64::INFINITY
            };
            w.iter_mut().for_each(|v| *v /= norm);
            w
        })
        .collect()
}

/// Resamples NHWC `data` of `dims` along axis 1 (H) or 2 (W) with `weights[out][in]`.
fn resample(
    data: &[f64],
    dims: [usize; 4],
    axis: usize,
    weights: &[Vec<f64>],
) -> (Vec<f64>, [usize; 4]) {
    let mut out_dims = dims;
    out_dims[axis] = weights.len();
    let outer: usize = dims[..axis].iter().product();
    let inner: usize = dims[axis + 1..].iter().product();
    let (n_in, n_out) = (dims[axis], weights.len());
    let mut out = vec![0.0; outer * n_out * inner];
    for a in 0..outer {
        for (o, w) in weights.iter().enumerate() {
            let dst = &mut out[(a * n_out + o) * inner..(a * n_out + o + 1) * inner];
            for (j, &wj) in w.iter().enumerate().filter(|(_, &wj)| wj != 0.0) {
                let src = &data[(a * n_in + j) * inner..(a * n_in + j + 1) * inner];
                dst.iter_mut().zip(src).for_each(|(d, s)| *d += wj * s);
            }
        }
    }
    (out, out_dims)
}

/// The start and size of the centered window of aspect `th/tw` inside `h × w` (Keras's
/// crop box; for padding the returned "size" is the padded extent).
fn aspect_box(h: usize, w: usize, th: usize, tw: usize, pad: bool) -> (usize, usize, usize, usize) {
    let box_h = ((w * th) as f64 / tw as f64) as usize;
    let box_w = ((h * tw) as f64 / th as f64) as usize;
    if pad {
        let (ph, pw) = (h.max(box_h), w.max(box_w));
        ((ph - h) / 2, (pw - w) / 2, ph, pw)
    } else {
        let (ch, cw) = (box_h.min(h).max(1), box_w.min(w).max(1));
        ((h - ch) / 2, (w - cw) / 2, ch, cw)
    }
}

/// Crops `nhwc` to the target aspect ratio around its center.
pub(crate) fn crop_to_aspect(nhwc: &Tensor, th: usize, tw: usize) -> Result<Tensor> {
    let d = nhwc.dims();
    let (h0, w0, ch, cw) = aspect_box(d[1], d[2], th, tw, false);
    center_window(nhwc, h0, w0, ch, cw)
}

/// The `h × w` window of `nhwc` starting at `(h0, w0)`.
pub(crate) fn center_window(
    nhwc: &Tensor,
    h0: usize,
    w0: usize,
    h: usize,
    w: usize,
) -> Result<Tensor> {
    let d = nhwc.dims();
    ops::slice(
        nhwc,
        &[0, h0 as i64, w0 as i64, 0],
        &[d[0] as i64, h as i64, w as i64, d[3] as i64],
    )
}

/// Moves `x` (rank 3 or 4, in `format`) to a batched NHWC tensor of `dtype`; returns it and
/// a function undoing the move.
pub(crate) fn to_nhwc(
    x: &Tensor,
    format: DataFormat,
    dtype: DType,
    owner: &str,
) -> Result<(Tensor, impl Fn(Tensor) -> Result<Tensor>)> {
    let rank = x.rank();
    if rank != 3 && rank != 4 {
        bail!(
            owner,
            "expected an image of rank 3 (unbatched) or 4 (batched), got shape {}",
            x.shape()
        );
    }
    let mut t = ops::cast(x, dtype)?;
    if rank == 3 {
        t = ops::expand_dims(&t, 0)?;
    }
    if format == DataFormat::ChannelsFirst {
        t = ops::transpose(&t, Some(&[0, 2, 3, 1][..]))?;
    }
    let back = move |y: Tensor| -> Result<Tensor> {
        let y = if format == DataFormat::ChannelsFirst {
            ops::transpose(&y, Some(&[0, 3, 1, 2][..]))?
        } else {
            y
        };
        if rank == 3 {
            ops::squeeze(&y, 0)
        } else {
            Ok(y)
        }
    };
    Ok((t, back))
}

/// Resizes a batched NHWC float tensor to `height × width`.
pub(crate) fn resize_nhwc(x: &Tensor, o: &ResizeOptions) -> Result<Tensor> {
    let mut x = x.clone();
    let d = x.dims().to_vec();
    if o.crop_to_aspect_ratio {
        x = crop_to_aspect(&x, o.height, o.width)?;
    } else if o.pad_to_aspect_ratio {
        let (hs, ws, _, _) = aspect_box(d[1], d[2], o.height, o.width, true);
        // Keras pads the start amount on both sides of one axis.
        if hs > 0 || ws > 0 {
            let w = if hs > 0 { 0 } else { ws };
            let pads = vec![(0, 0), (hs, hs), (w, w), (0, 0)];
            x = ops::pad(&x, pads, "constant", Some(o.fill_value))?;
        }
    }
    let dtype = x.dtype();
    let dims: [usize; 4] = x.dims().try_into().expect("rank 4");
    if dims[1] == 0 || dims[2] == 0 || o.height == 0 || o.width == 0 {
        bail!(
            "Resizing",
            "cannot resize image of shape {:?} to {}x{}",
            dims,
            o.height,
            o.width
        );
    }
    let data = ops::cast(&x, DType::F64)?.to_vec::<f64>()?;
    let wh = axis_weights(dims[1], o.height, o.interpolation, o.antialias);
    let ww = axis_weights(dims[2], o.width, o.interpolation, o.antialias);
    let (data, dims) = resample(&data, dims, 1, &wh);
    let (data, dims) = resample(&data, dims, 2, &ww);
    ops::cast(&Tensor::from_vec(data, dims.to_vec())?, dtype)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_and_bilinear_weights() {
        // jax.image.resize(jnp.arange(4.), (2,), "linear") = [0.5, 2.5];
        // upsampling 2 -> 4 gives [0, 0.25, 0.75, 1] · [a, b] rows.
        let w = axis_weights(4, 2, Interpolation::Bilinear, false);
        assert_eq!(w[0], vec![0.5, 0.5, 0.0, 0.0]);
        let w = axis_weights(2, 4, Interpolation::Bilinear, false);
        assert_eq!(
            w,
            vec![
                vec![1.0, 0.0],
                vec![0.75, 0.25],
                vec![0.25, 0.75],
                vec![0.0, 1.0]
            ]
        );
        let w = axis_weights(3, 5, Interpolation::Nearest, false);
        let src: Vec<usize> = w
            .iter()
            .map(|r| r.iter().position(|&v| v == 1.0).unwrap())
            .collect();
        assert_eq!(src, vec![0, 0, 1, 2, 2]);
        assert_eq!(aspect_box(4, 6, 2, 2, false), (0, 1, 4, 4));
        assert_eq!(aspect_box(4, 6, 2, 2, true), (1, 0, 6, 6));
    }
}
