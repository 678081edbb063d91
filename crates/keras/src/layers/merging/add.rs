//! `Add`: adds a list of inputs elementwise.

use keras_ops::{ops, Result, Tensor};

use super::base_merge::{Merge, MergeFunction};

/// The merge function of [`Add`]: the elementwise sum.
pub struct AddOp;

impl MergeFunction for AddOp {
    const CLASS: &'static str = "Add";
    fn merge(inputs: &[Tensor], _masks: &[Option<Tensor>]) -> Result<Tensor> {
        inputs[1..]
            .iter()
            .try_fold(inputs[0].clone(), |acc, x| ops::add(&acc, x))
    }
}

/// Adds a list of inputs elementwise (Keras's `Add`); masks: the output mask is the OR of the input masks.
///
/// ```
/// use keras::layers::{Add, LayerExt, CallArgs};
/// let a = keras::Tensor::from_vec(vec![1.0f32, 4.0], [1, 2]).unwrap();
/// let b = keras::Tensor::from_vec(vec![3.0f32, 2.0], [1, 2]).unwrap();
/// let y = Add::new().call_with(&[a, b], &CallArgs::inference()).unwrap();
/// assert_eq!(y[0].to_vec::<f32>().unwrap(), vec![4.0, 6.0]);
/// ```
pub type Add = Merge<AddOp>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::merging::test_inputs::{check_merge, Expected};

    #[test]
    fn matches_keras() {
        // a = [[[1, -2], [3, 4], [.5, 6]]], b = [[[2, 1], [-1, 5], [7, -3]]],
        // masks [[True, False, True]] and [[True, True, False]] (set as Keras masks):
        // keras.layers.Add()([a, b]) and the same on the masked tensors.
        check_merge(
            Add::new(),
            Expected {
                name: "add",
                plain: &[3.0, -1.0, 2.0, 9.0, 7.5, 3.0],
                masked: &[3.0, -1.0, 2.0, 9.0, 7.5, 3.0],
            },
        );
    }
}
