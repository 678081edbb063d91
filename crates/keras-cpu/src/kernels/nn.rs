//! Dtype dispatch and argument checks for the convolution and pooling kernels of
//! [`super::conv`] and [`super::pool`]: `f32`/`f64` run directly, `f16`/`bf16` are widened
//! to `f32` and rounded back, other dtypes are errors. Shapes and parameters are checked
//! here so the kernels (which assert) never panic on a bad call.

use keras_backend::{ConvParams, Error, HostBuffer, PoolParams, Result};

use super::dispatch::{dtype_err, mismatch_err, narrow_to, numel, widen_half};
use super::{conv, pool};

/// Runs a float kernel on two same-dtype buffers (halves widened to `f32`).
macro_rules! float2 {
    ($op:expr, $a:expr, $b:expr, |$x:ident, $y:ident| $body:expr) => {{
        let (a, b) = ($a, $b);
        match (a, b) {
            (HostBuffer::F32($x), HostBuffer::F32($y)) => Ok(HostBuffer::F32($body)),
            (HostBuffer::F64($x), HostBuffer::F64($y)) => Ok(HostBuffer::F64($body)),
            (HostBuffer::F16(_), HostBuffer::F16(_))
            | (HostBuffer::BF16(_), HostBuffer::BF16(_)) => {
                let $x: &[f32] = &widen_half(a).expect("half buffer");
                let $y: &[f32] = &widen_half(b).expect("half buffer");
                Ok(narrow_to(a.dtype(), $body))
            }
            _ if a.dtype() != b.dtype() => Err(mismatch_err($op, a.dtype(), b.dtype())),
            _ => Err(dtype_err($op, a.dtype())),
        }
    }};
}

fn fail(op: &str, msg: String) -> Error {
    Error::op(op, msg)
}

/// Checks a convolution's shapes and parameters; returns the output shape.
fn conv_shape(
    op: &str,
    x_shape: &[usize],
    k_shape: &[usize],
    p: &ConvParams,
) -> Result<Vec<usize>> {
    let r = x_shape.len();
    if r < 3 || k_shape.len() != r {
        return Err(fail(
            op,
            format!("input {x_shape:?} and kernel {k_shape:?} ranks do not fit"),
        ));
    }
    let s = r - 2;
    let lens_ok = [&p.strides, &p.dilation, &p.pad_before, &p.pad_after]
        .iter()
        .all(|v| v.len() == s);
    if !lens_ok
        || p.strides.contains(&0)
        || p.dilation.contains(&0)
        || p.groups == 0
        || k_shape[..s].contains(&0)
    {
        return Err(fail(
            op,
            format!("invalid parameters {p:?} for {s} spatial dims"),
        ));
    }
    let (cin, cout) = (x_shape[r - 1], k_shape[r - 1]);
    if k_shape[s] * p.groups != cin || cout % p.groups != 0 {
        return Err(fail(
            op,
            format!(
                "kernel {k_shape:?} with {} groups does not match {cin} input channels",
                p.groups
            ),
        ));
    }
    let mut out = vec![x_shape[0]];
    out.extend(p.output_spatial(&x_shape[1..r - 1], &k_shape[..s]));
    out.push(cout);
    Ok(out)
}

fn check_buf(op: &str, what: &str, b: &HostBuffer, shape: &[usize]) -> Result<()> {
    if b.len() != numel(shape) {
        return Err(fail(
            op,
            format!(
                "{what} holds {} elements, shape {shape:?} needs {}",
                b.len(),
                numel(shape)
            ),
        ));
    }
    Ok(())
}

/// N-d convolution, channels-last (see [`ConvParams`]).
pub fn conv(
    x: &HostBuffer,
    x_shape: &[usize],
    kernel: &HostBuffer,
    kernel_shape: &[usize],
    p: &ConvParams,
) -> Result<HostBuffer> {
    conv_shape("conv", x_shape, kernel_shape, p)?;
    check_buf("conv", "input", x, x_shape)?;
    check_buf("conv", "kernel", kernel, kernel_shape)?;
    float2!("conv", x, kernel, |a, k| conv::conv_forward(
        a,
        x_shape,
        k,
        kernel_shape,
        p
    ))
}

/// Gradient of [`conv`] with respect to its input (also the transposed convolution).
pub fn conv_input_grad(
    dy: &HostBuffer,
    dy_shape: &[usize],
    kernel: &HostBuffer,
    kernel_shape: &[usize],
    x_shape: &[usize],
    p: &ConvParams,
) -> Result<HostBuffer> {
    let op = "conv_input_grad";
    let out = conv_shape(op, x_shape, kernel_shape, p)?;
    if out != dy_shape {
        return Err(fail(op, format!("dy shape {dy_shape:?} should be {out:?}")));
    }
    check_buf(op, "dy", dy, dy_shape)?;
    check_buf(op, "kernel", kernel, kernel_shape)?;
    float2!(op, dy, kernel, |g, k| conv::conv_input_grad(
        g,
        dy_shape,
        k,
        kernel_shape,
        x_shape,
        p
    ))
}

/// Gradient of [`conv`] with respect to its kernel.
pub fn conv_kernel_grad(
    x: &HostBuffer,
    x_shape: &[usize],
    dy: &HostBuffer,
    dy_shape: &[usize],
    kernel_shape: &[usize],
    p: &ConvParams,
) -> Result<HostBuffer> {
    let op = "conv_kernel_grad";
    let out = conv_shape(op, x_shape, kernel_shape, p)?;
    if out != dy_shape {
        return Err(fail(op, format!("dy shape {dy_shape:?} should be {out:?}")));
    }
    check_buf(op, "input", x, x_shape)?;
    check_buf(op, "dy", dy, dy_shape)?;
    float2!(op, x, dy, |a, g| conv::conv_kernel_grad(
        a,
        x_shape,
        g,
        dy_shape,
        kernel_shape,
        p
    ))
}

