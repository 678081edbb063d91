//! Finite-difference checks of the gradients of the indexing, scattering, slicing,
//! padding, tiling and stacking ops, and their error cases.

mod common;

use common::{arb_shape, check_grad, rand_tensor};
use keras_ops::ops::{self, Index};
use keras_ops::{Result, Tensor};
use proptest::prelude::*;

const TOL: f64 = 1e-6;

fn ints(v: Vec<i32>, shape: &[usize]) -> Tensor {
    Tensor::from_vec(v, shape.to_vec()).unwrap()
}

/// Uses the input twice (through the op and directly) so accumulation is exercised.
fn twice(y: Result<Tensor>, x: &Tensor) -> Result<Tensor> {
    let y = y?;
    ops::add(
        &ops::sum(&y, None, false)?,
        &ops::sum(&ops::square(x)?, None, false)?,
    )
}

/// A random basic index for a tensor of `dims` from `seed`.
fn key_for(dims: &[usize], seed: u64) -> Vec<Index> {
    let mut s = seed;
    let mut next = |m: i64| {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 33) as i64).rem_euclid(m.max(1))
    };
    let mut key = Vec::new();
    if next(3) == 0 {
        key.push(Index::NewAxis);
    }
    for &d in dims {
        let d = d as i64;
        key.push(match next(4) {
            0 => Index::Int(next(2 * d) - d),
            1 => Index::Slice(Some(next(2 * d + 2) - d - 1), None, Some(next(3) + 1)),
            2 => Index::Slice(None, Some(next(2 * d + 2) - d - 1), Some(-(next(3) + 1))),
            _ => Index::full(),
        });
    }
    if next(2) == 0 && !key.is_empty() {
        let at = next(key.len() as i64) as usize;
        key[at] = Index::Ellipsis;
    }
    key
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    #[test]
    fn get_item_random_keys(shape in arb_shape(3, 4), seed in 0u64..1000) {
        let x = rand_tensor(&shape, seed, -1.0, 1.0);
        let key = key_for(&shape, seed);
        check_grad(|a| ops::get_item(&a[0], &key), std::slice::from_ref(&x), TOL);
        check_grad(|a| twice(ops::get_item(&a[0], &key), &a[0]), &[x], TOL);
    }

    #[test]
    fn pad_all_modes(shape in arb_shape(3, 3), seed in 0u64..1000, before in 0usize..4, after in 0usize..4) {
        let x = rand_tensor(&shape, seed, -1.0, 1.0);
        for mode in ["constant", "reflect", "symmetric", "edge", "wrap", "maximum", "minimum", "mean", "median"] {
            check_grad(|a| ops::pad(&a[0], (before, after), mode, None), std::slice::from_ref(&x), TOL);
        }
        check_grad(|a| ops::pad(&a[0], (before, after), "constant", Some(2.5)), &[x], TOL);
    }

    #[test]
    fn tile_repeat_flip_roll(shape in arb_shape(3, 3), seed in 0u64..1000, k in 0usize..3, shift in -5i64..5) {
        let x = rand_tensor(&shape, seed, -1.0, 1.0);
        check_grad(|a| ops::tile(&a[0], &[2, k]), std::slice::from_ref(&x), TOL);
        check_grad(|a| ops::tile(&a[0], &[k + 1]), std::slice::from_ref(&x), TOL);
        check_grad(|a| ops::repeat(&a[0], &[k], None), std::slice::from_ref(&x), TOL);
        check_grad(|a| ops::flip(&a[0], None), std::slice::from_ref(&x), TOL);
        check_grad(|a| ops::roll(&a[0], &[shift], None), std::slice::from_ref(&x), TOL);
        if !shape.is_empty() {
            let n = shape[0];
            let per: Vec<usize> = (0..n).map(|i| (i + k) % 3).collect();
            check_grad(|a| ops::repeat(&a[0], &per, Some(0)), std::slice::from_ref(&x), TOL);
            check_grad(|a| ops::flip(&a[0], -1), std::slice::from_ref(&x), TOL);
            check_grad(|a| ops::roll(&a[0], &[shift, 1], [-1, 0]), std::slice::from_ref(&x), TOL);
            check_grad(|a| twice(ops::roll(&a[0], &[shift], -1), &a[0]), &[x], TOL);
        }
    }

    #[test]
    fn take_along_axis_broadcasting(rows in 1usize..4, cols in 1usize..4, k in 1usize..4, seed in 0u64..1000) {
        let x = rand_tensor(&[rows, cols], seed, -1.0, 1.0);
        let idx: Vec<i32> = (0..rows * k).map(|i| (i as i32 * 7 + seed as i32) % (2 * cols as i32) - cols as i32).collect();
        let idx = ints(idx, &[rows, k]);
        check_grad(|a| ops::take_along_axis(&a[0], &idx, Some(-1)), std::slice::from_ref(&x), TOL);
        let row = ints(vec![0; k], &[1, k]);
        check_grad(|a| ops::take_along_axis(&a[0], &row, Some(1)), std::slice::from_ref(&x), TOL);
        let flat = ints((0..k as i32).map(|i| i % (rows * cols) as i32).collect(), &[k]);
        check_grad(|a| ops::take_along_axis(&a[0], &flat, None), &[x], TOL);
    }
}

