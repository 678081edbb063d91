//! The `axis` argument of the normalization layers: one axis or a list of axes, kept as given
//! (Keras writes it back in the form it was passed, or as a sorted list once built).

use keras_backend::bail;
use keras_ops::{normalize_axis, Result};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::layers::ShapeSpec;

/// One axis (`-1`) or several (`[1, 2]`); negative axes count from the end.
///
/// ```
/// use keras::layers::AxisArg;
/// let a: AxisArg = (-1).into();
/// assert_eq!(a.resolve(3, "LayerNormalization").unwrap(), vec![2]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AxisArg {
    /// A single axis.
    One(i64),
    /// Several axes.
    Many(Vec<i64>),
}

impl AxisArg {
    /// The axes as given.
    pub fn axes(&self) -> Vec<i64> {
        match self {
            AxisArg::One(a) => vec![*a],
            AxisArg::Many(v) => v.clone(),
        }
    }

    /// The config value: as given, or (`as_sorted_list`) the sorted list Keras keeps once a
    /// layer is built.
    pub fn to_json(&self, as_sorted_list: bool) -> Value {
        match (self, as_sorted_list) {
            (AxisArg::One(a), false) => json!(a),
            (AxisArg::Many(v), false) => json!(v),
            _ => {
                let mut v = self.axes();
                v.sort_unstable();
                json!(v)
            }
        }
    }

    /// The axes as sorted non-negative indices into a rank-`rank` input; an error naming
    /// `layer` when one is out of bounds.
    pub fn resolve(&self, rank: usize, layer: &str) -> Result<Vec<usize>> {
        let mut out = self
            .axes()
            .into_iter()
            .map(|a| normalize_axis(a, rank, layer))
            .collect::<Result<Vec<_>>>()?;
        out.sort_unstable();
        Ok(out)
    }

    /// The known dims of `shape` at these axes (the shape of a per-feature weight); an error
    /// naming `layer` when an axis is out of bounds or its dim unknown.
    pub fn feature_shape(&self, shape: &ShapeSpec, layer: &str) -> Result<Vec<usize>> {
        self.resolve(shape.len(), layer)?
            .into_iter()
            .map(|a| match shape[a] {
                Some(d) => Ok(d),
                None => bail!(
                    layer,
                    "axis {a} of the input must have a known size, got input shape {}",
                    crate::layers::shape_display(shape)
                ),
            })
            .collect()
    }
}

impl From<i64> for AxisArg {
    fn from(a: i64) -> Self {
        AxisArg::One(a)
    }
}

impl From<Vec<i64>> for AxisArg {
    fn from(v: Vec<i64>) -> Self {
        AxisArg::Many(v)
    }
}

impl<const N: usize> From<[i64; N]> for AxisArg {
    fn from(v: [i64; N]) -> Self {
        AxisArg::Many(v.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_forms() {
        let a = AxisArg::from(-1);
        assert_eq!(a.to_json(false), json!(-1));
        assert_eq!(a.to_json(true), json!([-1]));
        let m = AxisArg::from([2, 1]);
        assert_eq!(m.to_json(true), json!([1, 2]));
        assert_eq!(
            serde_json::from_value::<AxisArg>(json!([1, 2])).unwrap(),
            AxisArg::from([1, 2])
        );
        assert!(a.resolve(0, "X").is_err());
        assert!(a.feature_shape(&vec![None, None], "X").is_err());
    }
}
