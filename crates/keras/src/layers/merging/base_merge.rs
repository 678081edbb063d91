//! The shared base of the merge layers (Keras's `Merge`): list inputs, broadcasting of the
//! non-batch dims, rank alignment, and the OR of the input masks.

use std::marker::PhantomData;

use keras_backend::bail;
use keras_ops::{ops, DType, Result, Tensor};

use crate::layers::keras_tensor::TensorSpec;
use crate::layers::layer::shapes_display;
use crate::layers::shape::ShapeSpec;
use crate::layers::{CallArgs, Layer, LayerBase};
use crate::saving::object::Config;

/// What an elementwise merge layer computes: the part that differs between `Add`,
/// `Subtract`, `Multiply`, `Average`, `Maximum` and `Minimum`.
pub trait MergeFunction: Send + Sync + 'static {
    /// The Keras class name.
    const CLASS: &'static str;
    /// The exact number of inputs the layer takes, when it is fixed.
    const ARITY: Option<usize> = None;
    /// Merges inputs of equal rank; `masks` holds one optional mask per input.
    fn merge(inputs: &[Tensor], masks: &[Option<Tensor>]) -> Result<Tensor>;
}

/// An elementwise merge layer over a list of inputs (Keras's `Merge` base class), made
/// concrete by a [`MergeFunction`]: see [`Add`](crate::layers::Add) and its siblings.
pub struct Merge<F: MergeFunction> {
    base: LayerBase,
    function: PhantomData<fn() -> F>,
}

impl<F: MergeFunction> Default for Merge<F> {
    fn default() -> Self {
        Self::new()
    }
}

