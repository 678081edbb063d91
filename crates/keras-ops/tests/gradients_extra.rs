//! Finite-difference checks of the gradients of the extra ops (NumPy extras, splits,
//! segment reductions, signal and image-layout helpers, adaptive pooling, CTC loss and
//! dot-product attention).

mod common;

use common::{arb_shape, check_grad, rand_tensor};
use keras_ops::{ops, value_and_grad, DType, Tensor};
use proptest::prelude::*;

const TOL: f64 = 1e-6;

fn ints(v: Vec<i32>, shape: &[usize]) -> Tensor {
    Tensor::from_vec(v, shape.to_vec()).unwrap()
}

#[test]
fn unary_extras() {
    let x = rand_tensor(&[2, 3], 1, -2.0, 2.0);
    check_grad(|a| ops::erfc(&a[0]), std::slice::from_ref(&x), TOL);
    check_grad(|a| ops::i0(&a[0]), std::slice::from_ref(&x), TOL);
    check_grad(|a| ops::copy(&a[0]), std::slice::from_ref(&x), TOL);
    check_grad(
        |a| ops::convert_to_tensor(&a[0], Some(DType::F64)),
        &[x],
        TOL,
    );
    check_grad(|a| ops::fabs(&a[0]), &[rand_tensor(&[4], 2, 0.2, 2.0)], TOL);
    check_grad(
        |a| ops::fabs(&a[0]),
        &[rand_tensor(&[4], 3, -2.0, -0.2)],
        TOL,
    );
}

/// Keras computes `logaddexp2` in float32 even for float64 inputs, which is too coarse for
/// finite differences: compare the tape's gradient with `2^a / (2^a + 2^b)` instead.
#[test]
fn logaddexp2_gradient_matches_formula() {
    let a = Tensor::from_vec(vec![-1.0f32, 0.5, 2.0, -30.0], [4]).unwrap();
    let b = Tensor::from_vec(vec![0.3f32, 0.5, -1.0], [3, 1]).unwrap();
    let (_, g) = value_and_grad(
        |t| {
            ops::sum(
                &ops::logaddexp2(&t[0], &ops::multiply(&t[1], &t[0])?)?,
                None,
                false,
            )
        },
        &[a.clone(), b.clone()],
    )
    .unwrap();
    let (av, bv) = (a.to_vec::<f32>().unwrap(), b.to_vec::<f32>().unwrap());
    let (mut ga, mut gb) = (vec![0.0f64; 4], vec![0.0f64; 3]);
    for (i, &bi) in bv.iter().enumerate() {
        for (j, &aj) in av.iter().enumerate() {
            let (x, y) = (aj as f64, (bi * aj) as f64);
            let (p, q) = (
                x.exp2() / (x.exp2() + y.exp2()),
                y.exp2() / (x.exp2() + y.exp2()),
            );
            ga[j] += p + q * bi as f64;
            gb[i] += q * aj as f64;
        }
    }
    for (got, want) in g[0]
        .to_vec::<f64>()
        .unwrap()
        .iter()
        .zip(&ga)
        .chain(g[1].to_vec::<f64>().unwrap().iter().zip(&gb))
    {
        assert!(
            (got - want).abs() < 1e-5 * (1.0 + want.abs()),
            "{got} vs {want}"
        );
    }
}

#[test]
fn saturate_cast_passes_inside_and_blocks_outside() {
    let inside = rand_tensor(&[5], 4, -100.0, 100.0);
    check_grad(|a| ops::saturate_cast(&a[0], DType::F64), &[inside], TOL);
    // Values beyond float16's range saturate: zero gradient.
    let outside = ops::multiply(rand_tensor(&[3], 5, 1.0, 2.0), 1e5).unwrap();
    check_grad(|a| ops::saturate_cast(&a[0], DType::F16), &[outside], TOL);
}

