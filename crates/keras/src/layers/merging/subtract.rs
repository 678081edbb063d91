//! `Subtract`: subtracts the second input from the first.

use keras_ops::{ops, Result, Tensor};

use super::base_merge::{Merge, MergeFunction};

/// The merge function of [`Subtract`]: `inputs[0] - inputs[1]`.
pub struct SubtractOp;

impl MergeFunction for SubtractOp {
    const CLASS: &'static str = "Subtract";
    const ARITY: Option<usize> = Some(2);
    fn merge(inputs: &[Tensor], _masks: &[Option<Tensor>]) -> Result<Tensor> {
        ops::subtract(&inputs[0], &inputs[1])
    }
}

/// Subtracts the second of two inputs from the first (Keras's `Subtract`); masks: the output mask is the OR of the input masks.
///
/// ```
/// use keras::layers::{Subtract, LayerExt, CallArgs};
/// let a = keras::Tensor::from_vec(vec![1.0f32, 4.0], [1, 2]).unwrap();
/// let b = keras::Tensor::from_vec(vec![3.0f32, 2.0], [1, 2]).unwrap();
/// let y = Subtract::new().call_with(&[a, b], &CallArgs::inference()).unwrap();
/// assert_eq!(y[0].to_vec::<f32>().unwrap(), vec![-2.0, 2.0]);
/// ```
pub type Subtract = Merge<SubtractOp>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::merging::test_inputs::{check_merge, Expected};

    #[test]
    fn matches_keras() {
        // a = [[[1, -2], [3, 4], [.5, 6]]], b = [[[2, 1], [-1, 5], [7, -3]]],
        // masks [[True, False, True]] and [[True, True, False]] (set as Keras masks):
        // keras.layers.Subtract()([a, b]) and the same on the masked tensors.
        check_merge(
            Subtract::new(),
            Expected {
                name: "subtract",
                plain: &[-1.0, -3.0, 4.0, -1.0, -6.5, 9.0],
                masked: &[-1.0, -3.0, 4.0, -1.0, -6.5, 9.0],
            },
        );
    }
}
