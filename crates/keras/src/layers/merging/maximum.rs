//! `Maximum`: the elementwise maximum of a list of inputs.

use keras_ops::{ops, Result, Tensor};

use super::base_merge::{merge_with_or_mask, Merge, MergeFunction};

/// The merge function of [`Maximum`]: the elementwise maximum.
pub struct MaximumOp;

impl MergeFunction for MaximumOp {
    const CLASS: &'static str = "Maximum";
    fn merge(inputs: &[Tensor], masks: &[Option<Tensor>]) -> Result<Tensor> {
        merge_with_or_mask(|a, b| ops::maximum(a, b), inputs, masks)
    }
}

/// The elementwise maximum of a list of inputs (Keras's `Maximum`); masks: masked entries of one input give way to the other input's value, and the output mask is the OR of the input masks.
///
/// ```
/// use keras::layers::{Maximum, LayerExt, CallArgs};
/// let a = keras::Tensor::from_vec(vec![1.0f32, 4.0], [1, 2]).unwrap();
/// let b = keras::Tensor::from_vec(vec![3.0f32, 2.0], [1, 2]).unwrap();
/// let y = Maximum::new().call_with(&[a, b], &CallArgs::inference()).unwrap();
/// assert_eq!(y[0].to_vec::<f32>().unwrap(), vec![3.0, 4.0]);
/// ```
pub type Maximum = Merge<MaximumOp>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::merging::test_inputs::{check_merge, Expected};

    #[test]
    fn matches_keras() {
        // a = [[[1, -2], [3, 4], [.5, 6]]], b = [[[2, 1], [-1, 5], [7, -3]]],
        // masks [[True, False, True]] and [[True, True, False]] (set as Keras masks):
        // keras.layers.Maximum()([a, b]) and the same on the masked tensors.
        check_merge(
            Maximum::new(),
            Expected {
                name: "maximum",
                plain: &[2.0, 1.0, 3.0, 5.0, 7.0, 6.0],
                masked: &[2.0, 1.0, -1.0, 5.0, 0.5, 6.0],
            },
        );
    }
}
