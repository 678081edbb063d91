//! Shapes with unknown dims (`None`, Keras's `None` batch size) and their JSON form.

use keras_backend::bail;
use keras_ops::{Error, Result};
use serde_json::Value;

/// A shape whose dims may be unknown: `[None, 28, 28, 1]`.
pub type ShapeSpec = Vec<Option<usize>>;

/// `[null, 28, 28, 1]`.
///
/// ```
/// let v = keras::layers::shape_to_json(&vec![None, Some(3)]);
/// assert_eq!(v.to_string(), "[null,3]");
/// ```
pub fn shape_to_json(shape: &ShapeSpec) -> Value {
    Value::Array(
        shape
            .iter()
            .map(|d| d.map_or(Value::Null, |d| Value::from(d as u64)))
            .collect(),
    )
}

/// One shape (`[null, 3]`) or several (`[[null, 3], [null, 4]]`) from JSON.
pub fn shapes_from_json(v: &Value) -> Result<Vec<ShapeSpec>> {
    let err = || Error::op("shape", format!("not a shape or a list of shapes: {v}"));
    let arr = v.as_array().ok_or_else(err)?;
    if arr.iter().all(|d| d.is_null() || d.is_u64()) {
        return Ok(vec![shape_from_json(v)?]);
    }
    arr.iter().map(shape_from_json).collect()
}

/// One shape from JSON (`[null, 3]`).
pub fn shape_from_json(v: &Value) -> Result<ShapeSpec> {
    let arr = v
        .as_array()
        .ok_or_else(|| Error::op("shape", format!("not a shape: {v}")))?;
    arr.iter()
        .map(|d| match d {
            Value::Null => Ok(None),
            d => d
                .as_u64()
                .map(|d| Some(d as usize))
                .ok_or_else(|| Error::op("shape", format!("bad dim {d} in {v}"))),
        })
        .collect()
}

/// `(None, 28, 28, 1)`, as Keras prints shapes in summaries and messages.
pub fn shape_display(shape: &ShapeSpec) -> String {
    let dims: Vec<String> = shape
        .iter()
        .map(|d| d.map_or("None".to_string(), |d| d.to_string()))
        .collect();
    if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    }
}

/// Checks that input `i` of `owner` with `dims` fits `spec` (same rank, equal known dims),
/// as Keras's input-spec check.
pub fn check_input_shape(owner: &str, i: usize, spec: &ShapeSpec, dims: &[usize]) -> Result<()> {
    let ok = spec.len() == dims.len()
        && spec
            .iter()
            .zip(dims)
            .all(|(s, &d)| s.is_none_or(|s| s == d));
    if !ok {
        bail!(
            owner,
            "input {i} of {owner:?} is incompatible: expected shape {}, found shape {dims:?}",
            shape_display(spec)
        );
    }
    Ok(())
}

/// Output specs of a computation whose shape rule is not written down (a Lambda's function,
/// a recorded `keras.ops` call): it runs on ones with the unknown dims set to 1, then to 2,
/// and the output dims that move with them are unknown. `owner` names the layer in errors.
pub(crate) fn probe_output_specs(
    owner: &str,
    inputs: &[super::TensorSpec],
    f: impl Fn(&[keras_ops::Tensor]) -> Result<Vec<keras_ops::Tensor>>,
) -> Result<Vec<super::TensorSpec>> {
    let probe = |fill: usize| -> Result<Vec<keras_ops::Tensor>> {
        let xs = inputs
            .iter()
            .map(|x| {
                let dims: Vec<usize> = x.shape.iter().map(|d| d.unwrap_or(fill)).collect();
                keras_ops::ops::ones(&dims, x.dtype)
            })
            .collect::<Result<Vec<_>>>()?;
        f(&xs)
    };
    let (a, b) = (probe(1)?, probe(2)?);
    a.iter()
        .zip(&b)
        .map(|(a, b)| {
            if a.rank() != b.rank() {
                bail!(
                    owner,
                    "could not infer the output shape (the output rank depends on the batch size)"
                );
            }
            let shape = a
                .dims()
                .iter()
                .zip(b.dims())
                .map(|(&p, &q)| (p == q).then_some(p))
                .collect();
            Ok(super::TensorSpec::new(shape, a.dtype()))
        })
        .collect()
}
