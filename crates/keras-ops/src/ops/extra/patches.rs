//! Sliding blocks of channels-first images: `unfold` (im2col) extracts them and `fold`
//! (col2im) sums them back into an image.
//!
//! ```
//! use keras_ops::{ops, DType};
//! let x = ops::ones(&[1, 2, 4, 4], DType::F32).unwrap();
//! let cols = ops::unfold(&x, 2, 1, 0, 2).unwrap();
//! assert_eq!(cols.dims(), &[1, 8, 4]);
//! let back = ops::fold(&cols, [4, 4], 2, 1, 0, 2).unwrap();
//! assert_eq!(back.to_vec::<f32>().unwrap(), vec![1.0; 32]);
//! ```

use keras_backend::{bail, Result};

use crate::ops::layout::slice_axis;
use crate::ops::{add, expand_dims, get_item, pad, reshape, stack, zeros, Index, IntOrTuple};
use crate::tensor::Tensor;

/// Resolved two-dim window arguments.
struct Window {
    kernel: Vec<usize>,
    dilation: Vec<usize>,
    padding: Vec<usize>,
    stride: Vec<usize>,
}

impl Window {
    fn new(
        kernel: IntOrTuple,
        dilation: IntOrTuple,
        padding: IntOrTuple,
        stride: IntOrTuple,
        op: &str,
    ) -> Result<Window> {
        Ok(Window {
            kernel: kernel.resolve(2, 1, "kernel_size", op)?,
            dilation: dilation.resolve(2, 1, "dilation", op)?,
            padding: padding.resolve(2, 0, "padding", op)?,
            stride: stride.resolve(2, 1, "stride", op)?,
        })
    }

    /// Number of block positions along spatial dim `i` of an unpadded size `size`.
    fn blocks(&self, i: usize, size: usize, op: &str) -> Result<usize> {
        let padded = size + 2 * self.padding[i];
        let span = self.dilation[i] * (self.kernel[i] - 1) + 1;
        if padded < span {
            bail!(op, "the window spans {span} but the padded input has only {padded} along spatial dim {i}");
        }
        Ok((padded - span) / self.stride[i] + 1)
    }
}

fn i64s(dims: &[usize]) -> Vec<i64> {
    dims.iter().map(|&d| d as i64).collect()
}

/// Extracts the sliding `kernel_size` blocks of a channels-first image `[n, c, h, w]` into
/// columns `[n, c * kh * kw, blocks]` (`keras.ops.unfold`). Each argument is one int for
/// both spatial dims or a pair.
pub fn unfold(
    x: &Tensor,
    kernel_size: impl Into<IntOrTuple>,
    dilation: impl Into<IntOrTuple>,
    padding: impl Into<IntOrTuple>,
    stride: impl Into<IntOrTuple>,
) -> Result<Tensor> {
    let op = "unfold";
    if x.rank() != 4 {
        bail!(
            op,
            "expected a 4-D (N, C, H, W) tensor, got shape {}",
            x.shape()
        );
    }
    let w = Window::new(
        kernel_size.into(),
        dilation.into(),
        padding.into(),
        stride.into(),
        op,
    )?;
    let [n, c, h, wd] = [x.dims()[0], x.dims()[1], x.dims()[2], x.dims()[3]];
    let (oh, ow) = (w.blocks(0, h, op)?, w.blocks(1, wd, op)?);
    let (p0, p1) = (w.padding[0], w.padding[1]);
    let xp = pad(x, [(0, 0), (0, 0), (p0, p0), (p1, p1)], "constant", None)?;
    let axis_range = |dim: usize, k: usize, count: usize| {
        let start = (k * w.dilation[dim]) as i64;
        let stop = start + (w.stride[dim] * (count - 1) + 1) as i64;
        Index::range(start, stop, w.stride[dim] as i64)
    };
    let mut patches = Vec::with_capacity(w.kernel[0] * w.kernel[1]);
    for i in 0..w.kernel[0] {
        for j in 0..w.kernel[1] {
            let key = [
                Index::full(),
                Index::full(),
                axis_range(0, i, oh),
                axis_range(1, j, ow),
            ];
            patches.push(get_item(&xp, &key)?);
        }
    }
    let cols = stack(&patches.iter().collect::<Vec<_>>(), 2)?;
    reshape(&cols, i64s(&[n, c * w.kernel[0] * w.kernel[1], oh * ow]))
}

