//! `keras.ops.einsum`: Einstein summation, reduced to diagonals, sums, permutes and batched
//! matrix products (operands contracted pairwise from left to right).
//!
//! Supported: explicit (`"ij,jk->ik"`) and implicit (`"ij,jk"`: the labels used once, sorted)
//! output, `...` for broadcast leading/middle dims, repeated labels within an operand
//! (diagonals, e.g. `"ii->i"`), labels summed away, and size-1 dims broadcasting against
//! the same label elsewhere. Gradients follow from the ops used.
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let a = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2]).unwrap();
//! let t = ops::einsum("ij->ji", &[&a]).unwrap();
//! assert_eq!(t.to_vec::<f32>().unwrap(), vec![1.0, 3.0, 2.0, 4.0]);
//! // Implicit output: no label is used once, so everything is summed.
//! assert_eq!(ops::einsum("ij,ij", &[&a, &a]).unwrap().item().unwrap(), 30.0);
//! ```

use std::collections::{BTreeSet, HashMap};

use keras_backend::{bail, result_type, DType, Result};

use super::diagonal::diagonal_last2;
use super::matmul::matmul_core;
use crate::ops::layout::permute;
use crate::ops::{cast, multiply, reshape, sum};
use crate::tensor::Tensor;

/// A subscript label: an ASCII letter's code, or `ELLIPSIS + j` for the `j`-th dim covered by
/// `...` (counted over the broadcast ellipsis dims).
type Label = u32;
const ELLIPSIS: Label = 0x0011_0000;

/// One parsed term: letters and at most one ellipsis.
enum Item {
    Letter(Label),
    Ellipsis,
}

fn parse_term(term: &str, subscripts: &str) -> Result<Vec<Item>> {
    let mut items = Vec::new();
    let mut rest = term;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("...") {
            if items.iter().any(|i| matches!(i, Item::Ellipsis)) {
                bail!(
                    "einsum",
                    "more than one ellipsis in term {term:?} of {subscripts:?}"
                );
            }
            items.push(Item::Ellipsis);
            rest = &rest[3..];
        } else if c.is_ascii_alphabetic() {
            items.push(Item::Letter(c as Label));
            rest = &rest[1..];
        } else {
            bail!(
                "einsum",
                "invalid subscript character {c:?} in {subscripts:?}"
            );
        }
    }
    Ok(items)
}

/// Input labels per operand and the output labels.
struct Spec {
    inputs: Vec<Vec<Label>>,
    output: Vec<Label>,
}

fn expand(items: &[Item], ellipsis_rank: usize, total: usize) -> Vec<Label> {
    let mut labels = Vec::new();
    for item in items {
        match item {
            Item::Letter(l) => labels.push(*l),
            Item::Ellipsis => {
                labels.extend((total - ellipsis_rank..total).map(|j| ELLIPSIS + j as Label));
            }
        }
    }
    labels
}

fn label_name(l: Label) -> String {
    if l >= ELLIPSIS {
        "...".to_string()
    } else {
        char::from_u32(l).map(String::from).unwrap_or_default()
    }
}

