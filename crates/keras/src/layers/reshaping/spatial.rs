//! Argument forms shared by the N-D reshaping layers: per-spatial-dim `(before, after)` pairs
//! (`cropping`, `padding`), per-spatial-dim factors (`size`), and the spatial axes.

use keras_backend::bail;
use keras_ops::Result;
use serde_json::{json, Value};

use crate::layers::{shape_display, DataFormat, ShapeSpec};

/// The class name for `n` spatial dims out of `[1-D, 2-D, 3-D]` names.
pub(crate) fn nd_name(names: &[&'static str; 3], n: usize) -> &'static str {
    n.checked_sub(1)
        .and_then(|i| names.get(i))
        .copied()
        .unwrap_or(names[0])
}

/// The spatial axes of a rank-`n + 2` input.
pub(crate) fn spatial_axes(format: DataFormat, n: usize) -> std::ops::Range<usize> {
    match format {
        DataFormat::ChannelsLast => 1..n + 1,
        DataFormat::ChannelsFirst => 2..n + 2,
    }
}

/// Checks that `shape` has rank `n + 2` (batch, `n` spatial dims, channels).
pub(crate) fn check_rank(class: &str, name: &str, shape: &ShapeSpec, n: usize) -> Result<()> {
    if shape.len() != n + 2 {
        bail!(
            class,
            "layer {name:?} expects inputs of rank {}, got shape {}",
            n + 2,
            shape_display(shape)
        );
    }
    Ok(())
}

fn as_count(v: &Value, key: &str, class: &str) -> Result<usize> {
    v.as_u64().map(|u| u as usize).ok_or_else(|| {
        keras_ops::Error::op(
            class,
            format!("{key} must hold non-negative integers, got {v}"),
        )
    })
}

/// `(before, after)` amounts per spatial dim from Keras's forms: an int for all, `[a, b]`
/// for the single dim of a 1-D layer, or per dim an int (symmetric) or a pair.
pub(crate) fn parse_pairs<const N: usize>(
    v: &Value,
    key: &str,
    class: &str,
) -> Result<[(usize, usize); N]> {
    if !v.is_array() {
        let k = as_count(v, key, class)?;
        return Ok([(k, k); N]);
    }
    let items = v.as_array().expect("checked array");
    let pair = |p: &Value| -> Result<(usize, usize)> {
        match p.as_array().map(Vec::as_slice) {
            Some([a, b]) => Ok((as_count(a, key, class)?, as_count(b, key, class)?)),
            Some(_) => bail!(
                class,
                "each entry of {key} must be an int or a pair, got {p}"
            ),
            None => as_count(p, key, class).map(|k| (k, k)),
        }
    };
    if N == 1 {
        let p = pair(v)?;
        return Ok([p; N]);
    }
    if items.len() != N {
        bail!(class, "{key} must have {N} entries, got {v}");
    }
    let mut out = [(0, 0); N];
    for (o, item) in out.iter_mut().zip(items) {
        *o = pair(item)?;
    }
    Ok(out)
}

/// Keras's config form of the pairs: `[a, b]` for 1-D layers, else `[[a, b], ...]`.
pub(crate) fn pairs_to_json<const N: usize>(pairs: &[(usize, usize); N]) -> Value {
    if N == 1 {
        json!([pairs[0].0, pairs[0].1])
    } else {
        json!(pairs.iter().map(|&(a, b)| [a, b]).collect::<Vec<_>>())
    }
}

/// Positive factors per spatial dim: an int for all or one per dim.
pub(crate) fn parse_sizes<const N: usize>(v: &Value, key: &str, class: &str) -> Result<[usize; N]> {
    let out = match v.as_array() {
        None => [as_count(v, key, class)?; N],
        Some(items) if items.len() == N => {
            let mut out = [0; N];
            for (o, item) in out.iter_mut().zip(items) {
                *o = as_count(item, key, class)?;
            }
            out
        }
        Some(_) => bail!(class, "{key} must be an int or {N} ints, got {v}"),
    };
    check_sizes(out, key, class)
}

/// Checks that every factor is positive.
pub(crate) fn check_sizes<const N: usize>(
    sizes: [usize; N],
    key: &str,
    class: &str,
) -> Result<[usize; N]> {
    if sizes.contains(&0) {
        bail!(class, "{key} must hold positive integers, got {sizes:?}");
    }
    Ok(sizes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keras_argument_forms() {
        assert_eq!(
            parse_pairs::<2>(&json!(1), "p", "X").unwrap(),
            [(1, 1), (1, 1)]
        );
        assert_eq!(
            parse_pairs::<2>(&json!([1, 2]), "p", "X").unwrap(),
            [(1, 1), (2, 2)]
        );
        assert_eq!(
            parse_pairs::<2>(&json!([[1, 0], [2, 3]]), "p", "X").unwrap(),
            [(1, 0), (2, 3)]
        );
        assert_eq!(
            parse_pairs::<1>(&json!([1, 2]), "p", "X").unwrap(),
            [(1, 2)]
        );
        assert!(parse_pairs::<3>(&json!([1, 2]), "p", "X").is_err());
        assert!(parse_pairs::<1>(&json!(-1), "p", "X").is_err());
        assert_eq!(pairs_to_json(&[(1, 2)]), json!([1, 2]));
        assert_eq!(pairs_to_json(&[(1, 2), (0, 0)]), json!([[1, 2], [0, 0]]));
        assert_eq!(parse_sizes::<3>(&json!(2), "s", "X").unwrap(), [2, 2, 2]);
        assert!(parse_sizes::<2>(&json!([2, 0]), "s", "X").is_err());
        assert_eq!(nd_name(&["A1D", "A2D", "A3D"], 3), "A3D");
    }
}
