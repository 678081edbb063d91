//! Shapes, axis arguments and NumPy broadcasting rules.

use std::fmt;

use keras_backend::{bail, Result};

/// The dims of a tensor, row-major. Printed as Keras prints shapes: `(2, 3)`.
///
/// ```
/// use keras_ops::Shape;
/// let s = Shape::from([2, 3]);
/// assert_eq!(s.size(), 6);
/// assert_eq!(s.to_string(), "(2, 3)");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Shape(pub(crate) Vec<usize>);

impl Shape {
    /// The dims as a slice.
    pub fn dims(&self) -> &[usize] {
        &self.0
    }
    /// Number of dims.
    pub fn rank(&self) -> usize {
        self.0.len()
    }
    /// Number of elements (1 for a scalar).
    pub fn size(&self) -> usize {
        self.0.iter().product()
    }
    /// Row-major strides in elements.
    pub fn strides(&self) -> Vec<usize> {
        strides_of(&self.0)
    }
}

/// Row-major strides of `dims`, in elements.
pub(crate) fn strides_of(dims: &[usize]) -> Vec<usize> {
    let mut s = vec![1; dims.len()];
    for i in (0..dims.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * dims[i + 1];
    }
    s
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&fmt_dims(&self.0))
    }
}

impl fmt::Debug for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Formats dims as a Python tuple: `(2, 3)`, `(5,)`, `()`.
pub(crate) fn fmt_dims(dims: &[usize]) -> String {
    match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!(
            "({})",
            dims.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

impl From<Vec<usize>> for Shape {
    fn from(v: Vec<usize>) -> Self {
        Shape(v)
    }
}
impl From<&[usize]> for Shape {
    fn from(v: &[usize]) -> Self {
        Shape(v.to_vec())
    }
}
impl From<&Vec<usize>> for Shape {
    fn from(v: &Vec<usize>) -> Self {
        Shape(v.clone())
    }
}
impl<const N: usize> From<[usize; N]> for Shape {
    fn from(v: [usize; N]) -> Self {
        Shape(v.to_vec())
    }
}
impl From<&Shape> for Shape {
    fn from(v: &Shape) -> Self {
        v.clone()
    }
}
impl From<()> for Shape {
    fn from(_: ()) -> Self {
        Shape(vec![])
    }
}

/// An `axis` argument: `None` (all axes), one axis, or several; negative axes count from the end.
///
/// ```
/// use keras_ops::Axes;
/// let all: Axes = None.into();
/// let one: Axes = (-1).into();
/// let two: Axes = [0, 2].into();
/// assert_eq!(two.resolve(3, "sum").unwrap(), vec![0, 2]);
/// assert_eq!(one.resolve(3, "sum").unwrap(), vec![2]);
/// assert_eq!(all.resolve(2, "sum").unwrap(), vec![0, 1]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Axes {
    /// Every axis.
    All,
    /// These axes.
    Some(Vec<i64>),
}

impl Axes {
    /// Sorted, unique, non-negative axes for a tensor of `rank` dims; errors name `op`.
    pub fn resolve(&self, rank: usize, op: &str) -> Result<Vec<usize>> {
        match self {
            Axes::All => Ok((0..rank).collect()),
            Axes::Some(v) => {
                let mut out = Vec::with_capacity(v.len());
                for &a in v {
                    let a = normalize_axis(a, rank, op)?;
                    if out.contains(&a) {
                        bail!(op, "repeated axis {a} in {v:?}");
                    }
                    out.push(a);
                }
                out.sort_unstable();
                Ok(out)
            }
        }
    }
}

impl From<Option<i64>> for Axes {
    fn from(a: Option<i64>) -> Self {
        match a {
            None => Axes::All,
            Some(a) => Axes::Some(vec![a]),
        }
    }
}
impl From<i64> for Axes {
    fn from(a: i64) -> Self {
        Axes::Some(vec![a])
    }
}
impl From<&[i64]> for Axes {
    fn from(a: &[i64]) -> Self {
        Axes::Some(a.to_vec())
    }
}
impl From<Vec<i64>> for Axes {
    fn from(a: Vec<i64>) -> Self {
        Axes::Some(a)
    }
}
impl<const N: usize> From<[i64; N]> for Axes {
    fn from(a: [i64; N]) -> Self {
        Axes::Some(a.to_vec())
    }
}

/// Maps a possibly negative `axis` into `0..rank`, or errors naming `op`.
pub fn normalize_axis(axis: i64, rank: usize, op: &str) -> Result<usize> {
    let r = rank as i64;
    if axis < -r || axis >= r {
        bail!(
            op,
            "axis {axis} is out of bounds for a tensor of rank {rank}"
        );
    }
    Ok(if axis < 0 { axis + r } else { axis } as usize)
}

/// The NumPy broadcast of two shapes, or an error naming `op` and both shapes.
pub fn broadcast_shapes(a: &[usize], b: &[usize], op: &str) -> Result<Vec<usize>> {
    let rank = a.len().max(b.len());
    let mut out = vec![0; rank];
    for i in 0..rank {
        let da = if i + a.len() >= rank {
            a[i + a.len() - rank]
        } else {
            1
        };
        let db = if i + b.len() >= rank {
            b[i + b.len() - rank]
        } else {
            1
        };
        out[i] = if da == db || db == 1 {
            da
        } else if da == 1 {
            db
        } else {
            bail!(
                op,
                "shapes {} and {} cannot be broadcast together",
                fmt_dims(a),
                fmt_dims(b)
            );
        };
    }
    Ok(out)
}

/// `dims` left-padded with 1s to `rank`.
pub(crate) fn pad_rank(dims: &[usize], rank: usize) -> Vec<usize> {
    let mut v = vec![1; rank - dims.len()];
    v.extend_from_slice(dims);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting() {
        assert_eq!(
            broadcast_shapes(&[2, 1, 3], &[4, 1], "t").unwrap(),
            vec![2, 4, 3]
        );
        assert_eq!(broadcast_shapes(&[], &[3], "t").unwrap(), vec![3]);
        assert_eq!(broadcast_shapes(&[0, 1], &[1, 5], "t").unwrap(), vec![0, 5]);
        let e = broadcast_shapes(&[2, 3], &[4], "add").unwrap_err();
        assert_eq!(
            e.to_string(),
            "add: shapes (2, 3) and (4,) cannot be broadcast together"
        );
    }

    #[test]
    fn axes() {
        assert!(normalize_axis(3, 3, "t").is_err());
        assert_eq!(normalize_axis(-3, 3, "t").unwrap(), 0);
        assert!(Axes::from([0, -3]).resolve(3, "t").is_err());
    }
}