fn parse(subscripts: &str, operands: &[&Tensor]) -> Result<Spec> {
    let compact: String = subscripts.chars().filter(|c| !c.is_whitespace()).collect();
    let (lhs, rhs) = match compact.split_once("->") {
        Some((_, r)) if r.contains("->") => bail!("einsum", "more than one '->' in {subscripts:?}"),
        Some((l, r)) => (l, Some(r)),
        None => (compact.as_str(), None),
    };
    let terms: Vec<&str> = lhs.split(',').collect();
    if terms.len() != operands.len() {
        bail!(
            "einsum",
            "{subscripts:?} names {} operands but {} were given",
            terms.len(),
            operands.len()
        );
    }
    let parsed = terms
        .iter()
        .map(|t| parse_term(t, subscripts))
        .collect::<Result<Vec<_>>>()?;
    let mut ellipsis_ranks = Vec::with_capacity(operands.len());
    for (items, t) in parsed.iter().zip(operands) {
        let letters = items
            .iter()
            .filter(|i| matches!(i, Item::Letter(_)))
            .count();
        let has_ellipsis = items.len() > letters;
        if t.rank() < letters || (!has_ellipsis && t.rank() != letters) {
            bail!(
                "einsum",
                "{subscripts:?}: a term with {letters} subscripts does not match an operand of shape {}",
                t.shape()
            );
        }
        ellipsis_ranks.push(t.rank() - letters);
    }
    let total = ellipsis_ranks.iter().copied().max().unwrap_or(0);
    let inputs: Vec<Vec<Label>> = parsed
        .iter()
        .zip(&ellipsis_ranks)
        .map(|(items, &e)| expand(items, e, total))
        .collect();
    let output = match rhs {
        Some(r) => {
            let out = expand(&parse_term(r, subscripts)?, total, total);
            for (i, l) in out.iter().enumerate() {
                if out[..i].contains(l) {
                    bail!(
                        "einsum",
                        "output subscript {} repeated in {subscripts:?}",
                        label_name(*l)
                    );
                }
                if !inputs.iter().any(|ls| ls.contains(l)) {
                    bail!(
                        "einsum",
                        "output subscript {} does not appear in the inputs of {subscripts:?}",
                        label_name(*l)
                    );
                }
            }
            out
        }
        None => {
            let mut counts: HashMap<Label, usize> = HashMap::new();
            for l in inputs.iter().flatten() {
                *counts.entry(*l).or_default() += 1;
            }
            let once: BTreeSet<Label> = counts
                .iter()
                .filter(|(&l, &c)| c == 1 && l < ELLIPSIS)
                .map(|(&l, _)| l)
                .collect();
            (0..total as Label)
                .map(|j| ELLIPSIS + j)
                .chain(once)
                .collect()
        }
    };
    Ok(Spec { inputs, output })
}