impl<F: MergeFunction> Merge<F> {
    /// The layer, named automatically.
    pub fn new() -> Self {
        Merge {
            base: LayerBase::new(F::CLASS, None),
            function: PhantomData,
        }
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> Self {
        self.base = self.base.renamed(name);
        self
    }
    /// From Keras's config (only `name`, `trainable` and `dtype`).
    pub fn from_config(c: &Config) -> Result<Self> {
        Ok(Merge {
            base: LayerBase::from_config(F::CLASS, c)?,
            function: PhantomData,
        })
    }
}

/// Checks that a merge layer got a non-empty list (of `arity` inputs when fixed) with one
/// batch size.
pub(crate) fn check_inputs(
    class: &str,
    name: &str,
    shapes: &[ShapeSpec],
    arity: Option<usize>,
) -> Result<()> {
    if shapes.is_empty() {
        bail!(
            class,
            "layer {name:?} must be called on a list of at least 1 input"
        );
    }
    if let Some(n) = arity.filter(|&n| n != shapes.len()) {
        bail!(
            class,
            "layer {name:?} must be called on exactly {n} inputs, got shapes {}",
            shapes_display(shapes)
        );
    }
    let mut batch = shapes.iter().filter_map(|s| s.first().copied().flatten());
    if let Some(b) = batch.next() {
        if batch.any(|d| d != b) {
            bail!(
                class,
                "layer {name:?} cannot merge tensors with different batch sizes, got shapes {}",
                shapes_display(shapes)
            );
        }
    }
    Ok(())
}

/// The broadcast of two shapes aligned on their last dims (unknown dims stay unknown).
fn broadcast(class: &str, a: &[Option<usize>], b: &[Option<usize>]) -> Result<ShapeSpec> {
    let (long, short) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    let lead = long.len() - short.len();
    let mut out: ShapeSpec = long[..lead].to_vec();
    for (&i, &j) in long[lead..].iter().zip(short) {
        out.push(match (i, j) {
            (None, _) | (_, None) => None,
            (Some(1), d) | (d, Some(1)) => d,
            (Some(i), Some(j)) if i == j => Some(i),
            _ => bail!(
                class,
                "inputs have incompatible shapes {} and {}",
                crate::layers::shape_display(&a.to_vec()),
                crate::layers::shape_display(&b.to_vec())
            ),
        });
    }
    Ok(out)
}

/// Keras's merge output shape: the broadcast of the non-batch dims, after the common batch
/// size (or `None`).
pub(crate) fn merged_shape(class: &str, shapes: &[ShapeSpec]) -> Result<ShapeSpec> {
    let mut out: ShapeSpec = shapes[0].get(1..).unwrap_or_default().to_vec();
    for s in &shapes[1..] {
        out = broadcast(class, &out, s.get(1..).unwrap_or_default())?;
    }
    let batch = shapes.iter().find_map(|s| s.first().copied().flatten());
    out.insert(0, batch);
    Ok(out)
}

/// `mask` (one dim less than `x`, or as many) as a boolean tensor of `x`'s shape.
pub(crate) fn broadcast_mask(mask: &Tensor, x: &Tensor) -> Result<Tensor> {
    let m = ops::cast(mask, DType::Bool)?;
    let m = if m.rank() < x.rank() {
        ops::expand_dims(&m, -1)?
    } else {
        m
    };
    ops::broadcast_to(&m, x.dims())
}

/// The OR of the masks when every input has one, else no mask (Keras's
/// `Merge.compute_mask`).
pub(crate) fn or_masks(masks: &[Option<Tensor>]) -> Result<Option<Tensor>> {
    let Some(all) = masks.iter().cloned().collect::<Option<Vec<Tensor>>>() else {
        return Ok(None);
    };
    let mut it = all.into_iter();
    let Some(first) = it.next() else {
        return Ok(None);
    };
    it.try_fold(first, |acc, m| ops::logical_or(&acc, &m))
        .map(Some)
}

/// Applies `op` pairwise where both inputs are unmasked, keeping the unmasked value where
/// only one is (Keras's `_apply_merge_op_and_or_mask`, for `Maximum` and `Minimum`).
pub(crate) fn merge_with_or_mask(
    op: fn(&Tensor, &Tensor) -> Result<Tensor>,
    inputs: &[Tensor],
    masks: &[Option<Tensor>],
) -> Result<Tensor> {
    let mask_of = |i: usize, x: &Tensor| -> Result<Option<Tensor>> {
        masks
            .get(i)
            .and_then(Option::as_ref)
            .map(|m| broadcast_mask(m, x))
            .transpose()
    };
    let mut output = inputs[0].clone();
    let mut output_mask = mask_of(0, &output)?;
    for (i, x) in inputs.iter().enumerate().skip(1) {
        let mask = mask_of(i, x)?;
        let mut x = x.clone();
        if let Some(m) = &mask {
            x = ops::where_(m, &x, &output)?;
        }
        if let Some(om) = &output_mask {
            output = ops::where_(om, &output, &x)?;
        }
        output_mask = match (&output_mask, &mask) {
            (Some(a), Some(b)) => Some(ops::logical_or(a, b)?),
            _ => None,
        };
        output = op(&output, &x)?;
    }
    Ok(output)
}

impl<F: MergeFunction> Layer for Merge<F> {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        F::CLASS
    }
    fn build(&self, shapes: &[ShapeSpec]) -> Result<()> {
        check_inputs(F::CLASS, self.base.name(), shapes, F::ARITY)?;
        merged_shape(F::CLASS, shapes).map(|_| ())
    }
    fn call(&self, inputs: &[Tensor], args: &CallArgs) -> Result<Vec<Tensor>> {
        let shapes: Vec<ShapeSpec> = inputs
            .iter()
            .map(|t| t.dims().iter().map(|&d| Some(d)).collect())
            .collect();
        check_inputs(F::CLASS, self.base.name(), &shapes, F::ARITY)?;
        // Inputs of lower rank get unit dims after the batch axis, as in Keras.
        let rank = inputs.iter().map(Tensor::rank).max().unwrap_or(0);
        let aligned = inputs
            .iter()
            .map(|x| {
                let mut x = x.clone();
                while x.rank() < rank {
                    x = ops::expand_dims(&x, 1)?;
                }
                Ok(x)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(vec![F::merge(&aligned, &args.masks)?])
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let shapes: Vec<ShapeSpec> = inputs.iter().map(|s| s.shape.clone()).collect();
        check_inputs(F::CLASS, self.base.name(), &shapes, F::ARITY)?;
        Ok(vec![TensorSpec::new(
            merged_shape(F::CLASS, &shapes)?,
            self.base.compute_dtype(),
        )])
    }
    fn supports_masking(&self) -> bool {
        true
    }
    fn compute_mask(
        &self,
        _inputs: &[Tensor],
        masks: &[Option<Tensor>],
    ) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![or_masks(masks)?])
    }
    fn takes_list(&self) -> bool {
        true
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting_rules_as_keras() {
        let s = |v: &[Option<usize>]| v.to_vec();
        let out = merged_shape(
            "Add",
            &[s(&[None, Some(3), Some(4)]), s(&[Some(2), Some(4)])],
        )
        .unwrap();
        assert_eq!(out, s(&[Some(2), Some(3), Some(4)]));
        let out = merged_shape(
            "Add",
            &[s(&[None, Some(1), None]), s(&[None, Some(5), Some(2)])],
        )
        .unwrap();
        assert_eq!(out, s(&[None, Some(5), None]));
        assert!(merged_shape("Add", &[s(&[None, Some(3)]), s(&[None, Some(4)])]).is_err());
        assert!(check_inputs(
            "Add",
            "a",
            &[s(&[Some(1), Some(3)]), s(&[Some(2), Some(3)])],
            None
        )
        .is_err());
        assert!(check_inputs("Subtract", "s", &[s(&[None, Some(3)])], Some(2)).is_err());
    }

    #[test]
    fn masks_combine_with_or() {
        let m = |v: Vec<bool>| Some(Tensor::from_vec(v, [2]).unwrap());
        let out = or_masks(&[m(vec![true, false]), m(vec![false, false])]).unwrap();
        assert_eq!(out.unwrap().to_vec::<bool>().unwrap(), vec![true, false]);
        assert!(or_masks(&[m(vec![true, false]), None]).unwrap().is_none());
    }
}
