//! `Multiply`: multiplies a list of inputs elementwise.

use keras_backend::bail;
use keras_ops::{ops, Result, Tensor};

use super::base_merge::{broadcast_mask, Merge, MergeFunction};

/// The merge function of [`Multiply`]: the elementwise product.
pub struct MultiplyOp;

impl MergeFunction for MultiplyOp {
    const CLASS: &'static str = "Multiply";
    fn merge(inputs: &[Tensor], masks: &[Option<Tensor>]) -> Result<Tensor> {
        let all_masked = inputs.len() == masks.len() && masks.iter().all(Option::is_some);
        let mut output: Option<Tensor> = None;
        let mut output_mask: Option<Tensor> = None;
        for (i, x) in inputs.iter().enumerate() {
            let mut x = x.clone();
            if let Some(m) = masks.get(i).and_then(Option::as_ref) {
                // Masked entries count as 1.
                let m = broadcast_mask(m, &x)?;
                x = ops::where_(&m, &x, 1.0)?;
                if all_masked {
                    output_mask = Some(match output_mask {
                        None => m,
                        Some(om) => ops::logical_or(&om, &m)?,
                    });
                }
            }
            output = Some(match output {
                None => x,
                Some(o) => ops::multiply(&o, &x)?,
            });
        }
        let Some(output) = output else {
            bail!("Multiply", "a merge layer needs at least one input");
        };
        match output_mask {
            Some(m) => ops::where_(&m, &output, 0.0),
            None => Ok(output),
        }
    }
}

/// Multiplies a list of inputs elementwise (Keras's `Multiply`); masked entries count as 1,
/// entries masked in every input are 0, and the output mask is the OR of the input masks.
///
/// ```
/// use keras::layers::{CallArgs, LayerExt, Multiply};
/// let a = keras::Tensor::from_vec(vec![1.0f32, 4.0], [1, 2]).unwrap();
/// let b = keras::Tensor::from_vec(vec![3.0f32, 2.0], [1, 2]).unwrap();
/// let y = Multiply::new().call_with(&[a, b], &CallArgs::inference()).unwrap();
/// assert_eq!(y[0].to_vec::<f32>().unwrap(), vec![3.0, 8.0]);
/// ```
pub type Multiply = Merge<MultiplyOp>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::merging::test_inputs::{check_merge, Expected};

    #[test]
    fn matches_keras() {
        // a = [[[1, -2], [3, 4], [.5, 6]]], b = [[[2, 1], [-1, 5], [7, -3]]],
        // masks [[True, False, True]] and [[True, True, False]] (set as Keras masks):
        // keras.layers.Multiply()([a, b]) and the same on the masked tensors.
        check_merge(
            Multiply::new(),
            Expected {
                name: "multiply",
                plain: &[2.0, -2.0, -3.0, 20.0, 3.5, -18.0],
                masked: &[2.0, -2.0, -1.0, 5.0, 0.5, 6.0],
            },
        );
    }
}