/// Checks a pooling's shapes and parameters; returns the output shape.
fn pool_shape(op: &str, x_shape: &[usize], p: &PoolParams) -> Result<Vec<usize>> {
    let r = x_shape.len();
    if r < 3 {
        return Err(fail(
            op,
            format!("input {x_shape:?} needs batch, spatial and channel dims"),
        ));
    }
    let s = r - 2;
    let lens_ok = [&p.window, &p.strides, &p.pad_before, &p.pad_after]
        .iter()
        .all(|v| v.len() == s);
    if !lens_ok || p.window.contains(&0) || p.strides.contains(&0) {
        return Err(fail(
            op,
            format!("invalid parameters {p:?} for {s} spatial dims"),
        ));
    }
    let mut out = vec![x_shape[0]];
    out.extend(p.output_spatial(&x_shape[1..r - 1]));
    out.push(x_shape[r - 1]);
    Ok(out)
}

/// Max or average pooling, channels-last (see [`PoolParams`]).
pub fn pool(x: &HostBuffer, x_shape: &[usize], p: &PoolParams) -> Result<HostBuffer> {
    pool_shape("pool", x_shape, p)?;
    check_buf("pool", "input", x, x_shape)?;
    float2!("pool", x, x, |a, _b| pool::pool_forward(a, x_shape, p))
}

/// Gradient of [`pool`] with respect to its input.
pub fn pool_grad(
    x: &HostBuffer,
    x_shape: &[usize],
    dy: &HostBuffer,
    p: &PoolParams,
) -> Result<HostBuffer> {
    let out = pool_shape("pool_grad", x_shape, p)?;
    check_buf("pool_grad", "input", x, x_shape)?;
    check_buf("pool_grad", "dy", dy, &out)?;
    float2!("pool_grad", x, dy, |a, g| pool::pool_grad(a, x_shape, g, p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use keras_backend::DType;

    fn params() -> ConvParams {
        ConvParams {
            strides: vec![1],
            dilation: vec![1],
            pad_before: vec![0],
            pad_after: vec![0],
            groups: 1,
        }
    }

    #[test]
    fn conv_1d_and_bad_arguments() {
        // x [1, 4, 1] = [1, 2, 3, 4], kernel [2, 1, 1] = [1, 1] → [3, 5, 7]
        let x = HostBuffer::F32(vec![1.0, 2.0, 3.0, 4.0]);
        let k = HostBuffer::F32(vec![1.0, 1.0]);
        let y = conv(&x, &[1, 4, 1], &k, &[2, 1, 1], &params()).unwrap();
        assert_eq!(y, HostBuffer::F32(vec![3.0, 5.0, 7.0]));
        let xh = x.cast(DType::F16);
        let kh = k.cast(DType::F16);
        let yh = conv(&xh, &[1, 4, 1], &kh, &[2, 1, 1], &params()).unwrap();
        assert_eq!(yh.dtype(), DType::F16);
        assert_eq!(yh.to_f64_vec(), vec![3.0, 5.0, 7.0]);
        assert!(conv(&x, &[1, 4, 1], &k, &[2, 2, 1], &params()).is_err());
        assert!(conv(&x, &[1, 4, 1], &k.cast(DType::F64), &[2, 1, 1], &params()).is_err());
        let xi = x.cast(DType::I32);
        assert!(conv(&xi, &[1, 4, 1], &k.cast(DType::I32), &[2, 1, 1], &params()).is_err());
        let mut bad = params();
        bad.strides = vec![0];
        assert!(conv(&x, &[1, 4, 1], &k, &[2, 1, 1], &bad).is_err());
        let dy = HostBuffer::F32(vec![1.0, 1.0, 1.0]);
        let dx = conv_input_grad(&dy, &[1, 3, 1], &k, &[2, 1, 1], &[1, 4, 1], &params()).unwrap();
        assert_eq!(dx, HostBuffer::F32(vec![1.0, 2.0, 2.0, 1.0]));
        let dk = conv_kernel_grad(&x, &[1, 4, 1], &dy, &[1, 3, 1], &[2, 1, 1], &params()).unwrap();
        assert_eq!(dk, HostBuffer::F32(vec![6.0, 9.0]));
        assert!(conv_kernel_grad(&x, &[1, 4, 1], &dy, &[1, 2, 1], &[2, 1, 1], &params()).is_err());
    }

    #[test]
    fn pooling_dispatch() {
        let p = PoolParams {
            kind: keras_backend::PoolKind::Max,
            window: vec![2],
            strides: vec![2],
            pad_before: vec![0],
            pad_after: vec![0],
        };
        let x = HostBuffer::F64(vec![1.0, 3.0, 2.0, 0.0]);
        let y = pool(&x, &[1, 4, 1], &p).unwrap();
        assert_eq!(y, HostBuffer::F64(vec![3.0, 2.0]));
        let g = pool_grad(&x, &[1, 4, 1], &HostBuffer::F64(vec![1.0, 1.0]), &p).unwrap();
        assert_eq!(g, HostBuffer::F64(vec![0.0, 1.0, 1.0, 0.0]));
        assert!(pool_grad(&x, &[1, 4, 1], &HostBuffer::F64(vec![1.0]), &p).is_err());
        assert!(pool(&HostBuffer::U8(vec![1; 4]), &[1, 4, 1], &p).is_err());
    }
}
