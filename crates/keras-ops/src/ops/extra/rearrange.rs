//! `rearrange`: einops-style reshape/transpose from a pattern such as
//! `"b h w c -> b (h w) c"` or `"b (c d) -> b c d"` with `d` given.
//!
//! Supported: named axes, parenthesised groups on either side (one unknown size per input
//! group is inferred), sizes passed as `(name, size)` pairs. Not supported: `...`,
//! anonymous axes (`1`), repetition or reduction.
//!
//! ```
//! use keras_ops::{ops, DType};
//! let x = ops::zeros(&[2, 3, 4], DType::F32).unwrap();
//! assert_eq!(ops::rearrange(&x, "a b c -> c (a b)", &[]).unwrap().dims(), &[4, 6]);
//! assert_eq!(ops::rearrange(&x, "a b (c d) -> a b c d", &[("c", 2)]).unwrap().dims(), &[2, 3, 2, 2]);
//! ```

use keras_backend::{bail, Result};

use crate::ops::layout::permute;
use crate::ops::reshape;
use crate::tensor::Tensor;

const OP: &str = "rearrange";

/// One side of a pattern: its groups of axis names.
fn parse_side(side: &str) -> Result<Vec<Vec<String>>> {
    let mut groups = Vec::new();
    let mut open: Option<Vec<String>> = None;
    let spaced = side.replace('(', " ( ").replace(')', " ) ");
    for tok in spaced.split_whitespace() {
        match tok {
            "(" if open.is_some() => bail!(OP, "nested parentheses in {side:?}"),
            "(" => open = Some(Vec::new()),
            ")" => match open.take() {
                Some(g) => groups.push(g),
                None => bail!(OP, "unbalanced ')' in {side:?}"),
            },
            name if name.chars().all(|c| c.is_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit()) =>
            {
                match open.as_mut() {
                    Some(g) => g.push(name.to_string()),
                    None => groups.push(vec![name.to_string()]),
                }
            }
            other => bail!(OP, "unsupported axis {other:?} in {side:?}"),
        }
    }
    if open.is_some() {
        bail!(OP, "unbalanced '(' in {side:?}");
    }
    Ok(groups)
}

/// Reorders and regroups the axes of `tensor` as `pattern` describes
/// (`keras.ops.rearrange`); `axes_lengths` gives the sizes of split axes.
pub fn rearrange(tensor: &Tensor, pattern: &str, axes_lengths: &[(&str, usize)]) -> Result<Tensor> {
    let Some((lhs, rhs)) = pattern.split_once("->") else {
        bail!(OP, "pattern {pattern:?} has no '->'");
    };
    let (inputs, outputs) = (parse_side(lhs)?, parse_side(rhs)?);
    if inputs.len() != tensor.rank() {
        bail!(
            OP,
            "pattern {lhs:?} has {} axes but the tensor has shape {}",
            inputs.len(),
            tensor.shape()
        );
    }
    let mut names: Vec<String> = Vec::new();
    let mut sizes: Vec<usize> = Vec::new();
    for (group, &dim) in inputs.iter().zip(tensor.dims()) {
        let known = |n: &str| axes_lengths.iter().find(|(k, _)| *k == n).map(|&(_, s)| s);
        let unknown: Vec<&String> = group.iter().filter(|n| known(n).is_none()).collect();
        if group.len() > 1 && unknown.len() > 1 {
            bail!(
                OP,
                "cannot infer the sizes of {unknown:?} in group {group:?}"
            );
        }
        let product: usize = group.iter().filter_map(|n| known(n)).product();
        for n in group {
            if names.contains(n) {
                bail!(OP, "axis {n:?} appears twice on the left of {pattern:?}");
            }
            let size = match known(n) {
                Some(s) if group.len() == 1 && s != dim => {
                    bail!(OP, "axis {n:?} is given size {s} but has {dim}")
                }
                Some(s) => s,
                None if product == 0 || dim % product != 0 => {
                    bail!(
                        OP,
                        "axis of size {dim} does not split by {product} for group {group:?}"
                    )
                }
                None => dim / product,
            };
            names.push(n.clone());
            sizes.push(size);
        }
        let total: usize = group
            .iter()
            .map(|n| sizes[names.iter().position(|m| m == n).unwrap_or(0)])
            .product();
        if total != dim {
            bail!(
                OP,
                "group {group:?} has size {total} but the axis has {dim}"
            );
        }
    }
    let flat_out: Vec<&String> = outputs.iter().flatten().collect();
    if flat_out.len() != names.len() || names.iter().any(|n| !flat_out.contains(&n)) {
        bail!(OP, "the axes of {lhs:?} and {rhs:?} must be the same");
    }
    let perm: Vec<usize> = flat_out
        .iter()
        .map(|n| names.iter().position(|m| m == *n).unwrap_or(0))
        .collect();
    let split = reshape(tensor, sizes.iter().map(|&s| s as i64).collect::<Vec<_>>())?;
    let moved = permute(&split, &perm)?;
    let out: Vec<i64> = outputs
        .iter()
        .map(|g| {
            g.iter()
                .map(|n| sizes[names.iter().position(|m| m == n).unwrap_or(0)])
                .product::<usize>() as i64
        })
        .collect();
    reshape(&moved, out)
}
