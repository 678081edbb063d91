//! The inputs and checks the merge layer tests share.

use keras_ops::{DType, Tensor};

use super::base_merge::{Merge, MergeFunction};
use crate::layers::keras_tensor::TensorSpec;
use crate::layers::normalization::test_util::{close, config, t};
use crate::layers::{CallArgs, Layer, LayerExt};

/// What Python Keras gave for one elementwise merge class.
pub(crate) struct Expected {
    /// The class's snake-case name.
    pub name: &'static str,
    /// The output on the unmasked inputs.
    pub plain: &'static [f32],
    /// The output with the masks set.
    pub masked: &'static [f32],
}

/// Checks config round trip, output spec, mask OR and both outputs of a merge layer on the
/// inputs of the Keras runs (`a`, `b` of shape (1, 3, 2), masks of shape (1, 3)).
pub(crate) fn check_merge<F: MergeFunction>(layer: Merge<F>, e: Expected) {
    let named = Merge::<F>::new().named(e.name);
    let expected = config(&format!(
        r#"{{"name": "{}", "trainable": true, "dtype": {{"module": "keras", "class_name": "DTypePolicy", "config": {{"name": "float32"}}, "registered_name": null}}}}"#,
        e.name
    ));
    assert_eq!(named.get_config(), expected);
    assert_eq!(
        Merge::<F>::from_config(&expected).unwrap().get_config(),
        expected
    );
    assert!(layer.takes_list());

    let spec = |s: &[Option<usize>]| TensorSpec::new(s.to_vec(), DType::F32);
    let out = layer
        .compute_output_spec(&[spec(&[None, Some(3), Some(2)]), spec(&[None, Some(2)])])
        .unwrap();
    assert_eq!(out[0].shape, vec![None, Some(3), Some(2)]);
    assert!(layer
        .compute_output_spec(&[spec(&[None, Some(3)]), spec(&[None, Some(4)])])
        .is_err());

    let a = t(&[1.0, -2.0, 3.0, 4.0, 0.5, 6.0], &[1, 3, 2]);
    let b = t(&[2.0, 1.0, -1.0, 5.0, 7.0, -3.0], &[1, 3, 2]);
    let ma = Tensor::from_vec(vec![true, false, true], [1, 3]).unwrap();
    let mb = Tensor::from_vec(vec![true, true, false], [1, 3]).unwrap();
    let plain = layer
        .call_with(&[a.clone(), b.clone()], &CallArgs::inference())
        .unwrap();
    close(&plain[0], e.plain);
    let masks = vec![Some(ma.clone()), Some(mb.clone())];
    let args = CallArgs {
        training: false,
        masks: masks.clone(),
    };
    close(
        &layer.call_with(&[a.clone(), b.clone()], &args).unwrap()[0],
        e.masked,
    );
    let mask = layer.compute_mask(&[a, b], &masks).unwrap();
    assert_eq!(
        mask[0].as_ref().unwrap().to_vec::<bool>().unwrap(),
        vec![true, true, true]
    );
}