#[test]
fn get_item_examples() {
    let x = rand_tensor(&[2, 3, 4], 1, -1.0, 1.0);
    let keys: Vec<Vec<Index>> = vec![
        vec![Index::Int(1)],
        vec![Index::Int(-1), Index::Slice(None, None, Some(-1))],
        vec![
            Index::Ellipsis,
            Index::NewAxis,
            Index::Slice(Some(3), Some(0), Some(-2)),
        ],
        vec![Index::full(), Index::NewAxis, (1..3).into()],
        vec![],
    ];
    for key in &keys {
        check_grad(|a| ops::get_item(&a[0], key), std::slice::from_ref(&x), TOL);
    }
}

#[test]
fn get_item_errors() {
    let x = rand_tensor(&[2, 3], 1, -1.0, 1.0);
    assert!(ops::get_item(&x, &[Index::Int(2)]).is_err());
    assert!(ops::get_item(&x, &[Index::Int(-3)]).is_err());
    assert!(ops::get_item(&x, &[0.into(), 0.into(), 0.into()]).is_err());
    assert!(ops::get_item(&x, &[Index::Ellipsis, Index::Ellipsis]).is_err());
    assert!(ops::get_item(&x, &[Index::Slice(None, None, Some(0))]).is_err());
    let e = ops::get_item(&x, &[Index::Int(5)]).unwrap_err().to_string();
    assert!(e.contains("get_item") && e.contains("(2, 3)"), "{e}");
}

#[test]
fn slices() {
    let x = rand_tensor(&[3, 4], 2, -1.0, 1.0);
    check_grad(
        |a| ops::slice(&a[0], &[1, 2], &[2, -1]),
        std::slice::from_ref(&x),
        TOL,
    );
    // A start past the end is clamped so the block fits.
    check_grad(
        |a| ops::slice(&a[0], &[5, 0], &[2, 4]),
        std::slice::from_ref(&x),
        TOL,
    );
    let u = rand_tensor(&[2, 2], 3, -1.0, 1.0);
    check_grad(
        |a| ops::slice_update(&a[0], &[1, 1], &a[1]),
        &[x.clone(), u.clone()],
        TOL,
    );
    check_grad(
        |a| twice(ops::slice_update(&a[0], &[0, 3], &a[1]), &a[1]),
        &[x.clone(), u],
        TOL,
    );
    assert!(ops::slice(&x, &[0, 0], &[4, 1]).is_err());
    assert!(ops::slice(&x, &[0], &[1]).is_err());
    assert!(ops::slice_update(&x, &[0, 0], &rand_tensor(&[4, 1], 1, 0.0, 1.0)).is_err());
}

#[test]
fn scatters() {
    let idx = ints(vec![1, 0, 2, 1, 1, 0], &[3, 2]);
    let v = rand_tensor(&[3], 4, -1.0, 1.0);
    check_grad(
        |a| ops::scatter(&idx, &a[0], &[3, 2]),
        std::slice::from_ref(&v),
        TOL,
    );
    let rows = ints(vec![2, 0, 2], &[3, 1]);
    let vr = rand_tensor(&[3, 4], 5, -1.0, 1.0);
    check_grad(
        |a| ops::scatter(&rows, &a[0], &[3, 4]),
        std::slice::from_ref(&vr),
        TOL,
    );
    // Broadcast values.
    let vb = rand_tensor(&[4], 6, -1.0, 1.0);
    check_grad(
        |a| ops::scatter(&rows, &a[0], &[3, 4]),
        std::slice::from_ref(&vb),
        TOL,
    );

    let x = rand_tensor(&[3, 4], 7, -1.0, 1.0);
    for red in [None, Some("add"), Some("max"), Some("min"), Some("mul")] {
        check_grad(
            |a| ops::scatter_update(&a[0], &rows, &a[1], red),
            &[x.clone(), vr.clone()],
            TOL,
        );
        check_grad(
            |a| ops::scatter_update(&a[0], &idx, &a[1], red),
            &[x.clone(), v.clone()],
            TOL,
        );
    }
    // Zeros among the factors of a mul scatter.
    let vz = Tensor::from_vec(
        vec![
            0.0f64, 2.0, 0.5, 0.0, 1.5, -1.0, 0.0, 3.0, 1.0, 2.0, -2.0, 0.25,
        ],
        [3, 4],
    )
    .unwrap();
    check_grad(
        |a| ops::scatter_update(&a[0], &rows, &a[1], Some("mul")),
        &[x.clone(), vz],
        TOL,
    );
    assert!(ops::scatter_update(&x, &ints(vec![3], &[1, 1]), &vb, None).is_err());
    assert!(ops::scatter_update(&x, &rows, &vr, Some("avg")).is_err());
    assert!(ops::scatter(&ints(vec![0, 0, 0], &[1, 3]), &v, &[3, 4]).is_err());
}

