//! Masks flowing through Functional models, and activity penalties, against Keras 3.15.1.

use keras::layers::{
    Apply, Dense, Input, Layer, LayerExt, Masking, Maximum, Minimum, Multiply, Subtract,
};
use keras::models::Functional;
use keras::regularizers::Regularizer;
use keras::{Result, Tensor};

fn masked_merge(
    merge: impl FnOnce(&[keras::layers::KerasTensor]) -> Result<keras::layers::KerasTensor>,
) -> Vec<f32> {
    let ia = Input::new(&[3, 2]).build();
    let ib = Input::new(&[3, 2]).build();
    let ma = Masking::new(9.0).apply(&ia).unwrap();
    let mb = Masking::new(9.0).apply(&ib).unwrap();
    let out = merge(&[ma, mb]).unwrap();
    let model = Functional::new(vec![ia, ib], out).unwrap();
    let a = Tensor::from_vec(vec![1.0f32, 2.0, 9.0, 9.0, 3.0, 4.0], [1, 3, 2]).unwrap();
    let b = Tensor::from_vec(vec![5.0f32, -1.0, 7.0, 8.0, 9.0, 9.0], [1, 3, 2]).unwrap();
    let y = model
        .call_with(&[a, b], &Default::default())
        .unwrap()
        .remove(0);
    y.to_vec::<f32>().unwrap()
}

/// Keras: `ia, ib = Input((3, 2)); ma, mb = Masking(9.0)(ia), Masking(9.0)(ib);
/// Model([ia, ib], L()([ma, mb]))` on a = [[1,2],[9,9],[3,4]], b = [[5,-1],[7,8],[9,9]]:
/// the masked timestep of one operand takes the other operand's value.
#[test]
fn masked_merges_match_keras() {
    assert_eq!(
        masked_merge(|x| Multiply::new().apply_list(x)),
        [5.0, -2.0, 7.0, 8.0, 3.0, 4.0]
    );
    assert_eq!(
        masked_merge(|x| Maximum::new().apply_list(x)),
        [5.0, 2.0, 7.0, 8.0, 3.0, 4.0]
    );
    assert_eq!(
        masked_merge(|x| Minimum::new().apply_list(x)),
        [1.0, -1.0, 7.0, 8.0, 3.0, 4.0]
    );
    assert_eq!(
        masked_merge(|x| Subtract::new().apply_list(x)),
        [-4.0, 3.0, -7.0, -8.0, 3.0, 4.0]
    );
}

/// Keras: `Dense(2, kernel_initializer="ones", activity_regularizer=L1(0.5))` on
/// `[[1, 2], [3, 4]]` gives outputs [[3, 3], [7, 7]] and `layer.losses == [0.5 * 20 / 2]`.
#[test]
fn activity_penalty_is_divided_by_the_batch_size() {
    let d = Dense::new(2)
        .kernel_initializer(keras::initializers::Initializer::Ones)
        .activity_regularizer(
            Regularizer::from_json(&serde_json::json!({"class_name": "L1", "config": {"l1": 0.5}}))
                .unwrap(),
        );
    let x = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2]).unwrap();
    d.forward(&x).unwrap();
    let losses = d.base().losses().unwrap();
    assert_eq!(losses.len(), 1);
    assert!((losses[0].item().unwrap() - 5.0).abs() < 1e-6);
}
