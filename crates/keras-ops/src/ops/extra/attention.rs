//! Scaled dot-product attention (`keras.ops.dot_product_attention`), written with
//! `matmul` and `softmax` so it is differentiable and runs on every backend.
//!
//! Layout `[batch, time, heads, depth]`; keys and values may have fewer heads than the
//! queries (grouped-query attention: query head `n` reads key head `n / (N / K)`).
//!
//! ```
//! use keras_ops::{ops, DType};
//! let q = ops::ones(&[1, 3, 2, 4], DType::F32).unwrap();
//! let kv = ops::ones(&[1, 5, 2, 4], DType::F32).unwrap();
//! let y = ops::dot_product_attention(&q, &kv, &kv, None, None, None, false, None, None).unwrap();
//! assert_eq!(y.dims(), &[1, 3, 2, 4]);
//! ```

use keras_backend::{bail, result_type, DType, Result};

use crate::ops::{
    absolute, add, cast, divide, expand_dims, logical_and, matmul, multiply, repeat, softmax,
    transpose, tri, where_,
};
use crate::tensor::Tensor;

const OP: &str = "dot_product_attention";

/// A bias or mask of rank < 4 expanded to rank 4 the way Keras does (a rank-3 tensor whose
/// second dim is the head count gains the query-time axis; others gain leading axes).
fn to_rank4(t: &Tensor, heads: usize, what: &str) -> Result<Tensor> {
    let mut t = t.clone();
    while t.rank() < 4 {
        let axis = if t.rank() == 3 && t.dims()[1] == heads {
            2
        } else {
            1
        };
        t = expand_dims(&t, axis)?;
    }
    if t.rank() > 4 {
        bail!(OP, "{what} must have rank <= 4, got shape {}", t.shape());
    }
    Ok(t)
}

/// The largest finite value of a float dtype.
fn float_max(d: DType) -> f64 {
    match d {
        DType::F16 => half::f16::MAX.to_f64(),
        DType::BF16 => half::bf16::MAX.to_f64(),
        DType::F64 => f64::MAX,
        _ => f32::MAX as f64,
    }
}

/// Attention `softmax(q kᵀ · scale + bias, masked) v` (`keras.ops.dot_product_attention`).
///
/// `query` is `[B, T, N, H]`, `key` `[B, S, K, H]`, `value` `[B, S, K, Hv]` with `N` a
/// multiple of `K`. `bias` and `mask` broadcast to `[B, N, T, S]` (`mask` true = attend).
/// `scale` defaults to `1/sqrt(H)`; `is_causal` masks keys after the query position.
/// `attn_logits_soft_cap` applies `l / (1 + |l| / cap)` to the logits. `flash_attention` is
/// accepted for compatibility; `Some(true)` is an error (no fused kernel here). Logits and
/// softmax use at least float32.
#[allow(clippy::too_many_arguments)]
pub fn dot_product_attention(
    query: &Tensor,
    key: &Tensor,
    value: &Tensor,
    bias: Option<&Tensor>,
    mask: Option<&Tensor>,
    scale: Option<f64>,
    is_causal: bool,
    flash_attention: Option<bool>,
    attn_logits_soft_cap: Option<f64>,
) -> Result<Tensor> {
    if flash_attention == Some(true) {
        bail!(OP, "flash attention is not available on this backend");
    }
    if query.rank() != 4 || key.rank() != 4 || value.rank() != 4 {
        bail!(
            OP,
            "only supports 4D inputs, got query {}, key {}, value {}",
            query.shape(),
            key.shape(),
            value.shape()
        );
    }
    let (qd, kd, vd) = (query.dims(), key.dims(), value.dims());
    let (b, t, n, h) = (qd[0], qd[1], qd[2], qd[3]);
    let (s, k) = (kd[1], kd[2]);
    if kd[0] != b || vd[0] != b || vd[1] != s || vd[2] != k || kd[3] != h || k == 0 || n % k != 0 {
        bail!(
            OP,
            "incompatible shapes: query {}, key {}, value {} (need equal batch, key/value time and \
             heads, equal depth of query and key, query heads a multiple of key heads)",
            query.shape(),
            key.shape(),
            value.shape()
        );
    }
    let dtype = result_type(&[
        query.dtype().into(),
        key.dtype().into(),
        value.dtype().into(),
    ]);
    let (q, mut kk, mut v) = (cast(query, dtype)?, cast(key, dtype)?, cast(value, dtype)?);
    if n != k {
        kk = repeat(&kk, &[n / k], Some(2))?;
        v = repeat(&v, &[n / k], Some(2))?;
    }
    let logits_dtype = result_type(&[dtype.into(), DType::F32.into()]);
    let qt = cast(&transpose(&q, Some(&[0, 2, 1, 3]))?, logits_dtype)?;
    let kt = cast(&transpose(&kk, Some(&[0, 2, 3, 1]))?, logits_dtype)?;
    let scale = scale.unwrap_or(1.0 / (h as f64).sqrt());
    let mut logits = multiply(&matmul(&qt, &kt)?, scale)?;
    if let Some(bias) = bias {
        logits = add(&logits, &cast(&to_rank4(bias, n, "bias")?, logits_dtype)?)?;
    }
    if let Some(cap) = attn_logits_soft_cap {
        logits = divide(&logits, &add(&divide(&absolute(&logits)?, cap)?, 1.0)?)?;
    }
    let mut keep = match mask {
        Some(m) => Some(cast(&to_rank4(m, n, "mask")?, DType::Bool)?),
        None => None,
    };
    if is_causal {
        let causal = tri(t, Some(s), 0, Some(DType::Bool))?;
        keep = Some(match keep {
            Some(m) => logical_and(&m, &causal)?,
            None => causal,
        });
    }
    if let Some(keep) = keep {
        logits = where_(&keep, &logits, -0.7 * float_max(logits_dtype))?;
    }
    let probs = cast(&softmax(&logits, -1)?, dtype)?;
    let vt = transpose(&v, Some(&[0, 2, 1, 3]))?;
    let out = matmul(&probs, &vt)?;
    transpose(&out, Some(&[0, 2, 1, 3]))
}
