//! `Minimum`: the elementwise minimum of a list of inputs.

use keras_ops::{ops, Result, Tensor};

use super::base_merge::{merge_with_or_mask, Merge, MergeFunction};

/// The merge function of [`Minimum`]: the elementwise minimum.
pub struct MinimumOp;

impl MergeFunction for MinimumOp {
    const CLASS: &'static str = "Minimum";
    fn merge(inputs: &[Tensor], masks: &[Option<Tensor>]) -> Result<Tensor> {
        merge_with_or_mask(|a, b| ops::minimum(a, b), inputs, masks)
    }
}

/// The elementwise minimum of a list of inputs (Keras's `Minimum`); masks: masked entries of one input give way to the other input's value, and the output mask is the OR of the input masks.
///
/// ```
/// use keras::layers::{Minimum, LayerExt, CallArgs};
/// let a = keras::Tensor::from_vec(vec![1.0f32, 4.0], [1, 2]).unwrap();
/// let b = keras::Tensor::from_vec(vec![3.0f32, 2.0], [1, 2]).unwrap();
/// let y = Minimum::new().call_with(&[a, b], &CallArgs::inference()).unwrap();
/// assert_eq!(y[0].to_vec::<f32>().unwrap(), vec![1.0, 2.0]);
/// ```
pub type Minimum = Merge<MinimumOp>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::merging::test_inputs::{check_merge, Expected};

    #[test]
    fn matches_keras() {
        // a = [[[1, -2], [3, 4], [.5, 6]]], b = [[[2, 1], [-1, 5], [7, -3]]],
        // masks [[True, False, True]] and [[True, True, False]] (set as Keras masks):
        // keras.layers.Minimum()([a, b]) and the same on the masked tensors.
        check_merge(
            Minimum::new(),
            Expected {
                name: "minimum",
                plain: &[1.0, -2.0, -1.0, 4.0, 0.5, -3.0],
                masked: &[1.0, -2.0, -1.0, 5.0, 0.5, 6.0],
            },
        );
    }
}