/// `x` with `stride - 1` zeros inserted between consecutive elements along `axis`.
fn spread(x: &Tensor, axis: usize, stride: usize) -> Result<Tensor> {
    let len = x.dims()[axis];
    if stride == 1 || len == 0 {
        return Ok(x.clone());
    }
    let e = expand_dims(x, (axis + 1) as i64)?;
    let mut pads = vec![(0, 0); e.rank()];
    pads[axis + 1] = (0, stride - 1);
    let mut dims = x.dims().to_vec();
    dims[axis] = len * stride;
    let merged = reshape(&pad(&e, pads, "constant", None)?, i64s(&dims))?;
    slice_axis(&merged, axis, 0, stride * (len - 1) + 1)
}

/// Sums columns `[n, c * kh * kw, blocks]` (as made by [`unfold`]) back into a
/// channels-first image `[n, c, output_size]`, adding where blocks overlap
/// (`keras.ops.fold`).
pub fn fold(
    x: &Tensor,
    output_size: impl Into<IntOrTuple>,
    kernel_size: impl Into<IntOrTuple>,
    dilation: impl Into<IntOrTuple>,
    padding: impl Into<IntOrTuple>,
    stride: impl Into<IntOrTuple>,
) -> Result<Tensor> {
    let op = "fold";
    if x.rank() != 3 {
        bail!(
            op,
            "expected a 3-D (N, C*kH*kW, L) tensor, got shape {}",
            x.shape()
        );
    }
    let out = output_size.into().resolve(2, 1, "output_size", op)?;
    let w = Window::new(
        kernel_size.into(),
        dilation.into(),
        padding.into(),
        stride.into(),
        op,
    )?;
    let (k0, k1) = (w.kernel[0], w.kernel[1]);
    let [n, ckk, l] = [x.dims()[0], x.dims()[1], x.dims()[2]];
    if ckk % (k0 * k1) != 0 {
        bail!(
            op,
            "the second dimension ({ckk}) must be divisible by the kernel size product ({})",
            k0 * k1
        );
    }
    let (nh, nw) = (w.blocks(0, out[0], op)?, w.blocks(1, out[1], op)?);
    if nh * nw != l {
        bail!(
            op,
            "{l} blocks do not match the {nh}x{nw} block grid of output_size {out:?}"
        );
    }
    let c = ckk / (k0 * k1);
    let (hp, wp) = (out[0] + 2 * w.padding[0], out[1] + 2 * w.padding[1]);
    let blocks = reshape(x, i64s(&[n, c, k0, k1, nh, nw]))?;
    let mut image = zeros(&[n, c, hp, wp], x.dtype())?;
    for i in 0..k0 {
        for j in 0..k1 {
            let b = get_item(
                &blocks,
                &[
                    Index::full(),
                    Index::full(),
                    Index::Int(i as i64),
                    Index::Int(j as i64),
                ],
            )?;
            let b = spread(&spread(&b, 2, w.stride[0])?, 3, w.stride[1])?;
            let (top, left) = (i * w.dilation[0], j * w.dilation[1]);
            let pads = [
                (0, 0),
                (0, 0),
                (top, hp - top - b.dims()[2]),
                (left, wp - left - b.dims()[3]),
            ];
            image = add(&image, &pad(&b, pads, "constant", None)?)?;
        }
    }
    let image = slice_axis(&image, 2, w.padding[0], out[0])?;
    slice_axis(&image, 3, w.padding[1], out[1])
}