#[test]
fn triangles_and_diagonals() {
    let x = rand_tensor(&[2, 3, 4], 8, -1.0, 1.0);
    for k in [-2, 0, 1, 5] {
        check_grad(|a| ops::tril(&a[0], k), std::slice::from_ref(&x), TOL);
        check_grad(|a| ops::triu(&a[0], k), std::slice::from_ref(&x), TOL);
        check_grad(
            |a| ops::diagonal(&a[0], k, 1, 2),
            std::slice::from_ref(&x),
            TOL,
        );
        check_grad(
            |a| ops::diagonal(&a[0], k, -1, 0),
            std::slice::from_ref(&x),
            TOL,
        );
    }
    let m = rand_tensor(&[3, 4], 9, -1.0, 1.0);
    let v = rand_tensor(&[3], 10, -1.0, 1.0);
    for k in [-2, 0, 1] {
        check_grad(|a| ops::diag(&a[0], k), std::slice::from_ref(&m), TOL);
        check_grad(|a| ops::diag(&a[0], k), std::slice::from_ref(&v), TOL);
        check_grad(|a| ops::diagflat(&a[0], k), std::slice::from_ref(&m), TOL);
    }
    assert!(ops::tril(&v, 0).is_err());
    assert!(ops::diag(&x, 0).is_err());
    assert!(ops::diagonal(&x, 0, 1, -2).is_err());
}

#[test]
fn select_and_stacks() {
    let c1 = Tensor::from_vec(vec![true, false, false, true], [4]).unwrap();
    let c2 = Tensor::from_vec(vec![false, true, false, true], [1, 4]).unwrap();
    let a = rand_tensor(&[4], 11, -1.0, 1.0);
    let b = rand_tensor(&[2, 4], 12, -1.0, 1.0);
    check_grad(
        |t| ops::select(&[&c1, &c2], &[&t[0], &t[1]], 0.5),
        &[a.clone(), b.clone()],
        TOL,
    );
    check_grad(
        |t| ops::select(&[&c1, &c2], &[&t[0], &t[0]], 0),
        std::slice::from_ref(&a),
        TOL,
    );
    assert!(ops::select(&[&c1], &[&a, &a], 0).is_err());

    let m = rand_tensor(&[2, 3], 13, -1.0, 1.0);
    let n = rand_tensor(&[2, 2], 14, -1.0, 1.0);
    check_grad(
        |t| ops::hstack(&[&t[0], &t[1], &t[0]]),
        &[m.clone(), n.clone()],
        TOL,
    );
    check_grad(
        |t| ops::vstack(&[&t[0], &t[1]]),
        &[m.clone(), rand_tensor(&[3], 15, -1.0, 1.0)],
        TOL,
    );
    check_grad(
        |t| ops::dstack(&[&t[0], &t[0]]),
        std::slice::from_ref(&m),
        TOL,
    );
    check_grad(
        |t| ops::append(&t[0], &t[1], None),
        &[m.clone(), n.clone()],
        TOL,
    );
    check_grad(
        |t| ops::append(&t[0], &t[1], Some(-1)),
        &[m.clone(), n.clone()],
        TOL,
    );
    let u = rand_tensor(&[3], 16, -1.0, 1.0);
    let w = rand_tensor(&[2], 17, -1.0, 1.0);
    for indexing in ["xy", "ij"] {
        check_grad(
            |t| {
                let g = ops::meshgrid(&[&t[0], &t[1], &t[0]], indexing)?;
                ops::add(&ops::multiply(&g[0], &g[1])?, &g[2])
            },
            &[u.clone(), w.clone()],
            TOL,
        );
    }
    assert!(ops::meshgrid(&[&m], "xy").is_err());
    assert!(ops::meshgrid(&[&u], "yx").is_err());
}