#[test]
fn ldexp_scales_the_mantissa() {
    let e = ints(vec![-2, 0, 3], &[3]);
    check_grad(
        |a| ops::ldexp(&a[0], &e),
        &[rand_tensor(&[2, 3], 6, -2.0, 2.0)],
        TOL,
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    #[test]
    fn nan_ignoring_extrema_broadcast(a in arb_shape(3, 3), b in arb_shape(3, 3), seed in 0u64..1000) {
        // Make the shapes broadcast-compatible by using 1 wherever they differ.
        let r = a.len().max(b.len());
        let pad = |s: &[usize]| [vec![1; r - s.len()], s.to_vec()].concat();
        let (pa, pb) = (pad(&a), pad(&b));
        let sb: Vec<usize> = pa.iter().zip(&pb).map(|(&x, &y)| if x == y { y } else { 1 }).collect();
        let x = rand_tensor(&a, seed, -2.0, 2.0);
        let y = rand_tensor(&sb, seed + 1, -2.0, 2.0);
        check_grad(|t| ops::fmax(&t[0], &t[1]), &[x.clone(), y.clone()], TOL);
        check_grad(|t| ops::fmin(&t[0], &t[1]), &[x.clone(), y], TOL);
        // The same tensor used twice.
        check_grad(|t| ops::fmax(&t[0], &ops::multiply(&t[0], 0.5)?), &[x], TOL);
    }

    #[test]
    fn splits_and_unstack(shape in arb_shape(3, 4), sections in 1usize..4, seed in 0u64..1000) {
        prop_assume!(!shape.is_empty());
        let x = rand_tensor(&shape, seed, -1.0, 1.0);
        let weights: Vec<f64> = (0..8).map(|i| i as f64 + 1.0).collect();
        let joined = move |parts: Vec<Tensor>| -> keras_ops::Result<Tensor> {
            let mut total = ops::zeros(&[], DType::F64)?;
            for (i, p) in parts.iter().enumerate() {
                total = ops::add(&total, &ops::multiply(&ops::sum(p, None, false)?, weights[i % 8])?)?;
            }
            Ok(total)
        };
        let j = joined.clone();
        check_grad(|t| j(ops::array_split(&t[0], sections, -1)?), std::slice::from_ref(&x), TOL);
        let j = joined.clone();
        check_grad(|t| j(ops::unstack(&t[0], None, -1)?), std::slice::from_ref(&x), TOL);
        if shape.len() >= 2 {
            let j = joined.clone();
            check_grad(|t| j(ops::vsplit(&t[0], vec![1])?), std::slice::from_ref(&x), TOL);
            let j = joined.clone();
            check_grad(|t| j(ops::hsplit(&t[0], vec![1])?), std::slice::from_ref(&x), TOL);
        }
        if shape.len() >= 3 {
            check_grad(|t| joined(ops::dsplit(&t[0], vec![1])?), &[x], TOL);
        }
    }

    #[test]
    fn segment_reductions(rows in 1usize..7, segments in 1usize..4, seed in 0u64..1000) {
        let data = rand_tensor(&[rows, 2], seed, -2.0, 2.0);
        let ids: Vec<i32> = (0..rows).map(|r| ((r as u64 * 7 + seed) % (segments as u64 + 1)) as i32).collect();
        // Ids equal to `segments` are out of range and dropped.
        let ids = ints(ids, &[rows]);
        check_grad(|t| ops::segment_sum(&t[0], &ids, Some(segments), false), std::slice::from_ref(&data), TOL);
        check_grad(|t| ops::segment_prod(&t[0], &ids, Some(segments), false), std::slice::from_ref(&data), TOL);
        let finite = |y: Tensor| ops::where_(&ops::isfinite(&y)?, &y, 0.0);
        check_grad(|t| finite(ops::segment_max(&t[0], &ids, Some(segments), false)?), std::slice::from_ref(&data), TOL);
        check_grad(|t| finite(ops::segment_min(&t[0], &ids, Some(segments), false)?), &[data], TOL);
    }

    #[test]
    fn adaptive_pooling(h in 1usize..6, w in 1usize..6, oh in 1usize..5, ow in 1usize..5, seed in 0u64..1000) {
        let x = rand_tensor(&[1, h, w, 2], seed, -1.0, 1.0);
        check_grad(|t| ops::adaptive_average_pool(&t[0], [oh, ow], None), std::slice::from_ref(&x), TOL);
        check_grad(|t| ops::adaptive_max_pool(&t[0], [oh, ow], None), std::slice::from_ref(&x), TOL);
        let xc = rand_tensor(&[1, 2, h], seed, -1.0, 1.0);
        check_grad(|t| ops::adaptive_average_pool(&t[0], oh, Some("channels_first")), &[xc], TOL);
    }

    #[test]
    fn attention(b in 1usize..3, t in 1usize..4, s in 1usize..4, k in 1usize..3, g in 1usize..3, causal in any::<bool>(), seed in 0u64..1000) {
        let n = k * g;
        let q = rand_tensor(&[b, t, n, 3], seed, -1.0, 1.0);
        let key = rand_tensor(&[b, s, k, 3], seed + 1, -1.0, 1.0);
        let v = rand_tensor(&[b, s, k, 2], seed + 2, -1.0, 1.0);
        let bias = rand_tensor(&[1, n, t, s], seed + 3, -0.5, 0.5);
        check_grad(
            |a| ops::dot_product_attention(&a[0], &a[1], &a[2], Some(&a[3]), None, None, causal, None, None),
            &[q, key, v, bias],
            TOL,
        );
    }
}

#[test]
fn attention_with_mask_and_soft_cap() {
    let q = rand_tensor(&[1, 3, 2, 4], 7, -1.0, 1.0);
    let kv = rand_tensor(&[1, 4, 2, 4], 8, -1.0, 1.0);
    let mask = Tensor::from_vec(vec![true, false, true, true], [1, 1, 1, 4]).unwrap();
    check_grad(
        |a| {
            ops::dot_product_attention(
                &a[0],
                &a[1],
                &a[1],
                None,
                Some(&mask),
                Some(0.3),
                false,
                None,
                Some(2.0),
            )
        },
        &[q, kv],
        TOL,
    );
}

#[test]
fn statistics() {
    let y = rand_tensor(&[2, 5], 9, -2.0, 2.0);
    let x = ops::cumsum(&rand_tensor(&[5], 10, 0.1, 1.0), None, None).unwrap();
    check_grad(
        |a| ops::trapezoid(&a[0], None, 0.5, -1),
        std::slice::from_ref(&y),
        TOL,
    );
    check_grad(
        |a| ops::trapezoid(&a[0], Some(&a[1]), 1.0, 1),
        &[y.clone(), x],
        TOL,
    );
    check_grad(|a| ops::trapezoid(&a[0], None, 1.0, 0), &[y], TOL);
    let rows = rand_tensor(&[3, 6], 11, -2.0, 2.0);
    check_grad(|a| ops::corrcoef(&a[0]), &[rows], 1e-5);
}

#[test]
fn signal_helpers() {
    let a = rand_tensor(&[5], 12, -2.0, 2.0);
    let v = rand_tensor(&[3], 13, -2.0, 2.0);
    for mode in ["valid", "same", "full"] {
        check_grad(
            |t| ops::correlate(&t[0], &t[1], mode),
            &[a.clone(), v.clone()],
            TOL,
        );
        check_grad(
            |t| ops::correlate(&t[1], &t[0], mode),
            &[a.clone(), v.clone()],
            TOL,
        );
    }
    check_grad(
        |t| ops::correlate(&t[0], &t[0], "full"),
        std::slice::from_ref(&a),
        TOL,
    );
    let frames = rand_tensor(&[2, 7], 14, -1.0, 1.0);
    check_grad(|t| ops::extract_sequences(&t[0], 3, 2), &[frames], TOL);
    let x = rand_tensor(&[2, 3, 2], 15, -2.0, 0.0);
    let y = rand_tensor(&[2, 4, 2], 16, 0.5, 2.0);
    check_grad(|t| ops::cdist(&t[0], &t[1]), &[x.clone(), y.clone()], TOL);
    let x2 = rand_tensor(&[2, 3, 2], 17, -1.0, 1.0);
    check_grad(|t| ops::psnr(&t[0], &t[1], 2.0), &[x, x2], TOL);
}

#[test]
fn layout_helpers() {
    let x = rand_tensor(&[1, 2, 2, 8], 18, -1.0, 1.0);
    check_grad(
        |t| ops::depth_to_space(&t[0], 2, "channels_last"),
        std::slice::from_ref(&x),
        TOL,
    );
    check_grad(
        |t| ops::depth_to_space(&t[0], 2, "channels_first"),
        &[ops::reshape(&x, [1, 8, 2, 2]).unwrap()],
        TOL,
    );
    let img = rand_tensor(&[1, 2, 4, 4], 19, -1.0, 1.0);
    check_grad(
        |t| ops::space_to_depth(&t[0], 2, "channels_first"),
        std::slice::from_ref(&img),
        TOL,
    );
    check_grad(
        |t| ops::space_to_depth(&t[0], 2, "channels_last"),
        std::slice::from_ref(&img),
        TOL,
    );
    check_grad(
        |t| ops::unfold(&t[0], 3, 1, 1, 1),
        std::slice::from_ref(&img),
        TOL,
    );
    check_grad(
        |t| ops::unfold(&t[0], [2, 2], 2, 0, 1),
        std::slice::from_ref(&img),
        TOL,
    );
    let cols = rand_tensor(&[1, 8, 4], 20, -1.0, 1.0);
    check_grad(|t| ops::fold(&t[0], [4, 4], 2, 1, 0, 2), &[cols], TOL);
    let overlapping = rand_tensor(&[1, 9, 4], 21, -1.0, 1.0);
    check_grad(
        |t| ops::fold(&t[0], [2, 2], 3, 1, 1, 1),
        &[overlapping],
        TOL,
    );
    let r = rand_tensor(&[2, 3, 4], 22, -1.0, 1.0);
    check_grad(
        |t| ops::rearrange(&t[0], "a b (c d) -> (a c) (b d)", &[("d", 2)]),
        &[r],
        TOL,
    );
    let v = rand_tensor(&[4], 23, -1.5, 1.5);
    check_grad(
        |t| ops::vander(&t[0], Some(4), false),
        std::slice::from_ref(&v),
        TOL,
    );
    check_grad(|t| ops::vander(&t[0], None, true), &[v], TOL);
}

#[test]
fn ctc_loss_gradient() {
    let target = ints(vec![1, 2, 0, 3, 3, 1], &[2, 3]);
    let target_length = ints(vec![2, 3], &[2]);
    let output_length = ints(vec![5, 4], &[2]);
    let logits = rand_tensor(&[2, 5, 4], 24, -1.0, 1.0);
    check_grad(
        |t| ops::ctc_loss(&target, &t[0], &target_length, &output_length, 0),
        &[logits],
        1e-5,
    );
}
