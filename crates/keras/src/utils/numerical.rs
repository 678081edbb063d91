//! `keras.utils.to_categorical` and `keras.utils.normalize`.

use keras_backend::bail;
use keras_ops::{ops, DType, Result, Tensor};

/// Class ids to one-hot rows of `num_classes` (default: the largest id + 1), float32. A
/// trailing dim of size 1 is replaced, as Keras does: `(n, 1)` ids give `(n, classes)`.
///
/// ```
/// let y = keras::Tensor::from_vec(vec![0i32, 2, 1], [3]).unwrap();
/// let hot = keras::utils::to_categorical(&y, None).unwrap();
/// assert_eq!(hot.dims(), &[3, 3]);
/// assert_eq!(hot.to_vec::<f32>().unwrap(), vec![1., 0., 0., 0., 0., 1., 0., 1., 0.]);
/// ```
pub fn to_categorical(y: &Tensor, num_classes: Option<usize>) -> Result<Tensor> {
    if !y.dtype().is_int() && y.dtype() != DType::Bool {
        let ids = y.to_vec::<f64>()?;
        if ids.iter().any(|v| v.fract() != 0.0) {
            bail!(
                "to_categorical",
                "labels must be integers, got dtype {}",
                y.dtype()
            );
        }
    }
    let ids = ops::cast(y, DType::I64)?;
    let ids = match ids.dims() {
        [.., 1] if ids.rank() > 1 => ops::squeeze(&ids, -1)?,
        _ => ids,
    };
    let values = ids.to_vec::<i64>()?;
    let max = values.iter().copied().max().unwrap_or(-1);
    if let Some(&neg) = values.iter().find(|&&v| v < 0) {
        bail!("to_categorical", "labels must be >= 0, got {neg}");
    }
    let classes = match num_classes {
        Some(n) if (max as usize) < n || values.is_empty() => n,
        Some(n) => bail!(
            "to_categorical",
            "label {max} is out of range for num_classes={n}"
        ),
        None => (max + 1) as usize,
    };
    ops::one_hot(&ids, classes, -1, Some(DType::F32))
}

/// `x` divided by its `order`-norm along `axis` (Keras's `utils.normalize`).
pub fn normalize(x: &Tensor, axis: i64, order: i64) -> Result<Tensor> {
    ops::normalize(x, axis, order, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_errors() {
        let y = Tensor::from_vec(vec![1i64, 0], [2, 1]).unwrap();
        let hot = to_categorical(&y, Some(3)).unwrap();
        assert_eq!(hot.dims(), &[2, 3]);
        assert_eq!(hot.to_vec::<f32>().unwrap(), vec![0., 1., 0., 1., 0., 0.]);
        assert!(to_categorical(&y, Some(1)).is_err());
        assert!(to_categorical(&Tensor::from_vec(vec![-1i32], [1]).unwrap(), None).is_err());
        assert!(to_categorical(&Tensor::from_vec(vec![0.5f32], [1]).unwrap(), None).is_err());
        let x = Tensor::from_vec(vec![3.0f32, 4.0], [1, 2]).unwrap();
        assert_eq!(
            normalize(&x, -1, 2).unwrap().to_vec::<f32>().unwrap(),
            vec![0.6, 0.8]
        );
    }
}
