//! Max and average pooling over 1, 2 or 3 spatial dims (`keras.ops.max_pool`,
//! `average_pool`).
//!
//! `strides` defaults to `pool_size`; `"same"` padding is TF/JAX's (`out = ceil(in / s)`, the
//! smaller half of the padding before), and padded positions never win a max nor count in an
//! average.
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let x = Tensor::from_vec(vec![1.0f32, 5.0, 2.0, 4.0, 3.0], [1, 5, 1]).unwrap();
//! let m = ops::max_pool(&x, 2, None, "same", None).unwrap();
//! assert_eq!(m.to_vec::<f32>().unwrap(), vec![5.0, 4.0, 3.0]);
//! let a = ops::average_pool(&x, 2, None, "same", None).unwrap();
//! assert_eq!(a.to_vec::<f32>().unwrap(), vec![3.0, 3.0, 3.0]);
//! ```

use keras_backend::{DType, PoolKind, PoolParams, Result};

use super::conv::args::{
    from_channels_last, is_channels_first, parse_padding, resolve_pads, spatial_rank,
    to_channels_last,
};
use super::conv::IntOrTuple;
use crate::autodiff::record;
use crate::config::floatx;
use crate::ops::{cast, zeros};
use crate::tensor::Tensor;

fn pool(
    inputs: &Tensor,
    kind: PoolKind,
    pool_size: IntOrTuple,
    strides: Option<IntOrTuple>,
    padding: &str,
    data_format: Option<&str>,
    op: &str,
) -> Result<Tensor> {
    let n = spatial_rank(inputs, op)?;
    let cf = is_channels_first(data_format, op)?;
    let dtype = inputs.dtype();
    if !dtype.is_float() {
        // As JAX: an integer max keeps the dtype (computed exactly in float64 for values
        // below 2^53); an integer average is a float.
        return match kind {
            PoolKind::Max => {
                let x = cast(inputs, DType::F64)?;
                cast(
                    &pool(&x, kind, pool_size, strides, padding, data_format, op)?,
                    dtype,
                )
            }
            PoolKind::Average => {
                let x = cast(inputs, floatx())?;
                pool(&x, kind, pool_size, strides, padding, data_format, op)
            }
        };
    }
    let mode = parse_padding(padding, false, op)?;
    let window = pool_size.resolve(n, 1, "pool_size", op)?;
    let strides = strides.unwrap_or(pool_size).resolve(n, 1, "strides", op)?;
    let x = to_channels_last(inputs, cf)?;
    let spatial = &x.dims()[1..=n];
    let (pad_before, pad_after) = resolve_pads(mode, spatial, &window, &strides);
    let params = PoolParams {
        kind,
        window,
        strides,
        pad_before,
        pad_after,
    };
    let mut out = vec![x.dims()[0]];
    out.extend(params.output_spatial(spatial));
    out.push(x.dims()[n + 1]);
    let y = if out.contains(&0) {
        zeros(&out, x.dtype())?
    } else {
        let s = x.backend().pool(x.storage(), x.dims(), &params)?;
        Tensor::from_storage(s, out, x.backend())
    };
    let y = record(
        if kind == PoolKind::Max {
            "max_pool"
        } else {
            "average_pool"
        },
        &[&x],
        y,
        move |g, ins, _| {
            let x = &ins[0];
            let dx = if g.size() == 0 {
                zeros(x.dims(), g.dtype())?
            } else {
                let s = x
                    .backend()
                    .pool_grad(x.storage(), x.dims(), g.storage(), &params)?;
                Tensor::from_storage(s, x.dims(), x.backend())
            };
            Ok(vec![Some(dx)])
        },
    );
    from_channels_last(&y, cf)
}

/// Max pooling (`keras.ops.max_pool`): the maximum of each `pool_size` window, moved by
/// `strides` (default `pool_size`); `padding` is `"valid"` or `"same"`. Integer inputs keep
/// their dtype; the gradient goes to the first maximum of each window.
pub fn max_pool(
    inputs: &Tensor,
    pool_size: impl Into<IntOrTuple>,
    strides: Option<IntOrTuple>,
    padding: &str,
    data_format: Option<&str>,
) -> Result<Tensor> {
    pool(
        inputs,
        PoolKind::Max,
        pool_size.into(),
        strides,
        padding,
        data_format,
        "max_pool",
    )
}

/// Average pooling (`keras.ops.average_pool`): the mean of each window over its non-padding
/// elements; arguments as [`max_pool`]. Integer inputs give floatx.
pub fn average_pool(
    inputs: &Tensor,
    pool_size: impl Into<IntOrTuple>,
    strides: Option<IntOrTuple>,
    padding: &str,
    data_format: Option<&str>,
) -> Result<Tensor> {
    pool(
        inputs,
        PoolKind::Average,
        pool_size.into(),
        strides,
        padding,
        data_format,
        "average_pool",
    )
}
