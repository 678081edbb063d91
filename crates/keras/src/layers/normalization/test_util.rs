//! Helpers shared by the layer unit tests.

use keras_ops::Tensor;

use crate::saving::object::Config;

/// A float32 tensor.
pub(crate) fn t(values: &[f32], dims: &[usize]) -> Tensor {
    Tensor::from_vec(values.to_vec(), dims).unwrap()
}

/// Asserts that `a` holds `expected` within 1e-5 (relative for large values).
pub(crate) fn close(a: &Tensor, expected: &[f32]) {
    let a = a.to_vec::<f32>().unwrap();
    assert_eq!(a.len(), expected.len(), "{a:?} vs {expected:?}");
    for (x, y) in a.iter().zip(expected) {
        assert!(
            (x - y).abs() <= 1e-5 * y.abs().max(1.0),
            "{a:?} vs {expected:?}"
        );
    }
}

/// `np.arange(24).reshape(2, 3, 4) ** 1.3 / 10`, float32.
pub(crate) fn ramp() -> Tensor {
    let v: Vec<f32> = (0..24).map(|i| (i as f32).powf(1.3) / 10.0).collect();
    t(&v, &[2, 3, 4])
}

/// A config from the JSON Python Keras printed.
pub(crate) fn config(json: &str) -> Config {
    serde_json::from_str(json).unwrap()
}
