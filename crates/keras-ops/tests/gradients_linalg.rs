//! Finite-difference gradient checks for products, contractions, convolutions and pooling.

mod common;

use common::{check_grad, rand_tensor};
use keras_ops::ops::{self, IntOrTuple};
use keras_ops::Tensor;
use proptest::prelude::*;

const TOL: f64 = 1e-6;

fn r(shape: &[usize], seed: u64) -> Tensor {
    rand_tensor(shape, seed, -1.0, 1.0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    #[test]
    fn matmul_batched_broadcast(b1 in 1usize..3, b2 in 1usize..3, m in 1usize..4, k in 1usize..4,
                                n in 1usize..4, seed in 0u64..1000) {
        let a = r(&[b1, 1, m, k], seed);
        let b = r(&[b2, k, n], seed + 1);
        check_grad(|x| ops::matmul(&x[0], &x[1]), &[a, b], TOL);
    }

    #[test]
    fn matmul_shared_right_operand(b in 1usize..4, m in 1usize..4, k in 1usize..4, n in 1usize..4,
                                   seed in 0u64..1000) {
        // The batch of `a` folds into rows; `b` is one matrix.
        let a = r(&[b, m, k], seed);
        let w = r(&[k, n], seed + 1);
        check_grad(|x| ops::matmul(&x[0], &x[1]), &[a, w], TOL);
        // ... and the other way round: one left matrix, batched right operand.
        let a = r(&[m, k], seed + 2);
        let w = r(&[b, k, n], seed + 3);
        check_grad(|x| ops::matmul(&x[0], &x[1]), &[a, w], TOL);
    }

    #[test]
    fn matmul_vectors(b in 1usize..3, m in 1usize..4, k in 1usize..4, seed in 0u64..1000) {
        let v = r(&[k], seed);
        let a = r(&[b, m, k], seed + 1);
        check_grad(|x| ops::matmul(&x[0], &x[1]), &[a.clone(), v.clone()], TOL);
        let at = r(&[b, k, m], seed + 2);
        check_grad(|x| ops::matmul(&x[0], &x[1]), &[v.clone(), at], TOL);
        check_grad(|x| ops::matmul(&x[0], &x[1]), &[v.clone(), r(&[k], seed + 3)], TOL);
    }

    #[test]
    fn matmul_repeated_operand(n in 1usize..4, seed in 0u64..1000) {
        check_grad(|x| ops::matmul(&x[0], &x[0]), &[r(&[2, n, n], seed)], TOL);
    }

    #[test]
    fn tensordot_axes(a in 1usize..4, b in 1usize..4, c in 1usize..4, d in 1usize..3, seed in 0u64..1000) {
        let x = r(&[a, b, c], seed);
        let y = r(&[b, c, d], seed + 1);
        check_grad(|t| ops::tensordot(&t[0], &t[1], 2), &[x.clone(), y], TOL);
        let y2 = r(&[c, d, a], seed + 2);
        check_grad(|t| ops::tensordot(&t[0], &t[1], ([0, -1], [2, 0])), &[x.clone(), y2], TOL);
        let y3 = r(&[d, b], seed + 3);
        check_grad(|t| ops::tensordot(&t[0], &t[1], (1, 1)), &[x, y3], TOL);
    }

    #[test]
    fn dot_inner_outer_vdot(m in 1usize..4, k in 1usize..4, n in 1usize..4, seed in 0u64..1000) {
        let a = r(&[2, m, k], seed);
        let b = r(&[3, k, n], seed + 1);
        check_grad(|t| ops::dot(&t[0], &t[1]), &[a.clone(), b], TOL);
        check_grad(|t| ops::dot(&t[0], &t[1]), &[a.clone(), r(&[k], seed + 2)], TOL);
        check_grad(|t| ops::inner(&t[0], &t[1]), &[a.clone(), r(&[n, k], seed + 3)], TOL);
        check_grad(|t| ops::outer(&t[0], &t[1]), &[a.clone(), r(&[n], seed + 4)], TOL);
        check_grad(|t| ops::vdot(&t[0], &t[1]), &[a.clone(), r(&[m * k, 2], seed + 5)], TOL);
        check_grad(|t| ops::inner(&t[0], &t[0]), &[a], TOL);
    }

    #[test]
    fn trace_offsets(n1 in 1usize..5, n2 in 1usize..5, offset in -3i64..4, seed in 0u64..1000) {
        let x = r(&[n1, 2, n2], seed);
        check_grad(|t| ops::trace(&t[0], offset, 0, -1), std::slice::from_ref(&x), TOL);
        check_grad(|t| ops::trace(&t[0], offset, -1, 0), &[x], TOL);
    }

    #[test]
    fn kron_shapes(a in prop::collection::vec(1usize..3, 0..3), b in prop::collection::vec(1usize..3, 0..3),
                   seed in 0u64..1000) {
        check_grad(|t| ops::kron(&t[0], &t[1]), &[r(&a, seed), r(&b, seed + 1)], TOL);
    }

    #[test]
    fn cross_products(lead in 1usize..3, seed in 0u64..1000) {
        let a3 = r(&[lead, 1, 3], seed);
        let b3 = r(&[2, 3], seed + 1);
        check_grad(|t| ops::cross(&t[0], &t[1], -1, -1, -1, None), &[a3.clone(), b3], TOL);
        let a2 = r(&[lead, 2], seed + 2);
        check_grad(|t| ops::cross(&t[0], &t[1], -1, -1, -1, None), &[a2.clone(), r(&[lead, 2], seed + 3)], TOL);
        check_grad(|t| ops::cross(&t[0], &t[1], -1, 0, 0, None), &[a2, r(&[3, lead], seed + 4)], TOL);
        check_grad(|t| ops::cross(&t[0], &t[0], -1, -1, -1, None), &[a3], TOL);
    }

    #[test]
    fn einsum_equations(i in 1usize..4, j in 1usize..4, k in 1usize..4, seed in 0u64..1000) {
        let ij = r(&[i, j], seed);
        let jk = r(&[j, k], seed + 1);
        let eq = |s: &'static str| move |t: &[Tensor]| ops::einsum(s, &t.iter().collect::<Vec<_>>());
        check_grad(eq("ij,jk->ik"), &[ij.clone(), jk.clone()], TOL);
        check_grad(eq("ij,jk"), &[ij.clone(), jk.clone()], TOL);
        check_grad(eq("ij,jk,kl->li"), &[ij.clone(), jk.clone(), r(&[k, 2], seed + 2)], TOL);
        check_grad(eq("ij->ji"), std::slice::from_ref(&ij), TOL);
        check_grad(eq("ij->"), std::slice::from_ref(&ij), TOL);
        check_grad(eq("ij,ij->i"), &[ij.clone(), r(&[i, j], seed + 3)], TOL);
        check_grad(eq("i,j->ij"), &[r(&[i], seed + 4), r(&[j], seed + 5)], TOL);
        check_grad(eq("ii->i"), &[r(&[j, j], seed + 6)], TOL);
        check_grad(eq("iji->j"), &[r(&[i, j, i], seed + 7)], TOL);
        check_grad(eq("bij,bjk->bik"), &[r(&[2, i, j], seed + 8), r(&[2, j, k], seed + 9)], TOL);
        check_grad(eq("bhqd,bhkd->bhqk"), &[r(&[1, 2, i, j], seed + 10), r(&[1, 2, k, j], seed + 11)], TOL);
        check_grad(eq("...ij,...jk->...ik"), &[r(&[2, 1, i, j], seed + 12), r(&[3, j, k], seed + 13)], TOL);
        check_grad(eq("i...->..."), &[r(&[i, 2, k], seed + 14)], TOL);
        // One tensor used twice.
        check_grad(|t| ops::einsum("ij,ij->ij", &[&t[0], &t[0]]), &[ij], TOL);
    }
}

/// `conv` with a fixed configuration, checked for both operands.
fn check_conv(
    x: &[usize],
    k: &[usize],
    strides: IntOrTuple,
    padding: &'static str,
    data_format: Option<&'static str>,
    dilation: IntOrTuple,
    seed: u64,
) {
    check_grad(
        move |t| {
            ops::conv(
                &t[0],
                &t[1],
                strides.clone(),
                padding,
                data_format,
                dilation.clone(),
            )
        },
        &[r(x, seed), r(k, seed + 1)],
        TOL,
    );
}

#[test]
fn conv_1d() {
    check_conv(&[2, 7, 3], &[3, 3, 2], 1.into(), "valid", None, 1.into(), 1);
    check_conv(&[2, 7, 3], &[3, 3, 2], 2.into(), "same", None, 1.into(), 2);
    check_conv(
        &[1, 8, 2],
        &[3, 2, 2],
        1.into(),
        "causal",
        None,
        2.into(),
        3,
    );
    check_conv(
        &[1, 3, 6],
        &[2, 1, 3],
        1.into(),
        "same",
        Some("channels_first"),
        1.into(),
        4,
    );
}

#[test]
fn conv_2d() {
    check_conv(
        &[2, 5, 5, 2],
        &[3, 3, 2, 3],
        1.into(),
        "same",
        None,
        1.into(),
        5,
    );
    check_conv(
        &[1, 6, 5, 2],
        &[2, 3, 2, 2],
        [2, 1].into(),
        "same",
        None,
        1.into(),
        6,
    );
    check_conv(
        &[1, 6, 6, 2],
        &[2, 2, 2, 2],
        1.into(),
        "valid",
        None,
        [2, 1].into(),
        7,
    );
    check_conv(
        &[1, 4, 4, 4],
        &[2, 2, 2, 4],
        1.into(),
        "valid",
        None,
        1.into(),
        8,
    ); // 2 groups
    check_conv(
        &[1, 4, 4, 5],
        &[3, 3, 2, 2],
        2.into(),
        "same",
        Some("channels_first"),
        1.into(),
        9,
    );
}

#[test]
fn conv_3d() {
    check_conv(
        &[1, 4, 4, 4, 2],
        &[2, 2, 2, 2, 2],
        2.into(),
        "same",
        None,
        1.into(),
        10,
    );
    check_conv(
        &[1, 2, 4, 3, 3],
        &[2, 2, 2, 2, 2],
        1.into(),
        "valid",
        Some("channels_first"),
        1.into(),
        11,
    );
}

#[allow(clippy::too_many_arguments)]
fn check_conv_transpose(
    x: &[usize],
    k: &[usize],
    strides: IntOrTuple,
    padding: &'static str,
    output_padding: Option<IntOrTuple>,
    data_format: Option<&'static str>,
    dilation: IntOrTuple,
    seed: u64,
) {
    check_grad(
        move |t| {
            ops::conv_transpose(
                &t[0],
                &t[1],
                strides.clone(),
                padding,
                output_padding.clone(),
                data_format,
                dilation.clone(),
            )
        },
        &[r(x, seed), r(k, seed + 1)],
        TOL,
    );
}

#[test]
fn conv_transpose_1d_2d_3d() {
    check_conv_transpose(
        &[1, 4, 2],
        &[3, 3, 2],
        1.into(),
        "valid",
        None,
        None,
        1.into(),
        20,
    );
    check_conv_transpose(
        &[1, 4, 2],
        &[3, 3, 2],
        2.into(),
        "same",
        None,
        None,
        1.into(),
        21,
    );
    check_conv_transpose(
        &[1, 4, 2],
        &[3, 1, 2],
        2.into(),
        "valid",
        Some(1.into()),
        None,
        1.into(),
        22,
    );
    check_conv_transpose(
        &[1, 4, 2],
        &[3, 1, 2],
        1.into(),
        "valid",
        None,
        None,
        2.into(),
        23,
    );
    check_conv_transpose(
        &[1, 3, 3, 2],
        &[3, 3, 2, 2],
        [2, 3].into(),
        "valid",
        Some([1, 2].into()),
        None,
        1.into(),
        24,
    );
    check_conv_transpose(
        &[1, 2, 3, 3],
        &[4, 4, 1, 2],
        2.into(),
        "same",
        None,
        Some("channels_first"),
        1.into(),
        25,
    );
    check_conv_transpose(
        &[1, 2, 2, 2, 1],
        &[2, 2, 2, 2, 1],
        2.into(),
        "valid",
        None,
        None,
        1.into(),
        26,
    );
}

#[test]
fn depthwise_and_separable() {
    for (x, k, s, p, df, d, seed) in [
        (vec![1, 6, 2], vec![3, 2, 2], 1, "valid", None, 1, 30),
        (vec![1, 5, 5, 2], vec![3, 3, 2, 2], 2, "same", None, 1, 31),
        (
            vec![1, 2, 5, 5],
            vec![2, 2, 2, 1],
            1,
            "valid",
            Some("channels_first"),
            2,
            32,
        ),
    ] {
        check_grad(
            |t| ops::depthwise_conv(&t[0], &t[1], s, p, df, d),
            &[r(&x, seed), r(&k, seed + 1)],
            TOL,
        );
    }
    let pw = |c: usize| r(&[1, 1, c, 3], 41);
    check_grad(
        |t| ops::separable_conv(&t[0], &t[1], &t[2], 1, "same", None, 1),
        &[r(&[1, 4, 4, 2], 40), r(&[3, 3, 2, 2], 42), pw(4)],
        TOL,
    );
    check_grad(
        |t| ops::separable_conv(&t[0], &t[1], &t[2], 2, "valid", Some("channels_first"), 1),
        &[r(&[1, 2, 5, 5], 43), r(&[2, 2, 2, 1], 44), pw(2)],
        TOL,
    );
}

#[test]
fn pooling() {
    type Case = (
        Vec<usize>,
        IntOrTuple,
        Option<IntOrTuple>,
        &'static str,
        Option<&'static str>,
    );
    let cases: Vec<Case> = vec![
        (vec![2, 7, 2], 2.into(), None, "valid", None),
        (vec![2, 7, 2], 3.into(), Some(2.into()), "same", None),
        (vec![1, 5, 5, 2], 3.into(), Some(1.into()), "same", None),
        (
            vec![1, 5, 5, 2],
            [2, 3].into(),
            Some([1, 2].into()),
            "valid",
            None,
        ),
        (
            vec![1, 2, 5, 4],
            3.into(),
            Some(2.into()),
            "same",
            Some("channels_first"),
        ),
        (vec![1, 3, 3, 3, 1], 2.into(), Some(1.into()), "same", None),
    ];
    for (i, (shape, size, strides, padding, df)) in cases.into_iter().enumerate() {
        let x = r(&shape, 50 + i as u64);
        let (s1, st1) = (size.clone(), strides.clone());
        check_grad(
            move |t| ops::max_pool(&t[0], s1.clone(), st1.clone(), padding, df),
            std::slice::from_ref(&x),
            TOL,
        );
        check_grad(
            move |t| ops::average_pool(&t[0], size.clone(), strides.clone(), padding, df),
            &[x],
            TOL,
        );
    }
}
