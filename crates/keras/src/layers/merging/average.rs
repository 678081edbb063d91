//! `Average`: averages a list of inputs elementwise.

use keras_ops::{ops, Result, Tensor};

use super::base_merge::{Merge, MergeFunction};

/// The merge function of [`Average`]: the elementwise mean.
pub struct AverageOp;

impl MergeFunction for AverageOp {
    const CLASS: &'static str = "Average";
    fn merge(inputs: &[Tensor], _masks: &[Option<Tensor>]) -> Result<Tensor> {
        let sum = inputs[1..]
            .iter()
            .try_fold(inputs[0].clone(), |acc, x| ops::add(&acc, x))?;
        ops::divide(&sum, inputs.len() as f64)
    }
}

/// Averages a list of inputs elementwise (Keras's `Average`); masks: the output mask is the OR of the input masks.
///
/// ```
/// use keras::layers::{Average, LayerExt, CallArgs};
/// let a = keras::Tensor::from_vec(vec![1.0f32, 4.0], [1, 2]).unwrap();
/// let b = keras::Tensor::from_vec(vec![3.0f32, 2.0], [1, 2]).unwrap();
/// let y = Average::new().call_with(&[a, b], &CallArgs::inference()).unwrap();
/// assert_eq!(y[0].to_vec::<f32>().unwrap(), vec![2.0, 3.0]);
/// ```
pub type Average = Merge<AverageOp>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::merging::test_inputs::{check_merge, Expected};

    #[test]
    fn matches_keras() {
        // a = [[[1, -2], [3, 4], [.5, 6]]], b = [[[2, 1], [-1, 5], [7, -3]]],
        // masks [[True, False, True]] and [[True, True, False]] (set as Keras masks):
        // keras.layers.Average()([a, b]) and the same on the masked tensors.
        check_merge(
            Average::new(),
            Expected {
                name: "average",
                plain: &[1.5, -0.5, 1.0, 4.5, 3.75, 1.5],
                masked: &[1.5, -0.5, 1.0, 4.5, 3.75, 1.5],
            },
        );
    }
}
