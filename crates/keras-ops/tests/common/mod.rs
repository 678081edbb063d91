//! Shared helpers for the gradient tests: finite differences and random inputs.
#![allow(dead_code)]

use keras_ops::{ops, value_and_grad, Result, Tensor};
use proptest::prelude::*;

/// A deterministic pseudo-random float64 tensor with values in `[lo, hi)`.
pub fn rand_tensor(shape: &[usize], seed: u64, lo: f64, hi: f64) -> Tensor {
    keras_ops::random::uniform(shape, lo, hi, keras_ops::DType::F64, seed).expect("uniform")
}

/// Checks the gradient of `f` at `inputs` (float64) against central finite differences.
///
/// The scalar differentiated is `sum(f(x) * w)` for a fixed random `w`, so every output
/// element's gradient is exercised with a distinct weight. Relative tolerance `tol`.
pub fn check_grad(f: impl Fn(&[Tensor]) -> Result<Tensor>, inputs: &[Tensor], tol: f64) {
    let y0 = f(inputs).expect("forward");
    let w = rand_tensor(y0.dims(), 991, 0.5, 1.5);
    let loss = |xs: &[Tensor]| -> Result<Tensor> {
        let y = ops::cast(&f(xs)?, keras_ops::DType::F64)?;
        ops::sum(&ops::multiply(&y, &w)?, None, false)
    };
    let (_, grads) = value_and_grad(loss, inputs).expect("value_and_grad");
    let eps = 1e-6;
    for (k, x) in inputs.iter().enumerate() {
        let base = x.to_vec::<f64>().unwrap();
        let analytic = grads[k].to_vec::<f64>().unwrap();
        assert_eq!(
            analytic.len(),
            base.len(),
            "gradient {k} has the wrong size"
        );
        for i in 0..base.len() {
            let mut plus = base.clone();
            plus[i] += eps;
            let mut minus = base.clone();
            minus[i] -= eps;
            let eval = |v: Vec<f64>| -> f64 {
                let mut xs = inputs.to_vec();
                xs[k] = Tensor::from_vec(v, x.shape().clone()).unwrap();
                loss(&xs).unwrap().item().unwrap()
            };
            let numeric = (eval(plus) - eval(minus)) / (2.0 * eps);
            let a = analytic[i];
            assert!(
                (a - numeric).abs() <= tol * (1.0 + numeric.abs()),
                "input {k} element {i}: analytic {a} vs numeric {numeric}"
            );
        }
    }
}

/// Shapes of rank 0..=max_rank with dims 1..=max_dim.
pub fn arb_shape(max_rank: usize, max_dim: usize) -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(1..=max_dim, 0..=max_rank)
}
