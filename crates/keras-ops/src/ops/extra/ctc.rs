//! Connectionist temporal classification: `ctc_loss` (the forward algorithm in log space,
//! written with ops so it is differentiable) and `ctc_decode` (greedy or beam search).
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let logits = Tensor::from_vec(vec![0.0f32, 5.0, 0.0, 5.0, 0.0, 0.0], [1, 2, 3]).unwrap();
//! let lens = Tensor::from_vec(vec![2i32], [1]).unwrap();
//! let (paths, _) = ops::ctc_decode(&logits, &lens, "greedy", 100, 1, true, Some(0)).unwrap();
//! assert_eq!(paths.to_vec::<i32>().unwrap(), vec![1, -1]);
//! ```

mod beam;

use keras_backend::{bail, result_type, DType, Result};

use super::host::{tensor_f64, tensor_i64, values_f64, values_i64};
use crate::ops::layout::slice_axis;
use crate::ops::{
    absolute, add, argmax, cast, concatenate, equal, exp, full, log1p, log_softmax, max, maximum,
    multiply, negative, reshape, subtract, sum, take_along_axis, where_,
};
use crate::tensor::Tensor;

/// Log-probability floor of impossible states (finite, so gradients stay finite).
const LOG_EPSILON: f64 = -1e5;

/// `log(exp(a) + exp(b))` in the operands' dtype (the states stay finite, so no NaN
/// guard is needed; `ops::logaddexp` would narrow float64 to float32).
fn log_add(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let tail = log1p(&exp(&negative(&absolute(&subtract(a, b)?)?)?)?)?;
    add(&maximum(a, b)?, &tail)
}

/// Checks a `[batch]` integer length vector.
fn lengths(t: &Tensor, batch: usize, max: usize, what: &str, op: &str) -> Result<Vec<i64>> {
    if t.rank() != 1 || t.dims()[0] != batch || !t.dtype().is_int() {
        bail!(
            op,
            "{what} must be an integer vector of length {batch}, got {}",
            t.describe()
        );
    }
    let v = values_i64(t)?;
    if let Some(bad) = v.iter().find(|&&l| l < 0 || l as usize > max) {
        bail!(op, "{what} {bad} is outside [0, {max}]");
    }
    Ok(v)
}

/// CTC loss per batch element (`keras.ops.ctc_loss`): the negative log-likelihood of the
/// label sequence `target` `[B, L]` (its first `target_length[b]` entries) under the
/// per-step class logits `output` `[B, T, C]` (its first `output_length[b]` steps), with
/// class `mask_index` as the blank. Returns `[B]` in at least float32.
pub fn ctc_loss(
    target: &Tensor,
    output: &Tensor,
    target_length: &Tensor,
    output_length: &Tensor,
    mask_index: usize,
) -> Result<Tensor> {
    let op = "ctc_loss";
    if output.rank() != 3 || target.rank() != 2 || target.dims()[0] != output.dims()[0] {
        bail!(
            op,
            "expected target [B, L] and output [B, T, C], got {} and {}",
            target.shape(),
            output.shape()
        );
    }
    if !target.dtype().is_int() {
        bail!(
            op,
            "target must hold integer labels, got {}",
            target.describe()
        );
    }
    let (b, t, c) = (output.dims()[0], output.dims()[1], output.dims()[2]);
    let l = target.dims()[1];
    if mask_index >= c {
        bail!(
            op,
            "mask_index {mask_index} is out of range for {c} classes"
        );
    }
    let label_len = lengths(target_length, b, l, "target_length", op)?;
    let out_len = lengths(output_length, b, t, "output_length", op)?;
    let dtype = result_type(&[output.dtype().into(), DType::F32.into()]);
    let logp = log_softmax(&cast(output, dtype)?, -1)?;

    // Extended labels: blank, l1, blank, l2, ..., blank (U = 2L + 1 states).
    let u = 2 * l + 1;
    let labels = values_i64(target)?;
    let mut ext = vec![mask_index as i64; b * u];
    let mut skip = vec![0.0; b * u];
    for bi in 0..b {
        for j in 0..l {
            let lab = labels[bi * l + j].clamp(0, c as i64 - 1);
            ext[bi * u + 2 * j + 1] = lab;
            // A label may be reached from two states back unless it repeats the previous one.
            if j > 0 && lab != labels[bi * l + j - 1] && lab != mask_index as i64 {
                skip[bi * u + 2 * j + 1] = 1.0;
            }
        }
    }
    let idx = tensor_i64(ext, &[b, 1, u], DType::I64)?;
    let emit = take_along_axis(&logp, &idx, Some(2))?; // [B, T, U]
    let can_skip = equal(&tensor_f64(skip, &[b, u], DType::F32)?, 1.0)?;
    let floor = full(&[b, 1], LOG_EPSILON, dtype)?;
    let floor2 = full(&[b, 2], LOG_EPSILON, dtype)?;
    let shift = |a: &Tensor, k: usize, pad: &Tensor| -> Result<Tensor> {
        concatenate(&[pad, &slice_axis(a, 1, 0, u - k)?], 1)
    };

    let step = |t_i: usize| -> Result<Tensor> {
        reshape(&slice_axis(&emit, 1, t_i, 1)?, [b as i64, u as i64])
    };
    let active = |t_i: usize| -> Result<Tensor> {
        let on: Vec<f64> = out_len
            .iter()
            .map(|&n| ((t_i as i64) < n) as u8 as f64)
            .collect();
        equal(&tensor_f64(on, &[b, 1], DType::F32)?, 1.0)
    };
    // Before any step only the initial blank state is live; the first step may start in
    // state 0 (blank) or 1 (first label).
    let mut before = vec![LOG_EPSILON; b * u];
    let mut first = vec![LOG_EPSILON; b * u];
    for bi in 0..b {
        before[bi * u] = 0.0;
        first[bi * u] = 0.0;
        if u > 1 {
            first[bi * u + 1] = 0.0;
        }
    }
    let before = tensor_f64(before, &[b, u], dtype)?;
    let first = add(&tensor_f64(first, &[b, u], dtype)?, &step(0)?)?;
    let mut alpha = if t == 0 {
        before
    } else {
        where_(&active(0)?, &first, &before)?
    };
    for t_i in 1..t {
        let stay_or_advance = log_add(&alpha, &shift(&alpha, 1, &floor)?)?;
        let skipped = where_(&can_skip, &shift(&alpha, 2, &floor2)?, LOG_EPSILON)?;
        let next = add(&log_add(&stay_or_advance, &skipped)?, &step(t_i)?)?;
        alpha = where_(&active(t_i)?, &next, &alpha)?;
    }
    // The path ends in the last label or the blank after it.
    let last: Vec<i64> = label_len.iter().map(|&n| 2 * n).collect();
    let before: Vec<i64> = label_len.iter().map(|&n| (2 * n - 1).max(0)).collect();
    let pick = |v: Vec<i64>| -> Result<Tensor> {
        let i = tensor_i64(v, &[b, 1], DType::I64)?;
        reshape(&take_along_axis(&alpha, &i, Some(1))?, [b as i64])
    };
    let end_blank = pick(last)?;
    let end_label = pick(before)?;
    let has_label: Vec<f64> = label_len.iter().map(|&n| (n > 0) as u8 as f64).collect();
    let has_label = equal(&tensor_f64(has_label, &[b], DType::F32)?, 1.0)?;
    let total = where_(&has_label, &log_add(&end_blank, &end_label)?, &end_blank)?;
    negative(&total)
}