#[test]
fn rotations() {
    let x = rand_tensor(&[2, 3, 4], 18, -1.0, 1.0);
    for k in -1..5 {
        check_grad(
            |a| ops::rot90(&a[0], k, [0, 1]),
            std::slice::from_ref(&x),
            TOL,
        );
        check_grad(
            |a| ops::rot90(&a[0], k, [2, -2]),
            std::slice::from_ref(&x),
            TOL,
        );
    }
    check_grad(|a| ops::fliplr(&a[0]), std::slice::from_ref(&x), TOL);
    check_grad(|a| ops::flipud(&a[0]), std::slice::from_ref(&x), TOL);
    assert!(ops::rot90(&x, 1, [1, 1]).is_err());
    assert!(ops::fliplr(&rand_tensor(&[3], 1, 0.0, 1.0)).is_err());
}

#[test]
fn pad_values_and_errors() {
    let x = Tensor::from_vec(vec![1.0f32, 2.0, 3.0], [3]).unwrap();
    let get = |mode: &str, w: usize| {
        ops::pad(&x, w, mode, None)
            .unwrap()
            .to_vec::<f32>()
            .unwrap()
    };
    assert_eq!(
        get("reflect", 5),
        vec![2., 1., 2., 3., 2., 1., 2., 3., 2., 1., 2., 3., 2.]
    );
    assert_eq!(
        get("symmetric", 4),
        vec![3., 3., 2., 1., 1., 2., 3., 3., 2., 1., 1.]
    );
    assert_eq!(
        get("wrap", 4),
        vec![3., 1., 2., 3., 1., 2., 3., 1., 2., 3., 1.]
    );
    assert_eq!(get("edge", 2), vec![1., 1., 1., 2., 3., 3., 3.]);
    assert_eq!(get("mean", 1), vec![2., 1., 2., 3., 2.]);
    let xi = ints(vec![1, 2, 4], &[3]);
    assert_eq!(
        ops::pad(&xi, 1, "mean", None)
            .unwrap()
            .to_vec::<i32>()
            .unwrap(),
        vec![2, 1, 2, 4, 2]
    );
    assert!(ops::pad(&x, 1, "reflect", Some(1.0)).is_err());
    assert_eq!(get("median", 1), vec![2., 1., 2., 3., 2.]);
    let x4 = Tensor::from_vec(vec![4.0f32, 1.0, 3.0, 2.0], [4]).unwrap();
    assert_eq!(
        ops::pad(&x4, 1, "median", None)
            .unwrap()
            .to_vec::<f32>()
            .unwrap(),
        vec![2.5, 4., 1., 3., 2., 2.5]
    );
    assert!(ops::pad(&x, 1, "linear_ramp", None).is_err());
    assert!(ops::pad(&x, vec![(1, 1), (1, 1)], "constant", None).is_err());
    let empty = Tensor::from_vec(Vec::<f32>::new(), [0]).unwrap();
    assert!(ops::pad(&empty, 1, "edge", None).is_err());
    assert_eq!(ops::pad(&empty, 1, "constant", None).unwrap().dims(), &[2]);
}

#[test]
fn index_errors_and_integer_ops() {
    let x = rand_tensor(&[2, 3], 19, -1.0, 1.0);
    assert!(ops::take_along_axis(&x, &ints(vec![3], &[1, 1]), Some(1)).is_err());
    assert!(ops::take_along_axis(&x, &ints(vec![0], &[1]), Some(1)).is_err());
    assert!(ops::repeat(&x, &[1, 2], Some(1)).is_err());
    assert!(ops::roll(&x, &[1, 2, 3], [0, 1]).is_err());
    let nz = ops::nonzero(&ints(vec![0, 3, 0, 4, 0, 5], &[2, 3])).unwrap();
    assert_eq!(nz[0].to_vec::<i32>().unwrap(), vec![0, 1, 1]);
    assert_eq!(nz[1].to_vec::<i32>().unwrap(), vec![1, 0, 2]);
    let oh = ops::one_hot(&ints(vec![0, 2, -1], &[3]), 3, 0, None).unwrap();
    assert_eq!(oh.dims(), &[3, 3]);
    assert_eq!(
        oh.to_vec::<f32>().unwrap(),
        vec![1., 0., 0., 0., 0., 0., 0., 1., 0.]
    );
}
