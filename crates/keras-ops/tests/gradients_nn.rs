//! Finite-difference checks of the gradients of the activations, losses, normalization,
//! sorting / scan ops and numeric helpers.

mod common;

use common::{arb_shape, check_grad, rand_tensor};
use keras_ops::{ops, Result, Tensor};
use proptest::prelude::*;

const TOL: f64 = 1e-5;

type Unary = fn(&Tensor) -> Result<Tensor>;

/// Elementwise activations on `[lo, hi)`, a domain where each is smooth almost surely.
fn activation_cases() -> Vec<(&'static str, Unary, f64, f64)> {
    vec![
        ("relu6", ops::relu6, -2.0, 8.0),
        ("elu", |x| ops::elu(x, 1.3), -3.0, 3.0),
        ("selu", ops::selu, -3.0, 3.0),
        ("gelu_tanh", |x| ops::gelu(x, true), -3.0, 3.0),
        ("gelu_erf", |x| ops::gelu(x, false), -3.0, 3.0),
        ("celu", |x| ops::celu(x, 0.7), -3.0, 3.0),
        ("hard_sigmoid", ops::hard_sigmoid, -5.0, 5.0),
        ("hard_silu", ops::hard_silu, -5.0, 5.0),
        ("hard_swish", ops::hard_swish, -5.0, 5.0),
        ("hard_tanh", ops::hard_tanh, -2.0, 2.0),
        ("hard_shrink", |x| ops::hard_shrink(x, 0.5), -2.0, 2.0),
        ("soft_shrink", |x| ops::soft_shrink(x, 0.5), -2.0, 2.0),
        ("tanh_shrink", ops::tanh_shrink, -2.0, 2.0),
        ("threshold", |x| ops::threshold(x, 0.3, -1.0), -2.0, 2.0),
        ("leaky_relu", |x| ops::leaky_relu(x, 0.2), -2.0, 2.0),
        ("log_sigmoid", ops::log_sigmoid, -6.0, 6.0),
        ("mish", ops::mish, -4.0, 4.0),
        ("silu", ops::silu, -4.0, 4.0),
        ("swish", ops::swish, -4.0, 4.0),
        ("softsign", ops::softsign, -4.0, 4.0),
        ("squareplus", |x| ops::squareplus(x, 4.0), -4.0, 4.0),
        ("sparse_plus", ops::sparse_plus, -2.0, 2.0),
        ("sparse_sigmoid", ops::sparse_sigmoid, -2.0, 2.0),
        ("glu", |x| ops::glu(x, -1), -3.0, 3.0),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    #[test]
    fn activations(shape in arb_shape(3, 4), seed in 0u64..1000) {
        for (i, (name, f, lo, hi)) in activation_cases().into_iter().enumerate() {
            let mut shape = shape.clone();
            if name == "glu" {
                shape.push(2);
            }
            let x = rand_tensor(&shape, seed + i as u64, lo, hi);
            check_grad(|a| f(&a[0]), &[x], TOL);
        }
    }

    #[test]
    fn softmax_family(shape in arb_shape(3, 4), axis_pick in 0usize..8, seed in 0u64..1000) {
        let mut shape = shape.clone();
        shape.push(3);
        let r = shape.len() as i64;
        let axis = (axis_pick as i64 % (2 * r)) - r;
        let x = rand_tensor(&shape, seed, -3.0, 3.0);
        check_grad(|a| ops::softmax(&a[0], axis), std::slice::from_ref(&x), TOL);
        check_grad(|a| ops::log_softmax(&a[0], axis), std::slice::from_ref(&x), TOL);
        check_grad(|a| ops::sparsemax(&a[0], axis), std::slice::from_ref(&x), TOL);
        // several axes at once (merged as Keras does for tuple axes)
        if r >= 2 {
            check_grad(|a| ops::softmax(&a[0], vec![0, -1]), std::slice::from_ref(&x), TOL);
        }
        check_grad(|a| ops::log_softmax(&a[0], None), &[x], TOL);
    }

    #[test]
    fn sort_and_scans(shape in arb_shape(3, 4), axis_pick in 0usize..8, seed in 0u64..1000) {
        let mut shape = shape.clone();
        shape.push(4);
        let r = shape.len() as i64;
        let axis = (axis_pick as i64 % (2 * r)) - r;
        let x = rand_tensor(&shape, seed, -2.0, 2.0);
        check_grad(|a| ops::sort(&a[0], Some(axis)), std::slice::from_ref(&x), TOL);
        check_grad(|a| ops::sort(&a[0], None), std::slice::from_ref(&x), TOL);
        check_grad(|a| Ok(ops::top_k(&a[0], 2, true)?.0), std::slice::from_ref(&x), TOL);
        check_grad(|a| ops::cumsum(&a[0], Some(axis), None), std::slice::from_ref(&x), TOL);
        check_grad(|a| ops::cumsum(&a[0], None, None), std::slice::from_ref(&x), TOL);
        check_grad(|a| ops::cumprod(&a[0], Some(axis), None), std::slice::from_ref(&x), TOL);
        check_grad(|a| ops::nancumsum(&a[0], Some(axis), None), std::slice::from_ref(&x), TOL);
        check_grad(|a| ops::nancumprod(&a[0], None, None), &[x], TOL);
    }

    #[test]
    fn normalization(batch in 1usize..4, feat in 1usize..5, seed in 0u64..1000) {
        let x = rand_tensor(&[batch, 3, feat], seed, -2.0, 2.0);
        let mean = rand_tensor(&[feat], seed + 1, -1.0, 1.0);
        let var = rand_tensor(&[feat], seed + 2, 0.2, 2.0);
        let offset = rand_tensor(&[feat], seed + 3, -1.0, 1.0);
        let scale = rand_tensor(&[feat], seed + 4, 0.5, 2.0);
        check_grad(
            |a| ops::batch_normalization(&a[0], &a[1], &a[2], -1, Some(&a[3]), Some(&a[4]), 1e-3),
            &[x.clone(), mean, var, offset.clone(), scale.clone()],
            TOL,
        );
        check_grad(|a| ops::normalize(&a[0], -1, 2, None), std::slice::from_ref(&x), TOL);
        check_grad(|a| ops::normalize(&a[0], [0, 2], 2, None), std::slice::from_ref(&x), TOL);
        check_grad(|a| ops::normalize(&a[0], 1, 1, None), std::slice::from_ref(&x), TOL);
        check_grad(|a| ops::normalize(&a[0], -1, 3, None), std::slice::from_ref(&x), TOL);
        check_grad(
            |a| ops::layer_normalization(&a[0], Some(&a[1]), Some(&a[2]), -1, None),
            &[x.clone(), scale.clone(), offset],
            1e-4,
        );
        check_grad(|a| ops::layer_normalization(&a[0], None, None, [1, 2], Some(0.1)), std::slice::from_ref(&x), 1e-4);
        check_grad(|a| ops::rms_normalization(&a[0], Some(&a[1]), -1, None), &[x.clone(), scale], 1e-4);
        check_grad(|a| ops::rms_normalization(&a[0], None, 1, Some(0.1)), &[x], 1e-4);
    }
}

#[test]
fn batch_normalization_on_a_middle_axis() {
    let x = rand_tensor(&[2, 3, 2], 5, -2.0, 2.0);
    let mean = rand_tensor(&[3], 6, -1.0, 1.0);
    let var = rand_tensor(&[3], 7, 0.2, 2.0);
    check_grad(
        |a| ops::batch_normalization(&a[0], &a[1], &a[2], 1, None, None, 0.1),
        &[x, mean, var],
        TOL,
    );
}

#[test]
fn crossentropies() {
    let target = rand_tensor(&[3, 4], 1, 0.0, 1.0);
    let probs = rand_tensor(&[3, 4], 2, 0.05, 0.95);
    let logits = rand_tensor(&[3, 4], 3, -3.0, 3.0);
    for from_logits in [false, true] {
        let out = if from_logits { &logits } else { &probs };
        check_grad(
            |a| ops::binary_crossentropy(&a[0], &a[1], from_logits),
            &[target.clone(), out.clone()],
            TOL,
        );
        for axis in [-1, 0] {
            check_grad(
                |a| ops::categorical_crossentropy(&a[0], &a[1], from_logits, axis),
                &[target.clone(), out.clone()],
                TOL,
            );
        }
        let labels = Tensor::from_vec(vec![0i32, 3, 1], [3]).unwrap();
        check_grad(
            |a| ops::sparse_categorical_crossentropy(&labels, &a[0], from_logits, -1),
            std::slice::from_ref(out),
            TOL,
        );
    }
    // one tensor used as both target and output
    check_grad(
        |a| ops::binary_crossentropy(&a[0], &a[0], false),
        &[probs],
        TOL,
    );
}

#[test]
fn cumprod_with_zeros_is_exact() {
    let x = Tensor::from_vec(vec![1.5f64, 0.0, -2.0, 0.0, 3.0, 0.7, 0.0, 1.2], [2, 4]).unwrap();
    check_grad(
        |a| ops::cumprod(&a[0], Some(1), None),
        std::slice::from_ref(&x),
        TOL,
    );
    check_grad(|a| ops::cumprod(&a[0], Some(0), None), &[x], TOL);
}

#[test]
fn clip_and_cleanup() {
    let x = rand_tensor(&[3, 4], 11, -3.0, 3.0);
    check_grad(
        |a| ops::clip(&a[0], -1.0, 1.5),
        std::slice::from_ref(&x),
        TOL,
    );
    // tensor bounds broadcast, and the gradient reaches them
    let lo = rand_tensor(&[4], 12, -2.0, -0.5);
    let hi = rand_tensor(&[3, 1], 13, 0.5, 2.0);
    check_grad(
        |a| ops::clip(&a[0], &a[1], &a[2]),
        &[x.clone(), lo, hi],
        TOL,
    );
    check_grad(
        |a| ops::nan_to_num(&a[0], 0.0, None, None),
        std::slice::from_ref(&x),
        TOL,
    );
    let d = rand_tensor(&[4], 14, 0.5, 2.0);
    check_grad(|a| ops::divide_no_nan(&a[0], &a[1]), &[x.clone(), d], TOL);
    check_grad(|a| ops::divide_no_nan(&a[0], &a[0]), &[x], TOL);
}

#[test]
fn numeric_elementwise() {
    let cases: Vec<(Unary, f64, f64)> = vec![
        (ops::cbrt, 0.2, 3.0),
        (ops::exp2, -2.0, 2.0),
        (ops::log2, 0.2, 3.0),
        (ops::log10, 0.2, 3.0),
        (ops::deg2rad, -90.0, 90.0),
        (ops::rad2deg, -2.0, 2.0),
        (ops::conj, -2.0, 2.0),
        (ops::real, -2.0, 2.0),
    ];
    for (i, (f, lo, hi)) in cases.into_iter().enumerate() {
        let x = rand_tensor(&[2, 3], 40 + i as u64, lo, hi);
        check_grad(|a| f(&a[0]), &[x], TOL);
    }
    let neg = rand_tensor(&[5], 50, -3.0, -0.2);
    check_grad(|a| ops::cbrt(&a[0]), &[neg], TOL);
}

#[test]
fn numeric_binary_with_broadcasting() {
    type Binary = fn(&Tensor, &Tensor) -> Result<Tensor>;
    let fs: Vec<(&str, Binary)> = vec![
        ("fmod", |a, b| ops::fmod(a, b)),
        ("hypot", |a, b| ops::hypot(a, b)),
        ("heaviside", |a, b| ops::heaviside(a, b)),
    ];
    let a = rand_tensor(&[2, 1, 3], 60, -3.0, 3.0);
    let b = rand_tensor(&[4, 1], 61, 0.7, 2.0);
    for (_, f) in &fs {
        check_grad(|x| f(&x[0], &x[1]), &[a.clone(), b.clone()], TOL);
        check_grad(|x| f(&x[0], &x[0]), std::slice::from_ref(&b), TOL);
    }
}

#[test]
fn statistics() {
    let x = rand_tensor(&[3, 4], 70, -2.0, 2.0);
    let w = rand_tensor(&[4], 71, 0.1, 2.0);
    check_grad(
        |a| ops::average(&a[0], Some(-1), Some(&a[1])),
        &[x.clone(), w],
        TOL,
    );
    check_grad(
        |a| ops::average(&a[0], None, None),
        std::slice::from_ref(&x),
        TOL,
    );
    check_grad(|a| ops::diff(&a[0], 2, -1), std::slice::from_ref(&x), TOL);
    check_grad(|a| ops::diff(&a[0], 1, 0), std::slice::from_ref(&x), TOL);
    check_grad(|a| ops::ptp(&a[0], 1, true), &[x], TOL);
}

/// `sinc` and `logaddexp` compute in float32 even for float64 inputs (as Keras on JAX), so
/// their gradients are checked against closed forms instead of finite differences.
#[test]
fn float32_ops_against_closed_forms() {
    let x = Tensor::from_vec(vec![-1.7f32, -0.3, 0.4, 1.2, 2.5], [5]).unwrap();
    let (_, g) = keras_ops::value_and_grad(
        |a| ops::sum(&ops::sinc(&a[0])?, None, false),
        std::slice::from_ref(&x),
    )
    .unwrap();
    let pi = std::f64::consts::PI;
    for (v, d) in x
        .to_vec::<f32>()
        .unwrap()
        .iter()
        .zip(g[0].to_vec::<f32>().unwrap())
    {
        let v = *v as f64;
        let want = ((pi * v).cos() * pi * v - (pi * v).sin()) / (pi * v * v);
        assert!(
            (d as f64 - want).abs() < 1e-4,
            "sinc'({v}) = {d}, expected {want}"
        );
    }
    let y = Tensor::from_vec(vec![0.5f32, -0.3, 2.0, 1.2, -2.5], [5]).unwrap();
    let (_, g) = keras_ops::value_and_grad(
        |a| ops::sum(&ops::logaddexp(&a[0], &a[1])?, None, false),
        &[x.clone(), y.clone()],
    )
    .unwrap();
    let xs = x.to_vec::<f32>().unwrap();
    let ys = y.to_vec::<f32>().unwrap();
    for i in 0..5 {
        let sx = 1.0 / (1.0 + ((ys[i] - xs[i]) as f64).exp());
        assert!((g[0].to_vec::<f32>().unwrap()[i] as f64 - sx).abs() < 1e-5);
        assert!((g[1].to_vec::<f32>().unwrap()[i] as f64 - (1.0 - sx)).abs() < 1e-5);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    #[test]
    fn nan_reductions_and_quantiles(shape in arb_shape(2, 4), seed in 0u64..1000) {
        let mut shape = shape.clone();
        shape.push(3);
        let x = rand_tensor(&shape, seed, -2.0, 2.0);
        type R = fn(&Tensor, keras_ops::Axes, bool) -> Result<Tensor>;
        let reductions: Vec<R> = vec![
            |x, a, k| ops::nansum(x, a, k),
            |x, a, k| ops::nanprod(x, a, k),
            |x, a, k| ops::nanmean(x, a, k),
            |x, a, k| ops::nanvar(x, a, k),
            |x, a, k| ops::nanstd(x, a, k),
            |x, a, k| ops::nanmax(x, a, k),
            |x, a, k| ops::nanmin(x, a, k),
            |x, a, k| ops::median(x, a, k),
            |x, a, k| ops::nanmedian(x, a, k),
        ];
        for f in &reductions {
            check_grad(|a| f(&a[0], (-1).into(), false), std::slice::from_ref(&x), TOL);
            check_grad(|a| f(&a[0], None.into(), true), std::slice::from_ref(&x), TOL);
        }
        let q = Tensor::from_vec(vec![0.1f64, 0.5, 0.8], [3]).unwrap();
        for method in ["linear", "lower", "higher", "midpoint", "nearest"] {
            check_grad(|a| ops::quantile(&a[0], &q, -1, method, false), std::slice::from_ref(&x), TOL);
            check_grad(|a| ops::nanquantile(&a[0], 0.3, None, method, true), std::slice::from_ref(&x), TOL);
        }
        check_grad(|a| ops::percentile(&a[0], 40.0, -1, "linear", false), std::slice::from_ref(&x), TOL);
        check_grad(|a| ops::nanpercentile(&a[0], &q, -1, "linear", false), std::slice::from_ref(&x), TOL);
    }
}
