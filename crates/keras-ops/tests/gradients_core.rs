//! Finite-difference checks of the gradients of the elementwise, reduction and layout ops,
//! plus the tape's behaviour (reuse, unconnected sources, stop_gradient, custom_gradient).

mod common;

use common::{arb_shape, check_grad, rand_tensor};
use keras_ops::{ops, CustomGradFn, DType, GradientTape, Tensor, Variable};
use proptest::prelude::*;

const TOL: f64 = 1e-6;

#[test]
fn unary_math() {
    type F = fn(&Tensor) -> keras_ops::Result<Tensor>;
    // (op, lo, hi): a domain where the op is smooth.
    let cases: &[(F, f64, f64)] = &[
        (ops::exp, -2.0, 2.0),
        (ops::expm1, -2.0, 2.0),
        (ops::log, 0.2, 3.0),
        (ops::log1p, -0.5, 3.0),
        (ops::sqrt, 0.2, 3.0),
        (ops::rsqrt, 0.2, 3.0),
        (ops::sin, -3.0, 3.0),
        (ops::cos, -3.0, 3.0),
        (ops::tan, -1.0, 1.0),
        (ops::arcsin, -0.9, 0.9),
        (ops::arccos, -0.9, 0.9),
        (ops::arctan, -3.0, 3.0),
        (ops::sinh, -2.0, 2.0),
        (ops::cosh, -2.0, 2.0),
        (ops::tanh, -2.0, 2.0),
        (ops::arcsinh, -2.0, 2.0),
        (ops::arccosh, 1.2, 3.0),
        (ops::arctanh, -0.9, 0.9),
        (ops::erf, -2.0, 2.0),
        (ops::erfinv, -0.9, 0.9),
        (ops::sigmoid, -4.0, 4.0),
        (ops::softplus, -4.0, 4.0),
        (ops::reciprocal, 0.5, 3.0),
        (ops::negative, -2.0, 2.0),
        (ops::absolute, 0.1, 2.0),
        (ops::square, -2.0, 2.0),
        (ops::relu, 0.1, 2.0),
    ];
    for (i, (f, lo, hi)) in cases.iter().enumerate() {
        let x = rand_tensor(&[2, 3], i as u64, *lo, *hi);
        check_grad(|a| f(&a[0]), &[x], TOL);
    }
    // relu and abs on the negative side too
    let x = rand_tensor(&[5], 77, -2.0, -0.1);
    check_grad(|a| ops::relu(&a[0]), std::slice::from_ref(&x), TOL);
    check_grad(|a| ops::absolute(&a[0]), &[x], TOL);
}