/// Decodes per-step class scores `inputs` `[B, T, C]` with `sequence_lengths` `[B]`
/// (`keras.ops.ctc_decode`). `strategy` is `"greedy"` (best class per step, repeats merged
/// when `merge_repeated`, blanks dropped) or `"beam_search"` (prefix beam search over the
/// log-softmax with `beam_width` beams, returning `top_paths` paths). `mask_index` is the
/// blank class (`None`: the last class).
///
/// Returns the label sequences `[top_paths, B, T]` (int32, padded with -1; `top_paths` is
/// 1 for greedy) and their scores: `[B, 1]` negative summed maxima for greedy, `[B,
/// top_paths]` log-probabilities for beam search.
pub fn ctc_decode(
    inputs: &Tensor,
    sequence_lengths: &Tensor,
    strategy: &str,
    beam_width: usize,
    top_paths: usize,
    merge_repeated: bool,
    mask_index: Option<usize>,
) -> Result<(Tensor, Tensor)> {
    let op = "ctc_decode";
    if inputs.rank() != 3 {
        bail!(op, "inputs must be [B, T, C], got shape {}", inputs.shape());
    }
    let (b, t, c) = (inputs.dims()[0], inputs.dims()[1], inputs.dims()[2]);
    let mask = mask_index.unwrap_or(c.saturating_sub(1));
    if mask >= c {
        bail!(op, "mask_index {mask} is out of range for {c} classes");
    }
    let lens = lengths(sequence_lengths, b, t, "sequence_lengths", op)?;
    let dtype = result_type(&[inputs.dtype().into(), DType::F32.into()]);
    let x = cast(inputs, dtype)?;
    match strategy {
        "greedy" => greedy(&x, &lens, merge_repeated, mask),
        "beam_search" => {
            if beam_width == 0 || top_paths == 0 || top_paths > beam_width {
                bail!(op, "need 0 < top_paths <= beam_width, got top_paths={top_paths}, beam_width={beam_width}");
            }
            let logp = values_f64(&log_softmax(&x, -1)?)?;
            let (paths, scores) =
                beam::decode(&logp, [b, t, c], &lens, beam_width, top_paths, mask);
            Ok((
                tensor_i64(paths, &[top_paths, b, t], DType::I32)?,
                tensor_f64(scores, &[b, top_paths], dtype)?,
            ))
        }
        other => bail!(
            op,
            "invalid strategy {other:?}: expected \"greedy\" or \"beam_search\""
        ),
    }
}

fn greedy(x: &Tensor, lens: &[i64], merge_repeated: bool, mask: usize) -> Result<(Tensor, Tensor)> {
    let (b, t) = (x.dims()[0], x.dims()[1]);
    let best = values_i64(&argmax(x, Some(-1), false)?)?;
    let valid: Vec<f64> = (0..b * t)
        .map(|i| ((i % t) as i64) < lens[i / t])
        .map(|v| v as u8 as f64)
        .collect();
    let valid_t = equal(&tensor_f64(valid.clone(), &[b, t], DType::F32)?, 1.0)?;
    let scores = multiply(
        &sum(&where_(&valid_t, &max(x, -1, false, None)?, 0.0)?, -1, true)?,
        -1.0,
    )?;
    let mut paths = vec![-1i64; b * t];
    for bi in 0..b {
        let mut out = 0;
        let mut prev: Option<i64> = None;
        for ti in 0..t {
            let cls = if valid[bi * t + ti] == 1.0 {
                best[bi * t + ti]
            } else {
                mask as i64
            };
            let repeat = merge_repeated && prev == Some(cls);
            prev = Some(cls);
            if cls != mask as i64 && !repeat {
                paths[bi * t + out] = cls;
                out += 1;
            }
        }
    }
    Ok((tensor_i64(paths, &[1, b, t], DType::I32)?, scores))
}