/// The size of every label, with size-1 dims broadcasting against larger ones.
fn label_sizes(
    spec: &Spec,
    operands: &[&Tensor],
    subscripts: &str,
) -> Result<HashMap<Label, usize>> {
    let mut sizes: HashMap<Label, usize> = HashMap::new();
    for (labels, t) in spec.inputs.iter().zip(operands) {
        for (l, &d) in labels.iter().zip(t.dims()) {
            let s = sizes.entry(*l).or_insert(d);
            if *s == 1 {
                *s = d;
            } else if d != 1 && d != *s {
                bail!(
                    "einsum",
                    "subscript {} of {subscripts:?} has sizes {} and {d} that cannot be broadcast \
                     (operand shapes {})",
                    label_name(*l),
                    *s,
                    operands
                        .iter()
                        .map(|t| t.shape().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
        }
    }
    Ok(sizes)
}

/// A tensor with one label per dim.
struct Labeled {
    t: Tensor,
    labels: Vec<Label>,
}

impl Labeled {
    fn dim(&self, l: Label) -> usize {
        let i = self.labels.iter().position(|&x| x == l).unwrap_or(0);
        self.t.dims()[i]
    }

    fn positions(&self, ls: &[Label]) -> Vec<usize> {
        ls.iter()
            .map(|l| self.labels.iter().position(|x| x == l).unwrap_or(0))
            .collect()
    }

    /// Drops size-1 dims whose label is larger elsewhere (they broadcast).
    fn squeeze_broadcast(self, sizes: &HashMap<Label, usize>) -> Result<Labeled> {
        let keep: Vec<bool> = self
            .labels
            .iter()
            .zip(self.t.dims())
            .map(|(l, &d)| d != 1 || sizes.get(l) == Some(&1))
            .collect();
        if keep.iter().all(|&k| k) {
            return Ok(self);
        }
        let dims: Vec<usize> = self
            .t
            .dims()
            .iter()
            .zip(&keep)
            .filter(|(_, &k)| k)
            .map(|(&d, _)| d)
            .collect();
        let labels = self
            .labels
            .iter()
            .zip(&keep)
            .filter(|(_, &k)| k)
            .map(|(&l, _)| l)
            .collect();
        Ok(Labeled {
            t: reshape(&self.t, dims)?,
            labels,
        })
    }

    /// Replaces every repeated label by one dim holding the diagonal.
    fn take_diagonals(mut self) -> Result<Labeled> {
        loop {
            let repeat = (0..self.labels.len()).find_map(|q| {
                (0..q)
                    .find(|&p| self.labels[p] == self.labels[q])
                    .map(|p| (p, q))
            });
            let Some((p, q)) = repeat else {
                return Ok(self);
            };
            let mut perm: Vec<usize> = (0..self.labels.len())
                .filter(|&i| i != p && i != q)
                .collect();
            let label = self.labels[p];
            let mut labels: Vec<Label> = perm.iter().map(|&i| self.labels[i]).collect();
            labels.push(label);
            perm.extend([p, q]);
            self = Labeled {
                t: diagonal_last2(&permute(&self.t, &perm)?, 0)?,
                labels,
            };
        }
    }

    /// Sums over the labels for which `keep` is false.
    fn sum_unless(self, keep: impl Fn(Label) -> bool) -> Result<Labeled> {
        let axes: Vec<i64> = (0..self.labels.len())
            .filter(|&i| !keep(self.labels[i]))
            .map(|i| i as i64)
            .collect();
        if axes.is_empty() {
            return Ok(self);
        }
        let labels = self.labels.iter().copied().filter(|&l| keep(l)).collect();
        Ok(Labeled {
            t: sum(&self.t, axes, false)?,
            labels,
        })
    }
}

fn is_identity(perm: &[usize]) -> bool {
    perm.iter().enumerate().all(|(i, &p)| i == p)
}

/// Contracts two operands whose every label is either shared or kept: shared labels in
/// `keep` are batch dims, other shared labels are summed.
fn contract_pair(a: Labeled, b: Labeled, keep: &BTreeSet<Label>, dtype: DType) -> Result<Labeled> {
    let shared = |l: &Label| b.labels.contains(l);
    let batch: Vec<Label> = a
        .labels
        .iter()
        .copied()
        .filter(|l| shared(l) && keep.contains(l))
        .collect();
    let summed: Vec<Label> = a
        .labels
        .iter()
        .copied()
        .filter(|l| shared(l) && !keep.contains(l))
        .collect();
    let a_free: Vec<Label> = a.labels.iter().copied().filter(|l| !shared(l)).collect();
    let b_free: Vec<Label> = b
        .labels
        .iter()
        .copied()
        .filter(|l| !a.labels.contains(l))
        .collect();
    let dims_of =
        |t: &Labeled, ls: &[Label]| -> Vec<usize> { ls.iter().map(|&l| t.dim(l)).collect() };
    let size_of =
        |t: &Labeled, ls: &[Label]| -> i64 { dims_of(t, ls).iter().product::<usize>() as i64 };
    let mut out_labels = batch.clone();
    out_labels.extend(&a_free);
    out_labels.extend(&b_free);
    let mut out_dims = dims_of(&a, &batch);
    out_dims.extend(dims_of(&a, &a_free));
    out_dims.extend(dims_of(&b, &b_free));

    if summed.is_empty() {
        // Nothing to sum: a broadcast product.
        let pa = a.positions(&[batch.as_slice(), &a_free].concat());
        let pb = b.positions(&[batch.as_slice(), &b_free].concat());
        let mut da: Vec<usize> = dims_of(&a, &batch);
        da.extend(dims_of(&a, &a_free));
        da.extend(std::iter::repeat_n(1, b_free.len()));
        let mut db: Vec<usize> = dims_of(&b, &batch);
        db.extend(std::iter::repeat_n(1, a_free.len()));
        db.extend(dims_of(&b, &b_free));
        let x = reshape(&permute(&a.t, &pa)?, da)?;
        let y = reshape(&permute(&b.t, &pb)?, db)?;
        return Ok(Labeled {
            t: multiply(&x, &y)?,
            labels: out_labels,
        });
    }

    let (nb, m, k, n) = (
        size_of(&a, &batch),
        size_of(&a, &a_free),
        size_of(&a, &summed),
        size_of(&b, &b_free),
    );
    let a_rows = a.positions(&[batch.as_slice(), &a_free, &summed].concat());
    let a_cols = a.positions(&[batch.as_slice(), &summed, &a_free].concat());
    let (x, ta) = if is_identity(&a_rows) {
        (reshape(&a.t, [nb, m, k])?, false)
    } else if is_identity(&a_cols) {
        (reshape(&a.t, [nb, k, m])?, true)
    } else {
        (reshape(&permute(&a.t, &a_rows)?, [nb, m, k])?, false)
    };
    let b_rows = b.positions(&[batch.as_slice(), &summed, &b_free].concat());
    let b_cols = b.positions(&[batch.as_slice(), &b_free, &summed].concat());
    let (y, tb) = if is_identity(&b_rows) {
        (reshape(&b.t, [nb, k, n])?, false)
    } else if is_identity(&b_cols) {
        (reshape(&b.t, [nb, n, k])?, true)
    } else {
        (reshape(&permute(&b.t, &b_rows)?, [nb, k, n])?, false)
    };
    let p = matmul_core(&x, &y, ta, tb, dtype)?;
    Ok(Labeled {
        t: reshape(&p, out_dims)?,
        labels: out_labels,
    })
}

/// Einstein summation over `operands` as described by `subscripts` (`keras.ops.einsum`).
///
/// The dtype is `result_type` of the operands, except that all-int8 operands give int32.
///
/// ```
/// use keras_ops::{ops, Tensor};
/// let q = ops::ones(&[2, 4, 3, 8], keras_ops::DType::F32).unwrap();
/// let k = ops::ones(&[2, 4, 5, 8], keras_ops::DType::F32).unwrap();
/// let scores = ops::einsum("bhqd,bhkd->bhqk", &[&q, &k]).unwrap();
/// assert_eq!(scores.dims(), &[2, 4, 3, 5]);
/// let x = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2]).unwrap();
/// assert_eq!(ops::einsum("ii", &[&x]).unwrap().item().unwrap(), 5.0);
/// ```
pub fn einsum(subscripts: &str, operands: &[&Tensor]) -> Result<Tensor> {
    if operands.is_empty() {
        bail!("einsum", "at least one operand is required");
    }
    let spec = parse(subscripts, operands)?;
    let sizes = label_sizes(&spec, operands, subscripts)?;
    let dtype = if operands.iter().all(|t| t.dtype() == DType::I8) {
        DType::I32
    } else {
        result_type(
            &operands
                .iter()
                .map(|t| t.dtype().into())
                .collect::<Vec<_>>(),
        )
    };
    let mut terms = Vec::with_capacity(operands.len());
    for (t, labels) in operands.iter().zip(&spec.inputs) {
        let term = Labeled {
            t: cast(t, dtype)?,
            labels: labels.clone(),
        };
        terms.push(term.squeeze_broadcast(&sizes)?.take_diagonals()?);
    }
    let mut rest = terms.into_iter();
    let mut acc = rest.next().expect("at least one operand");
    let remaining: Vec<Labeled> = rest.collect();
    for (i, b) in remaining.iter().enumerate() {
        let keep: BTreeSet<Label> = spec
            .output
            .iter()
            .copied()
            .chain(
                remaining[i + 1..]
                    .iter()
                    .flat_map(|t| t.labels.iter().copied()),
            )
            .collect();
        let a = acc.sum_unless(|l| keep.contains(&l) || b.labels.contains(&l))?;
        let b = Labeled {
            t: b.t.clone(),
            labels: b.labels.clone(),
        }
        .sum_unless(|l| keep.contains(&l) || a.labels.contains(&l))?;
        acc = contract_pair(a, b, &keep, dtype)?;
    }
    let acc = acc.sum_unless(|l| spec.output.contains(&l))?;
    let perm = acc.positions(&spec.output);
    cast(&permute(&acc.t, &perm)?, dtype)
}