#[test]
fn binary_with_broadcasting() {
    type F = fn(ops::Operand, ops::Operand) -> keras_ops::Result<Tensor>;
    let fs: &[(&str, F)] = &[
        ("add", |a, b| ops::add(a, b)),
        ("subtract", |a, b| ops::subtract(a, b)),
        ("multiply", |a, b| ops::multiply(a, b)),
        ("divide", |a, b| ops::divide(a, b)),
        ("power", |a, b| ops::power(a, b)),
        ("maximum", |a, b| ops::maximum(a, b)),
        ("minimum", |a, b| ops::minimum(a, b)),
        ("mod", |a, b| ops::mod_(a, b)),
        ("arctan2", |a, b| ops::arctan2(a, b)),
    ];
    for (name, f) in fs {
        for (sa, sb) in [
            (vec![2, 1, 3], vec![4, 1]),
            (vec![3], vec![2, 3]),
            (vec![], vec![2]),
        ] {
            let a = rand_tensor(&sa, 1, 0.5, 2.0);
            let b = rand_tensor(&sb, 2, 0.5, 2.0);
            eprintln!("{name} {sa:?} {sb:?}");
            check_grad(|x| f((&x[0]).into(), (&x[1]).into()), &[a, b], TOL);
        }
    }
    let a = rand_tensor(&[3], 5, -1.0, 1.0);
    check_grad(
        |x| ops::where_(&ops::greater(&x[0], 0.0)?, &x[0], &ops::square(&x[0])?),
        &[a],
        TOL,
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    #[test]
    fn reductions(shape in arb_shape(3, 4), keep in any::<bool>(), seed in 0u64..1000) {
        let x = rand_tensor(&shape, seed, 0.5, 2.0);
        let r = shape.len() as i64;
        let axes: Vec<i64> = if r == 0 { vec![] } else { vec![-1] };
        check_grad(|a| ops::sum(&a[0], axes.clone(), keep), std::slice::from_ref(&x), TOL);
        check_grad(|a| ops::mean(&a[0], None, keep), std::slice::from_ref(&x), TOL);
        check_grad(|a| ops::prod(&a[0], axes.clone(), keep), std::slice::from_ref(&x), TOL);
        check_grad(|a| ops::max(&a[0], None, keep, None), std::slice::from_ref(&x), TOL);
        check_grad(|a| ops::min(&a[0], axes.clone(), keep, None), std::slice::from_ref(&x), TOL);
        check_grad(|a| ops::logsumexp(&a[0], axes.clone(), keep), std::slice::from_ref(&x), TOL);
        if x.size() > 1 {
            check_grad(|a| ops::var(&a[0], None, keep), std::slice::from_ref(&x), TOL);
            check_grad(|a| ops::std(&a[0], None, keep), std::slice::from_ref(&x), TOL);
        }
    }

    #[test]
    fn layout(shape in arb_shape(3, 3), seed in 0u64..1000) {
        let x = rand_tensor(&shape, seed, -1.0, 1.0);
        check_grad(|a| ops::reshape(&a[0], [-1]), std::slice::from_ref(&x), TOL);
        check_grad(|a| ops::transpose(&a[0], None), std::slice::from_ref(&x), TOL);
        check_grad(|a| ops::expand_dims(&a[0], 0), std::slice::from_ref(&x), TOL);
        let mut big = vec![2];
        big.extend_from_slice(&shape);
        check_grad(|a| ops::broadcast_to(&a[0], &big), std::slice::from_ref(&x), TOL);
        if !shape.is_empty() {
            check_grad(|a| ops::concatenate(&[&a[0], &ops::square(&a[0])?], -1), std::slice::from_ref(&x), TOL);
            check_grad(|a| ops::stack(&[&a[0], &a[0]], 0), std::slice::from_ref(&x), TOL);
            check_grad(|a| ops::swapaxes(&a[0], 0, -1), std::slice::from_ref(&x), TOL);
            let n = shape[0];
            check_grad(|a| Ok(ops::split(&a[0], [n as i64 / 2], 0)?.remove(1)), std::slice::from_ref(&x), TOL);
        }
    }
}

#[test]
fn take_and_cast() {
    let x = rand_tensor(&[4, 3], 3, -1.0, 1.0);
    let idx = Tensor::from_vec(vec![0i32, 3, 3, -1], [2, 2]).unwrap();
    check_grad(
        |a| ops::take(&a[0], &idx, Some(0)),
        std::slice::from_ref(&x),
        TOL,
    );
    check_grad(
        |a| ops::take(&a[0], &idx, None),
        std::slice::from_ref(&x),
        TOL,
    );
    // Through a float32 round trip finite differences are too noisy: check exactly instead.
    let (_, g) = keras_ops::value_and_grad(
        |a| {
            ops::sum(
                &ops::multiply(&ops::cast(&a[0], DType::F32)?, 3.0)?,
                None,
                false,
            )
        },
        &[x],
    )
    .unwrap();
    assert_eq!(g[0].dtype(), DType::F64);
    assert_eq!(g[0].to_vec::<f64>().unwrap(), vec![3.0; 12]);
}

#[test]
fn tensor_used_many_times_and_unconnected_sources() {
    let x = Tensor::from_vec(vec![1.5f64, -2.0], [2]).unwrap();
    let z = Tensor::from_vec(vec![1.0f64, 1.0], [2]).unwrap();
    let tape = GradientTape::new();
    tape.watch(&x);
    tape.watch(&z);
    // y = x*x + x*x*x + sin(x), using x five times.
    let x2 = ops::multiply(&x, &x).unwrap();
    let y = ops::add(
        ops::add(&x2, ops::multiply(&x2, &x).unwrap()).unwrap(),
        ops::sin(&x).unwrap(),
    )
    .unwrap();
    let y = ops::sum(&y, None, false).unwrap();
    let g = tape.gradient(&y, &[&x, &z]).unwrap();
    let gx = g[0].as_ref().unwrap().to_vec::<f64>().unwrap();
    for (i, xv) in [1.5f64, -2.0].iter().enumerate() {
        let want = 2.0 * xv + 3.0 * xv * xv + xv.cos();
        assert!((gx[i] - want).abs() < 1e-12);
    }
    assert!(g[1].is_none(), "z does not affect y");
}

#[test]
fn variables_are_watched_automatically_and_stop_gradient_blocks() {
    let v = Variable::new(Tensor::from_vec(vec![3.0f32], [1]).unwrap(), "v", true);
    let frozen = Variable::new(Tensor::from_vec(vec![5.0f32], [1]).unwrap(), "f", false);
    let tape = GradientTape::new();
    let y = ops::multiply(v.value(), frozen.value()).unwrap();
    let y = ops::add(&y, ops::stop_gradient(&ops::square(&v.value()).unwrap())).unwrap();
    let g = tape.gradient(&y, &[&v, &frozen]).unwrap();
    assert_eq!(g[0].as_ref().unwrap().to_vec::<f32>().unwrap(), vec![5.0]);
    assert!(g[1].is_none(), "non-trainable variables are not watched");
}

#[test]
fn custom_gradient_replaces_the_rule() {
    let x = Tensor::from_vec(vec![2.0f64], [1]).unwrap();
    let (_, g) = keras_ops::value_and_grad(
        |a| {
            keras_ops::custom_gradient(&[&a[0]], |xs| {
                let y = ops::square(&xs[0])?;
                let grad: CustomGradFn = Box::new(|up| Ok(vec![Some(ops::multiply(up, 10.0)?)]));
                Ok((y, grad))
            })
        },
        &[x],
    )
    .unwrap();
    assert_eq!(g[0].to_vec::<f64>().unwrap(), vec![10.0]);
}

#[test]
fn errors_name_the_op_and_shapes() {
    let a = Tensor::from_vec(vec![0.0f32; 6], [2, 3]).unwrap();
    let b = Tensor::from_vec(vec![0.0f32; 4], [4]).unwrap();
    let e = ops::add(&a, &b).unwrap_err().to_string();
    assert!(
        e.contains("add") && e.contains("(2, 3)") && e.contains("(4,)"),
        "{e}"
    );
    let e = ops::sum(&a, 2, false).unwrap_err().to_string();
    assert!(e.contains("sum") && e.contains("axis 2"), "{e}");
    let e = ops::reshape(&a, [4, -1]).unwrap_err().to_string();
    assert!(e.contains("reshape") && e.contains("(2, 3)"), "{e}");
    let idx = Tensor::from_vec(vec![5i32], [1]).unwrap();
    let e = ops::take(&a, &idx, Some(1)).unwrap_err().to_string();
    assert!(e.contains("take") && e.contains("out of bounds"), "{e}");
    let e = ops::concatenate(&[&a, &b], 0).unwrap_err().to_string();
    assert!(e.contains("concatenate"), "{e}");
}
