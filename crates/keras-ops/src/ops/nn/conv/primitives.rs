//! The three channels-last convolution kernels as differentiable ops.
//!
//! A convolution `y = conv(x, k)`, its input gradient `dx = conv_input_grad(dy, k)` (also the
//! transposed convolution) and its kernel gradient `dk = conv_kernel_grad(x, dy)` are linear
//! in each argument and adjoint to one another, so each one's gradient is written with the
//! other two: gradients of any order stay on the backend's fused kernels.
//!
//! ```
//! use keras_ops::{ops, value_and_grad, DType};
//! let x = ops::ones(&[1, 3, 1], DType::F32).unwrap();
//! let k = ops::ones(&[2, 1, 1], DType::F32).unwrap();
//! let (_, g) = value_and_grad(
//!     |p| ops::sum(&ops::conv(&p[0], &p[1], 1, "valid", None, 1)?, None, false),
//!     &[x, k],
//! )
//! .unwrap();
//! assert_eq!(g[0].to_vec::<f32>().unwrap(), vec![1.0, 2.0, 1.0]);
//! assert_eq!(g[1].to_vec::<f32>().unwrap(), vec![2.0, 2.0]);
//! ```

use std::sync::Arc;

use keras_backend::{ConvParams, Result};

use crate::autodiff::record;
use crate::ops::zeros;
use crate::tensor::Tensor;

fn spatial(dims: &[usize]) -> &[usize] {
    &dims[1..dims.len() - 1]
}

/// `conv(x, k)`: `x` `[batch, *spatial, in]`, `k` `[*window, in / groups, out]`.
pub(crate) fn conv_forward(x: &Tensor, k: &Tensor, p: &Arc<ConvParams>) -> Result<Tensor> {
    let n = x.rank() - 2;
    let mut out = vec![x.dims()[0]];
    out.extend(p.output_spatial(spatial(x.dims()), &k.dims()[..n]));
    out.push(k.dims()[n + 1]);
    let y = if out.contains(&0) || x.size() == 0 || k.size() == 0 {
        zeros(&out, x.dtype())?
    } else {
        let s = x
            .backend()
            .conv(x.storage(), x.dims(), k.storage(), k.dims(), p)?;
        Tensor::from_storage(s, out, x.backend())
    };
    let p = p.clone();
    Ok(record("conv", &[x, k], y, move |g, ins, _| {
        Ok(vec![
            Some(conv_input_grad(g, &ins[1], ins[0].dims(), &p)?),
            Some(conv_kernel_grad(&ins[0], g, ins[1].dims(), &p)?),
        ])
    }))
}

/// The gradient of [`conv_forward`] with respect to an input of shape `x_shape`, given the
/// output gradient `dy` (a transposed convolution of `dy`).
pub(crate) fn conv_input_grad(
    dy: &Tensor,
    k: &Tensor,
    x_shape: &[usize],
    p: &Arc<ConvParams>,
) -> Result<Tensor> {
    let dx = if dy.size() == 0 || k.size() == 0 || x_shape.contains(&0) {
        zeros(x_shape, dy.dtype())?
    } else {
        let s = dy.backend().conv_input_grad(
            dy.storage(),
            dy.dims(),
            k.storage(),
            k.dims(),
            x_shape,
            p,
        )?;
        Tensor::from_storage(s, x_shape, dy.backend())
    };
    let p = p.clone();
    Ok(record("conv_transpose", &[dy, k], dx, move |g, ins, _| {
        Ok(vec![
            Some(conv_forward(g, &ins[1], &p)?),
            Some(conv_kernel_grad(g, &ins[0], ins[1].dims(), &p)?),
        ])
    }))
}

/// The gradient of [`conv_forward`] with respect to a kernel of shape `k_shape`, given the
/// input `x` and the output gradient `dy`.
pub(crate) fn conv_kernel_grad(
    x: &Tensor,
    dy: &Tensor,
    k_shape: &[usize],
    p: &Arc<ConvParams>,
) -> Result<Tensor> {
    let dk = if x.size() == 0 || dy.size() == 0 || k_shape.contains(&0) {
        zeros(k_shape, x.dtype())?
    } else {
        let s = x.backend().conv_kernel_grad(
            x.storage(),
            x.dims(),
            dy.storage(),
            dy.dims(),
            k_shape,
            p,
        )?;
        Tensor::from_storage(s, k_shape, x.backend())
    };
    let p = p.clone();
    Ok(record(
        "conv_kernel_grad",
        &[x, dy],
        dk,
        move |g, ins, _| {
            Ok(vec![
                Some(conv_input_grad(&ins[1], g, ins[0].dims(), &p)?),
                Some(conv_forward(&ins[0], g, &p)?),
            ])
        },
    ))
}
